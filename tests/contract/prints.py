from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set


def task(x):
    print("the model prints")
    atomic_set(x, 1)


def main():
    print("main prints too")
    x = atomic_t(0)
    spawn(task, x, name="t")
