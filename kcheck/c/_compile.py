"""C, compiled once into Python closures.

Each function body becomes a tree of closures built from clang's AST when the
program is loaded; running an execution calls them and never looks at the
AST again, so an event costs about what it costs in a hand-written Python
model.

* An expression becomes ``fn(frame) -> value``: a Python int (already
  wrapped to its C type), a pointer (``Ptr``, ``None`` for NULL), a function,
  an opaque kernel object (a workqueue), or a dict {offset: value} for a
  struct or union value.
* A statement becomes ``fn(frame) -> signal``: None to fall through, or
  RETURN / BREAK / CONTINUE / GOTO (the label in ``frame[1]``).
* A frame is a Python list: slot 0 the return value, 1 a goto's label,
  2 to 4 the dependency registers of LKMM mode (``_deps``), then the
  private locals.

Locals and parameters whose address is never taken, and local arrays and
structs used only through subscripts and members, live in the frame: no
events.  Everything else is kcheck memory (``_memory``): globals, heap
objects, locals whose address escapes.

Order of evaluation follows clang's code generator where C leaves it open:
operands and arguments left to right, the right-hand side of an assignment
before its left-hand side.
"""

from __future__ import annotations

import os

from ..engine import runtime as rt
from ..engine.graph import PLAIN, MARKED, NORACE
from ._parse import K, T, CError, error_at, binop, unop, evaluate_int, in_kcheck_headers, var_initializer
from ._types import (IntT, PtrT, ArrayT, RecordT, FuncT, VoidT, INT, ULONG, LONG, BOOL,
                     member_info)
from ._memory import Ptr, Wild, Block, UNINIT, new_block, ptr_to_int, int_to_ptr, MASK64, publish, end_frame, PthreadExit
from . import _access as A

RETURN, BREAK, CONTINUE, GOTO = 1, 2, 3, 4
FIRST_SLOT = 6


# macros of kcheck's headers that define functions (a guard's constructor and
# destructor): the text of a site inside one is the whole definition
_DEFINING_MACROS = ("DEFINE_GUARD", "DEFINE_LOCK_GUARD", "DEFINE_CLASS", "DEFINE_FREE")


def cleanup_of(d):
    """The function a local's cleanup attribute names, or None.  kcheck's
    linux/cleanup.h spells it in an ``annotate("kcheck:cleanup:FN")`` next to
    the attribute (libclang does not expose the attribute's argument, and
    inside a macro its tokens are the macro's); a hand-written
    ``__attribute__((cleanup(fn)))`` is read from its tokens."""
    for a in d.get_children():
        if a.kind == K.ANNOTATE_ATTR and a.spelling.startswith("kcheck:cleanup:"):
            return a.spelling[len("kcheck:cleanup:"):]
    for a in d.get_children():
        if a.kind == K.UNEXPOSED_ATTR:
            toks = [t.spelling for t in a.get_tokens()]
            for i, t in enumerate(toks[:-2]):
                if t in ("cleanup", "__cleanup__") and toks[i + 1] == "(":
                    return toks[i + 2]
    return None


def traced_call(t, cf, call, *args):
    """``call(*args)`` with C function ``cf`` on task ``t``'s C call chain
    (``tls["cstack"]``), in traced runs only: a trace's turn summary names
    the calls a turn ran (``runtime._model_path``), as Python frames do for
    a Python model."""
    cs = t.tls.get("cstack")
    if cs is None:
        cs = t.tls["cstack"] = []
    cs.append(cf.name)
    try:
        return call(*args)
    finally:
        cs.pop()


class CFunc:
    """A C function: callable from C (``invoke``) and from Python (``__call__``,
    e.g. as a ``call_rcu`` callback or from a Python harness)."""

    __slots__ = ("name", "ftype", "cursor", "compiler", "nslots", "params", "body", "src",
                 "__name__", "_ready", "_state", "setup", "stack_slots", "end_src")

    def __init__(self, name, ftype, cursor, compiler):
        self.name = self.__name__ = name
        self.ftype = ftype
        self.cursor = cursor
        self.compiler = compiler
        self._ready = False
        self._state = 0           # 0 not compiled, 1 compiling (a recursive call), 2 ready
        self.body = None
        # __kcheck_setup: a task that only prepares state (traces fold its steps)
        self.setup = any(ch.kind == K.ANNOTATE_ATTR and ch.spelling == "kcheck:setup"
                         for ch in cursor.get_children())
        self.params = []
        self.nslots = FIRST_SLOT
        self.src = None
        self.stack_slots = ()     # frame slots of the locals whose address is taken
        self.end_src = None       # the position of the closing brace (where they end)

    def ensure(self):
        if self._state == 0:
            self._state = 1
            try:
                self.compiler.compile_function(self)
            except BaseException:
                self._state = 0
                raise
            self._state = 2
        return self

    def invoke(self, args):
        r = rt.CURRENT
        if r is not None and r.trace and r.cur is not None:
            return traced_call(r.cur, self, self._invoke, args)
        return self._invoke(args)

    def _invoke(self, args):
        if not self._ready:
            self.ensure()
        if self.compiler.deps:
            from ._deps import _invoke_d, EMPTY     # (invoke() kept the trace's call chain)
            return _invoke_d(self, args, [EMPTY] * len(args))[0]
        f = [None] * self.nslots
        for setp, v in zip(self.params, args):
            setp(f, v)
        if not self.stack_slots:
            self.body(f)
            return f[0]
        try:
            self.body(f)
        except PthreadExit:
            # pthread_exit() unwinds the thread's frames: their locals end too
            end_frame(f, self.stack_slots, self.name, self.end_src)
            raise
        end_frame(f, self.stack_slots, self.name, self.end_src)
        return f[0]

    def __call__(self, *args):
        """A call from Python: kernel views and Python values become C values."""
        from ._kernel import from_python
        ft = self.ftype
        cargs = [from_python(a, t) for a, t in zip(args, ft.params)] + list(args[len(ft.params):])
        return self.from_kernel(cargs)

    def from_kernel(self, args):
        """``invoke`` for kernel code that calls C (a thread's entry, a callback).
        What that code does once the function returns - a kthread's exit, a work
        item's bookkeeping - is not at the function's last line, as a trace said
        ("kref_put(&o->ref, release): kthread exits"): the caller's source
        position is put back."""
        r = rt.CURRENT
        t = r.cur if r is not None and r.trace else None
        if t is None:
            return self.invoke(args)
        saved = t.tls.get("src")
        try:
            return self.invoke(args)
        finally:
            if saved is None:
                t.tls.pop("src", None)
            else:
                t.tls["src"] = saved

    def _kname(self):
        return self.name

    def __repr__(self):
        return f"<C function {self.name}>"


def _render(c, depth=0):
    """An lvalue's text rebuilt from the AST, for one whose source range clang
    does not give (an access inside a macro's argument: ``WARN_ON(c->val != 42)``
    has ``c->val`` only as part of the macro call).  None past what it knows."""
    if depth > 8:
        return None
    k = c.kind
    ch = list(c.get_children())
    if k == K.DECL_REF_EXPR:
        return c.spelling or None
    if k in (K.UNEXPOSED_EXPR, K.PAREN_EXPR) and len(ch) == 1:
        inner = _render(ch[0], depth + 1)
        return None if inner is None else (f"({inner})" if k == K.PAREN_EXPR else inner)
    if k == K.MEMBER_REF_EXPR and len(ch) == 1:
        base = _render(ch[0], depth + 1)
        if base is None:
            return None
        arrow = ch[0].type.get_canonical().kind == T.POINTER
        return f"{base}{'->' if arrow else '.'}{c.spelling}"
    if k == K.ARRAY_SUBSCRIPT_EXPR and len(ch) == 2:
        a, i = _render(ch[0], depth + 1), _render(ch[1], depth + 1)
        return None if a is None or i is None else f"{a}[{i}]"
    if k == K.INTEGER_LITERAL:
        toks = [t.spelling for t in c.get_tokens()]
        return toks[0] if len(toks) == 1 else None
    if k == K.UNARY_OPERATOR and unop(c) == "*" and len(ch) == 1:
        inner = _render(ch[0], depth + 1)
        return None if inner is None else f"*{inner}"
    return None


class PrivAgg(dict):
    """A struct, union or array local that never has its address taken: its
    cells (offset -> value) live in the frame, no events."""
    __slots__ = ()


class LV:
    """An lvalue, as the compiler knows it statically.

    kind ``local``: a private scalar in ``frame[slot]``; ``priv``: inside a
    private aggregate in ``frame[slot]``; ``mem``: kcheck memory, whose block
    comes from ``pf(frame)`` (a pointer) or ``bf(frame)`` (a block), at byte
    offset ``off`` plus ``dyn(frame)`` when an index is not constant.
    """

    __slots__ = ("kind", "ct", "vol", "fld", "slot", "pf", "bf", "off", "dyn", "text")

    def __init__(self, kind, ct, slot=None, pf=None, bf=None, off=0, dyn=None, fld=None,
                 vol=False, text=None):
        self.kind = kind
        self.ct = ct
        self.slot = slot
        self.pf = pf
        self.bf = bf
        self.off = off
        self.dyn = dyn
        self.fld = fld
        self.vol = vol
        self.text = text

    def member(self, off, ct, fld=None, vol=False, text=None):
        return LV(self.kind, ct, self.slot, self.pf, self.bf, self.off + off, self.dyn, fld,
                  vol or self.vol, text or self.text)

    def index(self, dyn_fn, ct, text=None):
        d0 = self.dyn
        if d0 is None:
            dyn = dyn_fn
        else:
            def dyn(f):
                return d0(f) + dyn_fn(f)
        return LV(self.kind, ct, self.slot, self.pf, self.bf, self.off, dyn, None, self.vol,
                  text or self.text)


def _const(v):
    def k(f):
        return v
    k.const = v
    return k


def const_of(fn):
    return getattr(fn, "const", _NOCONST)


_NOCONST = object()


class FnCtx:
    def __init__(self, cfunc, cursor):
        self.cfunc = cfunc
        self.name = cfunc.name
        self.slots = {}          # decl hash -> slot
        self.taken = set()       # decl hashes whose address is taken
        self.aggs = set()        # private aggregate locals
        self.nslots = FIRST_SLOT
        self.labels = []           # label sets of the enclosing blocks (goto targets)
        self.types = {}            # slot -> declared type of a private aggregate
        self.file = cursor.location.file.name if cursor.location.file else "?"
        self.norace = 0            # inside data_race(): plain accesses carry NORACE
        self.body = None           # the hash of the function's body (its locals end at the return)

    def stack_slots(self):
        """The slots of the locals and parameters whose address is taken (they
        live in memory, and end when the function returns)."""
        return tuple(sorted(self.slots[k] for k in self.taken if k in self.slots))

    def slot(self, key):
        s = self.slots.get(key)
        if s is None:
            s = self.slots[key] = self.nslots
            self.nslots += 1
        return s


class Compiler:
    deps = False            # _deps.DepsCompiler: the same, with LKMM dependencies

    def __init__(self, prog):
        self.prog = prog
        self.types = prog.types
        self.src_text = prog.source
        self.fn = None                 # the FnCtx being compiled
        self._hint = None
        self._stmt_text = None         # the statement being compiled (for sites inside macros)
        self.funcs = {}                # definition hash -> CFunc
        self.by_name = {}              # functions of the file, by name
        self._gitems = {}              # global index -> initialiser items
        self.main_parts = None
        self.main_where = None    # C main()'s (file, line): the watchdog names it

    def _definition(self, name):
        """The definition of function ``name`` in the file or kcheck's headers."""
        defs = self.__dict__.get("_defs_by_name")
        if defs is None:
            defs = self._defs_by_name = {
                c.spelling: c for c in self.prog.tu.cursor.get_children()
                if c.kind == K.FUNCTION_DECL and c.is_definition()}
        return defs.get(name)

    def cfunc(self, defn):
        key = defn.hash
        cf = self.funcs.get(key)
        if cf is None:
            ft = self.types.get(defn.type, defn)
            cf = self.funcs[key] = CFunc(defn.spelling, ft, defn, self)
        return cf

    def global_items(self, k):
        """The initialiser of global ``k``, compiled by this compiler (None: zero)."""
        if k not in self._gitems:
            d, ct, label, init = self.prog.globals[k]
            saved = self.fn
            self.fn = None
            try:
                self._gitems[k] = self.init_items(ct, init) if init is not None else None
            finally:
                self.fn = saved
        return self._gitems[k]

    # -- helpers -----------------------------------------------------------------
    def T(self, c):
        return self.types.get(c.type, c)

    def err(self, c, msg):
        return error_at(c, msg)

    def take_hint(self):
        """The pointer target type an allocation call's result is converted to."""
        h = self._hint
        self._hint = None
        return h

    def _with_hint(self, x, ct):
        """Compile ``x``; if it is a call, tell it the pointer type it is converted to."""
        s = _strip(x)
        if s.kind == K.CALL_EXPR and ct.is_ptr:
            self._hint = ct.target
            try:
                return self.expr(x)
            finally:
                self._hint = None
        return self.expr(x)

    def src(self, c):
        """The C position of an access or call: (file, line, function, source text) -
        the text is what a trace shows for the step (a macro call stays a macro call)."""
        loc = c.location
        fname = loc.file.name if loc.file is not None else "?"
        text = self.text(c) or self._stmt_text or ""
        if text.startswith(_DEFINING_MACROS):
            text = ""       # a guard's own lock call (linux/cleanup.h): the step names itself
        return (fname, loc.line, self.fn.name if self.fn is not None else "?", text)

    def end_src(self, body):
        """The closing brace of a function body, as a trace step's position."""
        end = body.extent.end
        fname = end.file.name if end.file is not None else "?"
        return (fname, end.line, self.fn.name if self.fn is not None else "?", "")

    def text(self, c):
        t = self.src_text.text(c)
        return t if t else (_render(c) or t)

    # -- functions ------------------------------------------------------------------
    def compile_function(self, cf):
        cur = cf.cursor
        saved = self.fn
        ctx = self.fn = FnCtx(cf, cur)
        try:
            body = None
            params = []
            for ch in cur.get_children():
                if ch.kind == K.PARM_DECL:
                    params.append(ch)
                elif ch.kind == K.COMPOUND_STMT:
                    body = ch
            if body is None:
                raise self.err(cur, f"function '{cf.name}' has no body")
            ctx.body = body.hash
            self._scan_taken(body)
            setters = []
            for p in params:
                setters.append(self._param(p))
            cf.params = setters
            cf.src = self.src(cur)
            stmt = self.stmt(body)
            ret = cf.ftype.ret
            if ret.is_int or ret.is_ptr:
                # falling off the end of a non-void function: C's value is undefined
                def body_fn(f, stmt=stmt):
                    stmt(f)
            else:
                body_fn = stmt
            cf.body = body_fn
            cf.nslots = ctx.nslots
            cf.stack_slots = ctx.stack_slots()
            cf.end_src = self.end_src(body)
            cf._ready = True
        finally:
            self.fn = saved

    def _param(self, p):
        ctx = self.fn
        key = p.hash
        ct = self.T(p)
        slot = ctx.slot(key)
        if key in ctx.taken:
            src = self.src(p)
            name = p.spelling
            fname = ctx.name
            size = ct.size

            def setp(f, v):
                b = new_block(size, ct if ct.is_record or ct.is_array else ct, "stack",
                              f"{fname}.{name}")
                f[slot] = b
                self._store_value(b, 0, ct, v, src)
            return setp
        if ct.is_record or ct.is_array:
            ctx.aggs.add(key)
            ctx.types[slot] = ct

            def setp(f, v):
                f[slot] = PrivAgg(v) if v is not None else PrivAgg()
            return setp

        def setp(f, v):
            f[slot] = v
        return setp

    def _store_value(self, b, o, ct, v, src):
        """Store a C value of type ``ct`` at ``o`` of ``b`` (initialisation of a block)."""
        r = rt.CURRENT
        if ct.is_record or ct.is_array:
            vals = v or {}
            for co, cs in ct.cells():
                A.write_slow(b, o + co, cs, vals.get(co, 0), PLAIN, "store", src)
        else:
            A.write_slow(b, o, ct.size, v, PLAIN, "store", src)

    def _scan_taken(self, c):
        """Which locals have their address taken (they become memory)?"""
        ctx = self.fn

        def scan(c, addr):
            k = c.kind
            if k == K.VAR_DECL and cleanup_of(c) is not None:
                ctx.taken.add(c.hash)
            if k == K.DECL_REF_EXPR:
                if addr:
                    ref = c.referenced
                    if ref is not None and ref.kind in (K.VAR_DECL, K.PARM_DECL):
                        ctx.taken.add(ref.hash)
                return
            if k == K.UNARY_OPERATOR and unop(c) == "&":
                for ch in c.get_children():
                    scan(ch, True)
                return
            if k == K.PAREN_EXPR:
                for ch in c.get_children():
                    scan(ch, addr)
                return
            if k == K.MEMBER_REF_EXPR:
                ch = list(c.get_children())
                if ch:
                    base = ch[0]
                    arrow = base.type.get_canonical().kind == T.POINTER
                    scan(base, addr and not arrow)
                return
            if k == K.ARRAY_SUBSCRIPT_EXPR:
                ch = list(c.get_children())
                for x in ch:
                    inner = _decayed(x)
                    if inner is not None:
                        scan(inner, addr)
                    else:
                        scan(x, False)
                return
            if k == K.UNEXPOSED_EXPR:
                inner = _decayed(c)
                if inner is not None:
                    scan(inner, True)
                    return
            if k in (K.CXX_UNARY_EXPR,):
                return
            for ch in c.get_children():
                scan(ch, False)

        scan(c, False)

    # -- statements -------------------------------------------------------------------
    def stmt(self, c):
        k = c.kind
        if k.is_expression() or k in (K.RETURN_STMT, K.DECL_STMT):
            saved = self._stmt_text
            self._stmt_text = self.text(c) or saved
            try:
                return self._stmt(c)
            finally:
                self._stmt_text = saved
        return self._stmt(c)

    def _stmt(self, c):
        k = c.kind
        m = _STMTS.get(k)
        if m is not None:
            return m(self, c) if callable(m) else getattr(self, m)(c)
        if k == K.ASM_STMT or k == K.MS_ASM_STMT:
            if _compiler_barrier_asm(c):
                return lambda f: None       # barrier(): kcheck never reorders a task's accesses
            raise self.err(c, "inline assembly is not supported: kcheck runs C, not machine code "
                              "(use the kernel primitive the asm implements)")
        if k.is_expression() or k == K.StmtExpr:
            e = self.expr(c, discard=True)

            def st(f):
                e(f)
            return st
        if k == K.UNEXPOSED_STMT:
            raise self.err(c, "unsupported statement")
        raise self.err(c, f"unsupported statement ({k.name.lower()})")

    def st_compound(self, c):
        items = list(c.get_children())
        labels = {}
        kept = []
        for ch in items:
            if ch.kind in (K.NULL_STMT,):
                continue
            if ch.kind == K.DECL_STMT and not self._decl_has_code(ch):
                continue
            self._collect_labels(ch, len(kept), labels)
            kept.append(ch)
        self.fn.labels.append(labels)
        try:
            stmts = [self.stmt(ch) for ch in kept]
        finally:
            self.fn.labels.pop()
        return self._with_scope_ends(c, kept, self._with_cleanups(kept, self._sequence(stmts, labels)))

    def _with_scope_ends(self, c, decls, st):
        """``st`` followed, however it is left, by the end of the locals it
        declared whose address another task may have (KASAN's
        stack-use-after-scope): a block in a loop ends them each time round,
        so an on-stack object of one iteration is gone before the next.  The
        function's own body is left to end_frame (its return)."""
        ctx = self.fn
        if c.hash == ctx.body:
            return st
        slots = []
        for ch in decls:
            if ch.kind != K.DECL_STMT:
                continue
            for d in ch.get_children():
                if (d.kind == K.VAR_DECL and d.hash in ctx.taken
                        and d.storage_class not in (ci_SC.STATIC, ci_SC.EXTERN)):
                    slots.append(ctx.slot(d.hash))
        if not slots:
            return st
        slots = tuple(slots)
        fname = ctx.name
        end = c.extent.end
        src = (end.file.name if end.file is not None else "?", end.line, fname, "")

        def scoped(f, *start):
            r = st(f, *start)
            end_frame(f, slots, fname, src, block=True)
            for slot in slots:
                f[slot] = None          # ended: the function's return has nothing left to end
            return r
        if hasattr(st, "labels"):
            scoped.labels = st.labels   # a goto into the block (see _sequence)
        return scoped

    def _with_cleanups(self, decls, st):
        """``st`` followed, however it is left (its end, return, break, goto out),
        by the cleanups of the locals with a cleanup attribute that ``decls``
        declared and that were reached, last declared first: the kernel's
        guard(), scoped_guard() and __free() (linux/cleanup.h)."""
        cl = []
        for ch in decls:
            if ch.kind != K.DECL_STMT:
                continue
            for d in ch.get_children():
                fname = cleanup_of(d) if d.kind == K.VAR_DECL else None
                if fname is None or d.storage_class in (ci_SC.STATIC, ci_SC.EXTERN):
                    continue
                defn = self._definition(fname)
                if defn is None:
                    raise self.err(d, f"'{d.spelling}': its cleanup function '{fname}' is not "
                                      "defined in this file")
                cl.append((self.fn.slot(d.hash), self.cfunc(defn)))
        if not cl:
            return st
        slots = tuple(slot for slot, _ in cl)
        cl = tuple(reversed(cl))

        def scoped(f, *start):
            for slot in slots:
                f[slot] = None          # not reached yet in this run of the block
            r = st(f, *start)
            for slot, cf in cl:
                b = f[slot]
                if b is not None:
                    f[slot] = None
                    cf.invoke([Ptr(b, 0)])
            return r
        if hasattr(st, "labels"):
            scoped.labels = st.labels   # a goto into the block (see _sequence)
        return scoped

    def _sequence(self, stmts, labels):
        if not labels:
            if not stmts:
                return _nop
            if len(stmts) == 1:
                return stmts[0]
            if len(stmts) == 2:
                s0, s1 = stmts

                def st2(f):
                    r = s0(f)
                    if r:
                        return r
                    return s1(f)
                return st2
            stmts = tuple(stmts)

            def st(f):
                for s in stmts:
                    r = s(f)
                    if r:
                        return r
                return None
            return st
        # a block with labels: a goto to one of them restarts the block there
        stmts = tuple(stmts)
        n = len(stmts)

        def stl(f, start=0):
            i = start
            while i < n:
                r = stmts[i](f)
                if r:
                    if r == GOTO and f[1] in labels:
                        i = labels[f[1]]
                        continue
                    return r
                i += 1
            return None
        stl.labels = labels
        return stl

    def _decl_has_code(self, c):
        for d in c.get_children():
            if d.kind == K.VAR_DECL:
                return True
        return False

    def _collect_labels(self, c, idx, labels):
        """Labels at this block's level (possibly nested in labels/cases)."""
        while c.kind == K.LABEL_STMT:
            labels[c.spelling] = idx
            ch = list(c.get_children())
            if not ch:
                break
            c = ch[0]

    def st_label(self, c):
        ch = list(c.get_children())
        return self.stmt(ch[0]) if ch else _nop

    def st_goto(self, c):
        name = None
        for ch in c.get_children():
            if ch.kind == K.LABEL_REF:
                name = ch.spelling
        if name is None:
            raise self.err(c, "computed goto is not supported")
        if not any(name in ls for ls in self.fn.labels):
            raise self.err(c, f"goto {name}: a jump into a nested block or loop is not supported "
                              "(kcheck runs gotos to labels of an enclosing block)")

        def st(f):
            f[1] = name
            return GOTO
        return st

    def st_decl(self, c):
        parts = []
        for d in c.get_children():
            if d.kind == K.VAR_DECL:
                s = self.local_decl(d)
                if s is not None:
                    parts.append(s)
        if not parts:
            return _nop
        if len(parts) == 1:
            return parts[0]
        parts = tuple(parts)

        def st(f):
            for p in parts:
                p(f)
        return st

    def local_decl(self, d):
        ctx = self.fn
        if d.storage_class in (ci_SC.STATIC, ci_SC.EXTERN):
            self.prog.global_var(d)      # a static local is a global
            return None
        ct = self.T(d)
        key = d.hash
        slot = ctx.slot(key)
        init = var_initializer(d)
        src = self.src(d)
        if key in ctx.taken:
            name = f"{ctx.name}.{d.spelling}"
            items = self.init_items(ct, init) if init is not None else None
            size = ct.size

            def st(f):
                b = new_block(size, ct, "stack", name)
                f[slot] = b
                if items is not None:
                    vals = self.eval_items(items, f, ct)
                    for co, cs in ct.cells():
                        A.write_slow(b, co, cs, vals.get(co, 0), PLAIN, "store", src)
            return st
        if ct.is_record or ct.is_array:
            ctx.aggs.add(key)
            ctx.types[slot] = ct
            if init is None:
                def st(f):
                    f[slot] = PrivAgg()
                return st
            items = self.init_items(ct, init)

            def st(f):
                f[slot] = PrivAgg(self.eval_items(items, f, ct))
            return st
        if init is None:
            zero = None if ct.is_ptr else 0

            def st(f):
                f[slot] = zero
            return st
        e = self.rvalue_to(init, ct)
        kv = const_of(e)
        if kv is not _NOCONST:
            def st(f):
                f[slot] = kv
            return st

        def st(f):
            f[slot] = e(f)
        return st

    def st_return(self, c):
        ch = [x for x in c.get_children()]
        if not ch:
            return _ret_none
        ret = self.fn.cfunc.ftype.ret
        e = self.rvalue_to(ch[0], ret) if not isinstance(ret, VoidT) else self.expr(ch[0])

        def st(f):
            f[0] = e(f)
            return RETURN
        return st

    def cond(self, c):
        """A controlling expression: a closure giving a Python truth value."""
        e = self.expr(c)
        ct = self.T(c)
        if ct.is_ptr:
            return e
        return e

    def st_if(self, c):
        ch = list(c.get_children())
        cond = self.cond(ch[0])
        then = self.stmt(ch[1])
        if len(ch) > 2:
            els = self.stmt(ch[2])

            def st(f):
                if cond(f):
                    return then(f)
                return els(f)
            return st

        def st(f):
            if cond(f):
                return then(f)
        return st

    def st_while(self, c):
        ch = list(c.get_children())
        cond = self.cond(ch[0])
        body = self.stmt(ch[1])

        def st(f):
            while cond(f):
                r = body(f)
                if r:
                    if r == BREAK:
                        break
                    if r == CONTINUE:
                        continue
                    return r
        return st

    def st_do(self, c):
        ch = list(c.get_children())
        body = self.stmt(ch[0])
        cond = self.cond(ch[1])

        def st(f):
            while True:
                r = body(f)
                if r:
                    if r == BREAK:
                        break
                    if r != CONTINUE:
                        return r
                if not cond(f):
                    break
        return st

    def st_for(self, c):
        init_c, cnd, inc, body = self._for_parts(c)
        return self._with_cleanups([init_c] if init_c is not None else [],
                                   self._for(init_c, cnd, inc, body))

    def _for(self, init, cnd, inc, body):
        init = self.stmt(init) if init is not None else None
        cond = self.cond(cnd) if cnd is not None else None
        inc = self.expr(inc, discard=True) if inc is not None else None
        body = self.stmt(body)

        def st(f):
            if init is not None:
                init(f)
            while cond is None or cond(f):
                r = body(f)
                if r:
                    if r == BREAK:
                        break
                    if r != CONTINUE:
                        return r
                if inc is not None:
                    inc(f)
        return st

    def _for_parts(self, c):
        ch = list(c.get_children())
        body = ch[-1]
        head = ch[:-1]
        if len(head) == 3:
            return head[0], head[1], head[2], body
        if not head:
            return None, None, None, body
        # some parts are missing: find which by the ';' of "for (a; b; c)" in the file
        toks = list(c.get_tokens())
        if toks and toks[0].spelling == "for":
            depth = 0
            semis = []
            close = None
            for t in toks[1:]:
                s = t.spelling
                if s == "(":
                    depth += 1
                elif s == ")":
                    depth -= 1
                    if depth == 0:
                        close = t.extent.start.offset
                        break
                elif s == ";" and depth == 1:
                    semis.append(t.extent.start.offset)
            if len(semis) == 2 and close is not None:
                parts = [None, None, None]
                for h in head:
                    o = h.extent.start.offset
                    i = 0 if o < semis[0] else (1 if o < semis[1] else 2)
                    parts[i] = h
                return parts[0], parts[1], parts[2], body
        raise self.err(c, "a for loop with omitted parts inside a macro: write the loop out")

    def st_switch(self, c):
        ch = list(c.get_children())
        sel = self.expr(ch[0])
        body = ch[1]
        if body.kind != K.COMPOUND_STMT:
            body_items = [body]
        else:
            body_items = list(body.get_children())
        stmts = []
        cases = {}
        default = None
        labels = {}
        for item in body_items:
            idx = len(stmts)
            x = item
            while True:
                if x.kind == K.CASE_STMT:
                    parts = list(x.get_children())
                    v = evaluate_int(parts[0])
                    if v is None:
                        raise self.err(x, "case label is not a constant")
                    if len(parts) == 3:          # GNU case range
                        hi = evaluate_int(parts[1])
                        for k in range(v, hi + 1):
                            cases.setdefault(k, idx)
                    else:
                        cases.setdefault(v, idx)
                    x = parts[-1]
                elif x.kind == K.DEFAULT_STMT:
                    default = idx
                    x = list(x.get_children())[0]
                elif x.kind == K.LABEL_STMT:
                    labels[x.spelling] = idx
                    x = list(x.get_children())[0]
                else:
                    break
            self._check_no_nested_case(x)
            stmts.append(x)
        self.fn.labels.append(labels)
        try:
            stmts = tuple(self.stmt(x) for x in stmts)
        finally:
            self.fn.labels.pop()
        n = len(stmts)

        def st(f):
            v = sel(f)
            i = cases.get(v, default)
            if i is None:
                return None
            while i < n:
                r = stmts[i](f)
                if r:
                    if r == BREAK:
                        return None
                    if r == GOTO and f[1] in labels:
                        i = labels[f[1]]
                        continue
                    return r
                i += 1
            return None
        return st

    def _check_no_nested_case(self, c):
        if c.kind in (K.SWITCH_STMT,):
            return
        for ch in c.get_children():
            if ch.kind in (K.CASE_STMT, K.DEFAULT_STMT):
                raise self.err(ch, "a case label inside a nested statement is not supported")
            if ch.kind.is_statement():
                self._check_no_nested_case(ch)

    # -- expressions -------------------------------------------------------------------
    def expr(self, c, discard=False):
        """The value of expression ``c`` (an lvalue is loaded)."""
        k = c.kind
        m = _EXPRS.get(k)
        if m is not None:
            return getattr(self, m)(c)
        if k == K.UNEXPOSED_EXPR:
            return self.ex_unexposed(c)
        if k in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.DECL_REF_EXPR):
            return self.load(self.lvalue(c), c)
        raise self.err(c, f"unsupported expression ({k.name.lower()})")

    def rvalue_to(self, c, ct):
        """The value of ``c`` for an object of type ``ct`` (initialisers, returns)."""
        if c.kind == K.INIT_LIST_EXPR:
            if ct.is_record or ct.is_array:
                items = self.init_items(ct, c)

                def agg(f):
                    return self.eval_items(items, f, ct)
                return agg
            inner = [x for x in c.get_children()]
            if not inner:
                return _const(0 if not ct.is_ptr else None)
            return self.rvalue_to(inner[0], ct)
        e = self.expr(c)
        return self.convert(e, self.T(c), ct, c)

    def ex_literal(self, c):
        v = evaluate_int(c)
        if v is None:
            raise self.err(c, "cannot evaluate this literal")
        ct = self.T(c)
        return _const(ct.wrap(v) if ct.is_int else v)

    def ex_string(self, c):
        return self.addr(self.lvalue(c), c)

    def ex_paren(self, c):
        return self.expr(_only(c))

    def ex_unexposed(self, c):
        ch = list(c.get_children())
        exprs = [x for x in ch if x.kind.is_expression() or x.kind == K.StmtExpr]
        ct = self.T(c)
        if len(ch) == 1 and len(exprs) == 1:
            x = exprs[0]
            xt = self.T(x)
            if xt.is_array and ct.is_ptr:                       # array to pointer
                if x.kind == K.STRING_LITERAL:
                    return self.addr(self.lvalue(x), x)
                return self.addr(self.lvalue(x), x)
            if isinstance(xt, FuncT):                             # function to pointer
                return self.expr(x)
            return self.convert(self._with_hint(x, ct), xt, ct, c)
        if len(ch) == 4 and len(exprs) == 4:                     # a ?: b
            common = self.convert(self.expr(exprs[0]), self.T(exprs[0]), ct, c)
            other = self.convert(self.expr(exprs[3]), self.T(exprs[3]), ct, c)

            def elvis(f):
                v = common(f)
                return v if v else other(f)
            return elvis
        v = evaluate_int(c) if ct.is_int else None
        if v is not None:
            return _const(ct.wrap(v))
        if len(exprs) == 3:                                       # __builtin_choose_expr
            sel = evaluate_int(exprs[0])
            if sel is not None:
                x = exprs[1] if sel else exprs[2]
                return self.convert(self.expr(x), self.T(x), ct, c)
        if not ch:                                                # implicit zero
            return _const(None if ct.is_ptr else ({} if (ct.is_record or ct.is_array) else 0))
        toks = [t.spelling for t in c.get_tokens()][:2]
        if len(toks) == 2 and toks[1] == "(" and toks[0].startswith("__"):
            # a compiler builtin clang leaves unexposed (__atomic_load_n ...): name it
            raise self.err(c, f"'{toks[0]}' is not supported (the kernel's primitives are: "
                              "READ_ONCE(), smp_load_acquire(), atomic_t ...)")
        raise self.err(c, "unsupported expression")

    def ex_stmtexpr(self, c):
        comp = _only(c)
        items = list(comp.get_children())
        if not items:
            return _const(None)
        last = items[-1]
        saved = list(items[:-1])
        pre = [self.stmt(x) for x in saved if x.kind != K.NULL_STMT and not (
            x.kind == K.DECL_STMT and not self._decl_has_code(x))]
        if last.kind.is_expression():
            val = self.expr(last)
        else:
            s = self.stmt(last)

            def val(f):
                s(f)
                return None
        for x in items:
            if x.kind == K.LABEL_STMT:
                raise self.err(x, "labels inside a statement expression are not supported")
        pre = tuple(pre)

        def se(f):
            for s in pre:
                if s(f):
                    raise A.model_error("return, break or goto out of a statement expression",
                                        None)
            return val(f)
        return se

    def ex_cast(self, c):
        ch = [x for x in c.get_children() if x.kind.is_expression() or x.kind == K.StmtExpr]
        x = ch[-1]
        ct = self.T(c)
        if x.kind == K.INIT_LIST_EXPR:
            return self.rvalue_to(x, ct)
        e = self._with_hint(x, ct)
        return self.convert(e, self.T(x), ct, c)

    def convert(self, e, frm, to, c):
        """C's conversion of a value of type ``frm`` to type ``to``."""
        if isinstance(to, VoidT):
            return e
        kv = const_of(e)
        if to.is_int:
            if frm.is_int:
                if frm is to or (frm.bits <= to.bits and frm.signed == to.signed and not to.is_bool) \
                        or (not frm.signed and frm.bits < to.bits and not to.is_bool):
                    return e
                if kv is not _NOCONST:
                    return _const(to.wrap(kv))
                if to.is_bool:
                    def cv(f):
                        return 1 if e(f) else 0
                    return cv
                lo, hi, wrap = to.lo, to.hi, to.wrap

                def cv(f):
                    v = e(f)
                    if lo <= v <= hi:
                        return v
                    return wrap(v)
                return cv
            if frm.is_ptr or isinstance(frm, FuncT):
                if to.is_bool:
                    def cv(f):
                        return 0 if e(f) is None else 1
                    return cv
                src = self.src(c)

                def cv(f):
                    return A.to_int(e(f), to, src)
                return cv
            return e
        if to.is_ptr:
            if frm.is_int:
                if kv is not _NOCONST:
                    if kv == 0:
                        return _const(None)

                def cv(f):
                    v = e(f)
                    if v.__class__ is int:
                        return int_to_ptr(v)
                    return v            # a builtin's raw value, already a pointer
                return cv
            return e
        return e

    def ex_unary(self, c):
        op = unop(c)
        x = _only(c)
        ct = self.T(c)
        if op == "&":
            xt = self.T(x)
            if isinstance(xt, FuncT):
                return self.expr(x)
            return self.addr(self.lvalue(x), x)
        if op == "*":
            if isinstance(ct, FuncT):
                return self.expr(x)
            return self.load(self.lvalue(c), c)
        if op == "__extension__" or op == "+":
            return self.expr(x)
        if op in ("++", "--", "post++", "post--"):
            return self.incdec(c, x, op)
        e = self.expr(x)
        if op == "-":
            if ct.is_int:
                wrap, lo, hi = ct.wrap, ct.lo, ct.hi
                kv = const_of(e)
                if kv is not _NOCONST:
                    return _const(wrap(-kv))

                def neg(f):
                    v = -e(f)
                    return v if lo <= v <= hi else wrap(v)
                return neg
        if op == "~":
            wrap = ct.wrap

            def inv(f):
                return wrap(~e(f))
            return inv
        if op == "!":
            def lnot(f):
                return 0 if e(f) else 1
            return lnot
        raise self.err(c, f"unsupported operator {op}")

    def incdec(self, c, x, op):
        lv = self.lvalue(x)
        ct = lv.ct
        delta = 1 if "++" in op else -1
        post = op.startswith("post")
        if ct.is_ptr:
            step = delta * max(_elem_size(ct), 1)

            def upd(v):
                return _ptr_add(v, step)
        else:
            wrap, lo, hi = ct.wrap, ct.lo, ct.hi

            def upd(v):
                v += delta
                return v if lo <= v <= hi else wrap(v)
        if lv.kind == "local" and lv.fld is None:
            s = lv.slot
            if post:
                def pf(f):
                    v = f[s]
                    f[s] = upd(v)
                    return v
                return pf

            def pr(f):
                v = f[s] = upd(f[s])
                return v
            return pr
        ld = self.load(lv, x)
        return self.modify(lv, x, lambda f, old: upd(old), ld, post)

    def modify(self, lv, c, fn, ld, post=False):
        """Read-modify-write of an lvalue: ``fn(frame, old) -> new`` (not atomic: a
        load then a store, as the compiler emits for ``x += 1``)."""
        st = self.store_fn(lv, c)

        def mod(f):
            old = ld(f)
            new = fn(f, old)
            st(f, new)
            return old if post else new
        return mod

    def ex_binary(self, c):
        op = binop(c)
        a, b = list(c.get_children())[:2]
        ct = self.T(c)
        if op == "=":
            return self.assign(c, a, b)
        if op == ",":
            ea = self.expr(a, discard=True)
            eb = self.expr(b)

            def comma(f):
                ea(f)
                return eb(f)
            return comma
        if op == "&&" or op == "||":
            ea, eb = self.expr(a), self.expr(b)
            if op == "&&":
                def land(f):
                    return 1 if (ea(f) and eb(f)) else 0
                return land

            def lor(f):
                return 1 if (ea(f) or eb(f)) else 0
            return lor
        if op.endswith("=") and op not in ("==", "!=", "<=", ">="):
            return self.compound_assign(c, op[:-1], a, b)
        ta, tb = self.T(a), self.T(b)
        ea, eb = self.expr(a), self.expr(b)
        fn = self.arith(op, ta, tb, ct, c)
        ka, kb = const_of(ea), const_of(eb)
        # (not a division by a constant 0: it is a divide error where it runs - in
        # code that never does, nothing; folded here, it was a traceback at compile)
        if ka is not _NOCONST and kb is not _NOCONST and not (kb == 0 and op in ("/", "%")):
            try:
                return _const(fn(ka, kb))
            except Exception:
                pass
        if kb is not _NOCONST:
            if op == "+" and ct.is_int:
                lo, hi, wrap = ct.lo, ct.hi, ct.wrap

                def addk(f):
                    v = ea(f) + kb
                    return v if lo <= v <= hi else wrap(v)
                return addk
            if op in _CMP_PY:
                pyop = _CMP_PY[op]
                if (ta.is_int and tb.is_int) or kb is None and op in ("==", "!="):
                    return pyop(ea, kb)

        if ta.is_int and tb.is_int and ct.is_int:
            inline = _INLINE_INT.get(op)
            if inline is not None:
                return inline(ea, eb, ct)

        def bin_(f):
            return fn(ea(f), eb(f))
        return bin_

    def arith(self, op, ta, tb, ct, c):
        """fn(a, b) for a binary operator on C values (operands already converted)."""
        src = self.src(c)
        if ta.is_ptr or tb.is_ptr:
            return self.ptr_arith(op, ta, tb, ct, c)
        if not ct.is_int:
            raise self.err(c, "unsupported operand types")
        wrap, lo, hi = ct.wrap, ct.lo, ct.hi
        if op in ("<", ">", "<=", ">=", "==", "!="):
            return _CMPS[op]
        if op == "+":
            def f_(a, b):
                v = a + b
                return v if lo <= v <= hi else wrap(v)
        elif op == "-":
            def f_(a, b):
                v = a - b
                return v if lo <= v <= hi else wrap(v)
        elif op == "*":
            def f_(a, b):
                v = a * b
                return v if lo <= v <= hi else wrap(v)
        elif op == "/":
            def f_(a, b):
                if b == 0:
                    A.c_bug("divide-error", f"divide error: division by zero in {A.where(src)}", src)
                q = abs(a) // abs(b)
                return wrap(q if (a >= 0) == (b >= 0) else -q)
        elif op == "%":
            def f_(a, b):
                if b == 0:
                    A.c_bug("divide-error", f"divide error: division by zero in {A.where(src)}", src)
                q = abs(a) // abs(b)
                q = q if (a >= 0) == (b >= 0) else -q
                return wrap(a - q * b)
        elif op == "&":
            def f_(a, b):
                return wrap(a & b)
        elif op == "|":
            def f_(a, b):
                return wrap(a | b)
        elif op == "^":
            def f_(a, b):
                return wrap(a ^ b)
        elif op == "<<":
            bits = ct.bits

            def f_(a, b):
                return wrap(a << (b & (bits - 1 if bits in (32, 64) else 63)))
        elif op == ">>":
            bits = ct.bits

            def f_(a, b):
                return wrap(a >> (b & (bits - 1 if bits in (32, 64) else 63)))
        else:
            raise self.err(c, f"unsupported operator {op}")
        return f_

    def ptr_arith(self, op, ta, tb, ct, c):
        if op in ("+", "-") and ta.is_ptr and tb.is_int:
            es = max(_elem_size(ta), 1)
            sign = 1 if op == "+" else -1

            def f_(p, n):
                return _ptr_add(p, sign * n * es)
            return f_
        if op == "+" and tb.is_ptr and ta.is_int:
            es = max(_elem_size(tb), 1)

            def f_(n, p):
                return _ptr_add(p, n * es)
            return f_
        if op == "-" and ta.is_ptr and tb.is_ptr:
            es = max(_elem_size(ta), 1)

            def f_(p, q):
                if p.__class__ is Ptr and q.__class__ is Ptr and p.b is q.b:
                    return (p.o - q.o) // es
                return ((ptr_to_int(p) - ptr_to_int(q)) & MASK64) // es
            return f_
        if op in ("==", "!="):
            eq = op == "=="

            def f_(p, q):
                same = p == q if (p.__class__ is q.__class__) else (
                    (p is None and q == 0) or (q is None and p == 0) or _addr_eq(p, q))
                return 1 if same == eq else 0
            return f_
        if op in ("<", ">", "<=", ">="):
            cmp = _CMPS[op]

            def f_(p, q):
                if p.__class__ is Ptr and q.__class__ is Ptr and p.b is q.b:
                    return cmp(p.o, q.o)
                return cmp(ptr_to_int(p), ptr_to_int(q))
            return f_
        raise self.err(c, f"unsupported pointer operation {op}")

    def assign(self, c, a, b):
        lv = self.lvalue(a)
        e = self.expr(b)
        e = self.convert(e, self.T(b), lv.ct, c) if not (lv.ct.is_record or lv.ct.is_array) else e
        if lv.kind == "local" and lv.fld is None:
            s = lv.slot
            kv = const_of(e)
            if kv is not _NOCONST:
                def asgk(f):
                    f[s] = kv
                    return kv
                return asgk

            def asg(f):
                v = f[s] = e(f)
                return v
            return asg
        st = self.store_fn(lv, a)

        def asgm(f):
            v = e(f)
            st(f, v)
            return v
        return asgm

    def compound_assign(self, c, op, a, b):
        lv = self.lvalue(a)
        ta = lv.ct
        tb = self.T(b)
        # clang computes in the promoted type, then converts back
        ctype = self.types.get(c.type, c)
        comp = _compute_type(ta, tb)
        fn = self.arith(op, comp if not ta.is_ptr else ta, tb if not ta.is_ptr else tb, comp
                        if not ta.is_ptr else ta, c)
        eb = self.expr(b)
        back = ta.wrap if ta.is_int else None
        ld = self.load(lv, a)
        if lv.kind == "local" and lv.fld is None:
            s = lv.slot

            def ca(f):
                rhs = eb(f)
                v = fn(f[s], rhs)
                if back is not None:
                    v = back(v)
                f[s] = v
                return v
            return ca
        st = self.store_fn(lv, a)

        def cam(f):
            rhs = eb(f)
            old = ld(f)
            v = fn(old, rhs)
            if back is not None:
                v = back(v)
            st(f, v)
            return v
        return cam

    def ex_conditional(self, c):
        cnd, a, b = list(c.get_children())
        ct = self.T(c)
        ec = self.expr(cnd)
        if ct.is_record or ct.is_array or isinstance(ct, VoidT):
            ea, eb = self.expr(a), self.expr(b)
        else:
            ea = self.convert(self.expr(a), self.T(a), ct, c)
            eb = self.convert(self.expr(b), self.T(b), ct, c)

        def cond(f):
            return ea(f) if ec(f) else eb(f)
        return cond

    def ex_sizeof(self, c):
        v = evaluate_int(c)
        if v is None:
            raise self.err(c, "sizeof of a variable-length type is not supported")
        return _const(self.T(c).wrap(v))

    def ex_declref(self, c):
        ref = c.referenced
        if ref is None:
            raise self.err(c, f"unknown name '{c.spelling}'")
        if ref.kind == K.ENUM_CONSTANT_DECL:
            return _const(self.T(c).wrap(ref.enum_value))
        if ref.kind == K.FUNCTION_DECL:
            from ._kernel import function_value
            return function_value(self, ref, c)
        lv = self.lvalue(c)
        if lv.kind == "local" and lv.fld is None and not (lv.ct.is_record or lv.ct.is_array):
            s = lv.slot

            def loc(f):
                return f[s]
            return loc
        return self.load(lv, c)

    def ex_call(self, c):
        from ._kernel import compile_call
        return compile_call(self, c)

    def ex_initlist(self, c):
        ct = self.T(c)
        return self.rvalue_to(c, ct)

    def ex_compound_literal(self, c):
        ct = self.T(c)
        il = [x for x in c.get_children() if x.kind == K.INIT_LIST_EXPR]
        if not il:
            raise self.err(c, "unsupported compound literal")
        return self.rvalue_to(il[0], ct)

    def ex_generic(self, c):
        ct = self.T(c)
        v = evaluate_int(c) if ct.is_int else None
        if v is None:
            raise self.err(c, "_Generic is supported in constant expressions only")
        return _const(ct.wrap(v))

    # -- lvalues ---------------------------------------------------------------------------
    def lvalue(self, c):
        k = c.kind
        if k == K.PAREN_EXPR:
            return self.lvalue(_only(c))
        if k == K.DECL_REF_EXPR:
            return self.lv_var(c)
        if k == K.MEMBER_REF_EXPR:
            return self.lv_member(c)
        if k == K.ARRAY_SUBSCRIPT_EXPR:
            return self.lv_subscript(c)
        if k == K.UNARY_OPERATOR and unop(c) == "*":
            return self.lv_deref(c)
        if k == K.UNARY_OPERATOR and unop(c) == "__extension__":
            return self.lvalue(_only(c))
        if k == K.UNEXPOSED_EXPR:
            ch = list(c.get_children())
            if len(ch) == 1:
                lv = self.lvalue(ch[0])
                return lv
        if k == K.STRING_LITERAL:
            b = self.prog.string_block(c)
            return LV("mem", self.T(c), bf=_const(b), text=self.text(c))
        if k == K.COMPOUND_LITERAL_EXPR:
            ct = self.T(c)
            val = self.ex_compound_literal(c)
            src = self.src(c)

            def bf(f):
                b = new_block(ct.size, ct, "stack", "(compound literal)")
                self._store_value(b, 0, ct, val(f), src)
                return b
            return LV("mem", ct, bf=bf)
        if k == K.StmtExpr or k == K.CALL_EXPR or k == K.CONDITIONAL_OPERATOR:
            # an aggregate rvalue used as an lvalue (f().x, ({ s; }).x): a temporary
            ct = self.T(c)
            val = self.expr(c)
            src = self.src(c)

            def bf(f):
                b = new_block(max(ct.size, 1), ct, "stack", "(temporary)")
                self._store_value(b, 0, ct, val(f), src)
                return b
            return LV("mem", ct, bf=bf)
        raise self.err(c, "expression is not an lvalue kcheck supports")

    def lv_var(self, c):
        ref = c.referenced
        ct = self.T(c)
        vol = c.type.is_volatile_qualified()
        if ref.kind == K.VAR_DECL and (ref.semantic_parent is None or
                                       ref.semantic_parent.kind == K.TRANSLATION_UNIT or
                                       ref.storage_class in (ci_SC.STATIC, ci_SC.EXTERN)):
            k = self.prog.global_var(ref)
            G = self.prog.G

            def bf(f):
                return G[k]
            return LV("mem", ct, bf=bf, vol=vol, text=ref.spelling)
        if ref.kind not in (K.VAR_DECL, K.PARM_DECL):
            raise self.err(c, f"'{c.spelling}' is not a variable")
        ctx = self.fn
        key = ref.hash
        if key not in ctx.slots:
            raise self.err(c, f"'{c.spelling}' used outside its function")
        s = ctx.slots[key]
        if key in ctx.taken:
            def bf(f):
                return f[s]
            return LV("mem", ct, bf=bf, vol=vol, text=ref.spelling)
        if key in ctx.aggs or ct.is_record or ct.is_array:
            return LV("priv", ct, slot=s, vol=vol, text=ref.spelling)
        return LV("local", ct, slot=s, vol=vol, text=ref.spelling)

    def lv_member(self, c):
        base = _only(c)
        ref = c.referenced
        bt = base.type.get_canonical()
        arrow = bt.kind == T.POINTER
        rec_t = bt.get_pointee() if arrow else bt
        off, fld = member_info(rec_t, ref, self.types)
        ct = self.T(c)
        vol = c.type.is_volatile_qualified()
        if arrow:
            pf = self.expr(base)
            return LV("mem", ct, pf=pf, off=off, fld=fld if fld.bits else None, vol=vol,
                      text=self.text(c))
        lv = self.lvalue(base)
        return lv.member(off, ct, fld if fld.bits else None, vol, self.text(c))

    def lv_subscript(self, c):
        x, y = list(c.get_children())[:2]
        if self.T(x).is_int:
            x, y = y, x
        ct = self.T(c)
        es = ct.size
        idx = self.expr(y)
        inner = _decayed(x)
        ki = const_of(idx)
        if inner is not None:
            lv = self.lvalue(inner)
            at = self.T(inner)
            if (lv.kind == "priv" and at.is_array and es and at.size // es > 0
                    and not (ki is not _NOCONST and 0 <= ki < at.size // es)):
                # an array that lives in the frame has no block to check the access
                # against: its index is checked here, as KASAN's stack redzones would
                n = at.size // es
                src = self.src(c)
                name = self.text(inner) or "a local array"

                def dyn(f):
                    i = idx(f)
                    if i.__class__ is not int or not 0 <= i < n:
                        A.c_bug("stack-out-of-bounds",
                                f"BUG: KASAN: stack-out-of-bounds in {A.where(src)}: index {i} "
                                f"of {name}, an array of {n} (valid: 0..{n - 1})", src)
                    return i * es
                return lv.index(dyn, ct, text=self.text(c))
            if ki is not _NOCONST:
                return lv.member(ki * es, ct, text=self.text(c))

            def dyn(f):
                return idx(f) * es
            return lv.index(dyn, ct, text=self.text(c))
        pf = self.expr(x)
        if ki is not _NOCONST:
            return LV("mem", ct, pf=pf, off=ki * es, vol=c.type.is_volatile_qualified(),
                      text=self.text(c))

        def dyn(f):
            return idx(f) * es
        return LV("mem", ct, pf=pf, dyn=dyn, vol=c.type.is_volatile_qualified(), text=self.text(c))

    def lv_deref(self, c):
        x = _only(c)
        ct = self.T(c)
        vol = c.type.is_volatile_qualified()
        # *(T *)&lv (READ_ONCE's shape): the same object, seen with the cast's type
        inner = _strip_casts_to_addr(x)
        if inner is not None:
            lv = self.lvalue(inner)
            if lv.fld is None and (lv.ct.size == ct.size or ct.is_record or lv.ct.is_record):
                return LV(lv.kind, ct, lv.slot, lv.pf, lv.bf, lv.off, lv.dyn, None,
                          vol or lv.vol, lv.text if lv.text else self.text(inner))
        pf = self.expr(x)
        return LV("mem", ct, pf=pf, vol=vol, text=self.text(c))

    # -- loads, stores, addresses ----------------------------------------------------------
    def addr(self, lv, c):
        """``&lv``: a pointer value."""
        if lv.kind != "mem":
            raise self.err(c, "internal: address of a private local")
        off, dyn = lv.off, lv.dyn
        if lv.pf is not None:
            pf = lv.pf
            if dyn is None:
                if off == 0:
                    return pf

                def ad(f):
                    return _ptr_add(pf(f), off)
                return ad

            def add(f):
                return _ptr_add(pf(f), off + dyn(f))
            return add
        bf = lv.bf
        if dyn is None:
            def ab(f):
                return Ptr(bf(f), off)
            return ab

        def abd(f):
            return Ptr(bf(f), off + dyn(f))
        return abd

    def _bo(self, lv, c, write=False):
        """fn(frame) -> (block, offset) of a memory lvalue, with NULL/wild pointer checks."""
        off, dyn = lv.off, lv.dyn
        size = lv.ct.size
        src = self.src(c)
        what = lv.text
        if lv.pf is not None:
            pf = lv.pf
            if dyn is None:
                def bo(f):
                    p = pf(f)
                    if p.__class__ is not Ptr:
                        A.bad_pointer(p, off, size, write, src, what)
                    return p.b, p.o + off
                return bo

            def bod(f):
                p = pf(f)
                if p.__class__ is not Ptr:
                    A.bad_pointer(p, off + dyn(f), size, write, src, what)
                return p.b, p.o + off + dyn(f)
            return bod
        bf = lv.bf
        if dyn is None:
            def bb(f):
                return bf(f), off
            return bb

        def bbd(f):
            return bf(f), off + dyn(f)
        return bbd

    def flags_op(self, lv, store):
        """A volatile access is a marked one (READ_ONCE/WRITE_ONCE are volatile
        accesses); a plain one carries its C text (``load p->x``), which data-race
        warnings show."""
        if lv.vol:
            return MARKED, ("WRITE_ONCE" if store else "READ_ONCE")
        text = lv.text or "?"
        return self.plain_flags(), (f"store {text}" if store else f"load {text}")

    def plain_flags(self):
        """PLAIN, or PLAIN | NORACE inside ``data_race()`` (linux/compiler.h's macro
        brackets its expression with the two intrinsics below, at compile time)."""
        fn = self.fn
        return PLAIN | NORACE if fn is not None and fn.norace else PLAIN

    def load(self, lv, c, flags=None, op=None):
        """fn(frame) -> the value of ``lv`` (events for memory); ``flags``/``op`` for
        a marked access of a kernel macro (smp_load_acquire, rcu_dereference)."""
        ct = lv.ct
        if flags is not None and lv.kind != "mem":
            raise self.err(c, f"{op} of a local whose address is never taken")
        if lv.kind == "local":
            s = lv.slot

            def ll(f):
                return f[s]
            return ll
        if ct.is_record or ct.is_array:
            return self.load_agg(lv, c)
        if lv.kind == "priv":
            return self.load_priv(lv, c)
        if lv.fld is not None:
            return self.load_bitfield(lv, c)
        if flags is None:
            flags, op = self.flags_op(lv, False)
        size = ct.size
        src = self.src(c)
        bo = self._bo(lv, c)
        rd_slow = A.read_slow
        UN = UNINIT
        if ct.is_int:
            lo, hi = ct.lo, ct.hi
            fix = A.to_int

            def ldi(f):
                b, o = bo(f)
                c_ = b.cells.get(o)
                if c_ is None or c_.size != size:
                    pv = b.pvals
                    if pv is not None and o in pv and b.layout(o) == (o, size):
                        v = pv[o]               # a local only this task sees
                        if v.__class__ is int and lo <= v <= hi:
                            return v
                        return fix(v, ct, src)
                    v = rd_slow(b, o, size, flags, op, src)
                else:
                    r = rt.CURRENT
                    if r.trace:
                        A.set_src(r, src)
                    v = r.read(c_, flags, op)
                    if v is UN:
                        A.uninit(c_, src)
                if v.__class__ is int and lo <= v <= hi:
                    return v
                return fix(v, ct, src)
            return ldi
        if ct.is_ptr:
            conv = A.to_ptr

            def ldp(f):
                b, o = bo(f)
                c_ = b.cells.get(o)
                if c_ is None or c_.size != size:
                    pv = b.pvals
                    if pv is not None and o in pv and b.layout(o) == (o, size):
                        v = pv[o]               # a local only this task sees
                        if v is None or v.__class__ is Ptr:
                            return v
                        return conv(v)
                    v = rd_slow(b, o, size, flags, op, src)
                else:
                    r = rt.CURRENT
                    if r.trace:
                        A.set_src(r, src)
                    v = r.read(c_, flags, op)
                    if v is UN:
                        A.uninit(c_, src)
                if v is None or v.__class__ is Ptr:
                    return v
                return conv(v)
            return ldp
        raise self.err(c, f"cannot load a value of type {ct.name}")

    def load_priv(self, lv, c):
        s, off, dyn = lv.slot, lv.off, lv.dyn
        ct = lv.ct
        size = ct.size
        if lv.fld is not None:
            fld = lv.fld
            uo = off - fld.off + fld.unit[0]
            sh, w = fld.bitoff, fld.bits
            mask = (1 << w) - 1
            signed = fld.ctype.is_int and fld.ctype.signed

            def lpb(f):
                v = (f[s].get(uo if dyn is None else uo + dyn(f), 0) >> sh) & mask
                if signed and v >> (w - 1):
                    v -= 1 << w
                return v
            return lpb
        agg_t = self._priv_type(lv)
        if dyn is None:
            lay = agg_t.cell_at(off) if agg_t is not None else None
            if lay == (off, size):
                if ct.is_int:
                    lo, hi, wrap = ct.lo, ct.hi, ct.wrap

                    def lpi(f):
                        v = f[s].get(off, 0)
                        if v.__class__ is int and lo <= v <= hi:
                            return v
                        return A.to_int(v, ct, None)
                    return lpi

                def lpv(f):
                    v = f[s].get(off, None)
                    if v is None or v.__class__ is Ptr:
                        return v
                    return A.to_ptr(v)
                return lpv

        def lpg(f):
            o = off if dyn is None else off + dyn(f)
            return _priv_read(f[s], agg_t, o, size, ct)
        return lpg

    def _priv_type(self, lv):
        """The declared type of the private aggregate ``lv`` lives in."""
        return self.fn.types.get(lv.slot)

    def load_bitfield(self, lv, c):
        fld = lv.fld
        uo_rel = fld.unit[0] - fld.off
        us = fld.unit[1]
        sh, w = fld.bitoff, fld.bits
        mask = (1 << w) - 1
        signed = fld.ctype.is_int and fld.ctype.signed
        ulv = LV("mem", None, lv.slot, lv.pf, lv.bf, lv.off + uo_rel, lv.dyn, None, lv.vol, lv.text)
        ulv.ct = _UnitT(us)
        bo = self._bo(ulv, c)
        src = self.src(c)
        op = f"load .{fld.name}"
        flags = MARKED if lv.vol else self.plain_flags()

        def lbf(f):
            b, o = bo(f)
            c_ = b.cells.get(o)
            if c_ is None or c_.size != us:
                v = A.read_slow(b, o, us, flags, op, src)
            else:
                r = rt.CURRENT
                if r.trace:
                    A.set_src(r, src)
                v = r.read(c_, flags, op)
                if v is UNINIT:
                    A.uninit(c_, src)
            if v.__class__ is not int:
                v = A.to_int(v, ULONG, src)
            v = (v >> sh) & mask
            if signed and v >> (w - 1):
                v -= 1 << w
            return v
        return lbf

    def load_agg(self, lv, c):
        ct = lv.ct
        if lv.kind == "priv":
            s, off, dyn = lv.slot, lv.off, lv.dyn
            cells = ct.cells()
            whole = off == 0 and dyn is None and ct is self._priv_type(lv)

            def lpa(f):
                d = f[s]
                if whole:
                    return dict(d)
                o = off if dyn is None else off + dyn(f)
                return {co: d.get(o + co, 0) for co, _ in cells}
            return lpa
        bo = self._bo(lv, c)
        src = self.src(c)
        size = ct.size
        flags, op = self.flags_op(lv, False)

        def lma(f):
            b, o = bo(f)
            if b.priv:
                return {co: A.read_slow(b, o + co, cs, flags, op, src) for co, cs in ct.cells()}
            r = rt.CURRENT
            out = {}
            for co, cell in A.cells_of(b, o, size, src, False):
                if r.trace:
                    A.set_src(r, src)
                if b.readonly:
                    out[co] = A.read_slow(b, o + co, cell.size, flags, op, src)
                else:
                    out[co] = r.read(cell, flags, op)
            return out
        return lma

    def store_fn(self, lv, c, flags=None, op=None):
        """fn(frame, value): store ``value`` into ``lv``."""
        ct = lv.ct
        if flags is not None and lv.kind != "mem":
            raise self.err(c, f"{op} of a local whose address is never taken")
        if lv.kind == "local":
            s = lv.slot

            def sl(f, v):
                f[s] = v
            return sl
        if lv.kind == "priv":
            return self.store_priv(lv, c)
        if ct.is_record or ct.is_array:
            return self.store_agg(lv, c)
        if lv.fld is not None:
            return self.store_bitfield(lv, c)
        if flags is None:
            flags, op = self.flags_op(lv, True)
        size = ct.size
        src = self.src(c)
        bo = self._bo(lv, c, write=True)
        wr_slow = A.write_slow
        pre = self.prog.store_conversion(ct)

        def sm(f, v):
            b, o = bo(f)
            if pre is not None:
                v = pre(v)
            c_ = b.cells.get(o)
            if c_ is None or c_.size != size:
                pv = b.pvals
                if pv is not None and o in pv and b.layout(o) == (o, size):
                    pv[o] = v                   # a local only this task sees
                    return
                wr_slow(b, o, size, v, flags, op, src)
                return
            if v.__class__ is Ptr and v.b.priv:
                publish(v.b)            # its address escapes into shared memory
            r = rt.CURRENT
            if r.trace:
                A.set_src(r, src)
            r.write(c_, v, flags, op)
        return sm

    def store_priv(self, lv, c):
        s, off, dyn = lv.slot, lv.off, lv.dyn
        ct = lv.ct
        if lv.fld is not None:
            fld = lv.fld
            uo = off - fld.off + fld.unit[0]
            sh, w = fld.bitoff, fld.bits
            mask = (1 << w) - 1

            def spb(f, v):
                d = f[s]
                o = uo if dyn is None else uo + dyn(f)
                old = d.get(o, 0)
                if old.__class__ is not int:
                    old = A.to_int(old, ULONG, None)
                d[o] = (old & ~(mask << sh)) | ((v & mask) << sh)
            return spb
        agg_t = self._priv_type(lv)
        size = ct.size
        if ct.is_record or ct.is_array:
            cells = ct.cells()

            def spa(f, v):
                d = f[s]
                o = off if dyn is None else off + dyn(f)
                for co, _ in cells:
                    d[o + co] = v.get(co, 0)
            return spa
        if dyn is None and agg_t is not None and agg_t.cell_at(off) == (off, size):
            def sp(f, v):
                f[s][off] = v
            return sp

        def spg(f, v):
            o = off if dyn is None else off + dyn(f)
            _priv_write(f[s], agg_t, o, size, v)
        return spg

    def store_bitfield(self, lv, c):
        fld = lv.fld
        uo_rel = fld.unit[0] - fld.off
        us = fld.unit[1]
        sh, w = fld.bitoff, fld.bits
        mask = (1 << w) - 1
        ulv = LV("mem", None, lv.slot, lv.pf, lv.bf, lv.off + uo_rel, lv.dyn, None, lv.vol, lv.text)
        ulv.ct = _UnitT(us)
        bo = self._bo(ulv, c, write=True)
        src = self.src(c)
        op = f"store .{fld.name}"
        flags = MARKED if lv.vol else self.plain_flags()

        def sbf(f, v):
            b, o = bo(f)
            c_ = b.cells.get(o)
            r = rt.CURRENT
            if c_ is None or c_.size != us:
                old = A.read_slow(b, o, us, flags, op, src, check=False)
                if old is UNINIT:
                    old = 0
                elif old.__class__ is not int:
                    old = A.to_int(old, ULONG, src)
                A.write_slow(b, o, us, (old & ~(mask << sh)) | ((v & mask) << sh), flags, op, src)
                return
            if r.trace:
                A.set_src(r, src)
            old = r.read(c_, flags, op)
            if old is UNINIT:
                old = 0
            elif old.__class__ is not int:
                old = A.to_int(old, ULONG, src)
            if r.trace:
                A.set_src(r, src)
            r.write(c_, (old & ~(mask << sh)) | ((v & mask) << sh), flags, op)
        return sbf

    def store_agg(self, lv, c):
        ct = lv.ct
        bo = self._bo(lv, c, write=True)
        src = self.src(c)
        size = ct.size
        flags, op = self.flags_op(lv, True)

        def sma(f, v):
            b, o = bo(f)
            if b.priv:
                for co, cs in ct.cells():
                    A.write_slow(b, o + co, cs, v.get(co, 0), flags, op, src)
                return
            r = rt.CURRENT
            for co, cell in A.cells_of(b, o, size, src, True):
                val = v.get(co, 0)
                if val.__class__ is Ptr and val.b.priv:
                    publish(val.b)
                if r.trace:
                    A.set_src(r, src)
                r.write(cell, val, flags, op)
        return sma

    # -- initialisers ------------------------------------------------------------------------
    def init_items(self, ct, c):
        """[(offset, scalar ctype, Field or None, value fn)] for initialiser ``c`` of an
        object of type ``ct`` (C's rules: designators, brace elision, zero fill)."""
        items = []
        if c.kind != K.INIT_LIST_EXPR:
            if (ct.is_record or ct.is_array) and c.kind != K.STRING_LITERAL:
                e = self.expr(c)                    # struct copy: s = other
                items.append((0, ct, None, e))
                return items
            if c.kind == K.STRING_LITERAL or (_strip(c).kind == K.STRING_LITERAL and ct.is_array):
                self._init_string(ct, 0, _strip(c), items)
                return items
            items.append((0, ct, None, self.rvalue_to(c, ct)))
            return items
        self._init_braced(ct, 0, c, items)
        return items

    def _init_string(self, ct, off, c, items):
        data = self.prog.string_bytes(c)
        n = ct.n if ct.is_array and ct.n else len(data)
        for i, ch in enumerate(data[:n]):
            items.append((off + i, ct.elem, None, _const(ch)))

    def _init_braced(self, ct, off, c, items):
        elems = list(c.get_children())
        if not (ct.is_record or ct.is_array):
            if elems:
                items.append((off, ct, None, self.rvalue_to(elems[0], ct)))
            return
        pos = [0]
        i = 0
        while i < len(elems):
            el = elems[i]
            if el.kind == K.UNEXPOSED_EXPR and isinstance(self.T(el), VoidT):
                # designated: .a.b[2] = value
                parts = list(el.get_children())
                desig, value = parts[:-1], parts[-1]
                if self._range_designator(ct, el, desig):
                    # GNU's range designator, [lo ... hi] = v (the kernel's
                    # DEFINE_HASHTABLE): clang lists lo and hi as two designators
                    lo, hi = evaluate_int(desig[0]), evaluate_int(desig[1])
                    if lo is None or hi is None or lo > hi:
                        raise self.err(el, "unsupported range designator")
                    for k in range(lo, hi + 1):
                        self._init_designated(ct, off, [k] + desig[2:], value, items, pos)
                else:
                    self._init_designated(ct, off, desig, value, items, pos)
                i += 1
                continue
            i = self._init_next(ct, off, elems, i, items, pos)
        return

    def _members(self, ct):
        """The initialisable members of an aggregate: [(offset, ctype, Field|None, name)]."""
        if ct.is_array:
            return None
        out = []
        seen_units = set()
        for name, fld in ct.fields.items():
            pass
        # fields in declaration order with their offsets
        for o, s, sub, name in ct.slots:
            if sub is None:
                # a bitfield unit: one entry per bitfield, in order
                for fname, fld in ct.fields.items():
                    if fld.bits is not None and fld.unit == (o, s) and fname:
                        out.append((o, fld.ctype, fld, fname))
            else:
                out.append((o, sub, None, name))
        if ct.union:
            return out[:1] if out else out
        return out

    def _init_next(self, ct, off, elems, i, items, pos):
        """Initialise the member at pos[0] of ``ct`` from elems[i...]; returns the next i."""
        if ct.is_array:
            idx = pos[0]
            if ct.n and idx >= ct.n:
                return len(elems)
            sub_t, sub_off, fld = ct.elem, off + idx * ct.elem.size, None
        else:
            mem = self._members(ct)
            if pos[0] >= len(mem):
                return len(elems)
            sub_off, sub_t, fld, _ = mem[pos[0]]
            sub_off += off
        pos[0] += 1
        el = elems[i]
        if el.kind == K.INIT_LIST_EXPR:
            self._init_braced(sub_t, sub_off, el, items)
            return i + 1
        if sub_t.is_record or sub_t.is_array:
            elt = self.T(el)
            s = _strip(el)
            if sub_t.is_array and s.kind == K.STRING_LITERAL:
                self._init_string(sub_t, sub_off, s, items)
                return i + 1
            if elt is sub_t:
                items.append((sub_off, sub_t, None, self.expr(el)))
                return i + 1
            # brace elision: the following elements initialise the sub-aggregate
            sub_pos = [0]
            n_members = sub_t.n if sub_t.is_array else len(self._members(sub_t))
            while i < len(elems) and sub_pos[0] < n_members:
                e2 = elems[i]
                if e2.kind == K.UNEXPOSED_EXPR and isinstance(self.T(e2), VoidT):
                    break
                i = self._init_next(sub_t, sub_off, elems, i, items, sub_pos)
            return i
        items.append((sub_off, sub_t, fld, self.rvalue_to(el, sub_t)))
        return i + 1

    def _range_designator(self, ct, el, desig):
        """Is ``el`` GNU's ``[lo ... hi] = v``?  Its tokens say so, when the
        initializer is written out; from a macro (DEFINE_HASHTABLE) the tokens
        are the macro's call, and two leading indices into an array of
        non-arrays can only be a range."""
        toks = [tk.spelling for tk in el.get_tokens()]
        if "..." in toks:
            return True
        if "[" in toks or len(desig) < 2 or not ct.is_array or ct.elem.is_array:
            return False
        return all(d.kind != K.MEMBER_REF for d in desig[:2])

    def _init_designated(self, ct, off, desig, value, items, pos):
        t, o = ct, off
        fld = None
        for n, d in enumerate(desig):
            if d.__class__ is not int and d.kind == K.MEMBER_REF:
                if not t.is_record:
                    raise self.err(d, "designator for a non-struct")
                mem = self._members_all(t)
                found = None
                for idx, (mo, mt, mf, mname) in enumerate(mem):
                    if mname == d.spelling:
                        found = (idx, mo, mt, mf)
                        break
                if found is None:
                    # a member of an anonymous struct/union
                    bitpos = t_offset(self, t, d)
                    if bitpos is None:
                        raise self.err(d, f"unknown member '{d.spelling}'")
                    mo2, mfld = bitpos
                    if n == 0:
                        pos[0] = 0
                    t, o, fld = mfld.ctype, o + mo2, (mfld if mfld.bits else None)
                    continue
                idx, mo, mt, mf = found
                if n == 0:
                    pos[0] = self._member_index(ct, d.spelling) + 1
                t, o, fld = mt, o + mo, mf
            else:
                v = d if d.__class__ is int else evaluate_int(d)
                if v is None or not t.is_array:
                    raise self.err(value if d.__class__ is int else d, "unsupported designator")
                if n == 0:
                    pos[0] = v + 1
                t, o, fld = t.elem, o + v * t.elem.size, None
        if value.kind == K.INIT_LIST_EXPR:
            self._init_braced(t, o, value, items)
        elif (t.is_record or t.is_array) and _strip(value).kind == K.STRING_LITERAL and t.is_array:
            self._init_string(t, o, _strip(value), items)
        elif t.is_record or t.is_array:
            items.append((o, t, None, self.expr(value)))
        else:
            items.append((o, t, fld, self.rvalue_to(value, t)))

    def _members_all(self, ct):
        out = []
        for o, s, sub, name in ct.slots:
            if sub is None:
                for fname, fld in ct.fields.items():
                    if fld.bits is not None and fld.unit == (o, s) and fname:
                        out.append((o, fld.ctype, fld, fname))
            else:
                out.append((o, sub, None, name))
        return out

    def _member_index(self, ct, name):
        for i, m in enumerate(self._members(ct) if not ct.union else self._members_all(ct)):
            if m[3] == name:
                return i
        return 0

    def eval_items(self, items, f, ct):
        """The cells {offset: value} an initialiser gives (zero elsewhere)."""
        vals = {}
        for off, t, fld, e in items:
            v = e(f)
            if fld is not None:
                uo = off - fld.off + fld.unit[0]
                mask = (1 << fld.bits) - 1
                old = vals.get(uo, 0)
                vals[uo] = (old & ~(mask << fld.bitoff)) | ((v & mask) << fld.bitoff)
            elif t.is_record or t.is_array:
                for co, _ in t.cells():
                    vals[off + co] = (v or {}).get(co, 0)
            else:
                if t.is_ptr:
                    pre = self.prog.store_conversion(t)
                    if pre is not None:
                        v = pre(v)
                lay = ct.cell_at(off) if ct is not None else None
                if lay is None or lay == (off, t.size):
                    vals[off] = v
                else:
                    _merge_partial(vals, ct, off, t.size, v)
        return vals


def t_offset(comp, t, d):
    """(byte offset, Field) of member ``d`` (a MEMBER_REF in a designator) of record ``t``,
    through anonymous members."""
    ref = d.referenced
    if ref is None:
        return None
    # find the clang type of t by walking from the referenced field's parents
    parent = ref.semantic_parent
    chain = []
    while parent is not None and parent.kind in (K.STRUCT_DECL, K.UNION_DECL):
        rt_ = comp.types.get(parent.type, d)
        if rt_ is t:
            break
        chain.append(parent)
        parent = parent.semantic_parent
    if parent is None:
        return None
    off, fld = member_info(parent.type, ref, comp.types)
    return off, fld


class _UnitT:
    """The type of a bitfield storage unit (an unsigned word of ``size`` bytes)."""
    __slots__ = ("size",)
    is_int = True
    is_ptr = False
    is_record = False
    is_array = False

    def __init__(self, size):
        self.size = size


def _merge_partial(vals, ct, off, size, v):
    lay = ct.cell_at(off)
    if lay is None:
        return
    co, cs = lay
    old = vals.get(co, 0)
    if old.__class__ is not int:
        old = ptr_to_int(old) if (old is None or old.__class__ is Ptr) else 0
    shift = (off - co) * 8
    mask = ((1 << (8 * size)) - 1) << shift
    vv = ptr_to_int(v) if (v is None or v.__class__ is Ptr) else v
    vals[co] = (old & ~mask) | ((vv << shift) & mask)


def _priv_read(d, agg_t, o, size, ct):
    if agg_t is None:
        v = d.get(o, 0)
    else:
        lay = agg_t.cell_at(o)
        if lay == (o, size) or lay is None:
            v = d.get(o, 0 if not ct.is_ptr else None)
        else:
            co, cs = lay
            whole = d.get(co, 0)
            if whole.__class__ is not int:
                whole = ptr_to_int(whole)
            v = (whole >> ((o - co) * 8)) & ((1 << (8 * size)) - 1)
    if ct.is_int:
        return A.to_int(v, ct, None) if v.__class__ is not int or not (ct.lo <= v <= ct.hi) else v
    if ct.is_ptr:
        return v if (v is None or v.__class__ is Ptr) else A.to_ptr(v)
    return v


def _priv_write(d, agg_t, o, size, v):
    if agg_t is None:
        d[o] = v
        return
    lay = agg_t.cell_at(o)
    if lay == (o, size) or lay is None:
        d[o] = v
        return
    _merge_partial(d, agg_t, o, size, v)


def _elem_size(pt):
    t = pt.target
    return 1 if isinstance(t, (VoidT, FuncT)) else t.size


def _ptr_add(p, n):
    if p.__class__ is Ptr:
        return Ptr(p.b, p.o + n)
    if p is None:
        return Wild(n) if n else None
    if p.__class__ is Wild:
        a = (p.addr + n) & MASK64
        return None if a == 0 else Wild(a)
    return int_to_ptr(ptr_to_int(p) + n)


def _addr_eq(p, q):
    try:
        return ptr_to_int(p) == ptr_to_int(q)
    except Exception:
        return p is q


def _compute_type(ta, tb):
    if ta.is_ptr:
        return ta
    if not (ta.is_int and tb.is_int):
        return ta
    # the usual arithmetic conversions (after promotion to int)
    a = ta if ta.bits >= 32 else INT
    b = tb if tb.bits >= 32 else INT
    if a.bits != b.bits:
        return a if a.bits > b.bits else b
    if a.signed != b.signed:
        return a if not a.signed else b
    return a


def _lt(a, b):
    return 1 if a < b else 0


def _gt(a, b):
    return 1 if a > b else 0


def _le(a, b):
    return 1 if a <= b else 0


def _ge(a, b):
    return 1 if a >= b else 0


def _eq(a, b):
    return 1 if a == b else 0


def _ne(a, b):
    return 1 if a != b else 0


_CMPS = {"<": _lt, ">": _gt, "<=": _le, ">=": _ge, "==": _eq, "!=": _ne}


def _mk_eqk(ea, k):
    def eqk(f):
        return 1 if ea(f) == k else 0
    return eqk


def _mk_nek(ea, k):
    def nek(f):
        return 1 if ea(f) != k else 0
    return nek


def _mk_ltk(ea, k):
    def ltk(f):
        return 1 if ea(f) < k else 0
    return ltk


def _mk_gtk(ea, k):
    def gtk(f):
        return 1 if ea(f) > k else 0
    return gtk


def _mk_lek(ea, k):
    def lek(f):
        return 1 if ea(f) <= k else 0
    return lek


def _mk_gek(ea, k):
    def gek(f):
        return 1 if ea(f) >= k else 0
    return gek


def _i_eq(ea, eb, ct):
    def eq(f):
        return 1 if ea(f) == eb(f) else 0
    return eq


def _i_ne(ea, eb, ct):
    def ne(f):
        return 1 if ea(f) != eb(f) else 0
    return ne


def _i_lt(ea, eb, ct):
    def lt(f):
        return 1 if ea(f) < eb(f) else 0
    return lt


def _i_gt(ea, eb, ct):
    def gt(f):
        return 1 if ea(f) > eb(f) else 0
    return gt


def _i_le(ea, eb, ct):
    def le(f):
        return 1 if ea(f) <= eb(f) else 0
    return le


def _i_ge(ea, eb, ct):
    def ge(f):
        return 1 if ea(f) >= eb(f) else 0
    return ge


def _i_and(ea, eb, ct):
    def and_(f):                    # in-range operands: the result is in range
        return ea(f) & eb(f)
    return and_


def _i_or(ea, eb, ct):
    def or_(f):
        return ea(f) | eb(f)
    return or_


def _i_add(ea, eb, ct):
    lo, hi, wrap = ct.lo, ct.hi, ct.wrap

    def add(f):
        v = ea(f) + eb(f)
        return v if lo <= v <= hi else wrap(v)
    return add


def _i_sub(ea, eb, ct):
    lo, hi, wrap = ct.lo, ct.hi, ct.wrap

    def sub(f):
        v = ea(f) - eb(f)
        return v if lo <= v <= hi else wrap(v)
    return sub


_INLINE_INT = {"==": _i_eq, "!=": _i_ne, "<": _i_lt, ">": _i_gt, "<=": _i_le, ">=": _i_ge,
               "&": _i_and, "|": _i_or, "+": _i_add, "-": _i_sub}

_CMP_PY = {"==": _mk_eqk, "!=": _mk_nek, "<": _mk_ltk, ">": _mk_gtk, "<=": _mk_lek, ">=": _mk_gek}


def _nop(f):
    return None


def _ret_none(f):
    f[0] = None
    return RETURN


def _only(c):
    ch = [x for x in c.get_children() if x.kind != K.TYPE_REF]
    if len(ch) != 1:
        ch = list(c.get_children())
    return ch[-1]


def _strip(c):
    while c.kind in (K.PAREN_EXPR, K.UNEXPOSED_EXPR):
        ch = list(c.get_children())
        if len(ch) != 1:
            break
        c = ch[0]
    return c


def _decayed(c):
    """If ``c`` is an array-to-pointer decay, the array expression; else None."""
    if c.kind != K.UNEXPOSED_EXPR:
        return None
    ch = list(c.get_children())
    if len(ch) != 1:
        return None
    x = ch[0]
    if x.type.get_canonical().kind in (T.CONSTANTARRAY, T.INCOMPLETEARRAY) and \
            c.type.get_canonical().kind == T.POINTER:
        return x
    return None


def _strip_casts_to_addr(x):
    """``(T *)&lv`` (through parens and pointer casts): lv's cursor, else None."""
    while True:
        if x.kind == K.PAREN_EXPR:
            x = _only(x)
            continue
        if x.kind in (K.CSTYLE_CAST_EXPR, K.UNEXPOSED_EXPR):
            ch = [y for y in x.get_children() if y.kind.is_expression()]
            if len(ch) != 1 or x.type.get_canonical().kind != T.POINTER:
                return None
            x = ch[0]
            continue
        break
    if x.kind == K.UNARY_OPERATOR and unop(x) == "&":
        inner = _only(x)
        if inner.type.get_canonical().kind in (T.FUNCTIONPROTO, T.FUNCTIONNOPROTO):
            return None
        return inner
    return None


import clang.cindex as _ci  # noqa: E402

ci_SC = _ci.StorageClass

_STMTS = {
    K.COMPOUND_STMT: "st_compound",
    K.DECL_STMT: "st_decl",
    K.RETURN_STMT: "st_return",
    K.IF_STMT: "st_if",
    K.WHILE_STMT: "st_while",
    K.DO_STMT: "st_do",
    K.FOR_STMT: "st_for",
    K.SWITCH_STMT: "st_switch",
    K.GOTO_STMT: "st_goto",
    K.LABEL_STMT: "st_label",
    K.NULL_STMT: lambda self, c: _nop,
    K.BREAK_STMT: lambda self, c: (lambda f: BREAK),
    K.CONTINUE_STMT: lambda self, c: (lambda f: CONTINUE),
}

_EXPRS = {
    K.INTEGER_LITERAL: "ex_literal",
    K.CHARACTER_LITERAL: "ex_literal",
    K.STRING_LITERAL: "ex_string",
    K.PAREN_EXPR: "ex_paren",
    K.CSTYLE_CAST_EXPR: "ex_cast",
    K.UNARY_OPERATOR: "ex_unary",
    K.BINARY_OPERATOR: "ex_binary",
    K.COMPOUND_ASSIGNMENT_OPERATOR: "ex_binary",
    K.CONDITIONAL_OPERATOR: "ex_conditional",
    K.CXX_UNARY_EXPR: "ex_sizeof",
    K.DECL_REF_EXPR: "ex_declref",
    K.CALL_EXPR: "ex_call",
    K.StmtExpr: "ex_stmtexpr",
    K.INIT_LIST_EXPR: "ex_initlist",
    K.COMPOUND_LITERAL_EXPR: "ex_compound_literal",
    K.GENERIC_SELECTION_EXPR: "ex_generic",
}


# -- main(), cut where the tasks start (see _program's docstring) ------------------------------

def _is_call_to(c, names):
    if c.kind != K.CALL_EXPR:
        return False
    from ._kernel import _direct_callee
    ch = list(c.get_children())
    d = _direct_callee(ch[0]) if ch else None
    return d is not None and d.spelling in names


def _contains_call(c, names):
    if _is_call_to(c, names):
        return True
    return any(_contains_call(x, names) for x in c.get_children())


# Kernel calls that start a context (a timer's expiry, a work item, an RCU
# callback) or wait for them: kcheck.kernel runs them only in a task, never in
# main()'s set-up.  main()'s statements up to the first thread start are that
# set-up, so a statement that makes one of these calls, itself or through the
# file's functions, ends it: from there on main() runs as a task.
TASK_ONLY = frozenset({
    "add_timer", "mod_timer", "hrtimer_start", "hrtimer_start_range_ns",
    "call_rcu", "call_rcu_hurry", "call_srcu", "__kcheck_kfree_rcu", "kfree_rcu_mightsleep",
    "kvfree_rcu_mightsleep", "queue_work", "schedule_work", "queue_delayed_work",
    "schedule_delayed_work", "mod_delayed_work", "kmem_cache_destroy",
    # a free is an event (main()'s set-up builds the initial state, which frees
    # nothing): a set-up function that kfree()s a temporary array, or undoes
    # a failed probe, runs in main()'s task
    "kfree", "kvfree", "vfree", "kfree_sensitive", "kmem_cache_free", "free",
    "kref_put", "kref_put_mutex", "kref_put_lock",
})


def _callers_of(self, names):
    """The file's functions that call one of ``names``, directly or through others."""
    from ._kernel import _direct_callee
    calls = {}
    for name, fn in self.by_name.items():
        out = calls[name] = set()
        stack = [fn.cursor]
        while stack:
            c = stack.pop()
            if c.kind == K.CALL_EXPR:
                ch = list(c.get_children())
                d = _direct_callee(ch[0]) if ch else None
                if d is not None:
                    out.add(d.spelling)
            stack.extend(c.get_children())
    found = set(names)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in found and callees & found:
                found.add(name)
                changed = True
    return found


def _split_main(self, cf):
    """(prefix closure or None, rest closure or None, frame size) for C main()."""
    cur = cf.cursor
    saved = self.fn
    ctx = self.fn = FnCtx(cf, cur)
    try:
        body = None
        for ch in cur.get_children():
            if ch.kind == K.COMPOUND_STMT:
                body = ch
            elif ch.kind == K.PARM_DECL:
                raise self.err(ch, "main() of a kcheck harness takes no arguments: int main(void)")
        self._scan_taken(body)
        items = [x for x in body.get_children() if x.kind != K.NULL_STMT]
        created = False
        cut = len(items)
        task_only = _callers_of(self, TASK_ONLY)
        for i, x in enumerate(items):
            if _contains_call(x, ("pthread_join", "kthread_stop", "kthread_stop_put")) \
                    or _contains_call(x, task_only):
                # (a wait for a thread needs a task: kthread_stop(kthread_run(...)))
                cut = i
                break
            if created and not self._pure_start(x):
                cut = i
                break
            if _contains_call(x, ("pthread_create", "kthread_run", "kthread_create")):
                created = True
        if not created and not any(_contains_call(x, ("pthread_create", "kthread_run",
                                                      "kthread_create")) for x in items[cut:]):
            # a main() that starts no thread runs whole as a task; one that starts
            # them only after a call that needs a task (a queue_work() after
            # alloc_workqueue()) keeps the set-up before that call
            cut = 0
        for i, x in enumerate(items):
            if x.kind == K.LABEL_STMT or (i < cut and _contains_kind(x, K.GOTO_STMT)):
                if i < cut or _contains_kind(x, K.LABEL_STMT):
                    pass
        pre_items, rest_items = items[:cut], items[cut:]
        prefix = self._block(pre_items) if pre_items else None
        rest = self._block(rest_items) if rest_items else None
        return prefix, rest, ctx.nslots, (ctx.stack_slots(), self.end_src(body))
    finally:
        self.fn = saved


def _contains_kind(c, kind):
    if c.kind == kind:
        return True
    return any(_contains_kind(x, kind) for x in c.get_children())


def _block(self, items):
    labels = {}
    kept = []
    for ch in items:
        if ch.kind == K.DECL_STMT and not self._decl_has_code(ch):
            continue
        self._collect_labels(ch, len(kept), labels)
        kept.append(ch)
    self.fn.labels.append(labels)
    try:
        stmts = tuple(self.stmt(ch) for ch in kept)
    finally:
        self.fn.labels.pop()

    def blk(f):
        i, n = 0, len(stmts)
        while i < n:
            r = stmts[i](f)
            if r:
                if r == GOTO and f[1] in labels:
                    i = labels[f[1]]
                    continue
                if r == GOTO:
                    raise A.model_error(f"goto {f[1]} across the point where main()'s tasks start",
                                        None)
                return r
            i += 1
        return None
    return blk


def _pure_start(self, c):
    """Does statement ``c`` only start threads (and compute with main's private
    locals)?  Such statements still belong before the tasks."""
    ctx = self.fn

    def private_var(ref):
        return (ref is not None and ref.kind in (K.VAR_DECL, K.PARM_DECL)
                and ref.hash not in ctx.taken and ref.semantic_parent is not None
                and ref.semantic_parent.kind == K.FUNCTION_DECL
                and ref.storage_class not in (ci_SC.STATIC, ci_SC.EXTERN))

    def addr_ok(x):
        """An address computed without loading shared memory."""
        k = x.kind
        if k == K.PAREN_EXPR:
            return addr_ok(_only(x))
        if k == K.DECL_REF_EXPR:
            return True
        if k == K.MEMBER_REF_EXPR:
            base = _only(x)
            if base.type.get_canonical().kind == T.POINTER:
                return val_ok(base)
            return addr_ok(base)
        if k == K.ARRAY_SUBSCRIPT_EXPR:
            a, b = list(x.get_children())[:2]
            inner = _decayed(a)
            return (addr_ok(inner) if inner is not None else val_ok(a)) and val_ok(b)
        if k == K.UNARY_OPERATOR and unop(x) == "*":
            return val_ok(_only(x))
        return False

    def val_ok(x):
        k = x.kind
        if k in (K.INTEGER_LITERAL, K.CHARACTER_LITERAL, K.STRING_LITERAL, K.CXX_UNARY_EXPR):
            return True
        if k == K.DECL_REF_EXPR:
            ref = x.referenced
            if ref is None:
                return False
            if ref.kind in (K.FUNCTION_DECL, K.ENUM_CONSTANT_DECL):
                return True
            if private_var(ref):
                return True
            # an array or a struct named, not loaded (its address decays)
            return False
        if k == K.UNARY_OPERATOR:
            op = unop(x)
            if op == "&":
                return addr_ok(_only(x))
            if op in ("-", "+", "~", "!", "__extension__"):
                return val_ok(_only(x))
            if op in ("++", "--", "post++", "post--"):
                inner = _strip(_only(x))
                return inner.kind == K.DECL_REF_EXPR and private_var(inner.referenced)
            return False
        if k == K.UNEXPOSED_EXPR:
            inner = _decayed(x)
            if inner is not None:
                return addr_ok(inner)
            ch = [y for y in x.get_children() if y.kind.is_expression()]
            if (len(ch) == 1 and ch[0].kind in (K.DECL_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR,
                                                K.MEMBER_REF_EXPR)
                    and ch[0].type.is_const_qualified()):
                return addr_ok(ch[0])        # a load of a const object: nobody writes it
            return all(val_ok(y) for y in ch)
        if k in (K.PAREN_EXPR, K.CSTYLE_CAST_EXPR, K.CONDITIONAL_OPERATOR):
            return all(val_ok(y) for y in x.get_children() if y.kind.is_expression())
        if k in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
            op = binop(x)
            a, b = list(x.get_children())[:2]
            if op.endswith("=") and op not in ("==", "!=", "<=", ">="):
                la = _strip(a)
                return la.kind == K.DECL_REF_EXPR and private_var(la.referenced) and val_ok(b)
            return val_ok(a) and val_ok(b)
        if k == K.CALL_EXPR:
            if not _is_call_to(x, ("pthread_create", "kthread_run", "kthread_create")):
                return False
            return all(val_ok(y) for y in list(x.get_children())[1:])
        return False

    def stmt_ok(s):
        k = s.kind
        if k == K.COMPOUND_STMT:
            return all(stmt_ok(y) for y in s.get_children())
        if k in (K.FOR_STMT, K.WHILE_STMT, K.DO_STMT, K.IF_STMT):
            return all((stmt_ok(y) if y.kind.is_statement() and not y.kind.is_expression()
                        else val_ok(y) if y.kind.is_expression() else stmt_ok(y))
                       for y in s.get_children())
        if k == K.DECL_STMT:
            for d in s.get_children():
                if d.kind != K.VAR_DECL:
                    continue
                if d.hash in ctx.taken:
                    return False
                for y in d.get_children():
                    if y.kind.is_expression() and not val_ok(y):
                        return False
            return True
        if k == K.RETURN_STMT:
            return all(val_ok(y) for y in s.get_children())
        if k == K.NULL_STMT:
            return True
        if k.is_expression():
            return val_ok(s)
        return False

    return stmt_ok(c)


Compiler.split_main = _split_main
Compiler._block = _block
Compiler._pure_start = _pure_start


def _compiler_barrier_asm(c):
    """``asm volatile("" ::: "memory")``: the kernel's barrier() written out (no
    instruction, no operand, at most clobbers) - the one inline asm that means
    the same in kcheck as on a CPU.  Any other asm is machine code."""
    toks = [t.spelling for t in c.get_tokens()]
    try:
        i = toks.index("(")
    except ValueError:
        return False
    if toks[i + 1:i + 2] != ['""'] or toks[-1] != ")":
        return False
    rest = toks[i + 2:-1]
    # operands are constraint strings with a C expression in parentheses and goto
    # labels are names, so tokens that are all colons, commas and strings are
    # clobbers (clang lexes "::" as one token)
    return sum(len(t) for t in rest if t in (":", "::")) <= 3 and \
        all(t in (":", "::", ",") or t.startswith('"') for t in rest)
