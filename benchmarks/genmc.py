"""kcheck against GenMC on the four Optimal-DPOR benchmarks, run interleaved.

    python benchmarks/genmc.py [--genmc PATH] [--sizes readers=15,lastzero=13,...]
                               [--repeat 3] [--jobs 1]

GenMC (Kokologiannakis et al., the same TruSt algorithm in C++) must be
installed: ``genmc`` on PATH, or ``--genmc PATH``; without it this script
says so and exits 2.  For each benchmark it runs GenMC on the C version in
benchmarks/genmc/ (``-sc``, symmetry reduction and the up-front estimation
off, so that it explores the same executions as kcheck) and kcheck on
benchmarks/programs.py's model, alternately, ``--repeat`` times each, every
run a whole process (GenMC's figure includes its clang compile, kcheck's its
Python start-up).  It prints the execution counts of both (they must be
equal) and the median CPU time (user + system) of each, and their ratio.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = {"readers": 15, "lastzero": 13, "indexer": 15, "filesystem": 24}
GENMC_FLAGS = ["-sc", "-disable-sr", "-disable-estimation"]


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd, env=None):
    """Run ``cmd``; return (stdout + stderr, CPU seconds of it and its children, wall seconds)."""
    c0, w0 = children_cpu(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    cpu, wall = children_cpu() - c0, time.perf_counter() - w0
    return p.returncode, p.stdout + p.stderr, cpu, wall


def run_genmc(genmc, fam, n):
    rc, out, cpu, wall = timed([genmc, *GENMC_FLAGS, "--", f"-DN={n}",
                                os.path.join(HERE, "genmc", f"{fam}.c")])
    m = re.search(r"complete executions explored:\s*(\d+)", out)
    if m is None:
        raise SystemExit(f"genmc.py: GenMC on {fam}({n}) printed no execution count (exit {rc}):\n{out}")
    b = re.search(r"blocked executions seen:\s*(\d+)", out)
    return int(m.group(1)), int(b.group(1)) if b else 0, cpu, wall


def run_kcheck(fam, n, jobs):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(HERE)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    rc, out, cpu, wall = timed([sys.executable, os.path.abspath(__file__), "--one", fam, str(n),
                                "--jobs", str(jobs)], env=env)
    line = out.strip().splitlines()[-1] if out.strip() else ""
    try:
        r = json.loads(line)
    except ValueError:
        raise SystemExit(f"genmc.py: kcheck on {fam}({n}) failed (exit {rc}):\n{out}") from None
    return r["executions"], r["blocked"], cpu, wall


def one(fam, n, jobs):
    """--one: explore one benchmark with kcheck and print its counts as JSON."""
    sys.path.insert(0, HERE)
    import kcheck
    from programs import FAMILIES
    r = kcheck.check(FAMILIES[fam](n), jobs=jobs)
    print(json.dumps({"executions": r.executions, "blocked": r.blocked, "events": r.events,
                      "seconds": r.seconds}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--genmc", default=None, help="the GenMC binary (default: genmc on PATH)")
    ap.add_argument("--sizes", default=None, help="family=n,... (default: "
                    + ",".join(f"{k}={v}" for k, v in DEFAULT.items()) + ")")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1, help="kcheck's --jobs (GenMC runs one thread)")
    ap.add_argument("--one", nargs=2, metavar=("FAMILY", "N"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        return one(a.one[0], int(a.one[1]), a.jobs)
    genmc = a.genmc or shutil.which("genmc")
    if genmc is None or not os.access(genmc, os.X_OK):
        print("genmc.py: no GenMC binary: put genmc on PATH or pass --genmc PATH "
              "(https://github.com/MPI-SWS/genmc)", file=sys.stderr)
        return 2
    sizes = dict(DEFAULT)
    if a.sizes:
        sizes = {k: int(v) for k, v in (p.split("=") for p in a.sizes.split(","))}
    print(f"| benchmark | executions (kcheck / GenMC) | kcheck CPU s | GenMC CPU s | kcheck / GenMC |")
    print("|---|---|---|---|---|")
    for fam, n in sizes.items():
        kc, gc = [], []
        counts = set()
        for _ in range(a.repeat):
            ge, gb, gcpu, _ = run_genmc(genmc, fam, n)
            ke, kb, kcpu, _ = run_kcheck(fam, n, a.jobs)
            gc.append(gcpu)
            kc.append(kcpu)
            counts.add((ke, ge))
        (ke, ge), = counts if len(counts) == 1 else (max(counts),)
        ok = "" if len(counts) == 1 and ke == ge else " MISMATCH"
        k, g = statistics.median(kc), statistics.median(gc)
        print(f"| {fam}({n}) | {ke:,} / {ge:,}{ok} | {k:.2f} | {g:.2f} | {k / g:.1f}x |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
