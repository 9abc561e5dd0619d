"""A C file as a kcheck program: globals, functions, and the entry.

``CProgram(path)`` parses and compiles the file once.  Its ``entry`` is the
``main()`` kcheck explores (a Python function, as for a Python model); each
execution creates the globals afresh and runs the C ``main``.

How C's ``main`` maps onto kcheck's
-----------------------------------
kcheck's entry runs before every task, outside them, and cannot wait: what
it writes are initial values and what it spawns are the tasks (the RCU and
rwlock machinery counts on knowing every reader task up front).  A C
harness's ``main`` builds objects, starts threads, then joins them and
checks.  So ``main`` is cut in two at the top level of its body:

* its leading statements, up to the last ``pthread_create`` that is not
  preceded by anything the threads could observe, run as kcheck's entry: the
  objects they build are the initial state and the threads they start are
  the static tasks;
* the rest (from the first statement after a thread start that reads or
  writes shared memory or calls anything but ``pthread_create``, or the first
  ``pthread_join``) runs as a task named ``main``, with the same locals,
  concurrently with the threads - exactly what C means by it.

A ``main`` that starts no thread runs whole as task ``main``.  Threads
started by a task (the ``main`` task after the cut, or any thread) are
dynamic tasks, as ``call_rcu`` callbacks and work items are.
"""

from __future__ import annotations

import os

from ..engine import runtime as rt
from ..engine.runtime import ModelError
from ._parse import K, T, CError, parse, error_at, Source, in_kcheck_headers, unop, var_initializer
from ._types import TypeTable, RecordT
from ._memory import Block, CState, Ptr, RO_BASE, new_block
from ._compile import Compiler, CFunc, FIRST_SLOT, _strip, _decayed
from . import _kernel
from ._kernel import store_conversion as _store_conv


class CProgram:
    def __init__(self, path, defines=(), include_dirs=()):
        self.path = path
        self.tu = parse(path, defines, include_dirs)
        self.types = TypeTable()
        self.source = Source()
        self.comp = Compiler(self)
        self.G = []                   # this run's global blocks, by index
        self.globals = []             # [(decl cursor, ctype, label, items)]
        self.gindex = {}
        self.funcs = {}               # definition hash -> CFunc
        self.by_name = {}             # name -> CFunc (functions defined in the program)
        self.strings = {}             # literal bytes -> Block
        self.static_names = []
        self._conv = {}
        self.main_fn = None
        self._main_parts = None
        top = self.tu.cursor
        for c in top.get_children():
            if c.kind == K.FUNCTION_DECL and c.is_definition():
                cf = self.cfunc(c)
                if not in_kcheck_headers(c):
                    self.by_name[c.spelling] = cf
            elif c.kind == K.VAR_DECL and not in_kcheck_headers(c):
                if c.storage_class != _SC.EXTERN or c.is_definition():
                    self.global_var(c)
        # compile every function of the file now: errors are load-time errors
        for cf in list(self.by_name.values()):
            cf.ensure()
        self.main_fn = self.by_name.get("main")

    # -- what the compiler asks ---------------------------------------------------------
    def cfunc(self, defn):
        key = defn.hash
        cf = self.funcs.get(key)
        if cf is None:
            ft = self.types.get(defn.type, defn)
            cf = self.funcs[key] = CFunc(defn.spelling, ft, defn, self.comp)
        return cf

    def global_var(self, decl):
        d = decl.get_definition() or decl
        key = d.hash
        k = self.gindex.get(key)
        if k is not None:
            return k
        ct = self.types.get(d.type, d)
        if not ct.size and not ct.is_array:
            raise error_at(d, f"global '{d.spelling}' has an incomplete type")
        k = self.gindex[key] = len(self.globals)
        self.globals.append(None)
        init = var_initializer(d)
        saved = self.comp.fn
        self.comp.fn = None
        try:
            items = self.comp.init_items(ct, init) if init is not None else None
        finally:
            self.comp.fn = saved
        label = d.spelling
        parent = d.semantic_parent
        if parent is not None and parent.kind == K.FUNCTION_DECL:
            label = f"{parent.spelling}.{d.spelling}"
        self.globals[k] = (d, ct, label, items)
        self.G.append(None)
        return k

    def string_bytes(self, c):
        lit = c.spelling
        toks = [t.spelling for t in c.get_tokens()] or [lit]
        out = b""
        for t in toks:
            if t.startswith('"') or t.startswith('L"') or t.startswith('u8"'):
                body = t[t.index('"') + 1:-1]
                out += bytes(body, "utf-8").decode("unicode_escape").encode("latin-1")
        if not out and lit.startswith('"'):
            out = bytes(lit[1:-1], "utf-8").decode("unicode_escape").encode("latin-1")
        return out + b"\0"

    def string_block(self, c):
        data = self.string_bytes(c)
        b = self.strings.get(data)
        if b is None:
            lid = RO_BASE + len(self.strings) * 4096
            b = Block(lid, len(data), None, "string", repr(data[:-1].decode("latin-1")))
            b.data = data
            self.strings[data] = b
        return b

    def store_conversion(self, ct):
        key = id(ct)
        if key not in self._conv:
            self._conv[key] = _store_conv(ct)
        return self._conv[key]

    def struct_type(self, name):
        return self.types.records.get(name)

    # -- the entry -----------------------------------------------------------------------
    def new_run_state(self):
        """Create this run's C state: globals with their initial values."""
        r = rt.CURRENT
        cs = r._c = CState(self)
        G = self.G
        for k, (d, ct, label, items) in enumerate(self.globals):
            b = new_block(max(ct.size, 1), ct, "global", label)
            G[k] = b
        for k, (d, ct, label, items) in enumerate(self.globals):
            if items is not None:
                b = G[k]
                b.init = self.comp.eval_items(items, [None] * FIRST_SLOT, ct)
                for o, cell in b.cells.items():      # made while evaluating (a view of itself)
                    cell.init = b.init.get(o, b.default)
        return cs

    def main_parts(self):
        if self._main_parts is None:
            if self.main_fn is None:
                raise CError("no function 'main' (a C harness starts its tasks in main())",
                             self.path)
            self._main_parts = self.comp.split_main(self.main_fn)
        return self._main_parts

    def entry(self):
        """kcheck's main(): globals, then the part of C main() that runs before the tasks."""
        prefix, rest, nslots = self.main_parts()
        r = rt.CURRENT
        self.static_names = []
        cs = self.new_run_state()
        f = [None] * nslots
        if prefix is not None:
            prefix(f)
        if rest is not None:
            t = r.spawn_static(_continue_main, (rest, f), "main")
        # a function started more than once is named fn1, fn2, ...
        counts = cs.ncreated
        for t in self.static_names:
            base = t.fn.__name__
            if counts.get(base, 0) > 1 and t.name == base:
                t.name = base + "1"
        if not r.tasks:
            raise ModelError("main() started no task")

    # -- Python harnesses ------------------------------------------------------------------
    def __getattr__(self, name):
        fns = self.__dict__.get("by_name", {})
        if name in fns:
            return fns[name]
        raise AttributeError(name)

    def function(self, name):
        cf = self.by_name.get(name)
        if cf is None:
            raise KeyError(f"{self.path}: no function {name!r}")
        return cf


def _continue_main(rest, f):
    rest(f)


import clang.cindex as _ci  # noqa: E402
_SC = _ci.StorageClass
