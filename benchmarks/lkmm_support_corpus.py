"""The LKMM check on the support of the cycles against the check of the whole
graph, on every graph the explorer checks while running a litmus corpus.

    python benchmarks/lkmm_support_corpus.py [--timeout 10] DIR [DIR ...]

Each C litmus test under the directories runs as a kcheck program under the
LKMM (``kcheck litmus --engine trust``); every consistency check the
explorer asks for is answered twice - by ``lkmm.check_whole`` and by the
support ``lkmm.check`` uses on large graphs, forced here on graphs of every
size - and the two verdicts (consistent, first failing axiom) must agree.
CI runs the same comparison on the project's own and on generated litmus
tests (``tests/test_lkmm_support.py``); this runs it on a collection such as
paulmckrcu/litmus.  Tests that are not C litmus tests, or run past
``--timeout``, are counted apart.  Exit status 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import glob
import os
import signal
import sys
from collections import Counter

from kcheck.engine.memory import lkmm
from kcheck.engine.runtime import Interrupted, ModelError
from kcheck.litmus.parser import parse_file
from kcheck.litmus.program import final_states


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--timeout", type=int, default=10, help="seconds per test")
    a = ap.parse_args()
    stats = Counter()
    disagree = []
    current = [None]
    whole_check = lkmm.check_whole

    def both(x, flags=True, ordered=()):
        whole = whole_check(x, flags, ordered)
        keep = lkmm._cycle_support(x, always=True)
        stats["checks"] += 1
        if keep is None:
            stats["checked whole (SRCU)"] += 1
            return whole
        part = lkmm._reduced_verdict(x, keep)
        stats["inconsistent"] += not whole.consistent
        if (part.consistent, part.axiom) != (whole.consistent, whole.axiom):
            disagree.append((current[0], part.axiom, whole.axiom))
        return whole

    late = [False]

    def alarm(*_):
        # as kcheck's Ctrl-C: the explorer stops where it is and returns (an
        # exception of another class met inside a run is that run's model error)
        late[0] = True
        raise Interrupted()

    lkmm.check = both
    signal.signal(signal.SIGALRM, alarm)
    files = sorted(f for d in a.dirs for f in glob.glob(os.path.join(d, "**", "*.litmus"),
                                                       recursive=True))
    for k, f in enumerate(files):
        if k and k % 200 == 0:
            print(f"... {k} of {len(files)} tests: {stats['checks']:,} checks, "
                  f"{len(disagree)} disagreements", file=sys.stderr, flush=True)
        current[0] = f
        try:
            test = parse_file(f)
        except Exception:
            stats["not a C litmus test kcheck reads"] += 1
            continue
        late[0] = False
        signal.alarm(a.timeout)
        try:
            final_states(test)
            stats["timed out" if late[0] else "tests run"] += 1
        except KeyboardInterrupt:
            if not late[0]:
                raise
            stats["timed out"] += 1
        except ModelError:
            stats["refused (ModelError)"] += 1
        except Exception as e:                 # a test the program engine refuses
            stats[f"refused ({type(e).__name__})"] += 1
        finally:
            signal.alarm(0)
    for k, v in sorted(stats.items()):
        print(f"{k}: {v:,}")
    print(f"disagreements: {len(disagree)}")
    for f, part, whole in disagree[:50]:
        print(f"  {f}: support says {part}, whole graph says {whole}")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
