"""Sleepable RCU (include/linux/srcu.h): read-side sections and grace periods per
``srcu_struct``.

SRCU is RCU with one domain per ``srcu_struct``: ``synchronize_srcu(ssp)``
waits only for the readers of ``ssp``, and readers may sleep.  kcheck runs it
as it runs RCU (kernel/rcu.py), domain by domain:

* each task has, per ``srcu_struct``, a reader flag that ``srcu_read_lock``
  sets (to the domain's id) and ``srcu_read_unlock`` clears;
* ``synchronize_srcu`` waits (a blocking read, never a spin) until each other
  task's flag for that domain is clear;
* ``call_srcu(ssp, head, fn)`` runs ``fn(head)`` in its own context after a
  grace period of that domain.  Under sequential consistency the grace
  period is a constraint on the finished execution, checked per domain by
  engine/memory/rcu_gp.py, as for ``call_rcu``; under the LKMM the callback
  waits on the flags.  ``srcu_barrier(ssp)`` waits for the callbacks queued
  on ``ssp`` before it.

Under the LKMM each ``srcu_read_lock`` is also a load of the ``srcu_struct``
(the LKMM's Srcu-lock event), each ``srcu_read_unlock`` a store of the index
that lock returned (Srcu-unlock, data-dependent on it) and
``synchronize_srcu`` a Sync-srcu fence on the struct: the LKMM's SRCU axioms
apply, as herd7 applies them to ``srcu_read_lock(s)`` in a litmus test.

``cleanup_srcu_struct`` with readers inside or callbacks pending WARNs, as
the kernel's does.  SRCU callbacks run with bottom halves disabled: they may
not sleep.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, REL, WAIT, WAIT_ACQ, op, anon
from ..engine.runtime import LKMM_GHOSTS
from . import sched as _sched
from .barrier import _fence
from ..engine.memory.rcu_gp import GP_OP


class srcu_struct(KObject):
    __slots__ = ("_loc", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._name = field or anon("srcu_struct")
        self._loc = Loc(0, owner, self._name)
        self._kid = ("U", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._loc.name()}"

    def _id(self):
        return self._loc.lid

    def _flag(self, t):
        # A keyed id, in a range of its own: LKMM_GHOSTS outlives a check, and a
        # Loc.derived() id is the one another program's lock reader word (say)
        # gets from a parent with the same id - which the LKMM would then not see.
        l = Loc.keyed(_FLAG_KIND, self._loc.lid, t.tid, f"{self._name}.srcu_read_lock[{t.name}]")
        l.owner, l.oid = self._loc.owner, self._loc.oid
        LKMM_GHOSTS.add(l.lid)      # bookkeeping the LKMM does not see (engine/runtime.py)
        return l

    def _downs(self, t):
        """How many sections ``t`` began with ``srcu_down_read()``: what a grace
        period reads to know which of them it waits for."""
        l = Loc.keyed(_DOWN_KIND, self._loc.lid, t.tid << 16, f"{self._name}.srcu_down_read[{t.name}]")
        LKMM_GHOSTS.add(l.lid)
        return l

    def _down_flag(self, tid, n, name):
        """The reader flag of the ``n``-th section task ``tid`` began with
        ``srcu_down_read()``: set by it, cleared by whichever task calls
        ``srcu_up_read()``."""
        l = Loc.keyed(_DOWN_KIND, self._loc.lid, (tid << 16) | n,
                      f"{self._name}.srcu_down_read[{name}#{n}]")
        LKMM_GHOSTS.add(l.lid)
        return l

    def _queued(self, tid, name):
        return Loc.derived(self._loc, 2048 + tid, 0, f"call_srcu_queued({self._name})[{name}]")

    def _done(self, tid, name, i):
        return Loc.fixed((1 << 60) + (self._loc.lid << 21) + (tid << 10) + i,
                         f"srcu_callback_done({self._name})[{name}#{i}]")


_DOWN_KIND = 9          # Loc.keyed's range for srcu_down_read() sections
_FLAG_KIND = 14         # Loc.keyed's range for the readers' flags


def DEFINE_SRCU():
    return srcu_struct()


DEFINE_STATIC_SRCU = DEFINE_SRCU


def init_srcu_struct(ssp):
    r = run()
    if r.cur is not None:
        r.write(ssp._loc, 0, ONCE, "init_srcu_struct")
    return 0


def _nest(t, ssp):
    d = t.tls.get("srcu")
    if d is None:
        d = t.tls["srcu"] = {}
    return d


def srcu_read_lock(ssp):
    """Enter a read-side section of ``ssp``; returns the index for ``srcu_read_unlock``."""
    return _read_lock(ssp, "srcu_read_lock", "normal")


class srcu_ctr:
    """What ``srcu_read_lock_fast()`` returns (the kernel's ``struct srcu_ctr
    __percpu *``, this CPU's counter of the current index): the section's
    token for ``srcu_read_unlock_fast()``."""

    __slots__ = ("ssp",)

    def __init__(self, ssp):
        self.ssp = ssp

    def __repr__(self):
        return f"srcu_ctr({self.ssp!r})"


def srcu_read_lock_fast(ssp):
    """``srcu_read_lock()`` without its ``smp_mb()``s (v6.15): the grace periods
    of an ``srcu_struct`` read this way pay with ``synchronize_rcu()``, which
    kcheck's grace periods already are, so the section is one as any other.
    Returns the ``srcu_ctr`` for ``srcu_read_unlock_fast()``."""
    _read_lock(ssp, "srcu_read_lock_fast", "fast")
    return srcu_ctr(ssp)


def srcu_read_unlock_fast(ssp, scp):
    r = run()
    if scp.__class__ is not srcu_ctr or scp.ssp is not ssp:
        r.report("warn", f"srcu_read_unlock_fast({ssp!r}, {scp!r}): not the counter "
                 f"srcu_read_lock_fast({ssp!r}) returned (its count would be another's)")
    _read_unlock(ssp, 0, "srcu_read_unlock_fast")


def srcu_read_lock_lite(ssp):
    """v6.13's light reader (no ``smp_mb()``; replaced by the fast one in v6.16)."""
    return _read_lock(ssp, "srcu_read_lock_lite", "lite")


def srcu_read_unlock_lite(ssp, idx):
    _read_unlock(ssp, idx, "srcu_read_unlock_lite")


def srcu_read_lock_nmisafe(ssp):
    """The NMI-safe reader (v6.2: atomic counter updates instead of this_cpu ops)."""
    return _read_lock(ssp, "srcu_read_lock_nmisafe", "nmisafe")


def srcu_read_unlock_nmisafe(ssp, idx):
    _read_unlock(ssp, idx, "srcu_read_unlock_nmisafe")


def _flavor(r, t, ssp, flavor, what):
    """One ``srcu_struct``, one kind of reader: the kernel (CONFIG_PROVE_RCU)
    WARNs when a CPU's readers of it change kind, or when a grace period
    finds more than one kind among its CPUs' readers (``__srcu_check_read_flavor()``,
    ``srcu_readers_active_idx_check()``).  kcheck WARNs at the first reader of
    a second kind in the execution, grace period or not."""
    seen = r.__dict__.setdefault("_srcu_flavors", {})
    first = seen.get(ssp._id())
    if first is None:
        seen[ssp._id()] = (flavor, t.name, what)
    elif first[0] != flavor:
        r.report("warn", f"{what}({ssp!r}) in {t.name}, but {first[1]} read it with {first[2]}(): "
                 "an srcu_struct's readers must all be of one kind (__srcu_check_read_flavor)")


def _read_lock(ssp, what, flavor):
    r = run()
    t = r.cur
    if t is None:
        return 0
    with op(r, lambda: f"{what}({ssp!r})"):
        _flavor(r, t, ssp, flavor, what)
        d = _nest(t, ssp)
        key = ssp                   # the instance: lockdep's ssp->dep_map
        n = d.get(key, 0)
        if n == 0:
            r.write(ssp._flag(t), ssp._id(), ONCE, "srcu_read_lock")
        d[key] = n + 1
        if r.lkmm:
            r.read(ssp._loc, ONCE, "~srcu_read_lock")         # the LKMM's Srcu-lock
    return 0


def srcu_read_unlock(ssp, idx):
    _read_unlock(ssp, idx, "srcu_read_unlock")


def _read_unlock(ssp, idx, what):
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, lambda: f"{what}({ssp!r})"):
        if idx.__class__ is not int or idx & ~0x1:
            # __srcu_read_unlock(): WARN_ON_ONCE(idx & ~0x1) - not an index
            # srcu_read_lock() can return (its counter would be another's)
            r.report("warn", f"WARN_ON_ONCE(idx & ~0x1) in srcu_read_unlock({ssp!r}, {idx!r}) in "
                     f"{t.name}: not an index srcu_read_lock() returned (0 or 1)")
        d = _nest(t, ssp)
        key = ssp                   # the instance: lockdep's ssp->dep_map
        n = d.get(key, 0)
        if n == 0:
            r.report("lockdep", f"srcu_read_unlock({ssp!r}) in {t.name} without srcu_read_lock()")
        if r.lkmm:
            r.write(ssp._loc, idx, ONCE, "~srcu_read_unlock")  # Srcu-unlock, data-dependent on the lock
        d[key] = n - 1
        if n == 1:
            r.write(ssp._flag(t), 0, ONCE if r.lkmm else REL, "srcu_read_unlock")


def srcu_down_read(ssp):
    """Enter a read-side section of ``ssp`` that any task may end, with
    ``srcu_up_read(ssp, idx)`` (v6.2+: a semaphore-like reader, not tracked by
    lockdep, so ``srcu_read_lock_held()`` stays false in it).  Grace periods
    of ``ssp`` wait for it as for ``srcu_read_lock()``.  The index it returns
    names the section (the kernel's names one of two counters): pass it on
    through memory, as the kernel does, to the task that ends it."""
    r = run()
    t = r.cur
    if t is None:
        return 0
    if t.callback:
        raise ModelError(f"{t.name}: srcu_down_read() inside an RCU/SRCU callback is not modelled")
    with op(r, lambda: f"srcu_down_read({ssp!r})"):
        n = r.rmw(ssp._downs(t), _plus_one, ONCE, "srcu_down_read_count") + 1
        if n >= 1 << 16:
            raise ModelError(f"{t.name}: more than {(1 << 16) - 1} srcu_down_read() sections")
        flag = ssp._down_flag(t.tid, n, t.name)
        r.write(flag, ssp._id(), ONCE, "srcu_down_read")
        seen = 0
        if r.lkmm:
            seen = r.read(ssp._loc, ONCE, "~srcu_read_lock")     # the LKMM's Srcu-lock
            r.last_event().arg = ("srcu-section", flag.lid, (t.tid << 16) | n)
        t.tls.setdefault("srcu_down", {})[n] = seen
    return (t.tid << 16) | n


def srcu_up_read(ssp, idx):
    """End the section ``srcu_down_read(ssp)`` returned ``idx`` for, from any task.
    An index no ``srcu_down_read()`` of ``ssp`` returned, or one already
    ended, is the kernel's ``WARN_ON_ONCE(idx & ~0x1)`` or a corrupted reader
    count: a WARN."""
    _up_read(ssp, idx, True)


def _up_read(ssp, idx, strict, value=None):
    """``srcu_up_read``; with ``strict`` False (a litmus test, as herd7 runs it)
    an index that names no open section is only an Srcu-unlock that ends
    nothing (herd7's ``unmatched-srcu-unlock``).  ``value``: what the
    Srcu-unlock stores (a litmus test's own register; by default the value
    its Srcu-lock read, which herd7's ``srcu-bad-value-match`` compares)."""
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, lambda: f"srcu_up_read({ssp!r}, {idx})"):
        tid, n = (idx >> 16, idx & 0xFFFF) if isinstance(idx, int) and idx > 0 else (-1, 0)
        owner = r.tasks[tid] if 0 <= tid < len(r.tasks) else None
        open_ = owner.tls.get("srcu_down", {}) if owner is not None else {}
        if n not in open_ or n == 0:
            if strict:
                r.report("warn", f"srcu_up_read({ssp!r}, {idx}) in {t.name}: no open srcu_down_read() "
                         "section of it has that index (the kernel WARNs for an index other than 0 "
                         "or 1, and otherwise corrupts the reader counts its grace periods wait "
                         "on)", fatal=True)
            elif r.lkmm:
                r.write(ssp._loc, idx if value is None else value, ONCE, "~srcu_read_unlock")
            return
        seen = open_.pop(n)
        if value is not None:
            seen = value
        flag = ssp._down_flag(owner.tid, n, owner.name)
        if r.lkmm:
            r.write(ssp._loc, seen, ONCE, "~srcu_read_unlock")     # Srcu-unlock
            r.last_event().arg = ("srcu-section", flag.lid)
        r.write(flag, 0, ONCE if r.lkmm else REL, "srcu_up_read")


def _plus_one(v):
    return v + 1


def srcu_read_lock_held(ssp):
    t = run().cur
    return t is not None and bool(t.tls.get("srcu", {}).get(ssp))


def srcu_dereference_check(p, ssp, c=False):
    from .rcu import _suspicious
    from ._core import loc_of
    r = run()
    if r.cur is not None and not c and not srcu_read_lock_held(ssp):
        _suspicious(r, "srcu_dereference_check")
    return r.read(loc_of(p), ONCE, "srcu_dereference")


def srcu_dereference(p, ssp):
    """``rcu_dereference`` for ``ssp``'s readers (lockdep checks the section)."""
    return srcu_dereference_check(p, ssp, False)


def _wait_zero(v):
    return NO_WRITE if v == 0 else BLOCK


def _grace_period(r, ssp, me, what):
    if r.lkmm:
        r.fence(("synchronize_srcu", ssp._loc.lid), "~synchronize_srcu")     # Sync-srcu on ssp
    how = WAIT if r.lkmm else WAIT_ACQ     # under the LKMM the waits only block
    for u in r.static:
        if u is not me:
            r.rmw(ssp._flag(u), _wait_zero, how, what)
    # the srcu_down_read() sections begun before: any task may end them,
    # the caller's own included
    for u in r.static:
        n = r.read(ssp._downs(u), ONCE, what)
        for i in range(1, n + 1):
            r.rmw(ssp._down_flag(u.tid, i, u.name), _wait_zero, how, what)


def synchronize_srcu(ssp):
    """Wait until every read-side section of ``ssp`` that began before has ended."""
    r = run()
    t = r.cur
    if t is None:
        return
    if t.rcu:
        r.report("sleep-in-rcu", f"Illegal synchronize_srcu() in RCU read-side critical section: "
                 f"{t.name}")
    if t.tls.get("srcu", {}).get(ssp):
        r.report("deadlock", f"Illegal synchronize_srcu() in same-type SRCU read-side critical "
                 f"section: {t.name} waits for its own srcu_read_lock({ssp!r})")
    _sched.sleep_check("synchronize_srcu")
    with op(r, lambda: f"synchronize_srcu({ssp!r})"):
        _grace_period(r, ssp, t, "synchronize_srcu")
    from .rcu import declare_gp
    declare_gp(r, ("srcu", ssp._id()))


synchronize_srcu_expedited = synchronize_srcu


def call_srcu(ssp, head, fn):
    """Run ``fn(head)`` in its own context after an SRCU grace period of ``ssp``."""
    r = run()
    t = r.cur
    if t is None:
        raise ModelError("call_srcu() from main(): queue callbacks from a task")
    if not isinstance(ssp, srcu_struct) or not callable(fn):
        raise ModelError(f"call_srcu({ssp!r}, {head!r}, {getattr(fn, '__name__', fn)!r}): the "
                         "arguments are the kernel's call_srcu(ssp, head, func) - the srcu_struct, "
                         "the rcu_head, then the callback")
    from .rcu import queue_head, unqueue_head
    if not queue_head(r, head, "call_srcu"):
        return
    root = r.tasks[t.order[0]]
    n = r.rmw(ssp._queued(root.tid, root.name), lambda v: v + 1, ONCE, "call_srcu") + 1
    done = ssp._done(root.tid, root.name, n)

    def callback():
        rr = run()
        me = rr.cur
        if rr.lkmm or not getattr(rr.x, "rcu_declarative", True):
            _grace_period(rr, ssp, me, "srcu grace period")
        else:
            rr.fence(("srcu", ssp._id()), GP_OP)
            rr.has_gp = True
        unqueue_head(head)
        fn(head)
        run().write(done, 1, REL, "rcu callback done")

    name = f"srcu:{getattr(fn, '__name__', 'callback')}"
    child = r.spawn(callback, (), name, False, "call_srcu")
    child.callback = True
    child.tls["context"] = "an SRCU callback"     # a workqueue, bottom halves disabled


def _is_one(v):
    return NO_WRITE if v == 1 else BLOCK


def srcu_barrier(ssp):
    """Wait for every callback queued on ``ssp`` before this call."""
    r = run()
    t = r.cur
    if t is None:
        return
    _sched.sleep_check("srcu_barrier")
    with op(r, lambda: f"srcu_barrier({ssp!r})"):
        for u in r.static:
            n = r.read(ssp._queued(u.tid, u.name), ONCE, "srcu_barrier")
            for i in range(1, n + 1):
                r.rmw(ssp._done(u.tid, u.name, i), _is_one, WAIT_ACQ, "srcu_barrier")


def cleanup_srcu_struct(ssp):
    """Tear ``ssp`` down: WARNs if a reader is inside or a callback is still pending
    (the kernel's ``WARN_ON(srcu_readers_active(ssp))`` and its pending-callback check)."""
    r = run()
    t = r.cur
    if t is None:
        return
    _sched.sleep_check("cleanup_srcu_struct")
    with op(r, lambda: f"cleanup_srcu_struct({ssp!r})"):
        for u in r.static:
            if u is not t and r.read(ssp._flag(u), ONCE, "cleanup_srcu_struct"):
                r.report("warn", f"WARN_ON(srcu_readers_active(ssp)): cleanup_srcu_struct({ssp!r}) "
                         f"while {u.name} is inside srcu_read_lock()")
        for u in r.static:
            n = r.read(ssp._downs(u), ONCE, "cleanup_srcu_struct")
            for i in range(1, n + 1):
                if r.read(ssp._down_flag(u.tid, i, u.name), ONCE, "cleanup_srcu_struct"):
                    r.report("warn", f"WARN_ON(srcu_readers_active(ssp)): cleanup_srcu_struct({ssp!r}) "
                             f"while the srcu_down_read() section {u.name} began is open")
        for u in r.static:
            n = r.read(ssp._queued(u.tid, u.name), ONCE, "cleanup_srcu_struct")
            for i in range(1, n + 1):
                if r.read(ssp._done(u.tid, u.name, i), ONCE, "cleanup_srcu_struct") != 1:
                    r.report("warn", f"WARN_ON(rcu_segcblist_n_cbs(&sdp->srcu_cblist)): "
                             f"cleanup_srcu_struct({ssp!r}) with a call_srcu() callback queued by "
                             f"{u.name} still pending (call srcu_barrier() first)")

# makes the srcu_read_unlock() before it a full barrier (linux-kernel.def's
# after-srcu-read-unlock fence); under SC a fence event alone
smp_mb__after_srcu_read_unlock = _fence("smp_mb__after_srcu_read_unlock")


__all__ = ["srcu_struct", "DEFINE_SRCU", "DEFINE_STATIC_SRCU", "init_srcu_struct",
           "smp_mb__after_srcu_read_unlock", "cleanup_srcu_struct", "srcu_read_lock", "srcu_read_unlock", "srcu_down_read", "srcu_up_read",
           "srcu_ctr", "srcu_read_lock_fast", "srcu_read_unlock_fast", "srcu_read_lock_lite",
           "srcu_read_unlock_lite", "srcu_read_lock_nmisafe", "srcu_read_unlock_nmisafe",
           "srcu_read_lock_held",
           "srcu_dereference", "srcu_dereference_check", "synchronize_srcu",
           "synchronize_srcu_expedited", "call_srcu", "srcu_barrier"]
