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
from ._parse import check_nesting, K, T, CError, parse, error_at, Source, in_kcheck_headers, unop, var_initializer
from ._types import TypeTable, RecordT
from ._memory import Block, CState, Ptr, RO_BASE, SHIFT, new_block, end_frame
from ._compile import Compiler, CFunc, FIRST_SLOT, _strip, _decayed
from . import _kernel
from ..kernel import percpu as _percpu
from ._kernel import store_conversion as _store_conv


def percpu_copies(d, default=1):
    """How many CPUs' copies a global has: ``DEFINE_PER_CPU`` marks it
    ``annotate("kcheck:percpu:NR_CPUS")`` (linux/percpu.h); ``default`` for
    any other global."""
    for a in d.get_children():
        if a.kind == K.ANNOTATE_ATTR and a.spelling.startswith("kcheck:percpu:"):
            n = int(a.spelling[len("kcheck:percpu:"):])
            if not 1 <= n <= 64:
                raise error_at(d, f"NR_CPUS={n}: a machine of 1 to 64 CPUs")
            return n
    return default


class CProgram:
    """A C file, parsed once and compiled once per memory model: under SC plain
    closures, under the LKMM closures that also compute dependencies (``_deps``)."""

    def __init__(self, path, defines=(), include_dirs=()):
        self.path = path
        self.tu = parse(path, defines, include_dirs)
        check_nesting(self.tu, path)
        self.types = TypeTable()
        self.source = Source()
        self.G = []                   # this run's global blocks, by index
        self.globals = []             # [(decl cursor, ctype, label, initialiser cursor)]
        self.nr_cpus = None           # NR_CPUS of the per-CPU variables met (linux/percpu.h)
        self.gindex = {}
        self.strings = {}             # literal bytes -> Block
        self.static_names = []
        self._conv = {}
        self._gcache = {}             # memory model -> the global blocks, kept across runs
        self._defs = []               # function definitions of the file
        self.comp = Compiler(self)
        self._comp_d = None
        top = self.tu.cursor
        for c in top.get_children():
            if c.kind == K.FUNCTION_DECL and c.is_definition():
                if not in_kcheck_headers(c):
                    self._defs.append(c)
            elif c.kind == K.VAR_DECL and not in_kcheck_headers(c):
                if c.storage_class != _SC.EXTERN or c.is_definition():
                    self.global_var(c)
        self._compile_all(self.comp)    # errors are load-time errors
        self.functions = {name: CFunction(self, name) for name in self.comp.by_name}

    def _compile_all(self, comp):
        for c in self._defs:
            comp.by_name[c.spelling] = comp.cfunc(c)
        for cf in list(comp.by_name.values()):
            cf.ensure()
        for k in range(len(self.globals)):
            comp.global_items(k)

    def compiler(self, lkmm=False):
        """The compiled program for a memory model."""
        if not lkmm:
            return self.comp
        if self._comp_d is None:
            from ._deps import DepsCompiler
            comp = DepsCompiler(self)
            self._compile_all(comp)
            self._comp_d = comp
        return self._comp_d

    # -- what the compilers ask ---------------------------------------------------------
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
        label = d.spelling
        parent = d.semantic_parent
        if parent is not None and parent.kind == K.FUNCTION_DECL:
            label = f"{parent.spelling}.{d.spelling}"
        self.globals.append((d, ct, label, var_initializer(d)))
        self.G.append(None)
        n = percpu_copies(d, None)
        if n:
            if self.nr_cpus and self.nr_cpus != n:
                raise error_at(d, f"per-CPU variables made for {self.nr_cpus} and {n} CPUs "
                               "(NR_CPUS must be one value)")
            self.nr_cpus = n
        return k

    def string_bytes(self, c):
        lit = c.spelling
        try:
            toks = [t.spelling for t in c.get_tokens()] or [lit]
        except UnicodeDecodeError:
            # clang's Python binding decodes every token as UTF-8; a literal with
            # other bytes in it (a Latin-1 comment pasted into a message) is taken
            # from the cursor's spelling, where clang writes such bytes as octal
            # escapes (and has already joined adjacent literals)
            toks = [lit]
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
    def new_run_state(self, comp):
        """This run's C state: the globals with their initial values.

        The global blocks are made once and kept from run to run (with their
        cells, names and views): they have the same ids in every run anyway,
        since they come first, and only their initial values are reset here
        (main() writes initial values into them)."""
        r = rt.CURRENT
        cs = r._c = CState(self)
        cs.comp = comp
        r.int_pointee = cs.pointee
        G = self.G
        if self.nr_cpus:
            _percpu._c_machine(self.nr_cpus)
        cached = self._gcache.get(comp.deps)
        if cached is not None:
            for k, b in enumerate(cached):
                if r.new_lid() != b.lid:          # the runs' ids must line up
                    cached = None
                    break
            else:
                for b in cached:
                    cs.by_addr[b.addr >> SHIFT] = b
                    init, default = b.init, b.default
                    for o, cell in b.cells.items():
                        cell.init = default if init is None else init.get(o, default)
                    vs = b.views
                    if vs:
                        for loc, v0 in vs.get("hidden", ()):
                            loc.init = v0            # kernel objects' words C cannot see
                G[:] = cached
                return cs
            raise ModelError("kcheck.c: the globals' ids moved between runs")
        for k, (d, ct, label, init) in enumerate(self.globals):
            n = percpu_copies(d, None)          # DEFINE_PER_CPU: a copy per CPU
            G[k] = new_block(max(ct.size, 1) * (n or 1), ct, "global", label)
            if n:
                G[k].views = {"percpu": max(ct.size, 1)}
        frame = [None] * FIRST_SLOT
        if comp.deps:
            frame[2], frame[3], frame[4] = frozenset(), {}, 0
        for k, (d, ct, label, init) in enumerate(self.globals):
            items = comp.global_items(k)
            if items is not None:
                b = G[k]
                b.init = comp.eval_items(items, frame, ct)
                stride = (b.views or {}).get("percpu")
                if stride:          # every CPU's copy starts with the initialiser
                    b.init = {o + c * stride: v for o, v in b.init.items()
                              for c in range(b.size // stride)}
                for o, cell in b.cells.items():      # made while evaluating (a view of itself)
                    cell.init = b.init.get(o, b.default)
        self._gcache[comp.deps] = list(G)
        return cs

    def main_entry(self):
        """``entry``, once C main() is known to exist and compiles (for ``kcheck check``)."""
        self._main_parts(self.comp)
        return self.entry

    def _main_parts(self, comp):
        if comp.main_parts is None:
            main = comp.by_name.get("main")
            if main is None:
                raise CError("no function 'main' (a C harness starts its tasks in main(); "
                             "or call the C functions from a Python main(): kcheck.c.load)",
                             self.path)
            comp.main_parts = comp.split_main(main)
            where = main.cursor.location
            comp.main_where = (where.file.name if where.file else self.path, where.line)
        return comp.main_parts

    def entry(self):
        """kcheck's main(): globals, then the part of C main() that runs before the tasks."""
        r = rt.CURRENT
        comp = self.compiler(r.lkmm)
        prefix, rest, nslots, stack_slots = self._main_parts(comp)
        if comp.deps:
            r.exact_deps = True
        self.static_names = []
        cs = self.new_run_state(comp)
        f = [None] * nslots
        if comp.deps:
            f[2], f[3], f[4] = frozenset(), {}, 0
        if prefix is not None:
            prefix(f)
        if rest is not None:
            r.spawn_static(_continue_main, (rest, f, stack_slots, comp.main_where), "main")
        # a function started more than once is named fn1, fn2, ...
        counts = cs.ncreated
        for t in self.static_names:
            base = t.fn.__name__
            if counts.get(base, 0) > 1 and t.name == base:
                t.name = base + "1"
        if not r.tasks:
            raise ModelError("main() started no task")

    # -- Python harnesses ------------------------------------------------------------------
    def setup(self):
        """For a Python main(): create this run's C globals (call it first)."""
        r = rt.CURRENT
        if r is None:
            raise ModelError("setup() runs inside a kcheck main()")
        comp = self.compiler(r.lkmm)
        if comp.deps:
            r.exact_deps = True
        self.static_names = []
        self.new_run_state(comp)

    def new(self, type_name, heap=False, **fields):
        """A new C object of type ``type_name`` ("struct kvm") in the current run, as a
        CStruct handle; ``heap=True`` makes it a kmalloc'd object (freed or leaked)."""
        from ._objects import CStruct
        r = rt.CURRENT
        if r is None:
            raise ModelError("C objects are made while kcheck runs a model (in main() or a task)")
        if getattr(r, "_c", None) is None:
            self.new_run_state(self.compiler(r.lkmm))
        ct = self.types.records.get(type_name)
        if ct is None or not ct.complete:
            raise KeyError(f"{self.path}: no complete type {type_name!r}")
        label = type_name.split(" ", 1)[-1]
        b = new_block(ct.size, ct, "heap" if heap else "global",
                      label if heap else f"{label}#{r._c.counts.setdefault(label, 0)}")
        if not heap:
            r._c.counts[label] += 1
        else:
            r.alloc(b, "kzalloc")
        obj = CStruct(Ptr(b, 0), ct)
        for k, v in fields.items():
            setattr(obj, k, v)
        return obj

    def out(self, type_name="int"):
        """A private C object for an out-parameter (``bool *stale``): pass ``o.ptr``,
        read ``o.value`` after the call.  It is the caller's own: no events."""
        return _Out(self, type_name)

    def __getattr__(self, name):
        fns = self.__dict__.get("functions", {})
        if name in fns:
            return fns[name]
        raise AttributeError(name)

    def function(self, name):
        f = self.functions.get(name)
        if f is None:
            raise KeyError(f"{self.path}: no function {name!r}")
        return f


class _Out:
    _SIZES = {"bool": 1, "_Bool": 1, "char": 1, "short": 2, "int": 4, "long": 8,
              "unsigned int": 4, "unsigned long": 8, "u64": 8, "u32": 4}

    def __init__(self, prog, type_name):
        from . import _access as A
        size = self._SIZES.get(type_name, 8)
        self.size = size
        self.block = new_block(size, None, "stack", f"({type_name} out)")
        self.ptr = Ptr(self.block, 0)

    @property
    def value(self):
        from . import _access as A
        from ..engine.graph import PLAIN
        return A.read_slow(self.block, 0, self.size, PLAIN, "load", None)


class CFunction:
    """A C function as Python calls it: the version compiled for the current run's
    memory model, arguments converted from Python (kernel objects, CStruct handles)."""

    def __init__(self, prog, name):
        self.prog = prog
        self.name = self.__name__ = name

    def __call__(self, *args):
        from ._objects import to_python
        r = rt.CURRENT
        comp = self.prog.compiler(bool(r is not None and r.lkmm))
        if r is not None and getattr(r, "_c", None) is None:
            self.prog.new_run_state(comp)
        cf = comp.by_name[self.name]
        return to_python(cf(*args), cf.ftype.ret)

    def __repr__(self):
        return f"<C function {self.name}>"


def _continue_main(rest, f, stack_slots, where):
    """C main() after its first pthread_create(), as a task (``where``: main()'s
    file and line, for the watchdog's message)."""
    from ._kernel import PthreadExit
    try:
        rest(f)
    except PthreadExit:
        return                  # main() called pthread_exit(): its task ends, the others go on
    slots, src = stack_slots
    if slots:
        end_frame(f, slots, "main", src)


import clang.cindex as _ci  # noqa: E402
_SC = _ci.StorageClass
