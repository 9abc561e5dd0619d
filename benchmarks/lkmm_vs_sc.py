"""What the LKMM costs per execution, next to SC, on the same models.

    python benchmarks/lkmm_vs_sc.py [--budget 3000]

Each model is explored twice, serially (one core), under SC and under the
LKMM, to the end or to the budget; the table gives executions, seconds and
the cost of one execution under each model, and their ratio.  The LKMM
explores more executions than SC (reads may see older writes); "per
execution" divides each run by its own count.  Results are in the README.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

from kcheck.engine.explore import TruSt              # noqa: E402
from kcheck.models.tdp_mmu import build_main         # noqa: E402
import programs                                      # noqa: E402  (benchmarks/programs.py)


def _example(path, entry):
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_" + entry, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, entry)


HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [
    ("lastzero(6)", lambda: programs.lastzero(6)),
    ("indexer(13)", lambda: programs.indexer(13)),
    ("SB lost wake-up, fixed", lambda: _example(os.path.join(HERE, "..", "examples", "lkmm",
                                                              "lost_wakeup.py"), "fixed")),
    ("TDP sean-v3 vcpu+dirty-log", lambda: build_main("sean-v3", "vcpu+dirty-log")),
    ("TDP v5.18 vcpu+dirty-log", lambda: build_main("v5.18", "vcpu+dirty-log", resident=1)),
    ("TDP sean-v3 vcpu+dirty-log+dirty-log", lambda: build_main("sean-v3", "vcpu+dirty-log+dirty-log")),
    # C3's check at fanout=3 gfns=3 (three tasks: the LKMM column's costliest)
    ("TDP sean-v3 vcpu+walker+walker (fanout=3 gfns=3)",
     lambda: build_main("sean-v3", "vcpu+walker+walker", fanout=3, gfns=3, slot_pages=3)),
]


def run(main, mm, budget):
    d = TruSt(main, memory_model=mm, max_executions=budget, races="off")
    t = time.process_time()
    d.run()
    secs = time.process_time() - t
    n = d.stats.executions + d.stats.blocked
    return n, d.exhaustive and d.bug_run is None, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=3000)
    ap.add_argument("--only", default=None, help="models whose name contains this")
    a = ap.parse_args()
    print("| model | SC executions | SC s | SC ms/exec | LKMM executions | LKMM s | LKMM ms/exec "
          "| LKMM / SC per execution |")
    print("|---|---|---|---|---|---|---|---|")
    for name, mk in MODELS:
        if a.only and a.only not in name:
            continue
        n0, x0, t0 = run(mk(), "sc", a.budget)
        n1, x1, t1 = run(mk(), "lkmm", a.budget)
        p0, p1 = 1000 * t0 / max(n0, 1), 1000 * t1 / max(n1, 1)
        print(f"| {name} | {n0:,}{'' if x0 else '+'} | {t0:.2f} | {p0:.2f} | "
              f"{n1:,}{'' if x1 else '+'} | {t1:.2f} | {p1:.2f} | {p1 / p0:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
