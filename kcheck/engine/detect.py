"""Checks that need a whole execution: use-after-free races, leaks, deadlocks.

Most detectors fire on the spot, inside the runtime (double free, refcount
WARNs, WARN_ON, lockdep, an access whose porf-prefix holds the free).  What
remains needs the finished graph:

* **use-after-free by a race**: an access and the free of its object that no
  path of ``po | rf | co | fr`` orders access-first.  Then some sequentially
  consistent order runs the free first, and the access touches freed memory.
* **leaks**: heap objects still allocated when every task has finished.
* **deadlock**: tasks blocked for good - each waits on a value that is the
  last one its location will ever hold (its read reads the co-latest write);
  when every one of them is asleep in ``schedule()`` it is a **lost wake-up**.
"""

from __future__ import annotations

import re

import os

from .memory import sc, rcu_gp
from . import graph as G
from .graph import contains
from .runtime import Bug, NON_FATAL, scope_end, is_stack


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
    if bug is not None and bug.kind == "double-free" and bug.event is not None:
        # the second free is its own bug - unless the path to it used the object
        # after the first (r->done(r) after the other path's kfree(r)): KASAN
        # stops at that access, and so does the report.  Another task's race
        # with the first free is a bug of its own, not this one's cause.
        uaf = use_after_free_race(run)
        if (uaf is not None and uaf.event is not None and uaf.event is not bug.event
                and bug.event.view is not None and contains(bug.event.view, uaf.event)):
            return uaf
    return bug


def end_of_execution(run, complete):
    bug = use_after_free_race(run)
    if bug is not None:
        return bug
    # checks a kernel primitive registered for the finished execution
    # (kmem_cache_destroy: every object of the cache freed before it)
    for check in getattr(run, "end_checks", ()):
        bug = check(run, complete)
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
    if run.bug is not None and not any(b is run.bug for b in bugs):
        # raised rather than collected: a fatal one met in main() (BUG_ON), before
        # any task ran - it was lost, and the search said "no bug".  main()
        # stopped there, so what it would have spawned or freed never was: a
        # leak or a deadlock after it would only be its echo
        if run.bug.task is None:
            return bugs + [run.bug], state
        bugs.insert(0, run.bug)
    stopped = {b.task.tid for b in bugs if b.kind not in NON_FATAL and b.task is not None}
    if any(b.kind == "model-error" for b in bugs):
        # a task died of an exception in the model: the others waiting for it for
        # ever, or what it would have freed, say nothing about the kernel code
        return bugs, state
    if state == "deadlock":
        bugs.append(deadlock_bug(run))
    bugs.extend(every_use_after_free_race(run))
    if state == "complete":
        # a task a bug stopped (an oops) never freed what it would have: the leak
        # of an object it allocated or touched is that bug's echo (a C review: a
        # --keep-going run listed a leak whose replay line showed the
        # uninit-value that had stopped the task about to free it)
        bugs.extend(b for b in leaks(run, every=True)
                    if not (stopped and _touched_by(run, b.event, stopped)))
        if run.lkmm and race_mode:
            bugs.extend(lkmm_race_bugs(run, race_mode, driver))
    return bugs, state


def must_precede(run, a, b):
    """Is ``a`` before ``b`` in every order of the execution the memory model
    allows?  Under SC: a path of po | rf | co | fr | spawn, or one the RCU grace
    periods force; under the LKMM: porf (what orders a free before a use)."""
    if run.lkmm:
        return contains(b.view, a)
    if sc.reach(run).before(a, b):
        return True
    if run.has_gp:
        from .memory.rcu_gp import RcuOrder
        order = RcuOrder(run.g, extra_keys=[a, b], reach=sc.reach(run))
        return order.ok and order.ordered(a, b)
    return False


def must_precede_all(run, events, b):
    """``must_precede(run, a, b)`` for every ``a`` of ``events`` at once: the
    set of those that are before ``b`` in every order.  One closure of the
    graph (and one placement of the grace periods) for all of them, not one
    per event: an end-of-run check over many objects stays one graph walk."""
    events = [a for a in events if a is not None]
    out = {a for a in events if contains(b.view, a)}     # porf: before in every order
    if run.lkmm:
        return out
    rest = [a for a in events if a not in out]
    if rest:
        rch = sc.reach(run)
        out.update(a for a in rest if rch.before(a, b))
        rest = [a for a in rest if a not in out]
    if rest and run.has_gp:
        from .memory.rcu_gp import RcuOrder
        order = RcuOrder(run.g, extra_keys=rest + [b], reach=sc.reach(run))
        if order.ok:
            out.update(a for a in rest if order.ordered(a, b))
    return out


def use_after_free_race(run):
    """The use-after-free by a race this finished run shows, if any: an access
    of a freed object that the free does not follow in every order."""
    if run.lkmm:
        return _lkmm_use_after_free(run)
    for oid, a, f in _uaf_pairs(run):
        return _uaf_race(run, oid, a, f)
    return None


def every_use_after_free_race(run):
    """--keep-going: the use-after-free by a race of each task whose accesses of
    a freed object the free does not follow, the first of them (a C review:
    a search that went on past bugs reported one race per execution, so a
    reader's race with a free was never listed when another task's race with
    it came first).  One per task, not per access: the rest of the task's
    accesses of the object are the same race."""
    if run.lkmm:
        return _lkmm_use_after_free(run, every=True)
    first = {}
    for oid, a, f in _uaf_pairs(run):
        key = (a.tid, f)
        b = first.get(key)
        if b is None or a.idx < b[1].idx:
            # the task's first racing access in program order: a property of the
            # graph, so the replay of the report's schedule names the same one
            # (which ran after the free depends on the order the search took)
            first[key] = (oid, a, f)
    return [_uaf_race(run, oid, a, f) for oid, a, f in first.values()]


def _uaf_pairs(run):
    """(oid, access, free) of each access the free does not follow in every SC
    order, the ones of an object that ran after its free first (the report
    shows what happened, not only what could)."""
    rch = None
    held = []                    # (access, free) that only RCU grace periods may order
    g = run.g
    secs = None
    verify = []                  # CHECK_FAST_PATHS: pairs the grace-period rule ordered
    typesafe = run.typesafe
    frees = run.freed.items()
    refreed = run.__dict__.get("refreed")     # --keep-going: frees after the first
    if refreed:
        frees = [*frees, *refreed]
    for oid, f in frees:
        if oid in typesafe:
            continue                 # SLAB_TYPESAFE_BY_RCU: still an object of its type
        racing = []
        for a in run.acc.get(oid, ()):
            if contains(f.view, a):
                continue
            if sc.hop_before(g, a, f):
                # ordered through one co | fr edge: no closure needed
                if CHECK_FAST_PATHS:
                    assert sc.reach(run).before(a, f), "sc.hop_before disagrees with Reach"
                continue
            if run.has_gp:
                if secs is None:
                    secs = rcu_gp.sections_by_task(g)
                if rcu_gp.gp_orders(g, a, f, secs):
                    # a reader's access, freed after a grace period that must wait for it
                    if CHECK_FAST_PATHS:
                        verify.append((a, f))
                    continue
            if rch is None:
                rch = sc.reach(run)
            if not rch.before(a, f):
                if run.has_gp:
                    held.append((a, f))
                    continue
                if a.stamp > f.stamp:
                    yield oid, a, f          # it did run after the free: that one first
                else:
                    racing.append(a)
        for a in racing:
            yield oid, a, f
    if verify:
        order = rcu_gp.RcuOrder(g, extra_keys=[e for pair in verify for e in pair], reach=sc.reach(run))
        for a, f in verify:
            assert order.ok and (order.ordered(a, f) or not order.can_precede(f, a)), \
                "rcu_gp.gp_orders disagrees with RcuOrder"
    if held:
        # Is the access before the free in every order that keeps the grace
        # periods out of the read-side sections?  (memory/rcu_gp.py)
        from .memory.rcu_gp import RcuOrder
        keys = [e for pair in held for e in pair]
        order = RcuOrder(run.g, extra_keys=keys, reach=rch)
        held.sort(key=lambda p: p[0].stamp < p[1].stamp)     # accesses that ran after the free first
        for a, f in held:
            if order.ok and not order.ordered(a, f) and order.can_precede(f, a):
                yield f.oid, a, f


CHECK_FAST_PATHS = bool(os.environ.get("KCHECK_CHECK_FAST_PATHS"))


def lkmm_uaf_questions(run):
    """(access, kfree) pairs only the LKMM's relation algebra can tell ordered or
    not: accesses of another task that are neither after the free in porf, nor
    synchronized before it (release -> acquire), nor in a read-side section the
    free's grace period must wait for (_rcu_orders)."""
    pairs = []
    sections = {}
    for oid, f in run.freed.items():
        if oid in run.typesafe:
            continue
        for a in run.acc.get(oid, ()):
            if a.tid == f.tid or contains(a.view, f) or contains(f.hb, a):
                continue
            if _rcu_orders(run.g, a, f, sections):
                continue
            pairs.append((a, f))
    return pairs


def _rcu_orders(g, a, f, sections):
    """Does RCU order ``a`` before ``f`` without asking the whole model?

    If ``a`` lies in a closed read-side section [L, U] of its task T, ``f`` comes
    after a grace period G of its own task, and an event of T after L happens
    before G (G's happens-before view reaches past L in T: a release or spawn of
    T's, marked), that is an rcu-link from the section's start to G.  Then
    rcu-rscsi ; rcu-link ; rcu-gp is in rcu-order, and rcu-fence = po ; rcu-order
    ; po? relates everything before U to everything after G: a is before f.
    With KCHECK_CHECK_FAST_PATHS=1 the full model is asked too (tests)."""
    th_f = g.threads[f.tid]
    gp = None
    for e in reversed(th_f[:f.idx]):
        if e.kind == G.FENCE and e.val == "synchronize_rcu":
            gp = e
            break
    if gp is None:
        return False
    sec = sections.get(a.tid)
    if sec is None:
        sec = sections[a.tid] = _sections(g.threads[a.tid])
    for lo, hi in sec:
        if lo < a.idx < hi:
            key = (a.tid, lo, gp)
            linked = sections.get(key)
            if linked is None:
                linked = sections[key] = _links(g, g.threads[a.tid], lo, gp)
            if linked and CHECK_FAST_PATHS:
                from .memory import lkmm_bridge
                ok = lkmm_bridge.ordered_before(g, [(a, f)])
                assert ok is None or ok[0], "RCU fast path disagrees with the LKMM"
            return linked
    return False


def _links(g, th, lo, gp):
    """Is there an rcu-link from the section starting at index ``lo`` of ``th`` to
    the grace period ``gp``: an event of the section's task after its start that
    happens before ``gp`` (a release or spawn of its, reached through ``gp``'s
    happens-before view), or a marked read there that reads a write older than
    one that does (prop: fre, then the cumulative release chain to ``gp``)?"""
    view = gp.hb
    tid = th[0].tid if th else -1
    if len(view) > tid and view[tid] > lo:
        return True
    for x in th[lo + 1:]:
        if x.kind != G.READ or not x.flags & G.MARKED:
            continue
        lst = g.co.get(x.lid, ())
        start = 0 if x.rf is None else lst.index(x.rf) + 1
        for w in lst[start:]:
            if w.tid != tid and w.flags & G.MARKED and contains(view, w):
                return True
    return False


def _sections(th):
    """(Rcu-lock index, Rcu-unlock index) of the closed outermost read-side sections."""
    out = []
    start = None
    for e in th:
        if e.kind == G.FENCE and e.val == "rcu_read_lock" and start is None:
            start = e.idx
        elif e.kind == G.FENCE and e.val == "rcu_read_unlock" and start is not None:
            out.append((start, e.idx))
            start = None
    return out


def _lkmm_use_after_free(run, every=False):
    """Under the LKMM an access of another task is safe from a kfree() only if the
    LKMM orders it before the free, as a race-free access before a conflicting
    write (lkmm.check's ``ordered``): release/acquire, fences, dependencies, and
    RCU's grace periods (the callback's Sync-rcu and the rcu axiom).  Accesses
    that synchronize with the free through release -> acquire are ordered
    without asking; an access the free is in the past of is caught as it runs."""
    pairs = lkmm_uaf_questions(run)
    if not pairs:
        return [] if every else None
    checked = getattr(run, "lkmm_check", None)
    if checked is not None and len(checked[0].ordered) == len(pairs):
        answers = checked[0].ordered          # asked with the execution's own check (explore.py)
    else:
        from .memory import lkmm_bridge
        answers = lkmm_bridge.ordered_before(run.g, pairs, run.x.inits)
    if answers is None:
        return [] if every else None
    out, seen = [], set()
    for (a, f), ok in zip(pairs, answers):
        if ok or (a.tid, f) in seen:
            continue
        seen.add((a.tid, f))
        obj = run.heap[f.oid][0]
        if is_stack(obj):
            b = whole_bug("use-after-free",
                          f"{_access_name(run, a)} on {obj._kname()} by {run._task_name(a.tid)} is not ordered "
                          f"by the LKMM before its scope ended ({scope_end(f)})",
                          event=a, task=run.tasks[a.tid], other=f)
        else:
            b = whole_bug("use-after-free",
                          f"{_access_name(run, a)} on {obj._kname()} by {run._task_name(a.tid)} is not ordered "
                          f"before {run._task_name(f.tid)}'s {f.op} of it by the LKMM",
                          event=a, task=run.tasks[a.tid], other=f)
        if not every:
            return b
        out.append(b)
    return out if every else None


def _access_name(run, a):
    """What the report calls access ``a``: the kernel operation it is a step of,
    as the trace's line names it (``complete(&r->done)``, not the spin_lock
    inside it), in a traced run; else the access's own name."""
    for tid, lo, hi, _, text in getattr(run, "op_groups", None) or ():
        if tid == a.tid and lo <= a.idx <= hi:
            return text
    return a.op


def _uaf_race(run, oid, a, f):
    obj = run.heap[oid][0]
    if is_stack(obj):      # a C local whose scope ended
        return whole_bug("use-after-free",
                         f"{_access_name(run, a)} on {obj._kname()} by {run._task_name(a.tid)} can run after its "
                         f"scope ended ({scope_end(f)}): nothing orders the access before that",
                         event=a, task=run.tasks[a.tid], other=f)
    return whole_bug("use-after-free",
               f"{_access_name(run, a)} on {obj._kname()} by {run._task_name(a.tid)} can run after "
               f"{run._task_name(f.tid)} freed it ({f.op}): nothing orders the access "
               "before the free", event=a, task=run.tasks[a.tid], other=f)


def _touched_by(run, alloc, tids):
    """Did one of tasks ``tids`` allocate or access the object allocated at ``alloc``?"""
    if alloc is None:
        return False
    return alloc.tid in tids or any(a.tid in tids for a in run.acc.get(alloc.oid, ()))


def leaks(run, every=False):
    """kmemleak's "unreferenced object": an object never freed that no pointer in
    memory leads to once every task has finished.  An object still on a list
    whose head is a static (``LIST_HEAD``, a struct made in ``main()``), or
    still queued, is referenced - as in the kernel, it is not a leak while the
    static lives; one that only a finished task's local pointed to is."""
    left = [oid for oid in run.heap if oid not in run.freed and oid not in run.noleak]
    if not left:
        return [] if every else None
    reached = _referenced(run)
    out = []
    for oid in left:
        if oid in reached:
            continue
        obj, ev = run.heap[oid]
        who = run._task_name(ev.tid) if ev is not None else "main()"
        b = whole_bug("leak", f"{obj._kname()} allocated by {who} is never freed and nothing "
                      "points to it (every task has finished)", event=ev)
        if not every:
            return b
        out.append(b)
    return out if every else None


def _referenced(run):
    """Heap objects a pointer leads to from memory that is not on the heap
    (statics, C globals, the kernel's own words: a queue's pending items),
    through the final values of the locations a task touched or ``main()``
    made, and of the fields a task's allocation gave a value.  Freed objects
    hold no references."""
    heap, freed = run.heap, run.freed
    co = run.g.co
    ints = run.int_pointee
    roots = set()
    edges = {}
    locs = dict(run.x.inits)
    for loc in getattr(run.x, "main_locs", None) or ():
        locs.setdefault(loc.lid, loc)
    for loc in run.__dict__.get("init_ptrs", ()):
        locs.setdefault(loc.lid, loc)     # fields a task's kzalloc(cls, f=p) set
    for lid, loc in locs.items():
        lst = co.get(lid)
        val = lst[-1].val if lst else loc.init
        targets = _pointees(val, heap)
        if not targets and ints is not None and val.__class__ is int:
            # kmemleak scans every aligned word as a possible pointer, into an
            # object's middle too: an address kept in an unsigned long
            # (page->private, a tagged pointer) references its object
            oid = ints(val)
            if oid is not None and oid in heap:
                targets = {oid}
        if not targets:
            continue
        src = loc.oid
        if src is None or src not in heap:
            roots |= targets
        elif src not in freed:
            edges.setdefault(src, set()).update(targets)
    seen = set()
    todo = list(roots)
    while todo:
        oid = todo.pop()
        if oid in seen:
            continue
        seen.add(oid)
        todo.extend(edges.get(oid, ()))
    return seen


def _pointees(val, heap, depth=0):
    """The heap objects a value points into: a struct, a field or embedded
    object of one (a list_head's next), a C pointer, or any of them in a tuple
    (a queue's pending items)."""
    c = val.__class__
    if c in _NOT_POINTERS or depth > 3:
        return ()
    if c is tuple or c is list:
        out = set()
        for v in val:
            out.update(_pointees(v, heap, depth + 1))
        return out
    cp = getattr(val, "_cptr", None)        # a kernel object over C memory: its address
    if cp is not None:
        val = cp
    b = _slot(val, "b")                     # a C pointer: its block
    if b is not None and getattr(b, "_oid", None) in heap:
        return {b._oid}
    for _ in range(4):                      # an embedded object: its container
        oid = getattr(val, "_oid", None)
        if oid is None:
            oid = _slot(val, "oid")         # a pointer to a field (a Loc)
        if oid is not None and oid in heap:
            return {oid}
        val = getattr(val, "_owner", None)
        if val is None:
            break
    return ()


_NOT_POINTERS = frozenset({int, bool, str, float, bytes, type(None)})


def _slot(val, name):
    """``val.name`` if it is a slot of ``val``'s type - never a model struct's
    field, whose read would be an event of a run that is over."""
    d = getattr(type(val), name, None)
    if d.__class__ is not _MEMBER:
        return None
    try:
        return d.__get__(val, type(val))
    except AttributeError:
        return None


_MEMBER = type(G.Event.lid)


# an rwlock_t's or rw_semaphore's per-reader words (kernel/locking.py): a task
# waits on the lock, whichever of its words it spins on
_READER_WORD = re.compile(r"\.readers?(?:_exit)?\[[^\]]*\]$")


def _waited_name(run, lid):
    """The name of what a task waits on at ``lid``: the lock, for a lock's
    reader word (``down_read(sem)``, not ``down_read(sem.reader[a])``)."""
    return _READER_WORD.sub("", run._lid_name(lid))


def deadlock_bug(run):
    """Tasks blocked for good.  A task asleep in ``schedule()`` (its state word)
    with nothing left to wake it is a **lost wake-up**; a task waiting for a
    lock (or any other value) is part of a **deadlock**.  The message says, for
    each, what it waits for: the lock and who holds it, or the queue and
    condition it sleeps on and the wake-up it missed (the kernel primitive that
    put it to sleep left a description in ``t.tls["sleep"]``)."""
    stuck = [t for t in run.tasks if t is not None and t.blocked and not run.idle(t)]
    parts = []
    asleep = 0
    for t in stuck:
        e = run.g.threads[t.tid][-1]
        sleep = t.tls.get("sleep")
        if sleep is not None and e.op == "schedule":
            asleep += 1
            parts.append(sleep.describe(run, t))
            continue
        holder = _holder(run, t, e.lid)
        if holder is not None:
            parts.append(f"{t.name} waits in {e.op}({_waited_name(run, e.lid)}), held by {holder}")
            continue
        gone = _stopped_at_bug(run, e.lid)
        if gone is not None:
            # --keep-going/--ignore: the task it joins met a bug that ends a task in the
            # kernel (an oops), so it never ends: say so, not only "nothing can wake it"
            parts.append(f"{t.name} waits in {e.op}({_waited_name(run, e.lid)}) for "
                         f"{gone.task.name}, which was stopped by its {gone.kind}")
            continue
        w = run.g.co_max(e.lid)
        by = f", last written by {run._task_name(w.tid)}" if w is not None else ""
        if run.polls(t, e):
            parts.append(f"{t.name} polls {run._lid_name(e.lid)} in a {e.op}() loop{by}")
            continue
        parts.append(f"{t.name} waits in {e.op}({_waited_name(run, e.lid)}{by})")
    ev = run.g.threads[stuck[0].tid][-1] if stuck else None
    # the kind heads the report ("BUG deadlock: ..."): the message does not repeat it
    if stuck and asleep == len(stuck):
        return whole_bug("lost-wakeup", "; ".join(parts), event=ev, task=stuck[0])
    them = "them" if len(stuck) > 1 else "it"
    return whole_bug("deadlock", "; ".join(parts) + f" - and nothing left can wake {them}",
                     event=ev, task=stuck[0] if stuck else None)


def _stopped_at_bug(run, lid):
    """The fatal bug (if any) that stopped the task whose end ``lid`` signals."""
    for b in (*run.found, *run.deferred):
        t = b.task
        if t is not None and t.done is not None and t.done.lid == lid and b.kind not in NON_FATAL:
            return b            # (a task joined on never wrote its end: it did not end)
    return None


def _holder(run, me, lid):
    """The task (and how) holding the lock whose word ``lid`` ``me`` waits on.

    A reader word (an rwlock's or rwsem's, one per task) is held by its own
    task reading, or shut by the writer: a writer waits on a reader's word
    for that reader; a reader waits on its own word for the writer (who may
    itself still be waiting for other readers)."""
    writer = None
    for u in run.tasks:
        if u is None or u is me:
            continue
        for lock, mode in u.held:
            loc = getattr(lock, "_loc", None)
            if loc is not None and loc.lid == lid:
                return u.name + (" for write" if mode == "w" else "")
            readers = getattr(lock, "_readers", None)
            if readers:
                owner = next((k for k, l in readers.items() if l.lid == lid), None)
                if owner is None:
                    continue
                if mode == "r" and _reads_on(owner, u, lock):
                    return u.name + " for read"
                if mode == "w":
                    writer = (u, readers)
    if writer is not None:
        u, readers = writer
        last = run.g.threads[u.tid][-1] if u.blocked and run.g.threads[u.tid] else None
        if last is not None and any(l.lid == last.lid for l in readers.values()):
            # it has not got the lock yet: it waits for a reader inside, and the
            # others queue behind it
            return u.name + ", waiting for write (readers queue behind a waiting writer)"
        return u.name + " for write"
    return None


def _reads_on(owner, u, lock):
    """Is ``owner`` (a key of a lock's reader words) the word that ``u``'s read
    hold keeps a writer waiting on?  A task's own word (an rwsem's) or exit word
    (an ``rwlock_t``'s); the dynamic contexts' shared one; the interrupt
    readers'.  An ``rwlock_t``'s entry words only ever wait for a writer."""
    if owner.__class__ is tuple:
        return owner[0] == u.tid
    if owner == "irq":
        return lock in u.tls.get("rw_irq", ())
    if owner == "dynamic-exit" or (owner == "dynamic" and getattr(lock, "kind", None) == "rwsem"):
        return u.dynamic
    return False


def held_at_exit(run, t):
    """A task that ends holding a lock or inside a read-side critical section:
    lockdep's "BUG: ... still has locks held!" (kind ``held-at-exit``)."""
    held = [f"{lock._loc.name()}" + (" (read)" if mode == "r" else "") for lock, mode in t.held
            if getattr(lock, "kind", None) is not None]
    if t.rcu:
        held.append("rcu_read_lock")
    srcu = t.tls.get("srcu")
    if srcu:
        held += [f"srcu_read_lock({ssp!r})" for ssp, n in srcu.items() if n]
    for key, what in (("bh", "bottom halves disabled"), ("preempt", "preemption disabled")):
        if t.tls.get(key):
            held.append(what)
    if t.tls.get("irq"):
        held.append("interrupts disabled")
    if not held:
        return None
    return Bug("held-at-exit", f"BUG: {t.name} still has locks held! ({', '.join(held)}) "
               f"when it returns", task=t)


def _lkmm_race_message(run, a, b):
    return (f"data race (LKMM) on {run._lid_name(a.lid)}: {a.op} in {run._task_name(a.tid)} and "
            f"{b.op} in {run._task_name(b.tid)}")


def lkmm_race_bugs(run, mode, driver):
    """--keep-going: with ``--races error``, one bug per location the LKMM flags a
    race on in this execution (the first pair on each), not only the first of all
    - a race on a second word was never reported when every execution also raced
    on the first; otherwise as ``lkmm_races_bug``."""
    if mode != "error":
        bug = lkmm_races_bug(run, mode, driver)
        return [bug] if bug is not None else []
    from .memory import lkmm_bridge
    if not lkmm_bridge.may_race(run.g, None):
        return []
    pairs = lkmm_bridge.data_races(run.g, getattr(run, "lkmm_check", None))
    out, seen = [], set()
    for a, b in pairs:
        if a.lid not in seen:
            seen.add(a.lid)
            out.append(whole_bug("data-race", _lkmm_race_message(run, a, b), event=b,
                                 task=run.tasks[b.tid], other=a))
    return out


def lkmm_races_bug(run, mode, driver):
    """The LKMM's data-race flag on a complete execution: a bug with
    ``--races error``, a warning otherwise."""
    from .memory import lkmm_bridge
    known = driver.__dict__.get("_race_keys") if driver is not None and mode != "error" else None
    if not lkmm_bridge.may_race(run.g, known):
        return None
    # the check made for the verdict has the flags when races matter (explore.py)
    pairs = lkmm_bridge.data_races(run.g, getattr(run, "lkmm_check", None))
    if not pairs:
        return None
    a, b = pairs[0]
    msg = _lkmm_race_message(run, a, b)
    if mode == "error":
        return whole_bug("data-race", msg, event=b, task=run.tasks[b.tid], other=a)
    if driver is None:
        return None
    keys = driver.__dict__.setdefault("_race_keys", set())
    for x, y in pairs:
        keys.add((x.lid, x.op, y.op))
    w = driver.__dict__.setdefault("_warnings", [])
    if msg not in w:
        w.append(msg)
    return None
