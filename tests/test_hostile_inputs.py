"""Inputs a hostile review tried that got a wrong exit code, no line, or a
reply that could not be used (2026-11-30)."""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import kcheck
from kcheck import spawn, nondet
from kcheck.engine.runtime import ModelError
from kcheck.kernel import atomic_t, atomic_set

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("n", [0, -3, "x", 2.5, 10 ** 9])
def test_nondet_takes_a_count_of_values(n):
    def t():
        nondet(n)

    def main():
        spawn(t, name="t")
    with pytest.raises(ModelError, match=r"nondet\(.*\): the number of values must be an int"):
        kcheck.check(main)


def test_spawn_of_what_is_not_a_function_names_the_line():
    def main():
        spawn(5, name="t")
    with pytest.raises(ModelError, match=r"spawn\(5, \.\.\.\): a task needs a function") as e:
        kcheck.check(main)
    assert e.value.where is not None and e.value.where[0].endswith("test_hostile_inputs.py")


def test_main_as_a_coroutine_says_so():
    async def main():
        spawn(atomic_set, atomic_t(0), 1, name="t")
    with pytest.raises(ModelError, match="returned a coroutine"):
        kcheck.check(main)


def test_the_replay_line_is_shell_quoted(tmp_path):
    d = tmp_path / "we ird"
    d.mkdir()
    f = d / "it's.py"
    f.write_text((ROOT / "examples" / "detectors" / "use_after_free.py").read_text())
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f), "--entry", "buggy"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    line = next(l for l in p.stdout.splitlines() if l.startswith("replay: "))
    argv = shlex.split(line[len("replay: "):])
    assert argv[:3] == ["kcheck", "replay", str(f)], argv
    again = subprocess.run([sys.executable, "-m", "kcheck.cli", *argv[1:]], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
    assert again.returncode == 1 and again.stdout.startswith("BUG use-after-free"), again.stderr


def test_a_litmus_header_without_a_name(tmp_path):
    from kcheck.litmus.parser import parse_text, LitmusError
    with pytest.raises(LitmusError, match="names no test: expected 'C NAME'"):
        parse_text("C\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1)\n", "t.litmus")


@pytest.mark.parametrize("every", ["nan", "inf"])
def test_checkpoint_every_is_a_finite_number(every, tmp_path):
    """click's FloatRange let `nan` through (no comparison with it is true)."""
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", "--checkpoint",
                        str(tmp_path / "ck"), "--checkpoint-every", every,
                        str(ROOT / "examples" / "put_root.py")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 2, p.stderr
    assert "--checkpoint-every" in p.stderr and "a number of seconds" in p.stderr
    assert "Traceback" not in p.stderr


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kcheck.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


OK = ROOT / "tests" / "contract" / "ok.py"


@pytest.mark.parametrize("args,says", [
    (["--checkpoint", ""], "--checkpoint: an empty value"),
    (["--resume", ""], "--resume: an empty value"),
    (["--html", ""], "--html: an empty value"),
    (["--cluster", ""], "--cluster: an empty value"),
    (["--checkpoint", "/proc/kcheck-x.json"], "cannot write there"),
    (["--strategy", "pct", "--depth", "99999999999999999999"], "--depth"),
])
def test_options_refused_with_one_line(args, says):
    """Empty values were silently ignored; a checkpoint under /proc and a huge
    --depth were 'internal error's (2026-11-30 review)."""
    r = _cli("check", OK, *args)
    assert r.returncode == 2, r.stderr
    assert says in r.stderr and "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1


def test_a_checkpoint_never_replaces_a_device_file(tmp_path):
    """--checkpoint wrote through a rename, so a device (/dev/null) became a
    regular file: now refused before the run."""
    import os
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | 0o020000, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    r = _cli("check", OK, "--checkpoint", dev)
    assert r.returncode == 2 and "not a regular file" in r.stderr
    assert not dev.is_file() and dev.exists()


def test_out_that_is_a_file_is_refused_up_front(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    r = _cli("tdp-mmu", "claims", "--only", "C5", "--out", f)
    assert r.returncode == 2 and "is a file, not a directory" in r.stderr
    assert "internal error" not in r.stderr


@pytest.mark.parametrize("where", ["task", "import"])
def test_os_exit_in_a_model_is_a_model_error(tmp_path, where):
    """os._exit() ended kcheck with the model's exit code and no word."""
    f = tmp_path / "m.py"
    if where == "task":
        f.write_text("import os\nfrom kcheck import spawn\ndef t():\n    os._exit(7)\n"
                     "def main():\n    spawn(t)\n")
    else:
        f.write_text("import os\nos._exit(9)\ndef main():\n    pass\n")
    r = _cli("check", f, "--jobs", "1")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "os._exit(" in r.stderr and "in the model" in r.stderr


def test_the_tdp_mmu_step_bound_grows_with_the_sizes():
    """v6.6 on vcpu at fanout=512 (a size the command accepts) was a livelock of
    the teardown: its zap of the whole address space makes ~7,300 events, and
    the bound was the engine's 2,000."""
    from kcheck.models.tdp_mmu.flows import step_bound_for
    assert step_bound_for({}) == 2000
    assert step_bound_for({"fanout": 512}) >= 7400
    r = _cli("tdp-mmu", "check", "--variant", "v6.6", "--scenario", "vcpu", "--size", "fanout=512",
             "--max-executions", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "livelock" not in r.stdout


@pytest.mark.parametrize("cmd,suffix", [(["check"], ".py"), (["check"], ".c"), (["litmus"], ".litmus"),
                                        (["replay"], ".py")])
def test_a_fifo_is_refused_not_waited_on(tmp_path, cmd, suffix):
    """A FIFO as the model or test file blocked the open for good (and /dev/zero
    was read until memory ran out): not a regular file, exit 2, one line."""
    import os
    fifo = tmp_path / f"x{suffix}"
    os.mkfifo(fifo)
    extra = ["0"] if cmd == ["replay"] else []
    r = _cli(*cmd, fifo, *extra)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "not a regular file" in r.stdout + r.stderr


def test_dev_zero_is_not_a_litmus_test():
    r = _cli("litmus", "/dev/zero")
    assert r.returncode == 2 and "not a regular file" in r.stdout, r.stdout + r.stderr


def test_a_byte_order_mark_is_named(tmp_path):
    t = tmp_path / "bom.litmus"
    t.write_text("\ufeffC bom\n{ }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n", encoding="utf-8")
    r = _cli("litmus", t)
    assert r.returncode == 2 and "byte-order mark" in r.stdout, r.stdout + r.stderr


def test_sigterm_stops_a_run_that_ignores_sigint(tmp_path):
    """A background job of a script (or nohup) starts with SIGINT ignored: SIGTERM
    was ignored with it, and `kill` left the run going (a review's litmus run
    spun at 100% until kill -9).  Now it stops as Ctrl-C does: exit 130."""
    import signal
    import time
    model = tmp_path / "long.py"
    model.write_text(
        "from kcheck import spawn\n"
        "from kcheck.kernel import atomic_t, atomic_inc\n"
        "def t(a):\n"
        "    for _ in range(3):\n"
        "        atomic_inc(a)\n"
        "def main():\n"
        "    a = atomic_t(0)\n"
        "    for i in range(6):\n"
        "        spawn(t, a, name=f't{i}')\n")
    p = subprocess.Popen([sys.executable, "-m", "kcheck.cli", "check", str(model), "--jobs", "1"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        time.sleep(3)
        assert p.poll() is None, "the run ended before the signal: make the model larger"
        p.send_signal(signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("SIGTERM ignored: the run went on") from None
        assert p.returncode == 130, (p.returncode, err)
    finally:
        if p.poll() is None:
            p.kill()


def test_unbounded_recursion_names_the_function_python_and_c(tmp_path):
    # "task t recursed without bound" named no function; the trace's only step was
    # an earlier line (a C review)
    import kcheck.c
    from kcheck.kernel import atomic_t, atomic_inc

    def down(a, n):
        atomic_inc(a)
        return down(a, n + 1)

    def main():
        kcheck.spawn(down, atomic_t(), 0)

    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "stack-overflow"
    assert "recursed deeper than a kernel stack holds in down()" in res.bug.message, \
        res.bug.message
    f = tmp_path / "rec.c"
    f.write_text("#include <linux/kernel.h>\n#include <pthread.h>\nstatic int x;\n"
                 "static int forever(int n) { return forever(n + 1) + 1; }\n"
                 "static void *t(void *a) { WRITE_ONCE(x, forever(0)); return NULL; }\n"
                 "int main(void) { pthread_t p; pthread_create(&p, NULL, t, NULL); return 0; }\n")
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "stack-overflow"
    assert "in C function forever() at rec.c:4" in res.bug.message, res.bug.message


def test_call_srcu_with_its_arguments_swapped_says_their_order():
    from kcheck.kernel import KStruct, srcu_struct, rcu_head, call_srcu
    from kcheck.engine.runtime import ModelError

    class mm(KStruct):
        srcu: srcu_struct

    class obj(KStruct):
        rcu: rcu_head

    def main():
        m, o = mm(), obj()
        kcheck.spawn(lambda: call_srcu(o.rcu, m.srcu, lambda h: None))

    with pytest.raises(ModelError, match=r"call_srcu\(ssp, head, func\)"):
        kcheck.check(main)


def test_a_kernel_call_at_import_says_to_make_it_in_main(tmp_path):
    f = tmp_path / "glob.py"
    f.write_text("from kcheck.kernel import DEFINE_SPINLOCK\nlock = DEFINE_SPINLOCK()\n"
                 "def main():\n    pass\n")
    out = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f)], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 2 and "is made in main() here" in out.stderr, out.stderr


@pytest.mark.parametrize("entry,code", [("fixed", 0), ("buggy", 1)])
@pytest.mark.parametrize("json_out", [False, True])
def test_a_reader_that_went_away_does_not_change_the_exit_code(entry, code, json_out):
    """``kcheck check M | true``: the verdict's exit code still stands (a clean
    run exited 1 when its one line met the closed pipe)."""
    cmd = [sys.executable, "-m", "kcheck.cli", "check", str(ROOT / "examples/detectors/double_free.py"),
           "--entry", entry] + (["--json"] if json_out else [])
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    p.stdout.close()                        # the reader is gone before kcheck writes
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == code, err
    assert "Traceback" not in err and "Broken pipe" not in err


def test_a_schedule_that_fails_early_fails_at_once(monkeypatch):
    """'0*9999999' diverges at its 7th step; the replay looked at the other ten
    million, one at a time, 49 s, before saying so.  Counted in task keys asked,
    not seconds."""
    from runpy import run_path
    from kcheck.engine import strategies
    asked = [0]
    key_of = strategies.key_of

    def counting(t):
        asked[0] += 1
        return key_of(t)
    monkeypatch.setattr(strategies, "key_of", counting)
    main = run_path(str(ROOT / "examples/put_root.py"))["main"]
    with pytest.raises(ModelError, match="replay diverged at step 7"):
        kcheck.replay(main, "0*9999999")
    assert asked[0] < 1000, asked[0]
