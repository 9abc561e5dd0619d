"""The TDP MMU's mutant kill table (docs/explanation/tdp-mmu.md).

    python benchmarks/tdp_mutants.py [--only NAME,...]

Every mutant of ``kcheck tdp-mmu list`` is run as ``tests/test_tdp_mmu.py``
runs it - on the scenario that catches it, at its own sizes, with its own
search options - and one markdown row is printed per mutant: what it should
be caught as, what was found, after how many executions and how much CPU
time, and the first words of the bug's message.
"""

import argparse
import time

import kcheck
from kcheck.models.tdp_mmu import build_main
from kcheck.models.tdp_mmu.mutants import MUTANTS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None, help="comma-separated mutant names")
    a = ap.parse_args()
    # a mutant by its name, or as the table prints it (BASE/NAME)
    names = [n.strip().rsplit("/", 1)[-1] for n in a.only.split(",")] if a.only else list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        ap.error(f"unknown mutant {unknown[0]!r} (kcheck tdp-mmu list names them)")
    print("| mutant | scenario | sizes | expected | found | executions | CPU s | message |")
    print("|---|---|---|---|---|---|---|---|")
    caught = 0
    for name in names:
        m = MUTANTS[name]
        t = time.process_time()
        r = kcheck.check(build_main(m.base, m.scenario, mutant=name, **m.sizes), step_bound=3000,
                         **m.options)
        secs = time.process_time() - t
        found = r.bug.kind if r.verdict == "bug" else r.verdict
        ok = r.verdict == "bug" and r.bug.kind == m.expect
        caught += ok
        msg = r.bug.message.splitlines()[0] if r.verdict == "bug" else ""
        if len(msg) > 90:
            msg = msg[:87] + "..."
        sizes = " ".join(f"{k}={v}" for k, v in sorted(m.sizes.items())) or "default"
        print(f"| `{m.base}/{name}` | {m.scenario} | {sizes} | {m.expect} | "
              f"{found}{'' if ok else ' (MISSED)'} | {r.executions:,} | {secs:.1f} | "
              f"{msg.replace('|', '/')} |", flush=True)
    print(f"\nKill rate: {caught} of {len(names)}.")


if __name__ == "__main__":
    main()
