"""Read-side sections under the LKMM: a bug met inside a section, and grace
periods an SC shortcut must respect.

Both were false alarms under ``--memory-model lkmm`` (and clean under SC):

* a bug raised before the reader's ``rcu_read_unlock()`` was judged on a
  graph whose section had no end, which the LKMM's rcu axiom ignores - so a
  WARN_ON inside the section saw what a grace period it overlaps overwrote
  (the LKMM's own RCU+sync+free, "Never", with the check moved inside);
* an SC-consistent graph passed as an LKMM execution without its grace
  periods being kept out of the sections: a ``call_rcu()`` callback has no
  waits of its own, and ``synchronize_rcu()``'s waits cover only the tasks
  ``main()`` spawned - so a reader in a work item, or any reader against a
  callback, could see the callback's effects (the pattern of every
  ``list_del_rcu()`` + ``call_rcu(put)`` in the kernel).

Each has a twin without the grace period, which must still be found.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (INIT_WORK, KStruct, READ_ONCE, WARN_ON, WRITE_ONCE, call_rcu,
                           container_of, flush_work, kfree, kref, kref_get, kref_init, kref_put,
                           kzalloc, ptr, rcu_assign_pointer, rcu_dereference, rcu_head,
                           rcu_read_lock, rcu_read_unlock, schedule_work, srcu_dereference,
                           srcu_read_lock, srcu_read_unlock, srcu_struct, synchronize_rcu,
                           synchronize_srcu, work_struct)


class cell(KStruct):
    v: int
    rcu: rcu_head


class slot(KStruct):
    p: object


def _reader_warns_inside(y, x):
    rcu_read_lock()
    r0 = rcu_dereference(ptr(y, "p"))
    r1 = READ_ONCE(ptr(r0, "v"))
    WARN_ON(r0 is x and r1 == 0)        # before the unlock
    rcu_read_unlock()


def _updater(y, z, x, gp):
    rcu_assign_pointer(ptr(y, "p"), z)
    if gp:
        synchronize_rcu()
    WRITE_ONCE(ptr(x, "v"), 0)


def _sync_free(gp):
    def main():
        x, z = cell(v=1), cell(v=1)
        y = slot(p=x)
        spawn(_reader_warns_inside, y, x)
        spawn(_updater, y, z, x, gp)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_warn_inside_the_section_sees_nothing_the_grace_period_overwrote(mm):
    res = kcheck.check(_sync_free(True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    bad = kcheck.check(_sync_free(False), memory_model=mm)
    assert bad.verdict == "bug" and bad.bug.kind == "warn"


def _reader_after_unlock(y):
    rcu_read_lock()
    o = rcu_dereference(ptr(y, "p"))
    v = READ_ONCE(ptr(o, "v")) if o is not None else 1
    rcu_read_unlock()
    WARN_ON(v == 0)


def _poison(head):
    WRITE_ONCE(ptr(container_of(head, cell), "v"), 0)


def _unpublish(y, deferred):
    o = READ_ONCE(ptr(y, "p"))
    rcu_assign_pointer(ptr(y, "p"), None)
    if deferred:
        call_rcu(o.rcu, _poison)
    else:
        _poison(o.rcu)


def _callback(deferred):
    def main():
        y = slot(p=cell(v=1))
        spawn(_reader_after_unlock, y)
        spawn(_unpublish, y, deferred)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_callback_runs_after_the_readers_that_saw_its_object(mm):
    """Clean under SC before too; under the LKMM the SC shortcut took the
    callback's writes as seen by the reader's section."""
    res = kcheck.check(_callback(True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    bad = kcheck.check(_callback(False), memory_model=mm)
    assert bad.verdict == "bug" and bad.bug.kind == "warn"


class obj(KStruct):
    ref: kref
    rcu: rcu_head


def _release(k):
    kfree(container_of(k, obj))


def _lookup(y):
    rcu_read_lock()
    o = rcu_dereference(ptr(y, "p"))
    if o is not None:
        kref_get(o.ref)         # safe: the table's reference is dropped after a grace period
    rcu_read_unlock()
    if o is not None:
        kref_put(o.ref, _release)


def _put_cb(head):
    kref_put(container_of(head, obj).ref, _release)


def _remove(y, deferred):
    o = READ_ONCE(ptr(y, "p"))
    rcu_assign_pointer(ptr(y, "p"), None)
    if deferred:
        call_rcu(o.rcu, _put_cb)
    else:
        kref_put(o.ref, _release)


def _kref(deferred):
    def main():
        o = kzalloc(obj)
        kref_init(o.ref)
        y = slot(p=o)
        spawn(_lookup, y)
        spawn(_remove, y, deferred)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_kref_get_under_rcu_against_a_put_after_a_grace_period(mm):
    res = kcheck.check(_kref(True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    bad = kcheck.check(_kref(False), memory_model=mm)
    assert bad.verdict == "bug" and bad.bug.kind in ("refcount-warn", "use-after-free")


def _in_a_work_item(gp):
    class d_t(KStruct):
        y: object
        x: object
        work: work_struct

    def reader(w):
        d = container_of(w, d_t, "work")
        _reader_warns_inside(d.y, d.x)

    def owner(d):
        INIT_WORK(d.work, reader)
        schedule_work(d.work)
        _updater(d.y, cell(v=1), d.x, gp)
        flush_work(d.work)

    def main():
        x = cell(v=1)
        d = d_t(y=slot(p=x), x=x)
        spawn(owner, d)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_synchronize_rcu_waits_for_a_reader_in_a_work_item(mm):
    """A work item is a context a task started: synchronize_rcu()'s waits do
    not know it, the grace period's placement must."""
    res = kcheck.check(_in_a_work_item(True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    bad = kcheck.check(_in_a_work_item(False), memory_model=mm)
    assert bad.verdict == "bug" and bad.bug.kind == "warn"


class sslot(KStruct):
    p: object
    ss: srcu_struct


def _srcu_reader(y, x):
    idx = srcu_read_lock(y.ss)
    r0 = srcu_dereference(ptr(y, "p"), y.ss)
    r1 = READ_ONCE(ptr(r0, "v"))
    WARN_ON(r0 is x and r1 == 0)
    srcu_read_unlock(y.ss, idx)


def _srcu_updater(y, z, x, gp):
    rcu_assign_pointer(ptr(y, "p"), z)
    if gp:
        synchronize_srcu(y.ss)
    WRITE_ONCE(ptr(x, "v"), 0)


def _srcu(gp):
    def main():
        x, z = cell(v=1), cell(v=1)
        y = sslot(p=x)
        spawn(_srcu_reader, y, x)
        spawn(_srcu_updater, y, z, x, gp)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_srcu_a_warn_inside_the_section(mm):
    res = kcheck.check(_srcu(True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    bad = kcheck.check(_srcu(False), memory_model=mm)
    assert bad.verdict == "bug" and bad.bug.kind == "warn"
