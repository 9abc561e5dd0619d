"""A loop that re-does work it has already done, forever (the thread's
"re-zapping invalid roots would put KVM into an infinite loop"): the task
never finishes and exceeds the step bound.  Fixed: invalid roots are zapped
once."""
from kcheck import spawn
from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr


class root(KStruct):
    invalid: int
    zaps: int


def zap_buggy(r):
    while True:
        WRITE_ONCE(ptr(r, "zaps"), READ_ONCE(ptr(r, "zaps")) + 1)
        if not READ_ONCE(ptr(r, "invalid")):
            break               # an invalid root is never "done": zap again


def zap_fixed(r):
    WRITE_ONCE(ptr(r, "zaps"), READ_ONCE(ptr(r, "zaps")) + 1)


def invalidate(r):
    WRITE_ONCE(ptr(r, "invalid"), 1)


def _main(zap):
    r = root()
    spawn(invalidate, r, name="cpu0")
    spawn(zap, r, name="cpu1")


def buggy():
    _main(zap_buggy)


def fixed():
    _main(zap_fixed)
