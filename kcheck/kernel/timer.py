"""Timers (include/linux/timer.h): ``timer_setup``, ``mod_timer``,
``del_timer`` and ``del_timer_sync``.

Time is not modelled: an armed timer may fire at any point after it is
armed - the explorer tries every one - which is all the kernel promises
(a timeout is no ordering).  Arming an inactive timer starts a firing
context for that instance, run like an RCU callback: softirq context, so
sleeping there is a bug and lockdep's softirq rule applies to the locks it
takes.  When it runs, it fires only if its instance is still the pending
one: ``del_timer`` (``timer_delete``) takes a pending timer back and the
instance then never calls the function.

The classic bug is ``del_timer(); kfree()`` while the function runs on
another CPU: ``del_timer`` does not wait for a running callback,
``del_timer_sync`` (``timer_delete_sync``) does - every instance of the
function that may still run has returned when it does.  A timer's function
never runs twice at once (the kernel keeps a running timer on its CPU's
base): an instance re-armed from its own function fires after that one
returns.  ``timer_shutdown_sync`` also makes later arming a no-op.

The timer's word holds whether it is pending, how many times it has been
armed (its instance) and whether its function is running - the timer base's
record, under its lock in the kernel: ``del_timer_sync`` waits on it until
the function is not running, then deactivates, so a function that arms its
own timer again is caught.  The word stands for the base, not the
structure's memory; every call on the timer reads ``timer->flags`` first
(a call on a freed structure's timer is a use-after-free), and the arming
reads ``timer->function``.  The expiry touches the structure no more: the
kernel loads the function under the base lock before anyone can see the
timer running.  Freeing a structure whose timer is still pending is
ODEBUG's "free active object" (``debug_check_no_obj_freed``, at every free).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._core import check_member, run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, FULL, PLAIN, anon, op

HZ = 250
# jiffies does not advance: time is not modelled (every firing point is explored)
jiffies = 0


def msecs_to_jiffies(m):
    return (m * HZ + 999) // 1000


def usecs_to_jiffies(u):
    return (u * HZ + 999999) // 1000000


@dataclass(frozen=True, slots=True)
class _Armed:
    """A timer's word once it has been armed (0 before): whether an instance is
    pending, how many times it has been armed, whether it is shut down, and
    whether its function is running (the timer base's ``running_timer``)."""

    pending: bool
    seq: int
    shutdown: bool = False
    running: bool = False

    def __repr__(self):
        state = "pending" if self.pending else "shut down" if self.shutdown else "idle"
        return f"{state} #{self.seq}" + (", running" if self.running else "")


class timer_list(KObject):
    __slots__ = ("_state", "_func", "_flags", "_owner", "_kid", "_name", "_dwork_work")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._dwork_work = None     # a delayed_work's timer: the work it queues
        self._name = field or anon("timer")
        # timer->flags, in the structure: what lock_timer_base() reads first in every
        # call on the timer, so a call on a freed structure's timer is a use-after-free
        self._flags = Loc(0, owner, f"{self._name}.flags")
        # the timer base's record of it (whether it is pending, its instance):
        # not the structure's own memory, so a firing context whose instance was
        # deleted touches nothing of a structure that may be freed by now
        # (named after the structure all the same: &dev#0->timer.state)
        kn = getattr(owner, "_kname", None) if owner is not None else None
        where = f"{kn()}->{self._name}" if callable(kn) else self._name
        self._state = Loc(0, None, f"{where}.state")
        self._func = Loc(None, owner, f"{self._name}.function", plain=True)
        self._kid = ("T", self._state.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else self._name




def _no_function(fn):
    """A NULL function (``timer_setup(&t, NULL, 0)``, set later through
    ``t->function``: older drivers do)."""
    return fn is None or (fn.__class__ is int and fn == 0)


def timer_setup(timer, fn, flags=0):
    """Initialise: ``fn(timer)`` is what firing calls (NULL: the caller sets
    ``timer->function`` before arming; a timer that fires with none is a NULL
    pointer call).  Doing it to a pending timer is a WARN (ODEBUG: "init active")."""
    if not callable(fn) and not _no_function(fn):
        raise ModelError(f"timer_setup({timer!r}, {fn!r}): the function must be a function or NULL")
    r = run()
    with op(r, lambda: f"timer_setup({timer!r}, {getattr(fn, '__name__', 'NULL')}, {flags})"):
        old = r.read(timer._state, ONCE, "timer_setup") if r.cur is not None else timer._state.init
        if old.__class__ is _Armed and old.pending:
            r.report("warn", f"ODEBUG: init active (active state 0) object type: timer_list "
                     f"({timer!r} is pending)")
        r.write(timer._state, _Armed(False, old.seq, False, old.running)
                if old.__class__ is _Armed else 0, ONCE, "timer_setup")
        r.write(timer._func, fn, PLAIN, "timer_setup")


def _fire(timer, seq, fn):
    """The firing context of ``timer``'s ``seq``-th arming."""
    r = run()

    def expire(v):
        if v.__class__ is not _Armed or not v.pending or v.seq != seq:
            return NO_WRITE                 # deleted (or shut down) before it fired
        if v.running:
            return BLOCK                    # never two at once: the last one returns first
        return _Armed(False, seq, v.shutdown, True)
    old = r.rmw(timer._state, expire, FULL, "timer: expire")
    if old.__class__ is _Armed and old.pending and old.seq == seq:
        # expire_timers() loads timer->function under base->lock, in the same
        # section that marks the timer running: by the time del_timer() can see
        # it running, the load is done, and call_timer_fn() never touches the
        # timer again - a function that does not use the structure may have it
        # freed under it (kcheck loaded it here, after the expiry: a false
        # use-after-free).  The function is the one the arming found
        # (_arm); a structure freed with its timer pending is ODEBUG's
        # "free active object" (debug_check_no_obj_freed).
        if _no_function(fn):
            # call_timer_fn() calls a NULL pointer: the kernel oopses in the softirq
            r.report("null-deref", f"BUG: kernel NULL pointer dereference: {timer!r} fired with no "
                     "function (timer_setup() with NULL and no timer->function before the arming)",
                     fatal=True)
            return
        from .rcu import context_reader
        context_reader(r, r.cur, True)
        fn(timer)           # (a lock it returns holding: held-at-exit when the context ends)
        context_reader(r, r.cur, False)
        # the function has returned: the timer is no longer running (it may be
        # pending again, armed by the function itself)
        r.rmw(timer._state, lambda v: _Armed(v.pending, v.seq, v.shutdown, False), FULL,
              "timer: function returned")


def touch(r, timer, what, word="flags"):
    """The caller's load of the timer's own memory (timer->flags): KASAN's
    use-after-free when the structure holding the timer has been freed.  Never
    written after set-up, so it adds no interleaving."""
    if r.cur is not None:
        r.read(timer._flags, ONCE, f"{what}: load")   # (word: the field, for the reader of this code)


def _arm(timer, what, warn_pending=False):
    r = run()
    t = r.cur
    if t is None:
        raise ModelError(f"{what}() from main(): arm timers from a task")
    with op(r, lambda: f"{what}({timer!r})"):
        return _arm_in(r, timer, what, warn_pending)


def _arm_in(r, timer, what, warn_pending):
    touch(r, timer, what)

    def arm(v):
        if v.__class__ is _Armed:
            if v.pending or v.shutdown:
                return NO_WRITE
            return _Armed(True, v.seq + 1, False, v.running)
        return _Armed(True, 1)
    old = r.rmw(timer._state, arm, FULL, what)
    if old.__class__ is _Armed and (old.pending or old.shutdown):
        if warn_pending and old.pending:
            r.report("warn", f"WARNING: {what} of a pending timer ({timer!r})")
        return 1 if old.pending else 0
    seq = old.seq + 1 if old.__class__ is _Armed else 1
    # timer->function as it is now (set up before arming; the arming task holds
    # the structure): what the expiry calls
    fn = r.read(timer._func, ONCE, f"{what}: load function")
    _armed_timers(r).setdefault(id(timer), timer)
    name = f"timer:{timer._name}" + (f"#{seq}" if seq > 1 else "")    # its instance
    child = r.spawn(_fire, (timer, seq, fn), name, False, what)
    child.callback = True
    child.tls["softirq"] = True
    child.tls["context"] = "a timer callback"
    return 0


def _armed_timers(r):
    """The timers armed in this run (debug_check_no_obj_freed looks at them)."""
    d = r.__dict__.get("armed_timers")
    if d is None:
        d = r.armed_timers = {}
    return d


def _within(timer, oid):
    """Is ``timer``'s memory part of heap object ``oid`` (the structure it is a
    field of, or one that structure is embedded in)?"""
    if timer._flags.oid == oid:
        return True
    o = timer._owner
    for _ in range(8):
        if o is None:
            return False
        if getattr(o, "_oid", None) == oid or getattr(getattr(o, "b", None), "_oid", None) == oid:
            return True
        o = getattr(o, "_owner", None)
    return False


def debug_check_no_obj_freed(r, obj, what):
    """ODEBUG at a free: a timer in the memory being freed that is still pending
    will fire on freed memory ("ODEBUG: free active (active state 0) object
    type: timer_list").  Reads the timer's state word, so the search orders
    the free against its arming, deletion and expiry."""
    timers = r.__dict__.get("armed_timers")
    if not timers or r.cur is None:
        return
    from ..engine.runtime import _oid
    oid = _oid(obj)
    if oid is None:
        return
    for timer in list(timers.values()):
        if not _within(timer, oid):
            continue
        v = r.read(timer._state, ONCE, f"{what}: debug_check_no_obj_freed")
        if getattr(v, "pending", False):        # a timer_list's _Armed, an hrtimer's _Base
            hr = not isinstance(timer, timer_list)
            dwork = getattr(timer, "_dwork_work", None) is not None     # a delayed_work's timer
            fix = ("hrtimer_cancel()" if hr else
                   "cancel_delayed_work_sync()" if dwork else
                   "del_timer_sync() or timer_shutdown_sync()")
            r.report("use-after-free",
                     f"ODEBUG: free active (active state 0) object type: "
                     f"{'hrtimer' if hr else 'timer_list'}: {what} frees {timer!r} while it is "
                     f"pending - it {'expires' if hr else 'fires'} on freed memory ({fix} before "
                     "the free)")


def mod_timer(timer, expires=0):
    """Arm the timer (``expires`` is not modelled); 1 if it was pending (it stays
    so, one instance), 0 if it was inactive.  A shut-down timer stays off."""
    return _arm(timer, "mod_timer")


def add_timer(timer):
    """Arm an inactive timer; on a pending one the kernel WARNs and does nothing."""
    _arm(timer, "add_timer", warn_pending=True)


def timer_pending(timer):
    r = run()
    touch(r, timer, "timer_pending")
    v = r.read(timer._state, ONCE, "timer_pending")
    return v.__class__ is _Armed and v.pending


def _delete(timer, what, wait, shutdown=False):
    """Deactivate the timer if it is pending; 1 if it was.  With ``wait``, as
    the kernel's ``del_timer_sync()`` loops on ``try_to_del_timer_sync()``: it
    waits until the function is not running, then deactivates - so a function
    that arms its own timer again is caught.  (Arming by anyone else after the
    call returns is the caller's to prevent: "callers must prevent restarting
    of the timer".)"""
    r = run()
    with op(r, lambda: f"{what}({timer!r})"):
        return _delete_in(r, timer, what, wait, shutdown)


def _delete_in(r, timer, what, wait, shutdown):
    touch(r, timer, what)
    if wait:
        t = r.cur
        if t is not None and t.tls.get("context") == "a timer callback" and t.args and \
                t.args[0] == timer:
            r.report("deadlock", f"{what}({timer!r}) from its own function waits for itself")

    def take(v):
        if v.__class__ is not _Armed:
            return _Armed(False, 0, True) if shutdown else NO_WRITE
        if wait and v.running:
            return BLOCK
        if not v.pending and (v.shutdown or not shutdown):
            return NO_WRITE
        return _Armed(False, v.seq, v.shutdown or shutdown, v.running)
    old = r.rmw(timer._state, take, FULL, what)
    if wait and r.cur is not None:
        # the kernel checks and detaches under the timer base's lock, which the
        # expiry path takes too: what the function did is ordered before what
        # follows, even when nothing was pending (a failed RMW orders nothing
        # by itself under the LKMM, and is no acquire either)
        r.fence("smp_mb", "~timer base lock")
    return 1 if old.__class__ is _Armed and old.pending else 0


def del_timer(timer):
    """Deactivate a pending timer (it will not fire); 1 if it was pending.  A
    running function is not waited for."""
    return _delete(timer, "del_timer", False)


def del_timer_sync(timer):
    """As ``del_timer``, then wait until no instance of the function runs."""
    return _delete(timer, "del_timer_sync", True)


def timer_shutdown(timer):
    """Deactivate and make later arming a no-op; no wait."""
    return _delete(timer, "timer_shutdown", False, shutdown=True)


def timer_shutdown_sync(timer):
    """Deactivate, make later arming a no-op, and wait for a running function."""
    return _delete(timer, "timer_shutdown_sync", True, shutdown=True)


timer_delete = del_timer
timer_delete_sync = del_timer_sync


def from_timer(var_type, timer, field):
    """``from_timer(var, timer, field)``: the structure ``timer`` is embedded in
    (``container_of``)."""
    if isinstance(timer, type) and isinstance(var_type, timer_list):
        raise ModelError(f"from_timer({var_type!r}, {timer.__name__}, ...): the arguments are in "
                         "the kernel's order, from_timer(var, timer, field): the struct type first")
    owner = getattr(timer, "_owner", None)
    if owner is None:
        raise ModelError(f"from_timer({timer!r}): not embedded in a struct")
    if isinstance(var_type, type) and not isinstance(owner, var_type):
        raise ModelError(f"from_timer({timer!r}, {var_type.__name__}): it is inside a "
                         f"{type(owner).__name__}")
    check_member(f"from_timer({type(owner).__name__}, {timer!r}, {field})", timer, owner, field)
    return owner


__all__ = ["timer_list", "timer_setup", "mod_timer", "add_timer", "timer_pending", "del_timer",
           "del_timer_sync", "timer_delete", "timer_delete_sync", "timer_shutdown",
           "timer_shutdown_sync", "from_timer", "HZ", "jiffies", "msecs_to_jiffies",
           "usecs_to_jiffies"]
