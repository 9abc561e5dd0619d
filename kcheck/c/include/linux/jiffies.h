/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: jiffies (include/linux/jiffies.h).  Time is not modelled: jiffies
 * does not advance, so a time_after() on it is a constant; a timeout is the
 * explorer's choice where the kernel waits (schedule_timeout(), timers).
 */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <linux/types.h>

#define HZ			250
#define jiffies			((unsigned long)0)
#define msecs_to_jiffies(m)	((((unsigned long)(m)) * HZ + 999) / 1000)
#define usecs_to_jiffies(u)	((((unsigned long)(u)) * HZ + 999999) / 1000000)

#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define time_is_before_jiffies(a)	time_after(jiffies, a)
#define time_is_after_jiffies(a)	time_before(jiffies, a)

#endif
