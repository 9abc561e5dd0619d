"""Peak memory as executions grow: stateless exploration keeps it flat.

    python benchmarks/memory.py readers 17 [--jobs 1]

Prints executions, seconds and the peak resident set size of kcheck and its
worker processes.  Results are in the README.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kcheck  # noqa: E402
from programs import FAMILIES  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family", choices=sorted(FAMILIES))
    ap.add_argument("n", type=int)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    r = kcheck.check(FAMILIES[a.family](a.n), jobs=a.jobs)
    print(f"{a.family}({a.n}) jobs={a.jobs}: {r.executions} executions, {r.seconds:.1f} s, "
          f"{r.events / r.seconds:,.0f} events/s, peak RSS {r.peak_rss_mb} MiB", flush=True)


if __name__ == "__main__":
    main()
