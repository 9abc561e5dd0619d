"""herd7-style text for a litmus result, the ``Result:`` comparison, JSON.

The block mirrors herd7's own output (``Test``, ``States``, ``Ok``/``No``,
``Witnesses``, ``Positive``/``Negative``, ``Flag``, ``Condition``,
``Observation``), so outputs can be diffed against herd7; then one line says
whether the verdict agrees with the test's ``Result:`` comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .enumerate import Outcome
from .syntax import And, Atom, Const, Implies, Loc, Not, Or, Sym, Test

__all__ = ["LitmusReport", "observation", "format_block", "format_error", "to_json", "summary_line"]

_KIND = {"exists": "Allowed", "~exists": "Forbidden", "forall": "Required"}


@dataclass
class LitmusReport:
    """One test's result (or the error that stopped it)."""

    file: str
    name: str | None = None
    expected: str | None = None
    test: Test | None = None
    outcome: Outcome | None = None
    error: str | None = None
    seconds: float = 0.0
    states: list = field(default_factory=list)  # formatted state lines

    @property
    def observation(self) -> str | None:
        return observation(self.outcome) if self.outcome else None

    @property
    def match(self) -> bool | None:
        """Agreement with ``Result:``; None when the test has no such line or
        its word is no verdict (``Result: Maybe``, ``Result: Flag ...``)."""
        if not comparable(self.expected):
            return None
        if self.outcome is None:
            return False
        if self.expected.upper() == "DEADLOCK":
            return not self.outcome.states
        return self.observation == self.expected


#: the ``Result:`` words that are verdicts; herd7 ignores the line, and the
#: corpus also has ``Result: Maybe`` (the author does not know) and
#: ``Result: Flag srcu-bad-nesting``, which nothing can match or mismatch
VERDICTS = ("Never", "Sometimes", "Always")


def comparable(expected: str | None) -> bool:
    """Whether a ``Result:`` word is a verdict a run can match (or DEADLOCK)."""
    return expected is not None and (expected in VERDICTS or expected.upper() == "DEADLOCK")


def observation(o: Outcome) -> str:
    if o.positive == 0:
        return "Never"
    return "Always" if o.negative == 0 else "Sometimes"


def _value(v) -> str:
    if isinstance(v, Loc):
        return _loc(v)
    return v.name if isinstance(v, Sym) else repr(v) if not isinstance(v, int) else str(v)


def _loc(loc) -> str:
    return f"[{loc.name}]" if loc.tid is None else f"{loc.tid}:{loc.name}"


def _order(v):
    if isinstance(v, Sym):
        return (1, v.name)
    return (0, v) if isinstance(v, int) else (2, repr(v))


def format_states(o: Outcome) -> list[str]:
    rows = sorted(o.states, key=lambda st: tuple(_order(v) for v in st))
    return [" ".join(f"{_loc(l)}={_value(v)};" for l, v in zip(o.observed, st)) for st in rows]


def format_prop(p, above="top") -> str:
    """herd's pretty-printer: parentheses only where precedence needs them."""
    if isinstance(p, Atom):
        atom = f"{_loc(p.loc)}={_value(p.value)}"
        return f"not ({atom})" if p.negated else atom
    if isinstance(p, Not):
        return f"not ({format_prop(p.prop)})"
    if isinstance(p, Const):
        return "true" if p.value else "false"
    if isinstance(p, And):
        s = " /\\ ".join(format_prop(q, "and") for q in p.props)
        return f"({s})" if above == "implies" else s
    if isinstance(p, Or):
        s = " \\/ ".join(format_prop(q, "or") for q in p.props)
        return f"({s})" if above in ("and", "implies") else s
    if isinstance(p, Implies):
        s = f"{format_prop(p.left, 'implies')} => {format_prop(p.right, 'implies')}"
        return f"({s})" if above in ("and", "or") else s
    raise TypeError(p)


def _ok(test: Test, o: Outcome) -> bool:
    if test.quantifier == "exists":
        return o.positive > 0
    if test.quantifier == "~exists":
        return o.positive == 0
    return o.negative == 0


def format_block(r: LitmusReport) -> str:
    t, o = r.test, r.outcome
    lines = [f"Test {t.name} {_KIND[t.quantifier]}", f"States {len(o.states)}"]
    lines += r.states or format_states(o)
    lines.append("Ok" if _ok(t, o) else "No")
    lines.append("Witnesses")
    pos, neg = o.positive, o.negative
    if t.quantifier == "~exists":
        pos, neg = neg, pos
    lines.append(f"Positive: {pos} Negative: {neg}")
    lines += [f"Flag {f}" for f in sorted(o.flags)]
    lines.append(f"Condition {t.quantifier} ({format_prop(t.condition)})")
    lines.append(f"Observation {t.name} {observation(o)} {o.positive} {o.negative}")
    lines.append(f"Time {t.name} {r.seconds:.2f}")
    if not o.states:
        lines.append("deadlock: no execution")
    lines.append(_result_line(r))
    return "\n".join(lines) + "\n"


def _result_line(r: LitmusReport) -> str:
    got = "error" if r.outcome is None else (
        "DEADLOCK" if not r.outcome.states and (r.expected or "").upper() == "DEADLOCK"
        else r.observation)
    if r.expected is None:
        return f"Result: {got} (no Result: line)"
    if not comparable(r.expected):
        return f"Result: {got} (expected {r.expected}: not a verdict, nothing to compare)"
    verdict = "match" if r.match else "MISMATCH"
    return f"Result: {got} (expected {r.expected}): {verdict}"


def format_error(r: LitmusReport) -> str:
    name = r.name or r.file
    return f"Test {name} error\n{r.error}\n{_result_line(r)}\n"


def summary_line(reports: list, seconds: float) -> str:
    n = len(reports)
    match = sum(1 for r in reports if r.match is True)
    errors = sum(1 for r in reports if r.error is not None)
    mismatch = sum(1 for r in reports if r.match is False and r.error is None)
    line = f"{n} tests, {match} match, {mismatch} mismatch, {errors} errors, {seconds:.2f} s"
    unexpected = sum(1 for r in reports if r.expected is None and r.error is None)
    if unexpected:
        line += f" ({unexpected} without a Result: line)"
    vague = sum(1 for r in reports if r.expected is not None and not comparable(r.expected)
                and r.error is None)
    if vague:
        line += f" ({vague} with a Result: line that is no verdict, e.g. Maybe)"
    return line


def interrupted_line(done: int) -> str:
    from ..engine.runtime import STOPPED_BY
    return (f"interrupted: {STOPPED_BY[0]} after {done} test{'s' if done != 1 else ''}; the test "
            "it stopped and those after it were not run")


def to_json(reports: list, seconds: float, interrupted: bool = False) -> dict:
    tests = []
    for r in reports:
        o = r.outcome
        tests.append({
            "name": r.name,
            "file": r.file,
            "states": (r.states or format_states(o)) if o else None,
            "observation": r.observation,
            "positive": o.positive if o else None,
            "negative": o.negative if o else None,
            "flags": sorted(o.flags) if o else [],
            "expected": r.expected,
            "match": r.match,
            "error": r.error,
            "seconds": round(r.seconds, 4),
        })
    n = len(reports)
    return {
        "tests": tests,
        "summary": {
            "tests": n,
            "match": sum(1 for r in reports if r.match is True),
            "mismatch": sum(1 for r in reports if r.match is False and r.error is None),
            "errors": sum(1 for r in reports if r.error is not None),
            "seconds": round(seconds, 3),
            "interrupted": interrupted,
        },
    }
