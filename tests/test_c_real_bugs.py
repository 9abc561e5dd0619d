"""Real kernel bugs in C (tests/data/c_bugs): the buggy code fails, the fix
passes, and the replay line printed for the bug replays it exactly.

Each file names its fix commit; ``-D FIXED`` builds the fixed code.  Written
by a review that set out to break the C front end on real bugs: the 6pack
one found that a printed SC replay line (a race's story, the free first)
could name a step strict replay cannot take.
"""

import re
from pathlib import Path

import pytest

import kcheck
import kcheck.c
from kcheck.report.build import replay

DATA = Path(__file__).parent / "data" / "c_bugs"

# file, {memory model: bug kind, or None for no bug in the buggy code}
BUGS = [
    ("sixpack", {"sc": "use-after-free", "lkmm": "use-after-free"}),        # efe4186e6a1b
    ("fastrpc", {"sc": "refcount-warn", "lkmm": "refcount-warn"}),          # 9446fa1683a7
    ("nfc_fw_timeout", {"sc": "sleep-in-atomic", "lkmm": "sleep-in-atomic"}),  # 4071bf121d59
    ("sm_ftl", {"sc": "deadlock", "lkmm": "deadlock"}),
    ("mqueue_pipelined", {"sc": "use-after-free", "lkmm": "use-after-free"}),   # a11ddb37bf36
    ("ptrace_trapping", {"sc": None, "lkmm": "lost-wakeup"}),               # 650226bd9581
    ("keys_gc_wake", {"sc": None, "lkmm": "lost-wakeup"}),                  # 2725ab3f5ad1
    # mutex_unlock() touches the mutex after releasing it (a review found it missed)
    ("eventpoll_mutex_put", {"sc": "use-after-free", "lkmm": "use-after-free"}),  # 8c2e52ebbe88
    ("cpia2_waitqueue_active", {"sc": None, "lkmm": "lost-wakeup"}),        # a review's
    # synchronize_irq() orders a later handler after the masking (a false LKMM UAF)
    ("dm1105_ir_work", {"sc": "use-after-free", "lkmm": "use-after-free"}),  # 5abda7a16698
]


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("name,kinds", BUGS, ids=[b[0] for b in BUGS])
def test_real_c_bug_and_its_fix(name, kinds, mm):
    path = str(DATA / f"{name}.c")
    entry = kcheck.c.load(path).entry
    res = kcheck.check(entry, memory_model=mm)
    kind = kinds[mm]
    if kind is None:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    else:
        assert res.verdict == "bug" and res.bug.kind == kind, res.bug and res.bug.message
        again = replay(entry, res.bug.schedule, memory_model=mm)
        assert again.bug is not None and again.bug.kind == kind
    ok = kcheck.check(kcheck.c.load(path, defines=["FIXED"]).entry, memory_model=mm)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message


def test_a_wait_macros_steps_each_say_what_they_are():
    """The steps of a C wait_event_interruptible() - its condition's loads, the
    prepare, the sleep - were each shown as the macro's text, cut at 80
    characters: six rows alike (a review).  Each now names the step."""
    res = kcheck.check(kcheck.c.load(str(DATA / "cpia2_waitqueue_active.c")).entry,
                       memory_model="lkmm")
    assert res.bug is not None and res.bug.kind == "lost-wakeup", res.format()
    # the reader's column (the first), its wrapped lines joined
    col = [re.split(r" \|( |$)", ln)[0][6:].strip() for ln in res.bug.trace.splitlines()[2:]]
    tr = " ".join(" ".join(col).split())
    for step in ("wait_event_interruptible(cam->wq_stream, ...): READ_ONCE(&cam_s.streaming) = 1",
                 "wait_event_interruptible(cam->wq_stream, ...): READ_ONCE(&frame.status) = 0",
                 "wait_event_interruptible(cam->wq_stream, ...): prepare_to_wait_event(",
                 "wait_event_interruptible(cam->wq_stream, ...): schedule(): sleeps"):
        assert step in tr, res.bug.trace


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_dm1105s_upstream_fix_still_races_with_the_interrupt(mm):
    """5abda7a16698 cancels the work before dm1105_hw_exit() masks the chip: an IR
    interrupt in between queues the work again, which then finds the rc_dev
    freed (a review's finding; the full fix masks and synchronize_irq()s first)."""
    entry = kcheck.c.load(str(DATA / "dm1105_ir_work.c"), defines=["UPSTREAM_FIX"]).entry
    res = kcheck.check(entry, memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.format()
