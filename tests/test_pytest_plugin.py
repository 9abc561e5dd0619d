"""The pytest plugin, seen from a user's test session (pytester).

Each test writes a small test module against a buggy or a fixed model, runs
pytest on it, and checks what the user sees: pass/fail counts and, for a
failure, that the report is the kcheck trace (columns per task, the bug, the
replay command) rather than a Python traceback.
"""

import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

# Once the pytest11 entry point is installed pytest loads the plugin itself, and
# naming it again with -p would register the same module twice.
INSTALLED = any(ep.value == "kcheck.pytest_plugin" for ep in entry_points(group="pytest11"))
PLUGIN = [] if INSTALLED else ["-p", "kcheck.pytest_plugin"]

MODEL = '''
from kcheck import spawn
from kcheck.kernel import KStruct, refcount_t, kzalloc, kfree, refcount_dec_and_test


class obj(KStruct):
    refs: refcount_t
    data: int


def user(o):
    o.data = 1
    if refcount_dec_and_test(o.refs):
        kfree(o)


def _main(refs):
    o = kzalloc(obj, refs=refs)
    spawn(user, o, name="cpu0")
    spawn(user, o, name="cpu1")


def buggy():            # one reference for two users
    _main(1)


def fixed():            # one reference each
    _main(2)
'''


def run(pytester, test_source):
    pytester.makepyfile(refmodel=MODEL)
    pytester.makepyfile(test_source)
    return pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider")


def test_fixture_fails_with_the_trace(pytester):
    r = run(pytester, """
        import refmodel

        def test_buggy(kcheck):
            kcheck.check(refmodel.buggy)

        def test_fixed(kcheck):
            res = kcheck.check(refmodel.fixed)
            assert res.exhaustive and res.verdict == "no-bug"
    """)
    r.assert_outcomes(passed=1, failed=1)
    out = r.stdout.str()
    r.stdout.fnmatch_lines([
        "*test_buggy*",
        "BUG use-after-free: *obj#0*",
        "*cpu0*|*cpu1*",
        ">> !!*USE-AFTER-FREE*",
        "replay: kcheck replay *refmodel.py --entry buggy '*'",
    ])
    # the failure is the trace, not a traceback through the plugin
    assert "pytest_plugin.py" not in out and "def test_buggy" not in out


def test_options_pass_through(pytester):
    r = run(pytester, """
        import refmodel

        def test_bounded(kcheck):
            res = kcheck.check(refmodel.fixed, max_executions=1)
            assert not res.exhaustive and res.executions == 1

        def test_bad_option(kcheck):
            kcheck.check(refmodel.fixed, memory_model="no-such-model")
    """)
    r.assert_outcomes(passed=1, failed=1)
    r.stdout.fnmatch_lines(["*unknown memory model 'no-such-model'*"])


def test_expect_bug(pytester):
    r = run(pytester, """
        import refmodel

        def test_pinned(kcheck):
            res = kcheck.expect_bug(refmodel.buggy, kind="use-after-free")
            assert res.bug.task == "cpu1"

        def test_pinned_but_gone(kcheck):
            kcheck.expect_bug(refmodel.fixed, kind="use-after-free")

        def test_wrong_kind(kcheck):
            kcheck.expect_bug(refmodel.buggy, kind="double-free")
    """)
    r.assert_outcomes(passed=1, failed=2)
    r.stdout.fnmatch_lines([
        "*expected a use-after-free bug, but kcheck found none (* executions, exhaustive, "
        "memory model sc)*",
    ])
    r.stdout.fnmatch_lines([
        "*expected a double-free bug, but kcheck found a use-after-free bug instead:*",
        "BUG use-after-free:*",
    ])


def test_kcheck_model_decorator(pytester):
    r = run(pytester, """
        from kcheck.pytest_plugin import kcheck_model
        import refmodel

        @kcheck_model(races="off")
        def test_model_buggy():
            refmodel._main(1)

        @kcheck_model
        def test_model_fixed():
            refmodel._main(2)

        @kcheck_model(expect="use-after-free")
        def test_model_known_bug():
            refmodel._main(1)
    """)
    r.assert_outcomes(passed=2, failed=1)
    r.stdout.fnmatch_lines([
        "*test_model_buggy*",
        "BUG use-after-free:*",
        "replay: kcheck replay *test_kcheck_model_decorator.py --entry test_model_buggy "
        "--races off '*'",
    ])


def test_decorated_test_replays_with_the_cli(pytester):
    """The replay command printed for a decorated test works as printed."""
    import subprocess
    r = run(pytester, """
        from kcheck.pytest_plugin import kcheck_model
        import refmodel

        @kcheck_model
        def test_model_buggy():
            refmodel._main(1)
    """)
    r.assert_outcomes(failed=1)
    line = next(l for l in r.outlines if l.startswith("replay: kcheck replay "))
    cmd = line[len("replay: "):]
    p = subprocess.run(f"{sys.executable} -m kcheck.cli {cmd[len('kcheck '):]}", shell=True,
                       capture_output=True, text=True, cwd=pytester.path,
                       env={"PYTHONPATH": str(pytester.path), "PATH": "/usr/bin:/bin"})
    assert p.returncode == 1, p.stderr
    assert p.stdout.startswith("BUG use-after-free")


def test_entry_point_is_declared():
    """pyproject.toml registers the plugin, so `pip install kcheck` is enough."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    eps = meta["project"].get("entry-points", {}).get("pytest11", {})
    assert eps.get("kcheck") == "kcheck.pytest_plugin", \
        'add [project.entry-points.pytest11] kcheck = "kcheck.pytest_plugin" to pyproject.toml'
