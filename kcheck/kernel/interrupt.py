"""Interrupt handlers (include/linux/interrupt.h): ``request_irq``,
``request_threaded_irq``, ``free_irq``, ``synchronize_irq``,
``disable_irq``/``enable_irq``.

A registered handler fires once, at any point of the run while its line is
requested and enabled: a context of its own (like a timer's), in hardirq
context.  There it may not sleep (``might_sleep()`` reports it), and a lock
it takes is *hardirq-safe*: lockdep's rule - such a lock taken anywhere with
interrupts enabled is "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W}
usage", since the interrupt may arrive on that CPU inside the critical
section and spin on the lock forever - is checked whatever the order the two
acquisitions ran in (kernel/locking.py ``_irq_usage``).  The self-deadlock
itself is not an interleaving kcheck explores: the handler is a task of its
own, not one that stops the CPU it interrupts.

``free_irq()`` and ``synchronize_irq()`` wait until a running handler (and
its thread) has returned; after ``free_irq()`` or while the line is disabled
the handler does not start.  So "free the device, then free_irq()" is a
use-after-free kcheck finds, and "free_irq(), then free the device" is clean.

A handler that returns ``IRQ_WAKE_THREAD`` (``request_threaded_irq``; a
NULL handler does so) has its thread function run next in process context,
where it may sleep.  One handler per line (``IRQF_SHARED`` lines are not
modelled: a second ``request_irq()`` of a requested line returns -EBUSY).
A handler runs with interrupts disabled, so it is an RCU read-side
critical section as a whole (rcu.context_reader): ``synchronize_rcu()``
waits for a running one.
"""

from __future__ import annotations

from ._core import run, Loc, ModelError, NO_WRITE, BLOCK, ACQ, REL, FULL
from . import percpu as _percpu
from . import sched as S

IRQ_NONE = 0
IRQ_HANDLED = 1
IRQ_WAKE_THREAD = 2
IRQF_SHARED = 0x80
IRQF_ONESHOT = 0x2000
EBUSY = 16
EINVAL = 22

_KIND = 6                    # Loc.keyed's range for interrupt lines
_IDLE = "handle_irq"          # the interrupt arrives (its wait, while the line is disabled, is idle)


class _Line:
    """An interrupt line's state (one value, so that each change is one event)."""

    __slots__ = ("handler", "thread_fn", "dev", "name", "freed", "running", "disabled", "gen",
                 "locked")

    def __init__(self, handler, thread_fn, dev, name, freed=False, running=False, disabled=0,
                 gen=1, locked=False):
        self.handler, self.thread_fn, self.dev, self.name = handler, thread_fn, dev, name
        self.freed, self.running, self.disabled, self.gen = freed, running, disabled, gen
        self.locked = locked        # synchronize_irq() holds desc->lock

    def but(self, **kw):
        v = _Line(self.handler, self.thread_fn, self.dev, self.name, self.freed, self.running,
                  self.disabled, self.gen, self.locked)
        for k, x in kw.items():
            setattr(v, k, x)
        return v

    def __eq__(self, other):
        return (other.__class__ is _Line and _key(self.handler) == _key(other.handler)
                and _key(self.thread_fn) == _key(other.thread_fn) and _same(self.dev, other.dev)
                and (self.freed, self.running, self.disabled, self.gen, self.locked)
                == (other.freed, other.running, other.disabled, other.gen, other.locked))

    def __hash__(self):
        return hash((self.freed, self.running, self.disabled, self.gen, self.locked))

    def __repr__(self):
        what = "freed" if self.freed else ("running" if self.running else "requested")
        return what + (f", disabled {self.disabled}" if self.disabled else "")


def _line(r, irq):
    """The line's word in this run.  One Loc object per run and line (kept on
    the run, which main()'s recorded state copies): the value ``main()`` gave
    it is the Loc's initial value, which every task must see."""
    if not isinstance(irq, int) or isinstance(irq, bool) or irq < 0:
        raise ModelError(f"irq {irq!r}: an interrupt number is an int >= 0")
    lines = r.__dict__.get("irq_lines")
    if lines is None:
        lines = r.irq_lines = {}
    loc = lines.get(irq)
    if loc is None:
        loc = lines[irq] = Loc.keyed(_KIND, irq, 0, f"irq{irq}", None)
    return loc


def request_irq(irq, handler, flags, name, dev):
    """Register ``handler(irq, dev)`` on line ``irq``; 0, or -EBUSY if the line
    is taken.  The handler fires once, in hardirq context, at any point while
    the line stays requested and enabled."""
    return request_threaded_irq(irq, handler, None, flags, name, dev)


def request_threaded_irq(irq, handler, thread_fn, flags, name, dev):
    """``request_irq`` with a thread function: run in process context after the
    handler returns IRQ_WAKE_THREAD (a None handler always does)."""
    if handler is None and thread_fn is None:
        return -EINVAL
    for f in (handler, thread_fn):
        if f is not None and not callable(f):
            raise ModelError(f"request_irq({irq}, {f!r}, ...): a handler must be callable")
    r = run()
    loc = _line(r, irq)
    line = _Line(handler, thread_fn, dev, f"irq{irq}:{name}")

    def take(v):
        if v is not None and v.locked:
            return BLOCK
        if v is not None and not v.freed:
            return NO_WRITE
        return line if v is None else line.but(gen=v.gen + 1)
    old = r.rmw(loc, take, FULL, "request_irq")
    if old is not None and not old.freed:
        return -EBUSY
    gen = 1 if old is None else old.gen + 1
    cname = f"irq/{irq}-{name}" + (f"#{gen}" if gen > 1 else "")
    if r.cur is None:
        t = r.spawn_static(_fire, (irq, gen), cname, daemon=True)
    else:
        t = r.spawn(_fire, (irq, gen), cname, True, "request_irq")
    t.callback = True
    t.tls["hardirq"] = True
    t.tls["irq"] = True             # a handler runs with interrupts disabled
    t.tls["context"] = "an interrupt handler"
    return 0


def _fire(irq, gen):
    """The line's one interrupt: wait until it is enabled, run the handler (and
    its thread), unless the line was freed first."""
    r = run()
    t = r.cur
    loc = _line(r, irq)
    t.idle_op = _IDLE

    def start(v):
        if v is None or v.gen != gen or v.freed:
            return NO_WRITE
        if v.disabled or v.locked:
            return BLOCK
        return v.but(running=True)
    old = r.rmw(loc, start, ACQ, _IDLE)
    t.idle_op = None
    if old is None or old.gen != gen or old.freed:
        _leave_hardirq(t)
        return
    if old.handler is None:
        ret = IRQ_WAKE_THREAD
    else:
        from .rcu import context_reader
        context_reader(r, t, True)
        ret = old.handler(irq, old.dev)
        context_reader(r, t, False)
    if r.percpu:
        _percpu._leave(r, t)            # the handler returned: its CPU's hardirq word is free
    if ret == IRQ_WAKE_THREAD and old.thread_fn is not None:
        # the irq thread: process context, it may sleep
        _leave_hardirq(t)
        t.callback = False
        t.tls["context"] = f"irq/{irq} thread"
        old.thread_fn(irq, old.dev)
    _leave_hardirq(t)
    r.rmw(loc, lambda v: v.but(running=False), REL, "handle_irq: handler returned")


def _leave_hardirq(t):
    t.tls.pop("hardirq", None)
    t.tls.pop("irq", None)


def free_irq(irq, dev):
    """Unregister the line's handler: waits until a running handler (and its
    thread) has returned; after it the handler does not start.  Freeing a free
    line WARNs ("Trying to free already-free IRQ")."""
    S.sleep_check("free_irq")
    r = run()
    loc = _line(r, irq)

    def free(v):
        if v is not None and v.locked:
            return BLOCK
        if v is None or v.freed or not _same(v.dev, dev):
            return NO_WRITE
        if v.running:
            return BLOCK
        return v.but(freed=True)
    old = r.rmw(loc, free, FULL, "free_irq")
    if old is None or old.freed or not _same(old.dev, dev):
        r.report("warn", f"WARNING: Trying to free already-free IRQ {irq}")
    return None


def _same(a, b):
    """The dev_id given to request_irq()?  By what stays the same from run to
    run: the explorer re-evaluates an RMW on values a run made earlier, so an
    identity test of two runs' objects would change its mind."""
    return a is b or _key(a) == _key(b)


def _key(x):
    if x is None or isinstance(x, (int, str)):
        return x
    addr = getattr(x, "addr", None)          # a C pointer
    if isinstance(addr, int):
        return ("addr", addr)
    oid = getattr(x, "_oid", None)           # a kernel object
    if oid is not None:
        return ("oid", oid)
    name = getattr(x, "__qualname__", None)  # a handler
    if name is not None:
        return ("fn", getattr(x, "__module__", None), name)
    return ("id", id(x))


def synchronize_irq(irq):
    """Wait until no handler of the line runs.  As __synchronize_hardirq() does,
    the last look is taken under ``desc->lock``, the lock the interrupt's flow
    handler takes to mark the handler in progress: a handler that starts after
    synchronize_irq() returned is ordered after everything before it (the
    device masked, a "shutting down" flag set) by that lock's release and
    acquire.  A look that only reads the line orders nothing after it: under
    the LKMM such a handler could still read the device unmasked (a false
    use-after-free in the usual teardown: mask, synchronize_irq(), cancel the
    work, free)."""
    S.sleep_check("synchronize_irq")
    r = run()
    loc = _line(r, irq)

    def lock(v):
        if v is None:
            return NO_WRITE
        if v.running or v.locked:
            return BLOCK
        return v.but(locked=True)
    old = r.rmw(loc, lock, ACQ, "synchronize_irq: raw_spin_lock(&desc->lock)")
    if old is not None:
        r.rmw(loc, lambda v: v.but(locked=False), REL, "synchronize_irq: raw_spin_unlock(&desc->lock)")


def disable_irq_nosync(irq):
    """Mask the line (nested): the handler does not start until ``enable_irq()``."""
    r = run()
    r.rmw(_line(r, irq), lambda v: NO_WRITE if v is None else BLOCK if v.locked else
          v.but(disabled=v.disabled + 1), FULL, "disable_irq_nosync")


def disable_irq(irq):
    """``disable_irq_nosync()`` then ``synchronize_irq()``."""
    disable_irq_nosync(irq)
    synchronize_irq(irq)


def enable_irq(irq):
    """Undo one ``disable_irq()``; an unbalanced one WARNs as the kernel's does."""
    r = run()

    def enable(v):
        if v is not None and v.locked:
            return BLOCK
        if v is None or not v.disabled:
            return NO_WRITE
        return v.but(disabled=v.disabled - 1)
    old = r.rmw(_line(r, irq), enable, FULL, "enable_irq")
    if old is None or not old.disabled:
        r.report("warn", f"WARNING: Unbalanced enable for IRQ {irq}")


def in_hardirq():
    t = run().cur
    return t is not None and bool(t.tls.get("hardirq"))


in_irq = in_hardirq


def in_interrupt():
    """In an interrupt handler, a softirq (an RCU or timer callback), or with
    bottom halves disabled - the kernel's ``in_interrupt()``."""
    t = run().cur
    return t is not None and bool(t.tls.get("hardirq") or t.tls.get("softirq") or t.tls.get("bh"))


__all__ = ["IRQ_NONE", "IRQ_HANDLED", "IRQ_WAKE_THREAD", "IRQF_SHARED", "IRQF_ONESHOT",
           "request_irq", "request_threaded_irq", "free_irq", "synchronize_irq",
           "disable_irq", "disable_irq_nosync", "enable_irq", "in_hardirq", "in_irq",
           "in_interrupt"]
