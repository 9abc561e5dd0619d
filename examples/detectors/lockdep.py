"""A helper that must run under the lock is called without it.
Fixed: the caller takes the lock."""
from kcheck import spawn
from kcheck.kernel import KStruct, spinlock_t, spin_lock, spin_unlock, lockdep_assert_held


class dev(KStruct):
    lock: spinlock_t
    state: int


def set_state(d, v):
    lockdep_assert_held(d.lock)
    d.state = v


def caller_buggy(d):
    set_state(d, 1)


def caller_fixed(d):
    spin_lock(d.lock)
    set_state(d, 1)
    spin_unlock(d.lock)


def buggy():
    spawn(caller_buggy, dev(), name="cpu0")


def fixed():
    spawn(caller_fixed, dev(), name="cpu0")
