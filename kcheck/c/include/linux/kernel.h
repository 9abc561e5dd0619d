/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/container_of.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/sprintf.h>
#include <linux/errno.h>

#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))

#define min(x, y)	({ typeof(x) __x = (x); typeof(y) __y = (y); __x < __y ? __x : __y; })
#define max(x, y)	({ typeof(x) __x = (x); typeof(y) __y = (y); __x > __y ? __x : __y; })
#define min_t(type, x, y)	({ type __x = (x); type __y = (y); __x < __y ? __x : __y; })
#define max_t(type, x, y)	({ type __x = (x); type __y = (y); __x > __y ? __x : __y; })
#define clamp(val, lo, hi)	min(max(val, lo), hi)
/* signed char to long long: the value's own type, as the kernel's abs() */
#define abs(x)		({ typeof(x) __x = (x); __x < 0 ? -__x : __x; })
#define swap(a, b)	do { typeof(a) __tmp = (a); (a) = (b); (b) = __tmp; } while (0)

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define round_up(x, y)		((((x) - 1) | ((y) - 1)) + 1)
#define round_down(x, y)	((x) & ~((y) - 1))
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define GENMASK(h, l)		(((~0UL) - (1UL << (l)) + 1) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l)	(((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))
#include <linux/limits.h>

#endif
