"""Mutants: deliberately broken copies of the variants.

Each mutant subclasses one variant and breaks one thing.  ``scenario`` is the
scenario that catches it and ``expect`` the bug kind the engine should report.
Select one with ``--variant BASE --mutant NAME`` or the variant name
``BASE/NAME``.
"""

from kcheck.kernel import (
    WARN_ON,
    WARN_ON_ONCE,
    list_del,
    list_empty,
    call_rcu,
    kmem_cache_free,
    list_first_or_null_rcu,
    list_for_each_entry,
    list_next_or_null_rcu,
    lockdep_assert_held_read,
    read_lock,
    read_unlock,
    refcount_dec_and_test,
    refcount_inc_not_zero,
    refcount_set,
    spin_lock,
    spin_unlock,
)

from .structs import kvm_mmu_page_role
from .v5_17 import TdpMmu
from .variants import SeanV3, V5_18, V6_6


class Mutant:
    def __init__(self, name, base, cls, scenario, expect, doc, claim=None, sizes=None,
                 options=None):
        self.sizes = sizes or {}
        # how the catching check explores: exhaustive DPOR with a budget by default;
        # a PCT search where the bug sits deep in DPOR's order
        self.options = options or {"max_executions": 20000}
        self.name = name
        self.base = base
        self.cls = cls
        self.scenario = scenario
        self.expect = expect
        self.doc = doc
        self.claim = claim


MUTANTS = {}


def mutant(base, scenario, expect, doc, claim=None, sizes=None, options=None):
    def register(cls):
        name = cls.__name__.replace("_", "-").lower()
        cls.name = f"{base.name}/{name}"
        cls.doc = doc
        MUTANTS[name] = Mutant(name, base.name, cls, scenario, expect, doc, claim, sizes,
                                 options)
        return cls
    return register


@mutant(TdpMmu, "memslot", "warn",
        "tdp_mmu_iter_cond_resched restarts the walk itself and the caller then advances "
        "(before 'Don't advance iterator after restart due to yielding', v5.16): the SPTE at "
        "the yield point is skipped", sizes={"resident": 1, "gfns": 3})
class advance_after_restart(TdpMmu):
    def tdp_mmu_iter_cond_resched(self, kvm, it, flush, shared):
        from kcheck.kernel import rcu_read_lock, rcu_read_unlock
        if it.next_last_level_gfn == it.yielded_gfn:
            return False
        if self.yield_wanted(kvm):
            rcu_read_unlock()
            self.cond_resched_mmu_lock(kvm, shared)
            rcu_read_lock()
            WARN_ON(it.gfn > it.next_last_level_gfn)
            it.tdp_iter_restart()
            return True
        return False


@mutant(V5_18, "vcpu", "warn",
        "put_root drops refcount_set(…, 1) before queuing the zap worker")
class no_refcount_set_1(V5_18):
    def put_root_reset_refcount(self, root):
        pass


@mutant(V5_18, "vcpu+dirty-log", "use-after-free",
        "the last put frees the root at once (kmem_cache_free) instead of call_rcu")
class kfree_not_call_rcu(V5_18):
    def tdp_mmu_free_root(self, root):
        self.tdp_mmu_free_sp(root)


@mutant(V5_18, "vcpu", "warn",
        "the last put frees the root without list_del_rcu: it stays on tdp_mmu_roots")
class skip_list_del_rcu(V5_18):
    def tdp_mmu_unlink_root(self, kvm, root):
        pass


@mutant(SeanV3, "vcpu", "livelock",
        "sean-v3 without the free-if-invalid branch: invalid roots are re-zapped forever", claim="C9")
class rezap_invalid(SeanV3):
    def put_root_frees_invalid(self):
        return False


@mutant(V5_18, "memslot+vcpu", "warn",
        "invalidate_all_roots also takes and queues already-invalid roots (queue_work twice)",
        claim="C16", sizes={"gfns": 0})
class queue_invalid_roots(V5_18):
    def kvm_tdp_mmu_invalidate_all_roots(self, kvm):
        from kcheck.kernel import WARN_ON_ONCE, lockdep_assert_held_write, queue_work
        lockdep_assert_held_write(kvm.mmu_lock)
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            self.ghost_note_invalidated(root)
            was_invalid = root.role.invalid
            if not WARN_ON_ONCE(not self.kvm_tdp_mmu_get_root(root)):
                root.role.invalid = 1
                if was_invalid:
                    # the item may still be pending: re-queue it (INIT_WORK on a
                    # pending item would corrupt the workqueue, so it is not re-inited)
                    queue_work(kvm.tdp_mmu_zap_wq, root.tdp_mmu_async_work)
                else:
                    self.tdp_mmu_schedule_zap_root(kvm, root)


@mutant(V5_18, "memslot+vcpu", "warn",
        "a valid root's last put marks it invalid but never queues the zap", claim="C15")
class put_root_no_queue(V5_18):
    def put_root_schedule_zap(self, kvm, root):
        pass


@mutant(TdpMmu, "vcpu", "refcount-warn",
        "the vCPU puts its root reference twice when unloading")
class vcpu_double_put(TdpMmu):
    def mmu_free_root_page(self, kvm, mmu):
        hpa = mmu.root_hpa
        if hpa is not None:
            sp = self.to_shadow_page(hpa)
            self.kvm_tdp_mmu_put_root(kvm, sp, False)
            self.kvm_tdp_mmu_put_root(kvm, sp, False)
        mmu.root_hpa = None


@mutant(V5_18, "vcpu", "lockdep",
        "the zap worker runs without taking mmu_lock for read")
class worker_no_read_lock(V5_18):
    def zap_root_work_lock(self, kvm):
        pass

    def zap_root_work_unlock(self, kvm):
        pass


@mutant(V5_18, "vcpu+dirty-log", "use-after-free",
        "tdp_mmu_next_root walks the RCU list of roots without rcu_read_lock")
class walker_no_rcu(V5_18):
    def tdp_mmu_next_root(self, kvm, prev_root, shared, only_valid):
        if prev_root is not None:
            next_root = list_next_or_null_rcu(kvm.tdp_mmu_roots, prev_root.link, "link")
        else:
            next_root = list_first_or_null_rcu(kvm.tdp_mmu_roots, "link")
        while next_root is not None:
            if ((not only_valid or not next_root.role.invalid)
                    and self.kvm_tdp_mmu_get_root(next_root)):
                break
            next_root = list_next_or_null_rcu(kvm.tdp_mmu_roots, next_root.link, "link")
        if prev_root is not None:
            self.kvm_tdp_mmu_put_root(kvm, prev_root, shared)
        return next_root


@mutant(V6_6, "vcpu", "warn",
        "v6.6 roots born at refcount 1: the vCPU's put drops the last reference of a valid root",
        claim="C18")
class refcount_born_1(V6_6):
    def init_root_refcount(self, root):
        refcount_set(root.tdp_mmu_root_count, 1)


@mutant(TdpMmu, "memslot+vcpu", "warn",
        "kvm_tdp_mmu_get_vcpu_root_hpa matches roots on level/address space only, ignoring invalid",
        claim="C8")
class reuse_invalid_root(TdpMmu):
    def root_matches(self, root, role):
        word = root.role.word
        strip = lambda w: kvm_mmu_page_role.set(w, invalid=0)
        return strip(word) == strip(role)


@mutant(TdpMmu, "memslot+vcpu", "refcount-warn",
        "invalidate_all_roots marks roots invalid without gifting a reference to the zapper")
class invalidate_without_gift(TdpMmu):
    def kvm_tdp_mmu_invalidate_all_roots(self, kvm):
        from kcheck.kernel import lockdep_assert_held_write
        lockdep_assert_held_write(kvm.mmu_lock)
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            self.ghost_note_invalidated(root)
            root.role.invalid = 1


@mutant(V5_18, "memslot", "lockdep",
        "kvm_mmu_zap_all_fast invalidates roots holding mmu_lock only for read")
class invalidate_under_read_lock(V5_18):
    def kvm_mmu_zap_all_fast(self, kvm, observer=None):
        from kcheck.kernel import lockdep_assert_held
        lockdep_assert_held(kvm.slots_lock)
        read_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_invalidate_all_roots(kvm)
        read_unlock(kvm.mmu_lock)
        self.zap_invalidated_roots_after_fast_zap(kvm)


# ----------------------------------------------------------------------
# The MMU's own job: no translation to a page the host has taken away
# (guest.py), and no page-table page freed under a vCPU's TLB.
# ----------------------------------------------------------------------
@mutant(V5_18, "vcpu+notifier", "stale-mapping",
        "the MMU notifier zaps the SPTEs but does not flush the TLBs before returning",
        sizes={"resident": 1})
class notifier_no_flush(V5_18):
    def kvm_mmu_notifier_invalidate_range_start(self, kvm, start, end):
        from kcheck.kernel import WRITE_ONCE, ptr, write_lock, write_unlock
        write_lock(kvm.mmu_lock)
        seq, count, s0, e0 = kvm.mmu_notifier
        WRITE_ONCE(ptr(kvm, "mmu_notifier"), (seq, count + 1, start, end))
        self.kvm_unmap_gfn_range(kvm, start, end)       # flush request dropped
        write_unlock(kvm.mmu_lock)


@mutant(TdpMmu, "memslot+notifier", "stale-mapping",
        "the notifier zaps valid roots only (before 'Zap _all_ roots when unmapping gfn "
        "range in TDP MMU', a fix v5.17 has): an invalid root being zapped by a memslot update "
        "still maps the page when the notifier returns", sizes={"resident": 1})
class notifier_skips_invalid_roots(TdpMmu):
    def _kvm_tdp_mmu_zap_gfn_range(self, kvm, as_id, start, end, can_yield, flush):
        for root in self._for_each_tdp_mmu_root_yield_safe(kvm, as_id, False, True):
            flush = self.zap_gfn_range(kvm, root, start, end, can_yield, flush, False)
        return flush


@mutant(TdpMmu, "vcpu+notifier", "stale-mapping",
        "put_root unlinks the root, then zaps it yielding mmu_lock: the notifier cannot "
        "reach the root while it still maps the page (why v5.17's zap does not yield)",
        sizes={"gfns": 3, "notifier_gfn": 2})
class put_root_zap_yields(TdpMmu):
    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        if not refcount_dec_and_test(root.tdp_mmu_root_count):
            return
        WARN_ON(not root.tdp_mmu_page)
        self.tdp_mmu_unlink_root(kvm, root)
        self.zap_gfn_range(kvm, root, 0, None, True, False, shared)
        self.tdp_mmu_free_root(root)


@mutant(TdpMmu, "vcpu+notifier", "use-after-free",
        "v5.17 with v5.18's 'Defer TLB flush to caller when freeing TDP MMU shadow pages' "
        "but without 'Do remote TLB flush before dropping RCU in TDP MMU resched': a yield "
        "drops RCU before the pending flush, the page table is freed under a vCPU's "
        "paging-structure cache", sizes={"gfns": 2, "notifier_pages": 3, "fault_attempts": 1})
class defer_flush_after_rcu_unlock(TdpMmu):
    handle_removed_pt_flushes = False
    flush_before_rcu_unlock = False


@mutant(V5_18, "split", "lockdep",
        "v5.18 with v5.17's eager page splitting: the all-roots yield-safe iterator under "
        "mmu_lock held for read (v5.18 requires it held for write)",
        sizes={"huge": 1, "resident": 1})
class split_all_roots(V5_18):
    def split_huge_pages_roots(self, kvm, as_id, shared):
        return self.for_each_tdp_mmu_root_yield_safe(kvm, as_id, shared)


# ----------------------------------------------------------------------
# Kernel API context checks (sleep, RCU dereference, list poison, caches)
# ----------------------------------------------------------------------
@mutant(TdpMmu, "vcpu", "warn",
        "kvm_mmu_uninit_tdp_mmu() without rcu_barrier(): the module's kmem_cache_destroy() "
        "meets the root freed by a pending RCU callback (\"Slab cache still has objects\")")
class uninit_without_rcu_barrier(TdpMmu):
    def kvm_mmu_uninit_tdp_mmu(self, kvm):
        WARN_ON(not list_empty(kvm.tdp_mmu_pages))
        WARN_ON(not list_empty(kvm.tdp_mmu_roots))


@mutant(TdpMmu, "split", "sleep-in-atomic",
        "eager splitting allocates with GFP_KERNEL without dropping mmu_lock and RCU first",
        sizes={"huge": 1, "resident": 1})
class split_alloc_sleeps_under_lock(TdpMmu):
    def tdp_mmu_alloc_sp_for_split(self, kvm, it, shared):
        return self._TdpMmu__tdp_mmu_alloc_sp_for_split(True)


@mutant(TdpMmu, "split", "sleep-in-rcu",
        "eager splitting drops mmu_lock to allocate with GFP_KERNEL but keeps the RCU "
        "read-side section", sizes={"huge": 1, "resident": 1})
class split_alloc_sleeps_under_rcu(TdpMmu):
    def tdp_mmu_alloc_sp_for_split(self, kvm, it, shared):
        from kcheck import nondet
        if not nondet(2):
            return self._TdpMmu__tdp_mmu_alloc_sp_for_split(False)
        read_unlock(kvm.mmu_lock)
        it.yielded = True
        sp = self._TdpMmu__tdp_mmu_alloc_sp_for_split(True)
        read_lock(kvm.mmu_lock)
        return sp


@mutant(TdpMmu, "dirty-log", "suspicious-rcu-usage",
        "clear_dirty_gfn_range() walks the SPTEs without rcu_read_lock(): only the mmu_lock "
        "read lock protects the page tables it reads", sizes={"resident": 1})
class clear_dirty_without_rcu(TdpMmu):
    def clear_dirty_gfn_range(self, kvm, root, start, end):
        from .spte import is_dirty_spte, is_last_spte, is_shadow_present_pte, shadow_dirty_mask
        spte_set = False
        for it in self.root_walk(root, 1, start, end):      # no rcu_read_lock()
            if not is_shadow_present_pte(it.old_spte) or not is_last_spte(it.old_spte, it.level):
                continue
            while True:
                if self.tdp_mmu_iter_cond_resched(kvm, it, False, True):
                    break
                if not is_shadow_present_pte(it.old_spte) or not is_dirty_spte(it.old_spte):
                    break
                if not self.tdp_mmu_set_spte_atomic(kvm, it, it.old_spte & ~shadow_dirty_mask):
                    spte_set = True
                    break
        return spte_set


@mutant(V5_18, "vcpu+walker", "gpf",
        "put_root unlinks the root with list_del() instead of list_del_rcu(): a walker that "
        "found it on the list under RCU and skips it (invalid) follows LIST_POISON1",
        sizes={"gfns": 0})
class unlink_root_list_del(V5_18):
    def tdp_mmu_unlink_root(self, kvm, root):
        spin_lock(kvm.tdp_mmu_pages_lock)
        list_del(root.link)
        spin_unlock(kvm.tdp_mmu_pages_lock)


@mutant(V6_6, "collapse+vcpu", "use-after-free",
        "v6.6's collapse zaps the non-leaf SPTE with tdp_mmu_set_spte_atomic(iter, 0) instead "
        "of tdp_mmu_zap_spte_atomic(): no freeze and no TLB flush (handle_removed_pt() no "
        "longer flushes since v5.18) before the page table's RCU callback frees it, while a "
        "vCPU in guest mode still walks it through its TLB",
        sizes={"huge": 1})
class collapse_set_not_zap(V6_6):
    def tdp_mmu_zap_spte_atomic(self, kvm, it):
        return self.tdp_mmu_set_spte_atomic(kvm, it, 0)


@mutant(V5_18, "vcpu+notifier", "stale-mapping",
        "tdp_mmu_iter_cond_resched() yields without doing the caller's pending flush (before "
        "'Ensure TLBs are flushed when yielding during GFN range zap', v5.13): the notifier "
        "zaps a GFN, yields inside its range and forgets the flush, so a vCPU still uses the "
        "old translation after the notifier returns",
        sizes={"gfns": 3, "notifier_gfn": 2, "notifier_pages": 2})
class resched_drops_flush(V5_18):
    def tdp_mmu_iter_cond_resched(self, kvm, it, flush, shared):
        return super().tdp_mmu_iter_cond_resched(kvm, it, False, shared)
