"""C objects as a Python harness sees them.

``prog.new("struct kvm")`` makes a C object in the current run;
``obj.field`` loads a member (an event, as the C load is) and
``obj.field = v`` stores one; a member that is a kernel object (a lock, a
refcount_t, a list_head) is the ``kcheck.kernel`` object itself, so a Python
flow can write ``mutex_lock(kvm.slots_lock)`` on a C ``struct kvm`` and the C
code's ``lockdep_assert_held(&kvm->slots_lock)`` sees the same lock.  A
handle converts to the C pointer when passed to a C function.
"""

from __future__ import annotations

from ..engine.graph import PLAIN
from ._memory import Ptr
from ._types import RecordT, ArrayT
from . import _access as A
from ._kernel import view, VIEWS, from_python


class CStruct:
    """A pointer to a C struct or union, with member access by name."""

    __slots__ = ("_cptr", "_ct")

    def __init__(self, p, ct):
        object.__setattr__(self, "_cptr", p)
        object.__setattr__(self, "_ct", ct)

    def _member(self, name):
        fld, off = _find(self._ct, name)
        if fld is None:
            raise AttributeError(f"{self._ct.name} has no member {name!r}")
        return fld, off

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        fld, off = self._member(name)
        p = self._cptr
        b, o = p.b, p.o + off
        ft = fld.ctype
        if fld.bits is not None:
            unit = fld.unit
            uo = o - fld.off + unit[0]
            w = A.read_slow(b, uo, unit[1], PLAIN, f"load .{name}", None)
            v = (w >> fld.bitoff) & ((1 << fld.bits) - 1)
            if ft.is_int and ft.signed and v >> (fld.bits - 1):
                v -= 1 << fld.bits
            return v
        if isinstance(ft, RecordT):
            if ft.name in VIEWS:
                return view(Ptr(b, o), ft.name)
            return CStruct(Ptr(b, o), ft)
        if isinstance(ft, ArrayT):
            return CArray(Ptr(b, o), ft)
        return to_python(A.read_slow(b, o, ft.size, PLAIN, f"load {name}", None), ft)

    def __setattr__(self, name, value):
        fld, off = self._member(name)
        p = self._cptr
        b, o = p.b, p.o + off
        ft = fld.ctype
        v = from_python(value, ft)
        if fld.bits is not None:
            unit = fld.unit
            uo = o - fld.off + unit[0]
            w = A.read_slow(b, uo, unit[1], PLAIN, f"store .{name}", None, check=False)
            w = 0 if w.__class__ is not int else w
            mask = ((1 << fld.bits) - 1) << fld.bitoff
            A.write_slow(b, uo, unit[1], (w & ~mask) | ((v << fld.bitoff) & mask), PLAIN,
                         f"store .{name}", None)
            return
        A.write_slow(b, o, ft.size, v, PLAIN, f"store {name}", None)

    def __eq__(self, other):
        return isinstance(other, CStruct) and other._cptr == self._cptr

    def __hash__(self):
        return hash(self._cptr)

    def _kname(self):
        return self._cptr._kname()

    def __repr__(self):
        return f"<{self._ct.name} {self._cptr!r}>"


class CArray:
    __slots__ = ("_cptr", "_ct")

    def __init__(self, p, ct):
        self._cptr = p
        self._ct = ct

    def __len__(self):
        return self._ct.n

    def __getitem__(self, i):
        et = self._ct.elem
        p = self._cptr
        o = p.o + i * et.size
        if isinstance(et, RecordT):
            return view(Ptr(p.b, o), et.name) if et.name in VIEWS else CStruct(Ptr(p.b, o), et)
        return to_python(A.read_slow(p.b, o, et.size, PLAIN, "load", None), et)


def to_python(v, ct):
    """A C value of type ``ct`` for Python: a pointer to a struct is a CStruct."""
    if ct.is_ptr:
        v = A.to_ptr(v) if v is not None and v.__class__ is not Ptr else v
        t = ct.target
        if v.__class__ is Ptr and isinstance(t, RecordT) and t.complete:
            if t.name in VIEWS:
                return view(v, t.name)
            return CStruct(v, t)
        return v
    if ct.is_int and v.__class__ is int:
        return ct.wrap(v)
    return v


def _find(rec, name, base=0):
    """(Field, offset) of member ``name`` of ``rec``, through anonymous members."""
    f = rec.fields.get(name)
    if f is not None:
        return f, base + f.off
    for o, s, ct, nm in rec.slots:
        if nm == "" and isinstance(ct, RecordT):
            r = _find(ct, name, base + o)
            if r[0] is not None:
                return r
    return None, 0
