"""main()'s initial state: built once per search, restored in every run.

``main()`` only builds the initial state - kernel objects, their initial
values, the tasks - and it must be deterministic (replay depends on it), so
every run of a search builds the same state.  Building it anew each run was a
quarter of the time of a small benchmark and two fifths of ``readers``
(creating the objects, their locations, the ``Task``s), for nothing.

Reusing it is sound only if no run can change what the next one starts
from.  Kernel objects qualify: their state lives in the execution graph, a
Python object is a handle (``Loc`` and ``KStruct`` stores to undeclared
names are refused).  Anything else a task can reach and mutate without an
event - a Python list passed to a task, a dict in a closure, a ``Task``
handle, a module global that ``main()`` rebinds - would leak one run's
changes into the next, so the first run checks all of it (``_reusable``),
and a program that fails the check simply has its ``main()`` run every time,
as before.  What ``main()`` leaves on the ``Run`` (object name counters,
slab caches, the heap) is copied back container by container each run.

``ENABLED = False`` (tests: the oracle in ``tests/test_initial_state.py``)
runs ``main()`` every time; with ``KCHECK_CHECK_FAST_PATHS`` it runs every
time and must rebuild exactly the recorded state.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

ENABLED = True

_SCALARS = (type(None), bool, int, float, complex, str, bytes, range, type(Ellipsis))
_CONTAINERS = (dict, list, set)
_STANDARD_STRUCT_ATTRS = frozenset({"_oid", "_kid", "_n", "_f"})
_CLONED = (dict, list, set, tuple)
# a Task's slots that belong to a run (its greenlet, its context), not to main()
_PER_RUN_TASK_SLOTS = frozenset({"gl", "ctx", "req"})


class MainState:
    """What one ``main()`` built: its tasks and what it left on the run."""

    __slots__ = ("tasks", "attrs", "tids", "copies")

    def __init__(self, tasks, attrs):
        self.tasks = tasks      # per static task (by tid): Task() arguments, its join location, (slot, value) set after
        self.attrs = attrs      # Run attributes main() set or changed
        self.tids = frozenset(range(len(tasks)))
        assert all(spec[0] == tid for tid, spec in enumerate(tasks))
        # how each attribute is copied for a run: a flat container (of leaves: a
        # name's count of anonymous objects) by its own C-level copy
        self.copies = [(k, v, _copier(v)) for k, v in attrs.items()]

    def restore(self, run, task_cls, reuse=None):
        """Put main()'s state back on ``run``; ``reuse``: tid -> a finished Task
        of an earlier run to put back as it is (runtime.Run._skip_plan).  The
        tasks made anew are left in ``run.made`` when some are put back."""
        for k, v, copy in self.copies:
            setattr(run, k, v if copy is None else copy(v))
        tasks = run.tasks
        specs = self.tasks
        if reuse:
            # (a readers(15) run puts back 14 of 16: the loop is over the others)
            tasks.extend(map(reuse.get, range(len(specs))))
            made = run.made = []
            for tid in sorted(self.tids.difference(reuse)):
                t = tasks[tid] = self._make(specs[tid], tasks, task_cls)
                made.append(t)
        else:
            for spec in specs:
                tasks.append(self._make(spec, tasks, task_cls))
        if tasks:
            run.g.ensure_thread(tasks[-1].tid)
        run.static = list(tasks)

    @staticmethod
    def _make(spec, tasks, task_cls):
        tid, name, fn, args, order, daemon, done, extras = spec
        if args.__class__ is _Refs:
            args = tuple(tasks[a.tid] if a.__class__ is _TaskRef else a for a in args.args)
        # (a task's join location, the one slot every spawn sets, goes to the
        # constructor: a generic setattr per task was a third of this)
        t = task_cls(tid, name, fn, args, order, daemon, False, done)
        if extras:
            for k, v in extras:
                setattr(t, k, v if v.__class__ not in _CLONED else _clone(v))
        return t

    def same_as(self, other):
        """Did two main() runs build the same state (KCHECK_CHECK_FAST_PATHS)?"""
        if len(self.tasks) != len(other.tasks):
            return False
        for a, b in zip(self.tasks, other.tasks):
            if a[:2] != b[:2] or not _same_fn(a[2], b[2]) or a[3] != b[3] or a[4:6] != b[4:6]:
                return False
            if (a[6] is None) != (b[6] is None) or (a[6] is not None and a[6].lid != b[6].lid):
                return False
            if len(a[7]) != len(b[7]):
                return False
            for (k, u), (j, v) in zip(a[7], b[7]):
                if k != j or not (u is v or _equal(u, v)):
                    return False
        return self.attrs.keys() == other.attrs.keys() and all(
            _equal(self.attrs[k], other.attrs[k]) for k in self.attrs)


@dataclass(frozen=True, slots=True)
class _TaskRef:
    """A task handle among a task's arguments: the task of this id in each run."""

    tid: int


@dataclass(frozen=True, slots=True)
class _Refs:
    """Arguments holding task handles (rebuilt per run)."""

    args: tuple


def run_main(run, task_cls, check_fast_paths=False, reuse=None):
    """Build ``run``'s initial state: restore the recorded one, or run main()
    (and record it, the first time).  ``reuse``: see ``MainState.restore``.
    True when the recorded state was restored (``reuse``'s tasks are in place)."""
    x = run.x
    state = x.__dict__.get("_main_state")
    if state.__class__ is MainState and ENABLED and not check_fast_paths:
        state.restore(run, task_cls, reuse)
        return True
    if state is False or not ENABLED:
        # main() made its locations anew: the explorer re-evaluates RMWs on a
        # location's initial value (explore._complete_rmw), which must be this
        # run's objects, not the first run's (a task handle compares by identity)
        run.main_locs = []
        try:
            _not_a_body(run.program())
        finally:
            locs, run.main_locs = run.main_locs, None
        x.main_locs = locs
        inits = x.inits
        for loc in locs:
            if loc.lid in inits:
                inits[loc.lid] = loc
        return
    recorded = _record(run, task_cls)
    if state is None:
        x._main_state = recorded if recorded is not None else False
    elif recorded is None or not state.same_as(recorded):
        raise AssertionError("main() built a different initial state than in the first run")


def _not_a_body(res):
    """main() that is a generator or a coroutine function ran none of its body:
    say so rather than "main() spawned no task"."""
    import types
    if type(res) in (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType):
        close = getattr(res, "close", None)
        if close is not None:
            close()         # no "coroutine was never awaited" warning on top
        code = getattr(res, "cr_code", None) or getattr(res, "gi_code", None) \
            or getattr(res, "ag_code", None)
        what = "a coroutine (async def)" if hasattr(res, "cr_code") else "a generator"
        from .runtime import ModelError
        raise ModelError(f"main() returned {what}, so none of its body ran: main must be a "
                         "plain function", where=(code.co_filename, code.co_firstlineno, "main")
                         if code is not None else None)


def _record(run, task_cls):
    """Run main() and return its MainState, or None if it is not reusable."""
    before = {k: _clone(v) for k, v in vars(run).items()}
    g = getattr(run.program, "__globals__", None)
    gbefore = dict(g) if g is not None else None
    run.main_locs = []
    try:
        _not_a_body(run.program())
    finally:
        locs, run.main_locs = run.main_locs, None
    # the leak check follows pointers main() stored and no task touched too
    # (detect._referenced); main() is deterministic, so its locations are the
    # same in every run
    run.x.main_locs = locs
    if g is not None:
        # main() rebinding or growing its module's globals: what tasks read
        # there would be the last run's, not this one's
        if g.keys() != gbefore.keys() or any(g[k] is not v for k, v in gbefore.items()):
            return None
    seen = set()
    tasks = []
    slots = [k for k in task_cls.__slots__ if k not in _PER_RUN_TASK_SLOTS]
    for t in run.tasks:
        if t is None or t.dynamic or t.started or t.pos or t.gl is not None:
            return None
        args = t.args
        if any(a.__class__ is task_cls for a in args):
            # a task handle for join(): this run's task of that id
            if any(a.__class__ is task_cls and (a.tid >= t.tid or run.tasks[a.tid] is not a)
                   for a in args):
                return None
            args = _Refs(tuple(_TaskRef(a.tid) if a.__class__ is task_cls else a for a in args))
        if not (_reusable(t.fn, seen) and _reusable(args, seen)):
            return None
        fresh = task_cls(t.tid, t.name, t.fn, t.args, t.order, t.daemon)
        extras = []
        for k in slots:
            if k == "done":
                continue
            v = getattr(t, k)
            if _equal(v, getattr(fresh, k)):
                continue
            if not _clonable(v, seen):
                return None
            # a copy now: the first run goes on with this task and may change
            # its containers (a handler's context flags leave its tls)
            extras.append((k, _clone(v)))
        tasks.append((t.tid, t.name, t.fn, args, t.order, t.daemon, t.done, tuple(extras)))
    for loc in locs:
        if not _reusable(loc.init, seen):
            return None
    attrs = {}
    for k, v in vars(run).items():
        if k in ("tasks", "static", "main_locs"):
            continue
        if k in before and _equal(before[k], v):
            continue
        if not _clonable(v, seen):
            return None
        attrs[k] = _clone(v)
    return MainState(tasks, attrs)


def _reusable(v, seen):
    """Can ``v`` be handed to every run as it is (no Python state a run changes)?"""
    if isinstance(v, _SCALARS) or isinstance(v, type):
        return True
    i = id(v)
    if i in seen:
        return True
    seen.add(i)
    if isinstance(v, (tuple, frozenset)):
        return all(_reusable(e, seen) for e in v)
    if v.__class__ is _Refs:
        return _reusable(v.args, seen)
    if v.__class__ is _TaskRef:
        return True
    if isinstance(v, types.FunctionType):
        if _ours(v):
            return True
        cells = v.__closure__ or ()
        if cells and _rebinds_free(v.__code__):
            return False            # ``nonlocal n; n -= 1``: the cell main() made changes
        try:
            contents = [c.cell_contents for c in cells]
        except ValueError:          # an empty cell: bound later, by whom?
            return False
        return (all(_reusable(e, seen) for e in contents)
                and _reusable(v.__defaults__, seen)
                and all(_reusable(e, seen) for e in (v.__kwdefaults__ or {}).values()))
    if isinstance(v, types.MethodType):
        return _reusable(v.__self__, seen) and _reusable(v.__func__, seen)
    if isinstance(v, types.BuiltinFunctionType):
        return v.__self__ is None or isinstance(v.__self__, types.ModuleType)
    from ..kernel._core import KObject
    from .runtime import Loc
    if isinstance(v, Loc):
        return True
    if isinstance(v, KObject):
        if _ours(type(v)):
            return True          # kcheck's kernel objects: handles, state in the graph
        d = getattr(v, "__dict__", {})
        embedded = {n for n, _ in getattr(type(v), "_embedded_", ())}
        for k, e in d.items():
            if k in _STANDARD_STRUCT_ATTRS:
                continue
            if not _reusable(e, seen):
                return False
            if k not in embedded and not k.startswith("_"):
                return False
        return True
    if type(v).__module__.startswith("kcheck.kernel") and not isinstance(v, _CONTAINERS):
        return True              # kmem_cache and the like: immutable after creation
    return False


def _rebinds_free(code, _cache={}):
    """Does ``code`` (or a function defined in it) rebind one of its free
    variables - a cell another function's frame made (``nonlocal n``)?  Such
    a cell is main()'s state that a task changes without an event: a run
    reusing main()'s state would start from the last run's value (a retry
    count in a closure made a bug that did not replay)."""
    hit = _cache.get(code)
    if hit is None:
        import dis
        free = set(code.co_freevars)
        hit = any(ins.opname in ("STORE_DEREF", "DELETE_DEREF") and ins.argval in free
                  for ins in dis.get_instructions(code))
        if not hit:
            hit = any(isinstance(c, types.CodeType) and free & set(c.co_freevars)
                      and _rebinds_free(c) for c in code.co_consts)
        _cache[code] = hit
    return hit


def _ours(obj):
    mod = getattr(obj, "__module__", None) or ""
    return mod == "kcheck" or (mod.startswith("kcheck.") and not mod.startswith("kcheck.models"))


def _clonable(v, seen):
    """Reusable once its containers are copied (what main() leaves on the run)."""
    if isinstance(v, dict):
        return all(_clonable(k, seen) and _clonable(e, seen) for k, e in v.items())
    if isinstance(v, (list, set)):
        return all(_clonable(e, seen) for e in v)
    if isinstance(v, tuple):
        return all(_clonable(e, seen) for e in v)
    return _reusable(v, seen)


_CONTAINERS = (dict, list, set, tuple)


def _copier(v):
    """What ``_clone(v)`` comes to for this ``v``: None (shared as it is), a
    flat container's own copy, or ``_clone`` itself."""
    c = v.__class__
    if c is dict:
        flat = not any(e.__class__ in _CONTAINERS for e in v.values())
        return dict.copy if flat else _clone
    if c is list:
        return list.copy if not any(e.__class__ in _CONTAINERS for e in v) else _clone
    if c is set:
        return set
    if c is tuple and any(e.__class__ in _CONTAINERS for e in v):
        return _clone
    return None


def _clone(v):
    """A copy of ``v``'s containers (dicts, lists, sets, tuples of them); leaves shared."""
    c = v.__class__
    if c is dict:
        return {k: _clone(e) for k, e in v.items()}
    if c is list:
        return [_clone(e) for e in v]
    if c is set:
        return set(v)
    if c is tuple and any(e.__class__ in (dict, list, set, tuple) for e in v):
        return tuple(_clone(e) for e in v)
    return v


def _same_fn(f, g, depth=0):
    """The same task function: the same object, or a closure main() made
    again from the same code over equal values (a task function defined
    inside main() is a new object each run)."""
    if f is g:
        return True
    if not (isinstance(f, types.FunctionType) and isinstance(g, types.FunctionType)):
        return _equal(f, g)
    if depth > 8:               # closures that refer to each other
        return False
    if f.__code__ is not g.__code__ or f.__defaults__ != g.__defaults__:
        return False
    cf, cg = f.__closure__ or (), g.__closure__ or ()
    try:
        return len(cf) == len(cg) and all(
            _same_fn(a.cell_contents, b.cell_contents, depth + 1) for a, b in zip(cf, cg))
    except ValueError:          # an empty cell
        return False


def _equal(a, b):
    try:
        return type(a) is type(b) and (a is b or a == b)
    except Exception:
        return False


# -- module globals that tasks rebind ---------------------------------------
#
# ``counter += 1`` on a module global in a task is Python state: no event, so
# no interleaving of it is explored and a race on it is never seen.  kcheck
# cannot order it, but it can say so: in the first runs of a search the
# globals of main()'s module are compared before and after the tasks ran.

WATCHED_RUNS = 32


def watch_globals(run):
    """Before the tasks run (the first WATCHED_RUNS runs): main()'s module globals."""
    x = run.x
    n = x.__dict__.get("_globals_watched", 0)
    if n >= WATCHED_RUNS:
        return None
    x._globals_watched = n + 1
    g = getattr(run.program, "__globals__", None)
    if g is None:
        return None
    return g, {k: id(v) for k, v in g.items()}


def rebound_globals(run, watch):
    """After the tasks ran: warn once per global a task rebound."""
    g, before = watch
    changed = [k for k, v in g.items() if before.get(k) != id(v) and not k.startswith("__")]
    if not changed:
        return
    x = run.x
    told = x.__dict__.setdefault("_globals_told", set())
    mod = g.get("__file__") or g.get("__name__", "the model")
    for k in changed:
        if k in told:
            continue
        told.add(k)
        x.__dict__.setdefault("_warnings", []).append(
            f"a task rebinds the module global {k!r} ({mod}): Python state is not shared memory "
            "to kcheck - its loads and stores are no events, so no interleaving of them is "
            "explored; keep shared state in kernel objects (atomic_t, a KStruct field)")
