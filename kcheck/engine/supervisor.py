"""A parent process that outlives model code no signal can stop.

The watchdog (``watchdog.py``) is a Python signal handler: it runs between
two bytecodes.  Model code stuck inside one of Python's own C functions
(``any(itertools.repeat(False))``, ``10 ** 10 ** 10``) never gets back to a
bytecode, so no handler runs - not the watchdog's, not Ctrl-C's, not
SIGTERM's - and a model can also switch the watchdog's timer off or ignore
SIGTERM.  Only another process can end such a run.

So the ``kcheck`` command forks once at start (``supervise``): the child runs
the command as before, in a process group of its own; the parent waits for
it, passes on the signals it gets (Ctrl-C, ``kill``, ``timeout``) to the
command once - its search's workers, which a terminal's Ctrl-C reached
before, are the command's to stop - and listens to heartbeats.  Every process that runs model code (the command, the
search's workers) sends one from its watchdog's tick each second while a
watchdog is armed.  When an armed process has been silent for
``2 * KCHECK_WATCHDOG + 5`` seconds, the parent asks it for its Python stack
(``faulthandler``, whose handler is C and needs no bytecode), names the
model's line, kills the child's group and exits 2 with one line.  A SIGTERM
the child does not act on within ``TERM_GRACE`` seconds ends it the same way,
with the exit code of an interrupted run.  The parent exits with the child's
exit code otherwise (128 + N if a signal N killed it), so nothing changes
for a run that ends by itself.
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
TERM_GRACE = 10.0
EXIT_ERROR, EXIT_INTERRUPTED = 2, 130

_FD = [None]                         # the heartbeat pipe's write end, in the child


def beat(kind=BEAT):
    """Send a heartbeat (or arm/disarm) to the supervising parent, if there is
    one.  Never blocks and never fails: a parent gone or a full pipe is no
    concern of the model's run."""
    fd = _FD[0]
    if fd is None:
        return
    try:
        os.write(fd, _REC.pack(os.getpid(), kind))
    except OSError:
        pass


def _limit():
    try:
        s = float(os.environ.get("KCHECK_WATCHDOG", "10"))
    except ValueError:
        s = 10.0
    return 2 * s + 5


def wanted():
    """Supervise this command?  Only as the real top-level process (the console
    script or ``python -m kcheck.cli``, not a test's in-process call), on a
    system with fork(), and not when the watchdog is switched off
    (``KCHECK_WATCHDOG=0``) or the command only prints help."""
    if os.name != "posix" or not hasattr(os, "fork") or _FD[0] is not None:
        return False
    if os.environ.get("KCHECK_WATCHDOG", "").strip() in ("0", "0.0"):
        return False
    args = sys.argv[1:]
    if not args or any(a in ("-h", "--help", "--version") for a in args):
        return False
    import threading
    return threading.current_thread() is threading.main_thread()


def supervise(as_json=False):
    """Fork: return in the child (which runs the command); the parent never
    returns - it exits with the child's exit code."""
    hb_r, hb_w = os.pipe()
    tb_r, tb_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(hb_r)
        os.close(tb_r)
        _child_setup(hb_w, tb_w)
        return
    os.close(hb_w)
    os.close(tb_w)
    try:
        os.setpgid(pid, pid)        # (the child does it too: whichever comes first)
    except OSError:
        pass
    code = _Parent(pid, hb_r, tb_r, as_json).run()
    os._exit(code)


def _child_setup(hb_w, tb_w):
    try:
        os.setpgid(0, 0)             # the parent passes each signal on, once
    except OSError:
        pass
    _die_with_parent()
    # and so does every process forked from it by its main thread (the setting
    # does not survive fork()): a search's worker stuck where its
    # die-with-parent thread cannot run would otherwise outlive a `kill -9` of
    # kcheck.  Not one a thread forks (a pool's replacement worker): the
    # signal would come when that thread, not the process, ends
    os.register_at_fork(before=_note_forking_thread, after_in_child=_die_with_main_thread)
    os.set_blocking(hb_w, False)
    _FD[0] = hb_w
    import faulthandler
    # the parent's question "where are you stuck?": answered by C code, in
    # every process forked from here (the search's workers included)
    faulthandler.register(signal.SIGUSR2, file=os.fdopen(tb_w, "w", closefd=False),
                          all_threads=True)
    _KEEP.append(tb_w)


_KEEP = []
_FROM_MAIN = [False]


def _note_forking_thread():
    import threading
    _FROM_MAIN[0] = threading.current_thread() is threading.main_thread()


def _die_with_main_thread():
    if _FROM_MAIN[0]:
        _die_with_parent()


def _die_with_parent():
    """PR_SET_PDEATHSIG: the kernel kills this process when its parent dies
    (``kill -9`` of the supervisor), however stuck it is."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)      # PR_SET_PDEATHSIG
    except Exception:
        pass


class _Parent:
    def __init__(self, pid, hb, tb, as_json):
        self.pid, self.hb, self.tb, self.as_json = pid, hb, tb, as_json
        self.armed = {}              # pid -> time of its last heartbeat
        self.term_at = None
        self.pending = []

    def run(self):
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                  signal.SIGTSTP, signal.SIGCONT):
            if signal.getsignal(s) != signal.SIG_IGN:
                signal.signal(s, self._forward)
        limit = _limit()
        buf = b""
        while True:
            status = self._reaped()
            if status is not None:
                return status
            try:
                ready, _, _ = select.select([self.hb] if self.hb is not None else [], [], [], 0.5)
            except InterruptedError:
                ready = []
            if ready:
                try:
                    data = os.read(self.hb, 4096)
                except InterruptedError:
                    data = None
                if data == b"":
                    # every write end closed while the command runs (a model that
                    # closes file descriptors it does not own): nothing more to
                    # hear, so no silence to act on - wait for the command
                    os.close(self.hb)
                    self.hb = None
                    self.armed.clear()
                elif data:
                    buf = self._records(buf + data)
            self._send_pending()
            now = time.monotonic()
            if self.term_at is not None and now - self.term_at > TERM_GRACE:
                return self._kill(f"kcheck: error: stopped by SIGTERM; model code did not stop "
                                  f"within {TERM_GRACE:.0f} s (it ignores the signal, or runs "
                                  f"where no signal reaches it): killed", EXIT_INTERRUPTED)
            for p, last in list(self.armed.items()):
                if now - last <= limit:
                    continue
                if not _alive(p):
                    del self.armed[p]
                    continue
                where = self._where(p)
                return self._kill(
                    f"kcheck: error: {where + ': ' if where else ''}model code ran "
                    f"{now - last:.0f} s where kcheck's watchdog could not stop it: a loop "
                    f"inside one of Python's own C functions (no signal reaches it), or a "
                    f"model that switched the watchdog's timer off? Stopped", EXIT_ERROR)

    def _records(self, buf):
        n = len(buf) - len(buf) % _REC.size
        now = time.monotonic()
        for off in range(0, n, _REC.size):
            p, kind = _REC.unpack_from(buf, off)
            if kind == DISARM:
                self.armed.pop(p, None)
            else:
                self.armed[p] = now
        return buf[n:]

    def _forward(self, signum, frame):
        # handled in the loop, not here: a handler that kills while the loop
        # reads could interleave with it
        self.pending.append(signum)

    def _send_pending(self):
        while self.pending:
            signum = self.pending.pop(0)
            if signum == signal.SIGTERM and self.term_at is None:
                self.term_at = time.monotonic()
            try:
                if signum in (signal.SIGTSTP, signal.SIGCONT):
                    os.killpg(self.pid, signum)
                else:
                    # to the command alone, as `kill PID` reaches it: its search's
                    # workers are its to stop (a pool's worker that got Ctrl-C
                    # itself printed a traceback)
                    os.kill(self.pid, signum)
            except OSError:
                pass
            if signum == signal.SIGTSTP:
                # Ctrl-Z: the child's group stops with this one, which the shell
                # sees stopped
                os.kill(os.getpid(), signal.SIGSTOP)
            elif signum == signal.SIGCONT:
                now = time.monotonic()   # a stopped run sent no heartbeat: not a hang
                for q in self.armed:
                    self.armed[q] = now

    def _reaped(self):
        try:
            p, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return EXIT_ERROR
        if p == 0:
            return None
        if os.WIFSIGNALED(status):
            return 128 + os.WTERMSIG(status)
        return os.WEXITSTATUS(status)

    def _where(self, p):
        """The model's line the stuck process is at, from its faulthandler dump."""
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

    def _kill(self, msg, code):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        try:
            sys.stderr.write(msg + "\n")
            sys.stderr.flush()
            if self.as_json:
                import json
                sys.stdout.write(json.dumps({"verdict": "error", "error": msg[len("kcheck: error: "):],
                                             "exit_code": code}) + "\n")
                sys.stdout.flush()
        except OSError:
            pass
        return code


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _model_line(dump):
    """``"model.py:6"``: the innermost frame of the dump that is neither
    kcheck's nor Python's own library's."""
    import sysconfig
    kdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    lib = tuple(p for p in {sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("purelib"),
                            sysconfig.get_paths().get("platlib")} if p)
    for line in dump.splitlines():
        m = _FRAME.match(line)
        if not m:
            continue
        f = os.path.abspath(m["file"])
        if f.startswith(kdir) or (lib and f.startswith(lib)) or f.startswith("<"):
            continue
        rel = os.path.relpath(f)
        return f"{f if rel.startswith('..') else rel}:{m['line']}"
    return ""


def _alive(p):
    """A process that still runs (a zombie a worker's coordinator has not reaped
    yet does not)."""
    try:
        with open(f"/proc/{p}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(p, 0)
            return True
        except OSError:
            return False
