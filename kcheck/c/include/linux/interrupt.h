/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: interrupt handlers (include/linux/interrupt.h), kcheck.kernel's.
 * A requested line's handler fires once, in hardirq context, at any point
 * while the line is requested and enabled; free_irq() and synchronize_irq()
 * wait for a running handler (and its thread).  One handler per line.
 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/types.h>
#include <linux/sched.h>
#include <linux/atomic.h>
#include <linux/container_of.h>

enum irqreturn {
	IRQ_NONE		= (0 << 0),
	IRQ_HANDLED		= (1 << 0),
	IRQ_WAKE_THREAD		= (1 << 1),
};
typedef enum irqreturn irqreturn_t;
#define IRQ_RETVAL(x)	((x) ? IRQ_HANDLED : IRQ_NONE)

typedef irqreturn_t (*irq_handler_t)(int, void *);

#define IRQF_SHARED		0x00000080
#define IRQF_ONESHOT		0x00002000
#define IRQF_NO_SUSPEND		0x00004000
#define IRQF_TRIGGER_NONE	0x00000000
#define IRQF_TRIGGER_RISING	0x00000001
#define IRQF_TRIGGER_FALLING	0x00000002
#define IRQF_TRIGGER_HIGH	0x00000004
#define IRQF_TRIGGER_LOW	0x00000008

extern int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		       const char *name, void *dev);
extern int request_threaded_irq(unsigned int irq, irq_handler_t handler,
				irq_handler_t thread_fn, unsigned long flags,
				const char *name, void *dev);
extern const void *free_irq(unsigned int irq, void *dev_id);
extern void synchronize_irq(unsigned int irq);
extern void disable_irq(unsigned int irq);
extern void disable_irq_nosync(unsigned int irq);
extern void enable_irq(unsigned int irq);
extern bool in_hardirq(void);
extern bool in_irq(void);
extern bool in_interrupt(void);

/*
 * Tasklets: a scheduled tasklet's function runs once, later, in softirq
 * context, never on two CPUs at once.  tasklet_kill() waits until a scheduled
 * tasklet has run; it does not stop it being scheduled again afterwards.
 * state and count are kcheck's record (kcheck.kernel.tasklet), not read here.
 */
struct tasklet_struct {
	struct tasklet_struct *next;
	unsigned long state;
	atomic_t count;
	bool use_callback;
	/* the kernel's union of the two: kcheck keeps them apart */
	void (*callback)(struct tasklet_struct *t);
	void (*func)(unsigned long data);
	unsigned long data;
};

#define DECLARE_TASKLET(name, _callback)		\
struct tasklet_struct name = {				\
	.count = ATOMIC_INIT(0),			\
	.callback = _callback,				\
	.use_callback = true,				\
}

#define DECLARE_TASKLET_OLD(name, _func)		\
struct tasklet_struct name = {				\
	.count = ATOMIC_INIT(0),			\
	.func = _func,					\
}

#define from_tasklet(var, callback_tasklet, tasklet_fieldname)	\
	container_of(callback_tasklet, typeof(*var), tasklet_fieldname)

extern void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *));
extern void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data);
extern void tasklet_schedule(struct tasklet_struct *t);
extern void tasklet_hi_schedule(struct tasklet_struct *t);
extern void tasklet_kill(struct tasklet_struct *t);
extern void tasklet_unlock_wait(struct tasklet_struct *t);
extern void tasklet_disable(struct tasklet_struct *t);
extern void tasklet_disable_nosync(struct tasklet_struct *t);
extern void tasklet_enable(struct tasklet_struct *t);

#endif
