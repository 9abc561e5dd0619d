"""A grace period that waits for a reader which waits for the updater: SC finds
the deadlock, so the LKMM must too (SC executions are LKMM executions).
This is what the waits on the readers' flags carry under the LKMM; a
reduction that kept a wait from blocking unless its own past showed the
reader inside would lose it (README, "What is partial")."""

import os

import pytest

import kcheck
import kcheck.c

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_grace_period_waiting_for_a_spinning_reader_deadlocks(mm):
    prog = kcheck.c.load(os.path.join(DATA, "gp_waits_for_spinning_reader.c"))
    r = kcheck.check(prog.entry, memory_model=mm)
    assert r.bug is not None and r.bug.kind == "deadlock", r.format()
    assert "synchronize_rcu" in r.bug.message, r.bug.message
