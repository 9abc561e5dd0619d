"""Shrink a failing schedule: fewest context switches first, then fewest steps.

The shrinker works on the schedule the way hypothesis's shrinker works on a
choice sequence: propose a simpler schedule, replay it, keep it if it still
fails the same way.  Replay falls back to "stay on the current task" where a
schedule ends or names a task that cannot run, so cutting a schedule short
or deleting a block of steps are both meaningful proposals.
"""

from __future__ import annotations

import time

from ..engine import schedule as S
from ..engine.bugs import distinct_key, identity
from .story import race_order


def same_bug(a, b):
    """The same bug: same kind, and for WARN-like bugs the same site.  Object
    numbers (kvm_mmu_page#2) follow creation order, which differs between
    interleavings, and addresses differ between processes, so neither is part
    of a bug's identity."""
    if a is None or b is None or a.kind != b.kind:
        return False
    if getattr(a, "keep_going", False):
        # one of the distinct bugs of a --keep-going search: shrinking must not
        # turn it into another of them (a C review: the resetter's use-after-free
        # shrank into the reader's, and the list showed one bug twice)
        if distinct_key(a.kind, a.message) == distinct_key(b.kind, b.message):
            return True
        return a.kind == "use-after-free" and _task(a) == _task(b) \
            and _uaf_tail(a.message) == _uaf_tail(b.message)
    if a.kind in ("warn", "bug-on", "refcount-warn", "lockdep", "model-error"):
        return identity(a.kind, a.message) == identity(b.kind, b.message)
    if a.kind == "data-race":
        return distinct_key(a.kind, a.message) == distinct_key(b.kind, b.message)
    return True


def _task(b):
    t = b.task
    return t if t is None or t.__class__ is str else t.name


def _uaf_tail(message):
    """A use-after-free's message past the access it names: the object, the
    task and the free.  The access is named by the kernel call it is a step
    of in a traced run (``complete(&x)``) and by the step itself in a search
    (``spin_lock``), so a report's traced replay is matched without it."""
    m = identity("use-after-free", message)[1]
    for sep in (" on ", " after "):
        i = m.find(sep)
        if i >= 0:
            return m[i:]
    return m


def story_steps(run, b):
    """The schedule of the steps a report of bug ``b`` of ``run`` shows (story.py):
    for a use-after-free by a race, the free first and the access last; after a
    bug --keep-going ran on past, nothing later; else the whole run."""
    if b.in_main:
        return []           # met in main(): no task step leads to it (schedule.of_bug)
    evs = race_order(run, b)
    if evs is not None:
        return S.steps_of(run, evs, annotate=run.lkmm)
    evs = run.g.by_stamp()
    if run.keep_going and b.event is not None and not b.whole:
        evs = [e for e in evs if e.stamp <= b.event.stamp]    # the run went on (--keep-going)
    return S.ending_with(S.steps_of(run, evs), b)


def lkmm_story_steps(run, b):
    """``story_steps`` for a run under the LKMM: an SC execution in one of its SC
    orders, any other the events that lead to the bug in po and rf order, with
    the marks that make each read read what it read (``schedule.of_bug``)."""
    evs = race_order(run, b)
    if evs is not None:
        return S.steps_of(run, evs, annotate=True)
    return S.of_bug(run, lkmm=True, bug=b)


def _cost(steps):
    """Fewest context switches, then fewest steps, then fewest weak-memory steps."""
    return (S.switches(steps), len(steps), S.marks(steps))


def shrink(replay, steps, bug, *, story=story_steps, budget_s=8.0, budget_runs=400,
           no_worse=False):
    """Returns (steps, run, bug) of the simplest failing schedule found;
    ``replay(steps)`` gives (run, bug) of one replay (bug None for a replay the
    memory model does not allow); ``story(run, bug)`` the steps it shows.

    Under the LKMM a step may carry where its read reads (``KEY<SRC``): such a
    schedule shrinks as any other - a replay that strays from it is judged by
    the LKMM's axioms, not trusted - and a mark may also be dropped, so that
    the read reads the latest write, when the bug stays.

    ``no_worse``: start from ``steps`` itself when it is simpler than its
    run's story (an LKMM run's SC order can take more switches than the
    schedule found); without it the story is the start, as a race's story -
    the free first, ending at the access - reads better than the order found."""
    t0 = time.perf_counter()
    runs = 0

    def attempt(cand):
        nonlocal runs
        runs += 1
        run, b = replay(cand)
        if same_bug(bug, b):
            return story(run, b), run, b
        return None

    best = attempt(steps)
    if best is None:
        return None
    if no_worse and _cost(steps) < _cost(best[0]):
        best = (list(steps), best[1], best[2])
    best_steps = best[0]

    def out_of_budget():
        return runs >= budget_runs or time.perf_counter() - t0 > budget_s

    improved = bool(best_steps)       # an empty schedule (a bug in main()) is as short as it gets
    while improved and not out_of_budget():
        improved = False
        # block boundaries of the current best
        bounds = [i for i in range(1, len(best_steps)) if best_steps[i][0] != best_steps[i - 1][0]]
        cands = []
        for i in bounds:
            cands.append(best_steps[:i])                      # stop switching here
        for a, b in zip([0] + bounds, bounds + [len(best_steps)]):
            cands.append(best_steps[:a] + best_steps[b:])   # drop one block
        for i in bounds:                                     # move a block boundary
            j = next((k for k in bounds if k > i), len(best_steps))
            cands.append(best_steps[:i] + best_steps[j:j + 1] + best_steps[i:j] + best_steps[j + 1:])
        blocks = list(zip([0] + bounds, bounds + [len(best_steps)]))
        for n, (a, b) in enumerate(blocks):                  # join a task's blocks
            k = best_steps[a][0]
            later = next((c for c, _ in blocks[n + 1:] if best_steps[c][0] == k), None)
            if later is not None:                            # this block, later
                cands.append(best_steps[:a] + best_steps[b:later] + best_steps[a:b] + best_steps[later:])
            before = next((d for c, d in reversed(blocks[:n]) if best_steps[c][0] == k), None)
            if before is not None:                           # this block, earlier
                cands.append(best_steps[:before] + best_steps[a:b] + best_steps[before:a] + best_steps[b:])
        for i, (k, v) in enumerate(best_steps):                # read the latest write
            if isinstance(v, tuple):
                cands.append(best_steps[:i] + [(k, None)] + best_steps[i + 1:])
        for c in sorted(cands, key=_cost):
            if _cost(c) >= _cost(best_steps) and len(c) >= len(best_steps) \
                    and S.marks(c) >= S.marks(best_steps):
                continue
            if out_of_budget():
                break
            r = attempt(c)
            if r is not None and _cost(r[0]) < _cost(best_steps):
                best = r
                best_steps = r[0]
                improved = True
                break
    return best
