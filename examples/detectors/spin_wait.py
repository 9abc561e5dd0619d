"""Busy-waiting the kernel way: a spin loop with cpu_relax() waits (fairly)
for the flag; kcheck blocks the spinner until the flag changes instead of
exploring endless unfair spins.  Buggy: the flag is set before the data."""
from kcheck import spawn
from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, smp_store_release, smp_load_acquire, cpu_relax, ptr, WARN_ON


class msg(KStruct):
    data: int
    ready: int


def producer_buggy(m):
    WRITE_ONCE(ptr(m, "ready"), 1)
    WRITE_ONCE(ptr(m, "data"), 42)


def producer_fixed(m):
    WRITE_ONCE(ptr(m, "data"), 42)
    smp_store_release(ptr(m, "ready"), 1)


def consumer(m):
    while not smp_load_acquire(ptr(m, "ready")):
        cpu_relax()
    WARN_ON(READ_ONCE(ptr(m, "data")) != 42)


def _main(producer):
    m = msg()
    spawn(producer, m, name="cpu0")
    spawn(consumer, m, name="cpu1")


def buggy():
    _main(producer_buggy)


def fixed():
    _main(producer_fixed)
