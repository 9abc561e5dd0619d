"""Tasks not run again when their run would repeat the last one's (runtime.Run._skip_ended).

    python benchmarks/skip_ended.py [--repeat 3] [--races warn|off]

For each DPOR benchmark, explores it with the skip on and off, alternately
``--repeat`` times each, every run a whole process, and prints the median CPU
time of both, their ratio, the executions and events (equal both ways: the
skipped tasks' events count as replayed) and how many task bodies per
execution were not run.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {"readers": 15, "lastzero": 13, "indexer": 15, "filesystem": 24}


def one(fam, n, skip, races):
    """--one: explore once in this process and print the counts as JSON."""
    sys.path.insert(0, HERE)
    from programs import FAMILIES
    from kcheck.engine import runtime
    from kcheck.engine.explore import TruSt
    runtime.SKIP_ENDED = skip
    orig = runtime.Run._skip_ended
    skipped = [0]

    def counting(run, *plan):
        orig(run, *plan)
        skipped[0] += sum(1 for t in run.tasks if t is not None and t.finished)

    runtime.Run._skip_ended = counting
    d = TruSt(FAMILIES[fam](n), races=races)
    d.run()
    runs = d.stats.executions + d.stats.blocked
    print(json.dumps({"executions": d.stats.executions, "events": d.stats.events,
                      "skipped_per_run": skipped[0] / max(runs, 1)}))


def timed(fam, n, skip, races):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", fam, str(n),
                        "1" if skip else "0", races], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(p.stdout), cpu


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        fam, n, skip, races = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
        one(fam, n, skip, None if races == "off" else races)
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--races", default="warn", choices=["warn", "off"])
    a = ap.parse_args()
    print("| benchmark | executions | events | task bodies skipped per execution | CPU s, skip on | "
          "CPU s, skip off | on / off |")
    print("|---|---|---|---|---|---|---|")
    for fam, n in SIZES.items():
        on, off = [], []
        for _ in range(a.repeat):
            r_on, c = timed(fam, n, True, a.races)
            on.append(c)
            r_off, c = timed(fam, n, False, a.races)
            off.append(c)
            assert (r_on["executions"], r_on["events"]) == (r_off["executions"], r_off["events"])
        m_on, m_off = statistics.median(on), statistics.median(off)
        print(f"| {fam}({n}) | {r_on['executions']:,} | {r_on['events']:,} | "
              f"{r_on['skipped_per_run']:.1f} | {m_on:.2f} | {m_off:.2f} | {m_on / m_off:.2f} |")


if __name__ == "__main__":
    main()
