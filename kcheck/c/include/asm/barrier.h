/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: memory barriers (include/asm-generic/barrier.h).  Each barrier is
 * a fence event: nothing under sequential consistency, its meaning under the
 * LKMM.  smp_load_acquire() and friends are typed by their pointer, as the
 * kernel's macros are.
 */
#ifndef __ASM_BARRIER_H
#define __ASM_BARRIER_H
#include <linux/compiler.h>

#define smp_mb()			__kcheck_fence("smp_mb")
#define smp_rmb()			__kcheck_fence("smp_rmb")
#define smp_wmb()			__kcheck_fence("smp_wmb")
#define mb()				smp_mb()
#define rmb()				smp_rmb()
#define wmb()				smp_wmb()
#define smp_mb__before_atomic()		__kcheck_fence("smp_mb__before_atomic")
#define smp_mb__after_atomic()		__kcheck_fence("smp_mb__after_atomic")
#define smp_mb__after_spinlock()	__kcheck_fence("smp_mb__after_spinlock")
#define smp_mb__after_unlock_lock()	__kcheck_fence("smp_mb__after_unlock_lock")
#define smp_acquire__after_ctrl_dep()	__kcheck_fence("smp_acquire__after_ctrl_dep")

#define smp_load_acquire(p)						\
	((typeof(*(p)))__kcheck_load((p), __KC_ACQ, "smp_load_acquire"))
#define smp_store_release(p, v)						\
	do { typeof(*(p)) __v = (v); __kcheck_store((p), __KC_REL, "smp_store_release", __v); } while (0)
/* linux-kernel.def and asm-generic: a WRITE_ONCE, then a full barrier (x86's xchg
 * orders more than the LKMM promises) */
#define smp_store_mb(var, value)					\
	do { WRITE_ONCE(var, value); smp_mb(); } while (0)

/* cpu_relax(): the body of a busy-wait loop (kcheck blocks the task until what
 * it read last changes: a fair scheduler would let the writer run) */
extern void cpu_relax(void);

#define smp_cond_load_relaxed(ptr, cond_expr) ({			\
	typeof(ptr) __PTR = (ptr);					\
	__unqual_scalar_typeof(*ptr) VAL;				\
	for (;;) {							\
		VAL = READ_ONCE(*__PTR);				\
		if (cond_expr)						\
			break;						\
		cpu_relax();						\
	}								\
	(typeof(*ptr))VAL;						\
})

#define smp_cond_load_acquire(ptr, cond_expr) ({			\
	__unqual_scalar_typeof(*ptr) _val;				\
	_val = smp_cond_load_relaxed(ptr, cond_expr);			\
	smp_acquire__after_ctrl_dep();					\
	(typeof(*ptr))_val;						\
})

#endif
