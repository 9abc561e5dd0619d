/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVM objects of the TDP MMU root lifecycle, in C, as kcheck runs them:
 * struct kvm (its kvm_arch TDP MMU members folded in), struct kvm_mmu_page with
 * the real 32-bit union kvm_mmu_page_role (invalid is bit 11), the vCPU's MMU
 * state, SPTE bits at their x86 positions, and small page tables.
 *
 * This is the C twin of kcheck/models/tdp_mmu (structs.py, spte.py): the same
 * objects, fields and geometry, so that a check of the C and a check of the
 * Python model explore the same executions.  Sizes are macros (-D NAME=VALUE):
 * LEVELS, FANOUT, GFNS, SLOT_PAGES, NOTIFIER_GFN, FAULT_ATTEMPTS, YIELDS,
 * RESIDENT, CHECKS - the defaults are the Python model's.
 */
#ifndef KCHECK_EXAMPLE_KVM_H
#define KCHECK_EXAMPLE_KVM_H

#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/rwlock.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <kcheck.h>

#ifndef LEVELS
#define LEVELS		2	/* page-table levels */
#endif
#ifndef FANOUT
#define FANOUT		2	/* SPTEs per page table (the kernel's 512) */
#endif
#ifndef YIELDS
#define YIELDS		1	/* 1: every yield point is an explorer choice */
#endif
#ifndef CHECKS
#define CHECKS		1	/* the model's own invariants (C8, the fast zap) */
#endif

typedef u64 gfn_t;
typedef unsigned long hpa_t;
typedef u64 *tdp_ptep_t;

#define INVALID_PAGE		(~(hpa_t)0)
#define VALID_PAGE(x)		((x) != INVALID_PAGE)
#define KVM_ADDRESS_SPACE_NUM	1	/* no SMM address space in the model */

#define PG_LEVEL_4K		1
#define PG_LEVEL_2M		2
#define PG_LEVEL_1G		3
#define ACC_ALL			7

union kvm_mmu_page_role {
	u32 word;
	struct {
		unsigned level:4;
		unsigned has_4_byte_gpte:1;
		unsigned quadrant:2;
		unsigned direct:1;
		unsigned access:3;
		unsigned invalid:1;
		unsigned efer_nx:1;
		unsigned cr0_wp:1;
		unsigned smep_andnot_wp:1;
		unsigned smap_andnot_wp:1;
		unsigned ad_disabled:1;
		unsigned guest_mode:1;
		unsigned :6;
		unsigned smm:8;		/* the address space */
	};
};

struct kvm_mmu_page {
	struct list_head link;		/* in tdp_mmu_roots (roots) or tdp_mmu_pages */
	bool tdp_mmu_page;
	union kvm_mmu_page_role role;
	gfn_t gfn;
	u64 *spt;			/* the page of SPTEs */
	refcount_t tdp_mmu_root_count;
	struct rcu_head rcu_head;
	/* v5.18 .. v6.5: the asynchronous zap */
	struct work_struct tdp_mmu_async_work;
	void *tdp_mmu_async_data;
	/* v6.6+: zap-once flag, protected by slots_lock */
	bool tdp_mmu_scheduled_root_to_zap;
};

struct kvm_arch {
	struct list_head tdp_mmu_roots;		/* RCU list, writers hold tdp_mmu_pages_lock */
	struct list_head tdp_mmu_pages;		/* non-root pages (v5.17 .. v6.0) */
	atomic64_t tdp_mmu_pages_count;	/* kvm->arch.tdp_mmu_pages, v6.1+: a counter */
	spinlock_t tdp_mmu_pages_lock;
	struct workqueue_struct *tdp_mmu_zap_wq;	/* v5.18 .. v6.5 */
};

struct kvm {
	rwlock_t mmu_lock;
	struct mutex slots_lock;
	struct kvm_arch arch;
};

struct kvm_mmu {
	hpa_t root_hpa;
	union kvm_mmu_page_role root_role;	/* the role of the root it wants */
};

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_idx;
	struct {
		struct kvm_mmu mmu;
	} arch;
};

/* --- SPTEs (arch/x86/kvm/mmu/spte.h) ---------------------------------------- */

#define SPTE_MMU_PRESENT_MASK	BIT_ULL(11)
#define PT_WRITABLE_MASK	BIT_ULL(1)
#define PT_PAGE_SIZE_MASK	BIT_ULL(7)
#define shadow_accessed_mask	BIT_ULL(8)
#define shadow_dirty_mask	BIT_ULL(9)
#define SPTE_BASE_ADDR_MASK	GENMASK_ULL(51, 12)
#define REMOVED_SPTE		0x5a0ULL
#define GUEST_PFN_BASE		(1ULL << 20)	/* host frames backing guest memory */

static inline bool is_shadow_present_pte(u64 pte)
{
	return !!(pte & SPTE_MMU_PRESENT_MASK);
}

static inline bool is_removed_spte(u64 spte)
{
	return spte == REMOVED_SPTE;
}

static inline bool is_large_pte(u64 pte)
{
	return pte & PT_PAGE_SIZE_MASK;
}

static inline bool is_last_spte(u64 pte, int level)
{
	return level == PG_LEVEL_4K || is_large_pte(pte);
}

static inline u64 spte_to_pfn(u64 pte)
{
	return (pte & SPTE_BASE_ADDR_MASK) >> PAGE_SHIFT;
}

static inline bool is_dirty_spte(u64 spte)
{
	return spte & shadow_dirty_mask;
}

static inline u64 make_nonleaf_spte(u64 *child_pt)
{
	return __pa(child_pt) | SPTE_MMU_PRESENT_MASK | PT_WRITABLE_MASK;
}

/* a writable 4K leaf for gfn, with A/D set as a write fault leaves it */
static inline u64 make_spte(gfn_t gfn)
{
	return ((GUEST_PFN_BASE + gfn) << PAGE_SHIFT) | SPTE_MMU_PRESENT_MASK |
	       PT_WRITABLE_MASK | shadow_accessed_mask | shadow_dirty_mask;
}

/* --- geometry: LEVELS levels of FANOUT entries ------------------------------- */

#define KVM_PAGES_PER_HPAGE(level)					\
	((level) <= 1 ? 1ULL : (level) == 2 ? (u64)FANOUT :		\
	 (level) == 3 ? (u64)FANOUT * FANOUT : (u64)FANOUT * FANOUT * FANOUT)

#define MAX_GFN_EXCLUSIVE	KVM_PAGES_PER_HPAGE(LEVELS + 1)

static inline int SPTE_INDEX(gfn_t gfn, int level)
{
	return (gfn / KVM_PAGES_PER_HPAGE(level)) % FANOUT;
}

static inline gfn_t round_gfn_for_level(gfn_t gfn, int level)
{
	return gfn - gfn % KVM_PAGES_PER_HPAGE(level);
}

/* --- shadow pages from addresses (mmu_internal.h) ------------------------------ */

static inline struct kvm_mmu_page *to_shadow_page(hpa_t shadow_page)
{
	struct page *page = pfn_to_page(shadow_page >> PAGE_SHIFT);

	return (struct kvm_mmu_page *)page_private(page);
}

static inline struct kvm_mmu_page *sptep_to_sp(u64 *sptep)
{
	return to_shadow_page(__pa(sptep));
}

static inline tdp_ptep_t spte_to_child_pt(u64 spte, int level)
{
	/* There's no child entry if this entry isn't present or is a last-level entry. */
	if (!is_shadow_present_pte(spte) || is_last_spte(spte, level))
		return NULL;
	return (tdp_ptep_t)__va(spte_to_pfn(spte) << PAGE_SHIFT);
}

static inline int kvm_mmu_page_as_id(struct kvm_mmu_page *sp)
{
	return sp->role.smm ? 1 : 0;
}

#define RET_PF_RETRY		1
#define RET_PF_FIXED		2
#define RET_PF_SPURIOUS		3

/* --- what the flows call (tdp_mmu.c and its mmu.c callers) ------------------------ */

void kvm_mmu_init_tdp_mmu(struct kvm *kvm);
void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm);
void kvm_mmu_load(struct kvm_vcpu *vcpu);
void kvm_mmu_unload(struct kvm_vcpu *vcpu);
void kvm_mmu_reload_obsolete(struct kvm_vcpu *vcpu);
int direct_page_fault(struct kvm_vcpu *vcpu, gfn_t gfn, bool *stale);
void kvm_mmu_zap_all_fast(struct kvm *kvm);
void kvm_mmu_zap_all(struct kvm *kvm);
void kvm_unmap_gfn_range(struct kvm *kvm, gfn_t start, gfn_t end);
void kvm_mmu_slot_leaf_clear_dirty(struct kvm *kvm, gfn_t start, gfn_t end);
void check_invalid_roots_zapped(struct kvm *kvm);

/* what a variant may replace (the thread's proposals, v5.18, v6.6) */
void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root, bool shared);
void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm);
void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm);

#endif
