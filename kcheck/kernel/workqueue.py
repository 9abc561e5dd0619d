"""Workqueues: ``queue_work`` hands a work item to a worker context.

``queue_work`` sets the item's pending bit - queuing an item that is already
pending does nothing and returns false, as in the kernel - numbers the
queuing and puts it on the queue; a worker takes it, clears its pending bit,
runs it and marks that queuing done.  Who the workers are depends on the
queue's ``max_active``:

- the kernel's default (``alloc_workqueue(name, flags, 0)``, max_active 256)
  or any larger than 2: **unbounded**.  Each queuing gets a worker context of
  its own, started by the queuing (as a system queue's, below), so any number
  of items run at once, as a pool that always has an idle kworker.  Until
  2026-12-02 such a queue had two worker tasks in ``main()``: a third item
  queued while two ran had to wait, which the kernel does not make it do,
  and each idle worker's take of each item was a branch of the search
  (``v5.18`` on ``memslot+vcpu``, whose zap queue is one of these, went from
  103,092 executions to 79,984 at the claims' sizes).  The oracle
  (tests/test_workqueue_symmetry.py): on generated programs with queuings
  and cancels, an unbounded queue and a queue with a worker task for every
  queuing agree on every outcome and every bug.
- 1 or 2 (``alloc_ordered_workqueue()`` is 1), or ``workers=n``: that many
  worker tasks, made in ``main()``; a worker takes the oldest item, and one
  that finds none idles in its take.  Idle workers at the end of an
  execution are not a deadlock.

``flush_workqueue`` reads how many queuings there have been
and waits until each is done - it waits for what was queued before it, as
the kernel's does.  ``destroy_workqueue`` is the kernel's: it marks the queue
as going away (``__WQ_DESTROYING``/``__WQ_DRAINING``), so a later
``queue_work`` WARNs and queues nothing - unless a work item of that same
queue is chaining itself (``is_chained_work()``) - and then drains it, round
after round, until nothing is left.  The workers do not look at the mark:
kworkers belong to their pool, not to a queue, and go on idling when a queue
goes away.

That is also why the mark lives in the queuing count's word and not in the
queue's: a worker's take waits on the queue's word, so a destroy that wrote
it would be a write every idle worker could read from - an execution in
which the worker wakes up to find nothing, for every execution in which it
did not, doubling what a model with a queue and a teardown explores.

The kernel's own queues (``system_wq`` ..., ``schedule_work``) have no
workers in ``main()``: an item queued there runs in a worker context of its
own.  Delayed work is queued at once (time is not modelled; a worker may take
it at any later point, which is all a delay promises).

A work item is not reentrant: an instance queued while the last one still
runs starts only once it has returned.  The kernel hands such an instance
to the worker running the last one; kcheck's worker that took it waits
instead (a difference only for a queue whose every worker is busy with a
function that waits for more work of the same queue).

A worker finishing an item writes a word of its own, so finishing never
conflicts with queuing or with another worker taking work: only the things
that race in the kernel (two workers taking, queue vs take, flush vs queue)
make the explorer branch.

The worker tasks of one queue are interchangeable: they run the same loop from
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

import functools

from dataclasses import dataclass

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, FULL, PLAIN, WAIT_ACQ, op
from . import sched as _sched
from .bitops import ordered_conditional_rmw

# queue state: (pending (work, number) pairs, workers started); the count of
# queuings is a word of its own, which also holds the destroy mark (_Dying)

SYMMETRIC_WORKERS = True


class _WQState(tuple):
    """A queue's word: (pending queuings (work, i, seq), workers started).
    A tuple, shown in traces as the work items waiting: ``[&dev#0->work]``."""

    __slots__ = ()

    def __new__(cls, pending, started):
        return tuple.__new__(cls, (pending, started))

    def __getnewargs__(self):           # pickled with its fields (parallel search)
        return tuple(self)

    def __repr__(self):
        return "[" + ", ".join(repr(p[0]) for p in self[0]) + "]"


class _Dying(int):
    """The queuing count of a queue that ``destroy_workqueue`` has marked
    (``__WQ_DESTROYING``): a count still, since chained work goes on counting."""

    __slots__ = ()

    def __repr__(self):
        return f"{int(self)} (destroying)"


class workqueue_struct(KObject):
    __slots__ = ("_loc", "_count", "_kid", "name", "unbounded")

    def __init__(self, name, unbounded=False):
        self.name = name
        self.unbounded = unbounded      # a worker context per queuing, no worker tasks
        self._loc = Loc(_WQState((), 0), None, f"workqueue({name})")
        self._count = Loc(0, None, f"workqueue({name}).queued")
        self._kid = ("q", self._loc.lid)

    def __repr__(self):
        # a trace names the queue as the kernel's does (its name), not by a
        # Python address that changes from run to run (a review)
        return self.name

    def _done(self, i):
        """The word the worker that runs the ``i``-th queuing sets when it is done."""
        return Loc.fixed((1 << 42) + (self._loc.lid << 20) + i, f"workqueue({self.name}).done[{i}]")


class work_struct(KObject):
    __slots__ = ("_pending", "_func", "_owner", "_kid", "_name", "_dwork", "_rwork")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field or "work"
        self._pending = Loc(0, owner, f"{self._name}.pending")
        self._func = Loc(None, owner, f"{self._name}.func", plain=True)
        self._kid = ("k", self._pending.lid)
        self._dwork = None
        self._rwork = None

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else "work"


@dataclass(frozen=True, slots=True)
class _Queued:
    """A work item's pending word once it has been queued (0 before): whether
    it is pending, its instance - how many times it has been queued - and the
    queue it went to.  ``flush_work`` and ``cancel_work_sync`` wait for the
    instance to finish running (its own done word, ``_instance_done``), which
    a pending bit alone cannot tell: it clears when a worker takes the item,
    before the function runs."""

    pending: bool
    seq: int
    wq: object
    canceling: bool = False     # cancel_work*() holds the pending bit: queuing fails
    timer: bool = False         # a queuing on no queue yet: a delayed work's timer, or
    disabled: int = 0           # disable_work*() count (v6.10): queuing fails while > 0
    rcu: bool = False           # (with timer) an rcu_work's grace period, not a timer
    early: bool = False         # queued by main() (before any task ran) on an unbounded queue

    def __repr__(self):
        state = ("canceling" if self.canceling else
                 f"pending ({'rcu' if self.rcu else 'timer'})" if self.timer and self.pending
                 else "pending" if self.pending else "idle")
        if self.disabled:
            state += f", disabled ({self.disabled})"
        return f"{state} #{self.seq} on {self.wq.name if self.wq is not None else 'no queue'}"


def _is_pending(v):
    return v.__class__ is _Queued and v.pending


def _instance_done(work, seq):
    """The word the worker that runs ``work``'s ``seq``-th queuing sets when the
    function has returned (or ``cancel_work`` when it took that queuing back)."""
    return Loc.keyed(1, work._pending.lid, seq, f"{str(work).lstrip('&')}.done[{seq}]")


def _wait_instance(r, work, seq, what):
    """Wait until ``work``'s ``seq``-th queuing is over (0: nothing to wait for)."""
    if seq > 0:
        r.rmw(_instance_done(work, seq), _is_one, WAIT_ACQ, what)


def _run_instance(r, work, seq, wq):
    """A worker's run of ``work``'s ``seq``-th queuing, once it has taken it:
    process_one_work() - worker->current_func = work->func, then
    set_work_pool_and_clear_pending() (a full barrier), then the call.  A work
    item never runs on two workers at once: the kernel hands a new instance to
    the worker still running the last one; here the worker that took it
    waits for that one to return first.  Returns the function it called."""
    _wait_instance(r, work, seq - 1, "worker: wait for the running instance")
    fn = r.read(work._func, PLAIN, "worker: load func")
    r.write(work._pending, _Queued(False, seq, wq), FULL, "worker: clear pending")
    if not callable(fn):
        # a work item queued without INIT_WORK(): process_one_work() calls the NULL
        # work->func and the worker oopses (was kcheck's own TypeError)
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: {work!r} ran with no "
                 "function (queued without INIT_WORK()/INIT_DELAYED_WORK())", fatal=True)
        return fn
    fn(work)
    return fn


def _one_step(text):
    """A kernel call whose events a trace shows as one line, ``text(*args)``
    (kernel._core.op): its steps are the workqueue's bookkeeping."""
    def wrap(fn):
        @functools.wraps(fn)
        def call(*args):
            with op(run(), lambda: text(*args)):
                return fn(*args)
        return call
    return wrap


def _fname(fn):
    return getattr(fn, "__name__", repr(fn))


@_one_step(lambda work, fn: f"INIT_WORK({work!r}, {_fname(fn)})")
def INIT_WORK(work, fn):
    """Initialise a work item.  Doing it to an item that is queued corrupts the
    workqueue in the kernel (CONFIG_DEBUG_OBJECTS_WORK says "ODEBUG: init
    active"): kcheck reports it as a WARN."""
    if not callable(fn):
        raise ModelError(f"INIT_WORK({work!r}, {fn!r}): the work function must be a function")
    r = run()
    old = r.read(work._pending, ONCE, "INIT_WORK") if r.cur is not None else work._pending.init
    if _is_pending(old):
        r.report("warn", f"ODEBUG: init active (active state 0) object type: work_struct "
                 f"({work!r} is still queued)")
    # an item queued before keeps counting its instances (a flush of an old one
    # must not find a new instance's done word already set)
    r.write(work._pending, _Queued(False, old.seq, old.wq) if old.__class__ is _Queued else 0,
            ONCE, "INIT_WORK")
    r.write(work._func, fn, PLAIN, "INIT_WORK")


def _taker(i):
    """The take of worker ``i``: the oldest item, once workers ``0 .. i-1`` have started."""
    def take(state):
        pending, started = state
        if pending and (i <= started or not SYMMETRIC_WORKERS):
            return _WQState(pending[1:], max(started, i + 1))
        return BLOCK
    return take


def _worker(wq, index):
    """A kworker of ``wq``'s pool: take the oldest item, run it, mark it done;
    idle (waiting in its take) when there is none, for good once the queue is
    gone."""
    r = run()
    take = _taker(index)
    t = r.cur
    t.idle_op = "worker: take work"
    t.tls["worker of"] = wq            # is_chained_work()
    while True:
        pending, _ = r.rmw(wq._loc, take, ACQ, "worker: take work")
        work, nth, seq = pending[0]
        fn = _run_instance(r, work, seq, wq)
        _check_leaks(r, t, fn)
        # the item may be freed by now (a work function often frees its container):
        # its done word is the queue's, not a field of the item
        r.write(_instance_done(work, seq), 1, REL, "worker: work done")
        r.write(wq._done(nth), 1, REL, "worker: work done")


def _check_leaks(r, t, fn):
    """process_one_work()'s check after the call: a work function that returns
    holding a lock, inside rcu_read_lock() or with bottom halves, preemption or
    interrupts off is a bug (the kernel prints "workqueue leaked lock or
    atomic")."""
    if t.held or t.rcu or t.tls.get("bh") or t.tls.get("preempt") or t.tls.get("irq"):
        held = [l._loc.name() for l, m in t.held] + (["rcu_read_lock"] if t.rcu else [])
        r.report("held-at-exit", f"BUG: workqueue leaked lock or atomic: {t.name} "
                 f"({', '.join(held) or 'atomic context'}); last function: "
                 f"{getattr(fn, '__name__', fn)}")


# an unbounded queue's record of one queuing (_claim): 0 its pending bit is set
# and it is not on the queue yet, then on the queue, taken by its worker, or
# taken back by a canceller
_ON_QUEUE, _TAKEN, _TAKEN_BACK = 1, 2, 3


def _take_queued(c):
    return _TAKEN if c == _ON_QUEUE else NO_WRITE


def _take_back(c):
    return _TAKEN_BACK if c == _ON_QUEUE else NO_WRITE


def _pool_worker(work, nth, seq, wq, early):
    """The worker context that runs the ``nth`` queuing on an unbounded queue,
    ``work``'s ``seq``-th: take it off the queue (unless a canceller took it
    back first), run it, mark it done.  Nothing of the item is touched once a
    canceller has it: the item may be freed by then."""
    r = run()
    t = r.cur
    t.tls["worker of"] = wq            # is_chained_work()
    if r.rmw(_claim(work, seq, early), _take_queued, ACQ, "worker: take work") == _ON_QUEUE:
        fn = _run_instance(r, work, seq, wq)
        _check_leaks(r, t, fn)
        r.write(_instance_done(work, seq), 1, REL, "worker: work done")
    r.write(wq._done(nth), 1, REL, "worker: work done")


def _is_one(v):
    return NO_WRITE if v == 1 else BLOCK


def alloc_workqueue(name, flags=0, max_active=0, workers=None):
    r = run()
    if r.cur is not None:
        # a C main() runs as a task from its first statement after the thread
        # starts (whole, if it starts none): the queue goes before them
        raise ModelError(f"alloc_workqueue() in task {r.cur.name}: a queue's workers are tasks "
                         "main() starts, so make the queue in main() before any task runs"
                         + (" (in C: before main()'s first pthread_create()/kthread_run(); "
                            "a main() that starts no thread runs whole as a task)"
                            if r.cur.name == "main" else ""))
    n = workers if workers is not None else (max_active if 0 < max_active <= 2 else None)
    wq = workqueue_struct(name, unbounded=n is None)
    for i in range(n or 0):
        r.spawn_static(_worker, (wq, i), f"kworker/{name}:{i}", daemon=True)
    return wq


def alloc_ordered_workqueue(name, flags=0):
    """One worker: items run one at a time, in queuing order (``max_active`` 1,
    as the kernel's ordered queues)."""
    return alloc_workqueue(name, flags, 1)


class _SystemWQ:
    """``system_wq`` and its kin: queues the kernel owns, with a pool of workers
    kcheck does not make in ``main()``.  An item queued there gets a context of
    its own (as an RCU callback does) that takes it - clears its pending bit,
    if this queuing is still the pending one - and runs it; ``cancel_work``
    takes it back by clearing the bit first.  Not flushable as a whole (the
    kernel deprecates that): flush the items."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def __reduce__(self):
        return (_system, (self.name,))


def _system(name):
    return _SYSTEM[name]


_SYSTEM = {n: _SystemWQ(n) for n in ("system_wq", "system_highpri_wq", "system_long_wq",
                                    "system_unbound_wq", "system_freezable_wq",
                                    "system_power_efficient_wq")}
system_wq = _SYSTEM["system_wq"]
system_highpri_wq = _SYSTEM["system_highpri_wq"]
system_long_wq = _SYSTEM["system_long_wq"]
system_unbound_wq = _SYSTEM["system_unbound_wq"]
system_freezable_wq = _SYSTEM["system_freezable_wq"]
system_power_efficient_wq = _SYSTEM["system_power_efficient_wq"]


def _claim(work, seq, early=False):
    """The pool's record of ``work``'s ``seq``-th queuing.  On a system queue: 0
    queued, 1 taken by its worker, 2 taken back by ``cancel_work``.  On an
    unbounded queue: ``_ON_QUEUE`` once ``__queue_work()`` has inserted it,
    then ``_TAKEN`` or ``_TAKEN_BACK`` (a queuing main() made starts on the
    queue: ``early``, a word of its own whose first value says so).  Not the
    item's own memory: a worker whose queuing was cancelled touches nothing
    of an item that may be freed by now."""
    if early:
        return Loc.keyed(2, work._pending.lid, (1 << 32) | seq,
                         f"{str(work).lstrip('&')}.queued[{seq}]", _ON_QUEUE)
    return Loc.keyed(2, work._pending.lid, seq, f"{str(work).lstrip('&')}.queued[{seq}]")


def _system_worker(work, seq, wq):
    """The system pool's run of ``work``'s ``seq``-th queuing."""
    r = run()
    if r.rmw(_claim(work, seq), lambda v: 1 if v == 0 else NO_WRITE, FULL, "worker: take work") == 0:
        _run_instance(r, work, seq, wq)
    r.write(_instance_done(work, seq), 1, REL, "worker: work done")


def _set_pending(r, wq, work):
    """``test_and_set_bit(WORK_STRUCT_PENDING_BIT)``: the new instance's number,
    or 0 if the item was pending already (then nothing is queued)."""
    def set_pending(v):
        if v.__class__ is _Queued:
            return NO_WRITE if v.pending or v.disabled else _Queued(True, v.seq + 1, wq, early=early)
        return _Queued(True, 1, wq, early=early)
    early = r.cur is None and wq.__class__ is workqueue_struct and wq.unbounded
    # fully ordered even when the item was pending (test_and_set_bit, v6.0+)
    p = ordered_conditional_rmw(r, work._pending, set_pending, "queue_work")
    if _is_pending(p) or (p.__class__ is _Queued and p.disabled):
        # pending already; or disabled: clear_pending_if_disabled() (v6.10)
        # lets the bit go again and nothing is queued
        return 0
    return p.seq + 1 if p.__class__ is _Queued else 1


@_one_step(lambda wq, work: f"queue_work({wq!r}, {work!r})")
def queue_work(wq, work):
    r = run()
    if wq.__class__ is _SystemWQ and r.cur is None:
        raise ModelError(f"queue_work({wq.name}, ...) from main(): queue work from a task")
    seq = _set_pending(r, wq, work)
    if not seq:
        return False
    _enqueue(r, wq, work, seq, "queue_work")
    return True


_SYSTEM_LOG_KIND = 15       # Loc.keyed's range for system_wq's record of its queuings


def _system_log():
    """``system_wq``'s record of the queuings made on it, (work, seq) pairs, for
    ``flush_scheduled_work()``: one word, appended to by every queuing there."""
    return Loc.keyed(_SYSTEM_LOG_KIND, 0, 0, "system_wq.queued", ())


def _enqueue(r, wq, work, seq, what):
    """``__queue_work()``: put ``work``'s ``seq``-th queuing (its pending bit set)
    on ``wq`` - a system queue's in a worker context of its own."""
    if wq.__class__ is _SystemWQ:
        if wq is system_wq:
            r.rmw(_system_log(), lambda v: v + ((work, seq),), ONCE, what)
        r.spawn(_system_worker, (work, seq, wq),
                f"kworker/{wq.name}" + (f"#{seq}" if seq > 1 else ""), False, what)
        return
    chained = r.cur is not None and r.cur.tls.get("worker of") is wq

    def count(n):
        if n.__class__ is _Dying:
            return _Dying(n + 1) if chained else NO_WRITE
        return n + 1
    n = r.rmw(wq._count, count, ONCE, what)
    if n.__class__ is _Dying and not chained:
        # __queue_work(): WARN_ON_ONCE(!is_chained_work(wq)), and nothing is queued
        r.report("warn", f"queue_work on workqueue {wq.name} after destroy_workqueue")
        return
    i = n + 1
    if wq.unbounded:
        # insert_work() and a worker context of its own, as a system queue's
        name = f"kworker/{wq.name}:{i - 1}"
        if r.cur is None:
            r.spawn_static(_pool_worker, (work, i, seq, wq, True), name)
        else:
            r.write(_claim(work, seq), _ON_QUEUE, REL, what)
            r.spawn(_pool_worker, (work, i, seq, wq, False), name, False, what)
        return
    r.rmw(wq._loc, lambda s: _WQState(s[0] + ((work, i, seq),), s[1]), REL, what)


def schedule_work(work):
    """``queue_work(system_wq, work)``."""
    return queue_work(system_wq, work)


def work_pending(work):
    return _is_pending(run().read(work._pending, ONCE, "work_pending"))


def flush_workqueue(wq):
    if wq.__class__ is _SystemWQ:
        raise ModelError(f"flush_workqueue({wq.name}): flushing a system workqueue is not modelled "
                         "(the kernel warns about it): flush_work() the items")
    r = run()
    _sched.sleep_check("flush_workqueue")
    n = int(r.read(wq._count, ONCE, "flush_workqueue"))
    for i in range(1, n + 1):
        r.rmw(wq._done(i), _is_one, WAIT_ACQ, "flush_workqueue")


def flush_scheduled_work():
    """``flush_workqueue(system_wq)`` (``__flush_workqueue(system_wq)``; the kernel
    deprecates it - flushing a queue every subsystem shares can deadlock on
    unrelated work - and warns on a direct ``flush_workqueue(system_wq)``, which
    kcheck refuses): wait until every queuing on ``system_wq`` made before the
    call has run or been cancelled.  ``schedule_work()``s the flush cannot see yet
    are not waited for, as the kernel's flush color does not."""
    r = run()
    if r.cur is None:
        raise ModelError("flush_scheduled_work() from main(): flush from a task")
    _sched.sleep_check("flush_scheduled_work")
    for work, seq in r.read(_system_log(), ONCE, "flush_scheduled_work"):
        r.rmw(_instance_done(work, seq), _is_one, WAIT_ACQ, "flush_scheduled_work")


def drain_workqueue(wq):
    """Flush until nothing is queued: items that queue themselves again (or
    each other) are waited for too, round after round, until a flush finds
    nothing new (the kernel's ``drain_workqueue()``)."""
    if wq.__class__ is _SystemWQ:
        raise ModelError(f"drain_workqueue({wq.name}): a system workqueue is the kernel's")
    r = run()
    _sched.sleep_check("drain_workqueue")
    _drain(r, wq, 0, int(r.read(wq._count, ONCE, "drain_workqueue")), "drain_workqueue")


def _drain(r, wq, done, n, what):
    """Wait for queuings ``done+1 .. n``, then for any queued meanwhile, until
    a look at the count finds none."""
    while True:
        for i in range(done + 1, n + 1):
            r.rmw(wq._done(i), _is_one, WAIT_ACQ, what)
        done = n
        n = int(r.read(wq._count, ONCE, what))
        if n == done:
            return


def destroy_workqueue(wq):
    """Mark the queue as going away, then drain it (the kernel's
    ``destroy_workqueue()``: ``__WQ_DESTROYING``, ``drain_workqueue()``).  A
    queuing made after the mark WARNs and queues nothing, unless it is a
    work item of this queue queuing more (chained work), which the drain
    waits for.  Destroying a queue twice is a double free of it."""
    if wq.__class__ is _SystemWQ:
        raise ModelError(f"destroy_workqueue({wq.name}): a system workqueue is the kernel's")
    r = run()
    _sched.sleep_check("destroy_workqueue")
    n = r.rmw(wq._count, lambda c: NO_WRITE if c.__class__ is _Dying else _Dying(c), FULL,
              "destroy_workqueue")
    if n.__class__ is _Dying:
        r.report("double-free", f"destroy_workqueue({wq.name}) of a workqueue already destroyed")
        return
    _drain(r, wq, 0, int(n), "destroy_workqueue")


def flush_work(work):
    """Wait until the last queuing of ``work`` made before the call has finished
    running; true if it had not (the kernel's: "false if it was already idle").

    Not until its pending bit clears: a worker clears it when it takes the
    item, before the function runs, and ``flush_work(); kfree()`` is the
    kernel's teardown idiom exactly because flush_work waits for the function."""
    _sched.sleep_check("flush_work")
    r = run()
    v = r.read(work._pending, ONCE, "flush_work")
    if v.__class__ is not _Queued:
        return False
    seq = v.seq
    if v.timer and v.pending:
        # a delayed work whose timer has not fired is on no pool: start_flush_work()
        # finds nothing to wait for but an earlier instance still running
        # (flush_delayed_work() fires the timer first)
        seq -= 1
        if seq <= 0:
            return False
    done = _instance_done(work, seq)
    if r.read(done, ACQ, "flush_work") == 1:
        return False
    r.rmw(done, _is_one, WAIT_ACQ, "flush_work")
    return True


def _hold_if_idle(v):
    """``test_and_set_bit(WORK_STRUCT_PENDING_BIT)`` for a canceller: an idle item's
    pending bit becomes the canceller's (queuing it fails until it is let go)."""
    if v.__class__ is _Queued:
        return NO_WRITE if v.pending else _Queued(True, v.seq, v.wq, True, disabled=v.disabled)
    return _Queued(True, 0, None, True)


def _cancel(work, what, wait, disable=0):
    """try_to_grab_pending() until the canceller holds the pending bit, then (if
    ``wait``) flush the instance that may still run, then let the bit go -
    with the item's disable count moved by ``disable`` (disable_work*() +1,
    enable_work() -1: the kernel keeps it in the off-queue work->data the
    bit is let go with).

    While the canceller holds the bit, a queue_work() of the item fails - the
    kernel's guarantee that cancel_work_sync() works on an item that queues
    itself again ("On return from this function, @work is guaranteed to be not
    pending or executing"): a running instance's re-queue is a no-op.  Before
    2026-11-30 kcheck waited only for the instance it saw, so the re-queued
    one ran after the canceller's kfree - a false use-after-free."""
    r = run()
    taken = False
    dw = work._dwork
    while True:
        o = r.rmw(work._pending, _hold_if_idle, FULL, what)
        if not _is_pending(o):
            seq = o.seq if o.__class__ is _Queued else 0        # it may still run
            break
        if o.timer and not o.canceling and dw is not None:
            # try_to_grab_pending(): del_timer() first - if the timer was pending,
            # its queuing is taken back and the bit is the canceller's
            from .timer import del_timer
            if del_timer(dw.timer):
                r.write(work._pending, _Queued(True, o.seq, o.wq, True), ONCE, what)
                # that queuing will never run: flushes of it stop waiting
                r.write(_instance_done(work, o.seq), 1, REL, what)
                taken = True
                seq = o.seq - 1                 # an earlier instance may still run
                break
            # the timer has fired (or another canceller deleted it): wait until the
            # pending word moves on (queued by the timer, or taken back), then again
            r.rmw(work._pending, lambda v: BLOCK if v == o else NO_WRITE, ACQ, what)
            continue
        if o.timer and not o.canceling:
            # an rcu_work in its grace period: on no pool yet, so try_to_grab_pending()
            # says -EAGAIN until rcu_work_rcufn() has queued it - wait for that, then
            # take it off the queue as any pending item
            r.rmw(work._pending, lambda v: BLOCK if v == o else NO_WRITE, ACQ, what)
            continue
        if o.canceling:
            # another canceller holds it: wait until it lets go, then try again
            r.rmw(work._pending, lambda v: BLOCK if _is_pending(v) and v.canceling else NO_WRITE,
                  ACQ, what)
            continue
        if _steal(r, work, o, what):
            # taken back before a worker got it: it will not run, and the canceller
            # holds the pending bit the queuing had set
            r.write(work._pending, _Queued(True, o.seq, o.wq, True), ONCE, what)
            taken = True
            seq = o.seq - 1                 # an earlier instance may still run
            break
        # a worker has taken it and not yet cleared its pending bit (the kernel does
        # both under the pool lock; try_to_grab_pending() says -EAGAIN): wait for that
        r.rmw(work._pending, lambda v: BLOCK if _is_pending(v) and v.seq == o.seq else NO_WRITE,
              ACQ, what)
    if wait:
        _wait_instance(r, work, seq, what)
    d = (o.disabled if o.__class__ is _Queued else 0) + disable
    if d < 0:
        # work_offqd_enable(): "workqueue: work disable count underflowed"
        r.report("warn", f"{what}({work!r}): workqueue: work disable count underflowed "
                 "(enabled more times than disabled)")
        d = 0
    # let the bit go: nobody else wrote the word meanwhile (queuing fails, a worker
    # has nothing of it to take), so it is what the hold made of ``o``
    if o.__class__ is _Queued:
        r.write(work._pending, _Queued(False, o.seq, o.wq, disabled=d), ONCE, what)
    else:
        r.write(work._pending, _Queued(False, 0, None, disabled=d) if d else 0, ONCE, what)
    return taken if not disable else (taken, d)


def _steal(r, work, o, what):
    """Take ``work``'s pending queuing ``o`` off its queue; False if a worker has it."""
    wq = o.wq
    if wq.__class__ is _SystemWQ:
        return r.rmw(_claim(work, o.seq), lambda c: 2 if c == 0 else NO_WRITE, FULL, what) == 0
    if wq.unbounded:
        # not on the queue yet (-EAGAIN: the canceller waits for the worker), or
        # its worker has it; else it is the canceller's, and flushes of it stop
        # waiting (its worker context only marks the queue's count done)
        if r.rmw(_claim(work, o.seq, o.early), _take_back, FULL, what) != _ON_QUEUE:
            return False
        r.write(_instance_done(work, o.seq), 1, REL, what)
        return True

    def grab(s):
        left = tuple(p for p in s[0] if p[0] != work)
        return _WQState(left, s[1]) if len(left) < len(s[0]) else NO_WRITE
    old = r.rmw(wq._loc, grab, FULL, what)
    gone = [p for p in old[0] if p[0] == work]
    if not gone:
        return False
    # flushes stop waiting for the queuing taken back
    _, nth, seq = gone[-1]
    r.write(_instance_done(work, seq), 1, REL, what)
    r.write(wq._done(nth), 1, REL, what)
    return True


def cancel_work_sync(work):
    """Take ``work`` off its queue if it is pending and wait until no instance
    of it runs; true if it was pending (the kernel's ``cancel_work_sync``).
    An item caught between setting its pending bit and joining the queue is
    let run and waited for (the kernel spins until it can take it; what runs
    is an execution the kernel has too, the canceller being late)."""
    _sched.sleep_check("cancel_work_sync")
    return _cancel(work, "cancel_work_sync", True)


def cancel_work(work):
    """Take ``work`` off its queue if it is pending, without waiting for a
    running instance; true if it was pending."""
    return _cancel(work, "cancel_work", False)


def disable_work(work):
    """``cancel_work()``, and ``work`` stays off until as many ``enable_work()``s
    (v6.10): a ``queue_work()`` of it meanwhile queues nothing and returns
    false.  True if it was pending.  The teardown idiom for an item something
    else may queue again after a cancel (a timer, an interrupt): once disabled,
    it cannot come back."""
    return _cancel(work, "disable_work", False, 1)[0]


def disable_work_sync(work):
    """``disable_work()``, then wait until no instance of ``work`` runs (as
    ``cancel_work_sync()``); true if it was pending."""
    _sched.sleep_check("disable_work_sync")
    return _cancel(work, "disable_work_sync", True, 1)[0]


def enable_work(work):
    """Undo one ``disable_work*()``; true if ``work`` may be queued again.  As
    the kernel's, it grabs the pending bit first - an item that was pending
    (never disabled) is taken off its queue - and enabling more often than
    disabling WARNs (the count underflows)."""
    return _cancel(work, "enable_work", False, -1)[1] == 0

# -- delayed work -------------------------------------------------------------
#
# A delayed work item is a work item and a timer that queues it
# (kernel/workqueue.c: __queue_delayed_work, delayed_work_timer_fn).  Time is
# not modelled: a delay of 0 queues at once; any other arms the timer, which
# fires at any later point (every one is explored) and only then puts the item
# on its queue.  Until then the item is pending (work_pending() is true, a
# second queue_delayed_work() returns false) but on no queue, which is what
# makes the kernel's teardown rules what they are: flush_work() and
# flush_workqueue()/drain_workqueue()/destroy_workqueue() do not wait for it
# (flush_delayed_work() fires the timer first), cancel_delayed_work*() takes
# it back with del_timer(), and a timer that fires after destroy_workqueue()
# queues on a destroyed queue - the WARN, and a use-after-free of the item
# once its memory is gone.

class delayed_work(KObject):
    __slots__ = ("work", "timer", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        from .timer import timer_list
        self._owner = owner
        self._name = field or "dwork"
        self.work = work_struct(owner, f"{self._name}.work")
        self.work._dwork = self
        self.timer = timer_list(owner, f"{self._name}.timer")
        self.timer._dwork_work = self.work
        self._kid = ("D", self.work._pending.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else "dwork"


def to_delayed_work(work):
    dw = getattr(work, "_dwork", None)
    if dw is None:
        raise ModelError(f"to_delayed_work({work!r}): not the work of a delayed_work")
    return dw


@_one_step(lambda dwork, fn: f"INIT_DELAYED_WORK({dwork!r}, {_fname(fn)})")
def INIT_DELAYED_WORK(dwork, fn):
    from .timer import timer_setup
    INIT_WORK(dwork.work, fn)
    timer_setup(dwork.timer, _delayed_work_timer_fn)


def _off_the_timer(v):
    """A timer-pending queuing, now queued (NO_WRITE if a canceller took it back)."""
    if v.__class__ is _Queued and v.pending and v.timer and not v.canceling:
        return _Queued(True, v.seq, v.wq)
    return NO_WRITE


def _queue_from_timer(r, work, what):
    """``__queue_work()`` of a delayed work's timer-pending queuing."""
    v = r.rmw(work._pending, _off_the_timer, FULL, what)
    if _off_the_timer(v) is not NO_WRITE:
        _enqueue(r, v.wq, work, v.seq, f"{what}: __queue_work")


def _delayed_work_timer_fn(timer):
    """``delayed_work_timer_fn()``: the delay is over - put the item on its queue,
    unless a canceller took the queuing back first."""
    _queue_from_timer(run(), timer._dwork_work, "delayed_work_timer_fn")


@_one_step(lambda wq, dwork, delay=0: f"queue_delayed_work({wq!r}, {dwork!r}, {delay})")
def queue_delayed_work(wq, dwork, delay=0):
    """Queue ``dwork`` on ``wq`` after ``delay`` jiffies: 0 queues at once, any
    other arms its timer (which fires whenever); false if it was pending."""
    r = run()
    work = dwork.work
    if not delay:
        return queue_work(wq, work)
    if r.cur is None:
        raise ModelError("queue_delayed_work() from main(): queue work from a task")

    def set_pending(v):
        if v.__class__ is _Queued:
            return NO_WRITE if v.pending or v.disabled else _Queued(True, v.seq + 1, wq, timer=True)
        return _Queued(True, 1, wq, timer=True)
    p = ordered_conditional_rmw(r, work._pending, set_pending, "queue_delayed_work")
    if _is_pending(p) or (p.__class__ is _Queued and p.disabled):
        return False
    from .timer import add_timer
    add_timer(dwork.timer)
    return True


def schedule_delayed_work(dwork, delay=0):
    return queue_delayed_work(system_wq, dwork, delay)


@_one_step(lambda wq, dwork, delay=0: f"mod_delayed_work({wq!r}, {dwork!r}, {delay})")
def mod_delayed_work(wq, dwork, delay=0):
    """Take back a pending queuing (timer or queue) and queue it again with the
    new delay; true if it was pending."""
    was = _cancel(dwork.work, "mod_delayed_work", False)
    queue_delayed_work(wq, dwork, delay)
    return was


def cancel_delayed_work(dwork):
    return _cancel(dwork.work, "cancel_delayed_work", False)


def cancel_delayed_work_sync(dwork):
    _sched.sleep_check("cancel_delayed_work_sync")
    return _cancel(dwork.work, "cancel_delayed_work_sync", True)


def disable_delayed_work(dwork):
    """``disable_work()`` of a delayed work: its timer deleted too."""
    return _cancel(dwork.work, "disable_delayed_work", False, 1)[0]


def disable_delayed_work_sync(dwork):
    _sched.sleep_check("disable_delayed_work_sync")
    return _cancel(dwork.work, "disable_delayed_work_sync", True, 1)[0]


def enable_delayed_work(dwork):
    return enable_work(dwork.work)


def flush_delayed_work(dwork):
    """Fire a pending timer now (``del_timer_sync()``, then queue), then
    ``flush_work()``."""
    from .timer import del_timer_sync
    if del_timer_sync(dwork.timer):
        _queue_from_timer(run(), dwork.work, "flush_delayed_work")
    return flush_work(dwork.work)


def delayed_work_pending(dwork):
    return work_pending(dwork.work)


# -- rcu_work (kernel/workqueue.c: queue_rcu_work) ---------------------------------
#
# A work item queued after a grace period: queue_rcu_work() sets the item's
# pending bit and call_rcu()s rcu_work_rcufn(), which puts it on its queue
# once the grace period has ended.  Until then it is pending on no queue, as
# a delayed work whose timer has not fired: flush_work() and
# flush/drain/destroy_workqueue() do not wait for it - flush_rcu_work() does
# (rcu_barrier(), then flush_work()) - and a queue destroyed meanwhile gets
# the queuing after its destruction (the WARN, and a use-after-free once the
# item's memory is gone).  cancel_work*() waits until the callback has queued
# it and takes it off the queue then (try_to_grab_pending()'s -EAGAIN).

class rcu_work(KObject):
    """``struct rcu_work``: a work item (``rwork.work``) and the rcu_head
    (``rwork.rcu``) its grace period is queued with."""

    __slots__ = ("work", "rcu", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        from .rcu import rcu_head
        self._owner = owner
        self._name = field or "rwork"
        self.work = work_struct(owner, f"{self._name}.work")
        self.work._rwork = self
        self.rcu = rcu_head(owner, f"{self._name}.rcu")
        self._kid = ("R", self.work._pending.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else "rwork"


def to_rcu_work(work):
    rw = getattr(work, "_rwork", None)
    if rw is None:
        raise ModelError(f"to_rcu_work({work!r}): not the work of an rcu_work")
    return rw


@_one_step(lambda rwork, fn: f"INIT_RCU_WORK({rwork!r}, {_fname(fn)})")
def INIT_RCU_WORK(rwork, fn):
    INIT_WORK(rwork.work, fn)


@_one_step(lambda wq, rwork: f"queue_rcu_work({wq!r}, {rwork!r})")
def queue_rcu_work(wq, rwork):
    """Queue ``rwork`` on ``wq`` after a grace period; false if it was pending
    (or disabled: the kernel WARNs then, ``WARN_ON_ONCE(clear_pending_if_disabled())``)."""
    from .rcu import call_rcu
    r = run()
    work = rwork.work
    if r.cur is None:
        raise ModelError("queue_rcu_work() from main(): queue work from a task")

    def set_pending(v):
        if v.__class__ is _Queued:
            return NO_WRITE if v.pending or v.disabled else _Queued(True, v.seq + 1, wq, timer=True,
                                                                    rcu=True)
        return _Queued(True, 1, wq, timer=True, rcu=True)
    p = ordered_conditional_rmw(r, work._pending, set_pending, "queue_rcu_work")
    if _is_pending(p):
        return False
    if p.__class__ is _Queued and p.disabled:
        r.report("warn", f"WARN_ON_ONCE(clear_pending_if_disabled(work)) in queue_rcu_work({wq!r}, "
                 f"{rwork!r}): the work is disabled")
        return False

    def rcu_work_rcufn(head):
        # the grace period is over: __queue_work() (unless a canceller took it back)
        _queue_from_timer(run(), work, "rcu_work_rcufn")
    call_rcu(rwork.rcu, rcu_work_rcufn)
    return True


def flush_rcu_work(rwork):
    """Wait until ``rwork``'s grace period and its run are over: if it is
    pending, ``rcu_barrier()`` (its callback has queued it) then ``flush_work()``;
    true if it was pending."""
    from .rcu import rcu_barrier
    _sched.sleep_check("flush_rcu_work")
    r = run()
    if _is_pending(r.read(rwork.work._pending, ONCE, "flush_rcu_work: test_bit(PENDING)")):
        rcu_barrier()
        flush_work(rwork.work)
        return True
    return flush_work(rwork.work)


def queue_work_on(cpu, wq, work):
    """``queue_work()`` asking for a CPU: kcheck has no CPUs (a queue's items run
    in its worker contexts), so the CPU changes nothing."""
    return queue_work(wq, work)


__all__ = ["drain_workqueue", "workqueue_struct", "work_struct", "alloc_workqueue",
           "alloc_ordered_workqueue", "INIT_WORK",
           "queue_work",
           "queue_work_on",
           "flush_workqueue", "flush_scheduled_work", "destroy_workqueue", "flush_work", "work_pending", "cancel_work_sync",
           "disable_work", "disable_work_sync", "enable_work", "disable_delayed_work",
           "disable_delayed_work_sync", "enable_delayed_work",
           "cancel_work", "schedule_work", "system_wq", "system_highpri_wq", "system_long_wq",
           "system_unbound_wq", "system_freezable_wq", "system_power_efficient_wq", "delayed_work",
           "to_delayed_work", "INIT_DELAYED_WORK", "queue_delayed_work", "schedule_delayed_work",
           "mod_delayed_work", "cancel_delayed_work", "cancel_delayed_work_sync",
           "flush_delayed_work", "delayed_work_pending", "rcu_work", "to_rcu_work", "INIT_RCU_WORK",
           "queue_rcu_work", "flush_rcu_work"]
