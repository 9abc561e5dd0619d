"""What a bug's trace tells: the steps that lead to the bug, ending at it.

A use-after-free found by a race is a pair - an access and a ``kfree`` that
nothing orders access-first - seen on a finished execution, in which the
access may well have run *before* the free and the tasks ran on afterwards.
Shown in that order, the trace flags a step printed before the free and then
runs on past the bug.  The story the reviewer needs is the other order, which
the execution allows: everything the free depends on, the free, then what the
access depends on, and the access - flagged, and last.
"""

from __future__ import annotations

from ..engine import graph as G
from ..engine.memory import sc


def race_order(run, bug):
    """For a use-after-free by a race: the events that lead to the free, the free,
    the other events that lead to the access, and the access, in an order the
    memory model allows (SC: ``po | rf | co | fr``; LKMM: ``po | rf``) - or None
    for any other bug, or when nothing can put the free first."""
    if (bug is None or bug.kind != "use-after-free" or not bug.whole or bug.event is None
            or bug.other is None or bug.other.kind != G.FREE):
        return None
    g = run.g
    succ = _porf_edges(g) if run.lkmm else sc.edges(g)
    pred = {}
    for x, outs in succ.items():
        for y in outs:
            pred.setdefault(y, []).append(x)
    access, free = bug.event, bug.other
    first = _closure(pred, free)
    if access in first:
        return None
    then = _closure(pred, access) - first
    order = _topo(first, pred) + _topo(then, pred)
    # an RMW's write half goes with its read half (a replay makes them as one step)
    out = []
    for e in order:
        out.append(e)
        th = g.threads[e.tid]
        if e.kind == G.READ and e.idx + 1 < len(th) and th[e.idx + 1].rmw is True \
                and th[e.idx + 1] not in first and th[e.idx + 1] not in then:
            out.append(th[e.idx + 1])
    return out


def _porf_edges(g):
    succ = sc.po_spawn_edges(g)
    for th in g.threads:
        for e in th:
            if e.kind == G.READ and e.rf is not None:
                succ.setdefault(e.rf, []).append(e)
    return succ


def _closure(pred, e):
    """``e`` and every event ordered before it."""
    seen = {e}
    stack = [e]
    while stack:
        x = stack.pop()
        for p in pred.get(x, ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def _topo(events, pred):
    """``events`` in an order respecting the edges among them: stay on a task while
    its next event is ready, else take the ready event added earliest (few
    context switches, as the rest of a trace)."""
    left = set(events)
    need = {e: sum(1 for p in pred.get(e, ()) if p in left) for e in left}
    succ = {}
    for e in left:
        for p in pred.get(e, ()):
            if p in left:
                succ.setdefault(p, []).append(e)
    ready = {e for e, n in need.items() if n == 0}
    out = []
    cur = None
    while ready:
        nxt = next((e for e in ready if e.tid == cur), None) if cur is not None else None
        if nxt is not None:
            nxt = min((e for e in ready if e.tid == cur), key=lambda e: e.idx)
        else:
            nxt = min(ready, key=lambda e: e.stamp)
        ready.discard(nxt)
        out.append(nxt)
        cur = nxt.tid
        for s in succ.get(nxt, ()):
            need[s] -= 1
            if need[s] == 0:
                ready.add(s)
    return out


def shown_until(bug):
    """The event a trace stops at: the bug's, when what the tasks did afterwards is
    not part of the story (a bug met after a grace period while the others ran on,
    a use-after-free by a race); None to show the whole execution."""
    if bug is None or bug.event is None:
        return None
    if bug.kind == "use-after-free" and bug.whole:
        f = bug.other
        if f is not None and getattr(f, "kind", None) == G.FREE and f.stamp > bug.event.stamp:
            # the access came first and the memory model lets it land after the
            # free (LKMM: nothing orders it before): the free belongs in the story
            return f
        return bug.event
    if bug.deferred:
        return bug.event
    return None
