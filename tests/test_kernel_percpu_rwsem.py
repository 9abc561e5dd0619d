"""percpu_rw_semaphore (kcheck.kernel.locking; C's linux/percpu-rwsem.h): a
filesystem freeze in small - writers hold it for read, the freezer for write."""

import os

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, DEFINE_STATIC_PERCPU_RWSEM, percpu_down_read, percpu_up_read,
                           percpu_down_write, percpu_up_write, percpu_down_read_trylock,
                           percpu_rwsem_assert_held, spin_lock, spin_unlock, DEFINE_SPINLOCK,
                           kzalloc)

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("fixed", [0, 1])
def test_a_write_outside_the_read_side_races_with_the_freeze(fixed):
    prog = kcheck.c.load(os.path.join(DATA, "percpu_rwsem_freeze.c"), defines=[f"FIXED={fixed}"])
    r = kcheck.check(prog.entry)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "bug-on", r.format()


def test_the_write_side_sleeps_and_asserts():
    class sb(KStruct):
        v: int

    def freezer(sem, lock):
        spin_lock(lock)
        percpu_down_write(sem)           # a grace period: may not be under a spinlock
        percpu_rwsem_assert_held(sem)
        percpu_up_write(sem)
        spin_unlock(lock)

    def main():
        spawn(freezer, DEFINE_STATIC_PERCPU_RWSEM(), DEFINE_SPINLOCK())
    r = kcheck.check(main)
    assert r.bug.kind == "sleep-in-atomic", r.format()


def test_trylock_fails_while_the_writer_holds_it():
    def body(sem):
        percpu_down_write(sem)
        ok = percpu_down_read_trylock(sem)
        percpu_up_write(sem)
        assert not ok
        percpu_down_read(sem)
        percpu_up_read(sem)

    def main():
        spawn(body, DEFINE_STATIC_PERCPU_RWSEM())
    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive, r.format()
