/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: struct kref (include/linux/kref.h), a refcount_t with the release
 * function called on the last put, as kcheck.kernel's kref_put() calls it.
 */
#ifndef _KREF_H_
#define _KREF_H_

#include <linux/kernel.h>
#include <linux/refcount.h>

struct kref {
	refcount_t refcount;
};

#define KREF_INIT(n)	{ .refcount = REFCOUNT_INIT(n), }

extern void kref_init(struct kref *kref);
extern unsigned int kref_read(const struct kref *kref);
extern void kref_get(struct kref *kref);
extern int kref_get_unless_zero(struct kref *kref);
extern int kref_put(struct kref *kref, void (*release)(struct kref *kref));
extern int kref_put_lock(struct kref *kref, void (*release)(struct kref *kref), spinlock_t *lock);
extern int kref_put_mutex(struct kref *kref, void (*release)(struct kref *kref), struct mutex *lock);

#endif
