"""An error path that forgets to free.  Fixed: free on every path."""
from kcheck import spawn, nondet
from kcheck.kernel import KStruct, kzalloc, kfree, WRITE_ONCE, atomic_t


class buf(KStruct):
    len: int


def worker_buggy(published):
    b = kzalloc(buf)
    if nondet():            # the error path
        return
    b.len = 4
    kfree(b)


def worker_fixed(published):
    b = kzalloc(buf)
    if nondet():
        kfree(b)
        return
    b.len = 4
    kfree(b)


def buggy():
    spawn(worker_buggy, atomic_t(0), name="worker")


def fixed():
    spawn(worker_fixed, atomic_t(0), name="worker")
