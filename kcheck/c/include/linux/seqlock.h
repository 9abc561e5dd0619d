/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: sequence counters and seqlocks (include/linux/seqlock.h), kcheck.kernel's. */
#ifndef __LINUX_SEQLOCK_H
#define __LINUX_SEQLOCK_H

#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>

typedef struct seqcount {
	unsigned sequence;
} seqcount_t;

typedef struct {
	seqcount_t seqcount;
	spinlock_t lock;
} seqlock_t;

typedef seqcount_t seqcount_spinlock_t;
typedef seqcount_t seqcount_mutex_t;

#define SEQCNT_ZERO(name)		{ .sequence = 0 }
#define __SEQLOCK_UNLOCKED(name)	{ SEQCNT_ZERO(name), __SPIN_LOCK_UNLOCKED(name) }
#define DEFINE_SEQLOCK(sl)		seqlock_t sl = __SEQLOCK_UNLOCKED(sl)

extern void seqcount_init(seqcount_t *s);
extern void seqcount_spinlock_init(seqcount_t *s, spinlock_t *lock);
extern void seqcount_mutex_init(seqcount_t *s, struct mutex *lock);
extern unsigned raw_read_seqcount_begin(const seqcount_t *s);
extern unsigned read_seqcount_begin(const seqcount_t *s);
extern unsigned raw_seqcount_begin(const seqcount_t *s);
extern unsigned raw_read_seqcount(const seqcount_t *s);
extern int read_seqcount_retry(const seqcount_t *s, unsigned start);
extern void raw_write_seqcount_begin(seqcount_t *s);
extern void write_seqcount_begin(seqcount_t *s);
extern void raw_write_seqcount_end(seqcount_t *s);
extern void write_seqcount_end(seqcount_t *s);
extern void write_seqcount_invalidate(seqcount_t *s);

extern void raw_write_seqcount_barrier(seqcount_t *s);

/*
 * The latch: the data is kept twice and a reader picks data[seq & 1], the copy
 * the writer is not modifying.  Writer (serialized by its caller):
 *	raw_write_seqcount_latch(&l->seq); modify(l->data[0]);
 *	raw_write_seqcount_latch(&l->seq); modify(l->data[1]);
 * Reader:
 *	do {
 *		seq = raw_read_seqcount_latch(&l->seq);
 *		entry = query(&l->data[seq & 1]);
 *	} while (raw_read_seqcount_latch_retry(&l->seq, seq));
 * raw_read_seqcount_latch() is READ_ONCE: the address dependency orders the
 * reads of the copy.  The non-raw forms (v6.13) are KCSAN-instrumented.
 */
typedef struct {
	seqcount_t seqcount;
} seqcount_latch_t;

#define SEQCNT_LATCH_ZERO(seq_name)	{ .seqcount = SEQCNT_ZERO(seq_name.seqcount) }
#define seqcount_latch_init(s)		seqcount_init(&(s)->seqcount)

extern unsigned raw_read_seqcount_latch(const seqcount_latch_t *s);
extern unsigned read_seqcount_latch(const seqcount_latch_t *s);
extern int raw_read_seqcount_latch_retry(const seqcount_latch_t *s, unsigned start);
extern int read_seqcount_latch_retry(const seqcount_latch_t *s, unsigned start);
extern void raw_write_seqcount_latch(seqcount_latch_t *s);
extern void write_seqcount_latch_begin(seqcount_latch_t *s);
extern void write_seqcount_latch(seqcount_latch_t *s);
extern void write_seqcount_latch_end(seqcount_latch_t *s);

extern void seqlock_init(seqlock_t *sl);
extern unsigned read_seqbegin(const seqlock_t *sl);
extern unsigned read_seqretry(const seqlock_t *sl, unsigned start);
extern void write_seqlock(seqlock_t *sl);
extern void write_sequnlock(seqlock_t *sl);
extern void write_seqlock_bh(seqlock_t *sl);
extern void write_sequnlock_bh(seqlock_t *sl);
extern unsigned long _write_seqlock_irqsave(seqlock_t *sl);
extern void write_sequnlock_irqrestore(seqlock_t *sl, unsigned long flags);
#define write_seqlock_irqsave(lock, flags)	do { (flags) = _write_seqlock_irqsave(lock); } while (0)
extern void read_seqlock_excl(seqlock_t *sl);
extern void read_sequnlock_excl(seqlock_t *sl);

/* the lockless-first reader: even seq (0 at first) a lockless pass, odd the lock */
static inline void read_seqbegin_or_lock(seqlock_t *lock, int *seq)
{
	if (!(*seq & 1))
		*seq = read_seqbegin(lock);
	else
		read_seqlock_excl(lock);
}

static inline int need_seqretry(seqlock_t *lock, int seq)
{
	return !(seq & 1) && read_seqretry(lock, seq);
}

static inline void done_seqretry(seqlock_t *lock, int seq)
{
	if (seq & 1)
		read_sequnlock_excl(lock);
}

#endif
