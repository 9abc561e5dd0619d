"""The command line: exit codes, JSON, and bad input as one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad"
EX = ROOT / "examples" / "detectors"


def kcheck(*args, timeout=120):
    import os
    env = dict(os.environ, KCHECK_WATCHDOG="2")
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, cwd=ROOT, env=env)
    return p.returncode, p.stdout, p.stderr


READERS = """
from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_read, atomic_set

def main():
    x = atomic_t(0)
    spawn(atomic_set, x, 1, name="writer")
    for i in range({n}):
        spawn(atomic_read, x, name=f"reader{{i}}")
"""


@pytest.mark.parametrize("n", [3, 7])
def test_readers_json_contract(tmp_path, n):
    f = tmp_path / "readers.py"
    f.write_text(READERS.format(n=n))
    rc, out, err = kcheck("check", f, "--json")
    assert rc == 0, err
    j = json.loads(out)
    assert j["verdict"] == "no-bug" and j["exhaustive"] is True and j["executions"] == 2 ** n
    assert j["memory_model"] == "sc" and j["bug"] is None and j["blocked"] == 0
    assert isinstance(j["seconds"], float)


def test_bug_json_and_exit_1():
    rc, out, err = kcheck("check", EX / "deadlock.py", "--entry", "buggy", "--json")
    assert rc == 1
    j = json.loads(out)
    assert j["verdict"] == "bug" and j["bug"]["kind"] == "deadlock"
    assert set(j["bug"]) >= {"kind", "message", "trace", "schedule"}


def test_replay_reproduces_the_schedule():
    rc, out, _ = kcheck("check", EX / "double_free.py", "--entry", "buggy", "--json")
    sched = json.loads(out)["bug"]["schedule"]
    rc, out, _ = kcheck("replay", EX / "double_free.py", sched, "--entry", "buggy", "--json")
    assert rc == 1 and json.loads(out)["bug"]["kind"] == "double-free"


@pytest.mark.parametrize("args,needle", [
    (["check", BAD / "does_not_exist.py"], "no such file"),
    (["check", BAD / "syntax_error.py"], "syntax_error.py:2: syntax error"),
    (["check", BAD / "import_error.py"], "import_error.py:2: error while importing the model"),
    (["check", BAD / "no_main.py"], "no function 'main'"),
    (["check", BAD / "spawns_nothing.py"], "spawned no task"),
    (["check", BAD / "nondeterministic.py"], "deterministic"),
    (["replay", EX / "deadlock.py", "0 x*2", "--entry", "buggy"], "bad schedule token"),
    (["replay", EX / "deadlock.py", "7*3", "--entry", "buggy"], "diverged"),
    (["check", EX / "deadlock.py", "-D", "X=1", "--entry", "buggy"], "-D X=1: macros are for C files"),
    (["check", ROOT / "examples/docs/tutorial/put_root.c", "--entry", "vcpu"],
     "--entry vcpu: a C program starts at its main()"),
    (["check", EX / "deadlock.py", "--entry", "buggy", "--cluster", "bogus://x"],
     "--cluster bogus://x: no Dask scheduler answered"),
    (["check", EX / "null_deref.py", "--entry", "use_buggy"],
     "null_deref.py:21: the entry function use_buggy() takes arguments (h)"),
    (["litmus", BAD], "a directory with no .litmus file in it"),
    (["replay", EX / "deadlock.py", "garbage", "--entry", "buggy"],
     "bad schedule token 'garbage': a step is TASK, TASK*COUNT"),
    # spelt out, once 15 GB and a hang
    (["replay", EX / "deadlock.py", "0*999999999", "--entry", "buggy"], "more than 10,000,000 steps"),
    (["replay", EX / "deadlock.py", "0*5000000 1*5000001", "--entry", "buggy"],
     "more than 10,000,000 steps"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    rc, out, err = kcheck(*args)
    assert rc == 2, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_task_that_loops_forever_is_a_model_error():
    rc, out, err = kcheck("check", BAD / "loops_forever.py", timeout=60)
    assert rc == 2
    assert "loops_forever.py:" in err and "infinite loop" in err and "Traceback" not in err


@pytest.mark.parametrize("cmd", [["check"], ["replay", "0 1"]])
def test_debug_shows_a_task_exceptions_traceback(cmd):
    """A model error raised in a task (not main()) printed only its innermost
    line, --debug or not."""
    args = [cmd[0], EX / "model_error.py", *cmd[1:], "--entry", "buggy"]
    rc, out, err = kcheck(*args)
    assert rc == 2 and "Traceback" not in err
    rc, out, err = kcheck(*args, "--debug")
    assert rc == 2 and "Traceback (most recent call last)" in err, err
    assert "model_error.py\", line 16, in reader" in err, err


def test_debug_shows_the_traceback():
    rc, out, err = kcheck("check", BAD / "import_error.py", "--debug")
    assert rc == 2 and "Traceback" in err


def test_strategies_report_coverage_honestly():
    for strat in ("random", "pct"):
        rc, out, err = kcheck("check", EX / "use_after_free.py", "--entry", "fixed", "--strategy", strat,
                              "--executions", "50", "--json")
        j = json.loads(out)
        assert rc == 0 and j["exhaustive"] is False and j["distinct_traces"] >= 1
    rc, out, err = kcheck("check", EX / "use_after_free.py", "--entry", "buggy", "--strategy", "random",
                          "--executions", "200", "--json")
    assert rc == 1
    rc, out, err = kcheck("check", EX / "warn.py", "--entry", "buggy", "--preemption-bound", "1", "--json")
    j = json.loads(out)
    assert rc == 1 and j["bug"]["kind"] == "warn"
    rc, out, err = kcheck("check", EX / "warn.py", "--entry", "fixed", "--preemption-bound", "2", "--json")
    j = json.loads(out)
    assert rc == 0 and j["exhaustive"] is False and j["bound"] == "preemption bound 2"


@pytest.mark.parametrize("value", ["garbage", "", "nan", "-1", "inf"])
def test_a_bad_kcheck_watchdog_is_named_not_blamed_on_the_model(tmp_path, value):
    """KCHECK_WATCHDOG=garbage said "ok.py: error while importing the model:
    ValueError: could not convert string to float" (a hostile review)."""
    import os
    f = tmp_path / "readers.py"
    f.write_text(READERS.format(n=1))
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f), "--json"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env=dict(os.environ, KCHECK_WATCHDOG=value))
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith(f"kcheck: error: KCHECK_WATCHDOG={value!r}: ") and \
        p.stderr.count("\n") == 1, p.stderr
    assert json.loads(p.stdout)["exit_code"] == 2


@pytest.mark.parametrize("how", ["sys.stdout.close(); sys.stderr.close()",
                                 "sys.stdout = None; sys.stderr = open(os.devnull, 'w')"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_model_that_closes_the_output_still_gets_its_verdict_printed(tmp_path, how, jobs):
    """A task that closed sys.stdout left kcheck's verdict unprinted (exit 1,
    nothing said; a review): the CLI puts back what model code changed."""
    f = tmp_path / "closes.py"
    f.write_text("import os, sys\nfrom kcheck import spawn\nfrom kcheck.kernel import WARN_ON\n\n"
                 f"def t():\n    {how}\n    WARN_ON(True)\n\n"
                 "def main():\n    spawn(t)\n")
    rc, out, err = kcheck("check", f, "--jobs", jobs)
    assert rc == 1 and "BUG warn: WARN_ON at closes.py:7" in out, (out, err)
    assert "Traceback" not in err and "lost sys" not in err, err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_task_that_forks_is_a_model_error(tmp_path, jobs):
    """os.fork() in a task went on exploring in both processes and printed the
    verdict twice (a review): a model error now, at the model's line."""
    f = tmp_path / "forks.py"
    f.write_text("import os\nfrom kcheck import spawn\nfrom kcheck.kernel import WARN_ON\n\n"
                 "def t():\n    WARN_ON(os.fork() == 0)\n\n"
                 "def main():\n    spawn(t)\n")
    rc, out, err = kcheck("check", f, "--jobs", jobs)
    assert rc == 2 and "forks.py:6: fork() in a task" in err, (out, err)
    assert out.count("no bug") + out.count("BUG") == 0, out
