"""Leaks as kmemleak reports them: an object never freed that no pointer in
memory leads to once every task has finished ("unreferenced object").

kcheck once reported every object never freed - including one still on a
list whose head is a static, or still queued: the kernel's memory is not
leaked while something points to it, and a harness that leaves work queued
at its end was told it leaks.  Each case is a twin: the object kmemleak
would report, and the one it would not."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, list_head, INIT_LIST_HEAD, list_add, list_del, list_del_init, spinlock_t,
    spin_lock, spin_unlock, spin_lock_init, kzalloc, kfree, llist_node, llist_head,
    init_llist_head, llist_add, WRITE_ONCE, READ_ONCE, ptr,
)


class item(KStruct):
    node: list_head
    next: "item"
    v: int


class table(KStruct):
    lock: spinlock_t
    head: list_head
    last: item


class qitem(KStruct):
    node: llist_node


class queue(KStruct):
    head: llist_head


def on_list(remove):
    def adder(T):
        it = kzalloc(item)
        spin_lock(T.lock)
        list_add(it.node, T.head)
        if remove == "list_del_init":
            list_del_init(it.node)          # off the list, never freed: unreferenced
        spin_unlock(T.lock)

    def main():
        T = table()
        spin_lock_init(T.lock)
        INIT_LIST_HEAD(T.head)
        spawn(adder, T, name="adder")
    return main


@pytest.mark.parametrize("remove,verdict", [(None, "no-bug"), ("list_del_init", "bug")])
def test_an_object_on_a_static_list_is_referenced(remove, verdict):
    res = kcheck.check(on_list(remove))
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert res.bug.kind == "leak" and "nothing points to it" in res.bug.message


def chain(keep_head, free_head):
    """A task allocates a -> b (b only reachable through a) and maybe publishes a."""
    def t(T):
        a = kzalloc(item)
        b = kzalloc(item)
        a.next = b
        if keep_head:
            WRITE_ONCE(ptr(T, "last"), a)
        if free_head:
            kfree(a)                     # a freed holds no reference: b is lost

    def main():
        T = table()
        spawn(t, T, name="t")
    return main


@pytest.mark.parametrize("keep_head,free_head,leaked", [
    (True, False, None),                 # a published, b reachable through it
    (False, False, "item#0"),            # neither reachable: the first found
    (True, True, "item#1"),              # a freed holds no reference: b is lost
])
def test_references_are_followed_from_statics_through_live_objects(keep_head, free_head, leaked):
    res = kcheck.check(chain(keep_head, free_head))
    if leaked is None:
        assert res.verdict == "no-bug", res.bug.message
    else:
        assert res.verdict == "bug" and res.bug.kind == "leak", res.bug
        assert res.bug.message.startswith(leaked + " "), res.bug.message


def queued():
    def producer(Q):
        llist_add(kzalloc(qitem).node, Q.head)

    def main():
        Q = queue()
        init_llist_head(Q.head)
        spawn(producer, Q, name="producer")
    return main


def test_an_object_still_queued_at_the_end_is_referenced():
    res = kcheck.check(queued())
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message


def test_an_object_only_a_finished_task_pointed_to_is_a_leak():
    def t(T):
        it = kzalloc(item)
        READ_ONCE(ptr(it, "v"))

    def main():
        spawn(t, table(), name="t")
    res = kcheck.check(main)
    assert res.verdict == "bug" and res.bug.kind == "leak", res.bug


def test_a_pointer_only_main_stored_is_followed():
    class holder(KStruct):
        p: item

    def t(h):
        pass                            # nobody touches h.p

    def main():
        h = holder()
        h.p = kzalloc(item)             # referenced from a static for the whole run
        spawn(t, h, name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.bug and res.bug.message


def test_a_struct_whose_fields_are_named_like_pointer_internals_is_only_followed():
    # the leak check follows pointers without reading a model struct's fields
    # (``b``, ``oid``: the names of a C pointer's and a location's slots)
    class odd(KStruct):
        b: int
        oid: int

    class holder(KStruct):
        p: odd

    def t(h):
        WRITE_ONCE(ptr(h, "p"), kzalloc(odd))

    def main():
        spawn(t, holder(), name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.bug and res.bug.message


def test_a_bug_before_any_task_step_is_reported_with_a_command_that_meets_it():
    """A leak of what main() allocated, with tasks that make no event: the bug's
    schedule is empty, and the report crashed ("internal error: ScheduleError:
    empty schedule", a hostile review).  Every run meets it: the report says to
    run the check again."""
    import kcheck
    from kcheck import spawn
    from kcheck.kernel import KStruct, kzalloc

    class D(KStruct):
        x: int

    def main():
        kzalloc(D)
        spawn(lambda: None, name="t")
    res = kcheck.check(main)
    assert res.verdict == "bug" and res.bug.kind == "leak", res
    assert res.bug.schedule == ""
    assert "replay: kcheck check FILE (the bug shows before any task takes a step" in res.format()


@pytest.mark.parametrize("keep", [True, False])
def test_a_pointer_given_as_a_tasks_allocation_initial_value_references(keep):
    """kzalloc(bus, d=dev) in a task: the new struct starts pointing to dev, and
    no write event holds that pointer.  The leak check followed only written
    locations and main()'s, so dev was "never freed and nothing points to it"
    (a false leak, found by a review of KVM's io_bus replacement).  Without the
    pointer, dev does leak."""
    import kcheck
    from kcheck import spawn
    from kcheck.kernel import KStruct, kzalloc, kmalloc, kfree, rcu_assign_pointer, ptr

    class dev(KStruct):
        regs: int

    class bus(KStruct):
        d: object

    class kvm(KStruct):
        bus: object

    def replace(k):
        old = k.bus
        nb = kzalloc(bus, d=old.d) if keep else kmalloc(bus)
        rcu_assign_pointer(ptr(k, "bus"), nb)
        kfree(old)

    def main():
        k = kvm()
        k.bus = kzalloc(bus, d=kzalloc(dev))
        spawn(replace, k)
    res = kcheck.check(main)
    if keep:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.verdict == "bug" and res.bug.kind == "leak" and "dev#0" in res.bug.message, \
            res.format()
