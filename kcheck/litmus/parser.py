"""Read a C litmus test (the herd7 dialect used by Linux tools/memory-model).

Layout of a test: a ``C name`` line, ``(* ... *)`` comments (the leading one
carries ``Result: Never|Sometimes|Always|DEADLOCK``), the initial state
``{ ... }``, processes ``P0(int *x, ...) { ... }``, then ``locations [...]``,
``filter ...`` and ``exists``/``~exists``/``forall``.  Process bodies are a
small C: declarations, assignments, calls, ``if``/``else``, ``while``.
Anything else raises :class:`LitmusError` with file and line.
"""

from __future__ import annotations

import os
import re

from .syntax import (
    And, Assign, Atom, Binary, Call, Const, Decl, ExprStmt, If, Implies, Index, LitmusError,
    Loc, Name, Not, Num, Or, Proc, Sym, Test, Unary, While, expressions, statements,
)


def int32(v):
    """``v`` as herd7's 32-bit integers wrap it."""
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


__all__ = ["parse_file", "parse_text", "header", "LitmusError"]

# Words that start a declaration or a cast; herd ignores types beyond that.
TYPE_WORDS = frozenset("""
    int long short char unsigned signed void bool _Bool const volatile struct union
    atomic_t atomic_long_t atomic64_t spinlock_t raw_spinlock_t srcu_struct mtx_t atomic_int
    u8 u16 u32 u64 s8 s16 s32 s64 uint8_t uint16_t uint32_t uint64_t int8_t int16_t
    int32_t int64_t intptr_t uintptr_t size_t __int128 __uint128 __int128_t __uint128_t
""".split())

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+)
  | (?P<nl>\n)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<op>/\\|\\/|==|!=|<=|>=|&&|\|\||<<|>>|->|=>|[-+*/%&|^!~<>=?:;,.(){}\[\]])
""", re.VERBOSE)


class _Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return f"{self.text!r}@{self.line}"


def _tokenize(text: str, file: str, line0: int):
    """Tokens plus the texts of the ``(* *)`` comments: outside braces, and in
    the initial state, which herd reads with its own lexer (a comment there
    is common: ``int *z=1; (* List: x->y *)``).  In a process body ``(*`` is C."""
    toks, comments = [], []
    i, line, depth, n = 0, line0, 0, len(text)
    init = None             # the initial-state block: open (True), over (False)
    while i < n:
        c = text[i]
        if text.startswith("(*", i) and (depth == 0 or init):
            j, nest = i + 2, 1
            while j < n and nest:
                if text.startswith("(*", j):
                    nest, j = nest + 1, j + 2
                elif text.startswith("*)", j):
                    nest, j = nest - 1, j + 2
                else:
                    j += 1
            if nest:
                raise LitmusError("unterminated (* comment", file, line)
            comments.append((line, text[i + 2:j - 2]))
            line += text.count("\n", i, j)
            i = j
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise LitmusError("unterminated /* comment", file, line)
            line += text.count("\n", i, j)
            i = j + 2
            continue
        if c == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise LitmusError("unterminated string", file, line)
            line += text.count("\n", i, j)
            i = j + 1
            continue
        m = _TOKEN.match(text, i)
        if not m:
            raise LitmusError(f"unexpected character {c!r}", file, line)
        kind = m.lastgroup
        if kind == "nl":
            line += 1
        elif kind != "ws":
            tok = m.group()
            if tok == "{":
                if depth == 0 and init is None:
                    init = not any(t.kind == "name" and re.fullmatch(r"P\d+", t.text) for t in toks)
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth < 0:
                    # else what follows reads as the final clause, whose "(*" starts a comment
                    raise LitmusError("unmatched '}'", file, line)
                if depth == 0 and init:
                    init = False
            toks.append(_Tok(kind, tok, line))
        i = m.end()
    toks.append(_Tok("eof", "", line))
    return toks, comments


# C operator precedence, loosest first (herd's C has the same relative order).
_BINARY_LEVELS = [
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
    ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
]


class _Parser:
    def __init__(self, toks, file):
        self.toks, self.pos, self.file = toks, 0, file
        self.init_lines = {}        # (tid, register) -> line of its initial-state entry

    # -- token helpers
    @property
    def tok(self):
        return self.toks[self.pos]

    def peek(self, k=1):
        return self.toks[min(self.pos + k, len(self.toks) - 1)]

    def error(self, msg, tok=None):
        tok = tok or self.tok
        return LitmusError(msg, self.file, tok.line)

    def at(self, *texts):
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def take(self, text=None):
        t = self.tok
        if text is not None and t.text != text:
            got = t.text or "end of file"
            raise self.error(f"expected {text!r}, found {got!r}")
        self.pos += 1
        return t

    def take_name(self):
        t = self.tok
        if t.kind != "name":
            raise self.error(f"expected a name, found {t.text or 'end of file'!r}")
        self.pos += 1
        return t.text

    def take_int(self):
        neg = False
        if self.at("-"):
            self.take()
            neg = True
        t = self.tok
        if t.kind != "num":
            raise self.error(f"expected a number, found {t.text!r}")
        self.pos += 1
        v = self.int32(t, neg)
        return int32(-v) if neg else v

    def int32(self, t, neg=False):
        """herd7's values are 32-bit (Int32.of_string): a constant that does not
        fit 32 bits is an error, 0x80000000 to 0xffffffff are negative; a
        decimal one must fit a signed 32-bit int (4294967295 is herd7's
        "Int32.of_string" failure - kcheck read it as -1: a review); ``neg``:
        it follows a minus, so 2147483648 is -2147483648."""
        v = int(t.text, 0)
        hexa = t.text.lower().startswith(("0x", "-0x"))
        if not -(1 << 31) <= v < (1 << 32 if hexa else (1 << 31) + (1 if neg else 0)):
            raise self.error(f"{t.text}: herd7's values are 32-bit integers")
        return int32(v)

    # -- types
    def at_type(self):
        return self.tok.kind == "name" and self.tok.text in TYPE_WORDS

    def skip_type(self):
        """Type words; ``struct foo`` takes its tag.  Pointer stars are left."""
        while self.at_type():
            word = self.take().text
            if word in ("struct", "union"):
                self.take_name()

    # -- initial state
    def init_block(self, test: Test):
        self.take("{")
        while not self.at("}"):
            if self.at(";"):
                self.take()
                continue
            tid = None
            if self.tok.kind == "num" and self.peek().text == ":":
                tid = int(self.take().text)
                self.take(":")
            self.skip_type()
            pointer = False
            while self.at("*"):
                self.take()
                pointer = True
            if tid is None and self.tok.kind == "num" and self.peek().text == ":":
                tid = int(self.take().text)  # "int *1:r1;"
                self.take(":")
            line = self.tok.line
            if tid is None and self.at("["):
                # herd's explicit memory location, "[x]=1;" (as in the final clause)
                self.take()
                name = self.take_name()
                self.take("]")
            else:
                name = self.take_name()
            if self.at("["):
                raise self.error(f"arrays in the initial state are not supported ({name})")
            value = 0
            if self.at("="):
                self.take()
                if self.at("&") and not pointer:
                    # herd7 takes '&' only in a pointer's entry ("int *p = &x;",
                    # "*p = &x;"); "p = &x;" and "0:r1 = &x;" are its syntax errors
                    cell = name if tid is None else f"{tid}:{name}"
                    raise self.error(f"'&' in the initial value of {cell}, which is not "
                                     f"declared a pointer (write '{cell}=x' or 'int *{cell}=&x')")
                value = self.init_value()
            if tid is None:
                test.globals_init[name] = value
            else:
                test.regs_init[(tid, name)] = value
                self.init_lines[(tid, name)] = line
            if not self.at("}"):
                if not self.at(";"):
                    raise self.error(f"expected ';' after initial value of {name}")
        self.take("}")

    def init_value(self):
        if self.at("&"):
            self.take()
            return Sym(self.take_name())
        if self.tok.kind == "name":
            name = self.take_name()
            if self.at("("):  # ATOMIC_INIT(v)
                self.take("(")
                v = self.init_value()
                self.take(")")
                return v
            return Sym(name)
        if self.at("{"):
            raise self.error("array initialisers are not supported")
        return self.take_int()

    # -- processes
    def proc(self, test=None):
        if self.at("void"):
            self.take()
        t = self.tok
        m = re.fullmatch(r"P(\d+)", t.text) if t.kind == "name" else None
        if not m:
            raise self.error(f"expected a process P<n>, found {t.text!r}")
        self.take()
        self.take("(")
        params = []
        while not self.at(")"):
            self.skip_type()
            while self.at("*"):
                self.take()
            if self.at(")"):  # P0(void)
                break
            params.append(self.take_name())
            if not self.at(")"):
                self.take(",")
        self.take(")")
        body = self.block()
        tid = int(m.group(1))
        # registers the initial state sets ("1:r2=x;") need no declaration, as in herd7
        init_regs = {r for (t_, r) in test.regs_init if t_ == tid} if test is not None else ()
        _check_names(self, tid, params, body, init_regs)
        return Proc(int(m.group(1)), tuple(params), tuple(body), t.line)

    def block(self):
        self.take("{")
        out = []
        while not self.at("}"):
            if self.tok.kind == "eof":
                raise self.error("unterminated block")
            out.extend(self.stmt())
        self.take("}")
        return out

    def stmt(self):
        t = self.tok
        if self.at("{") and t.kind == "op":
            return self.block()
        if self.at(";"):
            self.take()
            return []
        if t.kind == "name" and t.text == "if":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            then = self.stmt()
            orelse = []
            if self.at("else"):
                self.take()
                orelse = self.stmt()
            return [If(cond, tuple(then), tuple(orelse), t.line)]
        if t.kind == "name" and t.text == "while":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            return [While(cond, tuple(self.stmt()), t.line)]
        if t.kind == "name" and t.text in ("return", "break", "continue") \
                and self.peek().text == ";" and self.peek().kind == "op":
            # herd7's C has no such keywords: "return;" is an expression statement
            # naming a register, which does nothing - the process goes on (herd7
            # 7.58: "if (r0 == 0) return; WRITE_ONCE(*y, 1);" always writes y).
            # So it is here; "return r0;" and "return(r0);" stay errors, as in herd7.
            self.take()
            self.take(";")
            return []
        if t.kind == "name" and t.text in ("for", "do", "switch", "goto", "return", "break",
                                           "continue"):
            what = " with a value" if t.text == "return" else ""
            raise self.error(f"'{t.text}'{what} is not supported in litmus processes")
        if self.at_type():
            return self.declaration()
        e = self.expr()
        if self.at("="):
            self.take()
            if not isinstance(e, (Name, Unary, Index)) or (isinstance(e, Unary) and e.op != "*"):
                raise self.error("left side of '=' is not assignable", t)
            v = self.expr()
            self.take(";")
            return [Assign(e, v, t.line)]
        self.take(";")
        return [ExprStmt(e, t.line)]

    def declaration(self):
        line = self.tok.line
        self.skip_type()
        out = []
        while True:
            while self.at("*"):
                self.take()
            name = self.take_name()
            if self.at("["):
                raise self.error(f"local arrays are not supported ({name})")
            init = None
            if self.at("="):
                self.take()
                init = self.expr()
            out.append(Decl(name, init, line))
            if self.at(","):
                self.take()
                continue
            self.take(";")
            return out

    # -- expressions
    def expr(self, level=0):
        if level == len(_BINARY_LEVELS):
            return self.unary()
        left = self.expr(level + 1)
        ops = _BINARY_LEVELS[level]
        while self.tok.kind == "op" and self.tok.text in ops:
            t = self.take()
            right = self.expr(level + 1)
            left = Binary(t.text, left, right, t.line)
        return left

    def unary(self):
        t = self.tok
        if t.kind == "op" and t.text in ("-", "!", "~", "*", "&"):
            self.take()
            arg = self.unary()
            if t.text == "-" and isinstance(arg, Num):
                return Num(int32(-arg.value))
            return Unary(t.text, arg, t.line)
        if t.kind == "op" and t.text == "(" and self.peek().kind == "name" \
                and self.peek().text in TYPE_WORDS:
            self.take("(")
            self.skip_type()
            while self.at("*"):
                self.take()
            self.take(")")
            return self.unary()  # casts are dropped, as herd does
        return self.postfix()

    def postfix(self):
        e = self.primary()
        while True:
            if self.at("["):
                t = self.take()
                idx = self.expr()
                self.take("]")
                e = Index(e, idx, t.line)
            elif self.at(".", "->"):
                raise self.error("struct fields are not supported")
            else:
                return e

    def primary(self):
        t = self.tok
        if t.kind == "num":
            self.take()
            return Num(self.int32(t, True))     # it may follow a unary minus
        if t.kind == "name":
            self.take()
            if self.at("("):
                self.take("(")
                args = []
                while not self.at(")"):
                    args.append(self.expr())
                    if not self.at(")"):
                        self.take(",")
                self.take(")")
                return Call(t.text, tuple(args), t.line)
            return Name(t.text, t.line)
        if t.kind == "op" and t.text == "(":
            self.take()
            e = self.expr()
            self.take(")")
            return e
        raise self.error(f"unexpected {t.text or 'end of file'!r} in expression")

    # -- final clause
    def final(self, test: Test):
        seen_cond = False
        while self.tok.kind != "eof":
            t = self.tok
            if t.text == "locations":
                self.take()
                self.take("[")
                while not self.at("]"):
                    test.locations.append(self.loc())
                    if self.at(";"):
                        self.take()
                self.take("]")
            elif t.text == "filter":
                self.take()
                test.filter = self.prop()
            elif t.text in ("exists", "forall") or (t.text == "~" and self.peek().text == "exists"):
                if seen_cond:
                    raise self.error("second final condition")
                if t.text == "~":
                    self.take()
                    self.take("exists")
                    test.quantifier = "~exists"
                else:
                    test.quantifier = self.take().text
                test.condition = self.prop()
                seen_cond = True
                if self.at(";"):        # herd accepts "exists (...);"
                    self.take()
            else:
                raise self.error(f"unexpected {t.text!r} after the processes")
        if not seen_cond:  # herd's default: forall (true)
            test.quantifier, test.condition = "forall", Const(True)

    def loc(self):
        line = self.tok.line
        if self.tok.kind == "num" and self.peek().text == ":":
            tid = int(self.take().text)
            self.take(":")
            return Loc(tid, self.take_name(), line)
        if self.at("*"):
            raise self.error("dereferences in the final condition are not supported")
        if self.at("["):
            # herd's explicit memory location: [x] is the shared variable x
            self.take()
            name = self.take_name()
            self.take("]")
            return Loc(None, name, line)
        name = self.take_name()
        if self.at("["):
            raise self.error("array cells in the final condition are not supported")
        return Loc(None, name, line)

    def prop(self):
        left = self.disj()
        if self.at("=>"):
            self.take()
            return Implies(left, self.prop())
        return left

    def disj(self):
        parts = [self.conj()]
        while self.at("\\/"):
            self.take()
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self):
        parts = [self.prop_unary()]
        while self.at("/\\"):
            self.take()
            parts.append(self.prop_unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def prop_unary(self):
        if self.at("~", "not"):
            self.take()
            return Not(self.prop_unary())
        if self.at("("):
            self.take()
            p = self.prop()
            self.take(")")
            return p
        if self.at("true", "false"):
            return Const(self.take().text == "true")
        loc = self.loc()
        if self.at("=", "=="):
            self.take()
            negated = False
        elif self.at("!="):
            self.take()
            negated = True
        else:
            raise self.error(f"expected '=' after {loc}")
        if self.at("&"):
            self.take()
            value = Sym(self.take_name())
        elif self.tok.kind == "num" and self.peek().text == ":":
            value = self.loc()  # herd's location-to-location atom, 0:r1=1:r1
        elif self.tok.kind == "name":
            value = Sym(self.take_name())
        else:
            value = self.take_int()
        return Atom(loc, value, negated)


def parse_text(text: str, file: str = "<string>") -> Test:
    lines = text.split("\n")
    k = 0
    while k < len(lines) and not lines[k].strip():
        k += 1
    m = re.match(r"\s*C\s+(\S+)", lines[k]) if k < len(lines) else None
    if not m:
        first = lines[k].split()[0] if k < len(lines) and lines[k].split() else ""
        if not first:
            raise LitmusError("empty file: not a C litmus test", file, 1)
        if first == "C":
            raise LitmusError("the header names no test: expected 'C NAME'", file, k + 1)
        if len(first) > 24 or not first.isprintable() or not first.isascii():
            # binary or foreign text: show its start, not a screenful of escapes
            first = "".join(c if c.isascii() and c.isprintable() else "?" for c in first[:24]) + "..."
        raise LitmusError(f"not a C litmus test (first word {first!r}, expected 'C')",
                          file, min(k + 1, max(1, len(lines))))
    name = m.group(1)
    # Between the name and the initial state herd skips whatever is not a
    # comment: diy's "info" lines (Cycle=..., Hash=...), a second "C name",
    # free text.  Blank them, keeping line numbers.
    body = lines[k + 1:]
    nest = 0
    for j, line in enumerate(body):
        t = line.strip()
        if not nest and (t.startswith("{") or re.match(r"P\d+\s*\(", t)):
            break
        if not nest and t and not t.startswith("(*") and not t.startswith('"'):
            body[j] = ""
            continue
        nest = max(0, nest + line.count("(*") - line.count("*)"))
    rest = "\n".join(body)
    toks, comments = _tokenize(rest, file, k + 2)
    p = _Parser(toks, file)
    # The expected verdict: the first "Result:" in a (* *) comment before P0.
    first_proc_line = next((t.line for t in toks if t.kind == "name" and
                            re.fullmatch(r"P\d+", t.text)), None)
    expected = None
    for line, body in comments:
        if first_proc_line is not None and line > first_proc_line:
            break
        r = re.search(r"Result:\s*([A-Za-z]+)", body)
        if r:
            expected = r.group(1)
            break
    test = Test(name=name, file=file, expected=expected)
    if p.at("{"):
        p.init_block(test)
    while p.tok.kind == "name" and (re.fullmatch(r"P\d+", p.tok.text) or
                                    (p.tok.text == "void" and
                                     re.fullmatch(r"P\d+", p.peek().text))):
        test.procs.append(p.proc(test))
    if not test.procs:
        found = p.tok.text if p.tok.kind != "eof" else "the end of the file"
        raise p.error(f"no process P0: found {found!r} where P0(...) should start (a litmus "
                      "test has its initial state, then P0, P1, ... - no other functions)")
    for i, proc in enumerate(test.procs):
        if proc.tid != i:
            raise LitmusError(f"process P{proc.tid} out of order (expected P{i})", file,
                              proc.line)
    for (tid, reg), line in p.init_lines.items():
        if tid >= len(test.procs):
            # herd7: "Bad process P3"
            raise LitmusError(f"the initial state sets {tid}:{reg}, but there is no process "
                              f"P{tid}", file, line)
    p.final(test)
    return test


def header(text: str) -> tuple[str | None, str | None]:
    """Name and ``Result:`` of a test, read leniently (for tests that fail to parse)."""
    m = re.search(r"^\s*C\s+(\S+)", text, re.M)
    r = re.search(r"\(\*.*?Result:\s*([A-Za-z]+)", text, re.S)
    return (m.group(1) if m else None), (r.group(1) if r else None)


MAX_BYTES = 64 << 20        # a litmus test is a page or two; /dev/zero is not one


def parse_file(path: str) -> Test:
    """A test file: a regular file (a FIFO blocked the open, a device was read
    until memory ran out), of at most MAX_BYTES."""
    import stat
    try:
        st = os.stat(path)
    except OSError as e:
        raise LitmusError(f"cannot read: {e.strerror}", path) from None
    if not stat.S_ISREG(st.st_mode):
        raise LitmusError("not a regular file (a FIFO, a device or a socket)", path)
    if st.st_size > MAX_BYTES:
        raise LitmusError(f"{st.st_size:,} bytes: not a litmus test (the limit is {MAX_BYTES:,})", path)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise LitmusError(f"cannot read: {e.strerror}", path) from None
    if text.startswith("\ufeff"):
        raise LitmusError("starts with a UTF-8 byte-order mark: herd7 rejects it too; save "
                          "the file without one", path)
    return parse_text(text, path)


def _check_names(parser, tid, params, body, init_regs=()):
    """A dereferenced name must be a parameter of the process, a register the
    initial state sets, or one it declares or assigns.  herd7 and kcheck both
    take any other name as a register holding 0 - so a typo, or a global the
    process does not take as a parameter, would otherwise surface as an access
    through address 0."""
    known = set(params) | set(init_regs)
    derefs = []
    for st in statements(body):
        if isinstance(st, Decl):
            known.add(st.name)
        elif isinstance(st, Assign) and isinstance(st.target, Name):
            known.add(st.target.id)
        for e in expressions(st):
            if isinstance(e, Unary) and e.op == "*" and isinstance(e.arg, Name):
                derefs.append(e.arg)
            elif isinstance(e, Index) and isinstance(e.base, Name):
                derefs.append(e.base)
    for n in derefs:
        if n.id not in known:
            raise LitmusError(f"P{tid} dereferences '{n.id}', which is neither a parameter of "
                              f"P{tid} nor a register the initial state sets or P{tid} declares "
                              f"or assigns",
                              parser.file, n.line or None)
