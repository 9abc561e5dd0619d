/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What kcheck's C runtime provides underneath the kernel headers.  Every
 * __kcheck_* function is implemented by kcheck (kcheck/c/_kernel.py); the
 * kernel macros in the other headers expand to them.  Flags are event
 * annotations for the memory model: marked (_ONCE), acquire, release, full.
 */
#ifndef _KCHECK_INTRINSICS_H
#define _KCHECK_INTRINSICS_H

#define __KC_PLAIN	0
#define __KC_ONCE	1
#define __KC_ACQ	3
#define __KC_REL	5
#define __KC_FULL	15

/* a load, a store, an exchange, a compare-and-exchange of *p, typed by p */
extern unsigned long __kcheck_load(const volatile void *p, int flags, const char *op);
extern void __kcheck_store(volatile void *p, int flags, const char *op, ...);
extern unsigned long __kcheck_xchg(volatile void *p, int flags, const char *op, ...);
extern unsigned long __kcheck_cmpxchg(volatile void *p, int flags, const char *op, ...);
/* try_cmpxchg: returns whether it swapped; on failure *old gets the value seen */
extern _Bool __kcheck_try_cmpxchg(volatile void *p, void *old, int flags, const char *op, ...);
/* kcheck.kernel's primitive NAME on the location p points at, typed by p
 * (rcu_dereference(), rcu_assign_pointer() ...): extra arguments follow */
extern unsigned long __kcheck_pyloc(const volatile void *p, const char *name, ...);
/* a fence event: smp_mb(), smp_wmb(), ... (--drop-barrier can switch one off) */
extern void __kcheck_fence(const char *name);
/* WARN_ON and friends: report a kernel bug at the caller's line when cond is true */
extern int __kcheck_warn(long cond, const char *kind, const char *fmt, ...);
extern void __kcheck_assert_fail(const char *expr);
/* a lockdep report at the caller's line when cond is false */
extern void __kcheck_lockdep(long cond, const char *msg);
/* explorer choices */
extern int kcheck_nondet(int n);
extern void kcheck_assume(long cond);

#endif
