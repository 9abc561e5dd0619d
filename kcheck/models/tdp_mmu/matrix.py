"""The verdict matrix: every variant on every two-flow scenario, explored exhaustively.

A cell is one ``kcheck.check`` of ``build_main(variant, "a+b")`` under SC
with no execution budget unless one is asked for, so "no bug" in a cell
means no bug in any execution of that scenario at the model's sizes.  A cell
cut short by a budget says "bounded" and is never shown as exhaustive.
"""

from __future__ import annotations

import itertools
import os

from .claims import Check, run_checks
from .flows import FLOWS, DEFAULT_SIZES
from .variants import VARIANT_CLASSES


def two_flow_scenarios():
    """Every pair of flows, a flow paired with itself included (15 for 5 flows)."""
    return [f"{a}+{b}" for a, b in itertools.combinations_with_replacement(FLOWS, 2)]


# The matrix runs with a resident vCPU (flows.boot): without one, scenarios
# that have no vcpu flow have no root to zap or walk and are decided trivially.
MATRIX_SIZES = {"resident": 1}


def matrix_checks(variants=None, scenarios=None, max_executions=None, sizes=None):
    sizes = {**MATRIX_SIZES, **(sizes or {})}
    variants = variants or [cls.name for cls in VARIANT_CLASSES]
    scenarios = scenarios or two_flow_scenarios()
    opts = {"max_executions": max_executions} if max_executions else {}
    return [Check(f"{v} on {s}", v, s, sizes=sizes, options=opts)
            for s in scenarios for v in variants], variants, scenarios


def run_matrix(variants=None, scenarios=None, jobs=2, max_executions=None, sizes=None):
    checks, variants, scenarios = matrix_checks(variants, scenarios, max_executions, sizes)
    results = run_checks(checks, jobs=jobs)
    cells = {}
    for ch in checks:
        cells[(ch.variant, ch.scenario)] = results[ch.key()]
    return variants, scenarios, cells


def cell_text(r):
    if r.verdict == "error":
        return "error"
    if r.verdict == "bug":
        return f"BUG {r.bug.kind} ({r.executions})"
    return f"ok {r.executions}" + ("" if r.exhaustive else " (bounded)")


def write_cell_traces(variants, scenarios, cells, out_dir, sizes=None):
    """Each bug's minimized trace to DIR/VARIANT__SCENARIO.txt; returns the paths."""
    sz = "".join(f" --size {k}={v}" for k, v in {**MATRIX_SIZES, **(sizes or {})}.items())
    paths = {}
    for (v, s), r in cells.items():
        if r.verdict != "bug":
            continue
        os.makedirs(out_dir, exist_ok=True)
        p = os.path.join(out_dir, f"{v}__{s}.txt")
        with open(p, "w") as f:
            f.write(f"kcheck tdp-mmu check --variant {v} --scenario {s}{sz}\n\n{r.format()}\n")
        paths[(v, s)] = p
    return paths


def to_markdown(variants, scenarios, cells):
    lines = ["| scenario | " + " | ".join(variants) + " |",
             "|---|" + "---|" * len(variants)]
    for s in scenarios:
        lines.append(f"| {s} | " + " | ".join(cell_text(cells[(v, s)]) for v in variants) + " |")
    return "\n".join(lines)


def to_json(variants, scenarios, cells, paths, sizes=None):
    return {
        "sizes": {**DEFAULT_SIZES, **MATRIX_SIZES, **(sizes or {})},
        "memory_model": "sc",
        "variants": variants,
        "scenarios": scenarios,
        "cells": [{"variant": v, "scenario": s, "verdict": r.verdict,
                   "bug": r.bug.kind if r.bug is not None else None,
                   "message": r.bug.message if r.bug is not None else None,
                   "executions": r.executions, "exhaustive": r.exhaustive,
                   "seconds": round(r.seconds, 2), "error": r.error,
                   "trace": paths.get((v, s))}
                  for s in scenarios for v in variants
                  for r in [cells[(v, s)]]],
    }
