from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set, atomic_read


def main():
    x = atomic_t(0)
    spawn(atomic_set, x, 1, name="w")
    spawn(atomic_read, x, name="r")
