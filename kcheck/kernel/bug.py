"""WARN_ON and friends: each firing is a bug of kind ``warn`` (``lockdep`` for
lockdep assertions), reported with the model's source line."""

from __future__ import annotations

import linecache
import sys

from ._core import run


def _where(depth=2, macro=None):
    """``file:line in func()``; with ``macro``, and the model's line a call of it,
    that line too (``: WARN_ON(atomic64_read(kvm.tdp_mmu_pages_count))``): a
    headline that names the condition, not only where it is (a review,
    2026-12-03, read ``WARN_ON at variants.py:376`` and had to open the file)."""
    f = sys._getframe(depth)
    out = f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_lineno} in {f.f_code.co_name}()"
    if macro is not None:
        src = linecache.getline(f.f_code.co_filename, f.f_lineno).split("  #", 1)[0].strip()
        if src.startswith(macro + "(") or f" {macro}(" in src or f"({macro}(" in src:
            if len(src) > 100:
                src = src[:99] + "…"
            out += f": {src}"
    return out


def WARN_ON(cond):
    if cond:
        run().report("warn", f"WARN_ON at {_where(2, 'WARN_ON')}")
    return bool(cond)


def WARN_ON_ONCE(cond):
    if cond:
        run().report("warn", f"WARN_ON_ONCE at {_where(2, 'WARN_ON_ONCE')}")
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
        run().report("bug-on", f"BUG_ON at {_where(2, 'BUG_ON')}", fatal=True)


def BUG():
    run().report("bug-on", f"BUG at {_where()}", fatal=True)


def KVM_BUG_ON(cond, kvm=None):
    if cond:
        run().report("warn", f"KVM_BUG_ON at {_where(2, 'KVM_BUG_ON')}")
    return bool(cond)

__all__ = ["WARN_ON", "WARN_ON_ONCE", "WARN", "WARN_ONCE", "BUG_ON", "BUG", "KVM_BUG_ON"]
