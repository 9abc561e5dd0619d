"""The grace periods of ``call_rcu`` callbacks as a constraint on SC executions.

RCU's guarantee, for sequential consistency: a grace period never falls
strictly inside a read-side critical section it has to wait for.  For a
grace period ``g`` and a section ``[L, U]`` of another task, every SC order
of the execution must have ``U`` before ``g`` or ``g`` before ``L``.

Under SC a callback does not wait by reading the other tasks' read-side
flags (that would order it against every section of every task and
multiply the executions by the places a grace period can end).  It records
an event, ``rcu grace period``, and runs on; these flag writes and grace
period events conflict with nothing, so the explorer sees only the accesses
that matter.  An execution counts when this module finds an SC order of its
``po | rf | co | fr`` that also keeps every grace period out of the sections:

1. reachability between the events the constraint names (section ends,
   grace periods, and any events a caller asks about) is computed once,
   as bitsets over the graph's transitive closure;
2. *saturation*: ``L ->+ g`` forces ``U -> g``; ``g ->+ U`` forces
   ``g -> L``; repeat until nothing changes (a forced edge that closes a
   cycle makes the execution impossible);
3. the pairs still open are decided by search (``g -> L`` first).

A section left open at the end of an execution by a task that has not
finished (it waits, for good or for a write to come; it stopped at a bug; the
run was cut short) never ends: a grace period it has to wait for must come
before it starts (``U`` is None).  Until 2026-11-30 it ended at the task's
last event, which let a grace period complete under a task blocked inside
its section - a false use-after-free of what it had call_rcu'd there.  One
left open by a task that finished ends at its last event.  SRCU is the same with one
domain per ``srcu_struct``: a ``call_srcu`` grace period waits only for the
sections of its own domain.
"""

from __future__ import annotations

from .. import graph as G
from . import sc

GP_OP = "rcu grace period"


# True: its value names an SRCU domain.  "~": an implicit section's bounds
# (kernel/rcu.py: a region with preemption, bottom halves or interrupts off)
SECTION_OPEN = {"rcu_read_lock": False, "~rcu_read_lock": False, "srcu_read_lock": True}
SECTION_CLOSE = {"rcu_read_unlock", "~rcu_read_unlock", "srcu_read_unlock"}
DOWN_OPEN, DOWN_CLOSE = "srcu_down_read", "srcu_up_read"     # a section any task may end
DOWN_OPS = (DOWN_OPEN, DOWN_CLOSE)
_BOUNDS = frozenset(SECTION_OPEN) | SECTION_CLOSE | frozenset(DOWN_OPS)    # section bound writes


def domain_of_gp(e):
    """None for an RCU grace period, the ``srcu_struct``'s id for an SRCU one
    (the callback's fence value is ``("srcu", id)``)."""
    v = e.val
    return v[1] if v.__class__ is tuple else None


def grace_periods(g):
    return [e for th in g.threads for e in th if e.kind == G.FENCE and e.op == GP_OP]


def lkmm_grace_periods(g):
    """The Sync-rcu and Sync-srcu fences of a graph built under the LKMM
    (synchronize_rcu(), synchronize_srcu(), a callback's grace period): what an
    SC order must keep out of the read-side sections for the graph to be an
    execution RCU allows (lkmm_bridge.sc_shortcut)."""
    out = []
    for th in g.threads:
        for e in th:
            if e.kind == G.FENCE:
                v = e.val
                if v == "synchronize_rcu" or (v.__class__ is tuple and v[0] == "synchronize_srcu"):
                    out.append(e)
    return out


def sections(g):
    """(L, U, domain) per read-side section, U the task's last event when still
    open.  A section is its task's write of its reader flag (one flag per task
    for RCU, one per task and ``srcu_struct`` for SRCU, whose value is the
    domain) and the write that clears it.  A ``srcu_down_read()`` section has
    a flag of its own, which ``srcu_up_read()`` clears from whichever task
    calls it: its U may be another task's event (left open, it ends at its
    L's task's last event, as above)."""
    out = []
    downs = {}
    ups = {}
    live = g.live or ()
    for th in g.threads:
        open_ = {}
        for e in th:
            if e.kind == G.WRITE:
                op = e.op
                srcu = SECTION_OPEN.get(op)
                if srcu is not None:
                    open_[e.lid] = (e, e.val if srcu else None)
                elif op in SECTION_CLOSE and e.lid in open_:
                    L, dom = open_.pop(e.lid)
                    out.append((L, e, dom))
                elif op == DOWN_OPEN:
                    downs[e.lid] = e
                elif op == DOWN_CLOSE:
                    ups[e.lid] = e
        for L, dom in open_.values():
            out.append((L, None if L.tid in live else th[-1], dom))
    for lid, L in downs.items():
        U = ups.get(lid)
        if U is None and L.tid not in live:
            U = g.threads[L.tid][-1]
        out.append((L, U, L.val))
    return out


def sections_by_task(g):
    """``sections(g)`` grouped by task: tid -> [(L, U, domain)]."""
    out = {}
    for L, U, dom in sections(g):
        out.setdefault(L.tid, []).append((L, U, dom))
    return out


def gp_orders(g, a, b, secs):
    """A sufficient test that ``a`` precedes ``b`` in every admissible order
    (what ``RcuOrder.ordered`` / ``can_precede`` decide with the closure):
    ``b`` comes after a grace period ``gp`` of its task (a callback's), ``a``
    lies in a read-side section [L, U] of another task that ``gp`` waits
    for, and L precedes ``gp`` in every SC order (``gp``'s porf-view holds L,
    or ``sc.hop_before``).  Then ``gp`` cannot come before L, so, kept out
    of the section, it comes after U: a <= U < gp < b.  This is how RCU
    orders a reader's access before the free of what it read (L, then the
    reader's load, from-read to the unlink, which comes before call_rcu).
    False means "not shown".  ``secs``: ``sections_by_task(g)``."""
    mine = secs.get(a.tid)
    if not mine or b.tid == a.tid:
        return False
    gps = None
    for L, U, dom in mine:
        if not (L.idx < a.idx and (U is None or (a.idx <= U.idx if U.tid == a.tid
                                                 else G.contains(U.view, a)))):
            continue
        if gps is None:
            th = g.threads[b.tid]
            gps = [e for e in th[:b.idx] if e.kind == G.FENCE and e.op == GP_OP]
            if not gps:
                return False
        for gp in reversed(gps):
            if domain_of_gp(gp) == dom and (G.contains(gp.view, L) or sc.hop_before(g, L, gp)):
                return True
    return False


def admissible_order(g, order):
    """Does the SC order nearest to ``order`` keep every grace period out of the
    read-side sections it waits for?  False says only that this order does
    not show it (``RcuOrder`` decides).

    ``order`` lists every event of ``g`` once, respecting po, rf and spawn (a
    run's order: replayed events, then its own).  It often breaks coherence:
    a read the explorer added late may read a write that an earlier-added
    write overwrites.  ``_near_sc_order`` repairs that in one pass, and the
    grace periods are checked against that order's section bounds, so the
    question asked of every execution of a model with ``call_rcu`` usually
    gets its answer in linear time, without the whole-graph closure."""
    if len(order) != sum(len(th) for th in g.threads):
        return False
    near = _near_sc_order(g, order)
    return near is not None and _gps_outside(g, near[0], near[1])


def _gps_outside(g, order, at):
    """Is every grace period of the SC order ``order`` (``at``: positions of its
    grace periods and section ends) outside the sections it waits for?"""
    FENCE = G.FENCE
    gps = [e for e in at if e.kind == FENCE]
    if not gps:
        return True
    for L, U, dom in _sections_at(g, at):
        lo = at[L]
        if U is None:
            hi = len(order)                 # never ends
        else:
            hi = at.get(U)
            if hi is None:
                hi = order.index(U)
        for gp in gps:
            if gp.tid != L.tid and dom == domain_of_gp(gp) and lo < at[gp] < hi:
                return False
    return True


def _sections_at(g, at):
    """``sections(g)`` (in another order), from the section bounds ``at`` holds
    rather than from every event of the graph: ``_near_sc_order`` records each
    bound write it places, and places each task's events in program order.
    That pass over the whole graph was a sixth of the grace-period check.
    ``srcu_down_read()`` sections, whose bounds may be in two tasks, are left
    to ``sections``."""
    WRITE = G.WRITE
    opened = {}         # tid -> {lid: (L, domain)} still open
    out = []
    for e in at:
        if e.kind != WRITE:
            continue
        op = e.op
        srcu = SECTION_OPEN.get(op)
        if srcu is not None:
            mine = opened.get(e.tid)
            if mine is None:
                mine = opened[e.tid] = {}
            mine[e.lid] = (e, e.val if srcu else None)
        elif op in SECTION_CLOSE:
            mine = opened.get(e.tid)
            if mine is not None and e.lid in mine:
                L, dom = mine.pop(e.lid)
                out.append((L, e, dom))
        else:
            return sections(g)          # DOWN_OPS
    if opened:
        live = g.live or ()
        threads = g.threads
        for tid, mine in opened.items():
            for L, dom in mine.values():
                out.append((L, None if tid in live else threads[tid][-1], dom))
    return out


def _near_sc_order(g, order):
    """(an SC order of ``g`` that keeps ``order`` where it can, the positions in
    it of the grace periods and section bounds), or None.

    Events are taken in ``order``; one whose predecessors are not all out yet
    pulls them first (depth first): its task's earlier events, its spawn,
    the write it reads, and for a write the write before it in coherence and
    every read of that write (or, for the first write, every read of the
    initial value).  Those are the po, spawn, rf, co and fr edges, so the
    result is a topological order of an SC graph's ``po | rf | co | fr``
    (each read sees the last write before it); an order that is one already
    comes back unchanged.  A cycle (an inconsistent graph) gives None."""
    threads = g.threads
    spawn_of = g.spawn_of
    readers = {}
    get = readers.get
    co = g.co
    for lid, rs in g.reads.items():
        if not co.get(lid):
            continue            # never written: its readers hold up no write (a fifth of them)
        for r in rs:
            k = r.rf
            if k is None:
                k = lid
            lst = get(k)
            if lst is None:
                readers[k] = [r]
            else:
                lst.append(r)
    coprev = {}
    for lid, lst in co.items():
        prev = lid
        for w in lst:
            coprev[w] = prev
            prev = w
    READ, WRITE, FENCE = G.READ, G.WRITE, G.FENCE
    marks = _BOUNDS
    pos = [0] * len(threads)
    out = []
    append = out.append
    at = {}

    def need(x, p):
        if p == 0:
            sp = spawn_of.get(x.tid)
            if sp is not None and pos[sp.tid] <= sp.idx:
                return sp
        k = x.kind
        if k == READ:
            w = x.rf
            if w is not None and pos[w.tid] <= w.idx:
                return w
        elif k == WRITE:
            prev = coprev.get(x)
            if prev is not None:
                if prev.__class__ is not int and pos[prev.tid] <= prev.idx:
                    return prev
                rs = readers.get(prev)
                if rs is not None:
                    for r in rs:
                        if pos[r.tid] <= r.idx:
                            return r
            if x.op in marks:
                at[x] = len(out)
        elif k == FENCE and x.op == GP_OP:
            at[x] = len(out)
        return None

    limit = len(order) + 1
    for e in order:
        t = e.tid
        p = pos[t]
        if p > e.idx:
            continue
        if p == e.idx and p:
            # need() inlined for the usual events, which a run's order has in place
            # already (this loop is a tenth of a TDP MMU run): a read whose write is
            # out, a write whose coherence predecessor and its readers are
            k = e.kind
            if k == READ:
                w = e.rf
                if w is None or pos[w.tid] > w.idx:
                    append(e)
                    pos[t] = p + 1
                    continue
            elif k == WRITE:
                prev = coprev.get(e)
                ok = True
                if prev is not None:
                    if prev.__class__ is not int and pos[prev.tid] <= prev.idx:
                        ok = False
                    else:
                        rs = get(prev)
                        if rs is not None:
                            for r in rs:
                                if pos[r.tid] <= r.idx:
                                    ok = False
                                    break
                if ok:
                    if e.op in marks:
                        at[e] = len(out)
                    append(e)
                    pos[t] = p + 1
                    continue
            elif k != FENCE or e.op != GP_OP:
                append(e)
                pos[t] = p + 1
                continue
        stack = [e]
        while stack:
            x = stack[-1]
            t = x.tid
            p = pos[t]
            if p > x.idx:
                stack.pop()
                continue
            nxt = threads[t][p] if p < x.idx else need(x, p)
            if nxt is None:
                append(x)
                pos[t] = p + 1
                stack.pop()
            else:
                stack.append(nxt)
                if len(stack) > limit:
                    return None
    return out, at


class RcuOrder:
    """Decides whether an SC graph's grace periods can be placed legally.

    ``ok`` is False when no SC order keeps every grace period out of the
    sections it waits for.  ``ordered(a, b)`` says whether ``a`` precedes
    ``b`` in every such order; ``can_precede(a, b)`` whether some such order
    runs ``a`` first; ``edges()`` gives the decisions of one such order (to
    linearize a trace)."""

    def __init__(self, g, extra_keys=(), reach=None, gps=None):
        self.g = g
        if gps is None:
            gps = grace_periods(g)
        secs = sections(g)
        keys = {}
        for e in gps:
            keys.setdefault(e, len(keys))
        for L, U, _ in secs:
            keys.setdefault(L, len(keys))
            if U is not None:
                keys.setdefault(U, len(keys))
        for e in extra_keys:
            keys.setdefault(e, len(keys))
        self.keys = keys
        # a grace period waits only for the sections of its own flavour (RCU, or one srcu_struct)
        self.pairs = [(keys[gp], keys[L], keys[U]) for gp in gps for (L, U, dom) in secs
                      if U is not None and L.tid != gp.tid and dom == domain_of_gp(gp)]
        # a section that never ends: the grace period comes before it starts
        before = [(keys[gp], keys[L]) for gp in gps for (L, U, dom) in secs
                  if U is None and L.tid != gp.tid and dom == domain_of_gp(gp)]
        kr = _closure(g, keys, reach)
        self.ok = kr is not None
        self.forced = None
        self.rest = None
        self._solution = None
        added = []
        for a, b in before:
            if not self.ok:
                break
            if not _add(kr, a, b):
                self.ok = False
            else:
                added.append((a, b))
        if self.ok:
            st = _saturate(kr, self.pairs, added)
            if st is None:
                self.ok = False
            else:
                self.forced, self.rest, self.forced_edges = st
                sol = _search(list(self.forced), self.rest, list(self.forced_edges))
                if sol is None:
                    self.ok = False
                else:
                    self._solution = sol

    def ordered(self, a, b):
        """``a`` precedes ``b`` in every admissible SC order (both must be keys)."""
        ka, kb = self.keys[a], self.keys[b]
        return bool(self.forced[ka] >> kb & 1)

    def can_precede(self, a, b):
        """Some admissible SC order runs ``a`` before ``b`` (both keys)."""
        kr = list(self.forced)
        ka, kb = self.keys[a], self.keys[b]
        if not _add(kr, ka, kb):
            return False
        st = _saturate(kr, self.rest, [])
        if st is None:
            return False
        return _search(list(st[0]), st[1], []) is not None

    def edges(self):
        """Edges (event, event) that make ``sc.linearize`` produce an admissible order."""
        inv = {i: e for e, i in self.keys.items()}
        return [(inv[a], inv[b]) for a, b in (self._solution or ())]


def _closure(g, keys, reach=None):
    """For each key, the bitset of keys it reaches through po|rf|co|fr|spawn
    (None if the graph has a cycle).  ``reach``: the graph's ``sc.Reach``,
    if the caller has it already."""
    if reach is None:
        reach = sc.Reach(g)
    if not reach.ok:
        return None
    base, bits = reach.base, reach.bits
    nums = [(base[e.tid] + e.idx, k) for e, k in keys.items()]
    keybit = {}                 # event number's bit -> its key's bit
    mask = 0
    for n, k in nums:
        keybit[1 << n] = 1 << k
        mask |= 1 << n
    kr = [0] * len(keys)
    for n, k in nums:
        x = bits[n] & mask      # the keys it reaches, as event bits
        r = 0
        while x:
            low = x & -x
            r |= keybit[low]
            x ^= low
        kr[k] = r
    return kr


def _add(kr, a, b):
    """Add the edge a -> b to the key closure ``kr`` in place; False on a cycle."""
    if a == b or kr[b] >> a & 1:
        return False
    if kr[a] >> b & 1:
        return True
    add = kr[b] | (1 << b)
    bit = 1 << a
    for x in range(len(kr)):
        if x == a or kr[x] & bit:
            kr[x] |= add
    return True


def _saturate(kr, pairs, added):
    """Apply every forced decision; returns (closure, undecided pairs, edges added) or None."""
    while True:
        changed = False
        rest = []
        for p in pairs:
            gp, L, U = p
            if kr[U] >> gp & 1 or kr[gp] >> L & 1:
                continue                       # already outside the section
            if kr[L] >> gp & 1 or L == gp:
                if not _add(kr, U, gp):
                    return None
                added.append((U, gp))
                changed = True
            elif kr[gp] >> U & 1:
                if not _add(kr, gp, L):
                    return None
                added.append((gp, L))
                changed = True
            else:
                rest.append(p)
        pairs = rest
        if not changed:
            return kr, pairs, added


def _search(kr, pairs, added):
    """Decide the undecided pairs (grace period first, then section first); the edges or None."""
    st = _saturate(kr, pairs, added)
    if st is None:
        return None
    kr, pairs, added = st
    if not pairs:
        return added
    gp, L, U = pairs[0]
    for a, b in ((gp, L), (U, gp)):
        kr2 = list(kr)
        if _add(kr2, a, b):
            res = _search(kr2, pairs[1:], added + [(a, b)])
            if res is not None:
                return res
    return None
