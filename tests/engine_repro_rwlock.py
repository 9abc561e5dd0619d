"""Regression: rwlock reader/writer critical sections are explored optimally.

One reader task (read_lock; atomic_read(x); read_unlock) and one writer task
(write_lock; atomic_set(x, 1); write_unlock) have exactly two SC traces:
the reader's section before or after the writer's.  With k sections each the
count is C(2k, k) (2, 6, 20), as for spinlocks.  The first rwlock encoding
(Dekker-style reader flags) gave 4, 68, 1456; the per-task reader words (since
2026-12-02 entry and exit words a writer marks and waits on: kcheck/kernel/locking.py)
give the right counts.

This blow-up dominates the TDP MMU model (mmu_lock is taken for read by
faults, dirty logging and the v5.18 zap worker, for write by root load/put,
memslot invalidation, notifiers and zap-all), e.g. v5.18 on a single ``vcpu``
flow explores 7740 executions with yields enabled.

Run: ``pytest tests/engine_repro_rwlock.py``.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (atomic_read, atomic_set, atomic_t, read_lock, read_unlock,
                           rwlock_t, spin_lock, spin_unlock, spinlock_t, write_lock,
                           write_unlock)


def _reader(lock, x, k):
    for _ in range(k):
        read_lock(lock)
        atomic_read(x)
        read_unlock(lock)


def _writer(lock, x, k):
    for i in range(k):
        write_lock(lock)
        atomic_set(x, i + 1)
        write_unlock(lock)


def _spinner(lock, x, k):
    for i in range(k):
        spin_lock(lock)
        atomic_set(x, i + 1)
        spin_unlock(lock)


def _main(k, reader=True):
    def main():
        if reader:
            lock, x = rwlock_t(), atomic_t(0)
            spawn(_reader, lock, x, k, name="reader")
            spawn(_writer, lock, x, k, name="writer")
        else:
            lock, x = spinlock_t(), atomic_t(0)
            spawn(_spinner, lock, x, k, name="a")
            spawn(_spinner, lock, x, k, name="b")
    return main


@pytest.mark.parametrize("k,expected", [(1, 2), (2, 6), (3, 20)])
def test_spinlock_sections_are_optimal(k, expected):
    assert kcheck.check(_main(k, reader=False)).executions == expected


@pytest.mark.parametrize("k,expected", [(1, 2), (2, 6), (3, 20)])
def test_rwlock_reader_writer_sections_are_optimal(k, expected):
    assert kcheck.check(_main(k)).executions == expected
