/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: atomic_t, atomic64_t and atomic_long_t (include/linux/atomic.h,
 * Documentation/atomic_t.txt).  Each function is kcheck.kernel's of the same
 * name: value-returning RMWs are fully ordered, _relaxed ones unordered,
 * _acquire/_release order one side; void RMWs and atomic_read/atomic_set are
 * unordered.  (This file is generated from that list; edit both together.)
 */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <asm/cmpxchg.h>

/* atomic_t */
extern int atomic_read(const atomic_t *v);
extern int atomic_read_acquire(const atomic_t *v);
extern void atomic_set(atomic_t *v, int i);
extern void atomic_set_release(atomic_t *v, int i);
extern void atomic_add(int i, atomic_t *v);
extern int atomic_fetch_add(int i, atomic_t *v);
extern int atomic_fetch_add_relaxed(int i, atomic_t *v);
extern int atomic_fetch_add_acquire(int i, atomic_t *v);
extern int atomic_fetch_add_release(int i, atomic_t *v);
extern int atomic_add_return(int i, atomic_t *v);
extern int atomic_add_return_relaxed(int i, atomic_t *v);
extern int atomic_add_return_acquire(int i, atomic_t *v);
extern int atomic_add_return_release(int i, atomic_t *v);
extern void atomic_sub(int i, atomic_t *v);
extern int atomic_fetch_sub(int i, atomic_t *v);
extern int atomic_fetch_sub_relaxed(int i, atomic_t *v);
extern int atomic_fetch_sub_acquire(int i, atomic_t *v);
extern int atomic_fetch_sub_release(int i, atomic_t *v);
extern int atomic_sub_return(int i, atomic_t *v);
extern int atomic_sub_return_relaxed(int i, atomic_t *v);
extern int atomic_sub_return_acquire(int i, atomic_t *v);
extern int atomic_sub_return_release(int i, atomic_t *v);
extern void atomic_and(int i, atomic_t *v);
extern int atomic_fetch_and(int i, atomic_t *v);
extern int atomic_fetch_and_relaxed(int i, atomic_t *v);
extern int atomic_fetch_and_acquire(int i, atomic_t *v);
extern int atomic_fetch_and_release(int i, atomic_t *v);
extern void atomic_or(int i, atomic_t *v);
extern int atomic_fetch_or(int i, atomic_t *v);
extern int atomic_fetch_or_relaxed(int i, atomic_t *v);
extern int atomic_fetch_or_acquire(int i, atomic_t *v);
extern int atomic_fetch_or_release(int i, atomic_t *v);
extern void atomic_xor(int i, atomic_t *v);
extern int atomic_fetch_xor(int i, atomic_t *v);
extern int atomic_fetch_xor_relaxed(int i, atomic_t *v);
extern int atomic_fetch_xor_acquire(int i, atomic_t *v);
extern int atomic_fetch_xor_release(int i, atomic_t *v);
extern void atomic_andnot(int i, atomic_t *v);
extern int atomic_fetch_andnot(int i, atomic_t *v);
extern int atomic_fetch_andnot_relaxed(int i, atomic_t *v);
extern int atomic_fetch_andnot_acquire(int i, atomic_t *v);
extern int atomic_fetch_andnot_release(int i, atomic_t *v);
extern void atomic_inc(atomic_t *v);
extern void atomic_dec(atomic_t *v);
extern int atomic_inc_return(atomic_t *v);
extern int atomic_dec_return(atomic_t *v);
extern int atomic_fetch_inc(atomic_t *v);
extern int atomic_fetch_dec(atomic_t *v);
extern int atomic_xchg(atomic_t *v, int new);
extern int atomic_cmpxchg(atomic_t *v, int old, int new);
extern bool atomic_try_cmpxchg(atomic_t *v, int *old, int new);
extern int atomic_inc_return_relaxed(atomic_t *v);
extern int atomic_dec_return_relaxed(atomic_t *v);
extern int atomic_fetch_inc_relaxed(atomic_t *v);
extern int atomic_fetch_dec_relaxed(atomic_t *v);
extern int atomic_xchg_relaxed(atomic_t *v, int new);
extern int atomic_cmpxchg_relaxed(atomic_t *v, int old, int new);
extern bool atomic_try_cmpxchg_relaxed(atomic_t *v, int *old, int new);
extern int atomic_inc_return_acquire(atomic_t *v);
extern int atomic_dec_return_acquire(atomic_t *v);
extern int atomic_fetch_inc_acquire(atomic_t *v);
extern int atomic_fetch_dec_acquire(atomic_t *v);
extern int atomic_xchg_acquire(atomic_t *v, int new);
extern int atomic_cmpxchg_acquire(atomic_t *v, int old, int new);
extern bool atomic_try_cmpxchg_acquire(atomic_t *v, int *old, int new);
extern int atomic_inc_return_release(atomic_t *v);
extern int atomic_dec_return_release(atomic_t *v);
extern int atomic_fetch_inc_release(atomic_t *v);
extern int atomic_fetch_dec_release(atomic_t *v);
extern int atomic_xchg_release(atomic_t *v, int new);
extern int atomic_cmpxchg_release(atomic_t *v, int old, int new);
extern bool atomic_try_cmpxchg_release(atomic_t *v, int *old, int new);
extern bool atomic_sub_and_test(int i, atomic_t *v);
extern bool atomic_dec_and_test(atomic_t *v);
extern bool atomic_inc_and_test(atomic_t *v);
extern bool atomic_add_negative(int i, atomic_t *v);
extern int atomic_fetch_add_unless(atomic_t *v, int a, int u);
extern bool atomic_add_unless(atomic_t *v, int a, int u);
extern bool atomic_inc_not_zero(atomic_t *v);
extern bool atomic_add_negative_relaxed(int i, atomic_t *v);
extern bool atomic_add_negative_acquire(int i, atomic_t *v);
extern bool atomic_add_negative_release(int i, atomic_t *v);
extern bool atomic_inc_unless_negative(atomic_t *v);
extern bool atomic_dec_unless_positive(atomic_t *v);
extern int atomic_dec_if_positive(atomic_t *v);

/* atomic64_t */
extern s64 atomic64_read(const atomic64_t *v);
extern s64 atomic64_read_acquire(const atomic64_t *v);
extern void atomic64_set(atomic64_t *v, s64 i);
extern void atomic64_set_release(atomic64_t *v, s64 i);
extern void atomic64_add(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_add(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_add_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_add_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_add_release(s64 i, atomic64_t *v);
extern s64 atomic64_add_return(s64 i, atomic64_t *v);
extern s64 atomic64_add_return_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_add_return_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_add_return_release(s64 i, atomic64_t *v);
extern void atomic64_sub(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_sub(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_sub_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_sub_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_sub_release(s64 i, atomic64_t *v);
extern s64 atomic64_sub_return(s64 i, atomic64_t *v);
extern s64 atomic64_sub_return_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_sub_return_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_sub_return_release(s64 i, atomic64_t *v);
extern void atomic64_and(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_and(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_and_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_and_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_and_release(s64 i, atomic64_t *v);
extern void atomic64_or(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_or(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_or_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_or_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_or_release(s64 i, atomic64_t *v);
extern void atomic64_xor(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_xor(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_xor_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_xor_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_xor_release(s64 i, atomic64_t *v);
extern void atomic64_andnot(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_andnot(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_andnot_relaxed(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_andnot_acquire(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_andnot_release(s64 i, atomic64_t *v);
extern void atomic64_inc(atomic64_t *v);
extern void atomic64_dec(atomic64_t *v);
extern s64 atomic64_inc_return(atomic64_t *v);
extern s64 atomic64_dec_return(atomic64_t *v);
extern s64 atomic64_fetch_inc(atomic64_t *v);
extern s64 atomic64_fetch_dec(atomic64_t *v);
extern s64 atomic64_xchg(atomic64_t *v, s64 new);
extern s64 atomic64_cmpxchg(atomic64_t *v, s64 old, s64 new);
extern bool atomic64_try_cmpxchg(atomic64_t *v, s64 *old, s64 new);
extern s64 atomic64_inc_return_relaxed(atomic64_t *v);
extern s64 atomic64_dec_return_relaxed(atomic64_t *v);
extern s64 atomic64_fetch_inc_relaxed(atomic64_t *v);
extern s64 atomic64_fetch_dec_relaxed(atomic64_t *v);
extern s64 atomic64_xchg_relaxed(atomic64_t *v, s64 new);
extern s64 atomic64_cmpxchg_relaxed(atomic64_t *v, s64 old, s64 new);
extern bool atomic64_try_cmpxchg_relaxed(atomic64_t *v, s64 *old, s64 new);
extern s64 atomic64_inc_return_acquire(atomic64_t *v);
extern s64 atomic64_dec_return_acquire(atomic64_t *v);
extern s64 atomic64_fetch_inc_acquire(atomic64_t *v);
extern s64 atomic64_fetch_dec_acquire(atomic64_t *v);
extern s64 atomic64_xchg_acquire(atomic64_t *v, s64 new);
extern s64 atomic64_cmpxchg_acquire(atomic64_t *v, s64 old, s64 new);
extern bool atomic64_try_cmpxchg_acquire(atomic64_t *v, s64 *old, s64 new);
extern s64 atomic64_inc_return_release(atomic64_t *v);
extern s64 atomic64_dec_return_release(atomic64_t *v);
extern s64 atomic64_fetch_inc_release(atomic64_t *v);
extern s64 atomic64_fetch_dec_release(atomic64_t *v);
extern s64 atomic64_xchg_release(atomic64_t *v, s64 new);
extern s64 atomic64_cmpxchg_release(atomic64_t *v, s64 old, s64 new);
extern bool atomic64_try_cmpxchg_release(atomic64_t *v, s64 *old, s64 new);
extern bool atomic64_sub_and_test(s64 i, atomic64_t *v);
extern bool atomic64_dec_and_test(atomic64_t *v);
extern bool atomic64_inc_and_test(atomic64_t *v);
extern bool atomic64_add_negative(s64 i, atomic64_t *v);
extern s64 atomic64_fetch_add_unless(atomic64_t *v, s64 a, s64 u);
extern bool atomic64_add_unless(atomic64_t *v, s64 a, s64 u);
extern bool atomic64_inc_not_zero(atomic64_t *v);
extern bool atomic64_add_negative_relaxed(s64 i, atomic64_t *v);
extern bool atomic64_add_negative_acquire(s64 i, atomic64_t *v);
extern bool atomic64_add_negative_release(s64 i, atomic64_t *v);
extern bool atomic64_inc_unless_negative(atomic64_t *v);
extern bool atomic64_dec_unless_positive(atomic64_t *v);
extern s64 atomic64_dec_if_positive(atomic64_t *v);

/* atomic_long_t is atomic64_t on 64-bit kernels */
#define atomic_long_add atomic64_add
#define atomic_long_add_negative atomic64_add_negative
#define atomic_long_add_negative_acquire atomic64_add_negative_acquire
#define atomic_long_add_negative_relaxed atomic64_add_negative_relaxed
#define atomic_long_add_negative_release atomic64_add_negative_release
#define atomic_long_add_return atomic64_add_return
#define atomic_long_add_return_acquire atomic64_add_return_acquire
#define atomic_long_add_return_relaxed atomic64_add_return_relaxed
#define atomic_long_add_return_release atomic64_add_return_release
#define atomic_long_add_unless atomic64_add_unless
#define atomic_long_and atomic64_and
#define atomic_long_andnot atomic64_andnot
#define atomic_long_cmpxchg atomic64_cmpxchg
#define atomic_long_cmpxchg_acquire atomic64_cmpxchg_acquire
#define atomic_long_cmpxchg_relaxed atomic64_cmpxchg_relaxed
#define atomic_long_cmpxchg_release atomic64_cmpxchg_release
#define atomic_long_dec atomic64_dec
#define atomic_long_dec_and_test atomic64_dec_and_test
#define atomic_long_dec_if_positive atomic64_dec_if_positive
#define atomic_long_dec_return atomic64_dec_return
#define atomic_long_dec_return_acquire atomic64_dec_return_acquire
#define atomic_long_dec_return_relaxed atomic64_dec_return_relaxed
#define atomic_long_dec_return_release atomic64_dec_return_release
#define atomic_long_dec_unless_positive atomic64_dec_unless_positive
#define atomic_long_fetch_add atomic64_fetch_add
#define atomic_long_fetch_add_acquire atomic64_fetch_add_acquire
#define atomic_long_fetch_add_relaxed atomic64_fetch_add_relaxed
#define atomic_long_fetch_add_release atomic64_fetch_add_release
#define atomic_long_fetch_add_unless atomic64_fetch_add_unless
#define atomic_long_fetch_and atomic64_fetch_and
#define atomic_long_fetch_and_acquire atomic64_fetch_and_acquire
#define atomic_long_fetch_and_relaxed atomic64_fetch_and_relaxed
#define atomic_long_fetch_and_release atomic64_fetch_and_release
#define atomic_long_fetch_andnot atomic64_fetch_andnot
#define atomic_long_fetch_andnot_acquire atomic64_fetch_andnot_acquire
#define atomic_long_fetch_andnot_relaxed atomic64_fetch_andnot_relaxed
#define atomic_long_fetch_andnot_release atomic64_fetch_andnot_release
#define atomic_long_fetch_dec atomic64_fetch_dec
#define atomic_long_fetch_dec_acquire atomic64_fetch_dec_acquire
#define atomic_long_fetch_dec_relaxed atomic64_fetch_dec_relaxed
#define atomic_long_fetch_dec_release atomic64_fetch_dec_release
#define atomic_long_fetch_inc atomic64_fetch_inc
#define atomic_long_fetch_inc_acquire atomic64_fetch_inc_acquire
#define atomic_long_fetch_inc_relaxed atomic64_fetch_inc_relaxed
#define atomic_long_fetch_inc_release atomic64_fetch_inc_release
#define atomic_long_fetch_or atomic64_fetch_or
#define atomic_long_fetch_or_acquire atomic64_fetch_or_acquire
#define atomic_long_fetch_or_relaxed atomic64_fetch_or_relaxed
#define atomic_long_fetch_or_release atomic64_fetch_or_release
#define atomic_long_fetch_sub atomic64_fetch_sub
#define atomic_long_fetch_sub_acquire atomic64_fetch_sub_acquire
#define atomic_long_fetch_sub_relaxed atomic64_fetch_sub_relaxed
#define atomic_long_fetch_sub_release atomic64_fetch_sub_release
#define atomic_long_fetch_xor atomic64_fetch_xor
#define atomic_long_fetch_xor_acquire atomic64_fetch_xor_acquire
#define atomic_long_fetch_xor_relaxed atomic64_fetch_xor_relaxed
#define atomic_long_fetch_xor_release atomic64_fetch_xor_release
#define atomic_long_inc atomic64_inc
#define atomic_long_inc_and_test atomic64_inc_and_test
#define atomic_long_inc_not_zero atomic64_inc_not_zero
#define atomic_long_inc_return atomic64_inc_return
#define atomic_long_inc_return_acquire atomic64_inc_return_acquire
#define atomic_long_inc_return_relaxed atomic64_inc_return_relaxed
#define atomic_long_inc_return_release atomic64_inc_return_release
#define atomic_long_inc_unless_negative atomic64_inc_unless_negative
#define atomic_long_or atomic64_or
#define atomic_long_read atomic64_read
#define atomic_long_read_acquire atomic64_read_acquire
#define atomic_long_set atomic64_set
#define atomic_long_set_release atomic64_set_release
#define atomic_long_sub atomic64_sub
#define atomic_long_sub_and_test atomic64_sub_and_test
#define atomic_long_sub_return atomic64_sub_return
#define atomic_long_sub_return_acquire atomic64_sub_return_acquire
#define atomic_long_sub_return_relaxed atomic64_sub_return_relaxed
#define atomic_long_sub_return_release atomic64_sub_return_release
#define atomic_long_try_cmpxchg atomic64_try_cmpxchg
#define atomic_long_try_cmpxchg_acquire atomic64_try_cmpxchg_acquire
#define atomic_long_try_cmpxchg_relaxed atomic64_try_cmpxchg_relaxed
#define atomic_long_try_cmpxchg_release atomic64_try_cmpxchg_release
#define atomic_long_xchg atomic64_xchg
#define atomic_long_xchg_acquire atomic64_xchg_acquire
#define atomic_long_xchg_relaxed atomic64_xchg_relaxed
#define atomic_long_xchg_release atomic64_xchg_release
#define atomic_long_xor atomic64_xor

/* the wait on an atomic_t's counter (VAL in cond names the value read) */
#define atomic_cond_read_relaxed(v, c)	smp_cond_load_relaxed(&(v)->counter, (c))
#define atomic_cond_read_acquire(v, c)	smp_cond_load_acquire(&(v)->counter, (c))

#endif /* _LINUX_ATOMIC_H */
