/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: the IDR (include/linux/idr.h), as kcheck.kernel.xarray keeps it: no
 * lock of its own (the caller serialises idr_alloc/idr_remove/idr_replace: two
 * unserialised changes are a data race), lookups safe under RCU.
 */
#ifndef _LINUX_IDR_H
#define _LINUX_IDR_H

#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/xarray.h>
#include <linux/preempt.h>

struct idr {
	void		*idr_rt;		/* kcheck's: the ids in use */
	unsigned int	idr_base;
};

#define IDR_INIT_BASE(name, base)	{ .idr_rt = NULL, .idr_base = (base) }
#define IDR_INIT(name)			IDR_INIT_BASE(name, 0)
#define DEFINE_IDR(name)		struct idr name = IDR_INIT(name)

extern void idr_init(struct idr *idr);
extern void idr_init_base(struct idr *idr, int base);
extern int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp);
extern void *idr_find(const struct idr *idr, unsigned long id);
extern void *idr_remove(struct idr *idr, unsigned long id);
extern void *idr_replace(struct idr *idr, void *ptr, unsigned long id);
extern bool idr_is_empty(const struct idr *idr);
extern void idr_destroy(struct idr *idr);

extern int __kcheck_idr_next_id(const struct idr *idr, int start);

/* the entry at the first id in use at or after *nextid (which it updates) */
static inline void *idr_get_next(struct idr *idr, int *nextid)
{
	int id = __kcheck_idr_next_id(idr, *nextid);
	void *entry;

	while (id >= 0) {
		entry = idr_find(idr, id);
		if (entry) {
			*nextid = id;
			return entry;
		}
		id = __kcheck_idr_next_id(idr, id + 1);	/* removed meanwhile */
	}
	return NULL;
}

#define idr_for_each_entry(idr, entry, id)				\
	for (id = 0; ((entry) = idr_get_next(idr, &(id))) != NULL; id += 1U)

/* preloading fills a per-CPU cache: preemption stays off until idr_preload_end() */
#define idr_preload(gfp)		preempt_disable()
#define idr_preload_end()		preempt_enable()

/*
 * The IDA (lib/idr.c): an XArray of bitmaps, locked by its own xa_lock
 * (xas_lock_irqsave) in every call; kcheck keeps the allocated ids in
 * xa.xa_head.  ida_alloc*() with a gfp that may block may sleep;
 * ida_free() of an id not allocated WARNs.
 */
#define IDA_INIT_FLAGS	(XA_FLAGS_LOCK_IRQ | XA_FLAGS_ALLOC)

struct ida {
	struct xarray xa;
};

#define IDA_INIT(name)	{ .xa = XARRAY_INIT(name, IDA_INIT_FLAGS) }
#define DEFINE_IDA(name)	struct ida name = IDA_INIT(name)

extern void ida_init(struct ida *ida);
extern int ida_alloc_range(struct ida *ida, unsigned int min, unsigned int max, gfp_t gfp);
extern void ida_free(struct ida *ida, unsigned int id);
extern void ida_destroy(struct ida *ida);

static inline int ida_alloc(struct ida *ida, gfp_t gfp)
{
	return ida_alloc_range(ida, 0, ~0, gfp);
}

static inline int ida_alloc_min(struct ida *ida, unsigned int min, gfp_t gfp)
{
	return ida_alloc_range(ida, min, ~0, gfp);
}

static inline int ida_alloc_max(struct ida *ida, unsigned int max, gfp_t gfp)
{
	return ida_alloc_range(ida, 0, max, gfp);
}

#endif
