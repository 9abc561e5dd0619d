"""64-bit statistics counters (include/linux/u64_stats_sync.h) as on 64-bit
kernels, the only ones kcheck models (``BITS_PER_LONG == 64``).

There a ``u64`` is read and written in one access, so ``struct
u64_stats_sync`` is empty and its calls do nothing: ``u64_stats_init()``,
``u64_stats_update_begin()``/``_end()``, the ``_irqsave``/``_irqrestore``
forms (``__u64_stats_irqsave()`` returns 0 and disables nothing),
``u64_stats_fetch_begin()`` (returns 0) and ``u64_stats_fetch_retry()``
(false) - no barrier either.  The counters, ``u64_stats_t``, are a
``local64_t``: ``u64_stats_read()``/``u64_stats_set()`` are
``local64_read()``/``local64_set()`` (``READ_ONCE``/``WRITE_ONCE`` of the
word: marked, so a reader concurrent with the writer is no data race),
``u64_stats_add()``/``u64_stats_inc()`` ``local64_add()``/``local64_inc()``,
the generic ``atomic_long_add()``/``atomic_long_inc()`` (unordered RMWs; x86's
is an unlocked add, atomic only against its own CPU: writers of one
``u64_stats_t`` are per-CPU or serialised, as the kernel requires).
"""

from __future__ import annotations

from ._core import KObject, run, ONCE, anon
from .atomic import atomic_long_t


class u64_stats_sync(KObject):
    """``struct u64_stats_sync``: empty on 64-bit."""

    __slots__ = ("_name", "_kid")

    def __init__(self, owner=None, field=None):
        self._name = field or anon("u64_stats_sync")
        self._kid = ("u", getattr(owner, "_oid", None), self._name)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._name}"


class u64_stats_t(atomic_long_t):
    """``u64_stats_t``: a ``local64_t`` (one marked 64-bit word)."""

    _read_with = "u64_stats_read()"
    __slots__ = ()


def u64_stats_init(syncp):
    """Nothing on 64-bit."""


def u64_stats_update_begin(syncp):
    """Nothing on 64-bit (32-bit SMP: ``write_seqcount_begin()``)."""


def u64_stats_update_end(syncp):
    """Nothing on 64-bit."""


def u64_stats_update_begin_irqsave(syncp):
    """``__u64_stats_irqsave()`` is 0 on 64-bit: interrupts stay as they are."""
    return 0


def u64_stats_update_end_irqrestore(syncp, flags):
    """Nothing on 64-bit."""


def u64_stats_fetch_begin(syncp):
    """0 on 64-bit: no sequence count, no barrier."""
    return 0


def u64_stats_fetch_retry(syncp, start):
    """False on 64-bit: a counter is read in one access."""
    return False


def _check(p, what):
    if not isinstance(p, atomic_long_t):
        from ._core import ModelError
        raise ModelError(f"{what}({p!r}): not a u64_stats_t")


def u64_stats_read(p):
    """``local64_read()``: ``READ_ONCE`` of the counter."""
    _check(p, "u64_stats_read")
    return run().read(p._loc, ONCE, "u64_stats_read")


def u64_stats_set(p, val):
    """``local64_set()``: ``WRITE_ONCE`` of the counter."""
    _check(p, "u64_stats_set")
    run().write(p._loc, val & 0xFFFFFFFFFFFFFFFF, ONCE, "u64_stats_set")


def u64_stats_add(p, val):
    """``local64_add()``: an unordered atomic add."""
    _check(p, "u64_stats_add")
    run().rmw(p._loc, lambda v: (v + val) & 0xFFFFFFFFFFFFFFFF, ONCE, "u64_stats_add")


def u64_stats_inc(p):
    """``local64_inc()``: an unordered atomic increment."""
    _check(p, "u64_stats_inc")
    run().rmw(p._loc, lambda v: (v + 1) & 0xFFFFFFFFFFFFFFFF, ONCE, "u64_stats_inc")


__all__ = ["u64_stats_sync", "u64_stats_t", "u64_stats_init", "u64_stats_update_begin",
           "u64_stats_update_end", "u64_stats_update_begin_irqsave",
           "u64_stats_update_end_irqrestore", "u64_stats_fetch_begin", "u64_stats_fetch_retry",
           "u64_stats_read", "u64_stats_set", "u64_stats_add", "u64_stats_inc"]
