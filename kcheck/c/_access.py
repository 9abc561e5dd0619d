"""Loads and stores of C memory, and the kernel's reports when they go wrong.

The compiled code (``_compile``) handles the common case inline: an access
that is exactly one cell of a block.  Everything else comes here: the first
access to a cell, an access of part of a cell or of several cells (a byte of
a word, ``memcpy``), a string literal, and the accesses the kernel would
oops on - a NULL or wild pointer (``BUG: kernel NULL pointer dereference``),
an access outside its object (KASAN's ``slab-out-of-bounds``), a read of
``kmalloc`` memory nobody wrote (KMSAN's ``uninit-value``).

``src`` is the C position of the access: (file, line, function).
"""

from __future__ import annotations

import os

from ..engine import runtime as rt
from ..engine.runtime import Bug, ModelError
from ..engine.graph import PLAIN
from ._memory import Ptr, Wild, UNINIT, bytes_of, ptr_to_int, int_to_ptr, MASK64, escape


def where(src):
    if not src:
        return ""
    return f"{src[2]}() {os.path.basename(src[0])}:{src[1]}"


def c_bug(kind, msg, src):
    """Stop this execution with a kernel bug found by the C code at ``src``."""
    r = rt.CURRENT
    t = r.cur if r is not None else None
    ev = r.last_event() if (r is not None and t is not None) else None
    b = Bug(kind, msg, task=t, event=ev)
    b.where = src
    raise b


def c_warn(msg, src):
    """A WARN by the C code at ``src``: it stops this execution, unless
    --keep-going goes on past bugs - then the task goes on, as the kernel does
    after a WARN (``Run.report``).  It stopped the task, or main(), for good."""
    r = rt.CURRENT
    if r is not None and r.keep_going:
        r.report("warn", msg, where=src)
        return
    c_bug("warn", msg, src)


def model_error(msg, src, col=None):
    """C that cannot run on (not a kernel bug): ``file:line: error: msg``."""
    from ._parse import CError
    if src:
        return CError(f"{msg} (in {src[2]}())", src[0], src[1], col)
    return CError(msg)


def bad_pointer(p, off, size, write, src, what=""):
    """The access through ``p`` (+``off``) cannot reach memory: report it as the kernel would."""
    acc = "write" if write else "read"
    if p is None:
        addr = off & MASK64
    elif p.__class__ is Wild:
        addr = (p.addr + off) & MASK64
    else:
        raise model_error(f"{acc} through {p!r}, which is not a pointer to memory", src)
    thing = f" ({what})" if what else ""
    if addr < 4096 or addr > MASK64 - 4096:
        c_bug("null-deref", f"BUG: kernel NULL pointer dereference, address: {addr:016x}: "
              f"{acc} of {size} bytes in {where(src)}{thing}", src)
    if (addr >> 47) not in (0, (1 << 17) - 1):
        # bits 63..47 not all equal: a non-canonical address (LIST_POISON1 + 8, say),
        # which x86-64 faults as a #GP, not a page fault
        c_bug("gpf", f"general protection fault, probably for non-canonical address "
              f"{addr:#x}: {acc} of {size} bytes in {where(src)}{thing}", src)
    c_bug("page-fault", f"BUG: unable to handle page fault for address: {addr:016x}: "
          f"{acc} of {size} bytes in {where(src)}{thing}", src)


def out_of_bounds(b, o, size, write, src):
    kind = {"heap": "slab", "page": "slab", "global": "global", "stack": "stack",
            "string": "global"}.get(b.kind, "slab")
    acc = "write" if write else "read"
    c_bug(f"{kind}-out-of-bounds",
          f"BUG: KASAN: {kind}-out-of-bounds in {where(src)}: {acc} of size {size} at offset "
          f"{o} of {b._kname()} ({b.size} bytes)", src)


def uninit(c, src):
    r = rt.CURRENT
    lid = getattr(c, "lid", None)
    stores = r.g.co.get(lid) if r is not None and lid is not None else None
    if stores:
        # a store exists: the memory model let the load miss it (no release, no
        # barrier orders the store before it) - not a missing initialisation
        how = (f"allocated with kmalloc; {r._task_name(stores[0].tid)}'s store to it is not "
               "ordered before this load, which reads it uninitialised")
    else:
        how = "allocated with kmalloc and not written before this load"
    c_bug("uninit-value", f"BUG: KMSAN: uninit-value in {where(src)}: load of {c.name()}, {how}",
          src)


def set_src(r, src):
    if r.trace:
        t = r.cur
        if t is not None:
            t.tls["src"] = src


# -- the general case of a load and a store ---------------------------------------

def read_slow(b, o, size, flags, op, src, check=True):
    """Read ``size`` bytes at ``o`` of block ``b``; a raw value (the caller converts).
    ``check=False``: uninitialised memory reads as UNINIT instead of a report (the
    load half of a bitfield store is not a use of the other bits)."""
    if o < 0 or o + size > b.size:
        out_of_bounds(b, o, size, False, src)
    if b.readonly:
        return int.from_bytes(b.data[o:o + size], "little")
    lay = b.layout(o)
    r = rt.CURRENT
    if b.priv:
        return _priv_read(b, o, size, lay)
    if lay is not None and lay[0] == o and lay[1] == size:
        c = b.cell(o)
        set_src(r, src)
        v = r.read(c, flags, op)
        if v is UNINIT and check:
            uninit(c, src)
        return v
    # part of a cell, or several cells: read each cell once, assemble the bytes
    out = bytearray(size)
    pos = o
    while pos < o + size:
        lay = b.layout(pos)
        if lay is None:            # padding
            pos += 1
            continue
        co, cs = lay
        c = b.cell(co)
        set_src(r, src)
        if co < o or co + cs > o + size:
            tls = r.cur.tls if r.cur is not None else {}
            tls["bytes"] = (max(co, o) - co, min(co + cs, o + size) - co)
            try:
                v = r.read(c, flags, op)
            finally:
                tls.pop("bytes", None)
        else:
            v = r.read(c, flags, op)
        if v is UNINIT and check:
            uninit(c, src)
        raw = bytes_of(v, cs) or bytes(cs)
        lo, hi = max(co, o), min(co + cs, o + size)
        out[lo - o:hi - o] = raw[lo - co:hi - co]
        pos = co + cs
    return int.from_bytes(out, "little")


def write_slow(b, o, size, v, flags, op, src):
    if o < 0 or o + size > b.size:
        out_of_bounds(b, o, size, True, src)
    if b.readonly:
        c_bug("page-fault", f"BUG: unable to handle page fault: write to read-only memory "
              f"({b._kname()}) in {where(src)}", src)
    lay = b.layout(o)
    r = rt.CURRENT
    if b.priv:
        _priv_write(b, o, size, v, lay)
        return
    escape(v)
    if lay is not None and lay[0] == o and lay[1] == size:
        set_src(r, src)
        r.write(b.cell(o), v, flags, op)
        return
    raw = bytes_of(v, size)
    if raw is None:
        raw = bytes(size)
    pos = o
    while pos < o + size:
        lay = b.layout(pos)
        if lay is None:
            pos += 1
            continue
        co, cs = lay
        c = b.cell(co)
        lo, hi = max(co, o), min(co + cs, o + size)
        set_src(r, src)
        if lo == co and hi == co + cs:
            r.write(c, int.from_bytes(raw[lo - o:hi - o], "little"), flags, op)
        else:
            # Part of a cell (a byte of a union's word): a store of these bytes
            # leaves the others as they are at that moment, whoever wrote them -
            # one event that merges them in (qspinlock's set_locked() next to an
            # atomic on the whole word loses nothing).  The race check compares
            # the bytes (the task's "bytes", kept on the events).
            part = raw[lo - o:hi - o]
            tls = r.cur.tls if r.cur is not None else {}
            tls["bytes"] = (lo - co, hi - co)
            try:
                r.rmw(c, _merge(part, lo - co, cs), flags, op)
            finally:
                tls.pop("bytes", None)
        pos = co + cs


def _merge(part, at, cs):
    """fn(old cell value) -> the value with ``part`` at byte ``at`` (an RMW's)."""
    def merge(old):
        cur = bytes_of(old, cs) or bytes(cs)
        return int.from_bytes(cur[:at] + part + cur[at + len(part):], "little")
    return merge


def _priv_read(b, o, size, lay):
    pv = b.pvals
    if lay is not None and lay[0] == o and lay[1] == size:
        return pv.get(o, b.default if b.init is None else b.init.get(o, b.default))
    out = bytearray(size)
    pos = o
    while pos < o + size:
        lay = b.layout(pos)
        if lay is None:
            pos += 1
            continue
        co, cs = lay
        v = pv.get(co, b.default if b.init is None else b.init.get(co, b.default))
        raw = bytes_of(v, cs) or bytes(cs)
        lo, hi = max(co, o), min(co + cs, o + size)
        out[lo - o:hi - o] = raw[lo - co:hi - co]
        pos = co + cs
    return int.from_bytes(out, "little")


def _priv_write(b, o, size, v, lay):
    pv = b.pvals
    if lay is not None and lay[0] == o and lay[1] == size:
        pv[o] = v
        return
    raw = bytes_of(v, size) or bytes(size)
    pos = o
    while pos < o + size:
        lay = b.layout(pos)
        if lay is None:
            pos += 1
            continue
        co, cs = lay
        lo, hi = max(co, o), min(co + cs, o + size)
        old = pv.get(co, b.default if b.init is None else b.init.get(co, b.default))
        cur = bytes_of(old, cs) or bytes(cs)
        pv[co] = int.from_bytes(cur[:lo - co] + raw[lo - o:hi - o] + cur[hi - co:], "little")
        pos = co + cs


def priv_rmw(b, o, size, fn, src):
    """An atomic operation on a location only this task can see: no event."""
    from ..engine.runtime import NO_WRITE, BLOCK
    lay = b.layout(o)
    old = _priv_read(b, o, size, lay)
    new = fn(old)
    if new is BLOCK:
        raise model_error("a wait on a location only this task can see never ends", src)
    if new is not NO_WRITE:
        _priv_write(b, o, size, new, lay)
    return old


def cells_of(b, o, size, src, write):
    """The cells covering ``size`` bytes at ``o`` (an aggregate copy): [(cell offset, Cell)]."""
    if o < 0 or o + size > b.size:
        out_of_bounds(b, o, size, write, src)
    out = []
    pos = o
    while pos < o + size:
        lay = b.layout(pos)
        if lay is None:
            pos += 1
            continue
        co, cs = lay
        if co < o or co + cs > o + size:
            raise model_error(f"copying {size} bytes at offset {o} of {b._kname()} splits a "
                              "location in two", src)
        out.append((co - o, b.cell(co)))
        pos = co + cs
    return out


def to_int(v, ct, src):
    """Convert a loaded value to C integer type ``ct`` (pointers by address)."""
    if v.__class__ is int:
        return ct.wrap(v)
    if v is True or v is False:
        return int(v)
    if v is None or v.__class__ is Ptr or v.__class__ is Wild:
        return ct.wrap(ptr_to_int(v))
    if v is UNINIT:
        raise model_error("use of uninitialised memory", src)
    owner = getattr(v, "_cptr", None)
    if owner is not None:
        return ct.wrap(ptr_to_int(owner))
    addr = getattr(v, "c_addr", None)       # a kernel object C holds by handle (a kthread)
    if addr is not None:
        return ct.wrap(addr)
    raise model_error(f"an integer was expected, the location holds {v!r}", src)


def to_ptr(v):
    """Convert a loaded value to a C pointer: a view of a kernel object to its address,
    a location (an hlist node's pprev) to the address of its word, a poisoned list
    pointer to the kernel's poison address."""
    if v.__class__ is int:
        return int_to_ptr(v)
    cp = getattr(v, "_cptr", None)
    if cp is not None:
        return cp
    blk = getattr(v, "block", None)
    if blk is not None and v.__class__.__name__ == "Cell":
        return Ptr(blk, v.off)
    addr = getattr(v, "addr", None)
    if addr is not None and v.__class__.__name__ == "_Poison":
        return Wild(addr)
    return v
