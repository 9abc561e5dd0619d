"""Model code that never reaches a kernel call (an infinite loop in plain
Python) cannot be preempted by the explorer; a timer notices that no event
happened for a while and turns it into a model error."""

from __future__ import annotations

import os
import signal
import sys
import time

from . import supervisor
from .runtime import ModelError


class Watchdog:
    """Turns model code that runs without reaching a kernel call for too long
    (an infinite loop in plain Python) into a model error."""

    def __init__(self, seconds=None):
        self.seconds = float(os.environ.get("KCHECK_WATCHDOG", "10")) if seconds is None else seconds
        self.last = None
        self.stamp = time.monotonic()

    def __enter__(self):
        import threading
        self.on = (hasattr(signal, "setitimer") and bool(self.seconds)
                   and threading.current_thread() is threading.main_thread())
        if self.on:
            self.old = signal.signal(signal.SIGALRM, self._tick)
            signal.setitimer(signal.ITIMER_REAL, 1.0, 1.0)
            # kcheck's SIGTERM handler, which a model must not switch off (Ctrl-C's
            # changes hands as model code starts and stops: catching_ctrl_c)
            self.term = signal.getsignal(signal.SIGTERM)
            supervisor.beat(supervisor.ARM)
        return self

    def __exit__(self, *a):
        if self.on:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, self.old)
            supervisor.beat(supervisor.DISARM)

    def _tick(self, *a):
        supervisor.beat()       # the monitor's heartbeat, the dead man's switch pushed on
        from . import runtime
        if runtime.CURRENT is not None:
            _keep_sigterm(self.term)
        run = runtime.CURRENT
        now = time.monotonic()
        key = (id(run), run.nevents if run is not None else None)
        if run is None or key != self.last or _exploring(sys._getframe(1)):
            # an event happened, or kcheck's explorer is at work on one (a write with
            # thousands of reads to revisit takes a while): not the model's time
            self.last = key
            self.stamp = now
            return
        if now - self.stamp > self.seconds:
            t = run.cur
            kdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            f = sys._getframe(1)
            where = ""
            cwhere = _c_function(f)
            while f is not None:
                if not os.path.abspath(f.f_code.co_filename).startswith(kdir):
                    where = f" at {f.f_code.co_filename}:{f.f_lineno}"
                    break
                f = f.f_back
            self.stamp = now
            if cwhere:
                raise ModelError(f"task {t.name if t else 'main()'} ran {self.seconds:.0f} s without "
                                 f"a shared access or a kernel call, {cwhere}: a loop that never "
                                 f"ends, or one too long for a harness?")
            raise ModelError(f"task {t.name if t else 'main()'} ran {self.seconds:.0f} s without "
                             f"reaching a kernel call{where}: an infinite loop in plain Python?")


def _keep_sigterm(term):
    """Put kcheck's SIGTERM handler ``term`` back if model code set SIG_IGN."""
    if term != signal.SIG_IGN and signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, term)


_ENGINE = os.path.dirname(os.path.abspath(__file__))
_KCHECK = os.path.dirname(_ENGINE)
_MODELS = os.path.join(_KCHECK, "models")
_C = os.path.join(_KCHECK, "c")     # the C front end runs the model's C: model time


def _c_function(f):
    """The innermost C function a frame stack is running, as "in C function
    spin() at file.c:12", or "" for Python model code.  The C front end's
    closures carry no line of their own; the function they run does."""
    while f is not None:
        loc = f.f_locals
        for name in ("cf", "self"):
            cf = loc.get(name)
            kind = type(cf).__name__
            if kind == "CFunc" and getattr(cf, "cursor", None) is not None:
                where = cf.cursor.location
                fname = os.path.basename(where.file.name) if where.file else "?"
                return f"in C function {cf.name}() at {fname}:{where.line}"
            if kind == "CProgram":
                # main()'s start: up to its first shared access after a pthread_create()
                fname, line = getattr(loc.get("comp"), "main_where", None) or (cf.path, "?")
                return (f"in C function main() at {os.path.basename(fname)}:{line}, in the part "
                        f"of it that runs before the tasks it starts")
        if f.f_code.co_name == "_continue_main" and f.f_code.co_filename.startswith(_C):
            # main() after its first pthread_create(): a task
            fname, line = loc.get("where") or ("?", "?")
            return f"in C function main() at {os.path.basename(fname)}:{line}"
        f = f.f_back
    return ""


def _exploring(f):
    """Was the interrupted code kcheck's engine (rather than model code that runs
    without reaching a kernel call)?  The innermost frame that is neither the
    kernel API's nor Python's library's decides."""
    from .runtime import _LIB_DIRS
    while f is not None:
        fn = f.f_code.co_filename
        if fn.startswith(_ENGINE):
            return True
        if fn.startswith(_MODELS) or fn.startswith(_C) or not (fn.startswith(_KCHECK) or fn.startswith(_LIB_DIRS)
                                          or fn.startswith("<frozen")):
            return False
        f = f.f_back
    return False


class ImportWatchdog:
    """Importing a model runs no kernel call at all, so ``Watchdog`` cannot tell a
    slow import from a loop at module level: an import that has not finished
    after the same number of seconds is a model error (one line, exit 2), not a
    hang."""

    def __init__(self, seconds=None):
        self.seconds = float(os.environ.get("KCHECK_WATCHDOG", "10")) if seconds is None else seconds

    def __enter__(self):
        import threading
        self.on = (hasattr(signal, "setitimer") and bool(self.seconds)
                   and threading.current_thread() is threading.main_thread())
        if self.on:
            self.old = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds, 0)
            self.term = signal.getsignal(signal.SIGTERM)
            supervisor.beat(supervisor.ARM)
        return self

    def __exit__(self, *a):
        if self.on:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, self.old)
            _keep_sigterm(self.term)
            supervisor.beat(supervisor.DISARM)

    def _fire(self, *a):
        raise ModelError(f"importing the model ran {self.seconds:.0f} s without finishing: an "
                         "infinite loop at module level?")
