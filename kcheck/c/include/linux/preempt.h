/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __LINUX_PREEMPT_H
#define __LINUX_PREEMPT_H
#define preempt_disable()	do { } while (0)
#define preempt_enable()	do { } while (0)
#define local_irq_disable()	do { } while (0)
#define local_irq_enable()	do { } while (0)
#define local_irq_save(f)	do { (f) = 0; } while (0)
#define local_irq_restore(f)	do { (void)(f); } while (0)
#define local_bh_disable()	do { } while (0)
#define local_bh_enable()	do { } while (0)
#endif
