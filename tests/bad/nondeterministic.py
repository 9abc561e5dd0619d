"""Model code that depends on something other than kcheck's choices."""
import itertools
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read, atomic_set, atomic_inc

_calls = itertools.count()


def flaky(x, y):
    if next(_calls) % 2:            # different on every replay
        atomic_read(x)
    else:
        atomic_set(y, 1)


def main():
    x, y = atomic_t(0), atomic_t(0)
    spawn(flaky, x, y, name="cpu0")
    spawn(atomic_inc, x, name="cpu1")
    spawn(atomic_read, y, name="cpu2")
