"""The runtime: runs model tasks as greenlets and turns kernel calls into events.

One ``Run`` is one execution of the model.  ``main()`` runs first, outside
any task: what it writes are initial values, what it spawns are the tasks.
Each task then runs as a greenlet.  Every call into ``kcheck.kernel`` lands
here as a *request* (read, write, read-modify-write, fence, choice, alloc,
free, spawn); the run decides which task's request becomes the next event.

A run starts by *replaying* the graph the explorer hands it: tasks are
resumed in the order the graph's events were added (their stamps), and each
read returns the value of the write the graph says it reads from.  Model code
is deterministic apart from those values and kcheck's own choices, so the
replay reproduces the graph; a request that does not match the graph's event
is reported as nondeterministic model code.  After the replay the run keeps
extending the graph, asking its *driver* (the exploration strategy) which
task goes next and telling it about every new read, write and choice - the
driver records the alternatives it will explore later.

Tasks hand control to each other directly (no trip through a central
scheduler greenlet): a task that is allowed to go on handles its own request
inline, which is what keeps the per-event path short.
"""

from __future__ import annotations

import contextlib
import os
import sys
import types
from greenlet import greenlet, GreenletExit, getcurrent as _getcurrent

from . import graph as G
from .graph import MARKED, Event, Graph, contains, join

NO_WRITE = object()   # an RMW that only reads (failed cmpxchg, inc_not_zero at 0)
BLOCK = object()      # an RMW/await that cannot proceed with the value it read
# A task's tls key: while set, its plain loads and stores are made marked ones,
# as KCSAN makes them atomic (kcsan_atomic_next, kcsan_nestable_atomic_begin);
# kernel.seqlock sets it in seqcount read and write sections.
KCSAN_ATOMIC = "kcsan_atomic"

CURRENT = None        # the active Run (kernel primitives look it up here)


def _exited(v):
    return NO_WRITE if v else BLOCK


# How deep contexts may start contexts (an RCU callback queuing a callback, a
# timer arming a timer ...) before an execution is cut: see Run._cut.  Real
# chains are short (a task, its callback, what that queues); one that goes
# on is one context re-arming itself.
CHAIN_BOUND = 16
CHAIN_CUT = "cut: "
STARVED_CUT = "cut: step bound: "


# What stopped a run, as its interruption messages say it: "Ctrl-C", or
# "SIGTERM" once the CLI's handler has met that signal (timeout(1), kill).
STOPPED_BY = ["Ctrl-C"]


class KcheckSignal(BaseException):
    """Base of kcheck's own exceptions: BaseException, so that a model's
    ``except Exception`` cannot swallow a detected bug."""


class ModelError(KcheckSignal):
    """An error in the model itself (bad API use, nondeterminism).

    ``where``: (file, line, function) of the model code it points at, when known
    (the runtime fills it in from the traceback of one raised in model code)."""

    def __init__(self, message="", where=None):
        super().__init__(message)
        self.where = where
        _raised_in_task(self)

    def __reduce__(self):
        # from a worker process to the coordinator with its place in the model
        return (type(self), (str(self), self.where))


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while kcheck runs model code (``catching_ctrl_c`` raises it), told
    apart from a ``KeyboardInterrupt`` the model raises itself, which is a model
    error like any other exception of the model's."""


class Bug(KcheckSignal):
    """Raised inside the runtime to stop the execution with a bug."""

    def __init__(self, kind, message, event=None, task=None, other=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.event = event      # the event at which it was detected
        self.task = task
        self.other = other      # e.g. the free for a use-after-free, the racing access
        self.where = None       # (file, line, function) in the model, when known
        self.deferred = False   # met after a grace period; kept because the run was admissible
        self.whole = False      # found on the whole execution (detect.py), not at one event
        self.in_main = False    # met in main(), before any task: every execution meets it
        _raised_in_task(self)


def _raised_in_task(sig):
    """A Bug or ModelError made while a task runs (in its greenlet) is on its
    way into model code, which could swallow it with a bare ``except:`` and go
    on as if the WARN had not fired.  The run remembers it (``Run.inflight``)
    and, when the task ends or the run does, takes any that nobody handled
    as met (Run._swallowed)."""
    r = CURRENT
    if r is not None and r.cur is not None and r.root is not None and greenlet.getcurrent() is not r.root:
        lst = r.inflight
        if lst is None:
            lst = r.inflight = []
        lst.append((r.cur, sig))


_NOT_STATIC = object()      # Run._skip_plan: a task main() did not start

# The race detector keeps a plain-capable word's marked accesses only once the
# run has made a plain access to it (Run._seed_racy); False keeps every one as
# it happens, as the detector once did (tests compare the two).
LAZY_RACES = True


class Halt(BaseException):
    """Stops one task and lets the others run on: at a bug whose verdict waits
    for the end of the run, or at ``assume(False)``."""


class Stop(BaseException):
    """Unwinds a task greenlet when its run is abandoned."""


class Task:
    _handle = True          # its state is the run's (runtime.stack_state compares it by identity)
    __slots__ = ("tid", "name", "fn", "args", "gl", "req", "blocked", "finished",
                 "daemon", "dynamic", "order", "pos", "steps", "held", "rcu",
                 "nspawn", "nlid", "done", "callback", "tls", "started", "last_read", "setup",
                 "deps", "ctx", "idle_op", "exit_pending", "paused", "resumes")

    def __init__(self, tid, name, fn, args, order, daemon=False, dynamic=False, done=None):
        self.tid = tid
        self.name = name
        self.fn = fn
        self.args = args
        self.gl = None
        self.req = None
        self.blocked = False
        self.finished = False
        self.started = False
        self.daemon = daemon
        self.dynamic = dynamic
        self.order = order          # deterministic scheduling key
        self.pos = 0                # events of this task executed in this run
        self.steps = 0
        self.held = []              # locks held: (lock, mode) for lockdep
        self.rcu = 0                # rcu_read_lock nesting
        self.nspawn = 0
        self.nlid = 0
        self.done = done            # Loc written 1 when the task ends (join)
        self.exit_pending = False   # ended, its done write not made yet (Run._task_ended)
        self.paused = False         # stopped at its step bound while others run (Run._bound)
        self.resumes = 0            # times it was paused so, in this run
        self.callback = False       # an RCU callback context
        # a daemon (a queue's worker) blocked in this op is idle, waiting for work;
        # blocked anywhere else it is stuck like any task (a work function waiting
        # for itself, or for a lock nobody will release)
        self.idle_op = None
        self.setup = False          # prepares state before the scenario (traces fold it)
        self.tls = {}               # per-task state kept by kernel primitives
        self.last_read = None       # (loc, value) of the last read, for cpu_relax()
        self.deps = None            # (addr, data, ctrl) set by a front end: Run.set_deps
        self.ctx = None             # the _Context (greenlet) it runs on

    def __repr__(self):
        return f"<Task {self.tid} {self.name}>"


# Locations of kcheck's own bookkeeping that the LKMM must not see: RCU and
# SRCU readers' flags.  Under the LKMM a grace period is the Sync-rcu (or
# Sync-srcu) fence and the rcu axiom; synchronize_rcu() still waits on the
# flags, for its blocking alone (a reader that never leaves its section
# hangs the updater), with non-synchronizing accesses that
# memory/lkmm_bridge.py leaves out of the LKMM's execution and checks only
# for coherence.  Seen by the LKMM as events after the fence, the waits made
# it reject executions the kernel allows (tests/test_lkmm_oracle.py).
LKMM_GHOSTS = set()


class Loc:
    """A memory location: one word of shared state, identified across runs by ``lid``.

    ``lid`` and ``init`` are the same in every run (allocation is
    deterministic), so a ``Loc`` object left over from an earlier run still
    names the same location - handles are stateless, the values live in the
    graph.
    """

    _handle = True          # a location: its value is memory (stack_state)

    __slots__ = ("lid", "init", "owner", "field", "oid", "plain")

    def __init__(self, init=0, owner=None, field=None, plain=False):
        run = CURRENT
        if run is None:
            raise ModelError("kernel objects can only be created while kcheck runs a model "
                             "(inside main() or a task)")
        if run.cur is None:             # main(): numbered in order (Run.new_lid, inlined)
            self.lid = run.main_lid = run.main_lid + 1
            if run.main_locs is not None:
                run.main_locs.append(self)      # main() is being recorded (engine/initial.py)
        else:
            self.lid = run.new_lid()
        self.init = init
        self.owner = owner
        self.field = field
        self.oid = getattr(owner, "_oid", None)
        self.plain = plain          # may be accessed with plain C loads/stores

    @classmethod
    def fixed(cls, lid, field, init=0):
        """A location with an id chosen by a kernel primitive (an RCU callback's
        "done" word, a work item's), the same in every run whoever creates it."""
        l = cls.__new__(cls)
        l.lid = lid
        l.init = init
        l.owner = None
        l.field = field
        l.oid = None
        l.plain = False
        return l

    @classmethod
    def keyed(cls, kind, lid, k, field, init=0):
        """``fixed`` for a word tied to another location ``lid`` (and a number
        ``k``), in a range of ids no other location reaches: ``kind`` picks the
        range (a work instance's done word, a timer's state ...), well above
        every id ``new_lid`` gives, and ``lid`` and ``k`` each have bits of their
        own - an id made by adding shifted numbers could meet another kind's for
        a location a task allocated."""
        return cls.fixed((kind << 128) | (lid << 40) | k, field, init)

    @classmethod
    def derived(cls, parent, k, init=0, field=None):
        """A location tied to ``parent`` (per-task reader flags of a lock, ...):
        its id depends only on ``parent`` and ``k``, whichever task makes it."""
        l = cls.__new__(cls)
        l.lid = -(parent.lid * 4096 + k + 1)
        l.init = init
        l.owner = parent.owner
        l.field = field
        l.oid = parent.oid
        l.plain = False
        return l

    def __hash__(self):
        return self.lid

    def __eq__(self, other):
        return isinstance(other, Loc) and other.lid == self.lid

    def name(self):
        if self.owner is not None:
            frame = getattr(self.owner, "_frame_", None)
            if frame is not None:
                return f"{frame}.{self.field}"      # a local on a function's stack (kernel/stack.py)
            on = getattr(self.owner, "_kname", None)
            oname = on() if callable(on) else type(self.owner).__name__
            return f"{oname}->{self.field}" if self.field else oname
        return self.field or f"loc{self.lid}"

    def __repr__(self):
        return f"&{self.name()}"


def _run_cfg(explorer):
    """What every run of a search takes from its explorer, worked out once."""
    lkmm = getattr(explorer, "lkmm", False)
    keep_going = getattr(explorer, "keep_going", False)
    # tasks whose body is not run again (_skip_ended); the whole replay order is
    # kept for the grace-period check, which needs every event
    skip = SKIP_ENDED and not lkmm and not explorer.trace and not keep_going and not getattr(
        explorer, "drop_barriers", ())
    try:
        impure = explorer._impure             # tasks never skipped (_skippable)
        plain_seen = explorer._plain_seen     # words the search made a plain access to
    except AttributeError:
        impure = explorer._impure = set()
        plain_seen = explorer._plain_seen = set()
    try:
        contexts = explorer._contexts         # idle task contexts, reused run after run
    except AttributeError:
        contexts = explorer._contexts = []
    return (explorer.step_bound,
            None if lkmm else explorer.races,     # the LKMM's own data-race flag is used instead
            explorer.trace,                        # collect source lines for reports
            lkmm, skip, keep_going,
            getattr(explorer.pick, "pure", False),  # a task may start on its predecessor's context (_chain)
            impure, plain_seen, contexts)


class Run:
    """One execution: replay a graph, then extend it under a driver's control."""

    # Fields a run starts with and most runs never change are the class's: a run
    # sets its own only when it changes them (a run of readers(15) is 33 us, and
    # forty instance attributes set one by one were a tenth of it).
    cur = None
    root = None
    rpos = 0
    bug = None
    discarded = False
    stopped = False
    main_lid = 0
    main_locs = None        # while main() is recorded: the locations it makes
    inflight = None         # (task, Bug or ModelError) raised into a task (_raised_in_task)
    nevents = 0
    exit_waits = None       # tasks whose done write a replayed join waits for (_task_ended)
    joins = False           # a join was asked for in this run (wait_exit)
    lock_usage = None       # lid -> {(softirq state, mode): task} (kernel/locking.py)
    lock_deps = None        # (lid, lid) -> the first acquisition of one under the other (kernel/locking.py)
    irq_safe = False        # a lock has been taken in irq context (kernel/locking.py)
    lock_chain = None       # (lid, lid) -> lockdep's dependency edge (kernel/locking.py _chain)
    lock_marked = False     # lock_chain holds a might_lock() dependency
    cut = False             # a chain of contexts was cut here (Run._cut)
    has_gp = False          # an RCU callback's grace period is in the graph (SC)
    percpu = False          # the model has per-CPU data: regions take CPUs (kernel/percpu.py)
    nr_cpus = None          # set_nr_cpu_ids() (kernel/percpu.py)
    inadmissible = False    # no SC order keeps the grace periods out of read-side sections
    rcu = None              # memory.rcu_gp.RcuOrder of the finished run, when it has grace periods
    sc_reach = None         # memory.sc.Reach of the finished graph (memory.sc.reach)
    exact_deps = False      # a front end gives every access its dependencies (set_deps)
    full_replay = None      # the whole replay order when tasks are skipped (_skip_ended)
    int_pointee = None      # fn(int) -> the heap object an integer's address falls in (C sets it)
    made = None             # with finished tasks put back: the static tasks made anew (_own)
    reused = None           # tid -> the finished Task put back (_skip_ended)

    def __init__(self, explorer, graph: Graph, program):
        self.x = explorer            # driver: pick(), on_read(), on_write(), on_choice(), tid_for()
        self.g = graph
        self.program = program
        self.tasks: list[Task] = []  # indexed by tid
        self.static = []             # tasks spawned by main (RCU / rwlock readers)
        self.live_from = 0           # tasks[:live_from] have ended (explore.default_pick)
        self.replay = replay_order(graph)
        self.stamp0 = graph.next_stamp   # events stamped from here on are this run's own
        self.nreplay = len(self.replay)
        self.freed = {}              # oid -> free event
        self.heap = {}               # oid -> (object, alloc event or None)
        self.acc = {}                # oid -> [access events]  (heap objects only)
        self.racy = {}               # lid -> [access events] of plain-capable locations
        self.racy_tids = {}          # lid -> tasks with an event in racy[lid]
        self.plain_lids = set()      # locations that have seen a plain access
        self.race_reports = []
        self.noleak = set()
        # objects of SLAB_TYPESAFE_BY_RCU caches: a freed one stays an object of its
        # type (an access to it is no use-after-free) and may be allocated again
        self.typesafe = set()
        self.notes = {}              # event -> (text, file, line)
        self.paths = {}              # event -> the model functions it was made in, outermost first (traced runs)
        self.deferred = []           # bugs met after a grace period: real only if the run is admissible
        # --keep-going: a bug stops only the task that met it (a WARN not even that: the
        # kernel goes on after one), every other task runs on, and the run ends as usual,
        # so the search can go on from a whole execution.  ``found`` lists its bugs.
        self.found = []
        self.paused = []             # tasks stopped at their step bound while the others run
        try:
            cfg = explorer._run_cfg
        except AttributeError:
            cfg = explorer._run_cfg = _run_cfg(explorer)
        (self.step_bound, self.races, self.trace, self.lkmm, self.skip, self.keep_going,
         self.chain, self.impure, self.plain_seen, self.contexts) = cfg

    # -- the API kernel primitives use ----------------------------------
    def read(self, loc, flags, op):
        cur = self.cur
        if cur is None:
            return loc.init
        rpos = self.rpos
        if rpos < self.nreplay:
            # the hot path: replaying a read of this task's, nothing to schedule
            e = self.replay[rpos]
            if (e.tid == cur.tid and e.idx == cur.pos and e.kind == 0 and e.lid == loc.lid
                    and cur.steps < self.step_bound and not self.stopped and not self.trace):
                self.rpos = rpos + 1
                cur.pos += 1
                cur.steps += 1
                self.nevents += 1
                w = e.rf
                if loc.oid is not None or self.lkmm or (loc.plain and (
                        e.lid in self.plain_lids or not LAZY_RACES or not e.flags & MARKED)):
                    self._checked_access(cur, e, loc)
                v = loc.init if w is None else w.val
                cur.last_read = (loc, v)
                if self.lkmm and not self.exact_deps:
                    self._handle(cur, v, e)
                return v
        if not flags & MARKED and KCSAN_ATOMIC in cur.tls:
            flags |= MARKED
        v = self.request((0, loc, flags, op))
        cur.last_read = (loc, v)
        if self.lkmm and not self.exact_deps:
            self._handle(cur, v, self.g.threads[cur.tid][cur.pos - 1])
        return v

    def set_deps(self, addr=(), data=(), ctrl=()):
        """For front ends that know the program's data flow (C): every memory
        access the current task makes from now on depends on these read events
        (herd's addr, data and ctrl relations under the LKMM; SC ignores them),
        until the next call.  Read events come from ``last_event()`` right after
        each read.  Set ``exact_deps = True`` too, so the runtime stops guessing
        address dependencies from pointer handles."""
        t = self.cur
        if t is not None:
            t.deps = (tuple(addr), tuple(data), tuple(ctrl)) if (addr or data or ctrl) else None

    def _handle(self, t, v, e):
        """Remember that ``e`` read a pointer to an object (LKMM address
        dependencies) - unless the task holds that object already (engine/handles.py)."""
        if v.__class__ is Loc:
            held = self._held(t)
            if held is not None and v.lid not in held[1]:
                t.tls.setdefault("handles", {})[("loc", v.lid)] = e
            return
        if v.__class__ is int:
            # an address in disguise (an SPTE, a pfn): kernel.address_from() may use it
            t.tls.setdefault("vals", {})[v] = e
            return
        oid = getattr(v, "_oid", None)
        if oid is None:
            owner = getattr(v, "_owner", None)
            oid = getattr(owner, "_oid", None)
        if oid is not None:
            held = self._held(t)
            if held is not None and oid not in held[0]:
                t.tls.setdefault("handles", {})[oid] = e

    def _held(self, t):
        """What task ``t`` reaches from its function and arguments without a
        memory read, looked at once, at its first pointer read (None: too much
        to look at - it holds everything)."""
        tls = t.tls
        if "held" not in tls:
            from .handles import held
            tls["held"] = held((t.fn, t.args), _oid, Loc)
        return tls["held"]

    def address_from(self, src, obj):
        """``obj``'s address was computed from ``src`` (a value this task read, or an
        object reached that way): carry the address dependency (LKMM only)."""
        t = self.cur
        if not self.lkmm or t is None:
            return
        hs = t.tls.setdefault("handles", {})
        if src.__class__ is int:
            e = t.tls.get("vals", {}).get(src)
        else:
            e = hs.get(_oid(src))
        oid = _oid(obj)
        if e is not None and oid is not None:
            hs[oid] = e

    def write(self, loc, val, flags, op):
        cur = self.cur
        if cur is None:
            loc.init = val
            return None
        rpos = self.rpos
        if rpos < self.nreplay:
            e = self.replay[rpos]
            if (e.tid == cur.tid and e.idx == cur.pos and e.kind == 1 and e.lid == loc.lid
                    and cur.steps < self.step_bound and not self.stopped and not self.trace):
                self.rpos = rpos + 1
                cur.pos += 1
                cur.steps += 1
                self.nevents += 1
                e.val = val
                if loc.oid is not None or self.lkmm or (loc.plain and (
                        e.lid in self.plain_lids or not LAZY_RACES or not e.flags & MARKED)):
                    self._checked_access(cur, e, loc)
                return None
        if not flags & MARKED and KCSAN_ATOMIC in cur.tls:
            flags |= MARKED
        return self.request((1, loc, val, flags, op))

    def rmw(self, loc, fn, flags, op):
        """Atomic read-modify-write: ``fn(old)`` gives the new value, NO_WRITE or BLOCK."""
        if self.cur is None:
            old = loc.init
            res = fn(old)
            if res is BLOCK:
                raise ModelError(f"{op} would wait forever in main() (main runs before every task)")
            if res is not NO_WRITE:
                loc.init = res
            return old
        cur = self.cur
        rpos = self.rpos
        if rpos < self.nreplay:
            # replaying this task's RMW, both halves in the graph (or no write): as
            # _replay_one does it, without the scheduling round trip
            e = self.replay[rpos]
            if (e.tid == cur.tid and e.idx == cur.pos and e.kind == 0 and e.lid == loc.lid
                    and cur.steps < self.step_bound and not self.stopped and not self.trace):
                w = e.rf
                old = loc.init if w is None else w.val
                e.rmw = fn          # this run's: the explorer re-evaluates it on this run's values
                res = fn(old)
                if res is not BLOCK:
                    th = self.g.threads[cur.tid]
                    wpos = cur.pos + 1
                    if res is NO_WRITE or wpos < len(th):
                        self.rpos = rpos + 1
                        cur.pos = wpos
                        cur.steps += 1
                        self.nevents += 1
                        check = loc.oid is not None or self.lkmm or (loc.plain and (
                            e.lid in self.plain_lids or not LAZY_RACES or not e.flags & MARKED))
                        if check:
                            self._checked_access(cur, e, loc)
                        if res is not NO_WRITE:
                            we = th[wpos]
                            cur.pos = wpos + 1
                            if rpos + 1 < self.nreplay and self.replay[rpos + 1] is we:
                                self.rpos = rpos + 2
                            we.val = res
                            if check:
                                self._checked_access(cur, we, loc)
                        cur.last_read = (loc, old)
                        return old
        old = self.request((2, loc, fn, flags, op))
        cur.last_read = (loc, old)
        return old

    def _replaying(self, cur, kind):
        """The next replay event is ``cur``'s own, of ``kind``, and may take a fast
        path: then the cursor and counters move past it and it is returned."""
        rpos = self.rpos
        if rpos < self.nreplay:
            e = self.replay[rpos]
            if (e.tid == cur.tid and e.idx == cur.pos and e.kind == kind
                    and cur.steps < self.step_bound and not self.stopped and not self.trace):
                self.rpos = rpos + 1
                cur.pos += 1
                cur.steps += 1
                self.nevents += 1
                return e
        return None

    def fence(self, kind, op=None):
        cur = self.cur
        if cur is not None and self._replaying(cur, G.FENCE) is None:
            self.request((3, kind, op or kind))

    def choice(self, n, op):
        cur = self.cur
        if cur is None:
            raise ModelError(f"{op}: explorer choices are made by tasks, not by main()")
        e = self._replaying(cur, G.CHOICE)
        if e is not None:
            return e.val
        return self.request((4, n, op))

    def alloc(self, obj, op):
        if self.cur is None:
            self.heap[obj._oid] = (obj, None)
            return None
        return self.request((5, obj, op))

    def free(self, obj, op):
        if self.cur is None:
            raise ModelError(f"{op}: main() builds the initial state; free objects from a task")
        return self.request((6, obj, op))

    def wait_exit(self, task, op):
        """Block until ``task`` has ended (its done word, written with release at
        its exit): ``join()`` and the kernel's waits for a thread's exit."""
        self.joins = True
        self._changes_reused(task)
        if task.exit_pending and self.cur is not None:
            self._exit_needed(task)
        self.rmw(task.done, _exited, G.MARKED | G.ACQUIRE | G.AWAIT, op)

    # A task's done write is made only when a join needs it.  Most tasks are never
    # joined, and the write was a third of the events of a run of many short tasks
    # (readers, lastzero: a quarter of their time).  Its place among the other
    # tasks' events does not matter - only joins read the done word - so it is made
    # when a join asks for it (wait_exit), or at the task's end if a join already
    # waits, and a replay makes it where the graph has it (_pick).  A graph holds
    # it exactly when it holds a join of the task.
    def _task_ended(self, t):
        if not LAZY_EXITS:
            self.write(t.done, 1, G.MARKED | G.RELEASE, "task exits")    # the oracle's way
            return
        lid = t.done.lid
        if not self.joins and lid not in self.g.reads:
            t.exit_pending = True           # no join in this run or its graph (yet)
            return
        for u in self.tasks:
            if u is None or u is t:
                continue
            if u.blocked:
                th = self.g.threads[u.tid]
                waits = bool(th) and th[-1].lid == lid
            else:
                req = u.req                 # a join asked for, not made yet
                waits = req is not None and req[0] == 2 and req[1].lid == lid
            if waits:
                t.exit_pending = True
                self._exit_needed(t)        # a join waits for it already
                return
        t.exit_pending = True

    def _exit_needed(self, t):
        """A join needs ``t``'s done write: made now, or - replaying - where the
        graph has it (_pick), or once the replay is over if it has none."""
        if self.rpos >= self.nreplay:
            self._exit_write(t)
        elif self.exit_waits is None:
            self.exit_waits = [t]
        else:
            self.exit_waits.append(t)

    def _changes_reused(self, t):
        """A Task put back finished is about to change (a join makes its done
        write): the plans that hold it (``_skip_plan``) are void."""
        reused = self.reused
        if reused is not None and reused.get(t.tid) is t:
            x = self.x
            x._reuse_gen = x.__dict__.get("_reuse_gen", 0) + 1

    def _exit_write(self, t):
        """``t``'s done write, made now (on ``t``'s thread, whoever runs)."""
        self._changes_reused(t)
        t.exit_pending = False
        self.nevents += 1
        t.steps += 1
        self._add_write(t, t.done, 1, G.MARKED | G.RELEASE, "task exits")

    def _replay_exit(self, t, e):
        """The replay reached ``t``'s done write ``e``: make it as the graph has it."""
        self._changes_reused(t)
        t.exit_pending = False
        t.pos += 1
        t.steps += 1
        self.nevents += 1
        self.rpos += 1
        e.val = 1
        if self.trace:
            self._note(e)
        self._check_access(t, e, t.done)

    def spawn(self, fn, args, name, daemon, op):
        cur = self.cur
        if cur is not None and len(cur.order) >= CHAIN_BOUND:
            self._cut(name)
        return self.request((7, fn, args, name, daemon, op))

    def _bound(self, t, req):
        """Task ``t`` asks for a step past its step bound.  A loop that another
        task ends - a kthread polling until ``kthread_stop()``, a work item that
        queues itself until it is cancelled - runs past any bound in the schedule
        that never lets that task run, and a fair scheduler has no such schedule:
        it was reported as a livelock (until 2026-12-01; the search's first
        schedule runs one task as long as it can).  So the first time, if another
        task can run, ``t`` is paused (True: its request waits) and the others
        run until none can; then it goes on, with as many steps again.  Past that
        second bound it is a livelock unless another task is ready to run (one
        starved the same way: two loops each waiting for the other's write that
        it does not see) or the last read of some location in the second half
        of its steps reads a write another task's has followed: then the
        execution is a prefix the search does not follow further - the
        executions in which those reads see the newer writes are other ones it
        explores - as a cut chain of contexts is (``_cut``): bounded, never
        exhaustive.  A replay follows its schedule instead.  Cutting also when
        another task waits on a value ``t`` has since overwritten (so that it
        may run on) was tried and withdrawn: an endless writer next to a
        polling reader was cut in nearly every execution and never reported (a
        review, 2026-12-01)."""
        if t.resumes == 0 and getattr(self.x, "from_schedule", False) and self.x.runs_on(t):
            t.resumes = 1               # a replay: its schedule says when the others ran
            return False
        if t.resumes == 0 and self._others_can_run(t, stale_waits=True):
            t.req = req
            self.nevents -= 1
            t.steps -= 1
            t.paused = True
            t.finished = True           # not picked until the others are done
            self.paused.append(t)
            return True
        b = Bug("livelock", f"task {t.name} exceeded the step bound ({self.step_bound} events) "
                "without finishing: it does not terminate, or the bound is too small "
                "(--step-bound)", task=t)
        replaying = hasattr(self.x, "runs_on")     # a Replay: its schedule ordered the others
        if self._reads_stale(t) or (not replaying and self._others_can_run(t)):
            ws = self.x.__dict__.setdefault("_warnings", [])
            if not any(x.startswith(STARVED_CUT) for x in ws):
                ws.append(f"{STARVED_CUT}{t.name} ran past its step bound ({self.step_bound} "
                          "events) while other tasks had yet to write what it reads or to see "
                          "what it wrote (a loop another task ends, in a schedule a fair "
                          "scheduler would not run): executions that run it longer were not "
                          "explored, so the result is bounded, not exhaustive (--step-bound "
                          "raises the bound)")
            self.cut = True
            b.cut_here = True           # _defer: only this task stops
        raise b

    def _others_can_run(self, t, stale_waits=False):
        """Could a task other than ``t`` take a step now - or, with ``stale_waits``,
        once it sees a write it has not (a wait on a value that is no longer the
        latest: the search tries it reading the newer one)?"""
        for u in self._own():
            if u is None or u is t:
                continue
            if u.paused or (not u.finished and (not u.blocked
                                                or stale_waits and self._stale_wait(u))):
                return True
        return False

    def _reads_stale(self, t):
        """Does the last read of some location in the second half of ``t``'s steps
        read a write that another task's write has since followed in coherence?"""
        g = self.g
        th = g.threads[t.tid]
        last = {}
        for e in th[len(th) // 2:]:
            if e.kind == G.READ:
                last[e.lid] = e
        for lid, e in last.items():
            co = g.co.get(lid)
            if not co:
                continue
            w = e.rf
            if w is None:
                after = co
            else:
                try:
                    after = co[co.index(w) + 1:]
                except ValueError:
                    continue
            if any(x.tid != t.tid for x in after):
                return True
        return False

    def _cut(self, name):
        """A context started by a context started by ... ``CHAIN_BOUND`` deep: a
        callback or timer that arms itself again each time it runs.  The chain
        has no end (every run of it starts the next), so neither would the
        search: each execution in which the others wait once more is a new one.
        The context that would start the next one stops there, the others run
        on, and the execution counts as a prefix (``classify``: blocked): what
        went wrong before the cut is still reported - a use-after-free by a
        context of the chain after the owner freed it is exactly what such
        chains do - but no deadlock or leak is judged on it, and the search
        says it was cut: bounded, never exhaustive (search.explore)."""
        ws = self.x.__dict__.setdefault("_warnings", [])
        if not any(w.startswith(CHAIN_CUT) for w in ws):
            ws.append(f"{CHAIN_CUT}{self.cur.name} would start {name} {CHAIN_BOUND} contexts deep "
                      "(a callback or timer that starts itself again each time it runs): executions "
                      "past that depth were not explored, so the result is bounded, not exhaustive")
        self.cut = True
        raise Halt()

    def last_event(self):
        t = self.cur
        if t is None or not t.pos:
            return None
        return self.g.threads[t.tid][t.pos - 1]

    def report(self, kind, message, event=None, fatal=None, where=None):
        """A bug found by a kernel primitive (WARN_ON, refcount, lockdep ...).

        ``fatal``: whether the kernel stops the task there (BUG_ON, an oops);
        by default WARNs, refcount WARNs and lockdep splats are not: with
        --keep-going the task goes on, as it would in the kernel.  ``where``:
        the source line, for a front end whose code is not Python (C)."""
        t = self.cur
        b = Bug(kind, message, task=t, event=event or self.last_event())
        b.where = where if where is not None else _model_frame()
        b.in_main = t is None
        if fatal is None:
            fatal = kind not in NON_FATAL
        if not fatal and self.keep_going:
            # the run goes on after it (traces stop at it); in main() too, which
            # goes on to spawn the tasks, as the kernel goes on after a WARN
            b.deferred = True
            self.found.append(b)
            return
        raise b

    def discard(self):
        """``assume(False)``: this execution does not count.

        Only the task that assumed stops.  The others run on to their ends, so
        that the writes they make are still added and revisit the reads that
        led here: stopping the whole run lost every execution in which a read
        before the ``assume`` reads a write another task had not made yet (an
        ``assume(v == 1)`` on a flag set later was never satisfied, and what
        came after it never explored).  A bug met after the discard is
        nobody's (the run does not count): it stops only its task."""
        if self.cur is None:
            raise ModelError("assume() is for tasks: main() builds the initial state, "
                             "the same in every execution")
        self.discarded = True
        raise Halt()

    # -- ids -------------------------------------------------------------
    def new_lid(self):
        t = self.cur
        if t is None:
            self.main_lid += 1
            return self.main_lid
        t.nlid += 1
        return ((t.tid + 1) << _TASK_SHIFT) | t.nlid

    # -- the execution ---------------------------------------------------
    def execute(self):
        """Run the execution.  No verdict comes from a run during which Ctrl-C was
        pressed: if the model caught the exception (a bare ``except:``), the
        rest of the run is not what the model does, so it ends as interrupted."""
        if PRESSED:
            raise Interrupted()         # pressed earlier, its exception lost on the way
        try:
            with no_process_exit():
                self._execute()
        except KcheckSignal:
            if PRESSED:
                raise Interrupted() from None
            raise
        if PRESSED:
            raise Interrupted()
        return self

    def _execute(self):
        global CURRENT
        prev = CURRENT
        try:
            # set inside the try: a Ctrl-C between the two must not leave this run
            # current for whatever runs next in the process (a test suite)
            CURRENT = self
            self.root = greenlet.getcurrent()
            plan = None
            if self.skip and self.g.ended:
                x = self.x
                n = x.__dict__.get("_runs_whole", 0)
                if n >= SKIP_AFTER:
                    plan = self._skip_plan()
                else:
                    x._runs_whole = n + 1
            try:
                restored = _initial.run_main(self, Task, _detect.CHECK_FAST_PATHS,
                                             reuse=plan[1] if plan is not None else None)
            except ModelError as e:
                if e.where is None:
                    e.where = _model_where(e)
                raise
            except Bug as b:
                b.in_main = True
                raise
            except (KcheckSignal, Interrupted):
                raise
            except BaseException as e:
                # main() only builds the initial state: whatever it raises is the same in
                # every execution, an error in the model rather than a bug it finds
                msg, where = model_exception(e)
                raise ModelError(f"in main(): {msg}", where=where) from e
            if not self.tasks:
                raise ModelError("main() spawned no task")
            if plan is not None and (plan[0] or plan[1]):
                self._skip_ended(*plan, restored)
            watch = _initial.watch_globals(self)
            try:
                self._loop()
            except (KcheckSignal, Interrupted):
                raise
            except BaseException as e:
                # model code run on the scheduler's side (a wait condition): a model error
                msg, where = model_exception(e)
                raise ModelError(msg, where=where) from e
            if self.paused:
                self._resume_paused()       # (a bug ended the run while they waited)
            if watch is not None:
                _initial.rebound_globals(self, watch)
            if self.inflight is not None and self.bug is None and not self.discarded:
                # a task swallowed a bug and never returned (it waits, or was stopped)
                try:
                    self._swallowed()
                except ModelError:
                    raise
                except Bug as b:
                    if not self._defer(b, b.task):
                        self.bug = b
            if self.has_gp:
                # a task that has not finished - waiting, stopped by a bug, cut
                # short - is still inside the read-side sections it opened: no
                # grace period ends while they last (memory/rcu_gp.sections)
                self.g.live = {t.tid for t in self.tasks if t is not None and not t.finished}
            if self.discarded:
                self.deferred = []
                self.found = []
            elif self.has_gp and self.bug is None:
                self._check_grace_periods()
            elif self.keep_going and self.deferred and self.bug is None:
                self.found.extend(self.deferred)
                self.deferred = []
            if self.found and self.bug is None and not self.inadmissible:
                self.bug = min(self.found, key=_met_at)
        finally:
            try:
                # still current: a task that swallows the Stop thrown into it asks
                # this run again (and is parked for good, _stop_again), rather than
                # meet "no run" in every kernel call it makes, forever
                self._kill()
            finally:
                CURRENT = prev
                self._release()
        return self

    def _skip_plan(self):
        """Which tasks ``main()`` starts this run need not run again: ({tid:
        (events, requests)}, {tid: the finished Task to put in its place}).

        A task qualifies if its whole part of the graph is replayed and its body
        returned right after it, in a run of this graph where it read what it
        reads now (``Graph.ended``, kept by ``_record_end``).  Such a task would
        make the same events with the same values and end: its code depends
        only on what it reads, and a revisit that changes one of its reads cuts
        it back (explore: forget_end).  Its events stay in the graph and the
        other tasks read them as before.  A readers(15) search ran 16 task
        bodies per execution, 14 of them the same as the last run's.  The
        first ``SKIP_AFTER`` runs that could skip one run every task: a replay
        is also how model code that is not deterministic is caught.
        ``SKIP_ENDED = False`` runs them all (tests compare the two).

        Decided before ``main()``'s state is restored, so that a task skipped in
        the last run as well is not even made again: its finished ``Task`` is
        put back (``initial.MainState.restore``), which was a fifth of a run of
        readers.  A skipped task's object is otherwise left as it ended."""
        g = self.g
        ended = g.ended
        threads = g.threads
        reads = g.reads
        x = self.x
        done_of = x.__dict__.get("_static_done")
        if done_of is None:
            state = x.__dict__.get("_main_state")
            if state.__class__ is not _initial.MainState:
                done_of = None          # main() runs every time: ask its tasks after it
            else:
                done_of = x._static_done = {tid: (done.lid if done is not None else None)
                                            for tid, _n, _f, _a, _o, _d, done, _e in state.tasks}
        cache = x.__dict__.get("_ended_tasks")
        if cache is None:
            cache = x._ended_tasks = {}
        plan = {}
        plain_seen = self.plain_seen
        judged = None
        # The tasks the last plan of this graph (or of the graph it was copied
        # from) put back, less those whose entry changed since (Graph.dirty), are
        # put back again without being looked at: a readers(15) run puts back 14
        # tasks, and judging each again was a tenth of the run.  Only the other
        # entries are judged.  A Task object put back is shared by every graph
        # whose plan holds it: a run that has to change one (a join of it) makes
        # every plan void (``_reuse_gen``).
        gen = x.__dict__.get("_reuse_gen", 0)
        memo = g.plan if done_of is not None else None
        if memo is not None and memo[2] == gen:
            keep = memo[0].copy()
            knev = memo[1]
            dirty = g.dirty
            if dirty:
                for tid in dirty:
                    t = keep.pop(tid, None)
                    if t is not None:
                        knev -= t.steps
                dirty.clear()
            todo = [tid for tid in ended if tid not in keep] if keep else list(ended)
        else:
            keep = {}
            knev = 0
            g.dirty.clear()
            todo = list(ended)
        extra = None            # put back this run only: its plain-capable words are asked each run
        enev = 0
        for tid in todo:
            end = ended[tid]
            n, steps, words = end
            if len(threads[tid]) != n:
                continue
            if done_of is not None:
                dl = done_of.get(tid, _NOT_STATIC)
                if dl is not None and (dl is _NOT_STATIC or dl in reads):
                    continue            # not a task main() started, or joined
            if steps is None:
                end = self._skippable(tid, n)
                if judged is None:
                    judged = {}
                judged[tid] = end
                if end is None:
                    continue
                steps, words = end[1], end[2]
            if words and not plain_seen.isdisjoint(words):
                # A skipped task's marked accesses to a plain-capable word are not
                # made in the run: the race detector takes them from the graph at
                # the run's first plain access to the word (_seed_racy), and they
                # are what a run of every task would have made by then only if that
                # access is a new event, after the whole replay - so a word the
                # graph may have a plain access to (one the search has seen one to)
                # keeps its tasks running
                continue
            if done_of is not None:
                t = cache.get(tid)
                if t is not None and t.pos == n and t.steps == steps:
                    # put back by restore() as it is; what _skip_ended would do for
                    # it is done here, in the one pass
                    t.exit_pending = t.done is not None
                    if words:
                        if extra is None:
                            extra = {}
                        extra[tid] = t
                        enev += steps
                    else:
                        keep[tid] = t
                        knev += steps   # as its replay counts them: an RMW is one
                    continue
            plan[tid] = (n, steps)
        if judged is not None:
            for tid, end in judged.items():
                if end is None:
                    del ended[tid]
                else:
                    ended[tid] = end
        if done_of is None:
            return plan, None, 0
        g.plan = (keep, knev, gen)
        if extra:
            return plan, {**keep, **extra}, knev + enev
        return plan, keep, knev

    def _skip_ended(self, plan, reuse, nev, restored):
        """Mark the tasks of ``plan`` (``_skip_plan``) finished, as their last
        run left them, and leave their events out of the replay, with those of
        the finished tasks ``reuse`` (``nev`` events) that ``restore()`` put
        back - unless main() ran anew (``restored`` False: KCHECK_CHECK_FAST_PATHS),
        when its own Tasks are marked instead."""
        tasks = self.tasks
        ntasks = len(tasks)
        cache = self.x._ended_tasks
        skipped = set()
        if reuse:
            if restored:
                self.reused = reuse
                self.nevents += nev
                skipped = set(reuse) if plan else reuse     # (only looked into, then)
            else:
                for tid, t in reuse.items():
                    plan[tid] = (t.pos, t.steps)
        for tid, (n, steps) in plan.items():
            t = tasks[tid] if tid < ntasks else None
            if t is None or t.dynamic:
                continue
            if not t.finished:
                if t.done is not None and t.done.lid in self.g.reads:
                    continue            # (main() ran anew: the plan could not ask)
                t.started = t.finished = True
                t.pos = n
                t.steps = steps
                cache[tid] = t
            t.exit_pending = t.done is not None
            self.nevents += steps       # as its replay counts them: an RMW is one
            skipped.add(tid)
        if skipped:
            full = self.full_replay = self.replay
            self.replay = [e for e in full if e.tid not in skipped]
            self.nreplay = len(self.replay)

    def _record_end(self, t):
        """Task ``t``'s body returned: a later run of this graph may skip it if it
        qualifies (``_skippable``, asked only then: in a search such as indexer's
        most tasks' ends are forgotten before a run could skip them, and judging
        every end as it happened was a fifteenth of the search).  Not a task
        that ``main()`` did not start: a spawn is an event of another task's."""
        if t.dynamic:
            self.impure.add(t.tid)
            return
        n = len(self.g.threads[t.tid])
        if n:
            self.g.ended[t.tid] = (n, None, None)

    def _skippable(self, tid, n):
        """The ``Graph.ended`` entry (events, requests, plain-capable words) of
        task ``tid``, ended after its first ``n`` events, or None if it does not
        qualify.  Only a task made of accesses that leave nothing else behind in
        a run: the marked accessors and atomics of kernel/atomic.py and the
        barriers (``PURE_OPS``), on words outside the heap and outside what tasks
        create (the use-after-free and leak checks keep those accesses), and,
        with the race detector on, only marked accesses to plain-capable words
        (skipped while the search has made no plain access to them), writing
        plain data (a handle written must be the run's own object), and not
        waiting."""
        inits = self.x.inits
        heap = self.heap
        races = self.races
        th = self.g.threads[tid]
        halves = 0
        words = None
        i = 0
        for i in range(n):
            e = th[i]
            k = e.kind
            if k > G.FENCE or e.op not in PURE_OPS:
                break
            if k == G.FENCE:
                continue
            if e.flags & G.AWAIT:
                break
            loc = inits.get(e.lid)
            if loc is None:
                break
            if loc.plain and races and not e.flags & G.NORACE:
                if not e.flags & MARKED:
                    break
                if words is None:
                    words = {e.lid}
                else:
                    words.add(e.lid)
            oid = loc.oid
            if oid is not None and (oid >= _TASK_OIDS or oid in heap):
                break
            if k == G.WRITE:
                if e.val.__class__ not in _DATA:
                    break
                if e.rmw is True:
                    halves += 1
        else:
            return (n, n - halves, tuple(sorted(words)) if words else ())
        if i == 0:
            # A task's first event is the same in every run (nothing read yet, the
            # same arguments): one that rules the task out does so for the search.
            self.impure.add(tid)
        return None

    def _check_grace_periods(self):
        """The run is over: is it an execution RCU allows?  (memory/rcu_gp.py)"""
        from .memory.rcu_gp import RcuOrder, admissible_order
        g = self.g
        base = self.stamp0
        order = g.order
        if order is not None:
            # this run's events are the stamp order's tail (Graph.order)
            i = len(order)
            while i and order[i - 1].stamp >= base:
                i -= 1
            new = order[i:]
        else:
            new = [e for th in g.threads for e in th if e.stamp >= base]
            new.sort(key=G._STAMP)
        if admissible_order(g, (self.full_replay or self.replay) + new):
            # the order this run took is an admissible one: RcuOrder is built only
            # if a trace needs its edges (schedule.of_bug)
            self.rcu = None
            if self.deferred:
                self.found.extend(self.deferred)
                self.deferred = []
                self.bug = min(self.found, key=_met_at)
            return
        from .memory.sc import reach
        self.rcu = RcuOrder(g, reach=reach(self))
        if not self.rcu.ok:
            self.inadmissible = True
            self.deferred = []
            self.found = []
        elif self.deferred:
            self.found.extend(self.deferred)
            self.deferred = []
            self.bug = min(self.found, key=_met_at)

    def _make_greenlet(self, t):
        """Put task ``t`` on a context: an idle one left by an earlier run, or a new one.

        A greenlet is a context switch's worth of C stack plus, on Python 3.11, a
        16 KiB frame stack that CPython maps (mmap) on its first frame and unmaps
        when the greenlet dies: one greenlet per task per execution was a third
        of the run's time, most of it in the kernel.  A context runs task bodies
        one after another (``_Context.main``), so a search maps them once."""
        pool = self.contexts
        if pool:
            ctx = pool.pop()
            if ctx.gl.parent is not self.root:
                ctx.gl.parent = self.root
        else:
            ctx = _Context()
            ctx.gl = greenlet(ctx.main, parent=self.root)
        ctx.run = self
        ctx.task = t
        t.ctx = ctx
        t.gl = ctx.gl
        return ctx.gl

    def _chain(self, ctx):
        """A task body has ended on ``ctx``: if the next task to run has not
        started, start it right here (``_Context.main``) and return it.

        A task is started only when it is first scheduled, on a context taken
        then: the next task to start runs on the context its predecessor ended
        on, with no switch to the root and back and no context to hand out.
        That was a tenth of a run of many short tasks.  Only for drivers whose
        ``pick`` has no state (a second call gives the same task), since the
        root picks again when this returns None."""
        if self.stopped or not self.chain:
            return None
        try:
            n = self._pick()
        except Interrupted:
            raise               # the user's Ctrl-C happens once: never swallowed
        except BaseException:
            return None         # the root's own pick raises it again, where it is handled
        if n is None or n.started or n.ctx is not None:
            return None
        n.started = True
        self.cur = n
        ctx.task = n
        n.ctx = ctx
        n.gl = ctx.gl
        return n

    def _body(self, t):
        """Run task ``t`` to its end (in its context's greenlet)."""
        try:
            res = t.fn(*t.args)
            if res is not None and res.__class__ in _NOT_RUN:
                _not_run(t, res)
            if self.inflight is not None:
                self._swallowed(t)
            if t.tls:
                for fn in t.tls.pop("at_exit", ()):
                    fn()                # what a context gives back when it ends (a CPU)
            if t.held or t.rcu or t.tls:
                bug = _detect.held_at_exit(self, t)    # lockdep: "still has locks held!"
                if bug is not None and self.keep_going:
                    bug.event = self.last_event()            # a splat: the task still ends
                    bug.deferred = True
                    self.found.append(bug)
                elif bug is not None:
                    raise bug
            if t.done is not None:
                self._task_ended(t)
            if self.skip and t.tid not in self.impure:
                self._record_end(t)
        except (Stop, GreenletExit, Interrupted):
            raise
        except Halt:
            pass
        except Bug as b:
            self._stop_with(b)
        except ModelError as e:
            if e.where is None:
                e.where = _model_where(e)
            raise               # surfaces in the root greenlet: exit 2, not a bug
        except BaseException as e:
            # The model's own assert is its WARN_ON; Python's recursion limit is a task
            # that recursed deeper than a kernel stack holds.  Anything else it raises (of any class:
            # SystemExit, KeyboardInterrupt, GeneratorExit, a RecursionError of its own
            # ... ) or that a kernel call raises on its arguments stops the execution
            # as a model error, with the trace of the interleaving that led there.
            if isinstance(e, RecursionError) and str(e).startswith("maximum recursion depth"):
                # name the function that recursed (the kernel's stack overflows in it):
                # a model's Python function, or the C function the front end runs
                _, where = model_exception(e)
                if where is not None:
                    inside = f" in {where[2]}() at {os.path.basename(where[0])}:{where[1]}"
                else:
                    from .watchdog import _c_function
                    tb = e.__traceback__
                    while tb is not None and tb.tb_next is not None:
                        tb = tb.tb_next
                    inside = (" " + _c_function(tb.tb_frame)) if tb is not None else ""
                    inside = inside if inside.strip() else ""
                # (a livelock until 2026-12-01: a recursion a few hundred calls deep
                # that ends is no livelock, and the kernel's 16 KiB stack overflows
                # long before Python's limit - hundreds of frames - is reached)
                b = Bug("stack-overflow", f"task {t.name} recursed deeper than a kernel stack "
                        f"holds{inside} ({e}): BUG: stack guard page was hit", task=t)
                b.where = where
                self._stop_with(b)
            else:
                msg, where = model_exception(e)
                null = self._null_deref(t, e)
                if isinstance(e, AssertionError) and _raised_in_model(e):
                    b = Bug("warn", f"assertion failed: {e}" if str(e) else "assertion failed",
                            task=t)
                elif null is not None:
                    b = null
                else:
                    b = Bug("model-error", msg, task=t, other=e)
                b.where = where
                self._stop_with(b)
        t.finished = True

    def _null_deref(self, t, e):
        """A NULL pointer the model's own code dereferenced: ``r.p.area`` where the
        load of ``r.p`` - the task's last step - read NULL.  In C that is the
        kernel's oops, and kcheck says so there; a Python model got a model
        error (exit 2) for the same race (a review: a NULL store racing with a
        check-then-load, the bug of 92ee3c60ec9f).  None from anywhere else
        (a local, a kernel call's result) stays a model error."""
        if not (isinstance(e, AttributeError) and _raised_in_model(e)
                and str(e).startswith("'NoneType' object has no attribute")):
            return None
        th = self.g.threads[t.tid]
        ev = th[t.pos - 1] if 0 < t.pos <= len(th) else None
        if ev is None or ev.kind != G.READ or ev.rmw is not None:
            return None
        if ev.rf is not None:
            val = ev.rf.val
        else:
            loc = self.x.inits.get(ev.lid)
            val = loc.init if loc is not None else 0
        if val is not None:
            return None
        attr = str(e).rsplit("attribute ", 1)[-1].strip("'")
        return Bug("null-deref", f"BUG: kernel NULL pointer dereference: ->{attr} through "
                   f"{self._lid_name(ev.lid)}, which {t.name} loaded as NULL", event=ev, task=t)

    def _handled(self, sig):
        return sig is self.bug or any(sig is b for b in self.found) \
            or any(sig is b for b in self.deferred)

    def _swallowed(self, t=None):
        """Raise again the first kcheck signal raised into ``t`` (any task: None)
        that its code caught and dropped: a bare ``except:`` around a WARN_ON
        does not make the WARN go away (the kernel has printed it)."""
        keep = []
        hit = None
        for task, sig in self.inflight:
            if hit is None and (t is None or task is t) and not self._handled(sig):
                hit = sig
            elif t is not None and task is not t:
                keep.append((task, sig))
        self.inflight = keep or None
        if hit is not None:
            raise hit

    def _own(self):
        """The tasks this run may have started: all of them, less the finished
        ones put back from an earlier run (MainState.restore: ``made``)."""
        made = self.made
        if made is None:
            return self.tasks
        tasks = self.tasks
        ns = len(self.static)
        return made + tasks[ns:] if len(tasks) > ns else made

    def _release(self):
        """The run is over: its tasks' contexts are idle again (a context whose
        greenlet died, on a model error, is dropped)."""
        pool = self.contexts
        for t in self._own():
            ctx = t.ctx if t is not None else None
            if ctx is None or ctx.run is not self:
                continue
            if ctx.task is not None and t.started:
                continue            # still inside the task: cannot be reused
            ctx.run = ctx.task = None
            if not ctx.gl.dead:
                pool.append(ctx)

    def _defer(self, bug, t):
        """After a callback's grace period, a bug is real only if the finished run
        can be ordered legally (rcu_gp): stop just its task and let the others run.
        With --keep-going every bug does that.  In a run ``assume`` discarded, the
        bug is dropped (the run does not count) and only its task stops."""
        if self.discarded or bug.__dict__.get("cut_here"):
            if t is not None:
                t.finished = True
                t.req = None
            return True
        if not self.keep_going and (not self.has_gp or self.lkmm):
            return False
        if bug.task is None:
            bug.task = t
        t = bug.task
        if bug.event is None and t is not None and t.pos:
            bug.event = self.g.threads[t.tid][t.pos - 1]
        bug.deferred = True
        self.deferred.append(bug)
        if t is not None:
            t.finished = True
            t.req = None
        return True

    def _stop_with(self, bug):
        if self._defer(bug, self.cur):
            return
        if self.bug is None:
            self.bug = bug
            if bug.task is None:
                bug.task = self.cur
            t = bug.task
            if bug.event is None and t is not None and t.pos:
                bug.event = self.g.threads[t.tid][t.pos - 1]
        self.stopped = True
        self.root.switch()

    def _kill(self):
        self.stopped = True
        ctrl_c = None
        for t in self._own():
            gl = t.gl if t is not None else None
            if gl is not None and not gl.dead and gl and t.ctx.task is t:
                try:
                    gl.throw(Stop)
                except Stop:
                    pass
                except Interrupted as e:
                    ctrl_c = e      # finish the kill, then let the user's Ctrl-C through
                except BaseException:
                    pass
        if ctrl_c is not None:
            raise ctrl_c

    def _loop(self):
        """Root greenlet: hand control to tasks until nothing can run."""
        while not self.stopped:
            n = self._pick()
            if n is None:
                break
            self.cur = n
            if not n.started:
                n.started = True
                (n.gl or self._make_greenlet(n)).switch()
            else:
                try:
                    val = self._process(n)
                except Bug as b:
                    if b.task is None:
                        b.task = n
                    if self._defer(b, n):
                        continue
                    self.bug = b
                    self.stopped = True
                    break
                if n.blocked or n.paused or self.stopped:
                    continue
                n.gl.switch(val)

    def _pick(self):
        """The task whose request becomes the next event (None: nothing runnable)."""
        rp = self.replay
        n = self.nreplay
        while self.rpos < n:
            e = rp[self.rpos]
            tasks = self.tasks
            t = tasks[e.tid] if e.tid < len(tasks) else None
            if t is None:
                raise ModelError("replay diverged: the model spawned different tasks than before "
                                 "(is main() deterministic?)")
            if e.idx < t.pos:
                self.rpos += 1
                continue
            if t.blocked or t.finished:
                if t.exit_pending and e.idx == t.pos and e.kind == G.WRITE and e.lid == t.done.lid:
                    self._replay_exit(t, e)     # an ended task's done write, where the graph has it
                    continue
                raise ModelError(f"replay diverged: task {t.name} stopped before event {e.idx} "
                                 "(nondeterministic model code?)")
            return t
        if self.exit_waits is not None:
            self._settle_exits()
        n = self.x.pick(self)
        if n is None and self.paused:
            # nothing else can run: the tasks stopped at their step bound go on
            self._resume_paused()
            n = self.x.pick(self)
        return n

    def _resume_paused(self):
        for t in self.paused:
            t.paused = False
            t.finished = False
            t.resumes += 1
            if t.tid < self.live_from:
                self.live_from = t.tid      # (default_pick skips what has ended)
        self.paused = []

    def _settle_exits(self):
        """Past the replay: a join the graph has waiting on a task whose done write
        it does not have (a revisit kept the join, not the write) gets the write."""
        waits, self.exit_waits = self.exit_waits, None
        for t in waits:
            if t.exit_pending:
                self._exit_write(t)

    def request(self, req):
        """Called in a task greenlet with its next request; returns the value."""
        if self.stopped:
            self._stop_again()
        cur = self.cur
        cur.req = req
        if self.trace:
            cur.tls["where"] = _model_frame()
            cur.tls["path"] = _model_path()
        rpos = self.rpos
        if rpos < self.nreplay:
            e = self.replay[rpos]
            if e.tid == cur.tid and e.idx == cur.pos:
                # replaying, and the next event is this task's: no scheduling needed
                self.rpos = rpos + 1
                try:
                    val = self._process(cur)
                except Bug as b:
                    self._met_by(b, cur)
                if not cur.blocked and not cur.paused:
                    return val
        while True:
            n = self._pick()
            if n is None:
                self.root.switch()
                raise Stop()
            if not n.started:
                n.started = True
                self.cur = n
                return self._switch_to(n, None, start=True)
            try:
                val = self._process(n)
            except Bug as b:
                if b.task is None:
                    b.task = n
                if self._defer(b, n):
                    if n is cur:
                        raise Halt()
                    continue
                self._stop_with(b)
                raise Stop()
            if n.blocked or n.paused:
                continue
            if n is cur:
                return val
            return self._switch_to(n, val)

    def _stop_again(self):
        """The run has stopped, yet a task asks again: it caught what ended it (a
        bare ``except:`` around its kernel calls catches ``Stop``, and Ctrl-C's
        ``Interrupted``).  Raised once more; the next time, the task is left
        suspended for good and the run ends - a model that swallows every
        exception once kept a run going forever."""
        asked = self.__dict__.setdefault("_stop_asked", set())
        me = _getcurrent()
        if me in asked and me is not self.root:
            # kept from the collector, which would throw GreenletExit into it -
            # swallowed too, and the model would run on with no run at all
            _NEVER_RESUMED.append(me)
            self.root.switch()
        asked.add(me)
        raise Stop()

    def _checked_access(self, cur, e, loc):
        """``_check_access`` for the replay fast paths in read(), write() and rmw(),
        a bug it raises handled as request() handles one (deferred past a grace
        period, or the run stopped)."""
        try:
            self._check_access(cur, e, loc)
        except Bug as b:
            self._met_by(b, cur)

    def _met_by(self, b, cur):
        """Bug ``b`` met by the running task's own request: deferred past a grace
        period (Halt: the task stops, the run goes on) or the run stops (Stop)."""
        if b.task is None:
            b.task = cur
        if self._defer(b, cur):
            raise Halt()
        self._stop_with(b)
        raise Stop()

    def _switch_to(self, n, val, start=False):
        self.cur = n
        res = (n.gl or self._make_greenlet(n)).switch() if start else n.gl.switch(val)
        if self.stopped:
            raise Stop()
        return res

    # -- processing one request ------------------------------------------
    def _process(self, t):
        req = t.req
        t.req = None
        kind = req[0]
        self.nevents += 1
        t.steps += 1
        th = self.g.threads[t.tid]
        if t.pos < len(th):
            return self._replay_one(t, req, th[t.pos])
        if t.steps > self.step_bound and t.steps > self.step_bound * (1 + t.resumes) \
                and self._bound(t, req):
            return None
        return self._add(t, req)

    def _replay_one(self, t, req, e):
        kind = req[0]
        if e.kind != _REQ_KIND[kind] or (e.lid is not None and req[1] is not None and e.lid != req[1].lid):
            raise ModelError(f"replay diverged in task {t.name}: expected {e.op} but the model did "
                             f"{req[-1]} - model code must be deterministic apart from kcheck's choices")
        t.pos += 1
        rpos = self.rpos
        if rpos < self.nreplay and self.replay[rpos] is e:
            # _pick chose this task for this event: the cursor moves past it here, so
            # that the task's next request finds its own event there (the fast paths)
            self.rpos = rpos + 1
        if self.trace:
            self._note(e)
        if kind == 0:      # read
            loc = req[1]
            w = e.rf
            self._check_access(t, e, loc)
            return loc.init if w is None else w.val
        if kind == 1:      # write
            e.val = req[2]
            self._check_access(t, e, req[1])
            return None
        if kind == 2:      # rmw
            loc = req[1]
            w = e.rf
            old = loc.init if w is None else w.val
            self._check_access(t, e, loc)
            # this run's function: revisits re-evaluate it (explore._complete_rmw) on
            # values this run wrote, and an earlier run's closure may hold that run's
            # objects (a task handle compared by identity)
            e.rmw = req[2]
            res = req[2](old)
            if res is BLOCK:
                t.blocked = True
                return old
            if res is NO_WRITE:
                return old
            th = self.g.threads[t.tid]
            if t.pos < len(th):
                w = th[t.pos]
                t.pos += 1
                rpos = self.rpos
                if rpos < self.nreplay and self.replay[rpos] is w:
                    self.rpos = rpos + 1
                w.val = res
                self._check_access(t, w, loc)
            else:
                self._add_write(t, loc, res, req[3] | G.RMW_FLAG, req[4], rmw_of=e)
            return old
        if kind == 4:      # choice
            return e.val
        if kind == 5:      # alloc
            self._alloc_done(t, e, req)
            return None
        if kind == 6:      # free
            self._free_done(t, e, req)
            return None
        if kind == 7:      # spawn
            return self._spawned(t, e, req)
        return None        # fence

    def _new_event(self, t, kind, lid, val, flags, op):
        g = self.g
        tid = t.tid
        th = g.threads[tid]
        idx = len(th)
        e = Event(tid, idx, g.next_stamp, kind, lid, val, flags, op)
        g.next_stamp += 1
        # the views of the po-predecessor, or of the spawn (Graph.base_view/base_hb, inlined)
        if idx:
            prev = th[idx - 1]
            v = prev.view[:]
            hb = prev.hb[:]
        else:
            sp = g.spawn_of.get(tid)
            v = list(sp.view) if sp is not None else []
            hb = list(sp.hb) if sp is not None else []
        if len(v) <= tid:
            v.extend([-1] * (tid + 1 - len(v)))
        v[tid] = idx
        e.view = v
        if len(hb) <= tid:
            hb.extend([-1] * (tid + 1 - len(hb)))
        hb[tid] = idx
        e.hb = hb
        th.append(e)
        order = g.order
        if order is not None:
            order.append(e)     # its stamp is the graph's newest
        t.pos += 1
        if self.trace:
            self._note(e)
        return e

    def _add(self, t, req):
        kind = req[0]
        if kind == 0:
            loc = req[1]
            e = self._add_read(t, loc, req[2], req[3], None)
            self._check_access(t, e, loc)
            w = e.rf
            return loc.init if w is None else w.val
        if kind == 1:
            e = self._add_write(t, req[1], req[2], req[3], req[4])
            return None
        if kind == 2:
            loc = req[1]
            e = self._add_read(t, loc, req[3] | G.RMW_FLAG, req[4], req[2])
            self._check_access(t, e, loc)
            w = e.rf
            old = loc.init if w is None else w.val
            res = req[2](old)
            if res is BLOCK:
                t.blocked = True
                return old
            if res is NO_WRITE:
                return old
            self._add_write(t, loc, res, req[3] | G.RMW_FLAG, req[4], rmw_of=e)
            return old
        if kind == 3:
            e = self._new_event(t, G.FENCE, None, req[1], 0, req[-1])
            if req[1] == "smp_acquire__after_ctrl_dep" and self.lkmm:
                self._acquire_after_ctrl_dep(t, e)
            return None
        if kind == 4:
            e = self._new_event(t, G.CHOICE, None, 0, 0, req[-1])
            e.arg = req[1]
            e.val = self.x.choose(self, e)
            return e.val
        if kind == 5:
            e = self._new_event(t, G.ALLOC, None, None, 0, req[-1])
            self._alloc_done(t, e, req)
            return None
        if kind == 6:
            e = self._new_event(t, G.FREE, None, None, 0, req[-1])
            self._free_done(t, e, req)
            return None
        if kind == 7:
            e = self._new_event(t, G.SPAWN, None, None, 0, req[-1])
            return self._spawned(t, e, req)
        raise ModelError(f"unknown request {req!r}")

    def _acquire_after_ctrl_dep(self, t, e):
        """smp_acquire__after_ctrl_dep() makes the load controlling its branch an
        acquire (lkmm_bridge gives that load the ACQUIRE tag): what follows the
        fence carries the happens-before view of the write the load read."""
        th = self.g.threads[t.tid]
        for x in reversed(th[:e.idx]):
            if x.kind == G.READ and x.flags & G.MARKED:
                w = x.rf
                if w is not None and G.synchronizes(_Acquiring(x), w, True):
                    e.hb = join(e.hb, w.hb)
                return

    def _add_read(self, t, loc, flags, op, fn):
        g = self.g
        lid = loc.lid
        e = self._new_event(t, G.READ, lid, None, flags, op)
        e.rmw = fn
        cands = self.x.read_candidates(self, e, loc, fn)
        w = cands[-1]
        e.rf = w
        if w is not None:
            e.view = join(e.view, w.view)
            if (flags & w.flags & MARKED) if not self.lkmm else G.synchronizes(e, w, True):
                e.hb = join(e.hb, w.hb)
        rs = g.reads.get(lid)
        if rs is None:
            g.reads[lid] = [e]
        else:
            rs.append(e)
        if len(cands) > 1:
            self.x.on_read(self, e, cands)
        return e

    def _add_write(self, t, loc, val, flags, op, rmw_of=None):
        g = self.g
        lid = loc.lid
        e = self._new_event(t, G.WRITE, lid, val, flags, op)
        if lid not in self.x.inits:
            self.x.inits[lid] = loc
        lst = g.co.get(lid)
        if lst is None:
            lst = g.co[lid] = []
        if rmw_of is not None:
            e.rmw = True
            if g.threads[t.tid][e.idx - 1] is not rmw_of:
                # (the read half is the write half's po-predecessor, whose views
                # _new_event copied: nothing to join)
                e.view = join(e.view, rmw_of.view)
                e.hb = join(e.hb, rmw_of.hb)
            w = rmw_of.rf
            if w is not None and lst and lst[-1] is w:
                lst.append(e)             # the usual case; index() would cost a loop its length
            else:
                lst.insert(0 if w is None else lst.index(w) + 1, e)
        else:
            lst.append(e)
        self._check_access(t, e, loc)
        self.x.on_write(self, e)
        return e

    # -- objects -----------------------------------------------------------
    def _alloc_done(self, t, e, req):
        obj = req[1]
        e.oid = obj._oid
        self.heap[obj._oid] = (obj, e)
        if self.typesafe:
            self.freed.pop(obj._oid, None)    # a SLAB_TYPESAFE_BY_RCU object allocated again

    def _free_done(self, t, e, req):
        obj = req[1]
        oid = obj._oid
        e.oid = oid
        if self.lkmm:
            if self.exact_deps:
                # what the free depends on (C: a kfree() under a branch on a load is
                # control-dependent on it, so the LKMM orders the load before it)
                e.deps = t.deps
            else:
                # kfree(p) reaches p's memory through p: an address dependency on
                # the read that gave p (as an access through p has, _check_access).
                # Without it a Python model's kfree() of an object it got through
                # rcu_dereference() was not ordered after the publisher's stores.
                hs = t.tls.get("handles")
                dep = hs.get(oid) if hs else None
                e.deps = ((dep,), (), ()) if dep is not None else None
        if oid not in self.heap:
            raise Bug("model-error", f"{req[-1]}: freeing {obj._kname()}, which was not allocated "
                      "with kmalloc/kzalloc/kmem_cache_alloc", event=e, task=t)
        prev = self.freed.get(oid)
        if prev is not None:
            if self.keep_going:
                # the run goes on: accesses that race with this free too are races
                # of their own (detect.every_use_after_free_race)
                self.__dict__.setdefault("refreed", []).append((oid, e))
            raise Bug("double-free", f"{req[-1]}({obj._kname()}): object already freed by "
                      f"{self._task_name(prev.tid)}", event=e, task=t, other=prev)
        self.freed[oid] = e
        # accesses that raced with the free are checked when the execution ends

    def _check_access(self, t, e, loc):
        oid = loc.oid
        if self.lkmm:
            if self.exact_deps:
                e.deps = t.deps
            else:
                hs = t.tls.get("handles")
                dep = None
                if hs:
                    dep = hs.get(oid) if oid is not None else None
                    if dep is None:
                        dep = hs.get(("loc", loc.lid))
                e.deps = ((dep,), (), ()) if dep is not None and dep is not e else None
        if oid is not None and oid in self.heap:
            e.oid = oid
            f = self.freed.get(oid)
            if f is not None and contains(e.view, f) and oid not in self.typesafe:
                obj = self.heap[oid][0]
                what = f"{e.op}({loc.name()})"
                outer = t.tls.get("op_outer")       # a traced run: the kernel call it is in
                if outer is not None:
                    what = f"{outer.text() if callable(outer.text) else outer.text}: {what}"
                if is_stack(obj):
                    raise Bug("use-after-free", f"{what} after {obj._kname()} went out "
                              f"of scope ({scope_end(f)})", event=e, task=t, other=f)
                raise Bug("use-after-free", f"{what} after the object was freed by "
                          f"{self._task_name(f.tid)}", event=e, task=t, other=f)
            lst = self.acc.get(oid)
            if lst is None:
                self.acc[oid] = [e]
            else:
                lst.append(e)
        if loc.plain:
            br = t.tls.get("bytes")
            if br is not None:
                e.arg = br          # C: part of the word (a union's byte) - races are by byte
        if loc.plain and self.races and not e.flags & G.NORACE:
            lid = e.lid
            if lid not in self.plain_lids:
                if not LAZY_RACES:
                    if self._keep_eagerly(lid, e):
                        return
                elif e.flags & G.MARKED:
                    return          # marked accesses only so far: no race possible yet
                else:
                    self._seed_racy(lid, e)
            if e.fresh:
                self._check_race(t, e)
            else:
                self._keep_racy(lid, e)

    def _keep_racy(self, lid, e):
        """Keep access ``e`` to plain-capable word ``lid`` for the race check."""
        lst = self.racy.get(lid)
        if lst is None:
            self.racy[lid] = [e]
            self.racy_tids[lid] = {e.tid}
        else:
            lst.append(e)
            self.racy_tids[lid].add(e.tid)

    def _seed_racy(self, lid, e):
        """The first plain access ``e`` to ``lid`` in this run: from here on every
        access to it is kept for the race check, starting with the marked ones
        this run made before, which were not kept (marked accesses cannot race
        with each other, and most plain-capable words never see a plain access:
        keeping them was a tenth of a run of lastzero).  They are the graph's
        accesses to ``lid`` that this run has executed, listed in the order it
        executed them (the replay's, then the new events' stamps), as the check
        would have kept them.  A task this run skipped (_skip_ended) counts as
        having made its events where the whole replay has them: it is skipped
        only if the search has made no plain access to a word it touches, so
        ``e`` is a new event, made after the whole replay."""
        self.plain_lids.add(lid)
        self.plain_seen.add(lid)
        g = self.g
        tasks = self.tasks
        ntasks = len(tasks)
        seen = []
        for lst in (g.reads.get(lid), g.co.get(lid)):
            if lst:
                for x in lst:
                    if x is e or x.flags & G.NORACE:
                        continue
                    tid = x.tid
                    t = tasks[tid] if tid < ntasks else None
                    if t is not None and x.idx < t.pos:
                        seen.append(x)
        if not seen:
            return
        if len(seen) > 1:
            ridx = self._replay_index()
            base = len(ridx)
            seen.sort(key=lambda x: ridx.get(x, base + x.stamp))
        self.racy[lid] = seen
        self.racy_tids[lid] = {x.tid for x in seen}

    def _keep_eagerly(self, lid, e):
        """``LAZY_RACES = False``: every access to a plain-capable word kept as it
        happens, as the detector once did (the oracle for ``_seed_racy``).  True
        when ``e`` is a marked access, kept and done with."""
        if e.flags & G.MARKED:
            self._keep_racy(lid, e)
            return True
        self.plain_lids.add(lid)
        self.plain_seen.add(lid)
        return False

    def _replay_index(self):
        """Position of each event of this run's replay (built once, when asked)."""
        ridx = self.__dict__.get("_ridx")
        if ridx is None:
            ridx = self._ridx = {x: i for i, x in enumerate(self.full_replay or self.replay)}
        return ridx

    def _check_race(self, t, e):
        lid = e.lid
        plain = not e.flags & G.MARKED
        lst = self.racy.get(lid)
        if lst is None:
            self.racy[lid] = [e]
            self.racy_tids[lid] = {e.tid}
            return
        tids = self.racy_tids[lid]
        if len(tids) == 1 and e.tid in tids:
            lst.append(e)          # only this task has been here: nothing to race with
            return
        tids.add(e.tid)
        is_w = e.kind == G.WRITE
        for o in lst:
            if o.tid == e.tid:
                continue
            if not (is_w or o.kind == G.WRITE):
                continue
            if not plain and o.flags & G.MARKED:
                continue
            if G.byte_range(e) is not None or G.byte_range(o) is not None:
                # a C access to part of a word (a byte of a union): C's memory
                # locations are the bytes it touches, not the word kcheck keeps
                if G.disjoint_bytes(e, o):
                    continue
            elif o.rmw is True and e.rmw is True:
                continue
            if contains(e.hb, o) or contains(o.hb, e):
                continue
            rep = (o, e)
            self.race_reports.append(rep)
            e.fresh = False
            if self.races == "error" and self.keep_going:
                b = Bug("data-race", f"data race on {self._lid_name(e.lid)}: {e.op} in "
                        f"{self._task_name(e.tid)} and {o.op} in {self._task_name(o.tid)} are not "
                        "ordered by happens-before and at least one is a plain access",
                        event=e, task=t, other=o)
                b.where = _model_frame()
                self.found.append(b)
            elif self.races == "error":
                raise Bug("data-race", f"data race on {self._lid_name(e.lid)}: {e.op} in "
                          f"{self._task_name(e.tid)} and {o.op} in {self._task_name(o.tid)} are not "
                          "ordered by happens-before and at least one is a plain access",
                          event=e, task=t, other=o)
            break
        e.fresh = False
        lst.append(e)

    def _lid_name(self, lid):
        loc = self.x.inits.get(lid)
        return loc.name() if loc is not None else f"loc{lid}"

    def _task_name(self, tid):
        return self.tasks[tid].name if tid < len(self.tasks) else f"task{tid}"

    def _spawned(self, t, e, req):
        fn, args, name, daemon = req[1], req[2], req[3], req[4]
        key = (t.order, t.nspawn)
        t.nspawn += 1
        tid = self.x.tid_for(key)
        e.arg = tid
        self.g.ensure_thread(tid)
        self.g.spawn_of[tid] = e
        child = Task(tid, name, fn, args, t.order + (t.nspawn,), daemon=daemon, dynamic=True)
        while len(self.tasks) <= tid:
            self.tasks.append(None)
        self.tasks[tid] = child
        return child

    def spawn_static(self, fn, args, name, daemon=False):
        if self.cur is not None:
            raise ModelError("spawn() is for main(); tasks start other contexts with call_rcu/queue_work")
        tasks = self.tasks
        tid = len(tasks)
        if not name:
            base = getattr(fn, '__name__', 'task')
            # t1 and t2 started as tasks 0 and 1 are t1_0 and t2_1, not "t10" and "t21"
            name = f"{base}_{tid}" if base[-1:].isdigit() else f"{base}{tid}"
        t = Task(tid, name, fn, args, (tid,), daemon)
        tasks.append(t)
        self.static.append(t)
        threads = self.g.threads
        if len(threads) <= tid:
            self.g.ensure_thread(tid)
        x = self.x
        if x.next_tid <= tid:
            x.next_tid = tid + 1     # dynamic tasks get ids above every static one
        return t

    def _note(self, e):
        tls = self.tasks[e.tid].tls
        where = tls.get("where")
        if where is not None:
            self.notes[e] = where
        path = tls.get("path")
        if path:
            self.paths[e] = path

    # -- end of an execution -----------------------------------------------
    def classify(self):
        """'complete', 'blocked' (an artifact of exploration) or raise Bug('deadlock')."""
        if self.cut:
            # a chain of contexts was cut (Run._cut): the execution is a prefix, not
            # a whole one - no deadlock or leak can be judged on it
            return "blocked"
        waiting = [t for t in self._own() if t is not None and t.blocked]
        if not waiting:
            return "complete"
        for t in waiting:
            if self._stale_wait(t):
                return "blocked"
        stuck = [t for t in waiting if not self.idle(t)]
        if not stuck:
            return "complete"
        for t in stuck:
            sleep = t.tls.get("sleep")
            if sleep is not None:
                if sleep.timer:
                    return "blocked"     # its timer ends the sleep: the timeout choice explores that
                w = sleep.watch
                if w is not None and w.rf is not self.g.co_max(w.lid):
                    return "blocked"     # a signal interrupts it: explored where the check sees it
        return "deadlock"

    def _stale_wait(self, t):
        """Did blocked task ``t`` wait on a value that is no longer the latest?
        Then it is not stuck: it would see the newer write and go on (that
        execution is explored where its read reads it).  For a busy-wait
        (``cpu_relax()``, a polling sleep: ``AWAIT_OPS``) that holds for any read
        of the loop's last iteration - back to its previous wait or write: the
        loop's condition may read several locations (``while (!a && !b)``), and
        the wait watches the last one only."""
        g = self.g
        th = g.threads[t.tid]
        e = th[-1]
        if e.kind == G.READ and e.rf is not g.co_max(e.lid):
            return True
        if not self.polls(t, e):
            return False
        start = t.tls.get("await_from")
        tid = t.tid

        def stale(x):
            # a newer write of another task's (the task's own later store - a
            # timeout setting its state back - is no news to it)
            if x.kind != G.READ:
                return False
            w = g.co_max(x.lid)
            return x.rf is not w and w.tid != tid

        if start is not None:
            # a polling loop knows its iteration (kernel/sched.py poll)
            return any(stale(x) for x in th[start:-1])
        for k in range(len(th) - 2, -1, -1):
            x = th[k]
            if x.kind == G.WRITE or x.op in AWAIT_OPS:
                break
            if stale(x):
                return True
        return False

    @staticmethod
    def polls(t, e):
        """Is ``e``, task ``t``'s last event, the wait of a polling loop
        (kernel/sched.py ``poll``)?  Known by its position, which poll() notes:
        a list of the delays' names missed msleep_interruptible(), whose loop
        was then a false deadlock when the flag it watched was not the one
        that ended it."""
        return t.tls.get("poll_at") == e.idx or e.op in AWAIT_OPS

    def idle(self, t):
        """Is blocked task ``t`` a daemon waiting for work (not a stuck task)?"""
        return t.daemon and (t.idle_op is None or self.g.threads[t.tid][-1].op == t.idle_op)


class _Context:
    """A greenlet that runs task bodies one after another (see Run._make_greenlet).

    Between tasks it waits in its root's ``switch()``, with ``task`` None; a
    run hands it a task by setting ``run`` and ``task`` and switching to it.
    A task unwound with ``Stop`` (an abandoned run) leaves it idle too."""

    __slots__ = ("gl", "run", "task")

    def main(self):
        while True:
            run, t = self.run, self.task
            while t is not None:
                try:
                    run._body(t)
                except Stop:
                    pass
                t = run._chain(self)
            root = run.root
            self.task = None
            run = t = None
            root.switch()


# splats after which the kernel goes on (with --keep-going the task does too)
class _Acquiring:
    """A read seen with acquire ordering (its flags plus ACQUIRE)."""

    __slots__ = ("flags", "rmw")

    def __init__(self, r):
        self.flags = r.flags | G.ACQUIRE
        self.rmw = r.rmw


NON_FATAL = frozenset({"warn", "refcount-warn", "lockdep", "data-race", "sleep-in-atomic",
                       "sleep-in-rcu", "suspicious-rcu-usage", "held-at-exit", "preemptible-percpu"})


_NOT_RUN = frozenset({types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType})


def _not_run(t, res):
    """A task function that returned a generator or a coroutine ran none of its
    body (a ``yield`` in it, or ``async def``): a task that does nothing would
    pass every check, so it is a model error."""
    close = getattr(res, "close", None)
    if close is not None:
        close()             # no "coroutine was never awaited" warning on top
    what = "a coroutine (async def)" if hasattr(res, "cr_code") else "a generator (it contains yield)"
    name = getattr(t.fn, "__name__", repr(t.fn))
    code = getattr(res, "cr_code", None) or getattr(res, "gi_code", None)
    where = (code.co_filename, code.co_firstlineno, name) if code is not None else None
    raise ModelError(f"task {t.name}: {name}() returned {what}, so none of its body ran; "
                     "a task function must be a plain function", where=where)


def _met_at(bug):
    return bug.event.stamp if bug.event is not None else -1


def _oid(obj):
    oid = getattr(obj, "_oid", None)
    if oid is None:
        oid = getattr(getattr(obj, "_owner", None), "_oid", None)
    return oid


def replay_order(g):
    """The graph's events in an order that respects po, rf and spawn, stamps
    breaking ties: every read is replayed after the write it reads from, so
    the values (and object handles) it returns come from this run."""
    evs = g.by_stamp()
    if not evs or g.stamp_order_ok:
        return evs
    threads = g.threads
    pos = [0] * len(threads)
    spawn_of = g.spawn_of
    out = []
    READ = G.READ
    for e in evs:
        tid = e.tid
        p = pos[tid]
        if p > e.idx:
            continue
        if p == e.idx:
            # the common case: its task, its spawn and its write are there already
            sp = spawn_of.get(tid) if p == 0 else None
            w = e.rf if e.kind == READ else None
            if (sp is None or pos[sp.tid] > sp.idx) and (w is None or pos[w.tid] > w.idx):
                out.append(e)
                pos[tid] = p + 1
                continue
        stack = [(e.tid, e.idx)]
        while stack:
            tid, idx = stack[-1]
            if pos[tid] > idx:
                stack.pop()
                continue
            nxt = threads[tid][pos[tid]]
            # what must come first: the spawn of its task, the write it reads
            if pos[tid] == 0:
                sp = spawn_of.get(tid)
                if sp is not None and pos[sp.tid] <= sp.idx:
                    stack.append((sp.tid, sp.idx))
                    continue
            if nxt.kind == G.READ and nxt.rf is not None:
                w = nxt.rf
                if pos[w.tid] <= w.idx:
                    stack.append((w.tid, w.idx))
                    continue
            out.append(nxt)
            pos[tid] += 1
    return out


def _frames(exc):
    """(frame, line, last instruction) along the traceback of ``exc``, outermost first."""
    out = []
    tb = exc.__traceback__
    while tb is not None:
        out.append((tb.tb_frame, tb.tb_lineno, tb.tb_lasti))
        tb = tb.tb_next
    return out


def _in_model(filename):
    """Is ``filename`` model code: neither kcheck's own (bar the models it ships) nor
    Python's library?"""
    if filename.startswith(_KCHECK_DIR):
        return filename.startswith(_MODELS_DIR)
    return not filename.startswith(_LIB_DIRS) and not filename.startswith("<frozen")


def _model_where(exc):
    """(file, line, function) of the innermost model frame ``exc`` passed through;
    for C, the position of the innermost C call it passed through (the compiled
    call's closure holds it as ``src``: file, line, function, text)."""
    frames = _frames(exc)
    for f, line, _ in reversed(frames):
        if _in_model(f.f_code.co_filename):
            return (f.f_code.co_filename, line, f.f_code.co_name)
    for f, _, _ in reversed(frames):
        if f.f_code.co_filename.startswith(_C_DIR):
            src = f.f_locals.get("src")
            if src.__class__ is tuple and len(src) >= 3 and src[0].__class__ is str:
                return (src[0], src[1], src[2])
    return None


def _raised_in_model(exc):
    fr = _frames(exc)
    return bool(fr) and _in_model(fr[-1][0].f_code.co_filename)


REAL_EXIT = os._exit       # kcheck's own exits (a worker whose coordinator died)


class _ProcessExit(Exception):
    """``os._exit()`` called by model code."""


def _os_exit_forbidden(code=0):
    raise _ProcessExit(f"os._exit({code!r}) in the model: it would end kcheck itself, silently "
                       "(a model stops a task by returning; BUG_ON() for the kernel's BUG)")


@contextlib.contextmanager
def no_process_exit():
    """While model code runs, ``os._exit()`` raises (a model error) instead of
    ending the process with the model's exit code and no word.  Only around
    model code: multiprocessing's forked workers end with os._exit()."""
    real = os._exit
    os._exit = _os_exit_forbidden
    try:
        yield
    finally:
        os._exit = real


def model_exception(exc):
    """(message, where) for an exception raised while model code ran.

    Raised by the model's own code, the message is the exception; raised inside a
    kernel call the model made (``spin_lock(5)``), it names that call as the model
    wrote it and the argument the call cannot work on, and ``where`` is the
    model's line that made the call, not kcheck's line that tripped over it."""
    text = _one_line(exc)
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, AttributeError) and text.startswith("'NoneType' object has no attribute"):
        what += (" (a NULL pointer: a field annotated with a struct type is a pointer to one, "
                 "None until set - a struct member of struct type is Embed[T])")
    fr = _frames(exc)
    last = None
    for i, (f, _, _) in enumerate(fr):
        if _in_model(f.f_code.co_filename):
            last = i
    if last is None:
        return what, None
    f, line, lasti = fr[last]
    where = (f.f_code.co_filename, line, f.f_code.co_name)
    if isinstance(exc, _ProcessExit):
        return text, where
    if last + 1 < len(fr) and fr[last + 1][0].f_code.co_filename.startswith(_KCHECK_DIR):
        return _bad_call(_call_text(f, lasti), fr[last + 1][0], exc, what), where
    return what, where


def _one_line(exc, limit=300):
    """An exception's text for a one-line error: newlines folded, at most
    ``limit`` characters, and something even when its ``__str__`` raises."""
    try:
        text = str(exc)
    except BaseException as e:           # noqa: B036 - any class: the text is all we want
        return f"(its str() raised {type(e).__name__})"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _call_text(frame, lasti):
    """The source text of the call the frame was making (``spin_lock(5)``), or None."""
    import linecache
    try:
        pos = list(frame.f_code.co_positions())[lasti // 2]
    except (IndexError, ValueError):
        return None
    line, end, col, end_col = pos
    if line is None or col is None:
        return None
    text = linecache.getline(frame.f_code.co_filename, line)
    text = text[col:end_col] if end == line and end_col is not None else text[col:].rstrip()
    return text if "(" in text else None


def _bad_call(call, frame, exc, what):
    """``spin_lock(5): the argument is an int (5), which spin_lock() does not work on``
    for the kernel call ``frame`` that raised ``exc`` on the model's arguments."""
    code = frame.f_code
    n = code.co_argcount + code.co_kwonlyargcount
    params = code.co_varnames[:n]
    vals = [frame.f_locals.get(p) for p in params]
    if call is None:
        call = f"{code.co_name}({', '.join(_short(v) for v in vals)})"
    name = call.split("(", 1)[0].rsplit(".", 1)[-1] or code.co_name
    obj = getattr(exc, "obj", _UNSET) if isinstance(exc, AttributeError) else _UNSET
    for p, v in zip(params, vals):
        if v is obj:
            arg = "the argument" if len(params) == 1 else f"the argument {p}"
            kind = "NULL" if v is None else f"{_article(type(v).__name__)} {type(v).__name__} ({_short(v)})"
            return f"{call}: {arg} is {kind}, which {name}() does not work on"
    return f"{call}: {name}() could not use its arguments ({what})"


_UNSET = object()


def _short(v):
    if v is None:
        return "NULL"
    try:
        r = repr(v)
    except Exception:
        r = f"<{type(v).__name__}>"
    if " object at 0x" in r:
        r = f"<{type(v).__name__}>"
    return r if len(r) <= 40 else r[:37] + "..."


def _article(word):
    return "an" if word[:1].lower() in "aeiou" else "a"


class catching_ctrl_c:
    """While model code runs, Ctrl-C raises ``Interrupted`` (not a plain
    KeyboardInterrupt), so that the runtime can tell the user's Ctrl-C from a
    KeyboardInterrupt the model raises.  Only in the main thread, and only over
    Python's default handler; nesting is harmless."""

    def __enter__(self):
        global PRESSED
        import signal
        import threading
        self.old = None
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            PRESSED = False
            self.old = signal.signal(signal.SIGINT, _on_sigint)
        return self

    def __exit__(self, *exc):
        global PRESSED
        if self.old is not None:
            import signal
            if PRESSED and HOLDING:
                # the command winds down to exit 130 with what it covered: a second
                # Ctrl-C must not throw that away mid-print (holding_ctrl_c)
                # (SIG_IGN, not a Python function: the interpreter's shutdown puts
                # SIG_DFL back over a Python handler, and a press then kills it)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            else:
                signal.signal(signal.SIGINT, self.old)
                PRESSED = False
        return False


def _on_sigint(signum, frame):
    global PRESSED
    r = CURRENT
    if r is not None:
        r.stopped = True        # a model that swallows the exception stops at its next request
    if PRESSED:
        return                  # the first press's exception is on its way; the flag stays
    PRESSED = True
    raise Interrupted()


HOLDING = False     # set by holding_ctrl_c: Ctrl-C after the first is held until it ends


def _not_holding():
    global HOLDING
    HOLDING = False


# A worker process forked by the CLI (the claims table's, --jobs) is not the
# command that prints the result: a Ctrl-C stops its check and it goes on as
# its coordinator says, so it must not keep the presses held (nor the flag).
os.register_at_fork(after_in_child=_not_holding)


class holding_ctrl_c:
    """The CLI's scope: once Ctrl-C has stopped a search, further presses are held
    until the command has printed what was covered and exits 130 (the user's
    second press, or a signal sent twice, lost the result before).  A library
    caller of ``kcheck.check`` does not get this: its next Ctrl-C is its own."""

    def __enter__(self):
        global HOLDING
        self.was = HOLDING
        HOLDING = True
        return self

    def __exit__(self, *exc):
        # After a Ctrl-C the presses stay held: the command is about to exit 130,
        # and giving Python's handler back here would let one more press kill the
        # process by SIGINT on its way out.  Without one, catching_ctrl_c has
        # already put the old handler back.
        global HOLDING
        HOLDING = self.was
        return False


# Task greenlets whose model swallowed the Stop that ended their run (Run._stop_again):
# never switched to again, never collected.  One per such run, each a small stack.
_NEVER_RESUMED = []


# Set by Ctrl-C (catching_ctrl_c) and asked at the start of every run: the
# exception can land anywhere - in a handler of the model's, in a greenlet being
# collected - and a search that lost it would run on to its end as if Ctrl-C
# had never been pressed.  The flag outlives the exception.
PRESSED = False


# the ops of busy-wait points: a task blocked in one waits for a location its
# loop read to change (kernel/barrier.py cpu_relax, kernel/sched.py poll)
AWAIT_OPS = frozenset({"cpu_relax", "msleep", "usleep_range", "ssleep", "mdelay", "udelay",
                       "cond_resched", "schedule_timeout"})


def is_stack(obj):
    """Is heap object ``obj`` a function's local (a C local whose address escaped,
    a Python model's ``on_stack()``): its free is its function's return."""
    c = obj.__class__
    if getattr(c, "_stack_block", False):
        return obj.kind == "stack"
    return c.__dict__.get("_on_stack_", False) is True


def scope_end(f):
    """How a C local's life ended (its free event ``f``), in KASAN's terms."""
    if f.op.endswith(" returns"):
        return f"{f.op[:-8]} returned; KASAN: stack-use-after-return"
    return f"{f.op.replace(' leaves ', ' left ')}; KASAN: stack-use-after-scope"


def stack_state():
    """What the model's code holds on the current task's stack: for each model
    frame its position and locals, for each C function its frame (the C
    interpreter keeps a C function's locals in a list).  Two calls of a polling
    sleep with the same state, the same reads in between and nothing written
    are two iterations of a loop that changed nothing (kernel/sched.py poll)."""
    out = []
    f = sys._getframe(2)
    while f is not None:
        code = f.f_code
        fn = code.co_filename
        if code is _BODY_CODE:
            break
        if not fn.startswith(_KCHECK_DIR) or fn.startswith(_MODELS_DIR):
            out.append((code, f.f_lineno, _values(f.f_locals)))
            gl = f.f_globals
            if gl is not f.f_locals:
                out.append(_globals_image(gl, _referenced_globals(code, gl)))
        elif code.co_name in ("_invoke", "_invoke_d") and "f" in f.f_locals:
            cf = f.f_locals["f"]
            skip = f.f_locals.get("bookkeeping")
            if skip:
                # a C frame compiled with LKMM dependencies: its dependency sets
                # hold each iteration's new read events, not program state
                cf = [None if i in skip else v for i, v in enumerate(cf)]
            out.append((code, f.f_lineno, _c_frame_image(cf)))
        f = f.f_back
    return tuple(out)


def _c_frame_image(cf):
    """``_values`` of a C frame, with its own locals whose address is taken
    (``_stack_block`` objects) by slot: each time a scope is entered such a
    local is a new block, so a loop that declares one in its body
    (``wait_event*()``'s ``__wq_entry``, a ``DEFINE_WAIT``) never met its own
    state again and ran to the step bound.  A local is its slot and, while
    no other task can see it, its values; a pointer to it is the slot and
    the offset."""
    mine = None
    for i, v in enumerate(cf):
        if getattr(v.__class__, "_stack_block", False) and v.kind == "stack":
            if mine is None:
                mine = {}
            mine[v.lid] = i
    if mine is None:
        return _values({"f": cf})

    def image(x, deep=True):
        c = x.__class__
        if c in _PLAIN_VALUES:
            return x
        if getattr(c, "_stack_block", False):
            i = mine.get(x.lid)
            if i is not None:
                vals = x.pvals if x.priv else None
                return ("local", i, tuple(sorted((k, image(v, False)) for k, v in vals.items()))
                        if vals else vals is not None)
            return id(x)
        if getattr(c, "_is_value", False):
            b = getattr(x, "b", None)
            if b is not None and b.lid in mine:
                return ("&local", mine[b.lid], x.o)
            return x
        if deep and isinstance(x, (list, tuple)):
            return tuple(image(y, False) for y in x)
        if deep and isinstance(x, dict):
            return tuple(sorted(((k, image(v, False)) for k, v in x.items()), key=repr))
        return id(x)
    return (("f", tuple(image(x) for x in cf)),)


_PLAIN_VALUES = (int, bool, str, float, bytes, type(None))


def _values(d):
    """A comparable image of a frame's locals (``_image`` of each)."""
    _LEFT[0] = _NODES
    try:
        return tuple((k, _image(v, 3)) for k, v in d.items())
    except (Exception, RecursionError):
        return object()         # what could not be looked at (or too big) is never equal


# Objects whose own state is not the model's loop state: code, and kcheck's
# handles (kernel objects, locations, tasks: their state is memory, in the graph)
_CODE_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
               types.BuiltinMethodType, types.ModuleType, type, types.CodeType,
               staticmethod, classmethod, property)


def _image(v, depth):
    """A comparable image of a value the model's code holds: plain values as
    they are, values of a class that says it is one (``_is_value``: a C
    pointer, loaded anew as a new object each time, is equal to another to
    the same place) by equality, kcheck's handles (``_handle``) and code by
    identity, containers and the model's own objects by what they hold.

    Equal images must mean equal state: a polling loop whose iterations look
    alike waits instead of going round again.  A model object was compared by
    identity until 2026-12-02, so a retry count kept in one (``c.n -= 1``)
    was not state, the loop waited for its flag and its give-up path never
    ran: a missed bug.  What cannot be seen into (past ``depth``, an object
    with neither a ``__dict__`` nor slots) is a new token each time: never
    equal, so such a loop is never taken for one that only polls."""
    c = v.__class__
    if c in _PLAIN_VALUES or getattr(c, "_is_value", False):
        return v
    if getattr(c, "_handle", False):
        return ("id", id(v))
    if c is types.FunctionType:
        cells = v.__closure__
        if not cells:
            return ("id", id(v))
        if depth <= 0:
            return object()
        # a closure's cells are state: ``nonlocal n; n -= 1`` in a helper the
        # loop calls changes no local of the loop's frame
        try:
            return ("fn", id(v), tuple(_image(x.cell_contents, depth - 1) for x in cells))
        except ValueError:
            return ("fn", id(v), "empty cell")
    if c is types.MethodType:
        return ("method", v.__func__.__name__, _image(v.__self__, depth))
    if isinstance(v, _CODE_TYPES):
        return ("id", id(v))
    if depth <= 0:
        return object()
    # a container costs no depth (a program's nested op lists are data), only
    # size: past _NODES values in all, it is too big to be loop state cheaply
    if c is list or c is tuple or isinstance(v, (list, tuple)):
        _budget(len(v))
        return (c.__name__, tuple(_image(x, depth) for x in v))
    if isinstance(v, dict):
        _budget(len(v))
        return ("dict", tuple(sorted(((repr(k), _image(x, depth)) for k, x in v.items()),
                                     key=_first)))
    if isinstance(v, (set, frozenset)):
        _budget(len(v))
        return ("set", tuple(sorted(repr(_image(x, depth)) for x in v)))
    try:
        d = object.__getattribute__(v, "__dict__")
    except AttributeError:
        d = None
    attrs = [(n, _image(x, depth - 1)) for n, x in d.items()] if d else []
    for k in c.__mro__:
        names = k.__dict__.get("__slots__", ())
        for n in (names,) if isinstance(names, str) else names:
            desc = k.__dict__.get(n)
            if desc is None or n in ("__dict__", "__weakref__"):
                continue
            try:
                x = desc.__get__(v, c)
            except AttributeError:
                attrs.append((n, "-"))          # a slot not set
            else:
                attrs.append((n, _image(x, depth - 1)))
    if d is None and not attrs and not any(k.__dict__.get("__slots__") == () for k in c.__mro__[:-1]):
        return object()
    return ("obj", id(v), tuple(attrs))


def _first(kv):
    return kv[0]


_NODES = 4096
_LEFT = [_NODES]


class _TooBig(Exception):
    pass


def _budget(n):
    _LEFT[0] -= n + 1
    if _LEFT[0] < 0:
        raise _TooBig()


_MISSING = object()


def _globals_image(gl, names=None):
    """The data a model's module holds in the globals ``names`` (all, if
    None) - not its functions, classes and imports: a task that counts its
    retries in a module global changes state too, and kcheck only warns that
    it rebinds it."""
    _LEFT[0] = _NODES
    try:
        items = gl.items() if names is None else ((k, gl[k]) for k in names if k in gl)
        return ("globals", tuple((k, _image(v, 3)) for k, v in items
                                 if not k.startswith("__") and not isinstance(v, _CODE_TYPES)
                                 and not getattr(v.__class__, "_handle", False)))
    except Exception:
        return object()


_GLOBAL_NAMES = {}


def _referenced_globals(code, gl):
    """The names of ``gl`` that ``code`` may read: its own, its nested
    functions', and those of the module's functions it names, transitively.
    Only those globals are state for a loop in ``code``: imaging every global
    of a module that also holds hypothesis strategies took seconds a poll,
    and one that could not be looked into disabled every loop's reduction."""
    key = (code, id(gl))
    names = _GLOBAL_NAMES.get(key)
    if names is not None:
        return names
    found = set()
    todo = [code]
    done = set()
    while todo:
        c = todo.pop()
        if c in done:
            continue
        done.add(c)
        for n in c.co_names:
            if n in found or n not in gl:
                continue
            found.add(n)
            v = gl[n]
            if v.__class__ is types.FunctionType and v.__globals__ is gl:
                todo.append(v.__code__)
        for k in c.co_consts:
            if k.__class__ is types.CodeType:
                todo.append(k)
    names = tuple(sorted(found))
    if len(_GLOBAL_NAMES) > 4096:
        _GLOBAL_NAMES.clear()
    _GLOBAL_NAMES[key] = names
    return names


def _model_frame():
    """(file, line, function) of the model code that made the current request.

    A front end that interprets another language (C) keeps the position of the
    statement it runs in the task's ``tls["src"]``; that wins over Python frames."""
    r = CURRENT
    if r is not None and r.cur is not None:
        src = r.cur.tls.get("src")
        if src is not None:
            return src
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_KCHECK_DIR) or fn.startswith(_MODELS_DIR):
            return (fn, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def _model_path():
    """The names of the model's functions on the stack of the current request,
    outermost first (traced runs only: a trace's summary says which calls each
    task's turn ran).  A C task's are the front end's chain of C calls
    (``tls["cstack"]``, kept in traced runs by ``c._compile.traced_call``)."""
    r = CURRENT
    if r is not None and r.cur is not None:
        tls = r.cur.tls
        src = tls.get("src")
        if src is not None:
            cs = tls.get("cstack")
            return tuple(cs) if cs else (src[2],)
    out = []
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_KCHECK_DIR) or fn.startswith(_MODELS_DIR):
            out.append(f.f_code.co_name)
        f = f.f_back
    out.reverse()
    return tuple(out)


_REQ_KIND = (G.READ, G.WRITE, G.READ, G.FENCE, G.CHOICE, G.ALLOC, G.FREE, G.SPAWN)

import os as _os
import sysconfig as _sysconfig
_KCHECK_DIR = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
_MODELS_DIR = _os.path.join(_KCHECK_DIR, "models")
# A task's done write is made when a join needs it (Run._task_ended).  False: at
# every task's end, as before - tests/test_oracle.py explores both ways and
# compares the executions.
LAZY_EXITS = True
# Tasks whose run would repeat the last one's are not run again (Run._skip_ended).
# False: every task runs in every execution - tests/test_skip_ended.py explores
# both ways and compares.  Not in a search's first SKIP_AFTER runs that could
# skip one: model code that is not deterministic (a replay that diverges) or
# that rebinds a global (initial.watch_globals) is caught there, as before.
SKIP_ENDED = True
SKIP_AFTER = 32
# The operations a skipped task may be made of: reads, writes and RMWs of one
# word and barriers that leave nothing behind in a run but their events,
# registered by the kernel API that makes them (kernel/atomic.py, barrier.py).
PURE_OPS = set()
_DATA = frozenset({int, bool, type(None), str, float})
_TASK_SHIFT = 24
_TASK_OIDS = 1 << _TASK_SHIFT    # Run.new_lid: ids of what tasks create start here
_C_DIR = _os.path.join(_KCHECK_DIR, "c") + _os.sep
_LIB_DIRS = tuple({_sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})

_BODY_CODE = Run._body.__code__

from . import detect as _detect     # noqa: E402  (detect imports Bug from here)
from . import initial as _initial   # noqa: E402
