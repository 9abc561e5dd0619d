"""Model code no signal reaches ends with one line and exit 2, never a hang
(kcheck/engine/supervisor.py: a dead man's switch on CPU time, and a monitor
process that says where the model was stuck).

Until 2026-12-02 a task stuck in a loop inside one of Python's own C
functions ran until killed by hand: the watchdog, Ctrl-C and SIGTERM are all
Python signal handlers, and none runs before the C function returns.  So did
a model that switched the watchdog's timer off, and one that ignored SIGTERM
kept running after it."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from terminal import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork, /proc")

C_LOOP = """\
import itertools
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set

def main():
    flag = atomic_t()
    def t1():
        atomic_set(flag, 1)
        any(itertools.repeat(False))
    spawn(t1, name="t1")
"""

TIMER_OFF = """\
import signal
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set

def main():
    flag = atomic_t()
    def t1():
        atomic_set(flag, 1)
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        while True:
            pass
    spawn(t1, name="t1")
"""

IGNORES_TERM = """\
import signal
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read
signal.signal(signal.SIGTERM, signal.SIG_IGN)

def main():
    flag = atomic_t()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    def t1():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while not atomic_read(flag):
            pass
    spawn(t1, name="t1")
"""


def _kcheck(path, *args, env=None, absolute=False, **kw):
    e = {**os.environ, "KCHECK_WATCHDOG": "1", **(env or {})}
    name = str(path) if absolute else path.name
    return subprocess.Popen([sys.executable, "-m", "kcheck.cli", "check", name, *args],
                            cwd=path.parent, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **kw)


def _descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def _running(pids):
    alive = []
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(p)
        except OSError:
            pass
    return alive


def _finish(p, timeout=60):
    try:
        return p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("kcheck hung") from None


@pytest.mark.parametrize("absolute", [False, True])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_task_stuck_in_a_c_function_is_a_model_error_at_its_line(tmp_path, jobs, absolute):
    f = tmp_path / "cloop.py"
    f.write_text(C_LOOP)
    p = _kcheck(f, "--jobs", jobs, absolute=absolute)
    out, err = _finish(p)
    assert p.returncode == 2, (out, err)
    lines = err.strip().splitlines()
    named = str(f) if absolute else "cloop.py"     # as the user named the model
    assert len(lines) == 1 and lines[0].startswith(f"kcheck: error: {named}:9: model code ran "), err
    assert "Traceback" not in out + err


def test_under_json_the_stuck_run_is_one_object(tmp_path):
    f = tmp_path / "cloop.py"
    f.write_text(C_LOOP)
    p = _kcheck(f, "--json")
    out, err = _finish(p)
    assert p.returncode == 2
    j = json.loads(out)
    assert j["verdict"] == "error" and j["exit_code"] == 2 and j["error"].startswith("cloop.py:9: ")


def test_a_model_that_switches_the_watchdog_off_is_stopped(tmp_path):
    f = tmp_path / "timer_off.py"
    f.write_text(TIMER_OFF)
    p = _kcheck(f)
    out, err = _finish(p)
    assert p.returncode == 2, (out, err)
    assert err.startswith(("kcheck: error: timer_off.py:10: ", "kcheck: error: timer_off.py:11: ")), err


def test_a_model_that_ignores_sigterm_is_stopped_by_it(tmp_path):
    """Its module, its main() and its task each switch SIGTERM off: kcheck's
    handler is back before the next tick, and SIGTERM stops the run as Ctrl-C
    does (what was covered, exit 130)."""
    f = tmp_path / "term.py"
    f.write_text(IGNORES_TERM)
    p = _kcheck(f, "--step-bound", "100000000", env={"KCHECK_WATCHDOG": "600"})
    time.sleep(3)
    os.kill(p.pid, signal.SIGTERM)
    out, err = _finish(p, timeout=30)
    assert p.returncode == 130, (out, err)
    assert "interrupted" in out + err and "Traceback" not in err, (out, err)


def test_kill_9_of_kcheck_leaves_nothing_running(tmp_path):
    f = tmp_path / "cloop.py"
    f.write_text(C_LOOP)
    p = _kcheck(f, "--jobs", "2")
    deadline = time.time() + 30
    kids = []
    while time.time() < deadline and len(kids) < 3:     # the monitor and two workers
        time.sleep(0.2)
        kids = _descendants(p.pid)
    assert len(kids) >= 3, kids
    os.kill(p.pid, signal.SIGKILL)
    p.communicate()
    # the monitor dies with kcheck; a worker stuck in C at its switch, after
    # 2 * KCHECK_WATCHDOG + 5 + 3 s of CPU
    deadline = time.time() + 30
    while _running(kids) and time.time() < deadline:
        time.sleep(0.2)
    assert not _running(kids), "processes outlived kcheck"


def test_a_clean_run_keeps_its_exit_code_and_output(tmp_path):
    f = tmp_path / "ok.py"
    f.write_text("from kcheck import spawn\nfrom kcheck.kernel import atomic_t, atomic_set\n"
                 "def main():\n    a = atomic_t()\n    spawn(lambda: atomic_set(a, 1))\n")
    p = _kcheck(f)
    out, err = _finish(p)
    assert p.returncode == 0 and out.startswith("no bug found: 1 execution"), (out, err)
