"""C litmus tests (herd7's dialect) as kcheck C programs.

Each process ``Pn(int *x, ...) { body }`` keeps its body word for word, as a
C function of the same parameters; a thread ``Pn`` calls it on the globals
and then saves the registers the final clause names.  ``main()`` starts the
threads with ``pthread_create``, joins them, applies the ``filter`` with
``kcheck_assume`` and says ``BUG_ON(condition)``: under ``--memory-model
lkmm`` a test whose ``exists`` condition some execution satisfies stops with
that bug ("Sometimes"), one that no execution satisfies ends exhaustive with
no bug ("Never").  For ``forall`` the check is on the condition's negation.

The dependencies the LKMM orders by (address, data, control) come from the
bodies' own C data flow (``_deps``), as herd7 computes them.
"""

from __future__ import annotations

import re

from ..litmus.parser import parse_file
from ..litmus.syntax import Atom, Not, And, Or, Implies, Const, Sym, Loc

HEADERS = ["linux/kernel.h", "linux/atomic.h", "linux/spinlock.h", "linux/rcupdate.h", "linux/srcu.h",
           "asm/barrier.h", "kcheck.h", "pthread.h"]


class LitmusToC:
    def __init__(self, path):
        self.path = path
        self.test = parse_file(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            self.text = f.read()

    # -- the parts of the file ----------------------------------------------------------
    def procs(self):
        """[(n, parameter text, body text)] of each process, as written."""
        out = []
        for m in re.finditer(r"^\s*(?:void\s+)?P(\d+)\s*\(([^)]*)\)\s*(?://[^\n]*)?\s*\{", self.text, re.M):
            start = m.end()
            depth, i = 1, start
            while depth and i < len(self.text):
                ch = self.text[i]
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                i += 1
            body = self.text[start:i - 1]
            if re.search(r"\b(return|break|continue)\s*;", body):
                # herd7's C has no such keywords: the statement names a register and
                # does nothing (kcheck.litmus reads it so); as C it would end the
                # body, so the test is not one this converter can keep word for word
                raise ValueError(f"{self.path}: P{m.group(1)} has return;/break;/continue;, "
                                 "which herd7 reads as doing nothing and C does not")
            out.append((int(m.group(1)), m.group(2).strip(), body))
        return out

    def init_types(self):
        """Types the initial-state block gives its variables (``int x = 1;``)."""
        m = re.search(r"\n\s*\{(.*?)\}\s*\n\s*(?:void\s+)?P0\s*\(", self.text, re.S)
        types = {}
        if not m:
            return types
        for decl in m.group(1).split(";"):
            d = decl.split("=")[0].strip()
            if re.search(r"\b\d+\s*:\s*[A-Za-z_]\w*$", d):
                continue        # ``int 0:r1``: a register's type, not a location
            mm = re.match(r"(.*?)(\**)\s*([A-Za-z_]\w*)$", d)
            if mm and mm.group(1).strip():
                types[mm.group(3)] = (mm.group(1).strip() + " " + mm.group(2)).strip()
        return types

    # -- the program -----------------------------------------------------------------------
    def globals(self):
        """{name: C type} of the shared locations."""
        types = {}
        for n, params, body in self.procs():
            for p in [x.strip() for x in params.split(",") if x.strip()]:
                mm = re.match(r"(.*?)\*\s*([A-Za-z_]\w*)$", p)
                if not mm:
                    raise ValueError(f"{self.path}: parameter {p!r} is not a pointer")
                types.setdefault(mm.group(2), mm.group(1).strip())
        for name, t in self.init_types().items():
            types.setdefault(name, t)
        for name, v in self.test.globals_init.items():
            types.setdefault(name, "int")
            if isinstance(v, Sym):
                types.setdefault(v.name, "int")      # {p=y;}: y is a location of its own
        return types

    def out_regs(self):
        regs = set()

        def walk(p):
            if isinstance(p, Atom):
                for loc in (p.loc, p.value):
                    if isinstance(loc, Loc) and loc.tid is not None:
                        regs.add((loc.tid, loc.name))
            elif isinstance(p, Not):
                walk(p.prop)
            elif isinstance(p, (And, Or)):
                for q in p.props:
                    walk(q)
            elif isinstance(p, Implies):
                walk(p.left)
                walk(p.right)
        walk(self.test.condition)
        if self.test.filter is not None:
            walk(self.test.filter)
        return sorted(regs)

    def value(self, v, gtypes):
        if isinstance(v, Sym):
            return f"(unsigned long)&{v.name}"
        if isinstance(v, Loc):
            return self.loc(v, gtypes)
        return f"(unsigned long)({v})"

    def loc(self, loc, gtypes):
        if loc.tid is not None:
            return f"out_{loc.tid}_{loc.name}"
        t = gtypes.get(loc.name, "int")
        if t in ("atomic_t", "atomic64_t", "atomic_long_t"):
            return f"(unsigned long){loc.name}.counter"
        return f"(unsigned long){loc.name}"

    def prop(self, p, gtypes):
        if isinstance(p, Const):
            return "1" if p.value else "0"
        if isinstance(p, Atom):
            s = f"{self.loc(p.loc, gtypes)} == {self.value(p.value, gtypes)}"
            return f"!({s})" if p.negated else f"({s})"
        if isinstance(p, Not):
            return f"!{self.prop(p.prop, gtypes)}"
        if isinstance(p, And):
            return "(" + " && ".join(self.prop(q, gtypes) for q in p.props) + ")"
        if isinstance(p, Or):
            return "(" + " || ".join(self.prop(q, gtypes) for q in p.props) + ")"
        if isinstance(p, Implies):
            return f"(!{self.prop(p.left, gtypes)} || {self.prop(p.right, gtypes)})"
        raise ValueError(f"unsupported condition {p!r}")

    def c_text(self):
        t = self.test
        gtypes = self.globals()
        outs = self.out_regs()
        lines = [f"// SPDX-License-Identifier: GPL-2.0+",
                 f"/*",
                 f" * {t.name}, generated by kcheck.c._litmus from {self.path.rsplit('/', 1)[-1]}",
                 f" * (the kernel's tools/memory-model litmus test; its process bodies are",
                 f" * copied as written).  herd7's verdict: {t.expected}.",
                 f" */"]
        lines += [f"#include <{h}>" for h in HEADERS]
        lines.append("")
        for name, ty in gtypes.items():
            lines.append(f"static {_decl(ty, name)};")
        for name, v in t.globals_init.items():
            ty = gtypes.get(name, "int")
            init = f"&{v.name}" if isinstance(v, Sym) else str(v)
            if ty in ("atomic_t", "atomic64_t", "atomic_long_t"):
                init = "{ " + init + " }"
            lines.append(f"static {_decl(ty, name)} = {init};")
        for tid, reg in outs:
            lines.append(f"static unsigned long out_{tid}_{reg};")
        lines.append("")
        procs = self.procs()
        for n, params, body in procs:
            mine = [reg for tid, reg in outs if tid == n]
            lines.append(f"static void P{n}_body({params})")
            lines.append("{" + "".join(f"\n\tint {r};" for r in self.undeclared(n)) + body.rstrip())
            for reg in mine:
                lines.append(f"\tout_{n}_{reg} = (unsigned long){reg};")
            lines.append("}")
            lines.append("")
            args = ", ".join(f"&{_pname(p)}" for p in params.split(",") if p.strip())
            lines.append(f"static void *P{n}(void *arg)")
            lines.append("{")
            lines.append(f"\tP{n}_body({args});")
            lines.append("\treturn NULL;")
            lines.append("}")
            lines.append("")
        lines.append("int main(void)")
        lines.append("{")
        lines.append(f"\tpthread_t t[{len(procs)}];")
        lines.append("")
        for n, _, _ in procs:
            lines.append(f"\tpthread_create(&t[{n}], NULL, P{n}, NULL);")
        for n, _, _ in procs:
            lines.append(f"\tpthread_join(t[{n}], NULL);")
        if t.filter is not None:
            lines.append(f"\tkcheck_assume({self.prop(t.filter, gtypes)});")
        cond = self.prop(t.condition, gtypes)
        if t.quantifier == "forall":
            lines.append(f"\tBUG_ON(!{cond});\t/* forall: a counterexample */")
        else:
            lines.append(f"\tBUG_ON({cond});\t/* {t.quantifier}: a witness */")
        lines.append("\treturn 0;")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def undeclared(self, tid):
        """Registers process ``tid`` assigns without declaring them (herd7 takes
        them as ints; C needs the declaration)."""
        from ..litmus.syntax import Assign, Decl, Name, statements
        proc = next(p for p in self.test.procs if p.tid == tid)
        body = list(statements(proc.body))
        declared = set(proc.params) | {st.name for st in body if isinstance(st, Decl)}
        assigned = dict.fromkeys(st.target.id for st in body
                                 if isinstance(st, Assign) and isinstance(st.target, Name))
        return [r for r in assigned if r not in declared]

    def expected_bug(self):
        """Whether kcheck should find the BUG_ON (a witness or counterexample), from herd's
        Result; "DEADLOCK" (herd: no final state) expects no complete execution at all."""
        exp = self.test.expected
        if exp is None:
            return None
        if exp == "DEADLOCK":
            return "no-state"
        if self.test.quantifier == "forall":
            return {"Always": False, "Sometimes": True, "Never": True}.get(exp)
        return {"Never": False, "Sometimes": True, "Always": True}.get(exp)


def _pname(p):
    return re.match(r".*?\*\s*([A-Za-z_]\w*)$", p.strip()).group(1)


def _decl(ty, name):
    return f"{ty} {name}" if not ty.endswith("*") else f"{ty}{name}"


def to_c(path):
    return LitmusToC(path).c_text()
