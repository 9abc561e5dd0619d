"""A directory that keeps a table's checks across runs (``matrix --state DIR``).

A matrix at sizes that reach the hard cases is hours of CPU; a run stopped by
Ctrl-C, a reboot or ``kill -9`` must not lose them.  Each finished check is
kept as ``DIR/NAME.json`` (its verdict, counts, seconds and trace) and each
running one's search as ``DIR/NAME.ckpt`` (the engine's checkpoint: counts
and the paths still to explore, rewritten every ``EVERY`` seconds).  A run
with the same DIR takes the finished checks as they are and resumes the
others from their checkpoints.

A verdict is only as good as the code that gave it: every entry carries a
fingerprint of kcheck's own source (the engine, the kernel API, the reports
and this model; not the C and litmus front ends, which a TDP MMU check never
imports - tests/test_matrix_state.py checks that - so that work on them does
not throw away hours of a cell's search) and of the check (variant,
scenario, sizes, options).  An entry whose
fingerprint differs is not used - a changed model or engine starts that
check again - and is overwritten when the check finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from ...engine.parallel import content_digest

# seconds between two checkpoints of a running check (KCHECK_CHECKPOINT_EVERY
# sets it: tests, and machines that are stopped often)
EVERY = float(os.environ.get("KCHECK_CHECKPOINT_EVERY", "30") or 30)
_FORMAT = 2         # 2: a finished check's entry carries a digest of its content


# kcheck's subpackages a TDP MMU check does not load: the front ends for C
# and for litmus tests
NOT_LOADED = ("c", "litmus")


def code_fingerprint():
    """SHA-256 of every Python source file of the kcheck package (path and
    text) but those of the front ends in ``NOT_LOADED``."""
    import kcheck
    root = os.path.dirname(os.path.abspath(kcheck.__file__))
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        top = dirpath == root
        dirnames[:] = sorted(d for d in dirnames
                             if d != "__pycache__" and not (top and d in NOT_LOADED))
        for name in sorted(filenames):
            if name.endswith(".py"):
                p = os.path.join(dirpath, name)
                h.update(os.path.relpath(p, root).encode() + b"\0")
                with open(p, "rb") as f:
                    h.update(f.read())
                h.update(b"\0")
    return h.hexdigest()


class CellStore:
    """The entries of one directory; ``code`` is ``code_fingerprint()``."""

    def __init__(self, path, code):
        self.path = path
        self.code = code
        self._lock = None

    def __getstate__(self):
        # the lock stays with the process that took it (workers get a copy without it)
        return {"path": self.path, "code": self.code, "_lock": None}

    def prepare(self):
        """Create the directory and hold its lock for this process's life: two
        runs on one directory would resume the same checkpoints and overwrite
        each other's.  OSError if it cannot be written; BlockingIOError if
        another process holds it."""
        import fcntl
        os.makedirs(self.path, exist_ok=True)
        self._lock = open(os.path.join(self.path, ".lock"), "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise BlockingIOError(f"{self.path} is in use by another kcheck run") from None
        self._lock.write(str(os.getpid()))
        self._lock.flush()

    def _fingerprint(self, check):
        return hashlib.sha256(repr((_FORMAT, self.code, check.key())).encode()).hexdigest()

    def _base(self, check):
        v = f"{check.variant}-{check.mutant}" if check.mutant else check.variant
        safe = "".join(c if c.isalnum() or c in "+-._" else "_" for c in f"{v}__{check.scenario}")
        return os.path.join(self.path, f"{safe}__{self._fingerprint(check)[:12]}")

    def finished(self, check):
        """The kept result of ``check`` (a claims.CheckResult), or None."""
        from .claims import CheckResult, _Bug
        try:
            with open(self._base(check) + ".json") as f:
                d = json.load(f)
        except (OSError, ValueError):
            return None
        if not isinstance(d, dict) or d.get("fingerprint") != self._fingerprint(check):
            return None
        if d.get("digest") != content_digest(d):
            return None             # edited or half-written: the check runs again
        try:
            bug = _Bug(d["bug"]["kind"], d["bug"]["message"]) if d.get("bug") else None
            return CheckResult(d["verdict"], bool(d["exhaustive"]), int(d["executions"]),
                               float(d["seconds"]), bug, d.get("text", ""), d.get("error"))
        except (KeyError, TypeError, ValueError):
            return None             # damaged: the check runs again

    def options(self, check):
        """The engine's options for running ``check`` with a checkpoint here,
        resuming the one left by an earlier run when it is this check's; and
        the seconds that earlier runs spent on it up to their last checkpoint."""
        base = self._base(check)
        ckpt, side = base + ".ckpt", base + ".run"
        before = 0.0
        resume = None
        try:
            with open(side) as f:
                s = json.load(f)
            if s.get("fingerprint") == self._fingerprint(check) and _readable(ckpt):
                # the work an earlier run kept is what it did up to its last checkpoint
                before = float(s.get("before", 0.0)) + max(
                    0.0, os.path.getmtime(ckpt) - float(s.get("started", 0.0)))
                resume = ckpt
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        if resume is None:
            for p in (ckpt, side):
                if os.path.exists(p):
                    os.remove(p)
        _write(side, {"fingerprint": self._fingerprint(check), "before": before,
                      "started": time.time()})
        opts = {"checkpoint": ckpt, "checkpoint_every": EVERY}
        if resume is not None:
            opts["resume"] = resume
        return opts, before

    def progress(self, check):
        """Executions the checkpoint of an unfinished ``check`` holds, or None."""
        try:
            with open(self._base(check) + ".ckpt") as f:
                n = json.load(f)["counts"]["executions"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return n if isinstance(n, int) else None

    def keep(self, check, result):
        """``check`` finished with ``result``: keep it; its checkpoint goes."""
        base = self._base(check)
        bug = result.bug
        _write(base + ".json", _digested({
            "fingerprint": self._fingerprint(check), "variant": check.variant,
            "mutant": check.mutant, "scenario": check.scenario, "sizes": check.sizes,
            "memory_model": check.memory_model, "verdict": result.verdict,
            "exhaustive": result.exhaustive, "executions": result.executions,
            "seconds": result.seconds, "error": result.error, "text": result.text,
            "bug": {"kind": bug.kind, "message": bug.message} if bug is not None else None}))
        for p in (base + ".ckpt", base + ".run"):
            if os.path.exists(p):
                os.remove(p)


def _digested(data):
    """``data`` with its content digest: a kept verdict that a hand edit or a
    half-written file changed is not taken (``finished``)."""
    data["digest"] = content_digest(data)
    return data


def _write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _readable(ckpt):
    """Is ``ckpt`` a checkpoint the engine can resume from?  A damaged one (a
    disk that filled up, a hand edit) is dropped and its check starts again."""
    from ...engine.parallel import load_checkpoint
    from ...engine.runtime import ModelError
    if not os.path.exists(ckpt):
        return False
    try:
        load_checkpoint(ckpt, {})
    except ModelError:
        return False
    return True
