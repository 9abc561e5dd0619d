"""Schedule strings: the order in which tasks made their requests.

A token is a task key (``0``, ``2``; ``0.1`` is the first context task 0
started, such as an RCU callback), optionally ``*N`` for N steps in a row, or
``=V`` for a step that made an explorer choice with value V::

    0*3 1 0.1*4 1=1 0

Replaying a schedule under sequential consistency reproduces the execution:
every read sees the latest write, every choice takes its recorded value.
"""

from __future__ import annotations

from ..engine import graph as G


class ScheduleError(ValueError):
    pass


def steps_of(run, events=None):
    """The (task key, choice) steps of a run, in the order given (default: stamp order)."""
    evs = events if events is not None else run.g.by_stamp()
    out = []
    for e in evs:
        if e.kind == G.WRITE and e.rmw is True:
            continue
        t = run.tasks[e.tid]
        key = ".".join(str(i) for i in t.order)
        out.append((key, e.val if e.kind == G.CHOICE else None))
    return out


def encode(steps):
    toks = []
    i = 0
    while i < len(steps):
        k, v = steps[i]
        if v is not None:
            toks.append(f"{k}={v}")
            i += 1
            continue
        j = i
        while j < len(steps) and steps[j] == (k, None):
            j += 1
        n = j - i
        toks.append(k if n == 1 else f"{k}*{n}")
        i = j
    return " ".join(toks)


def decode(s):
    steps = []
    for tok in s.replace(",", " ").split():
        try:
            if "=" in tok:
                k, v = tok.split("=", 1)
                _check_key(k)
                steps.append((k, int(v)))
            elif "*" in tok:
                k, n = tok.split("*", 1)
                _check_key(k)
                steps.extend([(k, None)] * int(n))
            else:
                _check_key(tok)
                steps.append((tok, None))
        except ValueError as e:
            raise ScheduleError(f"bad schedule token {tok!r}: {e}") from None
    return steps


def _check_key(k):
    for part in k.split("."):
        int(part)


def switches(steps):
    n = 0
    for a, b in zip(steps, steps[1:]):
        if a[0] != b[0]:
            n += 1
    return n
