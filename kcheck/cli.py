"""The ``kcheck`` command.

Exit codes: 0 no bug found in the explored space, 1 bug found, 2 usage or
model error (a one-line message naming the file and line; ``--debug`` shows
the traceback), 130 interrupted (Ctrl-C: what was covered is printed first).
Under ``--json`` stdout holds exactly one JSON object whatever happens; what
the model prints goes to stderr.  docs/reference/cli.md has the table of
every bad input and what it gets.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


_REAL_EXIT = os._exit      # a model's import may not end kcheck, this may (runtime.no_process_exit)


def _interrupted_while_starting(signum, frame):
    """Ctrl-C while the command is still importing kcheck: the contract's line
    and exit code, not Python's traceback from the middle of an import."""
    msg = "interrupted (Ctrl-C) before any result"
    try:
        sys.stderr.write(f"kcheck: error: {msg}\n")
        if "--json" in sys.argv[1:]:
            sys.stdout.write('{"verdict": "interrupted", "error": "%s", "exit_code": 130}\n' % msg)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        _REAL_EXIT(130)


# Only where Python's own handler is in place (not under a host that set its
# own, as pytest may); put back at the end of this module, before main() runs.
_STARTING = (threading.current_thread() is threading.main_thread()
             and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
if _STARTING:
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import importlib.util  # noqa: E402  (after the handler: these imports take a fifth of a second)
import json  # noqa: E402
import shlex  # noqa: E402
import re  # noqa: E402
import traceback  # noqa: E402

import click  # noqa: E402

from .engine.bugs import KINDS  # noqa: E402
from .engine.runtime import ModelError, catching_ctrl_c, holding_ctrl_c, model_exception, no_process_exit
from .engine.watchdog import Watchdog
from .engine.schedule import ScheduleError
from .report.progress import Progress

EXIT_OK, EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

#: Bug kinds a model can meet (``--ignore KIND``).
BUG_KINDS = tuple(KINDS)


class UserError(Exception):
    """Bad input: printed as one line, exit 2."""


class Fail(Exception):
    """End the command with ``message`` on stderr (and, under --json, as the JSON
    object on stdout) and exit ``code``."""

    def __init__(self, message, code=EXIT_ERROR, exc=None, verbatim=False):
        super().__init__(message)
        self.code = code
        self.exc = exc
        self.verbatim = verbatim        # already "file:line: error: ..." (the C front end)


def load_model(path, entry="main", defines=()):
    """Import a model file (or compile a C file, kcheck.c); return its entry function,
    or raise UserError."""
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory, expected a model file (.py) or a C file (.c)")
    if path.endswith(".c"):
        from .c import load as load_c
        return load_c(path, defines).main_entry()
    nul = _nul_line(path)
    if nul:
        raise UserError(f"{path}:{nul}: not Python source: the file holds a NUL byte (a binary file?)")
    name = "kcheck_model_" + str(abs(hash(os.path.abspath(path))))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{path}: not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        from .engine.watchdog import ImportWatchdog
        with catching_ctrl_c(), ImportWatchdog(), no_process_exit():
            spec.loader.exec_module(mod)
    except SyntaxError as e:
        line = f":{e.lineno}" if e.lineno else ""
        raise UserError(f"{e.filename or path}{line}: syntax error: {e.msg}") from e
    except KeyboardInterrupt as e:
        if type(e).__name__ == "Interrupted":
            raise
        raise UserError(_import_error(path, e)) from e
    except BaseException as e:          # SystemExit, ModelError, anything the module raises
        raise UserError(_import_error(path, e)) from e
    fn = getattr(mod, entry, None)
    if fn is None:
        raise UserError(f"{path}: no function {entry!r} (name it with --entry)")
    if not callable(fn):
        raise UserError(f"{path}: {entry!r} is not a function")
    _takes_no_arguments(fn, entry, path)
    return fn


def _takes_no_arguments(fn, entry, path):
    """kcheck calls the entry function with no arguments: one that needs some is
    named with its line here, not met as a TypeError "in main()" at every run."""
    import inspect
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return                          # a builtin or a C callable: nothing to say
    need = [p.name for p in sig.parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                    p.KEYWORD_ONLY)]
    if need:
        code = getattr(fn, "__code__", None)
        where = f"{path}:{code.co_firstlineno}" if code is not None else str(path)
        raise UserError(f"{where}: the entry function {entry}() takes arguments "
                        f"({', '.join(need)}); kcheck calls it with none - name a main() "
                        "that builds the state and spawns the tasks")


def _import_error(path, e):
    msg, where = model_exception(e)
    if isinstance(e, ModelError):
        msg = str(e)
    return f"{located(where, path)}: error while importing the model: {msg}"


def _nul_line(path):
    """The line of the first NUL byte of ``path`` (Python refuses such a file), or None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    i = data.find(b"\0")
    return data.count(b"\n", 0, i) + 1 if i >= 0 else None


def located(where, path):
    """``FILE:LINE`` for a (file, line, ...) in the model, the file named as the
    user named the model when it is the model; else ``path``."""
    if not where:
        return str(path)
    f, line = where[0], where[1]
    if path and os.path.abspath(f) == os.path.abspath(str(path)):
        f = str(path)
    else:
        rel = os.path.relpath(f)
        f = rel if not rel.startswith("..") else f
    return f"{f}:{line}"


def _model_error_message(e, path):
    """One line for a ModelError: where in the model, then what."""
    msg = str(e)
    if _verbatim(e):
        return msg                            # already "file:line:col: error: ..." (C input)
    w = e.where
    if w and str(w[0]).endswith((".c", ".h")):
        # a kernel call C made refused its arguments: the compiler's format, as C's own errors
        e.verbatim = True
        return f"{located(w, path)}: error: {msg}" + (f" (in {w[2]}())" if len(w) > 2 else "")
    return f"{located(w, path)}: {msg}"


def _verbatim(e):
    return bool(getattr(e, "verbatim", False) or _LOCATED.match(str(e)))


def _model_fail(e, path):
    """The Fail that ends the command on ModelError ``e`` of the model at ``path``."""
    return Fail(_model_error_message(e, path), exc=e, verbatim=_verbatim(e))


_LOCATED = re.compile(r"^\S+:\d+(:\d+)?: error: ")


# -- where the output goes ------------------------------------------------------

class _Output:
    """What the command prints: under --json, the one JSON object (on the real
    stdout) - never more than one."""

    def __init__(self):
        self.as_json = False
        self.json_done = False
        self.code = None        # the exit code of the result being printed

    def result(self, res, path, extra, error=None):
        # The result is whole: a Ctrl-C or SIGTERM while it is written (a reader
        # slow to take 64 KiB of JSON) must not cut it short and call the run
        # interrupted "before any result".
        with _signals_held():
            self.code = EXIT_ERROR if error else res.exit_code
            if self.as_json:
                obj = res.to_json()
                if error:
                    obj["verdict"], obj["error"] = "error", error
                self.json(obj)
            else:
                click.echo(res.format(path or "FILE", extra))

    def json(self, obj):
        if not self.json_done:
            self.json_done = True
            click.echo(json.dumps(obj, indent=None))


OUT = _Output()


class _signals_held:
    """SIGINT and SIGTERM ignored while a finished result is printed (main thread only)."""

    def __enter__(self):
        import signal
        import threading
        self.saved = None
        if threading.current_thread() is threading.main_thread():
            self.saved = [(s, signal.signal(s, signal.SIG_IGN)) for s in (signal.SIGINT, signal.SIGTERM)]
        return self

    def __exit__(self, *exc):
        import signal
        for s, h in self.saved or ():
            signal.signal(s, h)
        return False


_MAIN_PID = [None]


_FORK_HOOK = []          # registered once per process


def _sigterm_default_in_child():
    """A process forked from the command (a pool's or a search's worker) gets
    SIGTERM's default back at once.  Inherited, the Python handler below runs
    only in the main thread: a SIGTERM the kernel hands to a worker's other
    thread (its die-with-parent watcher) while the main thread waits on a
    queue's lock was never acted on, and ``Pool.terminate()`` waited for that
    worker forever (a hang of ``kcheck check --max-executions N``, 1 run in 80
    under load)."""
    import signal
    if signal.getsignal(signal.SIGTERM) is _sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _interrupted_msg():
    from .engine.runtime import STOPPED_BY
    return f"interrupted ({STOPPED_BY[0]}) before any result"


def _sigterm(signum, frame):
    """SIGTERM (timeout(1), a CI job cancelled) stops a run as Ctrl-C does: what
    was covered is printed and the exit code is 130."""
    import signal
    if os.getpid() == _MAIN_PID[0]:
        from .engine.runtime import STOPPED_BY
        STOPPED_BY[0] = "SIGTERM"       # the messages say what stopped it
    if os.getpid() != _MAIN_PID[0]:
        # a worker process forked from the command (its pool terminates it with
        # SIGTERM): die as it would have without this handler
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    h = signal.getsignal(signal.SIGINT)
    if callable(h):
        h(signal.SIGINT, frame)
    elif h != signal.SIG_IGN or _INT_IGNORED[0]:
        # SIGINT ignored from the start (a background job of a script, nohup):
        # Ctrl-C is not the user's way to stop it, SIGTERM still is - it was
        # ignored too, and `kill` left the run going.  Inside model code it is
        # the runtime's interrupt (a bare KeyboardInterrupt there was the
        # model's own exception: a model error)
        from .engine import runtime as _rt
        if _rt.CURRENT is not None:
            _rt._on_sigint(signum, frame)
            return
        raise KeyboardInterrupt()


_INT_IGNORED = [False]      # SIGINT was ignored when the command started


class model_output_to_stderr:
    """Under --json, stdout is for the JSON object: what the model prints while it
    runs (here, or in worker processes forked meanwhile) goes to stderr.

    And whatever the model does to the process's output - ``sys.stdout.close()``,
    ``sys.stderr = None``, ``os.close(1)`` - is undone when it stops running:
    the verdict is kcheck's to print (until 2026-12-02 a model that closed
    stdout in a task ended with exit 1 and printed nothing)."""

    def __init__(self, on):
        self.on = on
        self.saved = None
        self.swapped = None
        self.streams = None

    def __enter__(self):
        self.streams = _ProcessGuard()
        if not self.on:
            return self
        try:
            sys.stdout.flush()
            fd = sys.stdout.fileno()
            sys.stderr.flush()
            self.saved = (fd, os.dup(fd))
            os.dup2(sys.stderr.fileno(), fd)
        except (AttributeError, OSError, ValueError):
            self.swapped = sys.stdout         # not a file descriptor (a test harness)
            sys.stdout = sys.stderr
        return self

    def __exit__(self, *exc):
        self.streams.repair()
        if self.saved is not None:
            try:
                sys.stdout.flush()
            except (OSError, ValueError):
                pass
            fd, copy = self.saved
            os.dup2(copy, fd)
            os.close(copy)
        elif self.swapped is not None:
            sys.stdout = self.swapped
        self.streams.close()
        return False


class _ProcessGuard:
    """What model code must not change in kcheck's own process, kept while it
    runs: stdout and stderr as they were (the stream objects, and a copy of
    file descriptors 1 and 2 with what they were open on; ``repair()`` puts
    back what the model changed), and ``os.fork`` refused inside a task
    (``_no_fork_in_tasks``) until ``close()``."""

    def __init__(self):
        self.objs = (sys.stdout, sys.stderr)
        self.forks = (os.fork, getattr(os, "forkpty", None))
        os.fork = _no_fork_in_tasks(os.fork)
        if self.forks[1] is not None:
            os.forkpty = _no_fork_in_tasks(self.forks[1])
        self.fds = []
        for fd in (1, 2):
            try:
                st = os.fstat(fd)
                self.fds.append((fd, os.dup(fd), (st.st_dev, st.st_ino)))
            except OSError:
                pass

    def repair(self):
        for fd, copy, ident in self.fds:
            try:
                st = os.fstat(fd)
                same = (st.st_dev, st.st_ino) == ident
            except OSError:
                same = False
            if not same:
                try:
                    os.dup2(copy, fd)
                except OSError:
                    pass        # the model closed kcheck's copy too (os.closerange): lost
        for name, orig, fd in (("stdout", self.objs[0], 1), ("stderr", self.objs[1], 2)):
            cur = getattr(sys, name)
            if cur is orig and not getattr(cur, "closed", False):
                continue
            if orig is not None and not getattr(orig, "closed", True):
                setattr(sys, name, orig)
            else:
                try:
                    setattr(sys, name, open(os.dup(fd), "w", buffering=1, closefd=True,
                                            errors="backslashreplace"))
                except OSError:
                    setattr(sys, name, open(os.devnull, "w"))   # nowhere left to write

    def close(self):
        for _, copy, _ in self.fds:
            try:
                os.close(copy)
            except OSError:
                pass            # closed by the model already
        self.fds = []
        os.fork = self.forks[0]
        if self.forks[1] is not None:
            os.forkpty = self.forks[1]


def _no_fork_in_tasks(real):
    """``os.fork`` for as long as model code runs: a task (a greenlet) that forks
    would go on exploring in both processes and print the verdict twice (a
    review, 2026-12-01), so it is a model error there; kcheck's own worker
    processes are forked from the explorer, outside every task."""
    import greenlet

    def fork():
        if greenlet.getcurrent().parent is not None:
            raise ModelError(f"{real.__name__}() in a task: kcheck runs every task of every "
                             "execution in this one process, so a model must not fork")
        return real()
    fork.__name__ = real.__name__
    return fork


# -- exit codes -----------------------------------------------------------------

def exit_code(res):
    """0 no bug (and the run ended on its own), 1 bug, 2 model error, 130 Ctrl-C."""
    return res.exit_code


def _model_error(res):
    return next((b for b in res.bugs if b.kind == "model-error"), None)


def print_result(res, as_json, path=None, replay_extra="", debug=False):
    """Print a result; returns the exit code.  A model error (an exception the
    model raised on some interleaving) prints its trace like a bug, and one line
    on stderr, and exits 2 - with ``--debug``, the exception's traceback too."""
    err = _model_error(res)
    line = None
    if err is not None:
        task = f"in task {err.task}: " if err.task else ""
        line = f"{_where_of(err, path)}: {task}{err.message}"
    OUT.result(res, path, replay_extra, error=line)
    exc = getattr(res.bug, "exc", None) if line else None
    if debug and exc is not None:
        traceback.print_exception(exc, file=sys.stderr)
    if line:
        click.echo(f"kcheck: error: {line}", err=True)
    return exit_code(res)


def _where_of(bug, path):
    if not bug.where:
        return str(path)
    f, _, line = bug.where.rpartition(":")
    if path and os.path.basename(str(path)) == f:
        f = str(path)
    return f"{f}:{line}"


def replay_extra(entry="main", races="warn", step_bound=2000, drop_barriers=(), keep_going=False,
                 ignore=()):
    """The options a replay needs to rerun the same model the same way."""
    q = shlex.quote
    out = ""
    if entry != "main":
        out += f" --entry {q(entry)}"
    if races != "warn":
        out += f" --races {races}"
    if step_bound and step_bound != 2000:
        out += f" --step-bound {step_bound}"
    for d in drop_barriers:
        out += f" --drop-barrier {q(d)}"
    if keep_going:
        out += " --keep-going"
    for k in ignore:
        out += f" --ignore {k}"
    return out


# -- checks before and after a run -----------------------------------------------

def _writable(opt, path, replaced=False):
    """Fail now, not after a long run, if ``path`` cannot be written.  ``replaced``:
    the file is rewritten by a rename over it (a checkpoint), so it must be a
    regular file or none, and a file must be creatable beside it."""
    if not path.strip():
        raise Fail(f"{opt}: an empty file name")
    d = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise Fail(f"{opt} {path}: is a directory")
    if not os.path.isdir(d):
        raise Fail(f"{opt} {path}: no such directory {os.path.dirname(path) or '.'}")
    if not os.access(d, os.W_OK):
        raise Fail(f"{opt} {path}: the directory is not writable")
    if replaced:
        if os.path.exists(path) and not os.path.isfile(path):
            raise Fail(f"{opt} {path}: not a regular file (a checkpoint replaces the file it names)")
        probe = path + ".tmp"
        try:
            with open(probe, "w"):
                pass
            os.unlink(probe)
        except OSError as e:
            raise Fail(f"{opt} {path}: cannot write there ({e.strerror or e})") from None


def _check_drop_specs(specs, is_c):
    """A spec must name a barrier kcheck can drop (Python models; C decides its own)."""
    if is_c:
        return
    from .kernel.barrier import DROPPABLE
    for spec in specs:
        name, _, at = spec.partition("@")
        if name not in DROPPABLE:
            raise Fail(f"--drop-barrier {spec}: {name or 'an empty name'} is not a barrier kcheck "
                       f"can drop ({', '.join(DROPPABLE)})")
        if "@" in spec and not at:
            raise Fail(f"--drop-barrier {spec}: say which call after '@' (a function, or FILE:LINE)")


def _unmatched_drops(res, specs, is_c):
    """--drop-barrier specs that matched no barrier the model executed: an error,
    not a silent no-op (the verdict would be the one with every barrier in).
    C programs record the barriers they meet as Python models do."""
    if not specs:
        return
    from .kernel.barrier import unmatched
    bad = unmatched(specs, res.barriers)
    if not bad:
        return
    met = sorted({f"{n}@{fn} ({line})" for n, fn, line in res.barriers})
    seen = f"; the barriers it met: {', '.join(met[:6])}" + (", ..." if len(met) > 6 else "") \
        if met else "; it met no barrier kcheck can drop"
    runs = "the execution" if res.strategy == "replay" else f"{res.executions + res.blocked} executions"
    raise Fail(f"--drop-barrier {', '.join(bad)}: matches no barrier the model executed in the "
               f"{runs} explored{seen}")


def write_html(res, path, title):
    if not path:
        return
    from .report.html import write_report
    try:
        write_report(res, path, title=title)
    except OSError as e:
        raise Fail(f"--html {path}: {e.strerror or e}") from e


def run_check(fn, *, path, as_json, debug, html=None, entry="main", replay_args="", is_c=False,
              **opts):
    """Shared by ``kcheck check`` and ``kcheck tdp-mmu check``: run, print, return the exit code."""
    from .api import check
    for opt, v in (("--html", html), ("--checkpoint", opts.get("checkpoint")),
                   ("--resume", opts.get("resume")), ("--cluster", opts.get("cluster"))):
        if v is not None and not str(v).strip():
            raise Fail(f"{opt}: an empty value")
    if html:
        _writable("--html", html)
    if opts.get("checkpoint"):
        _writable("--checkpoint", opts["checkpoint"], replaced=True)
    if opts.get("resume") and not os.path.isfile(opts["resume"]):
        what = "a directory, not a checkpoint" if os.path.isdir(opts["resume"]) else "no such file"
        raise Fail(f"--resume {opts['resume']}: {what}")
    prog = Progress()
    try:
        with model_output_to_stderr(as_json), Watchdog():
            res = check(fn, progress=prog, **opts)
    except ModelError as e:
        raise _model_fail(e, path) from e
    except RecursionError as e:
        raise Fail(f"{path}: model recursion too deep: {e}", exc=e) from e
    finally:
        prog.close()
    _unmatched_drops(res, opts.get("drop_barriers", ()), is_c)
    write_html(res, html, title=str(path))
    extra = replay_extra(entry, opts.get("races", "warn"), opts.get("step_bound", 2000),
                         opts.get("drop_barriers", ()), opts.get("keep_going", False),
                         opts.get("ignore", ())) + replay_args
    return print_result(res, as_json, path, extra, debug=debug)


# -- options ----------------------------------------------------------------------

def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _finite(ctx, param, value):
    """click's FloatRange lets ``nan`` through (every comparison with it is false)
    and ``inf`` would never checkpoint: a period is a finite number."""
    import math
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value}: a number of seconds", ctx=ctx, param=param)
    return value


_POS = click.IntRange(min=1)
_NONNEG = click.IntRange(min=0)

COMMON = [
    click.option("--memory-model", type=click.Choice(["sc", "lkmm"]), default="sc", show_default=True,
                 help="sc: sequential consistency; lkmm: the Linux-kernel memory model"),
    click.option("--strategy", type=click.Choice(["dpor", "random", "pct"]), default="dpor",
                 show_default=True, help="dpor: exhaustive optimal (TruSt); random/pct: sampling"),
    click.option("--preemption-bound", type=_NONNEG, default=None, metavar="K",
                 help="explore only schedules with at most K preemptions (not exhaustive)"),
    click.option("--step-bound", type=_POS, default=2000, show_default=True, metavar="N",
                 help="events per task before it counts as a livelock"),
    click.option("--max-executions", type=_POS, default=None, metavar="N",
                 help="stop after N executions (also with --jobs)"),
    click.option("--executions", type=_POS, default=None, metavar="N",
                 help="runs for --strategy random/pct (default 1000)"),
    click.option("--seed", type=int, default=0, show_default=True, help="seed for random/pct"),
    click.option("--depth", type=click.IntRange(1, 10000), default=3, show_default=True,
                 help="PCT bug depth (priority change points; a bug needing more is beyond PCT)"),
    click.option("--races", type=click.Choice(["warn", "error", "off"]), default="warn", show_default=True,
                 help="data races between plain accesses: report as warnings, as bugs, or not at all"),
    click.option("--keep-going", is_flag=True,
                 help="go on past bugs and report every distinct one (kind and place)"),
    click.option("--ignore", "ignore", multiple=True, type=click.Choice(BUG_KINDS), metavar="KIND",
                 help="do not report bugs of KIND (leak, warn, null-deref, ...: a KIND that "
                      "is none lists them), so that they hide no other bug; repeatable"),
    click.option("--no-minimize", is_flag=True, help="print the first failing execution as found"),
    click.option("--drop-barrier", "drop_barriers", multiple=True, metavar="NAME[@FUNC|@FILE:LINE]",
                 help="switch a barrier off (smp_mb, smp_mb__after_atomic, ..., or xchg's implied "
                      "barrier) to see whether the verdict depends on it; repeatable; a spec that "
                      "matches no barrier the model executes is an error"),
    click.option("--jobs", "-j", type=_POS, default=None, metavar="N",
                 help="worker processes for exhaustive exploration (default and at most: every core)"),
    click.option("--cluster", default=None, metavar="ADDRESS",
                 help="explore on a Dask distributed cluster (tcp://HOST:8786)"),
    click.option("--checkpoint", default=None, metavar="FILE",
                 help="write progress to FILE regularly, for --resume after a crash or kill"),
    click.option("--checkpoint-every", type=click.FloatRange(min=0, min_open=True), default=30.0,
                 show_default=True, metavar="SECONDS", callback=_finite),
    click.option("--resume", default=None, metavar="FILE", help="continue from a checkpoint"),
    click.option("--estimate", is_flag=True,
                 help="print an estimate of the number of executions on stderr before exploring"),
    click.option("--json", "as_json", is_flag=True,
                 help="one JSON object on stdout (what the model prints goes to stderr)"),
    click.option("--html", "html", default=None, metavar="REPORT.html",
                 help="also write a self-contained HTML report (swimlanes) of the result"),
    click.option("--debug", is_flag=True, help="show tracebacks of model and kcheck errors"),
]


def common_options(f):
    for opt in reversed(COMMON):
        f = opt(f)
    return f


def _given(ctx, name):
    src = ctx.get_parameter_source(name)
    return src is not None and src.name not in ("DEFAULT", "DEFAULT_MAP")


def _check_combinations(ctx, kw):
    """Options that would be silently ignored in this combination are errors."""
    exhaustive = kw["strategy"] == "dpor" and kw["preemption_bound"] is None
    if kw["executions"] is not None and kw["strategy"] == "dpor":
        raise click.UsageError("--executions sets the number of runs of --strategy random/pct; "
                               "to stop a dpor exploration early use --max-executions")
    for name, opt in (("seed", "--seed"), ("depth", "--depth")):
        if _given(ctx, name) and kw["strategy"] == "dpor":
            raise click.UsageError(f"{opt} is for --strategy {'pct' if name == 'depth' else 'random/pct'}")
    if _given(ctx, "depth") and kw["strategy"] == "random":
        raise click.UsageError("--depth is for --strategy pct")
    if kw["preemption_bound"] is not None and kw["strategy"] != "dpor":
        raise click.UsageError("--preemption-bound bounds the exhaustive search (--strategy dpor)")
    if not exhaustive:
        for name, opt in (("jobs", "--jobs"), ("cluster", "--cluster"), ("checkpoint", "--checkpoint"),
                          ("resume", "--resume"), ("estimate", "--estimate")):
            if _given(ctx, name) and (kw[name] not in (None, False, 1)):
                raise click.UsageError(f"{opt} works with the exhaustive search (--strategy dpor, "
                                       "no --preemption-bound)")
    if _given(ctx, "checkpoint_every") and not kw["checkpoint"]:
        raise click.UsageError("--checkpoint-every goes with --checkpoint FILE")


def _jobs(kw):
    cores = _cores()
    jobs = kw["jobs"]
    if jobs is None:
        return cores
    if jobs > cores:
        click.echo(f"kcheck: --jobs {jobs} is more than the {cores} cores this process may use: "
                   f"using {cores}", err=True)
        return cores
    return jobs


def check_opts(kw):
    return dict(memory_model=kw["memory_model"], strategy=kw["strategy"],
                preemption_bound=kw["preemption_bound"], step_bound=kw["step_bound"],
                max_executions=kw["max_executions"], executions=kw["executions"], seed=kw["seed"],
                depth=kw["depth"], races=kw["races"], minimize=not kw["no_minimize"],
                drop_barriers=kw["drop_barriers"], jobs=_jobs(kw),
                cluster=kw["cluster"], checkpoint=kw["checkpoint"],
                checkpoint_every=kw["checkpoint_every"], resume=kw["resume"],
                estimate=kw["estimate"], keep_going=kw["keep_going"], ignore=tuple(kw["ignore"]))


# -- the command group: one place that keeps the contract -------------------------

class _Kcheck(click.Group):
    """Every way a command can end goes through ``main`` here: a one-line message
    and exit 2 for bad input (click's usage errors too), 130 for Ctrl-C, never a
    traceback without --debug, and under --json one JSON object on stdout."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        top = args is None              # the console script, or python -m kcheck.cli
        args = list(sys.argv[1:] if args is None else args)
        prog_name = prog_name or "kcheck"     # also under python -m kcheck.cli
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        if top and args and not any(a in ("-h", "--help", "--version") for a in args):
            # what stops model code no signal reaches (a loop inside one of
            # Python's C functions): engine/supervisor.py
            from .engine import supervisor
            supervisor.start(as_json="--json" in args)
        OUT.as_json = "--json" in args
        OUT.json_done = False
        debug = "--debug" in args
        import signal
        import threading
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            _MAIN_PID[0] = os.getpid()
            _INT_IGNORED[0] = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
            signal.signal(signal.SIGTERM, _sigterm)
            if not _FORK_HOOK:
                os.register_at_fork(after_in_child=_sigterm_default_in_child)
                _FORK_HOOK.append(True)
        OUT.code = None
        with holding_ctrl_c():
            code = _run(lambda: super(_Kcheck, self).main(args, prog_name, complete_var,
                                                          standalone_mode=False, **extra), debug)
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                # the reader went away (`| head`): the verdict's exit code still stands,
                # and the interpreter must not fail flushing the closed pipe at exit
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
        sys.exit(code)


def _check_env():
    """The environment variables kcheck reads, checked before anything runs: a bad
    one was blamed on the model ("error while importing the model: ValueError")."""
    import math
    v = os.environ.get("KCHECK_WATCHDOG")
    if v is not None:
        try:
            s = float(v)
        except ValueError:
            s = -1.0
        if not (math.isfinite(s) and 0 <= s <= 86400):
            raise UserError(f"KCHECK_WATCHDOG={v!r}: seconds from 0 (no watchdog) to 86400 "
                            "(the watchdog's: model code that reaches no kernel call for that "
                            "long is a model error)")


def _run(invoke, debug):
    try:
        _check_env()
        rv = invoke()
        return rv if isinstance(rv, int) else EXIT_OK
    except Fail as e:
        if debug and e.exc is not None:
            traceback.print_exception(e.exc)
        return _fail_out(str(e), e.code, verbatim=e.verbatim)
    except UserError as e:
        if debug:
            traceback.print_exception(e.__cause__ or e)
        return _fail_out(str(e), EXIT_ERROR)
    except ModelError as e:
        # one no command turned into its own message (a worker of the TDP MMU's
        # table that died): the error as it is
        if debug:
            traceback.print_exception(e)
        return _fail_out(str(e), EXIT_ERROR)
    except click.exceptions.Abort as e:
        if isinstance(e.__context__, KeyboardInterrupt) or isinstance(e.__cause__, KeyboardInterrupt):
            return _fail_out(_interrupted_msg(), EXIT_INTERRUPTED, "interrupted")
        return _fail_out("aborted", EXIT_ERROR)
    except click.ClickException as e:
        ctx = getattr(e, "ctx", None)
        hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
        return _fail_out(e.format_message().replace("\n", " ") + hint, EXIT_ERROR)
    except KeyboardInterrupt:
        return _fail_out(_interrupted_msg(), EXIT_INTERRUPTED, "interrupted")
    except SystemExit as e:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper" and OUT.code is not None:
            # click's own answer to EPIPE (it wraps stdout so, then exits 1): the
            # reader went away after the verdict was decided, which keeps its code
            return OUT.code
        return e.code if isinstance(e.code, int) else (EXIT_OK if e.code is None else EXIT_ERROR)
    except BrokenPipeError:
        # the reader went away (`kcheck check M | true`): a verdict already decided
        # keeps its exit code - a clean run exited 1 - and the rest of the output
        # has nobody to read it
        return OUT.code if OUT.code is not None else EXIT_ERROR
    except Exception as e:
        if debug:
            traceback.print_exception(e)
        return _fail_out(f"internal error: {type(e).__name__}: {e} (run with --debug for the "
                         "traceback, and please report it)", EXIT_ERROR)


def _fail_out(msg, code, verdict="error", verbatim=False):
    plain = verbatim or msg.startswith("kcheck: ") or _LOCATED.match(msg)
    try:
        click.echo(msg if plain else f"kcheck: error: {msg}", err=True)
        if OUT.as_json:
            OUT.json({"verdict": verdict, "error": msg, "exit_code": code})
    except BrokenPipeError:
        pass                # nobody reads any more (`2>&1 | head`): the exit code still says it
    return code


@click.group(cls=_Kcheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kcheck")
def main():
    """kcheck: model checking for Linux-kernel concurrency."""


def _check_defines(ctx, param, values):
    """clang reports a bad -D at a line of its command-line buffer, which kcheck
    would attribute to the C file: say it here."""
    import re
    for d in values:
        if not re.match(r"[A-Za-z_]\w*(\([\w\s,.]*\))?(=|$)", d):
            raise click.BadParameter(f"{d!r}: NAME or NAME=VALUE, NAME an identifier",
                                     ctx=ctx, param=param)
    return values


_DEFINE = click.option("-D", "--define", "defines", multiple=True, metavar="NAME[=VALUE]",
                       callback=_check_defines,
                       help="a preprocessor definition for a C file (kcheck check FILE.c)")


def _load(file, entry, defines, as_json):
    import stat
    try:
        st = os.stat(file)
    except OSError:
        st = None                             # load_model names what is wrong
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        # a FIFO blocked the open for good, /dev/zero was read until memory ran out
        raise Fail(f"{file}: not a regular file (a FIFO, a device or a socket)")
    if file.endswith(".c") and entry != "main":
        raise Fail(f"--entry {entry}: a C program starts at its main() (the harness); --entry "
                   "chooses a Python model's entry function")
    if defines and not file.endswith(".c"):
        raise Fail(f"-D {defines[0]}: macros are for C files; {file} is not one")
    try:
        with model_output_to_stderr(as_json):
            return load_model(file, entry, defines)
    except ModelError as e:                   # C that clang or kcheck rejects
        raise _model_fail(e, file) from e


@main.command("check")
@click.argument("file")
@click.option("--entry", default="main", show_default=True, help="the model's entry function")
@_DEFINE
@common_options
@click.pass_context
def check_cmd(ctx, file, entry, defines, **kw):
    """Explore every interleaving of the model in FILE (.py, or C: .c)."""
    _check_combinations(ctx, kw)
    is_c = file.endswith(".c")
    _check_drop_specs(kw["drop_barriers"], is_c)
    fn = _load(file, entry, defines, kw["as_json"])
    spec = ("fn", fn) if is_c else ("file", os.path.abspath(file), entry)
    return run_check(fn, path=file, as_json=kw["as_json"], debug=kw["debug"], html=kw["html"],
                     entry=entry, spec=spec, replay_args="".join(f" -D {shlex.quote(d)}" for d in defines),
                     is_c=is_c, **check_opts(kw))


@main.command("replay")
@click.argument("file")
@click.argument("schedule")
@click.option("--entry", default="main", show_default=True)
@click.option("--step-bound", type=_POS, default=2000, show_default=True, metavar="N")
@click.option("--races", type=click.Choice(["warn", "error", "off"]), default="warn")
@click.option("--drop-barrier", "drop_barriers", multiple=True, metavar="NAME[@FUNC|@FILE:LINE]")
@click.option("--memory-model", type=click.Choice(["sc", "lkmm"]), default="sc", show_default=True,
              help="lkmm for a schedule from an LKMM run (it may read older writes)")
@click.option("--keep-going", is_flag=True,
              help="for a schedule from a --keep-going run: tasks go on past bugs; the bug shown is the one the last step's task met")
@click.option("--ignore", "ignore", multiple=True, type=click.Choice(BUG_KINDS), metavar="KIND",
              help="as for kcheck check")
@_DEFINE
@click.option("--json", "as_json", is_flag=True)
@click.option("--debug", is_flag=True)
def replay_cmd(file, schedule, entry, step_bound, races, drop_barriers, memory_model, keep_going,
               ignore, defines, as_json, debug):
    """Run FILE along SCHEDULE (from a bug report) and report what happens."""
    from .api import replay
    is_c = file.endswith(".c")
    _check_drop_specs(drop_barriers, is_c)
    fn = _load(file, entry, defines, as_json)
    try:
        with model_output_to_stderr(as_json), Watchdog():
            res = replay(fn, schedule, step_bound=step_bound, races=races, drop_barriers=drop_barriers,
                         memory_model=memory_model, keep_going=keep_going, ignore=ignore)
    except ModelError as e:
        raise _model_fail(e, file) from e
    except ScheduleError as e:
        raise Fail(f"{file}: {e}", exc=e) from e
    except RecursionError as e:
        raise Fail(f"{file}: model recursion too deep: {e}", exc=e) from e
    _unmatched_drops(res, drop_barriers, is_c)
    code = print_result(res, as_json, file,
                        replay_extra(entry, races, step_bound, drop_barriers, keep_going, ignore)
                        + "".join(f" -D {shlex.quote(d)}" for d in defines), debug=debug)
    if res.bug is None and res.ran_past:
        # a bug report's schedule ends at the bug: one that runs out first is cut
        # short, or the model changed (a fix) - say which steps were not the schedule's
        click.echo(f"kcheck: note: {file}: the schedule ran out and the tasks went on by "
                   f"themselves ({res.ran_past} more events): no bug on this interleaving of a "
                   "changed model, or a truncated schedule (a bug report's schedule ends at "
                   "the bug)", err=True)
    return code


@main.command("litmus")
@click.argument("paths", nargs=-1, required=True)
@click.option("--engine", type=click.Choice(["herd", "trust"]), default="herd", show_default=True,
              help="herd: enumerate candidate executions as herd7 does; trust: run each test as a "
                   "kcheck program explored under the LKMM (a cross-check of whole-program mode)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--debug", is_flag=True)
def litmus_cmd(paths, engine, as_json, debug):
    """Check C litmus tests under the Linux-kernel memory model (herd7-style output)."""
    from .litmus import collect
    for p in paths:
        if not os.path.exists(p):
            raise Fail(f"{p}: no such file or directory")
        if os.path.isdir(p) and not collect([p]):
            raise Fail(f"{p}: a directory with no .litmus file in it")
    with catching_ctrl_c():        # Ctrl-C in a test's program is the user's, not the test's error
        if engine == "trust":
            from .litmus.program import run_paths as run_program
            return run_program(list(paths), as_json, sys.stdout)
        from .litmus import run_paths
        return run_paths(list(paths), as_json, debug=debug)


def _add_tdp():
    try:
        from .models.tdp_mmu.cli import tdp_mmu
    except ImportError:
        return
    main.add_command(tdp_mmu, "tdp-mmu")


_add_tdp()

if _STARTING and signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
    # imported: from here on Ctrl-C is KeyboardInterrupt, which main() handles
    signal.signal(signal.SIGINT, signal.default_int_handler)


if __name__ == "__main__":
    # `python -m kcheck.cli`: run the module the subcommands import (kcheck.cli), not
    # this __main__ copy, so that their exceptions (Fail) are the ones caught here
    from kcheck.cli import main as _main
    _main()
