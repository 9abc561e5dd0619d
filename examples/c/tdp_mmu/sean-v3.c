// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sean's v3 of kvm_tdp_mmu_put_root() (the thread, March 2022): dec_and_test;
 * free the root if it is already invalid; else mark it invalid with a plain
 * bit-field store, reset the refcount to 1, zap (yielding), and put again.
 *
 *	kcheck check examples/c/tdp_mmu/sean-v3.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
 */
#define VARIANT_kvm_tdp_mmu_put_root
#include "tdp_mmu.c"
#include "yielding_zap.c"

void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
		return;

	WARN_ON(!root->tdp_mmu_page);

	/*
	 * Ensure root->role.invalid is read after the refcount reaches zero to
	 * avoid zapping the root multiple times, e.g. if a different task
	 * acquires a reference (after the root was marked invalid) and puts
	 * the last reference, all while holding mmu_lock for read.  Pairs
	 * with the smp_mb__before_atomic() below.
	 */
	smp_mb__after_atomic();

	/*
	 * Free the root if it's already invalid.  Invalid roots must be zapped
	 * before their last reference is put, i.e. there's no work to be done,
	 * and all roots must be invalidated (see below) before they're freed.
	 * Re-zapping invalid roots would put KVM into an infinite loop (again,
	 * see below).
	 */
	if (root->role.invalid) {
		spin_lock(&kvm->arch.tdp_mmu_pages_lock);
		list_del_rcu(&root->link);
		spin_unlock(&kvm->arch.tdp_mmu_pages_lock);

		call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
		return;
	}

	/*
	 * Invalidate the root to prevent it from being reused by a vCPU, and
	 * so that KVM doesn't re-zap the root when its last reference is put
	 * again (see above).
	 */
	root->role.invalid = true;

	/*
	 * Ensure role.invalid is visible if a concurrent reader acquires a
	 * reference after the root's refcount is reset.  Pairs with the
	 * smp_mb__after_atomic() above.
	 */
	smp_mb__before_atomic();

	/*
	 * Note, if mmu_lock is held for read this can race with other readers,
	 * e.g. they may acquire a reference without seeing the root as invalid,
	 * and the refcount may be reset after the root is skipped.  Both races
	 * are benign, as flows that must visit all roots, e.g. need to zap
	 * SPTEs for correctness, must take mmu_lock for write to block page
	 * faults, and the only flow that must not consume an invalid root is
	 * allocating a new root for a vCPU, which also takes mmu_lock for write.
	 */
	refcount_set(&root->tdp_mmu_root_count, 1);

	/*
	 * Zap the root, then put the refcount "acquired" above.   Recursively
	 * call kvm_tdp_mmu_put_root() to test the above logic for avoiding an
	 * infinite loop, no fast path is needed.
	 */
	tdp_mmu_zap_root(kvm, root, shared);
	kvm_tdp_mmu_put_root(kvm, root, shared);
}

#include "harness.c"
