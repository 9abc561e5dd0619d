"""One exploration of a model, by any strategy: what was explored, and the bugs.

This is the driver the CLI and ``kcheck.check`` go through: it picks the
strategy (TruSt, preemption-bounded, random, PCT, or TruSt in units over
processes or a cluster), runs it, and returns an ``Outcome`` of plain data -
counts, whether the space was exhausted, and each bug as the *schedule* that
replays it.  Turning a bug into a minimized trace is the report layer's job
(``kcheck.report.build``), which replays those schedules; so the engine never
imports the report, and a bug found in a worker process travels to the
coordinator as a string.

With ``keep_going`` the search goes on past bugs and keeps the first
execution of every distinct bug (kind and site); ``ignore`` drops kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .explore import TruSt
from .runtime import ModelError
from .bugs import KINDS, BugFound, Collector, unknown_kinds
from . import graph as G


@dataclass
class Outcome:
    executions: int = 0
    blocked: int = 0
    events: int = 0
    exhaustive: bool = False
    interrupted: bool = False
    bugs: list = field(default_factory=list)       # [BugFound], first found first
    warnings: list = field(default_factory=list)
    bound: str | None = None                       # what limited a non-exhaustive strategy
    distinct: int | None = None                    # distinct executions a sampling run saw
    estimate: float | None = None
    jobs: int = 1
    barriers: set = field(default_factory=set)    # (name, function, file:line) met, with drop specs


def signature(run):
    g = run.g
    rf = tuple((e.tid, e.idx, e.kind, e.lid, None if e.rf is None else (e.rf.tid, e.rf.idx), e.val
                if e.kind == G.CHOICE else None) for th in g.threads for e in th)
    co = tuple(sorted((lid, tuple((w.tid, w.idx) for w in lst)) for lid, lst in g.co.items()))
    return hash((rf, co))


def explore(main, **kw) -> Outcome:
    """Run the search; Ctrl-C ends it early with what was covered (``interrupted``)."""
    from .runtime import catching_ctrl_c, CHAIN_CUT, CHAIN_BOUND, STARVED_CUT
    with catching_ctrl_c():
        out = _explore(main, **kw)
    cuts = [w for w in out.warnings if w.startswith(CHAIN_CUT)]
    if cuts:
        # some executions were cut (runtime.Run._cut, Run._starved): whatever
        # the strategy says, what was explored is not all there is
        out.exhaustive = False
        if not out.bound:
            out.bound = "; ".join(
                ("loops another task ends cut at the step bound" if w.startswith(STARVED_CUT)
                 else f"contexts started by contexts cut at depth {CHAIN_BOUND}") for w in cuts)
    return out


def known_kinds(ignore):
    """An ignored kind that is no kind (a typo: ``"leaks"``) would hide nothing
    and say nothing: it is an error, as on the command line."""
    bad = unknown_kinds(ignore)
    if bad:
        raise ModelError(f"ignore: unknown bug kind {bad[0]!r} (kinds: {', '.join(KINDS)})")


def _explore(main, *, memory_model="sc", strategy="dpor", max_executions=None, step_bound=2000,
             preemption_bound=None, seed=0, races="warn", progress=None, executions=None, depth=3,
             drop_barriers=(), jobs=1, cluster=None, checkpoint=None, checkpoint_every=30.0,
             resume=None, spec=None, estimate=False, keep_going=False, ignore=()) -> Outcome:
    if memory_model not in ("sc", "lkmm"):
        raise ModelError(f"unknown memory model {memory_model!r} (sc, lkmm)")
    known_kinds(ignore)
    if memory_model == "lkmm" and (strategy != "dpor" or preemption_bound is not None):
        raise ModelError("--memory-model lkmm explores with --strategy dpor (no bound): random, "
                         "PCT and bounded runs build SC interleavings")
    kw = dict(step_bound=step_bound, races=races, drop_barriers=drop_barriers,
              keep_going=keep_going or bool(ignore))
    collect = Collector(memory_model, keep_going, ignore)
    units = (jobs and jobs > 1) or cluster or checkpoint or resume
    if strategy == "dpor" and preemption_bound is None and (units or estimate):
        return _explore_units(main, spec or ("fn", main), memory_model=memory_model, kw=kw,
                              jobs=jobs, cluster=cluster, checkpoint=checkpoint,
                              checkpoint_every=checkpoint_every, resume=resume, progress=progress,
                              max_executions=max_executions, estimate=estimate, units=units,
                              keep_going=keep_going, ignore=ignore)
    out = Outcome()
    if strategy == "dpor" and preemption_bound is None:
        d = TruSt(main, max_executions=max_executions, on_progress=progress,
                  memory_model=memory_model, on_bug=collect, **kw)
        d.run()
        if d.bug_run is not None and not kw["keep_going"] and not collect.bugs:
            collect(d.bug_run, d.bug_run.bug)
        out.exhaustive = d.exhaustive and (not collect.bugs or keep_going) and not d.interrupted
        out.interrupted = d.interrupted
        driver = d
    elif strategy in ("dpor", "bounded"):
        from .strategies import Bounded
        k = preemption_bound if preemption_bound is not None else 2
        d = Bounded(main, bound=k, **kw)
        out.bound = f"preemption bound {k}"
        sigs = set()

        def on_exec(run, bug, complete):
            for b in _bugs_of(run, bug, kw["keep_going"]):
                if collect(run, b):
                    return True
            complete = _counts_as_complete(run, complete, kw["keep_going"])
            sigs.add(signature(run))
            if complete:
                d.stats.executions += 1
            else:
                d.stats.blocked += 1
            if progress:
                progress(d)
            return max_executions is not None and d.stats.executions + d.stats.blocked >= max_executions
        try:
            d.explore(on_exec)
        except KeyboardInterrupt:
            out.interrupted = True
        out.distinct = len(sigs)
        driver = d
    elif strategy in ("random", "pct"):
        from .strategies import Random, PCT, _settle
        from .graph import Graph
        n = executions or max_executions or 1000
        d = Random(main, seed=seed, **kw) if strategy == "random" else PCT(main, seed=seed, depth=depth, **kw)
        out.bound = f"{strategy}, {n} runs, seed {seed}" + (f", depth {depth}" if strategy == "pct" else "")
        sigs = set()
        try:
            for i in range(n):
                if strategy == "pct":
                    d.reset()
                run = d.execute(Graph())
                bug, complete = _settle(run)
                if any(collect(run, b) for b in _bugs_of(run, bug, kw["keep_going"])):
                    break
                complete = _counts_as_complete(run, complete, kw["keep_going"])
                sigs.add(signature(run))
                if complete:
                    d.stats.executions += 1
                else:
                    d.stats.blocked += 1
                if progress:
                    progress(d)
        except KeyboardInterrupt:
            out.interrupted = True
        out.distinct = len(sigs)
        driver = d
    else:
        raise ModelError(f"unknown strategy {strategy!r} (dpor, random, pct)")
    st = driver.stats
    out.executions, out.blocked, out.events = st.executions, st.blocked, st.events
    out.bugs = collect.bugs
    out.warnings = list(getattr(driver, "_warnings", []))
    out.barriers = driver.__dict__.get("barrier_sites", set())
    return out


def _counts_as_complete(run, complete, keep_going):
    """Under --keep-going a run that met bugs and went on is an execution, as
    the exhaustive search counts it (``TruSt._settle_all``), not a blocked
    run: a sampling search counted every such run as blocked."""
    if keep_going and run.bug is not None and not (run.discarded or run.inadmissible):
        return run.classify() != "blocked"
    return complete


def _bugs_of(run, bug, keep_going):
    """Every bug of a finished sampling run (its first, unless --keep-going)."""
    if not keep_going:
        return [bug] if bug is not None else []
    if run.discarded or run.inadmissible:
        return []
    from . import detect
    return detect.every_bug(run)[0]


def _explore_units(main, spec, *, memory_model, kw, jobs, cluster, checkpoint, checkpoint_every,
                   resume, progress, max_executions, estimate, units, keep_going, ignore):
    """Exhaustive exploration handed out in units (parallel.py): --jobs,
    --cluster, --checkpoint/--resume; and the up-front --estimate."""
    import sys
    from . import parallel as P
    opts = dict(memory_model=memory_model, races=kw["races"], step_bound=kw["step_bound"],
                drop_barriers=tuple(kw["drop_barriers"]), keep_going=kw["keep_going"])
    out = Outcome()
    if estimate:
        est, walks, (lo, hi) = P.estimate(main, {k: v for k, v in opts.items() if k != "keep_going"})
        out.estimate = est
        if est is not None:
            spread = "" if lo == hi else \
                f"; five groups of them said {lo:,.0f} to {hi:,.0f}: take it as an order of magnitude"
            print(f"kcheck: estimated about {est:,.0f} executions (Knuth's estimator, {walks} random "
                  f"walks{spread})", file=sys.stderr)
    if not units:
        jobs = 1
    meta = {"model": spec[1] if spec[0] == "file" else getattr(main, "__qualname__", "main"),
            "entry": spec[2] if spec[0] == "file" else None, "memory_model": memory_model,
            "races": kw["races"], "step_bound": kw["step_bound"],
            "drop_barriers": list(kw["drop_barriers"]),
            "model_sha256": P.file_hash(spec[1]) if spec[0] == "file" else None}
    ck = P.Checkpoint(checkpoint, checkpoint_every, meta) if checkpoint else None
    state = P.load_checkpoint(resume, meta) if resume else None
    if jobs and jobs > 1 and not cluster and not checkpoint and not resume and max_executions is None:
        # workers that keep their subtrees (no time-budgeted units to hand back and replay);
        # an execution limit is counted by the units' coordinator
        r = P.explore_local(spec, jobs, opts, progress=progress, keep_going=keep_going,
                            ignore=ignore)
        out.executions, out.blocked, out.events = r["executions"], r["blocked"], r["events"]
        out.bugs = [BugFound(**b) for b in r["bugs"]]
        out.exhaustive, out.interrupted, out.warnings = r["exhaustive"], r["interrupted"], r["warnings"]
        out.barriers = {tuple(b) for b in r["barriers"]}
        out.jobs = jobs
        return out
    if cluster:
        ex = P.DaskExecutor(spec, cluster)
    elif jobs and jobs > 1:
        ex = P.PoolExecutor(spec, jobs)
    else:
        ex = P.InlineExecutor(spec)
    budget = 2.0 if cluster else (1.0 if jobs and jobs > 1 else 5.0)
    if checkpoint:
        budget = min(budget, max(checkpoint_every / 2, 0.05))   # units end between checkpoints
    r = P.explore_units(ex, opts, budget=budget, checkpoint=ck, resume=state, progress=progress,
                        max_executions=max_executions, keep_going=keep_going, ignore=ignore)
    out.executions, out.blocked, out.events = r["executions"], r["blocked"], r["events"]
    out.bugs = [BugFound(**b) for b in r["bugs"]]
    out.exhaustive, out.interrupted, out.warnings = r["exhaustive"], r["interrupted"], r["warnings"]
    out.barriers = {tuple(b) for b in r["barriers"]}
    out.jobs = ex.capacity
    return out
