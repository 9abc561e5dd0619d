"""ABBA: two CPUs take two locks in opposite orders.  Fixed: one order."""
from kcheck import spawn
from kcheck.kernel import spinlock_t, spin_lock, spin_unlock


def take(first, second):
    spin_lock(first)
    spin_lock(second)
    spin_unlock(second)
    spin_unlock(first)


def buggy():
    a, b = spinlock_t(), spinlock_t()
    spawn(take, a, b, name="cpu0")
    spawn(take, b, a, name="cpu1")


def fixed():
    a, b = spinlock_t(), spinlock_t()
    spawn(take, a, b, name="cpu0")
    spawn(take, a, b, name="cpu1")
