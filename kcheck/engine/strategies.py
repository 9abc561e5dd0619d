"""Drivers for spaces too big to exhaust, and for replaying one schedule.

Each builds ordinary SC interleavings: every read sees the latest write.
They differ only in which task goes next (shuttle's scheduler split):

* ``Replay``  - follows a schedule (task keys, with the value of each choice);
  where the schedule runs out or names a task that cannot run, it stays on the
  current task (the fewest context switches);
* ``Random``  - a seeded uniform choice among runnable tasks at every step;
* ``PCT``     - Burckhardt et al.'s probabilistic concurrency testing: random
  task priorities and ``depth - 1`` random priority-change points;
* ``Bounded`` - depth-first search of every schedule with at most K
  preemptions (CHESS's iterative context bounding), with choices explored too.

None of these claims exhaustiveness except ``Bounded`` within its bound.
"""

from __future__ import annotations

import random as _random

from .explore import Driver, default_pick, would_block
from .graph import Graph
from . import graph as G
from . import detect


def runnable(run):
    out = []
    for t in run.tasks:
        if t is None or t.finished or t.blocked:
            continue
        if not t.started or t.req is not None:
            out.append(t)
    return out


def ready_or_start(run):
    """(runnable tasks, a task not started yet or None).  A task that has not
    started runs to its first request before anything is decided: that makes
    no event, so every driver starts such tasks first."""
    ready = runnable(run)
    for t in ready:
        if not t.started:
            return ready, t
    return ready, None


def _settle(run, driver=None):
    """Classify a finished run; returns the bug (or None) and whether it completed."""
    if run.bug is not None:
        return detect.root_cause(run, run.bug), False
    if run.discarded or run.inadmissible:
        return None, False
    state = run.classify()
    if state == "deadlock":
        return detect.deadlock_bug(run), False
    bug = detect.end_of_execution(run, complete=(state == "complete"))
    if bug is None and state == "complete" and run.lkmm and driver is not None and driver.races:
        bug = detect.lkmm_races_bug(run, driver.races, None)
    return bug, state == "complete"


def key_of(t):
    return ".".join(str(i) for i in t.order)


class Replay(Driver):
    """Follow a schedule (engine/schedule.py): task keys, choice values, and for
    an LKMM execution the write a read reads or where a write goes in coherence.

    Under ``memory_model="lkmm"`` the run is the LKMM's (fences, dependencies)
    and ``run_once`` checks that the graph the schedule built is one the LKMM
    allows (``inconsistent`` names the axiom it breaks, if not)."""

    # the last pick was a step of the schedule: a task at its step bound that the
    # schedule runs on is not paused for the others (Run._bound) - the search that
    # made the schedule paused it, and ran the others, where the schedule says
    from_schedule = False

    def runs_on(self, t):
        """Does the schedule give task ``t`` a step after the one being made?  (A
        task the search paused at its step bound ran on; one whose bound ended
        it - a livelock - did not: its last step is the one that met the bound.)"""
        k = key_of(t)
        return any(key == k for key, _ in self.schedule[self.pos:])

    def __init__(self, program, schedule, *, strict=False, memory_model="sc", **kw):
        super().__init__(program, **kw)
        self.schedule = list(schedule)
        self.pos = 0
        self.strict = strict
        self.diverged = None
        self.last = None
        self.pending_choice = None
        self.pending_mark = None       # ("rf" | "co", src) of the step being made
        self.lkmm = memory_model == "lkmm"
        self.inconsistent = None       # the axiom the built graph breaks, if any
        self.ran_past = False          # tasks still ran once the schedule was used up
        self.end_stamp = None          # the graph's next stamp when it was used up
        self.started_on = {}           # task key -> the step that started it

    def pick(self, run):
        # A task is started (run to its first request) when the schedule first
        # names it, not before: what it does before its first request makes no
        # event but may be a bug (a lockdep report on its own held locks), and
        # starting every task up front would meet such a bug of a task the
        # schedule runs late, or never, before the bug the schedule leads to.
        ready = runnable(run)
        if not ready:
            return None
        if self.strict and self.diverged is None and (
                self.pending_mark is not None or self.pending_choice is not None):
            # the last step carried a value it had no use for: a choice on a step
            # that made none, a read or coherence mark on one that made no such access
            what = ("a choice" if self.pending_choice is not None else
                    "a read-from mark" if self.pending_mark[0] == "rf" else "a coherence mark")
            self.diverged = (self.pos - 1, f"its step has {what}, and made no such event")
        self.pending_mark = None
        self.pending_choice = None
        self.from_schedule = True
        by_key = {}
        for t in ready:
            by_key.setdefault(key_of(t), t)
        schedule = self.schedule
        while self.pos < len(schedule):
            k, v = schedule[self.pos]
            t = by_key.get(k)
            if t is not None and not t.started:
                self.started_on[k] = self.pos
                return t
            self.pos += 1
            if t is not None:
                if isinstance(v, tuple):
                    self.pending_choice, self.pending_mark = None, v
                else:
                    self.pending_choice = v
                self.last = t
                return t
            if self.strict and self.diverged is None:
                if self.started_on.get(k) == self.pos - 1 and any(
                        t is not None and key_of(t) == k and t.finished for t in run.tasks):
                    # the step that started the task: it ran to its end with no
                    # event, past a bug --keep-going let it go on after (a WARN)
                    continue
                self.diverged = (self.pos - 1, f"task {k} cannot run there")
            if self.diverged is not None:
                # the replay has failed: the steps left say nothing more ('0*9999999'
                # skipped one step at a time took 49 s to say so)
                self.pos = len(schedule)
        self.pending_choice = None
        self.from_schedule = False
        if not self.ran_past:
            self.end_stamp = run.g.next_stamp     # the schedule's events are stamped below
        self.ran_past = True
        for t in ready:
            if not t.started:
                return t
        if self.last is not None and self.last in ready and not would_block(run, self.last):
            return self.last
        t = default_pick(run)
        self.last = t
        return t

    def _event(self, run, src, lid):
        """The write ``src`` = (task key, event index) names, or a divergence."""
        k, i = src
        for t in run.tasks:
            if t is not None and key_of(t) == k:
                th = run.g.threads[t.tid]
                if i < len(th) and th[i].kind == G.WRITE and th[i].lid == lid:
                    return th[i]
                break
        if self.diverged is None:
            self.diverged = (self.pos - 1, f"{k}:{i} is not a write to that location made so far")
        return None

    def read_candidates(self, run, e, loc, fn):
        cands = super().read_candidates(run, e, loc, fn)
        mark = self.pending_mark
        if mark is not None and mark[0] == "rf":
            self.pending_mark = None
            if mark[1] is None:
                return [None]
            w = self._event(run, mark[1], loc.lid)
            if w is not None:
                return [w]
        return cands

    def on_write(self, run, e):
        mark = self.pending_mark
        if mark is None or mark[0] != "co" or e.rmw is True:
            return
        self.pending_mark = None
        lst = run.g.co[e.lid]
        if mark[1] is None:
            lst.remove(e)
            lst.insert(0, e)
            return
        w = self._event(run, mark[1], e.lid)
        if w is not None and w in lst:
            lst.remove(e)
            lst.insert(lst.index(w) + 1, e)

    def choose(self, run, e):
        v = self.pending_choice
        self.pending_choice = None
        if v is None:
            return 0
        if 0 <= v < e.arg:
            return v
        if self.strict and self.diverged is None:
            self.diverged = (self.pos - 1, f"a choice of {v} where there are {e.arg} values")
        return 0

    def run_once(self):
        run = self.execute(Graph())
        if self.lkmm and not run.discarded:
            from .memory import lkmm_bridge, sc
            run.lkmm_check = lkmm_bridge.check(run.g, flags=bool(self.races), inits=self.inits)
            verdict = run.lkmm_check[0]
            if not (verdict.consistent and sc.atomic(run.g)):
                self.inconsistent = verdict.axiom or "atomic"
        elif not self.lkmm and not run.discarded:
            from .memory import sc
            if not sc.consistent(run.g):
                self.inconsistent = "sequential consistency"
        bug, complete = _settle(run, self)
        return run, bug, complete


class Random(Driver):
    def __init__(self, program, *, seed=0, **kw):
        super().__init__(program, **kw)
        self.rng = _random.Random(seed)

    def pick(self, run):
        ready, start = ready_or_start(run)
        if start is not None or not ready:
            return start
        ok = [t for t in ready if not would_block(run, t)] or ready
        return self.rng.choice(ok)

    def choose(self, run, e):
        return self.rng.randrange(e.arg)


class PCT(Driver):
    def __init__(self, program, *, seed=0, depth=3, length=200, **kw):
        super().__init__(program, **kw)
        self.rng = _random.Random(seed)
        self.depth = depth
        self.length = length
        self.reset()

    def reset(self):
        self.prio = {}
        self.steps = 0
        self.changes = sorted(self.rng.sample(range(1, max(self.length, self.depth) + 1), self.depth - 1)) \
            if self.depth > 1 else []

    def pick(self, run):
        ready, start = ready_or_start(run)
        if start is not None or not ready:
            return start
        for t in ready:
            if t.tid not in self.prio:
                self.prio[t.tid] = self.rng.random() + self.depth
        ok = [t for t in ready if not would_block(run, t)] or ready
        best = max(ok, key=lambda t: self.prio[t.tid])
        self.steps += 1
        if self.changes and self.steps == self.changes[0]:
            self.changes.pop(0)
            self.prio[best.tid] = len(self.changes) * 0.001
        return best

    def choose(self, run, e):
        return self.rng.randrange(e.arg)


class Bounded(Driver):
    """All schedules with at most ``bound`` preemptions, depth first.

    A preemption is a switch away from a task that could have gone on.  The
    search is stateless: each schedule is a prefix of decisions replayed from
    scratch, then extended with "stay on the current task".
    """

    def __init__(self, program, *, bound=2, **kw):
        super().__init__(program, **kw)
        self.bound = bound
        self.prefix = []       # decisions: (kind, value) with kind 't' task key, 'c' choice
        self.trail = []        # what this run decided, with alternatives
        self.cur = None

    def pick(self, run):
        ready, start = ready_or_start(run)
        if start is not None or not ready:
            return start
        i = len(self.trail)
        cand = [t for t in ready if not would_block(run, t)] or ready
        cur = self.cur if self.cur in cand else None
        if i < len(self.prefix):
            k = self.prefix[i][1]
            t = next((t for t in cand if key_of(t) == k), cand[0])
        else:
            t = cur if cur is not None else cand[0]
        pre = self.trail[-1][3] if self.trail else 0
        alts = []
        for o in cand:
            if o is t:
                continue
            cost = pre + (1 if (cur is not None and o is not cur) else 0)
            if cost <= self.bound:
                alts.append(key_of(o))
        used = pre + (1 if (cur is not None and t is not cur) else 0)
        self.trail.append(("t", key_of(t), alts, used))
        self.cur = t
        return t

    def choose(self, run, e):
        i = len(self.trail)
        v = self.prefix[i][1] if i < len(self.prefix) else 0
        pre = self.trail[-1][3] if self.trail else 0
        alts = [x for x in range(e.arg) if x != v] if i >= len(self.prefix) else []
        self.trail.append(("c", v, alts, pre))
        return v

    def explore(self, on_execution):
        """Calls ``on_execution(run, bug, complete)`` per schedule; stops when it returns True."""
        stack = [[]]
        while stack:
            self.prefix = stack.pop()
            self.trail = []
            self.cur = None
            run = self.execute(Graph())
            bug, complete = _settle(run)
            if on_execution(run, bug, complete):
                return False
            for i in range(len(self.trail) - 1, len(self.prefix) - 1, -1):
                kind, v, alts, _ = self.trail[i]
                base = [(k, x) for (k, x, _, _) in self.trail[:i]]
                for a in alts:
                    stack.append(base + [(kind, a)])
                self.trail[i] = (kind, v, [], self.trail[i][3])
        return True
