"""Two users share an object but it holds one reference, not two: whoever
drops it second touches freed memory.  Fixed: one reference per user."""
from kcheck import spawn
from kcheck.kernel import KStruct, refcount_t, kzalloc, kfree, refcount_dec_and_test


class obj(KStruct):
    refs: refcount_t
    data: int


def user(o):
    o.data = 1
    if refcount_dec_and_test(o.refs):
        kfree(o)


def _main(refs):
    o = kzalloc(obj, refs=refs)
    spawn(user, o, name="cpu0")
    spawn(user, o, name="cpu1")


def buggy():
    _main(1)


def fixed():
    _main(2)
