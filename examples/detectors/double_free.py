"""Decrement, then test: both users can see zero and both free.
Fixed: atomic_dec_and_test decides in one step."""
from kcheck import spawn
from kcheck.kernel import KStruct, atomic_t, atomic_dec, atomic_read, atomic_dec_and_test, kzalloc, kfree


class obj(KStruct):
    data: int


def user_buggy(users, o):
    atomic_dec(users)
    if atomic_read(users) == 0:
        kfree(o)


def user_fixed(users, o):
    if atomic_dec_and_test(users):
        kfree(o)


def _main(fn):
    users = atomic_t(2)
    o = kzalloc(obj)
    spawn(fn, users, o, name="cpu0")
    spawn(fn, users, o, name="cpu1")


def buggy():
    _main(user_buggy)


def fixed():
    _main(user_fixed)
