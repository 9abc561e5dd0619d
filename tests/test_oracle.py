"""The explorer against brute force: every interleaving of small random programs.

An independent interpreter runs every interleaving of a program under
sequential consistency and collects the distinct execution graphs (who each
read reads from, the coherence order of each location).  TruSt must visit
exactly that set, each graph once: no duplicates (optimality), nothing
missing (a missing graph is a bug kcheck could miss).
"""

from hypothesis import given, settings, strategies as st, HealthCheck

import kcheck
from kcheck.engine.explore import TruSt
from kcheck.engine import graph as G
from kcheck import spawn
from kcheck.kernel import KArray, READ_ONCE, WRITE_ONCE, cmpxchg, atomic_fetch_add, spinlock_t, spin_lock, spin_unlock

NLOC = 2

op = st.one_of(
    st.tuples(st.just("r"), st.integers(0, NLOC - 1)),
    st.tuples(st.just("w"), st.integers(0, NLOC - 1), st.integers(1, 2)),
    st.tuples(st.just("wr"), st.integers(0, NLOC - 1)),          # write last read value + 1
    st.tuples(st.just("cas"), st.integers(0, NLOC - 1), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("faa"), st.integers(0, NLOC - 1)),
    st.tuples(st.just("ifr"), st.integers(0, NLOC - 1)),          # read; skip next op if nonzero
)
# read; assume(value != v): an interleaving where it fails is not an execution
assume_op = st.tuples(st.just("as"), st.integers(0, NLOC - 1), st.integers(0, 2))
def _with_lock(ops, draw):
    """Wrap a random slice of a thread's ops in lock/unlock of one spinlock."""
    lo = draw(st.integers(0, len(ops)))
    hi = draw(st.integers(lo, len(ops)))
    if lo == hi:
        return ops
    return ops[:lo] + [("lock", NLOC)] + ops[lo:hi] + [("unlock", NLOC)] + ops[hi:]


@st.composite
def program(draw, locks=False, assumes=False):
    ops = st.one_of(op, assume_op) if assumes else op
    prog = draw(st.lists(st.lists(ops, min_size=1, max_size=4), min_size=2, max_size=3))
    if locks:
        prog = [_with_lock(p, draw) for p in prog]
    return prog


def brute_force(prog):
    """Distinct graphs over all interleavings (op-level events)."""
    out = set()
    n = len(prog)

    def step(state):
        mem, pcs, regs, skip, reads, co = state
        done = True
        for t in range(n):
            if pcs[t] >= len(prog[t]):
                continue
            done = False
            if prog[t][pcs[t]][0] == "lock" and mem.get(NLOC, (0,))[0] == 1:
                continue
            mem2 = dict(mem); pcs2 = list(pcs); regs2 = list(regs); skip2 = list(skip)
            reads2 = dict(reads); co2 = {k: list(v) for k, v in co.items()}
            i = pcs[t]
            if skip2[t] and prog[t][i][0] in ("lock", "unlock"):
                skip2[t] = False          # "ifr" never skips a lock operation
            if skip2[t]:
                skip2[t] = False
                pcs2[t] += 1
                step((mem2, pcs2, regs2, skip2, reads2, co2))
                continue
            o = prog[t][i]
            kind, loc = o[0], o[1]
            val, src = mem2.get(loc, (0, "init"))
            if kind in ("r", "ifr", "as"):
                reads2[(t, i)] = src
                regs2[t] = val
                if kind == "ifr" and val != 0:
                    skip2[t] = True
                if kind == "as" and val == o[2]:
                    continue                  # assume failed: not an execution
            elif kind == "w":
                mem2[loc] = (o[2], (t, i))
                co2.setdefault(loc, []).append((t, i))
            elif kind == "wr":
                mem2[loc] = (regs2[t] + 1, (t, i))
                co2.setdefault(loc, []).append((t, i))
            elif kind == "cas":
                reads2[(t, i)] = src
                if val == o[2]:
                    mem2[loc] = (o[3], (t, i))
                    co2.setdefault(loc, []).append((t, i))
            elif kind == "lock":
                reads2[(t, i)] = src
                mem2[loc] = (1, (t, i))
                co2.setdefault(loc, []).append((t, i))
            elif kind == "unlock":
                mem2[loc] = (0, (t, i))
                co2.setdefault(loc, []).append((t, i))
            elif kind == "faa":
                reads2[(t, i)] = src
                mem2[loc] = (val + 1, (t, i))
                co2.setdefault(loc, []).append((t, i))
            pcs2[t] += 1
            step((mem2, pcs2, regs2, skip2, reads2, co2))
        if done:
            out.add((frozenset(reads.items()), frozenset((k, tuple(v)) for k, v in co.items())))

    step(({}, [0] * n, [0] * n, [False] * n, {}, {}))
    return out


def model(prog, arrs=None):
    """The program as a kcheck model (``arrs`` receives the array's location ids)."""
    def thread(a, lk, ops):
        last = 0
        skip = False
        for o in ops:
            if skip and o[0] not in ("lock", "unlock"):
                skip = False
                continue
            skip = False
            kind, loc = o[0], o[1]
            if kind in ("r", "ifr", "as"):
                last = READ_ONCE(a[loc])
                if kind == "ifr" and last != 0:
                    skip = True
                if kind == "as":
                    kcheck.assume(last != o[2])
            elif kind == "w":
                WRITE_ONCE(a[loc], o[2])
            elif kind == "wr":
                WRITE_ONCE(a[loc], last + 1)
            elif kind == "cas":
                cmpxchg(a[loc], o[2], o[3])
            elif kind == "faa":
                atomic_fetch_add(1, _Atom(a[loc]))
            elif kind == "lock":
                spin_lock(lk)
            elif kind == "unlock":
                spin_unlock(lk)

    def main():
        a = KArray(NLOC)
        lk = spinlock_t()
        if arrs is not None:
            arrs["lids"] = {l.lid: i for i, l in enumerate(a)}
            arrs["lids"][lk._loc.lid] = NLOC
        for ops in prog:
            spawn(thread, a, lk, ops)
    return main


def kcheck_graphs(prog):
    seen = []
    arrs = {}
    main = model(prog, arrs)

    def on_complete(run):
        lids = arrs["lids"]
        # op index of each event: events of one op share it (RMW halves)
        opidx = {}
        for t, th in enumerate(run.g.threads):
            ops = prog[t] if t < len(prog) else []
            k = -1
            i = 0
            for e in th:
                if e.lid not in lids:
                    continue
                if e.kind == G.WRITE and e.rmw is True:
                    opidx[e] = opidx[th[e.idx - 1]]
                    continue
                # advance to the next op that makes an access (skipped ops make none)
                k += 1
                opidx[e] = k
        reads = {}
        co = {}
        # map event-op indices back to program op indices, honouring skips
        for t, th in enumerate(run.g.threads):
            pass
        real = _real_indices(prog, run, lids)
        for th in run.g.threads:
            for e in th:
                if e.lid in lids and e.kind == G.READ:
                    src = "init" if e.rf is None else real[e.rf]
                    reads[real[e]] = src
        for lid, lst in run.g.co.items():
            if lid in lids and lst:
                co[lids[lid]] = tuple(real[w] for w in lst)
        seen.append((frozenset(reads.items()), frozenset(co.items())))

    TruSt(main, on_complete=on_complete, races="off").run()
    return seen


class _Atom:
    """Adapter: atomic_fetch_add wants an atomic_t; give it the array element."""
    def __init__(self, loc):
        self._loc = loc


def _real_indices(prog, run, lids):
    """(tid, program op index) for each access event, replaying the skip logic."""
    real = {}
    for t, th in enumerate(run.g.threads):
        if t >= len(prog):
            continue
        evs = [e for e in th if e.lid in lids]
        j = 0
        skip = False
        for i, o in enumerate(prog[t]):
            if skip and o[0] not in ("lock", "unlock"):
                skip = False
                continue
            skip = False
            if j >= len(evs):
                break
            e = evs[j]
            real[e] = (t, i)
            j += 1
            if j < len(evs) and evs[j].kind == G.WRITE and evs[j].rmw is True:
                real[evs[j]] = (t, i)
                j += 1
            if o[0] == "ifr":
                v = e.rf.val if e.rf is not None else 0
                if v != 0:
                    skip = True
    return real


def _same(prog):
    expected = brute_force(prog)
    got = kcheck_graphs(prog)
    assert len(got) == len(set(got)), "a graph was explored twice"
    assert set(got) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program())
def test_trust_visits_each_sc_graph_exactly_once(prog):
    _same(prog)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program(locks=True))
def test_trust_with_spinlocks_visits_each_sc_graph_exactly_once(prog):
    _same(prog)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program(locks=True, assumes=True))
def test_trust_with_assume_visits_each_sc_graph_that_satisfies_it_exactly_once(prog):
    """``assume``: the executions where every assume holds, each once - the
    brute force drops an interleaving at a failing assume, kcheck must still
    find the ones where a later write satisfies it."""
    _same(prog)


def _replays_exactly(prog):
    """Every explored graph, linearized and replayed as a schedule, comes back identical."""
    from kcheck.engine.memory import sc
    from kcheck.engine.strategies import Replay
    from kcheck.engine import schedule as S

    seen = []

    def collect(run):
        seen.append((_shape(run.g), S.steps_of(run, sc.linearize(run.g))))

    main = model(prog)
    TruSt(main, on_complete=collect, races="off").run()
    for shape, steps in seen:
        r2, bug, complete = Replay(main, steps, strict=True, races="off").run_once()
        assert complete and _shape(r2.g) == shape


def _shape(g):
    rf = tuple((e.tid, e.idx, e.kind, e.lid, None if e.rf is None else (e.rf.tid, e.rf.idx))
               for th in g.threads for e in th)
    co = tuple(sorted((lid, tuple((w.tid, w.idx) for w in lst)) for lid, lst in g.co.items() if lst))
    return rf, co


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program(locks=True))
def test_every_graph_replays_from_its_schedule(prog):
    _replays_exactly(prog)
