/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: min(), max(), clamp() and their _t forms are in <linux/kernel.h>,
 * where older kernels had them (include/linux/minmax.h since v5.10). */
#ifndef _LINUX_MINMAX_H
#define _LINUX_MINMAX_H
#include <linux/kernel.h>
#endif
