/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: compile-time assertions (include/linux/build_bug.h).  BUILD_BUG_ON
 * and BUILD_BUG_ON_MSG live in <linux/compiler.h> here, as every header
 * reaches it. */
#ifndef _LINUX_BUILD_BUG_H
#define _LINUX_BUILD_BUG_H

#include <linux/compiler.h>

/* 0 when cond is false; a compile error (a negative bit-field width) when true */
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
#define BUILD_BUG()		BUILD_BUG_ON_MSG(1, "BUILD_BUG failed")
#define BUILD_BUG_ON_INVALID(e)	((void)(sizeof((long)(e))))

#ifndef static_assert
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif

#endif
