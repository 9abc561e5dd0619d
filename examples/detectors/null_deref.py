"""A reader that dereferences the RCU pointer it loaded without checking it
for NULL: on the interleaving where it runs before the publisher, the
kernel's NULL pointer dereference (``c.val`` right after the load that read
NULL, as ``c->val`` in C).  Fixed: check for NULL, as the C code must."""
from kcheck import spawn
from kcheck.kernel import KStruct, rcu_dereference, rcu_assign_pointer, ptr, rcu_read_lock, rcu_read_unlock


class cfg(KStruct):
    val: int


class holder(KStruct):
    cur: object


def publish(h, c):
    rcu_assign_pointer(ptr(h, "cur"), c)


def use_buggy(h):
    rcu_read_lock()
    c = rcu_dereference(ptr(h, "cur"))
    v = c.val
    rcu_read_unlock()
    return v


def use_fixed(h):
    rcu_read_lock()
    c = rcu_dereference(ptr(h, "cur"))
    v = c.val if c is not None else 0
    rcu_read_unlock()
    return v


def _main(use):
    h = holder()
    spawn(publish, h, cfg(val=3), name="cpu0")
    spawn(use, h, name="cpu1")


def buggy():
    _main(use_buggy)


def fixed():
    _main(use_fixed)
