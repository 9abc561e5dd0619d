"""High-resolution timers (include/linux/hrtimer.h): ``hrtimer_setup`` (or
``hrtimer_init`` and the ``function`` field), ``hrtimer_start``,
``hrtimer_cancel``, ``hrtimer_try_to_cancel``.

As for timers (kernel/timer.py), time is not modelled: a started hrtimer may
expire at any point after it is started, and every one is explored.  Its
callback runs in **hardirq** context (the kernel's default: sleeping there
is a bug, and a lock it takes is hardirq-safe for lockdep, kernel/locking.py)
or, with ``HRTIMER_MODE_SOFT``, in softirq context.  A callback that returns
``HRTIMER_RESTART`` is armed again as it returns; one never runs on two CPUs
at once.

``hrtimer_cancel()`` waits until the callback is not running and then
deactivates the timer - so a self-restarting timer is stopped for good, and
what the callback did is done when it returns.  ``hrtimer_try_to_cancel()``
does not wait: -1 while the callback runs (the caller must retry), which is
the classic teardown bug when its result is ignored before a ``kfree()``.
A self-restarting timer nobody cancels restarts for ever: an execution is cut
when contexts started by contexts reach 16 deep, and the result says
**bounded**.

The timer's word is kcheck's record of the hrtimer base (pending, how many
times it was armed, running, the mode), not the structure's memory: the
callback and what it reaches are the accesses a free races with.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, FULL, ONCE, PLAIN, anon
from .timer import touch

HRTIMER_NORESTART = 0
HRTIMER_RESTART = 1

HRTIMER_MODE_ABS = 0x00
HRTIMER_MODE_REL = 0x01
HRTIMER_MODE_PINNED = 0x02
HRTIMER_MODE_SOFT = 0x04
HRTIMER_MODE_HARD = 0x08
HRTIMER_MODE_ABS_SOFT = HRTIMER_MODE_ABS | HRTIMER_MODE_SOFT
HRTIMER_MODE_REL_SOFT = HRTIMER_MODE_REL | HRTIMER_MODE_SOFT
HRTIMER_MODE_ABS_HARD = HRTIMER_MODE_ABS | HRTIMER_MODE_HARD
HRTIMER_MODE_REL_HARD = HRTIMER_MODE_REL | HRTIMER_MODE_HARD
HRTIMER_MODE_ABS_PINNED = HRTIMER_MODE_ABS | HRTIMER_MODE_PINNED
HRTIMER_MODE_REL_PINNED = HRTIMER_MODE_REL | HRTIMER_MODE_PINNED
HRTIMER_MODE_ABS_PINNED_SOFT = HRTIMER_MODE_ABS_PINNED | HRTIMER_MODE_SOFT
HRTIMER_MODE_REL_PINNED_SOFT = HRTIMER_MODE_REL_PINNED | HRTIMER_MODE_SOFT
HRTIMER_MODE_ABS_PINNED_HARD = HRTIMER_MODE_ABS_PINNED | HRTIMER_MODE_HARD
HRTIMER_MODE_REL_PINNED_HARD = HRTIMER_MODE_REL_PINNED | HRTIMER_MODE_HARD

CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7
NSEC_PER_USEC = 1000
NSEC_PER_MSEC = 1000000
NSEC_PER_SEC = 1000000000


@dataclass(frozen=True, slots=True)
class _Base:
    """An initialised hrtimer's record: armed (pending), how many times it was
    armed (its instance), whether its callback runs, and whether it is soft."""

    pending: bool = False
    seq: int = 0
    running: bool = False
    soft: bool = False

    def __repr__(self):
        state = "pending" if self.pending else "inactive"
        return f"{state} #{self.seq}" + (", running" if self.running else "")


_UNSET = object()


def _st(v):
    return v if v.__class__ is _Base else None


class hrtimer(KObject):
    __slots__ = ("_state", "_func", "_flags", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field or anon("hrtimer")
        self._flags = Loc(0, owner, f"{self._name}.base")      # timer->base (timer.touch)
        self._state = Loc(0, None, f"{self._name}.state")
        self._func = Loc(None, owner, f"{self._name}.function", plain=True)
        self._kid = ("h", self._state.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    @property
    def function(self):
        return run().read(self._func, PLAIN, "hrtimer: load function")

    @function.setter
    def function(self, fn):
        if not callable(fn):
            raise ModelError(f"{self!r}.function = {fn!r}: the callback must be callable")
        run().write(self._func, fn, PLAIN, "hrtimer: set function")

    def __repr__(self):
        if self._owner is not None and getattr(self, "_cptr", None) is None:
            return f"&{self._owner!r}->{self._name}"
        return "&" + self._name


def _check(timer, what):
    if not isinstance(timer, hrtimer):
        raise ModelError(f"{what}({timer!r}): not an hrtimer")
    touch(run(), timer, what, "base")   # lock_hrtimer_base() reads timer->base


def hrtimer_init(timer, clock_id, mode):
    """Initialise (the callback is set through ``timer.function``); an active
    timer is a WARN (ODEBUG "init active")."""
    _check(timer, "hrtimer_init")
    r = run()
    old = _st(r.read(timer._state, ONCE, "hrtimer_init") if r.cur is not None else timer._state.init)
    if old is not None and old.pending:
        r.report("warn", f"ODEBUG: init active (active state 0) object type: hrtimer ({timer!r})")
    seq = old.seq if old is not None else 0
    r.write(timer._state, _Base(False, seq, False, bool(mode & HRTIMER_MODE_SOFT)), ONCE,
            "hrtimer_init")


def hrtimer_setup(timer, function, clock_id, mode):
    """``hrtimer_init`` and the callback in one call (v6.13)."""
    hrtimer_init(timer, clock_id, mode)
    timer.function = function


def hrtimer_start(timer, tim=0, mode=HRTIMER_MODE_REL):
    """Arm the timer (``tim`` is not modelled: it may expire at any point after);
    re-arming a pending one keeps one instance."""
    _check(timer, "hrtimer_start")
    r = run()
    if r.cur is None:
        raise ModelError("hrtimer_start() from main(): start timers from a task")

    def arm(v):
        v = _st(v)
        if v is None:
            raise ModelError(f"hrtimer_start({timer!r}): hrtimer_init() or hrtimer_setup() first")
        if v.pending:
            return NO_WRITE
        return replace(v, pending=True, seq=v.seq + 1)
    old = _st(r.rmw(timer._state, arm, FULL, "hrtimer_start"))
    if not old.pending:
        _spawn(r, timer, old.seq + 1, old.soft, "hrtimer_start")


def _spawn(r, timer, seq, soft, what, fn=_UNSET):
    # timer->function as the enqueuing finds it (the arming task, or the expiry
    # that re-enqueues after HRTIMER_RESTART, touching the timer as
    # enqueue_hrtimer() does): what the expiry calls, loaded under the base lock
    # before anyone can see the timer running (see kernel/timer.py _fire)
    if fn is _UNSET:
        fn = r.read(timer._func, ONCE, f"{what}: load function")
    from .timer import _armed_timers
    _armed_timers(r).setdefault(id(timer), timer)
    name = f"hrtimer:{timer._name}" + (f"#{seq}" if seq > 1 else "")
    child = r.spawn(_expire, (timer, seq, soft, fn), name, False, what)
    child.callback = True
    child.tls["context"] = "an hrtimer callback"


def _expire(timer, seq, soft, fn):
    """The expiry of ``timer``'s ``seq``-th arming, unless it was cancelled."""
    r = run()

    def expire(v):
        v = _st(v)
        if v is None or not v.pending or v.seq != seq:
            return NO_WRITE                 # cancelled (or re-initialised) before it expired
        if v.running:
            return BLOCK                    # never two at once
        return replace(v, pending=False, running=True)
    old = _st(r.rmw(timer._state, expire, FULL, "hrtimer: expire"))
    if old is None or not old.pending or old.seq != seq:
        return
    # fn: what __run_hrtimer() loaded with the timer still its base's (_spawn)
    if not fn:
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: hrtimer {timer!r} expired "
                 "with no function")
        return
    tls = r.cur.tls
    ctx = ("softirq",) if soft else ("hardirq", "irq")     # hardirq: interrupts off
    for k in ctx:
        tls[k] = True
    from .rcu import context_reader
    context_reader(r, r.cur, True)
    restart = fn(timer) == HRTIMER_RESTART
    context_reader(r, r.cur, False)
    for k in ctx:
        tls.pop(k, None)

    # HRTIMER_RESTART: enqueue_hrtimer() touches the timer while the base still
    # has it running, so hrtimer_cancel() waits for it
    again = r.read(timer._func, ONCE, "hrtimer: restart: load function") if restart else None

    def returned(v):
        if restart and not v.pending:
            return replace(v, pending=True, seq=v.seq + 1, running=False)   # enqueued again
        return replace(v, running=False)
    after = _st(r.rmw(timer._state, returned, FULL, "hrtimer: callback returned"))
    if restart and not after.pending:
        _spawn(r, timer, after.seq + 1, after.soft, "hrtimer: restart", again)


def hrtimer_try_to_cancel(timer):
    """Deactivate a pending timer without waiting: 1 if it was pending, 0 if not,
    -1 if its callback is running (it may have re-armed it; nothing is done)."""
    _check(timer, "hrtimer_try_to_cancel")
    r = run()

    def take(v):
        v = _st(v)
        if v is None or v.running or not v.pending:
            return NO_WRITE
        return replace(v, pending=False)
    old = _st(r.rmw(timer._state, take, FULL, "hrtimer_try_to_cancel"))
    if old is None:
        return 0
    if old.running:
        return -1
    return 1 if old.pending else 0


def hrtimer_cancel(timer):
    """Wait until the callback is not running, then deactivate: 1 if it was
    pending.  From the callback itself it waits for ever."""
    _check(timer, "hrtimer_cancel")
    r = run()
    t = r.cur
    if t is not None and t.tls.get("context") == "an hrtimer callback" and t.args and \
            t.args[0] == timer:
        r.report("deadlock", f"hrtimer_cancel({timer!r}) from its own callback waits for itself")

    def take(v):
        v = _st(v)
        if v is None:
            return NO_WRITE
        if v.running:
            return BLOCK
        if not v.pending:
            return NO_WRITE
        return replace(v, pending=False)
    old = _st(r.rmw(timer._state, take, FULL, "hrtimer_cancel"))
    if t is not None:
        # as del_timer_sync: checked under the base's lock, which expiry takes too
        r.fence("smp_mb", "~hrtimer base lock")
    return 1 if old is not None and old.pending else 0


def hrtimer_active(timer):
    _check(timer, "hrtimer_active")
    v = _st(run().read(timer._state, FULL, "hrtimer_active"))
    return v is not None and (v.pending or v.running)


def hrtimer_is_queued(timer):
    _check(timer, "hrtimer_is_queued")
    v = _st(run().read(timer._state, FULL, "hrtimer_is_queued"))
    return v is not None and v.pending


def hrtimer_callback_running(timer):
    _check(timer, "hrtimer_callback_running")
    v = _st(run().read(timer._state, FULL, "hrtimer_callback_running"))
    return v is not None and v.running


def hrtimer_start_range_ns(timer, tim, delta_ns, mode):
    """``hrtimer_start()`` with a slack: time is not modelled, the same."""
    hrtimer_start(timer, tim, mode)


def hrtimer_set_expires(timer, time):
    """Set the expiry of a timer that is not queued (time is not modelled)."""
    _check(timer, "hrtimer_set_expires")


def hrtimer_forward_now(timer, interval):
    """Push the expiry forward: time is not modelled, one overrun."""
    _check(timer, "hrtimer_forward_now")
    return 1


def ms_to_ktime(ms):
    return ms * NSEC_PER_MSEC


def us_to_ktime(us):
    return us * NSEC_PER_USEC


def ns_to_ktime(ns):
    return ns


def ktime_set(secs, nsecs):
    return secs * NSEC_PER_SEC + nsecs


__all__ = ["hrtimer", "hrtimer_init", "hrtimer_setup", "hrtimer_start", "hrtimer_cancel",
           "hrtimer_try_to_cancel", "hrtimer_active", "hrtimer_is_queued",
           "hrtimer_callback_running", "hrtimer_forward_now", "hrtimer_start_range_ns",
           "hrtimer_set_expires", "HRTIMER_MODE_ABS_PINNED", "HRTIMER_MODE_REL_PINNED",
           "HRTIMER_MODE_ABS_PINNED_SOFT", "HRTIMER_MODE_REL_PINNED_SOFT",
           "HRTIMER_MODE_ABS_PINNED_HARD", "HRTIMER_MODE_REL_PINNED_HARD", "HRTIMER_NORESTART",
           "HRTIMER_RESTART", "HRTIMER_MODE_ABS", "HRTIMER_MODE_REL", "HRTIMER_MODE_PINNED",
           "HRTIMER_MODE_SOFT", "HRTIMER_MODE_HARD", "HRTIMER_MODE_ABS_SOFT",
           "HRTIMER_MODE_REL_SOFT", "HRTIMER_MODE_ABS_HARD", "HRTIMER_MODE_REL_HARD",
           "CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME", "ms_to_ktime", "us_to_ktime",
           "ns_to_ktime", "ktime_set", "NSEC_PER_USEC", "NSEC_PER_MSEC", "NSEC_PER_SEC"]
