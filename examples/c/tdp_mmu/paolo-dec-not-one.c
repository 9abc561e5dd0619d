// SPDX-License-Identifier: GPL-2.0-only
/*
 * Paolo's first proposal (the thread, March 1 2022): refcount_dec_not_one(),
 * mark the root invalid, zap it, "do not assume the refcount is still 1", and
 * turn the refcount_dec_not_one() into a refcount_dec_and_test() with
 * refcount_set(..., 0).  As typed in the mail it does not compile
 * (paolo-dec-not-one-as-typed.c: xchg() of a bit-field); here the xchg is on
 * the whole role word, as the kernel later wrote it.
 *
 *	kcheck check examples/c/tdp_mmu/paolo-dec-not-one.c -D FLOWS=VCPU,DIRTY_LOG,DIRTY_LOG
 */
#define VARIANT_kvm_tdp_mmu_put_root
#include "tdp_mmu.c"
#include "yielding_zap.c"

void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	if (refcount_dec_not_one(&root->tdp_mmu_root_count))
		return;

	WARN_ON(!root->tdp_mmu_page);

	if (!kvm_tdp_root_mark_invalid(root)) {
		tdp_mmu_zap_root(kvm, root, shared);

		/*
		 * Do not assume the refcount is still 1: because
		 * tdp_mmu_zap_root can yield, a different task
		 * might have grabbed a reference to this root.
		 */
		if (refcount_dec_not_one(&root->tdp_mmu_root_count))
			return;
	}

	/*
	 * The root is invalid, and its reference count has reached
	 * zero.  It must have been zapped either in the "if" above or
	 * by someone else, and we're definitely the last thread to see
	 * it apart from RCU-protected page table walks.
	 */
	refcount_set(&root->tdp_mmu_root_count, 0);

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);

	call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
}

#include "harness.c"
