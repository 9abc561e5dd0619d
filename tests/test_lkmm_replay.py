"""LKMM bug reports: a trace with a source line on every step, and a replay line
that reproduces the bug (the schedule says which older write a read reads)."""

import re

import pytest
import subprocess
import sys
from pathlib import Path

import os

from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

import kcheck
from kcheck.engine import schedule as S

from lkmm_programs_gen import model, ops, program

ROOT = Path(__file__).resolve().parent.parent
SCALE = int(os.environ.get("KCHECK_ORACLE_SCALE", "1"))   # more examples, by hand
MODEL = ROOT / "examples" / "lkmm" / "lost_wakeup.py"


def _kcheck(*args):
    return subprocess.run([sys.executable, "-m", "kcheck.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_store_buffering_lost_wakeup_is_an_lkmm_bug_only():
    sys.path.insert(0, str(MODEL.parent))
    import lost_wakeup
    assert kcheck.check(lost_wakeup.buggy).verdict == "no-bug"
    res = kcheck.check(lost_wakeup.buggy, memory_model="lkmm")
    assert res.bug is not None and res.bug.kind in ("deadlock", "lost-wakeup")
    assert res.bug.memory_model == "lkmm"
    fixed = kcheck.check(lost_wakeup.fixed, memory_model="lkmm")
    assert fixed.verdict == "no-bug" and fixed.exhaustive


def test_the_printed_replay_line_reproduces_the_lkmm_bug():
    p = _kcheck("check", str(MODEL.relative_to(ROOT)), "--memory-model", "lkmm", "-j1")
    assert p.returncode == 1, p.stdout + p.stderr
    first = p.stdout.splitlines()[0]
    # every step of the trace names the model's function and line
    steps = [l for l in p.stdout.splitlines() if re.match(r"^(>>| ) ?\s*\d+ ", l)]
    assert steps
    assert len(re.findall(r"\w+\(\) lost_wakeup\.py:\d+", p.stdout)) >= len(steps)
    line = next(l for l in p.stdout.splitlines() if l.startswith("replay: "))
    assert "--memory-model lkmm" in line
    sched = re.search(r"'([^']*)'", line).group(1)
    assert "<" in sched                       # a read of an older write, said explicitly
    again = _kcheck("replay", str(MODEL.relative_to(ROOT)), sched, "--memory-model", "lkmm")
    assert again.returncode == 1, again.stdout + again.stderr
    assert again.stdout.splitlines()[0] == first
    # the same schedule is not an SC execution: replayed under SC it is refused, with the hint
    sc = _kcheck("replay", str(MODEL.relative_to(ROOT)), sched)
    assert sc.returncode == 2
    assert "--memory-model lkmm" in sc.stderr and "Traceback" not in sc.stderr


MP = ROOT / "examples" / "lkmm" / "message_passing.py"


def test_an_lkmm_trace_is_minimized_and_its_replay_line_reproduces_it():
    """The first execution found holds a statistics task the bug does not need and
    three context switches; the printed trace is the producer, then the consumer."""
    rel = str(MP.relative_to(ROOT))
    raw = _kcheck("check", rel, "--memory-model", "lkmm", "-j1", "--no-minimize")
    small = _kcheck("check", rel, "--memory-model", "lkmm", "-j1")
    assert raw.returncode == small.returncode == 1
    assert raw.stdout.splitlines()[0] == small.stdout.splitlines()[0]
    assert "3 context switches" in raw.stdout and "stats()" in raw.stdout
    assert "trace: 1 context switch\n" in small.stdout
    assert "stats()" not in small.stdout
    steps = [l for l in small.stdout.splitlines() if re.match(r"^(>>| ) ?\s*\d+ ", l)]
    assert len(steps) == 11
    sched = re.search(r"replay: .*'([^']*)'", small.stdout).group(1)
    assert "<" in sched
    again = _kcheck("replay", rel, sched, "--memory-model", "lkmm")
    assert again.returncode == 1 and again.stdout.splitlines()[0] == small.stdout.splitlines()[0]
    fixed = _kcheck("check", rel, "--entry", "fixed", "--memory-model", "lkmm", "-j1")
    assert fixed.returncode == 0, fixed.stdout


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(program(max_ops=3), st.integers(0, 1), st.integers(0, 2))
# found by CI on a fresh clone: the shrinker started from the run's SC story (two
# switches) and never came back to the one-switch schedule the search had found
@example(prog=[[("inc", 1)], [("join", 0), ("r", 0, "once")], [("w", 0, 1, "once"), ("ifr", 1)]],
         at=1, v=1)
def test_every_minimized_lkmm_report_replays_exactly(prog, at, v):
    """On generated programs (each ending in a WARN_ON, so that most have a bug):
    whatever the shrinker keeps, the report's schedule replays strictly (no
    divergence, a graph the LKMM allows) to the same bug, and is no more complex
    than the schedule the search found."""
    prog = prog[:-1] + [prog[-1] + [("warn", at, v)]]
    main = model(prog)
    found = kcheck.check(main, memory_model="lkmm", minimize=False, races="off")
    assume(found.bug is not None and found.bug.schedule)
    small = kcheck.check(main, memory_model="lkmm", races="off")
    assert small.bug is not None and small.bug.schedule, small.bug
    assert same_kind(small.bug, found.bug)
    a, b = S.decode(small.bug.schedule), S.decode(found.bug.schedule)
    assert (S.switches(a), len(a)) <= (S.switches(b), len(b))
    again = kcheck.replay(main, small.bug.schedule, memory_model="lkmm", races="off")
    assert again.bug is not None and same_kind(again.bug, small.bug)


# message passing (the consumer's WARN needs the flag's new value and the data's
# old one), its writer half with a release, then noise in and between the tasks
_MP = ([("w", 0, 1, "once"), ("w", 1, 1, "once")], [("ifr", 1), ("w", 0, 2, "once"), ("warn", 0, 0)])
_MP_REL = ([("w", 0, 1, "once"), ("w", 1, 1, "release")], _MP[1])


def _no_warn(o):
    """``o`` with each WARN_ON made a plain READ_ONCE of the same location."""
    if o[0] == "warn":
        return ("r", o[1], "once")
    return tuple([_no_warn(x) for x in p] if isinstance(p, list) else p for p in o)


_noise = ops(waits=False).map(_no_warn)


@st.composite
def noisy_weak_program(draw):
    prog = [list(t) for t in draw(st.sampled_from([_MP, _MP_REL]))]
    for t in prog:
        for _ in range(draw(st.integers(0, 2))):
            t.insert(draw(st.integers(0, len(t) - 1)), draw(_noise))
    if draw(st.booleans()):
        prog.insert(draw(st.integers(0, 2)), draw(st.lists(_noise, min_size=1, max_size=3)))
    return prog


@settings(max_examples=80 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(noisy_weak_program())
def test_every_minimized_report_of_an_lkmm_only_bug_replays_exactly(prog):
    """Bugs SC does not have (about a third of these programs): the shrinker's
    proposals are replayed loosely and judged by the LKMM's axioms; what it
    keeps must replay strictly to the same WARN, with no more switches or steps."""
    main = model(prog)
    assume(kcheck.check(main, races="off").bug is None)
    found = kcheck.check(main, memory_model="lkmm", minimize=False, races="off")
    assume(found.bug is not None)
    assert S.annotated(S.decode(found.bug.schedule))
    small = kcheck.check(main, memory_model="lkmm", races="off")
    a, b = S.decode(small.bug.schedule), S.decode(found.bug.schedule)
    assert (S.switches(a), len(a)) <= (S.switches(b), len(b))
    again = kcheck.replay(main, small.bug.schedule, memory_model="lkmm", races="off")
    assert again.bug is not None and same_kind(again.bug, found.bug)


def same_kind(a, b):
    return a.kind == b.kind and (a.kind != "warn" or a.where == b.where)


def test_strict_replay_rejects_values_a_step_cannot_use(tmp_path):
    """A choice on a step that made none, a read-from mark on a step that read
    nothing, a choice out of range: `kcheck replay` ran them as if they were
    not there and said "no bug in this execution" (a hostile review)."""
    from kcheck.report.build import replay
    from kcheck.engine.runtime import ModelError
    import kcheck
    from kcheck import spawn, nondet
    from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr

    class s(KStruct):
        x: int

    def a(o):
        WRITE_ONCE(ptr(o, "x"), 1)

    def b(o):
        READ_ONCE(ptr(o, "x"))
        nondet(2)

    def main():
        o = s()
        spawn(a, o, name="a")
        spawn(b, o, name="b")
    assert replay(main, "0 1 1=1").bug is None                # fits
    for bad in ("0=1 1 1", "0 1<0:99 1", "0 1 1=5"):
        with pytest.raises(ModelError, match="diverged"):
            replay(main, bad)
