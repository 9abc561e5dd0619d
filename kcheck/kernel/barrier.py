"""Memory barriers.  Recorded as fence events: no-ops under sequential
consistency, given their meaning by the LKMM (``smp_mb__{before,after}_atomic``
only strengthen a neighbouring RMW, as in linux-kernel.cat)."""

from __future__ import annotations

from ._core import _rt, run, loc_of, ONCE, NO_WRITE, BLOCK, WAIT, WAIT_ACQ
from . import sched as _sched


def dropped(r, name, depth=2):
    """Is the barrier ``name`` at this call site switched off (``--drop-barrier``)?

    A spec is ``NAME`` (every call), ``NAME@FUNCTION`` or ``NAME@FILE:LINE``
    of the model code that calls it.  Used to ask whether a barrier matters:
    drop it and see whether the verdict changes.
    """
    specs = r.x.drop_barriers
    if not specs:
        return False
    import sys, os
    f = sys._getframe(depth)
    kdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    models = os.path.join(kdir, "models")
    while f is not None and f.f_code.co_filename.startswith(kdir) and not f.f_code.co_filename.startswith(models):
        f = f.f_back
    where_fn = f.f_code.co_name if f else ""
    where_line = f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}" if f else ""
    # the barriers met, so that a spec that matches none of them is an error, not a no-op
    r.x.__dict__.setdefault("barrier_sites", set()).add((name, where_fn, where_line))
    return any(_matches(spec, name, where_fn, where_line) for spec in specs)


def _matches(spec, name, fn, line):
    n, _, at = spec.partition("@")
    return n == name and (not at or at == fn or at == line)


#: What ``--drop-barrier NAME`` may name: these fences and ``xchg``'s implied barrier.
DROPPABLE = ("smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic",
             "smp_mb__after_spinlock", "smp_mb__after_unlock_lock", "smp_acquire__after_ctrl_dep",
             "xchg")


def unmatched(specs, sites):
    """The specs of ``specs`` that match none of ``sites`` ((name, function,
    file:line) of the barriers a run met, ``dropped`` records them)."""
    return [spec for spec in specs if not any(_matches(spec, *site) for site in sites)]


def _fence(name):
    def f():
        r = run()
        if r.x.drop_barriers and dropped(r, name):
            return
        r.fence(name)
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
# under SC a barrier is its event alone (engine/runtime.py: Run._skip_ended)
_rt.PURE_OPS.update(("smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic"))


def barrier():
    """Compiler barrier: no event (tasks never reorder their own accesses in kcheck's SC mode)."""


def smp_store_mb(p, v):
    """``WRITE_ONCE(*p, v); smp_mb();`` - linux-kernel.def's definition and the
    generic one.  (Before 2026-11-30 a fully ordered xchg, x86's choice, which
    also ordered the accesses before the store: MP with an earlier WRITE_ONCE
    and smp_store_mb() as the flag's store was "no bug" where the LKMM says
    Sometimes.)  The fence is an ``smp_mb`` for ``--drop-barrier``."""
    run().write(loc_of(p), v, ONCE, "smp_store_mb")
    smp_mb()


def cpu_relax():
    """The body of a busy-wait loop: ``while (!READ_ONCE(flag)) cpu_relax();``.

    A spinning task makes no progress until what it reads changes; a schedule
    that never lets the writer run is unfair, not a livelock.  So once the
    loop has shown it is one - an iteration that came back to the same point
    with the same locals and changed nothing (``sched.poll``) - the task waits
    until a value it read changes.  Not at once: a bounded spin
    (``while (--timeout && !READ_ONCE(flag)) cpu_relax();``) changes its
    counter every iteration, runs to its end and takes its timeout path,
    which waiting at the first ``cpu_relax()`` never explored (kcheck once
    called such a timeout path's bug "no bug", exhaustive).
    """
    _sched.poll("cpu_relax")


def _cond_load(p, cond, flags, op):
    """A blocking wait until ``cond(value)`` holds; returns the value."""
    return run().rmw(loc_of(p), lambda v: NO_WRITE if cond(v) else BLOCK, flags, op)


def smp_cond_load_relaxed(p, cond):
    """Spin until ``cond(value)`` holds; returns the value (a blocking wait)."""
    return _cond_load(p, cond, WAIT, "smp_cond_load_relaxed")


def smp_cond_load_acquire(p, cond):
    """Spin until ``cond(value)`` holds, with acquire ordering; returns the value."""
    return _cond_load(p, cond, WAIT_ACQ, "smp_cond_load_acquire")


def atomic_cond_read_relaxed(v, cond):
    """``smp_cond_load_relaxed(&v->counter, cond)``."""
    return _cond_load(v, cond, WAIT, "atomic_cond_read_relaxed")


def atomic_cond_read_acquire(v, cond):
    """``smp_cond_load_acquire(&v->counter, cond)``."""
    return _cond_load(v, cond, WAIT_ACQ, "atomic_cond_read_acquire")


def address_from(src, obj):
    """Say that ``obj``'s address is computed from ``src`` and return ``obj``.

    ``src`` is a value this task read (an SPTE holding a pfn, a physical
    address) or another object reached that way.  In C that is ``__va()``,
    ``pfn_to_page()``, ``page_private()`` or ``container_of()`` on the loaded
    value, and the LKMM orders every access through ``obj`` after the load
    (an address dependency).  Python hides the arithmetic, so a model that
    turns numbers into objects says so here; under SC it does nothing.
    """
    run().address_from(src, obj)
    return obj

__all__ = ["smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic",
           "smp_mb__after_spinlock", "smp_mb__after_unlock_lock", "smp_acquire__after_ctrl_dep",
           "barrier", "smp_store_mb", "cpu_relax", "smp_cond_load_relaxed",
           "smp_cond_load_acquire", "atomic_cond_read_relaxed", "atomic_cond_read_acquire",
           "address_from"]
