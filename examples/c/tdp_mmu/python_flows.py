"""The C TDP MMU driven by the Python model's own flows.

``kcheck.models.tdp_mmu.flows.make_main(cls, scenario)`` builds a main() that
creates the VM and runs the flows (vCPU, memslot, notifier, dirty-log,
zap-all) against an implementation object.  ``c_impl(variant)`` is such an
object whose functions are the C ones of ``examples/c/tdp_mmu/VARIANT.c``
(kcheck.c.load): the same flows, the kernel code in C.

    from python_flows import c_impl
    from kcheck.models.tdp_mmu.flows import make_main
    kcheck.check(make_main(c_impl("sean-v3"), "vcpu+memslot", resident=1))
"""

import os

import kcheck.c
from kcheck.models.tdp_mmu.structs import kvm_mmu_page_role

HERE = os.path.dirname(os.path.abspath(__file__))
INVALID_PAGE = (1 << 64) - 1


def c_impl(variant):
    """An implementation class for ``make_main`` running ``VARIANT.c``."""
    path = os.path.join(HERE, f"{variant}.c")

    class CTdpMmu:
        name = variant
        doc = f"{variant} in C ({os.path.relpath(path)})"

        def __init__(self, geo, checks=True):
            self.geo = geo
            self.checks = checks
            self.yields = True
            self._prog = None
            self._kvm = None
            self._vcpus = {}

        @property
        def prog(self):
            if self._prog is None:
                d = [f"LEVELS={self.geo.levels}", f"FANOUT={self.geo.fanout}",
                     f"YIELDS={int(bool(self.yields))}", f"CHECKS={int(bool(self.checks))}"]
                self._prog = kcheck.c.load(path, defines=d)
            return self._prog

        # -- the objects: a C struct kvm; a C struct kvm_vcpu per Python vCPU --------------
        def new_kvm(self):
            self._kvm = self.prog.new("struct kvm")
            return self._kvm

        def root_role_word(self):
            return kvm_mmu_page_role.pack(level=self.geo.levels, direct=1, access=7,
                                          efer_nx=1, cr0_wp=1, smm=0)

        def _cv(self, vcpu):
            cv = self._vcpus.get(id(vcpu))
            if cv is None:
                cv = self.prog.new("struct kvm_vcpu")
                cv.kvm = self._kvm
                cv.vcpu_idx = vcpu.index
                cv.arch.mmu.root_hpa = INVALID_PAGE
                cv.arch.mmu.root_role.word = vcpu.role
                self._vcpus[id(vcpu)] = cv
            return cv

        # -- what the flows call ---------------------------------------------------------------
        def kvm_mmu_init_tdp_mmu(self, kvm):
            self.prog.kvm_mmu_init_tdp_mmu(kvm)

        def kvm_mmu_uninit_vm(self, kvm):
            self.prog.kvm_mmu_uninit_tdp_mmu(kvm)

        def kvm_mmu_load(self, vcpu):
            self.prog.kvm_mmu_load(self._cv(vcpu))

        def kvm_mmu_unload(self, vcpu):
            self.prog.kvm_mmu_unload(self._cv(vcpu))

        def kvm_mmu_reload_obsolete(self, vcpu):
            self.prog.kvm_mmu_reload_obsolete(self._cv(vcpu))

        def direct_page_fault(self, vcpu, gfn):
            stale = self.prog.out("bool")
            r = self.prog.direct_page_fault(self._cv(vcpu), gfn, stale.ptr)
            return ("RET_PF_RETRY" if r == 1 else "RET_PF_FIXED"), bool(stale.value)

        def kvm_mmu_zap_all_fast(self, kvm):
            self.prog.kvm_mmu_zap_all_fast(kvm)

        def check_invalid_roots_zapped(self, kvm):
            self.prog.check_invalid_roots_zapped(kvm)

        def kvm_unmap_gfn_range(self, kvm, start, end):
            self.prog.kvm_unmap_gfn_range(kvm, start, end)

        def kvm_mmu_slot_leaf_clear_dirty(self, kvm, start, end):
            self.prog.kvm_mmu_slot_leaf_clear_dirty(kvm, start, end)

        def kvm_mmu_zap_all(self, kvm):
            self.prog.kvm_mmu_zap_all(kvm)

    CTdpMmu.__name__ = f"CTdpMmu[{variant}]"
    return CTdpMmu
