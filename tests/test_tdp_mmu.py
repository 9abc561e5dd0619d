"""The TDP MMU model: variants list, the thread's bug is found, v5.18 is clean, mutants die."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kcheck
from kcheck.models.tdp_mmu import CLAIMS, FLOWS, MUTANTS, VARIANTS, build_main
from kcheck.models.tdp_mmu.cli import tdp_mmu

ROOT = Path(__file__).resolve().parent.parent

ALL_VARIANTS = ["v5.17", "sean-v3", "paolo-dec-not-one", "sean-xchg", "paolo-xchg",
                "v5.18", "v6.6"]


def test_every_variant_flow_mutant_and_claim_is_listed():
    out = CliRunner().invoke(tdp_mmu, ["list"])
    assert out.exit_code == 0, out.output
    for name in ALL_VARIANTS + list(FLOWS) + list(MUTANTS) + list(CLAIMS):
        assert name in out.output
    assert set(ALL_VARIANTS) == set(VARIANTS)
    assert len(MUTANTS) >= 10
    assert sorted(CLAIMS, key=lambda c: int(c[1:])) == [f"C{i}" for i in range(1, 19)]


@pytest.mark.slow
def test_paolo_dec_not_one_use_after_free_through_the_cli():
    """C6: Sean's use-after-free in Paolo's first proposal, exit code 1."""
    out = CliRunner().invoke(tdp_mmu, ["check", "--variant", "paolo-dec-not-one",
                                       "--scenario", "vcpu+walker+walker", "--json"])
    assert out.exit_code == 1, out.output
    j = json.loads(out.output)
    assert j["verdict"] == "bug"
    # the first symptom the search meets is the refcount WARN on the freed root,
    # whose kernel message is "refcount_t: underflow; use-after-free."
    assert j["bug"]["kind"] in ("use-after-free", "refcount-warn")
    assert "use-after-free" in (j["bug"]["kind"] + j["bug"]["message"])


@pytest.mark.parametrize("scenario", ["vcpu+notifier", "vcpu+zap-all"])
def test_v5_18_two_flow_scenarios_are_clean_and_exhaustive(scenario):
    # yields=0 bounds the model (no yield points) so the search finishes in seconds
    r = kcheck.check(build_main("v5.18", scenario, yields=0))
    assert r.verdict == "no-bug", r.format()
    assert r.exhaustive


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_is_caught(name):
    m = MUTANTS[name]
    r = kcheck.check(build_main(m.base, m.scenario, mutant=name, **m.sizes), step_bound=3000,
                     **m.options)
    assert r.verdict == "bug", f"{m.base}/{name} on {m.scenario} survived"
    assert r.bug.kind == m.expect, (name, r.bug.kind, r.bug.message)
    # with a trace that ends at the bug, and a schedule that replays it
    assert "!!" in r.bug.trace and r.bug.schedule, r.format()


def test_mutant_selected_as_variant_name_or_option():
    a = build_main("v5.18/no-refcount-set-1", "vcpu")
    b = build_main("v5.18", "vcpu", mutant="no-refcount-set-1")
    assert a.__name__ == b.__name__


def test_usage_errors_exit_2():
    r = CliRunner().invoke(tdp_mmu, ["check", "--variant", "v9.9", "--scenario", "vcpu"])
    assert r.exit_code == 2
    r = CliRunner().invoke(tdp_mmu, ["check", "--variant", "v5.18", "--scenario", "vcpu+bogus"])
    assert r.exit_code == 2


def test_claims_json_subset(tmp_path):
    out = CliRunner().invoke(tdp_mmu, ["claims", "--json", "--only", "C1,C9,C16", "--jobs", "1",
                                       "--out", str(tmp_path), "--size", "fanout=2",
                                       "--size", "gfns=2", "--size", "slot_pages=2"])
    assert out.exit_code == 0, out.output
    j = json.loads(out.output)
    rows = {r["id"]: r for r in j["claims"]}
    assert rows["C1"]["verdict"] == "holds"
    assert rows["C9"]["verdict"] == "holds"
    assert rows["C16"]["verdict"] == "holds"


@pytest.mark.slow
def test_claims_json_full_table(tmp_path):
    # every claim, at gfns=2 (the claims' own sizes, gfns=3, take minutes more
    # than a test run should: README, TDP MMU section); this checks the table
    out = CliRunner().invoke(tdp_mmu, ["claims", "--json", "--out", str(tmp_path),
                                       "--size", "fanout=2", "--size", "gfns=2",
                                       "--size", "slot_pages=2"])
    assert out.exit_code == 0, out.output
    j = json.loads(out.output)
    assert [r["id"] for r in j["claims"]] == [f"C{i}" for i in range(1, 19)]
    for r in j["claims"]:
        assert r["verdict"] in ("holds", "refuted", "n-a")
        if r["verdict"] == "refuted":
            assert (tmp_path / f"{r['id']}.txt").exists()


def test_matrix_cells_are_exhaustive_and_bugs_have_traces(tmp_path):
    # the matrix's own sizes are the expensive ones; --size shrinks them here (and
    # without a resident vCPU the vCPU's own root is the one the proposals lose)
    small = ["--size", "fanout=2", "--size", "gfns=2", "--size", "slot_pages=2",
             "--size", "resident=0"]
    out = CliRunner().invoke(tdp_mmu, ["matrix", "--json", "--jobs", "1", "--out", str(tmp_path),
                                       "--variant", "v6.6", "--variant", "sean-v3",
                                       "--scenario", "vcpu+memslot", "--scenario", "memslot+walker",
                                       *small])
    assert out.exit_code == 1, out.output          # sean-v3 has a bug on vcpu+memslot
    j = json.loads(out.output)
    assert j["sizes"]["resident"] == 0 and j["sizes"]["fanout"] == 2
    cells = {(c["variant"], c["scenario"]): c for c in j["cells"]}
    assert len(cells) == 4
    bad = cells[("sean-v3", "vcpu+memslot")]
    assert bad["verdict"] == "bug" and bad["bug"] == "refcount-warn"
    text = open(bad["trace"]).read()
    assert "--size resident=0" in text.splitlines()[0] and "--size fanout=2" in text.splitlines()[0]
    assert "REFCOUNT-WARN" in text
    for key in [("v6.6", "vcpu+memslot"), ("v6.6", "memslot+walker"), ("sean-v3", "memslot+walker")]:
        c = cells[key]
        assert c["verdict"] == "no-bug" and c["exhaustive"] and c["executions"] > 1, c


def test_matrix_rows():
    from kcheck.models.tdp_mmu.matrix import (BASE_FLOWS, MATRIX_SIZES, matrix_scenarios,
                                              scenario_sizes, two_flow_scenarios)
    s = two_flow_scenarios()
    assert len(s) == len(BASE_FLOWS) * (len(BASE_FLOWS) + 1) // 2
    assert "vcpu+vcpu" in s and "memslot+zap-all" in s
    rows = matrix_scenarios()
    for three in ("vcpu+walker+walker", "vcpu+memslot+memslot", "memslot+walker+walker"):
        assert three in rows
    assert scenario_sizes("split+vcpu") == {"huge": 1, "resident": 0}
    assert scenario_sizes("vcpu+walker") == {"resident": 0}
    assert scenario_sizes("memslot+walker+walker") == {"resident": 1}
    # more GFNs than one top-level entry covers: a walk yields with mapped GFNs ahead
    assert MATRIX_SIZES["gfns"] > MATRIX_SIZES["fanout"]


# Mutants whose bug needs sizes the matrix does not have, and why.
NOT_AT_MATRIX_SIZES = {
    # the notifier's range must cover a whole page table and a GFN past it, so
    # that a yield falls between the table's removal and the deferred flush
    "defer-flush-after-rcu-unlock",
    # found at gfns=0 at once; at three GFNs the vCPU's faults bury it deep in
    # the search order (the exhaustive search does reach it, not a budget of 20,000)
    "queue-invalid-roots",
}


@pytest.mark.parametrize("name", sorted(set(MUTANTS) - NOT_AT_MATRIX_SIZES))
def test_the_matrix_sizes_reach_the_mutants(name):
    """The matrix's sizes are chosen by what they catch: each mutant of the
    real code, run on its scenario at the sizes the matrix gives that
    scenario's row, shows its bug.  At fanout=3 (three GFNs under one
    top-level entry) advance-after-restart passed; with a resident vCPU on the
    vCPU rows kfree-not-call-rcu, walker-no-rcu and unlink-root-list-del
    passed; with the notifier
    on GFN 0, put-root-zap-yields passed."""
    from kcheck.models.tdp_mmu.matrix import cell_sizes
    m = MUTANTS[name]
    sizes = cell_sizes(m.scenario)
    if m.sizes.get("huge"):
        sizes["huge"] = 1
    r = kcheck.check(build_main(m.base, m.scenario, mutant=name, **sizes), **m.options)
    assert r.bug is not None and r.bug.kind == m.expect, (name, sizes, r.executions, r.bug)


def test_every_clean_claim_check_has_a_root_to_work_on():
    """A check expected to find no bug must give its flows a root: a scenario
    without a vCPU flow and without a resident vCPU has none, and explores
    almost nothing (C10's memslot+walker was 2 executions of that)."""
    from kcheck.models.tdp_mmu.claims import CLAIMS
    from kcheck.models.tdp_mmu.flows import parse_scenario, DEFAULT_SIZES
    for cid, c in CLAIMS.items():
        for ch in c.checks:
            if ch.mutant or ch.special:
                continue
            flows = parse_scenario(ch.scenario)
            resident = ch.sizes.get("resident", DEFAULT_SIZES["resident"])
            assert "vcpu" in flows or resident >= 1, f"{cid}: {ch.label} has no root"


def test_c10_walker_check_is_not_vacuous():
    import kcheck
    from kcheck.models.tdp_mmu.claims import CLAIMS
    ch = next(c for c in CLAIMS["C10"].checks if "walker" in c.scenario)
    r = kcheck.check(ch.build(), step_bound=3000, max_executions=300)
    assert r.bug is None and r.executions == 300 and not r.exhaustive


def test_a_long_claims_check_says_it_is_still_running(capsys, monkeypatch):
    """The claims table prints a line per finished check; one that runs for
    minutes says, every minute, how far it is (here: every 256 executions)."""
    from kcheck.models.tdp_mmu import claims
    from kcheck.report import progress
    monkeypatch.setattr(progress.Heartbeat, "PERIOD", 0.0)
    ch = claims.Check("x", "v5.18", "vcpu+dirty-log", sizes={"fanout": 2, "gfns": 2, "slot_pages": 2})
    res = claims.run_check(ch, heartbeat=True)
    assert res.verdict == "no-bug" and res.executions >= 256
    err = capsys.readouterr().err
    assert "v5.18 on vcpu+dirty-log: still running, 256 executions" in err, err


def test_table_sizes_replace_the_claims_defaults_not_a_checks_own():
    """``kcheck tdp-mmu claims --size gfns=2``: every check at gfns=2 except one
    that sets gfns itself (C11's ``vcpu+vcpu gfns=0``, labelled so)."""
    from kcheck.models.tdp_mmu import claims
    table = claims.claims_at_sizes(claims.CLAIMS, {"fanout": 2, "gfns": 2})
    c11 = [ch for ch in table["C11"].checks if ch.scenario == "vcpu+vcpu"]
    assert c11 and all(ch.sizes["gfns"] == 0 and ch.sizes["fanout"] == 2 for ch in c11)
    c8 = [ch for ch in table["C8"].checks if ch.mutant is None]
    assert c8 and all(ch.sizes["gfns"] == 2 for ch in c8)
    lk = [ch.under_lkmm() for ch in c11]
    assert all(ch.sizes["gfns"] == 0 for ch in lk)


def _pool_workers(p, n=2):
    """The pids of process ``p``'s pool workers once ``n`` of them run (fewer
    after 10 s); not the monitor kcheck forks at start (engine/supervisor.py)."""
    import time

    from terminal import kcheck_workers
    kids = []
    for _ in range(100):
        time.sleep(0.1)
        kids = kcheck_workers(p.pid)
        if len(kids) >= n:
            break
    return kids


def test_claims_workers_stop_when_the_table_is_killed():
    """kill -9 of `kcheck tdp-mmu claims` leaves no pool worker exploring on
    for nobody (they used to run to the end of their check, an hour at the
    claims' sizes)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    p = subprocess.Popen([sys.executable, "-m", "kcheck.cli", "tdp-mmu", "claims", "--only", "C8"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kids = _pool_workers(p)
        assert len(kids) >= 2, "the table never started its workers"
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        deadline = time.time() + 10
        alive = kids
        while alive and time.time() < deadline:
            time.sleep(0.2)
            alive = [k for k in kids if os.path.exists(f"/proc/{k}")
                     and open(f"/proc/{k}/stat").read().split()[2] != "Z"]
        assert not alive, f"workers {alive} outlived the table"
    finally:
        if p.poll() is None:
            p.kill()


def test_ctrl_c_in_the_claims_table_says_what_was_covered(monkeypatch):
    """Ctrl-C during `kcheck tdp-mmu claims` exits 130 with the checks that had
    finished (their verdicts and executions), not "before any result"."""
    from kcheck.models.tdp_mmu import claims as claims_mod
    real = claims_mod.run_check
    calls = []

    def run_check(check, **kw):
        calls.append(check)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(check, **kw)
    monkeypatch.setattr(claims_mod, "run_check", run_check)
    args = ["claims", "--only", "C4,C16", "--jobs", "1", "--size", "fanout=2", "--size", "gfns=2",
            "--size", "slot_pages=2"]
    out = CliRunner().invoke(tdp_mmu, args + ["--json"])
    assert out.exit_code == 130, out.output
    j = json.loads(out.stdout)
    assert j["verdict"] == "interrupted" and j["exit_code"] == 130
    assert len(j["checks"]) == 1 and j["checks"][0]["check"] == calls[0].name
    assert j["checks"][0]["verdict"] in ("no-bug", "bug") and j["checks"][0]["executions"] > 0
    calls.clear()
    out = CliRunner().invoke(tdp_mmu, args)
    assert out.exit_code == 130
    assert "1 of" in out.stderr and calls[0].name in out.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_ctrl_c_says_how_far_each_running_check_got(as_json):
    """Ctrl-C pressed in a terminal reaches the table's worker processes too:
    each check they were running stops and is listed with the executions it
    had explored (before, only the finished ones were, and a table whose
    costliest checks come first said "0 of 38 finished" after minutes)."""
    import time

    from terminal import press_ctrl_c, running_kcheck
    cmd = ["tdp-mmu", "claims", "--jobs", "2"]
    with running_kcheck(cmd + (["--json"] if as_json else [])) as p:
        time.sleep(6)                       # the two costliest checks run for minutes
        press_ctrl_c(p)                     # as a terminal's Ctrl-C: the whole group
        out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err
    if as_json:
        cut = [c for c in json.loads(out)["checks"] if c["verdict"] == "interrupted"]
        assert len(cut) == 2 and all(c["executions"] > 0 and not c["exhaustive"] for c in cut)
    else:
        lines = [ln for ln in err.splitlines() if "stopped by Ctrl-C after" in ln]
        assert len(lines) == 2 and all("not finished" in ln for ln in lines), err


@pytest.mark.parametrize("cmd", [["claims"], ["matrix"]])
@pytest.mark.parametrize("size,says", [("fanout=1", "fanout >= 2"), ("gfns=40", "does not fit"),
                                       ("gfns=-1", "size gfns=-1: must be 0 to 64"),
                                       ("levels=99999999999999999999", "must be 1 to 5")])
def test_sizes_the_model_cannot_take_are_a_usage_error_before_a_table_runs(cmd, size, says):
    """``claims --size fanout=1`` printed a table of "n-a" (every check failed on
    the sizes) and exited 0."""
    out = CliRunner().invoke(tdp_mmu, cmd + ["--size", size])
    assert out.exit_code == 2, out.output
    assert says in out.output and "Traceback" not in out.output


@pytest.mark.parametrize("args,says", [
    (["--memory-model", "foo"], "'foo' is not one of 'sc', 'lkmm'"),
    (["--html", "/nonexistent/dir/x.html"], "no such directory /nonexistent/dir"),
    (["--drop-barrier", "nope"], "nope is not a barrier kcheck can drop"),
    (["--drop-barrier", "smp_mb__after_atomic@nofunc"], "matches no barrier the model executed"),
    (["--size", "yields=2"], "size yields=2: must be 0 to 1"),
])
def test_tdp_check_refuses_what_kcheck_check_refuses(args, says):
    """A traceback (--memory-model foo), a finished check's result thrown away
    (an --html path that cannot be written), and barrier specs that matched
    nothing accepted: tdp-mmu check now checks its options as kcheck check does."""
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "tdp-mmu", "check", "--variant", "v5.18",
                        "--scenario", "vcpu", *args], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert says in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_no_grace_period_under_a_task_blocked_in_its_read_side_section():
    """v6.6's collapse frees a page table with call_rcu() inside its RCU section,
    then waits there for the vCPU to leave guest mode (the remote TLB flush).
    The schedule below (found on 2026-11-30 by a review) ends with the
    collapse still waiting: its section had been cut at its last event, so
    the grace period and the kfree() were placed before the vCPU's walk of
    that table - a false use-after-free after 21,748 executions of
    collapse+vcpu.  A section a task has not left never ends
    (memory/rcu_gp.sections): no such execution."""
    from kcheck.models.tdp_mmu.matrix import cell_sizes
    from kcheck.report.build import replay
    main = build_main("v6.6", "collapse+vcpu", **cell_sizes("collapse+vcpu"))
    r = replay(main, "0*2 1*60 0*26 1*9 0.1*6 1*104 2", step_bound=3000)
    assert r.bug is None, r.format()


@pytest.mark.parametrize("how", ["kill -9 a worker", "SIGTERM to every process"])
def test_a_killed_worker_or_a_group_sigterm_ends_the_table(how):
    """kill -9 of one pool worker, or SIGTERM to the command and its workers
    (``pkill -f kcheck``), ends the table at once - exit 2 "a worker process
    died", or 130 as Ctrl-C.  On 2026-11-30 a ``pkill -f`` of the claims table
    hung it for good: Pool.terminate() waited for the task queue's lock, which
    a worker killed while it waited for a task held (engine.parallel.stop_pool
    no longer takes it).  When a worker dies holding that lock is up to the
    scheduler, so this test checks the exits, not that one interleaving."""
    import os
    import signal
    import subprocess
    import sys
    import time
    p = subprocess.Popen([sys.executable, "-m", "kcheck.cli", "tdp-mmu", "claims", "--only", "C8"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        kids = _pool_workers(p)
        assert len(kids) >= 2, "the table never started its workers"
        time.sleep(1.0)                       # both workers inside a check
        if how.startswith("kill -9"):
            os.kill(kids[-1], signal.SIGKILL)
            want = 2
        else:
            os.killpg(p.pid, signal.SIGTERM)
            want = 130
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{how}: the table hung") from None
        assert p.returncode == want, (p.returncode, err)
        if want == 2:
            assert "a worker process died" in err, err
        assert "Traceback" not in err, err
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)


def test_a_tdp_mmu_reports_replay_line_runs_and_meets_its_bug():
    """`kcheck tdp-mmu check` and the claims' traces printed `kcheck replay FILE
    '...'`, a placeholder no command accepts (a hostile review): the line is now
    `kcheck tdp-mmu check ... --replay '...'` with the check's own options."""
    import shlex
    from click.testing import CliRunner
    from kcheck.cli import main as cli
    from kcheck.models.tdp_mmu.claims import Check, run_check
    for mm in ("sc", "lkmm"):
        ch = Check("t", "sean-v3", "memslot+vcpu", memory_model=mm,
                   sizes={"gfns": 1, "slot_pages": 1})
        res = run_check(ch)
        assert res.bug is not None, res.text
        line = next(l for l in res.text.splitlines() if l.startswith("replay: "))
        assert line.startswith("replay: kcheck tdp-mmu check --variant sean-v3 "), line
        argv = shlex.split(line[len("replay: kcheck "):])
        out = CliRunner().invoke(cli, argv)
        assert out.exit_code == 1, out.output
        assert out.output.startswith(f"BUG {res.bug.kind}: {res.bug.message}"), out.output
