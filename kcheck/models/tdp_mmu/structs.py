"""The kernel objects of the TDP MMU root lifecycle.

``struct kvm`` (its ``arch`` part folded in), ``struct kvm_mmu_page`` with
the real 32-bit ``union kvm_mmu_page_role`` layout, and the vCPU's MMU state.
Field names follow arch/x86/include/asm/kvm_host.h and mmu_internal.h.
"""

from kcheck.kernel import (
    Bitfield,
    KStruct,
    atomic64_t,
    list_head,
    mutex,
    rcu_head,
    refcount_t,
    rwlock_t,
    spinlock_t,
    work_struct,
)


class kvm_mmu_page_role(Bitfield):
    """union kvm_mmu_page_role: one u32 word; ``invalid`` is bit 11."""

    _bits_ = [
        ("level", 4),            # bits 0-3
        ("has_4_byte_gpte", 1),  # bit 4 (gpte_is_8_bytes, inverted, before v5.18)
        ("quadrant", 2),         # bits 5-6
        ("direct", 1),           # bit 7
        ("access", 3),           # bits 8-10
        ("invalid", 1),          # bit 11
        ("efer_nx", 1),          # bit 12
        ("cr0_wp", 1),           # bit 13
        ("smep_andnot_wp", 1),   # bit 14
        ("smap_andnot_wp", 1),   # bit 15
        ("ad_disabled", 1),      # bit 16
        ("guest_mode", 1),       # bit 17
        ("_padding", 6),         # bits 18-23
        ("smm", 8),              # bits 24-31: the address space
    ]


class KvmMmuPage(KStruct):
    """struct kvm_mmu_page, the fields the TDP MMU uses."""

    link: list_head                    # in tdp_mmu_roots (roots) or tdp_mmu_pages
    tdp_mmu_page: bool
    role: kvm_mmu_page_role
    gfn: int
    spt: object                        # the page of SPTEs (a PageTable)
    ptep: object                       # parent SPTE (child pages only; v6.x)
    tdp_mmu_root_count: refcount_t
    rcu_head: rcu_head
    # v5.18 .. v6.5: the asynchronous zap
    tdp_mmu_async_work: work_struct
    tdp_mmu_async_data: object
    # v6.6+: zap-once flag, protected by slots_lock
    tdp_mmu_scheduled_root_to_zap: bool


class Kvm(KStruct):
    """struct kvm with its kvm_arch TDP MMU members."""

    mmu_lock: rwlock_t
    slots_lock: mutex
    tdp_mmu_roots: list_head           # RCU list, writers hold tdp_mmu_pages_lock
    tdp_mmu_pages: list_head           # non-root pages (v5.17 .. v6.0)
    tdp_mmu_pages_count: atomic64_t    # kvm->arch.tdp_mmu_pages (v6.1+ counter)
    tdp_mmu_pages_lock: spinlock_t
    tdp_mmu_zap_wq: object             # struct workqueue_struct * (v5.18 .. v6.5)
    # (mmu_notifier_seq, mmu_notifier_count, mmu_notifier_range_start, _end):
    # four fields of struct kvm kept in one word - written together, only under
    # mmu_lock held for write, and read together
    mmu_notifier: object
    memslot_flags: int                 # the one memslot's flags (KVM_MEMSLOT_INVALID, dirty logging)
    vm_dead: int


