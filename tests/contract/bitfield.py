from kcheck import spawn
from kcheck.kernel import KStruct, Bitfield, ptr, xchg


class kvm_mmu_page_role(Bitfield):
    _bits_ = [("level", 4), ("invalid", 1)]


class kvm_mmu_page(KStruct):
    role: kvm_mmu_page_role


def task(root):
    xchg(ptr(root.role, "invalid"), True)     # C: address of bit-field requested


def main():
    spawn(task, kvm_mmu_page(), name="t")
