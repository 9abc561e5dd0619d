"""LKMM bug reports: a trace with a source line on every step, and a replay line
that reproduces the bug (the schedule says which older write a read reads)."""

import re
import subprocess
import sys
from pathlib import Path

import kcheck

ROOT = Path(__file__).resolve().parent.parent
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
