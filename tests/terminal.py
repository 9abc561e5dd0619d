"""Start ``kcheck`` as a terminal would, for the tests that press Ctrl-C.

A shell starts a background job with SIGINT *ignored*, and a process inherits
that across ``exec``: Python then leaves SIGINT ignored instead of installing
its handler, so kcheck, as any well-behaved Unix tool, never sees the press.
A test suite run from a script's ``cmd &`` (as CI may be) would wait for a
Ctrl-C that cannot arrive, time out, and leave a search running on the
machine for every later test.  (That happened once: six Ctrl-C tests failed
together, their children hung; run in the foreground, all six passed.)  So
the child gets SIGINT back at its default before ``exec``, as a terminal's
job has it, and a child a test gives up on is killed with its group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _as_in_a_terminal():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen_kcheck(args, **kw) -> subprocess.Popen:
    """``python -m kcheck.cli *args`` in its own process group, SIGINT not ignored.

    Text pipes for stdout and stderr unless ``kw`` says otherwise."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    kw.setdefault("cwd", ROOT)
    return subprocess.Popen([sys.executable, "-m", "kcheck.cli", *map(str, args)],
                            start_new_session=True, preexec_fn=_as_in_a_terminal, **kw)


@contextlib.contextmanager
def running_kcheck(args, **kw):
    """``popen_kcheck`` whose group is killed if the test leaves it running."""
    p = popen_kcheck(args, **kw)
    try:
        yield p
    finally:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.communicate()


def press_ctrl_c(p: subprocess.Popen) -> None:
    """SIGINT to the whole group, as a terminal's Ctrl-C sends it."""
    os.killpg(p.pid, signal.SIGINT)


def kcheck_workers(pid: int) -> list:
    """The worker processes of the kcheck command ``pid``: its children but
    the monitor it forks at start (engine/supervisor.py), which ignores
    SIGTERM where a worker does not."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        return []
    out = []
    for k in kids:
        try:
            with open(f"/proc/{k}/status") as f:
                ign = next(int(ln.split()[1], 16) for ln in f if ln.startswith("SigIgn:"))
        except (OSError, StopIteration):
            continue
        if not ign & (1 << (signal.SIGTERM - 1)):
            out.append(k)
    return out
