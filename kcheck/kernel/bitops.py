"""Single-bit operations on a word or a bitmap (Documentation/atomic_bitops.txt).

``addr`` is a word (``ptr(obj, "flags")`` for an ``unsigned long flags``
field, an ``atomic_t``, an array element) or a ``KArray`` bitmap
(``DECLARE_BITMAP``), whose word ``nr // BITS_PER_LONG`` holds bit ``nr``.

Ordering, as the document says: ``test_bit`` and the RMWs without a return
value (``set_bit``, ``clear_bit``, ``change_bit``) are unordered;
``test_and_{set,clear,change}_bit`` are fully ordered when they change the
bit and unordered when they do not (a failed conditional RMW: the bit was
already what they wanted); a successful ``test_and_set_bit_lock`` is an
ACQUIRE, ``clear_bit_unlock`` a RELEASE.  The ``__`` forms are not atomic:
a plain load and a plain store of the whole word, so a concurrent update of
another bit in the same word can be lost, as in C.
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
    """A bitmap of ``nbits`` bits: ``KArray`` of ``BITS_TO_LONGS(nbits)`` words."""
    return KArray((nbits + BITS_PER_LONG - 1) // BITS_PER_LONG)


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


def test_bit(nr, addr):
    loc, m = _word(nr, addr)
    return bool(run().read(loc, ONCE, "test_bit") & m)


def test_bit_acquire(nr, addr):
    loc, m = _word(nr, addr)
    return bool(run().read(loc, ACQ, "test_bit_acquire") & m)


# -- atomic, with a return value: fully ordered when they change the bit -------------

def test_and_set_bit(nr, addr):
    loc, m = _word(nr, addr)
    return bool(run().rmw(loc, lambda w: NO_WRITE if w & m else w | m, FULL, "test_and_set_bit") & m)


def test_and_clear_bit(nr, addr):
    loc, m = _word(nr, addr)
    return bool(run().rmw(loc, lambda w: w & ~m if w & m else NO_WRITE, FULL, "test_and_clear_bit") & m)


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
    """Maps to ``clear_bit_unlock`` in the generic code (atomic_bitops.txt)."""
    loc, m = _word(nr, addr)
    run().rmw(loc, lambda w: w & ~m, REL, "__clear_bit_unlock")


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
    held: the generic __clear_bit_unlock(), RELEASE, as bit_spin_unlock()."""
    _bit_unlock(nr, addr, "__bit_spin_unlock")


def bit_spin_is_locked(nr, addr):
    return test_bit(nr, addr)


__all__ = ["BITS_PER_LONG", "BIT", "DECLARE_BITMAP", "set_bit", "clear_bit", "change_bit",
           "clear_bit_unlock", "test_bit", "test_bit_acquire", "test_and_set_bit", "test_and_clear_bit",
           "test_and_change_bit", "test_and_set_bit_lock", "__set_bit", "__clear_bit", "__change_bit",
           "__test_and_set_bit", "__test_and_clear_bit", "__clear_bit_unlock", "find_first_bit",
           "bit_spin_lock", "bit_spin_trylock", "bit_spin_unlock", "__bit_spin_unlock",
           "bit_spin_is_locked"]
