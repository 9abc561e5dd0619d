"""Random kernel-style programs for the memory-model oracles (not a test module).

A program is a list of threads; a thread is a list of operations, some of
which (lock regions, RCU sections, trylock bodies) hold operations of their
own.  ``model(prog)`` turns one into a kcheck model; ``program()`` is the
hypothesis strategy.  The operations cover what the explorer treats
specially: marked and plain accesses, RMWs that always write and cmpxchg
that may fail, every fence, spinlocks, mutexes, rwlocks for read and write,
trylocks, ``spin_is_locked``, a lock a task initialises itself, RCU read
sections and ``synchronize_rcu``,
``call_rcu``, control flow on read values, waits (``smp_cond_load_acquire``,
``cpu_relax`` loops on one or two conditions, ``msleep`` polling loops,
``join``) and WARN_ON.
"""

from __future__ import annotations

from hypothesis import strategies as st

from kcheck import spawn, join
from kcheck.engine import graph as G
from kcheck.kernel import (
    KStruct, KArray, READ_ONCE, WRITE_ONCE, smp_load_acquire, smp_store_release, xchg, cmpxchg,
    atomic_t, atomic_inc, atomic_fetch_add, atomic_add_return_relaxed, smp_mb, smp_rmb, smp_wmb,
    smp_mb__before_atomic, smp_mb__after_atomic, spinlock_t, mutex, rwlock_t, spin_lock,
    spin_unlock, spin_trylock, spin_is_locked, mutex_lock, mutex_unlock, read_lock, read_unlock,
    write_lock, write_unlock, rcu_read_lock, rcu_read_unlock, synchronize_rcu, call_rcu, rcu_head,
    smp_cond_load_acquire, cpu_relax, WARN_ON, ptr, msleep, spin_lock_init, kzalloc, kfree,
)

NLOC = 2
FENCES = ("smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic")
_FENCE_FN = {"smp_mb": smp_mb, "smp_rmb": smp_rmb, "smp_wmb": smp_wmb,
             "smp_mb__before_atomic": smp_mb__before_atomic,
             "smp_mb__after_atomic": smp_mb__after_atomic}

loc = st.integers(0, NLOC - 1)
val = st.integers(1, 2)

simple = st.one_of(
    st.tuples(st.just("r"), loc, st.sampled_from(["once", "acquire"])),
    st.tuples(st.just("w"), loc, val, st.sampled_from(["once", "release"])),
    st.tuples(st.just("xchg"), loc, val),
    st.tuples(st.just("cmpxchg"), loc, st.integers(0, 1), val),
    st.tuples(st.just("inc"), loc),
    st.tuples(st.just("fetch_add"), loc),
    st.tuples(st.just("add_return_relaxed"), loc),
    st.tuples(st.just("fence"), st.sampled_from(FENCES)),
    st.tuples(st.just("ifr"), loc),                      # read; skip the next op if nonzero
    st.tuples(st.just("warn"), loc, st.integers(0, 2)),  # WARN_ON(READ_ONCE(a[i]) == v)
)
plain = st.one_of(
    st.tuples(st.just("pr"), loc),
    st.tuples(st.just("pw"), loc, val),
)
lockish = st.sampled_from(["spin", "mutex", "read", "write"])


def _region(inner):
    return st.one_of(
        st.tuples(st.just("lock"), lockish, st.lists(inner, min_size=1, max_size=2)),
        st.tuples(st.just("trylock"), st.lists(inner, min_size=1, max_size=2)),
        st.tuples(st.just("rcu"), st.lists(inner, min_size=1, max_size=2)),
        # a lock of an object the task allocates and initialises itself
        # (spin_lock_init() in a task: an event lock.cat has no name for)
        st.tuples(st.just("own_lock"), st.lists(inner, min_size=1, max_size=2)),
    )


def ops(waits=True, rcu_cb=False, plains=False):
    base = st.one_of(simple, plain) if plains else simple
    extra = [st.tuples(st.just("is_locked")), st.tuples(st.just("sync_rcu"))]
    if waits:
        extra += [st.tuples(st.just("cond_load"), loc), st.tuples(st.just("relax_wait"), loc),
                  st.tuples(st.just("relax_wait2"), loc, loc), st.tuples(st.just("poll_wait"), loc)]
    if rcu_cb:
        extra += [st.tuples(st.just("call_rcu"), loc, val)]
    leaf = st.one_of(base, *extra)
    return st.one_of(leaf, _region(leaf))


@st.composite
def program(draw, waits=True, rcu_cb=False, plains=False, joins=True, max_threads=3, max_ops=3):
    n = draw(st.integers(2, max_threads))
    prog = []
    for t in range(n):
        body = draw(st.lists(ops(waits, rcu_cb, plains), min_size=1, max_size=max_ops))
        if joins and t > 0 and draw(st.booleans()):
            body = [("join", draw(st.integers(0, t - 1)))] + body
        prog.append(body)
    return prog


class shared(KStruct):
    f0: int          # plain fields for pr/pw
    f1: int
    lk: spinlock_t
    mx: mutex
    rw: rwlock_t


class lockbox(KStruct):
    """An object with a lock of its own (the own_lock op)."""
    lk: spinlock_t


class cb_holder(KStruct):
    """A task's own rcu_head: kernel code queues each object's head, and a head
    queued by several tasks at once is the Double-freed CB WARN, whose word
    every queuing and callback would then contend on (thousands of orders)."""
    head: rcu_head


def _atom(a, i):
    return _A(a[i])


class _A:
    """An array element seen as an atomic_t (one word)."""

    def __init__(self, l):
        self._loc = l


def _cb_store(i, v):
    def cb(head):
        WRITE_ONCE(head._owner._cells[i], v)
    cb.__name__ = f"store_a{i}"
    return cb


def _run(ops_, s, a, tasks, h):
    skip = False
    for o in ops_:
        if skip:
            skip = False
            continue
        k = o[0]
        if k == "r":
            (READ_ONCE if o[2] == "once" else smp_load_acquire)(a[o[1]])
        elif k == "w":
            (WRITE_ONCE if o[3] == "once" else smp_store_release)(a[o[1]], o[2])
        elif k == "pr":
            getattr(s, f"f{o[1]}")
        elif k == "pw":
            setattr(s, f"f{o[1]}", o[2])
        elif k == "xchg":
            xchg(a[o[1]], o[2])
        elif k == "cmpxchg":
            cmpxchg(a[o[1]], o[2], o[3])
        elif k == "inc":
            atomic_inc(_atom(a, o[1]))
        elif k == "fetch_add":
            atomic_fetch_add(1, _atom(a, o[1]))
        elif k == "add_return_relaxed":
            atomic_add_return_relaxed(1, _atom(a, o[1]))
        elif k == "fence":
            _FENCE_FN[o[1]]()
        elif k == "ifr":
            skip = READ_ONCE(a[o[1]]) != 0
        elif k == "warn":
            WARN_ON(READ_ONCE(a[o[1]]) == o[2])
        elif k == "is_locked":
            if spin_is_locked(s.lk):
                READ_ONCE(a[0])
        elif k == "sync_rcu":
            synchronize_rcu()
        elif k == "cond_load":
            smp_cond_load_acquire(a[o[1]], lambda v: v != 0)
        elif k == "relax_wait":
            while READ_ONCE(a[o[1]]) == 0:
                cpu_relax()
        elif k == "relax_wait2":         # a busy-wait on two conditions (runtime.Run._stale_wait)
            while READ_ONCE(a[o[1]]) == 0 and READ_ONCE(a[o[2]]) == 0:
                cpu_relax()
        elif k == "poll_wait":           # a polling sleep (kernel/sched.py poll)
            while READ_ONCE(a[o[1]]) == 0:
                msleep(1)
        elif k == "call_rcu":
            call_rcu(h.head, _cb_store(o[1], o[2]))
        elif k == "join":
            join(tasks[o[1]])
        elif k == "lock":
            take, drop = {"spin": (spin_lock, spin_unlock), "mutex": (mutex_lock, mutex_unlock),
                          "read": (read_lock, read_unlock), "write": (write_lock, write_unlock)}[o[1]]
            lk = s.rw if o[1] in ("read", "write") else (s.mx if o[1] == "mutex" else s.lk)
            take(lk)
            _run(o[2], s, a, tasks, h)
            drop(lk)
        elif k == "trylock":
            if spin_trylock(s.lk):
                _run(o[1], s, a, tasks, h)
                spin_unlock(s.lk)
        elif k == "rcu":
            rcu_read_lock()
            _run(o[1], s, a, tasks, h)
            rcu_read_unlock()
        elif k == "own_lock":
            mine = kzalloc(lockbox)
            spin_lock_init(mine.lk)
            spin_lock(mine.lk)
            _run(o[1], s, a, tasks, h)
            spin_unlock(mine.lk)
            kfree(mine)
        else:
            raise ValueError(o)


def model(prog):
    def main():
        s = shared()
        a = KArray(NLOC)
        object.__setattr__(s, "_cells", a)
        tasks = []
        for t, body in enumerate(prog):
            h = cb_holder()
            object.__setattr__(h, "_cells", a)
            tasks.append(spawn(_run, body, s, a, tasks, h, name=f"T{t}"))
    return main


def shape(g, ghosts=True):
    """An execution as reads-from and coherence over memory accesses only.

    Fences and other non-access events are left out, and each access is named
    by its task and its position among that task's accesses, so that the same
    execution explored under SC and under the LKMM (which adds fence events
    for rcu_read_lock and friends) gets the same shape."""
    from kcheck.engine.runtime import LKMM_GHOSTS
    # ``ghosts=False``: without RCU readers' flags - kcheck's bookkeeping, which
    # orders SC executions (synchronize_rcu() waits on them) and not LKMM ones
    ghost = set() if ghosts else LKMM_GHOSTS
    key = {}
    for th in g.threads:
        k = 0
        for e in th:
            if e.kind in (G.READ, G.WRITE) and e.lid not in ghost:
                key[e] = (e.tid, k)
                k += 1
    accs = tuple(tuple((G.KIND_NAMES[e.kind], e.lid, None if e.rf is None else key.get(e.rf, "?"))
                       for e in th if e.kind in (G.READ, G.WRITE) and e.lid not in ghost)
                 for th in g.threads)
    co = tuple(sorted((lid, tuple(key[w] for w in lst)) for lid, lst in g.co.items()
                      if lst and lid not in ghost))
    return accs, co


def search_outcome(d, shapes):
    """Everything a finished TruSt search ``d`` shows, for oracles that compare
    two ways of exploring: counts, whether exhaustive, every complete graph's
    ``shape`` in order (``shapes``, collected by ``on_complete``), the first
    bug and the warnings."""
    bug = None
    if d.bug_run is not None:
        bug = (bug_key(d.bug_run.bug), d.bug_run.bug.message, shape(d.bug_run.g))
    return (d.stats.executions, d.stats.blocked, d.stats.events, d.exhaustive, shapes, bug,
            d.__dict__.get("_warnings", []))


def bug_key(b):
    """A bug's identity for the oracles: its kind and the model line it shows at
    (for a data race, the location raced on: the two detectors see different pairs)."""
    if b.kind == "data-race":
        return (b.kind, b.event.lid if b.event is not None else None)
    where = b.where[1] if getattr(b, "where", None) else None
    return (b.kind, where)


# -- marked and plain accesses to the same words (race-detector oracles) --

class mixed_pair(KStruct):
    f0: int
    f1: int
    lk: spinlock_t


_mixed_access = st.one_of(
    st.tuples(st.just("r"), st.integers(0, 1), st.booleans()),          # READ_ONCE or plain load
    st.tuples(st.just("w"), st.integers(0, 1), st.integers(1, 2), st.booleans()),
    st.tuples(st.just("xchg"), st.integers(0, 1), st.integers(1, 2)),
    st.tuples(st.just("cmpxchg"), st.integers(0, 1), st.integers(0, 2), st.integers(1, 2)),
    st.tuples(st.just("acq"), st.integers(0, 1)),                         # smp_load_acquire
    st.tuples(st.just("rel"), st.integers(0, 1), st.integers(1, 2)),     # smp_store_release
    st.tuples(st.just("ifr"), st.integers(0, 1)),                         # skip the next op if set
)
_mixed_op = st.one_of(_mixed_access, st.tuples(st.just("lock"), st.lists(_mixed_access, min_size=1, max_size=2)))


def mixed_program():
    """Two or three threads of accesses to two words of one struct, each access
    marked or plain (the race detector's oracles)."""
    return st.lists(st.lists(_mixed_op, min_size=1, max_size=4), min_size=2, max_size=3)


def _mixed_run(ops_, s):
    skip = False
    for o in ops_:
        if skip:
            skip = False
            continue
        k, f = o[0], (f"f{o[1]}" if o[0] != "lock" else None)
        if k == "r":
            READ_ONCE(ptr(s, f)) if o[2] else getattr(s, f)
        elif k == "w":
            WRITE_ONCE(ptr(s, f), o[2]) if o[3] else setattr(s, f, o[2])
        elif k == "xchg":
            xchg(ptr(s, f), o[2])
        elif k == "cmpxchg":
            cmpxchg(ptr(s, f), o[2], o[3])
        elif k == "acq":
            smp_load_acquire(ptr(s, f))
        elif k == "rel":
            smp_store_release(ptr(s, f), o[2])
        elif k == "ifr":
            skip = READ_ONCE(ptr(s, f)) != 0
        else:
            spin_lock(s.lk)
            _mixed_run(o[1], s)
            spin_unlock(s.lk)


def mixed_model(prog, join_first=False):
    def main():
        s = mixed_pair()
        first = spawn(_mixed_run, prog[0], s, name="T0")
        for i, body in enumerate(prog[1:], 1):
            if join_first and i == 1:
                spawn(lambda b, s: (join(first), _mixed_run(b, s)), body, s, name=f"T{i}")
            else:
                spawn(_mixed_run, body, s, name=f"T{i}")
    return main
