"""Checks that need a whole execution: use-after-free races, leaks, deadlocks.

Most detectors fire on the spot, inside the runtime (double free, refcount
WARNs, WARN_ON, lockdep, an access whose porf-prefix holds the free).  What
remains needs the finished graph:

* **use-after-free by a race**: an access and the free of its object that no
  path of ``po | rf | co | fr`` orders access-first.  Then some sequentially
  consistent order runs the free first, and the access touches freed memory.
* **leaks**: heap objects still allocated when every task has finished.
* **deadlock**: tasks blocked for good - each waits on a value that is the
  last one its location will ever hold (its read reads the co-latest write).
"""

from __future__ import annotations

from .memory import sc
from .graph import contains
from .runtime import Bug


def whole_bug(*a, **kw):
    """A bug found on the whole execution (not at one event of it)."""
    b = Bug(*a, **kw)
    b.whole = True
    return b


def root_cause(run, bug):
    """A bug that stopped an execution may be the echo of an earlier
    use-after-free (a refcount underflow on freed memory, say): report the
    use-after-free, which is what the reviewer has to fix."""
    if bug is not None and bug.kind not in ("use-after-free", "double-free"):
        uaf = use_after_free_race(run)
        if uaf is not None:
            return uaf
    return bug


def end_of_execution(run, complete):
    bug = use_after_free_race(run)
    if bug is not None:
        return bug
    if complete:
        return leaks(run)
    return None


def every_bug(run, race_mode=None, driver=None):
    """(bugs, state) of a finished --keep-going run: the bugs its tasks met, then
    a deadlock, a use-after-free by a race and leaks; ``state`` is 'complete',
    'blocked' or 'deadlock' (Run.classify)."""
    bugs = list(run.found)
    state = run.classify()
    if state == "deadlock":
        bugs.append(deadlock_bug(run))
    uaf = use_after_free_race(run)
    if uaf is not None:
        bugs.append(uaf)
    if state == "complete":
        leak = leaks(run)
        if leak is not None:
            bugs.append(leak)
        if run.lkmm and race_mode:
            race = lkmm_races_bug(run, race_mode, driver)
            if race is not None:
                bugs.append(race)
    return bugs, state


def use_after_free_race(run):
    succ = None
    held = []                    # (access, free) that only RCU grace periods may order
    for oid, f in run.freed.items():
        before = None
        for a in run.acc.get(oid, ()):
            if contains(f.view, a):
                continue
            if run.lkmm:
                # under the LKMM only what happens before the free (porf here:
                # the explorer never builds graphs outside porf) protects an access
                obj = run.heap[oid][0]
                return whole_bug("use-after-free",
                           f"{a.op} on {obj._kname()} by {run._task_name(a.tid)} is not ordered "
                           f"before {run._task_name(f.tid)}'s {f.op} of it", event=a,
                           task=run.tasks[a.tid], other=f)
            if succ is None:
                succ = sc.edges(run.g)
            if before is None:
                before = sc.predecessors_closure(run.g, f, succ)
            if a not in before:
                if run.has_gp:
                    held.append((a, f))
                    continue
                return _uaf_race(run, oid, a, f)
    if held:
        # Is the access before the free in every order that keeps the grace
        # periods out of the read-side sections?  (memory/rcu_gp.py)
        from .memory.rcu_gp import RcuOrder
        keys = [e for pair in held for e in pair]
        order = RcuOrder(run.g, extra_keys=keys)
        for a, f in held:
            if order.ok and not order.ordered(a, f) and order.can_precede(f, a):
                return _uaf_race(run, f.oid, a, f)
    return None


def _uaf_race(run, oid, a, f):
    obj = run.heap[oid][0]
    return whole_bug("use-after-free",
               f"{a.op} on {obj._kname()} by {run._task_name(a.tid)} can run after "
               f"{run._task_name(f.tid)} freed it ({f.op}): nothing orders the access "
               "before the free", event=a, task=run.tasks[a.tid], other=f)


def leaks(run):
    for oid, (obj, ev) in run.heap.items():
        if oid in run.freed or oid in run.noleak:
            continue
        who = run._task_name(ev.tid) if ev is not None else "main()"
        return whole_bug("leak", f"{obj._kname()} allocated by {who} is never freed "
                   "(every task has finished)", event=ev)
    return None


def deadlock_bug(run):
    stuck = [t for t in run.tasks if t is not None and t.blocked and not t.daemon]
    parts = []
    for t in stuck:
        e = run.g.threads[t.tid][-1]
        w = run.g.co_max(e.lid)
        by = f", last written by {run._task_name(w.tid)}" if w is not None else ""
        parts.append(f"{t.name} waits in {e.op}({run._lid_name(e.lid)}{by})")
    return whole_bug("deadlock", "deadlock: " + "; ".join(parts) + " - and nothing left can wake them",
               event=run.g.threads[stuck[0].tid][-1] if stuck else None,
               task=stuck[0] if stuck else None)


def lkmm_races_bug(run, mode, driver):
    """The LKMM's data-race flag on a complete execution: a bug with
    ``--races error``, a warning otherwise."""
    from .memory import lkmm_bridge
    if not lkmm_bridge.may_race(run.g):
        return None
    # the check made for the verdict has the flags when races matter (explore.py)
    pairs = lkmm_bridge.data_races(run.g, getattr(run, "lkmm_check", None))
    if not pairs:
        return None
    a, b = pairs[0]
    msg = (f"data race (LKMM) on {run._lid_name(a.lid)}: {a.op} in {run._task_name(a.tid)} and "
           f"{b.op} in {run._task_name(b.tid)}")
    if mode == "error":
        return whole_bug("data-race", msg, event=b, task=run.tasks[b.tid], other=a)
    if driver is None:
        return None
    w = driver.__dict__.setdefault("_warnings", [])
    if msg not in w:
        w.append(msg)
    return None
