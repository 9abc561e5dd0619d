"""Exploration in units: the same executions on one core, two cores, a Dask
cluster, and across a kill -9 and --resume."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kcheck

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import programs  # noqa: E402
from terminal import press_ctrl_c, running_kcheck  # noqa: E402

MODEL = """
import sys
sys.path.insert(0, {bench!r})
import programs
main = programs.{fam}({n})
"""


def model_file(tmp_path, fam, n):
    f = tmp_path / f"{fam}{n}.py"
    f.write_text(MODEL.format(bench=str(ROOT / "benchmarks"), fam=fam, n=n))
    return f


@pytest.mark.parametrize("fam,n", [("readers", 9), ("lastzero", 6), ("indexer", 13), ("filesystem", 16)])
def test_counts_do_not_depend_on_the_number_of_workers(fam, n):
    main = programs.FAMILIES[fam](n)
    serial = kcheck.check(main)
    par = kcheck.check(main, jobs=2)
    assert par.jobs == 2
    assert (par.executions, par.blocked, par.verdict, par.exhaustive) == \
        (serial.executions, serial.blocked, serial.verdict, serial.exhaustive)
    assert par.executions == programs.TRACES[fam].get(n, par.executions)


def test_a_bug_is_found_with_workers_too():
    from runpy import run_path
    m = run_path(str(ROOT / "examples" / "detectors" / "double_free.py"))
    res = kcheck.check(m["buggy"], jobs=2)
    assert res.verdict == "bug" and res.bug.kind == "double-free" and res.bug.trace


def _kcheck(*args, **kw):
    return subprocess.run([sys.executable, "-m", "kcheck.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, **kw)


def test_kill_9_and_resume_explores_exactly_once(tmp_path):
    # big enough that the run is still going when it is killed, however fast it gets
    f = model_file(tmp_path, "readers", 15)
    full = json.loads(_kcheck("check", f, "--jobs", "1", "--json", timeout=600).stdout)
    ck = tmp_path / "ck.json"
    p = subprocess.Popen([sys.executable, "-m", "kcheck.cli", "check", str(f), "--jobs", "1",
                          "--checkpoint", str(ck), "--checkpoint-every", "0.2", "--json"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if ck.exists() and json.loads(ck.read_text())["counts"]["executions"] > 0:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    assert p.poll() is None, "the run ended before it could be killed"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    saved = json.loads(ck.read_text())
    assert saved["pending"], "killed before any checkpoint with work left"
    res = _kcheck("check", f, "--jobs", "1", "--resume", ck, "--json", timeout=600)
    out = json.loads(res.stdout)
    assert out["executions"] == full["executions"] == 32768
    assert out["exhaustive"] is True


def test_an_edited_checkpoint_is_refused_not_resumed(tmp_path):
    """A checkpoint whose pending paths were dropped by hand would let the
    resumed search end "exhaustive" over a space it never covered: kcheck
    refuses it (exit 2, one line naming the file), and takes the untouched one."""
    f = model_file(tmp_path, "readers", 15)
    ck = tmp_path / "ck.json"
    r = _kcheck("check", f, "--jobs", "1", "--checkpoint", ck, "--checkpoint-every", "0.05",
                "--max-executions", "300", "--json", timeout=600)
    assert r.returncode == 0, r.stderr
    saved = json.loads(ck.read_text())
    assert len(saved["pending"]) > 1
    edited = dict(saved, pending=saved["pending"][:1])
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(edited))
    r = _kcheck("check", f, "--jobs", "1", "--resume", bad, "--json", timeout=600)
    assert r.returncode == 2, r.stdout
    assert "edited or damaged checkpoint" in r.stderr and str(bad) in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _kcheck("check", f, "--jobs", "1", "--resume", ck, "--max-executions", "400", "--json",
                timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["executions"] > saved["counts"]["executions"]


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_cluster_mode_with_a_local_dask_scheduler_and_two_workers(tmp_path):
    pytest.importorskip("distributed")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                               "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        time.sleep(2)
        for i in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", addr,
                                           "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        from distributed import Client
        with Client(addr, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        f = model_file(tmp_path, "lastzero", 6)
        res = _kcheck("check", f, "--cluster", addr, "--json", timeout=300)
        out = json.loads(res.stdout)
        assert out["executions"] == kcheck.check(programs.lastzero(6)).executions
        assert out["exhaustive"] is True and out["jobs"] == 2
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def test_estimate_is_printed_before_exploring(tmp_path):
    f = model_file(tmp_path, "readers", 6)
    res = _kcheck("check", f, "--estimate", "--jobs", "1", "--json", timeout=120)
    assert "estimated about" in res.stderr
    assert json.loads(res.stdout)["estimate"] > 0


def test_peak_rss_is_reported():
    # the peak of this process (and its workers): in a test run, whatever the
    # largest test before this one took, so the figure is checked against the
    # operating system's own, not against a bound
    import resource
    res = kcheck.check(programs.readers(4), jobs=2)
    peak = res.to_json()["peak_rss_mb"]
    kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
             resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    assert 10 < peak <= kb / 1024 + 0.1


@pytest.mark.parametrize("fam,n", [("lastzero", 9), ("readers", 10)])
def test_two_workers_do_about_the_serial_work(fam, n):
    # Workers keep their subtrees and replay a path only when one gives work to an
    # idle other: the events (replays included) stay close to the serial run's.
    main = programs.FAMILIES[fam](n)
    serial = kcheck.check(main)
    par = kcheck.check(main, jobs=2)
    assert par.executions == serial.executions
    assert par.events <= 1.10 * serial.events


LONG = """
from kcheck import spawn
from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr


class S(KStruct):
    a: int
    b: int
    c: int


def t(s, k):
    for i in range(4):
        WRITE_ONCE(ptr(s, "a"), k + i)
        READ_ONCE(ptr(s, "b"))
        WRITE_ONCE(ptr(s, "c"), READ_ONCE(ptr(s, "a")))


def main():
    s = S()
    for k in range(4):
        spawn(t, s, k, name="cpu%d" % k)
"""


def test_ctrl_c_pressed_twice_under_jobs_2_still_gives_the_summary(tmp_path):
    """A second Ctrl-C while the workers were being stopped escaped the
    coordinator's cleanup: "interrupted (Ctrl-C) before any result", the
    executions already explored unsaid (half the time, in a hostile pass)."""
    f = tmp_path / "long.py"
    f.write_text(LONG)
    for attempt in range(8):
        with running_kcheck(["check", f, "--jobs", "2"]) as p:
            time.sleep(2.0)
            assert p.poll() is None, "the search ended before Ctrl-C"
            p.send_signal(signal.SIGINT)              # the coordinator, then the terminal's group
            press_ctrl_c(p)
            out, err = p.communicate(timeout=60)
        assert p.returncode == 130, (attempt, out, err)
        assert "before any result" not in err, (attempt, out, err)
        assert "interrupted: the result covers only what was explored" in out + err, (attempt, out)


def test_estimate_walks_for_its_time_and_says_how_far_apart_its_walks_are():
    """Knuth's estimator is heavy-tailed: 20 walks said 948 for a TDP MMU cell
    of 102,403 executions.  It takes at least the walks asked for, walks on
    for the time allowed, and returns the spread of five groups of walks,
    which on an unbalanced search is wide - the figure is not a promise."""
    from kcheck.engine import parallel as P
    from kcheck.models.tdp_mmu.claims import Check
    main = Check("v6.6 on vcpu+memslot", "v6.6", "vcpu+memslot", sizes={"gfns": 1}).build()
    opts = dict(memory_model="sc", step_bound=3000, races="warn", drop_barriers=())
    est, walks, (lo, hi) = P.estimate(main, opts, walks=100, seconds=0.0)
    assert walks == 100 and lo <= est <= hi and hi > 2 * lo
    t0 = time.perf_counter()
    _, walks, _ = P.estimate(main, opts, walks=1, seconds=1.0)
    assert time.perf_counter() - t0 >= 1.0 and walks > 1


def test_estimate_of_a_regular_search_stops_early():
    from kcheck.engine import parallel as P

    def main():
        kcheck.spawn(lambda: None)
    opts = dict(memory_model="sc", step_bound=100, races="warn", drop_barriers=())
    est, walks, spread = P.estimate(main, opts, walks=20, seconds=30.0)
    assert (est, walks, spread) == (1.0, 20, (1.0, 1.0))


def test_a_killed_worker_of_a_checkpointed_run_ends_it(tmp_path):
    """kill -9 of one worker of ``--jobs 2 --checkpoint``: the pool replaced the
    worker and forgot its unit, and the coordinator waited for it for ever.
    Now the run ends with exit 2, "a worker process died".  (readers(15), 32,768
    executions, ended within the test's first 1.2 s on a fast day: 2**18 now.)"""
    f = model_file(tmp_path, "readers", 18)
    p = subprocess.Popen([sys.executable, "-m", "kcheck.cli", "check", str(f), "--jobs", "2",
                          "--checkpoint", str(tmp_path / "ck.json")],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        from terminal import kcheck_workers
        kids = []
        deadline = time.time() + 60
        while time.time() < deadline and len(kids) < 2:
            time.sleep(0.2)
            kids = kcheck_workers(p.pid)        # not the monitor (engine/supervisor.py)
        assert kids, "no worker started"
        time.sleep(1.0)
        assert p.poll() is None, "the run ended before a worker could be killed"
        os.kill(kids[0], signal.SIGKILL)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 2, err
    assert "a worker process died" in err
