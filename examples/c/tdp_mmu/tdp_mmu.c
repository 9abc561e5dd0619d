// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TDP MMU as of v5.17 (arch/x86/kvm/mmu/tdp_mmu.c and its mmu.c callers),
 * in C: every function with its locking, lockdep assertions and WARN sites.
 * The variants (the thread's put_root proposals, v5.18, v6.6) include this
 * file and replace what changed: a function a variant defines itself is
 * guarded here by #ifndef VARIANT_<function>.
 *
 * It is the C twin of kcheck/models/tdp_mmu/v5_17.py, function for function,
 * with the same shared accesses in the same order; where the C kernel reads
 * memory the Python model keeps as ghost state (page_private() of a page
 * table's struct page), the C reads it (one more event, no more executions:
 * only the page's allocator writes it, before publishing the page).
 */
#include "kvm.h"
#include "tdp_iter.h"
#include <pthread.h>

static struct kmem_cache *mmu_page_header_cache;

/* what a variant may define in its own way (its definition follows this file) */
static bool tdp_mmu_set_spte_atomic(struct kvm *kvm, struct tdp_iter *iter, u64 new_spte);
static void reread_after_failed_cmpxchg(struct tdp_iter *iter);
static bool tdp_mmu_iter_cond_resched(struct kvm *kvm, struct tdp_iter *iter, bool flush,
				      bool shared);
static bool map_target_frozen(struct tdp_iter *iter);
static void init_root_refcount(struct kvm_mmu_page *root);
static void tdp_mmu_link_page(struct kvm *kvm, struct kvm_mmu_page *sp);
static void tdp_mmu_unlink_page(struct kvm *kvm, struct kvm_mmu_page *sp, bool shared);
static void kvm_tdp_mmu_zap_all(struct kvm *kvm);
static bool kvm_tdp_mmu_unmap_gfn_range(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
					bool may_block, bool flush);
static void zap_invalidated_roots_after_fast_zap(struct kvm *kvm);

/* --- model bookkeeping (no part of the kernel): the roots a memslot update invalidated,
 * one row per task, so that no two tasks touch the same word --- */
#define MAX_TASKS	16
#define MAX_GHOST	8
static struct kvm_mmu_page *ghost_invalidated[MAX_TASKS][MAX_GHOST];
static int ghost_n[MAX_TASKS];

static void ghost_note_invalidated(struct kvm_mmu_page *root)
{
	int t = pthread_self();

	if (ghost_n[t] < MAX_GHOST)
		ghost_invalidated[t][ghost_n[t]++] = root;
}

/* --- init / uninit / alloc / free --------------------------------------------------- */

#ifndef VARIANT_kvm_mmu_init_tdp_mmu
void kvm_mmu_init_tdp_mmu(struct kvm *kvm)
{
	mmu_page_header_cache = KMEM_CACHE(kvm_mmu_page, 0);
	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_roots);
	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_pages);
}
#endif

#ifndef VARIANT_kvm_mmu_uninit_tdp_mmu
void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm)
{
	WARN_ON(!list_empty(&kvm->arch.tdp_mmu_pages));
	WARN_ON(!list_empty(&kvm->arch.tdp_mmu_roots));

	/*
	 * Ensure that all the outstanding RCU callbacks to free shadow pages
	 * can run before the VM is torn down.
	 */
	rcu_barrier();
}
#endif

static void tdp_mmu_free_sp(struct kvm_mmu_page *sp)
{
	free_page((unsigned long)sp->spt);
	kmem_cache_free(mmu_page_header_cache, sp);
}

/*
 * This is called through call_rcu in order to free TDP page table memory
 * safely with respect to other kernel threads that may be operating on
 * the memory.
 */
static void tdp_mmu_free_sp_rcu_callback(struct rcu_head *head)
{
	struct kvm_mmu_page *sp = container_of(head, struct kvm_mmu_page, rcu_head);

	tdp_mmu_free_sp(sp);
}

static struct kvm_mmu_page *alloc_tdp_mmu_page(struct kvm_vcpu *vcpu, gfn_t gfn, int level)
{
	struct kvm_mmu_page *sp;
	union kvm_mmu_page_role role;
	u64 *spt;

	/*
	 * kvm_mmu_memory_cache_alloc(): the vCPU's caches were topped up with
	 * GFP_KERNEL_ACCOUNT before it took mmu_lock, so taking an object here
	 * never sleeps (an empty cache falls back to GFP_ATOMIC).
	 */
	sp = kmem_cache_zalloc(mmu_page_header_cache, GFP_ATOMIC | __GFP_ACCOUNT);
	spt = (u64 *)get_zeroed_page(GFP_ATOMIC | __GFP_ACCOUNT);
	sp->spt = spt;
	set_page_private(virt_to_page(spt), (unsigned long)sp);

	role = vcpu->arch.mmu.root_role;
	role.level = level;
	sp->role = role;
	sp->gfn = gfn;
	sp->tdp_mmu_page = true;
	return sp;
}

/* --- lock helpers -------------------------------------------------------------------- */

static inline bool kvm_lockdep_assert_mmu_lock_held(struct kvm *kvm, bool shared)
{
	if (shared)
		lockdep_assert_held_read(&kvm->mmu_lock);
	else
		lockdep_assert_held_write(&kvm->mmu_lock);
	return true;
}

/* --- root references ------------------------------------------------------------------- */

static inline bool kvm_tdp_mmu_get_root(struct kvm_mmu_page *root)
{
	return refcount_inc_not_zero(&root->tdp_mmu_root_count);
}

static void tdp_mmu_unlink_root(struct kvm *kvm, struct kvm_mmu_page *root)
{
	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
}

static void tdp_mmu_free_root(struct kvm_mmu_page *root)
{
	call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
}

static bool zap_gfn_range(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t start, gfn_t end,
			  bool can_yield, bool flush, bool shared);

#ifndef VARIANT_kvm_tdp_mmu_put_root
void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
		return;

	WARN_ON(!root->tdp_mmu_page);

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);

	zap_gfn_range(kvm, root, 0, -1ull, false, false, shared);

	call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
}
#endif

/*
 * Returns the next root after @prev_root (or the first root if @prev_root is
 * NULL).  A reference to the returned root is acquired, and the reference to
 * @prev_root is released (the caller obviously must hold a reference to
 * @prev_root if it's non-NULL).
 *
 * If @only_valid is true, invalid roots are skipped.
 */
static struct kvm_mmu_page *tdp_mmu_next_root(struct kvm *kvm, struct kvm_mmu_page *prev_root,
					      bool shared, bool only_valid)
{
	struct kvm_mmu_page *next_root;

	rcu_read_lock();

	if (prev_root)
		next_root = list_next_or_null_rcu(&kvm->arch.tdp_mmu_roots, &prev_root->link,
						  typeof(*prev_root), link);
	else
		next_root = list_first_or_null_rcu(&kvm->arch.tdp_mmu_roots,
						   typeof(*next_root), link);

	while (next_root) {
		if ((!only_valid || !next_root->role.invalid) &&
		    kvm_tdp_mmu_get_root(next_root))
			break;

		next_root = list_next_or_null_rcu(&kvm->arch.tdp_mmu_roots, &next_root->link,
						  typeof(*next_root), link);
	}

	rcu_read_unlock();

	if (prev_root)
		kvm_tdp_mmu_put_root(kvm, prev_root, shared);

	return next_root;
}

/*
 * Note: this iterator gets and puts references to the roots it iterates over.
 * This makes it safe to release the MMU lock and yield within the loop, but
 * if exiting the loop early, the caller must drop the reference to the most
 * recent root. (Unless keeping a live reference is desirable.)
 */
#define __for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, _shared, _only_valid)	\
	for (_root = tdp_mmu_next_root(_kvm, NULL, _shared, _only_valid);		\
	     _root;									\
	     _root = tdp_mmu_next_root(_kvm, _root, _shared, _only_valid))		\
		if (kvm_lockdep_assert_mmu_lock_held(_kvm, _shared) &&			\
		    kvm_mmu_page_as_id(_root) != _as_id) {				\
		} else

#define for_each_valid_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, _shared)	\
	__for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, _shared, true)

#ifndef VARIANT_for_each_tdp_mmu_root_yield_safe
#define for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, _shared)		\
	__for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, _shared, false)
#endif

/*
 * Iterate over all TDP MMU roots.  Requires that mmu_lock be held for write,
 * the implication being that any flow that holds mmu_lock for read is
 * inherently yield-friendly and should use the yield-safe variant above.
 * Holding mmu_lock for write obviates the need for RCU protection as the list
 * is guaranteed to be stable.
 */
#ifndef VARIANT_for_each_tdp_mmu_root
#define for_each_tdp_mmu_root(_kvm, _root, _as_id)					\
	list_for_each_entry_rcu(_root, &_kvm->arch.tdp_mmu_roots, link)		\
		if (kvm_mmu_page_as_id(_root) != _as_id) {				\
		} else
#endif

/* --- vCPU root ------------------------------------------------------------------------ */

#ifndef VARIANT_init_root_refcount
static void init_root_refcount(struct kvm_mmu_page *root)
{
	refcount_set(&root->tdp_mmu_root_count, 1);
}
#endif

static hpa_t kvm_tdp_mmu_get_vcpu_root_hpa(struct kvm_vcpu *vcpu)
{
	union kvm_mmu_page_role role;
	struct kvm *kvm = vcpu->kvm;
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);

	role = vcpu->arch.mmu.root_role;

	/* Check for an existing root before allocating a new one. */
	for_each_tdp_mmu_root(kvm, root, role.smm ? 1 : 0) {
		if (root->role.word == role.word && kvm_tdp_mmu_get_root(root))
			goto out;
	}

	root = alloc_tdp_mmu_page(vcpu, 0, LEVELS);
	init_root_refcount(root);

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_add_rcu(&root->link, &kvm->arch.tdp_mmu_roots);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);

out:
	return __pa(root->spt);
}

/* --- page-table pages ------------------------------------------------------------------ */

#ifndef VARIANT_tdp_mmu_link_page
static void tdp_mmu_link_page(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_add(&sp->link, &kvm->arch.tdp_mmu_pages);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
}

static void tdp_mmu_unlink_page(struct kvm *kvm, struct kvm_mmu_page *sp, bool shared)
{
	if (shared)
		spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	else
		lockdep_assert_held_write(&kvm->mmu_lock);

	list_del(&sp->link);

	if (shared)
		spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
}
#endif

static void handle_changed_spte(struct kvm *kvm, int as_id, gfn_t gfn, u64 old_spte,
				u64 new_spte, int level, bool shared);

/*
 * handle_removed_tdp_mmu_page - handle a pt removed from the TDP structure
 *
 * Given a page table that has been removed from the TDP paging structure,
 * iterates through the page table to clear SPTEs and free child page tables.
 * Caller is in an RCU read-side critical section.
 */
static void handle_removed_pt(struct kvm *kvm, tdp_ptep_t pt, bool shared)
{
	struct kvm_mmu_page *sp = sptep_to_sp(pt);
	int level = sp->role.level;
	gfn_t base_gfn = sp->gfn;
	int i;

	tdp_mmu_unlink_page(kvm, sp, shared);

	for (i = 0; i < FANOUT; i++) {
		u64 *sptep = pt + i;
		gfn_t gfn = base_gfn + i * KVM_PAGES_PER_HPAGE(level);
		u64 old_child_spte;

		if (shared) {
			/*
			 * Set the SPTE to a nonpresent value that other threads will
			 * not overwrite.  If the SPTE was already marked as removed,
			 * another thread froze it first: the kernel spins until that
			 * thread puts a non-frozen value back; kcheck explores the
			 * executions where it already has (as the Python model).
			 */
			old_child_spte = xchg(sptep, REMOVED_SPTE);
			kcheck_assume(!is_removed_spte(old_child_spte));
		} else {
			old_child_spte = READ_ONCE(*sptep);
			if (!is_shadow_present_pte(old_child_spte))
				continue;
			WRITE_ONCE(*sptep, REMOVED_SPTE);
		}
		handle_changed_spte(kvm, 0, gfn, old_child_spte, REMOVED_SPTE, level, shared);
	}

	call_rcu(&sp->rcu_head, tdp_mmu_free_sp_rcu_callback);
}

/* __handle_changed_spte(): the acc-track and dirty-log hooks touch no shared state here */
static void handle_changed_spte(struct kvm *kvm, int as_id, gfn_t gfn, u64 old_spte,
				u64 new_spte, int level, bool shared)
{
	bool was_present = is_shadow_present_pte(old_spte);
	bool is_present = is_shadow_present_pte(new_spte);
	bool was_leaf = was_present && is_last_spte(old_spte, level);
	bool is_leaf = is_present && is_last_spte(new_spte, level);
	bool pfn_changed = spte_to_pfn(old_spte) != spte_to_pfn(new_spte);

	WARN_ON(level > LEVELS);
	WARN_ON(level < PG_LEVEL_4K);
	WARN_ON(gfn % KVM_PAGES_PER_HPAGE(level));

	/* "Invalid SPTE change: cannot replace a present leaf SPTE with another present leaf SPTE mapping a different PFN!" */
	if (was_leaf && is_leaf && pfn_changed)
		BUG();

	if (old_spte == new_spte)
		return;

	if (!was_present && !is_present) {
		WARN_ON(!is_removed_spte(new_spte));
		return;
	}

	if (was_present && !was_leaf && (pfn_changed || !is_present))
		handle_removed_pt(kvm, spte_to_child_pt(old_spte, level), shared);
}

/* --- SPTE updates ------------------------------------------------------------------------ */

#ifndef VARIANT_tdp_mmu_set_spte_atomic
/*
 * tdp_mmu_set_spte_atomic - Set a TDP MMU SPTE atomically and handle the
 * associated bookkeeping.  Returns true if the SPTE was set (v5.17).
 */
static inline bool tdp_mmu_set_spte_atomic(struct kvm *kvm, struct tdp_iter *iter, u64 new_spte)
{
	lockdep_assert_held_read(&kvm->mmu_lock);

	/* Do not change removed SPTEs. Only the thread that froze the SPTE may modify it. */
	if (is_removed_spte(iter->old_spte))
		return false;

	if (cmpxchg64(iter->sptep, iter->old_spte, new_spte) != iter->old_spte)
		return false;

	handle_changed_spte(kvm, 0, iter->gfn, iter->old_spte, new_spte, iter->level, true);
	return true;
}

/* after a failed cmpxchg the iterator must explicitly reread the SPTE (v5.17) */
static inline void reread_after_failed_cmpxchg(struct tdp_iter *iter)
{
	iter->old_spte = READ_ONCE(*iter->sptep);
}
#endif

static inline bool tdp_mmu_zap_spte_atomic(struct kvm *kvm, struct tdp_iter *iter)
{
	/*
	 * Freeze the SPTE by setting it to a special, non-present value.  This
	 * will stop other threads from immediately installing a present entry
	 * in its place before the TLBs are flushed.
	 */
	if (!tdp_mmu_set_spte_atomic(kvm, iter, REMOVED_SPTE))
		return false;

	/*
	 * No other thread can overwrite the removed SPTE as they must either
	 * wait on the MMU lock or use tdp_mmu_set_spte_atomic which will not
	 * overwrite the special removed SPTE value.
	 */
	WRITE_ONCE(*iter->sptep, 0);
	return true;
}

static inline void tdp_mmu_set_spte(struct kvm *kvm, struct tdp_iter *iter, u64 new_spte)
{
	lockdep_assert_held_write(&kvm->mmu_lock);

	/*
	 * No thread should be using this function to set SPTEs to the temporary
	 * removed SPTE value.
	 */
	WARN_ON(is_removed_spte(iter->old_spte));

	WRITE_ONCE(*iter->sptep, new_spte);
	handle_changed_spte(kvm, 0, iter->gfn, iter->old_spte, new_spte, iter->level, false);
	iter->old_spte = new_spte;
}

/* --- yielding ------------------------------------------------------------------------------ */

/*
 * need_resched() || rwlock_needbreak(&kvm->mmu_lock): both are explorer choices
 * that mean the same here ("yield now"); asking both would explore the yield
 * twice, so one choice stands for both.
 */
static inline bool tdp_mmu_yield_wanted(struct kvm *kvm)
{
	if (!YIELDS)
		return false;
	return need_resched();
}

/*
 * cond_resched_rwlock_read/write() once yield was wanted: the lock is dropped and
 * retaken, as __cond_resched_rwlock_*() does when it yields.
 */
static inline void cond_resched_mmu_lock(struct kvm *kvm, bool shared)
{
	if (shared) {
		lockdep_assert_held_read(&kvm->mmu_lock);
		read_unlock(&kvm->mmu_lock);
		read_lock(&kvm->mmu_lock);
	} else {
		lockdep_assert_held_write(&kvm->mmu_lock);
		write_unlock(&kvm->mmu_lock);
		write_lock(&kvm->mmu_lock);
	}
}

#ifndef VARIANT_tdp_mmu_iter_cond_resched
/*
 * Yield if the MMU lock is contended or this thread needs to return control
 * to the scheduler.  Returns true if this function yielded (v5.17).  Since
 * 5.16 ("Don't advance iterator after restart due to yielding") it does not
 * restart the walk itself: it sets iter->yielded and tdp_iter_next() restarts
 * at the yield point instead of stepping past it.
 */
static inline bool tdp_mmu_iter_cond_resched(struct kvm *kvm, struct tdp_iter *iter,
					     bool flush, bool shared)
{
	WARN_ON(iter->yielded);

	/* Ensure forward progress has been made before yielding. */
	if (iter->next_last_level_gfn == iter->yielded_gfn)
		return false;

	if (tdp_mmu_yield_wanted(kvm)) {
		rcu_read_unlock();
		cond_resched_mmu_lock(kvm, shared);
		rcu_read_lock();

		WARN_ON(iter->gfn > iter->next_last_level_gfn);

		iter->yielded = true;
	}

	return iter->yielded;
}
#endif

/* --- zapping ------------------------------------------------------------------------------ */

/*
 * Tears down the mappings for the range of gfns, [start, end), and frees the
 * non-root pages mapping GFNs strictly within that range.  Returns true if
 * SPTEs have been cleared and a TLB flush is needed before releasing the MMU lock.
 */
static bool zap_gfn_range(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t start, gfn_t end,
			  bool can_yield, bool flush, bool shared)
{
	gfn_t max_gfn_host = MAX_GFN_EXCLUSIVE;
	bool zap_all = (start == 0 && end >= max_gfn_host);
	struct tdp_iter iter;
	int root_level, min_level;

	end = min(end, max_gfn_host);

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	rcu_read_lock();

	/*
	 * No need to try to step down in the iterator when zapping all SPTEs,
	 * zapping the top-level non-leaf SPTEs will recurse on their children.
	 */
	root_level = root->role.level;
	min_level = zap_all ? root_level : PG_LEVEL_4K;

	for_each_tdp_pte_min_level(iter, root->spt, root_level, min_level, start, end) {
retry:
		if (can_yield && tdp_mmu_iter_cond_resched(kvm, &iter, flush, shared)) {
			flush = false;
			continue;
		}

		if (!is_shadow_present_pte(iter.old_spte))
			continue;

		/*
		 * If this is a non-last-level SPTE that covers a larger range
		 * than should be zapped, continue, and zap the mappings at a
		 * lower level, except when zapping all SPTEs.
		 */
		if (!zap_all &&
		    (iter.gfn < start || iter.gfn + KVM_PAGES_PER_HPAGE(iter.level) > end) &&
		    !is_last_spte(iter.old_spte, iter.level))
			continue;

		if (!shared) {
			tdp_mmu_set_spte(kvm, &iter, 0);
			flush = true;
		} else if (!tdp_mmu_zap_spte_atomic(kvm, &iter)) {
			/* The iter must explicitly re-read the SPTE because the atomic cmpxchg failed. */
			reread_after_failed_cmpxchg(&iter);
			goto retry;
		}
	}

	rcu_read_unlock();
	return flush;
}

#if !defined(VARIANT_kvm_tdp_mmu_zap_all) || !defined(VARIANT_kvm_tdp_mmu_unmap_gfn_range)
static bool __kvm_tdp_mmu_zap_gfn_range(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
					bool can_yield, bool flush)
{
	struct kvm_mmu_page *root;

	for_each_tdp_mmu_root_yield_safe(kvm, root, as_id, false)
		flush = zap_gfn_range(kvm, root, start, end, can_yield, flush, false);

	return flush;
}
#endif

#ifndef VARIANT_kvm_tdp_mmu_zap_all
static void kvm_tdp_mmu_zap_all(struct kvm *kvm)
{
	bool flush = false;
	int i;

	for (i = 0; i < KVM_ADDRESS_SPACE_NUM; i++)
		flush = __kvm_tdp_mmu_zap_gfn_range(kvm, i, 0, -1ull, true, flush);
}
#endif

#ifndef VARIANT_kvm_tdp_mmu_zap_invalidated_roots
static struct kvm_mmu_page *next_invalidated_root(struct kvm *kvm,
						  struct kvm_mmu_page *prev_root)
{
	struct kvm_mmu_page *next_root;

	if (prev_root)
		next_root = list_next_or_null_rcu(&kvm->arch.tdp_mmu_roots, &prev_root->link,
						  typeof(*prev_root), link);
	else
		next_root = list_first_or_null_rcu(&kvm->arch.tdp_mmu_roots,
						   typeof(*next_root), link);

	while (next_root && !(next_root->role.invalid &&
			      refcount_read(&next_root->tdp_mmu_root_count)))
		next_root = list_next_or_null_rcu(&kvm->arch.tdp_mmu_roots, &next_root->link,
						  typeof(*next_root), link);

	return next_root;
}

/*
 * Since kvm_tdp_mmu_invalidate_all_roots has acquired a reference to each
 * invalidated root, they will not be freed until this function drops the
 * reference.  Before dropping that reference, tear down the paging structure
 * so that whichever thread does drop the last reference only has to do a
 * trivial amount of work.  Since the roots are invalid, no new SPTEs should
 * be created under them.
 */
void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *next_root;
	struct kvm_mmu_page *root;
	bool flush = false;

	lockdep_assert_held_read(&kvm->mmu_lock);

	rcu_read_lock();

	root = next_invalidated_root(kvm, NULL);

	while (root) {
		next_root = next_invalidated_root(kvm, root);

		rcu_read_unlock();

		flush = zap_gfn_range(kvm, root, 0, -1ull, true, flush, true);

		/* Put the reference acquired in kvm_tdp_mmu_invalidate_roots */
		kvm_tdp_mmu_put_root(kvm, root, true);

		root = next_root;

		rcu_read_lock();
	}

	rcu_read_unlock();
}
#endif

#ifndef VARIANT_kvm_tdp_mmu_invalidate_all_roots
/*
 * Mark each TDP MMU root as invalid so that other threads will not use them.
 * A reference is taken on each root (if it is not already being freed) and
 * gifted to kvm_tdp_mmu_zap_invalidated_roots(), which zaps and puts it.
 */
void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);
	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		ghost_note_invalidated(root);
		if (refcount_inc_not_zero(&root->tdp_mmu_root_count))
			root->role.invalid = true;
	}
}
#endif

/* --- page fault ------------------------------------------------------------------------------ */

static int tdp_mmu_map_handle_target_level(struct kvm_vcpu *vcpu, gfn_t gfn,
					   struct tdp_iter *iter)
{
	struct kvm_mmu_page *sp = sptep_to_sp(iter->sptep);
	u64 new_spte;

	WARN_ON(sp->role.level != PG_LEVEL_4K);

	new_spte = make_spte(gfn);
	if (new_spte == iter->old_spte)
		return RET_PF_SPURIOUS;
	if (!tdp_mmu_set_spte_atomic(vcpu->kvm, iter, new_spte))
		return RET_PF_RETRY;
	return RET_PF_FIXED;
}

/* v5.17 open codes this in kvm_tdp_mmu_map(): set the SPTE, then link the page */
static int tdp_mmu_link_sp(struct kvm *kvm, struct tdp_iter *iter, struct kvm_mmu_page *sp)
{
	if (!tdp_mmu_set_spte_atomic(kvm, iter, make_nonleaf_spte(sp->spt)))
		return -EBUSY;
	tdp_mmu_link_page(kvm, sp);
	return 0;
}

#ifndef VARIANT_map_target_frozen
/* v5.17 relies on tdp_mmu_set_spte_atomic() refusing a REMOVED SPTE */
static inline bool map_target_frozen(struct tdp_iter *iter)
{
	return false;
}
#endif

/*
 * Handle a TDP page fault (NPT/EPT violation/misconfiguration) by installing
 * page tables and SPTEs to translate the faulting guest physical address.
 */
static int kvm_tdp_mmu_map(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_mmu_page *sp;
	struct tdp_iter iter;
	int ret;

	rcu_read_lock();

	/* tdp_mmu_for_each_pte(): from __va(root_hpa) at the vCPU's root level */
	for_each_tdp_pte_min_level(iter, __va(vcpu->arch.mmu.root_hpa), LEVELS, PG_LEVEL_4K,
				   gfn, gfn + 1) {
		if (iter.level == PG_LEVEL_4K)
			break;

		/*
		 * If there is an SPTE mapping a large page at a higher level
		 * than the target, that SPTE must be cleared and replaced
		 * with a non-leaf SPTE (no large pages here).
		 */
		if (!is_shadow_present_pte(iter.old_spte)) {
			/*
			 * If SPTE has been frozen by another thread, just
			 * give up and retry, avoiding unnecessary page table
			 * allocation and free.
			 */
			if (is_removed_spte(iter.old_spte))
				break;

			sp = alloc_tdp_mmu_page(vcpu, iter.gfn, iter.level - 1);
			if (tdp_mmu_link_sp(kvm, &iter, sp)) {
				tdp_mmu_free_sp(sp);
				break;
			}
		}
	}

	if (iter.level != PG_LEVEL_4K || map_target_frozen(&iter)) {
		rcu_read_unlock();
		return RET_PF_RETRY;
	}

	ret = tdp_mmu_map_handle_target_level(vcpu, gfn, &iter);
	rcu_read_unlock();

	return ret;
}

/* --- MMU notifier, dirty logging --------------------------------------------------------------- */

#ifndef VARIANT_kvm_tdp_mmu_unmap_gfn_range
static bool kvm_tdp_mmu_unmap_gfn_range(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
					bool may_block, bool flush)
{
	return __kvm_tdp_mmu_zap_gfn_range(kvm, as_id, start, end, may_block, flush);
}
#endif

/*
 * Clear the dirty status of all the SPTEs mapping GFNs in the memslot.  Returns
 * true if an SPTE has been changed and the TLBs need to be flushed.
 */
static bool clear_dirty_gfn_range(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t start,
				  gfn_t end)
{
	struct tdp_iter iter;
	u64 new_spte;
	bool spte_set = false;

	rcu_read_lock();

	/* tdp_root_for_each_leaf_pte() */
	for_each_tdp_pte_min_level(iter, root->spt, root->role.level, PG_LEVEL_4K, start, end) {
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, true))
			continue;

		if (!is_shadow_present_pte(iter.old_spte))
			continue;

		if (!is_dirty_spte(iter.old_spte))
			continue;

		new_spte = iter.old_spte & ~shadow_dirty_mask;

		if (!tdp_mmu_set_spte_atomic(kvm, &iter, new_spte)) {
			reread_after_failed_cmpxchg(&iter);
			goto retry;
		}
		spte_set = true;
	}

	rcu_read_unlock();
	return spte_set;
}

static bool kvm_tdp_mmu_clear_dirty_slot(struct kvm *kvm, int as_id, gfn_t start, gfn_t end)
{
	struct kvm_mmu_page *root;
	bool spte_set = false;

	for_each_valid_tdp_mmu_root_yield_safe(kvm, root, as_id, true)
		spte_set |= clear_dirty_gfn_range(kvm, root, start, end);

	return spte_set;
}

/* ============================== mmu.c callers ============================== */

/* kvm_mmu_load() -> mmu_alloc_direct_roots() */
void kvm_mmu_load(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	hpa_t root;

	write_lock(&kvm->mmu_lock);
	root = kvm_tdp_mmu_get_vcpu_root_hpa(vcpu);
	vcpu->arch.mmu.root_hpa = root;
	if (CHECKS)	/* the model's invariant (C8): a vCPU is never handed an invalid root */
		WARN(to_shadow_page(root)->role.invalid, "vCPU handed an invalid root");
	write_unlock(&kvm->mmu_lock);
}

static void mmu_free_root_page(struct kvm *kvm, struct kvm_mmu *mmu)
{
	hpa_t root_hpa = mmu->root_hpa;
	struct kvm_mmu_page *sp;

	if (!VALID_PAGE(root_hpa))
		return;

	sp = to_shadow_page(root_hpa);
	if (sp->tdp_mmu_page)
		kvm_tdp_mmu_put_root(kvm, sp, false);

	mmu->root_hpa = INVALID_PAGE;
}

static void kvm_mmu_free_roots(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (!VALID_PAGE(vcpu->arch.mmu.root_hpa))
		return;

	write_lock(&kvm->mmu_lock);
	mmu_free_root_page(kvm, &vcpu->arch.mmu);
	write_unlock(&kvm->mmu_lock);
}

void kvm_mmu_unload(struct kvm_vcpu *vcpu)
{
	kvm_mmu_free_roots(vcpu);
}

/* is_obsolete_sp(): TDP MMU roots use role.invalid */
static bool is_page_fault_stale(struct kvm_vcpu *vcpu)
{
	struct kvm_mmu_page *sp = to_shadow_page(vcpu->arch.mmu.root_hpa);

	return sp->role.invalid;
}

int direct_page_fault(struct kvm_vcpu *vcpu, gfn_t gfn, bool *stale)
{
	struct kvm *kvm = vcpu->kvm;
	int r;

	read_lock(&kvm->mmu_lock);
	if (is_page_fault_stale(vcpu)) {
		read_unlock(&kvm->mmu_lock);
		*stale = true;
		return RET_PF_RETRY;
	}
	r = kvm_tdp_mmu_map(vcpu, gfn);
	read_unlock(&kvm->mmu_lock);
	*stale = false;
	return r;
}

#ifndef VARIANT_kvm_mmu_reload_obsolete
/* KVM_REQ_MMU_RELOAD (v5.17): unload all roots, then kvm_mmu_reload() */
void kvm_mmu_reload_obsolete(struct kvm_vcpu *vcpu)
{
	kvm_mmu_unload(vcpu);
	kvm_mmu_load(vcpu);
}
#endif

#ifndef VARIANT_zap_invalidated_roots_after_fast_zap
static void zap_invalidated_roots_after_fast_zap(struct kvm *kvm)
{
	read_lock(&kvm->mmu_lock);
	kvm_tdp_mmu_zap_invalidated_roots(kvm);
	read_unlock(&kvm->mmu_lock);
}
#endif

void kvm_mmu_zap_all_fast(struct kvm *kvm)
{
	lockdep_assert_held(&kvm->slots_lock);

	write_lock(&kvm->mmu_lock);
	kvm_tdp_mmu_invalidate_all_roots(kvm);
	/* kvm_reload_remote_mmus(): vCPUs see their root obsolete at the next fault */
	write_unlock(&kvm->mmu_lock);

	zap_invalidated_roots_after_fast_zap(kvm);
}

void kvm_mmu_zap_all(struct kvm *kvm)
{
	write_lock(&kvm->mmu_lock);
	kvm_tdp_mmu_zap_all(kvm);
	write_unlock(&kvm->mmu_lock);
}

/* MMU notifier invalidate_range_start: KVM_MMU_LOCK is write_lock on x86 */
void kvm_unmap_gfn_range(struct kvm *kvm, gfn_t start, gfn_t end)
{
	write_lock(&kvm->mmu_lock);
	kvm_tdp_mmu_unmap_gfn_range(kvm, 0, start, end, true, false);
	write_unlock(&kvm->mmu_lock);
}

void kvm_mmu_slot_leaf_clear_dirty(struct kvm *kvm, gfn_t start, gfn_t end)
{
	read_lock(&kvm->mmu_lock);
	kvm_tdp_mmu_clear_dirty_slot(kvm, 0, start, end);
	read_unlock(&kvm->mmu_lock);
}

/*
 * The model's check after a memslot update (still under slots_lock): no root
 * the fast zap invalidated that is still on tdp_mmu_roots maps anything.
 * Roots invalidated later (by a v5.18 put_root whose worker is still pending)
 * are not its business.
 */
void check_invalid_roots_zapped(struct kvm *kvm)
{
	struct kvm_mmu_page *root;
	int t = pthread_self();
	int i, n = ghost_n[t];

	ghost_n[t] = 0;
	read_lock(&kvm->mmu_lock);
	rcu_read_lock();
	list_for_each_entry_rcu(root, &kvm->arch.tdp_mmu_roots, link) {
		bool covered = false;

		for (i = 0; i < n; i++)
			if (ghost_invalidated[t][i] == root)
				covered = true;
		if (covered && root->role.invalid) {
			u64 *pt = root->spt;

			for (i = 0; i < FANOUT; i++)
				WARN(is_shadow_present_pte(READ_ONCE(pt[i])),
				     "memslot update returned before an invalidated root was zapped");
		}
	}
	rcu_read_unlock();
	read_unlock(&kvm->mmu_lock);
}
