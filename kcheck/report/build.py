"""Run a strategy over a model and assemble the ``Result``, with a minimized,
replayable trace for the first bug."""

from __future__ import annotations

import time

from ..engine.explore import TruSt
from ..engine.strategies import Replay, Random, PCT, Bounded
from ..engine.runtime import ModelError
from ..engine.memory import sc
from ..engine import graph as G
from . import schedule as S
from .minimize import shrink, same_bug
from .text import format_trace


def _race_warnings(driver, run, seen):
    for o, e in run.race_reports:
        name = run._lid_name(e.lid)
        key = (name, o.op, e.op)
        if key in seen:
            continue
        seen.add(key)
        seen_list = driver.__dict__.setdefault("_warnings", [])
        seen_list.append(f"data race on {name}: {o.op} ({run._task_name(o.tid)}) vs "
                         f"{e.op} ({run._task_name(e.tid)})")


def signature(run):
    g = run.g
    rf = tuple((e.tid, e.idx, e.kind, e.lid, None if e.rf is None else (e.rf.tid, e.rf.idx), e.val
                if e.kind == G.CHOICE else None) for th in g.threads for e in th)
    co = tuple(sorted((lid, tuple((w.tid, w.idx) for w in lst)) for lid, lst in g.co.items()))
    return hash((rf, co))


def explore(main, *, memory_model="sc", strategy="dpor", max_executions=None, step_bound=2000,
            preemption_bound=None, seed=0, races="warn", progress=None, minimize=True,
            executions=None, depth=3, drop_barriers=(), jobs=1, cluster=None, checkpoint=None,
            checkpoint_every=30.0, resume=None, spec=None, estimate=False):
    from ..api import Result
    if memory_model not in ("sc", "lkmm"):
        raise ModelError(f"unknown memory model {memory_model!r} (sc, lkmm)")
    if memory_model == "lkmm" and (strategy != "dpor" or preemption_bound is not None):
        raise ModelError("--memory-model lkmm explores with --strategy dpor (no bound): random, "
                         "PCT and bounded runs build SC interleavings")
    t0 = time.perf_counter()
    seen = set()
    kw = dict(step_bound=step_bound, races=races, drop_barriers=drop_barriers)
    bug_run = None
    exhaustive = False
    bound = None
    distinct = None
    interrupted = False
    units = (jobs and jobs > 1) or cluster or checkpoint or resume
    if strategy == "dpor" and preemption_bound is None and (units or estimate):
        return _explore_units(main, spec or ("fn", main), memory_model=memory_model, races=races,
                              step_bound=step_bound, drop_barriers=drop_barriers, jobs=jobs,
                              cluster=cluster, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                              resume=resume, progress=progress, max_executions=max_executions,
                              estimate=estimate, t0=t0, units=units)
    if strategy == "dpor" and preemption_bound is None:
        d = TruSt(main, max_executions=max_executions, on_progress=progress,
                  memory_model=memory_model, **kw)
        orig_execute = d.execute

        def execute(g, _orig=orig_execute):
            run = _orig(g)
            _race_warnings(d, run, seen)
            return run
        d.execute = execute
        d.run()
        bug_run = d.bug_run
        exhaustive = d.exhaustive and bug_run is None
        interrupted = d.interrupted
        stats = d.stats
        driver = d
    elif strategy in ("dpor", "bounded"):
        k = preemption_bound if preemption_bound is not None else 2
        d = Bounded(main, bound=k, **kw)
        bound = f"preemption bound {k}"
        state = {"bug": None}
        sigs = set()

        def on_exec(run, bug, complete):
            _race_warnings(d, run, seen)
            if bug is not None:
                run.bug = bug
                state["bug"] = run
                return True
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
            interrupted = True
        bug_run = state["bug"]
        distinct = len(sigs)
        stats = d.stats
        driver = d
    elif strategy in ("random", "pct"):
        n = executions or max_executions or 1000
        cls = Random if strategy == "random" else PCT
        d = cls(main, seed=seed, **kw) if strategy == "random" else cls(main, seed=seed, depth=depth, **kw)
        bound = f"{strategy}, {n} runs, seed {seed}" + (f", depth {depth}" if strategy == "pct" else "")
        sigs = set()
        from ..engine.strategies import _settle
        from ..engine.graph import Graph
        try:
            for i in range(n):
                if strategy == "pct":
                    d.reset()
                run = d.execute(Graph())
                _race_warnings(d, run, seen)
                bug, complete = _settle(run)
                if bug is not None:
                    run.bug = bug
                    bug_run = run
                    break
                sigs.add(signature(run))
                if complete:
                    d.stats.executions += 1
                else:
                    d.stats.blocked += 1
                if progress:
                    progress(d)
        except KeyboardInterrupt:
            interrupted = True
        distinct = len(sigs)
        stats = d.stats
        driver = d
    else:
        raise ModelError(f"unknown strategy {strategy!r} (dpor, random, pct)")

    report = None
    if bug_run is not None and memory_model == "lkmm":
        report = graph_bug_report(driver, bug_run)
    elif bug_run is not None:
        report = bug_report(main, bug_run, step_bound=step_bound, races=races, minimize=minimize,
                            drop_barriers=drop_barriers)
    res = Result(verdict="bug" if report else "no-bug", exhaustive=exhaustive,
                 memory_model=memory_model, strategy=strategy, executions=stats.executions,
                 blocked=stats.blocked, events=stats.events, seconds=time.perf_counter() - t0,
                 bug=report, warnings=list(getattr(driver, "_warnings", [])), bound=bound,
                 interrupted=interrupted, distinct=distinct)
    return res


def bug_report(main, run, *, step_bound, races, minimize=True, drop_barriers=()):
    from ..api import BugReport
    bug = run.bug
    try:
        extra = run.rcu.edges() if run.rcu is not None and run.rcu.ok else ()
        order = sc.linearize(run.g, prefer_tid=None, extra=extra)
    except ValueError:
        order = run.g.by_stamp()
    steps = S.steps_of(run, order)
    best = None
    if minimize:
        best = shrink(main, steps, bug, step_bound=step_bound, races=races, drop_barriers=drop_barriers)
    if best is None:
        d = Replay(main, steps, step_bound=step_bound, races=races, drop_barriers=drop_barriers)
        r2, b2, _ = d.run_once()
        if same_bug(bug, b2):
            best = (S.steps_of(r2), r2, b2)
    if best is None:
        # the bug did not replay from its schedule: say so rather than hide it
        return BugReport(kind=bug.kind, message=bug.message + " [kcheck: this bug did not replay "
                         "deterministically from its schedule; please report]",
                         task=bug.task.name if bug.task else None, trace="", schedule=S.encode(steps))
    steps = best[0]
    d = Replay(main, steps, step_bound=step_bound, races=races, trace=True, drop_barriers=drop_barriers)
    r3, b3, _ = d.run_once()
    if not same_bug(bug, b3):
        b3 = best[2]
        r3 = best[1]
    trace = format_trace(r3, b3)
    evs = trace_events(r3, b3)
    return BugReport(kind=b3.kind, message=b3.message, task=b3.task.name if b3.task else None,
                     trace=trace, schedule=S.encode(steps), events=evs,
                     context_switches=S.switches(steps), where=bug_where(r3, b3))


def _explore_units(main, spec, *, memory_model, races, step_bound, drop_barriers, jobs, cluster,
                   checkpoint, checkpoint_every, resume, progress, max_executions, estimate, t0, units):
    """Exhaustive exploration handed out in units (engine.parallel): --jobs,
    --cluster, --checkpoint/--resume; and the up-front --estimate."""
    import sys
    from ..api import Result, BugReport
    from ..engine import parallel as P
    opts = dict(memory_model=memory_model, races=races, step_bound=step_bound,
                drop_barriers=tuple(drop_barriers))
    est = None
    if estimate:
        est, walks = P.estimate(main, opts)
        if est is not None:
            print(f"kcheck: estimated about {est:,.0f} executions (Knuth's estimator, {walks} random "
                  "walks)", file=sys.stderr)
    if not units:
        jobs = 1
    meta = {"model": spec[1] if spec[0] == "file" else getattr(main, "__qualname__", "main"),
            "entry": spec[2] if spec[0] == "file" else None, "memory_model": memory_model,
            "races": races, "step_bound": step_bound, "drop_barriers": list(drop_barriers)}
    ck = P.Checkpoint(checkpoint, checkpoint_every, meta) if checkpoint else None
    state = P.load_checkpoint(resume, meta) if resume else None
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
                        max_executions=max_executions)
    bug = BugReport(**{k: v for k, v in r["bug"].items()}) if r["bug"] else None
    res = Result(verdict="bug" if bug else "no-bug", exhaustive=r["exhaustive"],
                 memory_model=memory_model, strategy="dpor", executions=r["executions"],
                 blocked=r["blocked"], events=r["events"], seconds=time.perf_counter() - t0,
                 bug=bug, warnings=r["warnings"], interrupted=r["interrupted"])
    res.estimate = est
    res.jobs = ex.capacity
    return res


def graph_bug_report(driver, run):
    """A bug found under the LKMM: its execution may not exist under SC, so it
    is not minimized by SC replays.  The graph is replayed once with source
    tracking, and the trace lists events in an order that respects po and rf
    (every read shows the write it reads from, which may be an older one)."""
    from ..api import BugReport
    from ..engine.runtime import Run, Bug as _Bug
    g = run.g.copy()
    driver.trace = True
    try:
        r2 = Run(driver, g, driver.program)
        try:
            r2.execute()
        except _Bug as b:
            r2.bug = b
    finally:
        driver.trace = False
    bug = run.bug
    if r2.bug is not None and r2.bug.kind == bug.kind:
        bug = r2.bug
    elif r2.bug is None and bug.kind in ("deadlock", "lost-wakeup") and r2.classify() == "deadlock":
        from ..engine import detect
        bug = detect.deadlock_bug(r2)        # found at the end of the run: find it again on the traced one
    else:
        r2 = run
    from ..engine.runtime import replay_order
    trace = format_trace(r2, bug, order=replay_order(r2.g))
    steps = S.steps_of(r2, replay_order(r2.g))
    return BugReport(kind=bug.kind, message=bug.message + " [LKMM execution: reads may read older "
                     "writes, as shown; the schedule replays under SC only]",
                     task=bug.task.name if bug.task else None, trace=trace,
                     schedule=S.encode(steps), events=trace_events(r2, bug),
                     context_switches=S.switches(steps), where=bug_where(r2, bug))


def replay(main, schedule, *, step_bound=2000, races="warn", drop_barriers=()):
    from ..api import Result
    t0 = time.perf_counter()
    steps = S.decode(schedule)
    d = Replay(main, steps, strict=True, step_bound=step_bound, races=races, trace=True,
               drop_barriers=drop_barriers)
    run, bug, complete = d.run_once()
    if d.diverged is not None:
        pos, k = d.diverged
        raise ModelError(f"replay diverged at step {pos + 1}: task {k} cannot run there "
                         "(a different model, or nondeterministic model code)")
    report = None
    if bug is not None:
        from ..api import BugReport
        report = BugReport(kind=bug.kind, message=bug.message, task=bug.task.name if bug.task else None,
                           trace=format_trace(run, bug), schedule=S.encode(S.steps_of(run)),
                           context_switches=S.switches(S.steps_of(run)),
                           events=trace_events(run, bug), where=bug_where(run, bug))
    return Result(verdict="bug" if report else "no-bug", exhaustive=False, memory_model="sc",
                  strategy="replay", executions=1 if complete or report else 0,
                  blocked=0 if complete or report else 1,
                  events=d.stats.events, seconds=time.perf_counter() - t0, bug=report)


def trace_events(run, bug):
    """The steps of a traced run as JSON-able dicts: what the HTML report and
    ``--json`` consumers need (task, text, source, locks held, RCU nesting,
    and the fields of the object the step touched, as they are after it)."""
    from .text import steps_with_text, fmt_value, loc_name, op_groups
    steps = steps_with_text(run)
    groups = op_groups(run)          # kernel operations made of several steps (HTML folds them)
    # values of every location as the interleaving goes, to show object state
    cur = {}
    held = {}
    rcu = {}
    out = []
    wparts = {}
    for th in run.g.threads:
        for i, e in enumerate(th):
            if e.kind == G.WRITE and e.rmw is True and i > 0:
                wparts[th[i - 1]] = e
    order = run.g.by_stamp()
    applied = set()
    sidx = 0
    step_of = {e: k for k, (_, _, _, e) in enumerate(steps)}
    for e in order:
        if e.kind == G.WRITE:
            cur[e.lid] = e.val
        op = e.op
        t = run.tasks[e.tid]
        name = loc_name(run, e.lid) if e.lid is not None else ""
        reader_word = ".reader[" in name
        mine = held.setdefault(t.name, [])
        if e.kind == G.READ and e in wparts:
            if op in ("spin_lock", "mutex_lock", "spin_trylock", "mutex_trylock", "write_lock",
                      "write_trylock") and not reader_word:
                mine.append(name)
            elif op in ("read_lock", "read_trylock") and reader_word:
                mine.append(_bracket_owner(name) + " (read)")
        elif e.kind == G.WRITE and not reader_word and op in ("spin_unlock", "mutex_unlock",
                                                              "write_unlock"):
            if name in mine:
                mine.remove(name)
        elif e.kind == G.WRITE and op == "read_unlock":
            n = _bracket_owner(name) + " (read)"
            if n in mine:
                mine.remove(n)
        elif op == "rcu_read_lock" and e.kind == G.WRITE:
            rcu[t.name] = 1
        elif op == "rcu_read_unlock" and e.kind == G.WRITE:
            rcu[t.name] = 0
        k = step_of.get(e)
        if k is None:
            continue
        task, text, where, _ = steps[k]
        w = wparts.get(e)
        if w is not None:
            cur[w.lid] = w.val
        loc = run.x.inits.get(e.lid) if e.lid is not None else None
        obj = loc.owner if loc is not None else None
        fields = {}
        if obj is not None and hasattr(obj, "_f"):
            for name, l in obj._f.items():
                fields[name] = fmt_value(cur.get(l.lid, l.init))
            for name, _typ in getattr(type(obj), "_embedded_", []):
                sub = getattr(obj, name, None)
                sl = getattr(sub, "_loc", None)
                if sl is not None:
                    fields[name] = fmt_value(cur.get(sl.lid, sl.init))
        out.append({"step": k + 1, "task": task.name, "text": text, "where": where,
                    "kind": G.KIND_NAMES[e.kind], "op": op,
                    "location": loc_name(run, e.lid) if e.lid is not None else None,
                    "object": obj._kname() if obj is not None and hasattr(obj, "_kname") else None,
                    "fields": fields, "locks": list(held.get(task.name, [])),
                    "rcu": bool(rcu.get(task.name)), "bug": e is bug.event,
                    "group": list(groups[e]) if e in groups else None})
    out.sort(key=lambda d: d["step"])
    return out


def _bracket_owner(name):
    return name.split(".reader[")[0]


def bug_where(run, bug):
    """``file:line`` of the model code where the bug shows."""
    import os
    w = getattr(bug, "where", None) or (run.notes.get(bug.event) if bug.event is not None else None)
    if not w:
        return None
    return f"{os.path.basename(w[0])}:{w[1]}"
