"""The TDP MMU root lifecycle in C (examples/c/tdp_mmu) gives the Python
model's verdicts and execution counts: the golden numbers below are the
verdict matrix's (README; kcheck tdp-mmu matrix, model of kcheck 5e210a5),
which benchmarks/c_tdp_matrix.py compares cell by cell.  The C is also driven
by the Python model's own flows (python_flows.py)."""

import os
import sys

import pytest

import kcheck
import kcheck.c

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TDP = os.path.join(ROOT, "examples", "c", "tdp_mmu")
FLOW = {"vcpu": "VCPU", "memslot": "MEMSLOT", "notifier": "NOTIFIER", "dirty-log": "DIRTY_LOG",
        "zap-all": "ZAP_ALL"}

# (variant, scenario, resident) -> (verdict, executions): the Python model's
GOLDEN = {
    ("v5.17", "vcpu+dirty-log", 0): ("no-bug", 19),
    ("v5.17", "vcpu+dirty-log", 1): ("no-bug", 34),
    ("v5.17", "notifier+zap-all", 1): ("no-bug", 10),
    ("sean-v3", "vcpu+memslot", 1): ("refcount-warn", 196),
    ("paolo-xchg", "vcpu+memslot", 1): ("refcount-warn", 196),
    ("sean-xchg", "dirty-log+zap-all", 1): ("no-bug", 40),
    ("paolo-dec-not-one", "vcpu+dirty-log+dirty-log", 0): ("refcount-warn", 179),
    ("v5.18", "vcpu+dirty-log", 1): ("no-bug", 136),
    ("v5.18", "memslot+notifier", 1): ("no-bug", 36),
    ("v6.6", "vcpu+dirty-log", 1): ("no-bug", 68),
    ("v6.6", "memslot+memslot", 1): ("no-bug", 8),
}


def c_check(variant, scenario, resident):
    flows = ",".join(FLOW[f] for f in scenario.split("+"))
    prog = kcheck.c.load(os.path.join(TDP, f"{variant}.c"),
                         defines=[f"FLOWS={flows}", f"RESIDENT={resident}"])
    return kcheck.check(prog.entry)


@pytest.mark.parametrize("variant,scenario,resident", sorted(GOLDEN))
def test_c_gives_the_models_verdict_and_count(variant, scenario, resident):
    want, n = GOLDEN[(variant, scenario, resident)]
    r = c_check(variant, scenario, resident)
    got = r.bug.kind if r.bug else "no-bug"
    assert (got, r.executions) == (want, n), r.format()
    if want == "no-bug":
        assert r.exhaustive


def test_c_driven_by_the_python_flows():
    sys.path.insert(0, TDP)
    try:
        from python_flows import c_impl
    finally:
        sys.path.remove(TDP)
    from kcheck.models.tdp_mmu.flows import make_main
    r = kcheck.check(make_main(c_impl("sean-v3"), "vcpu+memslot", resident=1))
    assert r.bug is not None and r.bug.kind == "refcount-warn" and r.executions == 196
    r = kcheck.check(make_main(c_impl("v5.17"), "vcpu+dirty-log"))
    assert r.bug is None and r.exhaustive and r.executions == 19


def test_trace_in_c_terms():
    r = c_check("paolo-dec-not-one", "vcpu+dirty-log+dirty-log", 0)
    last = [e for e in r.bug.events if e["bug"]][0]
    assert last["text"] == ("refcount_dec_not_one(&root->tdp_mmu_root_count)  0, unchanged  "
                            "[kvm_mmu_page#0]"), last
    assert last["where"] == "kvm_tdp_mmu_put_root() paolo-dec-not-one.c:20"
    assert last["object"] == "kvm_mmu_page#0"
    assert r.bug.where == "paolo-dec-not-one.c:20"


def test_replay_of_a_c_schedule():
    from kcheck.cli import load_model
    r = c_check("sean-v3", "vcpu+memslot", 1)
    path = os.path.join(TDP, "sean-v3.c")
    fn = load_model(path, defines=["FLOWS=VCPU,MEMSLOT", "RESIDENT=1"])
    again = kcheck.replay(fn, r.bug.schedule)
    assert again.bug is not None and again.bug.kind == r.bug.kind
