/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * kcheck: allocation-size helpers (include/linux/overflow.h).  As the kernel's:
 * a size that overflows saturates at SIZE_MAX, so that the allocation fails
 * instead of being too small.
 */
#ifndef __LINUX_OVERFLOW_H
#define __LINUX_OVERFLOW_H

#include <linux/types.h>
#include <linux/limits.h>

/*
 * true if a OP b does not fit in *d; *d gets the result wrapped to its type
 * (GCC's builtins, computed with infinite precision)
 */
#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d)	__builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

static inline size_t size_mul(size_t factor1, size_t factor2)
{
	if (factor1 && factor2 > SIZE_MAX / factor1)
		return SIZE_MAX;
	return factor1 * factor2;
}

static inline size_t size_add(size_t addend1, size_t addend2)
{
	if (addend2 > SIZE_MAX - addend1)
		return SIZE_MAX;
	return addend1 + addend2;
}

static inline size_t size_sub(size_t minuend, size_t subtrahend)
{
	if (minuend == SIZE_MAX || subtrahend == SIZE_MAX || minuend < subtrahend)
		return SIZE_MAX;
	return minuend - subtrahend;
}

#define array_size(a, b)		size_mul(a, b)
#define array3_size(a, b, c)		size_mul(size_mul(a, b), c)
#define flex_array_size(p, member, count)	size_mul(count, sizeof(*(p)->member))
#define struct_size(p, member, count)	size_add(sizeof(*(p)), flex_array_size(p, member, count))
#define struct_size_t(type, member, count)	struct_size((type *)NULL, member, count)

#endif
