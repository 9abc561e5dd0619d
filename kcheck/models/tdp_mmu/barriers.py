"""Which barriers of a variant matter: drop each one and compare the verdicts.

A barrier is *necessary* when the variant is clean with it and buggy without
it (the trace shows what goes wrong); it is *redundant in the explored space*
when dropping it changes nothing.  Only the barriers written in the variant's
own code are considered (for sean-v3: ``smp_mb__after_atomic`` and
``smp_mb__before_atomic`` in ``kvm_tdp_mmu_put_root``).  Under sequential
consistency no barrier can matter, so the question is asked under the LKMM;
LKMM runs of this model are slow, so they are usually bounded, and the table
says so.
"""

from __future__ import annotations

import inspect
import os
import re

BARRIERS = ("smp_mb__before_atomic", "smp_mb__after_atomic", "smp_mb__after_spinlock",
            "smp_mb__after_unlock_lock", "smp_mb", "smp_rmb", "smp_wmb", "xchg")


def barrier_sites(variant):
    """[(barrier, "file:line", function)] written in the variant class itself, or in a
    module-level helper it calls (``kvm_tdp_root_mark_invalid``'s xchg)."""
    from . import VARIANTS
    cls = VARIANTS[variant]
    sites = _scan(cls)
    mod = inspect.getmodule(cls)
    body = inspect.getsource(cls)
    for name, fn in vars(mod).items():
        if inspect.isfunction(fn) and fn.__module__ == mod.__name__ and re.search(rf"\b{name}\(", body):
            sites += _scan(fn)
    return sites


def _scan(obj):
    """Calls of a barrier in ``obj``'s code (tokens, so strings and comments do not count)."""
    import io
    import tokenize
    src, start = inspect.getsourcelines(obj)
    fname = os.path.basename(inspect.getsourcefile(obj))
    sites = []
    func = getattr(obj, "__name__", None) if inspect.isfunction(obj) else None
    toks = list(tokenize.generate_tokens(io.StringIO("".join(src)).readline))
    for i, t in enumerate(toks):
        if t.type == tokenize.NAME and t.string == "def" and i + 1 < len(toks):
            func = toks[i + 1].string
        if (t.type == tokenize.NAME and t.string in BARRIERS and i + 1 < len(toks)
                and toks[i + 1].string == "(" and (i == 0 or toks[i - 1].string != ".")):
            sites.append((t.string, f"{fname}:{start + t.start[0] - 1}", func))
    return sites


def barrier_effect(base, without):
    """What dropping a barrier did, from the results with it (``base``) and without."""
    if base.verdict == "no-bug" and without.verdict == "bug":
        return "necessary"
    if base.verdict == without.verdict == "no-bug":
        return "redundant" + ("" if without.exhaustive and base.exhaustive else " (bounded)")
    return "no change: buggy either way"


def barrier_table(variant, scenario, memory_model="lkmm", max_executions=2000, **sizes):
    """Run the variant with every barrier, then without each one in turn."""
    import kcheck
    from . import build_main
    main = build_main(variant, scenario, **sizes)
    base = kcheck.check(main, memory_model=memory_model, max_executions=max_executions)
    rows = []
    for name, where, func in barrier_sites(variant):
        spec = f"{name}@{where}"
        r = kcheck.check(main, memory_model=memory_model, max_executions=max_executions,
                         drop_barriers=[spec])
        effect = barrier_effect(base, r)
        rows.append({"barrier": name, "site": where, "function": func, "effect": effect,
                     "verdict_without": r.verdict, "executions": r.executions,
                     "exhaustive": r.exhaustive, "seconds": round(r.seconds, 1),
                     "trace": r.bug.trace if r.bug else None,
                     "bug": r.bug.kind if r.bug else None})
    return base, rows
