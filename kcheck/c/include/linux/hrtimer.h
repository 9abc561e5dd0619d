/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: high-resolution timers (include/linux/hrtimer.h), kcheck.kernel's.
 * Time is not modelled: a started hrtimer may expire at any point after it
 * is started.  The callback runs in hardirq context (HRTIMER_MODE_SOFT:
 * softirq); HRTIMER_RESTART arms it again as it returns.  hrtimer_cancel()
 * waits for a running callback; hrtimer_try_to_cancel() returns -1 then.
 */
#ifndef _LINUX_HRTIMER_H
#define _LINUX_HRTIMER_H

#include <linux/types.h>
#include <linux/ktime.h>
#include <linux/container_of.h>

enum hrtimer_restart { __kcheck_hrtimer_restart = -1 };
#define HRTIMER_NORESTART	0
#define HRTIMER_RESTART		1

enum hrtimer_mode { __kcheck_hrtimer_mode = -1 };
#define HRTIMER_MODE_ABS	0x00
#define HRTIMER_MODE_REL	0x01
#define HRTIMER_MODE_PINNED	0x02
#define HRTIMER_MODE_SOFT	0x04
#define HRTIMER_MODE_HARD	0x08
#define HRTIMER_MODE_ABS_SOFT	(HRTIMER_MODE_ABS | HRTIMER_MODE_SOFT)
#define HRTIMER_MODE_REL_SOFT	(HRTIMER_MODE_REL | HRTIMER_MODE_SOFT)
#define HRTIMER_MODE_ABS_HARD	(HRTIMER_MODE_ABS | HRTIMER_MODE_HARD)
#define HRTIMER_MODE_REL_HARD	(HRTIMER_MODE_REL | HRTIMER_MODE_HARD)
#define HRTIMER_MODE_ABS_PINNED	(HRTIMER_MODE_ABS | HRTIMER_MODE_PINNED)
#define HRTIMER_MODE_REL_PINNED	(HRTIMER_MODE_REL | HRTIMER_MODE_PINNED)
#define HRTIMER_MODE_ABS_PINNED_SOFT	(HRTIMER_MODE_ABS_PINNED | HRTIMER_MODE_SOFT)
#define HRTIMER_MODE_REL_PINNED_SOFT	(HRTIMER_MODE_REL_PINNED | HRTIMER_MODE_SOFT)
#define HRTIMER_MODE_ABS_PINNED_HARD	(HRTIMER_MODE_ABS_PINNED | HRTIMER_MODE_HARD)
#define HRTIMER_MODE_REL_PINNED_HARD	(HRTIMER_MODE_REL_PINNED | HRTIMER_MODE_HARD)

/* the base's state is kcheck's record (kernel/hrtimer.py), not read here */
struct hrtimer {
	struct hrtimer *__kcheck_node[2];
	ktime_t _softexpires;
	enum hrtimer_restart (*function)(struct hrtimer *);
	u8 state;
	u8 is_rel;
	u8 is_soft;
	u8 is_hard;
};

extern void hrtimer_init(struct hrtimer *timer, clockid_t which_clock, enum hrtimer_mode mode);
extern void hrtimer_setup(struct hrtimer *timer, enum hrtimer_restart (*function)(struct hrtimer *),
			  clockid_t clock_id, enum hrtimer_mode mode);
extern void hrtimer_start(struct hrtimer *timer, ktime_t tim, const enum hrtimer_mode mode);
extern int hrtimer_cancel(struct hrtimer *timer);
extern int hrtimer_try_to_cancel(struct hrtimer *timer);
extern bool hrtimer_active(const struct hrtimer *timer);
extern bool hrtimer_is_queued(struct hrtimer *timer);
extern bool hrtimer_callback_running(struct hrtimer *timer);
extern u64 hrtimer_forward_now(struct hrtimer *timer, ktime_t interval);
extern void hrtimer_start_range_ns(struct hrtimer *timer, ktime_t tim, u64 delta_ns,
				   const enum hrtimer_mode mode);
/* the expiry is the timer's own memory (time itself is not modelled) */
static inline void hrtimer_set_expires(struct hrtimer *timer, ktime_t time)
{
	timer->_softexpires = time;
}

#endif
