"""kcheck's litmus engine against herd7 on a directory of LKMM litmus tests.

    python benchmarks/herd7_compare.py --herd7 /path/to/herd7 DIR [DIR ...]

Runs ``kcheck litmus --json`` and ``herd7 -conf linux-kernel.cfg`` (the
LKMM files in tests/data/lkmm/model, the kernel's v6.15 model) on every
``*.litmus`` file under the directories and compares the two Observations
(Never / Sometimes / Always) and the data-race flag.  A test either tool
rejects, or that runs past ``--timeout`` in either, is counted apart and
listed, never silently dropped.  The ``Result:`` lines of a collection are
not used: many predate the current model.

With ``--engine trust`` it checks the whole-program engine instead (each test
run as a kcheck program, explored under the LKMM): that engine never builds
a cycle in po | rf (load buffering), so its Observation must equal the one
herd7's executions give without such a cycle - computed by kcheck's herd
engine, which the default mode checks against herd7 - and a herd7 Never must
be its Never.  ``--engine c`` checks the C front end the same way: each test
becomes a C program (``BUG_ON`` of its condition) checked with
``--memory-model lkmm``, and the BUG_ON must fire exactly when an execution
without load buffering satisfies the condition.  (Run 2026-11-30 on
paulmckrcu/litmus, these found a fence chain through a task-private access
that the bridge to the LKMM dropped, and the NORETURN tag it left off.)

herd7 is not part of kcheck and is not built by it: bring your own (herdtools7
>= 7.58, see tests/data/lkmm/PROVENANCE.md).  Exit status 1 if any test
disagrees.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(os.path.dirname(HERE), "tests", "data", "lkmm", "model")


def run_herd(herd7, path, timeout):
    try:
        p = subprocess.run([herd7, "-I", MODEL, "-conf", "linux-kernel.cfg", os.path.abspath(path)],
                           capture_output=True, text=True, timeout=timeout, cwd=MODEL)
    except subprocess.TimeoutExpired:
        return "timeout", None
    m = re.search(r"^Observation \S+ (\w+)", p.stdout, re.M)
    if not m:
        return "error", None
    return m.group(1), "data-race" in re.findall(r"^Flag (\S+)", p.stdout, re.M)


# --engine c: the test as a C program (kcheck.c._litmus: the bodies as written,
# BUG_ON(exists-clause)) checked with --memory-model lkmm; prints "bug" or
# "no bug" ("bounded" if not exhaustive).  A conversion that C rejects (litmus
# is untyped: a pointer kept in an int, an 8-byte load through an int *) is an
# error, counted apart.
_C_PROGRAM = """
import os, sys, tempfile
import kcheck, kcheck.c
from kcheck.c._litmus import LitmusToC
lt = LitmusToC(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    f = os.path.join(d, "t.c")
    with open(f, "w") as out:
        out.write(lt.c_text())
    res = kcheck.check(kcheck.c.load(f).entry, memory_model="lkmm", jobs=1)
    kind = res.bug.kind if res.bug is not None else None
if kind not in (None, "warn", "bug-on"):
    sys.exit(f"{kind}: {res.bug.message}")
print("bug" if kind else "no bug" if res.exhaustive else "bounded")
"""

# The Observation of a test over the executions with no cycle in po | rf.
_PORF_ACYCLIC = """
import sys
from kcheck.litmus import parse_file, run_test
from kcheck.litmus.enumerate import eval_prop
t = parse_file(sys.argv[1])
o = run_test(t)
sat = [eval_prop(t.condition, dict(zip(o.observed, s))) for s in o.porf_acyclic_states]
print("Never" if not any(sat) else "Always" if all(sat) else "Sometimes")
if len(sys.argv) > 2:        # --engine c: is the BUG_ON(exists) / BUG_ON(!forall) reached?
    bug = any(sat) if t.quantifier != "forall" else not all(sat)
    print("bug" if bug else "no bug")
"""


def run_porf_acyclic(path, timeout, c=False):
    try:
        p = subprocess.run([sys.executable, "-c", _PORF_ACYCLIC, path] + (["c"] if c else []),
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", None
    out = p.stdout.split()
    if p.returncode or not out:
        return "error", None
    return (out[0], None) if not c else (" ".join(out[1:]), out[0])


def run_c(path, timeout):
    try:
        p = subprocess.run([sys.executable, "-c", _C_PROGRAM, path],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", None
    out = p.stdout.strip()
    return (out, None) if p.returncode == 0 and out else ("error", None)


def run_kcheck(path, timeout, engine="herd"):
    try:
        p = subprocess.run([sys.executable, "-m", "kcheck.cli", "litmus", "--engine", engine,
                            "--json", path],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", None
    try:
        t = json.loads(p.stdout)["tests"][0]
    except (ValueError, KeyError, IndexError):
        return "error", None
    if t.get("error") or not t.get("observation"):
        return "error", None
    if engine == "trust":
        return t["observation"], None
    return t["observation"], "data-race" in (t.get("flags") or [])


def one(herd7, path, timeout, engine):
    t0 = time.perf_counter()
    h = run_herd(herd7, path, timeout)
    if engine in ("trust", "c") and h[0] not in ("timeout", "error"):
        want = run_porf_acyclic(path, timeout, c=engine == "c")
        obs = want[1] if engine == "c" else want[0]
        if h[0] == "Never" and obs != "Never" and want[0] not in ("timeout", "error"):
            want = ("herd7 Never, herd engine " + obs, None)
        h = want if want[0] in ("timeout", "error") else (want[0], None)
    t1 = time.perf_counter()
    k = run_c(path, timeout) if engine == "c" else run_kcheck(path, timeout, engine)
    t2 = time.perf_counter()
    return path, h, k, t1 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--herd7", default="herd7", help="the herd7 binary (default: herd7 on PATH)")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per test and tool")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--engine", choices=("herd", "trust", "c"), default="herd",
                    help="kcheck's engine to check (trust: the program engine, c: the test "
                         "as a C program; both against herd7's executions without load "
                         "buffering)")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    files = []
    for d in a.dirs:
        if os.path.isfile(d):
            files.append(d)
            continue
        for root, _, names in os.walk(d, followlinks=True):
            files += [os.path.join(root, n) for n in names if n.endswith(".litmus")]
    files.sort()
    if not files:
        raise SystemExit("herd7_compare.py: no .litmus file under " + " ".join(a.dirs))
    counts = {}
    odd = []
    th = tk = 0.0
    with cf.ThreadPoolExecutor(max(1, a.jobs)) as ex:
        for path, h, k, dh, dk in ex.map(lambda f: one(a.herd7, f, a.timeout, a.engine), files):
            th, tk = th + dh, tk + dk
            if h[0] in ("timeout", "error") or k[0] in ("timeout", "error"):
                key = f"herd7 {h[0] if h[0] in ('timeout', 'error') else 'ok'}, " \
                      f"kcheck {k[0] if k[0] in ('timeout', 'error') else 'ok'}"
                if h[0] not in ("timeout", "error") or k[0] not in ("timeout", "error"):
                    odd.append(f"{key}: {path} (herd7 {h[0]}, kcheck {k[0]})")
            elif h == k:
                key = "agree"
            else:
                key = "DISAGREE"
                odd.append(f"DISAGREE: {path}: herd7 {h[0]}{' +data-race' if h[1] else ''}, "
                           f"kcheck {k[0]}{' +data-race' if k[1] else ''}")
            counts[key] = counts.get(key, 0) + 1
    print(f"{len(files)} tests; herd7 {th:.0f} s, kcheck {tk:.0f} s (wall, summed)")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    for line in odd:
        print(line)
    return 1 if counts.get("DISAGREE") else 0


if __name__ == "__main__":
    sys.exit(main())
