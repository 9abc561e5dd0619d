/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: local_bh_disable() and local_bh_enable() (include/linux/bottom_half.h)
 * are declared in <linux/preempt.h> here, with the other context switches. */
#ifndef _LINUX_BH_H
#define _LINUX_BH_H
#include <linux/preempt.h>
#endif
