// SPDX-License-Identifier: GPL-2.0-only
/*
 * What v5.18 changed in tdp_mmu.c and mmu.c (kcheck/models/tdp_mmu/variants.py:
 * V5_18): kvm_tdp_root_mark_invalid() swaps the role word, a valid root's last
 * put queues a worker that zaps it (a per-root work item on a workqueue of the
 * VM's), the all-roots yield-safe iterator requires mmu_lock for write, and
 * the SPTE helpers refresh iter->old_spte themselves.
 *
 * Included by v5.18.c (and v6.6.c, which replaces some of it: a function
 * guarded by #ifndef V6_<function> here).
 */

/* --- init / uninit ---------------------------------------------------------------- */

#ifndef V6_kvm_mmu_init_tdp_mmu
void kvm_mmu_init_tdp_mmu(struct kvm *kvm)
{
	mmu_page_header_cache = KMEM_CACHE(kvm_mmu_page, 0);
	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_roots);
	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_pages);
	kvm->arch.tdp_mmu_zap_wq = alloc_workqueue("kvm", 0, 0);
}
#endif

#ifndef V6_kvm_mmu_uninit_tdp_mmu
void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm)
{
	/* Also waits for any queued work items.  */
	destroy_workqueue(kvm->arch.tdp_mmu_zap_wq);

	WARN_ON(!list_empty(&kvm->arch.tdp_mmu_pages));
	WARN_ON(!list_empty(&kvm->arch.tdp_mmu_roots));

	/*
	 * Ensure that all the outstanding RCU callbacks to free shadow pages
	 * can run before the VM is torn down.  Work items on tdp_mmu_zap_wq
	 * can call kvm_tdp_mmu_put_root and create new callbacks.
	 */
	rcu_barrier();
}
#endif

/* --- the worker ---------------------------------------------------------------------- */

static void tdp_mmu_zap_root_work(struct work_struct *work)
{
	struct kvm_mmu_page *root = container_of(work, struct kvm_mmu_page,
						 tdp_mmu_async_work);
	struct kvm *kvm = root->tdp_mmu_async_data;

	read_lock(&kvm->mmu_lock);

	/*
	 * A TLB flush is not necessary as KVM performs a local TLB flush when
	 * allocating a new root (see kvm_mmu_load()), and when migrating vCPU
	 * to a different pCPU.  Note, the local TLB flush on reuse also
	 * invalidates any paging-structure-cache entries, i.e. TLB entries for
	 * intermediate paging structures, that may be zapped, as such entries
	 * are associated with the ASID on both VMX and SVM.
	 */
	tdp_mmu_zap_root(kvm, root, true);

	/*
	 * Drop the refcount using kvm_tdp_mmu_put_root() to test its logic for
	 * avoiding an infinite loop.  By design, the root is reachable while
	 * it's being asynchronously zapped, thus a different task can put its
	 * last reference, i.e. flowing through kvm_tdp_mmu_put_root() for an
	 * asynchronously zapped root is unavoidable.
	 */
	kvm_tdp_mmu_put_root(kvm, root, true);

	read_unlock(&kvm->mmu_lock);
}

static void tdp_mmu_schedule_zap_root(struct kvm *kvm, struct kvm_mmu_page *root)
{
	root->tdp_mmu_async_data = kvm;
	INIT_WORK(&root->tdp_mmu_async_work, tdp_mmu_zap_root_work);
	queue_work(kvm->arch.tdp_mmu_zap_wq, &root->tdp_mmu_async_work);
}

/* --- put_root -------------------------------------------------------------------------- */

#ifndef V6_kvm_tdp_mmu_put_root
void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
		return;

	WARN_ON(!root->tdp_mmu_page);

	/*
	 * The root now has refcount=0.  It is valid, but readers already
	 * cannot acquire a reference to it because kvm_tdp_mmu_get_root()
	 * rejects it.  This remains true for the rest of the execution
	 * of this function, because readers visit valid roots only
	 * (except for tdp_mmu_zap_root_work(), which however
	 * does not acquire any reference itself).
	 *
	 * Even though there are flows that need to visit all roots for
	 * correctness, they all take mmu_lock for write, so they cannot yet
	 * run concurrently. The same is true after kvm_tdp_root_mark_invalid,
	 * since the root still has refcount=0.
	 *
	 * However, tdp_mmu_zap_root can yield, and writers do not expect to
	 * see refcount=0 (see for example kvm_tdp_mmu_invalidate_all_roots()).
	 * So the root temporarily gets an extra reference, going to refcount=1
	 * while staying invalid.  Readers still cannot acquire any reference;
	 * but writers are now allowed to run if tdp_mmu_zap_root yields and
	 * they might take an extra reference if they themselves yield.
	 * Therefore, when the reference is given back by the worker,
	 * there is no guarantee that the refcount is still 1.  If not, whoever
	 * puts the last reference will free the page, but they will not have to
	 * zap the root because a root cannot go from invalid to valid.
	 */
	if (!kvm_tdp_root_mark_invalid(root)) {
		refcount_set(&root->tdp_mmu_root_count, 1);

		/*
		 * Zapping the root in a worker is not just "nice to have";
		 * it is required because kvm_tdp_mmu_invalidate_all_roots()
		 * skips already-invalid roots.  If kvm_tdp_mmu_put_root() did
		 * not add the root to the workqueue, kvm_tdp_mmu_zap_all_fast()
		 * might return with some roots not zapped yet.
		 */
		tdp_mmu_schedule_zap_root(kvm, root);
		return;
	}

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
}
#endif

/* --- SPTE updates ---------------------------------------------------------------------- */

/*
 * tdp_mmu_set_spte_atomic (v5.18): on failure iter->old_spte is refreshed with
 * the current value, so the caller can retry without rereading.
 */
static inline bool tdp_mmu_set_spte_atomic(struct kvm *kvm, struct tdp_iter *iter, u64 new_spte)
{
	u64 old_spte;

	/*
	 * The caller is responsible for ensuring the old SPTE is not a REMOVED
	 * SPTE.  KVM should never attempt to zap or manipulate a REMOVED SPTE,
	 * and pre-checking before inserting a new SPTE is advantageous as it
	 * avoids unnecessary work.
	 */
	WARN_ON_ONCE(iter->yielded || is_removed_spte(iter->old_spte));

	lockdep_assert_held_read(&kvm->mmu_lock);

	/*
	 * Note, fast_pf_fix_direct_spte() can also modify TDP MMU SPTEs and
	 * does not hold the mmu_lock.
	 */
	old_spte = cmpxchg64(iter->sptep, iter->old_spte, new_spte);
	if (old_spte != iter->old_spte) {
		/*
		 * The page table entry was modified by a different logical
		 * CPU. Refresh iter->old_spte with the current value so the
		 * caller operates on fresh data, e.g. if it retries
		 * tdp_mmu_set_spte_atomic().
		 */
		iter->old_spte = old_spte;
		return false;
	}

	handle_changed_spte(kvm, 0, iter->gfn, iter->old_spte, new_spte, iter->level, true);
	return true;
}

/* tdp_mmu_set_spte_atomic() already refreshed iter->old_spte */
static inline void reread_after_failed_cmpxchg(struct tdp_iter *iter)
{
}

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

/* v5.18 gives up on a frozen target SPTE before trying to set it */
static inline bool map_target_frozen(struct tdp_iter *iter)
{
	return is_removed_spte(iter->old_spte);
}

/* --- zapping ------------------------------------------------------------------------------ */

/*
 * Zap leafs SPTEs for the range of gfns, [start, end), for all roots.  Returns
 * true if a TLB flush is needed before releasing the MMU lock.
 */
static bool tdp_mmu_zap_leafs(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t start,
			      gfn_t end, bool can_yield, bool flush)
{
	struct tdp_iter iter;

	end = min(end, MAX_GFN_EXCLUSIVE);

	lockdep_assert_held_write(&kvm->mmu_lock);

	rcu_read_lock();

	for_each_tdp_pte_min_level(iter, root->spt, root->role.level, PG_LEVEL_4K, start, end) {
		if (can_yield &&
		    tdp_mmu_iter_cond_resched(kvm, &iter, flush, false)) {
			flush = false;
			continue;
		}

		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;

		tdp_mmu_set_spte(kvm, &iter, 0);
		flush = true;
	}

	rcu_read_unlock();

	/*
	 * Because this flow zaps _only_ leaf SPTEs, the caller doesn't need
	 * to provide RCU protection as no 'struct kvm_mmu_page' will be freed.
	 */
	return flush;
}

#ifndef V6_kvm_tdp_mmu_zap_leafs
static bool kvm_tdp_mmu_zap_leafs(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
				  bool can_yield, bool flush)
{
	struct kvm_mmu_page *root;

	for_each_tdp_mmu_root_yield_safe(kvm, root, as_id)
		flush = tdp_mmu_zap_leafs(kvm, root, start, end, can_yield, flush);

	return flush;
}
#endif

static bool kvm_tdp_mmu_unmap_gfn_range(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
					bool may_block, bool flush)
{
	return kvm_tdp_mmu_zap_leafs(kvm, as_id, start, end, may_block, flush);
}

#ifndef V6_kvm_tdp_mmu_zap_all
static void kvm_tdp_mmu_zap_all(struct kvm *kvm)
{
	struct kvm_mmu_page *root;
	int i;

	/*
	 * Zap all roots, including invalid roots, as all SPTEs must be dropped
	 * before returning to the caller.  Zap directly even if the root is
	 * also being zapped by a worker.  Walking zapped top-level SPTEs isn't
	 * all that expensive and mmu_lock is already held, which means the
	 * worker has yielded, i.e. flushing the work instead of zapping here
	 * isn't guaranteed to be any faster.
	 *
	 * A TLB flush is unnecessary, KVM zaps everything if and only the VM
	 * is being destroyed or the userspace VMM has exited.  In both cases,
	 * KVM_RUN is unreachable, i.e. no vCPUs will ever service the request.
	 */
	for (i = 0; i < KVM_ADDRESS_SPACE_NUM; i++) {
		for_each_tdp_mmu_root_yield_safe(kvm, root, i)
			tdp_mmu_zap_root(kvm, root, false);
	}
}
#endif

#ifndef V6_kvm_tdp_mmu_zap_invalidated_roots
/*
 * Zap all invalidated roots to ensure all SPTEs are dropped before the "fast
 * zap" completes.
 */
void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm)
{
	flush_workqueue(kvm->arch.tdp_mmu_zap_wq);
}
#endif

#ifndef V6_kvm_tdp_mmu_invalidate_all_roots
/*
 * Mark each TDP MMU root as invalid to prevent vCPUs from reusing a root that
 * is about to be zapped, e.g. in response to a memslots update.  The actual
 * zapping is performed asynchronously, so a reference is taken on all roots.
 * Using a separate workqueue makes it easy to ensure that the destruction is
 * performed before the "fast zap" completes, without keeping a separate list
 * of invalidated roots; the list is effectively the list of work items in
 * the workqueue.
 *
 * Get a reference even if the root is already invalid, the asynchronous worker
 * assumes it was gifted a reference to the root it processes.  Because mmu_lock
 * is held for write, it should be impossible to observe a root with zero refcount,
 * i.e. the list of roots cannot be stale.
 *
 * This has essentially the same effect for the TDP MMU
 * as updating mmu_valid_gen does for the shadow MMU.
 */
void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);
	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		ghost_note_invalidated(root);
		/* queuing an already-queued work item twice would leak a reference */
		if (root->role.invalid)
			continue;
		if (!WARN_ON_ONCE(!kvm_tdp_mmu_get_root(root))) {
			root->role.invalid = true;
			tdp_mmu_schedule_zap_root(kvm, root);
		}
	}
}
#endif

/* --- mmu.c -------------------------------------------------------------------------------- */

static void zap_invalidated_roots_after_fast_zap(struct kvm *kvm)
{
	kvm_tdp_mmu_zap_invalidated_roots(kvm);
}

/* read without mmu_lock, as kvm_mmu_free_obsolete_roots() does */
static bool is_obsolete_root(hpa_t root_hpa)
{
	return VALID_PAGE(root_hpa) && to_shadow_page(root_hpa)->role.invalid;
}

/* KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: free the obsolete root, then kvm_mmu_reload() */
void kvm_mmu_reload_obsolete(struct kvm_vcpu *vcpu)
{
	if (is_obsolete_root(vcpu->arch.mmu.root_hpa))
		kvm_mmu_free_roots(vcpu);
	if (!VALID_PAGE(vcpu->arch.mmu.root_hpa))
		kvm_mmu_load(vcpu);
}
