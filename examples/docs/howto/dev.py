"""dev.c for kcheck: a bitfield word written under a lock by one path and
without it by another (run with --races error to see the race itself)."""
from kcheck import spawn, join
from kcheck.kernel import (KStruct, Bitfield, spinlock_t, atomic_t, spin_lock, spin_unlock,
                           atomic_inc, WARN_ON)

ENODEV = 19


class dev_flags(Bitfield):
    _bits_ = [("open", 1), ("dying", 1)]


class dev(KStruct):
    lock: spinlock_t
    flags: dev_flags                     # both bits share one word
    users: atomic_t


def dev_open(d):
    spin_lock(d.lock)
    if d.flags.dying:
        spin_unlock(d.lock)
        return -ENODEV
    d.flags.open = 1
    atomic_inc(d.users)
    spin_unlock(d.lock)
    return 0


def dev_kill(d):
    d.flags.dying = 1                    # no lock: "it is only one bit"


def after_both(d, *tasks):               # not in the C code: the property to check
    for t in tasks:
        join(t)
    WARN_ON(not d.flags.dying)           # dev_kill() must not be undone


def main():
    d = dev()
    opener = spawn(dev_open, d, name="open")
    killer = spawn(dev_kill, d, name="kill")
    spawn(after_both, d, opener, killer, name="check")
