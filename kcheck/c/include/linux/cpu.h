/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: CPU hotplug's lock (kernel/cpu.c): cpus_read_lock() keeps CPUs
 * from coming and going, cpus_write_lock() is what hotplug takes - the one
 * cpu_hotplug_lock, a percpu_rw_semaphore, ordered by lockdep against every
 * other lock.  CPUs do not really come and go. */
#ifndef _LINUX_CPU_H
#define _LINUX_CPU_H
#include <linux/types.h>
#include <linux/cpumask.h>
extern void cpus_read_lock(void);
extern int cpus_read_trylock(void);
extern void cpus_read_unlock(void);
extern void cpus_write_lock(void);
extern void cpus_write_unlock(void);
extern void lockdep_assert_cpus_held(void);
#define get_online_cpus()	cpus_read_lock()
#define put_online_cpus()	cpus_read_unlock()
#endif
