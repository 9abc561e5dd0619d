"""RCU: read-side critical sections, grace periods, callbacks, list operations.

Each task that may read under RCU has a flag (is it inside a read-side
critical section?), written by rcu_read_lock() and rcu_read_unlock().

``synchronize_rcu()`` reads every other task's flag and waits (a blocking
read, not a spin) until it sees the task outside its section, so every
section that began before the grace period ends before it does.

``call_rcu(head, fn)`` starts a new context (a task) that runs ``fn(head)``
after a grace period.  Under sequential consistency that grace period is
*declarative*: the callback records a grace-period event and runs on, and
an execution counts only if its events can be ordered so that no grace
period falls inside a read-side section it must wait for
(``engine/memory/rcu_gp.py``).  Waiting by reading flags would order each
callback against every read-side section of every task - sections that
never touch the freed object included - and multiply the executions by the
places a grace period can end (400x on the TDP MMU's memslot+vcpu).  Under
the LKMM the callback waits on the flags as synchronize_rcu() does, and the
model's own RCU axioms apply on top.

``rcu_barrier()`` waits until every callback queued so far has run.
Callbacks may not themselves enter RCU read-side sections (kcheck says so if
they do).
"""

from __future__ import annotations

from ._core import (check_member, run, loc_of, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, WAIT,
                    WAIT_ACQ, op)
from ..engine.runtime import LKMM_GHOSTS
from . import sched as _sched
from ..engine.memory.rcu_gp import GP_OP


def _root(n):
    return Loc.fixed((1 << 40) + n, ("rcu", "call_rcu", "kvfree_rcu")[n])


_RCU = _root(0)
_CBS = _root(1)
# kfree_rcu()'s callbacks are counted apart: kvfree_rcu_barrier() (and with it
# kmem_cache_destroy(), since v6.12) waits for them and for no other callback
_KVFREE = _root(2)
_FAMILIES = (_CBS, _KVFREE)
_flags = {}
_pending = {}


def _flag(t):
    key = (t.tid, t.name)
    l = _flags.get(key)
    if l is None:
        l = _flags[key] = Loc.derived(_RCU, t.tid, 0, f"rcu_read_lock_nesting[{t.name}]")
        LKMM_GHOSTS.add(l.lid)
    return l


def _cbcount(tid, name, family=0):
    key = (tid, name, family)
    l = _pending.get(key)
    if l is None:
        what = ("call_rcu_queued", "kvfree_rcu_queued")[family]
        l = _pending[key] = Loc.derived(_FAMILIES[family], tid, 0, f"{what}[{name}]")
    return l


def _cbdone(tid, name, i, family=0):
    key = (tid, name, i, family)
    l = _pending.get(key)
    if l is None:
        # fixed by who queued it and its number
        l = _pending[key] = Loc.fixed((1 << 41) + (family << 40) + (tid << 20) + i,
                                      f"rcu_callback_done[{name}#{i}]")
    return l


def _wait_zero(v):
    return NO_WRITE if v == 0 else BLOCK


def _lock(r, t):
    if t.rcu == 0 and not t.tls.get("rcu_implicit"):
        _open(r, t)
    t.rcu += 1


# The names of an implicit section's bounds (a region with preemption, bottom
# halves or interrupts off; a timer's or handler's run): "~" hides them in traces.
IMPLICIT_OPEN, IMPLICIT_CLOSE = "~rcu_read_lock", "~rcu_read_unlock"


def _open(r, t, what="rcu_read_lock"):
    """Open ``t``'s section: its reader flag, with ``what`` as the event's name
    (``~rcu_read_lock`` for an implicit section: no kernel line, hidden in traces;
    memory/rcu_gp.py knows both names)."""
    if r.lkmm:
        r.fence("rcu_read_lock", "~rcu_read_lock")    # LKMM's Rcu-lock
    r.write(_flag(t), 1, ONCE, what)


def _close(r, t, what="rcu_read_unlock"):
    # (under the LKMM the flag is a ghost: the Rcu-unlock fence is the section's end)
    r.write(_flag(t), 0, ONCE if r.lkmm else REL, what)
    if r.lkmm:
        r.fence("rcu_read_unlock", "~rcu_read_unlock")


def implicit_section(r, t, inside):
    """Since the RCU flavours were consolidated (v4.20), a region with preemption,
    bottom halves or interrupts disabled is an RCU read-side critical section:
    ``synchronize_rcu()`` and ``call_rcu()`` wait for it, which is what an
    ``rcu_dereference_sched()`` reader under ``preempt_disable()`` relies on.
    kernel/sched.py calls this when a task enters (``inside``) or leaves such
    a region; the task's reader flag covers the union of it and its explicit
    sections.  (A region under a plain spinlock is one too in the kernel, and
    is not made one here: a use-after-free it would prevent is still reported.)"""
    if t.callback or bool(t.tls.get("rcu_implicit")) == inside:
        return
    t.tls["rcu_implicit"] = inside
    if t.rcu == 0:
        # no rcu_read_lock() in the kernel's code: the region's own step (a
        # spin_unlock_bh(), the timer's start) is what the trace shows
        if inside:
            _open(r, t, IMPLICIT_OPEN)
        else:
            _close(r, t, IMPLICIT_CLOSE)


def context_reader(r, t, inside):
    """The function of a timer, a tasklet, an hrtimer or an interrupt handler runs
    with bottom halves or interrupts disabled: since the flavours were
    consolidated (v4.20) its whole run is an RCU read-side critical section, so
    ``synchronize_rcu()`` waits for a running one and an ``rcu_dereference_bh()``
    there needs no ``rcu_read_lock()`` (the networking stack relies on it).  Its
    run opens the section (``inside``) and closes it when the function returns.
    (RCU callbacks, softirq too, are not made readers: their grace periods
    would then wait for each other, and kcheck's do not.)"""
    if t is None or bool(t.tls.get("rcu_implicit")) == inside:
        return
    t.tls["rcu_implicit"] = inside
    if t.rcu == 0:
        # no rcu_read_lock() in the kernel's code: the region's own step (a
        # spin_unlock_bh(), the timer's start) is what the trace shows
        if inside:
            _open(r, t, IMPLICIT_OPEN)
        else:
            _close(r, t, IMPLICIT_CLOSE)


def _unlock(r, t, what, key=None):
    if t.rcu == 0 or (key is not None and not t.tls.get(key)):
        r.report("lockdep", f"{what}() in {t.name} without {what.replace('unlock', 'lock')}()")
    if key is not None:
        t.tls[key] -= 1
    elif _sched.rcu_depth(t) <= 0:
        r.report("lockdep", f"{what}() in {t.name} without rcu_read_lock() (only a _bh or _sched "
                 "section is open)")
    t.rcu -= 1
    if t.rcu == 0 and not t.tls.get("rcu_implicit"):
        _close(r, t)


def rcu_read_lock():
    r = run()
    t = r.cur
    if t is None:
        return
    _lock(r, t)


def rcu_read_unlock():
    r = run()
    t = r.cur
    if t is None:
        return
    _unlock(r, t, "rcu_read_unlock")


def rcu_read_lock_bh():
    """An RCU reader that also disables bottom halves (the flavours are one since 4.20:
    ``synchronize_rcu()`` waits for it)."""
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, "rcu_read_lock_bh()"):
        _sched.local_bh_disable()
        _lock(r, t)
        t.tls["rcu_bh"] = t.tls.get("rcu_bh", 0) + 1


def rcu_read_unlock_bh():
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, "rcu_read_unlock_bh()"):
        _unlock(r, t, "rcu_read_unlock_bh", "rcu_bh")
        _sched.local_bh_enable()


def rcu_read_lock_sched():
    """An RCU reader that disables preemption."""
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, "rcu_read_lock_sched()"):
        _sched.preempt_disable()
        _lock(r, t)
        t.tls["rcu_sched"] = t.tls.get("rcu_sched", 0) + 1


def rcu_read_unlock_sched():
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, "rcu_read_unlock_sched()"):
        _unlock(r, t, "rcu_read_unlock_sched", "rcu_sched")
        _sched.preempt_enable()


def rcu_read_lock_held():
    """Inside ``rcu_read_lock()`` (lockdep's ``rcu_lock_map``)."""
    t = run().cur
    return t is not None and _sched.rcu_depth(t) > 0


def rcu_read_lock_bh_held():
    """Inside ``rcu_read_lock_bh()``, or with bottom halves or interrupts disabled."""
    t = run().cur
    return t is not None and bool(t.tls.get("rcu_bh") or t.tls.get("bh") or t.tls.get("irq")
                                  or t.callback)


def rcu_read_lock_sched_held():
    """Preemption disabled in any way (``rcu_read_lock_sched``, a spinlock, bh, irqs)."""
    t = run().cur
    return t is not None and _sched.atomic_reason(t) is not None


def rcu_read_lock_any_held():
    t = run().cur
    return t is not None and (t.rcu > 0 or _sched.atomic_reason(t) is not None)


def _grace_period(r, me, op):
    if r.lkmm:
        r.fence("synchronize_rcu", "~synchronize_rcu")       # LKMM's Sync-rcu
    # Under the LKMM the waits only block (runtime.LKMM_GHOSTS): what the grace
    # period orders is the fence's business
    how = WAIT if r.lkmm else WAIT_ACQ
    for u in r.static:
        if u is not me:
            r.rmw(_flag(u), _wait_zero, how, op)


def _no_reader(r, t, what, fatal=False):
    if t.rcu:
        r.report("sleep-in-rcu", f"Illegal {what}() in RCU read-side critical section: {t.name}",
                 fatal=fatal)


def synchronize_rcu():
    r = run()
    t = r.cur
    if t is None:
        return
    # the kernel warns, then waits for ever: the grace period waits for the section it is in
    _no_reader(r, t, "synchronize_rcu", fatal=True)
    _sched.sleep_check("synchronize_rcu")
    _grace_period(r, t, "synchronize_rcu")
    declare_gp(r, "rcu_gp")
    t.tls["rcu_syncs"] = t.tls.get("rcu_syncs", 0) + 1     # poll_state_synchronize_rcu()


def declare_gp(r, value):
    """The grace period that just ended, as a point the finished execution must
    keep out of every read-side section (memory/rcu_gp.py), under SC.  The
    waits above cover the tasks ``main()`` spawned; a reader in a context a task
    started (a work item on a system queue, a kernel thread) has no flag the
    wait knows of - the point is what makes an execution in which the grace
    period ends inside its section impossible instead of a use-after-free.
    (Under the LKMM the Sync-rcu fence and its rcu axiom do this.)"""
    if r.lkmm or not getattr(r.x, "rcu_declarative", True) or r.cur is None:
        return
    r.fence(value, GP_OP)
    r.has_gp = True


synchronize_rcu_expedited = synchronize_rcu
synchronize_net = synchronize_rcu          # net/core/dev.c: an expedited one under RTNL


class rcu_head(KObject):
    """``struct rcu_head``: where a callback is queued; ``container_of`` finds its struct."""

    __slots__ = ("_owner", "_kid", "_name", "_queued")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field
        self._kid = ("h", owner._kid if owner is not None else id(self), field)
        # queued and not yet invoked (CONFIG_DEBUG_OBJECTS_RCU_HEAD's state)
        self._queued = Loc(0, owner, f"{field or 'rcu_head'}.queued")

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._owner!r}->{self._name}" if self._owner is not None else "rcu_head"


def container_of(ptr, typ=None, member=None):
    owner = getattr(ptr, "_owner", None)
    if owner is None:
        raise ModelError(f"container_of({ptr!r}): not embedded in a struct")
    if typ is not None and not isinstance(owner, typ):
        raise ModelError(f"container_of({ptr!r}, {typ.__name__}): it is inside a {type(owner).__name__}")
    check_member(f"container_of({ptr!r}, {type(owner).__name__}, {member})", ptr, owner, member)
    return owner


def queue_head(r, head, what, op_name=None):
    """Mark ``head`` queued; False (and the kernel's WARN) if it already is: a
    second ``call_rcu()`` on a head whose callback has not run yet would link
    it twice - the kernel leaks the callback and warns (``__call_rcu():
    Double-freed CB``, a double free in disguise)."""
    q = getattr(head, "_queued", None)
    if q is None:
        return True
    if r.rmw(q, lambda v: 1 if v == 0 else NO_WRITE, ONCE, op_name or what) != 0:
        r.report("warn", f"{what}(): Double-freed CB {head!r}: queued again before its callback ran "
                 "(the kernel leaks the callback)")
        return False
    return True


def unqueue_head(head):
    """The callback is about to be invoked: its head may be queued again (or
    freed, by the callback itself)."""
    q = getattr(head, "_queued", None)
    if q is not None:
        run().write(q, 0, ONCE, "rcu callback: unqueue")


def call_rcu(head, fn):
    """Queue ``fn(head)`` to run after a grace period, in softirq context."""
    return queue_rcu_callback(head, fn, 0)


def queue_rcu_callback(head, fn, family):
    """call_rcu(); ``family`` 1 for kfree_rcu()'s frees (kvfree_rcu_barrier())."""
    r = run()
    t = r.cur
    if t is None:
        raise ModelError("call_rcu() from main(): queue callbacks from a task")
    if not callable(fn):
        raise ModelError(f"call_rcu({head!r}, {fn!r}): the callback must be a function")
    if not queue_head(r, head, "__call_rcu", "call_rcu"):     # one trace line with the queuing
        return None
    # Each queuing context numbers its callbacks (one counter it alone mostly
    # writes), and each callback has its own "done" word: callbacks finishing
    # never conflict with one another, only with an rcu_barrier() waiting.
    root = r.tasks[t.order[0]]
    n = r.rmw(_cbcount(root.tid, root.name, family), lambda v: v + 1, ONCE, "call_rcu") + 1
    done = _cbdone(root.tid, root.name, n, family)

    def callback():
        me = r_cur()
        rr = run()
        _context_gp(rr, me)
        unqueue_head(head)
        fn(head)
        run().write(done, 1, REL, "rcu callback done")

    name = f"rcu:{getattr(fn, '__name__', 'callback')}"
    child = r.spawn(callback, (), name, False, "call_rcu")
    child.callback = True
    child.tls["softirq"] = True     # RCU_SOFTIRQ (lockdep's IN-SOFTIRQ: kernel/locking.py)
    return None


def _context_gp(rr, me):
    """The grace period a context started by ``call_rcu()`` (or by a polled
    grace period's cookie) waits for before it goes on."""
    if not getattr(rr.x, "rcu_declarative", True):
        _grace_period(rr, me, "rcu grace period")
    elif rr.lkmm:
        # the LKMM's own grace period: a Sync-rcu fence, constrained by its rcu
        # axiom; an access is then protected from the free only if the LKMM orders
        # it before (detect.use_after_free_race), not by waiting on readers' flags
        rr.fence("synchronize_rcu", "~rcu grace period")
    else:
        rr.fence("rcu_gp", GP_OP)
        rr.has_gp = True          # from now on a bug is real only if the run is admissible


def r_cur():
    return run().cur


def rcu_barrier():
    """Wait for every callback queued before: read how many each context queued,
    then wait on each one's "done" word."""
    _barrier((0, 1), "rcu_barrier")


def kvfree_rcu_barrier():
    """Wait for every ``kfree_rcu()``/``kvfree_rcu()`` queued before (v6.12),
    not for other RCU callbacks."""
    _barrier((1,), "kvfree_rcu_barrier")


def _barrier(families, what):
    r = run()
    t = r.cur
    if t is None:
        return
    _no_reader(r, t, what)
    _sched.sleep_check(what)
    _wait_callbacks(r, families, what)


def _wait_callbacks(r, families, what):
    for u in r.static:
        for fam in families:
            n = r.read(_cbcount(u.tid, u.name, fam), ONCE, what)
            for i in range(1, n + 1):
                r.rmw(_cbdone(u.tid, u.name, i, fam), _wait_one, WAIT_ACQ, what)


def _wait_one(v):
    return NO_WRITE if v == 1 else BLOCK


def _suspicious(r, what):
    t = r.cur
    r.report("suspicious-rcu-usage", f"suspicious {what}() usage: {t.name} dereferences an "
             "RCU-protected pointer outside a matching read-side critical section and without "
             "the update-side lock the condition names")


def RCU_LOCKDEP_WARN(c, s):
    """``RCU_LOCKDEP_WARN(c, s)``: lockdep's "suspicious RCU usage" splat with
    message ``s`` when ``c`` holds (CONFIG_PROVE_RCU), as kernel code asserts
    its RCU context: a ``suspicious-rcu-usage`` bug."""
    if c:
        r = run()
        r.report("suspicious-rcu-usage", f"WARNING: suspicious RCU usage: {s} "
                 f"({r.cur.name if r.cur is not None else 'main()'})")


def rcu_dereference_check(p, c=False):
    """``rcu_dereference()`` that is also legal when ``c`` holds (``lockdep_is_held(&lock)``)."""
    r = run()
    if r.cur is not None and not c and not rcu_read_lock_held():
        _suspicious(r, "rcu_dereference_check")
    return r.read(loc_of(p), ONCE, "rcu_dereference")


def rcu_dereference(p):
    """A marked load legal only inside ``rcu_read_lock()`` (lockdep checks it)."""
    r = run()
    if r.cur is not None and not rcu_read_lock_held():
        _suspicious(r, "rcu_dereference_check")
    return r.read(loc_of(p), ONCE, "rcu_dereference")


def rcu_dereference_bh_check(p, c=False):
    r = run()
    if r.cur is not None and not c and not rcu_read_lock_bh_held():
        _suspicious(r, "rcu_dereference_bh_check")
    return r.read(loc_of(p), ONCE, "rcu_dereference_bh")


def rcu_dereference_bh(p):
    return rcu_dereference_bh_check(p, False)


def rcu_dereference_sched_check(p, c=False):
    r = run()
    if r.cur is not None and not c and not rcu_read_lock_sched_held():
        _suspicious(r, "rcu_dereference_sched_check")
    return r.read(loc_of(p), ONCE, "rcu_dereference_sched")


def rcu_dereference_sched(p):
    return rcu_dereference_sched_check(p, False)


def rcu_dereference_raw(p):
    """No lockdep check (the caller knows why it is safe)."""
    return run().read(loc_of(p), ONCE, "rcu_dereference_raw")


def rcu_access_pointer(p):
    """The pointer's value, for a NULL test only: no check, no dereference."""
    return run().read(loc_of(p), ONCE, "rcu_access_pointer")


def rcu_dereference_protected(p, c=True):
    """A plain load legal only where updates cannot happen (``c``: the update-side
    lock is held, ``lockdep_is_held(&lock)``)."""
    r = run()
    if r.cur is not None and not c:
        _suspicious(r, "rcu_dereference_protected")
    return r.read(loc_of(p), 0, "rcu_dereference_protected")


def rcu_assign_pointer(p, v):
    run().write(loc_of(p), v, REL, "rcu_assign_pointer")


def call_rcu_hurry(head, fn):
    """``call_rcu()`` without lazy batching (v6.2+): the same grace period."""
    call_rcu(head, fn)


def rcu_replace_pointer(p, v, c=True):
    """Replace an RCU-protected pointer on the update side and return the old
    one: ``rcu_dereference_protected(p, c)`` then ``rcu_assign_pointer(p, v)``
    (the kernel's macro).  ``c``: the update-side lock is held."""
    old = rcu_dereference_protected(p, c)
    rcu_assign_pointer(p, v)
    return old


def RCU_INIT_POINTER(p, v):
    run().write(loc_of(p), v, ONCE, "RCU_INIT_POINTER")


# -- polled grace periods (kernel/rcu/tree.c) ---------------------------------------
#
# A cookie names a grace period: get_state_synchronize_rcu() returns one, and
# poll_state_synchronize_rcu(cookie) is true only if a full grace period has
# elapsed since.  The kernel's grace periods run on their own (driven by
# whoever needs one); when one that started after the cookie ends is up to
# the timing.  kcheck takes the cookie by starting a context of its own that
# goes through a grace period - the same as a call_rcu() callback's: a point
# no read-side section may straddle under SC, the Sync-rcu fence under the
# LKMM - and then marks it completed.  A poll reads that mark: true only in
# the executions in which a grace period fell between the cookie and the
# poll, false in the others, and the explorer tries both.  A reader that was
# inside its section when the cookie was taken and is still inside at the
# poll makes true impossible; a reader that entered after the cookie does
# not (it may have found what the updater unpublished after the cookie:
# the cookie must come after the unpublish).
#
# The kernel's poll is also true after a synchronize_rcu() of any task that
# ended after the cookie; kcheck knows that only for the poller's own
# synchronize_rcu() (a per-task count in the cookie).  After another task's,
# a poll may still say false - an execution the kernel does not have, in
# which the caller takes its slow path (cond_synchronize_rcu(), call_rcu()).

_POLL_KIND = 16                 # Loc.keyed's range for the cookies' completion marks
RCU_GET_STATE_COMPLETED = 0x1


def _gp_done(tid):
    return Loc.keyed(_POLL_KIND, tid, 0, f"rcu_gp_polled#{tid}.completed")


def _poll_gp():
    """A cookie's grace period: wait for it as a callback does, then mark it done."""
    rr = run()
    me = rr.cur
    _context_gp(rr, me)
    rr.write(_gp_done(me.tid), 1, REL, "rcu grace period: completed")


def _cookie(what):
    r = run()
    t = r.cur
    if t is None:
        raise ModelError(f"{what}() from main(): take the cookie in a task")
    # smp_mb(): the updater's accesses (the unpublish) before the snapshot
    r.fence("smp_mb", f"~{what}")
    child = r.spawn(_poll_gp, (), "rcu_gp", False, what)
    return ((child.tid + 1) << 32) | ((t.tid + 1) << 16) | (t.tls.get("rcu_syncs", 0) & 0xffff)


def get_state_synchronize_rcu():
    """A cookie for ``poll_state_synchronize_rcu()``: the grace period it names
    starts after every access before the call (the kernel's ``smp_mb()``)."""
    return _cookie("get_state_synchronize_rcu")


def start_poll_synchronize_rcu():
    """``get_state_synchronize_rcu()``, and make sure a grace period starts
    (kcheck's always may: the same cookie)."""
    return _cookie("start_poll_synchronize_rcu")


def get_completed_synchronize_rcu():
    """A cookie whose grace period has always already completed."""
    return RCU_GET_STATE_COMPLETED


def same_state_synchronize_rcu(oldstate1, oldstate2):
    return oldstate1 == oldstate2


def poll_state_synchronize_rcu(oldstate):
    """True if a full grace period has elapsed since ``oldstate`` was taken (then
    an ``smp_mb()``: the grace period ends before what follows), else false."""
    r = run()
    t = r.cur
    if oldstate == RCU_GET_STATE_COMPLETED:
        r.fence("smp_mb", "~poll_state_synchronize_rcu")
        return True
    ok = isinstance(oldstate, int)
    gp, taker, syncs = ((oldstate >> 32) - 1, (oldstate >> 16 & 0xffff) - 1, oldstate & 0xffff) \
        if ok else (-1, -1, 0)
    if gp < 0 or taker < 0:
        raise ModelError(f"poll_state_synchronize_rcu({oldstate!r}): not a cookie "
                         "get_state_synchronize_rcu() gave")
    if t is not None and t.tid == taker and t.tls.get("rcu_syncs", 0) & 0xffff != syncs:
        return True             # a synchronize_rcu() of its own since the cookie
    if r.read(_gp_done(gp), ACQ, "poll_state_synchronize_rcu") != 1:
        return False
    r.fence("smp_mb", "~poll_state_synchronize_rcu")
    return True


def cond_synchronize_rcu(oldstate):
    """``synchronize_rcu()`` unless a full grace period has elapsed since ``oldstate``."""
    if not poll_state_synchronize_rcu(oldstate):
        synchronize_rcu()


def _reset_run_caches():
    _flags.clear()
    _pending.clear()

__all__ = ["rcu_head", "container_of", "rcu_read_lock", "rcu_read_unlock", "rcu_read_lock_bh",
           "rcu_read_unlock_bh", "rcu_read_lock_sched", "rcu_read_unlock_sched",
           "rcu_read_lock_held", "rcu_read_lock_bh_held", "rcu_read_lock_sched_held",
           "rcu_read_lock_any_held", "synchronize_rcu", "synchronize_rcu_expedited", "synchronize_net", "call_rcu", "call_rcu_hurry",
           "rcu_barrier", "kvfree_rcu_barrier", "rcu_dereference", "rcu_dereference_check", "rcu_dereference_bh",
           "rcu_dereference_bh_check", "rcu_dereference_sched", "rcu_dereference_sched_check",
           "rcu_dereference_raw", "rcu_access_pointer", "rcu_dereference_protected",
           "rcu_assign_pointer", "rcu_replace_pointer", "RCU_INIT_POINTER",
           "get_state_synchronize_rcu", "start_poll_synchronize_rcu", "poll_state_synchronize_rcu",
           "cond_synchronize_rcu", "get_completed_synchronize_rcu", "same_state_synchronize_rcu",
           "RCU_GET_STATE_COMPLETED", "RCU_LOCKDEP_WARN"]
