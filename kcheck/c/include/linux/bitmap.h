/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: the non-atomic bitmap helpers of include/linux/bitmap.h, as plain
 * loads and stores of the bitmap's words (the kernel's are not atomic either:
 * concurrent users hold a lock, or use set_bit() and friends).
 */
#ifndef __LINUX_BITMAP_H
#define __LINUX_BITMAP_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/string.h>

#define BITMAP_FIRST_WORD_MASK(start)	(~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits)	(~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src, unsigned int nbits)
{
	memcpy(dst, src, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_next_bit(src, nbits, 0) >= nbits;
}

static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{
	return find_next_zero_bit(src, nbits, 0) >= nbits;
}

static inline unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits / BITS_PER_LONG; i++)
		w += hweight_long(src[i]);
	if (nbits % BITS_PER_LONG)
		w += hweight_long(src[i] & BITMAP_LAST_WORD_MASK(nbits));
	return w;
}

static inline void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits)
{
	while (nbits--)
		__set_bit(start++, map);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits)
{
	while (nbits--)
		__clear_bit(start++, map);
}

static inline bool bitmap_equal(const unsigned long *a, const unsigned long *b, unsigned int nbits)
{
	unsigned int i;

	for (i = 0; i < nbits / BITS_PER_LONG; i++)
		if (a[i] != b[i])
			return false;
	if (nbits % BITS_PER_LONG)
		return ((a[i] ^ b[i]) & BITMAP_LAST_WORD_MASK(nbits)) == 0;
	return true;
}

#endif
