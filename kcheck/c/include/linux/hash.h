/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: the kernel's multiplicative hashes (include/linux/hash.h), kcheck.kernel's. */
#ifndef _LINUX_HASH_H
#define _LINUX_HASH_H
#include <linux/types.h>
extern u32 hash_32(u32 val, unsigned int bits);
extern u32 hash_64(u64 val, unsigned int bits);
#define hash_long(val, bits)	hash_64(val, bits)
#endif
