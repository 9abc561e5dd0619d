"""WARN_ON and friends: each firing is a bug of kind ``warn`` (``lockdep`` for
lockdep assertions), reported with the model's source line."""

from __future__ import annotations

import sys

from ._core import run


def _where(depth=2):
    f = sys._getframe(depth)
    return f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_lineno} in {f.f_code.co_name}()"


def WARN_ON(cond):
    if cond:
        run().report("warn", f"WARN_ON at {_where()}")
    return bool(cond)


def WARN_ON_ONCE(cond):
    if cond:
        run().report("warn", f"WARN_ON_ONCE at {_where()}")
    return bool(cond)


def WARN(cond, fmt="", *args):
    if cond:
        msg = (fmt % args) if args else fmt
        run().report("warn", f"WARN at {_where()}: {msg}")
    return bool(cond)


def WARN_ONCE(cond, fmt="", *args):
    if cond:
        msg = (fmt % args) if args else fmt
        run().report("warn", f"WARN_ONCE at {_where()}: {msg}")
    return bool(cond)


def BUG_ON(cond):
    if cond:
        run().report("bug-on", f"BUG_ON at {_where()}", fatal=True)


def BUG():
    run().report("bug-on", f"BUG at {_where()}", fatal=True)


def KVM_BUG_ON(cond, kvm=None):
    if cond:
        run().report("warn", f"KVM_BUG_ON at {_where()}")
    return bool(cond)

__all__ = ["WARN_ON", "WARN_ON_ONCE", "WARN", "WARN_ONCE", "BUG_ON", "BUG", "KVM_BUG_ON"]
