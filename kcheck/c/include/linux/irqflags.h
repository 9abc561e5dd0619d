/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: local_irq_save() and friends (include/linux/irqflags.h) are declared
 * in <linux/preempt.h> here, with the other context switches. */
#ifndef _LINUX_IRQFLAGS_H
#define _LINUX_IRQFLAGS_H
#include <linux/preempt.h>
#endif
