/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: irq_work (include/linux/irq_work.h, kernel/irq_work.c),
 * kcheck.kernel.irq_work's.  node.a_flags is the kernel's word in the
 * structure (PENDING, BUSY): irq_work_queue() claims it with
 * atomic_fetch_or() and returns false if it was pending; the callback then
 * runs once, later, in hardirq context (sleeping there is a bug); the run
 * clears PENDING, calls func and clears BUSY unless claimed again.
 * irq_work_sync() (may sleep) waits until the item is neither queued nor
 * running.  Freeing the structure before that is a use-after-free.
 */
#ifndef _LINUX_IRQ_WORK_H
#define _LINUX_IRQ_WORK_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/llist.h>

#define IRQ_WORK_PENDING	(1U << 0)
#define IRQ_WORK_BUSY		(1U << 1)
#define IRQ_WORK_LAZY		(1U << 2)	/* not modelled: it runs in hardirq context */
#define IRQ_WORK_HARD_IRQ	(1U << 3)
#define IRQ_WORK_CLAIMED	(IRQ_WORK_PENDING | IRQ_WORK_BUSY)

struct __call_single_node {
	struct llist_node	llist;
	union {
		unsigned int	u_flags;
		atomic_t	a_flags;
	};
	u16 src, dst;
};

struct rcuwait {
	struct task_struct *task;
};

struct irq_work {
	struct __call_single_node node;
	void (*func)(struct irq_work *);
	struct rcuwait irqwait;
};

#define __IRQ_WORK_INIT(_func, _flags) (struct irq_work){	\
	.node = { .u_flags = (_flags), },			\
	.func = (_func),					\
}
#define IRQ_WORK_INIT(_func)		__IRQ_WORK_INIT(_func, 0)
#define IRQ_WORK_INIT_LAZY(_func)	__IRQ_WORK_INIT(_func, IRQ_WORK_LAZY)
#define IRQ_WORK_INIT_HARD(_func)	__IRQ_WORK_INIT(_func, IRQ_WORK_HARD_IRQ)

#define DEFINE_IRQ_WORK(name, _f)	struct irq_work name = IRQ_WORK_INIT(_f)

extern void init_irq_work(struct irq_work *work, void (*func)(struct irq_work *));
extern bool irq_work_queue(struct irq_work *work);
extern bool irq_work_queue_on(struct irq_work *work, int cpu);
extern void irq_work_sync(struct irq_work *work);
extern bool irq_work_is_pending(struct irq_work *work);
extern bool irq_work_is_busy(struct irq_work *work);

#endif
