"""Message passing without release/acquire: the consumer sees the flag and not the data.

The producer fills a buffer, then publishes it by setting ``ready``; the
consumer checks ``ready``, then reads the buffer.  Under sequential
consistency the consumer that sees ``ready == 1`` sees the data.  With
``WRITE_ONCE``/``READ_ONCE`` alone the LKMM orders neither side (the
pattern the kernel's ``smp_store_release()``/``smp_load_acquire()`` exist
for, Documentation/memory-barriers.txt "MESSAGE PASSING"): the consumer may
read ``ready == 1`` and the stale buffer.  A statistics task bumps a counter
under a spinlock the producer also takes: unrelated to the bug, it is what
the first execution found shows too, and what the minimized trace leaves out.

``buggy``: found under ``--memory-model lkmm``, not under SC.
``fixed``: ``smp_store_release()`` / ``smp_load_acquire()`` on ``ready``.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, ptr, spinlock_t, spin_lock,
                           spin_unlock, smp_load_acquire, smp_store_release)


class channel(KStruct):
    buf: int
    ready: int
    stats: int
    lock: spinlock_t


def producer(c, release):
    WRITE_ONCE(ptr(c, "stats"), READ_ONCE(ptr(c, "stats")) + 1)
    WRITE_ONCE(ptr(c, "buf"), 42)
    spin_lock(c.lock)
    WRITE_ONCE(ptr(c, "stats"), READ_ONCE(ptr(c, "stats")) + 1)
    spin_unlock(c.lock)
    if release:
        smp_store_release(ptr(c, "ready"), 1)
    else:
        WRITE_ONCE(ptr(c, "ready"), 1)


def consumer(c, release):
    READ_ONCE(ptr(c, "stats"))
    ready = smp_load_acquire(ptr(c, "ready")) if release else READ_ONCE(ptr(c, "ready"))
    if ready:
        WARN_ON(READ_ONCE(ptr(c, "buf")) != 42)


def stats(c):
    for _ in range(2):
        spin_lock(c.lock)
        WRITE_ONCE(ptr(c, "stats"), READ_ONCE(ptr(c, "stats")) + 1)
        spin_unlock(c.lock)


def _main(release):
    c = channel()
    spawn(stats, c, name="stats")
    spawn(consumer, c, release, name="consumer")
    spawn(producer, c, release, name="producer")


def buggy():
    _main(False)


def fixed():
    _main(True)


main = buggy
