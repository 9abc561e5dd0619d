/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __LINUX_GFP_H
#define __LINUX_GFP_H
#include <linux/types.h>
#define __GFP_ZERO		0x100u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_NOWARN		0x2000u
#define __GFP_NORETRY		0x10000u
#define GFP_ATOMIC		0x820u
#define GFP_KERNEL		0xcc0u
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT		0x800u
#define GFP_NOIO		0xc00u
#define GFP_NOFS		0xc40u
#define __GFP_DIRECT_RECLAIM	0x400u
/* an allocation with these flags may sleep (kcheck: might_sleep() for it) */
static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}
/* a page of memory (PAGE_SIZE bytes), addressed by its kernel virtual address */
extern unsigned long __get_free_page(gfp_t gfp);
extern unsigned long get_zeroed_page(gfp_t gfp);
extern void free_page(unsigned long addr);
#define __get_free_pages(gfp, order)	__get_free_page(gfp)
#define free_pages(addr, order)		free_page(addr)
#endif
