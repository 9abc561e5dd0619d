/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: kmalloc and kmem caches (include/linux/slab.h).  Each object's life
 * is tracked: an access after kfree() is a use-after-free, a second kfree() a
 * double free, an object alive when every task has finished a leak; kmalloc()
 * memory nobody wrote is reported when read (KMSAN's uninit-value).
 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/cleanup.h>
#include <linux/overflow.h>

struct kmem_cache;

extern void *kmalloc(size_t size, gfp_t flags);
extern void *kzalloc(size_t size, gfp_t flags);
extern void *kcalloc(size_t n, size_t size, gfp_t flags);
extern void *kmalloc_array(size_t n, size_t size, gfp_t flags);
extern void *kvmalloc(size_t size, gfp_t flags);
extern void *kvzalloc(size_t size, gfp_t flags);
extern void *kvcalloc(size_t n, size_t size, gfp_t flags);
#define kvmalloc_array(n, size, flags)	kmalloc_array((n), (size), (flags))
/* SLUB's largest kmalloc() (MAX_PAGE_ORDER 10, 4 KiB pages) */
#define KMALLOC_MAX_SIZE	(1UL << 22)
extern void *memcpy(void *dst, const void *src, size_t n);
extern size_t strlen(const char *s);
/* a new object with a copy of src's len bytes (mm/util.c) */
static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}
static inline char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? (char *)kmemdup(s, strlen(s) + 1, gfp) : NULL;
}
/*
 * krealloc(): size 0 frees p and returns ZERO_SIZE_PTR; NULL p is kmalloc; a
 * size that fits in p's object returns p; else a new object with p's contents,
 * and p freed (an access through p afterwards is a use-after-free).
 */
extern void *krealloc(const void *p, size_t new_size, gfp_t flags);
extern void *kvrealloc(const void *p, size_t new_size, gfp_t flags);
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
extern void kfree(const void *objp);
DEFINE_FREE(kfree, void *, if (_T) kfree(_T))
extern void kvfree(const void *addr);
extern void kfree_sensitive(const void *objp);

extern struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
					    unsigned int align, slab_flags_t flags,
					    void (*ctor)(void *));
#define KMEM_CACHE(__struct, __flags)					\
	kmem_cache_create(#__struct, sizeof(struct __struct), __alignof__(struct __struct), \
			  (__flags), NULL)
extern void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
extern void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags);
extern void kmem_cache_free(struct kmem_cache *s, void *objp);
extern void kmem_cache_destroy(struct kmem_cache *s);
/* tell the leak check that an object is meant to outlive the model */
extern void kmemleak_not_leak(const void *ptr);

/* free after an RCU grace period: the object's rcu_head is the member rhf */
extern void __kcheck_kfree_rcu(const void *ptr, struct rcu_head *head, const char *what);
extern void kfree_rcu_mightsleep(const void *ptr);
extern void kvfree_rcu_mightsleep(const void *ptr);
#define kfree_rcu(ptr, rhf)	__kcheck_kfree_rcu(ptr, &(ptr)->rhf, "kfree_rcu")
#define kvfree_rcu(ptr, rhf)	__kcheck_kfree_rcu(ptr, &(ptr)->rhf, "kvfree_rcu")

#define SLAB_ACCOUNT		0x04000000U
#define SLAB_HWCACHE_ALIGN	0x00002000U
#define SLAB_PANIC		0x00040000U
#define SLAB_TYPESAFE_BY_RCU	0x00080000U

#endif
