"""The variants: the thread's four put_root proposals, v5.18 and v6.6.

Each class is the whole set of functions of its era: it inherits the
v5.17 functions (v5_17.py) and overrides those that changed.
"""

from kcheck.kernel import (
    INIT_WORK,
    KVM_BUG_ON,
    WARN_ON,
    WARN_ON_ONCE,
    alloc_workqueue,
    atomic64_dec,
    atomic64_inc,
    atomic64_read,
    cmpxchg,
    container_of,
    destroy_workqueue,
    flush_workqueue,
    list_empty,
    list_for_each_entry,
    lockdep_assert_held,
    lockdep_assert_held_read,
    lockdep_assert_held_write,
    need_resched,
    queue_work,
    rcu_barrier,
    rcu_read_lock,
    rcu_read_unlock,
    read_lock,
    read_unlock,
    refcount_dec_and_test,
    refcount_dec_not_one,
    refcount_read,
    refcount_set,
    rwlock_needbreak,
    cond_resched_rwlock_read,
    cond_resched_rwlock_write,
    smp_mb__after_atomic,
    smp_mb__before_atomic,
    write_lock,
    write_unlock,
    xchg,
    INIT_LIST_HEAD,
    spin_lock,
    spin_unlock,
    list_add,
    list_del,
)

from .spte import (
    PG_LEVEL_1G,
    PG_LEVEL_2M,
    PG_LEVEL_4K,
    is_last_spte,
    is_removed_spte,
    is_shadow_present_pte,
    make_nonleaf_spte,
)
from .structs import KvmMmuPage, kvm_mmu_page_role
from .v5_17 import EBUSY, KVM_ADDRESS_SPACE_NUM, RET_PF_RETRY, TdpMmu


def kvm_tdp_root_mark_invalid(page):
    """v5.18: set role.invalid by swapping the whole role word; return the old bit.

    ``xchg(&root->role.invalid, true)`` does not compile (a bitfield has no
    address); this is the form the kernel merged.
    """
    role = page.role.word
    role = kvm_mmu_page_role.set(role, invalid=1)
    old = xchg(page.role, role)
    return kvm_mmu_page_role.get(old, "invalid")


# ----------------------------------------------------------------------
# The thread's base: v5.17 whose put_root zap yields (tdp_mmu_zap_root)
# ----------------------------------------------------------------------
class YieldingZapBase(TdpMmu):
    """v5.17 plus the series' yielding tdp_mmu_zap_root (with its refcount WARN)."""

    kernel = "v5.17 + 'Allow yielding when zapping GFNs for defunct TDP MMU root' (Mar 2022)"

    def zap_passes(self, root_level):
        return [lvl for lvl in (PG_LEVEL_1G,) if lvl < root_level] + [root_level]

    def _tdp_mmu_zap_root_pass(self, kvm, root, shared, zap_level):
        for it in self.root_walk(root, zap_level, 0, self.geo.max_gfn_exclusive):
            while True:   # retry:
                if self.tdp_mmu_iter_cond_resched(kvm, it, False, shared):
                    break
                if not is_shadow_present_pte(it.old_spte):
                    break
                if it.level > zap_level:
                    break
                if not shared:
                    self.tdp_mmu_set_spte(kvm, it, 0)
                    break
                if self.zap_root_set_spte_atomic(kvm, it):
                    break

    def zap_root_set_spte_atomic(self, kvm, it):
        """Returns True when done with this SPTE (else retry with the refreshed old_spte)."""
        return not self.tdp_mmu_set_spte_atomic(kvm, it, 0)

    def tdp_mmu_zap_root(self, kvm, root, shared):
        # "The root must have an elevated refcount so that it's reachable via
        # mmu_notifier callbacks"
        WARN_ON_ONCE(not refcount_read(root.tdp_mmu_root_count))
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        rcu_read_lock()
        for zap_level in self.zap_passes(root.role.level):
            self._tdp_mmu_zap_root_pass(kvm, root, shared, zap_level)
        rcu_read_unlock()


class SeanV3(YieldingZapBase):
    name = "sean-v3"
    doc = "Sean's v3: dec_and_test; free if invalid; else plain-store invalid, refcount_set(1), yielding zap, recurse"

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        while True:   # the tail call kvm_tdp_mmu_put_root(kvm, root, shared), as a loop
            self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
            if not refcount_dec_and_test(root.tdp_mmu_root_count):
                return
            WARN_ON(not root.tdp_mmu_page)
            smp_mb__after_atomic()
            if self.put_root_frees_invalid() and root.role.invalid:
                self.tdp_mmu_unlink_root(kvm, root)
                self.tdp_mmu_free_root(root)
                return
            root.role.invalid = 1
            smp_mb__before_atomic()
            refcount_set(root.tdp_mmu_root_count, 1)
            self.tdp_mmu_zap_root(kvm, root, shared)

    def put_root_frees_invalid(self):
        return True


class PaoloDecNotOne(YieldingZapBase):
    name = "paolo-dec-not-one"
    doc = "Paolo's first proposal: refcount_dec_not_one, xchg(invalid), zap, dec_not_one again, refcount_set(0), free"

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        if refcount_dec_not_one(root.tdp_mmu_root_count):
            return
        WARN_ON(not root.tdp_mmu_page)
        if not kvm_tdp_root_mark_invalid(root):
            self.tdp_mmu_zap_root(kvm, root, shared)
            # "Do not assume the refcount is still 1: ... tdp_mmu_zap_root can yield"
            if refcount_dec_not_one(root.tdp_mmu_root_count):
                return
        refcount_set(root.tdp_mmu_root_count, 0)
        self.tdp_mmu_unlink_root(kvm, root)
        self.tdp_mmu_free_root(root)


class SeanXchg(YieldingZapBase):
    name = "sean-xchg"
    doc = "Sean's xchg form: dec_and_test; if mark_invalid was set free; else refcount_set(1), zap, recurse"

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        while True:   # tail recursion
            self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
            if not refcount_dec_and_test(root.tdp_mmu_root_count):
                return
            WARN_ON(not root.tdp_mmu_page)
            if kvm_tdp_root_mark_invalid(root):
                self.tdp_mmu_unlink_root(kvm, root)
                self.tdp_mmu_free_root(root)
                return
            refcount_set(root.tdp_mmu_root_count, 1)
            self.tdp_mmu_zap_root(kvm, root, shared)


class PaoloXchg(YieldingZapBase):
    name = "paolo-xchg"
    doc = "Paolo's xchg form: dec_and_test; if !mark_invalid {refcount_set(1); zap; if !dec_and_test return}; free"

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        if not refcount_dec_and_test(root.tdp_mmu_root_count):
            return
        WARN_ON(not root.tdp_mmu_page)
        if not kvm_tdp_root_mark_invalid(root):
            refcount_set(root.tdp_mmu_root_count, 1)
            self.tdp_mmu_zap_root(kvm, root, shared)
            if not refcount_dec_and_test(root.tdp_mmu_root_count):
                return
        self.tdp_mmu_unlink_root(kvm, root)
        self.tdp_mmu_free_root(root)


# ----------------------------------------------------------------------
# v5.18: the asynchronous zap worker
# ----------------------------------------------------------------------
class V5_18(YieldingZapBase):
    name = "v5.18"
    doc = "v5.18 as merged: mark_invalid by xchg of role.word; valid roots' last put queues a zap worker"
    kernel = "v5.18 (tdp_mmu.c as of v5.18 .. v6.5)"

    # "Defer TLB flush to caller when freeing TDP MMU shadow pages": the
    # caller's RCU read-side section stands for every vCPU in the guest, so a
    # pending flush is done before RCU is dropped ("Do remote TLB flush before
    # dropping RCU in TDP MMU resched"), and a fault that replaces a page
    # table by a huge page flushes itself.
    handle_removed_pt_flushes = False
    flush_before_rcu_unlock = True
    target_level_flushes_removed_pt = True

    # --- init / uninit ---------------------------------------------------
    def kvm_mmu_init_tdp_mmu(self, kvm):
        super().kvm_mmu_init_tdp_mmu(kvm)
        kvm.tdp_mmu_zap_wq = alloc_workqueue("kvm", 0, 0)

    def kvm_mmu_uninit_tdp_mmu(self, kvm):
        # Also waits for any queued work items.
        destroy_workqueue(kvm.tdp_mmu_zap_wq)
        WARN_ON(not list_empty(kvm.tdp_mmu_pages))
        WARN_ON(not list_empty(kvm.tdp_mmu_roots))
        rcu_barrier()

    # --- the worker --------------------------------------------------------
    def tdp_mmu_zap_root_work(self, work):
        root = container_of(work, KvmMmuPage, "tdp_mmu_async_work")
        kvm = root.tdp_mmu_async_data
        self.zap_root_work_lock(kvm)
        self.tdp_mmu_zap_root(kvm, root, True)
        # Drop the refcount using kvm_tdp_mmu_put_root() to test its logic for
        # avoiding an infinite loop.
        self.kvm_tdp_mmu_put_root(kvm, root, True)
        self.zap_root_work_unlock(kvm)

    def zap_root_work_lock(self, kvm):
        read_lock(kvm.mmu_lock)

    def zap_root_work_unlock(self, kvm):
        read_unlock(kvm.mmu_lock)

    def tdp_mmu_schedule_zap_root(self, kvm, root):
        root.tdp_mmu_async_data = kvm
        INIT_WORK(root.tdp_mmu_async_work, self.tdp_mmu_zap_root_work)
        queue_work(kvm.tdp_mmu_zap_wq, root.tdp_mmu_async_work)

    # --- put_root ----------------------------------------------------------
    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        if not refcount_dec_and_test(root.tdp_mmu_root_count):
            return
        WARN_ON(not root.tdp_mmu_page)
        if not kvm_tdp_root_mark_invalid(root):
            self.put_root_reset_refcount(root)
            # "Zapping the root in a worker is not just 'nice to have'"
            self.put_root_schedule_zap(kvm, root)
            return
        self.tdp_mmu_unlink_root(kvm, root)
        self.tdp_mmu_free_root(root)

    def put_root_reset_refcount(self, root):
        refcount_set(root.tdp_mmu_root_count, 1)

    def put_root_schedule_zap(self, kvm, root):
        self.tdp_mmu_schedule_zap_root(kvm, root)

    # --- iterators: the all-roots yield-safe iterator requires mmu_lock for write
    def for_each_tdp_mmu_root_yield_safe(self, kvm, as_id, shared=False):
        return self._for_each_tdp_mmu_root_yield_safe(kvm, as_id, False, False)

    def for_each_tdp_mmu_root(self, kvm, as_id):
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            if self.kvm_lockdep_assert_mmu_lock_held(kvm, False) and \
                    self.kvm_mmu_page_as_id(root) != as_id:
                continue
            yield root

    # --- SPTE updates (v5.18 forms) -------------------------------------------
    def tdp_mmu_set_spte_atomic(self, kvm, it, new_spte):
        """v6.0+: callers must not pass a REMOVED old value (WARN), refresh on failure."""
        WARN_ON_ONCE(it.yielded or is_removed_spte(it.old_spte))
        lockdep_assert_held_read(kvm.mmu_lock)
        pt, i = it.sptep
        old_spte = cmpxchg(pt.ptes[i], it.old_spte, new_spte)
        if old_spte != it.old_spte:
            it.old_spte = old_spte
            return -EBUSY
        self.handle_changed_spte(kvm, 0, it.gfn, it.old_spte, new_spte, it.level, True)
        return 0

    def map_target_frozen(self, it):
        return is_removed_spte(it.old_spte)

    def alloc_tdp_mmu_page(self, vcpu, gfn, level):
        """tdp_mmu_alloc_sp() + tdp_mmu_init_sp() (child roles copied from the vCPU's)."""
        return super().alloc_tdp_mmu_page(vcpu, gfn, level)

    # --- zapping ---------------------------------------------------------------
    def tdp_mmu_zap_leafs(self, kvm, root, start, end, can_yield, flush):
        end = min(end, self.geo.max_gfn_exclusive)
        lockdep_assert_held_write(kvm.mmu_lock)
        rcu_read_lock()
        for it in self.root_walk(root, PG_LEVEL_4K, start, end):
            if can_yield and self.tdp_mmu_iter_cond_resched(kvm, it, flush, False):
                flush = False
                continue
            if not is_shadow_present_pte(it.old_spte) or not is_last_spte(it.old_spte, it.level):
                continue
            self.tdp_mmu_set_spte(kvm, it, 0)
            flush = True
        rcu_read_unlock()
        return flush

    def kvm_tdp_mmu_zap_leafs(self, kvm, as_id, start, end, can_yield, flush):
        for root in self.for_each_tdp_mmu_root_yield_safe(kvm, as_id):
            flush = self.tdp_mmu_zap_leafs(kvm, root, start, end, can_yield, flush)
        return flush

    def kvm_tdp_mmu_unmap_gfn_range(self, kvm, as_id, start, end, may_block, flush):
        return self.kvm_tdp_mmu_zap_leafs(kvm, as_id, start, end, may_block, flush)

    def kvm_tdp_mmu_zap_all(self, kvm):
        for as_id in range(KVM_ADDRESS_SPACE_NUM):
            for root in self.for_each_tdp_mmu_root_yield_safe(kvm, as_id):
                self.tdp_mmu_zap_root(kvm, root, False)

    def kvm_tdp_mmu_zap_invalidated_roots(self, kvm):
        flush_workqueue(kvm.tdp_mmu_zap_wq)

    def kvm_tdp_mmu_invalidate_all_roots(self, kvm):
        lockdep_assert_held_write(kvm.mmu_lock)
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            self.ghost_note_invalidated(root)
            if self.invalidate_skips(root):
                continue
            if not WARN_ON_ONCE(not self.kvm_tdp_mmu_get_root(root)):
                root.role.invalid = 1
                self.tdp_mmu_schedule_zap_root(kvm, root)

    def invalidate_skips(self, root):
        return bool(root.role.invalid)

    # --- mmu.c -------------------------------------------------------------------
    def zap_invalidated_roots_after_fast_zap(self, kvm):
        self.kvm_tdp_mmu_zap_invalidated_roots(kvm)

    def is_obsolete_root(self, hpa):
        # read without mmu_lock, as kvm_mmu_free_obsolete_roots() does
        return hpa is not None and bool(self.to_shadow_page(hpa).role.invalid)

    def kvm_mmu_reload_request(self, vcpu):
        """KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: free the root only if it is obsolete;
        kvm_mmu_reload() then loads one."""
        if self.is_obsolete_root(vcpu.root_hpa):
            self.kvm_mmu_free_roots(vcpu)

    def split_huge_pages_roots(self, kvm, as_id, shared):
        return self.for_each_valid_tdp_mmu_root_yield_safe(kvm, as_id, shared)


# ----------------------------------------------------------------------
# v6.6: roots born at refcount 2, synchronous zap of invalidated roots
# ----------------------------------------------------------------------
class V6_6(V5_18):
    name = "v6.6"
    doc = "v6.6: roots start at refcount 2 (vCPU + TDP MMU), put at 0 only frees, invalidated roots zapped once"
    kernel = "v6.6 (after 'Stop zapping invalidated TDP MMU roots asynchronously')"

    def kvm_mmu_init_tdp_mmu(self, kvm):
        TdpMmu.kvm_mmu_init_tdp_mmu(self, kvm)

    def kvm_mmu_uninit_tdp_mmu(self, kvm):
        # Invalidate all roots, which ... puts the TDP MMU's reference to each root
        self.kvm_tdp_mmu_invalidate_all_roots(kvm, vm_dead=True)
        self.kvm_tdp_mmu_zap_invalidated_roots(kvm)
        WARN_ON(atomic64_read(kvm.tdp_mmu_pages_count))
        WARN_ON(not list_empty(kvm.tdp_mmu_roots))
        rcu_barrier()

    def init_root_refcount(self, root):
        # one reference for the vCPU, one for the TDP MMU itself
        refcount_set(root.tdp_mmu_root_count, 2)

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        if not refcount_dec_and_test(root.tdp_mmu_root_count):
            return
        # "the final reference should be never be put for a valid root"
        KVM_BUG_ON(not root.tdp_mmu_page or not root.role.invalid, kvm)
        self.tdp_mmu_unlink_root(kvm, root)
        self.tdp_mmu_free_root(root)

    def for_each_tdp_mmu_root_yield_safe(self, kvm, as_id=None, shared=False):
        """v6.6: all roots, any address space, mmu_lock held in the mode `shared` names."""
        root = self.tdp_mmu_next_root(kvm, None, shared, False)
        while root is not None:
            self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
            yield root
            root = self.tdp_mmu_next_root(kvm, root, shared, False)

    def kvm_tdp_mmu_zap_leafs(self, kvm, as_id, start, end, can_yield, flush):
        # __for_each_tdp_mmu_root_yield_safe(kvm, root, as_id, false /* only_valid */)
        for root in self._for_each_tdp_mmu_root_yield_safe(kvm, as_id, False, False):
            flush = self.tdp_mmu_zap_leafs(kvm, root, start, end, can_yield, flush)
        return flush

    def kvm_tdp_mmu_zap_all(self, kvm):
        lockdep_assert_held_write(kvm.mmu_lock)
        for root in self.for_each_tdp_mmu_root_yield_safe(kvm, None, False):
            self.tdp_mmu_zap_root(kvm, root, False)

    def kvm_tdp_mmu_zap_invalidated_roots(self, kvm):
        read_lock(kvm.mmu_lock)
        for root in self.for_each_tdp_mmu_root_yield_safe(kvm, None, True):
            if not root.tdp_mmu_scheduled_root_to_zap:
                continue
            root.tdp_mmu_scheduled_root_to_zap = False
            KVM_BUG_ON(not root.role.invalid, kvm)
            self.tdp_mmu_zap_root(kvm, root, True)
            # The reference must be put *after* zapping the root
            self.kvm_tdp_mmu_put_root(kvm, root, True)
        read_unlock(kvm.mmu_lock)

    def kvm_tdp_mmu_invalidate_all_roots(self, kvm, vm_dead=False):
        if not vm_dead:
            lockdep_assert_held_write(kvm.mmu_lock)
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            self.ghost_note_invalidated(root)
            # "invalid roots can outlive a memslot update"
            if not root.role.invalid:
                root.tdp_mmu_scheduled_root_to_zap = True
                root.role.invalid = 1

    def zap_invalidated_roots_after_fast_zap(self, kvm):
        self.kvm_tdp_mmu_zap_invalidated_roots(kvm)

    def zap_collapsible_spte_range(self, kvm, root, start, end):
        """v6.0's "Don't bottom out on leafs when zapping collapsible SPTEs": the
        walk stops at 2M and zaps the non-leaf SPTE whose range could be one huge
        page, so the page table under it is freed - under mmu_lock held for read,
        through handle_removed_pt() and call_rcu(), the TLB flush done by
        tdp_mmu_zap_spte_atomic() (v5.17 and v5.18 zap the 4K leaves instead)."""
        rcu_read_lock()
        for it in self.root_walk(root, PG_LEVEL_2M, start, end):
            while True:   # retry:
                if self.tdp_mmu_iter_cond_resched(kvm, it, False, True):
                    break
                if it.level > PG_LEVEL_1G or not is_shadow_present_pte(it.old_spte):
                    break
                # a leaf that could be huge would have had its parent zapped instead
                if is_last_spte(it.old_spte, it.level):
                    break
                # the range of this level overlaps the slot but is not in it
                if it.gfn < start or it.gfn >= end:
                    break
                if self.kvm_mmu_max_mapping_level(it.gfn) < it.level:
                    break
                if not self.tdp_mmu_zap_spte_atomic(kvm, it):
                    break
                # -EBUSY: iter->old_spte was refreshed, retry
        rcu_read_unlock()

    # tdp_mmu_pages is a counter (tdp_account_mmu_page / tdp_unaccount_mmu_page)
    def tdp_mmu_link_page(self, kvm, sp):
        atomic64_inc(kvm.tdp_mmu_pages_count)

    def tdp_mmu_unlink_page(self, kvm, sp, shared):
        atomic64_dec(kvm.tdp_mmu_pages_count)


VARIANT_CLASSES = [TdpMmu, SeanV3, PaoloDecNotOne, SeanXchg, PaoloXchg, V5_18, V6_6]
