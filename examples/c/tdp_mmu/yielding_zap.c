// SPDX-License-Identifier: GPL-2.0-only
/*
 * The base of the thread's proposals: v5.17 plus the series' yielding zap of a
 * defunct root ("KVM: x86/mmu: Allow yielding when zapping GFNs for defunct
 * TDP MMU root", March 2022), tdp_mmu_zap_root() with its refcount WARN.
 * (kcheck/models/tdp_mmu/variants.py: YieldingZapBase.)
 */

/* the two passes of tdp_mmu_zap_root(): 1G first (when the root is above it), then the root level */
static void __tdp_mmu_zap_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared,
			       int zap_level)
{
	struct tdp_iter iter;

	for_each_tdp_pte_min_level(iter, root->spt, root->role.level, zap_level, 0,
				   MAX_GFN_EXCLUSIVE) {
retry:
		if (tdp_mmu_iter_cond_resched(kvm, &iter, false, shared))
			continue;

		if (!is_shadow_present_pte(iter.old_spte))
			continue;

		if (iter.level > zap_level)
			continue;

		if (!shared) {
			tdp_mmu_set_spte(kvm, &iter, 0);
		} else if (!tdp_mmu_set_spte_atomic(kvm, &iter, 0)) {
			reread_after_failed_cmpxchg(&iter);
			goto retry;
		}
	}
}

static void tdp_mmu_zap_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	int root_level;

	/*
	 * The root must have an elevated refcount so that it's reachable via
	 * mmu_notifier callbacks, which allows this path to yield and drop
	 * mmu_lock.  When handling an unmap/release mmu_notifier command, KVM
	 * must drop all references to relevant pages prior to completing the
	 * callback.  Dropping mmu_lock with an unreachable root would result
	 * in zapping SPTEs after a relevant mmu_notifier callback completes
	 * and lead to use-after-free as zapping a SPTE triggers "writeback" of
	 * dirty accessed bits to the SPTE's associated struct page.
	 */
	WARN_ON_ONCE(!refcount_read(&root->tdp_mmu_root_count));

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	rcu_read_lock();

	/*
	 * To avoid RCU stalls due to recursively removing huge swaths of SPs,
	 * split the zap into two passes.
	 */
	root_level = root->role.level;
	if (PG_LEVEL_1G < root_level)
		__tdp_mmu_zap_root(kvm, root, shared, PG_LEVEL_1G);
	__tdp_mmu_zap_root(kvm, root, shared, root_level);

	rcu_read_unlock();
}

/*
 * v5.18's kvm_tdp_root_mark_invalid(): xchg(&root->role.invalid, true) does not
 * compile (a bit-field has no address), so the role is swapped whole.
 */
static inline bool kvm_tdp_root_mark_invalid(struct kvm_mmu_page *page)
{
	union kvm_mmu_page_role role = page->role;

	role.invalid = true;

	/* No need to use cmpxchg, only the invalid bit can change.  */
	role.word = xchg(&page->role.word, role.word);
	return role.invalid;
}
