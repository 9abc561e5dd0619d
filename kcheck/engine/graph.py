"""Execution graphs: events per task in program order, reads-from, coherence.

An execution graph (Alglave et al.; the representation GenMC explores) is the
set of events of one execution with three relations:

* ``po`` - program order, implicit in ``Graph.threads[tid]`` (index = position);
* ``rf`` - each read's source write (``Event.rf``; ``None`` means the
  location's initial value);
* ``co`` - per location, the order in which writes hit memory
  (``Graph.co[lid]``, oldest first, the initial value implicitly before all).

Every event also carries a *stamp*: the order in which the explorer added it.
TruSt (``explore.py``) needs the stamp to decide which events a backward
revisit deletes, and whether they were "added maximally".

Each event stores its ``porf`` view: for every task, the highest po-index of
that task's events that reach this one through ``(po | rf)+``.  A view is a
plain list of ints (``-1``: none), so "is e before f in porf" is one index
and one compare.  ``hb`` is the same view but built only through rf edges
between *marked* accesses: the happens-before used to flag data races.
"""

from __future__ import annotations

from operator import attrgetter

_STAMP = attrgetter("stamp")

# Event kinds.  Small ints: the per-event path compares them a lot.
READ, WRITE, FENCE, ALLOC, FREE, SPAWN, CHOICE = range(7)
KIND_NAMES = ("R", "W", "F", "alloc", "free", "spawn", "choice")

# Access flags (bit mask on Event.flags).
PLAIN = 0
MARKED = 1        # READ_ONCE / WRITE_ONCE / atomics / locks: not a data race
ACQUIRE = 2
RELEASE = 4
MB = 8            # fully ordered (value-returning RMW, xchg, cmpxchg success)
RMW_FLAG = 16     # read or write half of a read-modify-write
AWAIT = 32        # a load that waits for a value (not an RMW: never a failed cmpxchg)
NORACE = 64       # a plain access inside data_race(): ordered as plain, never reported as a race


class Event:
    """One event of an execution graph."""

    __slots__ = ("tid", "idx", "stamp", "kind", "lid", "val", "flags", "rf",
                 "rmw", "maxadd", "revisitable", "view", "hb", "op", "oid",
                 "arg", "fresh", "deps")

    def __init__(self, tid, idx, stamp, kind, lid, val, flags, op):
        self.tid = tid
        self.idx = idx
        self.stamp = stamp
        self.kind = kind
        self.lid = lid          # location id (reads, writes), or None
        self.val = val          # value written / choice made
        self.flags = flags
        self.rf = None          # reads: source write (None = initial value)
        self.rmw = None         # RMW reads: fn(old) -> new | NO_WRITE | BLOCK; RMW writes: True
        self.maxadd = True      # TruSt: added reading / placed co-maximally
        self.revisitable = True
        self.view = None        # porf view (list of ints)
        self.hb = None          # happens-before view through synchronizing rf only (synchronizes())
        self.op = op            # kernel-level operation name, for traces
        self.oid = None         # object id the access touches (for use-after-free)
        self.arg = None         # kind-specific: spawn key, choice range, free/alloc info
        self.fresh = True       # not yet checked for races (set again when its rf changes)
        self.deps = None        # LKMM: (addr, data, ctrl) - read events this access depends on

    @property
    def pos(self):
        return (self.tid, self.idx)

    def __repr__(self):
        return f"<{KIND_NAMES[self.kind]} {self.tid}.{self.idx} #{self.stamp} {self.op} lid={self.lid} val={self.val!r}>"


def byte_range(e):
    """The bytes ``(lo, hi)`` of its word a C access to part of it touches (a
    byte of a union), or None for the whole word."""
    r = e.arg
    if r.__class__ is tuple and len(r) == 2 and r[0].__class__ is int:
        return r
    return None


def disjoint_bytes(a, b):
    """Do accesses ``a`` and ``b`` of one word touch different bytes of it (C's
    different memory locations: no conflict, no race)?"""
    ra = byte_range(a)
    if ra is None:
        return False
    rb = byte_range(b)
    return rb is not None and (ra[1] <= rb[0] or rb[1] <= ra[0])


def synchronizes(r, w, lkmm, init=None):
    """Does read ``r`` reading write ``w`` carry ``w``'s happens-before view?

    Under SC (the race detector's happens-before) any marked read of a marked
    write does.  Under the LKMM only an acquire read of a release write does
    (lock.cat's lock and unlock included; an RMW that did not write - a failed
    cmpxchg_acquire or trylock - is not an acquire): what the LKMM's
    A-cumulative po-rel ; rfe ; acq-po orders.  ``init`` is the location's
    initial value, to tell whether an RMW read writes."""
    if not lkmm:
        return r.flags & MARKED and w.flags & MARKED
    if not (r.flags & ACQUIRE and w.flags & RELEASE):
        return False
    fn = r.rmw
    if fn is None or fn is True or r.flags & AWAIT:
        return True
    from .runtime import NO_WRITE, BLOCK
    try:
        res = fn(w.val)
    except Exception:
        return False
    return res is not NO_WRITE and res is not BLOCK


def contains(view, ev) -> bool:
    """Is ``ev`` in the porf-prefix described by ``view``?"""
    t = ev.tid
    return t < len(view) and view[t] >= ev.idx


def join(a, b):
    """Point-wise max of two views (a new list)."""
    la, lb = len(a), len(b)
    if la < lb:
        a, b, la, lb = b, a, lb, la
    out = a[:]
    for i in range(lb):
        if b[i] > out[i]:
            out[i] = b[i]
    return out


class Graph:
    """A (partial) execution graph, with what TruSt needs to restrict and copy it."""

    __slots__ = ("threads", "co", "reads", "next_stamp", "spawn_of", "stamp_order_ok", "checked",
                 "ended", "order", "plan", "dirty", "live")

    def __init__(self):
        self.threads: list[list[Event]] = []
        self.co: dict[int, list[Event]] = {}       # lid -> writes in coherence order
        self.reads: dict[int, list[Event]] = {}    # lid -> reads (any order)
        self.next_stamp = 0
        self.spawn_of: dict[int, Event] = {}       # dynamic tid -> its spawn event
        self.stamp_order_ok = True   # every read added after its source (no backward revisit yet)
        # the events stamped up to this are known to form a consistent graph (LKMM;
        # None: unknown).  The empty graph is consistent.
        self.checked = -1
        # tid -> (how many events the task had when its body returned, how many
        # requests made them), in a run of this graph whose values that task read
        # are still the graph's (runtime.Run may then skip running it again:
        # Run._skip_ended).  An entry holds while the task keeps exactly those
        # events with the same sources: restrict and copy_keep drop it when the
        # task loses events, and whoever changes what one of its events reads or
        # chooses drops it (forget_end).
        self.ended = {}
        # Every event in stamp order (None: not known - by_stamp sorts).  Within a
        # task stamps grow along po, so restrict pops events off its end, each the
        # last of its task; a run's replay order is this list when the graph's
        # stamp order respects rf (stamp_order_ok).  Keeping it costs an append
        # per event; it saves a sort per run and makes restrict O(events dropped)
        # rather than O(tasks): a readers(15) run drops one or two events of 17
        # tasks.
        self.order = []
        # The last skip plan of a run of this graph or of the one it was copied
        # from ((tid -> finished Task put back, their requests, generation):
        # runtime.Run._skip_plan), and the tasks whose ``ended`` entry changed
        # since: their Tasks are not put back again without being judged.
        self.plan = None
        self.dirty = set()
        # the tasks that had not finished when the run of this graph ended (set
        # by it: runtime.Run), whose read-side sections still open never end
        # (memory/rcu_gp.sections); None: every open one ends at its task's
        # last event
        self.live = None

    # -- queries -------------------------------------------------------
    def events(self):
        for th in self.threads:
            yield from th

    def by_stamp(self):
        order = self.order
        if order is not None:
            return order[:]
        evs = [e for th in self.threads for e in th]
        evs.sort(key=_STAMP)
        return evs

    def size(self):
        return sum(len(th) for th in self.threads)

    def co_max(self, lid):
        lst = self.co.get(lid)
        return lst[-1] if lst else None

    def co_succ(self, w, lid):
        """The write immediately after ``w`` in co (``w`` None: the first write)."""
        lst = self.co.get(lid)
        if not lst:
            return None
        if w is None:
            return lst[0]
        i = lst.index(w)
        return lst[i + 1] if i + 1 < len(lst) else None

    def co_after(self, w, lid):
        """All writes co-after ``w`` (``w`` None: all writes)."""
        lst = self.co.get(lid, ())
        if w is None:
            return list(lst)
        return lst[lst.index(w) + 1:]

    # -- building ------------------------------------------------------
    def ensure_thread(self, tid):
        while len(self.threads) <= tid:
            self.threads.append([])

    def append(self, ev: Event):
        self.threads[ev.tid].append(ev)
        order = self.order
        if order is not None:
            if order and order[-1].stamp > ev.stamp:
                self.order = None
            else:
                order.append(ev)
        if ev.stamp >= self.next_stamp:
            self.next_stamp = ev.stamp + 1

    def base_view(self, tid, idx):
        """View of the po-predecessor (or the spawn event for a task's first event)."""
        if idx > 0:
            return self.threads[tid][idx - 1].view
        sp = self.spawn_of.get(tid)
        return sp.view if sp is not None else ()

    def base_hb(self, tid, idx):
        if idx > 0:
            return self.threads[tid][idx - 1].hb
        sp = self.spawn_of.get(tid)
        return sp.hb if sp is not None else ()

    def forget_end(self, tid):
        """What task ``tid`` reads or chooses changes: how it ends is not known."""
        if tid in self.ended:
            del self.ended[tid]
        self.dirty.add(tid)

    # -- TruSt: restrict and copy ---------------------------------------
    def restrict(self, stamp):
        """Drop every event added after ``stamp`` (in place)."""
        drop = {}           # lid -> how many of its reads and writes are dropped
        ended = self.ended
        order = self.order
        if order is not None:
            threads = self.threads
            while order and order[-1].stamp > stamp:
                e = order.pop()
                th = threads[e.tid]
                if th[-1] is not e:
                    raise AssertionError(f"restrict: event {e!r} is not the last of its task")
                th.pop()
                lid = e.lid
                if lid is not None:
                    drop[lid] = drop.get(lid, 0) + 1
                if ended and e.tid in ended:
                    del ended[e.tid]
                    self.dirty.add(e.tid)
        else:
            for tid, th in enumerate(self.threads):
                n = len(th)
                while n and th[n - 1].stamp > stamp:
                    n -= 1
                if n < len(th):
                    for e in th[n:]:
                        lid = e.lid
                        if lid is not None:
                            drop[lid] = drop.get(lid, 0) + 1
                    del th[n:]
                    if tid in ended:
                        del ended[tid]
                        self.dirty.add(tid)
        # A location's dropped accesses are usually the last of its lists (reads
        # are appended, writes mostly go last in coherence): popped off the end,
        # counted, rather than each list filtered whole - a TDP MMU check
        # restricts its graph four times an execution.  The rest are filtered.
        co = self.co
        reads = self.reads
        for lid, n in drop.items():
            lst = co.get(lid)
            if lst:
                while lst and lst[-1].stamp > stamp:
                    lst.pop()
                    n -= 1
            rs = reads.get(lid)
            if rs:
                while rs and rs[-1].stamp > stamp:
                    rs.pop()
                    n -= 1
            if n:
                if lst:
                    co[lid] = [w for w in lst if w.stamp <= stamp]
                if rs:
                    reads[lid] = [r for r in rs if r.stamp <= stamp]
        if self.spawn_of:
            for tid in [t for t, sp in self.spawn_of.items() if sp.stamp > stamp]:
                del self.spawn_of[tid]
        self.next_stamp = stamp + 1
        if self.checked is not None and self.checked > stamp:
            self.checked = stamp

    def copy_keep(self, rstamp, sv=()):
        """A copy holding the events added up to ``rstamp`` and those in the
        porf-view ``sv`` (a backward revisit's: the revisiting write's
        porf-prefix), the latter made not revisitable.

        Kept events are copied (their labels are mutable); ``rf`` pointers are
        re-targeted at the copies.  The kept set is po-prefix closed per task.
        One pass, no call per event: a copy per revisit was a fifth of a TDP
        MMU check's time."""
        g = Graph()
        m = {}
        new = Event.__new__
        nsv = len(sv)
        gthreads = g.threads
        reads = []
        for tid, th in enumerate(self.threads):
            lim = sv[tid] if tid < nsv else -1
            nt = []
            for e in th:
                if e.idx <= lim:
                    rev = False
                elif e.stamp <= rstamp:
                    rev = e.revisitable
                else:
                    break
                c = new(Event)
                c.tid = e.tid; c.idx = e.idx; c.stamp = e.stamp; c.kind = e.kind
                c.lid = e.lid; c.val = e.val; c.flags = e.flags; c.rf = e.rf
                c.rmw = e.rmw; c.maxadd = e.maxadd; c.revisitable = rev
                c.view = e.view; c.hb = e.hb; c.op = e.op; c.oid = e.oid; c.arg = e.arg
                c.fresh = e.fresh
                c.deps = e.deps
                if e.rf is not None or e.deps is not None:
                    reads.append(c)
                m[e] = c
                nt.append(c)
            gthreads.append(nt)
        for c in reads:
            if c.rf is not None:
                c.rf = m.get(c.rf, c.rf)
            if c.deps is not None:
                c.deps = tuple(tuple(m[d] for d in ds if d in m) for ds in c.deps)
        gco = g.co
        for lid, lst in self.co.items():
            gco[lid] = [m[w] for w in lst if w in m]
        greads = g.reads
        for lid, lst in self.reads.items():
            greads[lid] = [m[r] for r in lst if r in m]
        for tid, sp in self.spawn_of.items():
            if sp in m:
                g.spawn_of[tid] = m[sp]
        g.next_stamp = self.next_stamp
        g.stamp_order_ok = self.stamp_order_ok
        g.checked = None
        order = self.order
        if order is not None:
            g.order = [c for c in map(m.get, order) if c is not None]
        else:
            g.order = None
        if self.ended:
            g.ended = {tid: end for tid, end in self.ended.items() if len(gthreads[tid]) == end[0]}
        if self.plan is not None:
            g.plan = self.plan
            g.dirty = self.dirty | (self.ended.keys() - g.ended.keys()) if self.ended else set(self.dirty)
        return g

    def copy(self):
        return self.copy_keep(self.next_stamp)
