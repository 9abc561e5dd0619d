"""The guest's side of the TDP MMU: what a vCPU can reach, and when a page is gone.

The TDP MMU exists so that a vCPU only reaches memory the host lets it reach.
The host takes a page away in two ways, and each has a point after which the
guest must not reach the page any more:

- the **MMU notifier**: once ``invalidate_range_start`` - so
  ``kvm_unmap_gfn_range()`` and the TLB flush its caller does - has returned,
  the host changes its page table and frees or reuses the old page;
- a **memslot update** (delete / move): once ``kvm_mmu_zap_all_fast()`` has
  returned, the old memory of the slot is no longer the guest's.

What can reach a page:

- an SPTE of any root the hardware can walk, or that KVM itself still walks
  (zapping a leaf writes its Accessed/Dirty state back to the page:
  ``kvm_set_pfn_dirty()`` / ``kvm_set_pfn_accessed()``);
- a vCPU's **TLB**: translations (and paging-structure entries, pointers to
  lower-level page tables) cached by a walk, kept until the vCPU flushes -
  on a ``KVM_REQ_TLB_FLUSH`` request, or when it loads a root.

Host memory here: GFN ``g`` lives in host page ("block") ``g // hsize``, one
4K page (``hsize`` 1) or, with ``--size huge=1``, a huge page of ``fanout``
GFNs.  ``host_gen[b]`` counts the pages block ``b`` has had; the frame of
``g`` is ``GUEST_PFN_BASE + gen * max_gfn + g``, so a frame number says which
page it is.  Each (block, generation) page has a ``retired`` word, written by
the flow that took it away.  Every use of a page - a guest access through the
TLB or a hardware walk, an A/D write-back - reads that word; reading it set is
a ``stale-mapping`` bug.  The explorer orders that read against the write like
any other pair of accesses, so a use that *can* come after the page was taken
away is found, not only one that did.

vCPU mode and requests are the kernel's protocol (``vcpu->mode``,
``vcpu->requests``, ``kvm_make_all_cpus_request()``): the vCPU sets
``vcpu->mode = IN_GUEST_MODE``, a full barrier, then checks its requests; a
sender publishes what it wrote (``smp_wmb()``), sets the request bit, then
waits until the vCPU is out of guest mode (the IPI and its acknowledgement,
``KVM_REQUEST_WAIT``); the vCPU takes a request with ``test_bit()``,
``clear_bit()`` and ``smp_mb__after_atomic()``, as ``kvm_check_request()`` does.  The TLB is the vCPU's private state:
only the vCPU changes it, when it services a flush or loads a root.
"""

from kcheck.kernel import (
    KStruct,
    READ_ONCE,
    WRITE_ONCE,
    address_from,
    atomic_andnot,
    atomic_fetch_add,
    atomic_or,
    atomic_read,
    atomic_t,
    ptr,
    smp_cond_load_acquire,
    smp_mb,
    smp_mb__after_atomic,
    smp_wmb,
)

from .spte import GUEST_PFN_BASE, is_last_spte, is_shadow_present_pte, spte_to_pfn

OUTSIDE_GUEST_MODE = 0
IN_GUEST_MODE = 1

# bits of vcpu->requests
KVM_REQ_TLB_FLUSH = 1 << 0
KVM_REQ_MMU_RELOAD = 1 << 1     # v5.17; KVM_REQ_MMU_FREE_OBSOLETE_ROOTS from v5.18


class KvmVcpuArch(KStruct):
    """The words other CPUs touch: ``vcpu->mode`` and ``vcpu->requests``."""

    mode: int
    requests: atomic_t


class GuestPage(KStruct):
    """A host page backing guest memory; ``retired`` names who took it away."""

    retired: object


def stale_mapping(message):
    """A bug of kind ``stale-mapping``: the guest (or KVM on its behalf) used a
    translation to a page the host had already taken away."""
    from kcheck.kernel._core import run
    run().report("stale-mapping", message)


class Tlb:
    """A vCPU's TLB and paging-structure caches (private to the vCPU).

    ``leaf[(level, base_gfn)]`` is a cached translation (a frame number);
    ``pde[(level, base_gfn)]`` a cached pointer to the page table of ``level``
    covering ``base_gfn``.  The hardware may keep either until a flush, even
    after the SPTE it came from has been zapped; this model always does.
    """

    __slots__ = ("leaf", "pde")

    def __init__(self):
        self.leaf = {}
        self.pde = {}

    def flush(self):
        self.leaf.clear()
        self.pde.clear()


class HostMemory:
    """The host pages behind the memslot (see the module docstring)."""

    def __init__(self, geo, hsize, slot_gfns, generations):
        self.geo = geo
        self.hsize = hsize
        self.max_gfn = geo.max_gfn_exclusive
        self.blocks = [b for b in range(self.max_gfn // hsize) if b * hsize < slot_gfns]
        self.gen = {b: atomic_t(0, None, f"host_gen[{b}]") for b in self.blocks}
        self.pages = {(b, g): GuestPage() for b in self.blocks for g in range(generations)}

    def block_of(self, gfn):
        return gfn // self.hsize

    def block_range(self, gfn):
        b = self.block_of(gfn)
        return b * self.hsize, (b + 1) * self.hsize

    def gfn_to_pfn(self, gfn):
        """hva_to_pfn(): the frame of ``gfn`` in the page the host maps now."""
        gen = atomic_read(self.gen[self.block_of(gfn)])
        return GUEST_PFN_BASE + gen * self.max_gfn + gfn

    def page_of(self, pfn):
        gen, gfn = divmod(pfn - GUEST_PFN_BASE, self.max_gfn)
        return self.pages[(self.block_of(gfn), gen)], gfn

    def replace_page(self, b, who):
        """The host gives block ``b`` a new page and takes the old one away."""
        old = atomic_fetch_add(1, self.gen[b])
        WRITE_ONCE(ptr(self.pages[(b, old)], "retired"), who)

    def use_page(self, pfn, what):
        """``what`` touches the page of ``pfn``: it must not have been taken away."""
        page, gfn = self.page_of(pfn)
        address_from(pfn, page)
        who = READ_ONCE(ptr(page, "retired"))
        if who:
            stale_mapping(f"{what} reaches the page of GFN {gfn} after {who} took it away")


# ----------------------------------------------------------------------
# requests and TLB flushes (virt/kvm/kvm_main.c)
# ----------------------------------------------------------------------
def kvm_make_all_cpus_request(vcpus, req):
    """Set ``req`` on every vCPU, then wait until each is out of guest mode
    (``KVM_REQUEST_WAIT``: the kick's IPI is acknowledged once the vCPU has left
    the guest; it services the request before it enters again).

    A vCPU that will never enter the guest again (a resident vCPU once booted)
    never reads its requests and is never in guest mode: its bit and its wait
    are left out, as they could only order two senders against each other."""
    for v in vcpus:
        if v.runs:
            kvm_make_request(req, v)
    kvm_kick_all_and_wait(vcpus)


def kvm_make_request(req, vcpu):
    """``smp_wmb()`` then ``set_bit()``: what the sender wrote before the request
    (an invalidated root, a zapped SPTE) is published with it, for the vCPU's
    ``kvm_check_request()``.  ``set_bit()`` is an unordered atomic RMW, so without
    the ``smp_wmb()`` the LKMM lets a vCPU see the request and an older root."""
    smp_wmb()
    atomic_or(req, vcpu.arch.requests)


def kvm_kick_all_and_wait(vcpus):
    """After a full barrier, wait until each vCPU is out of guest mode: it will
    see whatever was written before when it enters again."""
    smp_mb()
    for v in vcpus:
        if v.runs:
            smp_cond_load_acquire(ptr(v.arch, "mode"), lambda m: m != IN_GUEST_MODE)


def kvm_request_pending(vcpu):
    return atomic_read(vcpu.arch.requests)


def kvm_check_request(vcpu, req):
    """``kvm_test_request()`` (``test_bit()``), then ``kvm_clear_request()``
    (``clear_bit()``, unordered) and ``smp_mb__after_atomic()``, paired with
    ``kvm_make_request()``'s ``smp_wmb()``."""
    if not atomic_read(vcpu.arch.requests) & req:
        return False
    atomic_andnot(req, vcpu.arch.requests)
    smp_mb__after_atomic()
    return True


# ----------------------------------------------------------------------
# the hardware: a guest access through the TLB or a walk of the SPTEs
# ----------------------------------------------------------------------
def guest_access(mmu, vcpu, gfn):
    """The guest touches ``gfn``: True if it could, False on an EPT violation.

    A TLB hit uses the cached frame; a miss walks the SPTEs from the deepest
    cached paging-structure entry (or the root), reading each SPTE as the
    hardware does (no lock, no RCU) and caching what it walked through.
    """
    geo = mmu.geo
    tlb = vcpu.tlb
    pfn = None
    for level in range(1, geo.levels + 1):
        base = geo.round_for_level(gfn, level)
        f = tlb.leaf.get((level, base))
        if f is not None:
            pfn = f + (gfn - base)
            how = "its TLB"
            break
    if pfn is None:
        pfn = hardware_walk(mmu, vcpu, gfn)
        if pfn is None:
            return False
        how = "a page walk"
    mmu.host.use_page(pfn, f"{vcpu.name}'s guest access to GFN {gfn} through {how}")
    return True


def hardware_walk(mmu, vcpu, gfn):
    geo = mmu.geo
    tlb = vcpu.tlb
    pt, level = None, geo.levels
    for lvl in range(1, geo.levels):
        c = tlb.pde.get((lvl, geo.round_for_level(gfn, lvl + 1)))
        if c is not None:
            pt, level = c, lvl
            break
    if pt is None:
        pt = mmu.pfn_to_pt(vcpu.root_hpa)
    while True:
        spte = READ_ONCE(pt.ptes[geo.spte_index(gfn, level)])
        if not is_shadow_present_pte(spte):
            return None
        if is_last_spte(spte, level):
            base = geo.round_for_level(gfn, level)
            tlb.leaf[(level, base)] = spte_to_pfn(spte)
            return spte_to_pfn(spte) + (gfn - base)
        child = mmu.pfn_to_pt(spte_to_pfn(spte), spte)
        level -= 1
        tlb.pde[(level, geo.round_for_level(gfn, level + 1))] = child
        pt = child
