"""Oracle: the LKMM's consistency verdict from the events that can lie on a
cycle equals the verdict from every event.

``lkmm.check`` without flags evaluates the axioms on the support of the
execution's cycles only (the strongly connected components of po | rf | co |
fr, those of po | com | rcu-rscsi that hold a grace period, the lock events,
closed under rf sources, RMW halves and read-side section pairs; see
``kcheck/engine/memory/lkmm.py``).  Here every candidate execution herd's
enumeration builds - consistent or not, for the litmus tests the project
keeps and for generated ones - and every graph the explorer checks on
generated kernel programs is judged both ways, the support forced even where
the check itself would not bother (small executions, large supports): same
consistency, same first failing axiom.
"""

import glob
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kcheck.engine.explore import TruSt
from kcheck.engine.memory import lkmm, lkmm_bridge
from kcheck.litmus.enumerate import run_test
from kcheck.litmus.parser import parse_file, parse_text

from lkmm_programs_gen import model, program
from test_lkmm_enumeration import litmus

SCALE = int(os.environ.get("KCHECK_ORACLE_SCALE", "1"))
HERE = os.path.dirname(os.path.abspath(__file__))
LITMUS = sorted(glob.glob(os.path.join(HERE, "data", "lkmm", "tests", "*.litmus")))


class _Both:
    """Stands in for ``lkmm.check``: the whole verdict is returned, the
    support's compared with it."""

    def __init__(self):
        self.compared = 0
        self.inconsistent = 0

    def __call__(self, x, flags=True, ordered=()):
        whole = lkmm.check_whole(x, flags, ordered)
        keep = lkmm._cycle_support(x, always=True)
        if keep is not None:
            part = lkmm._reduced_verdict(x, keep)
            assert (part.consistent, part.axiom) == (whole.consistent, whole.axiom), (
                f"support of {len(keep)}/{len(x.es.events)} events: "
                f"{part.consistent, part.axiom}; whole: {whole.consistent, whole.axiom}")
            self.compared += 1
            self.inconsistent += not whole.consistent
        return whole


@pytest.fixture
def both(monkeypatch):
    b = _Both()
    monkeypatch.setattr(lkmm, "check", b)
    return b


@pytest.mark.parametrize("path", LITMUS, ids=os.path.basename)
def test_every_candidate_of_the_kept_litmus_tests(path, both):
    run_test(parse_file(path))
    assert both.compared > 0


@settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(litmus())
def test_every_candidate_of_generated_litmus_tests(text):
    b = _Both()
    saved, lkmm.check = lkmm.check, b
    try:
        run_test(parse_text(text, "generated.litmus"))
    finally:
        lkmm.check = saved


@settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(program(max_ops=3, rcu_cb=True, plains=True))
def test_every_graph_the_explorer_checks_on_generated_programs(prog):
    # the explorer's shortcuts (a sequentially consistent graph, one extended
    # by events with no edge out) off: every graph it meets is judged both ways
    b = _Both()
    saved = lkmm.check, lkmm_bridge.sc_shortcut, TruSt.__dict__["_extends_checked"]
    lkmm.check = b
    lkmm_bridge.sc_shortcut = lambda g, inits=None: False
    TruSt._extends_checked = staticmethod(lambda g: False)
    try:
        TruSt(model(prog), memory_model="lkmm", races="off", keep_going=True,
              on_bug=lambda run, bug: False, max_executions=5000).run()
    finally:
        lkmm.check, lkmm_bridge.sc_shortcut, TruSt._extends_checked = saved


def test_the_candidates_include_inconsistent_ones_with_a_grace_period(both):
    # the comparison means something only if the support is asked about
    # executions the LKMM forbids, the rcu axiom's among them
    text = ("C rcu-mp\n\n{}\n\n"
            "P0(int *x, int *y)\n{\n\tint r0;\n\tint r1;\n\trcu_read_lock();\n"
            "\tr0 = READ_ONCE(*x);\n\tr1 = READ_ONCE(*y);\n\trcu_read_unlock();\n}\n\n"
            "P1(int *x, int *y)\n{\n\tWRITE_ONCE(*y, 1);\n\tsynchronize_rcu();\n"
            "\tWRITE_ONCE(*x, 1);\n}\n\nexists (0:r0=1 /\\ 0:r1=0)\n")
    out = run_test(parse_text(text, "rcu-mp.litmus"))
    assert both.inconsistent > 0 and out.positive == 0


def test_a_large_execution_is_checked_on_its_support():
    # ten message-passing pairs side by side: one stale read's cycle is four
    # events of the eighty; the support is small and gives the verdict
    threads, rf, co = [], {}, {}
    ev = []
    for k in range(10):
        x, y = f"x{k}", f"y{k}"
        for loc in (x, y):
            co[loc] = [len(ev)]
            ev.append(lkmm.Event(None, "W", loc))
        w0 = len(ev)
        ev += [lkmm.Event(2 * k, "W", x, frozenset({"ONCE"})),
               lkmm.Event(2 * k, "W", y, frozenset({"RELEASE"}))]
        r0 = len(ev)
        ev += [lkmm.Event(2 * k + 1, "R", y, frozenset({"ACQUIRE"})),
               lkmm.Event(2 * k + 1, "R", x, frozenset({"ONCE"}))]
        co[x].append(w0)
        co[y].append(w0 + 1)
        rf[r0] = w0 + 1
        rf[r0 + 1] = w0 if k else co[x][0]      # pair 0 reads the stale x
        threads.append(k)
    x = lkmm.Execution(lkmm.EventStructure(tuple(ev)), rf, co)
    keep = lkmm._cycle_support(x)
    assert keep is not None and len(keep) < len(ev) // 4
    v = lkmm.check(x, flags=False)
    assert (v.consistent, v.axiom) == (False, "happens-before")
    assert lkmm.check_whole(x, flags=False).axiom == "happens-before"


# Random candidate executions, consistent or not: events with herd's
# annotations on three locations, RCU sections and grace periods, RMW pairs,
# dependencies, any rf of the same location, any coherence order.
_ACCESS_TAGS = [frozenset(), frozenset({"ONCE"}), frozenset({"ACQUIRE"}),
                frozenset({"RELEASE"}), frozenset({"MB"})]
_FENCES = ["MB", "Rmb", "Wmb", "Before-atomic", "After-atomic", "Sync-rcu", "Barrier"]


@st.composite
def execution(draw):
    nthreads = draw(st.integers(2, 4))
    events = [lkmm.Event(None, "W", loc) for loc in "xyzl"]
    rmw, deps = set(), {"addr": set(), "data": set(), "ctrl": set()}
    for t in range(nthreads):
        reads, depth = [], 0
        for _ in range(draw(st.integers(1, 7))):
            what = draw(st.sampled_from(["R", "W", "W", "R", "F", "rmw", "lock", "unlock",
                                         "spin", "mixed"]))
            if what == "spin":
                # a critical section of spinlock l around one access; lock.cat's
                # LKR, LKW and UL (a random rf below mostly breaks lock-rf)
                loc = draw(st.sampled_from("xy"))
                events += [lkmm.Event(t, "LKR", "l"), lkmm.Event(t, "LKW", "l"),
                           lkmm.Event(t, draw(st.sampled_from("RW")), loc, frozenset({"ONCE"})),
                           lkmm.Event(t, "UL", "l")]
                continue
            if what == "mixed":
                events.append(lkmm.Event(t, "W", "l", frozenset({"ONCE"})))
                continue
            if what == "lock":
                events.append(lkmm.Event(t, "F", None, frozenset({"Rcu-lock"})))
                depth += 1
                continue
            if what == "unlock":
                if depth:
                    events.append(lkmm.Event(t, "F", None, frozenset({"Rcu-unlock"})))
                    depth -= 1
                continue
            if what == "F":
                events.append(lkmm.Event(t, "F", None, frozenset({draw(st.sampled_from(_FENCES))})))
                continue
            loc = draw(st.sampled_from("xxyyz"))
            tags = draw(st.sampled_from(_ACCESS_TAGS))
            i = len(events)
            if what == "rmw":
                events.append(lkmm.Event(t, "R", loc, tags, True))
                if draw(st.booleans()):          # else a failed cmpxchg: a read alone
                    events.append(lkmm.Event(t, "W", loc, tags, True))
                    rmw.add((i, i + 1))
                reads.append(i)
                continue
            events.append(lkmm.Event(t, what, loc, tags))
            if reads and draw(st.integers(0, 3)) == 0:
                deps[draw(st.sampled_from(sorted(deps)))].add((draw(st.sampled_from(reads)), i))
            if what == "R":
                reads.append(i)
        for _ in range(depth):
            events.append(lkmm.Event(t, "F", None, frozenset({"Rcu-unlock"})))
    # an interleaving, then weakened: coherence mostly as the interleaving has
    # it (so that executions get past the coherence axiom to the others), reads
    # of the latest write or, now and then, of any write of the location
    queues = [[i for i, e in enumerate(events) if e.tid == t] for t in range(nthreads)]
    order = []
    while any(queues):
        q = draw(st.sampled_from([q for q in queues if q]))
        order.append(q.pop(0))
    latest = {loc: k for k, loc in enumerate("xyzl")}
    writes = {loc: [k] for k, loc in enumerate("xyzl")}
    rf = {}
    for i in order:
        e = events[i]
        if e.kind in ("R", "LKR"):
            weak = draw(st.booleans())
            rf[i] = draw(st.sampled_from(writes[e.loc])) if weak else latest[e.loc]
        elif e.kind in ("W", "LKW", "UL"):
            latest[e.loc] = i
            writes[e.loc].append(i)
    co = {}
    for loc, ws in writes.items():
        tail = ws[1:]
        if len(tail) > 1 and draw(st.integers(0, 3)) == 0:
            tail = draw(st.permutations(tail))
        co[loc] = [ws[0]] + list(tail)
    es = lkmm.EventStructure(tuple(events), frozenset(rmw), frozenset(deps["addr"]),
                             frozenset(deps["data"]), frozenset(deps["ctrl"]))
    return lkmm.Execution(es, rf, co)


_AXIOM_COUNTS = {}


@settings(max_examples=1500 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(execution())
def test_random_candidate_executions(x):
    whole = lkmm.check_whole(x, flags=False)
    keep = lkmm._cycle_support(x, always=True)
    assert keep is not None
    part = lkmm._reduced_verdict(x, keep)
    assert (part.consistent, part.axiom) == (whole.consistent, whole.axiom), (
        f"support {keep}: {part.consistent, part.axiom}; whole: {whole.consistent, whole.axiom}")
    _AXIOM_COUNTS[whole.axiom] = _AXIOM_COUNTS.get(whole.axiom, 0) + 1


def teardown_module(module):
    if os.environ.get("KCHECK_ORACLE_REPORT"):
        print(f"\nsupport oracle, random executions by first failing axiom: {_AXIOM_COUNTS}")


def test_a_store_to_a_lock_word_between_a_lock_and_what_it_read():
    # lock-rf: the lock's read reads the write immediately before its LKW in
    # co; a plain store of another thread between them is on no cycle, but the
    # support must hold it or the lock looks well formed
    E = lkmm.Event
    ev = (E(None, "W", "l"), E(0, "LKR", "l"), E(0, "LKW", "l"), E(0, "UL", "l"),
          E(1, "W", "l", frozenset({"ONCE"})))
    x = lkmm.Execution(lkmm.EventStructure(ev), {1: 0}, {"l": [0, 4, 2, 3]})
    keep = lkmm._cycle_support(x, always=True)
    assert 4 in keep
    whole = lkmm.check_whole(x, flags=False)
    assert lkmm._reduced_verdict(x, keep).axiom == whole.axiom == "lock-rf"
