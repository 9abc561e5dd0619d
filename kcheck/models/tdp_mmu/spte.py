"""SPTE encoding and page-table geometry (arch/x86/kvm/mmu/spte.h, mmu.h).

An SPTE is a 64-bit word.  The model keeps the bits the root lifecycle
depends on at their x86 positions:

- bit 11 ``SPTE_MMU_PRESENT_MASK``: the SPTE is shadow-present;
- bit 7  ``PT_PAGE_SIZE_MASK``: a huge (leaf above 4K) mapping (never set here);
- bit 1  ``PT_WRITABLE_MASK``; bits 8/9 the EPT accessed/dirty bits;
- bits 12.. the host page frame number: for a non-leaf SPTE the frame of the
  child page table, for a leaf the frame backing the guest page.

``REMOVED_SPTE`` is the kernel's frozen value (0x5a0): not present, never
written by a successful cmpxchg of another thread.

Geometry is small and configurable: ``levels`` page-table levels of
``fanout`` entries each.  ``KVM_PAGES_PER_HPAGE(level)`` is
``fanout ** (level - 1)``, so a root maps ``fanout ** levels`` GFNs.
"""

PAGE_SHIFT = 12

SPTE_MMU_PRESENT_MASK = 1 << 11
PT_WRITABLE_MASK = 1 << 1
PT_PAGE_SIZE_MASK = 1 << 7
shadow_accessed_mask = 1 << 8
shadow_dirty_mask = 1 << 9

REMOVED_SPTE = 0x5A0

PG_LEVEL_4K = 1
PG_LEVEL_2M = 2
PG_LEVEL_1G = 3

ACC_ALL = 7

# Host frames backing guest memory start here; page-table frames are
# numbered per allocating task (see TdpMmu.alloc_pfn), well below this.
GUEST_PFN_BASE = 1 << 20


def is_shadow_present_pte(spte: int) -> bool:
    return bool(spte & SPTE_MMU_PRESENT_MASK)


def is_removed_spte(spte: int) -> bool:
    return spte == REMOVED_SPTE


def is_large_pte(spte: int) -> bool:
    return bool(spte & PT_PAGE_SIZE_MASK)


def is_last_spte(spte: int, level: int) -> bool:
    return level == PG_LEVEL_4K or is_large_pte(spte)


def spte_to_pfn(spte: int) -> int:
    return spte >> PAGE_SHIFT


def is_writable_pte(spte: int) -> bool:
    return bool(spte & PT_WRITABLE_MASK)


def is_dirty_spte(spte: int) -> bool:
    return bool(spte & shadow_dirty_mask)


def is_accessed_spte(spte: int) -> bool:
    return bool(spte & shadow_accessed_mask)


def make_nonleaf_spte(child_pfn: int) -> int:
    return (child_pfn << PAGE_SHIFT) | SPTE_MMU_PRESENT_MASK | PT_WRITABLE_MASK


def make_spte(pfn: int, level: int = 1) -> int:
    """A writable leaf mapping frame ``pfn`` at ``level`` (huge above 4K), with
    A/D set as a write fault leaves it."""
    return ((pfn << PAGE_SHIFT) | SPTE_MMU_PRESENT_MASK | PT_WRITABLE_MASK
            | shadow_accessed_mask | shadow_dirty_mask
            | (PT_PAGE_SIZE_MASK if level > 1 else 0))


def make_huge_page_split_spte(huge_spte: int, level: int, index: int, geo) -> int:
    """The ``index``-th child of a huge SPTE at ``level``: same bits, frame offset
    by the child's size, the page-size bit only if the child is still huge."""
    child_pfn = spte_to_pfn(huge_spte) + index * geo.pages_per_hpage(level - 1)
    bits = huge_spte & ((1 << PAGE_SHIFT) - 1) & ~PT_PAGE_SIZE_MASK
    if level - 1 > PG_LEVEL_4K:
        bits |= PT_PAGE_SIZE_MASK
    return (child_pfn << PAGE_SHIFT) | bits


class Geometry:
    """Levels and fan-out of the model's page tables."""

    def __init__(self, levels: int = 2, fanout: int = 4):
        if levels < 1 or fanout < 2:
            raise ValueError("need levels >= 1 and fanout >= 2")
        self.levels = levels
        self.fanout = fanout

    def pages_per_hpage(self, level: int) -> int:
        return self.fanout ** (level - 1)

    def spte_index(self, gfn: int, level: int) -> int:
        return (gfn // self.pages_per_hpage(level)) % self.fanout

    def round_for_level(self, gfn: int, level: int) -> int:
        return gfn - gfn % self.pages_per_hpage(level)

    @property
    def max_gfn_exclusive(self) -> int:
        return self.fanout ** self.levels
