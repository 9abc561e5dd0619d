from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set


def main():
    x = atomic_t(0)
    spawn(atomic_set, x, 1, name="w")
    {}["nokey"]
