/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _STDINT_H
#define _STDINT_H
#include <linux/types.h>
typedef s8 int8_t;
typedef u8 uint8_t;
typedef s16 int16_t;
typedef u16 uint16_t;
typedef s32 int32_t;
typedef u32 uint32_t;
typedef s64 int64_t;
typedef u64 uint64_t;
#endif
