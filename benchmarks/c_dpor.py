"""The Optimal-DPOR benchmarks in C and in Python, side by side.

    python benchmarks/c_dpor.py [--sizes readers=12,lastzero=9,...] [--repeat 3]

For each family, the C program (examples/c/dpor/FAMILY.c -D N=n, through
kcheck.c) and the Python model (benchmarks/programs.py) are explored on one
core; the table gives executions (both must equal the published count),
events, the best of --repeat exploration times, and C's time over Python's.
"Load" is clang's parse plus kcheck.c's compile of the C file, paid once.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import kcheck  # noqa: E402
import kcheck.c  # noqa: E402
from programs import FAMILIES, TRACES  # noqa: E402

DEFAULT = {"readers": [8, 12], "lastzero": [5, 9], "indexer": [13, 14], "filesystem": [16, 19]}


def best(fn, repeat):
    out = None
    for _ in range(repeat):
        r = fn()
        if out is None or r.seconds < out.seconds:
            out = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=None, help="family=n[/n...],... (default: two per family)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sizes = DEFAULT
    if a.sizes:
        sizes = {k: [int(x) for x in v.split("/")] for k, v in (p.split("=") for p in a.sizes.split(","))}
    print("| benchmark | N | executions (C / Python / published) | events | load (s) | C (s) | "
          "Python (s) | C / Python |")
    print("|---|---|---|---|---|---|---|---|")
    for fam, ns in sizes.items():
        for n in ns:
            t0 = time.perf_counter()
            prog = kcheck.c.CProgram(os.path.join(HERE, "..", "examples", "c", "dpor", f"{fam}.c"),
                                     defines=[f"N={n}"])
            load = time.perf_counter() - t0
            rc = best(lambda: kcheck.check(prog.entry, jobs=1), a.repeat)
            rp = best(lambda: kcheck.check(FAMILIES[fam](n), jobs=1), a.repeat)
            pub = TRACES[fam].get(n, "")
            ok = rc.executions == rp.executions and (pub == "" or pub == rc.executions)
            print(f"| {fam} | {n} | {rc.executions} / {rp.executions} / {pub or '-'}"
                  f"{'' if ok else ' MISMATCH'} | {rc.events} | {load:.2f} | {rc.seconds:.2f} | "
                  f"{rp.seconds:.2f} | {rc.seconds / rp.seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
