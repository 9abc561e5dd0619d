/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: the XArray (include/linux/xarray.h), as kcheck.kernel.xarray keeps
 * it: one word per index (loaded as rcu_dereference() does, stored with
 * rcu_assign_pointer()'s release) and the set of occupied indices; xa_lock
 * serialises the changes, xa_load() and xa_for_each() take rcu_read_lock().
 */
#ifndef _LINUX_XARRAY_H
#define _LINUX_XARRAY_H

#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>

#define XA_FLAGS_LOCK_IRQ	1u
#define XA_FLAGS_LOCK_BH	2u
#define XA_FLAGS_ALLOC		4u
#define XA_FLAGS_ALLOC1		(8u | XA_FLAGS_ALLOC)
#define XA_PRESENT		0x8000000u

typedef unsigned int xa_mark_t;

struct xarray {
	spinlock_t	xa_lock;
	gfp_t		xa_flags;
	void		*xa_head;		/* kcheck's: the occupied indices */
};

struct xa_limit {
	u32 max;
	u32 min;
};

#define XA_LIMIT(_min, _max)	(struct xa_limit) { .min = (_min), .max = (_max) }
#define xa_limit_32b		XA_LIMIT(0, UINT_MAX)
#define xa_limit_31b		XA_LIMIT(0, INT_MAX)
#define xa_limit_16b		XA_LIMIT(0, USHRT_MAX)

#define XARRAY_INIT(name, flags) {				\
	.xa_lock = __SPIN_LOCK_UNLOCKED(name.xa_lock),		\
	.xa_flags = flags,					\
	.xa_head = NULL,					\
}
#define DEFINE_XARRAY_FLAGS(name, flags)	struct xarray name = XARRAY_INIT(name, flags)
#define DEFINE_XARRAY(name)			DEFINE_XARRAY_FLAGS(name, 0)
#define DEFINE_XARRAY_ALLOC(name)		DEFINE_XARRAY_FLAGS(name, XA_FLAGS_ALLOC)
#define DEFINE_XARRAY_ALLOC1(name)		DEFINE_XARRAY_FLAGS(name, XA_FLAGS_ALLOC1)

extern void xa_init_flags(struct xarray *xa, gfp_t flags);
extern void xa_init(struct xarray *xa);
extern void *xa_load(struct xarray *xa, unsigned long index);
extern void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
extern void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
extern void *xa_erase(struct xarray *xa, unsigned long index);
extern void *__xa_erase(struct xarray *xa, unsigned long index);
extern int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
extern void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry, gfp_t gfp);
extern bool xa_empty(struct xarray *xa);
extern void xa_destroy(struct xarray *xa);

/* the id is written before the entry is visible, as the kernel writes it */
#define xa_alloc(xa, id, entry, limit, gfp)					\
	((int)__kcheck_pyloc(&*(id), "_xa_alloc_at", (xa), (entry), (limit).min, (limit).max, (gfp)))
#define xa_find(xa, indexp, max, filter)					\
	((void *)__kcheck_pyloc(&*(indexp), "_xa_find_at", (xa), (max), 0))
#define xa_find_after(xa, indexp, max, filter)					\
	((void *)__kcheck_pyloc(&*(indexp), "_xa_find_at", (xa), (max), 1))
#define xa_for_each(xa, index, entry)						\
	for (index = 0, entry = xa_find(xa, &index, ULONG_MAX, XA_PRESENT);	\
	     entry; entry = xa_find_after(xa, &index, ULONG_MAX, XA_PRESENT))

#define xa_lock(xa)		spin_lock(&(xa)->xa_lock)
#define xa_unlock(xa)		spin_unlock(&(xa)->xa_lock)
#define xa_lock_bh(xa)		spin_lock_bh(&(xa)->xa_lock)
#define xa_unlock_bh(xa)	spin_unlock_bh(&(xa)->xa_lock)
#define xa_lock_irq(xa)		spin_lock_irq(&(xa)->xa_lock)
#define xa_unlock_irq(xa)	spin_unlock_irq(&(xa)->xa_lock)
#define xa_lock_irqsave(xa, flags)	spin_lock_irqsave(&(xa)->xa_lock, flags)
#define xa_unlock_irqrestore(xa, flags)	spin_unlock_irqrestore(&(xa)->xa_lock, flags)

#endif
