"""``struct completion`` (kernel/sched/completion.c).

A completion is a count ``done`` and a simple wait queue, both under the
queue's lock.  ``complete()`` takes the lock, increments ``done`` (unless it
is UINT_MAX, what ``complete_all()`` sets) and wakes the first waiter;
``wait_for_completion()`` takes the lock and, while ``done`` is 0, queues
itself, sets its state, drops the lock and sleeps, retaking the lock when it
wakes; then it consumes one ``done`` (none after ``complete_all``).
``try_wait_for_completion()`` and ``completion_done()`` first read ``done``
without the lock, as the kernel does.  ``reinit_completion()`` stores 0.

``done`` is accessed with marked loads and stores: the kernel increments it
with a plain ``x->done++`` under the lock and reads it with ``READ_ONCE``
outside, which KCSAN accepts; kcheck's data-race checks would not.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ONCE, REL, op, anon
from .locking import spinlock_t, _take, _release
from . import sched as S
from .sched import TASK_UNINTERRUPTIBLE, TASK_INTERRUPTIBLE, TASK_NORMAL, MAX_SCHEDULE_TIMEOUT
from .wait import wait_queue_entry
from ..engine.runtime import _model_frame

UINT_MAX = 0xffffffff


class completion(KObject):
    __slots__ = ("_done", "_wait", "lock", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._name = field or anon("completion")
        self._done = Loc(0, owner, f"{self._name}.done")
        self._wait = Loc((), owner, f"{self._name}.wait")
        self.lock = spinlock_t(owner, f"{self._name}.wait.lock")
        self._kid = ("C", self._done.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._done.name().removesuffix('.done')}"


def DECLARE_COMPLETION():
    return completion()


def init_completion(x):
    r = run()
    with op(r, lambda: f"init_completion({x!r})"):
        r.write(x._done, 0, ONCE, "init_completion")
        r.write(x._wait, (), ONCE, "init_completion")


def reinit_completion(x):
    run().write(x._done, 0, ONCE, "reinit_completion")


def _wake_first(r, x, all_, what):
    q = r.read(x._wait, ONCE, what)
    if not q:
        return []
    woken = []
    for entry in (q if all_ else q[:1]):
        if S.try_to_wake_up(entry.task, TASK_NORMAL, "try_to_wake_up"):
            woken.append(entry.task.name)
    r.write(x._wait, () if all_ else q[1:], REL, what)      # swake_up_locked: list_del_init
    return woken


def complete(x):
    """Increment ``done`` and wake one waiter."""
    r = run()
    with op(r, lambda: f"complete({x!r})") as g:
        _take(x.lock, "x", "spin_lock", irqs_off=True)
        r.rmw(x._done, lambda d: d + 1 if d != UINT_MAX else d, ONCE, "complete")
        woken = _wake_first(r, x, False, "complete")
        _release(x.lock, "x", "spin_unlock")
        g.note = f": wakes {woken[0]}" if woken else ": nobody waits"


def complete_all(x):
    """``done = UINT_MAX`` (every wait returns at once from now on) and wake all waiters."""
    r = run()
    with op(r, lambda: f"complete_all({x!r})") as g:
        _take(x.lock, "x", "spin_lock", irqs_off=True)
        r.write(x._done, UINT_MAX, ONCE, "complete_all")
        woken = _wake_first(r, x, True, "complete_all")
        _release(x.lock, "x", "spin_unlock")
        g.note = f": wakes {', '.join(woken)}" if woken else ": nobody waits"


def _explain(x):
    def explain(run, t):
        lid = x._done.lid
        comps = [e for th in run.g.threads for e in th
                 if e.lid == lid and e.tid != t.tid and e.kind == 1 and e.op in ("complete", "complete_all")]
        takers = [e for th in run.g.threads for e in th
                  if e.lid == lid and e.tid != t.tid and e.kind == 1 and e.op.startswith(("wait_for", "try_wait"))]
        resets = [e for th in run.g.threads for e in th
                  if e.lid == lid and e.kind == 1 and e.op in ("reinit_completion", "init_completion")]
        if not comps:
            return f"nobody calls complete({x!r})"
        kinds = sorted({e.op for e in comps})
        who = lambda es: ", ".join(sorted({run._task_name(e.tid) for e in es}))   # noqa: E731
        parts = [f"{len(comps)} {'/'.join(k + '()' for k in kinds)} by {who(comps)}"]
        if takers:
            parts.append(f"consumed by {who(takers)}")
        inits = [e for e in resets if e.op == "init_completion"]
        if resets:
            parts.append(f"reinit_completion() by {who([e for e in resets if e not in inits])}"
                         if len(inits) < len(resets) else "")
        if inits:
            # init_completion() also empties the wait queue: a waiter queued
            # before it is woken by nobody (init_swait_queue_head())
            parts.append(f"init_completion() by {who(inits)} resets it and empties its wait queue")
            return "; ".join(p for p in parts if p) + f": {t.name} is never woken"
        return "; ".join(p for p in parts if p) + f", and none is left for {t.name}"
    return explain


def _wait_for_common(x, timeout, state, what):
    r = run()
    S.sleep_check(what)
    t = r.cur
    with op(r, lambda: f"{what}({x!r})") as g:
        _take(x.lock, "x", "spin_lock", irqs_off=True)
        done = r.read(x._done, ONCE, what)
        if not done:
            entry = wait_queue_entry(t)
            info = S.Sleep(lambda: f"{what}({x!r})", _model_frame(), _explain(x))
            interruptible = state == TASK_INTERRUPTIBLE and "kthread" in t.tls
            while True:
                if interruptible:
                    from .kthread import stop_pending, ERESTARTSYS
                    if stop_pending(r, t):
                        # do_wait_for_common(): signal_pending_state() -> -ERESTARTSYS
                        q = r.read(x._wait, ONCE, what)
                        if entry in q:
                            r.write(x._wait, tuple(e for e in q if e != entry), ONCE, what)
                        _release(x.lock, "x", "spin_unlock")
                        g.note = ": interrupted"
                        return -ERESTARTSYS
                q = r.read(x._wait, ONCE, what)
                if entry not in q:
                    r.write(x._wait, q + (entry,), ONCE, what)     # __prepare_to_swait
                S.__set_current_state(state)
                _release(x.lock, "x", "spin_unlock")
                timeout = (S.schedule_timeout(timeout, info) if timeout != MAX_SCHEDULE_TIMEOUT
                           else (S.schedule(info) or timeout))
                _take(x.lock, "x", "spin_lock", irqs_off=True)
                done = r.read(x._done, ONCE, what)
                if done or not timeout:
                    break
            q = r.read(x._wait, ONCE, what)                          # __finish_swait
            if entry in q:
                r.write(x._wait, tuple(e for e in q if e != entry), ONCE, what)
            if not done:
                _release(x.lock, "x", "spin_unlock")
                g.note = ": timed out"
                return timeout
        if done != UINT_MAX:
            r.write(x._done, done - 1, ONCE, what)
        _release(x.lock, "x", "spin_unlock")
        g.note = ": done"
    return timeout or 1


def wait_for_completion(x):
    _wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_UNINTERRUPTIBLE, "wait_for_completion")


def wait_for_completion_timeout(x, timeout):
    """0 if timed out (the timeout is an explorer choice), else at least 1."""
    return _wait_for_common(x, timeout, TASK_UNINTERRUPTIBLE, "wait_for_completion_timeout")


def wait_for_completion_interruptible(x):
    """0, or -ERESTARTSYS in a kthread that ``kthread_stop()`` interrupts (the
    one signal kcheck models)."""
    ret = _wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_INTERRUPTIBLE,
                           "wait_for_completion_interruptible")
    return ret if ret < 0 else 0


def wait_for_completion_interruptible_timeout(x, timeout):
    """0 if timed out, -ERESTARTSYS in a kthread that ``kthread_stop()``
    interrupts, else the time left (at least 1)."""
    return _wait_for_common(x, timeout, TASK_INTERRUPTIBLE,
                            "wait_for_completion_interruptible_timeout")


def wait_for_completion_killable_timeout(x, timeout):
    """As ``wait_for_completion_timeout`` (fatal signals are not modelled)."""
    return _wait_for_common(x, timeout, TASK_UNINTERRUPTIBLE, "wait_for_completion_killable_timeout")


def wait_for_completion_killable(x):
    """Fatal signals are not modelled (kthread_stop()'s is not one): always 0."""
    _wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_UNINTERRUPTIBLE, "wait_for_completion_killable")
    return 0


def wait_for_completion_io(x):
    """As ``wait_for_completion`` (the kernel's sleeps in ``io_schedule_timeout()``,
    which only accounts the wait as I/O)."""
    _wait_for_common(x, MAX_SCHEDULE_TIMEOUT, TASK_UNINTERRUPTIBLE, "wait_for_completion_io")


def wait_for_completion_io_timeout(x, timeout):
    """As ``wait_for_completion_timeout``: 0 if timed out, else at least 1."""
    return _wait_for_common(x, timeout, TASK_UNINTERRUPTIBLE, "wait_for_completion_io_timeout")


def try_wait_for_completion(x):
    """Consume one ``done`` without sleeping; False if there is none."""
    r = run()
    with op(r, lambda: f"try_wait_for_completion({x!r})") as g:
        if not r.read(x._done, ONCE, "try_wait_for_completion"):
            g.note = " = false"
            return False
        _take(x.lock, "x", "spin_lock", irqs_off=True)
        done = r.read(x._done, ONCE, "try_wait_for_completion")
        ok = bool(done)
        if ok and done != UINT_MAX:
            r.write(x._done, done - 1, ONCE, "try_wait_for_completion")
        _release(x.lock, "x", "spin_unlock")
        g.note = " = true" if ok else " = false"
    return ok


def completion_done(x):
    """Whether ``complete()`` has been called with no waiter left to consume it."""
    r = run()
    with op(r, lambda: f"completion_done({x!r})") as g:
        if not r.read(x._done, ONCE, "completion_done"):
            g.note = " = false"
            return False
        _take(x.lock, "x", "spin_lock", irqs_off=True)                     # wait for complete() to finish
        _release(x.lock, "x", "spin_unlock")
        g.note = " = true"
    return True

__all__ = ["wait_for_completion_killable", "completion", "DECLARE_COMPLETION", "init_completion",
           "reinit_completion",
           "complete", "complete_all", "wait_for_completion", "wait_for_completion_timeout",
           "wait_for_completion_io", "wait_for_completion_io_timeout",
           "wait_for_completion_interruptible", "wait_for_completion_interruptible_timeout",
           "wait_for_completion_killable_timeout", "try_wait_for_completion", "completion_done"]
