"""``struct percpu_ref`` (include/linux/percpu-refcount.h, lib/percpu-refcount.c).

A reference count that is cheap while it lives and exact when it dies: in
*percpu mode* a get or a put only adds to the calling CPU's counter, inside an
RCU read-side section, and nothing can reach zero; ``percpu_ref_kill()`` marks
the ref dead and switches it to *atomic mode*: once an RCU grace period has
passed, a callback adds the per-CPU counters to the atomic count (and takes
away the bias that kept it from reaching zero), and from then on the put
that drops the count to zero calls ``release``.  What kcheck keeps of it, as
the kernel has it since v5.9:

* ``percpu_count_ptr``'s two flag bits, ``_REF_ATOMIC`` and
  ``_REF_DEAD``, one word every operation reads (``READ_ONCE``), and
  ``ref->data``, an object ``percpu_ref_init()`` allocates and
  ``percpu_ref_exit()`` frees (so a ref never exited leaks, and a get after
  the exit is a use-after-free);
* the per-CPU counters as one word per task: a task's gets and puts in percpu
  mode go to its own word, as they go to the CPU it runs on, so two tasks'
  counting never conflicts; the switch callback adds up every task's word;
* ``data->count`` (an ``atomic_long_t``, with ``PERCPU_COUNT_BIAS`` while in
  percpu mode), ``confirm_switch`` (non-NULL while a switch to atomic mode is
  in flight), ``force_atomic``, ``allow_reinit`` and ``release``;
* ``percpu_ref_switch_lock`` as one lock per ref (the kernel's is global:
  switches of different refs are not serialised here, which only adds
  interleavings) and ``percpu_ref_switch_waitq`` as a wait for
  ``confirm_switch`` to clear.

So the classic mistakes show: ``percpu_ref_tryget_live()`` still succeeds
after ``percpu_ref_kill()`` returned, until the grace period is over (use
``percpu_ref_kill_and_confirm()`` and wait for the confirmation); a second
kill WARNs; a put too many WARNs "percpu ref (...) <= 0 (...) after switching
to atomic" in the callback, or drops the count to zero early and calls
``release`` while a user still holds a reference; ``release`` runs in an RCU
read-side section (the last put's, or the RCU callback's) and may not sleep.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, ONCE, REL, NO_WRITE, BLOCK, WAIT_ACQ, op, anon
from .struct import KStruct
from .atomic import (atomic_long_t, atomic_long_add, atomic_long_read, atomic_long_set,
                     atomic_long_sub_and_test, atomic_long_add_unless, atomic_long_inc_not_zero)
from .locking import spinlock_t, _take, _release
from .rcu import rcu_head, rcu_read_lock, rcu_read_unlock, call_rcu
from .slab import kzalloc, kfree, _may_sleep

_REF_ATOMIC = 1             # __PERCPU_REF_ATOMIC
_REF_DEAD = 2               # __PERCPU_REF_DEAD
_REF_ATOMIC_DEAD = 3
PERCPU_COUNT_BIAS = 1 << 63

PERCPU_REF_INIT_ATOMIC = 1 << 0
PERCPU_REF_INIT_DEAD = 1 << 1
PERCPU_REF_ALLOW_REINIT = 1 << 2

_KIND = 11                  # Loc.keyed's range for the per-task counters
_COUNTERS = 4               # percpu_count_ptr points at counters (init allocates, exit frees)
_FLAG_BITS = 3              # __PERCPU_REF_FLAG_BITS (here: above _COUNTERS): the count
_FLAG_MASK = (1 << _FLAG_BITS) - 1   # percpu_ref_exit() keeps is shifted past them
_PERCPU = 0x100             # (_is_percpu's answer, never stored)
_MAIN = 1 << 39             # main()'s counter's key (tasks' are their ids)


class percpu_ref_data(KStruct):
    """``struct percpu_ref_data``: what lives apart from the ref since v5.9."""
    count: atomic_long_t
    release: object
    confirm_switch: object
    force_atomic: int
    allow_reinit: int
    rcu: rcu_head
    ref: object


class percpu_ref(KObject):
    """``struct percpu_ref``: embed it in a struct, ``percpu_ref_init()`` it."""

    __slots__ = ("_ptr", "_data", "_lock", "_kid", "_name", "_owner")

    def __init__(self, owner=None, field=None):
        self._owner = owner                 # container_of()
        self._name = field or anon("percpu_ref")
        # as a zeroed struct: no counters, no data (an op before init is a NULL deref)
        self._ptr = Loc(0, owner, f"{self._name}.percpu_count_ptr")
        self._data = Loc(None, owner, f"{self._name}.data")
        self._lock = spinlock_t(owner, f"{self._name}:percpu_ref_switch_lock")
        self._kid = ("P", self._ptr.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        n = self._ptr.name()
        return f"&{n[:-17]}" if n.endswith(".percpu_count_ptr") else f"&{self._name}"

    def _counter(self, t):
        """The percpu counter of the CPU task ``t`` runs on: its own word (``t``
        None: main()'s, which builds the initial state).  One Loc object per run
        and counter, kept on the run (which main()'s recorded state copies), so
        that what main() adds stays its initial value."""
        r = run()
        cs = r.__dict__.get("percpu_ref_counters")
        if cs is None:
            cs = r.percpu_ref_counters = {}
        k = _MAIN if t is None else t.tid
        key = (self._ptr.lid, k)
        loc = cs.get(key)
        if loc is None:
            who = "main" if t is None else t.name
            loc = cs[key] = Loc.keyed(_KIND, self._ptr.lid, k,
                                      f"{repr(self)[1:]}:percpu_count[{who}]")
        return loc


def _get(r, d, name):
    """A field of ``ref->data``: the kernel reads them under the switch lock or
    before anyone else can; marked here so that kcheck's own bookkeeping is
    never a data race of the model's."""
    return r.read(d._f[name], ONCE, f"load {name}")


def _set(r, d, name, v):
    r.write(d._f[name], v, ONCE, f"store {name}")


def _data(r, ref, what):
    d = r.read(ref._data, ONCE, what)
    if d is None:
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: {what}({ref!r}): ref->data "
                 "is NULL (percpu_ref_init() not called, or percpu_ref_exit() already was)",
                 fatal=True)
    return d


def _is_percpu(r, ref, what):
    """``__ref_is_percpu()``: the flags word, READ_ONCE.  In percpu mode, the
    word with ``_PERCPU`` set (so that it is true even for a zeroed, never
    initialised ref, whose missing counters the caller then reports); else 0."""
    ptr = r.read(ref._ptr, ONCE, what)
    return 0 if ptr & _REF_ATOMIC_DEAD else ptr | _PERCPU


def _this_cpu_add(r, ref, ptr, nr, what):
    if not ptr & _COUNTERS:
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: {what}() on the counters of "
                 f"{ref!r}, which has none (percpu_ref_init() not called, or percpu_ref_exit() "
                 "already was)", fatal=True)
    t = r.cur
    r.rmw(ref._counter(t), lambda v: v + nr, ONCE, what)


def percpu_ref_init(ref, release, flags=0, gfp=None):
    """Start in percpu mode with one reference (``PERCPU_REF_INIT_ATOMIC``: in
    atomic mode; ``PERCPU_REF_INIT_DEAD``: dead, with none); returns 0.
    ``release(ref)`` runs when the count reaches zero; it may not sleep."""
    r = run()
    if release is not None and not callable(release):
        raise ModelError(f"percpu_ref_init({ref!r}): release must be a function or None")
    with op(r, lambda: f"percpu_ref_init({ref!r})"):
        _may_sleep(gfp, "percpu_ref_init")
        d = kzalloc(percpu_ref_data)
        start = 0
        ptr = _COUNTERS
        force = 1 if flags & PERCPU_REF_INIT_ATOMIC else 0
        reinit = 1 if flags & PERCPU_REF_ALLOW_REINIT else 0
        if flags & (PERCPU_REF_INIT_ATOMIC | PERCPU_REF_INIT_DEAD):
            ptr |= _REF_ATOMIC
            reinit = 1
        else:
            start += PERCPU_COUNT_BIAS
        if flags & PERCPU_REF_INIT_DEAD:
            ptr |= _REF_DEAD
        else:
            start += 1
        atomic_long_set(d.count, start)
        _set(r, d, "release", release)
        _set(r, d, "force_atomic", force)
        _set(r, d, "allow_reinit", reinit)
        _set(r, d, "ref", ref)
        r.write(ref._data, d, ONCE, "percpu_ref_init")
        r.write(ref._ptr, ptr, ONCE, "percpu_ref_init")
    return 0


def percpu_ref_exit(ref):
    """Undo ``percpu_ref_init()``: free the counters and ``ref->data``; the
    caller makes sure nobody uses the ref any more (WARNs if a switch is in
    flight).  Usually called from ``release``."""
    r = run()
    with op(r, lambda: f"percpu_ref_exit({ref!r})"):
        _exit_counters(r, ref)
        d = r.read(ref._data, ONCE, "percpu_ref_exit")
        if d is not None:
            # the count stays in percpu_count_ptr's high bits, where
            # percpu_ref_is_zero() finds it once ref->data is gone
            _lock(ref)
            n = atomic_long_read(d.count)
            ptr = r.read(ref._ptr, ONCE, "percpu_ref_exit")
            # (64-bit: the shift drops PERCPU_COUNT_BIAS, as in the kernel)
            n &= (1 << (64 - 2)) - 1
            r.write(ref._ptr, (ptr & _FLAG_MASK) | (n << _FLAG_BITS), ONCE, "percpu_ref_exit")
            r.write(ref._data, None, ONCE, "percpu_ref_exit")
            _unlock(ref)
            kfree(d)


def _exit_counters(r, ref):
    """``__percpu_ref_exit()``: the per-CPU counters are freed; the count and
    ``ref->data`` stay (the switch callback does this when no reinit is allowed)."""
    ptr = r.read(ref._ptr, ONCE, "percpu_ref_exit")
    if not ptr & _COUNTERS:
        return
    d = r.read(ref._data, ONCE, "percpu_ref_exit")
    if d is not None and _get(r, d, "confirm_switch") is not None:
        r.report("warn", f"WARN_ON_ONCE(ref->data->confirm_switch) in percpu_ref_exit({ref!r}): a "
                 "switch to atomic mode is still in flight, and its RCU callback will use what "
                 "the exit frees (wait for release() first)")
    r.write(ref._ptr, _REF_ATOMIC_DEAD, ONCE, "percpu_ref_exit")


def percpu_ref_get_many(ref, nr):
    r = run()
    with op(r, lambda: f"percpu_ref_get({ref!r})" if nr == 1 else f"percpu_ref_get_many({ref!r}, {nr})"):
        rcu_read_lock()
        p = _is_percpu(r, ref, "percpu_ref_get")
        if p:
            _this_cpu_add(r, ref, p, nr, "this_cpu_add")
        else:
            atomic_long_add(nr, _data(r, ref, "percpu_ref_get").count)
        rcu_read_unlock()


def percpu_ref_get(ref):
    """Take a reference (the caller has one, or knows the ref is live)."""
    percpu_ref_get_many(ref, 1)


def percpu_ref_tryget_many(ref, nr):
    """Take ``nr`` references unless the count is zero: in percpu mode always."""
    r = run()
    with op(r, lambda: f"percpu_ref_tryget({ref!r})") as g:
        rcu_read_lock()
        p = _is_percpu(r, ref, "percpu_ref_tryget")
        if p:
            _this_cpu_add(r, ref, p, nr, "this_cpu_add")
            ok = True
        else:
            ok = bool(atomic_long_add_unless(_data(r, ref, "percpu_ref_tryget").count, nr, 0))
        rcu_read_unlock()
        g.note = " = true" if ok else " = false"
    return ok


def percpu_ref_tryget(ref):
    return percpu_ref_tryget_many(ref, 1)


def _tryget_live(r, ref, what):
    p = _is_percpu(r, ref, what)
    if p:
        _this_cpu_add(r, ref, p, 1, "this_cpu_inc")
        return True
    if not r.read(ref._ptr, ONCE, what) & _REF_DEAD:
        return bool(atomic_long_inc_not_zero(_data(r, ref, what).count))
    return False


def percpu_ref_tryget_live(ref):
    """Take a reference unless the ref is dead (killed).  The kill is seen on
    every CPU only after the switch's grace period: until the confirmation
    (``percpu_ref_kill_and_confirm``), a tryget_live may still succeed."""
    r = run()
    with op(r, lambda: f"percpu_ref_tryget_live({ref!r})") as g:
        rcu_read_lock()
        ok = _tryget_live(r, ref, "percpu_ref_tryget_live")
        rcu_read_unlock()
        g.note = " = true" if ok else " = false"
    return ok


def percpu_ref_tryget_live_rcu(ref):
    """``percpu_ref_tryget_live()`` for a caller already in an RCU read-side
    section (v5.16): it takes none of its own, and WARNs
    (``WARN_ON_ONCE(!rcu_read_lock_held())``) when called outside one - where
    the percpu counters could be freed under it."""
    from .rcu import rcu_read_lock_held
    r = run()
    with op(r, lambda: f"percpu_ref_tryget_live_rcu({ref!r})") as g:
        if not rcu_read_lock_held():
            r.report("warn", f"WARN_ON_ONCE(!rcu_read_lock_held()) in "
                     f"percpu_ref_tryget_live_rcu({ref!r}): called outside rcu_read_lock()")
        ok = _tryget_live(r, ref, "percpu_ref_tryget_live_rcu")
        g.note = " = true" if ok else " = false"
    return ok


def percpu_ref_put_many(ref, nr):
    r = run()
    with op(r, lambda: f"percpu_ref_put({ref!r})" if nr == 1 else f"percpu_ref_put_many({ref!r}, {nr})"):
        rcu_read_lock()
        _put(r, ref, nr)
        rcu_read_unlock()


def _put(r, ref, nr):
    p = _is_percpu(r, ref, "percpu_ref_put")
    if p:
        _this_cpu_add(r, ref, p, -nr, "this_cpu_sub")
    else:
        d = _data(r, ref, "percpu_ref_put")
        if atomic_long_sub_and_test(nr, d.count):
            release = _get(r, d, "release")
            if release is not None:
                release(ref)


def percpu_ref_put(ref):
    """Drop a reference; in atomic mode the last one calls ``release(ref)``."""
    percpu_ref_put_many(ref, 1)


def percpu_ref_is_dying(ref):
    """Has the ref been killed?  (A plain flag test: no ordering.)"""
    return bool(run().read(ref._ptr, ONCE, "percpu_ref_is_dying") & _REF_DEAD)


def percpu_ref_is_zero(ref):
    """In atomic mode with a count of zero (always false in percpu mode)."""
    r = run()
    if _is_percpu(r, ref, "percpu_ref_is_zero"):
        return False
    _lock(ref)
    d = r.read(ref._data, ONCE, "percpu_ref_is_zero")
    if d is None:
        # exited: the count percpu_ref_exit() kept in percpu_count_ptr
        n = r.read(ref._ptr, ONCE, "percpu_ref_is_zero") >> _FLAG_BITS
    else:
        n = atomic_long_read(d.count)
    _unlock(ref)
    return n == 0


def _lock(ref):
    """spin_lock_irqsave(&percpu_ref_switch_lock) (interrupts off: never an
    IRQ-usage of the lock)."""
    _take(ref._lock, "x", "spin_lock_irqsave", irqs_off=True)


def _unlock(ref):
    _release(ref._lock, "x", "spin_unlock_irqrestore")


def _confirm_clear(v):
    return NO_WRITE if v is None else BLOCK


def _switch_mode(r, ref, d, confirm, what):
    """``__percpu_ref_switch_mode()``, with the switch lock held: first wait
    for a switch in flight to be confirmed, then switch as the flags say."""
    while _get(r, d, "confirm_switch") is not None:
        _unlock(ref)
        r.rmw(d._f["confirm_switch"], _confirm_clear, WAIT_ACQ,
              "wait_event(percpu_ref_switch_waitq)")
        _lock(ref)
    ptr = r.read(ref._ptr, ONCE, what)
    if _get(r, d, "force_atomic") or ptr & _REF_DEAD:
        _switch_to_atomic(r, ref, d, confirm, ptr)
    else:
        _switch_to_percpu(r, ref, d, ptr)


def _switch_to_atomic(r, ref, d, confirm, ptr):
    if ptr & _REF_ATOMIC:
        if confirm is not None:
            confirm(ref)
        return
    r.write(ref._ptr, ptr | _REF_ATOMIC, ONCE, "__percpu_ref_switch_to_atomic")
    # a non-NULL confirm_switch says a switch is in flight
    _set(r, d, "confirm_switch", confirm if confirm is not None else _noop_confirm_switch)
    percpu_ref_get(ref)                        # put after the confirmation

    def percpu_ref_switch_to_atomic_rcu(head):
        _switch_to_atomic_rcu(d)        # container_of(rcu, struct percpu_ref_data, rcu)
    call_rcu(d.rcu, percpu_ref_switch_to_atomic_rcu)


def _noop_confirm_switch(ref):
    pass


def _switch_to_atomic_rcu(d):
    """The RCU callback: every CPU now sees atomic mode, so add up the
    counters (before adding them to the count, which the bias keeps off
    zero), confirm, and drop the switch's reference.  It finds its
    ``percpu_ref_data`` from the RCU head and the ref through ``data->ref``,
    as the kernel does: after a ``percpu_ref_exit()`` that freed the data
    (the kernel WARNs first: a switch in flight) that load is the
    use-after-free, not a NULL ``ref->data``."""
    r = run()
    ref = _get(r, d, "ref")
    total = r.read(ref._counter(None), ONCE, "per_cpu_ptr")
    for t in r.tasks:
        if t is not None:
            total += r.read(ref._counter(t), ONCE, "per_cpu_ptr")
    atomic_long_add(total - PERCPU_COUNT_BIAS, d.count)
    v = atomic_long_read(d.count)
    if v <= 0:
        rel = _get(r, d, "release")
        r.report("warn", f"WARN_ONCE: percpu ref ({_fname(rel)}) <= 0 ({v}) after switching to "
                 f"atomic: {ref!r} was put more often than it was got")
    # percpu_ref_call_confirm_rcu()
    confirm = _get(r, d, "confirm_switch")
    confirm(ref)
    _set(r, d, "confirm_switch", None)         # wakes percpu_ref_switch_waitq's waiters
    if not _get(r, d, "allow_reinit"):
        _exit_counters(r, ref)
    # Drop the switch's reference.  The kernel's percpu_ref_put() lands on this
    # CPU's counter if a switch back to percpu mode came in since confirm_switch
    # was cleared - covered by the next grace period, since a callback runs with
    # bottom halves off.  kcheck's callbacks are no RCU readers, so the put goes
    # to the atomic count: the total is the same either way, and in percpu mode
    # the bias keeps that count off zero, as the percpu counter would.
    with op(r, lambda: f"percpu_ref_put({ref!r})"):
        if atomic_long_sub_and_test(1, d.count):
            release = _get(r, d, "release")
            if release is not None:
                release(ref)


def _switch_to_percpu(r, ref, d, ptr):
    if not ptr & _COUNTERS:
        r.report("bug-on", f"BUG_ON(!percpu_count): {ref!r} has no per-CPU counters any more",
                 fatal=True)
    if not ptr & _REF_ATOMIC:
        return
    if not _get(r, d, "allow_reinit"):
        r.report("warn", f"WARN_ON_ONCE(!ref->data->allow_reinit): {ref!r} back to percpu mode, but "
                 "it was not initialised with PERCPU_REF_ALLOW_REINIT")
        return
    atomic_long_add(PERCPU_COUNT_BIAS, d.count)
    r.write(ref._counter(None), 0, ONCE, "per_cpu_ptr")
    for t in r.tasks:
        if t is not None:
            r.write(ref._counter(t), 0, ONCE, "per_cpu_ptr")
    r.write(ref._ptr, ptr & ~_REF_ATOMIC, REL, "smp_store_release")


def percpu_ref_kill_and_confirm(ref, confirm_kill):
    """Mark the ref dead, switch it to atomic mode and drop the initial
    reference; ``confirm_kill(ref)`` (which may not sleep) runs once every CPU
    sees it dead - from then on ``percpu_ref_tryget_live()`` fails."""
    r = run()
    with op(r, lambda: f"percpu_ref_kill_and_confirm({ref!r})"):
        _lock(ref)
        d = _data(r, ref, "percpu_ref_kill_and_confirm")
        ptr = r.read(ref._ptr, ONCE, "percpu_ref_kill_and_confirm")
        if ptr & _REF_DEAD:
            r.report("warn", f"WARN_ONCE: percpu_ref_kill_and_confirm called more than once on "
                     f"{_fname(_get(r, d, 'release'))}! ({ref!r})")
        r.write(ref._ptr, ptr | _REF_DEAD, ONCE, "percpu_ref_kill_and_confirm")
        _switch_mode(r, ref, d, confirm_kill, "percpu_ref_kill_and_confirm")
        percpu_ref_put(ref)
        _unlock(ref)


def percpu_ref_kill(ref):
    """Mark the ref dead and drop the initial reference: ``release`` runs when
    the last user puts.  A tryget_live may still succeed for a grace period."""
    percpu_ref_kill_and_confirm(ref, None)


def _force(ref, force, confirm, what):
    """Set ``force_atomic`` under the switch lock, then switch as the flags say."""
    r = run()
    with op(r, lambda: f"{what}({ref!r})"):
        _lock(ref)
        d = _data(r, ref, what)
        _set(r, d, "force_atomic", force)
        _switch_mode(r, ref, d, confirm, what)
        _unlock(ref)


def percpu_ref_switch_to_atomic(ref, confirm_switch=None):
    _force(ref, 1, confirm_switch, "percpu_ref_switch_to_atomic")


def percpu_ref_switch_to_atomic_sync(ref):
    """Switch to atomic mode and wait until every CPU sees it (may sleep)."""
    from .sched import sleep_check
    r = run()
    sleep_check("percpu_ref_switch_to_atomic_sync")
    percpu_ref_switch_to_atomic(ref, None)
    d = _data(r, ref, "percpu_ref_switch_to_atomic_sync")
    r.rmw(d._f["confirm_switch"], _confirm_clear, WAIT_ACQ,
          "wait_event(percpu_ref_switch_waitq)")


def percpu_ref_switch_to_percpu(ref):
    _force(ref, 0, None, "percpu_ref_switch_to_percpu")


def percpu_ref_resurrect(ref):
    """Make a dead ref live again (it must not have exited)."""
    r = run()
    with op(r, lambda: f"percpu_ref_resurrect({ref!r})"):
        _lock(ref)
        d = _data(r, ref, "percpu_ref_resurrect")
        ptr = r.read(ref._ptr, ONCE, "percpu_ref_resurrect")
        if not ptr & _REF_DEAD:
            r.report("warn", f"WARN_ON_ONCE(!(ref->percpu_count_ptr & __PERCPU_REF_DEAD)): "
                     f"percpu_ref_resurrect({ref!r}) of a ref that is not dead")
        r.write(ref._ptr, ptr & ~_REF_DEAD, ONCE, "percpu_ref_resurrect")
        percpu_ref_get(ref)
        _switch_mode(r, ref, d, None, "percpu_ref_resurrect")
        _unlock(ref)


def percpu_ref_reinit(ref):
    """Bring a ref that reached zero back to percpu mode with one reference."""
    if not percpu_ref_is_zero(ref):
        run().report("warn", f"WARN_ON_ONCE(!percpu_ref_is_zero(ref)): percpu_ref_reinit({ref!r}) "
                     "of a ref still in use")
    percpu_ref_resurrect(ref)


def _fname(f):
    return getattr(f, "__name__", None) or repr(f)


__all__ = ["percpu_ref", "percpu_ref_init", "percpu_ref_exit", "percpu_ref_get",
           "percpu_ref_get_many", "percpu_ref_tryget", "percpu_ref_tryget_many",
           "percpu_ref_tryget_live", "percpu_ref_tryget_live_rcu", "percpu_ref_put", "percpu_ref_put_many", "percpu_ref_kill",
           "percpu_ref_kill_and_confirm", "percpu_ref_is_dying", "percpu_ref_is_zero",
           "percpu_ref_switch_to_atomic", "percpu_ref_switch_to_atomic_sync",
           "percpu_ref_switch_to_percpu", "percpu_ref_resurrect", "percpu_ref_reinit",
           "PERCPU_REF_INIT_ATOMIC", "PERCPU_REF_INIT_DEAD", "PERCPU_REF_ALLOW_REINIT"]
