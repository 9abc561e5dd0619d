/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: a failed assert() is a bug (kind warn: "assertion failed: EXPR"). */
#ifndef _ASSERT_H
#define _ASSERT_H
#include <kcheck_intrinsics.h>
#define assert(expr)	((expr) ? (void)0 : __kcheck_assert_fail(#expr))
#endif
