/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: malloc() is kmalloc(), free() is kfree() (same checks). */
#ifndef _STDLIB_H
#define _STDLIB_H
#include <linux/types.h>
extern void *malloc(size_t size);
extern void *calloc(size_t n, size_t size);
extern void free(void *p);
extern void abort(void);
extern void exit(int status);
extern void _exit(int status);
#endif
