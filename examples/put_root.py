"""The seed thread's first proposal, in miniature: refcount_dec_not_one()
then refcount_set(0) lets a concurrent get slip in between."""
from kcheck import spawn
from kcheck.kernel import (KStruct, refcount_t, rcu_head, kzalloc, kfree, call_rcu, container_of, ptr,
                           rcu_read_lock, rcu_read_unlock, rcu_dereference, rcu_assign_pointer,
                           refcount_set, refcount_dec_not_one, refcount_inc_not_zero)


class kvm_mmu_page(KStruct):
    tdp_mmu_root_count: refcount_t
    rcu_head: rcu_head
    spt: int


class kvm(KStruct):
    root: kvm_mmu_page                           # published under RCU


def free_root(head):
    kfree(container_of(head, kvm_mmu_page))


def put_root(kvm, root):
    if refcount_dec_not_one(root.tdp_mmu_root_count):
        return
    refcount_set(root.tdp_mmu_root_count, 0)    # "turns dec_not_one into dec_and_test"
    rcu_assign_pointer(ptr(kvm, "root"), None)
    call_rcu(root.rcu_head, free_root)


def walker(kvm):                                 # an iterator: takes its own reference
    rcu_read_lock()
    root = rcu_dereference(ptr(kvm, "root"))
    got = root is not None and refcount_inc_not_zero(root.tdp_mmu_root_count)
    rcu_read_unlock()
    if got:
        root.spt = 0                             # holds a reference, so no RCU needed
        put_root(kvm, root)


def main():
    root = kzalloc(kvm_mmu_page, tdp_mmu_root_count=1)
    k = kvm(root=root)
    spawn(put_root, k, root, name="vcpu")
    spawn(walker, k, name="dirty-log")
