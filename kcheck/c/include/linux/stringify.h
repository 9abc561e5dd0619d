/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: __stringify() (include/linux/stringify.h) */
#ifndef _LINUX_STRINGIFY_H
#define _LINUX_STRINGIFY_H

#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)

#endif
