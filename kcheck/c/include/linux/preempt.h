/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: preemption, softirq and irq disabling - kcheck.kernel's: no event,
 * but they make the task atomic, and sleeping while atomic is a bug.
 */
#ifndef __LINUX_PREEMPT_H
#define __LINUX_PREEMPT_H
extern void preempt_disable(void);
extern void preempt_enable(void);
extern void local_bh_disable(void);
extern void local_bh_enable(void);
extern void local_irq_disable(void);
extern void local_irq_enable(void);
extern unsigned long _local_irq_save(void);
extern void local_irq_restore(unsigned long flags);
#define local_irq_save(flags)	do { (flags) = _local_irq_save(); } while (0)
extern int irqs_disabled(void);
extern int in_atomic(void);
#define preempt_disable_notrace()	preempt_disable()
#define preempt_enable_notrace()	preempt_enable()

#include <linux/cleanup.h>
DEFINE_LOCK_GUARD_0(preempt, preempt_disable(), preempt_enable())
DEFINE_LOCK_GUARD_0(irq, local_irq_disable(), local_irq_enable())
#endif
