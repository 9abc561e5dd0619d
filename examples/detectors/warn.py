"""A check-then-act race breaks an invariant that a WARN_ON guards.
Fixed: one cmpxchg claims the slot."""
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read, atomic_inc, atomic_cmpxchg, WARN_ON


def claim_buggy(owners):
    if atomic_read(owners) == 0:
        atomic_inc(owners)
        WARN_ON(atomic_read(owners) > 1)


def claim_fixed(owners):
    if atomic_cmpxchg(owners, 0, 1) == 0:
        WARN_ON(atomic_read(owners) > 1)


def _main(fn):
    owners = atomic_t(0)
    spawn(fn, owners, name="cpu0")
    spawn(fn, owners, name="cpu1")


def buggy():
    _main(claim_buggy)


def fixed():
    _main(claim_fixed)
