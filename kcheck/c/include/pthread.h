/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: POSIX threads for harnesses.  main() starts each task with
 * pthread_create() (the task is named after its function) and waits for it
 * with pthread_join().  A pthread_mutex_t is a kernel struct mutex.
 */
#ifndef _PTHREAD_H
#define _PTHREAD_H

#include <linux/types.h>
#include <linux/mutex.h>

typedef unsigned long pthread_t;
typedef struct { int __unused; } pthread_attr_t;
typedef struct mutex pthread_mutex_t;
typedef struct { int __unused; } pthread_mutexattr_t;

#define PTHREAD_MUTEX_INITIALIZER	{ .owner = ATOMIC_LONG_INIT(0) }

extern int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			  void *(*start_routine)(void *), void *arg);
extern int pthread_join(pthread_t thread, void **retval);
extern pthread_t pthread_self(void);
extern void pthread_exit(void *retval) __attribute__((__noreturn__));
extern int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
extern int pthread_mutex_destroy(pthread_mutex_t *m);
extern int pthread_mutex_lock(pthread_mutex_t *m);
extern int pthread_mutex_unlock(pthread_mutex_t *m);
extern int pthread_mutex_trylock(pthread_mutex_t *m);

#endif
