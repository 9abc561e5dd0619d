"""``memory.sc.Reach``, ``sc.consistent`` and the revisit pre-check against what they replace.

The end of an SC execution answers "is a before b in every SC order" from one
bitset per event (``sc.Reach``); ``sc.consistent`` finds a cycle with integer
arrays.  Both are checked here against the plain definition - a search over
``sc.edges``, the immediate po | rf | co | fr | spawn edges - on every
complete graph of generated programs, and on graphs with a cycle made by
hand (a read moved to a write that comes after it).
"""

from hypothesis import HealthCheck, assume, given, settings

from kcheck.engine.explore import TruSt
from kcheck.engine.memory import sc

from lkmm_programs_gen import model, program


def _closure(g):
    succ = sc.edges(g)
    out = {}
    for e in g.events():
        seen, stack = set(), [e]
        while stack:
            x = stack.pop()
            for y in succ.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        out[e] = seen
    return out


def _acyclic(g):
    succ = sc.edges(g)
    state = {}
    for root in g.events():
        if root in state:
            continue
        stack = [(root, iter(succ.get(root, ())))]
        state[root] = 1
        while stack:
            x, it = stack[-1]
            y = next(it, None)
            if y is None:
                state[x] = 2
                stack.pop()
            elif state.get(y) == 1:
                return False
            elif y not in state:
                state[y] = 1
                stack.append((y, iter(succ.get(y, ()))))
    return True


def _check_graph(g):
    r = sc.Reach(g)
    assert r.ok == _acyclic(g)
    assert sc.consistent(g) == (sc.atomic(g) and _acyclic(g))
    if r.ok:
        cl = _closure(g)
        evs = list(g.events())
        for a in evs:
            for b in evs:
                assert r.before(a, b) == (b in cl[a]), (a, b)
                if sc.hop_before(g, a, b):       # sufficient, never more
                    assert b in cl[a], ("hop_before", a, b)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(prog=program(max_threads=3, max_ops=3))
def test_reach_is_the_closure_of_the_edges(prog):
    graphs = []

    def on_complete(run):
        if len(graphs) < 30:
            _check_graph(run.g)
            graphs.append(1)
            # the same graph with a read moved to a write po-after it: a cycle
            for lid, rs in run.g.reads.items():
                for rd in rs:
                    for w in run.g.co.get(lid, ()):
                        if w.tid == rd.tid and w.idx > rd.idx and rd.rmw is None:
                            old = rd.rf
                            rd.rf = w
                            try:
                                assert not sc.Reach(run.g).ok and not sc.consistent(run.g)
                            finally:
                                rd.rf = old
                            return

    d = TruSt(model(prog), on_complete=on_complete, on_bug=lambda run, bug: False,
              keep_going=True, max_executions=2000)
    d.run()
    assume(graphs)          # a program whose tasks all wait for ever has no complete graph


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(prog=program(max_threads=3, max_ops=3))
def test_revisit_judged_before_its_copy_as_after(prog):
    """``sc.revisit_breaks_atomicity`` judges a backward revisit on the graph before the
    copy; with CHECK_FAST_PATHS the explorer copies anyway and asserts that the
    copy breaks RMW atomicity (sc.atomic) exactly when it said so, and that the
    copy's consistency judged by one search (``_revisit_consistent``) is the
    whole-graph check's."""
    import pytest
    from kcheck.engine import detect
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(detect, "CHECK_FAST_PATHS", True)
        d = TruSt(model(prog), on_bug=lambda run, bug: False, keep_going=True,
                  max_executions=3000)
        d.run()


def test_revisit_consistency_by_one_search_on_the_benchmarks(monkeypatch):
    """A backward revisit's graph is judged SC by one search from the write after
    the revisited read's new source (``TruSt._revisit_consistent``); with
    CHECK_FAST_PATHS every judgement is asserted against the whole-graph check
    (generated programs: the test above).  The published counts stay."""
    import sys
    from pathlib import Path
    from kcheck.engine import detect
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import programs
    monkeypatch.setattr(detect, "CHECK_FAST_PATHS", True)
    seen = []
    real = sc.read_extends
    monkeypatch.setattr(sc, "read_extends", lambda g, r: seen.append(1) or real(g, r))
    for fam, n in (("lastzero", 5), ("indexer", 13), ("filesystem", 16), ("readers", 5)):
        d = TruSt(getattr(programs, fam)(n)).run()
        assert d.stats.executions == programs.TRACES[fam][n], fam
    assert seen


def test_revisit_judged_before_its_copy_on_the_tdp_mmu(monkeypatch):
    from kcheck.engine import detect
    from kcheck.models.tdp_mmu.claims import Check
    monkeypatch.setattr(detect, "CHECK_FAST_PATHS", True)
    ch = Check("x", "v5.18", "memslot+vcpu")
    d = TruSt(ch.build(), max_executions=300, step_bound=3000)
    d.run()
    assert d.stats.executions == 300


def test_hop_before_on_the_tdp_mmu_agrees_with_reach(monkeypatch):
    """The end-of-run use-after-free question takes ``sc.hop_before`` first; with
    CHECK_FAST_PATHS it asserts Reach agrees on every pair it answers (RCU-freed
    page tables walked by two walkers: the pairs that path is for)."""
    from kcheck.engine import detect
    from kcheck.models.tdp_mmu import build_main
    monkeypatch.setattr(detect, "CHECK_FAST_PATHS", True)
    calls = []
    real = sc.hop_before

    def spy(g, a, b):
        ok = real(g, a, b)
        calls.append(ok)
        return ok
    monkeypatch.setattr(sc, "hop_before", spy)
    d = TruSt(build_main("sean-v3", "vcpu+walker+walker"), max_executions=300, step_bound=3000)
    d.run()
    assert d.stats.executions == 300 and any(calls)
