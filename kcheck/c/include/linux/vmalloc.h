/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: vmalloc'd memory is heap memory like kmalloc's (its lifetime checked,
 * KASAN's reports the same); vmalloc() and vzalloc() take GFP_KERNEL: they may
 * sleep, so calling them in atomic context is sleep-in-atomic */
#ifndef _LINUX_VMALLOC_H
#define _LINUX_VMALLOC_H
#include <linux/types.h>
extern void *vmalloc(unsigned long size);
extern void *vzalloc(unsigned long size);
extern void vfree(const void *addr);
extern void kvfree(const void *addr);
#endif
