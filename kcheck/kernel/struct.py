"""Structs, fields, arrays and bitfields as the C compiler lays them out.

``class Root(KStruct)`` with annotated fields: a field whose type is a kernel
object (``atomic_t``, ``refcount_t``, ``spinlock_t``, ``list_head``, a
``Bitfield`` ...) is embedded; any other annotation is a *plain* field, and
``obj.f`` / ``obj.f = v`` are plain loads and stores (events the explorer
orders, and the accesses LKMM and the race detector call plain).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, PLAIN, MARKED


class _Plain:
    """Descriptor of a plain field: a load or store event per access."""

    __slots__ = ("name", "load", "store")

    def __init__(self, name):
        self.name = name
        self.load = f"load {name}"
        self.store = f"store {name}"

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        return run().read(obj._f[self.name], PLAIN, self.load)

    def __set__(self, obj, val):
        if val.__class__ in _CONTAINERS:
            _container_error(obj, self.name, val)
        run().write(obj._f[self.name], val, PLAIN, self.store)


# A field holds a scalar or a pointer, as in C.  A Python list or dict stored in
# one would be shared by reference and changed in place with no event: every
# task would see every change at once, in no interleaving kcheck explores.
_CONTAINERS = frozenset({list, dict, set, bytearray})
_SCALARS = frozenset({int, bool, str, float, bytes})


def _container_error(obj, name, val):
    raise ModelError(f"{type(obj).__name__}.{name} = a Python {type(val).__name__}: a field holds a "
                     "value or a pointer, and changes inside a Python container are no events "
                     "(use KArray, a list_head, or one field per value)")


class KStruct(KObject):
    """Base class of model structs (see the module docstring)."""

    _fields_: list = []
    _embedded_: list = []
    _zeros_: dict = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        plain, emb = [], []
        for base in reversed(cls.__mro__[1:]):
            plain += [p for p in getattr(base, "_fields_", []) if p not in plain]
            emb += [e for e in getattr(base, "_embedded_", []) if e not in emb]
        for name, typ in cls.__dict__.get("__annotations__", {}).items():
            if name.startswith("_"):
                continue
            if isinstance(typ, str):
                typ = _resolve(cls, typ)
            if isinstance(typ, _Embedded):
                emb.append((name, typ))
            elif isinstance(typ, type) and issubclass(typ, KObject) and typ is not KStruct \
                    and not issubclass(typ, KStruct) and hasattr(typ, "_embed"):
                emb.append((name, typ))
            # (a kernel object that is only ever allocated - a workqueue_struct, a
            # kmem_cache - is a pointer field, as in C: ``struct workqueue_struct *wq``)
            else:
                plain.append(name)
                setattr(cls, name, _Plain(name))
        cls._fields_ = plain
        cls._embedded_ = emb
        cls._zeros_ = {name: _zero(cls, name) for name in plain}

    def __init__(self, **init):
        r = run()
        object.__setattr__(self, "_oid", r.new_lid())
        object.__setattr__(self, "_kid", ("S", self._oid))
        counts = r.__dict__.setdefault("_kname_counts", {})
        n = counts.get(type(self).__name__, 0)
        counts[type(self).__name__] = n + 1
        object.__setattr__(self, "_n", n)
        f = {}
        zeros = self._zeros_
        for name in self._fields_:
            v = init.pop(name, None)
            if v is None:
                f[name] = Loc(zeros[name], self, name, plain=True)
                continue
            if v.__class__ in _CONTAINERS:
                _container_error(self, name, v)
            f[name] = loc = Loc(v, self, name, plain=True)
            if r.cur is not None and v.__class__ not in _SCALARS:
                # a value the struct starts with, given by a task (kzalloc(bus, d=dev)):
                # no write event holds it, so the leak check looks here for the
                # pointers it may be (main()'s are in main_locs)
                r.__dict__.setdefault("init_ptrs", []).append(loc)
        object.__setattr__(self, "_f", f)
        for name, typ in self._embedded_:
            v = init.pop(name, None)
            sub = typ._embed(self, name, v)
            object.__setattr__(self, name, sub)
        if init:
            have = ", ".join(_field_names(type(self))) or "none"
            raise ModelError(f"{type(self).__name__}({', '.join(f'{k}=...' for k in init)}): "
                             f"{type(self).__name__} has no field{'s' if len(init) > 1 else ''} "
                             f"{', '.join(init)} (its fields: {have})")

    def __setattr__(self, name, value):
        # ``obj.flag = 1`` on a name that is not a field would be a Python
        # attribute: no event, nothing for the explorer to order, and every
        # interleaving looks like the one that ran first.  A struct's shared
        # state is its declared fields; a store to anything else is a model
        # error.  (Fields and properties store through their descriptors.)
        d = getattr(type(self), name, None)
        if d is not None and hasattr(d, "__set__"):
            d.__set__(self, value)
        elif name.startswith("_"):
            object.__setattr__(self, name, value)   # private bookkeeping, not shared state
        else:
            fields = _field_names(type(self))
            if name in fields:
                # a kernel object embedded in the struct (a lock, a completion): its
                # memory is the struct's, so it cannot be made to point elsewhere
                # (a review: this said "has no field" and listed the field)
                kind = type(getattr(self, name, None)).__name__
                raise ModelError(f"{type(self).__name__}.{name} is a {kind} embedded in the "
                                 f"struct (`struct {kind} {name}`), not a pointer: use it in place, "
                                 f"or declare `{name}: object` for a `struct {kind} *{name}`")
            have = f" (its fields: {', '.join(fields)})" if fields else " (it has no fields)"
            raise ModelError(f"{type(self).__name__} has no field {name!r}{have}: declare it "
                             f"in the class (`{name}: int`) so that its loads and stores are events")

    @classmethod
    def _embedded_in(cls, owner, name, v):
        """A struct member of struct type (``Embed[cls]``): part of ``owner``'s
        memory - its fields die with it (use-after-free), ``container_of``
        finds ``owner`` - and named as C names it, ``owner->name.field``."""
        if v is not None:
            raise ModelError(f"{type(owner).__name__}(…, {name}=…): {name} is an embedded "
                             f"{cls.__name__}; set its fields after the struct is made")
        self = cls.__new__(cls)
        object.__setattr__(self, "_oid", owner._oid)
        object.__setattr__(self, "_kid", ("E", owner._kid, name))
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_n", f"{owner._kname()}->{name}")
        zeros = cls._zeros_
        object.__setattr__(self, "_f", {f: Loc(zeros[f], owner, f"{name}.{f}", plain=True)
                                        for f in cls._fields_})
        for ename, typ in cls._embedded_:
            object.__setattr__(self, ename, typ._embed(self, ename, None))
        return self

    def _kname(self):
        n = self._n
        return n if n.__class__ is str else f"{type(self).__name__}#{n}"

    def __repr__(self):
        return self._kname()

    __hash__ = KObject.__hash__


def _field_names(cls):
    """A struct type's fields as a message lists them: plain ones, then embedded."""
    return list(getattr(cls, "_fields_", ())) + [n for n, _ in getattr(cls, "_embedded_", ())]


def _zero(cls, name):
    ann = {}
    for k in reversed(cls.__mro__):
        ann.update(getattr(k, "__annotations__", {}))
    t = ann.get(name)
    if t in (int, "int"):
        return 0
    if t in (bool, "bool"):
        return False
    return None if t not in (int, bool) else 0


class _Embedded:
    """What ``Embed[T]`` stands for in an annotation."""

    __slots__ = ("typ",)

    def __init__(self, typ):
        self.typ = typ

    def _embed(self, owner, name, v):
        return self.typ._embedded_in(owner, name, v)

    def __repr__(self):
        return f"Embed[{self.typ.__name__}]"


class Embed:
    """``member: Embed[other]``: a member of struct type, C's ``struct other
    member;`` - embedded, not a pointer (a field annotated with a KStruct type
    alone is a pointer to one, C's ``struct other *member;``)."""

    def __class_getitem__(cls, typ):
        if not (isinstance(typ, type) and issubclass(typ, KStruct)):
            raise ModelError(f"Embed[{getattr(typ, '__name__', typ)!s}]: Embed takes a KStruct "
                             "subclass (kernel objects such as list_head embed without it)")
        return _Embedded(typ)


def _resolve(cls, name):
    if name.startswith("Embed[") and name.endswith("]"):
        inner = _resolve(cls, name[6:-1].strip())
        return Embed[inner] if isinstance(inner, type) else name
    import sys
    mod = sys.modules.get(cls.__module__)
    v = getattr(mod, name, None) if mod else None
    if v is None:
        from .. import kernel
        v = getattr(kernel, name, None)
    return v if v is not None else name


def ptr(obj, field):
    """``&obj->field`` for a plain field: a location for READ_ONCE, xchg, ..."""
    f = getattr(obj, "_f", None)
    if f is not None and field in f:
        return f[field]
    if obj is None:
        raise ModelError(f"ptr(NULL, {field!r}): the object is NULL")
    attr = getattr(type(obj), field, None)
    if isinstance(attr, _Bits):
        # what the C compiler says to &root->role.invalid (the seed thread's discovery)
        width = attr.mask.bit_length()
        raise ModelError(f"address of bit-field requested: &{obj._loc.name()}.{field} is "
                         f"{width} bit{'s' if width != 1 else ''} of a word, not an object of its "
                         "own: an atomic such as xchg() cannot take it (C: error: address of "
                         "bit-field requested)")
    if not isinstance(attr, (property, _Plain)):
        sub = getattr(obj, field, None)          # an embedded object (a lock, an atomic_t)
        if sub is not None and hasattr(sub, "_loc"):
            return sub._loc
    fields = _field_names(type(obj))
    have = f" (its fields: {', '.join(fields)})" if fields else ""
    raise ModelError(f"ptr({obj!r}, {field!r}): {type(obj).__name__} has no field {field!r}{have}")


class KArray(KObject):
    """An array of words; ``a[i]`` is ``&a[i]``."""

    def __init__(self, n, init=0, owner=None, field=None):
        r = run()
        self._kid = ("A", r.new_lid() if owner is None else (owner._oid, field))
        self._owner = owner
        self._locs = [Loc(init, owner, f"{field or 'arr'}[{i}]", plain=True) for i in range(n)]

    def __getitem__(self, i):
        # C has no negative index from the end, and no index past the end:
        # either is an access outside the array (KASAN's out-of-bounds), not a
        # Python list's wrap-around or IndexError
        if i.__class__ is not int:
            if isinstance(i, slice):
                return self._locs[i]
            if not isinstance(i, int):
                raise ModelError(f"{self!r}[{i!r}]: an array index is an int")
        if i >= 0:
            try:
                return self._locs[i]
            except IndexError:
                pass
        self._out_of_bounds(i)

    def _out_of_bounds(self, i):
        r = run()
        owner = self._owner
        kind = "slab" if owner is not None and getattr(owner, "_oid", None) in r.heap else "global"
        r.report(f"{kind}-out-of-bounds",
                 f"BUG: KASAN: {kind}-out-of-bounds: index {i} of {self!r}, an array of "
                 f"{len(self._locs)} (valid: 0..{len(self._locs) - 1})", fatal=True)

    def __repr__(self):
        if self._owner is not None and self._kid[1].__class__ is tuple:
            return f"{self._owner!r}->{self._kid[1][1]}"
        return f"KArray#{self._kid[1]}"

    def __len__(self):
        return len(self._locs)

    def __iter__(self):
        return iter(self._locs)

    @classmethod
    def of(cls, n, init=0):
        """A field type: ``spt: KArray.of(4)``."""
        return type(f"KArray{n}", (cls,), {"_n_": n, "_init_": init})

    @classmethod
    def _embed(cls, owner, name, v):
        n = getattr(cls, "_n_", None)
        if n is None:
            raise ModelError(f"{owner!r}.{name}: declare array fields as KArray.of(N)")
        return cls(n, cls._init_, owner, name)


class Bitfield(KObject):
    """A union of bitfields packed in one word (``_bits_ = [(name, width), ...]``,
    least significant first).

    Reading a bitfield loads the whole word; storing one is a load and a
    store of the whole word - exactly the read-modify-write the compiler emits,
    so a concurrent store to another bit can be lost.
    """

    _bits_: list = []
    _width_ = 32

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        shift = 0
        cls._layout_ = {}
        for name, width in cls._bits_:
            cls._layout_[name] = (shift, (1 << width) - 1)
            if not name.startswith("_"):
                setattr(cls, name, _Bits(name, shift, width))
            shift += width
        if shift > cls._width_:
            raise TypeError(f"{cls.__name__}: {shift} bits do not fit in {cls._width_}")

    def __init__(self, word=0, owner=None, field=None):
        self._loc = Loc(word, owner, field or type(self).__name__, plain=True)
        self._kid = ("B", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(v or 0, owner, name)

    @property
    def word(self):
        return run().read(self._loc, PLAIN, "load word")

    @word.setter
    def word(self, w):
        run().write(self._loc, w, PLAIN, "store word")

    @classmethod
    def pack(cls, **bits):
        return cls.set(0, **bits)

    @classmethod
    def get(cls, word, name):
        shift, mask = cls._layout_[name]
        return (word >> shift) & mask

    @classmethod
    def set(cls, word, **bits):
        for name, v in bits.items():
            shift, mask = cls._layout_[name]
            word = (word & ~(mask << shift)) | ((int(v) & mask) << shift)
        return word


class _Bits:
    __slots__ = ("name", "shift", "mask", "load", "store")

    def __init__(self, name, shift, width):
        self.name = name
        self.shift = shift
        self.mask = (1 << width) - 1
        self.load = f"load .{name}"
        self.store = f"store .{name}"

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        return (run().read(obj._loc, PLAIN, self.load) >> self.shift) & self.mask

    def __set__(self, obj, v):
        r = run()
        w = r.read(obj._loc, PLAIN, self.store)
        w = (w & ~(self.mask << self.shift)) | ((int(v) & self.mask) << self.shift)
        r.write(obj._loc, w, PLAIN, self.store)

__all__ = ["KStruct", "KArray", "Bitfield", "Embed", "ptr"]
