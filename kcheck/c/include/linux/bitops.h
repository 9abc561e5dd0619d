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

#endif
