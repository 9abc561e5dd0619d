/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: include/linux/math.h's helpers live in linux/kernel.h here. */
#ifndef _LINUX_MATH_H
#define _LINUX_MATH_H
#include <linux/kernel.h>
#endif
