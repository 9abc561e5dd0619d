"""The LKMM evaluator's relation algebra against the definitions.

``memory/lkmm.py`` keeps relations as lists of bitmask rows and computes
compositions and closures with shortcuts (per-byte tables for dense rows,
one sinks-first pass for acyclic closures that skips successors already
reached).  A wrong shortcut need not change any verdict on the litmus tests
(most executions are consistent either way), so each one is checked here
against the textbook definition on generated relations: dense and sparse,
acyclic (po-shaped or random DAGs) and cyclic.
"""

import random

from hypothesis import given, settings, strategies as st

from kcheck.engine.memory import lkmm as L


def _naive_seq(a, b):
    n = len(b)
    return [sum(1 << k for k in range(n) if any((a[i] >> j) & 1 and (b[j] >> k) & 1
                                                for j in range(n)))
            for i in range(len(a))]


def _naive_plus(rel):
    n = len(rel)
    reach = [[(rel[i] >> j) & 1 for j in range(n)] for i in range(n)]
    for k in range(n):
        for i in range(n):
            if reach[i][k]:
                for j in range(n):
                    if reach[k][j]:
                        reach[i][j] = 1
    return [sum(1 << j for j in range(n) if reach[i][j]) for i in range(n)]


@st.composite
def relations(draw, acyclic=None):
    n = draw(st.integers(1, 70))
    density = draw(st.sampled_from([0.02, 0.1, 0.4, 0.9]))
    shape = draw(st.sampled_from(["dag", "po", "any"])) if acyclic is None else (
        draw(st.sampled_from(["dag", "po"])) if acyclic else "any")
    # a seeded generator, not st.randoms(): its every draw comes from
    # hypothesis' own data, and 70x70 draws overran it (FailedHealthCheck)
    rnd = random.Random(draw(st.integers(0, 2 ** 32 - 1)))
    perm = list(range(n))
    if shape != "po":
        rnd.shuffle(perm)        # a DAG whose topological order is not the index order
    rows = [0] * n
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            if shape == "any" or perm[i] < perm[j]:
                if rnd.random() < density:
                    rows[i] |= 1 << j
    return rows


@settings(max_examples=200, deadline=None)
@given(relations(), relations())
def test_composition_is_the_definition(a, b):
    n = min(len(a), len(b))
    a, b = [r & ((1 << n) - 1) for r in a[:n]], [r & ((1 << n) - 1) for r in b[:n]]
    want = _naive_seq(a, b)
    assert L._seq(a, b) == want
    assert L._seq_tables(a, b, n) == want        # the dense path, whatever the density
    assert L._seq_tables(a, b, n, width=8) == want


@settings(max_examples=200, deadline=None)
@given(relations())
def test_closure_is_the_definition(rel):
    want = _naive_plus(rel)
    assert L._plus(rel) == want
    assert L._warshall(rel) == want
    acyclic = all(not (want[i] >> i) & 1 for i in range(len(rel)))
    got = L._closure_acyclic(rel)
    assert (got is None) == (not acyclic)
    if acyclic:
        assert got == want
    assert L._acyclic(rel) == acyclic


@settings(max_examples=100, deadline=None)
@given(relations(acyclic=True))
def test_closure_of_acyclic_relations(rel):
    assert L._closure_acyclic(rel) == _naive_plus(rel)
