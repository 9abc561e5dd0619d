"""What one litmus process does: its control paths, with symbolic read values.

herd7 runs each process once per control path, with a fresh variable for
every value read from memory, and solves the variables only when it pairs
reads with writes.  This module does the first half: it executes a process
body (the kernel primitives as ``linux-kernel.def`` defines them) and returns
every :class:`Path`: the events in program order, the constraints the
path's branches put on read values, and the final registers.

Each value carries the set of read events it was computed from (herd's
dependencies through registers), which gives the ``addr``, ``data`` and
``ctrl`` edges.  Reads are ``R`` events; ``spin_is_locked()`` and a failed
``spin_trylock()`` are reads too for dependencies (herd counts them as
loads), their results are constants per path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .syntax import (
    Assign, Binary, Call, Decl, ExprStmt, If, Index, LitmusError, Name, Num, Sym, Unary, While,
)

__all__ = ["Var", "Op", "Free", "Unsolved", "TEvent", "Path", "process_paths", "evaluate",
           "truth", "UNROLL"]

#: herd7 unrolls C loops twice; longer executions are cut off and dropped.
UNROLL = 2


class Var:
    """The unknown value of read event ``key = (tid, po index)``."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        return f"v{self.key[0]}_{self.key[1]}"


class Op:
    """A computation on at least one unknown value."""

    __slots__ = ("op", "args")

    def __init__(self, op, args):
        self.op, self.args = op, args

    def __repr__(self):
        return f"({self.op} {' '.join(map(repr, self.args))})"


class Undefined(Exception):
    """An operation herd cannot give a value to (division by zero, x + &y, ...)."""


class Free:
    """The value of a cycle of plain copies through memory (out of thin air).

    herd merges variables equated by ``x := y`` into one class, so a cycle
    of copies leaves the class unconstrained and the candidate is kept; any
    computation on it stays an unsolved equation and the candidate is dropped.
    """

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __eq__(self, other):
        return isinstance(other, Free) and other.key == self.key

    def __hash__(self):
        return hash(("free", self.key))

    def __repr__(self):
        return "?"


class Unsolved(Exception):
    """A computation on a :class:`Free` value: herd leaves the equation unsolved."""


def _int(v, op):
    if isinstance(v, Sym):
        raise Undefined(f"'{op}' on the address of {v.name}")
    return v


def apply(op: str, args: tuple):
    """One operator on concrete values (ints and addresses); herd7's values are
    32-bit, so an integer result wraps (INT_MAX + 1 is INT_MIN, as herd7 has
    it: until 2026-11-30 kcheck's were unbounded, and tests near 2^31 got the
    other Observation)."""
    v = _apply(op, args)
    if v.__class__ is int and not -(1 << 31) <= v < (1 << 31):
        v = ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
    return v


def _apply(op: str, args: tuple):
    for a in args:
        if isinstance(a, Free):
            raise Unsolved
    if op in ("==", "!="):
        a, b = args
        same = a == b
        return int(same if op == "==" else not same)
    if op == "!":
        return int(not truth(args[0]))
    if op == "&&":
        return int(truth(args[0]) and truth(args[1]))
    if op == "||":
        return int(truth(args[0]) or truth(args[1]))
    if op in ("+", "-") and isinstance(args[0], Sym) and args[1] == 0:
        return args[0]  # p + 0: herd keeps the address (no arrays here)
    if op == "+" and isinstance(args[1], Sym) and args[0] == 0:
        return args[1]
    if len(args) == 1:
        a = _int(args[0], op)
        return -a if op == "neg" else ~a
    a, b = _int(args[0], op), _int(args[1], op)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op in ("/", "%"):
        if b == 0:
            raise Undefined("division by zero")
        q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return q if op == "/" else a - q * b
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "&~":
        return a & ~b
    if op == "<<":
        return a << b
    if op == ">>":
        return a >> b
    if op == "<":
        return int(a < b)
    if op == ">":
        return int(a > b)
    if op == "<=":
        return int(a <= b)
    if op == ">=":
        return int(a >= b)
    raise Undefined(f"unknown operator {op}")


def truth(v) -> bool:
    if isinstance(v, Free):
        raise Unsolved
    return True if isinstance(v, Sym) else v != 0


def _concrete(v) -> bool:
    return isinstance(v, (int, Sym))


def mk(op, *args):
    """Fold when every argument is known, else build a symbolic term."""
    if all(isinstance(a, (int, Sym)) for a in args):
        return apply(op, args)
    return Op(op, args)


def evaluate(v, lookup):
    """Value of ``v`` once ``lookup(key)`` gives every read's value."""
    if isinstance(v, (int, Sym, Free)):
        return v
    if isinstance(v, Var):
        return lookup(v.key)
    return apply(v.op, tuple(evaluate(a, lookup) for a in v.args))


def variables(v, out: set):
    if isinstance(v, Var):
        out.add(v.key)
    elif isinstance(v, Op):
        for a in v.args:
            variables(a, out)
    return out


@dataclass
class TEvent:
    """One event of a path; ``loc``/``value`` may be symbolic."""

    kind: str  # R W F LKR LKW UL LF RL RU
    loc: object = None
    tags: frozenset = frozenset()
    atomic: bool = False
    value: object = None  # written value (W); the read's Var for R
    addr: frozenset = frozenset()  # po indices (in this path) of the reads it depends on
    data: frozenset = frozenset()
    ctrl: frozenset = frozenset()
    rmw_read: int | None = None  # for the write of an RMW: its read's index
    line: int = 0


@dataclass
class Path:
    tid: int
    events: list
    constraints: list  # (value, expected truth)
    regs: dict  # register -> value


_EMPTY = frozenset()

# linux-kernel.def, as tables: macro -> (argument convention, annotation).
# "lval" macros take an lvalue (READ_ONCE(*x)); "ptr" macros take a pointer.
_LOADS = {
    "READ_ONCE": ("lval", "ONCE"), "rcu_dereference": ("lval", "ONCE"),
    "smp_load_acquire": ("ptr", "ACQUIRE"), "atomic_read": ("ptr", "ONCE"),
    "atomic_read_acquire": ("ptr", "ACQUIRE"),
    "srcu_read_lock": ("ptr", "Srcu-lock"), "srcu_down_read": ("ptr", "Srcu-lock"),
}
_STORES = {
    "WRITE_ONCE": ("lval", "ONCE"), "rcu_assign_pointer": ("lval", "RELEASE"),
    "smp_store_release": ("ptr", "RELEASE"), "atomic_set": ("ptr", "ONCE"),
    "atomic_set_release": ("ptr", "RELEASE"), "smp_store_mb": ("lval", "ONCE"),
    "srcu_read_unlock": ("ptr", "Srcu-unlock"), "srcu_up_read": ("ptr", "Srcu-unlock"),
}
_FENCES = {
    "smp_mb": "MB", "smp_rmb": "Rmb", "smp_wmb": "Wmb", "barrier": "Barrier",
    "smp_mb__before_atomic": "Before-atomic", "smp_mb__after_atomic": "After-atomic",
    "smp_mb__after_spinlock": "After-spinlock",
    "smp_mb__after_unlock_lock": "After-unlock-lock",
    "smp_mb__after_srcu_read_unlock": "After-srcu-read-unlock",
    "rcu_read_lock": "Rcu-lock", "rcu_read_unlock": "Rcu-unlock",
    "synchronize_rcu": "Sync-rcu", "synchronize_rcu_expedited": "Sync-rcu",
}
_ORDER_SUFFIX = {"": "MB", "_relaxed": "ONCE", "_acquire": "ACQUIRE", "_release": "RELEASE"}
_OPS = {"add": "+", "sub": "-", "and": "&", "or": "|", "xor": "^", "andnot": "&~"}


def _rmw_table():
    """xchg / cmpxchg / atomic_*: name -> (shape, op, annotation, argument order)."""
    t = {}
    for sfx, ann in _ORDER_SUFFIX.items():
        for base in ("xchg", "atomic_xchg"):
            t[base + sfx] = ("xchg", None, ann)
        for base in ("cmpxchg", "atomic_cmpxchg"):
            t[base + sfx] = ("cmpxchg", None, ann)
        for name, op in (("add", "+"), ("sub", "-")):
            t[f"atomic_{name}_return{sfx}"] = ("op_return", op, ann)
        for name, op in (("inc", "+"), ("dec", "-")):
            t[f"atomic_{name}_return{sfx}"] = ("op_return1", op, ann)
            t[f"atomic_fetch_{name}{sfx}"] = ("fetch1", op, ann)
        for name, op in _OPS.items():
            t[f"atomic_fetch_{name}{sfx}"] = ("fetch", op, ann)
        t[f"atomic_add_negative{sfx}"] = ("add_negative", "+", ann)
    for name, op in _OPS.items():
        t[f"atomic_{name}"] = ("op", op, "NORETURN")
    t["atomic_inc"] = ("op1", "+", "NORETURN")
    t["atomic_dec"] = ("op1", "-", "NORETURN")
    t["atomic_sub_and_test"] = ("sub_and_test", "-", "MB")
    t["atomic_dec_and_test"] = ("and_test1", "-", "MB")
    t["atomic_inc_and_test"] = ("and_test1", "+", "MB")
    t["atomic_add_unless"] = ("add_unless", "+", "MB")
    return t


_RMWS = _rmw_table()
_LOCKS = ("spin_lock", "spin_unlock", "spin_trylock", "spin_is_locked",
          "synchronize_srcu", "synchronize_srcu_expedited")
KNOWN_CALLS = frozenset(_LOADS) | frozenset(_STORES) | frozenset(_FENCES) | frozenset(
    _RMWS) | frozenset(_LOCKS)


class _State:
    __slots__ = ("events", "regs", "cons", "ctrl")

    def __init__(self, events, regs, cons, ctrl):
        self.events, self.regs, self.cons, self.ctrl = events, regs, cons, ctrl

    def fork(self):
        return _State(list(self.events), dict(self.regs), list(self.cons), self.ctrl)


class _Process:
    """Symbolic execution of one process body."""

    def __init__(self, tid, file, globals_):
        self.tid, self.file, self.globals = tid, file, globals_

    def error(self, msg, line):
        return LitmusError(msg, self.file, line)

    # -- events
    def emit(self, st, ev):
        ev.ctrl = st.ctrl
        st.events.append(ev)
        return len(st.events) - 1

    def load(self, st, loc, adeps, tags, line, atomic=False):
        i = self.emit(st, TEvent("R", loc, frozenset(tags), atomic, None, adeps, line=line))
        v = Var((self.tid, i))
        st.events[i].value = v
        return i, v

    # -- expressions: each returns a list of (state, value, deps)
    def ev(self, e, st):
        if isinstance(e, Num):
            return [(st, e.value, _EMPTY)]
        if isinstance(e, Name):
            if e.id in st.regs:
                v, d = st.regs[e.id]
                return [(st, v, d)]
            return [(st, 0, _EMPTY)]  # herd: a register nobody set holds 0
        if isinstance(e, Unary):
            if e.op == "*":
                return self.plain_load(self.ev(e.arg, st), e.line)
            if e.op == "&":
                return [(s, v, d) for s, v, d in self.address(e.arg, st)]
            op = {"-": "neg", "~": "~", "!": "!"}[e.op]
            return [(s, self.op(op, e.line, v), d) for s, v, d in self.ev(e.arg, st)]
        if isinstance(e, Binary):
            out = []
            for s1, a, da in self.ev(e.left, st):
                for s2, b, db in self.ev(e.right, s1):
                    out.append((s2, self.op(e.op, e.line, a, b), da | db))
            return out
        if isinstance(e, Index):
            return self.plain_load(self.address(e, st), e.line)
        if isinstance(e, Call):
            return self.call(e, st)
        raise self.error(f"unsupported expression {e!r}", getattr(e, "line", 0))

    def op(self, op, line, *args):
        try:
            return mk(op, *args)
        except Undefined as ex:
            raise self.error(str(ex), line) from None

    def address(self, e, st):
        """The address an lvalue designates: ``*p`` -> p, a global ``x`` -> &x."""
        if isinstance(e, Unary) and e.op == "*":
            return self.ev(e.arg, st)
        if isinstance(e, Name) and e.id not in st.regs and e.id in self.globals:
            return [(st, Sym(e.id), _EMPTY)]
        if isinstance(e, Index):
            raise self.error("arrays are not supported", e.line)
        raise self.error("expected a memory location such as '*x'", getattr(e, "line", 0))

    def plain_load(self, addrs, line):
        out = []
        for st, a, d in addrs:
            i, v = self.load(st, a, d, (), line)
            out.append((st, v, frozenset((i,))))
        return out

    def pointer_arg(self, conv, arg, st):
        return self.address(arg, st) if conv == "lval" else self.ev(arg, st)

    def args(self, e, n):
        if len(e.args) != n:
            raise self.error(f"{e.fn}() takes {n} argument(s), got {len(e.args)}", e.line)
        return e.args

    def call(self, e, st):
        fn, line = e.fn, e.line
        if fn in _LOADS:
            conv, ann = _LOADS[fn]
            (x,) = self.args(e, 1)
            out = []
            for s, a, d in self.pointer_arg(conv, x, st):
                i, v = self.load(s, a, d, (ann,), line)
                out.append((s, v, frozenset((i,))))
            return out
        if fn in _STORES:
            conv, ann = _STORES[fn]
            x, val = self.args(e, 2)
            out = []
            for s1, a, da in self.pointer_arg(conv, x, st):
                for s2, v, dv in self.ev(val, s1):
                    self.emit(s2, TEvent("W", a, frozenset((ann,)), False, v, da, dv, line=line))
                    if fn == "smp_store_mb":
                        self.emit(s2, TEvent("F", None, frozenset(("MB",)), line=line))
                    out.append((s2, 0, _EMPTY))
            return out
        if fn in _FENCES:
            self.args(e, 0)
            self.emit(st, TEvent("F", None, frozenset((_FENCES[fn],)), line=line))
            return [(st, 0, _EMPTY)]
        if fn in _RMWS:
            return self.rmw(e, st, *_RMWS[fn])
        if fn in ("spin_lock", "spin_unlock", "spin_trylock", "spin_is_locked",
                  "synchronize_srcu", "synchronize_srcu_expedited"):
            (x,) = self.args(e, 1)
            out = []
            for s, a, d in self.ev(x, st):
                out.extend(self.lock_op(fn, s, a, d, line))
            return out
        raise self.error(f"unsupported primitive '{fn}'", line)

    def lock_op(self, fn, st, a, d, line):
        if fn == "spin_lock":
            self.emit(st, TEvent("LKR", a, addr=d, line=line))
            self.emit(st, TEvent("LKW", a, addr=d, line=line))
            return [(st, 0, _EMPTY)]
        if fn == "spin_unlock":
            self.emit(st, TEvent("UL", a, addr=d, line=line))
            return [(st, 0, _EMPTY)]
        if fn.startswith("synchronize_srcu"):
            self.emit(st, TEvent("F", a, frozenset(("Sync-srcu",)), addr=d, line=line))
            return [(st, 0, _EMPTY)]
        ok, failed = st, st.fork()
        if fn == "spin_trylock":
            self.emit(ok, TEvent("LKR", a, addr=d, line=line))
            self.emit(ok, TEvent("LKW", a, addr=d, line=line))
            i = self.emit(failed, TEvent("LF", a, addr=d, line=line))
            return [(ok, 1, _EMPTY), (failed, 0, frozenset((i,)))]
        i = self.emit(ok, TEvent("RL", a, addr=d, line=line))
        j = self.emit(failed, TEvent("RU", a, addr=d, line=line))
        return [(ok, 1, frozenset((i,))), (failed, 0, frozenset((j,)))]

    def rmw(self, e, st, shape, op, ann):
        """Read-modify-write primitives (herd's __xchg, __cmpxchg, __atomic_op...)."""
        line = e.line
        tags = frozenset((ann,))
        out = []
        if shape == "xchg":
            x, val = self.args(e, 2)
            for s1, a, da in self.ev(x, st):
                for s2, v, dv in self.ev(val, s1):
                    r, rv = self.load(s2, a, da, tags, line, atomic=True)
                    self.emit(s2, TEvent("W", a, tags, True, v, da, dv, rmw_read=r, line=line))
                    out.append((s2, rv, frozenset((r,))))
            return out
        if shape == "cmpxchg":
            x, old, new = self.args(e, 3)
            for s1, a, da in self.ev(x, st):
                for s2, o, _ in self.ev(old, s1):
                    for s3, nv, dn in self.ev(new, s2):
                        fail = s3.fork()
                        r, rv = self.load(s3, a, da, tags, line, atomic=True)
                        s3.cons.append((self.op("==", line, rv, o), True))
                        self.emit(s3, TEvent("W", a, tags, True, nv, da, dn, rmw_read=r, line=line))
                        out.append((s3, rv, frozenset((r,))))
                        r2, rv2 = self.load(fail, a, da, tags, line, atomic=True)
                        fail.cons.append((self.op("==", line, rv2, o), False))
                        out.append((fail, rv2, frozenset((r2,))))
            return out
        if shape == "add_unless":
            x, add, unless = self.args(e, 3)
            for s1, a, da in self.ev(x, st):
                for s2, av, dav in self.ev(add, s1):
                    for s3, u, du in self.ev(unless, s2):
                        fail = s3.fork()
                        r, rv = self.load(s3, a, da, tags, line, atomic=True)
                        s3.cons.append((self.op("==", line, rv, u), False))
                        self.emit(s3, TEvent("W", a, tags, True, self.op("+", line, rv, av), da,
                                             dav | {r}, rmw_read=r, line=line))
                        out.append((s3, 1, frozenset((r,)) | du))
                        r2, rv2 = self.load(fail, a, da, tags, line, atomic=True)
                        fail.cons.append((self.op("==", line, rv2, u), True))
                        out.append((fail, 0, frozenset((r2,)) | du))
            return out
        # __atomic_op / __atomic_op_return / __atomic_fetch_op
        if shape in ("op1", "op_return1", "fetch1", "and_test1"):
            (x,) = self.args(e, 1)
            operand = Num(1)
        elif shape in ("op", "op_return", "fetch", "sub_and_test", "add_negative"):
            operand, x = self.args(e, 2)
        else:
            raise self.error(f"unsupported primitive '{e.fn}'", line)
        for s1, v, dv in self.ev(operand, st):
            for s2, a, da in self.ev(x, s1):
                r, rv = self.load(s2, a, da, tags, line, atomic=True)
                w = self.op(op, line, rv, v)
                self.emit(s2, TEvent("W", a, tags, True, w, da, dv | {r}, rmw_read=r, line=line))
                deps = frozenset((r,)) | dv
                if shape in ("op", "op1"):
                    out.append((s2, 0, _EMPTY))
                elif shape in ("fetch", "fetch1"):
                    out.append((s2, rv, deps))
                elif shape in ("op_return", "op_return1"):
                    out.append((s2, w, deps))
                elif shape == "add_negative":
                    out.append((s2, self.op("<", line, w, 0), deps))
                else:  # *_and_test
                    out.append((s2, self.op("==", line, w, 0), deps))
        return out

    # -- statements
    def run(self, stmts, states):
        for stmt in stmts:
            nxt = []
            for st in states:
                nxt.extend(self.stmt(stmt, st))
            states = nxt
        return states

    def stmt(self, s, st):
        if isinstance(s, Decl):
            if s.init is None:  # herd: a declaration is a no-op (init values stay)
                return [st]
            out = []
            for s2, v, d in self.ev(s.init, st):
                s2.regs[s.name] = (v, d)
                out.append(s2)
            return out
        if isinstance(s, Assign):
            if isinstance(s.target, Name):  # herd: a NAME on the left is a register
                out = []
                for s2, v, d in self.ev(s.value, st):
                    s2.regs[s.target.id] = (v, d)
                    out.append(s2)
                return out
            out = []
            for s1, a, da in self.address(s.target, st):
                for s2, v, dv in self.ev(s.value, s1):
                    self.emit(s2, TEvent("W", a, _EMPTY, False, v, da, dv, line=s.line))
                    out.append(s2)
            return out
        if isinstance(s, ExprStmt):
            return [s2 for s2, _, _ in self.ev(s.expr, st)]
        if isinstance(s, If):
            return self.branch(s.cond, s.then, s.orelse, st, s.line)
        if isinstance(s, While):
            return self.loop(s, st, 0)
        raise self.error(f"unsupported statement {s!r}", getattr(s, "line", 0))

    def branch(self, cond, then, orelse, st, line):
        out = []
        for s, v, d in self.ev(cond, st):
            outer = s.ctrl
            choices = []
            if _concrete(v):
                choices.append((s, then if truth(v) else orelse))
            else:
                other = s.fork()
                s.cons.append((v, True))
                other.cons.append((v, False))
                choices += [(s, then), (other, orelse)]
            for s2, body in choices:
                s2.ctrl = outer | d
                for s3 in self.run(body, [s2]):
                    s3.ctrl = outer
                    out.append(s3)
        return out

    def loop(self, w, st, n):
        out = []
        for s, v, d in self.ev(w.cond, st):
            outer = s.ctrl
            choices = []
            if _concrete(v):
                choices.append((s, truth(v)))
            else:
                other = s.fork()
                s.cons.append((v, True))
                other.cons.append((v, False))
                choices += [(s, True), (other, False)]
            for s2, go in choices:
                if not go:
                    out.append(s2)
                    continue
                if n >= UNROLL:
                    continue  # herd's cut-off: the execution is dropped
                s2.ctrl = outer | d
                for s3 in self.run(w.body, [s2]):
                    s3.ctrl = outer
                    out.extend(self.loop(w, s3, n + 1))
        return out


def process_paths(test, proc) -> list[Path]:
    """Every control path of process ``proc`` of ``test``."""
    regs = {}
    for p in proc.params:
        regs[p] = (Sym(p), _EMPTY)
    for (tid, reg), v in test.regs_init.items():
        if tid == proc.tid:
            regs[reg] = (v, _EMPTY)
    globals_ = set(test.globals_init) | {p for q in test.procs for p in q.params}
    runner = _Process(proc.tid, test.file, globals_)
    states = runner.run(proc.body, [_State([], regs, [], _EMPTY)])
    return [Path(proc.tid, s.events, s.cons, {k: v for k, (v, _) in s.regs.items()})
            for s in states]
