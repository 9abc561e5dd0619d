"""Bug reports: from a bug's schedule to a minimized, replayable trace.

The engine's search (``engine/search.py``) hands back each bug as the
schedule that replays it.  Here that schedule is replayed, shrunk (fewest
context switches, then fewest steps, ``minimize.py``), replayed once more
with source tracking, and printed in kernel terms.  The schedule of an
execution only the LKMM allows carries the reads-from choices it needs
(``schedule.of_bug``); its shrinking keeps a proposal only when the LKMM
allows what the proposal's replay built, and the result is replayed strictly
before it is printed.
"""

from __future__ import annotations

import re

import time

from ..engine.strategies import Replay, key_of
from ..engine.runtime import ModelError, catching_ctrl_c
from ..engine import graph as G
from ..engine import detect
from ..engine import schedule as S
from ..engine.search import known_kinds
from ..engine.memory.lkmm_bridge import LOCK_TAKE, LOCK_TRY, LOCK_RELEASE
from .minimize import shrink, same_bug, story_steps, lkmm_story_steps
from .story import race_order, shown_until
from .result import Result, BugReport
from .text import format_trace, is_reader_word, READER_WORD as _READER_WORD


def result(main, outcome, *, memory_model, strategy, step_bound=2000, races="warn", minimize=True,
           drop_barriers=(), started=None):
    """The ``Result`` of a search: a report for each bug it found."""
    with catching_ctrl_c():
        reports = [bug_report(main, f, step_bound=step_bound, races=races, minimize=minimize,
                              drop_barriers=drop_barriers) for f in outcome.bugs]
    secs = time.perf_counter() - started if started is not None else 0.0
    # a model error is never "exhaustive": the task that raised it did not go on, so
    # what it would have done next was not explored
    exhaustive = outcome.exhaustive and not any(r.kind == "model-error" for r in reports)
    return Result(verdict=_verdict(reports), exhaustive=exhaustive,
                  memory_model=memory_model, strategy=strategy, executions=outcome.executions,
                  blocked=outcome.blocked, events=outcome.events, seconds=secs,
                  bug=reports[0] if reports else None, bugs=reports, warnings=outcome.warnings,
                  bound=outcome.bound, interrupted=outcome.interrupted, distinct=outcome.distinct,
                  estimate=outcome.estimate, jobs=outcome.jobs, barriers=outcome.barriers)


def _verdict(reports):
    """"bug", "no-bug", or "error" when the model raised an exception (a model error:
    the verdict on the kernel code is unknown)."""
    if any(r.kind == "model-error" for r in reports):
        return "error"
    return "bug" if reports else "no-bug"


def _race_mode(memory_model, races):
    """What ``detect.every_bug`` makes of a --keep-going run's LKMM data races."""
    return races if memory_model == "lkmm" and races not in (None, "off") else None


def replay_to(main, steps, target, *, memory_model="sc", keep_going=False, trace=False,
              strict=False, step_bound=2000, races="warn", drop_barriers=()):
    """Replay ``steps``; (run, the bug like ``target`` it met (or its first bug), driver)."""
    d = Replay(main, steps, strict=strict, trace=trace, step_bound=step_bound, races=races,
               drop_barriers=drop_barriers, memory_model=memory_model, keep_going=keep_going)
    run, bug, _ = d.run_once()
    if keep_going and not run.discarded and not run.inadmissible:
        # with its LKMM data races, as the search's own every_bug had them (the
        # replay's own bug is the first race only)
        for b in detect.every_bug(run, _race_mode(memory_model, races), d)[0]:
            if same_bug(target, b):
                return run, b, d
    return run, bug, d


def bug_report(main, found, *, step_bound=2000, races="warn", minimize=True, drop_barriers=()):
    """A ``BugReport`` for ``found`` (engine.bugs.BugFound)."""
    steps = S.decode(found.schedule) if found.schedule else []     # a bug before any task step
    kw = dict(memory_model=found.memory_model, keep_going=found.keep_going, step_bound=step_bound,
              races=races, drop_barriers=drop_barriers)
    if S.annotated(steps):
        return _lkmm_report(main, steps, found, minimize, kw)
    best = shrink(lambda cand: replay_to(main, cand, found, **kw)[:2], steps, found) \
        if minimize else None
    if best is None:
        run, bug, _ = replay_to(main, steps, found, **kw)
        if not same_bug(found, bug):
            return _not_replayed(found)
        best = (story_steps(run, bug), run, bug)
    steps = best[0]
    # The printed replay line must replay as `kcheck replay` does - strictly.
    # Shrinking replays leniently (a task that cannot run is skipped), and a
    # race's story reorders the run (the free first): either may name a step
    # that strict replay cannot take (a timer that del_timer_sync() already
    # stopped).  Then print the order the lenient replay really ran, which
    # strict replay follows by construction, or the schedule found.
    for cand in (steps, None, S.decode(found.schedule) if found.schedule else []):
        if cand is None:
            run, bug, _ = replay_to(main, steps, found, **kw)
            if not same_bug(found, bug):
                continue
            cand = S.ending_with(S.steps_of(run), bug)
        run, bug, d = replay_to(main, cand, found, trace=True, strict=True, **kw)
        if d.diverged is None and not d.inconsistent and same_bug(found, bug):
            return _report(run, bug, cand, found.memory_model)
    return _not_replayed(found)


def _lkmm_report(main, steps, found, minimize, kw):
    """The report of an execution only the LKMM allows.  Its schedule replays
    exactly (``strict``); shrinking proposes simpler schedules as for SC, and
    keeps one only if the graph its replay builds is one the LKMM allows and
    meets the same bug.  The final schedule is replayed strictly once more,
    so the printed ``replay:`` line is one that reproduces the bug."""

    def attempt(cand, strict=False, trace=False):
        run, bug, d = replay_to(main, cand, found, strict=strict, trace=trace, **kw)
        if d.inconsistent or (strict and d.diverged is not None):
            return run, None
        return run, bug

    run, bug = attempt(steps, strict=True, trace=True)
    if not same_bug(found, bug):
        return _not_replayed(found)
    best = shrink(attempt, steps, found, story=lkmm_story_steps, no_worse=True) \
        if minimize else None
    candidates = [best[0]] if best is not None else []
    if race_order(run, bug) is not None:
        # a use-after-free by a race: tell it free first, ending at the access
        # (tried first: the shrunk schedule ends at the access, and the free its
        # run makes afterwards would not be shown)
        candidates.insert(0, story_steps(run, bug))
    for cand in candidates:
        run2, bug2 = attempt(cand, strict=True, trace=True)
        if same_bug(found, bug2):
            return _report(run2, bug2, cand, found.memory_model)
    return _report(run, bug, steps, found.memory_model)


def _report(run, bug, steps, memory_model):
    events = trace_events(run, bug)
    return BugReport(kind=bug.kind, message=bug.message, task=bug.task.name if bug.task else None,
                     trace=format_trace(run, bug), schedule=S.encode(steps),
                     events=events, context_switches=S.switches(steps),
                     where=bug_where(run, bug), memory_model=memory_model,
                     lanes=lanes(run, bug, events),
                     exc=bug.other if isinstance(bug.other, BaseException) else None,
                     races=_races_of(run, bug, memory_model))


def _races_of(run, bug, memory_model):
    """Under the LKMM, the data races of the bug's execution as far as it ran
    (a C review, 2026-12-03: a lost wake-up whose execution read a racy plain
    load said so only in a warning after the replay line).  The LKMM gives a
    racy program no defined outcome, so the reader must know."""
    if memory_model != "lkmm" or bug.kind in ("data-race", "model-error"):
        return []
    from ..engine.memory import lkmm_bridge
    from ..engine.detect import _lkmm_race_message
    try:
        pairs = lkmm_bridge.data_races(run.g)
    except Exception:
        return []       # a graph the check cannot take (a run stopped mid-RMW): nothing to say
    out = []
    for a, b in pairs:
        m = _lkmm_race_message(run, a, b)
        if m not in out:
            out.append(m)
    return out[:3]


def lanes(run, bug, events):
    """The tasks of a trace in the order of its columns: the text trace's order
    (spawn order), which the HTML lanes follow too."""
    names = {ev["task"] for ev in events}
    if bug.task is not None:
        names.add(bug.task.name)
    out = []
    for t in sorted(run.tasks, key=lambda t: t.order):
        if t.name in names and t.name not in out:
            out.append(t.name)
    return out


def _not_replayed(found):
    """The bug did not come back from its schedule: say so, and print no replay line."""
    return BugReport(kind=found.kind, message=found.message + " [kcheck: this bug did not replay "
                     "from its schedule, so no trace or replay command is shown; please report it]",
                     task=found.task, trace="", schedule=None, memory_model=found.memory_model)


def replay(main, schedule, *, step_bound=2000, races="warn", drop_barriers=(), memory_model="sc",
           keep_going=False, ignore=()):
    """``kcheck replay``: run one schedule exactly; a ModelError if it does not fit the model.
    ``keep_going``/``ignore`` as in the check the schedule comes from (the tasks go on
    past bugs; the first bug not ignored is reported)."""
    t0 = time.perf_counter()
    known_kinds(ignore)
    steps = S.decode(schedule)
    keep_going = keep_going or bool(ignore)
    with catching_ctrl_c():
        run, bug, d = replay_to(main, steps, None, memory_model=memory_model, trace=True, strict=True,
                                keep_going=keep_going, step_bound=step_bound, races=races,
                                drop_barriers=drop_barriers)
    if keep_going and not run.discarded and not run.inadmissible:
        kept = [b for b in detect.every_bug(run, _race_mode(memory_model, races), d)[0]
                if b.kind not in ignore]
        # a report's schedule ends at its bug's step: when the execution met
        # several (a WARN in main() is met in every one), the one its last step's
        # task met last within the schedule is the one reported (its first was,
        # and a later bug's line replayed to an earlier one of the same task)
        last = steps[-1][0] if steps else None
        mine = [b for b in kept if b.task is not None and key_of(b.task) == last]
        end = d.end_stamp
        inside = [b for b in mine if b.event is None or end is None or b.event.stamp < end]
        if inside:
            bug = max(inside, key=lambda b: b.event.stamp if b.event is not None else -1)
        else:
            bug = mine[0] if mine else (kept[0] if kept else None)
    if d.diverged is not None:
        pos, what = d.diverged
        if memory_model == "sc" and S.annotated(steps):
            # an LKMM report's schedule (its reads and writes marked) replayed as SC
            raise ModelError(f"replay diverged at step {pos + 1}: {what}; the schedule marks "
                             "weak-memory reads and writes: replay it with --memory-model lkmm, "
                             "as the report's line says")
        raise ModelError(f"replay diverged at step {pos + 1}: {what} (a different model, or "
                         "nondeterministic model code)")
    if d.inconsistent is not None:
        if memory_model == "sc":
            raise ModelError("the schedule builds an execution sequential consistency does not allow"
                             + ("; it reads older writes: replay it with --memory-model lkmm"
                                if S.annotated(steps) else ""))
        raise ModelError(f"the schedule builds an execution the LKMM does not allow (its "
                         f"{d.inconsistent} axiom fails)")
    if bug is None and d.pos < len(d.schedule):
        raise ModelError(f"the execution ended after {d.pos} of the schedule's {len(d.schedule)} "
                         "steps: the schedule does not fit this model")
    report = None
    if bug is not None:
        if d.pos >= len(steps) and steps:
            # the whole schedule ran and the bug came at or after its end (a race
            # judged when the run ends): the schedule given replays it - print it
            # again, so that a report's replay line is a fixed point
            shown = steps
        else:
            shown = S.ending_with(S.steps_of(run, annotate=memory_model == "lkmm"), bug)
        report = _report(run, bug, shown, memory_model)
    extra = d.stats.events - len(steps)
    bound = (f"one execution: the schedule's {len(steps)} steps"
             + (f", then the tasks went on ({extra} more events)" if d.ran_past and extra > 0 else ""))
    return Result(verdict=_verdict([report] if report else []), exhaustive=False,
                  memory_model=memory_model,
                  strategy="replay", executions=1, blocked=0, events=d.stats.events,
                  seconds=time.perf_counter() - t0, bug=report, bugs=[report] if report else [],
                  bound=bound, barriers=d.__dict__.get("barrier_sites", set()),
                  ran_past=extra if d.ran_past and extra > 0 else 0)


def trace_events(run, bug):
    """The steps of a traced run as JSON-able dicts: what the HTML report and
    ``--json`` consumers need (task, text, source, locks held, RCU nesting,
    and the fields of the object the step touched, as they are after it)."""
    from .text import steps_with_text, fmt_value, loc_name, op_groups
    steps = steps_with_text(run) if bug is None or not bug.in_main else []  # main()'s: no step
    end = shown_until(bug)             # as the text trace: it ends at the bug
    if end is not None:
        k = next((i for i, st in enumerate(steps) if st[3] is end), None)
        if k is not None:
            steps = steps[:k + 1]
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
        reader_word = is_reader_word(name)
        mine = held.setdefault(t.name, [])
        if e.kind == G.READ and e in wparts:
            if (op in LOCK_TAKE or op in LOCK_TRY or op in ("write_lock", "write_trylock",
                                                            "down_write")) \
                    and not reader_word:
                mine.append(name)
            elif op in ("read_lock", "read_trylock", "down_read") and reader_word:
                mine.append(_bracket_owner(name) + " (read)")
            elif op == "read_unlock":
                # an RMW on the exit word: gone at its step, as a plain store was
                n = _bracket_owner(name) + " (read)"
                if n in mine:
                    mine.remove(n)
        elif e.kind == G.WRITE and not reader_word and (op in LOCK_RELEASE
                                                        or op == "write_unlock"):
            if name in mine:
                mine.remove(name)
        elif op == "read_unlock" and e.kind == G.WRITE and e.rmw is not True:
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
    return _READER_WORD.split(name)[0]



def bug_where(run, bug):
    """``file:line`` of the model code where the bug shows."""
    import os
    w = getattr(bug, "where", None) or (run.notes.get(bug.event) if bug.event is not None else None)
    if not w:
        return None
    return f"{os.path.basename(w[0])}:{w[1]}"
