"""The abstract syntax of a C litmus test, as herd7's C front end sees it.

A test is: its name, the expected verdict from the ``Result:`` line of its
leading comment, the initial state, one body per process, and the final
clause (``locations``, ``filter``, ``exists``/``~exists``/``forall``).
Types are parsed and dropped, as herd drops them: values are integers or
addresses of global locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


class LitmusError(Exception):
    """A test that cannot be read or run; the message names file and line."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(where + message)
        self.file, self.line, self.bare = file, line, message


# --- C expressions ---------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Name:
    id: str
    line: int = 0


@dataclass(frozen=True)
class Unary:
    op: str  # '-', '!', '~', '*' (dereference), '&' (address of)
    arg: "Expr"
    line: int = 0


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"
    line: int = 0


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple
    line: int = 0


@dataclass(frozen=True)
class Index:
    base: "Expr"
    index: "Expr"
    line: int = 0


Expr = Union[Num, Name, Unary, Binary, Call, Index]


# --- C statements ----------------------------------------------------------


@dataclass(frozen=True)
class Decl:
    name: str
    init: Expr | None
    line: int


@dataclass(frozen=True)
class Assign:
    target: Expr  # Name (a register) or a dereference (a plain store)
    value: Expr
    line: int


@dataclass(frozen=True)
class ExprStmt:
    expr: Expr
    line: int


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple
    orelse: tuple
    line: int


@dataclass(frozen=True)
class While:
    cond: Expr
    body: tuple
    line: int


Stmt = Union[Decl, Assign, ExprStmt, If, While]


def statements(body):
    """Every statement of ``body``, those inside ``if`` and ``while`` included, in order."""
    for st in body:
        yield st
        if isinstance(st, If):
            yield from statements(st.then)
            yield from statements(st.orelse)
        elif isinstance(st, While):
            yield from statements(st.body)


def expressions(st):
    """Every expression statement ``st`` evaluates, subexpressions included (an
    assignment's register target is not evaluated; a dereference target is)."""
    if isinstance(st, Decl):
        tops = [st.init] if st.init is not None else []
    elif isinstance(st, Assign):
        tops = [st.value] + ([] if isinstance(st.target, Name) else [st.target])
    elif isinstance(st, ExprStmt):
        tops = [st.expr]
    else:
        tops = [st.cond]
    stack = tops[::-1]
    while stack:
        e = stack.pop()
        yield e
        if isinstance(e, Unary):
            stack.append(e.arg)
        elif isinstance(e, Binary):
            stack += [e.right, e.left]
        elif isinstance(e, Call):
            stack += list(e.args)[::-1]
        elif isinstance(e, Index):
            stack += [e.index, e.base]


# --- The test around the code ----------------------------------------------


@dataclass(frozen=True)
class Sym:
    """A global's address as a value: ``x`` in ``{ p = x; }`` or ``1:r0=x``."""

    name: str


Value = Union[int, Sym]


@dataclass(frozen=True)
class Loc:
    """A final-state location: ``tid:reg`` (tid set) or a global ``x``."""

    tid: int | None
    name: str
    line: int = field(default=0, compare=False, repr=False)    # where the clause names it

    def __str__(self) -> str:
        return self.name if self.tid is None else f"{self.tid}:{self.name}"


@dataclass(frozen=True)
class Atom:
    loc: Loc
    value: Value | Loc  # a Loc compares two cells (herd's ``0:r1=1:r1``)
    negated: bool = False  # ``loc != v``


@dataclass(frozen=True)
class Not:
    prop: "Prop"


@dataclass(frozen=True)
class And:
    props: tuple


@dataclass(frozen=True)
class Or:
    props: tuple


@dataclass(frozen=True)
class Implies:
    left: "Prop"
    right: "Prop"


@dataclass(frozen=True)
class Const:
    value: bool


Prop = Union[Atom, Not, And, Or, Implies, Const]


@dataclass(frozen=True)
class Proc:
    tid: int
    params: tuple  # parameter names; each is bound to the global of that name
    body: tuple
    line: int


@dataclass
class Test:
    name: str
    file: str
    expected: str | None  # Never / Sometimes / Always / DEADLOCK ... from "Result:"
    globals_init: dict = field(default_factory=dict)  # name -> Value
    regs_init: dict = field(default_factory=dict)  # (tid, reg) -> Value
    procs: list = field(default_factory=list)
    locations: list = field(default_factory=list)  # [Loc]
    filter: Prop | None = None
    quantifier: str = "exists"  # exists / ~exists / forall
    condition: Prop = field(default_factory=lambda: Const(True))
