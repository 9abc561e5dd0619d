from kcheck import spawn
from kcheck.kernel import KStruct


class S(KStruct):
    a: int


def main():
    s = S(nosuch=1)
    spawn(print, s, name="t")
