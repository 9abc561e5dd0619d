"""Issue 11: every bad input and every fault gets one line and the right exit
code, no traceback, no hang, no false "clean" (the cases: tests/cli_contract.py,
also the table of docs/reference/cli.md); Ctrl-C exits 130 with what was covered;
--keep-going and --ignore; reports that point at the real bug."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import kcheck
from cli_contract import CASES, CTRL_C, ROOT, expected, run
from terminal import running_kcheck

C = ROOT / "tests" / "contract"


@pytest.mark.parametrize("case", CASES, ids=[c.case for c in CASES])
def test_contract(case, tmp_path):
    rc, out, err, said = run(case, tmp_path)
    assert "Traceback" not in out + err, err
    assert rc == case.code, (out, err)
    assert said == expected(case, tmp_path), (out, err)
    if rc == 2:
        assert len(err.strip().splitlines()) == 1, err
    if case.stdout_json:
        assert len(out.strip().splitlines()) == 1, out
        obj = json.loads(out)
        assert isinstance(obj, dict)
        assert obj["verdict"] == {0: "no-bug", 1: "bug", 2: "error"}[rc]
        if rc == 2:
            assert obj["error"] and not obj.get("exhaustive")


def test_model_prints_go_to_stderr_under_json():
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", C / "prints.py", "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert json.loads(p.stdout)["verdict"] == "no-bug"
    assert "the model prints" in p.stderr and "main prints too" in p.stderr


# -- Ctrl-C -------------------------------------------------------------------------

BIG = """
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set, atomic_read

def main():                          # 3**12 executions: minutes, not seconds
    x = atomic_t(0)
    for i in range(3):
        spawn(atomic_set, x, i + 1, name=f"w{i}")
    for i in range(12):
        spawn(atomic_read, x, name=f"r{i}")
"""


def _interrupt(args, tmp_path, presses=1, sig=signal.SIGINT):
    """Run kcheck, wait until it is exploring, send ``sig`` ``presses`` times
    2 ms apart; (rc, out, err)."""
    f = tmp_path / "big.py"
    f.write_text(BIG)
    with running_kcheck(["check", f, *args]) as p:
        time.sleep(4)                        # import, fork the workers, explore a while
        for _ in range(presses):
            p.send_signal(sig)
            time.sleep(0.002)
        out, err = p.communicate(timeout=60)
    return p.returncode, out, err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_after_printing_what_was_covered(jobs, tmp_path):
    rc, out, err = _interrupt(["-j", jobs], tmp_path)
    case, code, says = CTRL_C
    assert rc == code, (out, err)
    assert "Traceback" not in out + err, err
    assert out.startswith("no bug found: ") and "not exhaustive" in out and says in out, out
    n = int(out.split()[3])
    assert n > 0                          # what was covered


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("presses", [2, 3, 5])
def test_ctrl_c_pressed_again_while_stopping_keeps_the_result(jobs, presses, tmp_path):
    """A second press (or a signal sent twice, as `timeout` and `pkill` do)
    while the search was winding down raised again: "interrupted (Ctrl-C)
    before any result" after minutes of search, or death by SIGINT mid-print."""
    rc, out, err = _interrupt(["-j", jobs], tmp_path, presses)
    assert rc == 130 and "Traceback" not in out + err, (rc, out, err)
    assert out.startswith("no bug found: ") and "not exhaustive" in out, (out, err)
    assert "before any result" not in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_stops_a_run_as_ctrl_c_does(jobs, tmp_path):
    """timeout(1) and a cancelled CI job send SIGTERM: kcheck died silently, no
    result, no JSON (a hostile review)."""
    rc, out, err = _interrupt(["-j", jobs, "--json"], tmp_path, sig=signal.SIGTERM)
    assert rc == 130 and "Traceback" not in out + err, err
    j = json.loads(out)
    assert j["interrupted"] is True and j["exhaustive"] is False and j["executions"] > 0


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_under_json_is_one_object_never_exhaustive(jobs, tmp_path):
    rc, out, err = _interrupt(["-j", jobs, "--json"], tmp_path)
    assert rc == 130 and "Traceback" not in out + err, err
    j = json.loads(out)
    assert j["interrupted"] is True and j["exhaustive"] is False and j["executions"] > 0


@pytest.mark.parametrize("cmd", [
    ["tdp-mmu", "check", "--variant", "v5.18", "--scenario", "vcpu+walker+walker"],
    ["tdp-mmu", "claims", "--only", "C3"],
    ["tdp-mmu", "matrix", "--variant", "v5.18"],
])
def test_ctrl_c_in_the_tdp_mmu_commands_exits_130(cmd):
    with running_kcheck(cmd) as p:
        time.sleep(5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (out[-500:], err[-500:])
    assert "Traceback" not in out + err, err
    assert "interrupted" in out + err


def test_ctrl_c_in_the_matrix_lists_the_cells_it_finished():
    """The matrix once said only "interrupted (Ctrl-C) before any result",
    however many cells had finished."""
    with running_kcheck(["tdp-mmu", "matrix", "--jobs", "1", "--scenario", "vcpu+vcpu",
                         "--scenario", "memslot+vcpu", "--size", "gfns=1",
                         "--size", "slot_pages=1"]) as p:
        time.sleep(8)                        # a vcpu+vcpu cell at one GFN takes a second or two
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "Traceback" not in out + err, err
    assert "of 14 cells finished" in err, err
    assert re.search(r"\S+ on vcpu\+vcpu \[sc\]: no-bug, [\d,]+ executions, exhaustive", err), err


def test_a_run_that_ends_on_its_own_exits_0():
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", C / "ok.py", "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    j = json.loads(p.stdout)
    assert p.returncode == 0 and j["interrupted"] is False and j["exhaustive"] is True


# -- go past the first bug ------------------------------------------------------------

TWO_BUGS = """
from kcheck import spawn
from kcheck.kernel import KStruct, kzalloc, kfree, atomic_t, atomic_inc, atomic_read

class obj(KStruct):
    n: int

def leaker(x):
    kzalloc(obj)                          # never freed: a leak
    atomic_inc(x)

def user(o):
    kfree(o)
    o.n = 1                               # use-after-free

def main():
    x = atomic_t(0)
    o = kzalloc(obj)
    spawn(leaker, x, name="leaker")
    spawn(user, o, name="user")
"""


def _cli(*args):
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", *map(str, args)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_keep_going_reports_every_distinct_bug(tmp_path):
    f = tmp_path / "two.py"
    f.write_text(TWO_BUGS)
    rc, out, err = _cli("check", f, "--json")
    first = json.loads(out)
    assert rc == 1 and len(first["bugs"]) == 1 and first["exhaustive"] is False
    rc, out, err = _cli("check", f, "--json", "--keep-going")
    j = json.loads(out)
    assert rc == 1, err
    kinds = sorted(b["kind"] for b in j["bugs"])
    assert kinds == ["leak", "use-after-free"] and j["bug"] == j["bugs"][0]
    assert j["exhaustive"] is True
    rc, out, err = _cli("check", f, "--keep-going")
    assert "2 distinct bugs found in" in out and "BUG leak" in out and "BUG use-after-free" in out


def test_ignore_kind_skips_it_repeatably(tmp_path):
    f = tmp_path / "two.py"
    f.write_text(TWO_BUGS)
    rc, out, err = _cli("check", f, "--json", "--ignore", "leak")
    j = json.loads(out)
    assert rc == 1 and [b["kind"] for b in j["bugs"]] == ["use-after-free"]
    rc, out, err = _cli("check", f, "--json", "--ignore", "leak", "--ignore", "use-after-free")
    j = json.loads(out)
    assert rc == 0 and j["bugs"] == [] and j["verdict"] == "no-bug", err
    rc, out, err = _cli("check", f, "--ignore", "nosuchkind")
    assert rc == 2 and "Invalid value for '--ignore'" in err and len(err.splitlines()) == 1


# -- reports that point at the real bug ------------------------------------------------

def _tdp(variant, scenario):
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "tdp-mmu", "check", "--variant", variant,
                        "--scenario", scenario, "--json"], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    return json.loads(p.stdout)["bug"]


def test_racy_use_after_free_flags_the_access_after_the_free_and_ends_there():
    bug = _tdp("v5.18/walker-no-rcu", "vcpu+dirty-log")
    assert bug["kind"] == "use-after-free"
    ev = bug["events"]
    free = next(i for i, e in enumerate(ev) if e["kind"] == "free" and "KvmMmuPage#0" in e["text"])
    flagged = [i for i, e in enumerate(ev) if e["bug"]]
    assert flagged == [len(ev) - 1]                   # the last step, and only it
    assert flagged[0] > free                          # after the free
    assert ev[-1]["object"] == "KvmMmuPage#0"
    # the text trace: the flagged row comes after the free's row, and then only the bug
    lines = bug["trace"].splitlines()
    free_row = next(i for i, l in enumerate(lines) if "kmem_cache_free(kvm_mmu_page_header, KvmMmuP"
                    in l.replace(" ", "").replace("|", "") or "kmem_cache_free(kvm_mmu_" in l)
    marked = [i for i, l in enumerate(lines) if l.startswith(">>") and not l.startswith(">> !!")]
    assert marked and all(i > free_row for i in marked)
    assert all(not l[:8].strip() for l in lines[marked[-1] + 1:] if not l.startswith(">> !!"))


def test_trace_cells_are_not_cut_mid_sentence():
    bug = _tdp("v5.18/walker-no-rcu", "vcpu+dirty-log")
    lines = bug["trace"].splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith(">> !!"))
    cells = [l.split("|")[-1].strip() for l in lines[at:]]
    told = " ".join(cells)
    assert told.endswith("nothing orders the access before the free"), told


def test_livelock_trace_shows_the_loop_once_with_a_count():
    rc, out, err = _cli("check", C / "livelock.py")
    assert rc == 1
    lines = out.splitlines()
    assert sum("atomic_inc(&atomic_t#0)" in l for l in lines) == 2     # first round, and the bug
    assert any("... the step above, 1998 more times (steps 2-1999)" in l for l in lines)
    assert len(lines) < 20


def _contains_calls(step_bound, monkeypatch):
    from kcheck.engine import explore, graph
    n = [0]
    real = graph.contains

    def counting(view, e):
        n[0] += 1
        return real(view, e)
    monkeypatch.setattr(explore, "contains", counting)
    ns = {}
    exec(compile((C / "livelock.py").read_text(), str(C / "livelock.py"), "exec"), ns)
    res = kcheck.check(ns["main"], step_bound=step_bound, minimize=False)
    assert res.bug.kind == "livelock"
    monkeypatch.undo()
    return n[0]


def test_livelock_detection_is_linear_in_the_step_bound(monkeypatch):
    """The explorer's work per event of a task looping on one location is constant
    (it was linear: the whole loop went quadratic - 2000 steps took 50 s)."""
    small, big = _contains_calls(500, monkeypatch), _contains_calls(2000, monkeypatch)
    assert big <= 4.5 * small, (small, big)           # quadratic would be 16 times


def test_deadlock_message_does_not_repeat_the_kind():
    rc, out, err = _cli("check", ROOT / "examples" / "detectors" / "deadlock.py", "--entry", "buggy")
    first = out.splitlines()[0]
    assert first.startswith("BUG deadlock: cpu0 waits") and "deadlock: deadlock" not in out
    assert first.endswith("nothing left can wake them")


ONE_STUCK = """
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read, cpu_relax

def waiter(x):
    while not atomic_read(x):
        cpu_relax()

def main():
    spawn(waiter, atomic_t(0), name="waiter")
"""


def test_one_stuck_task_is_it_not_them_and_html_says_no_lock(tmp_path):
    f = tmp_path / "stuck.py"
    f.write_text(ONE_STUCK)
    html = tmp_path / "r.html"
    rc, out, err = _cli("check", f, "--html", html)
    assert rc == 1 and "nothing left can wake it" in out.splitlines()[0]
    page = html.read_text()
    assert "waits for a lock another one holds" not in page
    assert "nothing left can wake it" in page


def test_lost_wakeup_html_summary_is_not_a_lock_story(tmp_path):
    html = tmp_path / "r.html"
    rc, out, err = _cli("check", ROOT / "examples" / "bugs" / "kcompactd_wakeup.py", "--entry",
                        "buggy", "--memory-model", "lkmm", "--html", html)
    assert rc == 1 and out.startswith("BUG lost-wakeup: kcompactd sleeps")
    page = html.read_text()
    summary = page.split('id="summary">')[1].split("</p>")[0]
    assert "lock" not in summary.replace("waitqueue", "").replace("_lock", "") or \
        "waits for a lock" not in summary
    assert summary.startswith("kcompactd sleeps in wait_event_interruptible")


def test_html_lanes_are_in_the_text_traces_order(tmp_path):
    """A task spawned first but stepping last keeps its first column in both."""
    f = tmp_path / "late.py"
    f.write_text("""
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read, atomic_set, WARN_ON

def first(x):
    WARN_ON(atomic_read(x) == 1)

def main():
    x = atomic_t(0)
    spawn(first, x, name="first")
    spawn(atomic_set, x, 1, name="second")
""")
    res = kcheck.check(_load(f))
    bug = res.bug
    header = bug.trace.splitlines()[0].split("|")
    text_order = [h.strip() for h in header]
    assert text_order == ["first", "second"] and bug.lanes == text_order
    assert bug.events[0]["task"] == "second"         # the other one steps first
    from kcheck.report.html import render_report
    page = render_report(res)
    lanes = [s.split('"')[0] for s in page.split('<th class="lane" data-task="')[1:]]
    assert lanes == text_order


def _load(path):
    ns = {}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns["main"]


WORK_RAISES = """
from kcheck import spawn
from kcheck.kernel import KStruct, work_struct, INIT_WORK, alloc_workqueue, queue_work, flush_workqueue

class Obj(KStruct):
    work: work_struct

def wfn(work):
    raise ValueError("v")

def task(o, wq):
    queue_work(wq, o.work)
    flush_workqueue(wq)

def main():
    o = Obj()
    wq = alloc_workqueue("wq")
    INIT_WORK(o.work, wfn)
    spawn(task, o, wq, name="t")
"""


def test_keep_going_past_a_model_error_reports_no_consequence_and_no_exhaustive(tmp_path):
    """(found by tests/test_cli_fuzz.py) A work item that raises kills its worker:
    the flush waiting for it is not a deadlock of the kernel code, and a run
    whose task died of an exception is not an exhaustive exploration."""
    f = tmp_path / "work.py"
    f.write_text(WORK_RAISES)
    for extra in ([], ["--keep-going"]):
        rc, out, err = _cli("check", f, "--json", *extra)
        j = json.loads(out)
        assert rc == 2 and [b["kind"] for b in j["bugs"]] == ["model-error"], out
        assert j["verdict"] == "error" and j["exhaustive"] is False
        assert err.strip().endswith("in task kworker/wq:0: ValueError: v")


def test_watchdog_counts_the_models_time_not_the_explorers():
    """(found by tests/test_cli_fuzz.py) A write with thousands of reads to revisit
    keeps the explorer busy for seconds within one event: that is not the model
    looping "without reaching a kernel call"."""
    import os
    from kcheck.engine import watchdog
    engine = os.path.join(os.path.dirname(watchdog.__file__), "explore.py")
    kernel = os.path.join(os.path.dirname(os.path.dirname(watchdog.__file__)), "kernel", "struct.py")

    def frame_in(path, inner=None):
        ns = {"sys": sys, "inner": inner}
        exec(compile("def f():\n    return inner() if inner else sys._getframe()\n", path, "exec"), ns)
        return ns["f"]

    model = str(C / "livelock.py")
    # the model calls a kernel call, which calls the explorer: the explorer's time
    assert watchdog._exploring(frame_in(model, frame_in(kernel, frame_in(engine)))())
    # the model loops in itself, or in a kernel helper that makes no event: the model's
    assert not watchdog._exploring(frame_in(model)())
    assert not watchdog._exploring(frame_in(model, frame_in(kernel))())
