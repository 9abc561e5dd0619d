/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: percpu_counter (include/linux/percpu_counter.h, lib/percpu_counter.c),
 * the kernel's code over kcheck's raw spinlock and per-CPU data.  A central
 * count under the lock and an s32 delta per CPU, folded into the count when
 * its magnitude reaches the batch (max(32, 2 * NR_CPUS)).  So
 * percpu_counter_read() - the central count alone - is off by up to
 * batch * NR_CPUS either way (negative for a counter that never is), and
 * percpu_counter_sum() is exact only while no one adds: trusting read() to
 * be exact (a free when it says 0 while a CPU's delta is not folded) is the
 * bug kcheck finds.
 *
 * percpu_counter_add_batch() is lib/percpu_counter.c's version without
 * CONFIG_HAVE_CMPXCHG_LOCAL (interrupts off around the per-CPU step; x86's
 * this_cpu_try_cmpxchg() loop has the same outcomes).  The kernel reads
 * fbc->count without the lock on purpose (percpu_counter_read()) and the
 * other CPUs' deltas under it while their owners add: the accesses either
 * side of those intended races are marked here, so that they are not
 * reported as data races.  Allocation does not fail in kcheck:
 * percpu_counter_init() returns 0.  CPU hotplug is not modelled (no
 * percpu_counter list, no fold of a dying CPU's delta).
 */
#ifndef _LINUX_PERCPU_COUNTER_H
#define _LINUX_PERCPU_COUNTER_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/percpu.h>
#include <linux/gfp.h>
#include <linux/errno.h>

struct percpu_counter {
	raw_spinlock_t lock;
	s64 count;
	s32 __percpu *counters;
};

#define percpu_counter_batch	max(32, NR_CPUS * 2)

static inline int percpu_counter_init(struct percpu_counter *fbc, s64 amount, gfp_t gfp)
{
	s32 __percpu *counters = alloc_percpu_gfp(s32, gfp);

	if (!counters) {
		fbc->counters = NULL;
		return -ENOMEM;
	}
	raw_spin_lock_init(&fbc->lock);
	fbc->count = amount;
	fbc->counters = counters;
	return 0;
}

static inline void percpu_counter_destroy(struct percpu_counter *fbc)
{
	if (!fbc->counters)
		return;
	free_percpu(fbc->counters);
	fbc->counters = NULL;
}

static inline void percpu_counter_set(struct percpu_counter *fbc, s64 amount)
{
	int cpu;
	unsigned long flags;

	raw_spin_lock_irqsave(&fbc->lock, flags);
	for_each_possible_cpu(cpu) {
		s32 *pcount = per_cpu_ptr(fbc->counters, cpu);
		WRITE_ONCE(*pcount, 0);
	}
	WRITE_ONCE(fbc->count, amount);
	raw_spin_unlock_irqrestore(&fbc->lock, flags);
}

static inline void percpu_counter_add_batch(struct percpu_counter *fbc, s64 amount, s32 batch)
{
	s64 count;
	unsigned long flags;

	local_irq_save(flags);
	count = __this_cpu_read(*fbc->counters) + amount;
	if (abs(count) >= batch) {
		raw_spin_lock(&fbc->lock);
		WRITE_ONCE(fbc->count, fbc->count + count);
		__this_cpu_sub(*fbc->counters, count - amount);
		raw_spin_unlock(&fbc->lock);
	} else {
		this_cpu_add(*fbc->counters, amount);
	}
	local_irq_restore(flags);
}

static inline s64 __percpu_counter_sum(struct percpu_counter *fbc)
{
	s64 ret;
	int cpu;
	unsigned long flags;

	raw_spin_lock_irqsave(&fbc->lock, flags);
	ret = fbc->count;
	for_each_possible_cpu(cpu) {
		s32 *pcount = per_cpu_ptr(fbc->counters, cpu);
		ret += READ_ONCE(*pcount);
	}
	raw_spin_unlock_irqrestore(&fbc->lock, flags);
	return ret;
}

static inline s64 percpu_counter_read(struct percpu_counter *fbc)
{
	return READ_ONCE(fbc->count);
}

static inline s64 percpu_counter_read_positive(struct percpu_counter *fbc)
{
	/* Prevent reloads of fbc->count */
	s64 ret = READ_ONCE(fbc->count);

	if (ret >= 0)
		return ret;
	return 0;
}

static inline s64 percpu_counter_sum(struct percpu_counter *fbc)
{
	return __percpu_counter_sum(fbc);
}

static inline s64 percpu_counter_sum_positive(struct percpu_counter *fbc)
{
	s64 ret = __percpu_counter_sum(fbc);

	return ret < 0 ? 0 : ret;
}

/* 1 if greater, 0 if equal, -1 if less: read() when it is far enough off, else sum() */
static inline int __percpu_counter_compare(struct percpu_counter *fbc, s64 rhs, s32 batch)
{
	s64 count;

	count = percpu_counter_read(fbc);
	/* Check to see if rough count will be sufficient for comparison */
	if (abs(count - rhs) > (batch * num_online_cpus())) {
		if (count > rhs)
			return 1;
		else
			return -1;
	}
	/* Need to use precise count */
	count = percpu_counter_sum(fbc);
	if (count > rhs)
		return 1;
	else if (count < rhs)
		return -1;
	else
		return 0;
}

static inline int percpu_counter_compare(struct percpu_counter *fbc, s64 rhs)
{
	return __percpu_counter_compare(fbc, rhs, percpu_counter_batch);
}

static inline void percpu_counter_add(struct percpu_counter *fbc, s64 amount)
{
	percpu_counter_add_batch(fbc, amount, percpu_counter_batch);
}

static inline void percpu_counter_sub(struct percpu_counter *fbc, s64 amount)
{
	percpu_counter_add(fbc, -amount);
}

static inline void percpu_counter_inc(struct percpu_counter *fbc)
{
	percpu_counter_add(fbc, 1);
}

static inline void percpu_counter_dec(struct percpu_counter *fbc)
{
	percpu_counter_add(fbc, -1);
}

static inline bool percpu_counter_initialized(struct percpu_counter *fbc)
{
	return (fbc->counters != NULL);
}

#endif
