/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: WARN_ON and BUG_ON (include/asm-generic/bug.h).  A WARN that fires
 * is reported as a bug (kind "warn") at the caller's line, and the execution
 * stops there: a reviewer wants to know that it can fire at all.
 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H
#include <linux/compiler.h>

#define WARN_ON(condition)		__kcheck_warn(!!(condition), "WARN_ON", 0)
#define WARN_ON_ONCE(condition)		__kcheck_warn(!!(condition), "WARN_ON_ONCE", 0)
#define WARN(condition, format...)	__kcheck_warn(!!(condition), "WARN", format)
#define WARN_ONCE(condition, format...)	__kcheck_warn(!!(condition), "WARN_ONCE", format)
#define BUG_ON(condition)		((void)__kcheck_warn(!!(condition), "BUG_ON", 0))
#define BUG()				((void)__kcheck_warn(1, "BUG", 0))
#define VM_BUG_ON(condition)		BUG_ON(condition)
/* KVM's WARN that also marks the VM bugged (linux/kvm_host.h) */
#define KVM_BUG_ON(condition, kvm)	__kcheck_warn(!!(condition), "KVM_BUG_ON", 0)
#define VM_WARN_ON(condition)		((void)WARN_ON(condition))
#define VM_WARN_ON_ONCE(condition)	((void)WARN_ON_ONCE(condition))

#endif
