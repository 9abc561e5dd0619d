"""The verdict matrix: every variant on every scenario that matters, explored exhaustively.

A cell is one ``kcheck.check`` of ``build_main(variant, scenario)`` under SC
with no execution budget unless one is asked for, so "no bug" in a cell
means no bug in any execution of that scenario at the model's sizes.  A cell
cut short by a budget says "bounded" and is never shown as exhaustive.

The rows: every pair of the base flows; the huge-page flows (eager splitting,
collapsing) paired with the flows they race with, with huge pages on; and the
three-flow scenarios the thread's hard cases need: two read-side walkers,
two memslot updates, a memslot update with two walkers.
"""

from __future__ import annotations

import itertools
import os

from .claims import Check, run_checks
from .flows import DEFAULT_SIZES
from .variants import VARIANT_CLASSES

# Flows that need no huge pages to do something
BASE_FLOWS = ("vcpu", "memslot", "notifier", "dirty-log", "walker", "zap-all")

# Eager splitting and collapsing only act on huge pages (--size huge=1)
HUGE_SCENARIOS = ("split+vcpu", "split+notifier", "split+walker", "split+memslot",
                  "collapse+vcpu", "collapse+notifier", "collapse+walker", "split+collapse")

THREE_FLOW_SCENARIOS = ("vcpu+walker+walker", "vcpu+memslot+memslot", "memslot+walker+walker")

# The claims' sizes.  What decides them is which bugs a cell can reach,
# measured on the mutants (tests/test_tdp_mmu.py::
# test_the_matrix_sizes_reach_the_mutants): three GFNs in tables of two
# entries span two top-level entries, so a walk can yield between them with a
# mapped GFN still ahead - the pre-5.16 iterator bug
# (v5.17/advance-after-restart) is found.  At fanout=3 all three GFNs sit
# under the first top-level entry and that mutant passes.
MATRIX_SIZES = {"fanout": 2, "gfns": 3, "slot_pages": 3}


def two_flow_scenarios():
    """Every pair of base flows, a flow paired with itself included (21 for 6 flows)."""
    return [f"{a}+{b}" for a, b in itertools.combinations_with_replacement(BASE_FLOWS, 2)]


def matrix_scenarios():
    return two_flow_scenarios() + list(HUGE_SCENARIOS) + list(THREE_FLOW_SCENARIOS)


def scenario_sizes(scenario):
    """Sizes a row needs beyond MATRIX_SIZES: huge pages for split and collapse;
    a resident vCPU (flows.boot) only for a row with no vcpu flow.

    Without a vcpu flow nothing loads a root, and such a row would be decided
    trivially.  With one, a resident vCPU would be wrong: its reference keeps
    the running vCPU's root alive, so the last put - where the thread's
    refcount, list and RCU bugs live - never happens (with it,
    v5.18/kfree-not-call-rcu, v5.18/walker-no-rcu and v5.18/unlink-root-list-del
    pass their own rows)."""
    flows = scenario.split("+")
    sizes = {"huge": 1} if "split" in flows or "collapse" in flows else {}
    sizes["resident"] = 0 if "vcpu" in flows else 1
    return sizes


def cell_sizes(scenario, sizes=None):
    """A cell's sizes: the matrix's, the row's, then what ``--size`` asked for.

    A row with a notifier has it unmap the last GFN and the page after it (a
    yield point inside the range comes after the zap of a mapped GFN, so a
    flush lost across a yield shows).  The last GFN comes after every yield
    point of a walk: a root zapped with yields after it was unlinked
    (v5.17/put-root-zap-yields) still maps it when the notifier returns; on
    GFN 0, zapped before any yield, that mutant passes.  Other rows keep GFN 0,
    where the vCPU's last touch comes back to the GFN it mapped first (on the
    last GFN, right after touching it, it shows nothing new and costs: sean-v3
    on vcpu+walker+walker has 63,429 executions with it on GFN 0, and had
    passed 101,484 on GFN 2 without finishing)."""
    out = {**MATRIX_SIZES, **scenario_sizes(scenario), **(sizes or {})}
    if "notifier" in scenario.split("+"):
        if "notifier_gfn" not in (sizes or {}):
            out["notifier_gfn"] = max(out["gfns"] - 1, 0)
        if "notifier_pages" not in (sizes or {}) and not out.get("huge"):
            # and the page after it: a yield point inside the range after a zap
            # (a flush lost across that yield, v5.18/resched-drops-flush, passed
            # the one-page range).  With huge pages the notifier's page is a huge
            # one: its range already holds the GFN after the last.
            out["notifier_pages"] = 2
    return out


def matrix_checks(variants=None, scenarios=None, max_executions=None, sizes=None):
    variants = variants or [cls.name for cls in VARIANT_CLASSES]
    scenarios = scenarios or matrix_scenarios()
    opts = {"max_executions": max_executions} if max_executions else {}
    checks = [Check(f"{v} on {s}", v, s,
                    sizes=cell_sizes(s, sizes), options=opts)
              for s in scenarios for v in variants]
    return checks, variants, scenarios


def run_matrix(variants=None, scenarios=None, jobs=2, max_executions=None, sizes=None, done=None,
               planned=None, store=None):
    """Run the matrix; ``planned`` is what ``matrix_checks`` gave for these
    arguments, if the caller has it already; ``store`` a store.CellStore that
    keeps cells across runs."""
    checks, variants, scenarios = planned or matrix_checks(variants, scenarios, max_executions, sizes)
    results = run_checks(checks, jobs=jobs, done=done, store=store)
    cells = {}
    for ch in checks:
        cells[(ch.variant, ch.scenario)] = results[ch.key()]
    return variants, scenarios, cells


def cell_text(r):
    if r.verdict == "error":
        return "error"
    if r.verdict == "bug":
        return f"BUG {r.bug.kind} ({r.executions:,})"
    return f"ok {r.executions:,}" + ("" if r.exhaustive else " (bounded)")


def write_cell_traces(variants, scenarios, cells, out_dir, sizes=None):
    """Each bug's minimized trace to DIR/VARIANT__SCENARIO.txt; returns the paths."""
    paths = {}
    for (v, s), r in cells.items():
        if r.verdict != "bug":
            continue
        sz = "".join(f" --size {k}={n}" for k, n in cell_sizes(s, sizes).items())
        os.makedirs(out_dir, exist_ok=True)
        p = os.path.join(out_dir, f"{v}__{s}.txt")
        with open(p, "w") as f:
            f.write(f"kcheck tdp-mmu check --variant {v} --scenario {s}{sz}\n\n{r.format()}\n")
        paths[(v, s)] = p
    return paths


def row_label(s):
    return s + (" (huge)" if scenario_sizes(s).get("huge") else "")


def to_markdown(variants, scenarios, cells):
    lines = ["| scenario | " + " | ".join(variants) + " |",
             "|---|" + "---|" * len(variants)]
    for s in scenarios:
        lines.append(f"| {row_label(s)} | "
                     + " | ".join(cell_text(cells[(v, s)]) for v in variants) + " |")
    return "\n".join(lines)


def to_json(variants, scenarios, cells, paths, sizes=None):
    return {
        "sizes": {**DEFAULT_SIZES, **MATRIX_SIZES, **(sizes or {})},
        "memory_model": "sc",
        "variants": variants,
        "scenarios": scenarios,
        "cells": [{"variant": v, "scenario": s, "sizes": cell_sizes(s, sizes), "verdict": r.verdict,
                   "bug": r.bug.kind if r.bug is not None else None,
                   "message": r.bug.message if r.bug is not None else None,
                   "executions": r.executions, "exhaustive": r.exhaustive,
                   "seconds": round(r.seconds, 2), "error": r.error,
                   "trace": paths.get((v, s))}
                  for s in scenarios for v in variants
                  for r in [cells[(v, s)]]],
    }
