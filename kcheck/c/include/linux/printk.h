/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: printk prints nothing (it touches no state a model shares). */
#ifndef __KERNEL_PRINTK__
#define __KERNEL_PRINTK__
extern int printk(const char *fmt, ...);
#define KERN_EMERG	""
#define KERN_ALERT	""
#define KERN_CRIT	""
#define KERN_ERR	""
#define KERN_WARNING	""
#define KERN_NOTICE	""
#define KERN_INFO	""
#define KERN_DEBUG	""
#define pr_fmt(fmt) fmt
#define pr_emerg(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_err_once(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...) printk(fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...) printk(fmt, ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...) printk(fmt, ##__VA_ARGS__)
#define pr_debug_ratelimited(fmt, ...) printk(fmt, ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_alert(fmt, ...)	printk(fmt, ##__VA_ARGS__)
/* the device's name is not printed: dev is not even evaluated */
#define dev_err(dev, fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...) printk(fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define dev_err_once(dev, fmt, ...) printk(fmt, ##__VA_ARGS__)
#define dev_warn_once(dev, fmt, ...) printk(fmt, ##__VA_ARGS__)
#define dev_err_ratelimited(dev, fmt, ...) printk(fmt, ##__VA_ARGS__)
#endif
