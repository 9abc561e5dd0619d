"""The Optimal-DPOR benchmarks written in C (examples/c/dpor) explore exactly the
published number of Mazurkiewicz traces, as their Python versions do - and
the same number of events and of blocked executions."""

import os
import sys

import pytest

import kcheck
import kcheck.c

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from programs import FAMILIES, TRACES  # noqa: E402

SIZES = [("readers", 1), ("readers", 5), ("readers", 8), ("lastzero", 1), ("lastzero", 3),
         ("lastzero", 5), ("indexer", 12), ("indexer", 13), ("filesystem", 14), ("filesystem", 16),
         ("filesystem", 18)]


@pytest.mark.parametrize("family,n", SIZES)
def test_published_counts(family, n):
    prog = kcheck.c.load(os.path.join(ROOT, "examples", "c", "dpor", f"{family}.c"),
                         defines=[f"N={n}"])
    rc = kcheck.check(prog.entry)
    assert rc.bug is None and rc.exhaustive
    assert rc.executions == TRACES[family][n]
    rp = kcheck.check(FAMILIES[family](n))
    assert (rc.events, rc.blocked) == (rp.events, rp.blocked), \
        "the C program makes the Python model's events and blocked executions"
