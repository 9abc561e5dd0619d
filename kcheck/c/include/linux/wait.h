/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: wait queues (include/linux/wait.h).  The queue operations are
 * kcheck.kernel's; wait_event() and friends are the kernel's loop around
 * prepare_to_wait_event() / schedule() / finish_wait().  A task asleep that no
 * one is left to wake is reported as a lost wake-up.
 */
#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/sched.h>

struct wait_queue_entry;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry, unsigned mode, int flags,
				 void *key);

#define WQ_FLAG_EXCLUSIVE	0x01

struct wait_queue_entry {
	unsigned int flags;
	void *private;			/* the task */
	wait_queue_func_t func;		/* autoremove_wake_function: dequeued when woken */
	struct list_head entry;
};

struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;		/* kcheck keeps the queue itself */
};
typedef struct wait_queue_head wait_queue_head_t;

/* markers of the two kinds of entries (the queue is kcheck's, so they are never called) */
static inline int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode,
					   int sync, void *key)
{
	return 0;
}

static inline int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode,
					int sync, void *key)
{
	return 0;
}

#define __WAIT_QUEUE_HEAD_INITIALIZER(name) {				\
	.lock = __SPIN_LOCK_UNLOCKED(name.lock),			\
	.head = LIST_HEAD_INIT(name.head) }
#define DECLARE_WAIT_QUEUE_HEAD(name)					\
	struct wait_queue_head name = __WAIT_QUEUE_HEAD_INITIALIZER(name)
#define DEFINE_WAIT_FUNC(name, function)				\
	struct wait_queue_entry name = {				\
		.private = current,					\
		.func = function,					\
	}
#define DEFINE_WAIT(name)	DEFINE_WAIT_FUNC(name, autoremove_wake_function)
#define DECLARE_WAITQUEUE(name, tsk)					\
	struct wait_queue_entry name = {				\
		.private = tsk,						\
		.func = default_wake_function,				\
	}

extern void init_waitqueue_head(struct wait_queue_head *wq_head);

static inline void init_wait_entry(struct wait_queue_entry *wq_entry, int flags)
{
	wq_entry->flags = flags;
	wq_entry->private = current;
	wq_entry->func = autoremove_wake_function;
}
#define init_wait(wait)		init_wait_entry(wait, 0)

extern void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
extern void add_wait_queue_exclusive(struct wait_queue_head *wq_head,
				     struct wait_queue_entry *wq_entry);
extern void remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
extern void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,
			    int state);
extern bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head,
				      struct wait_queue_entry *wq_entry, int state);
extern long prepare_to_wait_event(struct wait_queue_head *wq_head,
				  struct wait_queue_entry *wq_entry, int state);
extern void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
extern int waitqueue_active(struct wait_queue_head *wq_head);
extern bool wq_has_sleeper(struct wait_queue_head *wq_head);
extern bool wq_has_single_sleeper(struct wait_queue_head *wq_head);
extern void wake_up(struct wait_queue_head *wq_head);
extern void wake_up_all(struct wait_queue_head *wq_head);
extern void wake_up_nr(struct wait_queue_head *wq_head, int nr);
extern void wake_up_interruptible(struct wait_queue_head *wq_head);
extern void wake_up_interruptible_all(struct wait_queue_head *wq_head);
/* the poll forms pass a key (the poll mask) to the entries' wake functions;
 * kcheck's entries are autoremove_wake_function()'s, which ignore it */
#define wake_up_poll(x, m)			wake_up(x)
#define wake_up_interruptible_poll(x, m)	wake_up_interruptible(x)
#define wake_up_interruptible_sync_poll(x, m)	wake_up_interruptible(x)
#define wake_up_interruptible_sync(x)		wake_up_interruptible(x)

/* the kernel's ___wait_event(): test, queue, test again, sleep; an
 * interruptible wait with a signal pending (kcheck: a stopped kthread) ends
 * with what prepare_to_wait_event() returned (-ERESTARTSYS), already dequeued */
#define ___wait_event(wq_head, condition, state, exclusive, ret, cmd) ({	\
	struct wait_queue_entry __wq_entry;					\
	long __ret = ret;							\
	long __int = 0;								\
										\
	init_wait_entry(&__wq_entry, exclusive ? WQ_FLAG_EXCLUSIVE : 0);	\
	for (;;) {								\
		__int = prepare_to_wait_event(&(wq_head), &__wq_entry, state);	\
		if (condition) {						\
			__int = 0;						\
			break;							\
		}								\
		if (__int) {							\
			__ret = __int;						\
			break;							\
		}								\
		cmd;								\
	}									\
	if (!__int)								\
		finish_wait(&(wq_head), &__wq_entry);				\
	__ret;									\
})

#define wait_event(wq_head, condition)						\
do {										\
	might_sleep();								\
	if (condition)								\
		break;								\
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0, schedule()); \
} while (0)

#define wait_event_exclusive(wq_head, condition)				\
do {										\
	might_sleep();								\
	if (condition)								\
		break;								\
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 1, 0, schedule()); \
} while (0)

#define wait_event_idle(wq_head, condition)					\
do {										\
	might_sleep();								\
	if (condition)								\
		break;								\
	(void)___wait_event(wq_head, condition, TASK_IDLE, 0, 0, schedule());	\
} while (0)

#define wait_event_idle_exclusive(wq_head, condition)				\
do {										\
	might_sleep();								\
	if (condition)								\
		break;								\
	(void)___wait_event(wq_head, condition, TASK_IDLE, 1, 0, schedule());	\
} while (0)

/* freezing is not modelled: as wait_event_interruptible() */
#define wait_event_freezable(wq_head, condition)	wait_event_interruptible(wq_head, condition)

/*
 * -ERESTARTSYS if a signal is pending before the condition holds: the one
 * signal kcheck models is kthread_stop()'s TIF_NOTIFY_SIGNAL (v6.1); 0 else
 */
#define wait_event_interruptible(wq_head, condition) ({				\
	int __ret = 0;								\
	might_sleep();								\
	if (!(condition))							\
		__ret = ___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 0, 0, schedule()); \
	__ret;									\
})

#define wait_event_interruptible_exclusive(wq_head, condition) ({		\
	int __ret = 0;								\
	might_sleep();								\
	if (!(condition))							\
		__ret = ___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 1, 0, schedule()); \
	__ret;									\
})

/* TASK_KILLABLE: woken as TASK_UNINTERRUPTIBLE is (fatal signals are not modelled) */
#define wait_event_killable(wq_head, condition) ({				\
	might_sleep();								\
	if (!(condition))							\
		(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0, schedule()); \
	0;									\
})

#define ___wait_cond_timeout(condition)						\
	({ bool __cond = (condition); if (__cond && !__ret) __ret = 1; __cond || !__ret; })

#define __wait_event_timeout(wq_head, condition, timeout, state)		\
	___wait_event(wq_head, ___wait_cond_timeout(condition), state, 0, timeout, \
		      __ret = schedule_timeout(__ret))

/* the timeout firing before a wake-up is an explorer choice; 0 when it fired */
#define wait_event_timeout(wq_head, condition, timeout) ({			\
	long __ret = timeout;							\
	might_sleep();								\
	if (!___wait_cond_timeout(condition))					\
		__ret = __wait_event_timeout(wq_head, condition, timeout, TASK_UNINTERRUPTIBLE); \
	__ret;									\
})

#define wait_event_idle_timeout(wq_head, condition, timeout) ({		\
	long __ret = timeout;							\
	might_sleep();								\
	if (!___wait_cond_timeout(condition))					\
		__ret = __wait_event_timeout(wq_head, condition, timeout, TASK_IDLE); \
	__ret;									\
})

#define wait_event_interruptible_timeout(wq_head, condition, timeout) ({	\
	long __ret = timeout;							\
	might_sleep();								\
	if (!___wait_cond_timeout(condition))					\
		__ret = __wait_event_timeout(wq_head, condition, timeout, TASK_INTERRUPTIBLE); \
	__ret;									\
})

/*
 * wait_event_lock_irq(): called with the spinlock held and interrupts off
 * (spin_lock_irq); the condition is evaluated with it held, and it is dropped
 * only around schedule() (the kernel's cmd of ___wait_event()).
 */
#define __wait_event_lock_irq(wq_head, condition, lock, cmd)			\
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0,	\
			    spin_unlock_irq(&lock);				\
			    cmd;						\
			    schedule();						\
			    spin_lock_irq(&lock))

#define wait_event_lock_irq_cmd(wq_head, condition, lock, cmd)			\
do {										\
	if (condition)								\
		break;								\
	__wait_event_lock_irq(wq_head, condition, lock, cmd);			\
} while (0)

#define wait_event_lock_irq(wq_head, condition, lock)				\
do {										\
	if (condition)								\
		break;								\
	__wait_event_lock_irq(wq_head, condition, lock, );			\
} while (0)

#define __wait_event_interruptible_lock_irq(wq_head, condition, lock, cmd)	\
	___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 0, 0,		\
		      spin_unlock_irq(&lock);					\
		      cmd;							\
		      schedule();						\
		      spin_lock_irq(&lock))

#define wait_event_interruptible_lock_irq_cmd(wq_head, condition, lock, cmd)	\
({										\
	int __ret = 0;								\
	if (!(condition))							\
		__ret = __wait_event_interruptible_lock_irq(wq_head,		\
						condition, lock, cmd);		\
	__ret;									\
})

#define wait_event_interruptible_lock_irq(wq_head, condition, lock)		\
({										\
	int __ret = 0;								\
	if (!(condition))							\
		__ret = __wait_event_interruptible_lock_irq(wq_head,		\
						condition, lock, );		\
	__ret;									\
})

#endif
