"""RCU callbacks: grace period as a wait vs as a constraint, on the TDP MMU model.

    python benchmarks/rcu_grace_periods.py [--budget 100000]

For each TDP MMU cell, explores exhaustively twice under SC: once with the
callback's grace period as a wait on every task's read-side flag (the
operational reading of RCU), once as a constraint on the finished execution
(engine/memory/rcu_gp.py, the default).  Both must give the same verdict;
the executions show what the constraint saves.  A run that reaches the
budget prints "+".  Results are in the README.
"""

import argparse
import time

from kcheck.engine.explore import TruSt
from kcheck.models.tdp_mmu import build_main

CELLS = [
    ("v5.18", "memslot+vcpu", {"gfns": 1, "yields": 0}),
    ("v5.18", "vcpu+dirty-log", {}),
    ("v5.18", "memslot+vcpu", {}),
    ("v6.6", "memslot+vcpu", {"resident": 1}),
    ("sean-v3", "vcpu+dirty-log+dirty-log", {}),
]


def run(variant, scenario, sizes, declarative, budget):
    d = TruSt(build_main(variant, scenario, **sizes), max_executions=budget)
    d.rcu_declarative = declarative
    t = time.perf_counter()
    d.run()
    bug = d.bug_run.bug.kind if d.bug_run is not None else "no bug"
    return d.stats.executions, d.exhaustive, time.perf_counter() - t, bug


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=100000)
    a = ap.parse_args()
    print("| cell | sizes | wait: executions | s | constraint: executions | s | verdict |")
    print("|---|---|---|---|---|---|---|")
    for v, s, sizes in CELLS:
        n0, x0, t0, b0 = run(v, s, sizes, False, a.budget)
        n1, x1, t1, b1 = run(v, s, sizes, True, a.budget)
        same = b0 == b1 or not (x0 and x1)
        sz = ", ".join(f"{k}={val}" for k, val in sizes.items()) or "default"
        print(f"| {v} {s} | {sz} | {n0:,}{'' if x0 else '+'} | {t0:.1f} | "
              f"{n1:,}{'' if x1 else '+'} | {t1:.1f} | {b1}{'' if same else ' (DIFFERS: ' + b0 + ')'} |",
              flush=True)


if __name__ == "__main__":
    main()
