"""readers.py restricted with assume(): only executions in which both readers
see the write count; the others are cut short and counted as blocked."""
from kcheck import spawn, assume
from kcheck.kernel import atomic_t, atomic_read, atomic_set


def reader(x):
    assume(atomic_read(x) == 1)


def main():
    x = atomic_t(0)
    spawn(atomic_set, x, 1, name="writer")
    spawn(reader, x, name="reader0")
    spawn(reader, x, name="reader1")
