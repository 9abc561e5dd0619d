"""The TDP MMU as of v5.17 (arch/x86/kvm/mmu/tdp_mmu.c and its mmu.c callers).

Every method is the kernel function of the same name, with its locking,
lockdep assertions and WARN sites.  Later eras and the thread's proposals
subclass this and override what changed (see variants.py); a method not
overridden is unchanged in that era.

Conventions:
- ``kvm`` is the static ``Kvm``; a root or child page is a ``KvmMmuPage``
  from ``kmem_cache_zalloc``; its ``spt`` is a ``PageTable`` whose ``ptes``
  KArray is the page of SPTEs (freed with ``free_page``).
- A "physical address" is a page-table frame number; ``pfn_to_pt`` and
  ``to_shadow_page`` are the kernel's ``__va`` and ``page_private`` lookups
  (ghost state, not memory the explorer sees, as in the kernel where they
  are arithmetic on the address).
- Functions return what the kernel returns (``RET_PF_*`` as strings).
"""

from kcheck import assume, current, nondet
from kcheck.kernel import (
    address_from,
    BUG,
    KArray,
    KStruct,
    READ_ONCE,
    WARN_ON,
    WARN_ON_ONCE,
    WRITE_ONCE,
    call_rcu,
    cmpxchg,
    cond_resched_rwlock_read,
    cond_resched_rwlock_write,
    container_of,
    INIT_LIST_HEAD,
    kfree,
    kmem_cache_create,
    kmem_cache_destroy,
    kmem_cache_free,
    kmem_cache_zalloc,
    kzalloc,
    list_add,
    list_add_rcu,
    list_del,
    list_del_rcu,
    list_empty,
    list_first_or_null_rcu,
    list_for_each_entry,
    list_for_each_entry_rcu,
    list_next_or_null_rcu,
    lockdep_assert_held,
    lockdep_assert_held_read,
    lockdep_assert_held_write,
    lockdep_is_held,
    might_sleep,
    mutex_lock,
    mutex_unlock,
    need_resched,
    rcu_barrier,
    rcu_read_lock,
    rcu_read_unlock,
    read_lock,
    read_unlock,
    refcount_dec_and_test,
    refcount_inc_not_zero,
    refcount_read,
    refcount_set,
    ptr,
    rwlock_needbreak,
    smp_mb,
    smp_rmb,
    smp_store_release,
    spin_lock,
    spin_unlock,
    write_lock,
    write_unlock,
    xchg,
)

from .guest import (
    IN_GUEST_MODE,
    KVM_REQ_MMU_RELOAD,
    KVM_REQ_TLB_FLUSH,
    OUTSIDE_GUEST_MODE,
    Tlb,
    guest_access,
    kvm_check_request,
    kvm_kick_all_and_wait,
    kvm_request_pending,
    kvm_make_all_cpus_request,
)
from .spte import (
    ACC_ALL,
    PG_LEVEL_1G,
    PG_LEVEL_2M,
    PG_LEVEL_4K,
    REMOVED_SPTE,
    Geometry,
    is_accessed_spte,
    is_dirty_spte,
    is_large_pte,
    is_last_spte,
    is_removed_spte,
    is_shadow_present_pte,
    make_huge_page_split_spte,
    make_nonleaf_spte,
    make_spte,
    shadow_dirty_mask,
    spte_to_pfn,
)
from .structs import KvmMmuPage, kvm_mmu_page_role
from .tdp_iter import for_each_tdp_pte_min_level, kvm_tdp_mmu_read_spte

RET_PF_RETRY = "RET_PF_RETRY"
RET_PF_FIXED = "RET_PF_FIXED"
RET_PF_SPURIOUS = "RET_PF_SPURIOUS"

# struct kvm_memory_slot flags (include/uapi/linux/kvm.h, include/linux/kvm_host.h)
KVM_MEM_LOG_DIRTY_PAGES = 1 << 0
KVM_MEMSLOT_INVALID = 1 << 16

INVALID_PAGE = None
KVM_ADDRESS_SPACE_NUM = 1   # no SMM address space in the model (see docs)
EBUSY = 16
ENOMEM = 12


_SPT_PAGE_CLASSES = {}


def spt_page_class(n):
    """A page of ``n`` SPTEs as an allocatable struct (``ptes: KArray.of(n)``)."""
    cls = _SPT_PAGE_CLASSES.get(n)
    if cls is None:
        cls = type(f"spt_page{n}", (KStruct,),
                   {"__annotations__": {"ptes": KArray.of(n)}, "__module__": __name__})
        _SPT_PAGE_CLASSES[n] = cls
    return cls


class PageTable:
    """One page of SPTEs: its frame number and the page (``page.ptes[i]`` is &spt[i])."""

    __slots__ = ("pfn", "page", "ptes")

    def __init__(self, pfn, page):
        self.pfn = pfn
        self.page = page
        self.ptes = page.ptes


class TdpMmu:
    """v5.17: put_root zaps without yielding and frees valid and invalid roots alike."""

    name = "v5.17"
    doc = "v5.17 as released: put_root zaps the whole tree without yielding, then call_rcu"
    kernel = "v5.17"

    # Where each era flushes TLBs (see docs/explanation/tdp-mmu.md, "TLB flushes").
    # v5.17: handle_removed_pt() flushes before call_rcu(); a yield with a
    # pending flush drops RCU first ("Do remote TLB flush before dropping RCU
    # in TDP MMU resched" and "Defer TLB flush to caller when freeing TDP MMU
    # shadow pages" are v5.18).
    handle_removed_pt_flushes = True
    flush_before_rcu_unlock = False

    def __init__(self, geo: Geometry, checks: bool = True):
        self.geo = geo
        self.checks = checks
        self._frames = {}        # pfn -> (KvmMmuPage, PageTable): __va / page_private
        self._next_frame = {}    # per allocating task, so frame numbers replay identically
        self._ghost_invalidated = {}
        self.yields = True
        self.mmu_page_header_cache = None
        self.host = None         # guest.HostMemory, set by make_main
        self.vcpus = []          # every vCPU of the VM (kvm_for_each_vcpu)
        self.huge = False        # the host backs guest memory with huge pages

    # ------------------------------------------------------------------
    # ghost address arithmetic
    # ------------------------------------------------------------------
    def alloc_pfn(self):
        tid = current().tid
        n = self._next_frame.get(tid, 0)
        self._next_frame[tid] = n + 1
        # 0x1000 up: a frame number is not mistaken for a small count when
        # address_from() looks up which read produced it
        return 0x1000 + tid * 4096 + n

    # Each lookup is address arithmetic in C (__va, pfn_to_page, page_private):
    # address_from() gives the LKMM the dependency on the load of the number.
    def pfn_to_pt(self, pfn, spte=None):
        pt = self._frames[pfn][1]
        address_from(pfn if spte is None else spte, pt.page)
        return pt

    def to_shadow_page(self, hpa):
        sp = self._frames[hpa][0]
        address_from(hpa, sp)
        return sp

    def sptep_to_sp(self, sptep):
        return address_from(sptep[0].page, self._frames[sptep[0].pfn][0])

    def root_role_word(self, smm=0):
        return kvm_mmu_page_role.pack(level=self.geo.levels, direct=1, access=ACC_ALL,
                                      efer_nx=1, cr0_wp=1, smm=smm)

    # ------------------------------------------------------------------
    # init / uninit / alloc / free
    # ------------------------------------------------------------------
    def kvm_mmu_init_tdp_mmu(self, kvm):
        self.mmu_page_header_cache = kmem_cache_create("kvm_mmu_page_header", KvmMmuPage)
        INIT_LIST_HEAD(kvm.tdp_mmu_roots)
        INIT_LIST_HEAD(kvm.tdp_mmu_pages)

    def kvm_mmu_uninit_tdp_mmu(self, kvm):
        WARN_ON(not list_empty(kvm.tdp_mmu_pages))
        WARN_ON(not list_empty(kvm.tdp_mmu_roots))
        rcu_barrier()

    def alloc_page(self):
        """__get_free_page / the shadow page cache: a zeroed page of SPTEs."""
        pfn = self.alloc_pfn()
        return PageTable(pfn, kzalloc(spt_page_class(self.geo.fanout)))

    def free_page(self, pt):
        kfree(pt.page)

    def tdp_mmu_free_sp(self, sp):
        self.free_page(sp.spt)
        kmem_cache_free(self.mmu_page_header_cache, sp)

    def tdp_mmu_free_sp_rcu_callback(self, head):
        sp = container_of(head, KvmMmuPage, "rcu_head")
        self.tdp_mmu_free_sp(sp)

    def alloc_tdp_mmu_page(self, vcpu, gfn, level):
        sp = kmem_cache_zalloc(self.mmu_page_header_cache)
        pt = self.alloc_page()
        sp.spt = pt
        self._frames[pt.pfn] = (sp, pt)           # set_page_private()
        sp.role.word = kvm_mmu_page_role.set(vcpu.role, level=level)
        sp.gfn = gfn
        sp.tdp_mmu_page = True
        return sp

    # ------------------------------------------------------------------
    # lock helpers
    # ------------------------------------------------------------------
    def kvm_lockdep_assert_mmu_lock_held(self, kvm, shared):
        if shared:
            lockdep_assert_held_read(kvm.mmu_lock)
        else:
            lockdep_assert_held_write(kvm.mmu_lock)
        return True

    def kvm_mmu_page_as_id(self, sp):
        return 1 if sp.role.smm else 0

    # ------------------------------------------------------------------
    # TLB flushes and the pages behind SPTEs (see guest.py)
    # ------------------------------------------------------------------
    def kvm_flush_remote_tlbs(self, kvm):
        """kvm_flush_remote_tlbs(), and the ranged _with_address() form (the model
        flushes everything): KVM_REQ_TLB_FLUSH to every vCPU, kick and wait."""
        kvm_make_all_cpus_request(self.vcpus, KVM_REQ_TLB_FLUSH)

    def kvm_set_pfn_accessed_dirty(self, pfn, gfn, what):
        """kvm_set_pfn_dirty() / kvm_set_pfn_accessed(): a zapped or cleaned leaf's
        A/D state is written back to its struct page (one use of the page)."""
        self.host.use_page(pfn, f"{what}'s A/D write-back for GFN {gfn}")

    # ------------------------------------------------------------------
    # root references
    # ------------------------------------------------------------------
    def kvm_tdp_mmu_get_root(self, root):
        return refcount_inc_not_zero(root.tdp_mmu_root_count)

    def tdp_mmu_unlink_root(self, kvm, root):
        spin_lock(kvm.tdp_mmu_pages_lock)
        list_del_rcu(root.link)
        spin_unlock(kvm.tdp_mmu_pages_lock)

    def tdp_mmu_free_root(self, root):
        call_rcu(root.rcu_head, self.tdp_mmu_free_sp_rcu_callback)

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        if not refcount_dec_and_test(root.tdp_mmu_root_count):
            return
        WARN_ON(not root.tdp_mmu_page)
        self.tdp_mmu_unlink_root(kvm, root)
        self.zap_gfn_range(kvm, root, 0, None, False, False, shared)
        self.tdp_mmu_free_root(root)

    def tdp_mmu_next_root(self, kvm, prev_root, shared, only_valid):
        rcu_read_lock()
        if prev_root is not None:
            next_root = list_next_or_null_rcu(kvm.tdp_mmu_roots, prev_root.link, "link")
        else:
            next_root = list_first_or_null_rcu(kvm.tdp_mmu_roots, "link")
        while next_root is not None:
            if ((not only_valid or not next_root.role.invalid)
                    and self.kvm_tdp_mmu_get_root(next_root)):
                break
            next_root = list_next_or_null_rcu(kvm.tdp_mmu_roots, next_root.link, "link")
        rcu_read_unlock()
        if prev_root is not None:
            self.kvm_tdp_mmu_put_root(kvm, prev_root, shared)
        return next_root

    def _for_each_tdp_mmu_root_yield_safe(self, kvm, as_id, shared, only_valid):
        root = self.tdp_mmu_next_root(kvm, None, shared, only_valid)
        while root is not None:
            if self.kvm_lockdep_assert_mmu_lock_held(kvm, shared) and \
                    self.kvm_mmu_page_as_id(root) != as_id:
                pass
            else:
                yield root
            root = self.tdp_mmu_next_root(kvm, root, shared, only_valid)

    def for_each_valid_tdp_mmu_root_yield_safe(self, kvm, as_id, shared):
        return self._for_each_tdp_mmu_root_yield_safe(kvm, as_id, shared, True)

    def for_each_tdp_mmu_root_yield_safe(self, kvm, as_id, shared):
        return self._for_each_tdp_mmu_root_yield_safe(kvm, as_id, shared, False)

    def for_each_tdp_mmu_root(self, kvm, as_id):
        # lockdep_is_held_type(&kvm->mmu_lock, 0) || lockdep_is_held(&tdp_mmu_pages_lock):
        # kcheck's lockdep_is_held() does not tell the read from the write mode
        cond = lockdep_is_held(kvm.mmu_lock) or lockdep_is_held(kvm.tdp_mmu_pages_lock)
        for root in list_for_each_entry_rcu(kvm.tdp_mmu_roots, "link", cond):
            if self.kvm_mmu_page_as_id(root) != as_id:
                continue
            yield root

    # ------------------------------------------------------------------
    # vCPU root
    # ------------------------------------------------------------------
    def kvm_tdp_mmu_get_vcpu_root_hpa(self, vcpu):
        kvm = vcpu.kvm
        lockdep_assert_held_write(kvm.mmu_lock)
        role = vcpu.role
        for root in self.for_each_tdp_mmu_root(kvm, kvm_mmu_page_role.get(role, "smm")):
            if self.root_matches(root, role) and self.kvm_tdp_mmu_get_root(root):
                return root.spt.pfn
        root = self.alloc_tdp_mmu_page(vcpu, 0, self.geo.levels)
        self.init_root_refcount(root)
        spin_lock(kvm.tdp_mmu_pages_lock)
        list_add_rcu(root.link, kvm.tdp_mmu_roots)
        spin_unlock(kvm.tdp_mmu_pages_lock)
        return root.spt.pfn

    def root_matches(self, root, role):
        return root.role.word == role

    def init_root_refcount(self, root):
        refcount_set(root.tdp_mmu_root_count, 1)

    # ------------------------------------------------------------------
    # page-table pages
    # ------------------------------------------------------------------
    def tdp_mmu_link_page(self, kvm, sp):
        spin_lock(kvm.tdp_mmu_pages_lock)
        list_add(sp.link, kvm.tdp_mmu_pages)
        spin_unlock(kvm.tdp_mmu_pages_lock)

    def tdp_mmu_unlink_page(self, kvm, sp, shared):
        if shared:
            spin_lock(kvm.tdp_mmu_pages_lock)
        else:
            lockdep_assert_held_write(kvm.mmu_lock)
        list_del(sp.link)
        if shared:
            spin_unlock(kvm.tdp_mmu_pages_lock)

    def handle_removed_pt(self, kvm, pt, shared):
        """handle_removed_tdp_mmu_page() in v5.17, handle_removed_pt() from v5.18."""
        sp = self.sptep_to_sp((pt, 0))
        level = sp.role.level
        base_gfn = sp.gfn
        self.tdp_mmu_unlink_page(kvm, sp, shared)
        for i in range(self.geo.fanout):
            gfn = base_gfn + i * self.geo.pages_per_hpage(level)
            if shared:
                # Freeze the entry; if another thread froze it first, wait for
                # that thread to put a non-frozen value back (the kernel spins).
                old_spte = xchg(pt.ptes[i], REMOVED_SPTE)
                assume(not is_removed_spte(old_spte))
            else:
                old_spte = kvm_tdp_mmu_read_spte((pt, i))
                if not is_shadow_present_pte(old_spte):
                    continue
                WRITE_ONCE(pt.ptes[i], REMOVED_SPTE)
            self.handle_changed_spte(kvm, 0, gfn, old_spte, REMOVED_SPTE, level, shared)
        if self.handle_removed_pt_flushes:
            # kvm_flush_remote_tlbs_with_address(kvm, base_gfn, KVM_PAGES_PER_HPAGE(level + 1))
            self.kvm_flush_remote_tlbs(kvm)
        call_rcu(sp.rcu_head, self.tdp_mmu_free_sp_rcu_callback)

    def handle_changed_spte(self, kvm, as_id, gfn, old_spte, new_spte, level, shared):
        """__handle_changed_spte() and handle_changed_spte_acc_track(): bookkeeping,
        the A/D write-back to the old page, and freeing a removed page table.
        (The dirty-log hook marks the memslot's bitmap, which the model leaves out.)"""
        was_present = is_shadow_present_pte(old_spte)
        is_present = is_shadow_present_pte(new_spte)
        was_leaf = was_present and is_last_spte(old_spte, level)
        is_leaf = is_present and is_last_spte(new_spte, level)
        pfn_changed = spte_to_pfn(old_spte) != spte_to_pfn(new_spte)

        WARN_ON(level > self.geo.levels)
        WARN_ON(level < PG_LEVEL_4K)
        WARN_ON(gfn % self.geo.pages_per_hpage(level))
        if was_leaf and is_leaf and pfn_changed:
            BUG()           # "Invalid SPTE change: cannot replace a present leaf"
        if old_spte == new_spte:
            return
        if not was_present and not is_present:
            WARN_ON(not is_removed_spte(new_spte))
            return
        if was_leaf and ((is_dirty_spte(old_spte)
                          and (not is_present or not is_dirty_spte(new_spte) or pfn_changed))
                         or (is_accessed_spte(old_spte)
                             and (not is_present or not is_accessed_spte(new_spte)
                                  or pfn_changed))):
            self.kvm_set_pfn_accessed_dirty(spte_to_pfn(old_spte), gfn, current().name)
        if was_present and not was_leaf and (pfn_changed or not is_present):
            self.handle_removed_pt(kvm, self.pfn_to_pt(spte_to_pfn(old_spte), old_spte), shared)

    # ------------------------------------------------------------------
    # SPTE updates
    # ------------------------------------------------------------------
    def tdp_mmu_set_spte_atomic(self, kvm, it, new_spte):
        """0 if the SPTE was set; -EBUSY if it is frozen (only the thread that froze
        it may change it) or the cmpxchg lost, then with ``iter->old_spte``
        refreshed to the value found (v5.16+, as in v5.17)."""
        WARN_ON_ONCE(it.yielded)
        lockdep_assert_held_read(kvm.mmu_lock)
        if is_removed_spte(it.old_spte):
            return -EBUSY
        pt, i = it.sptep
        old_spte = cmpxchg(pt.ptes[i], it.old_spte, new_spte)
        if old_spte != it.old_spte:
            it.old_spte = old_spte
            return -EBUSY
        self.handle_changed_spte(kvm, 0, it.gfn, it.old_spte, new_spte, it.level, True)
        return 0

    def tdp_mmu_zap_spte_atomic(self, kvm, it):
        # Freeze the SPTE so that no other thread installs a present entry in
        # its place before the TLBs are flushed.
        ret = self.tdp_mmu_set_spte_atomic(kvm, it, REMOVED_SPTE)
        if ret:
            return ret
        # kvm_flush_remote_tlbs_with_address(kvm, iter->gfn, KVM_PAGES_PER_HPAGE(iter->level))
        self.kvm_flush_remote_tlbs(kvm)
        # No other thread can overwrite the removed SPTE: no bookkeeping needed.
        pt, i = it.sptep
        WRITE_ONCE(pt.ptes[i], 0)
        return 0

    def tdp_mmu_set_spte(self, kvm, it, new_spte):
        lockdep_assert_held_write(kvm.mmu_lock)
        WARN_ON(is_removed_spte(it.old_spte))
        pt, i = it.sptep
        WRITE_ONCE(pt.ptes[i], new_spte)
        self.handle_changed_spte(kvm, 0, it.gfn, it.old_spte, new_spte, it.level, False)
        it.old_spte = new_spte

    # ------------------------------------------------------------------
    # yielding
    # ------------------------------------------------------------------
    def yield_wanted(self, kvm):
        """``need_resched() || rwlock_needbreak(&kvm->mmu_lock)``.

        Both are explorer choices that mean the same thing here ("yield now");
        asking both would explore the yield twice, so one choice stands for both.
        """
        if not self.yields:
            return False
        return need_resched()

    def cond_resched_mmu_lock(self, kvm, shared):
        """cond_resched_rwlock_read/write() once yield_wanted() said yes.

        kcheck's cond_resched_rwlock_*() make their own choice whether to drop the
        lock; after need_resched() already chose, that second choice only adds a
        "restart the walk without dropping the lock" path, so the lock is dropped
        and retaken here directly, as __cond_resched_rwlock_*() does when it yields.
        """
        if shared:
            lockdep_assert_held_read(kvm.mmu_lock)
            read_unlock(kvm.mmu_lock)
            might_sleep()           # the reschedule between the unlock and the relock
            read_lock(kvm.mmu_lock)
        else:
            lockdep_assert_held_write(kvm.mmu_lock)
            write_unlock(kvm.mmu_lock)
            might_sleep()
            write_lock(kvm.mmu_lock)

    def tdp_mmu_iter_cond_resched(self, kvm, it, flush, shared):
        """Yield mmu_lock (and RCU) if asked to; the caller then skips to the next
        iteration, where tdp_iter_next() restarts the walk from the root at the
        GFN it had reached ("Don't advance iterator after restart due to
        yielding", v5.16): the entry at the yield point is visited again."""
        WARN_ON(it.yielded)
        # Ensure forward progress has been made before yielding.
        if it.next_last_level_gfn == it.yielded_gfn:
            return False
        if self.yield_wanted(kvm):
            if flush and self.flush_before_rcu_unlock:
                self.kvm_flush_remote_tlbs(kvm)
            rcu_read_unlock()
            if flush and not self.flush_before_rcu_unlock:
                self.kvm_flush_remote_tlbs(kvm)
            self.cond_resched_mmu_lock(kvm, shared)
            rcu_read_lock()
            WARN_ON(it.gfn > it.next_last_level_gfn)
            it.yielded = True
        return it.yielded

    def root_walk(self, root, min_level, start, end):
        """for_each_tdp_pte_min_level(iter, root->spt, root->role.level, ...)."""
        return for_each_tdp_pte_min_level(self, root.spt, root.role.level, min_level, start, end)

    # ------------------------------------------------------------------
    # zapping
    # ------------------------------------------------------------------
    def zap_gfn_range(self, kvm, root, start, end, can_yield, flush, shared):
        max_gfn_host = self.geo.max_gfn_exclusive
        if end is None:
            end = max_gfn_host
        zap_all = start == 0 and end >= max_gfn_host
        end = min(end, max_gfn_host)
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        rcu_read_lock()
        root_level = root.role.level
        min_level = root_level if zap_all else PG_LEVEL_4K
        for it in for_each_tdp_pte_min_level(self, root.spt, root_level, min_level, start, end):
            while True:   # retry:
                if can_yield and self.tdp_mmu_iter_cond_resched(kvm, it, flush, shared):
                    flush = False
                    break
                if not is_shadow_present_pte(it.old_spte):
                    break
                if (not zap_all
                        and (it.gfn < start
                             or it.gfn + self.geo.pages_per_hpage(it.level) > end)
                        and not is_last_spte(it.old_spte, it.level)):
                    break
                if not shared:
                    self.tdp_mmu_set_spte(kvm, it, 0)
                    flush = True
                    break
                if not self.tdp_mmu_zap_spte_atomic(kvm, it):
                    break
                # -EBUSY: iter->old_spte was refreshed, retry
        if flush and not self.handle_removed_pt_flushes:
            # With the flush deferred to the caller, freed page tables need it
            # done before RCU is dropped (as "Defer TLB flush to caller when
            # freeing TDP MMU shadow pages" did, until the range zap became
            # leafs-only).
            self.kvm_flush_remote_tlbs(kvm)
            flush = False
        rcu_read_unlock()
        return flush

    def _kvm_tdp_mmu_zap_gfn_range(self, kvm, as_id, start, end, can_yield, flush):
        for root in self.for_each_tdp_mmu_root_yield_safe(kvm, as_id, False):
            flush = self.zap_gfn_range(kvm, root, start, end, can_yield, flush, False)
        return flush

    def kvm_tdp_mmu_zap_all(self, kvm):
        flush = False
        for as_id in range(KVM_ADDRESS_SPACE_NUM):
            flush = self._kvm_tdp_mmu_zap_gfn_range(kvm, as_id, 0, None, True, flush)
        if flush:
            self.kvm_flush_remote_tlbs(kvm)

    def next_invalidated_root(self, kvm, prev_root):
        if prev_root is not None:
            next_root = list_next_or_null_rcu(kvm.tdp_mmu_roots, prev_root.link, "link")
        else:
            next_root = list_first_or_null_rcu(kvm.tdp_mmu_roots, "link")
        while next_root is not None and not (
                next_root.role.invalid and refcount_read(next_root.tdp_mmu_root_count)):
            next_root = list_next_or_null_rcu(kvm.tdp_mmu_roots, next_root.link, "link")
        return next_root

    def kvm_tdp_mmu_zap_invalidated_roots(self, kvm):
        flush = False
        lockdep_assert_held_read(kvm.mmu_lock)
        rcu_read_lock()
        root = self.next_invalidated_root(kvm, None)
        while root is not None:
            next_root = self.next_invalidated_root(kvm, root)
            rcu_read_unlock()
            flush = self.zap_gfn_range(kvm, root, 0, None, True, flush, True)
            # Put the reference acquired in kvm_tdp_mmu_invalidate_roots
            self.kvm_tdp_mmu_put_root(kvm, root, True)
            root = next_root
            rcu_read_lock()
        rcu_read_unlock()
        if flush:
            self.kvm_flush_remote_tlbs(kvm)

    def kvm_tdp_mmu_invalidate_all_roots(self, kvm):
        lockdep_assert_held_write(kvm.mmu_lock)
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            self.ghost_note_invalidated(root)
            if refcount_inc_not_zero(root.tdp_mmu_root_count):
                root.role.invalid = 1

    # ------------------------------------------------------------------
    # page fault
    # ------------------------------------------------------------------
    target_level_flushes_removed_pt = False    # v5.18+: handle_removed_pt() no longer flushes

    def tdp_mmu_map_handle_target_level(self, vcpu, gfn, pfn, goal_level, it):
        sp = self.sptep_to_sp(it.sptep)
        WARN_ON(sp.role.level != goal_level)
        # make_spte(): the frame at iter->gfn (a huge page's first frame)
        new_spte = make_spte(pfn - (gfn - it.gfn), it.level)
        if new_spte == it.old_spte:
            return RET_PF_SPURIOUS
        if self.tdp_mmu_set_spte_atomic(vcpu.kvm, it, new_spte):
            return RET_PF_RETRY
        if (self.target_level_flushes_removed_pt and is_shadow_present_pte(it.old_spte)
                and not is_last_spte(it.old_spte, it.level)):
            # a huge page replaced a page table: flush before RCU is dropped
            self.kvm_flush_remote_tlbs(vcpu.kvm)
        return RET_PF_FIXED

    def tdp_mmu_link_sp(self, kvm, it, sp, shared=True):
        """Point the SPTE at a new page table, then put the page on tdp_mmu_pages."""
        spte = make_nonleaf_spte(sp.spt.pfn)
        if shared:
            ret = self.tdp_mmu_set_spte_atomic(kvm, it, spte)
            if ret:
                return ret
        else:
            self.tdp_mmu_set_spte(kvm, it, spte)
        self.tdp_mmu_link_page(kvm, sp)
        return 0

    def vcpu_root_walk(self, vcpu, gfn):
        """tdp_mmu_for_each_pte(): from __va(root_hpa) at the vCPU's root level."""
        return for_each_tdp_pte_min_level(self, self.pfn_to_pt(vcpu.root_hpa),
                                          self.geo.levels, PG_LEVEL_4K, gfn, gfn + 1)

    def kvm_tdp_mmu_map(self, vcpu, gfn, pfn, goal_level):
        kvm = vcpu.kvm
        rcu_read_lock()
        it = None
        for it in self.vcpu_root_walk(vcpu, gfn):
            if it.level == goal_level:
                break
            # A huge page above the target level is zapped and replaced by a
            # page table.
            if is_shadow_present_pte(it.old_spte) and is_large_pte(it.old_spte):
                if self.tdp_mmu_zap_spte_atomic(kvm, it):
                    break
                it.old_spte = it.read_spte()
            if not is_shadow_present_pte(it.old_spte):
                # Frozen by another thread: give up and retry.
                if is_removed_spte(it.old_spte):
                    break
                sp = self.alloc_tdp_mmu_page(vcpu, it.gfn, it.level - 1)
                if self.tdp_mmu_link_sp(kvm, it, sp):
                    self.tdp_mmu_free_sp(sp)
                    break
        if it is None or it.level != goal_level or self.map_target_frozen(it):
            rcu_read_unlock()
            return RET_PF_RETRY
        ret = self.tdp_mmu_map_handle_target_level(vcpu, gfn, pfn, goal_level, it)
        rcu_read_unlock()
        return ret

    def map_target_frozen(self, it):
        return False   # v5.17 relies on tdp_mmu_set_spte_atomic refusing a REMOVED SPTE

    # ------------------------------------------------------------------
    # MMU notifier, dirty logging, eager page splitting, collapsing
    # ------------------------------------------------------------------
    def kvm_tdp_mmu_unmap_gfn_range(self, kvm, as_id, start, end, may_block, flush):
        return self._kvm_tdp_mmu_zap_gfn_range(kvm, as_id, start, end, may_block, flush)

    def clear_dirty_gfn_range(self, kvm, root, start, end):
        spte_set = False
        rcu_read_lock()
        for it in self.root_walk(root, PG_LEVEL_4K, start, end):
            if not is_shadow_present_pte(it.old_spte) or not is_last_spte(it.old_spte, it.level):
                continue        # tdp_root_for_each_leaf_pte
            while True:   # retry:
                if self.tdp_mmu_iter_cond_resched(kvm, it, False, True):
                    break
                if not is_shadow_present_pte(it.old_spte):
                    break
                if not is_dirty_spte(it.old_spte):
                    break
                new_spte = it.old_spte & ~shadow_dirty_mask
                if not self.tdp_mmu_set_spte_atomic(kvm, it, new_spte):
                    spte_set = True
                    break
        rcu_read_unlock()
        return spte_set

    def kvm_tdp_mmu_clear_dirty_slot(self, kvm, as_id, start, end):
        spte_set = False
        for root in self.for_each_valid_tdp_mmu_root_yield_safe(kvm, as_id, True):
            spte_set |= self.clear_dirty_gfn_range(kvm, root, start, end)
        return spte_set

    def walk_gfn_range(self, kvm, root, start, end):
        """A read-only walk of the leaf SPTEs of [start, end) that may yield."""
        rcu_read_lock()
        for it in self.root_walk(root, PG_LEVEL_4K, start, end):
            self.tdp_mmu_iter_cond_resched(kvm, it, False, True)
        rcu_read_unlock()

    def kvm_mmu_walk_valid_roots(self, kvm, start, end):
        """A read-side walker of valid roots: for_each_valid_tdp_mmu_root_yield_safe
        under mmu_lock held for read, yielding as it goes."""
        read_lock(kvm.mmu_lock)
        for root in self.for_each_valid_tdp_mmu_root_yield_safe(kvm, 0, True):
            self.walk_gfn_range(kvm, root, start, end)
        read_unlock(kvm.mmu_lock)

    def kvm_mmu_max_mapping_level(self, gfn):
        """The host maps guest memory with huge pages (``--size huge=1``) or not;
        the memslot's own disallow (dirty logging) is the caller's business."""
        return PG_LEVEL_2M if self.huge else PG_LEVEL_4K

    def zap_collapsible_spte_range(self, kvm, root, start, end):
        rcu_read_lock()
        for it in self.root_walk(root, PG_LEVEL_4K, start, end):   # tdp_root_for_each_pte
            while True:   # retry:
                if self.tdp_mmu_iter_cond_resched(kvm, it, False, True):
                    break
                if not is_shadow_present_pte(it.old_spte) or not is_last_spte(it.old_spte, it.level):
                    break
                if it.level >= self.kvm_mmu_max_mapping_level(it.gfn):
                    break
                # Note, a successful atomic zap also does a remote TLB flush.
                if not self.tdp_mmu_zap_spte_atomic(kvm, it):
                    break
        rcu_read_unlock()

    def kvm_tdp_mmu_zap_collapsible_sptes(self, kvm, as_id, start, end):
        lockdep_assert_held_read(kvm.mmu_lock)
        for root in self.for_each_valid_tdp_mmu_root_yield_safe(kvm, as_id, True):
            self.zap_collapsible_spte_range(kvm, root, start, end)

    def __tdp_mmu_alloc_sp_for_split(self, gfp_kernel):
        if gfp_kernel:
            might_sleep()           # GFP_KERNEL may enter reclaim; GFP_NOWAIT does not
        sp = kmem_cache_zalloc(self.mmu_page_header_cache)
        pt = self.alloc_page()
        sp.spt = pt
        self._frames[pt.pfn] = (sp, pt)
        return sp

    def tdp_mmu_alloc_sp_for_split(self, kvm, it, shared):
        """GFP_NOWAIT under mmu_lock may fail (an explorer choice); then drop RCU and
        mmu_lock, allocate with GFP_KERNEL (which may sleep) and take them again:
        the walk restarts from the root (iter->yielded)."""
        if not nondet(2):
            return self.__tdp_mmu_alloc_sp_for_split(False)
        rcu_read_unlock()
        if shared:
            read_unlock(kvm.mmu_lock)
        else:
            write_unlock(kvm.mmu_lock)
        it.yielded = True
        sp = self.__tdp_mmu_alloc_sp_for_split(True)
        if shared:
            read_lock(kvm.mmu_lock)
        else:
            write_lock(kvm.mmu_lock)
        rcu_read_lock()
        return sp

    def tdp_mmu_init_child_sp(self, sp, it):
        parent_sp = self.sptep_to_sp(it.sptep)
        sp.role.word = kvm_mmu_page_role.set(parent_sp.role.word, level=it.level - 1)
        sp.gfn = it.gfn
        sp.tdp_mmu_page = True

    def tdp_mmu_split_huge_page(self, kvm, it, sp, shared):
        huge_spte = it.old_spte
        level = it.level
        self.tdp_mmu_init_child_sp(sp, it)
        # No atomics needed: the page table is not linked in yet.
        for i in range(self.geo.fanout):
            WRITE_ONCE(sp.spt.ptes[i], make_huge_page_split_spte(huge_spte, level, i, self.geo))
        # Replace the huge SPTE by the populated page table, without a TLB flush:
        # vCPUs may see the huge and the split mappings, which translate alike.
        return self.tdp_mmu_link_sp(kvm, it, sp, shared)

    def tdp_mmu_split_huge_pages_root(self, kvm, root, start, end, target_level, shared):
        sp = None
        ret = 0
        rcu_read_lock()
        for it in self.root_walk(root, target_level + 1, start, end):
            while True:   # retry:
                if self.tdp_mmu_iter_cond_resched(kvm, it, False, shared):
                    break
                if not is_shadow_present_pte(it.old_spte) or not is_large_pte(it.old_spte):
                    break
                if sp is None:
                    sp = self.tdp_mmu_alloc_sp_for_split(kvm, it, shared)
                    if it.yielded:
                        break
                if self.tdp_mmu_split_huge_page(kvm, it, sp, shared):
                    continue        # goto retry (iter->old_spte refreshed)
                sp = None
                break
        rcu_read_unlock()
        # The last sp may go unused if a vCPU wins the race for the SPTE.
        if sp is not None:
            self.tdp_mmu_free_sp(sp)
        return ret

    def split_huge_pages_roots(self, kvm, as_id, shared):
        """v5.17 splits every root, invalid ones included (the one read-lock user of
        the all-roots yield-safe iterator); v5.18 valid roots only."""
        return self.for_each_tdp_mmu_root_yield_safe(kvm, as_id, shared)

    def kvm_tdp_mmu_try_split_huge_pages(self, kvm, start, end, target_level, shared):
        self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
        for root in self.split_huge_pages_roots(kvm, 0, shared):
            r = self.tdp_mmu_split_huge_pages_root(kvm, root, start, end, target_level, shared)
            if r:
                self.kvm_tdp_mmu_put_root(kvm, root, shared)
                break

    # ==================================================================
    # mmu.c, x86.c and kvm_main.c callers
    # ==================================================================
    def kvm_mmu_load(self, vcpu):
        """kvm_mmu_load() -> mmu_alloc_direct_roots(), then a local TLB flush."""
        kvm = vcpu.kvm
        write_lock(kvm.mmu_lock)
        hpa = self.kvm_tdp_mmu_get_vcpu_root_hpa(vcpu)
        vcpu.root_hpa = hpa
        if self.checks:
            # model invariant (C8): the root handed to a vCPU is valid
            assert not self.to_shadow_page(hpa).role.invalid, "vCPU handed an invalid root"
        write_unlock(kvm.mmu_lock)
        vcpu.tlb.flush()         # static_call(kvm_x86_flush_tlb_current)(vcpu)

    def mmu_free_root_page(self, kvm, vcpu):
        hpa = vcpu.root_hpa
        if hpa is INVALID_PAGE:
            return
        sp = self.to_shadow_page(hpa)
        if sp.tdp_mmu_page:
            self.kvm_tdp_mmu_put_root(kvm, sp, False)
        vcpu.root_hpa = INVALID_PAGE

    def kvm_mmu_free_roots(self, vcpu):
        kvm = vcpu.kvm
        if vcpu.root_hpa is INVALID_PAGE:
            return
        write_lock(kvm.mmu_lock)
        self.mmu_free_root_page(kvm, vcpu)
        write_unlock(kvm.mmu_lock)

    def kvm_mmu_unload(self, vcpu):
        self.kvm_mmu_free_roots(vcpu)

    def kvm_mmu_reload_request(self, vcpu):
        """KVM_REQ_MMU_RELOAD (v5.17): unload every root; kvm_mmu_reload() loads one."""
        self.kvm_mmu_unload(vcpu)

    def mmu_notifier_retry_hva(self, kvm, mmu_seq, gfn):
        seq, count, start, end = kvm.mmu_notifier
        if count and start <= gfn < end:
            return True
        return seq != mmu_seq

    def is_page_fault_stale(self, vcpu, gfn, mmu_seq):
        sp = self.to_shadow_page(vcpu.root_hpa)
        if sp.role.invalid:                  # is_obsolete_sp(): TDP roots use role.invalid
            return True
        return self.mmu_notifier_retry_hva(vcpu.kvm, mmu_seq, gfn)

    def kvm_faultin_pfn(self, vcpu, gfn, flags):
        """The host page of ``gfn`` and the level to map it at, or None to retry
        (a memslot being deleted or moved)."""
        if flags & KVM_MEMSLOT_INVALID:
            return None
        pfn = self.host.gfn_to_pfn(gfn)
        level = self.kvm_mmu_max_mapping_level(gfn)
        if flags & KVM_MEM_LOG_DIRTY_PAGES:
            level = PG_LEVEL_4K              # dirty logging disallows huge pages
        return pfn, level

    def direct_page_fault(self, vcpu, gfn):
        kvm = vcpu.kvm
        flags = READ_ONCE(ptr(kvm, "memslot_flags"))    # kvm_vcpu_gfn_to_memslot()
        mmu_seq = READ_ONCE(ptr(kvm, "mmu_notifier"))[0]
        smp_rmb()
        f = self.kvm_faultin_pfn(vcpu, gfn, flags)
        if f is None:
            return RET_PF_RETRY
        pfn, level = f
        read_lock(kvm.mmu_lock)
        if self.is_page_fault_stale(vcpu, gfn, mmu_seq):
            read_unlock(kvm.mmu_lock)
            return RET_PF_RETRY
        r = self.kvm_tdp_mmu_map(vcpu, gfn, pfn, level)
        read_unlock(kvm.mmu_lock)
        return r

    def vcpu_enter_guest(self, vcpu):
        """vcpu_enter_guest() up to VM-entry: True once the vCPU is in guest mode,
        False if the VM is dead (KVM_RUN fails).  Requests set after the vCPU
        checked them find it in guest mode: the sender waits until it leaves."""
        kvm = vcpu.kvm
        mode = ptr(vcpu.arch, "mode")
        while True:
            if vcpu.root_hpa is INVALID_PAGE:          # kvm_mmu_reload()
                self.kvm_mmu_load(vcpu)
            WRITE_ONCE(mode, IN_GUEST_MODE)
            smp_mb()                                    # smp_mb__after_srcu_read_unlock()
            dead = READ_ONCE(ptr(kvm, "vm_dead"))
            reqs = kvm_request_pending(vcpu)
            if not (dead or reqs):
                return True
            smp_store_release(mode, OUTSIDE_GUEST_MODE)   # cancel the entry
            if dead:
                return False
            if reqs & KVM_REQ_MMU_RELOAD and kvm_check_request(vcpu, KVM_REQ_MMU_RELOAD):
                self.kvm_mmu_reload_request(vcpu)
            if reqs & KVM_REQ_TLB_FLUSH and kvm_check_request(vcpu, KVM_REQ_TLB_FLUSH):
                vcpu.tlb.flush()                        # kvm_vcpu_flush_tlb_all()

    def vcpu_run(self, vcpu, touches, i):
        """One stay in the guest: it touches ``touches[i:]`` in order until one
        takes an EPT violation.  Returns the index of that touch (or
        ``len(touches)``), or None if the VM is dead (KVM_RUN fails)."""
        if not self.vcpu_enter_guest(vcpu):
            return None
        while i < len(touches) and guest_access(self, vcpu, touches[i]):
            i += 1
        smp_store_release(ptr(vcpu.arch, "mode"), OUTSIDE_GUEST_MODE)   # VM-exit
        return i

    def kvm_vm_dead(self, kvm):
        """No vCPU runs from now on: vm_dead set, every vCPU kicked out of the guest."""
        WRITE_ONCE(ptr(kvm, "vm_dead"), 1)
        kvm_kick_all_and_wait(self.vcpus)

    def kvm_mmu_zap_all_fast(self, kvm, observer=None):
        lockdep_assert_held(kvm.slots_lock)
        write_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_invalidate_all_roots(kvm)
        # kvm_reload_remote_mmus(): every vCPU drops its roots before entering again
        kvm_make_all_cpus_request(self.vcpus, KVM_REQ_MMU_RELOAD)
        write_unlock(kvm.mmu_lock)
        self.zap_invalidated_roots_after_fast_zap(kvm)

    def zap_invalidated_roots_after_fast_zap(self, kvm):
        read_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_zap_invalidated_roots(kvm)
        read_unlock(kvm.mmu_lock)

    def kvm_mmu_zap_all(self, kvm):
        write_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_zap_all(kvm)
        write_unlock(kvm.mmu_lock)

    def kvm_unmap_gfn_range(self, kvm, start, end):
        return self.kvm_tdp_mmu_unmap_gfn_range(kvm, 0, start, end, True, False)

    def kvm_mmu_notifier_invalidate_range_start(self, kvm, start, end):
        """__kvm_handle_hva_range() under KVM_MMU_LOCK (write_lock on x86):
        kvm_inc_notifier_count(), kvm_unmap_gfn_range(), then the flush it asks for."""
        write_lock(kvm.mmu_lock)
        seq, count, s0, e0 = kvm.mmu_notifier
        if count:
            start, end = min(start, s0), max(end, e0)
        WRITE_ONCE(ptr(kvm, "mmu_notifier"), (seq, count + 1, start, end))
        if self.kvm_unmap_gfn_range(kvm, start, end):
            self.kvm_flush_remote_tlbs(kvm)
        write_unlock(kvm.mmu_lock)

    def kvm_mmu_notifier_invalidate_range_end(self, kvm):
        write_lock(kvm.mmu_lock)
        seq, count, start, end = kvm.mmu_notifier
        WRITE_ONCE(ptr(kvm, "mmu_notifier"), (seq + 1, count - 1, start, end))   # kvm_dec_notifier_count()
        write_unlock(kvm.mmu_lock)

    def kvm_mmu_slot_leaf_clear_dirty(self, kvm, start, end):
        read_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_clear_dirty_slot(kvm, 0, start, end)
        read_unlock(kvm.mmu_lock)

    def kvm_mmu_slot_try_split_huge_pages(self, kvm, start, end):
        read_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_try_split_huge_pages(kvm, start, end, PG_LEVEL_4K, True)
        read_unlock(kvm.mmu_lock)

    def kvm_mmu_zap_collapsible_sptes(self, kvm, start, end):
        read_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_zap_collapsible_sptes(kvm, 0, start, end)
        read_unlock(kvm.mmu_lock)

    def kvm_mmu_uninit_vm(self, kvm):
        self.kvm_mmu_uninit_tdp_mmu(kvm)

    def kvm_mmu_vendor_module_exit(self):
        """Module exit (mmu_destroy_caches()) once the last VM is gone: the cache
        must be empty - pending RCU callbacks included, hence the rcu_barrier()
        in kvm_mmu_uninit_tdp_mmu()."""
        kmem_cache_destroy(self.mmu_page_header_cache)

    # ------------------------------------------------------------------
    # model check after a memslot update (still under slots_lock)
    # ------------------------------------------------------------------
    def ghost_note_invalidated(self, root):
        """Ghost bookkeeping (no event): the roots this task's invalidation covered."""
        self._ghost_invalidated.setdefault(current().tid, []).append(root)

    def check_invalid_roots_zapped(self, kvm):
        """Once the fast zap returns, no root it invalidated that is still on
        tdp_mmu_roots maps anything (roots invalidated later, e.g. by a
        v5.18 put_root whose worker is still pending, are not its business)."""
        covered = self._ghost_invalidated.pop(current().tid, [])
        read_lock(kvm.mmu_lock)
        rcu_read_lock()
        for root in list_for_each_entry_rcu(kvm.tdp_mmu_roots, "link"):
            if any(root == r for r in covered) and root.role.invalid:
                pt = root.spt
                for i in range(self.geo.fanout):
                    spte = kvm_tdp_mmu_read_spte((pt, i))
                    assert not is_shadow_present_pte(spte), \
                        "memslot update returned before an invalidated root was zapped"
        rcu_read_unlock()
        read_unlock(kvm.mmu_lock)

    # used by subclasses
    PG_LEVEL_1G = PG_LEVEL_1G
