"""herd7-compatible LKMM litmus checking, in pure Python.

Layers, bottom up:

* :mod:`.syntax` -- the test as data; :mod:`.parser` -- C litmus text to it;
* :mod:`.semantics` -- each process's control paths, with symbolic reads,
  following ``linux-kernel.def``;
* :mod:`.enumerate` -- rf/co candidates, judged by
  :mod:`kcheck.engine.memory.lkmm` (the model itself, shared with the
  exploration engine);
* :mod:`.report` -- herd7-style blocks, the ``Result:`` comparison, JSON.

:func:`run_paths` is what ``kcheck litmus PATH... [--json]`` runs.
"""

from __future__ import annotations

import json
import os
import sys
import time

from .enumerate import Outcome, run_test
from .parser import header, parse_file, parse_text
from .report import LitmusReport, format_block, format_error, format_states, summary_line, to_json, interrupted_line
from .syntax import LitmusError, Test

__all__ = ["run_paths", "check_file", "collect", "parse_file", "parse_text", "run_test",
           "LitmusError", "Test", "Outcome", "LitmusReport"]


def collect(paths: list[str]) -> list[str]:
    """Files named, and every ``*.litmus`` under directories named, in order."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, names in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, n) for n in sorted(names) if n.endswith(".litmus")]
            files += found
        else:
            files.append(p)
    return files


def check_file(path: str, progress=None, debug=False) -> LitmusReport:
    """Parse and run one test; errors are recorded in the report, not raised.
    ``progress``: a report.progress.Progress, shown while a test runs long.
    An internal error is recorded too, so that the tests after it still run
    (a review: one crashing test ended a batch, and ``--json`` lost the
    results before it); ``debug`` raises it for its traceback."""
    t0 = time.perf_counter()
    r = LitmusReport(file=path)
    try:
        test = parse_file(path)
        r.name, r.expected, r.test = test.name, test.expected, test
        tick = None
        if progress is not None and progress.enabled:
            progress.t0 = time.perf_counter()

            def tick(o, name=test.name, t0=progress.t0):
                el = time.perf_counter() - t0
                progress.show(f"{name}: {o.candidates:,} candidate executions judged, "
                              f"{len(o.states):,} states, {o.candidates / max(el, 1e-9):,.0f}/s, "
                              f"{el:.1f} s")
        try:
            r.outcome = run_test(test, tick)
        finally:
            if progress is not None:
                progress.close()
        r.states = format_states(r.outcome)
    except LitmusError as e:
        r.error = str(e) if e.file else f"{path}: {e}"      # one found while running it
        if r.name is None and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    r.name, r.expected = header(f.read(1 << 16))
            except OSError:
                pass
    except RecursionError:
        r.error = f"{path}: expression too deeply nested"
    except Exception as e:          # noqa: BLE001 - any class: the next test still runs
        if debug:
            raise
        r.error = (f"{path}: internal error: {type(e).__name__}: {e} (run with --debug for "
                   "the traceback, and please report it)")
    r.seconds = time.perf_counter() - t0
    return r


def run_paths(paths: list[str], as_json: bool, out=sys.stdout, debug=False) -> int:
    """Check every test under ``paths``; print herd7-style blocks or JSON.

    Returns 0 when every test with a ``Result:`` line matches it, 1 when any
    does not (a mismatch or an error), 2 when no test could be run at all.
    """
    t0 = time.perf_counter()
    reports = []
    interrupted = False
    from ..report.progress import Progress
    progress = Progress()
    try:
        for path in collect(paths):
            r = check_file(path, progress, debug)
            reports.append(r)
            if not as_json:
                out.write(format_block(r) if r.error is None else format_error(r))
                out.write("\n")
                out.flush()
    except KeyboardInterrupt:
        interrupted = True      # the tests that finished are reported; the one cut short is not
    seconds = time.perf_counter() - t0
    if as_json:
        json.dump(to_json(reports, seconds, interrupted), out, indent=2)
        out.write("\n")
    else:
        out.write(summary_line(reports, seconds) + "\n")
        if interrupted:
            out.write(interrupted_line(len(reports)) + "\n")
    if interrupted:
        return 130
    if not reports or any(r.error is not None for r in reports):
        # a test that could not be checked leaves the run without a verdict on it:
        # `kcheck litmus *.litmus` in CI must not pass over an unparsable test
        return 2
    if any(r.match is False for r in reports):
        return 1
    return 0
