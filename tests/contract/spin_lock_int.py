from kcheck import spawn
from kcheck.kernel import spin_lock


def task():
    spin_lock(5)


def main():
    spawn(task, name="t")
