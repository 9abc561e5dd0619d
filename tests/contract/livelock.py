from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_inc


def task(a):
    while True:
        atomic_inc(a)


def main():
    a = atomic_t(0)
    spawn(task, a, name="t")
