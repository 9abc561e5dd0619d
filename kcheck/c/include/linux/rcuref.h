/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: rcuref_t (include/linux/rcuref.h, lib/rcuref.c, v6.4+), written out
 * in C over kcheck's atomics.
 *
 * The count is stored minus one: 0 is one reference, -1 (NOREF) none.  get()
 * adds one unconditionally and only looks closer when the result is
 * negative (the saturation and dead zones); put() subtracts one with release
 * and, when that leaves NOREF, tries to move it to DEAD with a cmpxchg - a
 * get() and put() pair may come in between, and then this put() is not the
 * last.  That window is safe only because no grace period can end in it:
 * put() runs with preemption off and rcuref_put_rcusafe() wants an RCU
 * read-side section (RCU_LOCKDEP_WARN otherwise), and the object a true
 * return lets go must be freed after a grace period.
 */
#ifndef _LINUX_RCUREF_H
#define _LINUX_RCUREF_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/limits.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>

typedef struct {
	atomic_t refcnt;
} rcuref_t;

#define RCUREF_INIT(i)		{ .refcnt = ATOMIC_INIT((i) - 1) }

#define RCUREF_ONEREF		0x00000000U
#define RCUREF_MAXREF		0x7FFFFFFFU
#define RCUREF_SATURATED	0xA0000000U
#define RCUREF_RELEASED		0xC0000000U
#define RCUREF_DEAD		0xE0000000U
#define RCUREF_NOREF		0xFFFFFFFFU

static inline void rcuref_init(rcuref_t *ref, unsigned int cnt)
{
	atomic_set(&ref->refcnt, cnt - 1);
}

/* the references held, 0 once dead */
static inline unsigned int rcuref_read(rcuref_t *ref)
{
	unsigned int c = atomic_read(&ref->refcnt);

	return c >= RCUREF_RELEASED ? 0 : c + 1;
}

static inline bool rcuref_get_slowpath(rcuref_t *ref)
{
	unsigned int cnt = atomic_read(&ref->refcnt);

	/* dead: undo the increment (back to the middle of the zone) and fail */
	if (cnt >= RCUREF_RELEASED) {
		atomic_set(&ref->refcnt, RCUREF_DEAD);
		return false;
	}
	/* saturated: leak rather than overflow */
	if (WARN_ONCE(cnt > RCUREF_MAXREF, "rcuref saturated - leaking memory"))
		atomic_set(&ref->refcnt, RCUREF_SATURATED);
	return true;
}

/* no ordering but a control dependency: the object must be kept alive (RCU) */
static inline bool rcuref_get(rcuref_t *ref)
{
	if (!atomic_add_negative_relaxed(1, &ref->refcnt))
		return true;
	return rcuref_get_slowpath(ref);
}

static inline bool rcuref_put_slowpath(rcuref_t *ref, unsigned int cnt)
{
	int old = (int)cnt;

	if (cnt == RCUREF_NOREF) {
		/* fails when a get() raised it again, or its put() marked it dead */
		if (!atomic_try_cmpxchg_release(&ref->refcnt, &old, (int)RCUREF_DEAD))
			return false;
		/* the caller may free it: order that after every earlier access */
		smp_acquire__after_ctrl_dep();
		return true;
	}
	/* already dead: an imbalanced put */
	if (WARN_ONCE(cnt >= RCUREF_RELEASED, "rcuref - imbalanced put()")) {
		atomic_set(&ref->refcnt, RCUREF_DEAD);
		return false;
	}
	if (cnt > RCUREF_MAXREF)
		atomic_set(&ref->refcnt, RCUREF_SATURATED);
	return false;
}

static inline bool __rcuref_put(rcuref_t *ref)
{
	int cnt;

	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(), "suspicious rcuref_put_rcusafe() usage");
	cnt = atomic_sub_return_release(1, &ref->refcnt);
	if (cnt >= 0)
		return false;
	return rcuref_put_slowpath(ref, cnt);
}

/* in an RCU read-side section or with preemption off */
static inline bool rcuref_put_rcusafe(rcuref_t *ref)
{
	return __rcuref_put(ref);
}

static inline bool rcuref_put(rcuref_t *ref)
{
	bool released;

	preempt_disable();
	released = __rcuref_put(ref);
	preempt_enable();
	return released;
}

#endif
