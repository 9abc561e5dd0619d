/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: IS_ENABLED() and friends (include/linux/kconfig.h).  A harness turns
 * an option on with -D CONFIG_FOO=1 (or -D CONFIG_FOO_MODULE=1 for =m); an
 * option not defined is off, as in a kernel built without it. */
#ifndef _LINUX_KCONFIG_H
#define _LINUX_KCONFIG_H

/* 1 if the macro named is defined as 1, else 0: the placeholder expands to
 * "0," only for a 1, which shifts 1 into the second argument's place */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)

#define IS_BUILTIN(option)	__is_defined(option)
#define IS_MODULE(option)	__is_defined(option##_MODULE)
#define IS_ENABLED(option)	(IS_BUILTIN(option) || IS_MODULE(option))
#define IS_REACHABLE(option)	IS_ENABLED(option)

#endif
