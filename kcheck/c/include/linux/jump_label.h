/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: static keys (include/linux/jump_label.h, kernel/jump_label.c as of
 * v6.6, CONFIG_JUMP_LABEL=y), written out in C over kcheck's atomics, mutex
 * and CPU-hotplug lock.
 *
 * A static branch is code the kernel patches: a CPU runs the old or the new
 * instruction.  Here the patched code is one word per key, ``code``: a store
 * between two full barriers in jump_label_update() (the patching's own
 * ordering - x86's text_poke_sync() IPIs, arm64's cache maintenance, whose
 * DSBs complete every earlier store before the new instruction can be
 * fetched) and an acquire load in static_branch_likely()/unlikely() (what
 * the new path does comes after the instruction that led there: nothing in
 * it runs before the fetch).  So data written before static_branch_enable()
 * is seen by a CPU that takes the new branch, as kernel code relies on; a
 * CPU still on the old branch sees nothing new.  The count,
 * ``enabled``, follows kernel/jump_label.c: -1 while the first enabler
 * patches, the slow paths under cpus_read_lock() and jump_label_mutex - so
 * static_branch_enable()/disable()/inc()/dec() may sleep (under a spinlock:
 * sleep-in-atomic), and an unbalanced dec WARNs as the kernel does.
 */
#ifndef _LINUX_JUMP_LABEL_H
#define _LINUX_JUMP_LABEL_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/cpu.h>
#include <linux/limits.h>
#include <linux/mutex.h>

struct static_key {
	atomic_t enabled;
	int code;		/* kcheck: the patched branch, 1 = jump to the enabled side */
};

struct static_key_true {
	struct static_key key;
};

struct static_key_false {
	struct static_key key;
};

#define STATIC_KEY_INIT_TRUE	{ .enabled = ATOMIC_INIT(1), .code = 1 }
#define STATIC_KEY_INIT_FALSE	{ .enabled = ATOMIC_INIT(0), .code = 0 }
#define STATIC_KEY_TRUE_INIT	(struct static_key_true) { .key = STATIC_KEY_INIT_TRUE, }
#define STATIC_KEY_FALSE_INIT	(struct static_key_false){ .key = STATIC_KEY_INIT_FALSE, }

#define DEFINE_STATIC_KEY_TRUE(name)	\
	struct static_key_true name = { .key = STATIC_KEY_INIT_TRUE }
#define DEFINE_STATIC_KEY_FALSE(name)	\
	struct static_key_false name = { .key = STATIC_KEY_INIT_FALSE }
#define DECLARE_STATIC_KEY_TRUE(name)	extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name

static DEFINE_MUTEX(jump_label_mutex);

static inline int static_key_count(struct static_key *key)
{
	int n = atomic_read(&key->enabled);

	return n >= 0 ? n : 1;
}

#define static_key_enabled(x)	(static_key_count(&(x)->key) > 0)

/* the branch as patched so far; what the taken side does comes after it */
#define static_branch_likely(x)		(smp_load_acquire(&(x)->key.code) != 0)
#define static_branch_unlikely(x)	(smp_load_acquire(&(x)->key.code) != 0)

/* arch_jump_label_transform() with the patching's barriers on both sides */
static inline void jump_label_update(struct static_key *key)
{
	smp_mb();
	WRITE_ONCE(key->code, static_key_count(key) > 0);
	smp_mb();
}

static inline bool static_key_fast_inc_not_disabled(struct static_key *key)
{
	int v = atomic_read(&key->enabled);

	do {
		if (v <= 0 || v == INT_MAX)
			return false;
	} while (!atomic_try_cmpxchg(&key->enabled, &v, v + 1));
	return true;
}

static inline bool static_key_slow_inc_cpuslocked(struct static_key *key)
{
	lockdep_assert_cpus_held();
	if (static_key_fast_inc_not_disabled(key))
		return true;

	mutex_lock(&jump_label_mutex);
	/* mark it "enabling in progress" */
	if (!atomic_cmpxchg(&key->enabled, 0, -1)) {
		jump_label_update(key);
		atomic_set_release(&key->enabled, 1);
	} else if (WARN_ON_ONCE(!static_key_fast_inc_not_disabled(key))) {
		mutex_unlock(&jump_label_mutex);
		return false;
	}
	mutex_unlock(&jump_label_mutex);
	return true;
}

static inline bool static_key_slow_inc(struct static_key *key)
{
	bool ret;

	cpus_read_lock();
	ret = static_key_slow_inc_cpuslocked(key);
	cpus_read_unlock();
	return ret;
}

static inline bool static_key_dec_not_one(struct static_key *key)
{
	int v = atomic_read(&key->enabled);

	do {
		/* a dec racing with the first (0 -> 1) inc: an ordering bug of the user */
		WARN_ON_ONCE(v < 0);
		/* underflow: warn, and lie about success so as not to make it worse */
		if (WARN_ON_ONCE(v == 0))
			return true;
		if (v <= 1)
			return false;
	} while (!atomic_try_cmpxchg(&key->enabled, &v, v - 1));
	return true;
}

static inline void static_key_slow_dec_cpuslocked(struct static_key *key)
{
	int val;

	lockdep_assert_cpus_held();
	if (static_key_dec_not_one(key))
		return;

	mutex_lock(&jump_label_mutex);
	val = atomic_read(&key->enabled);
	/* -1 cannot be seen under the mutex; 0 means something went sideways */
	if (!WARN_ON_ONCE(val == -1) && !WARN_ON_ONCE(val == 0)) {
		if (atomic_dec_and_test(&key->enabled))
			jump_label_update(key);
	}
	mutex_unlock(&jump_label_mutex);
}

static inline void static_key_slow_dec(struct static_key *key)
{
	cpus_read_lock();
	static_key_slow_dec_cpuslocked(key);
	cpus_read_unlock();
}

static inline void static_key_enable_cpuslocked(struct static_key *key)
{
	lockdep_assert_cpus_held();
	if (atomic_read(&key->enabled) > 0) {
		WARN_ON_ONCE(atomic_read(&key->enabled) != 1);
		return;
	}

	mutex_lock(&jump_label_mutex);
	if (atomic_read(&key->enabled) == 0) {
		atomic_set(&key->enabled, -1);
		jump_label_update(key);
		atomic_set_release(&key->enabled, 1);
	}
	mutex_unlock(&jump_label_mutex);
}

static inline void static_key_enable(struct static_key *key)
{
	cpus_read_lock();
	static_key_enable_cpuslocked(key);
	cpus_read_unlock();
}

static inline void static_key_disable_cpuslocked(struct static_key *key)
{
	lockdep_assert_cpus_held();
	if (atomic_read(&key->enabled) != 1) {
		WARN_ON_ONCE(atomic_read(&key->enabled) != 0);
		return;
	}

	mutex_lock(&jump_label_mutex);
	if (atomic_cmpxchg(&key->enabled, 1, 0) == 1)
		jump_label_update(key);
	mutex_unlock(&jump_label_mutex);
}

static inline void static_key_disable(struct static_key *key)
{
	cpus_read_lock();
	static_key_disable_cpuslocked(key);
	cpus_read_unlock();
}

#define static_branch_inc(x)			static_key_slow_inc(&(x)->key)
#define static_branch_dec(x)			static_key_slow_dec(&(x)->key)
#define static_branch_inc_cpuslocked(x)		static_key_slow_inc_cpuslocked(&(x)->key)
#define static_branch_dec_cpuslocked(x)		static_key_slow_dec_cpuslocked(&(x)->key)
#define static_branch_enable(x)			static_key_enable(&(x)->key)
#define static_branch_disable(x)		static_key_disable(&(x)->key)
#define static_branch_enable_cpuslocked(x)	static_key_enable_cpuslocked(&(x)->key)
#define static_branch_disable_cpuslocked(x)	static_key_disable_cpuslocked(&(x)->key)

#endif
