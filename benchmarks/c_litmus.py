"""The kernel's litmus tests as C programs: regenerate them and compare with herd7.

    python benchmarks/c_litmus.py [--write] [--markdown]

For each test of tools/memory-model/litmus-tests and Documentation/litmus-tests
(/work/shared/litmus/lkmm, or --corpus DIR), kcheck.c._litmus writes a C program
(examples/c/litmus/NAME.c: the process bodies as written, pthread_create,
BUG_ON(exists-clause)); the program is checked with --memory-model lkmm and
the verdict compared with the test's "Result:" line (herd7's).  --write
rewrites the committed C files.
"""

import argparse
import glob
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import kcheck  # noqa: E402
import kcheck.c  # noqa: E402
from kcheck.c._litmus import LitmusToC  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "examples", "c", "litmus")
CORPUS = "/work/shared/litmus/lkmm"

# tests whose verdict kcheck cannot reach, and why (checked by tests/test_c_litmus.py)
KNOWN = {
    "LB+poonceonces": "needs a load-buffering (po|rf) cycle, which TruSt never builds "
                      "(as GenMC's LKMM mode): kcheck says Never, herd7 Sometimes",
}


def corpus(root):
    return sorted(glob.glob(os.path.join(root, "tests", "*.litmus")) +
                  glob.glob(os.path.join(root, "doc-tests", "*", "*.litmus")))


def c_path(litmus_path):
    return os.path.join(OUT, os.path.basename(litmus_path)[:-len(".litmus")] + ".c")


def check_one(litmus_path, c_file=None):
    """(LitmusToC, Result, verdict word) for one test."""
    lt = LitmusToC(litmus_path)
    path = c_file or c_path(litmus_path)
    prog = kcheck.c.load(path)
    res = kcheck.check(prog.entry, memory_model="lkmm", jobs=1)
    if res.bug is not None:
        got = "Sometimes" if lt.test.quantifier != "forall" else "Sometimes (counterexample)"
    elif not res.exhaustive:
        got = "bounded"
    elif res.executions == 0:
        got = "no final state"
    else:
        got = "Never" if lt.test.quantifier != "forall" else "Always"
    return lt, res, got


def agrees(lt, res):
    exp = lt.expected_bug()
    if exp == "no-state":
        return res.bug is None and res.exhaustive and res.executions == 0
    if exp is True:
        return res.bug is not None
    if exp is False:
        return res.bug is None and res.exhaustive
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--write", action="store_true", help="rewrite examples/c/litmus/*.c")
    a = ap.parse_args()
    files = corpus(a.corpus)
    if a.write:
        os.makedirs(OUT, exist_ok=True)
        for p in files:
            with open(c_path(p), "w") as f:
                f.write(LitmusToC(p).c_text())
    print("| test | herd7 | kcheck (C, lkmm) | executions | seconds | agrees |")
    print("|---|---|---|---|---|---|")
    n = ok = 0
    for p in files:
        t0 = time.perf_counter()
        lt, res, got = check_one(p)
        dt = time.perf_counter() - t0
        good = agrees(lt, res)
        n += 1
        ok += bool(good)
        note = "" if good else f" ({KNOWN.get(lt.test.name, 'DISAGREES')})"
        print(f"| {lt.test.name} | {lt.test.expected} | {got} | {res.executions} | {dt:.2f} | "
              f"{'yes' if good else 'no'}{note} |", flush=True)
    print(f"\n{ok} of {n} agree with herd7")


if __name__ == "__main__":
    main()
