/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: compiler helpers (include/linux/compiler.h, compiler_types.h,
 * asm-generic/rwonce.h).  READ_ONCE/WRITE_ONCE are volatile accesses exactly
 * as in the kernel; kcheck turns a volatile access into a marked (_ONCE) event.
 */
#ifndef __LINUX_COMPILER_H
#define __LINUX_COMPILER_H

#include <linux/types.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __packed		__attribute__((__packed__))
#define __pure			__attribute__((__pure__))
#define __cold			__attribute__((__cold__))
#define __noreturn		__attribute__((__noreturn__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __weak			__attribute__((__weak__))
#define __init
#define __exit
#define __read_mostly
#define __rcu
#define __user
#define __kernel
#define __iomem
#define __force
#define __percpu
#define __private
#define __acquires(x)
#define __releases(x)
#define __must_hold(x)
#define __cond_lock(x, c)	(c)
#define notrace
/* an empty statement kcheck compiles (clang's attributed one is not): switch cases fall
 * through anyway */
#define fallthrough		do { } while (0)

#define __same_type(a, b)	__builtin_types_compatible_p(typeof(a), typeof(b))

/* barrier(): a compiler barrier; kcheck never reorders a task's own accesses */
#define barrier()		do { } while (0)

#define __scalar_type_to_expr_cases(type)				\
		unsigned type:	(unsigned type)0,			\
		signed type:	(signed type)0

#define __unqual_scalar_typeof(x) typeof(				\
		_Generic((x),						\
			 char:	(char)0,				\
			 __scalar_type_to_expr_cases(char),		\
			 __scalar_type_to_expr_cases(short),		\
			 __scalar_type_to_expr_cases(int),		\
			 __scalar_type_to_expr_cases(long),		\
			 __scalar_type_to_expr_cases(long long),	\
			 default: (x)))

#define __READ_ONCE(x)	(*(const volatile __unqual_scalar_typeof(x) *)&(x))
#define READ_ONCE(x)	__READ_ONCE(x)

#define __WRITE_ONCE(x, val)						\
do {									\
	*(volatile typeof(x) *)&(x) = (val);				\
} while (0)
#define WRITE_ONCE(x, val)	__WRITE_ONCE(x, val)

/*
 * A deliberate data race the kernel marks as such: plain accesses (ordered as
 * plain ones), never reported as a data race - the begin/end pair marks, when
 * the C is compiled, the accesses of expr (kcheck/c/_kernel.py).
 */
extern void __kcheck_data_race_begin(void);
extern void __kcheck_data_race_end(void);
#define data_race(expr) ({						\
	__kcheck_data_race_begin();					\
	typeof(({ expr; })) __kcheck_v = (expr);			\
	__kcheck_data_race_end();					\
	__kcheck_v;							\
})

#define unreachable()		__builtin_unreachable()

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON failed: " #cond)
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)

/* as the kernel's (via asm/rwonce.h): the barriers come with the compiler helpers */
#include <asm/barrier.h>

#endif /* __LINUX_COMPILER_H */
