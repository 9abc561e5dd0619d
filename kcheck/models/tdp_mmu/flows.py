"""Flows (each one task running KVM's real sequence) and scenarios.

A scenario is flows joined by ``+`` (a flow may repeat).  ``build_main``
returns a ``main()`` that creates the VM, spawns one task per flow, and a
teardown task that joins them and destroys the VM as kvm_destroy_vm() does.
"""

from kcheck import join, spawn
from kcheck.kernel import mutex_lock, mutex_unlock

from .spte import Geometry
from .structs import Kvm, KvmVcpu
from .v5_17 import RET_PF_RETRY

DEFAULT_SIZES = {
    "levels": 2,          # page-table levels
    "fanout": 2,          # entries per page table (the kernel's 512; 4 is fine, 2 is fast)
    "gfns": 2,            # GFNs each vCPU faults on (0 .. gfns-1)
    "slot_pages": 2,      # GFNs the dirty-log walk covers (the memslot)
    "notifier_gfn": 0,    # the GFN the MMU notifier unmaps
    "fault_attempts": 2,  # a vCPU re-enters the guest at most this many times per GFN
    "yields": 1,          # 1: every yield point is an explorer choice; 0: never yield (a bound)
    "resident": 0,        # vCPUs that loaded a root and faulted on every GFN before the flows start
}


class Vcpu:
    """A vCPU as the flows see it: its kvm, the root role it wants, its MMU state."""

    def __init__(self, kvm, role, index):
        self.kvm = kvm
        self.role = role
        self.index = index
        self.mmu = KvmVcpu(root_hpa=None)


class Flow:
    def __init__(self, name, fn, doc):
        self.name = name
        self.fn = fn
        self.doc = doc


def flow_vcpu(impl, vcpu, sizes):
    impl.kvm_mmu_load(vcpu)
    for gfn in range(sizes["gfns"]):
        for _ in range(sizes["fault_attempts"]):
            r, stale = impl.direct_page_fault(vcpu, gfn)
            if stale:
                impl.kvm_mmu_reload_obsolete(vcpu)
                continue
            if r == RET_PF_RETRY:
                continue
            break
    impl.kvm_mmu_unload(vcpu)


def flow_memslot(impl, kvm, sizes):
    mutex_lock(kvm.slots_lock)
    impl.kvm_mmu_zap_all_fast(kvm)
    if impl.checks:
        impl.check_invalid_roots_zapped(kvm)
    mutex_unlock(kvm.slots_lock)


def flow_notifier(impl, kvm, sizes):
    g = sizes["notifier_gfn"]
    impl.kvm_unmap_gfn_range(kvm, g, g + 1)


def flow_dirty_log(impl, kvm, sizes):
    impl.kvm_mmu_slot_leaf_clear_dirty(kvm, 0, sizes["slot_pages"])


def flow_zap_all(impl, kvm, sizes):
    impl.kvm_mmu_zap_all(kvm)


FLOWS = {
    "vcpu": Flow("vcpu", flow_vcpu,
                 "load a root (write lock), fault on GFNs (read lock, stale-root retry), put the root"),
    "memslot": Flow("memslot", flow_memslot,
                    "kvm_mmu_zap_all_fast under slots_lock: invalidate roots, then zap them"),
    "notifier": Flow("notifier", flow_notifier,
                     "MMU-notifier unmap of one GFN under the write lock"),
    "dirty-log": Flow("dirty-log", flow_dirty_log,
                      "read-side walk of valid roots clearing dirty bits (yield-safe iterator)"),
    "zap-all": Flow("zap-all", flow_zap_all,
                    "kvm_mmu_zap_all: zap every root under the write lock"),
}


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
    """kvm_destroy_vm(): flush all shadow pages, destroy vCPUs, uninit the MMU."""
    for t in tasks:
        join(t)
    impl.kvm_mmu_zap_all(kvm)            # kvm_arch_flush_shadow_all()
    for vcpu in vcpus:
        impl.kvm_mmu_unload(vcpu)        # kvm_mmu_destroy()
    impl.kvm_mmu_uninit_vm(kvm)


def make_main(cls, scenario: str, **sizes):
    names = parse_scenario(scenario)
    cfg = dict(DEFAULT_SIZES)
    unknown = set(sizes) - set(cfg) - {"checks"}
    if unknown:
        raise ValueError(f"unknown size(s): {sorted(unknown)}; sizes: {', '.join(cfg)}")
    checks = sizes.pop("checks", True)
    cfg.update(sizes)
    geo = Geometry(cfg["levels"], cfg["fanout"])

    def main():
        impl = cls(geo, checks=checks)
        impl.yields = bool(cfg["yields"])
        kvm = impl.new_kvm() if hasattr(impl, "new_kvm") else Kvm()   # C: kcheck.c objects
        impl.kvm_mmu_init_tdp_mmu(kvm)
        role = impl.root_role_word()
        vcpus, tasks = [], []
        first = None
        if cfg["resident"]:
            resident = [Vcpu(kvm, role, i) for i in range(cfg["resident"])]
            vcpus.extend(resident)
            first = spawn(boot, impl, resident, cfg, name="boot", setup=True)
            tasks.append(first)
        counts = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
            label = f"{name}{counts[name]}" if names.count(name) > 1 else name
            if name == "vcpu":
                v = Vcpu(kvm, role, len(vcpus))
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
