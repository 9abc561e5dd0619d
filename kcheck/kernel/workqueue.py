"""Workqueues: ``queue_work`` hands a work item to a worker context.

A workqueue made by ``alloc_workqueue`` (in ``main()``) gets worker tasks
(``max_active`` of them, default 2).  ``queue_work`` sets the item's pending
bit - queuing an item that is already pending does nothing and returns false,
as in the kernel - numbers the queuing and appends it to the queue; a worker
takes the oldest item, clears its pending bit, runs it and marks that
queuing done.  ``flush_workqueue`` reads how many queuings there have been
and waits until each is done - it waits for what was queued before it, as
the kernel's does; ``destroy_workqueue`` flushes and lets the workers exit.
Idle workers at the end of an execution are not a deadlock.

A worker finishing an item writes a word of its own, so finishing never
conflicts with queuing or with another worker taking work: only the things
that race in the kernel (two workers taking, queue vs take, flush vs queue)
make the explorer branch.

The workers of one queue are interchangeable: they run the same loop from
the same state, and nothing a work function can see tells one from another
(``current()`` aside, which kernel code does not look at).  So an execution
in which ``kworker:1`` takes an item before ``kworker:0`` ever has is the
same execution, workers renamed, as one in which ``kworker:0`` takes it.
kcheck explores only the executions in which workers start in index order -
worker ``i`` takes its first item only after workers ``0 .. i-1`` have taken
theirs - which cuts the executions of a queue with two workers and one
item in half and loses no behaviour (symmetry reduction).  The queue's word
counts the workers that have started, so the rule costs no event.
``SYMMETRIC_WORKERS = False`` turns it off (tests compare both ways).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, FULL, PLAIN, WAIT_ACQ
from . import sched as _sched

# queue state: (pending (work, number) pairs, destroyed, workers started);
# the count of queuings is a word of its own

SYMMETRIC_WORKERS = True


class workqueue_struct(KObject):
    __slots__ = ("_loc", "_count", "_kid", "name")

    def __init__(self, name):
        self.name = name
        self._loc = Loc(((), False, 0), None, f"workqueue({name})")
        self._count = Loc(0, None, f"workqueue({name}).queued")
        self._kid = ("q", self._loc.lid)

    def _done(self, i):
        """The word the worker that runs the ``i``-th queuing sets when it is done."""
        return Loc.fixed((1 << 42) + (self._loc.lid << 20) + i, f"workqueue({self.name}).done[{i}]")


class work_struct(KObject):
    __slots__ = ("_pending", "_func", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field or "work"
        self._pending = Loc(0, owner, f"{self._name}.pending")
        self._func = Loc(None, owner, f"{self._name}.func", plain=True)
        self._kid = ("k", self._pending.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else "work"


def INIT_WORK(work, fn):
    """Initialise a work item.  Doing it to an item that is queued corrupts the
    workqueue in the kernel (CONFIG_DEBUG_OBJECTS_WORK says "ODEBUG: init
    active"): kcheck reports it as a WARN."""
    r = run()
    if r.cur is not None and r.read(work._pending, ONCE, "INIT_WORK") != 0:
        r.report("warn", f"ODEBUG: init active (active state 0) object type: work_struct "
                 f"({work!r} is still queued)")
    r.write(work._pending, 0, ONCE, "INIT_WORK")
    r.write(work._func, fn, PLAIN, "INIT_WORK")


def _taker(i):
    """The take of worker ``i``: the oldest item, once workers ``0 .. i-1`` have started."""
    def take(state):
        pending, dead, started = state
        if pending and (i <= started or not SYMMETRIC_WORKERS):
            return (pending[1:], dead, max(started, i + 1))
        return NO_WRITE if dead and not pending else BLOCK
    return take


def _worker(wq, index):
    r = run()
    take = _taker(index)
    while True:
        pending, dead, _ = r.rmw(wq._loc, take, ACQ, "worker: take work")
        if not pending:
            return
        work, nth = pending[0]
        r.write(work._pending, 0, FULL, "worker: clear pending")
        fn = r.read(work._func, PLAIN, "worker: load func")
        fn(work)
        t = r.cur
        if t.held or t.rcu or t.tls.get("bh") or t.tls.get("preempt") or t.tls.get("irq"):
            held = [l._loc.name() for l, m in t.held] + (["rcu_read_lock"] if t.rcu else [])
            r.report("held-at-exit", f"BUG: workqueue leaked lock or atomic: {t.name} "
                     f"({', '.join(held) or 'atomic context'}); last function: "
                     f"{getattr(fn, '__name__', fn)}")
        r.write(wq._done(nth), 1, REL, "worker: work done")


def _is_one(v):
    return NO_WRITE if v == 1 else BLOCK


def alloc_workqueue(name, flags=0, max_active=0, workers=None):
    r = run()
    if r.cur is not None:
        raise ModelError("alloc_workqueue() must be called from main(): its workers are tasks")
    wq = workqueue_struct(name)
    n = workers if workers is not None else (max_active if 0 < max_active <= 2 else 2)
    for i in range(n):
        r.spawn_static(_worker, (wq, i), f"kworker/{name}:{i}", daemon=True)
    return wq


def queue_work(wq, work):
    r = run()
    if r.rmw(work._pending, lambda p: 1 if p == 0 else NO_WRITE, FULL, "queue_work") != 0:
        return False
    i = r.rmw(wq._count, lambda n: n + 1, ONCE, "queue_work") + 1
    old = r.rmw(wq._loc, lambda s: (s[0] + ((work, i),), s[1], s[2]) if not s[1] else NO_WRITE, REL,
                "queue_work")
    if old[1]:
        r.report("warn", f"queue_work on workqueue {wq.name} after destroy_workqueue")
    return True


def work_pending(work):
    return run().read(work._pending, ONCE, "work_pending") != 0


def flush_workqueue(wq):
    r = run()
    _sched.sleep_check("flush_workqueue")
    n = r.read(wq._count, ONCE, "flush_workqueue")
    for i in range(1, n + 1):
        r.rmw(wq._done(i), _is_one, WAIT_ACQ, "flush_workqueue")


def destroy_workqueue(wq):
    flush_workqueue(wq)
    run().rmw(wq._loc, lambda s: (s[0], True, s[2]), FULL, "destroy_workqueue")


def flush_work(work):
    _sched.sleep_check("flush_work")
    run().rmw(work._pending, lambda p: NO_WRITE if p == 0 else BLOCK, WAIT_ACQ, "flush_work")

__all__ = ["workqueue_struct", "work_struct", "alloc_workqueue", "INIT_WORK", "queue_work",
           "flush_workqueue", "destroy_workqueue", "flush_work", "work_pending"]
