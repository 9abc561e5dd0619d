from kcheck import spawn
from kcheck.kernel import KStruct, ptr, READ_ONCE


class S(KStruct):
    a: int


def task(s):
    READ_ONCE(ptr(s, "y"))


def main():
    spawn(task, S(a=0), name="t")
