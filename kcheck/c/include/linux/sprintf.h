/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: include/linux/sprintf.h.  kcheck's own vsnprintf() formats (C's
 * conversions; a NULL %s or %p prints "(null)", any other %p
 * "(____ptrval____)", the letters after %p are skipped, %n is refused) and
 * writes the buffer a byte at a time, so an overflow is an out-of-bounds
 * access.  kasprintf() returns a kmalloc()ed string (kfree() it).
 */
#ifndef _LINUX_KERNEL_SPRINTF_H_
#define _LINUX_KERNEL_SPRINTF_H_

#include <linux/types.h>

extern int sprintf(char *buf, const char *fmt, ...);
extern int snprintf(char *buf, size_t size, const char *fmt, ...);
extern int scnprintf(char *buf, size_t size, const char *fmt, ...);
extern char *kasprintf(gfp_t gfp, const char *fmt, ...);

#endif
