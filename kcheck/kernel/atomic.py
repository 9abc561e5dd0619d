"""atomic_t, atomic64_t and the generic marked accessors (Documentation/atomic_t.txt).

Orderings follow the kernel: value-returning RMWs are fully ordered,
``_relaxed`` ones unordered, ``_acquire``/``_release`` order one side; RMWs
without a return value and ``atomic_read``/``atomic_set`` are unordered but
still atomic.  A failed conditional RMW (cmpxchg that does not swap) is a
plain marked read.  The flags are recorded on every event; sequential
consistency ignores them, LKMM gives them meaning.
"""

from __future__ import annotations

from ._core import _rt, run, loc_of, KObject, Loc, NO_WRITE, ONCE, ACQ, REL, FULL, anon, _value_truth

_ORD = {"": FULL, "_relaxed": ONCE, "_acquire": ACQ, "_release": REL}


class atomic_t(KObject):
    """``atomic_t``: one marked word."""

    _read_with = "atomic_read()"
    __bool__ = _value_truth

    __slots__ = ("_loc", "_kid")

    def __init__(self, i=0, owner=None, field=None):
        self._loc = Loc(i, owner, field or anon(type(self).__name__))
        self._kid = ("a", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(v or 0, owner, name)

    def __repr__(self):
        return f"&{self._loc.name()}"


class atomic64_t(atomic_t):
    __slots__ = ()
    _read_with = "atomic64_read()"


class atomic_long_t(atomic64_t):
    """``atomic_long_t``: ``atomic64_t`` on the 64-bit kernels kcheck models."""

    _read_with = "atomic_long_read()"
    __slots__ = ()


def ATOMIC_INIT(i):
    return atomic_t(i)


def ATOMIC64_INIT(i):
    return atomic64_t(i)


def ATOMIC_LONG_INIT(i):
    return atomic_long_t(i)


# -- generic marked accessors --------------------------------------------

def READ_ONCE(p):
    return run().read(loc_of(p), ONCE, "READ_ONCE")


def WRITE_ONCE(p, v):
    run().write(loc_of(p), v, ONCE, "WRITE_ONCE")


def smp_load_acquire(p):
    return run().read(loc_of(p), ACQ, "smp_load_acquire")


def smp_store_release(p, v):
    run().write(loc_of(p), v, REL, "smp_store_release")


def _xchg(order, name):
    flags = _ORD[order]

    def xchg(p, new):
        r = run()
        f = flags
        if order == "" and r.x.drop_barriers:
            from .barrier import dropped
            if dropped(r, "xchg"):
                f = ONCE           # --drop-barrier xchg: its implied full barrier is dropped
        return r.rmw(loc_of(p), lambda old: new, f, name)
    xchg.__name__ = name
    xchg.__doc__ = f"``{name}(p, new)``: store ``new``, return the old value."
    return xchg


def _cmpxchg(order, name):
    flags = _ORD[order]

    def cmpxchg(p, old, new):
        return run().rmw(loc_of(p), lambda cur: new if cur == old else NO_WRITE, flags, name)
    cmpxchg.__name__ = name
    cmpxchg.__doc__ = f"``{name}(p, old, new)``: swap in ``new`` if the value is ``old``; return the value seen."
    return cmpxchg


def _try_cmpxchg(order, name):
    flags = _ORD[order]

    def try_cmpxchg(p, old, new):
        cur = run().rmw(loc_of(p), lambda cur: new if cur == old else NO_WRITE, flags, name)
        return (cur == old, cur)
    try_cmpxchg.__name__ = name
    try_cmpxchg.__doc__ = (f"``{name}(p, old, new) -> (ok, seen)``: C updates ``*old`` on failure; "
                           "Python returns the value seen.")
    return try_cmpxchg


g = globals()
for _o in ("", "_relaxed", "_acquire", "_release"):
    g["xchg" + _o] = _xchg(_o, "xchg" + _o)
    g["cmpxchg" + _o] = _cmpxchg(_o, "cmpxchg" + _o)
    g["try_cmpxchg" + _o] = _try_cmpxchg(_o, "try_cmpxchg" + _o)
cmpxchg64 = g["cmpxchg"]
xchg64 = g["xchg"]
try_cmpxchg64 = g["try_cmpxchg"]


# -- atomic_t operations ---------------------------------------------------
#
# atomic_t is an int and atomic64_t / atomic_long_t a 64-bit integer: their
# arithmetic wraps in two's complement (the kernel is built with
# -fno-strict-overflow, and the RMWs are instructions).  Python's integers do
# not, so an overflow - what refcount_t exists to catch, and what CVE-2016-0728
# rode from a keyring's atomic_t to a use-after-free - would never happen.

def _s32(x):
    """``x`` as a C int (two's complement wrap); anything but an int as it is."""
    return ((x + 0x80000000) & 0xffffffff) - 0x80000000 if x.__class__ is int else x


def _s64(x):
    return ((x + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000 \
        if x.__class__ is int else x


def _gen_atomic(prefix):
    out = {}
    w = _s32 if prefix == "atomic" else _s64
    B, M = (0x80000000, 0xffffffff) if prefix == "atomic" else (0x8000000000000000, 0xffffffffffffffff)

    def read(v):
        return run().read(v._loc, ONCE, f"{prefix}_read")

    def set_(v, i):
        run().write(v._loc, w(i), ONCE, f"{prefix}_set")

    def read_acquire(v):
        return run().read(v._loc, ACQ, f"{prefix}_read_acquire")

    def set_release(v, i):
        run().write(v._loc, w(i), REL, f"{prefix}_set_release")

    out.update({f"{prefix}_read": read, f"{prefix}_set": set_,
                f"{prefix}_read_acquire": read_acquire, f"{prefix}_set_release": set_release})

    # results stay in range: & | ^ of in-range values are in range; + and - wrap
    ops = {"add": lambda a, b: ((a + b + B) & M) - B, "sub": lambda a, b: ((a - b + B) & M) - B,
           "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
           "andnot": lambda a, b: a & ~b}

    def void_op(name, f, op=None):
        op = op or f"{prefix}_{name}"

        def fn(i, v):
            run().rmw(v._loc, lambda old: f(old, i), ONCE, op)
        fn.__name__ = op
        return fn

    def fetch_op(name, f, order, op=None):
        op = op or f"{prefix}_fetch_{name}{order}"
        flags = _ORD[order]

        def fn(i, v):
            return run().rmw(v._loc, lambda old: f(old, i), flags, op)
        fn.__name__ = op
        return fn

    def return_op(name, f, order, op=None):
        op = op or f"{prefix}_{name}_return{order}"
        flags = _ORD[order]

        def fn(i, v):
            return f(run().rmw(v._loc, lambda old: f(old, i), flags, op), i)
        fn.__name__ = op
        return fn

    for name, f in ops.items():
        out[f"{prefix}_{name}"] = void_op(name, f)
        for o in _ORD:
            out[f"{prefix}_fetch_{name}{o}"] = fetch_op(name, f, o)
            if name in ("add", "sub"):
                out[f"{prefix}_{name}_return{o}"] = return_op(name, f, o)

    def unary(name, base):
        # atomic_inc(v) == atomic_add(1, v) ..., under its own name in traces
        def fn(v):
            return base(1, v)
        fn.__name__ = name
        return fn

    add, sub = ops["add"], ops["sub"]
    for n, f in ((f"{prefix}_inc", add), (f"{prefix}_dec", sub)):
        out[n] = unary(n, void_op(None, f, n))
    for o in _ORD:
        for n, mk, base, f in ((f"{prefix}_inc_return{o}", return_op, "add", add),
                               (f"{prefix}_dec_return{o}", return_op, "sub", sub),
                               (f"{prefix}_fetch_inc{o}", fetch_op, "add", add),
                               (f"{prefix}_fetch_dec{o}", fetch_op, "sub", sub)):
            out[n] = unary(n, mk(base, f, o, n))

        def mk_xchg(o=o):
            op = f"{prefix}_xchg{o}"
            flags = _ORD[o]

            def fn(v, new):
                new = w(new)
                return run().rmw(v._loc, lambda old: new, flags, op)
            return fn

        def mk_cmpxchg(o=o):
            op = f"{prefix}_cmpxchg{o}"
            flags = _ORD[o]

            def fn(v, old, new):
                old, new = w(old), w(new)
                return run().rmw(v._loc, lambda cur: new if cur == old else NO_WRITE, flags, op)
            return fn

        def mk_try(o=o):
            op = f"{prefix}_try_cmpxchg{o}"
            flags = _ORD[o]

            def fn(v, old, new):
                old, new = w(old), w(new)
                cur = run().rmw(v._loc, lambda cur: new if cur == old else NO_WRITE, flags, op)
                return (cur == old, cur)
            return fn
        out[f"{prefix}_xchg{o}"] = mk_xchg()
        out[f"{prefix}_cmpxchg{o}"] = mk_cmpxchg()
        out[f"{prefix}_try_cmpxchg{o}"] = mk_try()

    def cond(name, f, test, order=""):
        op = f"{prefix}_{name}{order}"
        flags = _ORD[order]

        def fn(*a):
            *args, v = a
            return test(run().rmw(v._loc, lambda old: f(old, *args), flags, op), *args)
        fn.__name__ = op
        return fn

    add, sub = ops["add"], ops["sub"]
    out[f"{prefix}_sub_and_test"] = cond("sub_and_test", sub, lambda old, i: sub(old, i) == 0)
    out[f"{prefix}_dec_and_test"] = cond("dec_and_test", lambda old: sub(old, 1),
                                         lambda old: sub(old, 1) == 0)
    out[f"{prefix}_inc_and_test"] = cond("inc_and_test", lambda old: add(old, 1),
                                         lambda old: add(old, 1) == 0)
    for o in _ORD:
        out[f"{prefix}_add_negative{o}"] = cond("add_negative", add, lambda old, i: add(old, i) < 0, o)

    def fetch_add_unless(v, a, u):
        u = w(u)
        return run().rmw(v._loc, lambda old: NO_WRITE if old == u else add(old, a), FULL,
                         f"{prefix}_fetch_add_unless")

    def add_unless(v, a, u):
        return fetch_add_unless(v, a, u) != w(u)

    def inc_not_zero(v):
        return run().rmw(v._loc, lambda old: NO_WRITE if old == 0 else add(old, 1), FULL,
                         f"{prefix}_inc_not_zero") != 0

    def inc_unless_negative(v):
        """Increment unless negative; true if it did (fully ordered then)."""
        return run().rmw(v._loc, lambda old: NO_WRITE if old < 0 else add(old, 1), FULL,
                         f"{prefix}_inc_unless_negative") >= 0

    def dec_unless_positive(v):
        """Decrement unless positive; true if it did (fully ordered then)."""
        return run().rmw(v._loc, lambda old: NO_WRITE if old > 0 else sub(old, 1), FULL,
                         f"{prefix}_dec_unless_positive") <= 0

    def dec_if_positive(v):
        """Decrement if the result is not negative; returns old - 1 either way
        (negative: nothing was stored)."""
        return sub(run().rmw(v._loc, lambda old: NO_WRITE if sub(old, 1) < 0 else sub(old, 1), FULL,
                             f"{prefix}_dec_if_positive"), 1)

    out[f"{prefix}_inc_unless_negative"] = inc_unless_negative
    out[f"{prefix}_dec_unless_positive"] = dec_unless_positive
    out[f"{prefix}_dec_if_positive"] = dec_if_positive
    out[f"{prefix}_fetch_add_unless"] = fetch_add_unless
    out[f"{prefix}_add_unless"] = add_unless
    out[f"{prefix}_inc_not_zero"] = inc_not_zero
    return out


g.update(_gen_atomic("atomic"))
g.update(_gen_atomic("atomic64"))
g.update(_gen_atomic("atomic_long"))
del g, _o

def atomic_dec_and_lock(v, lock):
    """lib/dec_and_lock.c: decrement unless the value is 1; at 1 take the
    spinlock, then decrement.  True, holding ``lock``, when the count reached
    0 - so that a lookup under ``lock`` that takes a reference with
    ``atomic_inc()`` never finds an object whose count already hit 0."""
    from .locking import spin_lock, spin_unlock
    if atomic_add_unless(v, -1, 1):
        return False
    spin_lock(lock)
    if atomic_dec_and_test(v):
        return True
    spin_unlock(lock)
    return False


def atomic_dec_and_mutex_lock(v, lock):
    """kernel/locking/mutex.c: as ``atomic_dec_and_lock`` with a mutex (may sleep)."""
    from .locking import mutex_lock, mutex_unlock
    if atomic_add_unless(v, -1, 1):
        return False
    mutex_lock(lock)
    if atomic_dec_and_test(v):
        return True
    mutex_unlock(lock)
    return False


__all__ = [n for n in list(globals()) if n.startswith(("atomic", "xchg", "cmpxchg", "try_cmpxchg"))
           or n in ("READ_ONCE", "WRITE_ONCE", "smp_load_acquire", "smp_store_release", "ATOMIC_INIT",
                    "ATOMIC64_INIT", "ATOMIC_LONG_INIT")]

# what a task may be made of for the engine to skip running it again when its
# run would repeat the last one's (engine/runtime.py: Run._skip_ended)
_rt.PURE_OPS.update(n for n in __all__ if not n.startswith(("ATOMIC", "atomic_dec_and_lock")))
