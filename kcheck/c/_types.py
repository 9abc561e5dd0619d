"""C types as clang lays them out, and the *cells* kcheck memory is made of.

kcheck memory is a set of locations (``engine.runtime.Loc``), one word each.
A C object is bytes; this module says which bytes form one location:

* a scalar member (``int``, a pointer, a ``u64``) is one cell;
* a run of adjacent bitfields is one cell: its *storage unit*, the bytes
  clang's code generator loads and stores for any of them (clang 18 merges
  a run of bitfields into one storage spanning the run's bytes), so storing
  one bitfield is a read-modify-write of that cell - and a concurrent store
  to another bitfield of the run can be lost, as on real hardware;
* the members of a union that overlap share one cell (``role.word`` and the
  bitfields of ``union kvm_mmu_page_role`` are the same 32-bit cell);
* memory of unknown type (``kmalloc`` of a size, ``__get_free_page``) is
  cut into aligned 8-byte words.

Offsets and sizes come from clang (``get_offset``, ``get_size``), never from
a layout algorithm of our own.
"""

from __future__ import annotations

import bisect

from ._parse import K, T, CError, error_at


class CType:
    __slots__ = ("size", "align", "name")
    kind = "?"
    scalar = False
    is_int = False
    is_ptr = False
    is_record = False
    is_array = False

    def cell_at(self, off):
        """(offset, size) of the cell holding byte ``off`` of an object of this type, or None."""
        if 0 <= off < self.size:
            return (0, self.size)
        return None

    def cells(self):
        """Every cell of an object of this type: [(offset, size)] in address order."""
        return [(0, self.size)] if self.size else []

    def cell_name(self, off):
        return ""

    def __repr__(self):
        return self.name


class VoidT(CType):
    __slots__ = ()
    kind = "void"

    def __init__(self):
        self.size, self.align, self.name = 1, 1, "void"


class IntT(CType):
    __slots__ = ("bits", "signed", "lo", "hi", "mask", "is_bool")
    kind = "int"
    scalar = True
    is_int = True

    def __init__(self, size, signed, name, is_bool=False):
        self.size = self.align = size
        self.name = name
        self.bits = size * 8
        self.signed = signed
        self.mask = (1 << self.bits) - 1
        self.is_bool = is_bool
        if signed:
            self.lo, self.hi = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            self.lo, self.hi = 0, self.mask

    def wrap(self, v):
        """C's conversion of an integer to this type (modulo 2^bits)."""
        if self.is_bool:
            return 1 if v else 0
        v &= self.mask
        if self.signed and v > self.hi:
            v -= 1 << self.bits
        return v


class PtrT(CType):
    __slots__ = ("_target", "_table", "_ct")
    kind = "ptr"
    scalar = True
    is_ptr = True

    def __init__(self, table, clang_target, name):
        self.size = self.align = 8
        self.name = name
        self._table = table
        self._ct = clang_target
        self._target = None

    @property
    def target(self):
        t = self._target
        if t is None:
            t = self._target = self._table.get(self._ct)
        return t


class ArrayT(CType):
    __slots__ = ("elem", "n")
    kind = "array"
    is_array = True

    def __init__(self, elem, n, name):
        self.elem = elem
        self.n = n
        self.size = elem.size * n
        self.align = elem.align
        self.name = name

    def cell_at(self, off):
        es = self.elem.size
        if not (0 <= off < self.size) or es == 0:
            return None
        i, r = divmod(off, es)
        sub = self.elem.cell_at(r)
        return None if sub is None else (i * es + sub[0], sub[1])

    def cells(self):
        es = self.elem.size
        sub = self.elem.cells()
        return [(i * es + o, s) for i in range(self.n) for (o, s) in sub]

    def cell_name(self, off):
        es = self.elem.size
        if es == 0:
            return ""
        i, r = divmod(off, es)
        return f"[{i}]" + _dot(self.elem.cell_name(r))


class Field:
    __slots__ = ("name", "off", "ctype", "bits", "bitoff", "unit")

    def __init__(self, name, off, ctype, bits=None, bitoff=0, unit=None):
        self.name = name
        self.off = off            # bytes from the start of the record (bitfields: of the unit)
        self.ctype = ctype
        self.bits = bits          # width of a bitfield, or None
        self.bitoff = bitoff      # bit position inside its storage unit
        self.unit = unit          # (offset, size) of a bitfield's storage unit


class RecordT(CType):
    """A struct or union, with clang's layout.  ``slots`` are its direct parts in
    address order: (offset, size, ctype or None for a bitfield unit, name)."""

    __slots__ = ("union", "tag", "fields", "slots", "_starts", "_cache", "_merged", "complete",
                 "flex")
    kind = "record"
    is_record = True

    def __init__(self, name, union):
        self.name = name
        self.tag = name
        self.union = union
        self.fields = {}
        self.slots = []
        self._starts = []
        self._cache = {}
        self._merged = None
        self.complete = False
        self.size = self.align = 0
        # a flexible array member (``u8 data[];``, or the old ``[0]``): (offset, name,
        # element type) - an allocation past sizeof holds its elements
        self.flex = None

    def cell_at(self, off):
        r = self._cache.get(off)
        if r is not None or off in self._cache:
            return r
        r = self._cell_at(off)
        self._cache[off] = r
        return r

    def _cell_at(self, off):
        if not (0 <= off < self.size):
            return None
        if self.union:
            for (o, s) in self._merged_cells():
                if o <= off < o + s:
                    return (o, s)
            return None
        i = bisect.bisect_right(self._starts, off) - 1
        if i < 0:
            return None
        o, s, ct, _ = self.slots[i]
        if off >= o + s:
            return None
        if ct is None or ct.scalar:
            return (o, s)
        sub = ct.cell_at(off - o)
        return None if sub is None else (o + sub[0], sub[1])

    def _merged_cells(self):
        if self._merged is None:
            ivs = []
            for o, s, ct, _ in self.slots:
                if ct is None or ct.scalar:
                    ivs.append((o, s))
                else:
                    ivs += [(o + a, b) for a, b in ct.cells()]
            ivs.sort()
            merged = []
            for o, s in ivs:
                if merged and o < merged[-1][0] + merged[-1][1]:
                    mo, ms = merged[-1]
                    merged[-1] = (mo, max(mo + ms, o + s) - mo)
                else:
                    merged.append((o, s))
            self._merged = merged
        return self._merged

    def cells(self):
        if self.union:
            return list(self._merged_cells())
        out = []
        for o, s, ct, _ in self.slots:
            if ct is None or ct.scalar:
                out.append((o, s))
            else:
                out += [(o + a, b) for a, b in ct.cells()]
        return out

    def cell_name(self, off):
        """``link.next``, ``role``, ``spt[3]``: the member path of the cell at ``off``.
        A member that is a single cell (``refcount_t``'s counter, a union sharing
        one word) is named by the member, not by its insides."""
        cell = self.cell_at(off)
        if cell == (0, self.size):
            return ""                  # one word: named by whoever holds it
        best = None
        for o, s, ct, name in self.slots:
            if not (o <= off < o + s):
                continue
            if ct is None or ct.scalar or (cell is not None and cell == (o, s)):
                cand = name
            else:
                cand = _join(name, ct.cell_name(off - o))
            if best is None or (name and not best):
                best = cand
            if not self.union:
                break
        if self.union and cell is not None and cell == (0, self.size):
            return ""
        return best or ""


class FuncT(CType):
    __slots__ = ("ret", "params", "variadic")
    kind = "func"

    def __init__(self, ret, params, variadic, name):
        self.ret = ret
        self.params = params
        self.variadic = variadic
        self.size = self.align = 1
        self.name = name


def _join(a, b):
    if not a:
        return b.lstrip(".")
    if not b:
        return a
    return a + b if b.startswith("[") else f"{a}.{b}"


def _dot(s):
    return "" if not s else (s if s.startswith("[") else "." + s)


_INTS = {
    T.BOOL: (1, False, "_Bool"), T.CHAR_S: (1, True, "char"), T.SCHAR: (1, True, "signed char"),
    T.CHAR_U: (1, False, "char"), T.UCHAR: (1, False, "unsigned char"),
    T.SHORT: (2, True, "short"), T.USHORT: (2, False, "unsigned short"),
    T.INT: (4, True, "int"), T.UINT: (4, False, "unsigned int"),
    T.LONG: (8, True, "long"), T.ULONG: (8, False, "unsigned long"),
    T.LONGLONG: (8, True, "long long"), T.ULONGLONG: (8, False, "unsigned long long"),
    T.INT128: (16, True, "__int128"), T.UINT128: (16, False, "unsigned __int128"),
}

INT = IntT(4, True, "int")
UINT = IntT(4, False, "unsigned int")
LONG = IntT(8, True, "long")
ULONG = IntT(8, False, "unsigned long")
BOOL = IntT(1, False, "_Bool", is_bool=True)
CHAR = IntT(1, True, "char")
VOID = VoidT()


class TypeTable:
    """clang types -> CType, each record built once."""

    def __init__(self):
        self._by_key = {}
        self.records = {}          # "struct kvm" -> RecordT (named records only)

    def get(self, t, where=None):
        t = t.get_canonical()
        k = t.kind
        it = _INTS.get(k)
        if it is not None:
            key = ("int", k)
            ct = self._by_key.get(key)
            if ct is None:
                size, signed, name = it
                ct = self._by_key[key] = IntT(size, signed, name, is_bool=(k == T.BOOL))
            return ct
        if k == T.VOID:
            return VOID
        if k == T.POINTER:
            pt = t.get_pointee()
            key = ("ptr", _key_of(pt))
            ct = self._by_key.get(key)
            if ct is None:
                ct = self._by_key[key] = PtrT(self, pt, _unqual(t.spelling))
            return ct
        if k == T.ENUM:
            return self.get(t.get_declaration().enum_type, where)
        if k in (T.CONSTANTARRAY, T.INCOMPLETEARRAY):
            el = self.get(t.element_type, where)
            n = t.element_count if k == T.CONSTANTARRAY else 0
            key = ("arr", id(el), n)
            ct = self._by_key.get(key)
            if ct is None:
                ct = self._by_key[key] = ArrayT(el, n, f"{el.name}[{n if n else ''}]")
            return ct
        if k == T.RECORD:
            return self._record(t, where)
        if k in (T.FUNCTIONPROTO, T.FUNCTIONNOPROTO):
            key = ("fn", _unqual(t.spelling))
            ct = self._by_key.get(key)
            if ct is None:
                ret = self.get(t.get_result(), where)
                params = [self.get(a, where) for a in t.argument_types()] \
                    if k == T.FUNCTIONPROTO else []
                var = t.is_function_variadic() if k == T.FUNCTIONPROTO else True
                ct = self._by_key[key] = FuncT(ret, params, var, _unqual(t.spelling))
            return ct
        if k in (T.FLOAT, T.DOUBLE, T.LONGDOUBLE, T.HALF, T.FLOAT128):
            raise self._err(where, "floating point is not supported (kernel code does not use it)")
        if k == T.VARIABLEARRAY:
            raise self._err(where, "variable-length arrays are not supported")
        raise self._err(where, f"unsupported type '{t.spelling}'")

    def _err(self, where, msg):
        return error_at(where, msg) if where is not None else CError(msg)

    def _record(self, t, where):
        decl = t.get_declaration()
        key = ("rec", _key_of(t))
        ct = self._by_key.get(key)
        if ct is not None:
            return ct
        union = decl.kind == K.UNION_DECL
        name = _unqual(t.spelling)
        ct = RecordT(name, union)
        self._by_key[key] = ct
        if not decl.is_anonymous() and "(unnamed" not in name and "(anonymous" not in name:
            self.records.setdefault(name, ct)
        size = t.get_size()
        if size < 0:
            return ct              # incomplete: only usable through pointers
        ct.size = size
        ct.align = max(t.get_align(), 1)
        ct.complete = True
        slots = []
        run = []                   # the bitfields of the current storage unit

        def close_run():
            if not run:
                return
            lo = min(f[1] for f in run)
            hi = max(f[1] + f[2] for f in run)
            uo, us = lo // 8, (hi + 7) // 8 - lo // 8
            names = []
            for (fc, bo, w) in run:
                fld = Field(fc.spelling, uo, self.get(fc.type, fc), bits=w, bitoff=bo - uo * 8,
                            unit=(uo, us))
                ct.fields[fc.spelling] = fld
                names.append(fc.spelling)
            slots.append((uo, us, None, names[0] if len(names) == 1 else
                          "/".join(names[:3]) + ("/..." if len(names) > 3 else "")))
            run.clear()

        for fc in decl.get_children():
            if fc.kind in (K.STRUCT_DECL, K.UNION_DECL) and not union \
                    and "(anonymous" in fc.spelling:
                # an anonymous struct/union member (``struct { struct { int a, b; }; }``):
                # libclang gives it no FIELD_DECL, only its record; without a slot its
                # members had no memory at all (reads 0, stores lost, no race, no
                # use-after-free).  In a union the named members cover its bytes.
                off = _anon_offset(t, fc)
                if off is None:
                    continue
                close_run()
                ft = self.get(fc.type, fc)
                ct.fields[f"<anon@{off}>"] = Field("", off, ft)
                slots.append((off, ft.size, ft, ""))
                continue
            if fc.kind != K.FIELD_DECL:
                continue
            bo = fc.get_field_offsetof()
            if fc.is_bitfield():
                w = fc.get_bitfield_width()
                if w == 0:
                    close_run()
                    continue
                if union:
                    close_run()
                run.append((fc, bo, w))
                if union:
                    close_run()
                continue
            close_run()
            ft = self.get(fc.type, fc)
            off = bo // 8
            name = fc.spelling or ""
            ct.fields[fc.spelling or f"<anon@{off}>"] = Field(fc.spelling, off, ft)
            slots.append((off, ft.size, ft, name))
        close_run()
        slots.sort(key=lambda s: s[0])
        ct.slots = slots
        ct._starts = [s[0] for s in slots]
        if slots and not union:
            o, _, last, name = slots[-1]
            if last is not None and last.is_array and last.n == 0 and last.elem.size:
                ct.flex = (o, name, last.elem)
        return ct


def _anon_offset(outer, decl):
    """Byte offset in record type ``outer`` of its anonymous member record ``decl``:
    through its first named field (clang's offsetof sees through anonymous members)."""
    for fc in decl.get_children():
        if fc.kind == K.FIELD_DECL and fc.spelling:
            whole = outer.get_offset(fc.spelling)
            own = decl.type.get_offset(fc.spelling)
            if whole < 0 or own < 0:
                return None
            return (whole - own) // 8
        if fc.kind in (K.STRUCT_DECL, K.UNION_DECL) and "(anonymous" in fc.spelling:
            inner = _anon_offset(decl.type, fc)
            first = _first_named(fc)
            if inner is None or first is None:
                continue
            whole = outer.get_offset(first)
            own = decl.type.get_offset(first)
            if whole < 0 or own < 0:
                return None
            return (whole - own) // 8
    return None


def _first_named(decl):
    for fc in decl.get_children():
        if fc.kind == K.FIELD_DECL and fc.spelling:
            return fc.spelling
        if fc.kind in (K.STRUCT_DECL, K.UNION_DECL) and "(anonymous" in fc.spelling:
            n = _first_named(fc)
            if n is not None:
                return n
    return None


def _key_of(t):
    t = t.get_canonical()
    if t.kind == T.RECORD:
        d = t.get_declaration()
        loc = d.location
        return (_unqual(t.spelling), loc.file.name if loc.file else None, loc.line, loc.column)
    return _unqual(t.spelling)


def _unqual(s):
    for q in ("const ", "volatile ", "restrict "):
        s = s.replace(q, "")
    return s.strip()


def member_info(base_type, field_cursor, table):
    """(byte offset, Field) of a member reached from a record of clang type ``base_type``
    (anonymous struct/union members included: clang gives the offset through them)."""
    bt = base_type.get_canonical()
    name = field_cursor.spelling
    if field_cursor.is_anonymous() or "(anonymous" in name or "(unnamed" in name:
        # the implicit access through an anonymous struct/union member (x.y of
        # union { struct { int y; }; }): its offset in its own record
        ct = table.get(field_cursor.type, field_cursor)
        return field_cursor.get_field_offsetof() // 8, Field("", 0, ct)
    bitpos = bt.get_offset(name)
    parent = field_cursor.semantic_parent
    prec = table.get(parent.type, field_cursor)
    fld = prec.fields.get(name)
    if bitpos < 0 or fld is None:
        raise error_at(field_cursor, f"cannot lay out member '{name}'")
    if fld.bits is None:
        return bitpos // 8, fld
    # a bitfield: bitpos is in the outer record; its unit is relative to its own record
    own = parent.type.get_canonical().get_offset(name) if parent.type.get_canonical() != bt else bitpos
    delta = (bitpos - own) // 8          # offset of the anonymous record inside the outer one
    return delta + fld.off, fld
