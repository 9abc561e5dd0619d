/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H
#include <linux/kernel.h>
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define module_init(x)
#define module_exit(x)
/* a harness is built in: the module can always be pinned, and its refcount
 * is not what kcheck checks (try_module_get() is true, module_put() nothing) */
struct module;
#define THIS_MODULE		((struct module *)0)
#define try_module_get(m)	((void)(m), 1)
#define __module_get(m)		((void)(m))
#define module_put(m)		((void)(m))
#define MODULE_ALIAS(x)
#define MODULE_DEVICE_TABLE(type, name)
#define module_param(name, type, perm)
#define MODULE_PARM_DESC(name, desc)
#endif
