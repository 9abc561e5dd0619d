"""``struct semaphore`` (include/linux/semaphore.h): a counting semaphore.

``down()`` takes one unit of the count or sleeps until ``up()`` gives one back;
unlike a mutex it has no owner - any task may ``up()`` it, lockdep does not
track it, and a deadlock through it shows as tasks blocked for good, not as a
lock-order report.  ``down_trylock()`` returns **0 when it took the
semaphore** (1 when it could not), the reverse of ``mutex_trylock()``.
``down_interruptible`` returns -EINTR when ``kthread_stop()`` interrupts a
kthread waiting in it (the one signal kcheck models), 0 otherwise;
``down_killable`` returns 0 (fatal signals are not modelled);
``down_timeout`` may time out instead of waiting (an explorer
choice, as every timeout here) and then returns -ETIME.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, op, anon
from . import sched as _sched
from ..engine.runtime import _model_frame

ETIME = 62


def _take(v):
    return v - 1 if v > 0 else BLOCK


def _try(v):
    return v - 1 if v > 0 else NO_WRITE


class semaphore(KObject):
    """``struct semaphore``: ``semaphore(n)``, ``DEFINE_SEMAPHORE(n)`` or
    ``sema_init(sem, n)``."""

    __slots__ = ("_loc", "_kid", "_owner")

    def __init__(self, n=0, owner=None, field=None):
        self._owner = owner
        self._loc = Loc(n, owner, f"{field or anon('semaphore')}.count")
        self._kid = ("m", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(v or 0, owner, name)

    def __repr__(self):
        n = self._loc.name()
        return f"&{n[:-6]}" if n.endswith(".count") else f"&{n}"


def DEFINE_SEMAPHORE(n=1):
    """``DEFINE_SEMAPHORE(name, n)`` (v6.4+; ``n`` 1 before: a binary semaphore)."""
    return semaphore(n)


def sema_init(sem, val):
    if val < 0:
        raise ModelError(f"sema_init({sem!r}, {val}): a negative count")
    run().write(sem._loc, val, ONCE, "sema_init")


def down(sem):
    """Take a unit, sleeping until one is free."""
    r = run()
    _sched.sleep_check("down")
    with op(r, lambda: f"down({sem!r})"):
        r.rmw(sem._loc, _take, ACQ, "down")


def down_interruptible(sem):
    """``down()``; 0, or -EINTR in a kthread that ``kthread_stop()`` interrupts
    while it waits (locking.interruptible_wait)."""
    from .locking import interruptible_wait
    r = run()
    _sched.sleep_check("down_interruptible")
    with op(r, lambda: f"down_interruptible({sem!r})") as g:
        ret = interruptible_wait(r, sem._loc, _take, _try, "down",
                                 lambda: f"down_interruptible({sem!r})")
        g.note = f" = {ret}"
    return ret


def down_killable(sem):
    down(sem)
    return 0


def down_trylock(sem):
    """0 if it took a unit, 1 if none was free (the kernel's convention)."""
    r = run()
    with op(r, lambda: f"down_trylock({sem!r})") as g:
        old = r.rmw(sem._loc, _try, ACQ, "down_trylock")
        ret = 0 if old > 0 else 1
        g.note = f" = {ret}"
    return ret


def down_timeout(sem, timeout):
    """Take a unit, or give up after ``timeout`` jiffies: 0 or -ETIME."""
    r = run()
    _sched.sleep_check("down_timeout")
    with op(r, lambda: f"down_timeout({sem!r})") as g:
        if r.rmw(sem._loc, _try, ACQ, "down_timeout") > 0:
            g.note = " = 0"
            return 0
        if r.choice(2, "down_timeout: the timer fires first?"):
            g.note = " = -ETIME"
            return -ETIME
        # an execution that ends with this wait pending is not a deadlock: its
        # timer fires (explored by the choice above)
        t = r.cur
        t.tls["sleep"] = _sched.Sleep(lambda: f"down_timeout({sem!r})", _model_frame(), timer=True)
        r.rmw(sem._loc, _take, ACQ, "down_timeout")
        t.tls["sleep"] = None
        g.note = " = 0"
    return 0


def up(sem):
    """Give a unit back (any task may): a sleeper in ``down()`` takes it."""
    r = run()
    with op(r, lambda: f"up({sem!r})"):
        r.rmw(sem._loc, lambda v: v + 1, REL, "up")


__all__ = ["semaphore", "DEFINE_SEMAPHORE", "sema_init", "down", "down_interruptible",
           "down_killable", "down_trylock", "down_timeout", "up"]
