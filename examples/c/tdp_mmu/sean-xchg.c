// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sean's "Is this less funky (untested)?" (the thread): dec_and_test; if the
 * root was already invalid, free it; else reset the refcount to 1, zap
 * (yielding) and put again.  The mail's xchg(root->role.invalid, true) is
 * written as the kernel later wrote it, kvm_tdp_root_mark_invalid().
 *
 *	kcheck check examples/c/tdp_mmu/sean-xchg.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
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
	 * Invalidate the root to prevent it from being reused by a vCPU while
	 * the root is being zapped, i.e. to allow yielding while zapping the
	 * root (see below).
	 *
	 * Free the root if it's already invalid.  Invalid roots must be zapped
	 * before their last reference is put, i.e. there's no work to be done,
	 * and all roots must be invalidated (this code) before they're freed.
	 * Re-zapping invalid roots would put KVM into an infinite loop.
	 *
	 * Note, xchg() provides an implicit barrier to ensure role.invalid is
	 * visible if a concurrent reader acquires a reference after the root's
	 * refcount is reset.
	 */
	if (kvm_tdp_root_mark_invalid(root)) {
		spin_lock(&kvm->arch.tdp_mmu_pages_lock);
		list_del_rcu(&root->link);
		spin_unlock(&kvm->arch.tdp_mmu_pages_lock);

		call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
		return;
	}

	refcount_set(&root->tdp_mmu_root_count, 1);
	tdp_mmu_zap_root(kvm, root, shared);
	kvm_tdp_mmu_put_root(kvm, root, shared);
}

#include "harness.c"
