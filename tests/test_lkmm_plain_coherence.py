"""The plain-coherence axiom has two implementations in ``kcheck.engine.memory.lkmm``:
``_plain`` builds herd's relations whole (it also yields the data-race flag),
``_plain_coherent`` computes only the entries the axiom reads (the exploration's
consistency checks take it).  On every graph the LKMM explorer checks for
generated programs with plain accesses (fences, locks, RCU, RMWs), and on every
candidate execution of the shared litmus tests, the two must give the same
verdict and the same failed axiom."""

import glob
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from kcheck.engine.explore import TruSt
from kcheck.engine.memory import lkmm
from kcheck.litmus import enumerate as enum
from kcheck.litmus.parser import parse_file, parse_text

from lkmm_programs_gen import model, program

SCALE = int(os.environ.get("KCHECK_ORACLE_SCALE", "1"))
DATA = Path(__file__).resolve().parent / "data" / "lkmm"
FILES = sorted(glob.glob(str(DATA / "tests" / "*.litmus"))) + sorted(
    glob.glob(str(DATA / "doc-tests" / "*" / "*.litmus")))
SEEN = {"executions": 0, "plain-coherence": 0}


def _both(x, flags=True, ordered=()):
    whole = lkmm._Dynamic(x).verdict(True, tuple(ordered))
    lazy = lkmm._Dynamic(x).verdict(False, tuple(ordered))
    assert (whole.consistent, whole.axiom) == (lazy.consistent, lazy.axiom)
    assert whole.ordered == lazy.ordered
    SEEN["executions"] += 1
    SEEN["plain-coherence"] += whole.axiom == "plain-coherence"
    return whole if flags else lazy


# Message passing whose plain accesses only plain-coherence forbids (hb, pb and
# rb are over marked accesses): a write, a read and an overwrite that the
# fences order against the other side's access to x.
PLAIN_INCOHERENT = {
    "ww": ("P0(int *x, int *y) { *x = 1; smp_mb(); WRITE_ONCE(*y, 1); }",
           "P1(int *x, int *y) { int r1; r1 = READ_ONCE(*y); smp_mb(); *x = 2; }",
           "exists (1:r1=1 /\\ x=1)"),
    "ww-release": ("P0(int *x, int *y) { *x = 1; smp_store_release(y, 1); }",
                   "P1(int *x, int *y) { int r1; r1 = smp_load_acquire(y); *x = 2; }",
                   "exists (1:r1=1 /\\ x=1)"),
    "wr": ("P0(int *x, int *y) { int r0; r0 = *x; smp_mb(); WRITE_ONCE(*y, 1); }",
           "P1(int *x, int *y) { int r1; r1 = READ_ONCE(*y); smp_mb(); *x = 1; }",
           "exists (0:r0=1 /\\ 1:r1=1)"),
    "rw": ("P0(int *x, int *y) { *x = 1; smp_mb(); WRITE_ONCE(*y, 1); }",
           "P1(int *x, int *y) { int r0; int r1; r1 = READ_ONCE(*y); smp_mb(); r0 = *x; }",
           "exists (1:r1=1 /\\ 1:r0=0)"),
}


def test_on_the_litmus_corpus(monkeypatch):
    monkeypatch.setattr(enum.lkmm, "check", _both)
    before = SEEN["executions"]
    for path in FILES:
        enum.run_test(parse_file(path))
    assert SEEN["executions"] - before > 300
    for name, (p0, p1, cond) in PLAIN_INCOHERENT.items():
        test = parse_text(f"C plain-{name}\n{{}}\n{p0}\n{p1}\n{cond}\n", f"<plain-{name}>")
        assert not enum.run_test(test).positive, name   # herd7: Never


@settings(max_examples=120 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(program(plains=True, waits=False, max_ops=3))
def test_on_generated_programs(prog):
    old = lkmm.check
    lkmm.check = _both
    try:
        TruSt(model(prog), memory_model="lkmm", races="off", keep_going=True,
              on_bug=lambda run, bug: False, max_executions=20000).run()
    finally:
        lkmm.check = old


def test_the_axiom_was_really_exercised():
    # runs after the two above (file order): a comparison that never met a
    # plain-coherence violation would prove nothing
    assert SEEN["plain-coherence"] > 0, SEEN
