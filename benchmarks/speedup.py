"""Parallel speed-up on this machine: the same exhaustive run at --jobs 1 and --jobs N.

    python benchmarks/speedup.py [family] [n] [--jobs 2]

Prints both runs' counts (they must be equal), the speed-up, and the events
of both (the parallel run replays the path of each subtree handed over).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kcheck  # noqa: E402
from programs import FAMILIES  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family", nargs="?", default="readers")
    ap.add_argument("n", nargs="?", type=int, default=15)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    a = ap.parse_args()
    one = kcheck.check(FAMILIES[a.family](a.n), jobs=1)
    many = kcheck.check(FAMILIES[a.family](a.n), jobs=a.jobs)
    assert (one.executions, one.blocked) == (many.executions, many.blocked)
    print(f"{a.family}({a.n}): {one.executions} executions; --jobs 1 {one.seconds:.1f} s, "
          f"--jobs {a.jobs} {many.seconds:.1f} s: speed-up {one.seconds / many.seconds:.2f}x; events "
          f"{one.events:,} and {many.events:,} ({many.events / one.events - 1:+.1%}: paths replayed "
          "where work was handed over)", flush=True)


if __name__ == "__main__":
    main()
