"""Exhaustive, optimal exploration of execution graphs: TruSt.

TruSt (Kokologiannakis, Marmanis, Gladstein, Vafeiadis: "Truly Stateless,
Optimal Dynamic Partial Order Reduction", POPL 2022) visits every consistent
execution graph of a program exactly once, in memory polynomial in the size
of one execution.  For sequential consistency a graph is a Mazurkiewicz
trace, so the count of complete executions equals the count of traces that
the Optimal-DPOR papers report (readers(N) = 2^N, lastzero(5) = 64, ...).

The graph grows one event at a time; the next event always comes from the
lowest-ordered task that can run (``pick``), which makes "the next event" a
function of the graph alone.  Alternatives are kept on a worklist, each tagged
with the stamp of the event it changes:

* a new **read** reads from the co-latest write it may see; every other
  coherent write is a *forward revisit* (``R``);
* a new **write** goes to the end of coherence; every other coherent place is
  a forward revisit (``W``); and every earlier read of the same location that
  is not in the write's porf-prefix may be *backward revisited* to read from
  it (``B``) - the graph is cut back to what was added before that read plus
  the write's prefix;
* a **choice** (``need_resched()``, ``nondet()``) takes 0; other values are
  forward revisits (``C``).

A backward revisit is performed only if every event it deletes (and the read
itself) was *added maximally* - reading from, or placed at, the end of
coherence relative to what is kept, and not itself backward revisited by a
deleted write.  That is what makes each graph reachable along exactly one
path; the bookkeeping follows GenMC's ``isMaximalExtension``.

Backward revisits start a new graph on a stack of executions (each with its
own worklist); forward revisits change the current graph in place after
cutting it back to the changed event.  After each change the program is
replayed from scratch (``runtime.Run``): the search is stateless.
"""

from __future__ import annotations

import contextlib
import gc
import time

from . import graph as G
from .graph import Graph, contains, join
from .memory import sc
from .runtime import Run, Bug, ModelError, BLOCK, NO_WRITE
from . import detect


class Stats:
    __slots__ = ("executions", "blocked", "events", "started", "revisits")

    def __init__(self):
        self.executions = 0
        self.blocked = 0
        self.events = 0
        self.revisits = 0
        self.started = time.perf_counter()

    @property
    def seconds(self):
        return time.perf_counter() - self.started


class Driver:
    """What every exploration strategy gives the runtime (shuttle's split:
    the runtime executes, the driver decides)."""

    def __init__(self, program, *, step_bound=2000, races="warn", trace=False, drop_barriers=(),
                 keep_going=False):
        self.program = program
        self.keep_going = keep_going   # runs go on past bugs (runtime.Run.found)
        self.drop_barriers = tuple(drop_barriers)   # barrier specs switched off (kernel.barrier.dropped)
        self.step_bound = step_bound if step_bound else 2000
        self.races = None if races == "off" else races
        self.trace = trace
        self.inits = {}          # lid -> Loc (init values and names)
        self.tidmap = {}
        self.next_tid = 0
        self.stats = Stats()

    def tid_for(self, key):
        """The thread id of a dynamically started task, fixed for the whole
        exploration by its key (its creator and how many it had started), so
        the same task has the same id in every graph."""
        tid = self.tidmap.get(key)
        if tid is None:
            tid = self.tidmap[key] = self.next_tid
            self.next_tid += 1
        return tid

    # -- hooks called by the runtime; the defaults make an SC interleaving --
    def read_candidates(self, run, e, loc, fn):
        if loc.lid not in self.inits:
            self.inits[loc.lid] = loc
        return [run.g.co_max(loc.lid)]

    def on_read(self, run, e, cands):
        pass

    def on_write(self, run, e):
        pass

    def choose(self, run, e):
        return 0

    def pick(self, run):
        return default_pick(run)

    pick.pure = True    # no state: the runtime may ask twice (runtime.Run._chain)

    def execute(self, g):
        run = Run(self, g, self.program)
        try:
            run.execute()
        except Bug as b:
            run.bug = b
        self.stats.events += run.nevents
        if run.race_reports:
            self._race_warnings(run)
        return run

    def _race_warnings(self, run):
        """SC data races seen in this run, as warnings (each pair of operations on
        a location once).  Kept by the driver, so that every process of a
        parallel search reports them: they were once collected only around the
        serial explorer, and ``--jobs 2`` (the default on two cores) lost them."""
        seen = self.__dict__.setdefault("_race_seen", set())
        for o, e in run.race_reports:
            name = run._lid_name(e.lid)
            key = (name,) + tuple(sorted((o.op, e.op)))     # a pair once, in either order
            if key in seen:
                continue
            seen.add(key)
            self.__dict__.setdefault("_warnings", []).append(
                f"data race on {name}: {o.op} ({run._task_name(o.tid)}) vs {e.op} "
                f"({run._task_name(e.tid)})")


def would_block(run, t):
    req = t.req
    if req is None or req[0] != 2:
        return False
    loc = req[1]
    w = run.g.co_max(loc.lid)
    old = loc.init if w is None else w.val
    try:
        return req[2](old) is BLOCK
    except Exception:
        return False


def default_pick(run):
    """Lowest-ordered runnable task, preferring ones that would not block."""
    fallback = None
    tasks = run.tasks
    i = run.live_from
    n = len(tasks)
    lead = True
    co = run.g.co
    while i < n:
        t = tasks[i]
        i += 1
        if t is None:
            lead = False        # a slot a spawn may still fill
            continue
        if t.finished:
            if lead:
                # a task that ended stays ended: later picks of this run start past it
                # (a run of many short tasks made every pick scan them all)
                run.live_from = i
            continue
        lead = False
        if t.blocked:
            continue
        if not t.started:
            return t
        req = t.req
        if req is None:
            continue
        if req[0] == 2:
            # would_block(run, t), inlined: every new event asks it of each waiting
            # task (a kworker idle in its take), three times an event on a TDP
            # MMU check, and the two calls were a fiftieth of its time
            loc = req[1]
            lst = co.get(loc.lid)
            try:
                blocks = req[2](lst[-1].val if lst else loc.init) is BLOCK
            except Exception:
                blocks = False
            if blocks:
                if fallback is None:
                    fallback = t
                continue
        return t
    return fallback


# A search allocates a few objects per event and frees them a run later, in
# bulk; the cyclic collector's default (a young-generation pass every 700 net
# allocations) then runs every few events, scanning objects that are about to
# go anyway.  Passes a seventieth as often: indexer(15) 10% and a TDP MMU check
# 7% faster, 5 MB more at the top.  Not off: model objects do form cycles (a
# TDP MMU check grew 3x with it off).
YOUNG_THRESHOLD = 50_000


@contextlib.contextmanager
def fewer_collections():
    """Raise the young generation's threshold for a search, and put it back."""
    old = gc.get_threshold()
    if old[0] and old[0] < YOUNG_THRESHOLD:
        gc.set_threshold(YOUNG_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


class TruSt(Driver):
    """Optimal exhaustive exploration (see the module docstring)."""

    def __init__(self, program, *, max_executions=None, on_progress=None, on_complete=None,
                 memory_model="sc", on_bug=None, **kw):
        super().__init__(program, **kw)
        self.lkmm = memory_model == "lkmm"
        self.lkmm_races = self.races if self.lkmm else None     # None with --races off
        self.inconsistent = 0
        self.on_complete = on_complete   # called with each complete execution's Run (tests)
        self.max_executions = max_executions
        self._groups = {}           # id(read list) -> the list's reads by task (_by_task)
        self.clock = time.perf_counter   # what the deadline is measured in (units: CPU time)
        self.reset_search(on_bug=on_bug, on_progress=on_progress)

    def reset_search(self, *, on_bug=None, on_progress=None):
        """Make ready for a search (``run``), or for another ``run_from`` of the
        same model (a parallel worker's next path), keeping what it learnt of
        the model (main()'s recorded state, the runs' caches, task ids) and the
        counts, which go on growing."""
        # With keep_going, ``on_bug(run, bug)`` is called for every bug of every
        # execution (a run goes on past its bugs, so the search misses nothing after
        # one); it returns True to stop the search there.
        self.on_bug = on_bug
        self.on_progress = on_progress
        self.bugs = 0
        self.bug_run = None
        self.exhaustive = True
        self.interrupted = False
        self.work = None
        self.cur_path = ()
        self.seq = 0
        self.deadline = None        # stop and hand back the worklist after this time (units)

    # -- hooks ---------------------------------------------------------
    def read_candidates(self, run, e, loc, fn):
        lid = loc.lid
        if lid not in self.inits:
            self.inits[lid] = loc
        g = run.g
        lst = g.co.get(lid)
        if not lst:
            return [None]
        # Under SC a read may not read a write older than one in its porf-past (or than
        # what a read in that past read).  Under the LKMM the same holds for its
        # happens-before past through release -> acquire reads-from (e.hb, see
        # graph.synchronizes): the LKMM orders those writes before the read too, so an
        # older one is never consistent and is not even tried.  A read in that past
        # bounds it only if it and the write it read are marked: the release's
        # A-cumulativity that carries that write along is
        # [Marked] ; (rfe ; [Marked])? ; po-rel, so a plain ``r0 = *x`` before
        # spin_unlock(), or a READ_ONCE() of a plain ``*x = 1``, does not stop the
        # next lock holder from reading an older x (herd agrees:
        # tests/test_lkmm_enumeration.py).
        lkmm = self.lkmm
        view = e.hb if lkmm else e.view
        nv = len(view)
        lo = -1
        for i in range(len(lst) - 1, -1, -1):
            w = lst[i]
            if w.tid < nv and view[w.tid] >= w.idx:     # contains(view, w), inlined
                lo = i
                break
        if lo < len(lst) - 1:
            # a read in the past may have read a later write (the latest write in
            # the past already bounds it: then there is nothing to look for, which
            # keeps a task looping on one location linear in its length)
            for r in g.reads.get(lid, ()):
                t = r.tid
                if t < nv and view[t] >= r.idx and r is not e and (not lkmm or r.flags & G.MARKED):
                    w = r.rf
                    if w is not None and (not lkmm or w.flags & G.MARKED):
                        j = lst.index(w)
                        if j > lo:
                            lo = j
        cands = []
        allow_init = lo < 0
        if allow_init:
            cands.append(None)
        for i in range(max(lo, 0), len(lst)):
            cands.append(lst[i])
        return cands

    def on_read(self, run, e, cands):
        work = self.work
        fn = e.rmw
        for w in cands[:-1]:
            if fn is not None and _blocks(fn, run.x.inits[e.lid], w):
                continue   # a wait that would not return: the same as not running yet
            self._push("R", e, w)

    def on_write(self, run, e):
        g = run.g
        if e.rmw is not True:
            lst = g.co[e.lid]
            n = len(lst) - 1            # the writes before e (last) in coherence
            if n:
                view = e.hb if self.lkmm else e.view
                lo = 0
                for i in range(n - 1, -1, -1):
                    if contains(view, lst[i]):
                        lo = i + 1
                        break
                if lo < n:
                    # reads in the past may bound it further (not when the latest write
                    # already does: a task looping on a location stays linear)
                    # (marked reads only under the LKMM, as in read_candidates)
                    for r in g.reads.get(e.lid, ()):
                        if (contains(view, r) and r.rf is not None and (
                                not self.lkmm or r.flags & r.rf.flags & G.MARKED)):
                            try:
                                j = lst.index(r.rf, 0, n) + 1
                            except ValueError:
                                j = 0
                            if j > lo:
                                lo = j
                for p in range(lo, n):
                    if lst[p].rmw is True:
                        continue
                    self._push("W", e, lst[p - 1] if p > 0 else None)
        self.calc_revisits(g, e)

    def choose(self, run, e):
        work = self.work
        for v in range(1, e.arg):
            self._push("C", e, v)
        return 0

    def pick(self, run):
        return default_pick(run)

    pick.pure = True

    def _push(self, kind, a, b):
        """A worklist item.  Its path - the sequence numbers of the items
        applied from the root to reach it - names it in every process: the
        search is deterministic, so replaying the path rebuilds its graph
        (how parallel, distributed and checkpointed exploration hand work on)."""
        self.work.append((kind, a, b, self.cur_path + (self.seq,)))
        self.seq += 1

    # -- revisits ------------------------------------------------------
    def calc_revisits(self, g, s):
        sv = s.view
        reads = g.reads.get(s.lid, ())
        if len(reads) > 16:
            reads = self._outside(reads, sv)
        for r in reads:
            if not r.revisitable or contains(sv, r):
                continue
            if self.maximal(g, r, s):
                self._push("B", r, s)

    def _outside(self, reads, view):
        """The reads of ``reads`` outside the porf-prefix ``view``, in their order.

        A task that loops on one location piles up reads that are all in the past
        of its next write; looking at each of them for every write made a loop's
        exploration quadratic in its length.  Grouped by task (po order: stamps
        grow along a task), the reads past ``view`` are a suffix of each group."""
        groups = self._by_task(reads)
        out = []
        for tid, rs in groups.items():
            bound = view[tid] if tid < len(view) else -1
            i = len(rs)
            while i and rs[i - 1].idx > bound:
                i -= 1
            out.extend(rs[i:])
        if len(groups) > 1:
            out.sort(key=_stamp)
        return out

    def _by_task(self, reads):
        """``reads`` grouped by task, kept up to date per list: a graph's read lists
        only grow, are filtered into new lists, or lose one read (a lock
        acquisition taken out), and the check on the last read seen catches that."""
        cache = self._groups
        c = cache.get(id(reads))
        n = len(reads)
        if c is not None and c[0] is reads and 0 < c[1] <= n and reads[c[1] - 1] is c[2]:
            groups = c[3]
            for r in reads[c[1]:]:
                groups.setdefault(r.tid, []).append(r)
        else:
            if len(cache) > 256:
                cache.clear()
            groups = {}
            for r in reads:
                groups.setdefault(r.tid, []).append(r)
        cache[id(reads)] = (reads, n, reads[-1], groups)
        return groups

    @staticmethod
    def maximal(g, r, s):
        """Is every event a backward revisit of ``r`` by ``s`` deletes (added after
        ``r`` and outside ``s``'s porf-prefix) one that was added maximally?
        (TruSt's condition for revisiting without duplicates.)  "Kept" -
        stamped by ``r`` or in ``s``'s prefix - is spelt out in place: this is
        a tenth of a search that revisits as much as indexer's."""
        rstamp = r.stamp
        sv = s.view
        nsv = len(sv)
        lid = s.lid
        if s.rmw is not True:
            succ = g.co_succ(s, lid)
            if succ is not None and succ.stamp > rstamp and not (
                    succ.tid < nsv and sv[succ.tid] >= succ.idx):
                return False
        co = g.co
        READ, WRITE = G.READ, G.WRITE
        for th in g.threads:
            for k in range(len(th) - 1, -1, -1):
                e = th[k]
                es = e.stamp
                if es < rstamp:
                    break
                if e is not r:
                    if e.tid < nsv and sv[e.tid] >= e.idx:
                        continue
                    if es == rstamp:
                        continue
                if not e.revisitable or not e.maxadd:
                    return False
                kind = e.kind
                if kind == READ:
                    w = e.rf
                    if w is not None and w.stamp > es and w.stamp > rstamp and not (
                            w.tid < nsv and sv[w.tid] >= w.idx):
                        return False
                elif kind != WRITE:
                    continue
                else:
                    w = e
                # a write after w in coherence that the revisit keeps
                for w2 in reversed(co.get(e.lid, ())):
                    if w2 is w:
                        break
                    if w2 is not s and (w2.stamp <= rstamp or (
                            w2.tid < nsv and sv[w2.tid] >= w2.idx)):
                        return False
        return True

    # -- applying worklist items ---------------------------------------
    def _set_rf(self, g, r, w):
        r.rf = w
        if g.ended:
            g.forget_end(r.tid)
        base = g.base_view(r.tid, r.idx)
        v = list(base)
        if len(v) <= r.tid:
            v.extend([-1] * (r.tid + 1 - len(v)))
        v[r.tid] = r.idx
        hb = list(g.base_hb(r.tid, r.idx))
        if len(hb) <= r.tid:
            hb.extend([-1] * (r.tid + 1 - len(hb)))
        hb[r.tid] = r.idx
        if w is not None:
            v = join(v, w.view)
            if G.synchronizes(r, w, self.lkmm):
                hb = join(hb, w.hb)
        r.view = v
        r.hb = hb
        r.fresh = True

    def _complete_rmw(self, g, r):
        """If ``r`` is an RMW read whose new value makes it write, add the write half."""
        if r.rmw is None:
            return None
        w = r.rf
        loc = self.inits[r.lid]
        old = loc.init if w is None else w.val
        try:
            res = r.rmw(old)
        except Exception:
            return None
        if res is NO_WRITE or res is BLOCK:
            return None
        e = G.Event(r.tid, r.idx + 1, g.next_stamp, G.WRITE, r.lid, res, r.flags, r.op)
        g.next_stamp += 1
        e.rmw = True
        e.view = list(r.view)
        e.view[r.tid] = r.idx + 1
        e.hb = list(r.hb)
        e.hb[r.tid] = r.idx + 1
        g.threads[r.tid].append(e)
        if g.order is not None:
            g.order.append(e)
        lst = g.co.setdefault(r.lid, [])
        lst.insert(0 if w is None else lst.index(w) + 1, e)
        return e

    def _apply(self, item):
        kind, a, b, path = item
        self.cur_path = path
        self.seq = 0
        top = self.stack[-1]
        g = top[0]
        if kind == "R":
            g.restrict(a.stamp)
            self._set_rf(g, a, b)
            a.maxadd = False
            taken = _rmw_taken(g, b, a.lid)
            if self.lkmm:
                # The write half is added before the check, so that the check sees
                # the RMW whole (and an SC graph is recognised as one, which a
                # pending write half stops: lkmm_bridge.sc_shortcut).  It carries
                # the read's dependencies, as the runtime gives them.
                wpart = self._complete_rmw(g, a) if a.rmw is not None else None
                if wpart is not None:
                    wpart.deps = a.deps
                    if taken:
                        # An RMW reading a write another RMW already read: not an
                        # execution (atomicity), but its write may revisit that RMW's
                        # read - the order "this RMW first".  Each such revisit is
                        # checked when applied.
                        self.calc_revisits(g, wpart)
                        return False
                if not self._lkmm_ok(g):
                    return False
                if wpart is not None:
                    self.calc_revisits(g, wpart)
                return True
            if not sc.read_extends(g, a):
                return False
            wpart = self._complete_rmw(g, a)
            if wpart is not None:
                self.calc_revisits(g, wpart)
                if taken:
                    # Another RMW already read from b: this graph breaks atomicity and is
                    # not explored, but its write may still revisit that other RMW's read
                    # (the order "this RMW first"), as in GenMC's calcRevisits.
                    return False
            return True
        if kind == "W":
            g.restrict(a.stamp)
            lst = g.co[a.lid]
            lst.remove(a)
            lst.insert(0 if b is None else lst.index(b) + 1, a)
            a.maxadd = False
            if not (self._lkmm_ok(g) if self.lkmm else sc.write_moves(g, a)):
                return False
            self.calc_revisits(g, a)
            return True
        if kind == "C":
            g.restrict(a.stamp)
            g.forget_end(a.tid)
            a.val = b
            a.maxadd = False
            return True
        # backward revisit: r = a reads from s = b
        r, s = a, b
        g.restrict(s.stamp)
        rstamp = r.stamp
        sv = s.view
        broken = False
        if not self.lkmm:
            # judged before the copy: most backward revisits of a large model fail here
            broken = sc.revisit_breaks_atomicity(g, r, s, rstamp, sv)
            if broken and not detect.CHECK_FAST_PATHS:
                return False
        g2 = g.copy_keep(rstamp, sv)
        r2 = g2.threads[r.tid][r.idx]
        s2 = g2.threads[s.tid][s.idx]
        g2.stamp_order_ok = False
        self.stack.append([g2, []])
        self.work = self.stack[-1][1]
        self._set_rf(g2, r2, s2)
        r2.maxadd = s2 is g2.co_max(s2.lid)
        # reads left pointing at deleted writes (always last in their task) read the co-latest write
        for th in g2.threads:
            if th:
                e = th[-1]
                if e.kind == G.READ and e.rf is not None and e is not r2 and _deleted(g2, e.rf):
                    self._set_rf(g2, e, g2.co_max(e.lid))
                    e.maxadd = True
        if detect.CHECK_FAST_PATHS and not self.lkmm:
            # the copy made anyway, to be asked too
            assert broken == (not sc.atomic(g2)), "revisit_breaks_atomicity disagrees with the copy"
        if broken:
            self.stack.pop()
            self.work = self.stack[-1][1]
            return False
        blocks = r2.rmw is not None and _blocks(r2.rmw, self.inits[r2.lid], s2)
        if self.lkmm and not blocks:
            # the RMW checked whole, as for a forward revisit (above)
            wpart = self._complete_rmw(g2, r2)
            if wpart is not None:
                wpart.deps = r2.deps
            if not self._lkmm_ok(g2):
                self.stack.pop()
                self.work = self.stack[-1][1]
                return False
            if wpart is not None:
                self.calc_revisits(g2, wpart)
            return True
        if not (self._lkmm_ok(g2) if self.lkmm else self._revisit_consistent(g2, r2)):
            self.stack.pop()
            self.work = self.stack[-1][1]
            return False
        if blocks:
            if not r2.flags & G.AWAIT:
                # A lock taken by another task: take the acquisition out, and let
                # its task ask again once the lock is free (GenMC's
                # removeCASReadIfBlocks).  Only for RMWs that write when they pass:
                # whatever such a read could read before the lock was taken is read
                # by the RMW that took it.
                g2.threads[r2.tid].pop()
                if g2.order is not None:
                    g2.order.remove(r2)
                g2.reads[r2.lid].remove(r2)
            # A read-only wait (join, a grace period, smp_cond_load) stays blocked on
            # the value: each later write to the location may revisit it, as GenMC
            # does with blocked reads.  A run that ends with it still blocked is a
            # blocked execution, counted apart.
            return True
        wpart = self._complete_rmw(g2, r2)
        if wpart is not None:
            self.calc_revisits(g2, wpart)
        return True

    @staticmethod
    def _revisit_consistent(g2, r2):
        """Is the graph of a backward revisit SC (its RMWs already known atomic)?

        The graph it was cut from was consistent, and what is kept of it is
        too: every edge among the kept events other than ``r2``'s follows from
        the old graph's (an fr edge to a co-successor that was deleted becomes
        one to a later write, implied through co).  ``r2`` is last in its task
        (what po-follows it was added after it), and reads that were left
        pointing at deleted writes read the co-latest one and are last in
        theirs: no edge leaves them.  So a cycle must pass through ``r2``, out
        along fr and back through its po-predecessor - what ``read_extends``
        asks, one search from one write instead of numbering the whole graph
        (a twentieth of a lastzero run)."""
        th = g2.threads[r2.tid]
        ok = sc.read_extends(g2, r2) if th[-1] is r2 else sc.consistent(g2)
        if detect.CHECK_FAST_PATHS:
            assert ok == sc.consistent(g2), "read_extends disagrees with consistent on a revisit"
        return ok

    def _lkmm_ok(self, g):
        from .memory import lkmm_bridge
        ok = sc.atomic(g) and lkmm_bridge.consistent(g, self.inits)
        if ok:
            g.checked = g.next_stamp - 1
        return ok

    @staticmethod
    def _extends_checked(g):
        """Was ``g`` made from a graph found consistent (``g.checked``) by adding
        events maximally (reads of the latest write, writes last in coherence: what
        a run adds)?  The LKMM is extensible that way - a new event has no edge out
        of it - except for an unlock that closes a read-side section (rcu-rscsi
        leaves it), and only when a grace period is in the graph: rcu-order is
        built from grace periods, so without one a closed section orders nothing
        (rcu-fence and rb are empty) - more than half of the end-of-run checks
        of the TDP MMU's three-task scenarios."""
        upto = g.checked
        if upto is None:
            return False
        for th in g.threads:
            if not th or th[-1].stamp <= upto:
                continue
            # A section the checked graph had open was closed (by lkmm_bridge) after
            # that graph's last event of this task; new events of the task move that
            # end, and a real unlock ends it: either way rcu-fence may now relate events
            # it already had (a new event only has edges to newer ones).
            k = len(th) - 1
            while k > 0 and th[k - 1].stamp > upto:
                k -= 1
            if _open_at(th, k):
                return not _has_grace_period(g)
        return True

    # -- the search ------------------------------------------------------
    def run(self):
        self.stack = [[Graph(), []]]
        self.work = self.stack[0][1]
        self.cur_path, self.seq = (), 0
        try:
            with fewer_collections():
                if self._execute_top():
                    return self
                self._loop()
        except KeyboardInterrupt:
            self.interrupted = True
            self.exhaustive = False
        return self

    def _loop(self):
        """Pop and explore worklist items until none is left (or the deadline)."""
        import time as _t
        while self.stack:
            top = self.stack[-1]
            if not top[1]:
                self.stack.pop()
                if self.stack:
                    self.work = self.stack[-1][1]
                continue
            if self.deadline is not None and self.clock() > self.deadline:
                return
            self.work = top[1]
            item = top[1].pop()
            self.stats.revisits += 1
            if not self._apply(item):
                continue
            if self._execute_top():
                return

    def pending(self):
        """Paths of the items not explored yet (each an independent subtree)."""
        return [it[3] for level in self.stack for it in level[1]]

    def run_from(self, path, deadline=None):
        """Explore the subtree of the item named by ``path`` (() is the whole
        space), stopping at ``deadline`` (perf_counter seconds) if given.

        The ancestors on the path are replayed, not counted: whoever handed
        out this path counts nothing below it.
        """
        with fewer_collections():
            return self._run_from(path, deadline)

    def _run_from(self, path, deadline):
        self.stack = [[Graph(), []]]
        self.work = self.stack[0][1]
        self.cur_path, self.seq = (), 0
        saved = (self.stats.executions, self.stats.blocked, self.on_complete)
        limit = self.max_executions
        try:
            if path:
                self.on_complete = None
                self.max_executions = None          # the ancestors' replays count nothing
                if self._execute_top():
                    raise ModelError(_PATH_MISFIT)
                for k, seq in enumerate(path):
                    items = self.stack[-1][1]
                    if not (isinstance(seq, int) and 0 <= seq < len(items)):
                        raise ModelError(_PATH_MISFIT)
                    item = items[seq]
                    for level in self.stack:
                        level[1].clear()            # siblings belong to other units
                    last = k == len(path) - 1
                    if last:
                        self.stats.executions, self.stats.blocked, self.on_complete = saved
                        self.max_executions = limit
                    # an item whose own graph is not consistent can still have children
                    # (the backward revisits its write was given): go on either way
                    if self._apply(item) and self._execute_top():
                        return self
                    if not last:
                        self.stats.executions, self.stats.blocked = saved[0], saved[1]
            elif self._execute_top():
                return self
            self.deadline = deadline
            self._loop()
        except KeyboardInterrupt:
            self.interrupted = True
            self.exhaustive = False
        return self

    def _execute_top(self):
        """Replay and extend the graph on top of the stack; True when the search must stop."""
        g = self.stack[-1][0]
        run = self.execute(g)
        st = self.stats
        if self.lkmm and not run.discarded:
            # one check gives both the verdict and (if wanted) the data-race flag;
            # an SC execution needs the full check only for the flag
            from .memory import lkmm_bridge
            known = self.__dict__.get("_race_keys") if self.lkmm_races == "warn" else None
            flags = bool(self.lkmm_races) and lkmm_bridge.may_race(run.g, known)
            uaf = detect.lkmm_uaf_questions(run) if run.freed else ()
            if not flags and not uaf and (self._extends_checked(run.g)
                                          or lkmm_bridge.sc_shortcut(run.g, self.inits)):
                run.lkmm_check = None
                lkmm_ok = True
            else:
                # one check for consistency, the race flag and the use-after-free questions
                run.lkmm_check = lkmm_bridge.check(run.g, flags=flags, inits=self.inits, ordered=uaf)
                lkmm_ok = run.lkmm_check[0].consistent and sc.atomic(run.g)
            if lkmm_ok:
                run.g.checked = run.g.next_stamp - 1
        else:
            lkmm_ok = True
        if run.inadmissible or not lkmm_ok:
            # a maximal extension the LKMM forbids, or one whose grace periods cannot
            # be kept out of the read-side sections (memory/rcu_gp.py): not an execution
            self.inconsistent += 1
            st.blocked += 1
            return self._progress_and_limit()
        if self.keep_going:
            return self._settle_all(run)
        if run.bug is not None:
            run.bug = detect.root_cause(run, run.bug)
            return self._found(run)
        if run.discarded:
            st.blocked += 1
        else:
            state = run.classify()
            if state == "deadlock":
                run.bug = detect.deadlock_bug(run)
                return self._found(run)
            bug = detect.end_of_execution(run, complete=(state == "complete"))
            if bug is not None:
                run.bug = bug
                return self._found(run)
            if state == "complete" and self.lkmm and self.lkmm_races:
                bug = detect.lkmm_races_bug(run, self.lkmm_races, self)
                if bug is not None:
                    run.bug = bug
                    return self._found(run)
            if state == "complete":
                st.executions += 1
                if self.on_complete is not None:
                    self.on_complete(run)
            else:
                st.blocked += 1
        return self._progress_and_limit()

    def _found(self, run):
        """A buggy execution: the search stops at its first bug."""
        self.bugs += 1
        self.bug_run = run
        return True

    def _settle_all(self, run):
        """--keep-going: count the execution, hand each of its bugs to ``on_bug``."""
        st = self.stats
        if run.discarded:
            st.blocked += 1
            return self._progress_and_limit()
        bugs, state = detect.every_bug(run, self.lkmm_races if self.lkmm else None, self)
        if state == "blocked":
            st.blocked += 1
        else:
            st.executions += 1
            if state == "complete" and self.on_complete is not None:
                self.on_complete(run)
        for b in bugs:
            self.bugs += 1
            if self.on_bug is None or self.on_bug(run, b):
                run.bug = b
                self.bug_run = run
                return True
        return self._progress_and_limit()

    def _progress_and_limit(self):
        st = self.stats
        if self.on_progress is not None:
            self.on_progress(self)
        if self.max_executions is not None and st.executions + st.blocked >= self.max_executions:
            self.exhaustive = not any(top[1] for top in self.stack)
            return True
        return False


_PATH_MISFIT = ("a path of the search does not lead where it did (a checkpoint of another version "
                "of the model, or nondeterministic model code)")


# events whose addition can make a consistent LKMM graph inconsistent
_CLOSES_SECTION = frozenset({"rcu_read_unlock", "~rcu_read_unlock", "~srcu_read_unlock"})
_OPENS_SECTION = frozenset({"rcu_read_lock", "~rcu_read_lock", "~srcu_read_lock"})


def _has_grace_period(g):
    """Is a Sync-rcu or Sync-srcu fence (lkmm_bridge's tags) anywhere in ``g``?"""
    for th in g.threads:
        for e in th:
            if e.kind == G.FENCE and (e.val == "synchronize_rcu" or (
                    e.val.__class__ is tuple and e.val[0] == "synchronize_srcu")):
                return True
    return False


def _open_at(th, k):
    """Is a read-side section open in ``th`` before its event ``k``?"""
    depth = 0
    for j in range(k):
        op = th[j].op
        if op in _OPENS_SECTION:
            depth += 1
        elif op in _CLOSES_SECTION and depth:
            depth -= 1
    return depth > 0


def _stamp(e):
    return e.stamp


def _blocks(fn, loc, w):
    """Would a wait (an RMW whose function says BLOCK) block reading ``w``?

    A forward revisit to such a value stops its task for good in a graph that
    can never be revisited again (the read is not added maximally), which is
    the same as the task not having run yet: every outcome of the other tasks
    is also reached with the wait placed last, reading the final value.  So
    TruSt does not branch forward on values that block (GenMC neither);
    deadlocks still show up when every task waits.  A backward revisit to a
    blocking value is kept: later writes may revisit the wait again.
    """
    try:
        return fn(loc.init if w is None else w.val) is BLOCK
    except Exception:
        return False


def _rmw_taken(g, w, lid):
    """Does some RMW already read from ``w`` (its co-successor is an RMW write)?"""
    nxt = g.co_succ(w, lid)
    return nxt is not None and nxt.rmw is True


def _deleted(g2, w):
    th = g2.threads[w.tid] if w.tid < len(g2.threads) else ()
    return w.idx >= len(th) or th[w.idx] is not w
