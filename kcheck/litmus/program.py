"""A litmus test as a kcheck model, explored by the engine (``--engine trust``).

``kcheck litmus`` normally decides a test the way herd7 does: enumerate
candidate executions and keep the ones the LKMM allows (``enumerate.py``).
This module runs the same test as a *program* instead: each process becomes
a task executing its statements with ``kcheck.kernel`` primitives, a last
task joins them and reads the final state, and TruSt explores every
execution under ``--memory-model lkmm``.  Comparing the two is how we check
that whole-program exploration under the LKMM gives herd7's answers.

The engine builds executions in porf order, as GenMC does, so it never sees
load buffering (a cycle through po and rf): a test whose outcome needs one
(``LB+poonceonces``) is ``Never`` here and ``Sometimes`` for herd7.  Address,
data and control dependencies are exact (``Run.set_deps``).  A global passed
to ``srcu_read_lock()``, ``srcu_read_unlock()`` or ``synchronize_srcu()`` is
a ``struct srcu_struct`` of the kernel API, made in ``main()``.
"""

from __future__ import annotations

import time

from . import semantics as _sem
from . import syntax as S
from .syntax import LitmusError
from .. import api as _api
from ..engine import runtime as _rt
from ..engine.runtime import Loc
from ..engine.explore import TruSt
from ..report.result import LKMM_EXCLUDES
from ..engine import graph as G
from ..kernel import _core as K
from .. import kernel as kernel
from ..kernel import srcu as _srcu

_LOADS = {"READ_ONCE": K.ONCE, "smp_load_acquire": K.ACQ, "rcu_dereference": K.ONCE,
          "rcu_dereference_raw": K.ONCE}
_STORES = {"WRITE_ONCE": K.ONCE, "smp_store_release": K.REL, "rcu_assign_pointer": K.REL,
           "RCU_INIT_POINTER": K.ONCE}
_SRCU = ("srcu_read_lock", "srcu_read_unlock", "srcu_down_read", "srcu_up_read", "synchronize_srcu",
         "synchronize_srcu_expedited")
_FENCES = ("smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic",
           "smp_mb__after_spinlock", "smp_mb__after_unlock_lock", "barrier",
           "smp_mb__after_srcu_read_unlock")


class _Obj:
    """A litmus global seen as a kernel object (atomic_t, spinlock_t): one word."""

    __slots__ = ("_loc", "_kid")

    def __init__(self, loc):
        self._loc = loc
        self._kid = ("lit", loc.lid)

    def __eq__(self, other):
        return isinstance(other, _Obj) and other._loc.lid == self._loc.lid

    def __hash__(self):
        return hash(self._kid)


_NONE = frozenset()


class _Proc:
    """One litmus process run as a task.  Every value carries the set of read
    events it was computed from (herd's dependencies through registers), and
    each access is given its address, data and control dependencies exactly
    (``Run.set_deps``), as ``semantics.py`` gives them to the enumerator."""

    def __init__(self, test, proc, cells, srcu):
        self.test, self.proc, self.cells, self.srcu = test, proc, cells, srcu
        self.regs = {}            # name -> (value, deps)
        self.ctrl = _NONE

    def err(self, msg, line):
        return LitmusError(msg, self.test.file, line)

    # -- values -----------------------------------------------------------
    def value(self, v):
        if isinstance(v, S.Sym):
            return self.cells[v.name]
        return v

    def lval(self, e):
        """(location, deps) an lvalue names."""
        if isinstance(e, S.Unary) and e.op == "*":
            p, d = self.eval(e.arg)
            if not isinstance(p, Loc):
                # no such location: herd7 has no candidate here, so this
                # execution is not one (enumerate.py drops it the same way)
                _rt.CURRENT.discard()
            return p, d
        if isinstance(e, S.Name) and e.id in self.cells and e.id not in self.regs:
            return self.cells[e.id], _NONE
        raise self.err("unsupported lvalue", getattr(e, "line", 0))

    def ptr(self, e):
        """(location, deps) of a pointer argument: ``&x``, ``x`` (a parameter) or ``*p``."""
        if isinstance(e, S.Name):
            v, d = self.eval(e)
        else:
            v, d = self.lval(e) if not (isinstance(e, S.Unary) and e.op == "&") else self.eval(e)
        return v, d

    def access(self, fn, *args, addr=_NONE, data=_NONE):
        """Call a kernel primitive with this access's dependencies; (result, read deps)."""
        r = _rt.CURRENT
        r.set_deps(addr, data, self.ctrl)
        try:
            res = fn(*args)
        finally:
            r.set_deps()
        e = r.last_event()
        if e is not None and e.kind == G.WRITE and e.rmw is True:
            e = r.g.threads[e.tid][e.idx - 1]
        return res, (frozenset((e,)) if e is not None and e.kind == G.READ else _NONE)

    def eval(self, e):
        """(value, deps)."""
        if isinstance(e, S.Num):
            return e.value, _NONE
        if isinstance(e, S.Name):
            if e.id in self.regs:
                return self.regs[e.id]
            if e.id in self.cells:
                return self.cells[e.id], _NONE          # a parameter: the global's address
            return 0, _NONE
        if isinstance(e, S.Unary):
            if e.op == "*":
                loc, d = self.lval(e)
                return self.access(_rt.CURRENT.read, loc, K.PLAIN, "load", addr=d)
            if e.op == "&":
                if isinstance(e.arg, S.Name):
                    if e.arg.id not in self.cells:
                        # a register has no address in a litmus test (herd7: a syntax error)
                        raise self.err(f"&{e.arg.id}: '{e.arg.id}' is a register, not a shared "
                                       "variable, and has no address", e.line)
                    return self.cells[e.arg.id], _NONE
                return self.lval(e.arg)
            v, d = self.eval(e.arg)
            return {"-": lambda x: -x, "!": lambda x: int(not x), "~": lambda x: ~x}[e.op](v), d
        if isinstance(e, S.Binary):
            a, da = self.eval(e.left)
            b, db = self.eval(e.right)
            d = da | db
            if e.op == "&&":
                return int(bool(a) and bool(b)), d
            if e.op == "||":
                return int(bool(a) or bool(b)), d
            if isinstance(a, Loc) or isinstance(b, Loc):
                if e.op == "+" and b == 0:
                    return a, d
                if e.op in ("==", "!="):
                    return int((a == b) == (e.op == "==")), d
                raise self.err(f"pointer arithmetic {e.op}", e.line)
            # the herd engine's arithmetic, to the letter: 32-bit wrap, C's
            # truncating '/' and '%', a division by zero an error
            try:
                return _sem.apply(e.op, (a, b)), d
            except _sem.Undefined as x:
                raise self.err(f"operator {e.op}: {x}", e.line) from None
        if isinstance(e, S.Call):
            return self.call(e)
        raise self.err(f"unsupported expression {type(e).__name__}", getattr(e, "line", 0))

    def call(self, c):
        try:
            return self._call(c)
        except (IndexError, TypeError) as e:
            # WRITE_ONCE(*x) and the like: what the herd engine says in its words
            raise self.err(f"{c.fn}() called with {len(c.args)} argument(s): not the number it "
                           "takes", c.line) from None

    def _call(self, c):
        r = _rt.CURRENT
        fn, args = c.fn, c.args
        if fn in _LOADS:
            loc, d = self.lval(args[0]) if fn in ("READ_ONCE", "rcu_dereference",
                                                  "rcu_dereference_raw") else self.ptr(args[0])
            return self.access(r.read, loc, _LOADS[fn], fn, addr=d)
        if fn in _STORES:
            loc, d = self.lval(args[0]) if fn in ("WRITE_ONCE", "rcu_assign_pointer",
                                                  "RCU_INIT_POINTER") else self.ptr(args[0])
            v, dv = self.eval(args[1])
            self.access(r.write, loc, v, _STORES[fn], fn, addr=d, data=dv)
            return 0, _NONE
        if fn == "smp_store_mb":
            loc, d = self.lval(args[0])
            v, dv = self.eval(args[1])
            self.access(r.write, loc, v, K.ONCE, fn, addr=d, data=dv)
            r.fence("smp_mb")
            return 0, _NONE
        if fn in _FENCES or fn in ("rcu_read_lock", "rcu_read_unlock", "synchronize_rcu"):
            getattr(kernel, fn)()
            return 0, _NONE
        if fn == "synchronize_rcu_expedited":
            # linux-kernel.def: the same Sync-rcu event as synchronize_rcu()
            kernel.synchronize_rcu()
            return 0, _NONE
        if fn in ("spin_lock", "spin_unlock", "spin_trylock", "spin_is_locked"):
            loc, d = self.eval(args[0])
            res, rd = self.access(getattr(kernel, fn), _Obj(loc), addr=d)
            return (int(res) if res is not None else 0), (rd if fn in ("spin_trylock",
                                                                       "spin_is_locked") else _NONE)
        if fn in _SRCU:
            if not args or not isinstance(args[0], S.Name) or args[0].id not in self.srcu:
                raise self.err(f"{fn}: the first argument must be a parameter", c.line)
            ssp = self.srcu[args[0].id]
            if fn == "srcu_read_lock":
                return self.access(kernel.srcu_read_lock, ssp)
            if fn == "srcu_down_read":
                # herd7's value: what the Srcu-lock read (the kernel API's
                # index names the section; here the dependency does, as in herd7)
                idx, d = self.access(kernel.srcu_down_read, ssp)
                return _rt.CURRENT.cur.tls["srcu_down"][idx & 0xFFFF], d
            if fn in ("srcu_read_unlock", "srcu_up_read"):
                if len(args) != 2:
                    raise self.err(f"{fn} takes two arguments", c.line)
                v, dv = self.eval(args[1])
                # Srcu-unlock is data-dependent on its Srcu-lock (the bridge pairs them)
                if fn == "srcu_up_read":
                    # the section is the one herd7's carry-srcu-data finds: the
                    # Srcu-lock the index's value came from, through data and rf;
                    # none (herd7's unmatched-srcu-unlock) ends nothing
                    self.access(_srcu._up_read, ssp, _down_section(dv), False, v, data=dv)
                else:
                    self.access(kernel.srcu_read_unlock, ssp, v, data=dv)
                return 0, _NONE
            getattr(kernel, fn)(ssp)
            return 0, _NONE
        if fn.startswith(("xchg", "cmpxchg")):
            f = getattr(kernel, fn, None)
            if f is None:
                raise self.err(f"{fn} is not supported by the program engine", c.line)
            loc, d = self.eval(args[0]) if isinstance(args[0], S.Name) else self.lval(args[0])
            vals = [self.eval(a) for a in args[1:]]
            data = _NONE
            for _, dv in vals[-1:]:
                data = dv
            return self.access(f, loc, *[v for v, _ in vals], addr=d, data=data)
        if fn.startswith("atomic_"):
            f = getattr(kernel, fn, None)
            if f is None:
                raise self.err(f"{fn} is not supported by the program engine", c.line)
            vals = [self.eval(a) for a in args]
            addr = _NONE
            data = _NONE
            for v, dv in vals:
                if isinstance(v, Loc):
                    addr = addr | dv
                else:
                    data = data | dv
            res, rd = self.access(f, *[_Obj(v) if isinstance(v, Loc) else v for v, _ in vals],
                                  addr=addr, data=data)
            res = int(res) if isinstance(res, bool) else (res if res is not None else 0)
            return res, rd | data
        raise self.err(f"{fn} is not supported by the program engine", c.line)

    # -- statements -------------------------------------------------------
    def run(self, body, depth=0):
        for st in body:
            if isinstance(st, S.Decl):
                self.regs[st.name] = self.eval(st.init) if st.init is not None else self.regs.get(
                    st.name, (0, _NONE))
            elif isinstance(st, S.Assign):
                if isinstance(st.target, S.Name) and st.target.id not in self.cells:
                    self.regs[st.target.id] = self.eval(st.value)
                else:
                    loc, d = self.lval(st.target)
                    v, dv = self.eval(st.value)
                    self.access(_rt.CURRENT.write, loc, v, K.PLAIN, "store", addr=d, data=dv)
            elif isinstance(st, S.ExprStmt):
                self.eval(st.expr)
            elif isinstance(st, S.If):
                v, d = self.eval(st.cond)
                outer = self.ctrl
                self.ctrl = outer | d
                self.run(st.then if v else st.orelse, depth)
                self.ctrl = outer
            elif isinstance(st, S.While):
                n = 0
                outer = self.ctrl
                while True:
                    v, d = self.eval(st.cond)
                    if not v:
                        break
                    n += 1
                    if n > 2:                      # herd7 unrolls loops twice
                        _rt.CURRENT.discard()
                    self.ctrl = self.ctrl | d
                    self.run(st.body, depth)
                self.ctrl = outer
            else:
                raise self.err(f"unsupported statement {type(st).__name__}", getattr(st, "line", 0))


def _holds(p, state):
    if isinstance(p, S.Const):
        return p.value
    if isinstance(p, S.Not):
        return not _holds(p.prop, state)
    if isinstance(p, S.And):
        return all(_holds(q, state) for q in p.props)
    if isinstance(p, S.Or):
        return any(_holds(q, state) for q in p.props)
    if isinstance(p, S.Implies):
        return (not _holds(p.left, state)) or _holds(p.right, state)
    if isinstance(p, S.Atom):
        a = state.get(str(p.loc), 0)
        b = state.get(str(p.value), 0) if isinstance(p.value, S.Loc) else (
            p.value.name if isinstance(p.value, S.Sym) else p.value)
        return (a != b) if p.negated else (a == b)
    raise TypeError(p)


def _show(v):
    return v.field if isinstance(v, Loc) else v


def explore(test):
    """Run ``test`` as a program under the LKMM: (observation, positives, negatives, seconds)."""
    from .enumerate import _check_locations
    _check_locations(test, {})      # "3:r0" with no P3 is an error, as for herd7 and the herd engine
    outcomes, bug, secs = final_states(test)
    if bug is not None and bug.kind != "deadlock":
        msg = bug.message
        if bug.kind == "model-error" and msg.startswith("LitmusError: "):
            # the test's own fault, found as it ran: its file:line message as is
            raise LitmusError(f"program engine: {msg[len('LitmusError: '):]}")
        raise LitmusError(f"program engine: {bug.kind}: {msg}", test.file)
    keep = [s for s in outcomes if test.filter is None or _holds(test.filter, s)]
    pos = sum(1 for s in keep if _holds(test.condition, s))
    neg = len(keep) - pos
    obs = "Never" if pos == 0 else ("Always" if neg == 0 else "Sometimes")
    return obs, pos, neg, secs, bug is not None


def final_states(test):
    """Every final state of ``test`` run as a program under the LKMM, one per
    execution (globals by name, registers as ``"tid:reg"``); the first bug met
    (None if none) and the seconds taken."""
    outcomes = []
    names = set(test.globals_init) | {p for pr in test.procs for p in pr.params}
    names |= {v.name for v in list(test.globals_init.values()) + list(test.regs_init.values())
              if isinstance(v, S.Sym)}
    names = sorted(names)

    srcu_names = _srcu_names(test)

    def main():
        cells = {n: Loc(0, None, n) for n in names}
        for n, v in test.globals_init.items():
            cells[n].init = cells[v.name] if isinstance(v, S.Sym) else v
        srcu = {n: kernel.srcu_struct(field=n) for n in srcu_names}
        tasks = []
        for pr in test.procs:
            tasks.append(_api.spawn(_body, test, pr, cells, srcu, name=f"P{pr.tid}"))
        _api.spawn(_final, test, cells, tasks, name="final")

    def on_complete(run):
        for t in run.tasks:
            if t is not None and t.name == "final":
                outcomes.append(t.tls["state"])

    t0 = time.perf_counter()
    # keep_going: a deadlocked execution (a lock held into a grace period) ends
    # only itself, the orders that do not deadlock are explored on (herd7 has no
    # blocking: it sees them all)
    bugs = []
    d = TruSt(main, on_complete=on_complete, memory_model="lkmm", races="off", keep_going=True,
              on_bug=lambda run, b: bugs.append(b) and False)
    d.run()
    if getattr(d, "interrupted", False):
        raise KeyboardInterrupt()    # Ctrl-C: no verdict from part of a test's executions
    bug = next((b for b in bugs if b.kind != "deadlock"), bugs[0] if bugs else None)
    return outcomes, bug, time.perf_counter() - t0


def _down_section(deps):
    """The index of the ``srcu_down_read()`` section a value with read
    dependencies ``deps`` came from: ``(data ; [~Srcu-unlock] ; rf)*`` back to
    an Srcu-lock, as linux-kernel.bell's carry-srcu-data; 0 (no section) if
    none."""
    stack, seen = list(deps), set()
    while stack:
        r = stack.pop()
        if r in seen:
            continue
        seen.add(r)
        if r.op == "~srcu_read_lock" and r.arg is not None:
            return r.arg[2]
        w = r.rf
        if w is not None and w.op != "~srcu_read_unlock" and w.deps is not None:
            stack.extend(w.deps[1])
    return 0


def _srcu_names(test):
    """The globals the test uses as ``struct srcu_struct``."""
    return sorted({e.args[0].id for pr in test.procs for st in S.statements(pr.body)
                   for e in S.expressions(st)
                   if isinstance(e, S.Call) and e.fn in _SRCU and e.args
                   and isinstance(e.args[0], S.Name)})


def _body(test, pr, cells, srcu):
    _rt.CURRENT.exact_deps = True
    p = _Proc(test, pr, cells, srcu)
    for (tid, reg), v in test.regs_init.items():
        if tid == pr.tid:
            p.regs[reg] = (p.value(v), _NONE)
    p.run(pr.body)
    _api.current().tls["regs"] = {k: v for k, (v, _) in p.regs.items()}


def _final(test, cells, tasks):
    for t in tasks:
        _api.join(t)
    state = {}
    for n, c in cells.items():
        state[n] = _show(kernel.READ_ONCE(c))
    for t in tasks:
        for reg, v in t.tls.get("regs", {}).items():
            state[f"{t.name[1:]}:{reg}"] = _show(v)
    _api.current().tls["state"] = state


def run_paths(paths, as_json, out):
    """``kcheck litmus --engine trust``: every test as a program; one line each."""
    import json as _json
    from . import collect
    from .parser import parse_file
    from .report import comparable
    t0 = time.perf_counter()
    rows = []
    interrupted = False
    try:
        for path in collect(paths):
            row = {"file": path, "name": None, "expected": None, "observation": None,
                   "positive": None, "negative": None, "match": None, "error": None,
                   "seconds": 0.0}
            try:
                test = parse_file(path)
                row["name"], row["expected"] = test.name, test.expected
                obs, pos, neg, sec, dead = explore(test)
                row.update(observation=obs, positive=pos, negative=neg, seconds=round(sec, 4))
                if comparable(test.expected):      # not "Result: Maybe"
                    row["match"] = (obs == test.expected) or (test.expected.upper() == "DEADLOCK"
                                                             and pos + neg == 0)
            except (LitmusError, RecursionError) as e:
                row["error"] = str(e)
            rows.append(row)
            if not as_json:
                if row["error"]:
                    out.write(f"Test {row['name'] or path}: error: {row['error']}\n")
                else:
                    m = "" if row["match"] is None else ("match" if row["match"] else "MISMATCH")
                    res = f"  (Result: {row['expected']})" if row["expected"] else ""
                    out.write(f"Observation {row['name']} {row['observation']} {row['positive']} "
                              f"{row['negative']}{res} {m}\n")
    except KeyboardInterrupt:
        interrupted = True      # the tests that finished are reported; the one cut short is not
    secs = time.perf_counter() - t0
    n = len(rows)
    ok = sum(1 for r in rows if r["match"])
    bad = sum(1 for r in rows if r["match"] is False)
    errs = sum(1 for r in rows if r["error"])
    # as whole programs, the tests' load-buffering executions are not explored: a
    # Never here may be herd7's Sometimes (the herd engine enumerates them)
    summary = (f"{n} tests, {ok} match, {bad} mismatch, {errs} errors, {secs:.2f} s (program engine, "
               f"TruSt + LKMM; excludes {LKMM_EXCLUDES}: a Never may be herd's Sometimes)")
    if as_json:
        _json.dump({"engine": "trust", "excludes": [LKMM_EXCLUDES], "tests": rows,
                    "summary": {"tests": n, "match": ok, "mismatch": bad, "errors": errs,
                                "seconds": round(secs, 3), "interrupted": interrupted}},
                   out, indent=2)
        out.write("\n")
    else:
        out.write(summary + "\n")
        if interrupted:
            from .report import interrupted_line
            out.write(interrupted_line(n) + "\n")
    if interrupted:
        return 130
    if not rows or errs == n:
        return 2
    return 1 if bad else 0
