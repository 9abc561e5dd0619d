"""Stopping model code that no signal reaches: a dead man's switch and a monitor.

The watchdog (``watchdog.py``) is a Python signal handler: it runs between
two bytecodes.  Model code stuck inside one of Python's own C functions
(``any(itertools.repeat(False))``, ``10 ** 10 ** 10``) never gets back to a
bytecode, so no handler runs - not the watchdog's, not Ctrl-C's, not
SIGTERM's - and a model can also switch the watchdog's timer off.  Two
things end such a run without Python's help:

* **A dead man's switch** in every process that runs model code: a POSIX
  timer on the process's CPU time whose expiry starts a thread that calls
  ``_exit()`` - C code, no bytecode needed.  The watchdog's tick pushes it
  ``limit() + GRACE`` CPU seconds ahead each second; a process whose ticks
  stop (stuck in C, or its timer switched off) burns through that and exits
  with 2 (the command) or ``WORKER_STUCK`` (a search's worker, which its
  coordinator then reports).  CPU time, not wall time: a run stopped with
  Ctrl-Z, or waiting, never trips it.
* **A monitor process**, forked once by the ``kcheck`` command at start
  (``start``), to say what happened: every armed process sends it a
  heartbeat from each tick; when one has burnt ``limit()`` CPU seconds since
  its last, the monitor asks it for its Python stack (``faulthandler``,
  whose handler is C), names the model's line, and prints the one-line
  message (the command's), or hands it to the command (a worker's: the
  coordinator's "a worker process died" names it).  The monitor is in the
  command's process group but ignores the signals a terminal or ``timeout``
  sends it: those are the command's, which gets them as it always did.  It
  dies with the command (``PR_SET_PDEATHSIG``).

A model that switches kcheck's SIGINT or SIGTERM handler off gets it back at
the next tick.  Nothing of this runs for ``kcheck.check()`` called in a
process of the caller's own (a test suite's): only the command arms it.
"""

from __future__ import annotations

import os
import re
import select
import signal
import struct
import sys
import time

ARM, BEAT, DISARM = 1, 2, 3
_REC = struct.Struct("=iB")          # (pid, kind): 5 bytes, atomic on a pipe
GRACE = 3.0                          # CPU seconds between the monitor's message and the exit
WORKER_STUCK = 76                    # a worker's exit code when its switch trips
EXIT_ERROR = 2

_FD = [None]                         # the heartbeat pipe's write end, in the command's processes
_REPORTS = [None]                    # the monitor's reports on stuck workers (read end)
_COMMAND = [None]                    # the command's pid


def limit():
    """CPU seconds of silence after which model code is stuck: ``2 *
    KCHECK_WATCHDOG + 5`` (25 by default), well past the watchdog's own."""
    try:
        s = float(os.environ.get("KCHECK_WATCHDOG", "10"))
    except ValueError:
        s = 10.0
    return 2 * s + 5


def beat(kind=BEAT):
    """A heartbeat (or arm/disarm) for the monitor, and the dead man's switch
    pushed ahead (or off).  Never blocks and never fails."""
    fd = _FD[0]
    if fd is None:
        return
    try:
        os.write(fd, _REC.pack(os.getpid(), kind))
    except OSError:
        pass
    sw = _switch()
    if sw is not None:
        sw.set(0.0 if kind == DISARM else limit() + GRACE)


def start(as_json=False):
    """Fork the monitor (the ``kcheck`` command, once, from its main thread)."""
    if os.name != "posix" or not sys.platform.startswith("linux") or _FD[0] is not None:
        return
    if os.environ.get("KCHECK_WATCHDOG", "").strip() in ("0", "0.0"):
        return
    import threading
    if threading.current_thread() is not threading.main_thread():
        return
    sw = _Switch.make(EXIT_ERROR)
    if sw is None:
        return                       # no POSIX timers here: the old behaviour
    _SWITCH[os.getpid()] = sw
    hb_r, hb_w = os.pipe()
    tb_r, tb_w = os.pipe()
    rp_r, rp_w = os.pipe()
    command = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        for fd in (hb_w, tb_w, rp_r):
            os.close(fd)
        code = 0
        try:
            # the model's file named as the user typed it, as the command names it
            _TYPED.update({os.path.abspath(a): a for a in sys.argv[1:] if os.path.isfile(a)})
            _Monitor(command, hb_r, tb_r, rp_w, as_json).run()
        except BaseException:
            code = 1
        os._exit(code)
    for fd in (hb_r, rp_w):
        os.close(fd)
    os.set_blocking(hb_w, False)
    os.set_blocking(rp_r, False)
    _FD[0], _REPORTS[0], _COMMAND[0] = hb_w, rp_r, command
    import faulthandler
    # the monitor's question "where are you stuck?", answered by C code in
    # every process forked from here (the search's workers included)
    faulthandler.register(signal.SIGUSR2, file=os.fdopen(tb_w, "w", closefd=False),
                          all_threads=True)
    _KEEP.append(tb_w)


_KEEP = []
_REPORTED = {}
_TYPED = {}


def stuck_worker(pid):
    """The monitor's (message, (file, line) or None) about worker ``pid`` if it
    found it stuck (the coordinator's, when that worker died with
    ``WORKER_STUCK``), else None."""
    fd = _REPORTS[0]
    if fd is not None:
        data = b""
        deadline = time.monotonic() + 2.0
        while pid not in _REPORTED and time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = None
            except OSError:
                break
            if chunk:
                data += chunk
                *lines, data = data.split(b"\n")
                for ln in lines:
                    p, where, msg = ln.decode("utf-8", "replace").split("\t", 2)
                    f, _, line = where.rpartition(":")
                    _REPORTED[int(p)] = (msg, (f, int(line)) if f else None)
            else:
                time.sleep(0.05)
    return _REPORTED.get(pid)


# -- the dead man's switch ---------------------------------------------------

def _ctypes():
    """libc with the POSIX timer calls, and the structures they take (made once)."""
    if _C:
        return _C
    import ctypes
    lib = ctypes.CDLL(None, use_errno=True)
    if not hasattr(lib, "timer_create"):
        lib = ctypes.CDLL("librt.so.1", use_errno=True)

    class sigevent(ctypes.Structure):
        _fields_ = [("value", ctypes.c_void_p), ("signo", ctypes.c_int),
                    ("notify", ctypes.c_int), ("function", ctypes.c_void_p),
                    ("attribute", ctypes.c_void_p), ("pad", ctypes.c_int * 8)]

    class timespec(ctypes.Structure):
        _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
    _exit = ctypes.cast(ctypes.CDLL(None)._exit, ctypes.c_void_p).value
    _C.update(ctypes=ctypes, lib=lib, sigevent=sigevent, itimerspec=timespec * 2, exit=_exit)
    return _C


_C = {}


class _Switch:
    """A POSIX timer on this process's CPU time that calls ``_exit(code)`` on a
    thread of its own when it expires (``SIGEV_THREAD``)."""

    def __init__(self, timer):
        self.timer = timer

    @classmethod
    def make(cls, code):
        try:
            c = _ctypes()
            ev = c["sigevent"]()
            ev.value = code
            ev.notify = 2                       # SIGEV_THREAD
            ev.function = c["exit"]
            timer = c["ctypes"].c_void_p()
            if c["lib"].timer_create(2, c["ctypes"].byref(ev), c["ctypes"].byref(timer)) != 0:
                return None                     # 2: CLOCK_PROCESS_CPUTIME_ID
            return cls(timer)
        except Exception:
            return None

    def set(self, seconds):
        c = _ctypes()
        spec = c["itimerspec"]()                # it_interval 0, it_value
        spec[1].sec = int(seconds)
        spec[1].nsec = int((seconds - int(seconds)) * 1e9)
        c["lib"].timer_settime(self.timer, 0, c["ctypes"].byref(spec), None)


_SWITCH = {}


def _switch():
    """This process's switch (timers do not survive fork(): one per process)."""
    pid = os.getpid()
    sw = _SWITCH.get(pid)
    if sw is None and pid not in _SWITCH:
        sw = _SWITCH[pid] = _Switch.make(EXIT_ERROR if pid == _COMMAND[0] else WORKER_STUCK)
    return sw


# -- the monitor -------------------------------------------------------------

class _Monitor:
    def __init__(self, command, hb, tb, reports, as_json):
        self.command, self.hb, self.tb, self.reports, self.as_json = command, hb, tb, reports, as_json
        self.armed = {}              # pid -> its CPU seconds at its last heartbeat
        self.done = set()

    def run(self):
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(s, signal.SIG_IGN)   # the command's to act on, not this one's
        _die_with_parent()
        if os.getppid() != self.command:
            return
        lim = limit()
        buf = b""
        while True:
            try:
                ready, _, _ = select.select([self.hb], [], [], 0.5)
            except InterruptedError:
                ready = []
            if ready:
                data = os.read(self.hb, 4096)
                if not data:
                    return               # every process of the command is gone
                buf = self._records(buf + data)
            for p, at in list(self.armed.items()):
                used = _cpu(p)
                if used is None:
                    del self.armed[p]
                elif used - at > lim and p not in self.done:
                    self.done.add(p)
                    self._report(p, used - at)

    def _records(self, buf):
        n = len(buf) - len(buf) % _REC.size
        for off in range(0, n, _REC.size):
            p, kind = _REC.unpack_from(buf, off)
            if kind == DISARM:
                self.armed.pop(p, None)
            else:
                cpu = _cpu(p)
                if cpu is not None:
                    self.armed[p] = cpu
        return buf[n:]

    def _report(self, p, seconds):
        where = self._where(p)
        what = (f"model code ran {seconds:.0f} s where kcheck's watchdog could not stop it: a "
                f"loop inside one of Python's own C functions (no signal reaches it), or a "
                f"model that switched the watchdog's timer off? Stopped")
        if p != self.command:
            try:
                os.write(self.reports, f"{p}\t{where}\t{what}\n".encode())
            except OSError:
                pass
            return
        text = f"{where}: {what}" if where else what
        try:
            sys.stderr.write(f"kcheck: error: {text}\n")
            sys.stderr.flush()
            if self.as_json:
                import json
                sys.stdout.write(json.dumps({"verdict": "error", "error": text,
                                             "exit_code": EXIT_ERROR}) + "\n")
                sys.stdout.flush()
        except OSError:
            pass

    def _where(self, p):
        """The model's line process ``p`` is at, from its faulthandler dump."""
        try:
            os.kill(p, signal.SIGUSR2)
        except OSError:
            return ""
        text = b""
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            r, _, _ = select.select([self.tb], [], [], 0.2)
            if not r:
                if text:
                    break
                continue
            chunk = os.read(self.tb, 65536)
            if not chunk:
                break
            text += chunk
        return _model_line(text.decode("utf-8", "replace"))


def _die_with_parent():
    """PR_SET_PDEATHSIG: the kernel kills this process when its parent dies."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass


def _cpu(p):
    """Process ``p``'s CPU seconds (user + system), None once it is gone (or a
    zombie)."""
    try:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _model_line(dump):
    """``"model.py:6"``: the innermost frame of the dump that is neither
    kcheck's nor Python's own library's."""
    import sysconfig
    kdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = sysconfig.get_paths()
    lib = tuple(p for p in {paths.get("stdlib"), paths.get("purelib"), paths.get("platlib")} if p)
    for line in dump.splitlines():
        m = _FRAME.match(line)
        if not m:
            continue
        f = os.path.abspath(m["file"])
        if f.startswith(kdir) or (lib and f.startswith(lib)) or m["file"].startswith("<"):
            continue
        rel = os.path.relpath(f)
        name = _TYPED.get(f) or (f if rel.startswith("..") else rel)
        return f"{name}:{m['line']}"
    return ""
