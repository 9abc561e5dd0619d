/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: pages and the kernel's direct map (asm/page.h, linux/mm.h).  Every
 * block of kcheck memory has a kernel virtual address in the direct map, so
 * __pa()/__va() and page frame numbers are real arithmetic.  A page from
 * __get_free_page() has a struct page of its own (virt_to_page()), whose
 * private word is memory like any other.
 */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_OFFSET	0xffff888000000000UL

#define __pa(x)		((unsigned long)(x) - PAGE_OFFSET)
#define __va(x)		((void *)((unsigned long)(x) + PAGE_OFFSET))
#define virt_to_phys(x)	__pa(x)
#define phys_to_virt(x)	__va(x)
#define PFN_PHYS(pfn)	((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(x)	((unsigned long)((x) >> PAGE_SHIFT))
#define virt_to_pfn(kaddr)	PHYS_PFN(__pa(kaddr))

struct page {
	unsigned long flags;
	unsigned long private;
};

/* the struct page of a page from __get_free_page() (NULL for other memory) */
extern struct page *virt_to_page(const void *addr);
extern void *page_address(const struct page *page);
#define pfn_to_page(pfn)	virt_to_page(__va(PFN_PHYS(pfn)))
#define page_to_pfn(page)	virt_to_pfn(page_address(page))
#define page_private(page)	((page)->private)
#define set_page_private(page, v)	((page)->private = (v))
#define page_to_virt(page)	page_address(page)

#endif
