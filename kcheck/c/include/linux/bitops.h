/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: bit operations on a word or a bitmap (Documentation/atomic_bitops.txt),
 * kcheck.kernel's: test_and_* fully ordered when they change the bit, the
 * _lock/_unlock forms acquire/release, the __ forms a plain load and store.
 */
#ifndef _LINUX_BITOPS_H
#define _LINUX_BITOPS_H

#include <linux/types.h>
#include <linux/kernel.h>

#define BITS_PER_LONG		64
#define BITS_TO_LONGS(nr)	DIV_ROUND_UP(nr, BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]

extern void set_bit(long nr, volatile unsigned long *addr);
extern void clear_bit(long nr, volatile unsigned long *addr);
extern void change_bit(long nr, volatile unsigned long *addr);
extern void clear_bit_unlock(long nr, volatile unsigned long *addr);
extern bool test_bit(long nr, const volatile unsigned long *addr);
extern bool test_bit_acquire(long nr, const volatile unsigned long *addr);
extern bool test_and_set_bit(long nr, volatile unsigned long *addr);
extern bool test_and_clear_bit(long nr, volatile unsigned long *addr);
extern bool test_and_change_bit(long nr, volatile unsigned long *addr);
extern bool test_and_set_bit_lock(long nr, volatile unsigned long *addr);
extern void __set_bit(long nr, volatile unsigned long *addr);
extern void __clear_bit(long nr, volatile unsigned long *addr);
extern void __change_bit(long nr, volatile unsigned long *addr);
extern void __clear_bit_unlock(long nr, volatile unsigned long *addr);
extern bool __test_and_set_bit(long nr, volatile unsigned long *addr);
extern bool __test_and_clear_bit(long nr, volatile unsigned long *addr);
extern unsigned long find_first_bit(const unsigned long *addr, unsigned long size);

#define BITS_PER_BYTE		8
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)

/* the kernel's generic helpers, on GCC's builtins as the kernel has them */
static inline unsigned int hweight8(unsigned int w) { return __builtin_popcount(w & 0xff); }
static inline unsigned int hweight16(unsigned int w) { return __builtin_popcount(w & 0xffff); }
static inline unsigned int hweight32(unsigned int w) { return __builtin_popcount(w); }
static inline unsigned long hweight64(__u64 w) { return __builtin_popcountll(w); }
static inline unsigned long hweight_long(unsigned long w) { return __builtin_popcountl(w); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int fls64(__u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline int fls_long(unsigned long x) { return fls64(x); }
static inline int ffs(int x) { return __builtin_ffs(x); }
/* undefined for 0, as the kernel's: check first */
static inline unsigned long __ffs(unsigned long word) { return __builtin_ctzl(word); }
static inline unsigned long __fls(unsigned long word) { return 63 - __builtin_clzl(word); }
#define ffz(x)			__ffs(~(x))

/*
 * lib/find_bit.c's searches: each word read once with a plain load, as the
 * kernel's do (a concurrent set_bit() may or may not be seen)
 */
static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	while (offset < size) {
		unsigned long w = addr[offset / BITS_PER_LONG] >> (offset % BITS_PER_LONG);

		if (w) {
			offset += __ffs(w);
			return offset < size ? offset : size;
		}
		offset = (offset / BITS_PER_LONG + 1) * BITS_PER_LONG;
	}
	return size;
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	while (offset < size) {
		unsigned long w = ~addr[offset / BITS_PER_LONG] >> (offset % BITS_PER_LONG);

		if (w) {
			offset += __ffs(w);
			return offset < size ? offset : size;
		}
		offset = (offset / BITS_PER_LONG + 1) * BITS_PER_LONG;
	}
	return size;
}

#define find_first_zero_bit(addr, size)	find_next_zero_bit((addr), (size), 0)

#define for_each_set_bit(bit, addr, size) \
	for ((bit) = find_next_bit((addr), (size), 0); (bit) < (size); \
	     (bit) = find_next_bit((addr), (size), (bit) + 1))
#define for_each_clear_bit(bit, addr, size) \
	for ((bit) = find_next_zero_bit((addr), (size), 0); (bit) < (size); \
	     (bit) = find_next_zero_bit((addr), (size), (bit) + 1))

#endif
