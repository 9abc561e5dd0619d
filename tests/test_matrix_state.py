"""``kcheck tdp-mmu matrix --state DIR``: a matrix killed part-way goes on
from where it was, with the same cells and counts as a run that was never
stopped; what other code kept is not used."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kcheck.models.tdp_mmu.claims import Check, run_checks
from kcheck.models.tdp_mmu.store import CellStore
from terminal import running_kcheck

CELL = ["--variant", "v6.6", "--scenario", "vcpu+memslot", "--size", "resident=1", "--size", "fanout=2",
        "--size", "gfns=2", "--size", "slot_pages=2"]


def _matrix(state, *extra, jobs=1):
    state = ["--state", str(state)] if state is not None else []
    return [sys.executable, "-m", "kcheck.cli", "tdp-mmu", "matrix", "--jobs", str(jobs), "--json",
            *state, *CELL, *extra]


def _ckpts(d):
    return [f for f in os.listdir(d) if f.endswith(".ckpt")] if d.exists() else []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_killed_matrix_resumes_to_the_same_cells(tmp_path, jobs):
    """With --jobs 2 the one cell's search is split over two processes (the
    engine's units): killed and resumed, it ends on the serial run's count."""
    state = tmp_path / "state"
    env = dict(os.environ, KCHECK_CHECKPOINT_EVERY="1")
    straight = subprocess.run(_matrix(None), capture_output=True, text=True)
    whole = json.loads(straight.stdout)["cells"][0]
    assert whole["exhaustive"] and whole["verdict"] == "no-bug"

    p = subprocess.Popen(_matrix(state, jobs=jobs), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not _ckpts(state):
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    ckpts = _ckpts(state)
    assert ckpts, "the search was not checkpointed before it was killed"
    done = json.load(open(state / ckpts[0]))["counts"]["executions"]
    assert 0 < done < whole["executions"]

    resumed = subprocess.run(_matrix(state, jobs=jobs), capture_output=True, text=True, env=env)
    assert resumed.returncode == 0, resumed.stderr
    cell = json.loads(resumed.stdout)["cells"][0]
    assert (cell["verdict"], cell["executions"], cell["exhaustive"]) == \
        (whole["verdict"], whole["executions"], True)
    assert not any(f.endswith((".ckpt", ".run")) for f in os.listdir(state))

    again = subprocess.run(_matrix(state), capture_output=True, text=True, env=env)
    kept = json.loads(again.stdout)["cells"][0]
    assert kept["executions"] == whole["executions"] and kept["seconds"] == cell["seconds"]


def test_cells_kept_by_other_code_are_run_again(tmp_path):
    ch = Check("v6.6 on vcpu+vcpu", "v6.6", "vcpu+vcpu", sizes={"resident": 1}, options={})
    first = run_checks([ch], jobs=1, store=CellStore(str(tmp_path), "code-a"))[ch.key()]
    assert not first.kept and first.exhaustive
    same = run_checks([ch], jobs=1, store=CellStore(str(tmp_path), "code-a"))[ch.key()]
    assert same.kept and same.executions == first.executions
    other = run_checks([ch], jobs=1, store=CellStore(str(tmp_path), "code-b"))[ch.key()]
    assert not other.kept and other.executions == first.executions


def test_the_fingerprint_leaves_out_only_what_a_tdp_check_never_loads(tmp_path):
    """The cell fingerprint skips the C and litmus front ends: a whole TDP MMU
    matrix cell (model, engine, reports) must load none of their modules, or a
    change to them could change a verdict that a kept cell would still show."""
    from kcheck.models.tdp_mmu.store import NOT_LOADED
    code = ("import sys\n"
            "from kcheck.cli import main\n"
            "try:\n"
            "    main(['tdp-mmu', 'matrix', '--variant', 'v6.6', '--scenario', 'vcpu+vcpu',\n"
            "          '--size', 'resident=1', '--jobs', '1', '--json', '--out', sys.argv[1]])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('LOADED', ' '.join(sorted(m for m in sys.modules if m.startswith('kcheck'))))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    loaded = out.stdout.rsplit("LOADED", 1)[-1].split()
    assert "kcheck.engine.explore" in loaded and "kcheck.models.tdp_mmu.v5_17" in loaded, out
    front = [m for m in loaded for sub in NOT_LOADED
             if m == f"kcheck.{sub}" or m.startswith(f"kcheck.{sub}.")]
    assert front == []


def test_a_single_cell_is_split_over_the_jobs(tmp_path, monkeypatch):
    """A lone cell gets every process (--jobs); cells that share a pool get one each."""
    import kcheck
    seen = []
    real = kcheck.check

    def spy(main, **kw):
        seen.append(kw.get("jobs", 1))
        return real(main, **kw)
    monkeypatch.setattr(kcheck, "check", spy)
    ch = Check("v6.6 on vcpu+vcpu", "v6.6", "vcpu+vcpu", sizes={"resident": 1}, options={})
    split = run_checks([ch], jobs=2, store=CellStore(str(tmp_path), "code-a"))[ch.key()]
    serial = run_checks([ch], jobs=1)[ch.key()]
    assert seen == [2, 1]
    assert (split.verdict, split.executions, split.exhaustive) == \
        (serial.verdict, serial.executions, True)


def test_a_state_directory_that_cannot_be_written_is_a_usage_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = subprocess.run(_matrix(f / "sub"), capture_output=True, text=True)
    assert r.returncode == 2 and "--state" in r.stderr and "Traceback" not in r.stderr


def test_a_damaged_checkpoint_is_dropped_and_its_cell_runs_again(tmp_path):
    ch = Check("v6.6 on vcpu+vcpu", "v6.6", "vcpu+vcpu", sizes={"resident": 1}, options={})
    store = CellStore(str(tmp_path), "code-a")
    store.options(ch)                       # a run started: its sidecar is there
    base = store._base(ch)
    with open(base + ".ckpt", "w") as f:
        f.write("{not json")
    res = run_checks([ch], jobs=1, store=CellStore(str(tmp_path), "code-a"))[ch.key()]
    assert res.verdict == "no-bug" and res.exhaustive and res.error is None


def test_an_edited_verdict_is_not_taken_and_its_cell_runs_again(tmp_path):
    """A kept entry says a verdict; one changed by hand (a bug made "no-bug")
    does not match its digest and the check runs again."""
    ch = Check("v6.6 on vcpu+vcpu", "v6.6", "vcpu+vcpu", sizes={"resident": 1}, options={})
    run_checks([ch], jobs=1, store=CellStore(str(tmp_path), "code-a"))
    base = CellStore(str(tmp_path), "code-a")._base(ch)
    kept = json.loads(open(base + ".json").read())
    assert kept["verdict"] == "no-bug" and kept["digest"]
    kept["executions"] = 1
    with open(base + ".json", "w") as f:
        json.dump(kept, f)
    assert CellStore(str(tmp_path), "code-a").finished(ch) is None
    res = run_checks([ch], jobs=1, store=CellStore(str(tmp_path), "code-a"))[ch.key()]
    assert res.verdict == "no-bug" and res.exhaustive and res.executions > 1


def test_two_runs_on_one_state_directory_is_a_usage_error(tmp_path):
    holder = CellStore(str(tmp_path), "code-a")
    holder.prepare()
    r = subprocess.run(_matrix(tmp_path), capture_output=True, text=True)
    assert r.returncode == 2 and "in use by another kcheck run" in r.stderr
    assert "Traceback" not in r.stderr


def test_ctrl_c_with_two_processes_keeps_the_running_cells(tmp_path):
    """Cells run in worker processes (--jobs 2) checkpoint there; Ctrl-C lists
    each running cell's checkpointed executions, and the next run ends them."""
    cmd = [sys.executable, "-m", "kcheck.cli", "tdp-mmu", "matrix", "--jobs", "2", "--json",
           "--state", str(tmp_path), "--variant", "v6.6", "--scenario", "vcpu+memslot",
           "--scenario", "memslot+vcpu", "--size", "resident=1", "--size", "fanout=2",
           "--size", "gfns=2", "--size", "slot_pages=2"]
    env = dict(os.environ, KCHECK_CHECKPOINT_EVERY="0.5")
    straight = subprocess.run([c for c in cmd if c not in ("--state", str(tmp_path))],
                              capture_output=True, text=True)
    want = {c["scenario"]: c["executions"] for c in json.loads(straight.stdout)["cells"]}
    with running_kcheck([c for c in cmd[3:] if c != "--json"], env=env) as p:
        deadline = time.time() + 60
        while time.time() < deadline and len(_ckpts(tmp_path)) < 2:
            time.sleep(0.05)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        _out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "checkpointed, resumes from there" in err and "Traceback" not in err
    again = subprocess.run(cmd, capture_output=True, text=True, env=env)
    got = {c["scenario"]: c["executions"] for c in json.loads(again.stdout)["cells"]}
    assert got == want and all(c["exhaustive"] for c in json.loads(again.stdout)["cells"])
