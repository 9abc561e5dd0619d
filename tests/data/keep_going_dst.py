"""sk_dst_get() against sk_dst_reset() before f88649721268: a reader takes a
reference with atomic_inc() on whatever it found, the resetter drops the
last one and frees at once."""
from kcheck import spawn
from kcheck.kernel import (KStruct, atomic_t, atomic_inc, atomic_dec_return, atomic_set, xchg, ptr,
                           rcu_read_lock, rcu_read_unlock, rcu_dereference, rcu_assign_pointer,
                           kzalloc, kfree, READ_ONCE)


class dst_entry(KStruct):
    refcnt: atomic_t
    flags: int


class sock(KStruct):
    dst: object


def dst_release(dst):
    if dst is not None and atomic_dec_return(dst.refcnt) == 0:
        READ_ONCE(ptr(dst, "flags"))
        kfree(dst)


def reader(sk):
    rcu_read_lock()
    dst = rcu_dereference(ptr(sk, "dst"))
    if dst is not None:
        atomic_inc(dst.refcnt)
    rcu_read_unlock()
    dst_release(dst)


def resetter(sk):
    dst_release(xchg(ptr(sk, "dst"), None))


def main():
    sk = sock()
    dst = kzalloc(dst_entry)
    atomic_set(dst.refcnt, 1)
    rcu_assign_pointer(ptr(sk, "dst"), dst)
    spawn(reader, sk, name="reader")
    spawn(resetter, sk, name="resetter")
