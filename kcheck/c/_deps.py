"""LKMM dependencies from the C data flow: address, data and control, as herd7 has them.

Under ``--memory-model lkmm`` a C program is compiled a second time, by
``DepsCompiler``: the same closures, plus a *dependency register*
``frame[2]`` - the set of read events the value being computed depends on.
Loads put their own event in it; arithmetic, casts and comparisons need no
code at all, because every leaf *adds* to the register while its parent runs
(a binary operator's value depends on both operands: their leaves' sets
accumulate).  The nodes that need a value's dependencies on their own save
the register, clear it, evaluate, read it, and restore it:

* a memory access: its **address** dependencies are the set of the address
  computation, its **data** dependencies (a store) that of the value stored;
* a **control** dependency is the set of a condition (``if``, loops,
  ``switch``, ``&&``/``||``, ``?:``): herd7 orders every access po-after the
  branch after the read, not only those inside it, so it is kept per task
  (``tls["ctrl"]``) and only grows;
* locals carry their value's set (``frame[3]``: slot -> set), through
  assignments, parameters and return values; memory does not (a value read
  back from memory depends on that read, as in herd7).

Before each access the set goes to the runtime (``Run.set_deps``), which
gives the event those read events as its addr/data/ctrl sources.  A kernel
primitive called from C gets the sets of its arguments; its result depends
on the reads it made.
"""

from __future__ import annotations

from ..engine import runtime as rt
from ..engine import graph as G
from ._compile import (traced_call, Compiler, LV, PrivAgg, _const, const_of, _NOCONST, RETURN, _strip,
                       _ptr_add, _elem_size)
from ._memory import new_block, end_frame, PthreadExit
from ._parse import K, binop, unop

EMPTY = frozenset()
DEPS, LDEPS, APOS, WHERE = 2, 3, 4, 5   # frame slots: register, locals' sets, position after
                                        # the address, (block, offset) of the access
_BOOKKEEPING = (DEPS, LDEPS, APOS, WHERE)


def ctrl_add(d):
    """The current task's later accesses are control dependent on ``d``."""
    if not d:
        return
    t = rt.CURRENT.cur
    if t is not None:
        c = t.tls.get("ctrl")
        t.tls["ctrl"] = d if c is None else (c | d)


def set_deps(r, addr, data):
    t = r.cur
    if t is None:
        return
    sd = getattr(r, "set_deps", None)
    if sd is not None:
        sd(tuple(addr), tuple(data), tuple(t.tls.get("ctrl") or ()))
    else:
        t.tls["c_deps"] = (addr, data, t.tls.get("ctrl") or EMPTY)   # before the engine hooks


def reads_since(r, pos):
    """The read events the current task made from po-position ``pos`` on."""
    t = r.cur
    if t is None:
        return EMPTY
    th = r.g.threads[t.tid]
    return frozenset(e for e in th[pos:t.pos] if e.kind == G.READ)


def _pos(r):
    t = r.cur
    return t.pos if t is not None else 0


class DepsCompiler(Compiler):
    deps = True

    # -- accesses -------------------------------------------------------------------------
    def _bo(self, lv, c, write=False):
        inner = Compiler._bo(self, lv, c, write)

        def bo_d(f):
            data = f[DEPS] if write else EMPTY
            saved = f[DEPS]
            f[DEPS] = EMPTY
            b, o = inner(f)
            addr = f[DEPS]
            f[DEPS] = saved
            r = rt.CURRENT
            set_deps(r, addr, data)
            f[APOS] = _pos(r)
            f[WHERE] = (b, o)
            return b, o
        return bo_d

    def load(self, lv, c, flags=None, op=None):
        if lv.kind == "local":
            s = lv.slot

            def ll_d(f):
                d = f[LDEPS].get(s)
                if d:
                    f[DEPS] = f[DEPS] | d
                return f[s]
            return ll_d
        if lv.kind == "priv":
            return self._priv_load_d(lv, c)
        inner = Compiler.load(self, lv, c, flags, op)

        def ld_d(f):
            v = inner(f)
            r = rt.CURRENT
            got = reads_since(r, f[APOS])
            if got:
                f[DEPS] = f[DEPS] | got
            else:
                b, o = f[WHERE]
                pd = b.pdeps
                if pd:                      # a private local's value carries its own set
                    d = pd.get(o)
                    if d:
                        f[DEPS] = f[DEPS] | d
            return v
        return ld_d

    def store_fn(self, lv, c, flags=None, op=None):
        if lv.kind == "local":
            s = lv.slot

            def sl_d(f, v):
                f[s] = v
                f[LDEPS][s] = f[DEPS]
            return sl_d
        if lv.kind == "priv":
            inner = Compiler.store_fn(self, lv, c, flags, op)
            key = self._priv_key(lv)

            def sp_d(f, v):
                inner(f, v)
                k = key(f)
                if lv.fld is not None:
                    old = f[LDEPS].get(k, EMPTY)
                    f[LDEPS][k] = old | f[DEPS]
                else:
                    f[LDEPS][k] = f[DEPS]
            return sp_d
        inner = Compiler.store_fn(self, lv, c, flags, op)

        def sm_d(f, v):
            data = f[DEPS]
            inner(f, v)
            b, o = f[WHERE]
            if b.priv:
                if b.pdeps is None:
                    b.pdeps = {}
                b.pdeps[o] = data
        return sm_d

    def _priv_key(self, lv):
        s, off, dyn = lv.slot, lv.off, lv.dyn
        if lv.fld is not None:
            off = off - lv.fld.off + lv.fld.unit[0]
        if dyn is None:
            return lambda f: (s, off)
        return lambda f: (s, off + dyn(f))

    def _priv_load_d(self, lv, c):
        inner = Compiler.load(self, lv, c)
        s = lv.slot
        if lv.ct.is_record or lv.ct.is_array:
            def lpa_d(f):
                v = inner(f)
                ds = [d for (k, d) in f[LDEPS].items() if isinstance(k, tuple) and k[0] == s]
                for d in ds:
                    f[DEPS] = f[DEPS] | d
                return v
            return lpa_d
        key = self._priv_key(lv)

        def lp_d(f):
            v = inner(f)
            d = f[LDEPS].get(key(f))
            if d:
                f[DEPS] = f[DEPS] | d
            return v
        return lp_d

    # -- locals ------------------------------------------------------------------------------
    def ex_declref(self, c):
        ref = c.referenced
        if ref is not None and ref.kind in (K.VAR_DECL, K.PARM_DECL):
            lv = self.lvalue(c)
            if lv.kind == "local":
                return self.load(lv, c)
        return Compiler.ex_declref(self, c)

    def assign(self, c, a, b):
        lv = self.lvalue(a)
        e = self.expr(b)
        e = self.convert(e, self.T(b), lv.ct, c) if not (lv.ct.is_record or lv.ct.is_array) else e
        st = self.store_fn(lv, a)

        def asg_d(f):
            saved = f[DEPS]
            f[DEPS] = EMPTY
            v = e(f)
            st(f, v)
            f[DEPS] = saved | f[DEPS]
            return v
        return asg_d

    def compound_assign(self, c, op, a, b):
        from ._compile import _compute_type
        lv = self.lvalue(a)
        ta = lv.ct
        tb = self.T(b)
        comp = _compute_type(ta, tb)
        fn = self.arith(op, comp if not ta.is_ptr else ta, tb, comp if not ta.is_ptr else ta, c)
        eb = self.expr(b)
        back = ta.wrap if ta.is_int else None
        ld = self.load(lv, a)
        st = self.store_fn(lv, a)

        def ca_d(f):
            saved = f[DEPS]
            f[DEPS] = EMPTY
            rhs = eb(f)
            old = ld(f)
            v = fn(old, rhs)
            if back is not None:
                v = back(v)
            st(f, v)
            f[DEPS] = saved | f[DEPS]
            return v
        return ca_d

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
            wrap = ct.wrap

            def upd(v):
                return wrap(v + delta)
        ld = self.load(lv, x)
        st = self.store_fn(lv, x)

        def incdec_d(f):
            saved = f[DEPS]
            f[DEPS] = EMPTY
            old = ld(f)
            new = upd(old)
            st(f, new)
            f[DEPS] = saved | f[DEPS]
            return old if post else new
        return incdec_d

    def modify(self, lv, c, fn, ld, post=False):
        st = self.store_fn(lv, c)

        def mod_d(f):
            saved = f[DEPS]
            f[DEPS] = EMPTY
            old = ld(f)
            new = fn(f, old)
            st(f, new)
            f[DEPS] = saved | f[DEPS]
            return old if post else new
        return mod_d

    def local_decl(self, d):
        inner = Compiler.local_decl(self, d)
        if inner is None:
            return None
        key = d.hash
        slot = self.fn.slots.get(key)

        def decl_d(f):
            saved = f[DEPS]
            f[DEPS] = EMPTY
            inner(f)
            if slot is not None:
                f[LDEPS][slot] = f[DEPS]
                for k in [k for k in f[LDEPS] if isinstance(k, tuple) and k[0] == slot]:
                    del f[LDEPS][k]
            f[DEPS] = saved
        return decl_d

    def _param(self, p):
        inner = Compiler._param(self, p)
        slot = self.fn.slots[p.hash]

        def setp_d(f, v, d=EMPTY):
            f[DEPS] = d
            inner(f, v)
            f[LDEPS][slot] = d
            f[DEPS] = EMPTY
        return setp_d

    def st_return(self, c):
        ch = [x for x in c.get_children()]
        inner = Compiler.st_return(self, c)
        if not ch:
            return inner

        def ret_d(f):
            f[DEPS] = EMPTY
            r = inner(f)
            f[LDEPS]["ret"] = f[DEPS]
            return r
        return ret_d

    # -- control --------------------------------------------------------------------------------
    def cond(self, c):
        e = self.expr(c)

        def cond_d(f):
            saved = f[DEPS]
            f[DEPS] = EMPTY
            v = e(f)
            ctrl_add(f[DEPS])
            f[DEPS] = saved
            return v
        return cond_d

    def _stmt(self, c):
        k = c.kind
        inner = Compiler._stmt(self, c)
        if k.is_expression() or k == K.StmtExpr:
            def st_d(f):
                f[DEPS] = EMPTY
                return inner(f)
            return st_d
        return inner

    def ex_binary(self, c):
        op = binop(c)
        if op in ("&&", "||"):
            a, b = list(c.get_children())[:2]
            ea, eb = self.expr(a), self.expr(b)
            is_and = op == "&&"

            def logic_d(f):
                saved = f[DEPS]
                f[DEPS] = EMPTY
                va = ea(f)
                da = f[DEPS]
                ctrl_add(da)          # whether the right side runs depends on the left
                f[DEPS] = saved | da
                if bool(va) != is_and:
                    return 1 if va else 0
                return 1 if eb(f) else 0
            return logic_d
        return Compiler.ex_binary(self, c)

    def ex_conditional(self, c):
        cnd, a, b = list(c.get_children())
        inner_c = self.cond(cnd)
        ct = self.T(c)
        if ct.is_record or ct.is_array or ct.kind == "void":
            ea, eb = self.expr(a), self.expr(b)
        else:
            ea = self.convert(self.expr(a), self.T(a), ct, c)
            eb = self.convert(self.expr(b), self.T(b), ct, c)

        def cond_d(f):
            return ea(f) if inner_c(f) else eb(f)
        return cond_d

    def ex_unexposed(self, c):
        ch = list(c.get_children())
        exprs = [x for x in ch if x.kind.is_expression() or x.kind == K.StmtExpr]
        if len(ch) == 4 and len(exprs) == 4:                     # a ?: b
            ct = self.T(c)
            common = self.convert(self.expr(exprs[0]), self.T(exprs[0]), ct, c)
            other = self.convert(self.expr(exprs[3]), self.T(exprs[3]), ct, c)

            def elvis_d(f):
                saved = f[DEPS]
                f[DEPS] = EMPTY
                v = common(f)
                d = f[DEPS]
                ctrl_add(d)
                f[DEPS] = saved | d
                return v if v else other(f)
            return elvis_d
        return Compiler.ex_unexposed(self, c)


def invoke_d(cf, args, deps):
    """Call a C function compiled with dependencies: (return value, its dependency set).

    ``bookkeeping``: the frame slots that hold dependency sets and positions,
    new read events each time round a loop - not the program's state, which
    ``runtime.stack_state`` compares to recognise a polling loop."""
    r = rt.CURRENT
    if r is not None and r.trace and r.cur is not None:
        return traced_call(r.cur, cf, _invoke_d, cf, args, deps)
    return _invoke_d(cf, args, deps)


def _invoke_d(cf, args, deps):
    bookkeeping = _BOOKKEEPING
    f = [None] * cf.nslots
    f[DEPS] = EMPTY
    f[LDEPS] = {}
    f[APOS] = 0
    f[WHERE] = None
    for setp, v, d in zip(cf.params, args, deps):
        setp(f, v, d)
    f[DEPS] = EMPTY
    if not cf.stack_slots:
        cf.body(f)
        return f[0], f[LDEPS].get("ret", EMPTY)
    try:
        cf.body(f)
    except PthreadExit:
        end_frame(f, cf.stack_slots, cf.name, cf.end_src)       # pthread_exit() unwinds
        raise
    end_frame(f, cf.stack_slots, cf.name, cf.end_src)
    return f[0], f[LDEPS].get("ret", EMPTY)


def call_with_deps(r, f, addr, data, call):
    """Run a kernel primitive's events with these sources; its result depends on the
    reads it made.  Returns the result; leaves the result's set in the register."""
    pos = _pos(r)
    set_deps(r, addr, data)
    v = call()
    got = reads_since(r, pos)
    set_deps(r, EMPTY, EMPTY)
    return v, got
