/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: xchg() and cmpxchg(), type-generic macros as in the kernel: the
 * pointer's target type is the operand type, so xchg() on a bit-field does
 * not compile (clang: "address of bit-field requested"), as in the kernel.
 */
#ifndef _ASM_CMPXCHG_H
#define _ASM_CMPXCHG_H
#include <linux/compiler.h>

#define __kc_xchg(ptr, x, fl, name) ({					\
	__typeof__(*(ptr)) __new = (x);					\
	(__typeof__(*(ptr)))__kcheck_xchg((ptr), fl, name, __new); })
#define __kc_cmpxchg(ptr, o, n, fl, name) ({				\
	__typeof__(*(ptr)) __old = (o);					\
	__typeof__(*(ptr)) __new = (n);					\
	(__typeof__(*(ptr)))__kcheck_cmpxchg((ptr), fl, name, __old, __new); })
#define __kc_try_cmpxchg(ptr, po, n, fl, name) ({			\
	__typeof__(*(ptr)) *__po = (po);				\
	__typeof__(*(ptr)) __new = (n);					\
	__kcheck_try_cmpxchg((ptr), __po, fl, name, __new); })

#define xchg(ptr, x)			__kc_xchg(ptr, x, __KC_FULL, "xchg")
#define xchg_relaxed(ptr, x)		__kc_xchg(ptr, x, __KC_ONCE, "xchg_relaxed")
#define xchg_acquire(ptr, x)		__kc_xchg(ptr, x, __KC_ACQ, "xchg_acquire")
#define xchg_release(ptr, x)		__kc_xchg(ptr, x, __KC_REL, "xchg_release")
#define cmpxchg(ptr, o, n)		__kc_cmpxchg(ptr, o, n, __KC_FULL, "cmpxchg")
#define cmpxchg_relaxed(ptr, o, n)	__kc_cmpxchg(ptr, o, n, __KC_ONCE, "cmpxchg_relaxed")
#define cmpxchg_acquire(ptr, o, n)	__kc_cmpxchg(ptr, o, n, __KC_ACQ, "cmpxchg_acquire")
#define cmpxchg_release(ptr, o, n)	__kc_cmpxchg(ptr, o, n, __KC_REL, "cmpxchg_release")
#define cmpxchg64(ptr, o, n)		cmpxchg(ptr, o, n)
#define xchg64(ptr, x)			xchg(ptr, x)
#define try_cmpxchg(ptr, po, n)		__kc_try_cmpxchg(ptr, po, n, __KC_FULL, "try_cmpxchg")
#define try_cmpxchg_relaxed(ptr, po, n)	__kc_try_cmpxchg(ptr, po, n, __KC_ONCE, "try_cmpxchg_relaxed")
#define try_cmpxchg_acquire(ptr, po, n)	__kc_try_cmpxchg(ptr, po, n, __KC_ACQ, "try_cmpxchg_acquire")
#define try_cmpxchg_release(ptr, po, n)	__kc_try_cmpxchg(ptr, po, n, __KC_REL, "try_cmpxchg_release")
#define try_cmpxchg64(ptr, po, n)	try_cmpxchg(ptr, po, n)

#endif
