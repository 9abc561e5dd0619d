// SPDX-License-Identifier: GPL-2.0-only
/*
 * Paolo's xchg form, "Based on my own version, I guess you mean" (the thread):
 * dec_and_test; if the root was valid, reset the refcount to 1, zap it and
 * put once more; free it when that put was the last.  xchg(&root->role.invalid,
 * true) is written as kvm_tdp_root_mark_invalid(), and the mail's
 * tdp_mmu_count as tdp_mmu_root_count.
 *
 *	kcheck check examples/c/tdp_mmu/paolo-xchg.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
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

	if (!kvm_tdp_root_mark_invalid(root)) {
		refcount_set(&root->tdp_mmu_root_count, 1);
		tdp_mmu_zap_root(kvm, root, shared);
		if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
			return;
	}

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
}

#include "harness.c"
