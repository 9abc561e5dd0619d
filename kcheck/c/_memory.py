"""C memory on kcheck's runtime: blocks, cells, pointers.

A *block* is one C object: a global variable, a ``kmalloc``/``kzalloc``/
``kmem_cache_alloc`` object, a page from ``__get_free_page``, a local whose
address is taken, a string literal.  Its bytes are cut into *cells*
(``_types``: a scalar member, a bitfield storage unit, a union's shared
word), and each cell is a kcheck location (``Loc``): every load and store
of a cell is an event, with the block as the object whose life the
runtime tracks (use-after-free, double free, leaks).

Cells are made on first use, but a cell's id depends only on its block's id
and its offset, and a block's id on the task that made it and how many it
had made - so the same cell has the same id in every replay, whichever task
touches it first, and nothing is created for the bytes a model never uses.

A C pointer is a ``Ptr`` (block, offset) or ``None`` (NULL).  Pointers
convert to integers and back through a deterministic address per block, so
the kernel's address arithmetic (``__pa``/``__va``, an SPTE holding a page
frame number, ``container_of``) works on real numbers.
"""

from __future__ import annotations

from ..engine import runtime as _rt
from ..engine.runtime import Loc, Bug, ModelError

MASK64 = (1 << 64) - 1
BASE = 0xFFFF888000000000        # the kernel's direct map
SHIFT = 20                       # a block owns 1 MiB of address space
RO_BASE = 0xFFFFFFFF81000000     # string literals (read-only data)
CELL_LID = 1 << 64


class _Uninit:
    """The content of kmalloc'd memory nobody has written."""
    __slots__ = ()

    def __repr__(self):
        return "<uninitialised>"

    def _kname(self):
        return "<uninitialised>"


UNINIT = _Uninit()


class Cell(Loc):
    """One location of a block: ``size`` bytes at ``off``."""

    __slots__ = ("size", "block", "off")

    @property
    def _loc(self):            # kernel primitives accept a Cell where they take a location
        return self


class Block:
    __slots__ = ("lid", "_oid", "size", "ctype", "cells", "kind", "init", "default", "label",
                 "n", "views", "readonly", "addr", "data", "priv", "pvals", "pdeps", "__weakref__")
    _stack_block = True         # a C frame's locals are compared by slot (runtime.stack_state)
    _handle = True              # elsewhere by identity: its cells are memory, not Python state

    def __init__(self, lid, size, ctype, kind, label, default=0, init=None, n=None):
        self.lid = lid
        # a heap object, or a local whose address is taken: its lifetime is checked
        # (a stack block joins the run's heap when its address escapes, and leaves
        # it when its function returns: end_frame)
        self._oid = lid if kind == "heap" or kind == "stack" else None
        self.size = size
        self.ctype = ctype          # the C type laid over it, or None (8-byte words)
        self.cells = {}
        self.kind = kind            # "global" "heap" "stack" "string" "page"
        self.label = label          # type tag (heap) or variable name
        self.n = n                  # heap: the per-type number in this run
        self.default = default      # 0, or UNINIT for kmalloc
        self.init = init            # {offset: value} from a C initializer
        self.views = None
        self.readonly = kind == "string"
        self.addr = (BASE + (lid << SHIFT)) & MASK64 if kind != "string" else lid
        self.data = None            # string literal bytes
        # A local whose address is taken stays its task's own until a pointer to it
        # escapes (stored in shared memory, handed to a kernel primitive or a new
        # task): until then its values live here, and its accesses are no events.
        self.priv = kind == "stack"
        self.pvals = {} if self.priv else None
        self.pdeps = None

    def _kname(self):
        if self.kind == "heap":
            return f"{self.label}#{self.n}"
        return self.label

    def __repr__(self):
        return self._kname()

    @property
    def _f(self):
        """Cells made so far, by member name (the HTML report's object panel)."""
        out = {}
        for o in sorted(self.cells):
            c = self.cells[o]
            out[c.field or self._kname()] = c
        return out

    def layout(self, off):
        """(offset, size) of the cell holding byte ``off``."""
        ct = self.ctype
        if ct is not None:
            flex = getattr(ct, "flex", None)
            if flex is not None and off >= flex[0]:
                # the flexible array member's elements (struct_size() allocations)
                if off >= self.size:
                    return None
                el = flex[2]
                k, r0 = divmod(off - flex[0], el.size)
                sub = el.cell_at(r0)
                return None if sub is None else (flex[0] + k * el.size + sub[0], sub[1])
            r = ct.cell_at(off)
            if r is not None:
                return r
            if 0 <= off < ct.size:
                return None           # padding
            if ct.size and off >= ct.size and self.size > ct.size:
                if self.size % ct.size:
                    # a struct and a buffer after it (kmalloc(sizeof(*p) + len)):
                    # the buffer in words, as untyped memory
                    if off >= self.size:
                        return None
                    o = ct.size + ((off - ct.size) & ~7)
                    return (o, min(8, self.size - o))
                # an array of the type (kcalloc, a page of structs): repeat the layout
                k, r0 = divmod(off, ct.size)
                sub = ct.cell_at(r0)
                return None if sub is None else (k * ct.size + sub[0], sub[1])
        if not (0 <= off < self.size):
            return None
        o = off & ~7
        return (o, min(8, self.size - o))

    def cell_name(self, off):
        ct = self.ctype
        if ct is None:
            return f"[{off}]" if self.size > 8 else ""
        flex = getattr(ct, "flex", None)
        if flex is not None and off >= flex[0]:
            el = flex[2]
            k, r = divmod(off - flex[0], el.size)
            sub = el.cell_name(r)
            return f"{flex[1]}[{k}]" + ("" if not sub else ("." + sub if not sub.startswith("[") else sub))
        if off >= ct.size and ct.size and self.size % ct.size:
            return f"[{off}]"
        if off >= ct.size and ct.size:
            k, r = divmod(off, ct.size)
            sub = ct.cell_name(r)
            return f"[{k}]" + ("" if not sub else ("." + sub if not sub.startswith("[") else sub))
        return ct.cell_name(off)

    def cell(self, off):
        """The cell starting at ``off`` (which must be a cell boundary)."""
        c = self.cells.get(off)
        if c is not None:
            return c
        if self.priv:
            publish(self)
        lay = self.layout(off)
        if lay is None or lay[0] != off:
            return None
        c = Cell.__new__(Cell)
        c.lid = CELL_LID + (self.lid << 24) + off
        c.size = lay[1]
        c.block = self
        c.off = off
        v = self.default
        if self.init is not None:
            v = self.init.get(off, v)
        c.init = v
        path = self.cell_name(off)
        if self.kind == "heap":
            c.owner = self
            c.oid = self._oid
            c.field = path or None
        else:
            c.owner = None
            c.oid = self._oid           # a stack block's: its lifetime is checked
            c.field = (self.label + ("" if not path else (path if path.startswith("[") else "." + path)))
        c.plain = True
        self.cells[off] = c
        return c


class Ptr:
    """A C pointer into a block (``b``), at byte offset ``o`` (which may lie outside
    the block: C allows computing such pointers, only dereferencing them is a bug)."""

    __slots__ = ("b", "o")
    _is_value = True            # compared by value (runtime.stack_state)

    def __init__(self, b, o):
        self.b = b
        self.o = o

    # Equal by block id, not by block object: the explorer re-evaluates an RMW
    # (a cmpxchg's "cur == old") from an earlier run on a value a later run
    # wrote, and a block a task allocates is a new object in every run - by
    # identity, a cmpxchg that succeeds would be judged to fail.  A block's id
    # is the same in every run that allocates it at the same point.
    def __eq__(self, other):
        return other.__class__ is Ptr and other.b.lid == self.b.lid and other.o == self.o

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.b.lid, self.o))

    @property
    def addr(self):
        return (self.b.addr + self.o) & MASK64

    def _kname(self):
        b = self.b
        if self.o == 0:
            return b._kname()
        name = b.cell_name(self.o) if b.layout(self.o) is not None else ""
        if name:
            sep = "->" if b.kind == "heap" else "."
            return f"&{b._kname()}{sep}{name}" if not name.startswith("[") else f"&{b._kname()}{name}"
        return f"{b._kname()}+{self.o}"

    def __repr__(self):
        return self._kname()


class Wild:
    """A pointer to no block: made from an integer, or by arithmetic on NULL
    (``container_of(NULL, ...)``).  Dereferencing it is a kernel oops."""

    __slots__ = ("addr",)
    _is_value = True            # compared by value (runtime.stack_state)

    def __init__(self, addr):
        self.addr = addr & MASK64

    def __eq__(self, other):
        return other.__class__ is Wild and other.addr == self.addr

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.addr)

    def _kname(self):
        return hex(self.addr)

    __repr__ = _kname


class CState:
    """The C side of one kcheck run: globals, the blocks by address, name counters."""

    __slots__ = ("globals", "by_addr", "counts", "tasks", "ncreated", "prog", "strings", "comp")

    def __init__(self, prog):
        self.prog = prog
        self.globals = []
        self.by_addr = {}
        self.counts = {}
        self.tasks = {}
        self.ncreated = {}
        self.strings = prog.strings

    def pointee(self, v):
        """The id of the block whose bytes address ``v`` falls in (None if none):
        how kmemleak takes an integer word for a pointer."""
        if v < BASE:
            return None
        b = self.by_addr.get((v & MASK64) >> SHIFT)
        if b is None or not b.addr <= (v & MASK64) < b.addr + max(b.size, 1):
            return None
        return b._oid


def cstate():
    r = _rt.CURRENT
    if r is None:
        raise ModelError("C code runs only while kcheck runs a model")
    return r._c


def publish(b):
    """A private block's address escapes: from now on it is kcheck memory (its
    current contents become the initial values of its cells), and so is every
    private block it points to."""
    if not b.priv:
        return
    b.priv = False
    if b.kind == "stack":
        # from now on other tasks may use it: its end (its function's return) is
        # checked as a free is, and it is never a leak
        r = _rt.CURRENT
        r.heap[b._oid] = (b, None)
        r.noleak.add(b._oid)
    vals = b.pvals
    b.pvals = None
    init = dict(b.init or {})
    init.update(vals)
    b.init = init
    for v in vals.values():
        if v.__class__ is Ptr and v.b.priv:
            publish(v.b)
        elif v.__class__ is dict:
            for x in v.values():
                if x.__class__ is Ptr and x.b.priv:
                    publish(x.b)


def escape(v):
    """``v`` is stored where other tasks can see it: publish what it points to."""
    if v.__class__ is Ptr:
        if v.b.priv:
            publish(v.b)
    elif v.__class__ is dict:
        for x in v.values():
            if x.__class__ is Ptr and x.b.priv:
                publish(x.b)


class PthreadExit(Exception):
    """``pthread_exit(retval)``: unwinds the C task to its start (pthread_create()'s
    task body), which returns ``value`` as the task's result; the frames it
    unwinds end their locals (end_frame)."""

    def __init__(self, value):
        self.value = value


def end_frame(f, slots, fname, src=None, block=False):
    """Function ``fname`` returns (``block``: leaves a block ending at
    ``src``'s line): the locals in frame ``f``'s ``slots`` whose address
    escaped end their lifetime, as a free does.  A task that still uses one -
    an on-stack completion that a waiter gave up on, a work item on a stack
    frame that is gone - is a use-after-free (KASAN's stack-use-after-return,
    or -scope).  A local no other task ever saw needs no event."""
    r = _rt.CURRENT
    if r is None or r.cur is None:
        return
    for s in slots:
        b = f[s]
        if b.__class__ is Block and not b.priv and b.kind == "stack" and b._oid in r.heap:
            if src is not None and r.trace:
                r.cur.tls["src"] = src
            r.free(b, f"{fname}() leaves the block ending at line {src[1]}" if block and src
                   else f"{fname}() returns")


def new_block(size, ctype, kind, label, default=0, init=None):
    r = _rt.CURRENT
    cs = r._c
    lid = r.new_lid()
    n = None
    if kind == "heap":
        n = cs.counts.get(label, 0)
        cs.counts[label] = n + 1
    b = Block(lid, size, ctype, kind, label, default, init, n)
    cs.by_addr[b.addr >> SHIFT] = b
    return b


def ptr_to_int(p):
    if p is None:
        return 0
    if p.__class__ is Ptr or p.__class__ is Wild:
        return p.addr
    if isinstance(p, int):
        return p & MASK64
    addr = getattr(p, "c_addr", None)       # a kernel object C holds by handle (a kthread)
    if addr is not None:
        return addr
    raise ModelError(f"cannot convert {p!r} to an integer")


def int_to_ptr(v):
    """The pointer whose address is ``v`` (NULL for 0)."""
    v &= MASK64
    if v == 0:
        return None
    if v >= RO_BASE:
        s = _rt.CURRENT._c.strings if _rt.CURRENT is not None else None
        if s is not None:
            for b in s.values():
                if b.addr <= v < b.addr + max(b.size, 1):
                    return Ptr(b, v - b.addr)
    r = _rt.CURRENT
    if r is not None and v >= BASE:
        b = r._c.by_addr.get(v >> SHIFT)
        if b is not None:
            return Ptr(b, v - b.addr)
    return Wild(v)


def bytes_of(v, size):
    """Little-endian bytes of a scalar value (pointers by address)."""
    if v.__class__ is not int:
        if v is None or v.__class__ is Ptr or v.__class__ is Wild:
            v = ptr_to_int(v)
        elif v is UNINIT:
            return None
        elif v is True or v is False:
            v = int(v)
        else:
            raise ModelError(f"a byte-wise access to a location holding {v!r} "
                             "(a kernel object); access it with its own type")
    return (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
