"""Memory barriers.  Recorded as fence events: no-ops under sequential
consistency, given their meaning by the LKMM (``smp_mb__{before,after}_atomic``
only strengthen a neighbouring RMW, as in linux-kernel.cat)."""

from __future__ import annotations

from ._core import run, loc_of, FULL, NO_WRITE, BLOCK, WAIT, WAIT_ACQ


def _fence(name):
    def f():
        run().fence(name)
    f.__name__ = name
    f.__doc__ = f"``{name}()``: a fence event (see the module docstring)."
    return f


smp_mb = _fence("smp_mb")
smp_rmb = _fence("smp_rmb")
smp_wmb = _fence("smp_wmb")
smp_mb__before_atomic = _fence("smp_mb__before_atomic")
smp_mb__after_atomic = _fence("smp_mb__after_atomic")
smp_mb__after_spinlock = _fence("smp_mb__after_spinlock")
smp_mb__after_unlock_lock = _fence("smp_mb__after_unlock_lock")
smp_acquire__after_ctrl_dep = _fence("smp_acquire__after_ctrl_dep")


def barrier():
    """Compiler barrier: no event (tasks never reorder their own accesses in kcheck's SC mode)."""


def smp_store_mb(p, v):
    run().rmw(loc_of(p), lambda old: v, FULL, "smp_store_mb")


def cpu_relax():
    """The body of a busy-wait loop.

    A spinning task makes no progress until what it read changes, so kcheck
    blocks it until the location it read last holds a different value (a
    fair scheduler would let the writer run).  Without ``cpu_relax()`` a spin
    loop is explored like any loop, and a schedule that never lets the
    writer run shows up as a livelock.
    """
    r = run()
    t = r.cur
    if t is None or t.last_read is None:
        return
    loc, val = t.last_read
    r.rmw(loc, lambda v: NO_WRITE if v != val else BLOCK, WAIT, "cpu_relax")


def smp_cond_load_relaxed(p, cond):
    """Spin until ``cond(value)`` holds; returns the value (a blocking wait)."""
    return run().rmw(loc_of(p), lambda v: NO_WRITE if cond(v) else BLOCK, WAIT, "smp_cond_load_relaxed")


def smp_cond_load_acquire(p, cond):
    """Spin until ``cond(value)`` holds, with acquire ordering; returns the value."""
    return run().rmw(loc_of(p), lambda v: NO_WRITE if cond(v) else BLOCK, WAIT_ACQ, "smp_cond_load_acquire")
