"""pytest plugin: model checks as ordinary tests.

Registered through the ``pytest11`` entry point, so installing kcheck is
enough; without the entry point, load it with ``-p kcheck.pytest_plugin`` or
``pytest_plugins = ["kcheck.pytest_plugin"]`` in a ``conftest.py``.

Three ways to use it::

    def test_put_root(kcheck):                 # the fixture
        kcheck.check(main, races="error")      # fails the test with the trace

    def test_known_uaf(kcheck):                # pin a bug that must stay found
        kcheck.expect_bug(buggy_main, kind="use-after-free")

    @kcheck_model(max_executions=10_000)       # the model's main *is* the test
    def test_refcount_scheme():
        spawn(...)

Why a failure is the trace and nothing else: the Python traceback of the test
function says only "kcheck found a bug", while the trace (one column per task,
the bug's step marked, the replay command) is what the reader needs, so the
failure is raised with ``pytrace=False``.
"""

from __future__ import annotations

import inspect
import os

import pytest

__all__ = ["KcheckFixture", "kcheck_model"]


def _replay_hint(main, options):
    """``kcheck replay <file> [--entry name] [--races ...]`` for the model behind ``main``."""
    try:
        path = inspect.getsourcefile(main)
    except TypeError:
        path = None
    if not path:
        return "kcheck replay FILE"
    try:
        path = os.path.relpath(path)
    except ValueError:          # another drive on Windows
        pass
    name = getattr(main, "__name__", "main")
    hint = f"kcheck replay {path}" + ("" if name == "main" else f" --entry {name}")
    for opt in ("races", "step_bound"):
        if opt in options:
            hint += f" --{opt.replace('_', '-')} {options[opt]}"
    return hint


def _failure_text(main, result, options, headline=None):
    text = result.format().replace("kcheck replay FILE", _replay_hint(main, options))
    return f"{headline}\n\n{text}" if headline else text


def _explored(result):
    mode = "exhaustive" if result.exhaustive else (
        f"bounded: {result.bound}" if result.bound else "not exhaustive")
    return f"{result.executions} executions, {mode}, memory model {result.memory_model}"


class KcheckFixture:
    """What the ``kcheck`` fixture gives a test.

    Keyword options go straight to :func:`kcheck.check` (``races=``,
    ``max_executions=``, ``memory_model=``, ``strategy=``, ``step_bound=``,
    ``preemption_bound=``, ``seed=`` ...), over the defaults this object was
    made with.
    """

    def __init__(self, **defaults):
        self.defaults = defaults

    def _options(self, options):
        return {**self.defaults, **options}

    def _run(self, main, options):
        import kcheck
        return kcheck.check(main, **self._options(options))

    def check(self, main, **options):
        """Explore ``main``; fail the test with the trace if a bug is found,
        else return the ``Result`` (so a test can assert ``exhaustive`` or a count)."""
        result = self._run(main, options)
        if result.bug is not None:
            pytest.fail(_failure_text(main, result, self._options(options)), pytrace=False)
        return result

    def expect_bug(self, main, kind=None, message=None, **options):
        """Explore ``main`` and require a bug (of ``kind``, and whose message
        contains ``message``, when given); return the ``Result``.

        For regression tests that pin a known bug: if a change to the model or
        to kcheck makes the bug disappear, the test says so instead of passing.
        """
        result = self._run(main, options)
        want = f"a {kind} bug" if kind else "a bug"
        if result.bug is None:
            pytest.fail(f"expected {want}, but kcheck found none ({_explored(result)})",
                        pytrace=False)
        opts = self._options(options)
        if kind is not None and result.bug.kind != kind:
            pytest.fail(_failure_text(main, result, opts, f"expected {want}, but kcheck found a "
                                      f"{result.bug.kind} bug instead:"), pytrace=False)
        if message is not None and message not in result.bug.message:
            pytest.fail(_failure_text(main, result, opts, f"expected {want} whose message "
                                      f"contains {message!r}, but kcheck found:"), pytrace=False)
        return result


@pytest.fixture
def kcheck():
    """Check a model inside a test: ``kcheck.check(main, **options)``,
    ``kcheck.expect_bug(main, kind=..., **options)``."""
    return KcheckFixture()


def kcheck_model(main=None, *, expect=None, **options):
    """Turn a model's ``main`` into a test: ``@kcheck_model(**options)``.

    The decorated function is the model's entry (it spawns the tasks); the
    test pytest collects explores it with ``kcheck.check(main, **options)``
    and fails with the trace on a bug.  With ``expect="use-after-free"`` (a bug
    kind, or ``True`` for any bug) the test instead requires that bug.  Name
    the function ``test_*`` so pytest collects it; the model stays reachable
    as ``.main``, and calling the test while kcheck runs it *is* the model, so
    ``kcheck replay test_file.py --entry test_name SCHEDULE`` replays a failure.
    """
    def wrap(fn):
        def test():
            from .engine import runtime
            if runtime.CURRENT is not None:
                # kcheck itself is running this: we are the model's entry, as in
                # `kcheck replay test_file.py --entry test_x '<schedule>'`
                return fn()
            checker = KcheckFixture()
            if expect is None or expect is False:
                checker.check(fn, **options)
            else:
                checker.expect_bug(fn, kind=None if expect is True else expect, **options)
        # no functools.wraps: its __wrapped__ would make pytest read fn's
        # signature, and a model's parameters are not fixtures
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            setattr(test, attr, getattr(fn, attr))
        test.main = fn
        return test
    return wrap(main) if main is not None else wrap
