"""--keep-going lists every distinct bug once, and each one's replay line
replays to that bug (a C review of sk_dst_get() before f88649721268: two
use-after-frees were shrunk into one and printed twice, the reader's
atomic_inc() of the freed dst was never listed, and a leak that was only
the echo of a task stopped at a bug replayed to that other bug)."""

import json
from pathlib import Path

from click.testing import CliRunner

from kcheck import check, spawn
from kcheck.cli import main as cli
from kcheck.kernel import KStruct, kzalloc, kfree, BUG_ON, READ_ONCE, WRITE_ONCE, ptr, xchg

DST = str(Path(__file__).resolve().parent / "data" / "keep_going_dst.py")


def _json(args):
    out = CliRunner().invoke(cli, args)
    return out.exit_code, json.loads(out.output)


def test_every_race_with_either_free_is_listed_and_replays_to_itself():
    rc, j = _json(["check", DST, "--keep-going", "--json"])
    assert rc == 1
    msgs = [b["message"] for b in j["bugs"]]
    assert len(msgs) == len(set(msgs)), msgs            # no bug twice
    assert any(m.startswith("atomic_inc on dst_entry#0 by reader") for m in msgs), msgs
    assert any("by resetter can run after reader freed it" in m for m in msgs), msgs
    assert any(b["kind"] == "double-free" for b in j["bugs"]), msgs
    for b in j["bugs"]:
        rc, rep = _json(["replay", DST, b["schedule"], "--keep-going", "--json"])
        assert rc == 1 and rep["bug"]["message"] == b["message"], (b, rep)


def test_without_keep_going_the_first_bug_is_still_the_reader_race():
    rc, j = _json(["check", DST, "--json"])
    assert rc == 1 and j["bug"]["kind"] == "use-after-free"


class skb(KStruct):
    len: int


class ring(KStruct):
    slot: object


def _echo_main(leak_too):
    def xmit(r):
        s = kzalloc(skb)
        WRITE_ONCE(ptr(s, "len"), 1)
        WRITE_ONCE(ptr(r, "slot"), s)
        if leak_too:
            kzalloc(skb)                    # a leak of its own: nobody else touches it

    def recv(r):
        s = xchg(ptr(r, "slot"), None)      # taken off the ring: only recv has it now
        if s is not None:
            BUG_ON(READ_ONCE(ptr(s, "len")) == 1)     # the oops: recv never frees s
            kfree(s)

    def main():
        r = ring()
        spawn(xmit, r, name="xmit")
        spawn(recv, r, name="recv")
    return main


def test_a_leak_that_only_echoes_a_task_stopped_at_a_bug_is_not_listed():
    res = check(_echo_main(False), keep_going=True)
    kinds = sorted(b.kind for b in res.bugs)
    assert kinds == ["bug-on"], [b.message for b in res.bugs]


def test_a_leak_of_an_object_the_stopped_task_never_touched_still_is():
    res = check(_echo_main(True), keep_going=True)
    kinds = sorted(b.kind for b in res.bugs)
    assert kinds == ["bug-on", "leak"], [b.message for b in res.bugs]


def test_a_race_named_by_its_kernel_call_in_the_trace_still_replays():
    """The search names a racing access by its step (``spin_lock``), the traced
    replay by the kernel call it is in (``complete(&...)``): the report must
    still find its bug (an on-stack completion under --keep-going said "did
    not replay from its schedule")."""
    f = str(Path(__file__).resolve().parent / "data" / "onstack_completion.py")
    rc, j = _json(["check", f, "--entry", "buggy", "--keep-going", "--json"])
    assert rc == 1 and j["bugs"], j
    for b in j["bugs"]:
        assert b["schedule"], b                 # a replay line, not "did not replay"
        rc, rep = _json(["replay", f, b["schedule"], "--entry", "buggy", "--keep-going", "--json"])
        assert rc == 1 and rep["bug"]["kind"] == b["kind"], rep
