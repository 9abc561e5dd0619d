"""docs/reference/kernel-api.md lists exactly what ``kcheck.kernel`` exports.

Each row of a ``| kernel name | semantics |`` table names one or more
primitives in backquotes, with ``{a,b}`` standing for alternatives (so
``atomic_fetch_{add,sub}{,_relaxed}`` is four names).  Every name in
``kcheck.kernel.__all__`` must have a row, and every row must name something
``kcheck.kernel`` exports, with a line of semantics.
"""

import itertools
import re
from pathlib import Path

import kcheck.kernel as K

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "kernel-api.md"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def expand(pattern):
    """``a{b,c}d`` -> ``abd``, ``acd`` (braces may repeat, not nest)."""
    parts = re.split(r"(\{[^{}]*\})", pattern)
    choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
    return ["".join(c) for c in itertools.product(*choices)]


def documented():
    """{name: semantics} from the page's kernel tables."""
    out = {}
    in_table = False
    for line in PAGE.read_text().splitlines():
        if line.startswith("| kernel name | semantics |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        if not in_table or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        assert len(cells) == 2, f"a kernel table row has two cells: {line!r}"
        names, what = cells
        assert what.strip(" .|"), f"no semantics for {names}"
        for code in re.findall(r"`([^`]+)`", names):
            for full in expand(code.split("(")[0].split(" ->")[0].strip()):
                m = NAME.fullmatch(full)
                assert m, f"cannot read a name from `{code}` in {line!r}"
                out[full] = what
    return out


def test_every_export_has_a_line():
    doc = documented()
    missing = sorted(set(K.__all__) - set(doc))
    assert not missing, f"kcheck.kernel exports these without a line in kernel-api.md: {missing}"


def test_every_line_names_an_export():
    doc = documented()
    extra = sorted(set(doc) - set(K.__all__))
    assert not extra, f"kernel-api.md documents names kcheck.kernel does not export: {extra}"


def test_all_is_explicit_and_importable():
    assert len(K.__all__) == len(set(K.__all__))
    for name in K.__all__:
        assert hasattr(K, name), name
    ns = {}
    exec("from kcheck.kernel import *", ns)
    assert set(K.__all__) <= set(ns)
