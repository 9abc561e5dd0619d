"""Flows (each one task running KVM's real sequence) and scenarios.

A scenario is flows joined by ``+`` (a flow may repeat).  ``build_main``
returns a ``main()`` that creates the VM, spawns one task per flow, and a
teardown task that joins them and destroys the VM as kvm_destroy_vm() does.
"""

from kcheck import current, join, spawn
from kcheck.kernel import READ_ONCE, WRITE_ONCE, kfree, kzalloc, mutex_lock, mutex_unlock, ptr

from .guest import HostMemory, KvmVcpuArch, Tlb
from .spte import Geometry
from .structs import Kvm
from .v5_17 import INVALID_PAGE, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEMSLOT_INVALID

DEFAULT_SIZES = {
    "levels": 2,          # page-table levels
    "fanout": 2,          # entries per page table (the kernel's 512; 4 is fine, 2 is fast)
    "gfns": 2,            # GFNs each vCPU touches (0 .. gfns-1, then notifier_gfn again)
    "slot_pages": 2,      # GFNs the dirty-log walk covers (the memslot)
    "notifier_gfn": 0,    # the notifier unmaps the host page holding this GFN ...
    "notifier_pages": 1,  # ... and the host pages after it, this many in all
    "fault_attempts": 2,  # a vCPU faults at most this many times per GFN it touches
    "yields": 1,          # 1: every yield point is an explorer choice; 0: never yield (a bound)
    "resident": 0,        # vCPUs that loaded a root and faulted on every GFN before the flows start
    "huge": 0,            # 1: the host backs guest memory with huge pages (fanout GFNs each)
}


# What each size may be: the kernel's own bounds where it has them (5-level
# paging, 512 entries a table), flags 0 or 1, and counts a check can explore.
SIZE_RANGES = {
    "levels": (1, 5), "fanout": (2, 512), "gfns": (0, 64), "slot_pages": (0, 64),
    "notifier_gfn": (0, 4096), "notifier_pages": (0, 64), "fault_attempts": (0, 16),
    "yields": (0, 1), "resident": (0, 8), "huge": (0, 1),
}


class Vcpu:
    """A vCPU: its kvm, the root role it wants, its private MMU state (root,
    TLB) and the words other CPUs touch (``arch``: mode and requests)."""

    def __init__(self, kvm, role, index, name, runs=True):
        self.kvm = kvm
        self.role = role
        self.index = index
        self.name = name
        self.runs = runs                   # enters the guest (a resident vCPU does not)
        self.arch = KvmVcpuArch()
        self.root_hpa = INVALID_PAGE       # vcpu->arch.mmu->root_hpa
        self.tlb = Tlb()


class Flow:
    def __init__(self, name, fn, doc):
        self.name = name
        self.fn = fn
        self.doc = doc


def flow_vcpu(impl, vcpu, sizes):
    """KVM_RUN: the guest touches GFNs 0 .. gfns-1 and comes back to the
    notifier's GFN.  It runs until an EPT violation exits to KVM, which handles
    the fault and enters again (at most ``fault_attempts`` faults per touch)."""
    impl.kvm_mmu_load(vcpu)
    touches = list(range(sizes["gfns"]))
    if touches:
        touches.append(sizes["notifier_gfn"])
    i = faults = 0
    while i < len(touches):
        i = impl.vcpu_run(vcpu, touches, i)
        if i is None:                      # the VM is dead: KVM_RUN fails
            break
        if i == len(touches):
            break
        if faults == sizes["fault_attempts"]:
            i, faults = i + 1, 0           # the guest gives up on this page
            continue
        faults += 1
        impl.direct_page_fault(vcpu, touches[i])       # kvm_mmu_page_fault()
    impl.kvm_mmu_unload(vcpu)


def flow_memslot(impl, kvm, sizes):
    """Delete-and-recreate (or move) the memslot: kvm_set_memslot() marks the old
    slot invalid, kvm_mmu_zap_all_fast() drops its mappings, then the old memory
    is no longer the guest's and the new slot (new host pages) goes live."""
    mutex_lock(kvm.slots_lock)
    flags = READ_ONCE(ptr(kvm, "memslot_flags"))
    WRITE_ONCE(ptr(kvm, "memslot_flags"), flags | KVM_MEMSLOT_INVALID)
    impl.kvm_mmu_zap_all_fast(kvm)
    if impl.checks:
        impl.check_invalid_roots_zapped(kvm)
    for b in impl.host.blocks:
        impl.host.replace_page(b, current().name)
    WRITE_ONCE(ptr(kvm, "memslot_flags"), flags)
    mutex_unlock(kvm.slots_lock)


def flow_notifier(impl, kvm, sizes):
    """The host replaces the page behind notifier_gfn: invalidate_range_start,
    the host takes the old page away, invalidate_range_end."""
    start, _ = impl.host.block_range(sizes["notifier_gfn"])
    b0 = impl.host.block_of(start)
    blocks = range(b0, b0 + sizes["notifier_pages"])
    end = impl.host.block_range(blocks[-1] * impl.host.hsize)[1]
    impl.kvm_mmu_notifier_invalidate_range_start(kvm, start, end)
    for b in blocks:
        impl.host.replace_page(b, current().name)
    impl.kvm_mmu_notifier_invalidate_range_end(kvm)


def flow_dirty_log(impl, kvm, sizes):
    """KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG: under slots_lock, clear the D bit
    of every leaf in the slot (read lock)."""
    mutex_lock(kvm.slots_lock)
    impl.kvm_mmu_slot_leaf_clear_dirty(kvm, 0, sizes["slot_pages"])
    mutex_unlock(kvm.slots_lock)


def flow_walker(impl, kvm, sizes):
    """A read-side walker of valid roots that holds no other lock: what the thread
    reasons about when it speaks of readers under the read lock (references taken
    and put by the yield-safe iterator, role.invalid read, yields).  Read-only, so
    it stands for any such walker without claiming one kernel caller."""
    impl.kvm_mmu_walk_valid_roots(kvm, 0, sizes["slot_pages"])


def flow_zap_all(impl, kvm, sizes):
    """kvm_mmu_notifier_release(): the VMM's mm is gone, so no vCPU thread is in
    KVM_RUN (kvm_vm_dead() stands for that), then kvm_mmu_zap_all()."""
    impl.kvm_vm_dead(kvm)
    impl.kvm_mmu_zap_all(kvm)


def flow_split(impl, kvm, sizes):
    """Enable dirty logging (KVM_SET_USER_MEMORY_REGION, flags only): the new slot
    disallows huge pages, then eager page splitting (kvm_mmu_slot_apply_flags)."""
    mutex_lock(kvm.slots_lock)
    flags = READ_ONCE(ptr(kvm, "memslot_flags"))
    if not flags & KVM_MEM_LOG_DIRTY_PAGES:
        WRITE_ONCE(ptr(kvm, "memslot_flags"), flags | KVM_MEM_LOG_DIRTY_PAGES)
        impl.kvm_mmu_slot_try_split_huge_pages(kvm, 0, impl.slot_gfns)
    mutex_unlock(kvm.slots_lock)


def flow_collapse(impl, kvm, sizes):
    """Disable dirty logging: huge pages allowed again, then the 4K leaves that
    could be huge are zapped (kvm_mmu_zap_collapsible_sptes) to be refaulted huge."""
    mutex_lock(kvm.slots_lock)
    flags = READ_ONCE(ptr(kvm, "memslot_flags"))
    if flags & KVM_MEM_LOG_DIRTY_PAGES:
        WRITE_ONCE(ptr(kvm, "memslot_flags"), flags & ~KVM_MEM_LOG_DIRTY_PAGES)
        impl.kvm_mmu_zap_collapsible_sptes(kvm, 0, impl.slot_gfns)
    mutex_unlock(kvm.slots_lock)


FLOWS = {
    "vcpu": Flow("vcpu", flow_vcpu,
                 "KVM_RUN: load a root, guest touches GFNs (TLB, page walk), faults (read lock), put the root"),
    "memslot": Flow("memslot", flow_memslot,
                    "memslot move/delete under slots_lock: kvm_mmu_zap_all_fast, old memory taken away"),
    "notifier": Flow("notifier", flow_notifier,
                     "MMU notifier: unmap a host page (write lock), take it away, end"),
    "dirty-log": Flow("dirty-log", flow_dirty_log,
                      "dirty-log ioctl: under slots_lock, clear dirty bits of valid roots (read lock)"),
    "walker": Flow("walker", flow_walker,
                   "any read-side walker of valid roots (yield-safe iterator, read lock, no slots_lock)"),
    "zap-all": Flow("zap-all", flow_zap_all,
                    "kvm_mmu_notifier_release: no vCPU runs any more, zap every root (write lock)"),
    "split": Flow("split", flow_split,
                  "enable dirty logging: eager page splitting (read lock, drops it to allocate)"),
    "collapse": Flow("collapse", flow_collapse,
                     "disable dirty logging: zap collapsible 4K SPTEs (read lock)"),
}


def step_bound_for(sizes):
    """A task's step bound at these sizes: a walk or a zap of the whole address
    space makes ~14 events per entry of a table (2,000, the engine's default,
    is enough up to fanout=64; fanout=512 needs ~7,300): below this, the
    teardown of a real kernel was a false livelock."""
    cfg = {**DEFAULT_SIZES, **(sizes or {})}
    return max(2000, 20 * cfg["fanout"] * cfg["levels"] + 40 * (cfg["gfns"] + cfg["slot_pages"]))


def parse_scenario(scenario: str):
    names = [s.strip() for s in scenario.split("+")]
    if not names or any(n not in FLOWS for n in names):
        bad = [n for n in names if n not in FLOWS]
        raise ValueError(f"unknown flow(s) {bad!r} in scenario {scenario!r}; "
                         f"flows: {', '.join(FLOWS)}")
    return names


def boot(impl, vcpus, sizes):
    """Resident vCPUs: each loads its root (or shares one) and maps every GFN,
    then stays out of the guest holding its reference until teardown, so the
    flows find roots and page tables to walk, zap and invalidate."""
    for v in vcpus:
        impl.kvm_mmu_load(v)
        for gfn in range(sizes["gfns"]):
            impl.direct_page_fault(v, gfn)


def after(first, fn, *args):
    """Run ``fn`` once ``first`` (the boot task) has finished."""
    join(first)
    fn(*args)


def teardown(impl, kvm, vcpus, tasks):
    """kvm_destroy_vm(): flush all shadow pages, destroy vCPUs, uninit the MMU,
    free struct kvm (anything that still reaches it is a use-after-free); then
    the module exits and destroys its kmem cache (anything still in it WARNs)."""
    for t in tasks:
        join(t)
    impl.kvm_mmu_zap_all(kvm)            # kvm_arch_flush_shadow_all()
    for vcpu in vcpus:
        impl.kvm_mmu_unload(vcpu)        # kvm_mmu_destroy()
    impl.kvm_mmu_uninit_vm(kvm)
    kfree(kvm)                           # kvm_arch_free_vm()
    impl.kvm_mmu_vendor_module_exit()    # rmmod kvm: the module's caches go


def make_main(cls, scenario: str, **sizes):
    names = parse_scenario(scenario)
    cfg = dict(DEFAULT_SIZES)
    unknown = set(sizes) - set(cfg) - {"checks"}
    if unknown:
        raise ValueError(f"unknown size(s): {sorted(unknown)}; sizes: {', '.join(cfg)}")
    checks = sizes.pop("checks", True)
    cfg.update(sizes)
    geo = Geometry(cfg["levels"], cfg["fanout"])
    for k, (lo, hi) in SIZE_RANGES.items():
        if not lo <= cfg[k] <= hi:
            raise ValueError(f"size {k}={cfg[k]}: must be {lo} to {hi}")

    hsize = geo.fanout if cfg["huge"] else 1
    notifier_end = (cfg["notifier_gfn"] // hsize + cfg["notifier_pages"]) * hsize
    slot_gfns = max(cfg["gfns"], cfg["slot_pages"], notifier_end, 1)
    slot_gfns = -(-slot_gfns // hsize) * hsize
    if slot_gfns > geo.max_gfn_exclusive:
        why = "notifier_gfn + notifier_pages" if notifier_end == slot_gfns else \
            "gfns" if cfg["gfns"] == slot_gfns else "slot_pages"
        raise ValueError(f"the memslot ({slot_gfns} GFNs, for {why}) does not fit in "
                         f"{geo.levels} levels of {geo.fanout} entries "
                         f"({geo.max_gfn_exclusive} GFNs)")
    generations = 1 + names.count("notifier") + names.count("memslot")
    # dirty logging starts on if the scenario only turns it off
    flags0 = KVM_MEM_LOG_DIRTY_PAGES if "collapse" in names and "split" not in names else 0

    def main():
        impl = cls(geo, checks=checks)
        impl.yields = bool(cfg["yields"])
        impl.huge = bool(cfg["huge"])
        impl.slot_gfns = slot_gfns
        impl.host = HostMemory(geo, hsize, slot_gfns, generations)
        kvm = kzalloc(Kvm, mmu_notifier=(0, 0, 0, 0), memslot_flags=flags0)
        impl.kvm_mmu_init_tdp_mmu(kvm)
        role = impl.root_role_word()
        vcpus, tasks = [], []
        impl.vcpus = vcpus
        first = None
        if cfg["resident"]:
            resident = [Vcpu(kvm, role, i, f"resident{i}", runs=False)
                        for i in range(cfg["resident"])]
            vcpus.extend(resident)
            first = spawn(boot, impl, resident, cfg, name="boot", setup=True)
            tasks.append(first)
        counts = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
            label = f"{name}{counts[name]}" if names.count(name) > 1 else name
            if name == "vcpu":
                v = Vcpu(kvm, role, len(vcpus), label)
                vcpus.append(v)
                fn, args = flow_vcpu, (impl, v, cfg)
            else:
                fn, args = FLOWS[name].fn, (impl, kvm, cfg)
            if first is None:
                tasks.append(spawn(fn, *args, name=label))
            else:
                tasks.append(spawn(after, first, fn, *args, name=label))
        spawn(teardown, impl, kvm, vcpus, tasks, name="teardown")

    main.__name__ = f"tdp_mmu[{cls.name}:{scenario}]"
    return main
