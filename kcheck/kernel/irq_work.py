"""irq_work (include/linux/irq_work.h, kernel/irq_work.c): ``init_irq_work``,
``IRQ_WORK_INIT``, ``irq_work_queue``, ``irq_work_queue_on``,
``irq_work_sync``, ``irq_work_is_pending``, ``irq_work_is_busy``.

An irq_work is a callback that code which may not do much where it is (an
NMI, a scheduler path holding the runqueue lock) hands to a hard interrupt
on its CPU.  The kernel's word is ``work->node.a_flags`` with
IRQ_WORK_PENDING and IRQ_WORK_BUSY, kept here as it is there, in the
structure's memory:

* ``irq_work_queue()`` claims the item with ``atomic_fetch_or(CLAIMED)``
  (PENDING|BUSY, fully ordered): if PENDING was set already the item is
  queued and will run - false, nothing else; otherwise it goes on this
  CPU's list and the self-IPI runs it - true.  kcheck starts a context for
  that queuing, run at any later point (time is not modelled) in hardirq
  context with interrupts off: sleeping there is ``might_sleep()``'s bug
  (kind ``sleep-in-atomic``), a lock it takes is hardirq-safe to lockdep,
  and it is an RCU read-side section as a whole, as an interrupt handler.
* The run is ``irq_work_single()``: clear PENDING (``atomic_set``), ``smp_mb()``,
  call ``work->func(work)``, then ``atomic_cmpxchg(flags, flags & ~BUSY)`` -
  it returns to idle unless someone claimed it again meanwhile.  A claim
  that finds it BUSY but not PENDING queues a second run: one run per
  queuing that found it not pending.  A queuing from another CPU may run
  while the first run still runs (the kernel's too); one the callback
  makes of its own item runs after it returns (the same CPU's interrupt).
* ``irq_work_sync()`` is ``might_sleep()`` and a spin while BUSY: a queued
  item is BUSY from its claim to the end of its run, so on return it is
  neither queued nor running.  From the callback itself it is
  ``might_sleep()`` in hardirq context - the kernel's splat, and then a spin
  for ever on its own BUSY bit.  It does not stop a later queuing: the
  caller must (the kernel's users stop the source first).

So the bug the kernel's rule is for is kcheck's: an object freed while its
irq_work is queued or runs, without ``irq_work_sync()`` first - the run
clears PENDING in, and calls the function from, freed memory (a
use-after-free).  The kernel's item reads its flags after the function
returns, so a callback may not free its own item either.

Not modelled: IRQ_WORK_LAZY and IRQ_WORK_HARD_IRQ (on PREEMPT_RT a lazy
item runs in a thread; here every item runs in hardirq context, as without
PREEMPT_RT), the CSD type bits of the flags word, and ``irq_work_run()`` /
``irq_work_tick()`` (the run is the explorer's).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, FULL, PLAIN, REL, WAIT_ACQ, anon, op
from . import sched as _S

IRQ_WORK_PENDING = 1
IRQ_WORK_BUSY = 2
IRQ_WORK_CLAIMED = IRQ_WORK_PENDING | IRQ_WORK_BUSY

_CONTEXT = "an irq_work callback"


class irq_work(KObject):
    """``struct irq_work``: ``node.a_flags`` (PENDING, BUSY) and ``func``, both in
    the memory of the structure it is part of."""

    __slots__ = ("_flags", "_func", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field or anon("irq_work")
        self._flags = Loc(0, owner, f"{self._name}.node.a_flags")
        self._func = Loc(None, owner, f"{self._name}.func", plain=True)
        self._kid = ("i", self._flags.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        if self._owner is not None and getattr(self, "_cptr", None) is None:
            return f"&{self._owner!r}->{self._name}"
        return "&" + self._name


def _check(work, what):
    if not isinstance(work, irq_work):
        raise ModelError(f"{what}({work!r}): not a struct irq_work")


def _fname(fn):
    return getattr(fn, "__name__", repr(fn))


def IRQ_WORK_INIT(work, fn):
    """``init_irq_work()``'s static form (``DEFINE_IRQ_WORK``): the item's initial
    state, no event."""
    _check(work, "IRQ_WORK_INIT")
    work._flags.init = 0
    work._func.init = fn
    return work


def init_irq_work(work, fn):
    """``*work = IRQ_WORK_INIT(fn)``: flags 0 and the function.  On an item that
    is queued it loses the queuing's PENDING bit (the kernel's list keeps it)."""
    _check(work, "init_irq_work")
    if not callable(fn):
        raise ModelError(f"init_irq_work({work!r}, {fn!r}): the function must be a function")
    r = run()
    with op(r, lambda: f"init_irq_work({work!r}, {_fname(fn)})"):
        r.write(work._flags, 0, ONCE, "init_irq_work")
        r.write(work._func, fn, PLAIN, "init_irq_work")


def irq_work_queue(work):
    """Queue ``work`` on this CPU: false if it is pending already (it will run
    once for both), else true and its callback runs later in hardirq context."""
    _check(work, "irq_work_queue")
    return _queue(work, None, "irq_work_queue")


def irq_work_queue_on(work, cpu):
    """``irq_work_queue()`` on CPU ``cpu`` (an IPI to it)."""
    from .percpu import nr_cpu_ids
    _check(work, "irq_work_queue_on")
    if not isinstance(cpu, int) or not 0 <= cpu < nr_cpu_ids():
        raise ModelError(f"irq_work_queue_on({work!r}, {cpu!r}): CPU {cpu} is not possible "
                         f"(nr_cpu_ids is {nr_cpu_ids()})")
    return _queue(work, cpu, "irq_work_queue_on")


def _queue(work, cpu, what):
    r = run()
    with op(r, lambda: f"{what}({work!r})"):
        # irq_work_claim(): atomic_fetch_or(IRQ_WORK_CLAIMED), fully ordered
        old = r.rmw(work._flags, lambda v: v | IRQ_WORK_CLAIMED, FULL, f"{what}: irq_work_claim")
    if old & IRQ_WORK_PENDING:
        return False
    t = r.cur
    parent = None
    if t is not None:
        if cpu is None:
            from .percpu import _needs
            cpu = t.tls.get("cpu") if _needs(t) else None     # this CPU, if the task is pinned
        if t.tls.get("irq_work") is work:
            # the callback queues its own item: the same CPU's next interrupt,
            # after this one returns
            parent = t.tls.get("irq_work_done")
            if parent is None:
                parent = t.tls["irq_work_done"] = Loc(0, None, f"{work._name}:run returned")
    name = f"irq_work:{work._name}"
    if t is None:
        child = r.spawn_static(_run, (work, cpu, None), name, daemon=True)
    else:
        child = r.spawn(_run, (work, cpu, parent), name, True, what)
    child.callback = True
    child.tls["hardirq"] = True
    child.tls["irq"] = True             # it runs with interrupts disabled
    child.tls["context"] = _CONTEXT
    child.tls["irq_work"] = work
    if cpu is not None:
        child.tls["cpu"] = cpu
    return True


def _run(work, cpu, parent):
    """``irq_work_single()`` of one queuing, in the CPU's interrupt."""
    from .rcu import context_reader
    from . import percpu as _percpu
    r = run()
    t = r.cur
    if parent is not None:
        r.rmw(parent, lambda v: NO_WRITE if v else BLOCK, WAIT_ACQ, "irq_work_run: next interrupt")
    if r.percpu and t.tls.get("cpu") is not None:
        # the IPI interrupts that CPU: not while it has interrupts off
        _percpu.region_changed(r, t, "irq_work_run")
    with op(r, lambda: f"irq_work_single({work!r})"):
        flags = r.read(work._flags, ONCE, "irq_work_single: atomic_read(&work->node.a_flags)")
        flags &= ~IRQ_WORK_PENDING
        r.write(work._flags, flags, ONCE, "irq_work_single: clear PENDING")
        r.fence("smp_mb", "irq_work_single: smp_mb")
        fn = r.read(work._func, PLAIN, "irq_work_single: work->func")
    if not callable(fn):
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: irq_work {work!r} ran with no "
                 "function (queued without init_irq_work())", fatal=True)
        return
    context_reader(r, t, True)
    fn(work)
    context_reader(r, t, False)
    # back to idle unless claimed again meanwhile: atomic_cmpxchg()
    r.rmw(work._flags, lambda v: flags & ~IRQ_WORK_BUSY if v == flags else NO_WRITE, FULL,
          "irq_work_single: clear BUSY")
    done = t.tls.get("irq_work_done")
    if done is not None:
        r.write(done, 1, REL, "irq_work_run: returned")
    if r.percpu:
        _percpu._leave(r, t)
    t.tls.pop("hardirq", None)
    t.tls.pop("irq", None)


def irq_work_sync(work):
    """Wait until ``work`` is neither queued nor running (``might_sleep()``, then a
    spin while BUSY).  Not from its own callback; a queuing after it is the
    caller's to prevent."""
    _check(work, "irq_work_sync")
    _S.sleep_check("irq_work_sync")
    r = run()
    t = r.cur
    if t is not None and t.tls.get("irq_work") is work:
        r.report("deadlock", f"irq_work_sync({work!r}) from its own callback spins for ever on "
                 "its own IRQ_WORK_BUSY", fatal=True)
        return
    r.rmw(work._flags, lambda v: BLOCK if v & IRQ_WORK_BUSY else NO_WRITE, WAIT_ACQ, "irq_work_sync")


def irq_work_is_pending(work):
    """``atomic_read(&work->node.a_flags) & IRQ_WORK_PENDING``: queued, not started."""
    _check(work, "irq_work_is_pending")
    return bool(run().read(work._flags, ONCE, "irq_work_is_pending") & IRQ_WORK_PENDING)


def irq_work_is_busy(work):
    """``atomic_read(&work->node.a_flags) & IRQ_WORK_BUSY``: queued or running."""
    _check(work, "irq_work_is_busy")
    return bool(run().read(work._flags, ONCE, "irq_work_is_busy") & IRQ_WORK_BUSY)


__all__ = ["irq_work", "IRQ_WORK_INIT", "init_irq_work", "irq_work_queue", "irq_work_queue_on",
           "irq_work_sync", "irq_work_is_pending", "irq_work_is_busy"]
