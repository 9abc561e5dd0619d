/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: timers (include/linux/timer.h).  Time is not modelled: an armed
 * timer may fire at any point after it is armed, and the explorer tries every
 * one.  The function runs in softirq context.  del_timer() does not wait for
 * a running function; del_timer_sync() and timer_shutdown_sync() do.
 */
#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/container_of.h>
#include <linux/jiffies.h>

struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
	void (*function)(struct timer_list *);
	u32 flags;
};

#define from_timer(var, callback_timer, timer_fieldname) \
	container_of(callback_timer, typeof(*var), timer_fieldname)

extern void timer_setup(struct timer_list *timer, void (*function)(struct timer_list *),
			unsigned int flags);
/* A timer on the stack: it must not run after the frame goes (del_timer_sync()
 * or timer_shutdown_sync() first); kcheck checks that as a use-after-free. */
#define timer_setup_on_stack(timer, fn, flags)	timer_setup((timer), (fn), (flags))
static inline void destroy_timer_on_stack(struct timer_list *timer) { }
extern int mod_timer(struct timer_list *timer, unsigned long expires);
extern void add_timer(struct timer_list *timer);
extern int timer_pending(const struct timer_list *timer);
extern int del_timer(struct timer_list *timer);
extern int del_timer_sync(struct timer_list *timer);
extern int timer_delete(struct timer_list *timer);
extern int timer_delete_sync(struct timer_list *timer);
extern int timer_shutdown(struct timer_list *timer);
extern int timer_shutdown_sync(struct timer_list *timer);

#endif
