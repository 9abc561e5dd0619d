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

from kcheck import assume, current
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
    rwlock_needbreak,
    spin_lock,
    spin_unlock,
    write_lock,
    write_unlock,
    xchg,
)

from .spte import (
    ACC_ALL,
    PG_LEVEL_1G,
    PG_LEVEL_4K,
    REMOVED_SPTE,
    Geometry,
    is_dirty_spte,
    is_last_spte,
    is_removed_spte,
    is_shadow_present_pte,
    make_nonleaf_spte,
    make_spte,
    shadow_dirty_mask,
    spte_to_pfn,
)
from .structs import KvmMmuPage, kvm_mmu_page_role
from .tdp_iter import for_each_tdp_pte_min_level

RET_PF_RETRY = "RET_PF_RETRY"
RET_PF_FIXED = "RET_PF_FIXED"
RET_PF_SPURIOUS = "RET_PF_SPURIOUS"

INVALID_PAGE = None
KVM_ADDRESS_SPACE_NUM = 1   # no SMM address space in the model (see docs)
EBUSY = 16


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

    def __init__(self, geo: Geometry, checks: bool = True):
        self.geo = geo
        self.checks = checks
        self._frames = {}        # pfn -> (KvmMmuPage, PageTable): __va / page_private
        self._next_frame = {}    # per allocating task, so frame numbers replay identically
        self._ghost_invalidated = {}
        self.yields = True
        self.mmu_page_header_cache = None

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
        # list_for_each_entry_rcu with lockdep_is_held_type(mmu_lock, 0) || pages_lock
        for root in list_for_each_entry_rcu(kvm.tdp_mmu_roots, "link"):
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
                old_spte = READ_ONCE(pt.ptes[i])
                if not is_shadow_present_pte(old_spte):
                    continue
                WRITE_ONCE(pt.ptes[i], REMOVED_SPTE)
            self.handle_changed_spte(kvm, 0, gfn, old_spte, REMOVED_SPTE, level, shared)
        call_rcu(sp.rcu_head, self.tdp_mmu_free_sp_rcu_callback)

    def handle_changed_spte(self, kvm, as_id, gfn, old_spte, new_spte, level, shared):
        """__handle_changed_spte(); the acc-track and dirty-log hooks touch no shared state here."""
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
        if was_present and not was_leaf and (pfn_changed or not is_present):
            self.handle_removed_pt(kvm, self.pfn_to_pt(spte_to_pfn(old_spte), old_spte), shared)

    # ------------------------------------------------------------------
    # SPTE updates
    # ------------------------------------------------------------------
    def tdp_mmu_set_spte_atomic(self, kvm, it, new_spte):
        """v5.17: returns True if the SPTE was set."""
        lockdep_assert_held_read(kvm.mmu_lock)
        if is_removed_spte(it.old_spte):
            return False
        pt, i = it.sptep
        if cmpxchg(pt.ptes[i], it.old_spte, new_spte) != it.old_spte:
            return False
        self.handle_changed_spte(kvm, 0, it.gfn, it.old_spte, new_spte, it.level, True)
        return True

    def tdp_mmu_zap_spte_atomic(self, kvm, it):
        if not self.tdp_mmu_set_spte_atomic(kvm, it, REMOVED_SPTE):
            return False
        pt, i = it.sptep
        WRITE_ONCE(pt.ptes[i], 0)
        return True

    def tdp_mmu_set_spte(self, kvm, it, new_spte):
        lockdep_assert_held_write(kvm.mmu_lock)
        WARN_ON(is_removed_spte(it.old_spte))
        pt, i = it.sptep
        WRITE_ONCE(pt.ptes[i], new_spte)
        self.handle_changed_spte(kvm, 0, it.gfn, it.old_spte, new_spte, it.level, False)
        it.old_spte = new_spte

    def reread_after_failed_cmpxchg(self, it):
        it.old_spte = it.read_spte()

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
            read_lock(kvm.mmu_lock)
        else:
            lockdep_assert_held_write(kvm.mmu_lock)
            write_unlock(kvm.mmu_lock)
            write_lock(kvm.mmu_lock)

    def tdp_mmu_iter_cond_resched(self, kvm, it, flush, shared):
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
                if self.tdp_mmu_zap_spte_atomic(kvm, it):
                    break
                self.reread_after_failed_cmpxchg(it)
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

    def kvm_tdp_mmu_invalidate_all_roots(self, kvm):
        lockdep_assert_held_write(kvm.mmu_lock)
        for root in list_for_each_entry(kvm.tdp_mmu_roots, "link"):
            self.ghost_note_invalidated(root)
            if refcount_inc_not_zero(root.tdp_mmu_root_count):
                root.role.invalid = 1

    # ------------------------------------------------------------------
    # page fault
    # ------------------------------------------------------------------
    def tdp_mmu_map_handle_target_level(self, vcpu, gfn, it):
        sp = self.sptep_to_sp(it.sptep)
        WARN_ON(sp.role.level != PG_LEVEL_4K)
        new_spte = make_spte(gfn)
        if new_spte == it.old_spte:
            return RET_PF_SPURIOUS
        if not self.tdp_mmu_set_spte_atomic(vcpu.kvm, it, new_spte):
            return RET_PF_RETRY
        return RET_PF_FIXED

    def tdp_mmu_link_sp(self, kvm, it, sp):
        """v5.17 open codes this in kvm_tdp_mmu_map: set the SPTE, then link the page."""
        if not self.tdp_mmu_set_spte_atomic(kvm, it, make_nonleaf_spte(sp.spt.pfn)):
            return -EBUSY
        self.tdp_mmu_link_page(kvm, sp)
        return 0

    def vcpu_root_walk(self, vcpu, gfn):
        """tdp_mmu_for_each_pte(): from __va(root_hpa) at the vCPU's root level."""
        return for_each_tdp_pte_min_level(self, self.pfn_to_pt(vcpu.mmu.root_hpa),
                                          self.geo.levels, PG_LEVEL_4K, gfn, gfn + 1)

    def kvm_tdp_mmu_map(self, vcpu, gfn):
        kvm = vcpu.kvm
        rcu_read_lock()
        it = None
        for it in self.vcpu_root_walk(vcpu, gfn):
            if it.level == PG_LEVEL_4K:
                break
            if not is_shadow_present_pte(it.old_spte):
                if is_removed_spte(it.old_spte):
                    break
                sp = self.alloc_tdp_mmu_page(vcpu, it.gfn, it.level - 1)
                if self.tdp_mmu_link_sp(kvm, it, sp):
                    self.tdp_mmu_free_sp(sp)
                    break
        if it is None or it.level != PG_LEVEL_4K or self.map_target_frozen(it):
            rcu_read_unlock()
            return RET_PF_RETRY
        ret = self.tdp_mmu_map_handle_target_level(vcpu, gfn, it)
        rcu_read_unlock()
        return ret

    def map_target_frozen(self, it):
        return False   # v5.17 relies on tdp_mmu_set_spte_atomic refusing a REMOVED SPTE

    # ------------------------------------------------------------------
    # MMU notifier, dirty logging
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
                if self.tdp_mmu_set_spte_atomic(kvm, it, new_spte):
                    spte_set = True
                    break
                self.reread_after_failed_cmpxchg(it)
        rcu_read_unlock()
        return spte_set

    def kvm_tdp_mmu_clear_dirty_slot(self, kvm, as_id, start, end):
        spte_set = False
        for root in self.for_each_valid_tdp_mmu_root_yield_safe(kvm, as_id, True):
            spte_set |= self.clear_dirty_gfn_range(kvm, root, start, end)
        return spte_set

    # ==================================================================
    # mmu.c callers
    # ==================================================================
    def kvm_mmu_load(self, vcpu):
        """kvm_mmu_load() -> mmu_alloc_direct_roots()."""
        kvm = vcpu.kvm
        write_lock(kvm.mmu_lock)
        hpa = self.kvm_tdp_mmu_get_vcpu_root_hpa(vcpu)
        vcpu.mmu.root_hpa = hpa
        if self.checks:
            # model invariant (C8): the root handed to a vCPU is valid
            assert not self.to_shadow_page(hpa).role.invalid, "vCPU handed an invalid root"
        write_unlock(kvm.mmu_lock)

    def mmu_free_root_page(self, kvm, mmu):
        hpa = mmu.root_hpa
        if hpa is INVALID_PAGE:
            return
        sp = self.to_shadow_page(hpa)
        if sp.tdp_mmu_page:
            self.kvm_tdp_mmu_put_root(kvm, sp, False)
        mmu.root_hpa = INVALID_PAGE

    def kvm_mmu_free_roots(self, vcpu):
        kvm = vcpu.kvm
        if vcpu.mmu.root_hpa is INVALID_PAGE:
            return
        write_lock(kvm.mmu_lock)
        self.mmu_free_root_page(kvm, vcpu.mmu)
        write_unlock(kvm.mmu_lock)

    def kvm_mmu_unload(self, vcpu):
        self.kvm_mmu_free_roots(vcpu)

    def is_page_fault_stale(self, vcpu):
        sp = self.to_shadow_page(vcpu.mmu.root_hpa)
        return bool(sp.role.invalid)        # is_obsolete_sp(): TDP roots use role.invalid

    def direct_page_fault(self, vcpu, gfn):
        """Returns (r, stale)."""
        kvm = vcpu.kvm
        read_lock(kvm.mmu_lock)
        if self.is_page_fault_stale(vcpu):
            read_unlock(kvm.mmu_lock)
            return RET_PF_RETRY, True
        r = self.kvm_tdp_mmu_map(vcpu, gfn)
        read_unlock(kvm.mmu_lock)
        return r, False

    def kvm_mmu_reload_obsolete(self, vcpu):
        """KVM_REQ_MMU_RELOAD (v5.17): unload all roots, then kvm_mmu_reload()."""
        self.kvm_mmu_unload(vcpu)
        self.kvm_mmu_load(vcpu)

    def kvm_mmu_zap_all_fast(self, kvm, observer=None):
        lockdep_assert_held(kvm.slots_lock)
        write_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_invalidate_all_roots(kvm)
        # kvm_reload_remote_mmus(): vCPUs see their root obsolete at the next fault
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
        """MMU notifier invalidate_range_start: KVM_MMU_LOCK is write_lock on x86."""
        write_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_unmap_gfn_range(kvm, 0, start, end, True, False)
        write_unlock(kvm.mmu_lock)

    def kvm_mmu_slot_leaf_clear_dirty(self, kvm, start, end):
        read_lock(kvm.mmu_lock)
        self.kvm_tdp_mmu_clear_dirty_slot(kvm, 0, start, end)
        read_unlock(kvm.mmu_lock)

    def kvm_mmu_uninit_vm(self, kvm):
        self.kvm_mmu_uninit_tdp_mmu(kvm)

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
                    spte = READ_ONCE(pt.ptes[i])
                    assert not is_shadow_present_pte(spte), \
                        "memslot update returned before an invalidated root was zapped"
        rcu_read_unlock()
        read_unlock(kvm.mmu_lock)

    # used by subclasses
    PG_LEVEL_1G = PG_LEVEL_1G
