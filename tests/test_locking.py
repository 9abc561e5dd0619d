"""Locks: mutual exclusion holds, and critical sections are explored optimally
(one execution per order of conflicting sections, none for two readers)."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, rwlock_t, read_lock, read_unlock, write_lock, write_unlock,
                           READ_ONCE, WRITE_ONCE, ptr, WARN_ON, read_trylock, write_trylock)


class st(KStruct):
    lock: rwlock_t
    a: int
    b: int


def writer(s, v):
    write_lock(s.lock)
    WRITE_ONCE(ptr(s, "a"), v)
    WRITE_ONCE(ptr(s, "b"), v)
    write_unlock(s.lock)


def reader(s):
    read_lock(s.lock)
    WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))
    read_unlock(s.lock)


def reader_unlocked(s):
    WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))


def _main(*tasks):
    def main():
        s = st()
        for i, (fn, *args) in enumerate(tasks):
            spawn(fn, s, *args, name=f"t{i}")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_readers_never_see_a_half_done_write(memory_model):
    res = kcheck.check(_main((writer, 1), (reader,), (writer, 2)), memory_model=memory_model)
    assert res.verdict == "no-bug" and res.exhaustive


def test_without_the_lock_they_do():
    res = kcheck.check(_main((writer, 1), (reader_unlocked,)))
    assert res.verdict == "bug" and res.bug.kind == "warn"


def test_two_readers_do_not_conflict():
    # two readers and nothing else: one execution, whatever the interleaving
    assert kcheck.check(_main((reader,), (reader,))).executions == 1


def test_reader_and_writer_sections_in_either_order():
    assert kcheck.check(_main((writer, 1), (reader,))).executions == 2


def test_trylocks_exclude_each_other():
    def w(s):
        if write_trylock(s.lock):
            WRITE_ONCE(ptr(s, "a"), 1)
            WRITE_ONCE(ptr(s, "b"), 1)
            write_unlock(s.lock)

    def r(s):
        if read_trylock(s.lock):
            WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))
            read_unlock(s.lock)
    assert kcheck.check(_main((w,), (r,), (w,))).verdict == "no-bug"
