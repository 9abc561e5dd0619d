// SPDX-License-Identifier: GPL-2.0-only
/*
 * v5.18 as merged: kvm_tdp_root_mark_invalid() by xchg() of role.word, and a
 * valid root's last put queues a per-root worker that zaps it.
 *
 *	kcheck check examples/c/tdp_mmu/v5.18.c -D FLOWS=VCPU,MEMSLOT -D RESIDENT=1
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

/* v5.18: the all-roots yield-safe iterator requires mmu_lock for write */
#define VARIANT_for_each_tdp_mmu_root_yield_safe
#define for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id)		\
	__for_each_tdp_mmu_root_yield_safe(_kvm, _root, _as_id, false, false)

/* v5.18: the plain walk of the roots asserts mmu_lock for write */
#define VARIANT_for_each_tdp_mmu_root
#define for_each_tdp_mmu_root(_kvm, _root, _as_id)				\
	list_for_each_entry(_root, &_kvm->arch.tdp_mmu_roots, link)		\
		if (kvm_lockdep_assert_mmu_lock_held(_kvm, false) &&		\
		    kvm_mmu_page_as_id(_root) != _as_id) {			\
		} else

#include "tdp_mmu.c"
#include "yielding_zap.c"
#include "tdp_mmu_v5_18.c"
#include "harness.c"
