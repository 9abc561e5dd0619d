/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: scope-based cleanup (include/linux/cleanup.h): guard(),
 * scoped_guard(), __free(), no_free_ptr(), return_ptr(), and the
 * DEFINE_GUARD / DEFINE_LOCK_GUARD_0 / DEFINE_FREE / DEFINE_CLASS that make
 * them.  A variable with a cleanup runs it when it goes out of scope - at
 * its block's end, a return, a break or a goto out of it - last declared
 * first, as the compiler does.  Simpler than the kernel's (no conditional
 * guards, no guard pointers), the same at the call site.
 */
#ifndef _LINUX_CLEANUP_H
#define _LINUX_CLEANUP_H

#include <linux/compiler.h>

/* kcheck reads the function from the annotation (libclang hides the attribute's argument) */
#define __kcheck_cleanup(func)	__attribute__((__cleanup__(func), annotate("kcheck:cleanup:" #func)))
#define __cleanup(func)		__kcheck_cleanup(func)

#define __kcheck_paste2(a, b)	a##b
#define __kcheck_paste(a, b)	__kcheck_paste2(a, b)
#ifndef __UNIQUE_ID
#define __UNIQUE_ID(prefix)	__kcheck_paste(__kcheck_paste(__UNIQUE_ID_, prefix), __COUNTER__)
#endif

#define DEFINE_FREE(_name, _type, _free) \
	static inline void __free_##_name(void *p) { _type _T = *(_type *)p; _free; }
#define __free(_name)		__kcheck_cleanup(__free_##_name)

#define no_free_ptr(p)		({ __auto_type __ptr = (p); (p) = NULL; __ptr; })
#define return_ptr(p)		return no_free_ptr(p)

#define DEFINE_CLASS(_name, _type, _exit, _init, _init_args...)			\
typedef _type class_##_name##_t;						\
static inline void class_##_name##_destructor(_type *p)			\
{ _type _T = *p; _exit; }							\
static inline _type class_##_name##_constructor(_init_args)			\
{ _type t = _init; return t; }

#define CLASS(_name, var)							\
	class_##_name##_t var __kcheck_cleanup(class_##_name##_destructor) =	\
		class_##_name##_constructor

/* a lock taken through a pointer: guard(mutex)(&m) */
#define DEFINE_GUARD(_name, _type, _lock, _unlock)				\
	DEFINE_CLASS(_name, _type, if (_T) { _unlock; }, ({ _lock; _T; }), _type _T)

/* a lock without an object: guard(rcu)() */
#define DEFINE_LOCK_GUARD_0(_name, _lock, _unlock)				\
typedef int class_##_name##_t;							\
static inline void class_##_name##_destructor(int *p) { if (*p) { _unlock; } }	\
static inline int class_##_name##_constructor(void) { _lock; return 1; }

#define guard(_name)		CLASS(_name, __UNIQUE_ID(guard))

/* a guard whose lock may fail (mutex_intr, mutex_try, spinlock_try): NULL when it did */
#define DEFINE_GUARD_COND(_name, _ext, _condlock)				\
	DEFINE_CLASS(_name##_ext, class_##_name##_t,				\
		     if (_T) { class_##_name##_destructor(&_T); },		\
		     ({ _condlock ? _T : NULL; }), class_##_name##_t _T)

/* scoped_cond_guard(mutex_intr, return -EINTR, &m) { ... }: _fail when the lock fails */
#define scoped_cond_guard(_name, _fail, args...)				\
	for (CLASS(_name, scope)(args), *__kcheck_done = NULL;			\
	     !__kcheck_done; __kcheck_done = (void *)1)				\
		if (!scope) { _fail; } else

#define scoped_guard(_name, args...)						\
	for (CLASS(_name, scope)(args), *__kcheck_done = NULL;			\
	     !__kcheck_done; __kcheck_done = (void *)1)

#endif
