/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: percpu reference counts (include/linux/percpu-refcount.h), as
 * kcheck.kernel.percpu_refcount keeps them: percpu mode until a kill, then an
 * RCU grace period, then atomic mode, in which the last put calls release.
 */
#ifndef _LINUX_PERCPU_REFCOUNT_H
#define _LINUX_PERCPU_REFCOUNT_H

#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/rcupdate.h>

struct percpu_ref;
typedef void (percpu_ref_func_t)(struct percpu_ref *);

#define PERCPU_REF_INIT_ATOMIC	(1 << 0)
#define PERCPU_REF_INIT_DEAD	(1 << 1)
#define PERCPU_REF_ALLOW_REINIT	(1 << 2)

struct percpu_ref {
	unsigned long percpu_count_ptr;	/* the mode flags (kcheck keeps the counters) */
	void *data;			/* ref->data: kcheck's percpu_ref_data, not C's */
};

extern int percpu_ref_init(struct percpu_ref *ref, percpu_ref_func_t *release,
			   unsigned int flags, gfp_t gfp);
extern void percpu_ref_exit(struct percpu_ref *ref);
extern void percpu_ref_get(struct percpu_ref *ref);
extern void percpu_ref_get_many(struct percpu_ref *ref, unsigned long nr);
extern bool percpu_ref_tryget(struct percpu_ref *ref);
extern bool percpu_ref_tryget_many(struct percpu_ref *ref, unsigned long nr);
extern bool percpu_ref_tryget_live(struct percpu_ref *ref);
extern bool percpu_ref_tryget_live_rcu(struct percpu_ref *ref);
extern void percpu_ref_put(struct percpu_ref *ref);
extern void percpu_ref_put_many(struct percpu_ref *ref, unsigned long nr);
extern void percpu_ref_kill(struct percpu_ref *ref);
extern void percpu_ref_kill_and_confirm(struct percpu_ref *ref, percpu_ref_func_t *confirm_kill);
extern bool percpu_ref_is_dying(struct percpu_ref *ref);
extern bool percpu_ref_is_zero(struct percpu_ref *ref);
extern void percpu_ref_switch_to_atomic(struct percpu_ref *ref, percpu_ref_func_t *confirm_switch);
extern void percpu_ref_switch_to_atomic_sync(struct percpu_ref *ref);
extern void percpu_ref_switch_to_percpu(struct percpu_ref *ref);
extern void percpu_ref_resurrect(struct percpu_ref *ref);
extern void percpu_ref_reinit(struct percpu_ref *ref);

#endif
