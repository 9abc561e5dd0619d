"""One writer, three readers of one atomic: 2^3 distinct executions (each
reader sees the value before or after the write), however many interleavings."""
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read, atomic_set


def main():
    x = atomic_t(0)
    spawn(atomic_set, x, 1, name="writer")
    for i in range(3):
        spawn(atomic_read, x, name=f"reader{i}")
