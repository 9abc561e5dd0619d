"""The Optimal-DPOR benchmark programs (Abdulla, Aronis, Jonsson, Sagonas:
"Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction",
JACM 2017; sources also in Nidhugg, GenMC and Concuerror), written as kcheck
models.  ``TRACES`` holds the published number of Mazurkiewicz traces.

Each ``make(n)`` returns a ``main()`` for ``kcheck.check``.
"""

from kcheck import spawn
from kcheck.kernel import (KArray, READ_ONCE, WRITE_ONCE, cmpxchg, atomic_t, atomic_read, atomic_set,
                           spinlock_t, spin_lock, spin_unlock)

TRACES = {
    "readers": {n: 2 ** n for n in range(1, 21)},
    "lastzero": {1: 2, 2: 5, 3: 12, 4: 28, 5: 64, 10: 3328},
    "indexer": {12: 8, 13: 64, 14: 512, 15: 4096},
    "filesystem": {14: 2, 16: 8, 18: 32, 19: 64},
}


def readers(n):
    """One writer and n readers of one variable: 2^n traces."""
    def main():
        x = atomic_t(0)
        spawn(atomic_set, x, 1, name="writer")
        for i in range(n):
            spawn(atomic_read, x, name=f"reader{i}")
    return main


def lastzero(n):
    """Thread 0 scans array[n..0] for the last zero; thread j sets array[j] = array[j-1] + 1."""
    def scanner(a):
        i = n
        while READ_ONCE(a[i]) != 0:
            i -= 1

    def writer(a, j):
        WRITE_ONCE(a[j], READ_ONCE(a[j - 1]) + 1)

    def main():
        a = KArray(n + 1)
        spawn(scanner, a, name="scan")
        for j in range(1, n + 1):
            spawn(writer, a, j, name=f"w{j}")
    return main


def indexer(n, size=128, maxm=4):
    """n threads insert 4 messages each into a hash table with cmpxchg and linear probing."""
    def thread(table, tid):
        for m in range(1, maxm + 1):
            w = m * 11 + tid
            h = (w * 7) % size
            while cmpxchg(table[h], 0, w) != 0:
                h = (h + 1) % size

    def main():
        table = KArray(size)
        for t in range(n):
            spawn(thread, table, t, name=f"t{t}")
    return main


def filesystem(n, nblocks=26, ninode=32):
    """n threads each allocate a block for an inode, under per-inode and per-block locks."""
    def thread(locki, inode, lockb, busy, tid):
        i = tid % ninode
        spin_lock(locki[i])
        if READ_ONCE(inode[i]) == 0:
            b = (i * 2) % nblocks
            while True:
                spin_lock(lockb[b])
                if not READ_ONCE(busy[b]):
                    WRITE_ONCE(busy[b], 1)
                    WRITE_ONCE(inode[i], b + 1)
                    spin_unlock(lockb[b])
                    break
                spin_unlock(lockb[b])
                b = (b + 1) % nblocks
        spin_unlock(locki[i])

    def main():
        locki = [spinlock_t() for _ in range(ninode)]
        inode = KArray(ninode)
        lockb = [spinlock_t() for _ in range(nblocks)]
        busy = KArray(nblocks)
        for t in range(n):
            spawn(thread, locki, inode, lockb, busy, t, name=f"t{t}")
    return main


FAMILIES = {"readers": readers, "lastzero": lastzero, "indexer": indexer, "filesystem": filesystem}
