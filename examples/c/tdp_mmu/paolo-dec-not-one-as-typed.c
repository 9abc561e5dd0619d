// SPDX-License-Identifier: GPL-2.0-only
/*
 * Paolo's first proposal exactly as the mail typed it (the thread, March 1
 * 2022): xchg() of role.invalid, a one-bit bit-field, which has no address.
 * Sean, trying it: "/facepalm ... we can't do xchg() on role.invalid because
 * it occupies a single bit".  kcheck stops where the compiler does:
 *
 *	$ kcheck check examples/c/tdp_mmu/paolo-dec-not-one-as-typed.c
 *	examples/c/tdp_mmu/paolo-dec-not-one-as-typed.c:22:7: error: address of bit-field requested
 */
#define VARIANT_kvm_tdp_mmu_put_root
#include "tdp_mmu.c"
#include "yielding_zap.c"

void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	if (refcount_dec_not_one(&root->tdp_mmu_root_count))
		return;

	if (!xchg(&root->role.invalid, true) {
		tdp_mmu_zap_root(kvm, root, shared);

		/*
		 * Do not assume the refcount is still 1: because
		 * tdp_mmu_zap_root can yield, a different task
		 * might have grabbed a reference to this root.
		 *
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
