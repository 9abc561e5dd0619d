/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TDP iterator (arch/x86/kvm/mmu/tdp_iter.c, tdp_iter.h): a pre-order walk
 * over one root's page tables.  Each SPTE read is a READ_ONCE() of the page
 * table, where the kernel reads it; everything else in the iterator is the
 * walking task's own (a local whose address never escapes: no events).
 */
#ifndef KCHECK_EXAMPLE_TDP_ITER_H
#define KCHECK_EXAMPLE_TDP_ITER_H

#include "kvm.h"

struct tdp_iter {
	gfn_t next_last_level_gfn;	/* the GFN the walk is heading for */
	gfn_t yielded_gfn;		/* next_last_level_gfn when the walk last yielded */
	tdp_ptep_t pt_path[LEVELS + 1];	/* the page table of each level on the way down */
	tdp_ptep_t sptep;		/* the SPTE the iterator is at */
	gfn_t gfn;
	int root_level;
	int min_level;
	int level;
	u64 old_spte;			/* the SPTE's value as last read */
	bool valid;
	bool yielded;			/* since 5.16: the walk dropped mmu_lock and must restart */
};

static inline u64 kvm_tdp_mmu_read_spte(tdp_ptep_t sptep)
{
	return READ_ONCE(*sptep);
}

static void tdp_iter_refresh_sptep(struct tdp_iter *iter)
{
	iter->sptep = iter->pt_path[iter->level] + SPTE_INDEX(iter->gfn, iter->level);
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
}

static void tdp_iter_restart(struct tdp_iter *iter)
{
	iter->yielded = false;
	iter->yielded_gfn = iter->next_last_level_gfn;
	iter->level = iter->root_level;
	iter->gfn = round_gfn_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	iter->valid = true;
}

static void tdp_iter_start(struct tdp_iter *iter, u64 *root_pt, int root_level, int min_level,
			   gfn_t next_last_level_gfn)
{
	WARN_ON_ONCE(root_level < 1);
	iter->next_last_level_gfn = next_last_level_gfn;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->pt_path[root_level] = root_pt;
	tdp_iter_restart(iter);
}

/* Step down to the child page table, if there is one; reread the SPTE first, it may
 * have been unlinked. */
static bool try_step_down(struct tdp_iter *iter)
{
	tdp_ptep_t child_pt;

	if (iter->level == iter->min_level)
		return false;
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	child_pt = spte_to_child_pt(iter->old_spte, iter->level);
	if (!child_pt)
		return false;
	iter->level--;
	iter->pt_path[iter->level] = child_pt;
	iter->gfn = round_gfn_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

static bool try_step_side(struct tdp_iter *iter)
{
	/* Check if the iterator is already at the end of the current page table. */
	if (SPTE_INDEX(iter->gfn, iter->level) == FANOUT - 1)
		return false;
	iter->gfn += KVM_PAGES_PER_HPAGE(iter->level);
	iter->next_last_level_gfn = iter->gfn;
	iter->sptep++;
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	return true;
}

static bool try_step_up(struct tdp_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;
	iter->level++;
	iter->gfn = round_gfn_for_level(iter->gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

static void tdp_iter_next(struct tdp_iter *iter)
{
	if (iter->yielded) {
		tdp_iter_restart(iter);
		return;
	}
	if (try_step_down(iter))
		return;
	do {
		if (try_step_side(iter))
			return;
	} while (try_step_up(iter));
	iter->valid = false;
}

#define for_each_tdp_pte_min_level(iter, root_pt, root_level, min_level, start, end)	\
	for (tdp_iter_start(&iter, root_pt, root_level, min_level, start);		\
	     iter.valid && iter.gfn < end;						\
	     tdp_iter_next(&iter))

#endif
