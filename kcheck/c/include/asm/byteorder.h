/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: x86 is little-endian: the le conversions are the identity, the be
 * ones swap bytes. */
#ifndef _ASM_BYTEORDER_H
#define _ASM_BYTEORDER_H
#include <linux/types.h>

static inline __u16 __swab16(__u16 x)
{
	return (__u16)((x << 8) | (x >> 8));
}

static inline __u32 __swab32(__u32 x)
{
	return ((x & 0xffU) << 24) | ((x & 0xff00U) << 8) | ((x >> 8) & 0xff00U) | (x >> 24);
}

static inline __u64 __swab64(__u64 x)
{
	return ((__u64)__swab32((__u32)x) << 32) | __swab32((__u32)(x >> 32));
}
#define cpu_to_le16(x)	((__u16)(x))
#define le16_to_cpu(x)	((__u16)(x))
#define cpu_to_le32(x)	((__u32)(x))
#define le32_to_cpu(x)	((__u32)(x))
#define cpu_to_le64(x)	((__u64)(x))
#define le64_to_cpu(x)	((__u64)(x))
#define cpu_to_be16(x)	__swab16((__u16)(x))
#define be16_to_cpu(x)	__swab16((__u16)(x))
#define cpu_to_be32(x)	__swab32((__u32)(x))
#define be32_to_cpu(x)	__swab32((__u32)(x))
#define cpu_to_be64(x)	__swab64((__u64)(x))
#define be64_to_cpu(x)	__swab64((__u64)(x))
#endif
