"""Tasklets (include/linux/interrupt.h): ``tasklet_setup``, ``tasklet_schedule``,
``tasklet_kill``, ``tasklet_disable``/``tasklet_enable``.

``tasklet_schedule()`` of a tasklet that is not scheduled starts a context
that runs its function once, at any later point, in softirq context (like a
timer's: sleeping there is a bug, lockdep's softirq rule applies to its
locks).  Scheduling one already scheduled does nothing; one scheduled while
its function runs runs again after it - a tasklet never runs on two CPUs at
once.  A disabled tasklet stays scheduled and runs once it is enabled.

``tasklet_kill()`` waits until a scheduled tasklet has run and its function
has returned - it does not stop anyone from scheduling it again afterwards.
So the driver teardown that kills the tasklet while an interrupt handler
can still schedule it (``tasklet_kill(); free_irq(); kfree()``) leaves a
tasklet to run on freed memory: kcheck finds it, and the order the kernel
documents - stop the sources first (``free_irq()``), then ``tasklet_kill()``
- is clean.  While ``tasklet_kill()`` runs, a ``tasklet_schedule()`` is
ignored, as in the kernel (it holds the SCHED bit itself).

The word is the kernel's ``state`` (SCHED and RUN) with the ``count`` of
``tasklet_disable()``, kept as kcheck's record, not the structure's memory
(as a timer's): the function and what it reaches are the accesses that a
free can race with.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, FULL, PLAIN, WAIT_ACQ, anon
from . import sched as S
from .bitops import ordered_conditional_rmw


@dataclass(frozen=True, slots=True)
class _State:
    sched: bool = False          # TASKLET_STATE_SCHED
    running: bool = False        # TASKLET_STATE_RUN
    count: int = 0               # tasklet_disable() nesting
    seq: int = 0                 # how many times it was scheduled (its instance)
    killing: bool = False        # tasklet_kill() holds SCHED

    def __repr__(self):
        parts = [p for p, on in (("scheduled", self.sched and not self.killing),
                                 ("running", self.running), ("being killed", self.killing)) if on]
        if self.count:
            parts.append(f"disabled {self.count}")
        return ", ".join(parts) or "idle"


_IDLE = _State()


def _st(v):
    return v if v.__class__ is _State else _IDLE


class tasklet_struct(KObject):
    __slots__ = ("_state", "_func", "_old_func", "_data", "_callback", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field or anon("tasklet")
        self._state = Loc(0, None, f"{self._name}.state")
        self._func = Loc(None, owner, f"{self._name}.func", plain=True)
        self._data = Loc(0, owner, f"{self._name}.data", plain=True)
        self._callback = Loc(0, owner, f"{self._name}.use_callback", plain=True)
        self._old_func = None       # C: DECLARE_TASKLET_OLD's func (kcheck/c)
        self._kid = ("t", self._state.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        if self._owner is not None and getattr(self, "_cptr", None) is None:
            return f"&{self._owner!r}->{self._name}"
        return "&" + self._name


def _check(t, what):
    if not isinstance(t, tasklet_struct):
        raise ModelError(f"{what}({t!r}): not a tasklet_struct")


def tasklet_setup(t, callback):
    """Initialise: ``callback(t)`` is what running it calls."""
    _setup(t, callback, 1, 0, "tasklet_setup")


def tasklet_init(t, func, data):
    """Initialise the old way: ``func(data)``."""
    _setup(t, func, 0, data, "tasklet_init")


def _setup(t, fn, use_callback, data, what):
    _check(t, what)
    if not callable(fn):
        raise ModelError(f"{what}({t!r}, {fn!r}): the function must be callable")
    r = run()
    r.write(t._state, _IDLE, PLAIN, what)
    r.write(t._func, fn, PLAIN, what)
    r.write(t._callback, use_callback, PLAIN, what)
    r.write(t._data, data, PLAIN, what)


def tasklet_schedule(t):
    """Schedule the tasklet unless it is scheduled already (or being killed)."""
    _check(t, "tasklet_schedule")
    _schedule(t, "tasklet_schedule")


def tasklet_hi_schedule(t):
    """``tasklet_schedule`` on the high-priority list (priority is not modelled)."""
    _check(t, "tasklet_hi_schedule")
    _schedule(t, "tasklet_hi_schedule")


def _schedule(t, what):
    r = run()

    def sched(v):
        v = _st(v)
        if v.sched:
            return NO_WRITE
        return replace(v, sched=True, seq=v.seq + 1, killing=False)
    # test_and_set_bit(TASKLET_STATE_SCHED): fully ordered even when already set
    old = _st(ordered_conditional_rmw(r, t._state, sched, what))
    if old.sched:
        return
    seq = old.seq + 1
    name = f"tasklet:{t._name}" + (f"#{seq}" if seq > 1 else "")
    if r.cur is None:
        child = r.spawn_static(_run, (t, seq), name, daemon=True)
    else:
        child = r.spawn(_run, (t, seq), name, True, what)
    child.callback = True
    child.tls["softirq"] = True
    child.tls["context"] = "a tasklet"


_WAIT_RUN = "tasklet_action"


def _run(t, seq):
    """The softirq's run of the tasklet's ``seq``-th scheduling: waits while it
    is disabled or still running (an earlier scheduling's function)."""
    r = run()
    me = r.cur
    me.idle_op = _WAIT_RUN          # disabled for good: it stays queued, no task is stuck

    def start(v):
        v = _st(v)
        if v.running or v.count:
            return BLOCK
        return replace(v, sched=False, running=True)
    r.rmw(t._state, start, FULL, _WAIT_RUN)
    me.idle_op = None
    use_callback = r.read(t._callback, PLAIN, "tasklet: load use_callback")
    fn = r.read(t._func, PLAIN, "tasklet: load function")
    if not fn and not use_callback and t._old_func is not None:
        fn = r.read(t._old_func, PLAIN, "tasklet: load function")
    if not fn:
        # the kernel calls the NULL function pointer: an oops, in the tasklet's context
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: tasklet {t!r} ran with "
                 "no function (tasklet_setup() or tasklet_init() was not called)")
        return
    from .rcu import context_reader
    context_reader(r, me, True)
    if use_callback:
        fn(t)
    else:
        fn(r.read(t._data, PLAIN, "tasklet: load data"))
    context_reader(r, me, False)
    r.rmw(t._state, lambda v: replace(v, running=False), FULL, "tasklet: function returned")


def tasklet_kill(t):
    """Wait until a scheduled tasklet has run and returned (it may sleep)."""
    _check(t, "tasklet_kill")
    S.sleep_check("tasklet_kill")
    r = run()

    def claim(v):
        v = _st(v)
        if v.sched:
            return BLOCK            # scheduled: wait until it has started
        return replace(v, sched=True, killing=True)
    r.rmw(t._state, claim, FULL, "tasklet_kill")
    tasklet_unlock_wait(t)
    r.rmw(t._state, lambda v: replace(v, sched=False, killing=False), FULL, "tasklet_kill: done")


def tasklet_unlock_wait(t):
    """Wait until the tasklet's function is not running."""
    _check(t, "tasklet_unlock_wait")
    run().rmw(t._state, lambda v: BLOCK if _st(v).running else NO_WRITE, WAIT_ACQ,
              "tasklet_unlock_wait")


def tasklet_disable_nosync(t):
    """Disable (nested): a scheduled tasklet waits until it is enabled."""
    _check(t, "tasklet_disable_nosync")
    run().rmw(t._state, lambda v: replace(_st(v), count=_st(v).count + 1), FULL, "tasklet_disable")


def tasklet_disable(t):
    """Disable (nested) and wait until its function is not running."""
    tasklet_disable_nosync(t)
    tasklet_unlock_wait(t)


def tasklet_enable(t):
    """Undo one ``tasklet_disable()``."""
    _check(t, "tasklet_enable")
    r = run()

    def enable(v):
        v = _st(v)
        return replace(v, count=v.count - 1)
    # the kernel's atomic_dec(): one enable too many leaves the count negative, and
    # the tasklet never runs again (as there)
    r.rmw(t._state, enable, FULL, "tasklet_enable")


def from_tasklet(obj_type, t, field):
    """The structure ``t`` is the ``field`` of (``container_of``)."""
    owner = t._owner
    if owner is None or not isinstance(owner, obj_type):
        raise ModelError(f"from_tasklet({obj_type.__name__}, {t!r}, {field!r}): the tasklet is "
                         "not a field of such a structure")
    return owner


__all__ = ["tasklet_struct", "tasklet_setup", "tasklet_init", "tasklet_schedule",
           "tasklet_hi_schedule", "tasklet_kill", "tasklet_unlock_wait", "tasklet_disable",
           "tasklet_disable_nosync", "tasklet_enable", "from_tasklet"]
