/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: per-CPU variables (include/linux/percpu-defs.h, percpu.h, smp.h),
 * kcheck.kernel.percpu's rules.  A per-CPU variable's NR_CPUS copies sit
 * side by side in one object; the variable itself names CPU 0's, and
 * per_cpu_ptr() and this_cpu_ptr() find a CPU's by offset.  Which CPU a task
 * is on is decided where per-CPU data can tell: a region that cannot be
 * preempted holds one CPU, chosen by the explorer; preemptible code may move
 * between any two accesses.  -D NR_CPUS=N for another machine (1 to 64).
 */
#ifndef _LINUX_PERCPU_H
#define _LINUX_PERCPU_H

#include <linux/compiler.h>
#include <linux/preempt.h>
#include <linux/gfp.h>

#ifndef NR_CPUS
#define NR_CPUS 2
#endif
#define __KCHECK_PCPU_STR2(x)	#x
#define __KCHECK_PCPU_STR(x)	__KCHECK_PCPU_STR2(x)

#define __percpu
#define DEFINE_PER_CPU(type, name)						\
	__typeof__(type) name __attribute__((annotate("kcheck:percpu:" __KCHECK_PCPU_STR(NR_CPUS))))
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name
#define DEFINE_PER_CPU_ALIGNED(type, name)		DEFINE_PER_CPU(type, name)
#define DEFINE_PER_CPU_SHARED_ALIGNED(type, name)	DEFINE_PER_CPU(type, name)
#define DEFINE_PER_CPU_READ_MOSTLY(type, name)		DEFINE_PER_CPU(type, name)

#define nr_cpu_ids		NR_CPUS
#define num_possible_cpus()	NR_CPUS
#define num_online_cpus()	NR_CPUS
#define for_each_possible_cpu(cpu)	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)
#define for_each_online_cpu(cpu)	for_each_possible_cpu(cpu)
#define for_each_present_cpu(cpu)	for_each_possible_cpu(cpu)

extern void *__kcheck_per_cpu_ptr(const volatile void *p, int cpu);
extern void *__kcheck_this_cpu_ptr(const volatile void *p, int checked);
extern int __kcheck_cpu_enter(void);
extern void __kcheck_cpu_exit(int cpu);
extern int __kcheck_cpu_here(const char *what);
extern void __kcheck_cpu_sync(int cpu);
extern void __kcheck_cpu_done(int cpu);
extern void *__kcheck_alloc_percpu(unsigned long size, gfp_t gfp);
extern void free_percpu(void *p);
extern int smp_processor_id(void);
extern int raw_smp_processor_id(void);
extern int get_cpu(void);
extern void put_cpu(void);

#define per_cpu_ptr(ptr, cpu)	((__typeof__(ptr))__kcheck_per_cpu_ptr((ptr), (cpu)))
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), (cpu)))
#define this_cpu_ptr(ptr)	((__typeof__(ptr))__kcheck_this_cpu_ptr((ptr), 1))
#define raw_cpu_ptr(ptr)	((__typeof__(ptr))__kcheck_this_cpu_ptr((ptr), 0))
#define get_cpu_ptr(ptr)	({ preempt_disable(); this_cpu_ptr(ptr); })
#define put_cpu_ptr(ptr)	do { (void)(ptr); preempt_enable(); } while (0)
#define get_cpu_var(var)	(*({ preempt_disable(); this_cpu_ptr(&(var)); }))
#define put_cpu_var(var)	do { (void)&(var); preempt_enable(); } while (0)

#define alloc_percpu(type)	((__typeof__(type) *)__kcheck_alloc_percpu(sizeof(type), GFP_KERNEL))
#define alloc_percpu_gfp(type, gfp)	((__typeof__(type) *)__kcheck_alloc_percpu(sizeof(type), (gfp)))

#define __kcheck_pcpu_p(pcp, cpu)	((__typeof__(&(pcp)))__kcheck_per_cpu_ptr(&(pcp), (cpu)))

/* this_cpu_*(): safe against preemption and interrupts, on this CPU's copy */
#define this_cpu_read(pcp) ({							\
	int __c = __kcheck_cpu_enter();						\
	__typeof__(pcp) __v = READ_ONCE(*__kcheck_pcpu_p(pcp, __c));		\
	__kcheck_cpu_exit(__c);							\
	__v; })
#define this_cpu_write(pcp, val) do {						\
	int __c = __kcheck_cpu_enter();						\
	WRITE_ONCE(*__kcheck_pcpu_p(pcp, __c), (val));				\
	__kcheck_cpu_exit(__c);							\
} while (0)
#define __kcheck_this_cpu_op(pcp, op, val) ({					\
	int __c = __kcheck_cpu_enter();						\
	__typeof__(&(pcp)) __p = __kcheck_pcpu_p(pcp, __c);			\
	__typeof__(pcp) __n = READ_ONCE(*__p) op (val);				\
	WRITE_ONCE(*__p, __n);							\
	__kcheck_cpu_exit(__c);							\
	__n; })
#define this_cpu_add(pcp, val)		((void)__kcheck_this_cpu_op(pcp, +, val))
#define this_cpu_sub(pcp, val)		((void)__kcheck_this_cpu_op(pcp, -, val))
#define this_cpu_inc(pcp)		this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)		this_cpu_sub(pcp, 1)
#define this_cpu_and(pcp, val)		((void)__kcheck_this_cpu_op(pcp, &, val))
#define this_cpu_or(pcp, val)		((void)__kcheck_this_cpu_op(pcp, |, val))
#define this_cpu_add_return(pcp, val)	__kcheck_this_cpu_op(pcp, +, val)
#define this_cpu_sub_return(pcp, val)	__kcheck_this_cpu_op(pcp, -, val)
#define this_cpu_inc_return(pcp)	this_cpu_add_return(pcp, 1)
#define this_cpu_dec_return(pcp)	this_cpu_sub_return(pcp, 1)
#define this_cpu_xchg(pcp, nval) ({						\
	int __c = __kcheck_cpu_enter();						\
	__typeof__(&(pcp)) __p = __kcheck_pcpu_p(pcp, __c);			\
	__typeof__(pcp) __o = READ_ONCE(*__p);					\
	WRITE_ONCE(*__p, (nval));						\
	__kcheck_cpu_exit(__c);							\
	__o; })
#define this_cpu_cmpxchg(pcp, oval, nval) ({					\
	int __c = __kcheck_cpu_enter();						\
	__typeof__(&(pcp)) __p = __kcheck_pcpu_p(pcp, __c);			\
	__typeof__(pcp) __o = READ_ONCE(*__p);					\
	if (__o == (oval))							\
		WRITE_ONCE(*__p, (nval));					\
	__kcheck_cpu_exit(__c);							\
	__o; })

/*
 * __this_cpu_*(): the caller has disabled preemption (CONFIG_DEBUG_PREEMPT
 * checks); a read-modify-write is a load and a store, and an interrupt on
 * the same CPU may run between them - not inside either (__kcheck_cpu_here
 * and __kcheck_cpu_sync hold the CPU's interrupts off until __kcheck_cpu_done).
 */
#define __this_cpu_read(pcp) ({							\
	int __c = __kcheck_cpu_here("__this_cpu_read");			\
	__typeof__(pcp) __v = READ_ONCE(*__kcheck_pcpu_p(pcp, __c));		\
	__kcheck_cpu_done(__c);							\
	__v; })
#define __this_cpu_write(pcp, val) do {						\
	__typeof__(pcp) __w = (val);						\
	int __c = __kcheck_cpu_here("__this_cpu_write");			\
	WRITE_ONCE(*__kcheck_pcpu_p(pcp, __c), __w);				\
	__kcheck_cpu_done(__c);							\
} while (0)
#define __kcheck___this_cpu_op(pcp, op, val, what) ({				\
	__typeof__(pcp) __a = (val);						\
	int __c = __kcheck_cpu_here(what);					\
	__typeof__(&(pcp)) __p = __kcheck_pcpu_p(pcp, __c);			\
	__typeof__(pcp) __n = READ_ONCE(*__p) op __a;				\
	__kcheck_cpu_done(__c);							\
	__kcheck_cpu_sync(__c);							\
	WRITE_ONCE(*__p, __n);							\
	__kcheck_cpu_done(__c);							\
	__n; })
#define __this_cpu_add(pcp, val)	((void)__kcheck___this_cpu_op(pcp, +, val, "__this_cpu_add"))
#define __this_cpu_sub(pcp, val)	((void)__kcheck___this_cpu_op(pcp, -, val, "__this_cpu_sub"))
#define __this_cpu_inc(pcp)	((void)__kcheck___this_cpu_op(pcp, +, 1, "__this_cpu_inc"))
#define __this_cpu_dec(pcp)	((void)__kcheck___this_cpu_op(pcp, -, 1, "__this_cpu_dec"))
#define __this_cpu_add_return(pcp, val)	__kcheck___this_cpu_op(pcp, +, val, "__this_cpu_add_return")
#define __this_cpu_inc_return(pcp)	__kcheck___this_cpu_op(pcp, +, 1, "__this_cpu_inc_return")

#endif
