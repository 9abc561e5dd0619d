"""Consistency of an execution graph under the Linux-kernel memory model.

This module is the LKMM as herd7 runs it from Linux ``tools/memory-model``
(Linux v6.15+, the "lkmmv2" tags): ``linux-kernel.bell``, ``linux-kernel.cat``
and ``lock.cat``, evaluated directly in Python over one candidate execution.
It knows nothing about C or litmus files; ``kcheck.litmus`` and the
exploration engine both build the graph below and ask :func:`check`.

The graph, in herd's words
--------------------------
* :class:`Event` -- one event.  ``tid`` is its thread (``None`` for the
  initial write of a location, herd's ``IW``).  ``kind`` is one of

  ``R`` / ``W``  memory read / write (plain when ``tags`` has no annotation),
  ``F``          fence (``smp_mb()``, ``rcu_read_lock()``, ...; a
                 ``synchronize_srcu()`` is an ``F`` with ``loc`` set),
  ``LKR``/``LKW`` read and write of ``spin_lock()`` or a successful
                 ``spin_trylock()``, always po-adjacent,
  ``UL``         ``spin_unlock()``,
  ``LF``         failed ``spin_trylock()``,
  ``RL``/``RU``  ``spin_is_locked()`` returning true / false.

  ``tags`` holds herd's annotation sets, spelled as herd names them:
  ``ONCE RELEASE ACQUIRE MB NORETURN`` on accesses (an RMW's read and write
  both carry the instruction's annotation; the bell strips what does not
  apply), ``MB Rmb Wmb Barrier Before-atomic After-atomic After-spinlock
  After-unlock-lock After-srcu-read-unlock Rcu-lock Rcu-unlock Sync-rcu``
  on fences, ``Srcu-lock`` (a read), ``Srcu-unlock`` (a write) and
  ``Sync-srcu`` (a fence with a location).  ``atomic`` says the access was
  issued by an RMW instruction (herd's ``RMW`` set), whether or not the RMW
  succeeded: a failed ``cmpxchg()`` is an atomic read with no ``rmw`` partner,
  which is how the bell recognises ``FailedRMW`` and drops its ``Mb``.
* :class:`EventStructure` -- the events of one choice of control paths.
  Events of one thread appear in program order; ``rmw`` pairs the read and
  write of each successful RMW (not the lock pairs: lock.cat derives those);
  ``addr``, ``data``, ``ctrl`` are herd's dependencies *through registers*
  only -- the bell extends them through plain memory (``carry-dep``) itself.
* :class:`Execution` -- an event structure plus ``rf`` (every read-like event
  -> the write it reads; lock events included) and ``co`` (per location, the
  writes in coherence order, initial write first).

lock.cat generates the rf/co of lock events instead of choosing them freely.
A graph built for :func:`check` must follow the same rules (they are checked,
as the pseudo-axiom ``lock-rf``):

* every ``LKW`` is in ``co``; each ``UL`` matching an ``LKW`` (the next
  ``UL`` after it on that lock in po) comes immediately after it; an ``LKW``
  never unlocked is last; unmatched ``UL`` events are left out of ``co``;
* an ``LKR`` reads from the co-predecessor of its ``LKW`` (an ``UL`` or the
  initial write);
* an ``LF``/``RL`` inside its thread's own critical section reads from that
  section's ``LKW``, otherwise from an ``LKW`` of another thread;
* an ``RU`` reads from its thread's last po-earlier ``UL`` of that lock, or
  from an ``UL`` of another thread, or from the initial write.

:func:`check` returns a :class:`Verdict`: whether the execution is allowed,
the first violated axiom (herd's names: ``lock-nest``, ``nested-is-locked``,
``unmatched-locks``, ``coherence``, ``atomic``, ``happens-before``,
``propagation``, ``rcu``, ``plain-coherence``), the flags herd would raise
(``data-race``, ``mixed-accesses``, ...) and the racing pairs.

Relations are lists of int bitmasks (row ``i`` = successors of event ``i``);
the relations that do not depend on rf/co are computed once per event
structure and cached on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Hashable, Mapping, Sequence

__all__ = [
    "Event",
    "EventStructure",
    "Execution",
    "Verdict",
    "check",
    "check_whole",
    "lkmm_consistent",
    "lkmm_data_races",
    "AXIOMS",
]

#: The axioms in the order herd evaluates them (the first failing one is reported).
AXIOMS = (
    "lock-nest",
    "nested-is-locked",
    "unmatched-locks",
    "lock-rf",
    "coherence",
    "atomic",
    "happens-before",
    "propagation",
    "rcu",
    "plain-coherence",
)

READ_KINDS = frozenset({"R", "LKR", "LF", "RL", "RU"})
WRITE_KINDS = frozenset({"W", "LKW", "UL"})


@dataclass(frozen=True)
class Event:
    """One event; see the module docstring for ``kind`` and ``tags``."""

    tid: int | None
    kind: str
    loc: Hashable = None
    tags: frozenset = frozenset()
    atomic: bool = False

    @property
    def is_init(self) -> bool:
        return self.tid is None


@dataclass(frozen=True, eq=False)
class EventStructure:
    """Events of one control-path choice, with rmw pairs and dependencies.

    Index pairs ``(i, j)`` refer to positions in ``events``.  Derived
    relations that do not depend on rf/co are cached on the instance.
    """

    events: tuple[Event, ...]
    rmw: frozenset = frozenset()
    addr: frozenset = frozenset()
    data: frozenset = frozenset()
    ctrl: frozenset = frozenset()

    @cached_property
    def static(self) -> "_Static":
        return _Static(self)


@dataclass(eq=False)
class Execution:
    """A candidate execution: the event structure, rf, co and (optionally)
    the value each access reads or writes, used only by the
    ``srcu-bad-value-match`` flag."""

    es: EventStructure
    rf: Mapping[int, int]
    co: Mapping[Hashable, Sequence[int]]
    values: Mapping[int, object] | None = None


@dataclass(frozen=True)
class Verdict:
    consistent: bool
    axiom: str | None = None
    flags: frozenset = frozenset()
    races: tuple = ()
    ordered: tuple = ()     # answers to check(..., ordered=pairs), in order


def check(x: Execution, flags: bool = True, ordered=()) -> Verdict:
    """Evaluate the LKMM on one execution (flags only if it is consistent).

    ``ordered``: pairs ``(a, w)`` of event indices, ``w`` a marked write; for a
    consistent execution the verdict says, for each, whether the LKMM orders
    ``a`` before ``w`` the way it orders a race-free access before a conflicting
    write: a fence between them, or ``a`` post-bounded, then executes-before
    (``xb* = (hb | pb | rb)*``), then ``w`` pre-bounded.  kcheck asks it of
    every access to an object and the object's kfree(): not ordered is a
    use-after-free."""
    if not flags and not ordered:
        sub = _cycle_support(x)
        if sub is not None:
            return _reduced_verdict(x, sub)
    return _Dynamic(x).verdict(flags, tuple(ordered))


def check_whole(x: Execution, flags: bool = True, ordered=()) -> Verdict:
    """:func:`check` on every event, never on the cycles' support alone (the
    oracle the reduction is tested against)."""
    return _Dynamic(x).verdict(flags, tuple(ordered))


def lkmm_consistent(x: Execution) -> tuple[bool, str | None]:
    """``(True, None)`` or ``(False, first violated axiom)``."""
    v = _Dynamic(x).verdict(False)
    return v.consistent, v.axiom


def lkmm_data_races(x: Execution) -> list[tuple[int, int]]:
    """The event pairs of the ``data-race`` flag (empty if inconsistent)."""
    return list(_Dynamic(x).verdict(True).races)


# ---------------------------------------------------------------------------
# Consistency on the events that can lie on a cycle.
#
# Every relation an axiom asks to be acyclic or irreflexive (coherence, hb, pb,
# rb, the plain-coherence pairs) is built from po, rf, co and fr by union,
# sequence, closure, intersection with per-event sets and per-pair ones (int,
# ext, loc), and from RCU's read-side sections, whose rcu-rscsi steps back
# from an unlock to its lock.  So a violation is a cycle of H = po | rf | co |
# fr, or - for rb, which needs a grace period - a cycle of H' = H | rcu-rscsi
# through a grace period.  Such a cycle lies in one strongly connected
# component, and every event on an H-path between two events of a component
# is in it: the edges of a derived relation between two events of a
# component are the same whether computed on the whole execution or on the
# component.  The set differences in the definitions are between relations
# witnessed by such paths too (critical sections, rfi-lf), apart from
# FailedRMW and the lock pairing, which look at an event's partner: the
# support below keeps partners together.  So the axioms hold on the whole
# execution iff they hold on its support: the events of non-trivial H
# components, of H' components holding a grace period and every access to a
# lock's word, with each read's rf source, each RMW's other half and each
# read-side section's other end, to a fixpoint.  The atomic axiom is not a
# cycle (an RMW's read, a foreign write between, its write): it is checked
# on the whole execution.
# On the TDP MMU's three-task executions the support is a sixth of the events.
# SRCU sections are matched through data dependencies and rf: executions
# with SRCU events are checked whole.

_LOCK_KINDS = frozenset({"LKR", "LKW", "UL", "LF", "RL", "RU"})
_SRCU_TAGS = frozenset({"Srcu-lock", "Srcu-unlock", "Sync-srcu"})


def _components(succ, n):
    """Strongly connected components with more than one event (Tarjan's
    algorithm, iterative): a list of index lists."""
    index = [-1] * n
    low = [0] * n
    on = [False] * n
    stack = []
    out = []
    counter = 0
    for root in range(n):
        if index[root] >= 0 or not succ[root]:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on[root] = True
        work = [(root, iter(succ[root]))]
        while work:
            v, it = work[-1]
            for w in it:
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on[w] = True
                    work.append((w, iter(succ[w])))
                    break
                if on[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                work.pop()
                lv = low[v]
                if work:
                    u = work[-1][0]
                    if lv < low[u]:
                        low[u] = lv
                if lv == index[v]:
                    w = stack.pop()
                    on[w] = False
                    if w != v:
                        comp = [w]
                        while w != v:
                            w = stack.pop()
                            on[w] = False
                            comp.append(w)
                        out.append(comp)
    return out


def _cycle_support(x: Execution, always: bool = False):
    """The sorted event indices a consistency check needs (see above), or None
    when the whole execution must be checked: SRCU, or (unless ``always``) an
    execution too small, or a support too large, for the reduction to pay."""
    ev = x.es.events
    n = len(ev)
    if n < 48 and not always:
        return None
    succ = [[] for _ in range(n)]
    last = {}
    locks = []
    syncs = False
    rcu_lock = False
    for i, e in enumerate(ev):
        t = e.tid
        if t is not None:
            j = last.get(t)
            if j is not None:
                succ[j].append(i)
            last[t] = i
        if e.kind in _LOCK_KINDS:
            locks.append(i)
        tags = e.tags
        if tags:
            if not tags.isdisjoint(_SRCU_TAGS):
                return None
            if "Sync-rcu" in tags:
                syncs = True
            elif "Rcu-lock" in tags:
                rcu_lock = True
    rf = x.rf
    nxt_co = {}
    for order in x.co.values():
        for k in range(len(order) - 1):
            succ[order[k]].append(order[k + 1])
            nxt_co[order[k]] = order[k + 1]
    for r, w in rf.items():
        succ[w].append(r)
        f = nxt_co.get(w)            # fr: to the write co-after the one read
        if f is not None:
            succ[r].append(f)
    keep = set()
    for comp in _components(succ, n):
        keep.update(comp)
    pairs = {}                        # read-side lock <-> unlock, per thread
    if rcu_lock:
        open_ = {}
        for i, e in enumerate(ev):
            if "Rcu-lock" in e.tags:
                open_.setdefault(e.tid, []).append(i)
            elif "Rcu-unlock" in e.tags and open_.get(e.tid):
                j = open_[e.tid].pop()
                pairs[i] = j
                pairs[j] = i
        if syncs and pairs:
            for u, l in pairs.items():
                if u > l:
                    succ[u].append(l)  # rcu-rscsi
            for comp in _components(succ, n):
                if any("Sync-rcu" in ev[i].tags for i in comp):
                    keep.update(comp)
    if locks:
        # every access to a lock's word: lock-rf asks for the write a lock reads
        # to come immediately before its LKW in co, which a store to the word
        # between them (a mixed access) breaks
        lock_locs = {ev[i].loc for i in locks}
        keep.update(i for i, e in enumerate(ev) if e.loc in lock_locs)
    rmw = {}
    for r, w in x.es.rmw:
        rmw[r] = w
        rmw[w] = r
    todo = list(keep)
    while todo:
        i = todo.pop()
        for j in (rf.get(i), rmw.get(i), pairs.get(i)):
            if j is not None and j not in keep:
                keep.add(j)
                todo.append(j)
    if 4 * len(keep) > 3 * n and not always:
        return None
    return sorted(keep)


def _atomic_whole(x: Execution) -> bool:
    """empty rmw & (fre ; coe) on the whole execution: no write of another
    thread between what an RMW's read reads and the RMW's write in co."""
    ev = x.es.events
    pos = {}
    for order in x.co.values():
        for k, w in enumerate(order):
            pos[w] = k
    for r, w in x.es.rmw:
        src = x.rf.get(r)
        if src is None or w not in pos or src not in pos:
            continue
        order = x.co[ev[w].loc]
        t = ev[r].tid
        for k in range(pos[src] + 1, pos[w]):
            if ev[order[k]].tid != t:
                return False
    return True


# The supports an exploration meets repeat (the same few events around one
# racy read, in execution after execution): their static relations are kept,
# and the verdict of each support with its rf and co (a support's key holds
# its event structure, kept alive here, so both are emptied together).
_SUPPORTS: dict = {}
_VERDICTS: dict = {}


def _reduced_verdict(x: Execution, keep) -> Verdict:
    """The consistency verdict from the support ``keep`` (sorted indices)."""
    es = x.es
    new = {old: k for k, old in enumerate(keep)}

    def pairs(ps):
        return frozenset((new[a], new[b]) for a, b in ps if a in new and b in new)

    key = (tuple(es.events[i] for i in keep), pairs(es.rmw), pairs(es.addr), pairs(es.data),
           pairs(es.ctrl))
    sub_es = _SUPPORTS.get(key)
    if sub_es is None:
        if len(_SUPPORTS) >= 4096:
            _SUPPORTS.clear()
            _VERDICTS.clear()
        sub_es = _SUPPORTS[key] = EventStructure(*key)
    rf = {new[r]: new[w] for r, w in x.rf.items() if r in new}
    co = {}
    for loc, order in x.co.items():
        kept = [new[w] for w in order if w in new]
        if kept:
            co[loc] = kept
    seen = (sub_es, tuple(sorted(rf.items())), tuple(map(tuple, co.values())))
    v = _VERDICTS.get(seen)
    if v is None:
        if len(_VERDICTS) >= 16384:
            _VERDICTS.clear()
        v = _VERDICTS[seen] = _Dynamic(Execution(sub_es, rf, co)).verdict(False)
    if v.consistent or AXIOMS.index(v.axiom) > AXIOMS.index("atomic"):
        if not _atomic_whole(x):
            return Verdict(False, "atomic")
    return v


# ---------------------------------------------------------------------------
# Relation algebra on bitmask rows.  n is small (tens of events), so a row per
# event and Python ints as bitsets beat anything fancier.


def _bits(m: int):
    while m:
        low = m & -m
        yield low.bit_length() - 1
        m ^= low


def _seq(a, b):
    """a ; b.  Only the bits of ``a`` that lead to a non-empty row of ``b``
    are followed.  Sparse rows iterate their bits; when ``a`` is dense (po,
    hb*), rows are OR-ed a chunk at a time from lazily filled tables of ``b``
    (the "four Russians" trick), 24 bits at a time."""
    n = len(b)
    dom = 0
    for i, row in enumerate(b):
        if row:
            dom |= 1 << i
    if not dom:
        return [0] * len(a)
    total = 0
    for row in a:
        total += (row & dom).bit_count()
    if n >= 64 and total > 6 * n:
        return _seq_tables(a, b, n, dom)
    out = []
    for row in a:
        acc = 0
        row &= dom
        while row:
            low = row & -row
            acc |= b[low.bit_length() - 1]
            row ^= low
        out.append(acc)
    return out


def _seq_tables(a, b, n, dom=-1, width=24):
    # per-chunk tables filled lazily: structured relations (po, hb*) use few
    # distinct chunks per column block, so most of a table is never needed
    # (24-bit chunks: measured fastest on the TDP MMU's 250-300-event graphs)
    mask = (1 << width) - 1
    tables = [{0: 0} for _ in range(0, n, width)]
    out = []
    for row in a:
        acc = 0
        k = 0
        row &= dom
        while row:
            chunk = row & mask
            if chunk:
                t = tables[k]
                v = t.get(chunk)
                if v is None:
                    v = 0
                    base = k * width
                    x = chunk
                    while x:
                        low = x & -x
                        v |= b[base + low.bit_length() - 1]
                        x ^= low
                    t[chunk] = v
                acc |= v
            row >>= width
            k += 1
        out.append(acc)
    return out


def _union(a, b, *more):
    out = [x | y for x, y in zip(a, b)]
    for c in more:
        out = [x | y for x, y in zip(out, c)]
    return out


def _or_all(rows):
    acc = 0
    for r in rows:
        acc |= r
    return acc


def _inter(a, b):
    return [x & y for x, y in zip(a, b)]


def _diff(a, b):
    return [x & ~y for x, y in zip(a, b)]


def _restrict(rel, dom, rng):
    """[dom] ; rel ; [rng]"""
    if dom < 0 or dom == _ALL_OF[len(rel)]:
        return [r & rng for r in rel]
    out = [0] * len(rel)
    m = dom
    while m:
        low = m & -m
        i = low.bit_length() - 1
        if i >= len(rel):
            break
        out[i] = rel[i] & rng
        m ^= low
    return out


class _AllOf(dict):
    """n -> the mask of events 0..n-1 (``full`` of an n-event structure)."""

    def __missing__(self, n):
        v = self[n] = (1 << n) - 1
        return v


_ALL_OF = _AllOf()


def _ident(mask, n):
    return [(1 << i) if (mask >> i) & 1 else 0 for i in range(n)]


def _inverse(rel, n):
    out = [0] * n
    for i, row in enumerate(rel):
        b = 1 << i
        for j in _bits(row):
            out[j] |= b
    return out


def _plus(rel):
    """Transitive closure.  Acyclic relations (the common case: hb, cumul-fence,
    ...) are closed in one pass, sinks first; cyclic ones fall back to Warshall."""
    r = _closure_acyclic(rel)
    return _warshall(rel) if r is None else r


def _closure_acyclic(rel):
    """rel+ if rel is acyclic, else None."""
    order = _sinks_first(rel)
    if order is None:
        return None
    r = list(rel)
    for i in order:
        todo = acc = r[i]
        while todo:
            # lowest first: in po-built relations an earlier successor's closed row
            # often holds the later ones, which are then skipped
            low = todo & -todo
            rj = r[low.bit_length() - 1]
            acc |= rj
            todo &= ~rj
            todo ^= low
        r[i] = acc
    return r


def _sinks_first(rel):
    """Events with successors, each after all its successors; None on a cycle.

    Peels events whose successors are all gone; scanning from the highest
    index down removes a whole po chain in one pass.
    """
    alive = 0
    for i, row in enumerate(rel):
        if row:
            alive |= 1 << i
    order = []
    while alive:
        before = alive
        m = alive
        while m:
            i = m.bit_length() - 1
            b = 1 << i
            m ^= b
            if not (rel[i] & alive):
                alive ^= b
                order.append(i)
        if alive == before:
            return None
    return order


def _warshall(rel):
    r = list(rel)
    n = len(r)
    for k in range(n):
        rk = r[k]
        if not rk:
            continue
        bk = 1 << k
        for i in range(n):
            if r[i] & bk:
                r[i] |= rk
    return r


def _star(rel):
    return [row | (1 << i) for i, row in enumerate(_plus(rel))]


def _opt(rel):
    """rel? (reflexive closure)"""
    return [row | (1 << i) for i, row in enumerate(rel)]


def _acyclic(rel) -> bool:
    return _sinks_first(rel) is not None


def _irreflexive(rel) -> bool:
    return not any((row >> i) & 1 for i, row in enumerate(rel))


def _empty(rel) -> bool:
    return not any(rel)


def _domain(rel) -> int:
    m = 0
    for i, row in enumerate(rel):
        if row:
            m |= 1 << i
    return m


def _range(rel) -> int:
    return _or_all(rel)


def _any_reversed(a, b, c):
    """Is ``a & b & c^-1`` non-empty (some (i, j) in a and b with (j, i) in c)?"""
    for i, row in enumerate(a):
        m = row & b[i]
        bit = 1 << i
        while m:
            low = m & -m
            if c[low.bit_length() - 1] & bit:
                return True
            m ^= low
    return False


def _drop_reversed(a, c):
    """``a \\ c^-1``: the pairs (i, j) of ``a`` whose (j, i) is not in ``c``."""
    out = []
    for i, row in enumerate(a):
        bit = 1 << i
        m = row
        while m:
            low = m & -m
            if c[low.bit_length() - 1] & bit:
                row &= ~low
            m ^= low
        out.append(row)
    return out


def _pairs(rel):
    return [(i, j) for i, row in enumerate(rel) for j in _bits(row)]


# ---------------------------------------------------------------------------
# What does not depend on rf/co.


class _Static:
    """Sets and relations fixed by the event structure (po, tags, fences, deps)."""

    def __init__(self, es: EventStructure):
        ev = es.events
        self.n = n = len(ev)
        self.events = ev
        full = (1 << n) - 1
        self.full = full

        def mask(pred):
            m = 0
            for i, e in enumerate(ev):
                if pred(e):
                    m |= 1 << i
            return m

        def tag(name):
            return mask(lambda e: name in e.tags)

        self.tag = tag
        kind = lambda k: mask(lambda e: e.kind == k)  # noqa: E731
        IW = mask(lambda e: e.tid is None)
        R0, W0 = kind("R"), kind("W")  # herd's own R and W (bell view)
        LKR, LKW, UL = kind("LKR"), kind("LKW"), kind("UL")
        RL, RU = kind("RL"), kind("RU")
        LF = kind("LF") | RL  # lock.cat: "treat RL as a kind of LF"
        self.IW, self.R0, self.W0 = IW, R0, W0
        self.LKR, self.LKW, self.UL, self.LF, self.RL, self.RU = LKR, LKW, UL, LF, RL, RU
        self.R = R = R0 | LKR | LF | RU
        self.W = W = W0 | LKW | UL
        self.M = M = R | W
        M0 = R0 | W0

        # Thread, program order, locations.
        tids = [e.tid for e in ev]
        self.tids = tids
        thread_mask: dict = {}
        for i, t in enumerate(tids):
            thread_mask[t] = thread_mask.get(t, 0) | (1 << i)
        po = [0] * n
        for i, t in enumerate(tids):
            if t is not None:
                po[i] = thread_mask[t] & ~((2 << i) - 1)
        self.po = po
        self.int_ = [thread_mask[t] for t in tids]  # IW share the "init thread"
        self.ext = [full & ~m for m in self.int_]
        loc_mask: dict = {}
        for i, e in enumerate(ev):
            if e.loc is not None:
                loc_mask[e.loc] = loc_mask.get(e.loc, 0) | (1 << i)
        self.loc_mask = loc_mask
        self.loc = [loc_mask[e.loc] if e.loc is not None else 0 for e in ev]
        self.po_loc = _inter(po, self.loc)

        # The bell: semantic tags from syntactic annotations.
        RMW = mask(lambda e: e.atomic)
        rmw0 = [0] * n
        for r, w in es.rmw:
            rmw0[r] |= 1 << w
        self.rmw0 = rmw0
        FailedRMW = RMW & ~(_domain(rmw0) | _range(rmw0))
        self.RMW = RMW
        self.Acquire = (tag("ACQUIRE") & ~W0 & ~FailedRMW) | LKR
        self.Release = (tag("RELEASE") & ~R0 & ~FailedRMW) | UL
        self.Mb = tag("MB") & ~FailedRMW
        self.Noreturn = tag("NORETURN") & ~W0
        self.SrcuLock, self.SrcuUnlock = tag("Srcu-lock"), tag("Srcu-unlock")
        self.SyncSrcu, self.SyncRcu = tag("Sync-srcu"), tag("Sync-rcu")
        self.Marked = ((full & ~M0) | IW | tag("ONCE") | tag("RELEASE") | tag("ACQUIRE")
                       | tag("MB") | (RMW & ~tag("Plain-part")) | LKR | LKW | UL | LF | RL | RU
                       | self.SrcuLock | self.SrcuUnlock)
        self.Plain = M0 & ~self.Marked

        # lock.cat: lock-RMW pairs, critical sections.
        lk_rmw = [0] * n
        for i in _bits(LKR):
            nxt = po[i] & -po[i]
            if nxt & LKW & self.loc[i]:
                lk_rmw[i] = nxt
        self.rmw = _union(rmw0, lk_rmw)
        self.lk_rmw = lk_rmw
        ul_between = _seq(_restrict(self.po_loc, full, UL), self.po_loc)  # po-loc;[UL];po-loc
        lkw_ul_lkw = _seq(_restrict(self.po_loc, full, LKW | UL), self.po_loc)
        self.critical = _diff(_restrict(self.po_loc, LKW, UL), lkw_ul_lkw)
        self.unmatched_lkw = LKW & ~_domain(self.critical)
        self.rfi_lf = _diff(_restrict(self.po_loc, LKW, LF),
                            _seq(_restrict(self.po_loc, LKW, UL), self.po_loc))
        self.rfi_lf_inv = _inverse(self.rfi_lf, n)
        self.critical_inv = _inverse(self.critical, n)
        self.po_loc_inv = _inverse(self.po_loc, n)
        self.lock_axiom = None
        if not _empty(_diff(_restrict(self.po_loc, LKW, LKR), ul_between)):
            self.lock_axiom = "lock-nest"
        elif not _empty(_diff(_restrict(self.po_loc, LKW, RU), ul_between)):
            self.lock_axiom = "nested-is-locked"
        else:
            um = self.unmatched_lkw
            if any(self.loc[i] & um & ~(1 << i) for i in _bits(um)):
                self.lock_axiom = "unmatched-locks"

        # Dependencies as herd builds them (through registers only).
        def rel(pairs):
            r = [0] * n
            for a, b in pairs:
                r[a] |= 1 << b
            return r

        self.addr0, self.data0, self.ctrl0 = rel(es.addr), rel(es.data), rel(es.ctrl)
        self.data0_to_carry = _restrict(self.data0, full, full & ~self.SrcuUnlock)

        # Fences.
        fencerel = self.fencerel
        po_opt = _opt(po)
        self.po_opt = po_opt
        self.acq_po = _restrict(po, self.Acquire, M)
        self.po_rel = _restrict(po, M, self.Release)
        R4rmb = R & ~self.Noreturn
        self.R4rmb = R4rmb
        self.rmb = _restrict(fencerel(tag("Rmb")), R4rmb, R4rmb)
        self.wmb = _restrict(fencerel(tag("Wmb")), W, W)
        mb = _union(
            _restrict(fencerel(self.Mb), M, M),
            _restrict(po, M, self.Mb & R),
            _restrict(po, self.Mb & W, M),
            _restrict(_seq(_restrict(fencerel(tag("Before-atomic")), M, RMW), po_opt), full, M),
            _restrict(_seq(_restrict(po_opt, M, RMW), fencerel(tag("After-atomic"))), full, M),
            _restrict(_seq(_restrict(po_opt, M, LKW), fencerel(tag("After-spinlock"))), full, M),
            _restrict(_seq(_restrict(po_opt, M, self.SrcuUnlock),
                           fencerel(tag("After-srcu-read-unlock"))), full, M),
        )
        self.mb_static = mb
        self.after_unlock_lock_po = _restrict(po, tag("After-unlock-lock"), M)
        self.gp = _seq(_restrict(po, full, self.SyncRcu | self.SyncSrcu), po_opt)
        self.has_ul = bool(UL)
        # Without read-side critical sections rcu-order is just the grace
        # periods, so rcu-fence = gp, rb is inside pb+ and the rcu axiom,
        # fence and strong-fence gain nothing: skip the fixpoint.
        self.has_rscs = bool((self.SyncRcu | self.SyncSrcu)
                             and (tag("Rcu-lock") | self.SrcuLock))
        self.has_plain = bool(self.Plain)

        # RCU read-side critical sections: nested lock/unlock matched per thread.
        rscs = [0] * n
        for t, m in thread_mask.items():
            if t is None:
                continue
            stack = []
            for i in _bits(m):
                if "Rcu-lock" in ev[i].tags:
                    stack.append(i)
                elif "Rcu-unlock" in ev[i].tags and stack:
                    rscs[stack.pop()] |= 1 << i
        self.rcu_rscs = rscs
        self.rcu_rscsi = _inverse(rscs, n)

        # Static flags.
        flags = set()
        barrier = _union(
            fencerel(tag("Barrier") | tag("Rmb") | tag("Wmb") | self.Mb | self.SyncRcu
                     | self.SyncSrcu | tag("Before-atomic") | tag("After-atomic")
                     | self.Acquire | self.Release | tag("Rcu-lock") | tag("Rcu-unlock")
                     | self.SrcuLock | self.SrcuUnlock),
            _restrict(po, full, self.Release), _restrict(po, self.Acquire, full))
        pl_b = _diff(self.po_loc, barrier)
        if not _empty(_union(_restrict(pl_b, self.Plain & W, self.Marked),
                             _restrict(pl_b, self.Marked, self.Plain & W))):
            flags.add("mixed-accesses")
        if tag("Rcu-lock") & ~_domain(rscs):
            flags.add("unmatched-rcu-lock")
        if tag("Rcu-unlock") & ~_range(rscs):
            flags.add("unmatched-rcu-unlock")
        if not _empty(_inter(rscs, _seq(_restrict(po, full, self.SyncSrcu), po))):
            flags.add("invalid-sleep")
        all_locks = LKR | LKW | UL | LF | RU | self.SrcuLock | self.SrcuUnlock | self.SyncSrcu
        if any(self.loc[i] & all_locks for i in _bits(M & ~IW & ~all_locks)):
            flags.add("mixed-lock-accesses")
        if LKW & ~_range(lk_rmw):
            flags.add("unpaired-LKW")
        if LKR & ~_domain(lk_rmw):
            flags.add("unpaired-LKR")
        if UL & ~_range(self.critical):
            flags.add("unmatched-unlock")
        self.flags = frozenset(flags)

    def fencerel(self, s):
        """po ; [s] ; po"""
        po = self.po
        out = []
        for row in po:
            acc = 0
            m = row & s
            while m:
                low = m & -m
                acc |= po[low.bit_length() - 1]
                m ^= low
            out.append(acc)
        return out


# ---------------------------------------------------------------------------
# What depends on rf and co: one execution.


class _Dynamic:
    def __init__(self, x: Execution):
        self.x = x
        self.s = x.es.static

    def verdict(self, want_flags: bool, ordered=()) -> Verdict:
        s = self.s
        if s.lock_axiom:
            return Verdict(False, s.lock_axiom)
        n, full = s.n, s.full
        x = self.x
        rf = [0] * n
        for r, w in x.rf.items():
            rf[w] |= 1 << r
        co = [0] * n
        for order in x.co.values():
            later = 0
            for w in reversed(order):
                co[w] = later
                later |= 1 << w
        if not self._lock_rf_ok(rf, co):
            return Verdict(False, "lock-rf")
        rf_inv = _inverse(rf, n)
        fr = _seq(rf_inv, co)
        ext, int_ = s.ext, s.int_

        # coherence: acyclic po-loc | rf | co | fr
        if not _acyclic(_union(s.po_loc, rf, co, fr)):
            return Verdict(False, "coherence")
        # An initial write has no edge into it in any relation (nothing is po-, co-
        # or fr-before it), so it lies on no cycle and relays no path between other
        # events; no check asks for a pair starting at it.  Its rf and co rows have
        # done their work (fr, lock-rf): dropping them keeps every relation built
        # from them free of rows that nothing reads.
        iw = s.IW
        if iw:
            rf = [0 if (iw >> i) & 1 else row for i, row in enumerate(rf)]
            co = [0 if (iw >> i) & 1 else row for i, row in enumerate(co)]
        rfe, rfi = _inter(rf, ext), _inter(rf, int_)
        coe, fre = _inter(co, ext), _inter(fr, ext)
        # atomic: empty rmw & (fre ; coe)
        if not _empty(_inter(s.rmw, _seq(fre, coe))):
            return Verdict(False, "atomic")

        # po-unlock-lock-po = po ; [UL] ; (po|rf) ; [LKR] ; po
        if s.has_ul:
            ul_to_lkr = _restrict(_union(s.po, rf), s.UL, s.LKR)
            pulp = _seq(_seq(_restrict(s.po, full, s.UL), ul_to_lkr), s.po)
            mb = _union(s.mb_static,
                        _restrict(_seq(pulp, s.after_unlock_lock_po), s.M, full))
        else:
            pulp = [0] * n
            mb = s.mb_static
        strong_fence = _union(mb, s.gp)
        nonrw_fence = _union(strong_fence, s.po_rel, s.acq_po)
        fence = _union(nonrw_fence, s.wmb, s.rmb)

        # bell: dependencies carried through plain memory (data ; rfi)*
        rf0 = _restrict(rf, s.W0, s.R0)  # herd's own rf, before lock.cat
        rfi0 = _inter(rf0, int_)
        carry = _seq(s.data0_to_carry, rfi0)
        if _empty(carry):
            addr, data, ctrl = s.addr0, s.data0, s.ctrl0
        else:
            carry = _star(carry)
            addr, data, ctrl = _seq(carry, s.addr0), _seq(carry, s.data0), _seq(carry, s.ctrl0)

        # Preserved program order.
        Marked, Plain, R, W = s.Marked, s.Plain, s.R, s.W
        dep = _union(addr, data)
        overwrite = _union(co, fr)
        to_w = _union(_restrict(_union(dep, ctrl), full, W),
                      _inter(overwrite, int_),
                      _seq(_restrict(addr, full, Plain), s.wmb))
        to_r = _union(_restrict(addr, full, R), _seq(_restrict(dep, full, Marked), rfi))
        ppo = _union(to_r, to_w, _inter(fence, int_), _inter(pulp, int_))

        # Propagation.
        rmw_seq = _star(_seq(rf, s.rmw))
        rfe_m_opt = _opt(_restrict(rfe, full, Marked))
        a_cumul = _seq(rfe_m_opt, _union(strong_fence, s.po_rel))
        cumul_fence = _seq(_restrict(_union(a_cumul, s.wmb, pulp), Marked, Marked), rmw_seq)
        cf_star = _star(cumul_fence)
        # prop = [Marked] ; (overwrite & ext)? ; cumul-fence* ; [Marked] ; rfe? ; [Marked]
        prop = _seq(_seq(_restrict(_opt(_inter(overwrite, ext)), Marked, full), cf_star),
                    _restrict(_opt(rfe), Marked, Marked))

        # happens-before
        prop_int = [row & ~(1 << i) & int_[i] for i, row in enumerate(prop)]
        hb = _restrict(_union(ppo, rfe, prop_int), Marked, Marked)
        hb_plus = _closure_acyclic(hb)
        if hb_plus is None:
            return Verdict(False, "happens-before")
        hb_star = _opt(hb_plus)

        # propagation: pb = prop ; strong-fence ; hb* ; [Marked]
        pb = _restrict(_seq(_seq(prop, strong_fence), hb_star), full, Marked)
        pb_plus = _closure_acyclic(pb)
        if pb_plus is None:
            return Verdict(False, "propagation")
        pb_star = _opt(pb_plus)

        # rcu
        rb = [0] * n
        rcu_fence = [0] * n
        if s.has_rscs:
            rcu_fence, order = self._rcu_fence(prop, hb_star, pb_star, rf0)
            # rb = prop ; rcu-fence ; hb* ; pb*, with rcu-fence = po ; rcu-order ; po?:
            # the dense products are taken on rcu-order's few rows, then spread by po
            tail = _seq(_seq(_seq(order, s.po_opt), hb_star), pb_star)
            rb = _restrict(_seq(prop, _seq(s.po, tail)), full, Marked)
            if not _irreflexive(rb):
                return Verdict(False, "rcu")
            fence = _union(fence, rcu_fence)
            strong_fence = _union(strong_fence, rcu_fence)

        races = ()
        xb_star = None
        if s.has_plain:
            xb_star = _star(_union(hb, pb, rb))
            if want_flags:
                result = self._plain(rf, co, fr, ext, int_, fence, strong_fence, nonrw_fence,
                                     addr, cumul_fence, rfe, rmw_seq, xb_star)
            else:
                result = self._plain_coherent(rf, co, fr, ext, int_, fence, strong_fence,
                                              nonrw_fence, addr, cf_star, rfe, rmw_seq, xb_star)
            if result is False:
                return Verdict(False, "plain-coherence")
            races = result
        answers = ()
        if ordered:
            if xb_star is None:
                xb_star = _star(_union(hb, pb, rb))
            answers = self._ordered(ordered, fence, nonrw_fence, addr, rmw_seq, xb_star)
        if not want_flags:
            return Verdict(True, ordered=answers)
        flags = set(s.flags)
        if races:
            flags.add("data-race")
        if s.SrcuLock or s.SrcuUnlock:
            flags |= self._srcu_flags(rf0)
        return Verdict(True, None, frozenset(flags), tuple(races), answers)

    def _ordered(self, pairs, fence, nonrw_fence, addr, rmw_seq, xb_star):
        """For each (a, w): a's post-bounded ; xb* ; w's pre-bounded, or a fence."""
        s = self.s
        full, Marked, R = s.full, s.Marked, s.R
        rmb_f = s.fencerel(s.tag("Rmb"))
        not_noreturn = full & ~s.Noreturn
        r_post = _restrict(_opt(_union(nonrw_fence, _restrict(rmb_f, not_noreturn, s.R4rmb))),
                           full, Marked)
        w_post = _seq(_restrict(_opt(fence), full, Marked), rmw_seq)
        w_pre = _restrict(_opt(_union(addr, fence)), Marked, full)
        out = []
        for a, w in pairs:
            if (fence[a] >> w) & 1:
                out.append(True)
                continue
            post = r_post[a] if (R >> a) & 1 else w_post[a]
            reach = 0
            m = post
            while m:
                low = m & -m
                reach |= xb_star[low.bit_length() - 1]
                m ^= low
            hit = False
            m = reach
            while m:
                low = m & -m
                if (w_pre[low.bit_length() - 1] >> w) & 1:
                    hit = True
                    break
                m ^= low
            out.append(hit)
        return tuple(out)

    # lock.cat's generation rules, checked on a given graph.
    def _lock_rf_ok(self, rf, co) -> bool:
        s = self.s
        if not (s.LKR | s.LF | s.RU):
            return True
        x = self.x
        ev = s.events
        for r in _bits(s.LKR):
            w = x.rf.get(r)
            lkw = s.lk_rmw[r]
            if w is None or not lkw:
                return False
            lkw_i = lkw.bit_length() - 1
            # w must be IW or UL and immediately before the LKW in co
            if not ((1 << w) & (s.IW | s.UL)) or not (co[w] >> lkw_i) & 1:
                return False
            if co[w] & ~(1 << lkw_i) & ~co[lkw_i]:
                return False
        for r in _bits(s.LF):
            w = x.rf.get(r)
            if w is None or ev[w].kind != "LKW" or ev[w].loc != ev[r].loc:
                return False
            inside = s.rfi_lf_inv[r]
            if inside:
                if not (inside >> w) & 1:
                    return False
            elif not (s.ext[r] >> w) & 1:
                return False
        for r in _bits(s.RU):
            w = x.rf.get(r)
            if w is None or ev[w].loc != ev[r].loc or not ((1 << w) & (s.UL | s.IW)):
                return False
            if not (s.ext[r] >> w) & 1:
                # internal: the last po-earlier UL of this lock
                earlier = s.po_loc_inv[r] & s.UL
                if not earlier or w != earlier.bit_length() - 1:
                    return False
        for w in _bits(s.UL & _range(s.critical)):
            lkw = s.critical_inv[w].bit_length() - 1
            if not (co[lkw] >> w) & 1 or co[lkw] & ~(1 << w) & ~co[w]:
                return False
        return True

    def _rcu_fence(self, prop, hb_star, pb_star, rf0):
        """(rcu-fence, rcu-order): rcu-fence = po ; rcu-order ; po?, rcu-order a
        least fixpoint."""
        s = self.s
        n, full = s.n, s.full
        po = s.po
        rcu_gp = _ident(s.SyncRcu, n)
        srcu_gp = _ident(s.SyncSrcu, n)
        rcu_rscsi = s.rcu_rscsi
        srcu_rscsi = _inverse(self._srcu_rscs(rf0), n)
        # rcu-link is only ever entered from a grace period or the start of a
        # read-side section (every use below is gp ; link, rscsi ; link, or
        # order ; link, and order ends at those too): its other rows - nearly
        # all of a dense product of four relations - are never read
        starts = s.SyncRcu | s.SyncSrcu | _range(rcu_rscsi) | _range(srcu_rscsi)
        rcu_link = _seq(_seq(_seq(_seq(_restrict(s.po_opt, starts, full), hb_star), pb_star),
                             prop), po)
        loc = s.loc

        def and_loc(r):
            return _inter(r, loc)

        gp_link = _seq(rcu_gp, rcu_link)
        sgp_link = _seq(srcu_gp, rcu_link)
        rs_link = _seq(rcu_rscsi, rcu_link)
        srs_link = _seq(srcu_rscsi, rcu_link)
        order = _union(rcu_gp, srcu_gp)
        base = _union(
            order,
            _seq(gp_link, rcu_rscsi),
            and_loc(_seq(sgp_link, srcu_rscsi)),
            _seq(rs_link, rcu_gp),
            and_loc(_seq(srs_link, srcu_gp)),
        )
        order = base
        while True:
            ol = _seq(order, rcu_link)
            new = _union(
                base,
                _seq(_seq(gp_link, ol), rcu_rscsi),
                and_loc(_seq(_seq(sgp_link, ol), srcu_rscsi)),
                _seq(_seq(rs_link, ol), rcu_gp),
                and_loc(_seq(_seq(srs_link, ol), srcu_gp)),
                _seq(ol, order),
            )
            if new == order:
                break
            order = new
        return _seq(_seq(po, order), s.po_opt), order

    def _srcu_rscs(self, rf0):
        """([Srcu-lock] ; (data ; [~Srcu-unlock] ; rf)* ; data ; [Srcu-unlock]) & loc

        The bell matches SRCU sections before it extends dependencies, so this
        uses herd's own data and rf.
        """
        s = self.s
        if not s.SrcuLock:
            return [0] * s.n
        carry = _star(_seq(s.data0_to_carry, rf0))
        r = _restrict(_seq(carry, s.data0), s.SrcuLock, s.SrcuUnlock)
        return _inter(r, s.loc)

    def _srcu_flags(self, rf0):
        s = self.s
        n = s.n
        out = set()
        rscs = self._srcu_rscs(rf0)
        if s.SrcuLock & ~_domain(rscs):
            out.add("unmatched-srcu-lock")
        if s.SrcuUnlock & ~_range(rscs):
            out.add("unmatched-srcu-unlock")
        if not _empty(_diff(_seq(_inverse(rscs, n), rscs), _ident(s.full, n))):
            out.add("multiple-srcu-matches")
        vals = self.x.values
        if vals is not None and any(vals.get(i) != vals.get(j) for i, j in _pairs(rscs)):
            out.add("srcu-bad-value-match")
        return out

    def _plain_coherent(self, rf, co, fr, ext, int_, fence, strong_fence, nonrw_fence, addr,
                        cf_star, rfe, rmw_seq, xb_star):
        """Plain-access coherence alone (no race flags): ``()`` or False.

        The same axiom as ``_plain`` - no pre-race pair of rf, fr or co whose
        reverse is in rw-xbstar, wr-vis or ww-vis - but those three relations
        are dense (they go through xb*) and only a few of their entries are
        ever asked, one per pre-race pair of rf, fr or co.  So each entry is
        computed on its own, from rows of xb* and cumul-fence* and the columns
        of the pre-bounded relations, and nothing else is built: on the TDP
        MMU's executions this is most of the cost of a check."""
        s = self.s
        n = s.n
        Marked, Plain, M, IW = s.Marked, s.Plain, s.M, s.IW
        asks = []                 # (relation, j, i): is (j, i) in the relation?
        for i in range(n):
            e = ext[i]
            if not e:
                continue
            pr = e & ((M if (Plain >> i) & 1 else 0) | (Plain if ((M & ~IW) >> i) & 1 else 0))
            if not pr:
                continue
            for rel, which in ((rf, 0), (fr, 1), (co, 2)):
                m = pr & rel[i]
                while m:
                    low = m & -m
                    asks.append((which, low.bit_length() - 1, i))
                    m ^= low
        if not asks:
            return ()
        rmb_f = s.fencerel(s.tag("Rmb"))
        not_noreturn = s.full & ~s.Noreturn
        R4rmb = s.R4rmb

        def col_pre(i, reads):
            # {t : i in X-pre-bounded[t]}: w-pre-bounded = [Marked] ; (addr | fence)?,
            # r-pre-bounded = [Marked] ; (addr | nonrw-fence | [R4rmb] ; fencerel(Rmb) ;
            # [~Noreturn])?
            bit = 1 << i
            col = bit & Marked
            m = Marked & ~bit
            nr = (not_noreturn >> i) & 1
            while m:
                low = m & -m
                t = low.bit_length() - 1
                m ^= low
                if (addr[t] & bit) or (reads and ((nonrw_fence[t] & bit) or (
                        nr and (R4rmb >> t) & 1 and (rmb_f[t] & bit)))) or (
                        not reads and (fence[t] & bit)):
                    col |= low
            return col

        def through(mask, rel):
            acc = 0
            while mask:
                low = mask & -mask
                acc |= rel[low.bit_length() - 1]
                mask ^= low
            return acc

        vis_rows = {}
        tail_rows = {}

        def vis(k):
            # vis = [cumul-fence* ; rfe? ; [Marked]] ; ((strong-fence ; [Marked] ; xb*) | (xb* & int))
            v = vis_rows.get(k)
            if v is None:
                m = 0
                c = cf_star[k]
                while c:
                    low = c & -c
                    m |= rfe[low.bit_length() - 1] | low
                    c ^= low
                m &= Marked
                v = 0
                while m:
                    low = m & -m
                    j = low.bit_length() - 1
                    t = tail_rows.get(j)       # the row of the tail, shared by every k
                    if t is None:
                        t = tail_rows[j] = (through(strong_fence[j] & Marked, xb_star)
                                            | (xb_star[j] & int_[j]))
                    v |= t
                    m ^= low
                vis_rows[k] = v
            return v

        cols = {}
        reach_rows = {}
        for which, j, i in asks:
            if (fence[j] >> i) & 1:
                return False
            if which == 0:
                # rw-xbstar = fence | r-post-bounded ; xb* ; w-pre-bounded
                key = (i, False)
                col = cols.get(key)
                if col is None:
                    col = cols[key] = col_pre(i, False)
                post = (nonrw_fence[j] | (rmb_f[j] & R4rmb if (not_noreturn >> j) & 1 else 0)
                        | (1 << j)) & Marked
                if through(post, xb_star) & col:
                    return False
                continue
            # ww-vis / wr-vis = fence | strong-fence ; xb* ; X-pre | w-post-bounded ; vis ; X-pre
            key = (i, which == 1)
            col = cols.get(key)
            if col is None:
                col = cols[key] = col_pre(i, which == 1)
            # what j reaches, through strong-fence ; xb* or w-post-bounded ; vis: the
            # same for every pair j is in
            reach = reach_rows.get(j)
            if reach is None:
                reach = through(strong_fence[j], xb_star)
                post = through((fence[j] | (1 << j)) & Marked, rmw_seq)
                while post:
                    low = post & -post
                    reach |= vis(low.bit_length() - 1)
                    post ^= low
                reach_rows[j] = reach
            if reach & col:
                return False
        return ()

    def _plain(self, rf, co, fr, ext, int_, fence, strong_fence, nonrw_fence, addr,
               cumul_fence, rfe, rmw_seq, xb_star):
        """Plain-access coherence and the data-race flag: False if coherence is
        violated, else the race pairs (the relations whole: the flag needs them)."""
        s = self.s
        n, full = s.n, s.full
        Marked, Plain, M, W, IW = s.Marked, s.Plain, s.M, s.W, s.IW
        po = s.po
        vis = _seq(
            _restrict(_seq(_star(cumul_fence), _opt(rfe)), full, Marked),
            _union(_seq(_restrict(strong_fence, full, Marked), xb_star), _inter(xb_star, int_)))
        w_pre_bounded = _restrict(_opt(_union(addr, fence)), Marked, full)
        rmb_f = s.fencerel(s.tag("Rmb"))
        not_noreturn = full & ~s.Noreturn
        r_pre_bounded = _restrict(
            _opt(_union(addr, nonrw_fence, _restrict(rmb_f, s.R4rmb, not_noreturn))),
            Marked, full)
        w_post_bounded = _seq(_restrict(_opt(fence), full, Marked), rmw_seq)
        r_post_bounded = _restrict(
            _opt(_union(nonrw_fence, _restrict(rmb_f, not_noreturn, s.R4rmb))), full, Marked)
        sf_xb = _seq(strong_fence, xb_star)
        post_vis = _seq(w_post_bounded, vis)
        ww_vis = _union(fence, _seq(sf_xb, w_pre_bounded), _seq(post_vis, w_pre_bounded))
        wr_vis = _union(fence, _seq(sf_xb, r_pre_bounded), _seq(post_vis, r_pre_bounded))
        rw_xbstar = _union(fence, _seq(_seq(r_post_bounded, xb_star), w_pre_bounded))

        pre_race = [
            ext[i] & ((M if (Plain >> i) & 1 else 0) | (Plain if ((M & ~IW) >> i) & 1 else 0))
            for i in range(n)
        ]
        # x-incoh = pre-race & x & y^-1: the pairs of pre-race & x are few, so each is
        # tested against y directly instead of transposing the dense y
        if (_any_reversed(pre_race, rf, rw_xbstar) or _any_reversed(pre_race, fr, wr_vis)
                or _any_reversed(pre_race, co, ww_vis)):
            return False
        marked_w = [(W if (Marked >> i) & 1 else 0) for i in range(n)]
        w_marked = [(Marked if (W >> i) & 1 else 0) for i in range(n)]
        ww_nonrace = _inter(_inter(ww_vis, _union(marked_w, rw_xbstar)), _union(w_marked, wr_vis))
        ww_race = _diff(_inter(pre_race, co), ww_nonrace)
        wr_race = _diff(_inter(pre_race, _seq(_opt(co), rf)), wr_vis)
        wr_race = _drop_reversed(wr_race, rw_xbstar)
        rw_race = _diff(_inter(pre_race, fr), rw_xbstar)
        return _pairs(_union(ww_race, wr_race, rw_race))
