"""spinlock_t, rwlock_t, mutex and lockdep assertions.

Locks are memory: acquiring is an atomic read-modify-write with acquire
ordering that *blocks* (the explorer knows it waits; it never spins) while the
lock is taken; releasing is a store with release ordering (lock.cat).

``rwlock_t`` (x86's ``mmu_lock``, a qrwlock) keeps, per task, an entry word
that only that task's ``read_lock()`` increments and an exit word its
``read_unlock()`` brings level again, so that two readers never conflict -
their order does not matter and the explorer does not try both.  A writer
marks every other task's entry word, which makes later task-context readers
queue behind it (qrwlock's ``_QW_WAITING``: a reader that comes while a
writer waits does not get in), then waits for each exit word to catch up
with the count it read.  A reader section and a writer section meet in two
graphs: the reader's first (whether the writer waited for it or came after
it, it read the same count and exit), or the writer's.  Readers in interrupt
context pass a writer that only waits, as ``queued_read_lock_slowpath()``
lets them: they share a counter the writer shuts last.  Until 2026-12-02
writers were not fair (a task-context reader passed a waiting writer), and
a deadlock that needs a reader queued behind a waiting writer was missed.

``struct rw_semaphore`` is the same lock with sleeping: ``down_read``/
``down_write`` call ``might_sleep()``, and a waiting writer holds back new
readers, as the kernel's rwsem does once the writer sets the handoff bit
(since 2026-11-30; until 2026-12-02 with one word per task, three graphs
per reader and writer section).  A task taking the same rwsem twice is
reported (lockdep's "possible recursive locking"), as for every lock.

The ``_bh``, ``_irq`` and ``_irqsave`` forms take the lock and disable bottom
halves or interrupts (kernel/sched.py keeps those counters for the sleep
checks); each is one operation in a trace.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, WAIT_ACQ, anon, op
from . import sched as _sched
from ..engine.runtime import _model_frame

_LOCK = {0: 1}


def _acquire(old):
    return 1 if old == 0 else BLOCK


def _try(old):
    return 1 if old == 0 else NO_WRITE


def _wait_zero(old):
    return NO_WRITE if old == 0 else BLOCK


class spinlock_t(KObject):
    __slots__ = ("_loc", "_kid")
    kind = "spinlock"

    def __init__(self, owner=None, field=None):
        self._loc = Loc(0, owner, field or anon(type(self).__name__))
        self._kid = ("l", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._loc.name()}"


class mutex(spinlock_t):
    __slots__ = ()
    kind = "mutex"


def DEFINE_SPINLOCK():
    return spinlock_t()


def DEFINE_MUTEX():
    """``static DEFINE_MUTEX(name)``: ``name = DEFINE_MUTEX()``."""
    return mutex()


def mutex_init(lock):
    run().write(lock._loc, 0, ONCE, "mutex_init")


def _held(t, lock, mode=None):
    for l, m in t.held:
        if l == lock and (mode is None or m == mode):
            return True
    return False


def _irq_usage(r, t, lock, mode, never_on=False, trylock=False):
    """lockdep's irq-safety rules.  A lock taken in softirq context (an RCU or
    timer callback) must never be taken with softirqs enabled elsewhere - the
    callback may run on that CPU, in the middle of the critical section, and
    spin on the lock forever ("inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}
    usage"); a lock taken in an interrupt handler (kernel/interrupt.py) must
    never be taken with interrupts enabled, in process or softirq context
    ("{HARDIRQ-ON-W} -> {IN-HARDIRQ-W}").  kcheck runs callbacks and handlers
    as tasks of their own, so the self-deadlock itself is never an
    interleaving it explores; like lockdep it judges the two usages, once
    both have been seen in a run, whatever their order.  SRCU callbacks run
    from a workqueue with bottom halves disabled: not softirq context, and
    never softirq-on.  Per lock, not per lock class (lockdep's key): two
    instances of one structure are not joined.  A **trylock** in softirq or
    hardirq context is no IN- usage (it cannot spin there), but a lock
    trylocked with interrupts or softirqs on is held with them on, an -ON usage
    like any other, and the trylock adds no lock-order dependency - lockdep's
    ``mark_usage()`` and ``validate_chain()`` (``hlock->trylock``; kcheck had
    both the other way round until 2026-11-30: a handler's trylock was a false
    "inconsistent usage", a task's trylock held with interrupts on a missed
    one).  Disabled interrupts keep softirqs off too; two read acquisitions of
    an rwlock are fine (readers do not exclude each other).  ``never_on``: a
    lock the kernel only takes with interrupts disabled (a wait queue's, a
    completion's): never an -ON usage."""
    if not trylock and len(t.held) > 1:
        _chain(r, t, lock, mode, t.held[:-1], None)
    if getattr(lock, "kind", None) == "mutex":
        return                  # a sleeping lock in softirq is already sleep-in-atomic
    tls = t.tls
    if tls.get("hardirq"):
        if not trylock:
            _usage(r, t, lock, mode, "IN-HARDIRQ")
    else:
        if not (never_on or tls.get("irq")):
            _usage(r, t, lock, mode, "HARDIRQ-ON")
        if tls.get("softirq"):
            if not trylock:
                _usage(r, t, lock, mode, "IN-SOFTIRQ")
        elif not (never_on or t.callback or tls.get("bh") or tls.get("irq")):
            _usage(r, t, lock, mode, "SOFTIRQ-ON")
    if len(t.held) > 1 or r.lock_deps:
        _lock_order(r, t, lock, mode, add=not trylock)


def _chain(r, t, lock, mode, held, how):
    """lockdep's dependency chains, for the acquisitions a run does not make:
    ``might_lock()`` says a path *may* take ``lock`` (a page fault in
    ``copy_from_user()`` takes ``mmap_lock``), so no interleaving kcheck
    explores blocks there, and the deadlock it stands for is never met.  Every
    lock taken while others are held, and every annotated one, is an edge
    held -> taken; an edge that closes a cycle through an annotated one is
    lockdep's "possible circular locking dependency".  A cycle of real
    acquisitions only is left to the search, which meets the deadlock itself
    (or shows that something else orders the two paths).  Read acquisitions of
    an ``rwlock_t`` are recursive in lockdep (they never wait for a reader)
    and make no edge; an ``rw_semaphore``'s do (a waiting writer queues them).
    ``how``: the annotation's name, None for an acquisition."""
    deps = r.lock_chain
    if deps is None:
        deps = r.lock_chain = {}
    me = lock._loc.lid
    if mode == "r" and getattr(lock, "kind", None) == "rwlock":
        return
    for l, m in held:
        if l is lock or (m == "r" and getattr(l, "kind", None) == "rwlock"):
            continue
        key = (l._loc.lid, me)
        if key in deps:
            continue
        deps[key] = (l, lock, t.name, how)
        if how is not None:
            r.lock_marked = True
        if not r.lock_marked:
            continue        # no annotation yet: no cycle to report (the search finds the rest)
        path = _chain_path(deps, me, l._loc.lid)
        if path is None:
            continue
        cycle = [deps[key]] + path
        marked = [d for d in cycle if d[3] is not None]
        if not marked:
            continue        # real acquisitions only: the search meets the deadlock itself
        steps = "; ".join(f"{who} {'may take' if why else 'takes'} {b._loc.name()}"
                          f"{' (' + why + ')' if why else ''} while holding {a._loc.name()}"
                          for a, b, who, why in cycle)
        r.report("lockdep", f"possible circular locking dependency: {steps} - once the "
                 f"annotated acquisition happens, each waits for a lock the other holds")
        return


def _chain_path(deps, src, dst):
    """The edges of a path ``src`` -> ... -> ``dst`` in lockdep's chains, or None."""
    after = {}
    for (a, b), d in deps.items():
        after.setdefault(a, []).append((b, d))
    seen = {src}
    todo = [(src, [])]
    while todo:
        x, path = todo.pop()
        for y, d in after.get(x, ()):
            if y == dst:
                return path + [d]
            if y not in seen:
                seen.add(y)
                todo.append((y, path + [d]))
    return None


def might_lock(lock):
    """lockdep: this path may take ``lock`` (``include/linux/lockdep.h``): no
    acquisition, no wait - a dependency on every lock held (``_chain``)."""
    _might_lock(lock, "x", "might_lock")


def might_lock_read(lock):
    """``might_lock()`` for a read acquisition (``might_fault()``'s of ``mmap_lock``)."""
    _might_lock(lock, "r", "might_lock_read")


def might_lock_nested(lock, subclass):
    _might_lock(lock, "x", "might_lock_nested")


def _might_lock(lock, mode, op):
    if not isinstance(lock, (spinlock_t, rwlock_t)):
        raise ModelError(f"{op}({lock!r}): not a lock (spinlock_t, rwlock_t, struct mutex, "
                         "struct rw_semaphore)")
    r = run()
    t = r.cur
    if t is not None and t.held:
        _chain(r, t, lock, mode, t.held, op)


def _lock_order(r, t, lock, mode, add=True):
    """lockdep's irq-safe -> irq-unsafe rule (check_irq_usage()): a lock taken
    in softirq (hardirq) context must not be held while a lock that is taken
    with softirqs (interrupts) enabled is acquired.  Else: CPU0 holds B with
    softirqs on and a softirq there spins on A; CPU1 holds A and spins on B
    ("SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected").  kcheck runs a
    softirq as a context of its own, never on top of the task it interrupts,
    so this deadlock is never an interleaving it explores: like lockdep, it
    judges the dependencies (B taken under A, through any chain of locks)
    and the usages seen in a run, whatever their order.  Two read
    acquisitions of an rwlock do not wait for each other; mutexes take no
    part (a sleeping lock in softirq is already sleep-in-atomic)."""
    deps = r.lock_deps
    if deps is None:
        deps = r.lock_deps = {}
    me = lock._loc.lid
    for l, m in (t.held[:-1] if add else ()):
        if l is lock or getattr(l, "kind", None) == "mutex":
            continue
        deps.setdefault((l._loc.lid, me), (l, m, lock, mode, t.name))
    usage = r.lock_usage
    if not r.irq_safe or not deps:
        return
    after = {}
    for (a, b), d in deps.items():
        after.setdefault(a, []).append(d)
    for safe, unsafe, ctx, what in (("IN-SOFTIRQ", "SOFTIRQ-ON", "softirq", "softirqs"),
                                    ("IN-HARDIRQ", "HARDIRQ-ON", "hardirq", "interrupts")):
        for a_lid, states in usage.items():
            ins = [(m, who) for (st, m), who in states.items() if st == safe]
            if not ins or a_lid not in after:
                continue
            # the locks taken while holding A, directly or through a chain
            seen, todo = set(), [(d, d) for d in after[a_lid]]
            while todo:
                first, d = todo.pop()
                b_lid = d[2]._loc.lid
                if b_lid in seen or b_lid == a_lid:
                    continue
                seen.add(b_lid)
                ons = [(m, who) for (st, m), who in usage.get(b_lid, {}).items() if st == unsafe]
                for in_mode, in_who in ins:
                    if in_mode == "r" and first[1] == "r":
                        continue        # the context and the holder both only read A
                    for on_mode, on_who in ons:
                        if on_mode == "r" and d[3] == "r":
                            continue    # B read both where it is held and where it is awaited
                        A, B = first[0], d[2]
                        key = (safe, a_lid, b_lid)
                        done = r.__dict__.setdefault("lock_order_seen", set())
                        if key in done:
                            continue
                        done.add(key)
                        via = "" if first is d else f" (through {first[2]._loc.name()})"
                        r.report("lockdep", f"{ctx.upper()}-safe -> {ctx.upper()}-unsafe lock order "
                                 f"detected: {first[4]} takes {B._loc.name()}{via} while holding "
                                 f"{A._loc.name()}; {A._loc.name()} is taken in {ctx} context by "
                                 f"{in_who}, {B._loc.name()} with {what} enabled by {on_who}: a "
                                 f"{ctx} on {on_who}'s CPU while it holds {B._loc.name()} spins on "
                                 f"{A._loc.name()}, whose holder waits for {B._loc.name()}")
                        return
                todo.extend((first, d2) for d2 in after.get(b_lid, ()))


def back_on(r, t, state, how=None):
    """lockdep_hardirqs_on() / lockdep_softirqs_on(): interrupts (``state`` is
    "HARDIRQ-ON") or bottom halves ("SOFTIRQ-ON") enabled again while ``t``
    holds locks - each held lock is now held with them on, the same usage as
    taking it so ("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage" for a
    lock a handler takes: its interrupt may arrive right here and spin on it).
    Before 2026-11-30 only the acquisition counted, so local_irq_enable() or an
    inner spin_unlock_irq() under a spin_lock_irqsave() passed."""
    for lock, mode in t.held:
        if getattr(lock, "kind", None) != "mutex":
            _usage(r, t, lock, mode, state, how)


_OTHER = {"IN-SOFTIRQ": "SOFTIRQ-ON", "SOFTIRQ-ON": "IN-SOFTIRQ",
          "IN-HARDIRQ": "HARDIRQ-ON", "HARDIRQ-ON": "IN-HARDIRQ"}


def _usage(r, t, lock, mode, state, how=None):
    """``how``: the call that turned interrupts (bottom halves) back on while
    ``t`` held the lock (``back_on``), rather than an acquisition with them on
    - what the report must point at: the lock itself was taken right."""
    usage = r.lock_usage
    if usage is None:
        usage = r.lock_usage = {}
    seen = usage.setdefault(lock._loc.lid, {})
    key = (state, mode)
    if key in seen:
        return
    seen[key] = t.name
    if how is not None:
        seen[("how",) + key] = how
    if state[0] == "I":
        r.irq_safe = True       # _lock_order has something to check from now on
    other = _OTHER[state]
    for k, who in list(seen.items()):
        if len(k) != 2:
            continue
        st, m = k
        if st != other or (m == "r" and mode == "r"):
            continue
        on = state.endswith("-ON")
        on_task, on_mode = (t.name, mode) if on else (who, m)
        in_task, in_mode = (who, m) if on else (t.name, mode)
        on_how = how if on else seen.get(("how", st, m))
        rw = {"r": "R"}
        soft = state in ("IN-SOFTIRQ", "SOFTIRQ-ON")
        ctx, what = ("SOFTIRQ", "softirqs") if soft else ("HARDIRQ", "interrupts")
        on_u = f"{{{ctx}-ON-{rw.get(on_mode, 'W')}}}"
        in_u = f"{{IN-{ctx}-{rw.get(in_mode, 'W')}}}"
        order = f"{on_u} -> {in_u}"        # one order, whichever ran first (kernel-api.md)
        name = lock._loc.name()
        if on_how is not None:
            r.report("lockdep", f"inconsistent {order} usage: {name} is taken in "
                     f"{ctx.lower()} context by {in_task}, and {on_task}'s {on_how} turned "
                     f"{what} back on while it held {name}; "
                     + ("a callback run" if soft else "an interrupt")
                     + f" on {on_task}'s CPU then spins on it forever (keep {what} off while "
                     f"{name} is held: the plain form of the inner lock or unlock, or its "
                     "_irqsave()/_irqrestore() pair)")
        elif soft:
            r.report("lockdep", f"inconsistent {order} usage: {name} is taken in "
                     f"softirq context by {in_task} and with softirqs enabled by {on_task}; a "
                     f"callback run on {on_task}'s CPU while it holds the lock spins forever "
                     "(take it with the _bh form there)")
        else:
            r.report("lockdep", f"inconsistent {order} usage: {name} is taken in "
                     f"hardirq context by {in_task} and with interrupts enabled by {on_task}; an "
                     f"interrupt on {on_task}'s CPU while it holds the lock spins forever "
                     "(take it with spin_lock_irqsave() there)")
        return


# The lock type each family of calls takes: spin_lock() on a struct mutex (or
# mutex_lock() on a spinlock_t) does not compile in the kernel, and here it
# would quietly take the lock with the other's rules (a sleep under a "spin"
# lock went unreported) - a model error instead.
# each name is an op the LKMM bridge knows as a lock's (lkmm_bridge.LOCK_*): the
# _bh/_irq/_irqsave forms carry their own, so that messages name what was called
_TAKES = {"spin_lock": "spinlock", "spin_lock_nested": "spinlock", "spin_unlock": "spinlock",
          "spin_lock_bh": "spinlock", "spin_unlock_bh": "spinlock", "spin_lock_irq": "spinlock",
          "spin_unlock_irq": "spinlock", "spin_lock_irqsave": "spinlock",
          "spin_unlock_irqrestore": "spinlock",
          "spin_trylock": "spinlock", "mutex_lock": "mutex", "mutex_lock_nested": "mutex",
          "mutex_unlock": "mutex", "mutex_trylock": "mutex"}
_TYPE_NAMES = {"spinlock": "spinlock_t", "mutex": "struct mutex", "rwlock": "rwlock_t",
               "rwsem": "struct rw_semaphore"}


def _check_type(lock, op, want):
    """A ModelError if ``lock`` is one of the kernel's lock types but not the one
    ``op`` takes (objects of kcheck's own - a litmus test's lock, a C front
    end's - are left to the call)."""
    if not isinstance(lock, (spinlock_t, rwlock_t)):
        return
    have = lock.kind
    if have == want:
        return
    raise ModelError(f"{op}() on {lock!r}, a {_TYPE_NAMES[have]}: {op}() takes a "
                     f"{_TYPE_NAMES[want]} (the kernel would not compile it)")


def _take(lock, mode, op, irqs_off=False, interruptible=None):
    """``irqs_off``: the kernel takes this lock with interrupts disabled around it
    (a wait queue's or completion's internal lock: spin_lock_irqsave()), so
    taking it never counts as a HARDIRQ-ON or SOFTIRQ-ON usage.
    ``interruptible``: the caller's name, for a wait a signal may end
    (``interruptible_wait``); then 0 or -EINTR (nothing taken)."""
    want = _TAKES.get(op)
    if want is not None and lock.__class__ is not _KIND_CLASS[want]:
        _check_type(lock, op, want)
    r = run()
    t = r.cur
    if t is not None and _held(t, lock):
        r.report("deadlock", f"{op}: {t.name} already holds {lock._loc.name()} (recursive locking)")
    if interruptible is None:
        r.rmw(lock._loc, _acquire, ACQ, op)
    else:
        err = interruptible_wait(r, lock._loc, _acquire, _try, op,
                                 lambda: f"{interruptible}({lock!r})")
        if err:
            return err
    if t is not None:
        t.held.append((lock, mode))
        _irq_usage(r, t, lock, mode, irqs_off)   # once taken: the trace shows the acquisition
        if r.percpu:
            _sched._percpu.region_changed(r, t, op)
    return 0


def _release(lock, mode, op):
    want = _TAKES.get(op)
    if want is not None and lock.__class__ is not _KIND_CLASS[want]:
        _check_type(lock, op, want)
    r = run()
    t = r.cur
    if t is not None:
        for i, (l, m) in enumerate(t.held):
            if l == lock and m == mode:
                del t.held[i]
                break
        else:
            r.report("lockdep", f"{op}: {t.name} releases {lock._loc.name()}, which it does not hold")
    r.write(lock._loc, 0, REL, op)
    if t is not None and r.percpu:
        _sched._percpu.region_changed(r, t, op)


def spin_lock(lock):
    _take(lock, "x", "spin_lock")


def spin_unlock(lock):
    _release(lock, "x", "spin_unlock")


# lockdep's subclass annotations: the lock is taken as without them (kcheck's
# lockdep judges each lock on its own, not by class, so no nesting to tell apart)
SINGLE_DEPTH_NESTING = 1


def spin_lock_nested(lock, subclass):
    _take(lock, "x", "spin_lock_nested")


def _trylock(lock, op):
    want = _TAKES.get(op)
    if want is not None and lock.__class__ is not _KIND_CLASS[want]:
        _check_type(lock, op, want)
    r = run()
    ok = r.rmw(lock._loc, _try, ACQ, op) == 0
    if ok and r.cur is not None:
        r.cur.held.append((lock, "x"))
        _irq_usage(r, r.cur, lock, "x", trylock=True)
        if r.percpu:
            _sched._percpu.region_changed(r, r.cur, op)
    return ok


def spin_trylock(lock):
    return _trylock(lock, "spin_trylock")


def spin_is_locked(lock):
    return run().read(lock._loc, ONCE, "spin_is_locked") != 0


def mutex_lock(lock):
    _sched.sleep_check("mutex_lock")
    _take(lock, "x", "mutex_lock")


def mutex_lock_nested(lock, subclass):
    _sched.sleep_check("mutex_lock_nested")
    _take(lock, "x", "mutex_lock_nested")


def mutex_lock_io(lock):
    """As ``mutex_lock`` (the wait is accounted as I/O wait)."""
    mutex_lock(lock)


def interruptible_wait(r, loc, take, try_take, op_name, what):
    """Take ``loc`` with the RMW ``take`` (which blocks while it cannot) in
    TASK_INTERRUPTIBLE: 0, or -EINTR if the wait ends with a signal.  The one
    signal kcheck models is ``kthread_stop()``'s (kthread.stop_pending): a
    kthread that finds the lock taken checks it first, as
    ``__mutex_lock_common()`` and ``__down_common()`` do before sleeping, and
    returns -EINTR if it is pending; else it sleeps on the lock.  A stop that
    comes while it sleeps wakes it to fail the same check: that is the
    execution in which the check reads the stop, so the one in which it stays
    asleep is not a deadlock (``Sleep.watch``).  Before 2026-12-02 these
    waits returned 0 only, and a kthread stopped while it waited for a lock
    nobody would release was a false deadlock."""
    t = r.cur
    if t is None or "kthread" not in t.tls:
        r.rmw(loc, take, ACQ, op_name)
        return 0
    from .kthread import stop_pending, EINTR
    if try_take(r.rmw(loc, try_take, ACQ, op_name)) is not NO_WRITE:
        return 0
    if stop_pending(r, t):
        return -EINTR
    t.tls["sleep"] = _sched.Sleep(what, _model_frame(), watch=r.g.threads[t.tid][-1])
    r.rmw(loc, take, ACQ, op_name)
    t.tls["sleep"] = None
    return 0


def mutex_lock_interruptible(lock):
    """As ``mutex_lock``; 0, or -EINTR in a kthread that ``kthread_stop()``
    interrupts while it waits (``interruptible_wait``)."""
    _sched.sleep_check("mutex_lock_interruptible")
    return _take(lock, "x", "mutex_lock", interruptible="mutex_lock_interruptible")


def mutex_lock_killable(lock):
    """As ``mutex_lock``; returns 0 (fatal signals are not modelled, and
    ``kthread_stop()``'s is not one)."""
    _sched.sleep_check("mutex_lock_killable")
    _take(lock, "x", "mutex_lock")
    return 0


def mutex_unlock(lock):
    """Release the owner word, then touch the mutex once more.

    ``mutex_unlock()`` is not atomic (Documentation/locking/mutex-design.rst:
    it "may access the mutex structure even after it has internally released
    the lock already"): the slow path takes ``lock->wait_lock`` to wake a
    waiter after the release.  So a task that gets the mutex next may not
    free the structure the mutex lives in on the strength of holding it -
    eventpoll's 8c2e52ebbe88 (v6.16) fixed exactly that.  The second touch
    is a read of a word of the mutex's own that nothing writes: it orders
    nothing and conflicts with nothing (no execution more to explore), and
    the use-after-free check sees it, after the release, like any access."""
    _release(lock, "x", "mutex_unlock")
    r = run()
    if r.cur is not None:
        r.read(_wait_lock(lock), ONCE, "mutex_unlock")


def _wait_lock(lock):
    """The mutex's ``wait_lock``, as ``mutex_unlock`` touches it after the release."""
    loc = lock._loc
    return Loc.derived(loc, 4094, 0, f"{loc.field}.wait_lock")


def mutex_trylock(lock):
    return _trylock(lock, "mutex_trylock")


def mutex_is_locked(lock):
    return run().read(lock._loc, ONCE, "mutex_is_locked") != 0


# -- rwlock_t --------------------------------------------------------------
#
# x86's qrwlock, written so that two readers never conflict and a reader and a
# writer meet once per pair of sections.  Each task has two words: an entry
# word, which only its own read_lock() increments (the number of its read
# sections so far), and an exit word, which its read_unlock() increments to
# the same number.  A writer takes the writer word (writers exclude each other
# there), then *marks* every other task's entry word - from then on that
# task's read_lock() waits, so a task-context reader that comes while a
# writer waits queues behind it, as qrwlock's _QW_WAITING makes it - and then
# waits until each exit word has caught up with the entry count it read: the
# readers inside have left.  A reader section before the writer and one the
# writer waits for are then one graph, not two (the writer reads the same
# count and the same exit either way).  The contexts tasks start (work items,
# kthreads, callbacks) share one pair, counted with RMWs; readers in interrupt
# context - a handler, a softirq, bottom halves off - share a plain counter the
# writer shuts last: qrwlock lets them pass a writer that only waits
# (queued_read_lock_slowpath()'s in_interrupt() case).
# struct rw_semaphore (below) is the same lock with sleeping waiters and no
# interrupt readers.

WRITER = -1
_EXIT = 2048                # derived-location keys: a task's exit word (tid < 2048)


def _read_take(v):
    return BLOCK if v == WRITER else v + 1


def _read_try(v):
    return NO_WRITE if v == WRITER else v + 1


def _shut(v):
    return WRITER if v == 0 else BLOCK


def _shut_try(v):
    return WRITER if v == 0 else NO_WRITE


def _enter(v):
    """A task-context reader's entry: waits while a writer has marked the word."""
    return BLOCK if v < 0 else v + 1


def _enter_try(v):
    return NO_WRITE if v < 0 else v + 1


def _mark(v):
    """A writer marks an entry word (n entries so far -> -n-1); its
    write_unlock() stores n back."""
    return -v - 1


def _inc(v):
    return v + 1


_UNTIL = {}


def _until(n):
    """A writer's wait for an exit word to reach ``n`` (a read that blocks)."""
    fn = _UNTIL.get(n)
    if fn is None:
        def fn(v):
            return NO_WRITE if v == n else BLOCK
        _UNTIL[n] = fn
    return fn


class rwlock_t(KObject):
    __slots__ = ("_loc", "_kid", "_readers")
    kind = "rwlock"

    def __init__(self, owner=None, field=None):
        self._loc = Loc(0, owner, field or anon("rwlock_t"))     # the writer word
        self._kid = ("w", self._loc.lid)
        self._readers = {}

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def _reader(self, t):
        """The word ``t`` takes for read: its own for a task main() started
        (readers of different tasks never conflict), one shared counter for the
        contexts tasks start (work items, timers, kthreads, callbacks), whose
        number is not known when a writer comes.  An ``rwlock_t``'s is the
        entry word (``_exit`` is the other of the pair); an rwsem's the only one."""
        if t.dynamic:
            return self._dyn()
        l = self._readers.get((t.tid, t.name))
        if l is None:
            l = self._readers[(t.tid, t.name)] = Loc.derived(self._loc, t.tid, 0,
                                                             f"{self._loc.field}.reader[{t.name}]")
        return l

    def _exit(self, t):
        if t.dynamic:
            return self._word("dynamic-exit", 4093, "readers_exit[dynamic]")
        key = (t.tid, t.name, "exit")
        l = self._readers.get(key)
        if l is None:
            if t.tid >= _EXIT:
                raise ModelError(f"{t.name}: more than {_EXIT} tasks read one rwlock_t")
            l = self._readers[key] = Loc.derived(self._loc, _EXIT + t.tid, 0,
                                                 f"{self._loc.field}.reader_exit[{t.name}]")
        return l

    def _dyn(self):
        return self._word("dynamic", 4095, "readers[dynamic]")

    def _irq(self):
        """The word of every reader in interrupt context: qrwlock lets those pass
        a writer that waits, so a writer shuts this word last, once it no longer
        waits for any task."""
        return self._word("irq", 4094, "readers[irq]")

    def _word(self, key, k, name):
        l = self._readers.get(key)
        if l is None:
            l = self._readers[key] = Loc.derived(self._loc, k, 0, f"{self._loc.field}.{name}")
        return l

    def __repr__(self):
        return f"&{self._loc.name()}"


class _DynamicReader:
    """Stands for every dynamic context in ``_rw_pairs`` (they share a pair)."""
    dynamic = True


def _rw_pairs(r, lock, t):
    """The (entry, exit) words a writer ``t`` (an ``rwlock_t``'s or an rwsem's)
    marks and waits on: every other static task's pair, then the dynamic
    contexts' - worked out once per run, lock and writer."""
    cache = r.__dict__.get("_rw_words")
    if cache is None:
        cache = r._rw_words = {}
    key = (lock._loc.lid, t.tid, "pairs")
    out = cache.get(key)
    if out is None:
        us = [u for u in r.static if u is not t] + [_DynamicReader]
        out = cache[key] = tuple((lock._reader(u), lock._exit(u)) for u in us)
    return out


def _read_drop(v):
    return v - 1


def _in_interrupt(t):
    """``in_interrupt()``: hardirq or softirq context, or bottom halves disabled
    (an RCU callback, a timer or tasklet function, an interrupt handler,
    ``local_bh_disable()``/``spin_lock_bh()``)."""
    tls = t.tls
    return bool(tls.get("hardirq") or tls.get("softirq") or tls.get("bh") or t.callback)


def _rw_enter(r, t, lock, fn, name):
    """A read entry (``fn``: ``_enter`` or ``_enter_try``): an ``rwlock_t``'s
    interrupt readers' counter in interrupt context, else the task's entry
    word.  The old value, negative if a writer had marked the word (a failed
    try)."""
    if lock.kind == "rwlock" and _in_interrupt(t):
        v = r.rmw(lock._irq(), _read_take if fn is _enter else _read_try, ACQ, name)
        if v != WRITER:
            t.tls.setdefault("rw_irq", []).append(lock)
        return v
    return r.rmw(lock._reader(t), fn, ACQ, name)


def read_lock(lock, _name="read_lock", interruptible=None):
    """``interruptible``: the rwsem caller's name for a wait a signal may end
    (``down_read_interruptible()``): 0 or -EINTR (nothing taken)."""
    if lock.__class__ is not (rwlock_t if _name == "read_lock" else rw_semaphore):
        _check_type(lock, _name, "rwlock" if _name == "read_lock" else "rwsem")
    r = run()
    t = r.cur
    if t is None:
        return 0
    if _held(t, lock) and not (_name == "read_lock" and _in_interrupt(t)):
        # qrwlock: a reader in task context queues behind a waiting writer, so a
        # recursive read deadlocks (lockdep treats it as such since v5.10); an
        # rwsem's readers always do.  In interrupt context - a handler, a
        # softirq, bottom halves off - queued_read_lock_slowpath() does not
        # queue behind a waiting writer, and lockdep's read_lock_is_recursive()
        # says so: a nested read_lock() there is legal
        r.report("deadlock", f"{_name}: {t.name} already holds {lock._loc.name()} (recursive locking)")
    if interruptible is not None:
        err = interruptible_wait(r, lock._reader(t), _enter, _enter_try, _name,
                                 lambda: f"{interruptible}({lock!r})")
        if err:
            return err
    else:
        _rw_enter(r, t, lock, _enter, _name)
    t.held.append((lock, "r"))
    _irq_usage(r, t, lock, "r")
    if r.percpu:
        _sched._percpu.region_changed(r, t, "read_lock")
    return 0


def read_unlock(lock):
    r = run()
    t = r.cur
    if t is None:
        return
    for i, (l, m) in enumerate(t.held):
        if l == lock and m == "r":
            del t.held[i]
            break
    else:
        r.report("lockdep", f"read_unlock: {t.name} does not hold {lock._loc.name()} for read")
    irq = t.tls.get("rw_irq")
    if irq and lock in irq:
        # taken in interrupt context, on the interrupt readers' counter
        del irq[len(irq) - 1 - irq[::-1].index(lock)]
        r.rmw(lock._irq(), _read_drop, REL, "read_unlock")
    else:
        # the exit word catches up with the entry word (only this task - or, for
        # the shared pair, these contexts - write it)
        r.rmw(lock._exit(t), _inc, REL, "read_unlock")
    if r.percpu:
        _sched._percpu.region_changed(r, t, "read_unlock")


def write_lock(lock):
    if lock.__class__ is not rwlock_t:
        _check_type(lock, "write_lock", "rwlock")
    _write_lock(lock, "write_lock")


def _write_lock(lock, name):
    r = run()
    t = r.cur
    if t is None:
        return
    _take(lock, "w", name)
    pairs = _rw_pairs(r, lock, t)
    # mark every entry word first (later task-context readers queue behind this
    # writer: qrwlock's _QW_WAITING, an rwsem's handoff), then wait for the
    # readers inside to leave
    counts = [r.rmw(e, _mark, ACQ, name) for e, _ in pairs]
    for (_, x), n in zip(pairs, counts):
        if n:
            r.rmw(x, _until(n), WAIT_ACQ, name)     # an acquire load that waits
    if lock.kind == "rwlock":
        r.rmw(lock._irq(), _shut, ACQ, name)
    _marked(t)[lock._loc.lid] = counts


def _marked(t):
    m = t.tls.get("rw_marked")
    if m is None:
        m = t.tls["rw_marked"] = {}
    return m


def write_unlock(lock):
    r = run()
    t = r.cur
    if t is not None:
        counts = _marked(t).pop(lock._loc.lid, None)
        if counts is not None:
            if lock.kind == "rwlock":
                r.write(lock._irq(), 0, REL, "write_unlock")
            for (e, _), n in zip(_rw_pairs(r, lock, t), counts):
                r.write(e, n, REL, "write_unlock")
    _release(lock, "w", "write_unlock")


def read_trylock(lock):
    r = run()
    t = r.cur
    if t is not None and any(l == lock and m == "w" for l, m in t.held):
        # the writer's own read try: the lock word says "writer", the try fails
        # (write_lock() marks every other task's entry word, not its own)
        r.read(lock._loc, ACQ, "read_trylock")
        return False
    if t is None:
        return True
    if _rw_enter(r, t, lock, _enter_try, "read_trylock") < 0:
        return False
    t.held.append((lock, "r"))
    _irq_usage(r, t, lock, "r", trylock=True)
    if r.percpu:
        _sched._percpu.region_changed(r, t, "read_trylock")
    return True


def write_trylock(lock):
    r = run()
    t = r.cur
    if r.rmw(lock._loc, _try, ACQ, "write_trylock") != 0:
        return False
    if not _rw_write_try(r, lock, t):
        r.write(lock._loc, 0, REL, "write_trylock")
        return False
    t.held.append((lock, "w"))
    _irq_usage(r, t, lock, "w", trylock=True)
    if r.percpu:
        _sched._percpu.region_changed(r, t, "write_trylock")
    return True


def _rw_write_try(r, lock, t):
    """Mark every entry word; if a reader is inside (its exit word behind the
    count) or in interrupt context, unmark them again: the try fails."""
    pairs = _rw_pairs(r, lock, t)
    counts = []
    for e, _ in pairs:
        counts.append(r.rmw(e, _mark, ACQ, "write_trylock"))
    ok = all(not n or r.read(x, ACQ, "write_trylock") == n for (_, x), n in zip(pairs, counts))
    if ok and (lock.kind != "rwlock"
               or r.rmw(lock._irq(), _shut_try, ACQ, "write_trylock") == 0):
        _marked(t)[lock._loc.lid] = counts
        return True
    for (e, _), n in zip(pairs, counts):
        r.write(e, n, REL, "write_trylock")
    return False


def rwlock_needbreak(lock):
    """Whether another task waits for the lock: an explorer choice."""
    return run().choice(2, "rwlock_needbreak") == 1


def need_resched():
    """Whether the scheduler wants this CPU back: an explorer choice."""
    return run().choice(2, "need_resched") == 1


def cond_resched():
    """A voluntary preemption point: ``__might_resched()`` (a sleep in atomic or
    RCU context is a bug, whether or not it yields); kcheck explores every
    interleaving anyway, so there is no event."""
    _sched.sleep_check("cond_resched")
    _sched.poll("cond_resched")
    return 0


def cond_resched_rwlock_read(lock):
    """Drop and retake ``lock`` for read if the explorer chooses to yield here.
    Holding ``lock`` itself is allowed, anything else that forbids sleeping is not."""
    lockdep_assert_held_read(lock)
    _sched.sleep_check("cond_resched_rwlock_read", allowed=lock)
    if run().choice(2, "cond_resched_rwlock_read") == 0:
        return False
    read_unlock(lock)
    read_lock(lock)
    return True


def cond_resched_rwlock_write(lock):
    """Drop and retake ``lock`` for write if the explorer chooses to yield here."""
    lockdep_assert_held_write(lock)
    _sched.sleep_check("cond_resched_rwlock_write", allowed=lock)
    if run().choice(2, "cond_resched_rwlock_write") == 0:
        return False
    write_unlock(lock)
    write_lock(lock)
    return True


def cond_resched_lock(lock):
    """Drop and retake the spinlock ``lock`` if the explorer chooses to yield here."""
    lockdep_assert_held(lock)
    _sched.sleep_check("cond_resched_lock", allowed=lock)
    if run().choice(2, "cond_resched_lock") == 0:
        return False
    spin_unlock(lock)
    spin_lock(lock)
    return True


# -- lockdep -----------------------------------------------------------------

def _assert(lock, mode, what):
    r = run()
    t = r.cur
    if t is None:
        return
    if not _held(t, lock, mode):
        r.report("lockdep", f"lockdep_assert_held{what}({lock._loc.name()}) failed in {t.name}")


def lockdep_assert_held(lock):
    _assert(lock, None, "")


def lockdep_assert_held_read(lock):
    _assert(lock, "r", "_read")


def lockdep_assert_held_write(lock):
    _assert(lock, "w" if isinstance(lock, rwlock_t) else "x", "_write")


def lockdep_assert_not_held(lock):
    r = run()
    t = r.cur
    if t is not None and _held(t, lock):
        r.report("lockdep", f"lockdep_assert_not_held({lock._loc.name()}) failed in {t.name}")


def lockdep_is_held(lock):
    t = run().cur
    return t is not None and _held(t, lock)


# -- the _bh / _irq / _irqsave forms ------------------------------------------------

raw_spinlock_t = spinlock_t


def DEFINE_RAW_SPINLOCK():
    return spinlock_t()


def spin_lock_init(lock):
    run().write(lock._loc, 0, ONCE, "spin_lock_init")


def DEFINE_RWLOCK():
    """``static DEFINE_RWLOCK(name)``: ``name = DEFINE_RWLOCK()``."""
    return rwlock_t()


def rwlock_init(lock):
    run().write(lock._loc, 0, ONCE, "rwlock_init")


def spin_lock_bh(lock):
    r = run()
    with op(r, lambda: f"spin_lock_bh({lock!r})"):
        _sched.local_bh_disable()
        _take(lock, "x", "spin_lock_bh")


def spin_unlock_bh(lock):
    r = run()
    with op(r, lambda: f"spin_unlock_bh({lock!r})"):
        _release(lock, "x", "spin_unlock_bh")
        _sched.local_bh_enable(how=f"spin_unlock_bh({lock._loc.name()})")


def spin_trylock_bh(lock):
    r = run()
    with op(r, lambda: f"spin_trylock_bh({lock!r})"):
        _sched.local_bh_disable()
        ok = _trylock(lock, "spin_trylock")
        if not ok:
            _sched.local_bh_enable()
    return ok


def spin_lock_irq(lock):
    r = run()
    with op(r, lambda: f"spin_lock_irq({lock!r})"):
        _sched.local_irq_disable()
        _take(lock, "x", "spin_lock_irq")


def spin_unlock_irq(lock):
    r = run()
    with op(r, lambda: f"spin_unlock_irq({lock!r})"):
        _release(lock, "x", "spin_unlock_irq")
        _sched.local_irq_enable(how=f"spin_unlock_irq({lock._loc.name()})")


def spin_trylock_irqsave(lock):
    """``spin_trylock_irqsave(lock, flags)``: ``(taken, flags)``; interrupts are
    restored at once when the lock was not taken, as the kernel's macro does."""
    r = run()
    with op(r, lambda: f"spin_trylock_irqsave({lock!r})"):
        flags = _sched.local_irq_save()
        ok = _trylock(lock, "spin_trylock")
        if not ok:
            _sched.local_irq_restore(flags)
    return ok, flags


def spin_lock_irqsave_nested(lock, subclass):
    """``spin_lock_irqsave()`` with lockdep's subclass annotation (kcheck's
    lockdep is per lock, so the subclass changes nothing): the flags."""
    return spin_lock_irqsave(lock)


def raw_spin_trylock_irqsave(lock):
    """``spin_trylock_irqsave()`` on a raw spinlock: ``(taken, flags)``."""
    return spin_trylock_irqsave(lock)


def spin_lock_irqsave(lock):
    """``spin_lock_irqsave(lock, flags)``: returns ``flags`` for ``spin_unlock_irqrestore``."""
    r = run()
    with op(r, lambda: f"spin_lock_irqsave({lock!r})"):
        flags = _sched.local_irq_save()
        _take(lock, "x", "spin_lock_irqsave")
    return flags


def spin_unlock_irqrestore(lock, flags):
    r = run()
    with op(r, lambda: f"spin_unlock_irqrestore({lock!r})"):
        _release(lock, "x", "spin_unlock_irqrestore")
        _sched.local_irq_restore(flags)


def _raw(fn):
    """``raw_spin_*``: the same as ``spin_*`` (kcheck models no PREEMPT_RT,
    where only the raw ones still spin), shown under its own name in traces."""
    name = "raw_" + fn.__name__

    def raw(lock, *args):
        with op(run(), lambda: f"{name}({lock!r})"):
            return fn(lock, *args)
    raw.__name__ = raw.__qualname__ = name
    raw.__doc__ = fn.__doc__
    return raw


raw_spin_lock = _raw(spin_lock)
raw_spin_unlock = _raw(spin_unlock)
raw_spin_trylock = _raw(spin_trylock)
raw_spin_lock_irq = _raw(spin_lock_irq)
raw_spin_unlock_irq = _raw(spin_unlock_irq)
raw_spin_lock_irqsave = _raw(spin_lock_irqsave)
raw_spin_unlock_irqrestore = _raw(spin_unlock_irqrestore)


def _rw_variant(name, take, enter, leave):
    def fn(lock, *flags):
        r = run()
        with op(r, lambda: f"{name}({lock!r})"):
            if enter is not None:
                res = enter(*flags)
            else:
                res = None
            take(lock)
            if leave is not None:
                leave(*flags)
        return res
    fn.__name__ = name
    return fn


def _irq_restore(flags):
    _sched.local_irq_restore(flags)


read_lock_bh = _rw_variant("read_lock_bh", read_lock, _sched.local_bh_disable, None)
write_lock_bh = _rw_variant("write_lock_bh", write_lock, _sched.local_bh_disable, None)
read_lock_irq = _rw_variant("read_lock_irq", read_lock, _sched.local_irq_disable, None)
write_lock_irq = _rw_variant("write_lock_irq", write_lock, _sched.local_irq_disable, None)
read_lock_irqsave = _rw_variant("read_lock_irqsave", read_lock, _sched.local_irq_save, None)
write_lock_irqsave = _rw_variant("write_lock_irqsave", write_lock, _sched.local_irq_save, None)
read_unlock_bh = _rw_variant("read_unlock_bh", read_unlock, None, _sched.local_bh_enable)
write_unlock_bh = _rw_variant("write_unlock_bh", write_unlock, None, _sched.local_bh_enable)
read_unlock_irq = _rw_variant("read_unlock_irq", read_unlock, None, _sched.local_irq_enable)
write_unlock_irq = _rw_variant("write_unlock_irq", write_unlock, None, _sched.local_irq_enable)
read_unlock_irqrestore = _rw_variant("read_unlock_irqrestore", read_unlock, None, _irq_restore)
write_unlock_irqrestore = _rw_variant("write_unlock_irqrestore", write_unlock, None, _irq_restore)


# -- struct rw_semaphore -----------------------------------------------------------

class rw_semaphore(rwlock_t):
    """``struct rw_semaphore``: an ``rwlock_t`` whose waiters sleep (see the module docstring)."""

    __slots__ = ()
    kind = "rwsem"

    def __init__(self, owner=None, field=None):
        super().__init__(owner, field or anon("rw_semaphore"))


def DECLARE_RWSEM():
    return rw_semaphore()


def init_rwsem(sem):
    run().write(sem._loc, 0, ONCE, "init_rwsem")


def _sem(sem, name, fn, sleeps=True, note=None):
    """One rw_semaphore operation ``name`` (one trace line): ``fn()`` inside it."""
    r = run()
    if sleeps:
        _sched.sleep_check(name)
    with op(r, lambda: f"{name}({sem!r})") as g:
        v = fn()
        if note is not None:
            g.note = note(v)
    return v


def down_read(sem):
    _sem(sem, "down_read", lambda: read_lock(sem, "down_read"))


def down_read_nested(sem, subclass):
    """``down_read()`` with lockdep's subclass (kcheck's lockdep is per lock)."""
    down_read(sem)


def down_write_nested(sem, subclass):
    down_write(sem)


def down_read_killable(sem):
    """As ``down_read``; returns 0 (fatal signals are not modelled, and
    ``kthread_stop()``'s is not one)."""
    down_read(sem)
    return 0


def down_read_interruptible(sem):
    """As ``down_read``; 0, or -EINTR in a kthread that ``kthread_stop()``
    interrupts while it waits (``interruptible_wait``)."""
    return _sem(sem, "down_read_interruptible",
                lambda: read_lock(sem, "down_read", interruptible="down_read_interruptible"))


def down_read_trylock(sem):
    r = run()
    with op(r, lambda: f"down_read_trylock({sem!r})") as g:
        ok = read_trylock(sem)
        g.note = " = 1" if ok else " = 0"
    return int(ok)


def up_read(sem):
    r = run()
    with op(r, lambda: f"up_read({sem!r})"):
        read_unlock(sem)


def _fair_write_lock(sem, name):
    """An rwsem writer: ``write_lock()``'s protocol - every entry word marked
    before it waits for the readers inside, so a reader that comes while the
    writer waits queues behind it, as the kernel's rwsem queues it once the
    waiting writer sets the handoff bit.  A reader that another task's read
    hold waits for is then the deadlock it is in the kernel."""
    _write_lock(sem, name)


def down_write(sem):
    _sem(sem, "down_write", lambda: _fair_write_lock(sem, "down_write"))


def down_write_killable(sem):
    """As ``down_write``; returns 0 (signals are not modelled)."""
    down_write(sem)
    return 0


def down_write_trylock(sem):
    r = run()
    with op(r, lambda: f"down_write_trylock({sem!r})") as g:
        ok = write_trylock(sem)
        g.note = " = 1" if ok else " = 0"
    return int(ok)


def up_write(sem):
    r = run()
    with op(r, lambda: f"up_write({sem!r})"):
        write_unlock(sem)


def downgrade_write(sem):
    """Turn a write hold into a read hold without letting another writer in:
    take this task's reader word, then let the others' reader words go, then
    the writer word."""
    r = run()
    t = r.cur
    if t is None:
        return
    with op(r, lambda: f"downgrade_write({sem!r})"):
        for i, (l, m) in enumerate(t.held):
            if l == sem and m == "w":
                del t.held[i]
                break
        else:
            r.report("lockdep", f"downgrade_write: {t.name} does not hold {sem._loc.name()} for write")
        counts = _marked(t).pop(sem._loc.lid, None) or ()
        mine = sem._reader(t)
        if not t.dynamic:
            r.rmw(mine, _enter, ACQ, "read_lock")
        t.held.append((sem, "r"))
        for (e, _), n in zip(_rw_pairs(r, sem, t), counts):
            # unmarked; the shared entry word of the dynamic contexts counts
            # this one's entry as it lets the others in
            r.write(e, n + 1 if e is mine else n, REL, "write_unlock")
        r.write(sem._loc, 0, REL, "write_unlock")

# -- struct percpu_rw_semaphore (include/linux/percpu-rwsem.h) --------------------

class percpu_rw_semaphore(rw_semaphore):
    """``struct percpu_rw_semaphore``: readers take it on their own CPU (no shared
    cache line), a writer first makes every later reader take the slow path
    (``rcu_sync_enter()``: a grace period) and then waits for the readers
    inside.  What that guarantees is an ``rw_semaphore``'s: kcheck keeps one,
    with the writer's grace period as a sleep."""

    __slots__ = ()

    def __init__(self, owner=None, field=None):
        rwlock_t.__init__(self, owner, field or anon("percpu_rw_semaphore"))


def DEFINE_STATIC_PERCPU_RWSEM():
    return percpu_rw_semaphore()


def percpu_init_rwsem(sem):
    """0 (it cannot fail here)."""
    run().write(sem._loc, 0, ONCE, "percpu_init_rwsem")
    return 0


def percpu_free_rwsem(sem):
    pass


def percpu_down_read(sem):
    _sem(sem, "percpu_down_read", lambda: read_lock(sem, "percpu_down_read"))


def percpu_down_read_trylock(sem):
    return _sem(sem, "percpu_down_read_trylock", lambda: read_trylock(sem), False,
                lambda ok: " = true" if ok else " = false")


def percpu_up_read(sem):
    _sem(sem, "percpu_up_read", lambda: read_unlock(sem), False)


def percpu_down_write(sem):
    # rcu_sync_enter(): a grace period, so it may sleep
    _sem(sem, "percpu_down_write", lambda: _fair_write_lock(sem, "percpu_down_write"))


def percpu_up_write(sem):
    _sem(sem, "percpu_up_write", lambda: write_unlock(sem), False)


def percpu_rwsem_assert_held(sem):
    lockdep_assert_held(sem)


# -- cpu_hotplug_lock (kernel/cpu.c) -------------------------------------------

_HOTPLUG = []


def _cpu_hotplug_lock():
    """The kernel's one ``cpu_hotplug_lock``, a percpu_rw_semaphore: its words
    have fixed ids, the same in every run whichever task takes it first."""
    if not _HOTPLUG:
        sem = percpu_rw_semaphore.__new__(percpu_rw_semaphore)
        sem._loc = Loc.fixed((1 << 45) + 1, "cpu_hotplug_lock")
        sem._kid = ("w", sem._loc.lid)
        sem._readers = {}
        _HOTPLUG.append(sem)
    return _HOTPLUG[0]


def cpus_read_lock():
    """Keep CPUs from going on- or offline (``percpu_down_read(&cpu_hotplug_lock)``):
    lockdep orders it against every other lock as the kernel's does."""
    percpu_down_read(_cpu_hotplug_lock())


def cpus_read_trylock():
    return percpu_down_read_trylock(_cpu_hotplug_lock())


def cpus_read_unlock():
    percpu_up_read(_cpu_hotplug_lock())


def cpus_write_lock():
    """What CPU hotplug takes (``percpu_down_write(&cpu_hotplug_lock)``)."""
    percpu_down_write(_cpu_hotplug_lock())


def cpus_write_unlock():
    percpu_up_write(_cpu_hotplug_lock())


def lockdep_assert_cpus_held():
    lockdep_assert_held(_cpu_hotplug_lock())


__all__ = ["cpus_read_lock", "cpus_read_trylock", "cpus_read_unlock", "cpus_write_lock",
           "cpus_write_unlock", "lockdep_assert_cpus_held",
           "down_read_nested", "down_write_nested", "percpu_rw_semaphore", "DEFINE_STATIC_PERCPU_RWSEM", "percpu_init_rwsem",
           "percpu_free_rwsem", "percpu_down_read", "percpu_down_read_trylock", "percpu_up_read",
           "percpu_down_write", "percpu_up_write", "percpu_rwsem_assert_held",
           "spinlock_t", "raw_spinlock_t", "rwlock_t", "mutex", "rw_semaphore",
           "DEFINE_SPINLOCK", "DEFINE_RAW_SPINLOCK", "spin_lock_init", "spin_lock",
           "DEFINE_MUTEX", "mutex_init", "DEFINE_RWLOCK", "rwlock_init",
           "spin_lock_nested", "mutex_lock_nested", "SINGLE_DEPTH_NESTING",
           "might_lock", "might_lock_read", "might_lock_nested",
           "spin_unlock", "spin_trylock", "spin_is_locked", "spin_lock_bh", "spin_unlock_bh",
           "spin_trylock_bh", "spin_lock_irq", "spin_unlock_irq", "spin_lock_irqsave", "spin_trylock_irqsave", "spin_lock_irqsave_nested",
           "raw_spin_trylock_irqsave",
           "spin_unlock_irqrestore", "raw_spin_lock", "raw_spin_unlock", "raw_spin_trylock",
           "raw_spin_lock_irq", "raw_spin_unlock_irq", "raw_spin_lock_irqsave",
           "raw_spin_unlock_irqrestore", "mutex_lock", "mutex_lock_interruptible",
           "mutex_lock_killable", "mutex_lock_io", "mutex_unlock", "mutex_trylock", "mutex_is_locked",
           "read_lock", "read_unlock", "write_lock", "write_unlock", "read_trylock",
           "write_trylock", "read_lock_bh", "read_unlock_bh", "write_lock_bh", "write_unlock_bh",
           "read_lock_irq", "read_unlock_irq", "write_lock_irq", "write_unlock_irq",
           "read_lock_irqsave", "read_unlock_irqrestore", "write_lock_irqsave",
           "write_unlock_irqrestore", "DECLARE_RWSEM", "init_rwsem", "down_read",
           "down_read_killable", "down_read_interruptible", "down_read_trylock", "up_read",
           "down_write", "down_write_killable", "down_write_trylock", "up_write",
           "downgrade_write", "rwlock_needbreak", "need_resched", "cond_resched",
           "cond_resched_lock", "cond_resched_rwlock_read", "cond_resched_rwlock_write",
           "lockdep_assert_held", "lockdep_assert_held_read", "lockdep_assert_held_write",
           "lockdep_assert_not_held", "lockdep_is_held"]


# the class each kind of lock call takes (a subclass is judged by _check_type)
_KIND_CLASS = {"spinlock": spinlock_t, "mutex": mutex, "rwlock": rwlock_t, "rwsem": rw_semaphore}
