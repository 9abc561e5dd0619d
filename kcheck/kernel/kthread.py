"""Kernel threads (include/linux/kthread.h): ``kthread_run``,
``kthread_should_stop`` and ``kthread_stop``.

``kthread_run()`` starts a task running ``fn(data)`` (from ``main()`` a task
of the scenario, from a task a context of its own).  ``kthread_stop()`` does
what the kernel's does: sets the thread's should-stop flag, wakes it with
``wake_up_process()`` and waits for it to exit, returning what ``fn``
returned.  So the classic lost wake-up of a thread loop - testing
``kthread_should_stop()`` before ``set_current_state()`` instead of after -
leaves ``kthread_stop()`` waiting for ever: kcheck reports it.

Python models only: a C harness starts its threads with ``pthread_create``.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, ONCE, REL, ACQ


class _KThread(KObject):
    """What ``kthread_run`` returns (``struct task_struct *``): the task by id,
    its should-stop flag and its exit code."""

    __slots__ = ("tid", "name", "_stop", "_ret", "_kid")

    def __init__(self, name):
        self.name = name
        self.tid = None
        self._stop = Loc(0, None, f"{name}.should_stop")
        self._ret = Loc(None, None, f"{name}.exit_code")
        self._kid = ("K", self._stop.lid)

    def __repr__(self):
        return self.name


def _threadfn(kt, fn, data):
    r = run()
    r.cur.tls["kthread"] = kt
    ret = fn(data)
    r.write(kt._ret, ret, REL, "kthread exits")


def kthread_run(fn, data, name):
    """Start a kernel thread running ``fn(data)``; returns its handle."""
    if not callable(fn):
        raise ModelError(f"kthread_run({fn!r}, ...): the thread function must be callable")
    r = run()
    kt = _KThread(str(name))
    if r.cur is None:
        t = r.spawn_static(_threadfn, (kt, fn, data), kt.name)
    else:
        t = r.spawn(_threadfn, (kt, fn, data), kt.name, False, "kthread_run")
    t.done = Loc(0, None, f"{kt.name}.done")
    kt.tid = t.tid
    return kt


def kthread_should_stop():
    r = run()
    t = r.cur
    kt = t.tls.get("kthread") if t is not None else None
    if kt is None:
        raise ModelError("kthread_should_stop() outside a thread started by kthread_run()")
    return r.read(kt._stop, ONCE, "kthread_should_stop") != 0


def kthread_stop(kt):
    """Ask ``kt`` to stop, wake it, wait for it to exit; its function's return value."""
    from .sched import wake_up_process
    if kt.__class__ is not _KThread:
        raise ModelError(f"kthread_stop({kt!r}): not a thread kthread_run() started")
    r = run()
    task = r.tasks[kt.tid] if kt.tid is not None and kt.tid < len(r.tasks) else None
    if task is None:
        raise ModelError(f"kthread_stop({kt!r}): the thread has not been started in this run")
    if task is r.cur:
        raise ModelError(f"kthread_stop({kt!r}) from the thread itself")
    r.write(kt._stop, 1, ONCE, "kthread_stop")
    wake_up_process(task)
    r.wait_exit(task, "kthread_stop: wait for exit")     # wait_for_completion(&kthread->exited)
    return r.read(kt._ret, ACQ, "kthread_stop")


__all__ = ["kthread_run", "kthread_should_stop", "kthread_stop"]
