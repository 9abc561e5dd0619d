"""The TDP iterator (arch/x86/kvm/mmu/tdp_iter.c, tdp_iter.h).

A pre-order walk over one root's page tables.  Each SPTE read is one marked
load of the page table's KArray slot, exactly where the kernel reads it
(``kvm_tdp_mmu_read_spte``: ``READ_ONCE(*rcu_dereference(sptep))``), made
with ``rcu_dereference`` so that lockdep's check of the pointer applies: a
walk outside ``rcu_read_lock()`` is suspicious RCU usage.  Everything else in
the iterator is the walking task's private state.  ``sptep`` is
``(page_table, index)``.
"""

from kcheck.kernel import WARN_ON_ONCE, rcu_dereference


def kvm_tdp_mmu_read_spte(sptep):
    """``READ_ONCE(*rcu_dereference(sptep))``: the load, with the RCU check."""
    pt, i = sptep
    return rcu_dereference(pt.ptes[i])

from .spte import is_last_spte, is_shadow_present_pte, spte_to_pfn


class TdpIter:
    def __init__(self, mmu):
        self.mmu = mmu            # the TdpMmu era object: geometry and frame map
        self.geo = mmu.geo
        self.pt_path = {}
        self.yielded = False
        self.valid = False

    # --- helpers mirroring tdp_iter.c -------------------------------------
    def read_spte(self):
        return kvm_tdp_mmu_read_spte(self.sptep)

    def spte_to_child_pt(self, spte, level):
        if not is_shadow_present_pte(spte) or is_last_spte(spte, level):
            return None
        return self.mmu.pfn_to_pt(spte_to_pfn(spte), spte)

    def tdp_iter_refresh_sptep(self):
        pt = self.pt_path[self.level]
        self.sptep = (pt, self.geo.spte_index(self.gfn, self.level))
        self.old_spte = self.read_spte()

    def tdp_iter_restart(self):
        self.yielded = False
        self.yielded_gfn = self.next_last_level_gfn
        self.level = self.root_level
        self.gfn = self.geo.round_for_level(self.next_last_level_gfn, self.level)
        self.tdp_iter_refresh_sptep()
        self.valid = True

    def tdp_iter_start(self, root_pt, root_level, min_level, next_last_level_gfn):
        WARN_ON_ONCE(root_level < 1)
        self.next_last_level_gfn = next_last_level_gfn
        self.root_level = root_level
        self.min_level = min_level
        self.pt_path[root_level] = root_pt
        self.tdp_iter_restart()

    def try_step_down(self):
        if self.level == self.min_level:
            return False
        # Reread the SPTE before stepping down (it may have been unlinked).
        self.old_spte = self.read_spte()
        child_pt = self.spte_to_child_pt(self.old_spte, self.level)
        if child_pt is None:
            return False
        self.level -= 1
        self.pt_path[self.level] = child_pt
        self.gfn = self.geo.round_for_level(self.next_last_level_gfn, self.level)
        self.tdp_iter_refresh_sptep()
        return True

    def try_step_side(self):
        if self.geo.spte_index(self.gfn, self.level) == self.geo.fanout - 1:
            return False
        self.gfn += self.geo.pages_per_hpage(self.level)
        self.next_last_level_gfn = self.gfn
        pt, i = self.sptep
        self.sptep = (pt, i + 1)
        self.old_spte = self.read_spte()
        return True

    def try_step_up(self):
        if self.level == self.root_level:
            return False
        self.level += 1
        self.gfn = self.geo.round_for_level(self.gfn, self.level)
        self.tdp_iter_refresh_sptep()
        return True

    def tdp_iter_next(self):
        if self.yielded:
            self.tdp_iter_restart()
            return
        if self.try_step_down():
            return
        while True:
            if self.try_step_side():
                return
            if not self.try_step_up():
                break
        self.valid = False


def for_each_tdp_pte_min_level(mmu, root_pt, root_level, min_level, start, end):
    """``for_each_tdp_pte_min_level``: yields the iterator at each SPTE in [start, end)."""
    it = TdpIter(mmu)
    it.tdp_iter_start(root_pt, root_level, min_level, start)
    while it.valid and it.gfn < end:
        yield it
        it.tdp_iter_next()
