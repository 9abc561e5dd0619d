"""Whole programs under the LKMM: execution graphs -> herd-style executions.

The explorer's graphs carry what the LKMM needs: each access's annotation
(plain, ``ONCE``, ``ACQUIRE``, ``RELEASE``, ``MB`` for fully ordered RMWs),
RMW pairs (a failed cmpxchg stays an atomic read without a partner, which
the bell turns into an unordered access), fences by kernel name, and address
dependencies (an access to an object right after reading a pointer to it).
This module translates one graph into ``lkmm.Execution`` and asks
``lkmm.check``.

What the translation adds or leaves out:

* a task started by another (``call_rcu`` callbacks, work items) begins
  with an acquire read of a flag its parent set with a release store, so the
  new context sees what its creator did before starting it;
* spinlocks and mutexes become lock.cat's events (LKR/LKW for a lock taken,
  LF for a failed trylock, UL, RL/RU for is_locked tests);
* a location only one task ever touches, with accesses that are not part of
  an RMW, a dependency or a lock, is left out: it has no rf, co or fr between
  tasks, and every ordering a fence, a release or an acquire gives through it
  is given directly (a chain of fence edges through such an access has a
  shorter twin: ``a ->wmb-> e ->wmb-> b`` is ``a ->wmb-> b``), so no LKMM
  relation between the other events changes - except through a release
  write followed by an ``smp_wmb()`` (a read before it: ``R ->po-rel-> e
  ->wmb-> W``, with no twin, since wmb orders writes only) or an acquire read
  after an ``smp_rmb()`` (``R ->rmb-> e ->acq-po-> W``), so those stay (leaving
  them out let ``C-rcu-relacq1-relacq`` of paulmckrcu/litmus, Never under
  herd7, be seen) - and the
  relation algebra, cubic in the events, gets cheaper (TDP MMU graphs lose a
  third to a half of their events, RCU read-side flags nobody waits on
  included);
* data and control dependencies are not tracked (Python has no taint), so
  the LKMM checked here allows a little more than the kernel's: it may report
  a bug the real LKMM forbids, never the reverse for them;
* load buffering (a cycle through po and rf) is never explored: TruSt builds
  graphs in porf order, as GenMC's LKMM mode does.
"""

from __future__ import annotations

import functools

from .. import graph as G
from ..runtime import LKMM_GHOSTS
from . import lkmm

FENCE_TAGS = {
    "smp_mb": "MB", "smp_rmb": "Rmb", "smp_wmb": "Wmb",
    "smp_mb__before_atomic": "Before-atomic", "smp_mb__after_atomic": "After-atomic",
    "smp_mb__after_spinlock": "After-spinlock", "smp_mb__after_unlock_lock": "After-unlock-lock",
    "smp_mb__after_srcu_read_unlock": "After-srcu-read-unlock",
    "smp_acquire__after_ctrl_dep": "Rmb", "barrier": "Barrier",
    "rcu_read_lock": "Rcu-lock", "rcu_read_unlock": "Rcu-unlock", "synchronize_rcu": "Sync-rcu",
}


# A plain C store to part of a word (a byte of a union) is an RMW that merges
# its bytes into the word (kcheck/c/_access.py): atomic, so that the other
# bytes are not lost - the LKMM has no mixed-size accesses - but plain, as the
# store is: not Marked, and a data race where it meets the same bytes.
PART_STORE = frozenset({"Plain-part"})


@functools.lru_cache(maxsize=None)     # one frozenset per distinct flags value
def _tags(flags):
    if not flags & G.MARKED:
        return frozenset()
    if flags & G.MB:
        return frozenset({"MB"})
    if flags & G.ACQUIRE and not flags & G.RELEASE:
        return frozenset({"ACQUIRE"})
    if flags & G.RELEASE and not flags & G.ACQUIRE:
        return frozenset({"RELEASE"})
    if flags & G.ACQUIRE and flags & G.RELEASE:
        return frozenset({"MB"})
    return frozenset({"ONCE"})


# RMWs that return no value (linux-kernel.def's __atomic_op{NORETURN}, and the
# same class in Documentation/atomic_t.txt: atomic64/atomic_long and the
# non-returning bitops).  Their read is tagged NORETURN: smp_rmb() does not
# order it (linux-kernel.cat's R4rmb), so without the tag the program engine
# would forbid outcomes the LKMM allows (paulmckrcu/litmus's
# C-WillDeacon-MP+o-r+ai-rmb-o: atomic_inc(); smp_rmb(); READ_ONCE()).
NORETURN_OPS = frozenset(
    [f"{p}_{n}" for p in ("atomic", "atomic64", "atomic_long")
     for n in ("add", "sub", "and", "or", "xor", "andnot", "inc", "dec")]
    + ["set_bit", "clear_bit", "change_bit"])


@functools.lru_cache(maxsize=None)
def _noreturn(tags):
    return tags | {"NORETURN"}


@functools.lru_cache(maxsize=65536)
def _event(tid, kind, loc=None, tags=frozenset(), atomic=False):
    """lkmm.Event is frozen: one instance per distinct value, built once."""
    return lkmm.Event(tid, kind, loc, tags, atomic)


# the ops of kernel/locking.py's lock takes and releases (its _TAKES): a lock the
# LKMM's lock.cat knows (LKR/LKW, UL).  spin_lock_nested() and percpu_ref's
# spin_lock_irqsave() were missing until 2026-12-01, so under the LKMM their
# critical sections were an acquire RMW and a release, not a lock's.
LOCK_TAKE = {"spin_lock", "mutex_lock", "spin_lock_nested", "mutex_lock_nested", "spin_lock_bh",
             "spin_lock_irq", "spin_lock_irqsave"}
LOCK_TRY = {"spin_trylock", "mutex_trylock"}
LOCK_RELEASE = {"spin_unlock", "mutex_unlock", "spin_unlock_bh", "spin_unlock_irq",
                "spin_unlock_irqrestore"}
LOCK_TEST = {"spin_is_locked", "mutex_is_locked"}
_LOCK_OPS = LOCK_TAKE | LOCK_TRY | LOCK_RELEASE | LOCK_TEST
# SRCU (kernel/srcu.py): a read-side section is a load (Srcu-lock) and a store
# (Srcu-unlock, data-dependent on the load) of the srcu_struct; synchronize_srcu
# is a fence on it (its value is ("synchronize_srcu", lid)).
SRCU_LOCK = "~srcu_read_lock"
SRCU_UNLOCK = "~srcu_read_unlock"
SYNC_SRCU = "synchronize_srcu"


class _PendingWrite:
    """The write half of an RMW whose read half is in the graph but whose write
    the runtime adds only when the task runs again (a read just revisited, or
    one left reading the latest write after a revisit).  The execution the
    graph stands for has that write, immediately co-after what the read read:
    without it a ``spin_lock`` read would look like a failed trylock to
    lock.cat and a value-returning RMW would lose its full barrier."""

    __slots__ = ("tid", "idx", "lid", "flags", "op", "read")

    def __init__(self, r):
        self.tid, self.idx, self.lid = r.tid, r.idx + 1, r.lid
        self.flags, self.op, self.read = r.flags, r.op, r


def pending_writes(g, inits):
    """{read: _PendingWrite} for every RMW read last in its task that will write.

    ``inits`` maps location ids to their ``Loc`` (the initial values); a read
    whose function says NO_WRITE (a failed cmpxchg or trylock) or BLOCK (a
    wait that cannot pass) stays a lone read, as in the execution."""
    from ..runtime import NO_WRITE, BLOCK
    out = {}
    for th in g.threads:
        if not th:
            continue
        e = th[-1]
        fn = e.rmw
        if e.kind != G.READ or fn is None or fn is True or e.flags & G.AWAIT:
            continue
        loc = inits.get(e.lid)
        if loc is None:
            continue
        old = loc.init if e.rf is None else e.rf.val
        try:
            res = fn(old)
        except Exception:
            continue
        if res is NO_WRITE or res is BLOCK:
            continue
        out[e] = _PendingWrite(e)
    return out


def _wmb_rmb(th):
    """(index of the task's last smp_wmb, index of its first read barrier),
    -1 and len(th) when it has none."""
    last_wmb, first_rmb = -1, len(th)
    for e in th:
        if e.kind == G.FENCE:
            tag = FENCE_TAGS.get(e.val) if e.val.__class__ is str else None
            if tag == "Wmb":
                last_wmb = e.idx
            elif tag == "Rmb" and first_rmb == len(th):
                first_rmb = e.idx
    return last_wmb, first_rmb


def to_execution(g, inits=None):
    """(lkmm.Execution, index of each graph event) for graph ``g``.

    ``inits`` (location id -> ``Loc``) lets RMWs whose write half is not in the
    graph yet be completed (``pending_writes``); without it they stay reads."""
    pending = pending_writes(g, inits) if inits else {}
    events = []
    index = {}
    owners = {}
    keep = set()           # locations with an access the LKMM must see
    lock_lids = set()      # spinlock and mutex words (lock.cat's events)
    inits_done = set()     # stores that (re)initialise a lock word: spin_lock_init()
    freed = {e.oid for th in g.threads for e in th if e.kind == G.FREE and e.oid is not None}
    for th in g.threads:
        last_wmb, first_rmb = _wmb_rmb(th)
        for e in th:
            if e.kind <= G.WRITE and e.lid in LKMM_GHOSTS:
                continue             # kcheck's bookkeeping, not the program's (ghosts_coherent)
            if (e.kind == G.WRITE and e.idx < last_wmb and e.flags & G.RELEASE
                    or e.kind == G.READ and e.idx > first_rmb and e.flags & G.ACQUIRE):
                keep.add(e.lid)      # a link of a fence chain with no shorter twin (docstring)
            if freed and e.oid in freed and e.kind <= G.WRITE:
                keep.add(e.lid)      # ordered (or not) before the kfree(): a use-after-free question
            if e.kind in (G.READ, G.WRITE):
                o = owners.get(e.lid)
                if o is None:
                    owners[e.lid] = e.tid
                elif o != e.tid:
                    keep.add(e.lid)
                if (e.rmw is not None or e.deps or e.op in _LOCK_OPS
                        or e.op == SRCU_LOCK or e.op == SRCU_UNLOCK):
                    keep.add(e.lid)
                    if e.op in _LOCK_OPS:
                        lock_lids.add(e.lid)
                    if e.deps:
                        for ds in e.deps:
                            for d in ds:
                                keep.add(d.lid)
            elif e.kind == G.FENCE and e.val.__class__ is tuple and e.val[0] == SYNC_SRCU:
                keep.add(e.val[1])
    lids = keep
    init = {}
    for lid in sorted(lids, key=repr):
        init[lid] = len(events)
        events.append(_event(None, "W", lid))
    rf = {}
    rmw = set()
    addr, data, ctrl = set(), set(), set()

    def depend(e, i, is_write):
        """herd's addr/data/ctrl edges into event index ``i`` from ``e.deps``."""
        a, d, c = e.deps
        for src, rel in ((a, addr), (d, data if is_write else None), (c, ctrl)):
            if rel is None:
                continue
            for x in src:
                j = index.get(x)
                if j is not None and j != i:
                    rel.add((j, i))
    spawned = {tid for tid, sp in g.spawn_of.items() if tid < len(g.threads) and g.threads[tid]}
    for tid in spawned:
        key = ("spawn", tid)
        init[key] = len(events)
        events.append(_event(None, "W", key))
    down_lock, down_unlock = {}, {}     # srcu_down_read() section -> its Srcu-lock, Srcu-unlock
    late_unlocks = []                   # (lid, index): Srcu-unlocks closing open sections
    spawn_w = {}      # ("spawn", tid) -> index of the creator's release store
    spawn_r = {}      # ("spawn", tid) -> index of the new task's acquire load
    for tid, th in enumerate(g.threads):
        if not th:
            continue
        if tid in spawned:
            # the new context acquires what its creator released when starting it
            key = ("spawn", tid)
            spawn_r[key] = len(events)
            events.append(_event(tid, "R", key, frozenset({"ACQUIRE"})))
        srcu_open = []     # this task's Srcu-lock events not yet matched by an Srcu-unlock
        rcu_depth = 0      # this task's rcu_read_lock()s not yet matched by an unlock
        for e in th:
            k = e.kind
            op = e.op
            if k <= G.WRITE and e.lid not in lids:
                continue           # a task's private location (see the module docstring)
            if (k == G.WRITE and e.lid in lock_lids and e.rmw is not True
                    and op not in LOCK_RELEASE and e.val == 0 and g.co[e.lid][0] is e):
                # spin_lock_init() (mutex_init()) of an object a task made, before any
                # use of the lock: lock.cat has no such event (any other access to a
                # lock is "mixed"), and the lock is free as the initial state has it -
                # a lock reading it reads the initial write.  (Done in main() it makes
                # no event at all.)
                inits_done.add(e)
                continue
            if op == SRCU_LOCK and k == G.READ:
                index[e] = len(events)
                if e.arg is None:
                    srcu_open.append(e)
                else:
                    down_lock[e.arg[1]] = index[e]      # srcu_down_read(): paired below
                events.append(_event(tid, "R", e.lid, frozenset({"Srcu-lock"})))
                continue
            if op == SRCU_UNLOCK and k == G.WRITE:
                index[e] = len(events)
                events.append(_event(tid, "W", e.lid, frozenset({"Srcu-unlock"})))
                if e.arg is not None:
                    # srcu_up_read() ends the srcu_down_read() section its index
                    # names, which may be another task's (kernel/srcu.py): the
                    # pair herd's carry-srcu-data finds through the index's
                    # passage in memory
                    down_unlock[e.arg[1]] = index[e]
                    continue
                # An unlock ends the section whose index it was given: the lock its
                # value depends on (C and litmus programs carry that dependency;
                # sections need not nest - paulmckrcu/litmus's C-srcu-nest-5), or
                # else the innermost open one.
                mine = e.deps[1] if e.deps is not None else ()
                pick = None
                for j in range(len(srcu_open) - 1, -1, -1):
                    if srcu_open[j].lid == e.lid:
                        if srcu_open[j] in mine:
                            pick = j
                            break
                        if pick is None:
                            pick = j
                if pick is not None:
                    data.add((index[srcu_open.pop(pick)], index[e]))
                continue
            if k == G.FENCE and e.val.__class__ is tuple and e.val[0] == SYNC_SRCU:
                index[e] = len(events)
                events.append(_event(tid, "F", e.val[1], frozenset({"Sync-srcu"})))
                continue
            if k == G.READ and (op in LOCK_TAKE or op in LOCK_TRY):
                # lock.cat's events: LKR/LKW for a taken lock, LF for a failed trylock
                taken = (e.idx + 1 < len(th) and th[e.idx + 1].rmw is True) or e in pending
                index[e] = len(events)
                events.append(_event(tid, "LKR" if taken else "LF", e.lid))
            elif k == G.WRITE and e.rmw is True and e.op in LOCK_TAKE | LOCK_TRY:
                index[e] = len(events)
                events.append(_event(tid, "LKW", e.lid))
            elif k == G.WRITE and op in LOCK_RELEASE:
                index[e] = len(events)
                events.append(_event(tid, "UL", e.lid))
            elif k == G.READ and op in LOCK_TEST:
                index[e] = len(events)
                v = None if e.rf is None else e.rf.val
                events.append(_event(tid, "RL" if v else "RU", e.lid))
            elif k == G.READ:
                index[e] = len(events)
                atomic = e.rmw is not None and not e.flags & G.AWAIT
                tags = _tags(e.flags)
                if atomic and op in NORETURN_OPS:
                    tags = _noreturn(tags)
                elif atomic and not tags and G.byte_range(e) is not None:
                    tags = PART_STORE
                events.append(_event(tid, "R", e.lid, tags, atomic))
            elif k == G.WRITE:
                index[e] = len(events)
                tags = _tags(e.flags)
                if not tags and e.rmw is True and G.byte_range(e) is not None:
                    tags = PART_STORE
                events.append(_event(tid, "W", e.lid, tags, e.rmw is True))
                if e.rmw is True:
                    rmw.add((index[th[e.idx - 1]], index[e]))
            elif k == G.FENCE:
                tag = FENCE_TAGS.get(e.val)
                if tag is not None:
                    index[e] = len(events)
                    events.append(_event(tid, "F", None, frozenset({tag})))
                    if tag == "Rcu-lock":
                        rcu_depth += 1
                    elif tag == "Rcu-unlock" and rcu_depth:
                        rcu_depth -= 1
                if e.val == "smp_acquire__after_ctrl_dep":
                    _acquire_controlling_load(th, e, index, events)
            elif k == G.FREE and e.oid is not None:
                # kfree(): a marked write of its own, so that detect.py can ask the LKMM
                # whether each access to the object is ordered before it
                index[e] = len(events)
                events.append(_event(tid, "W", ("free", e.oid, e.tid, e.idx), frozenset({"ONCE"})))
            elif k == G.SPAWN and e.arg in spawned:
                key = ("spawn", e.arg)
                index[e] = len(events)
                events.append(_event(tid, "W", key, frozenset({"RELEASE"})))
                spawn_w[key] = index[e]
            if e.deps is not None and e in index and (k <= G.WRITE or k == G.FREE):
                depend(e, index[e], k != G.READ)
            pw = pending.get(e) if pending else None
            if pw is not None and e in index:
                index[pw] = len(events)
                lock = op in LOCK_TAKE or op in LOCK_TRY
                events.append(_event(tid, "LKW" if lock else "W", e.lid,
                                         frozenset() if lock else _tags(e.flags), not lock))
                if not lock:
                    rmw.add((index[e], index[pw]))
                if e.deps is not None:
                    depend(e, index[pw], True)
        # A section still open where the task's events end (a bug stopped it, or it
        # waits) ends there at the earliest: close it right after them.  Without its
        # unlock the rcu axiom ignored it, so a reader that stopped at a WARN could
        # read what a grace period it overlaps freed or overwrote - a false alarm.
        # Every execution that goes on to the real unlock holds this one's events and
        # edges (the unlock only moves later), so a graph inconsistent here stays so.
        for _ in range(rcu_depth):
            events.append(_event(tid, "F", None, frozenset({"Rcu-unlock"})))
        for lk in srcu_open:
            if lk.arg is None:
                u = len(events)
                events.append(_event(tid, "W", lk.lid, frozenset({"Srcu-unlock"})))
                data.add((index[lk], u))
                late_unlocks.append((lk.lid, u))
    for sec, u in down_unlock.items():
        lk = down_lock.get(sec)
        if lk is not None:
            data.add((lk, u))
    co = {lid: [init[lid]] for lid in lids}
    for e, i in index.items():
        if e.__class__ is G.Event and e.kind == G.FREE:
            key = events[i].loc
            init[key] = len(events)
            events.append(_event(None, "W", key))
            co[key] = [init[key], i]
    for key, r_i in spawn_r.items():
        w = spawn_w.get(key)
        co[key] = [init[key]] + ([w] if w is not None else [])
        rf[r_i] = w if w is not None else init[key]
    for lid, lst in g.co.items():
        if lid in co:
            co[lid] += [index[w] for w in lst if w in index]
    for lid, u in late_unlocks:
        co[lid].append(u)           # last in coherence, as a run would add it
    for r, pw in pending.items():
        lst = co.get(r.lid)
        if lst is None or pw not in index:
            continue
        # immediately co-after the write the read half read (atomicity)
        at = 1 if r.rf is None else (lst.index(index[r.rf]) + 1 if r.rf in index else None)
        if at is not None:
            lst.insert(at, index[pw])
    for th in g.threads:
        for e in th:
            if e.kind == G.READ and e in index:
                w = e.rf
                rf[index[e]] = init[e.lid] if w is None or w in inits_done else index[w]
    key = (tuple(events), frozenset(rmw), frozenset(addr), frozenset(data), frozenset(ctrl))
    es = _STRUCTURES.get(key)
    if es is None:
        es = lkmm.EventStructure(*key)
        if len(_STRUCTURES) >= 256:
            _STRUCTURES.pop(next(iter(_STRUCTURES)))
        _STRUCTURES[key] = es
    return lkmm.Execution(es, rf, co), index


# Event structures already seen (their static relations - po, fences, tags,
# dependencies - are computed once, on first use): the graphs a revisit tries
# share their events and differ in rf and co.
_STRUCTURES = {}


def _acquire_controlling_load(th, fence, index, events):
    """smp_acquire__after_ctrl_dep() makes the load that controls the branch it
    sits in an acquire (a control dependency orders LOAD->STORE, the smp_rmb()
    LOAD->LOAD).  A Python model has no control dependencies to carry, so the
    load is the last marked read before the fence (refcount_dec_and_test's
    fetch-sub, for one): it gets the ACQUIRE that ctrl + rmb amount to."""
    for e in reversed(th[:fence.idx]):
        if e.kind == G.READ and e.flags & G.MARKED and e in index:
            i = index[e]
            ev = events[i]
            events[i] = _event(ev.tid, ev.kind, ev.loc, ev.tags | {"ACQUIRE"}, ev.atomic)
            return


def ghosts_coherent(g):
    """Coherence alone on the locations the LKMM does not see (runtime.LKMM_GHOSTS):
    each task sees each such location's writes in coherence order - a read reads
    what the task last wrote or read there or a later write, a write comes after
    them.  On one location that is all that acyclic(po-loc | rf | co | fr) asks."""
    if not LKMM_GHOSTS:
        return True
    pos = {}
    for lid, lst in g.co.items():
        if lid in LKMM_GHOSTS:
            for i, w in enumerate(lst):
                pos[w] = i
    for th in g.threads:
        seen = None
        for e in th:
            if e.kind > G.WRITE or e.lid not in LKMM_GHOSTS:
                continue
            if seen is None:
                seen = {}
            last = seen.get(e.lid, -1)
            if e.kind == G.READ:
                at = -1 if e.rf is None else pos.get(e.rf, -1)
                if at < last:
                    return False
            else:
                at = pos.get(e, -1)
                if at <= last:
                    return False
            seen[e.lid] = at
    return True


def check(g, flags=False, inits=None, ordered=()):
    """(lkmm.Verdict, execution, index): the full check (``flags``: herd's flags
    too; ``ordered``: (access, kfree) pairs of graph events, see ordered_before)."""
    x, index = to_execution(g, inits)
    q = [(index[a], index[f]) for a, f in ordered if a in index and f in index]
    if not ghosts_coherent(g):
        return lkmm.Verdict(False, "coherence"), x, index
    v = lkmm.check(x, flags, q)
    if ordered and v.consistent:
        it = iter(v.ordered)
        answers = tuple(next(it) if a in index and f in index else False for a, f in ordered)
        v = lkmm.Verdict(v.consistent, v.axiom, v.flags, v.races, answers)
    return v, x, index


def ordered_before(g, pairs, inits=None):
    """For each (access, kfree event) of ``g``: does the LKMM order the access
    before the free (lkmm.check's ``ordered``)?  None if ``g`` is inconsistent."""
    v, _, _ = check(g, False, inits, pairs)
    return list(v.ordered) if v.consistent else None


def sc_shortcut(g, inits=None) -> bool:
    """Is ``g`` a sequentially consistent execution?  Then the LKMM allows it too:
    every SC execution is an LKMM execution (checked against the LKMM itself by
    tests/test_lkmm_oracle.py), and an O(events) check spares the relation
    algebra, cubic in the events, for the executions only the LKMM allows."""
    if inits and pending_writes(g, inits):
        return False
    from . import sc
    if not sc.consistent(g):
        return False
    from . import rcu_gp
    gps = rcu_gp.lkmm_grace_periods(g)
    if gps and rcu_gp.sections(g):
        # An SC execution whose grace period falls inside a read-side section it
        # must wait for is not an execution at all: RCU forbids it, and so does the
        # LKMM.  The waits that make a synchronize_rcu() read the readers' flags
        # cover only the tasks main() spawned, and a callback's grace period has no
        # waits: without this an SC-consistent graph whose callback freed what a
        # reader was still using passed as an LKMM execution (a false alarm).
        return rcu_gp.RcuOrder(g, gps=gps).ok
    return True


def consistent(g, inits=None) -> bool:
    if sc_shortcut(g, inits):
        return True
    v, _, _ = check(g, flags=False, inits=inits)
    return v.consistent


def may_race(g, known=None) -> bool:
    """Could the LKMM flag a data race in ``g``?  Only where a plain access meets
    a conflicting access of another task to the same location.  ``known``: the
    (location, op, op) pairs already reported - a run whose every candidate pair
    is among them cannot add a warning."""
    by_lid = {}
    for th in g.threads:
        for e in th:
            if (e.kind == G.READ or e.kind == G.WRITE) and not e.flags & G.NORACE:
                by_lid.setdefault(e.lid, []).append(e)
    for lid, accs in by_lid.items():
        if all(e.flags & G.MARKED for e in accs) or len({e.tid for e in accs}) < 2:
            continue
        for i, a in enumerate(accs):
            for b in accs[i + 1:]:
                if a.tid == b.tid or (a.kind == G.READ and b.kind == G.READ):
                    continue
                if a.flags & G.MARKED and b.flags & G.MARKED:
                    continue
                if G.disjoint_bytes(a, b):
                    continue      # different bytes of a word: different C locations
                if G.contains(b.hb, a) or G.contains(a.hb, b):
                    continue      # release -> acquire orders them: post-/pre-bounded, no race
                if known is None or (lid, a.op, b.op) not in known and (lid, b.op, a.op) not in known:
                    return True
    return False


def data_races(g, checked=None):
    """Pairs of graph events that the LKMM flags as a data race (``checked``:
    what ``check(g, flags=True)`` already returned)."""
    v, x, index = checked if checked is not None else check(g, flags=True)
    back = {i: e for e, i in index.items()}
    # a pair with an access inside data_race() is not reported (as KCSAN ignores it)
    return [(back[a], back[b]) for a, b in v.races if a in back and b in back
            and not (back[a].flags | back[b].flags) & G.NORACE
            and not G.disjoint_bytes(back[a], back[b])]
