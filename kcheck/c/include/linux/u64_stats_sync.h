/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: 64-bit statistics (include/linux/u64_stats_sync.h) as on 64-bit
 * kernels (BITS_PER_LONG == 64): struct u64_stats_sync is empty and its
 * calls do nothing (no barrier either); a u64_stats_t is a local64_t, read
 * and set with local64_read()/local64_set() (READ_ONCE/WRITE_ONCE) and
 * added to with local64_add()/local64_inc() (asm-generic: atomic_long_add()).
 */
#ifndef _LINUX_U64_STATS_SYNC_H
#define _LINUX_U64_STATS_SYNC_H

#include <linux/kernel.h>
#include <linux/atomic.h>

#ifndef _KCHECK_LOCAL64_T
#define _KCHECK_LOCAL64_T
typedef struct { atomic_long_t a; } local_t;		/* asm-generic/local.h */
typedef struct { local_t a; } local64_t;		/* asm-generic/local64.h, 64-bit */
#define local64_read(l)		atomic_long_read(&(l)->a.a)
#define local64_set(l, i)	atomic_long_set(&(l)->a.a, (i))
#define local64_add(i, l)	atomic_long_add((i), &(l)->a.a)
#define local64_inc(l)		atomic_long_inc(&(l)->a.a)
#endif

struct u64_stats_sync {
};

typedef struct {
	local64_t	v;
} u64_stats_t;

static inline u64 u64_stats_read(const u64_stats_t *p)
{
	return local64_read(&p->v);
}

static inline void u64_stats_set(u64_stats_t *p, u64 val)
{
	local64_set(&p->v, val);
}

static inline void u64_stats_add(u64_stats_t *p, unsigned long val)
{
	local64_add(val, &p->v);
}

static inline void u64_stats_inc(u64_stats_t *p)
{
	local64_inc(&p->v);
}

#define U64_STATS_ZERO(_member, _name)	{}

static inline void u64_stats_init(struct u64_stats_sync *syncp) { }
static inline void __u64_stats_update_begin(struct u64_stats_sync *syncp) { }
static inline void __u64_stats_update_end(struct u64_stats_sync *syncp) { }
static inline unsigned long __u64_stats_irqsave(void) { return 0; }
static inline void __u64_stats_irqrestore(unsigned long flags) { }

static inline unsigned int __u64_stats_fetch_begin(const struct u64_stats_sync *syncp)
{
	return 0;
}

static inline bool __u64_stats_fetch_retry(const struct u64_stats_sync *syncp,
					   unsigned int start)
{
	return false;
}

static inline void u64_stats_update_begin(struct u64_stats_sync *syncp)
{
	__u64_stats_update_begin(syncp);
}

static inline void u64_stats_update_end(struct u64_stats_sync *syncp)
{
	__u64_stats_update_end(syncp);
}

static inline unsigned long u64_stats_update_begin_irqsave(struct u64_stats_sync *syncp)
{
	unsigned long flags = __u64_stats_irqsave();

	__u64_stats_update_begin(syncp);
	return flags;
}

static inline void u64_stats_update_end_irqrestore(struct u64_stats_sync *syncp,
						   unsigned long flags)
{
	__u64_stats_update_end(syncp);
	__u64_stats_irqrestore(flags);
}

static inline unsigned int u64_stats_fetch_begin(const struct u64_stats_sync *syncp)
{
	return __u64_stats_fetch_begin(syncp);
}

static inline bool u64_stats_fetch_retry(const struct u64_stats_sync *syncp,
					 unsigned int start)
{
	return __u64_stats_fetch_retry(syncp, start);
}

#endif
