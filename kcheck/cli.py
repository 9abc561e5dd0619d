"""The ``kcheck`` command.

Exit codes: 0 no bug found in the explored space, 1 bug found, 2 usage or
model error (a one-line message naming the file and line; ``--debug`` shows
the traceback).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import sys
import time
import traceback

import click

from .engine.runtime import ModelError
from .engine.watchdog import Watchdog
from .engine.schedule import ScheduleError

EXIT_OK, EXIT_BUG, EXIT_ERROR = 0, 1, 2


class UserError(Exception):
    """Bad input: printed as one line, exit 2."""


def load_model(path, entry="main", defines=()):
    """Import a model file (or compile a C file, kcheck.c); return its entry function,
    or raise UserError."""
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    if path.endswith(".c"):
        from .c import load as load_c
        return load_c(path, defines).main_entry()
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory, expected a model file (.py)")
    name = "kcheck_model_" + str(abs(hash(os.path.abspath(path))))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{path}: not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except SyntaxError as e:
        raise UserError(f"{e.filename or path}:{e.lineno}: syntax error: {e.msg}") from e
    except (ModelError, Exception) as e:
        line = _model_line(e, path)
        raise UserError(f"{path}{':' + str(line) if line else ''}: error while importing the model: "
                        f"{type(e).__name__}: {e}") from e
    fn = getattr(mod, entry, None)
    if fn is None:
        raise UserError(f"{path}: no function {entry!r} (name it with --entry)")
    if not callable(fn):
        raise UserError(f"{path}: {entry!r} is not a function")
    return fn


def _model_line(exc, path):
    tb = exc.__traceback__
    line = None
    ap = os.path.abspath(path)
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == ap:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class Progress:
    """Rich progress on stderr (executions, executions/s, elapsed) for runs over a second."""

    def __init__(self, enabled=True):
        self.enabled = enabled and sys.stderr.isatty() or os.environ.get("KCHECK_PROGRESS") == "1"
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.live = None

    def __call__(self, driver):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.t0 < 1.0 or now - self.last < 0.25:
            return
        self.last = now
        st = driver.stats
        el = now - self.t0
        n = st.executions + st.blocked
        msg = (f"explored {st.executions} executions ({st.blocked} blocked), "
               f"{n / el:,.0f} exec/s, {st.events / el:,.0f} events/s, {el:.1f} s")
        if self.live is None:
            from rich.console import Console
            from rich.live import Live
            self.live = Live(msg, console=Console(stderr=True), transient=True, refresh_per_second=4)
            self.live.start()
        else:
            self.live.update(msg)

    def close(self):
        if self.live is not None:
            self.live.stop()
            self.live = None


_LOCATED = re.compile(r"^\S+:\d+(:\d+)?: error: ")


def _fail(msg, debug, exc=None):
    if debug and exc is not None:
        traceback.print_exception(exc)
    if getattr(exc, "verbatim", False) or _LOCATED.match(str(exc)):
        msg = str(exc)                        # already "file:line:col: error: ..." (C input)
    else:
        msg = f"kcheck: error: {msg}"
    click.echo(msg, err=True)
    sys.exit(EXIT_ERROR)


def print_result(res, as_json, path=None, replay_extra=""):
    if as_json:
        click.echo(json.dumps(res.to_json(), indent=None))
    else:
        click.echo(res.format(path or "FILE", replay_extra))
    return EXIT_BUG if res.bug else EXIT_OK


def replay_extra(entry="main", races="warn", step_bound=2000, drop_barriers=()):
    """The options a replay needs to rerun the same model the same way."""
    out = ""
    if entry != "main":
        out += f" --entry {entry}"
    if races != "warn":
        out += f" --races {races}"
    if step_bound and step_bound != 2000:
        out += f" --step-bound {step_bound}"
    for d in drop_barriers:
        out += f" --drop-barrier {d}"
    return out


def run_check(fn, *, path, as_json, debug, html=None, entry="main", replay_args="", **opts):
    """Shared by ``kcheck check`` and ``kcheck tdp-mmu check``: run, print, return the exit code."""
    from .api import check
    prog = Progress(enabled=not as_json or True)
    try:
        with Watchdog():
            res = check(fn, progress=prog, **opts)
    except ModelError as e:
        prog.close()
        _fail(f"{path}: {e}", debug, e)
    except RecursionError as e:
        prog.close()
        _fail(f"{path}: model recursion too deep: {e}", debug, e)
    finally:
        prog.close()
    write_html(res, html, title=str(path))
    extra = replay_extra(entry, opts.get("races", "warn"), opts.get("step_bound", 2000),
                         opts.get("drop_barriers", ())) + replay_args
    return print_result(res, as_json, path, extra)


COMMON = [
    click.option("--memory-model", type=click.Choice(["sc", "lkmm"]), default="sc", show_default=True,
                 help="sc: sequential consistency; lkmm: the Linux-kernel memory model"),
    click.option("--strategy", type=click.Choice(["dpor", "random", "pct"]), default="dpor",
                 show_default=True, help="dpor: exhaustive optimal (TruSt); random/pct: sampling"),
    click.option("--preemption-bound", type=int, default=None,
                 help="explore only schedules with at most K preemptions (not exhaustive)"),
    click.option("--step-bound", type=int, default=2000, show_default=True,
                 help="events per task before it counts as a livelock"),
    click.option("--max-executions", type=int, default=None, help="stop after N executions"),
    click.option("--executions", type=int, default=None, help="runs for random/pct (default 1000)"),
    click.option("--seed", type=int, default=0, show_default=True, help="seed for random/pct"),
    click.option("--depth", type=int, default=3, show_default=True, help="PCT bug depth"),
    click.option("--races", type=click.Choice(["warn", "error", "off"]), default="warn", show_default=True,
                 help="data races between plain accesses: report as warnings, as bugs, or not at all"),
    click.option("--no-minimize", is_flag=True, help="print the first failing execution as found"),
    click.option("--drop-barrier", "drop_barriers", multiple=True, metavar="NAME[@FUNC|@FILE:LINE]",
                 help="switch a barrier off (smp_mb, smp_mb__after_atomic, ..., or xchg's implied "
                      "barrier) to see whether the verdict depends on it; repeatable"),
    click.option("--jobs", "-j", type=int, default=None,
                 help="worker processes for exhaustive exploration (default: every core)"),
    click.option("--cluster", default=None, metavar="ADDRESS",
                 help="explore on a Dask distributed cluster (tcp://HOST:8786)"),
    click.option("--checkpoint", default=None, metavar="FILE",
                 help="write progress to FILE regularly, for --resume after a crash or kill"),
    click.option("--checkpoint-every", type=float, default=30.0, show_default=True, metavar="SECONDS"),
    click.option("--resume", default=None, metavar="FILE", help="continue from a checkpoint"),
    click.option("--estimate", is_flag=True,
                 help="print an estimate of the number of executions on stderr before exploring"),
    click.option("--json", "as_json", is_flag=True, help="one JSON object on stdout"),
    click.option("--html", "html", default=None, metavar="REPORT.html",
                 help="also write a self-contained HTML report (swimlanes) of the result"),
    click.option("--debug", is_flag=True, help="show tracebacks of model and kcheck errors"),
]


def common_options(f):
    for opt in reversed(COMMON):
        f = opt(f)
    return f


def check_opts(kw):
    return dict(memory_model=kw["memory_model"], strategy=kw["strategy"],
                preemption_bound=kw["preemption_bound"], step_bound=kw["step_bound"],
                max_executions=kw["max_executions"], executions=kw["executions"], seed=kw["seed"],
                depth=kw["depth"], races=kw["races"], minimize=not kw["no_minimize"],
                drop_barriers=kw["drop_barriers"],
                jobs=kw["jobs"] if kw["jobs"] is not None else (os.cpu_count() or 1),
                cluster=kw["cluster"], checkpoint=kw["checkpoint"],
                checkpoint_every=kw["checkpoint_every"], resume=kw["resume"],
                estimate=kw["estimate"])


def write_html(res, path, title):
    if not path:
        return
    from .report.html import write_report
    write_report(res, path, title=title)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kcheck")
def main():
    """kcheck: model checking for Linux-kernel concurrency."""


_DEFINE = click.option("-D", "--define", "defines", multiple=True, metavar="NAME[=VALUE]",
                       help="a preprocessor definition for a C file (kcheck check FILE.c)")


@main.command("check")
@click.argument("file")
@click.option("--entry", default="main", show_default=True, help="the model's entry function")
@_DEFINE
@common_options
def check_cmd(file, entry, defines, **kw):
    """Explore every interleaving of the model in FILE (.py, or C: .c)."""
    try:
        fn = load_model(file, entry, defines)
    except UserError as e:
        _fail(str(e), kw["debug"], e.__cause__ or e)
    except ModelError as e:                   # C that clang or kcheck rejects
        _fail(str(e), kw["debug"], e)
    spec = ("fn", fn) if file.endswith(".c") else ("file", os.path.abspath(file), entry)
    sys.exit(run_check(fn, path=file, as_json=kw["as_json"], debug=kw["debug"], html=kw["html"],
                       entry=entry, spec=spec, replay_args="".join(f" -D {d}" for d in defines),
                       **check_opts(kw)))


@main.command("replay")
@click.argument("file")
@click.argument("schedule")
@click.option("--entry", default="main", show_default=True)
@click.option("--step-bound", type=int, default=2000, show_default=True)
@click.option("--races", type=click.Choice(["warn", "error", "off"]), default="warn")
@click.option("--drop-barrier", "drop_barriers", multiple=True, metavar="NAME[@FUNC|@FILE:LINE]")
@click.option("--memory-model", type=click.Choice(["sc", "lkmm"]), default="sc", show_default=True,
              help="lkmm for a schedule from an LKMM run (it may read older writes)")
@_DEFINE
@click.option("--json", "as_json", is_flag=True)
@click.option("--debug", is_flag=True)
def replay_cmd(file, schedule, entry, step_bound, races, drop_barriers, memory_model, defines, as_json,
               debug):
    """Run FILE along SCHEDULE (from a bug report) and report what happens."""
    from .api import replay
    try:
        fn = load_model(file, entry, defines)
        with Watchdog():
            res = replay(fn, schedule, step_bound=step_bound, races=races, drop_barriers=drop_barriers,
                         memory_model=memory_model)
    except UserError as e:
        _fail(str(e), debug, e.__cause__ or e)
    except (ModelError, ScheduleError) as e:
        _fail(f"{file}: {e}", debug, e)
    sys.exit(print_result(res, as_json, file, replay_extra(entry, races, step_bound, drop_barriers)
                          + "".join(f" -D {d}" for d in defines)))


@main.command("litmus")
@click.argument("paths", nargs=-1, required=True)
@click.option("--engine", type=click.Choice(["herd", "trust"]), default="herd", show_default=True,
              help="herd: enumerate candidate executions as herd7 does; trust: run each test as a "
                   "kcheck program explored under the LKMM (a cross-check of whole-program mode)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--debug", is_flag=True)
def litmus_cmd(paths, engine, as_json, debug):
    """Check C litmus tests under the Linux-kernel memory model (herd7-style output)."""
    for p in paths:
        if not os.path.exists(p):
            _fail(f"{p}: no such file or directory", debug)
    if engine == "trust":
        from .litmus.program import run_paths as run_program
        sys.exit(run_program(list(paths), as_json, sys.stdout))
    from .litmus import run_paths
    sys.exit(run_paths(list(paths), as_json))


def _add_tdp():
    try:
        from .models.tdp_mmu.cli import tdp_mmu
    except ImportError:
        return
    main.add_command(tdp_mmu, "tdp-mmu")


_add_tdp()


if __name__ == "__main__":
    main()
