"""Replaying a schedule from Python: the same interleaving, every time."""
import sys
from pathlib import Path

import kcheck

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tutorial"))
import session           # noqa: E402  (examples/docs/tutorial/session.py)
import session_fixed     # noqa: E402

SCHEDULE = "0*2 1*3 0*2"          # from the bug report's "replay:" line


def test_schedule_reproduces_the_bug():
    result = kcheck.replay(session.main, SCHEDULE)
    assert result.bug.kind == "refcount-warn"
    assert result.bug.schedule == SCHEDULE


def test_fix_survives_the_failing_schedule():
    result = kcheck.replay(session_fixed.main, SCHEDULE)
    assert result.bug is None
