"""Objects on a function's stack (kcheck/kernel/stack.py): the block's end is
the function's return, and an access after it is KASAN's
stack-use-after-return, as for a C local whose address escaped.  Before, a
Python model could not say so and the lpfc on-stack completion passed where
its C twin failed (a review, 2026-12-03)."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.cli import _load
from kcheck.kernel import KStruct, on_stack, WRITE_ONCE, READ_ONCE, ptr, atomic_t, atomic_inc
from kcheck.engine.runtime import ModelError
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_completion_a_waiter_gave_up_on(mm):
    buggy = _load(str(DATA / "onstack_completion.py"), "buggy", (), False)
    fixed = _load(str(DATA / "onstack_completion.py"), "fixed", (), False)
    r = kcheck.check(buggy, memory_model=mm)
    assert r.bug.kind == "use-after-free", r.bug
    assert "destroy_targetport.tport_unreg_cmp by ls_rsp_done" in r.bug.message
    assert "destroy_targetport() returned; KASAN: stack-use-after-return" in r.bug.message
    again = kcheck.replay(buggy, r.bug.schedule, memory_model=mm)
    assert again.bug is not None and again.bug.message == r.bug.message
    r = kcheck.check(fixed, memory_model=mm)
    assert r.verdict == "no-bug" and r.exhaustive


def test_a_work_item_on_the_stack_must_be_flushed():
    buggy = _load(str(DATA / "onstack_work.py"), "buggy", (), False)
    fixed = _load(str(DATA / "onstack_work.py"), "fixed", (), False)
    r = kcheck.check(buggy)
    assert r.bug.kind == "use-after-free" and "caller.r" in r.bug.message, r.bug
    r = kcheck.check(fixed)
    assert r.verdict == "no-bug" and r.exhaustive


class pair(KStruct):
    n: atomic_t
    v: int


def test_a_struct_local_is_never_a_leak_and_dies_with_the_block():
    def user(p):
        atomic_inc(p.n)

    def owner(box):
        with on_stack(pair, "local") as p:
            WRITE_ONCE(ptr(box, "v"), p)
        # the block ended: p is gone, whoever still has its address

    class holder(KStruct):
        v: object

    def main():
        box = holder()
        spawn(owner, box, name="owner")
        spawn(lambda: (lambda p: p is not None and user(p))(READ_ONCE(ptr(box, "v"))),
              name="user")
    r = kcheck.check(main)
    assert r.bug.kind == "use-after-free" and "owner.local" in r.bug.message, r.bug


def test_only_a_task_has_a_stack():
    def main():
        on_stack(pair)
    with pytest.raises(ModelError, match="main\\(\\) builds the initial state"):
        kcheck.check(main)
