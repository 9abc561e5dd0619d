"""spinlock_t, rwlock_t, mutex and lockdep assertions.

Locks are memory: acquiring is an atomic read-modify-write with acquire
ordering that *blocks* (the explorer knows it waits; it never spins) while the
lock is taken; releasing is a store with release ordering (lock.cat).

``rwlock_t`` (x86's ``mmu_lock``) keeps one reader flag per task instead of a
shared reader count, so that two readers never conflict - their order does
not matter and the explorer does not try both.  A reader announces itself,
then checks for a writer and backs off if there is one; a writer takes the
writer word, then waits for every reader flag to clear (Dekker's protocol,
correct under sequential consistency).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, WAIT_ACQ, anon

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


def _held(t, lock, mode=None):
    for l, m in t.held:
        if l == lock and (mode is None or m == mode):
            return True
    return False


def _take(lock, mode, op):
    r = run()
    t = r.cur
    if t is not None and _held(t, lock):
        r.report("deadlock", f"{op}: {t.name} already holds {lock._loc.name()} (recursive locking)")
    r.rmw(lock._loc, _acquire, ACQ, op)
    if t is not None:
        t.held.append((lock, mode))


def _release(lock, mode, op):
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


def spin_lock(lock):
    _take(lock, "x", "spin_lock")


def spin_unlock(lock):
    _release(lock, "x", "spin_unlock")


def _trylock(lock, op):
    r = run()
    ok = r.rmw(lock._loc, _try, ACQ, op) == 0
    if ok and r.cur is not None:
        r.cur.held.append((lock, "x"))
    return ok


def spin_trylock(lock):
    return _trylock(lock, "spin_trylock")


def spin_is_locked(lock):
    return run().read(lock._loc, ONCE, "spin_is_locked") != 0


def mutex_lock(lock):
    _take(lock, "x", "mutex_lock")


def mutex_unlock(lock):
    _release(lock, "x", "mutex_unlock")


def mutex_trylock(lock):
    return _trylock(lock, "mutex_trylock")


def mutex_is_locked(lock):
    return run().read(lock._loc, ONCE, "mutex_is_locked") != 0


# -- rwlock_t --------------------------------------------------------------
#
# Each task has its own reader word in the lock: 0 free, 1 held for read by
# that task, WRITER when a writer has shut it.  A reader takes its word with
# an RMW that waits while it is WRITER; a writer first takes the writer word
# (writers exclude each other there), then shuts every task's reader word
# with an RMW that waits while that task reads.  Every reader/writer pair
# meets on exactly one word, through RMWs, so the explorer sees one conflict
# per pair of critical sections - and none between two readers.

WRITER = -1


def _read_take(v):
    return BLOCK if v == WRITER else v + 1


def _read_try(v):
    return NO_WRITE if v == WRITER else v + 1


def _shut(v):
    return WRITER if v == 0 else BLOCK


def _shut_try(v):
    return WRITER if v == 0 else NO_WRITE


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
        if t.dynamic:
            raise ModelError(f"{t.name}: taking an rwlock for read in an RCU callback is not modelled")
        l = self._readers.get((t.tid, t.name))
        if l is None:
            l = self._readers[(t.tid, t.name)] = Loc.derived(self._loc, t.tid, 0,
                                                             f"{self._loc.field}.reader[{t.name}]")
        return l

    def __repr__(self):
        return f"&{self._loc.name()}"


def read_lock(lock):
    r = run()
    t = r.cur
    if t is None:
        return
    if _held(t, lock):
        r.report("deadlock", f"read_lock: {t.name} already holds {lock._loc.name()}")
    r.rmw(lock._reader(t), _read_take, ACQ, "read_lock")
    t.held.append((lock, "r"))


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
    r.write(lock._reader(t), 0, REL, "read_unlock")


def write_lock(lock):
    r = run()
    t = r.cur
    if t is None:
        return
    _take(lock, "w", "write_lock")
    for u in r.static:
        if u is not t:
            r.rmw(lock._reader(u), _shut, ACQ, "write_lock")


def write_unlock(lock):
    r = run()
    t = r.cur
    if t is not None:
        for u in r.static:
            if u is not t:
                r.write(lock._reader(u), 0, REL, "write_unlock")
    _release(lock, "w", "write_unlock")


def read_trylock(lock):
    r = run()
    t = r.cur
    if r.rmw(lock._reader(t), _read_try, ACQ, "read_trylock") == WRITER:
        return False
    t.held.append((lock, "r"))
    return True


def write_trylock(lock):
    r = run()
    t = r.cur
    if r.rmw(lock._loc, _try, ACQ, "write_trylock") != 0:
        return False
    shut = []
    for u in r.static:
        if u is t:
            continue
        if r.rmw(lock._reader(u), _shut_try, ACQ, "write_trylock") != 0:
            for v in shut:
                r.write(lock._reader(v), 0, REL, "write_trylock")
            r.write(lock._loc, 0, REL, "write_trylock")
            return False
        shut.append(u)
    t.held.append((lock, "w"))
    return True


def rwlock_needbreak(lock):
    """Whether another task waits for the lock: an explorer choice."""
    return run().choice(2, "rwlock_needbreak") == 1


def need_resched():
    """Whether the scheduler wants this CPU back: an explorer choice."""
    return run().choice(2, "need_resched") == 1


def cond_resched():
    """A voluntary preemption point.  kcheck already explores every
    interleaving, so there is nothing to add: no event."""


def cond_resched_rwlock_read(lock):
    """Drop and retake ``lock`` for read if the explorer chooses to yield here."""
    lockdep_assert_held_read(lock)
    if run().choice(2, "cond_resched_rwlock_read") == 0:
        return False
    read_unlock(lock)
    read_lock(lock)
    return True


def cond_resched_rwlock_write(lock):
    """Drop and retake ``lock`` for write if the explorer chooses to yield here."""
    lockdep_assert_held_write(lock)
    if run().choice(2, "cond_resched_rwlock_write") == 0:
        return False
    write_unlock(lock)
    write_lock(lock)
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
