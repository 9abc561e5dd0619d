"""Single-bit operations on a word or a bitmap (Documentation/atomic_bitops.txt).

``addr`` is a word (``ptr(obj, "flags")`` for an ``unsigned long flags``
field, an ``atomic_t``, an array element) or a ``KArray`` bitmap
(``DECLARE_BITMAP``), whose word ``nr // BITS_PER_LONG`` holds bit ``nr``.

Ordering, as the document says: ``test_bit`` and the RMWs without a return
value (``set_bit``, ``clear_bit``, ``change_bit``) are unordered;
``test_and_{set,clear,change}_bit`` are fully ordered whether or not they
change the bit ("RMW operations that are conditional are fully ordered",
since 415d83249709 "locking/atomic: Make test_and_*_bit() ordered on
failure", v6.0 and stable: the generic code is a fully ordered
``atomic_long_fetch_or()`` now, with no early ``READ_ONCE()`` return - the
workqueue's "queue_work() returned false, yet the running item did not see
my data" bug on Apple M1); a successful ``test_and_set_bit_lock`` is an
ACQUIRE and a failed one unordered (it still returns early on a set bit),
``clear_bit_unlock`` a RELEASE.  The ``__`` forms are not atomic: a plain
load and a plain store of the whole word, so a concurrent update of another
bit in the same word can be lost, as in C; ``__clear_bit_unlock`` is a
``READ_ONCE`` and a release store of the word, valid only when the lock
protects every bit of it.
"""

from __future__ import annotations

from ._core import run, loc_of, Loc, ModelError, NO_WRITE, BLOCK, PLAIN, ONCE, ACQ, REL, FULL
from .struct import KArray

BITS_PER_LONG = 64


def BIT(nr):
    return 1 << nr


def _word(nr, addr):
    if isinstance(addr, KArray):
        i = nr // BITS_PER_LONG
        if i >= len(addr):
            raise ModelError(f"bit {nr} is past the end of a {len(addr) * BITS_PER_LONG}-bit bitmap")
        return addr[i], 1 << (nr % BITS_PER_LONG)
    if nr >= BITS_PER_LONG or nr < 0:
        raise ModelError(f"bit {nr} of a single word: use a KArray bitmap (DECLARE_BITMAP) for more")
    return loc_of(addr), 1 << nr


def DECLARE_BITMAP(nbits):
    """A bitmap of ``nbits`` bits: ``KArray`` of ``BITS_TO_LONGS(nbits)`` words.

    Outside a run - a struct's field, ``flags: DECLARE_BITMAP(4)``, as C
    declares it - the field type ``KArray.of(words)``."""
    words = (nbits + BITS_PER_LONG - 1) // BITS_PER_LONG
    from ..engine import runtime
    if runtime.CURRENT is None:
        return KArray.of(words)
    return KArray(words)


# -- atomic, no return value: unordered ---------------------------------------

def set_bit(nr, addr):
    loc, m = _word(nr, addr)
    run().rmw(loc, lambda w: w | m, ONCE, "set_bit")


def clear_bit(nr, addr):
    loc, m = _word(nr, addr)
    run().rmw(loc, lambda w: w & ~m, ONCE, "clear_bit")


def change_bit(nr, addr):
    loc, m = _word(nr, addr)
    run().rmw(loc, lambda w: w ^ m, ONCE, "change_bit")


def clear_bit_unlock(nr, addr):
    """``clear_bit`` with RELEASE ordering: the unlock of a bit lock."""
    loc, m = _word(nr, addr)
    run().rmw(loc, lambda w: w & ~m, REL, "clear_bit_unlock")


def _test(nr, addr, flags, op):
    """A load of the word, answering bit ``nr``.  A traced run keeps the bit on
    the event (``Event.arg``), so the trace shows the answer the code saw, not
    the whole word (a C review: ``test_bit(2, &flags) = 4`` where C saw 1)."""
    loc, m = _word(nr, addr)
    r = run()
    v = r.read(loc, flags, op)
    if r.trace:
        e = r.last_event()
        if e is not None and e.arg is None:
            e.arg = ("bit", nr, m)
    return bool(v & m)


def test_bit(nr, addr):
    return _test(nr, addr, ONCE, "test_bit")


def test_bit_acquire(nr, addr):
    return _test(nr, addr, ACQ, "test_bit_acquire")


# -- atomic, with a return value: fully ordered, changed or not ---------------------

def ordered_conditional_rmw(r, loc, fn, op):
    """A conditional RMW that is fully ordered even when it leaves the word as it
    was (``fn`` says NO_WRITE): ``smp_mb()`` around the lone read then, as the
    kernel's ``fetch_or`` that writes the same value back orders it.  The
    fences are events no access conflicts with, so they cost no exploration."""
    r.fence("smp_mb", f"~{op}")
    old = r.rmw(loc, fn, FULL, op)
    if fn(old) is NO_WRITE:
        r.fence("smp_mb", f"~{op}")
    return old


def test_and_set_bit(nr, addr):
    loc, m = _word(nr, addr)
    return bool(ordered_conditional_rmw(run(), loc, lambda w: NO_WRITE if w & m else w | m,
                                        "test_and_set_bit") & m)


def test_and_clear_bit(nr, addr):
    loc, m = _word(nr, addr)
    return bool(ordered_conditional_rmw(run(), loc, lambda w: w & ~m if w & m else NO_WRITE,
                                        "test_and_clear_bit") & m)


def test_and_change_bit(nr, addr):
    loc, m = _word(nr, addr)
    return bool(run().rmw(loc, lambda w: w ^ m, FULL, "test_and_change_bit") & m)


def test_and_set_bit_lock(nr, addr):
    """Set the bit; true if it was already set.  ACQUIRE when it sets it (a bit lock taken)."""
    loc, m = _word(nr, addr)
    return bool(run().rmw(loc, lambda w: NO_WRITE if w & m else w | m, ACQ, "test_and_set_bit_lock") & m)


# -- non-atomic: a plain load and a plain store of the word ------------------------------

def _plain(name, f, ret):
    def fn(nr, addr):
        loc, m = _word(nr, addr)
        r = run()
        w = r.read(loc, PLAIN, name)
        r.write(loc, f(w, m), PLAIN, name)
        return bool(w & m) if ret else None
    fn.__name__ = name
    fn.__doc__ = f"``{name}``: not atomic (plain load and store of the whole word)."
    return fn


__set_bit = _plain("__set_bit", lambda w, m: w | m, False)
__clear_bit = _plain("__clear_bit", lambda w, m: w & ~m, False)
__change_bit = _plain("__change_bit", lambda w, m: w ^ m, False)
__test_and_set_bit = _plain("__test_and_set_bit", lambda w, m: w | m, True)
__test_and_clear_bit = _plain("__test_and_clear_bit", lambda w, m: w & ~m, True)


def __clear_bit_unlock(nr, addr):
    """``READ_ONCE`` of the word, then a release store of it without the bit
    (include/asm-generic/bitops/lock.h; x86's is a plain ``__clear_bit``): not
    atomic, so a concurrent ``set_bit()`` of another bit of the word is lost -
    it is for words whose every bit the lock protects."""
    loc, m = _word(nr, addr)
    r = run()
    w = r.read(loc, ONCE, "__clear_bit_unlock")
    r.write(loc, w & ~m, REL, "__clear_bit_unlock")


def find_first_bit(addr, size):
    """The first set bit below ``size`` (``size`` if none); reads each word once."""
    r = run()
    words = list(addr) if isinstance(addr, KArray) else [loc_of(addr)]
    for i, loc in enumerate(words):
        if i * BITS_PER_LONG >= size:
            break
        w = r.read(loc, PLAIN, "find_first_bit")
        for b in range(BITS_PER_LONG):
            nr = i * BITS_PER_LONG + b
            if nr >= size:
                break
            if w >> b & 1:
                return nr
    return size


# -- bit spinlocks (include/linux/bit_spinlock.h) ----------------------------------------
# A lock in one bit of a word (hlist_bl heads, buffer heads, zsmalloc ...):
# preemption off, then test_and_set_bit_lock() until it sets the bit - here an
# ACQUIRE RMW that blocks while the bit is set, as spin_lock() does; the unlock
# is clear_bit_unlock() (RELEASE), then preemption on.  Lockdep does not
# track bit spinlocks, and neither does kcheck's lockdep: an unlock of a bit
# nobody set is the kernel's BUG_ON.

def _bit_lock(m):
    return lambda w: BLOCK if w & m else w | m


def bit_spin_lock(nr, addr):
    from .sched import preempt_disable
    preempt_disable()
    loc, m = _word(nr, addr)
    run().rmw(loc, _bit_lock(m), ACQ, "bit_spin_lock")


def bit_spin_trylock(nr, addr):
    """True if it took the lock (preemption then stays off)."""
    from .sched import preempt_disable, preempt_enable
    preempt_disable()
    loc, m = _word(nr, addr)
    if run().rmw(loc, lambda w: NO_WRITE if w & m else w | m, ACQ, "bit_spin_trylock") & m:
        preempt_enable()
        return False
    return True


def _bit_unlock(nr, addr, op):
    from .sched import preempt_enable
    loc, m = _word(nr, addr)
    r = run()
    if not r.rmw(loc, lambda w: w & ~m, REL, op) & m:
        r.report("bug-on", f"BUG_ON in {op}(): bit {nr} of {loc.name()} was not set",
                 fatal=True)
    preempt_enable()


def bit_spin_unlock(nr, addr):
    _bit_unlock(nr, addr, "bit_spin_unlock")


def __bit_spin_unlock(nr, addr):
    """The non-atomic unlock for a word no one else writes while the lock is
    held: ``__clear_bit_unlock()`` (a load and a release store), so a set_bit()
    of another bit of the word meanwhile is lost, as in the kernel."""
    from .sched import preempt_enable
    loc, m = _word(nr, addr)
    r = run()
    w = r.read(loc, ONCE, "__bit_spin_unlock")
    if not w & m:
        r.report("bug-on", f"BUG_ON in __bit_spin_unlock(): bit {nr} of {loc.name()} was not set",
                 fatal=True)
    r.write(loc, w & ~m, REL, "__bit_spin_unlock")
    preempt_enable()


def bit_spin_is_locked(nr, addr):
    return test_bit(nr, addr)


__all__ = ["BITS_PER_LONG", "BIT", "DECLARE_BITMAP", "set_bit", "clear_bit", "change_bit",
           "clear_bit_unlock", "test_bit", "test_bit_acquire", "test_and_set_bit", "test_and_clear_bit",
           "test_and_change_bit", "test_and_set_bit_lock", "__set_bit", "__clear_bit", "__change_bit",
           "__test_and_set_bit", "__test_and_clear_bit", "__clear_bit_unlock", "find_first_bit",
           "bit_spin_lock", "bit_spin_trylock", "bit_spin_unlock", "__bit_spin_unlock",
           "bit_spin_is_locked"]
