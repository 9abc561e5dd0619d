"""Kernel threads (include/linux/kthread.h): ``kthread_run``,
``kthread_should_stop`` and ``kthread_stop``.

``kthread_run()`` starts a task running ``fn(data)`` (from ``main()`` a task
of the scenario, from a task a context of its own).  ``kthread_stop()`` does
what the kernel's does: sets the thread's should-stop flag, wakes it with
``wake_up_process()`` and waits for it to exit, returning what ``fn``
returned.  So the classic lost wake-up of a thread loop - testing
``kthread_should_stop()`` before ``set_current_state()`` instead of after -
leaves ``kthread_stop()`` waiting for ever: kcheck reports it.

The thread's ``struct task_struct`` has a life of its own: the thread holds
a reference until it exits, ``kthread_stop()`` takes one for as long as it
runs (``get_task_struct()``), and the last ``put_task_struct()`` frees it.
A thread whose function returns on its own - not because it was asked to
stop - is reaped, and a ``kthread_stop()`` after that touches freed memory:
the kernel's "If threadfn() may call kthread_exit() itself, the caller must
ensure task_struct can't go away" (``get_task_struct()`` after starting it,
``kthread_stop_put()`` or ``put_task_struct()`` after stopping it).  The
free is immediate here; the kernel's goes through RCU, which only matters to
a reader of the task under ``rcu_read_lock()``.

Parking (kernel/kthread.c): ``kthread_park()`` sets the thread's
KTHREAD_SHOULD_PARK bit, wakes it with ``wake_up_process()`` and waits on its
``parked`` completion, which ``kthread_parkme()`` (``__kthread_parkme()``)
completes before it sleeps in TASK_PARKED - a state ``wake_up_process()``
does not wake; only ``kthread_unpark()``'s ``wake_up_state(k, TASK_PARKED)``
does, after clearing the bit.  A thread whose loop never calls
``kthread_parkme()`` when ``kthread_should_park()`` leaves ``kthread_park()``
waiting for ever (reported as a lost wake-up: both tasks asleep, nobody left to wake them).  As in ``kthread()``, a new thread parks
before calling its function if the bit is already set, and ``kthread_stop()``
unparks a parked thread before it waits for its exit.

C harnesses call the same functions (linux/kthread.h): ``kthread_run()``
there runs a C function ``int threadfn(void *data)``.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, ONCE, REL, ACQ, NO_WRITE, BLOCK, WAIT_ACQ, op
from .struct import KStruct
from .refcount import refcount_t, refcount_set, refcount_inc, refcount_dec_and_test
from .completion import completion


class task_struct(KStruct):
    """A kernel thread's ``struct task_struct``: its reference count."""
    usage: refcount_t


class _KThread(KObject):
    """What ``kthread_run`` returns (``struct task_struct *``): the task by id,
    its should-stop flag and its exit code."""

    __slots__ = ("tid", "name", "_stop", "_ret", "_kid", "_task", "_woken", "_park", "_parked",
                 "_exiting")

    def __init__(self, name):
        self.name = name
        self.tid = None
        self._stop = Loc(0, None, f"{name}.should_stop")
        self._park = Loc(0, None, f"{name}.should_park")        # KTHREAD_SHOULD_PARK
        self._parked = completion(None, f"{name}.parked")       # struct kthread's parked
        self._exiting = Loc(0, None, f"{name}.PF_EXITING")
        self._ret = Loc(None, None, f"{name}.exit_code")
        self._kid = ("K", self._stop.lid)
        self._woken = None          # kthread_create(): its first wake-up starts it

    def _task_in(self, r, what):
        """The thread's task in this run (a model error if there is none)."""
        task = r.tasks[self.tid] if self.tid is not None and self.tid < len(r.tasks) else None
        if task is None:
            raise ModelError(f"{what}({self!r}): the thread has not been started in this run")
        return task

    def _as_task(self, r):
        """The thread's task, for ``wake_up_process()``: a thread ``kthread_create()``
        made is started by its first wake-up."""
        task = self._task_in(r, "wake_up_process")
        if self._woken is not None:
            r.rmw(self._woken, lambda v: 1 if v == 0 else NO_WRITE, REL, "wake_up_process: start")
        return task

    @property
    def c_addr(self):
        """An address for C code that casts the handle (``IS_ERR(tsk)``): in the
        direct map, never an error value, one per thread."""
        return 0xFFFF888000000000 + (self._stop.lid << 12)

    def __repr__(self):
        return self.name


EINTR = 4


class KthreadExit(BaseException):
    """``kthread_exit(code)`` unwinding the thread to ``kthread()``, which ends it
    with ``code`` as its result (what ``kthread_stop()`` returns).  A BaseException,
    as the kernel's exit is no error a model's ``except Exception`` may catch."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _call(fn, data):
    try:
        return fn(data)
    except KthreadExit as e:
        return e.code


def _threadfn(kt, fn, data):
    r = run()
    r.cur.tls["kthread"] = kt
    if kt._woken is not None:
        # kthread_create(): asleep until the first wake-up; stopped before it, the
        # thread exits without calling its function
        r.rmw(kt._woken, lambda v: NO_WRITE if v else BLOCK, WAIT_ACQ, "kthread: waits to be started")
        stopped = r.read(kt._stop, ONCE, "kthread: should stop?") != 0
        if stopped:
            ret = -EINTR
        else:
            _parkme_first(r, kt)
            ret = _call(fn, data)
    else:
        _parkme_first(r, kt)
        ret = _call(fn, data)
    r.write(kt._exiting, 1, ONCE, "kthread exits: PF_EXITING")
    r.write(kt._ret, ret, REL, "kthread exits")
    _put(kt, "kthread exits: reaped")


def _put(kt, what):
    if refcount_dec_and_test(kt._task.usage):
        run().free(kt._task, what)


def kthread_run(fn, data, name):
    """Start a kernel thread running ``fn(data)``; returns its handle."""
    return _make(fn, data, name, "kthread_run", started=True)


def kthread_create(fn, data, name):
    """Make a kernel thread that runs ``fn(data)`` once ``wake_up_process()``
    wakes it (or exits without running it if ``kthread_stop()`` comes first)."""
    return _make(fn, data, name, "kthread_create", started=False)


def _make(fn, data, name, what, started):
    if not callable(fn):
        raise ModelError(f"{what}({fn!r}, ...): the thread function must be callable")
    r = run()
    kt = _KThread(str(name))
    if not started:
        kt._woken = Loc(0, None, f"{kt.name}.started")
    kt._task = task_struct()
    r.alloc(kt._task, "kthread_run")
    refcount_set(kt._task.usage, 1)         # the thread's own, dropped when it is reaped
    if r.cur is None:
        t = r.spawn_static(_threadfn, (kt, fn, data), kt.name)
    else:
        t = r.spawn(_threadfn, (kt, fn, data), kt.name, False, what)
    t.done = Loc(0, None, f"{kt.name}.done")
    kt.tid = t.tid
    return kt


def _self(r, what):
    t = r.cur
    kt = t.tls.get("kthread") if t is not None else None
    if kt is None:
        raise ModelError(f"{what}() outside a thread started by kthread_run()")
    return kt


def kthread_should_stop():
    r = run()
    kt = _self(r, "kthread_should_stop")
    return r.read(kt._stop, ONCE, "kthread_should_stop") != 0


# -- parking (kernel/kthread.c) ---------------------------------------------------

ENOSYS = 38
EBUSY = 16


def kthread_should_park():
    """``test_bit(KTHREAD_SHOULD_PARK, &to_kthread(current)->flags)``."""
    r = run()
    kt = _self(r, "kthread_should_park")
    return r.read(kt._park, ONCE, "kthread_should_park") != 0


def __kthread_should_park(kt):
    """``kthread_should_park()`` of thread ``kt`` (not necessarily current)."""
    _check(kt, "__kthread_should_park")
    return run().read(kt._park, ONCE, "__kthread_should_park") != 0


def _parkme(r, kt):
    """``__kthread_parkme()``: until the bit is clear, TASK_PARKED, complete
    ``parked`` and sleep.  ``set_special_state()`` takes ``current->pi_lock``,
    which ``try_to_wake_up()`` takes too; kcheck puts a full barrier after the
    state store instead (either way ``kthread_unpark()``'s clear-then-wake
    cannot be missed)."""
    from .sched import state_word, schedule, Sleep, TASK_PARKED, TASK_RUNNING
    from .completion import complete
    from ..engine.runtime import _model_frame
    t = r.cur
    where = _model_frame()
    while True:
        with op(r, "set_special_state(TASK_PARKED)"):
            r.write(state_word(t), TASK_PARKED, ONCE, "set_special_state")
            r.fence("smp_mb", "~set_special_state")
        t.tls["set_state"] = TASK_PARKED
        if r.read(kt._park, ONCE, "__kthread_parkme: should park?") == 0:
            break
        complete(kt._parked)
        schedule(Sleep(lambda: "kthread_parkme() (TASK_PARKED, until kthread_unpark())", where,
                       lambda run, t: f"nobody calls kthread_unpark({kt.name}) or "
                                      f"kthread_stop({kt.name}) after it parked"))
    r.write(state_word(t), TASK_RUNNING, ONCE, "__set_current_state")
    t.tls["set_state"] = TASK_RUNNING


def _parkme_first(r, kt):
    """``kthread()`` calls ``__kthread_parkme()`` before the thread function.  Its
    first test of the bit decides whether it parks: kcheck tests it first and
    runs the loop only when it is set (the TASK_PARKED store before that test
    changes nothing another task can see: ``wake_up_process()`` leaves a
    TASK_PARKED task alone and the thread is running either way)."""
    if r.read(kt._park, ONCE, "kthread: should park?") != 0:
        _parkme(r, kt)


def kthread_parkme():
    """Park the current kthread until ``kthread_unpark()`` (or ``kthread_stop()``)."""
    r = run()
    _parkme(r, _self(r, "kthread_parkme"))


def kthread_park(kt):
    """Set the thread's should-park bit, wake it and wait until it parks; 0, or
    -ENOSYS (and a WARN) if it exited, -EBUSY (WARN_ON_ONCE) if already asked.
    From the thread itself only the bit is set."""
    from .sched import wake_up_process, sleep_check, state_word, TASK_PARKED
    from .completion import wait_for_completion
    _check(kt, "kthread_park")
    r = run()
    task = kt._task_in(r, "kthread_park")
    with op(r, lambda: f"kthread_park({kt!r})") as g:
        if r.read(kt._exiting, ONCE, "kthread_park: PF_EXITING?"):
            r.report("warn", f"WARN_ON(k->flags & PF_EXITING) in kthread_park({kt!r}): "
                     "the thread has exited")
            g.note = " = -ENOSYS"
            return -ENOSYS
        if r.read(kt._park, ONCE, "kthread_park: test_bit(KTHREAD_SHOULD_PARK)"):
            r.report("warn", f"WARN_ON_ONCE(test_bit(KTHREAD_SHOULD_PARK)) in kthread_park({kt!r}): "
                     "already asked to park")
            g.note = " = -EBUSY"
            return -EBUSY
        r.rmw(kt._park, lambda v: 1, ONCE, "kthread_park: set_bit(KTHREAD_SHOULD_PARK)")
    if task is not r.cur:
        sleep_check("kthread_park")             # wait_for_completion()'s might_sleep()
        wake_up_process(kt)
        wait_for_completion(kt._parked)
        # wait_task_inactive(k, TASK_PARKED): 0 if the state changed meanwhile
        if r.read(state_word(task), ONCE, "wait_task_inactive") != TASK_PARKED:
            r.report("warn", f"WARN_ON_ONCE(!wait_task_inactive(k, TASK_PARKED)) in "
                     f"kthread_park({kt!r}): it was unparked while kthread_park() waited")
    return 0


def _unpark(r, kt, task):
    from .sched import try_to_wake_up, TASK_PARKED
    with op(r, lambda: f"kthread_unpark({kt!r})"):
        # as kernel/kthread.c: a thread never asked to park is left alone (so
        # kthread_stop() of a thread that does not park costs one read)
        if r.read(kt._park, ONCE, "kthread_unpark: test_bit(KTHREAD_SHOULD_PARK)") == 0:
            return
        r.rmw(kt._park, lambda v: 0 if v else NO_WRITE, ONCE,
              "kthread_unpark: clear_bit(KTHREAD_SHOULD_PARK)")
        try_to_wake_up(task, TASK_PARKED, "kthread_unpark: wake_up_state")


def kthread_unpark(kt):
    """Clear the should-park bit and wake the thread if it sleeps in TASK_PARKED."""
    _check(kt, "kthread_unpark")
    r = run()
    _unpark(r, kt, kt._task_in(r, "kthread_unpark"))


ERESTARTSYS = 512


def stop_pending(r, t):
    """``signal_pending(current)`` as far as kcheck models signals: a kthread that
    ``kthread_stop()`` was called on has one (TIF_NOTIFY_SIGNAL, a7c01fa93aeb
    "signal: break out of wait loops on kthread_stop()", v6.1), so its
    interruptible sleeps end with -ERESTARTSYS/-EINTR and its loop sees
    ``kthread_should_stop()``.  Other tasks never have a signal pending."""
    kt = t.tls.get("kthread") if t is not None else None
    if kt is None:
        return False
    return r.read(kt._stop, ONCE, "signal_pending") != 0


def signal_pending(task=None):
    """``signal_pending(current)``: true in a kthread once ``kthread_stop()`` was called on it."""
    r = run()
    return stop_pending(r, r.cur)


def kthread_stop(kt):
    """Ask ``kt`` to stop, wake it, wait for it to exit; its function's return value."""
    from .sched import wake_up_process
    _check(kt, "kthread_stop")
    r = run()
    task = kt._task_in(r, "kthread_stop")
    if task is r.cur:
        raise ModelError(f"kthread_stop({kt!r}) from the thread itself")
    get_task_struct(kt)
    r.write(kt._stop, 1, ONCE, "kthread_stop")
    _unpark(r, kt, task)
    wake_up_process(kt)
    r.wait_exit(task, "kthread_stop: wait for exit")     # wait_for_completion(&kthread->exited)
    ret = r.read(kt._ret, ACQ, "kthread_stop")
    put_task_struct(kt)
    return ret


def _own_usage(r, t):
    """The ``task_struct`` usage count of a task that is not a kthread (main()'s
    tasks, pthreads, work items): 1 - the task's own, which kcheck never drops
    (it does not model reaping) - plus what ``get_task_struct()`` took."""
    return Loc.fixed((1 << 44) + t.tid, f"{t.name}->usage", init=1)


def _plain_task(r, p, what):
    """``p`` as a task of this run that is not a kthread, or None."""
    if p.__class__ is _KThread:
        return None
    if r.cur is not None and p is r.cur and r.cur.tls.get("kthread") is not None:
        return None
    if getattr(p, "tid", None) is not None and getattr(p, "tls", None) is not None:
        return p
    raise ModelError(f"{what}({p!r}): not a task (current, or a thread kthread_run() started)")


def _handle(r, p):
    """A kthread's handle for ``p`` (its own task, as ``current`` gives it)."""
    if p.__class__ is _KThread:
        return p
    kt = getattr(p, "tls", {}).get("kthread") if getattr(p, "tls", None) is not None else None
    return kt if kt is not None else p


def get_task_struct(kt):
    """Take a reference on the task's ``task_struct`` (a kthread's handle, or any
    task: ``get_task_struct(current)``)."""
    r = run()
    kt = _handle(r, kt)
    t = _plain_task(r, kt, "get_task_struct")
    if t is not None:
        def inc(v):
            return v + 1
        if r.rmw(_own_usage(r, t), inc, ONCE, "get_task_struct") == 0:
            r.report("refcount-warn", f"refcount_t: addition on 0; use-after-free "
                     f"(get_task_struct({t.name}))")
        return kt
    _check(kt, "get_task_struct")
    refcount_inc(kt._task.usage)
    return kt


def put_task_struct(kt):
    """Drop a reference; the last one frees the ``task_struct``."""
    r = run()
    kt = _handle(r, kt)
    t = _plain_task(r, kt, "put_task_struct")
    if t is not None:
        old = r.rmw(_own_usage(r, t), lambda v: v - 1, REL, "put_task_struct")
        if old <= 1:
            r.report("refcount-warn" if old < 1 else "use-after-free",
                     f"put_task_struct({t.name}): " + ("refcount_t: underflow; use-after-free"
                     if old < 1 else "the last reference to a task that still runs: its "
                     "task_struct is freed under it"))
        return
    _check(kt, "put_task_struct")
    _put(kt, "put_task_struct")


def kthread_exit(code):
    """End the current kthread here, with ``code`` as its result (kernel/kthread.c:
    the thread does not return to its function)."""
    r = run()
    _self(r, "kthread_exit")
    raise KthreadExit(code)


def kthread_complete_and_exit(comp, code):
    """``if (comp) complete(comp); kthread_exit(code);`` - the thread ends in the
    kernel's code, so the waiter may unload the module that held its function."""
    from .completion import complete
    r = run()
    _self(r, "kthread_complete_and_exit")
    if comp is not None:
        complete(comp)
    raise KthreadExit(code)


def kthread_stop_put(kt):
    """``kthread_stop()`` then ``put_task_struct()`` (v6.6)."""
    ret = kthread_stop(kt)
    put_task_struct(kt)
    return ret


def _check(kt, what):
    if kt.__class__ is not _KThread:
        raise ModelError(f"{what}({kt!r}): not a thread kthread_run() started")


__all__ = ["kthread_run", "kthread_create", "kthread_should_stop", "kthread_stop", "kthread_stop_put",
           "kthread_park", "kthread_unpark", "kthread_should_park", "__kthread_should_park",
           "kthread_parkme", "kthread_exit", "kthread_complete_and_exit",
           "signal_pending", "ERESTARTSYS",
           "get_task_struct", "put_task_struct", "task_struct"]
