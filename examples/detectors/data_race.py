"""A plain store racing with a plain load (check with --races error).
Fixed: WRITE_ONCE/READ_ONCE mark the accesses."""
from kcheck import spawn
from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr


class stats(KStruct):
    count: int


def writer_buggy(s):
    s.count = 1


def reader_buggy(s):
    return s.count


def writer_fixed(s):
    WRITE_ONCE(ptr(s, "count"), 1)


def reader_fixed(s):
    return READ_ONCE(ptr(s, "count"))


def buggy():
    s = stats()
    spawn(writer_buggy, s, name="cpu0")
    spawn(reader_buggy, s, name="cpu1")


def fixed():
    s = stats()
    spawn(writer_fixed, s, name="cpu0")
    spawn(reader_fixed, s, name="cpu1")
