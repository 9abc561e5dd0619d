from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set, atomic_read, smp_mb


def writer(x, y):
    atomic_set(x, 1)
    smp_mb()
    atomic_set(y, 1)


def main():
    x, y = atomic_t(0), atomic_t(0)
    spawn(writer, x, y, name="w")
    spawn(atomic_read, y, name="r")
