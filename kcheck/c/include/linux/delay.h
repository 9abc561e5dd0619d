/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: sleeping and busy delays (time is not modelled: a sleep is a sleep check) */
#ifndef _LINUX_DELAY_H
#define _LINUX_DELAY_H
extern void msleep(unsigned int msecs);
extern unsigned long msleep_interruptible(unsigned int msecs);
extern void usleep_range(unsigned long min, unsigned long max);
extern void ssleep(unsigned int seconds);
extern void mdelay(unsigned long msecs);
extern void udelay(unsigned long usecs);

/* the kernel's "flexible sleep": a busy-wait up to 10 us (legal in atomic
 * context), a sleep past that */
static inline void fsleep(unsigned long usecs)
{
	if (usecs <= 10)
		udelay(usecs);
	else if (usecs < 20000)
		usleep_range(usecs, usecs + (usecs >> 2));
	else
		msleep((usecs + 999) / 1000);
}
#endif
