"""Optimal-DPOR benchmark table: executions explored vs. published trace counts.

    python benchmarks/dpor.py [--max-seconds 60] [--markdown]

Runs readers(N), lastzero(N), indexer(N), filesystem(N) for growing N until a
run takes longer than --max-seconds, and prints N, executions, blocked,
expected (published Mazurkiewicz traces), seconds and events/s.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kcheck  # noqa: E402
from programs import FAMILIES, TRACES  # noqa: E402

SIZES = {
    "readers": range(1, 21),
    "lastzero": list(range(1, 16)),
    "indexer": range(12, 17),
    "filesystem": [14, 16, 18, 19, 20, 21],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-seconds", type=float, default=60)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    rows = []
    print("| benchmark | N | executions | blocked | expected | seconds | events/s |")
    print("|---|---|---|---|---|---|---|")
    for fam in a.families.split(","):
        for n in SIZES[fam]:
            t0 = time.perf_counter()
            r = kcheck.check(FAMILIES[fam](n))
            dt = time.perf_counter() - t0
            exp = TRACES[fam].get(n, "")
            ok = "" if exp == "" or exp == r.executions else " MISMATCH"
            print(f"| {fam} | {n} | {r.executions} | {r.blocked} | {exp}{ok} | {r.seconds:.2f} | "
                  f"{r.events / r.seconds:,.0f} |", flush=True)
            if dt > a.max_seconds / 4:   # the next size is several times bigger
                break


if __name__ == "__main__":
    main()
