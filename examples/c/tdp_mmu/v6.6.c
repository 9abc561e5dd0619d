// SPDX-License-Identifier: GPL-2.0-only
/*
 * v6.6 ("KVM: x86/mmu: Stop zapping invalidated TDP MMU roots asynchronously"):
 * roots start at refcount 2 (one for the vCPU, one for the TDP MMU itself), the
 * last put of a root only unlinks and frees it (KVM_BUG_ON unless it is
 * invalid), and kvm_tdp_mmu_zap_invalidated_roots() zaps each root the fast
 * zap invalidated exactly once, then puts the TDP MMU's reference.
 *
 *	kcheck check examples/c/tdp_mmu/v6.6.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
 */
#define VARIANT_kvm_mmu_init_tdp_mmu
#define VARIANT_kvm_mmu_uninit_tdp_mmu
#define VARIANT_kvm_tdp_mmu_put_root
#define VARIANT_tdp_mmu_set_spte_atomic
#define VARIANT_tdp_mmu_iter_cond_resched
#define VARIANT_map_target_frozen
#define VARIANT_kvm_tdp_mmu_unmap_gfn_range
#define VARIANT_kvm_tdp_mmu_zap_all
#define VARIANT_kvm_tdp_mmu_zap_invalidated_roots
#define VARIANT_kvm_tdp_mmu_invalidate_all_roots
#define VARIANT_kvm_mmu_reload_obsolete
#define VARIANT_zap_invalidated_roots_after_fast_zap
#define VARIANT_init_root_refcount
#define VARIANT_tdp_mmu_link_page

/* what v6.6 replaces in v5.18's code */
#define V6_kvm_mmu_init_tdp_mmu
#define V6_kvm_mmu_uninit_tdp_mmu
#define V6_kvm_tdp_mmu_put_root
#define V6_kvm_tdp_mmu_zap_leafs
#define V6_kvm_tdp_mmu_zap_all
#define V6_kvm_tdp_mmu_zap_invalidated_roots
#define V6_kvm_tdp_mmu_invalidate_all_roots

/* v6.6: all roots, any address space, with mmu_lock held in the mode @shared names */
#define VARIANT_for_each_tdp_mmu_root_yield_safe
#define for_each_tdp_mmu_root_yield_safe(_kvm, _root, _shared)			\
	for (_root = tdp_mmu_next_root(_kvm, NULL, _shared, false);		\
	     _root;								\
	     _root = tdp_mmu_next_root(_kvm, _root, _shared, false))		\
		if (!kvm_lockdep_assert_mmu_lock_held(_kvm, _shared)) {		\
		} else

#define VARIANT_for_each_tdp_mmu_root
#define for_each_tdp_mmu_root(_kvm, _root, _as_id)				\
	list_for_each_entry(_root, &_kvm->arch.tdp_mmu_roots, link)		\
		if (kvm_lockdep_assert_mmu_lock_held(_kvm, false) &&		\
		    kvm_mmu_page_as_id(_root) != _as_id) {			\
		} else

#include "tdp_mmu.c"
#include "yielding_zap.c"
static bool kvm_tdp_mmu_zap_leafs(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
				  bool can_yield, bool flush);
#include "tdp_mmu_v5_18.c"

static void __kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm, bool vm_dead);

void kvm_mmu_init_tdp_mmu(struct kvm *kvm)
{
	mmu_page_header_cache = KMEM_CACHE(kvm_mmu_page, 0);
	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_roots);
	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_pages);
}

void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm)
{
	/*
	 * Invalidate all roots, which besides the obvious, schedules all roots
	 * for zapping and thus puts the TDP MMU's reference to each root, i.e.
	 * ultimately frees all roots.
	 */
	__kvm_tdp_mmu_invalidate_all_roots(kvm, true);
	kvm_tdp_mmu_zap_invalidated_roots(kvm);

	WARN_ON(atomic64_read(&kvm->arch.tdp_mmu_pages_count));
	WARN_ON(!list_empty(&kvm->arch.tdp_mmu_roots));

	/*
	 * Ensure that all the outstanding RCU callbacks to free shadow pages
	 * can run before the VM is torn down.  Putting the last reference to
	 * zapped roots will create new callbacks.
	 */
	rcu_barrier();
}

/* one reference for the vCPU, one for the TDP MMU itself */
static void init_root_refcount(struct kvm_mmu_page *root)
{
	refcount_set(&root->tdp_mmu_root_count, 2);
}

void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared)
{
	kvm_lockdep_assert_mmu_lock_held(kvm, shared);

	if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
		return;

	/*
	 * The TDP MMU itself holds a reference to each root until the root is
	 * explicitly invalidated, i.e. the final reference should be never be
	 * put for a valid root.
	 */
	KVM_BUG_ON(!root->tdp_mmu_page || !root->role.invalid, kvm);

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	call_rcu(&root->rcu_head, tdp_mmu_free_sp_rcu_callback);
}

static bool kvm_tdp_mmu_zap_leafs(struct kvm *kvm, int as_id, gfn_t start, gfn_t end,
				  bool can_yield, bool flush)
{
	struct kvm_mmu_page *root;

	__for_each_tdp_mmu_root_yield_safe(kvm, root, as_id, false, false)
		flush = tdp_mmu_zap_leafs(kvm, root, start, end, can_yield, flush);

	return flush;
}

static void kvm_tdp_mmu_zap_all(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);
	for_each_tdp_mmu_root_yield_safe(kvm, root, false)
		tdp_mmu_zap_root(kvm, root, false);
}

/*
 * Zap all invalidated roots to ensure all SPTEs are dropped before the "fast
 * zap" completes.
 */
void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	read_lock(&kvm->mmu_lock);

	for_each_tdp_mmu_root_yield_safe(kvm, root, true) {
		if (!root->tdp_mmu_scheduled_root_to_zap)
			continue;

		root->tdp_mmu_scheduled_root_to_zap = false;
		KVM_BUG_ON(!root->role.invalid, kvm);

		/*
		 * A TLB flush is not necessary as KVM performs a local TLB
		 * flush when allocating a new root (see kvm_mmu_load()), and
		 * when migrating a vCPU to a different pCPU.
		 */
		tdp_mmu_zap_root(kvm, root, true);

		/*
		 * The referenced needs to be put *after* zapping the root, as
		 * the root must be reachable by mmu_notifiers while it's being
		 * zapped
		 */
		kvm_tdp_mmu_put_root(kvm, root, true);
	}

	read_unlock(&kvm->mmu_lock);
}

/*
 * Mark each TDP MMU root as invalid to prevent vCPUs from reusing a root that
 * is about to be zapped, e.g. in response to a memslots update.  The actual
 * zapping is done separately so that it happens with mmu_lock with read,
 * whereas invalidating roots must be done with mmu_lock held for write (unless
 * the VM is being destroyed).
 *
 * Note, kvm_tdp_mmu_zap_invalidated_roots() is gifted the TDP MMU's reference.
 * See kvm_tdp_mmu_get_vcpu_root_hpa().
 */
static void __kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm, bool vm_dead)
{
	struct kvm_mmu_page *root;

	if (!vm_dead)
		lockdep_assert_held_write(&kvm->mmu_lock);

	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		ghost_note_invalidated(root);
		/*
		 * Note, invalid roots can outlive a memslot update!  Invalid
		 * roots must be *zapped* before the memslot update completes,
		 * but a different task can acquire a reference and keep the
		 * root alive after its been zapped.
		 */
		if (!root->role.invalid) {
			root->tdp_mmu_scheduled_root_to_zap = true;
			root->role.invalid = true;
		}
	}
}

void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm)
{
	__kvm_tdp_mmu_invalidate_all_roots(kvm, false);
}

/* v6.1+: tdp_mmu_pages is a counter (tdp_account_mmu_page / tdp_unaccount_mmu_page) */
static void tdp_mmu_link_page(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	atomic64_inc(&kvm->arch.tdp_mmu_pages_count);
}

static void tdp_mmu_unlink_page(struct kvm *kvm, struct kvm_mmu_page *sp, bool shared)
{
	atomic64_dec(&kvm->arch.tdp_mmu_pages_count);
}

#include "harness.c"
