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

from ._core import run, KObject, Loc, ModelError, ONCE, REL, ACQ, PLAIN, NO_WRITE, BLOCK, WAIT_ACQ, op
from .struct import KStruct
from .locking import spinlock_t
from .list import list_head
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
        # kthread_create(): asleep until the first wake-up
        r.rmw(kt._woken, lambda v: NO_WRITE if v else BLOCK, WAIT_ACQ, "kthread: waits to be started")
    # kthread(): stopped before it first ran (kthread_run() woke it, but a
    # kthread_stop() came before the CPU did), the thread exits with -EINTR
    # without calling its function - whatever the function would have freed
    # or completed is left to the caller
    stopped = r.read(kt._stop, ONCE, "kthread: should stop?") != 0
    if stopped:
        ret = -EINTR
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
    """Start a kernel thread running ``fn(data)``; returns its handle.  As in the
    kernel, a ``kthread_stop()`` that comes before the thread first runs makes
    it exit with -EINTR without calling ``fn``."""
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


# -- kthread_worker (kernel/kthread.c) ------------------------------------------------
#
# The kernel's code, line for line, over kcheck's primitives: the worker's
# raw spinlock guards its work_list (a list_head of the items' nodes) and
# current_work; kthread_queue_work() adds an item's node under it and wakes
# the worker thread if it runs nothing; kthread_worker_fn() takes the first
# node off the list (list_del_init), sets current_work, drops the lock and
# calls the function - and touches the item no more (a work may free
# itself).  kthread_flush_work() queues a flush item of its own right after
# the item (or first, if the item runs) and waits for its completion;
# kthread_cancel_work_sync() takes the node off the list and, if the item
# runs, blocks its queuing (work->canceling) and flushes it;
# kthread_destroy_worker() flushes the worker, stops its thread, WARNs if
# anything is queued still, and frees the worker.  So the bugs the kernel
# has are kcheck's: an item freed while it is queued (the worker's
# list_del_init() on freed memory) or while it runs, a queuing after the
# destroy's flush (the WARN, and the worker freed under the item), a queuing
# on a worker already freed.
#
# The worker thread idles in schedule() between items; at the end of an
# execution that is no lost wake-up (a worker may live as long as its
# module): kcheck calls it idle, as it does a workqueue's workers.  Since
# v6.13 kthread_create_worker() leaves the thread asleep until the first
# wake-up - kthread_run_worker() wakes it, and so does the first queuing.

_c_view = None              # kcheck.c's view of a C object (set by kcheck.c._kernel)


class kthread_work(KObject):
    """``struct kthread_work``: ``node`` (on a worker's list while queued),
    ``func``, ``worker`` (the last worker it was queued on), ``canceling``."""

    __slots__ = ("node", "_func", "_worker", "_canceling", "_owner", "_kid", "_name", "_dwork")

    def __init__(self, owner=None, field=None):
        from .list import list_head
        name = field or "kwork"
        self._owner = owner
        self._name = name
        self.node = list_head(owner, f"{name}.node")
        self.node._owner = self                 # the worker finds the item from its node
        self._func = Loc(None, owner, f"{name}.func", plain=True)
        self._worker = Loc(None, owner, f"{name}.worker", plain=True)
        self._canceling = Loc(0, owner, f"{name}.canceling", plain=True)
        self._kid = ("w", self._func.lid)
        self._dwork = None

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else self._name


class kthread_worker(KStruct):
    """``struct kthread_worker``: allocated by ``kthread_create_worker()``, or a
    member of a struct (``Embed[kthread_worker]``) set up by ``kthread_init_worker()``."""
    flags: int
    lock: spinlock_t
    work_list: list_head
    delayed_work_list: list_head
    task: object
    current_work: object


def _addr(o):
    """What a pointer field holds for ``o``: its C address for a C object."""
    return getattr(o, "_cptr", o)


def _null(v):
    """A NULL pointer field: None from Python, 0 from C memory."""
    return v is None or (v.__class__ is int and v == 0)


def _as_worker(w, what):
    if w.__class__.__name__ == "Ptr" and _c_view is not None:
        return _c_view(w, "struct kthread_worker")
    if not isinstance(w, kthread_worker):
        raise ModelError(f"{what}({w!r}): not a struct kthread_worker")
    return w


def _work_of(node):
    """The kthread_work whose ``node`` this is (``list_first_entry(..., node)``)."""
    w = node._owner
    if w.__class__.__name__ == "Ptr" and _c_view is not None:
        return _c_view(w, "struct kthread_work")
    return w


def KTHREAD_WORK_INIT(work, fn):
    """``kthread_init_work()``'s static form: the item's initial state (no event)."""
    work.node._next.init = work.node
    work.node._prev.init = work.node
    work._func.init = fn
    return work


def kthread_init_work(work, fn):
    """``memset(work, 0); INIT_LIST_HEAD(&work->node); work->func = fn``.  On an
    item that is queued it corrupts the worker's list."""
    from .list import INIT_LIST_HEAD
    if not callable(fn):
        raise ModelError(f"kthread_init_work({work!r}, {fn!r}): the work function must be a function")
    r = run()
    with op(r, lambda: f"kthread_init_work({work!r}, {getattr(fn, '__name__', fn)})"):
        r.write(work._worker, None, PLAIN, "kthread_init_work")
        r.write(work._canceling, 0, PLAIN, "kthread_init_work")
        INIT_LIST_HEAD(work.node)
        r.write(work._func, fn, PLAIN, "kthread_init_work")


def kthread_init_worker(worker):
    """``memset(worker, 0)``, ``raw_spin_lock_init(&worker->lock)``, and both lists empty."""
    from .list import INIT_LIST_HEAD
    from .locking import spin_lock_init
    worker = _as_worker(worker, "kthread_init_worker")
    r = run()
    with op(r, lambda: f"kthread_init_worker({worker!r})"):
        worker.flags = 0
        worker.task = None
        worker.current_work = None
        spin_lock_init(worker.lock)
        INIT_LIST_HEAD(worker.work_list)
        INIT_LIST_HEAD(worker.delayed_work_list)


_IDLE_OP = "kthread_worker_fn: schedule (no work)"


def _idle(r, t, worker):
    """``schedule()`` with the list empty: a sleep that is idle, not stuck."""
    from .sched import state_word, _running, _check_sleep, Sleep
    from ..engine.runtime import _model_frame
    _check_sleep(r, t, "schedule", scheduling=True)
    t.tls["sleep"] = Sleep(lambda: f"kthread_worker_fn({worker!r}) waiting for work", _model_frame())
    with op(r, "schedule()") as g:
        r.fence("smp_mb", "~schedule")
        r.rmw(state_word(t), _running, WAIT_ACQ, _IDLE_OP)
        g.note = ": woken"
    t.tls["sleep"] = None


def kthread_worker_fn(worker_ptr):
    """The worker thread's function (``kthread_run(kthread_worker_fn, worker, ...)``):
    run the queued items one by one until ``kthread_stop()``."""
    from .sched import set_current_state, __set_current_state, TASK_INTERRUPTIBLE, TASK_RUNNING
    from .locking import raw_spin_lock_irq, raw_spin_unlock_irq
    from .list import list_empty, list_del_init
    r = run()
    worker = _as_worker(worker_ptr, "kthread_worker_fn")
    me = _self(r, "kthread_worker_fn")
    t = r.cur
    t.daemon = True                 # asleep in _idle(): waiting for work, not stuck
    t.idle_op = _IDLE_OP
    t.tls["kthread_worker"] = worker    # _flush_from_itself()
    task = worker.task
    if not _null(task) and task != me:
        r.report("warn", f"WARN_ON(worker->task && worker->task != current) in kthread_worker_fn"
                 f"({worker!r}): the worker runs on another thread already")
    worker.task = me
    while True:
        set_current_state(TASK_INTERRUPTIBLE)       # mb paired with kthread_stop()
        if kthread_should_stop():
            __set_current_state(TASK_RUNNING)
            raw_spin_lock_irq(worker.lock)
            worker.task = None
            raw_spin_unlock_irq(worker.lock)
            return 0
        work = None
        raw_spin_lock_irq(worker.lock)
        if not list_empty(worker.work_list):
            work = _work_of(r.read(worker.work_list._next, PLAIN, "kthread_worker_fn: list_first_entry"))
            list_del_init(work.node)
        worker.current_work = _addr(work) if work is not None else None
        raw_spin_unlock_irq(worker.lock)
        if work is not None:
            fn = r.read(work._func, PLAIN, "kthread_worker_fn: work->func")
            __set_current_state(TASK_RUNNING)
            if not callable(fn):
                r.report("null-deref", f"BUG: kernel NULL pointer dereference: {work!r} ran with no "
                         "function (queued without kthread_init_work())", fatal=True)
            fn(work)
            # "Avoid dereferencing work after this point": it may be freed
        else:
            _idle(r, t, worker)


def _queuing_blocked(r, work):
    from .list import list_empty
    return not list_empty(work.node) or r.read(work._canceling, PLAIN, "queuing_blocked: canceling")


def _insert_work(r, worker, work, pos, what):
    """``kthread_insert_work()``: add ``work`` before ``pos``, wake the worker if idle."""
    from .list import list_empty, list_add_tail
    from .sched import wake_up_process
    if not list_empty(work.node):
        r.report("warn", f"WARN_ON_ONCE(!list_empty(&work->node)) in {what}({work!r}): "
                 "queued twice")
    w = r.read(work._worker, PLAIN, f"{what}: work->worker")
    if not _null(w) and w != _addr(worker):
        r.report("warn", f"WARN_ON_ONCE(work->worker && work->worker != worker) in {what}"
                 f"({worker!r}, {work!r}): a work used with more than one worker")
    list_add_tail(work.node, pos)
    r.write(work._worker, _addr(worker), PLAIN, f"{what}: work->worker = worker")
    if _null(worker.current_work):
        task = worker.task
        if not _null(task):
            wake_up_process(task)


def kthread_queue_work(worker, work):
    """Queue ``work`` on ``worker``; false if it is queued already (or being
    cancelled).  From any context (``raw_spin_lock_irqsave``)."""
    from .locking import raw_spin_lock_irqsave, raw_spin_unlock_irqrestore
    worker = _as_worker(worker, "kthread_queue_work")
    r = run()
    with op(r, lambda: f"kthread_queue_work({worker!r}, {work!r})"):
        flags = raw_spin_lock_irqsave(worker.lock)
        ret = False
        if not _queuing_blocked(r, work):
            _insert_work(r, worker, work, worker.work_list, "kthread_queue_work")
            ret = True
        raw_spin_unlock_irqrestore(worker.lock, flags)
    return ret


def _flush_item(what):
    """A ``struct kthread_flush_work`` on the flusher's stack: an item whose
    function completes ``done``."""
    from .completion import completion, complete
    done = completion(None, f"{what}.done")
    fwork = kthread_work(None, f"{what}.fwork")

    def kthread_flush_work_fn(work):
        complete(done)
    return KTHREAD_WORK_INIT(fwork, kthread_flush_work_fn), done


def _flush_from_itself(r, worker, what):
    """A flush that waits for ``worker`` on ``worker``'s own thread (a work
    function flushing its own item or its worker, or cancelling itself with
    _sync): the flush item is queued behind the running item, which waits for
    it - the thread hangs for good.  The kernel has no check for it (a hung
    task); kcheck reports the self-deadlock at the call, where it was a lost
    wake-up at the end of the execution before 2026-12-02."""
    t = r.cur
    if t is not None and t.tls.get("kthread_worker") is worker:
        r.report("deadlock", f"{what}() on {worker!r}'s own thread: it waits for a flush item "
                 "queued behind the item it is running, which is itself (self-deadlock)",
                 fatal=True)


def _last_worker(r, work, what):
    w = r.read(work._worker, ONCE, f"{what}: work->worker")
    return None if _null(w) else _as_worker(w, what)


def kthread_flush_work(work):
    """If ``work`` is queued or running, wait until it has run (a flush item
    queued right after it, or first when it runs, completes then)."""
    from .locking import raw_spin_lock_irq, raw_spin_unlock_irq
    from .list import list_empty
    from .completion import wait_for_completion
    r = run()
    worker = _last_worker(r, work, "kthread_flush_work")
    if worker is None:
        return
    fwork, done = _flush_item("kthread_flush_work")
    noop = False
    with op(r, lambda: f"kthread_flush_work({work!r})"):
        raw_spin_lock_irq(worker.lock)
        if r.read(work._worker, PLAIN, "kthread_flush_work: work->worker") != _addr(worker):
            r.report("warn", f"WARN_ON_ONCE(work->worker != worker) in kthread_flush_work({work!r})")
        if not list_empty(work.node):
            _insert_work(r, worker, fwork, r.read(work.node._next, PLAIN, "kthread_flush_work"),
                         "kthread_flush_work")
        elif worker.current_work == _addr(work):
            _insert_work(r, worker, fwork, r.read(worker.work_list._next, PLAIN, "kthread_flush_work"),
                         "kthread_flush_work")
        else:
            noop = True
        raw_spin_unlock_irq(worker.lock)
    if not noop:
        _flush_from_itself(r, worker, "kthread_flush_work")
        wait_for_completion(done)


def kthread_flush_worker(worker):
    """Wait until everything queued on ``worker`` before the call has run."""
    from .completion import wait_for_completion
    worker = _as_worker(worker, "kthread_flush_worker")
    fwork, done = _flush_item("kthread_flush_worker")
    kthread_queue_work(worker, fwork)
    _flush_from_itself(run(), worker, "kthread_flush_worker")
    wait_for_completion(done)


def kthread_cancel_work_sync(work):
    """Take ``work`` off its worker's list and wait until it does not run;
    true if it was queued.  While it waits, queuing the item fails (it may
    queue itself: on return it is neither queued nor running).  The worker
    must outlive the call."""
    return _cancel_sync(work, "kthread_cancel_work_sync")


def _cancel_sync(work, what):
    from .locking import raw_spin_lock_irqsave, raw_spin_unlock_irqrestore
    from .list import list_empty, list_del_init
    r = run()
    worker = _last_worker(r, work, what)
    if worker is None:
        return False
    with op(r, lambda: f"{what}({work!r})"):
        flags = raw_spin_lock_irqsave(worker.lock)
        if r.read(work._worker, PLAIN, f"{what}: work->worker") != _addr(worker):
            r.report("warn", f"WARN_ON_ONCE(work->worker != worker) in {what}({work!r})")
        ret = False
        if not list_empty(work.node):           # __kthread_cancel_work()
            list_del_init(work.node)
            ret = True
        if worker.current_work != _addr(work):
            raw_spin_unlock_irqrestore(worker.lock, flags)
            return ret
        r.write(work._canceling, r.read(work._canceling, PLAIN, what) + 1, PLAIN, f"{what}: canceling++")
        raw_spin_unlock_irqrestore(worker.lock, flags)
    kthread_flush_work(work)
    flags = raw_spin_lock_irqsave(worker.lock)
    r.write(work._canceling, r.read(work._canceling, PLAIN, what) - 1, PLAIN, f"{what}: canceling--")
    raw_spin_unlock_irqrestore(worker.lock, flags)
    return ret


def kthread_create_worker(flags, name):
    """Allocate a worker and make its thread (``kthread_create()``: asleep until
    the first wake-up, which ``kthread_run_worker()`` or the first queuing
    gives - v6.13; before, this woke it)."""
    from .slab import kzalloc
    worker = kzalloc(kthread_worker)
    kthread_init_worker(worker)
    worker.flags = flags
    worker.task = kthread_create(kthread_worker_fn, worker, name)
    return worker


def kthread_run_worker(flags, name):
    """``kthread_create_worker()``, then ``wake_up_process(worker->task)``."""
    from .sched import wake_up_process
    worker = kthread_create_worker(flags, name)
    wake_up_process(worker.task)
    return worker


def kthread_destroy_worker(worker):
    """Flush ``worker``, stop its thread and free it; WARN if anything was queued
    after the flush (it never runs, and the worker it points to is gone).  (C's
    is the kernel's code in linux/kthread.h, over these.)"""
    from .slab import kfree
    from .list import list_empty
    r = run()
    worker = _as_worker(worker, "kthread_destroy_worker")
    task = worker.task
    if _null(task):
        r.report("warn", f"WARN_ON(!task) in kthread_destroy_worker({worker!r}): no thread")
        return
    kthread_flush_worker(worker)
    kthread_stop(task)
    if not list_empty(worker.delayed_work_list):
        r.report("warn", f"WARN_ON(!list_empty(&worker->delayed_work_list)) in "
                 f"kthread_destroy_worker({worker!r}): a delayed work is still pending")
    if not list_empty(worker.work_list):
        r.report("warn", f"WARN_ON(!list_empty(&worker->work_list)) in "
                 f"kthread_destroy_worker({worker!r}): work was queued after its flush")
    kfree(worker)


__all__ = ["kthread_run", "kthread_create", "kthread_should_stop", "kthread_stop", "kthread_stop_put",
           "kthread_park", "kthread_unpark", "kthread_should_park", "__kthread_should_park",
           "kthread_parkme", "kthread_exit", "kthread_complete_and_exit",
           "signal_pending", "ERESTARTSYS",
           "get_task_struct", "put_task_struct", "task_struct",
           "kthread_work", "kthread_worker", "KTHREAD_WORK_INIT", "kthread_init_work",
           "kthread_init_worker", "kthread_worker_fn", "kthread_queue_work", "kthread_flush_work",
           "kthread_flush_worker", "kthread_cancel_work_sync", "kthread_create_worker",
           "kthread_run_worker", "kthread_destroy_worker"]
