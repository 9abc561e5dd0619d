"""Sequential consistency as a graph predicate: acyclic(po | rf | co | fr).

Lamport's SC asks for one total order of all events that respects program
order and in which every read sees the latest write.  On an execution graph
that is exactly acyclicity of ``po | rf | co | fr`` (Shasha and Snir), where
``fr`` (from-read) links a read to the writes co-after the one it read.
Using only immediate co-successors keeps the edge count linear, so one check
is O(events).

The explorer only calls this for non-maximal choices: adding a read of the
co-latest write, or a write at the end of co, extends any SC order of the
graph and cannot create a cycle.
"""

from __future__ import annotations

from .. import graph as G
from ..graph import Graph


def po_spawn_edges(g: Graph):
    """Successor lists of ``po | spawn`` (immediate edges), for callers to add to."""
    succ: dict = {}
    for th in g.threads:
        for i in range(len(th) - 1):
            succ.setdefault(th[i], []).append(th[i + 1])
    for tid, sp in g.spawn_of.items():
        if tid < len(g.threads) and g.threads[tid]:
            succ.setdefault(sp, []).append(g.threads[tid][0])
    return succ


def edges(g: Graph):
    """Successor lists of ``po | rf | co | fr | spawn`` (immediate edges only)."""
    succ = po_spawn_edges(g)
    co_next = {}
    for lst in g.co.values():
        for i in range(len(lst) - 1):
            co_next[lst[i]] = lst[i + 1]
            succ.setdefault(lst[i], []).append(lst[i + 1])
    for lid, rs in g.reads.items():
        first = g.co.get(lid)
        first = first[0] if first else None
        for r in rs:
            w = r.rf
            if w is not None:
                succ.setdefault(w, []).append(r)
                nxt = co_next.get(w)
            else:
                nxt = first
            if nxt is not None and nxt is not r:
                succ.setdefault(r, []).append(nxt)
    return succ


def _numbered(g: Graph):
    """(base, last, succ, order): events numbered ``base[tid] + idx``, whether
    each is its task's last, its non-po successors, and a topological order of
    po | rf | co | fr | spawn (shorter than the events if there is a cycle)."""
    threads = g.threads
    base = []
    n = 0
    for th in threads:
        base.append(n)
        n += len(th)
    last = [False] * n                      # last event of its task: no po successor
    for t, th in enumerate(threads):
        if th:
            last[base[t] + len(th) - 1] = True
    succ = [()] * n
    indeg = [1] * n
    for t, th in enumerate(threads):
        if th:
            indeg[base[t]] = 0
    for tid, sp in g.spawn_of.items():
        if tid < len(threads) and threads[tid]:
            a = base[sp.tid] + sp.idx
            b = base[tid]
            succ[a] = succ[a] + (b,)
            indeg[b] += 1
    conext = {}
    for lst in g.co.values():
        prev = None
        for w in lst:
            b = base[w.tid] + w.idx
            if prev is not None:
                a = base[prev.tid] + prev.idx
                succ[a] = succ[a] + (b,)
                indeg[b] += 1
                conext[prev] = b
            prev = w
    for lid, rs in g.reads.items():
        lst = g.co.get(lid)
        first = base[lst[0].tid] + lst[0].idx if lst else None
        for r in rs:
            rn = base[r.tid] + r.idx
            w = r.rf
            if w is not None:
                a = base[w.tid] + w.idx
                succ[a] = succ[a] + (rn,)
                indeg[rn] += 1
                nxt = conext.get(w)
            else:
                nxt = first
            if nxt is not None and nxt != rn:
                succ[rn] = succ[rn] + (nxt,)
                indeg[nxt] += 1
    stack = [i for i in range(n) if indeg[i] == 0]
    order = []
    while stack:
        a = stack.pop()
        order.append(a)
        if not last[a]:
            b = a + 1
            d = indeg[b] - 1
            indeg[b] = d
            if not d:
                stack.append(b)
        for b in succ[a]:
            d = indeg[b] - 1
            indeg[b] = d
            if not d:
                stack.append(b)
    return base, last, succ, order


def revisit_breaks_atomicity(g: Graph, r, s, rstamp, sv) -> bool:
    """Would the backward revisit "``r`` reads ``s``" (explore.py) keep an RMW
    whose write is not right after the write its read reads?  Asked of the
    graph before the revisit copies it.

    When an RMW reads a write another RMW already read, the explorer keeps
    that graph (it breaks atomicity) only for the revisits its write makes
    ("this RMW first"); every such revisit that keeps both RMWs is
    inconsistent.  On a TDP MMU check those were five revisits in six, each
    paying a copy of the graph and a whole-graph check to learn it.  The
    revisit keeps each task's events up to ``rstamp`` or in ``s``'s
    porf-view ``sv``; ``r``'s own write is not kept (it comes after ``r``).
    True exactly when ``sc.atomic`` of the copy would be False."""
    nsv = len(sv)
    threads = g.threads
    for lst in g.co.values():
        prev = None
        for w in lst:
            if not (w.stamp <= rstamp or (w.tid < nsv and sv[w.tid] >= w.idx)):
                continue
            if w.rmw is True:
                rd = threads[w.tid][w.idx - 1]
                if rd is not r and rd.rf is not prev:
                    return True
            prev = w
    return False


def hop_before(g: Graph, a, b) -> bool:
    """A sufficient test of ``a ->+ b`` (Reach.before) without the whole-graph
    closure: ``a`` is followed in its own task (``a`` itself included) by an
    event ``x`` with a coherence or from-read edge to a write ``y`` that is in
    ``b``'s porf-view - so ``a ->po* x ->co|fr y ->porf* b``.  One hop of
    co | fr is what most "must this access precede that free" questions of an
    SC run need (on a three-task TDP MMU check every such pair that is ordered
    at all was ordered this way); False means "not shown", never "not
    before".  With KCHECK_CHECK_FAST_PATHS=1 the caller asks Reach too."""
    bv = b.view
    nb = len(bv)
    co = g.co
    for x in g.threads[a.tid][a.idx:]:
        k = x.kind
        if k == G.WRITE:
            src = x
        elif k == G.READ:
            src = x.rf            # fr: every write coherence-after the one it read
        else:
            continue
        lst = co.get(x.lid)
        if not lst:
            continue
        i = 0 if src is None else lst.index(src) + 1 if src in lst else len(lst)
        for y in lst[i:]:
            t = y.tid
            if t < nb and bv[t] >= y.idx:
                return True
    return False


class Reach:
    """Reachability through ``po | rf | co | fr | spawn`` of a whole graph, as
    one bitset per event (bit ``num(e)``: ``e`` is reachable).

    The end of an SC execution asks several questions of its graph - may a
    grace period fall inside a section (rcu_gp), is every access to a freed
    object before the free (detect) - and each used to rebuild the edge dict
    and its topological order.  One pass here answers all of them: events are
    numbered per task (``base[tid] + idx``), the only edges kept are the
    non-po ones (po is ``n -> n + 1``), and the bitsets are built in reverse
    topological order.  ``ok`` is False if the edges have a cycle."""

    __slots__ = ("base", "bits", "ok", "order")

    def __init__(self, g: Graph):
        base, last, succ, order = _numbered(g)
        n = len(last)
        self.base = base
        self.ok = len(order) == n
        self.order = order
        bits = [0] * n
        if self.ok:
            for a in reversed(order):
                r = 0
                if not last[a]:
                    b = a + 1
                    r = bits[b] | (1 << b)
                for b in succ[a]:
                    r |= bits[b] | (1 << b)
                bits[a] = r
        self.bits = bits

    def num(self, e):
        return self.base[e.tid] + e.idx

    def before(self, a, b):
        """``a ->+ b``: ``a`` precedes ``b`` in every SC order of the graph."""
        return bool(self.bits[self.base[a.tid] + a.idx] >> (self.base[b.tid] + b.idx) & 1)


def reach(run):
    """The finished run's ``Reach``, built once and kept on the run."""
    r = run.sc_reach
    if r is None:
        r = run.sc_reach = Reach(run.g)
    return r


def atomic(g: Graph) -> bool:
    """RMW atomicity: the write half of each RMW is immediately co-after the
    write its read half reads from (nothing can come in between)."""
    for lst in g.co.values():
        for i, w in enumerate(lst):
            if w.rmw is True:
                r = g.threads[w.tid][w.idx - 1]
                if r.rf is not (lst[i - 1] if i else None):
                    return False
    return True


def consistent(g: Graph) -> bool:
    """True when the graph has a sequentially consistent linearization."""
    if not atomic(g):
        return False
    base, last, succ, order = _numbered(g)
    return len(order) == len(last)


def linearize(g: Graph, prefer_tid=None, extra=()):
    """One SC order of ``g`` with few context switches (``extra``: more edges
    it must respect, such as where RCU grace periods go).

    Greedy: stay on a task while its next event is ready, otherwise switch to
    the ready event added earliest.  The two halves of a read-modify-write are
    kept adjacent (a replay runs them as one step), which is always possible:
    nothing ordered after the read half can precede the write half.
    """
    succ = edges(g)
    for a, b in extra:
        succ.setdefault(a, []).append(b)
    indeg = {e: 0 for e in g.events()}
    for outs in succ.values():
        for b in outs:
            indeg[b] += 1
    wpart = {}
    for th in g.threads:
        for i in range(1, len(th)):
            if th[i].rmw is True:
                wpart[th[i - 1]] = th[i]
    # edges from an RMW's read half to its write half: po, and fr when the
    # write half is the co-successor of what the read half read
    own = {w: sum(1 for b in succ.get(r, ()) if b is w) for r, w in wpart.items()}
    ready = {e for e, d in indeg.items() if d == 0}
    order = []
    cur = prefer_tid

    def ok(e):
        """An RMW's read half may go only when nothing else must precede its write half."""
        w = wpart.get(e)
        return w is None or indeg[w] == own[w]

    def place(e):
        ready.discard(e)
        order.append(e)
        for b in succ.get(e, ()):
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.add(b)

    while ready:
        nxt = None
        if cur is not None:
            for e in ready:
                if e.tid == cur and ok(e):
                    nxt = e
                    break
        if nxt is None:
            cands = [e for e in ready if ok(e)] or list(ready)
            nxt = min(cands, key=lambda e: e.stamp)
        place(nxt)
        w = wpart.get(nxt)
        if w is not None and w in ready:
            place(w)
        cur = nxt.tid
    if len(order) != len(indeg):
        raise ValueError("graph is not sequentially consistent")
    return order


def _succs(g, e, co_index):
    """Immediate successors of ``e`` in po | rf | co | fr | spawn, computed on the fly."""
    th = g.threads[e.tid]
    if e.idx + 1 < len(th):
        yield th[e.idx + 1]
    if e.kind == 5:     # SPAWN
        t = e.arg
        if t is not None and t < len(g.threads) and g.threads[t]:
            yield g.threads[t][0]
    lid = e.lid
    if lid is None:
        return
    if e.kind == 1:     # WRITE: readers, co-successor
        for r in g.reads.get(lid, ()):
            if r.rf is e:
                yield r
        lst = g.co.get(lid)
        i = co_index(e, lst)
        if i + 1 < len(lst):
            yield lst[i + 1]
    elif e.kind == 0:   # READ: fr to the co-successor of its source
        lst = g.co.get(lid)
        if lst:
            w = e.rf
            nxt = lst[0] if w is None else (lst[co_index(w, lst) + 1] if co_index(w, lst) + 1 < len(lst) else None)
            if nxt is not None and nxt is not e:
                yield nxt


def reaches_any(g, src, targets) -> bool:
    """Does ``src`` reach one of ``targets`` through po | rf | co | fr?"""
    if src is None or not targets:
        return False
    idx = {}

    def co_index(w, lst):
        i = idx.get(w)
        if i is None:
            for k, x in enumerate(lst):
                idx[x] = k
            i = idx[w]
        return i

    seen = {src}
    stack = [src]
    while stack:
        e = stack.pop()
        for b in _succs(g, e, co_index):
            if b in targets:
                return True
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return False


def reaches_past(g, src, e) -> bool:
    """Does ``src`` reach ``e``'s po-predecessor (or, for a task's first event,
    the spawn that started it) through po | rf | co | fr | spawn?  What
    ``reaches_any(g, src, preds_of_last(g, e))`` answers, with the search
    inlined (no generator per event, coherence indices found once) and
    stopped at the first event of that predecessor's porf-view it meets:
    each such event reaches the predecessor along po, rf and spawn.  On a TDP
    MMU check every forward revisit read_extends asks about is consistent, so
    the search walks everything ``src`` reaches: 14% less time there.  With
    KCHECK_CHECK_FAST_PATHS=1 the plain search is asked too."""
    p = g.threads[e.tid][e.idx - 1] if e.idx else g.spawn_of.get(e.tid)
    res = _reaches_view(g, src, p)
    from .. import detect
    if detect.CHECK_FAST_PATHS:
        assert res == reaches_any(g, src, preds_of_last(g, e)), "reaches_past disagrees with reaches_any"
    return res


def _reaches_view(g, src, p):
    """Does ``src`` reach an event of ``p``'s porf-view (``p`` included)?"""
    if src is None or p is None:
        return False
    pv = p.view
    npv = len(pv)
    t = src.tid
    if t < npv and pv[t] >= src.idx:
        return True
    threads = g.threads
    ntasks = len(threads)
    co = g.co
    reads = g.reads
    idx = {}            # write -> its index in its location's coherence order
    seen = {src}
    stack = [src]
    push = stack.append
    while stack:
        e = stack.pop()
        # the successors _succs gives, in its order: po, spawn, rf, co, fr
        th = threads[e.tid]
        i = e.idx + 1
        succ = [th[i]] if i < len(th) else []
        k = e.kind
        if k == 5:          # SPAWN
            t = e.arg
            if t is not None and t < ntasks and threads[t]:
                succ.append(threads[t][0])
        elif k == 1:        # WRITE: its readers, its co-successor
            lid = e.lid
            for r in reads.get(lid, ()):
                if r.rf is e:
                    succ.append(r)
            lst = co.get(lid)
            j = idx.get(e)
            if j is None:
                for n, x in enumerate(lst):
                    idx[x] = n
                j = idx[e]
            if j + 1 < len(lst):
                succ.append(lst[j + 1])
        elif k == 0:        # READ: fr to the co-successor of its source
            lst = co.get(e.lid)
            if lst:
                w = e.rf
                if w is None:
                    nxt = lst[0]
                else:
                    j = idx.get(w)
                    if j is None:
                        for n, x in enumerate(lst):
                            idx[x] = n
                        j = idx[w]
                    nxt = lst[j + 1] if j + 1 < len(lst) else None
                if nxt is not None and nxt is not e:
                    succ.append(nxt)
        for b in succ:
            t = b.tid
            if t < npv and pv[t] >= b.idx:
                return True
            if b not in seen:
                seen.add(b)
                push(b)
    return False


def preds_of_last(g, e):
    """The events with an edge into ``e`` other than through co/fr of its own location:
    its po-predecessor, or the spawn event that started its task."""
    if e.idx > 0:
        return {g.threads[e.tid][e.idx - 1]}
    sp = g.spawn_of.get(e.tid)
    return {sp} if sp is not None else set()


def read_extends(g, r) -> bool:
    """``g`` is consistent without its last event ``r`` (a read); is it with ``r``?

    A new cycle must pass through ``r``: out along fr to the write after
    ``r``'s source, and back in through ``r``'s po-predecessor.
    """
    lst = g.co.get(r.lid) or []
    w = r.rf
    if w is None:
        nxt = lst[0] if lst else None
    else:
        i = lst.index(w)
        nxt = lst[i + 1] if i + 1 < len(lst) else None
    if nxt is None or nxt.rmw is True and nxt.tid == r.tid:
        return True
    return not reaches_past(g, nxt, r)


def write_moves(g, s) -> bool:
    """``g`` is consistent with its last event ``s`` (a write) at the end of co;
    is it with ``s`` where it is now?  A new cycle leaves ``s`` along co."""
    lst = g.co.get(s.lid)
    i = lst.index(s)
    if i + 1 >= len(lst):
        return True
    return not reaches_past(g, lst[i + 1], s)
