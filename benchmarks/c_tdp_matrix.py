"""The verdict matrix, C against Python: every TDP MMU variant on every two-flow
scenario of the flows the C port has, as C (examples/c/tdp_mmu/VARIANT.c) and
as the Python model.

    python benchmarks/c_tdp_matrix.py [--variants v5.17,...] [--scenarios vcpu+memslot,...]
                                      [--jobs 2] [--json out/c_matrix.json]

Cells run exhaustively under SC with one resident vCPU (--size resident=1, as
`kcheck tdp-mmu matrix`) at the C harness's default sizes, one process per
cell (--jobs cells at a time), so that "found after N executions" is the
serial count.  A cell prints "C verdict executions / Python verdict
executions"; the last columns say whether they agree and the seconds each took.

What is compared is the verdict only.  The C port is the root lifecycle as
the Python model had it before issue 12; the Python model now also runs the
guest (vCPU mode and requests, TLBs, hardware page walks, host pages with a
lifetime), a memslot update and a notifier with their flags and sequence
count, and frees struct kvm at teardown, so it explores other (more)
executions of the same scenarios and its counts are not the C's.  The
golden counts of the C port are in tests/test_c_tdp_mmu.py.
"""

import argparse
import itertools
import json
import multiprocessing as mp
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

VARIANTS = ["v5.17", "sean-v3", "paolo-dec-not-one", "sean-xchg", "paolo-xchg", "v5.18", "v6.6"]
FLOWS = ["vcpu", "memslot", "notifier", "dirty-log", "zap-all"]
CFLOW = {"vcpu": "VCPU", "memslot": "MEMSLOT", "notifier": "NOTIFIER", "dirty-log": "DIRTY_LOG",
         "zap-all": "ZAP_ALL"}


def scenarios():
    return [f"{a}+{b}" for a, b in itertools.combinations_with_replacement(FLOWS, 2)]


def cell(args):
    side, variant, scenario, resident = args
    import kcheck
    t0 = time.perf_counter()
    if side == "c":
        import kcheck.c
        flows = ",".join(CFLOW[f] for f in scenario.split("+"))
        prog = kcheck.c.load(os.path.join(ROOT, "examples", "c", "tdp_mmu", f"{variant}.c"),
                             defines=[f"FLOWS={flows}", f"RESIDENT={resident}"])
        r = kcheck.check(prog.entry, jobs=1)
    else:
        from kcheck.models.tdp_mmu import build_main
        r = kcheck.check(build_main(variant, scenario, resident=resident), jobs=1)
    return (side, variant, scenario, r.bug.kind if r.bug else "ok", r.executions, r.exhaustive,
            time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--scenarios", default=",".join(scenarios()))
    ap.add_argument("--resident", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    vs, ss = a.variants.split(","), a.scenarios.split(",")
    work = [(side, v, s, a.resident) for s in ss for v in vs for side in ("c", "py")]
    res = {}
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(a.jobs) as pool:
        for side, v, s, verdict, n, exh, sec in pool.imap_unordered(cell, work):
            res[(side, v, s)] = (verdict, n, exh, sec)
            print(f"  {side:2} {v:18} {s:20} {verdict} {n} {'' if exh or verdict != 'ok' else '(bounded)'}"
                  f" {sec:.1f}s", file=sys.stderr, flush=True)
    print("| scenario | " + " | ".join(vs) + " |")
    print("|---|" + "---|" * len(vs))
    agree = total = 0
    csec = psec = 0.0
    for s in ss:
        row = []
        for v in vs:
            c, p = res[("c", v, s)], res[("py", v, s)]
            same = c[0] == p[0] and (c[2] or c[0] != "ok") and (p[2] or p[0] != "ok")
            agree += same
            total += 1
            csec += c[3]
            psec += p[3]
            mark = "" if same else " **differs**"
            row.append(f"{c[0]} {c[1]:,} / {p[0]} {p[1]:,}{mark}")
        print(f"| {s} | " + " | ".join(row) + " |")
    print(f"\n{agree} of {total} cells agree (verdict; counts differ by design); C {csec:.0f} s, "
          f"Python {psec:.0f} s of checking ({time.perf_counter() - t0:.0f} s wall, {a.jobs} jobs)")
    if a.json:
        os.makedirs(os.path.dirname(a.json) or ".", exist_ok=True)
        with open(a.json, "w") as f:
            json.dump([{"side": k[0], "variant": k[1], "scenario": k[2], "verdict": v[0],
                        "executions": v[1], "exhaustive": v[2], "seconds": round(v[3], 2)}
                       for k, v in sorted(res.items())], f, indent=1)


if __name__ == "__main__":
    main()
