"""Exploration in units: several cores, several machines, checkpoints.

TruSt is deterministic, so every worklist item can be named by its *path*:
the sequence numbers of the items applied from the root to reach it
(``TruSt._push``).  Replaying a path in any process rebuilds the item's graph,
and exploring below it touches nothing outside its subtree.  A *unit* is a
list of such paths.  A worker explores its unit until a time budget runs out
and hands back the paths of what it has not explored yet; the coordinator
puts those back in its queue.  That is work sharing without any shared state:

* the set of executions explored is exactly the serial one (each subtree is
  explored once, by whoever holds its path), so the counts and the verdict do
  not depend on the number of workers;
* the same units run on a local process pool (``--jobs`` with
  ``--checkpoint``) or on a Dask cluster (``--cluster``); Dask gives the
  scheduler, the transport and the failure handling, which is why we use it
  rather than a home-made protocol;
* a plain ``--jobs N`` run (no limit) uses ``explore_local`` instead: workers keep their
  subtrees and give work away only when another worker is idle, so paths are
  replayed only at those hand-offs (units replayed one per budget);
* a checkpoint is the counts so far plus the paths still to explore; after a
  ``kill -9``, ``--resume`` continues from it, re-exploring only the units
  that were in flight (their results had not been counted).
"""

from __future__ import annotations

import json
import os
import time
from collections import deque

from .explore import TruSt
from .runtime import ModelError
from .stray import StrayExceptions
from .bugs import Collector, identity

CHECKPOINT_VERSION = 3      # 2: the model file's hash is in it; 3: a digest of its content


def content_digest(data):
    """SHA-256 of a saved record's content (every key but ``digest``), in a
    canonical JSON form.  A checkpoint says which paths are still to explore,
    and a kept result says a verdict: a hand edit that drops a pending path, or
    a disk that kept half a write, would otherwise let a resumed search end
    "exhaustive" over a space it never covered.  A digest does not stop a
    forger (anyone can compute one); it stops an accident from becoming a
    verdict."""
    import hashlib
    body = {k: v for k, v in data.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


# -- the worker side ---------------------------------------------------------

_PROGRAM = None   # set in forked pool workers


def _merge(res, warnings, barriers, bugs, seen, identity):
    """Fold one worker's (or unit's) warnings, barrier sites and bugs into the
    run's, each bug once by ``identity``."""
    for w in res.get("warnings", ()):
        if w not in warnings:
            warnings.append(w)
    barriers.update(tuple(b) for b in res.get("barriers", ()))
    for b in res["bugs"]:
        key = identity(b["kind"], b["message"])
        if key not in seen:
            seen.add(key)
            bugs.append(b)


def load_program(spec):
    """A model's entry function from its spec: ("file", path, entry) or ("fn", function)."""
    if spec[0] == "fn":
        return spec[1]
    import importlib.util
    import sys
    _, path, entry = spec
    name = "kcheck_model_" + str(abs(hash(os.path.abspath(path))))
    mod = sys.modules.get(name)
    if mod is None:
        s = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(s)
        sys.modules[name] = mod
        s.loader.exec_module(mod)
    return getattr(mod, entry)


def run_unit(spec, paths, budget, opts):
    """Explore the subtrees named by ``paths`` for about ``budget`` seconds.

    Returns a dict: executions, blocked, events, pending (paths left), bugs
    (bugs.BugFound as JSON: each replays from its schedule), stopped (a bug
    ended the search), seconds; or ``{"error": message, "where": ...}`` for a
    model error (nondeterminism, bad API use), which the coordinator re-raises.
    Whatever else goes wrong comes back as an error too: a worker that let an
    exception escape would leave the coordinator waiting for ever.
    """
    from .runtime import Interrupted
    from .watchdog import Watchdog
    try:
        with Watchdog():
            return _run_unit(spec, paths, budget, opts)
    except Interrupted:
        raise
    except ModelError as e:
        return {"error": str(e), "where": e.where}
    except BaseException as e:
        return {"error": f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, "where": None}


def _run_unit(spec, paths, budget, opts):
    from .stray import StrayExceptions
    with StrayExceptions() as stray:
        out = _run_unit_inner(spec, paths, budget, opts)
    err = stray.error()
    if err is not None:
        # a worker's: raised to the coordinator as the unit's result (where= is an
        # argument, so it survives the pickling)
        raise ModelError(str(err), where=err.where)
    return out


def _run_unit_inner(spec, paths, budget, opts):
    program = _PROGRAM if spec is None else load_program(spec)
    t0 = time.perf_counter()
    # Budgets are CPU time (on a loaded machine a wall-clock budget ends units
    # before they do anything but replay their paths), counted from the end of
    # each path's replay and at least twice that replay: a deep path is worth
    # exploring longer before its remainder is handed back and replayed again.
    clock = time.process_time
    deadline = clock() + budget if budget else None
    out = {"executions": 0, "blocked": 0, "events": 0, "pending": [], "bugs": [], "warnings": [],
           "barriers": [], "stopped": False}
    opts = dict(opts)
    keep_going, ignore = opts.pop("collect", (False, ()))
    limit = opts.pop("limit", None)       # executions this unit may make (--max-executions)
    used = 0
    paths = [tuple(p) for p in paths]
    for i, path in enumerate(paths):
        if i > 0 and ((deadline is not None and clock() > deadline)
                      or (limit is not None and used >= limit)):
            out["pending"] += [list(p) for p in paths[i:]]
            break
        col = Collector(opts.get("memory_model", "sc"), keep_going, ignore)
        d = TruSt(program, on_bug=col, max_executions=None if limit is None else limit - used, **opts)
        d.clock = clock
        if deadline is not None and deadline > 0:
            d.on_progress = _budget_after_replay(clock, clock(), deadline)
            d.run_from(path, float("inf"))
            if d.deadline is not None and d.deadline != float("inf"):
                deadline = max(deadline, d.deadline)     # (None: the limit ended it first)
        else:
            d.run_from(path, deadline)
        if d.interrupted:
            from .runtime import Interrupted
            raise Interrupted()     # Ctrl-C in an inline unit: the coordinator stops
        out["executions"] += d.stats.executions
        out["blocked"] += d.stats.blocked
        used += d.stats.executions + d.stats.blocked
        out["events"] += d.stats.events
        out["warnings"] += list(getattr(d, "_warnings", []))
        out["barriers"] += [list(b) for b in d.__dict__.get("barrier_sites", ())]
        if d.bug_run is not None and not opts.get("keep_going") and not col.bugs:
            col(d.bug_run, d.bug_run.bug)
        out["bugs"] += [b.to_json() for b in col.bugs]
        if col.bugs and not keep_going:
            out["pending"] = []
            out["stopped"] = True
            break
        out["pending"] += [list(p) for p in d.pending()]
    out["seconds"] = time.perf_counter() - t0
    return out


def _budget_after_replay(clock, start, deadline):
    """An on_progress hook that sets the driver's deadline once the path's
    replay is over (``run_from`` was given +inf as the deadline: it is set
    when the replay ends, and the hook runs after the next execution)."""
    def hook(d):
        if d.deadline == float("inf"):
            now = clock()
            d.deadline = max(deadline, now + 2 * (now - start))
    return hook


def _pool_init(program):
    global _PROGRAM
    _PROGRAM = program
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the coordinator's to handle
    die_with_parent()


def stop_pool(pool):
    """Stop a ``multiprocessing`` pool on an error path, whatever became of its
    workers.  ``Pool.terminate()`` first takes the task queue's lock, which an
    idle worker holds while it waits for a task: one killed there (``kill -9``,
    the OOM killer, a SIGTERM to the process group) holds it for ever, and the
    command hung in ``terminate()`` instead of exiting with "a worker process
    died".  Here the pool stops replacing workers, every worker is killed, and
    the pool's exit-time finalizer (the same ``terminate()``) is cancelled; its
    handler threads are daemons and end with the process."""
    from multiprocessing import pool as mp_pool
    for h in ("_worker_handler", "_task_handler", "_result_handler"):
        t = getattr(pool, h, None)
        if t is not None:
            t._state = mp_pool.TERMINATE

    def kill_all():
        procs = list(getattr(pool, "_pool", ()))
        for p in procs:
            if p.exitcode is None:
                try:
                    p.kill()
                except (OSError, ValueError):
                    pass
        return procs

    kill_all()
    # the worker handler may be replacing a dead worker right now: once it has
    # seen TERMINATE it starts no more, and the ones it started are killed too
    # (a live one would make the interpreter's exit wait for it)
    wh = getattr(pool, "_worker_handler", None)
    if wh is not None:
        wh.join(timeout=5)
    for p in kill_all():
        try:
            p.join(timeout=2)
        except (OSError, ValueError, AssertionError):
            pass
    fin = getattr(pool, "_terminate", None)
    if fin is not None and hasattr(fin, "cancel"):
        fin.cancel()
    try:
        pool._state = mp_pool.TERMINATE
    except AttributeError:
        pass


def die_with_parent():
    """A worker whose coordinator is gone (killed, timed out) exits instead of
    exploring on for nobody."""
    import threading
    import multiprocessing
    from .runtime import REAL_EXIT
    # the coordinator's pid as it forked us: getppid() here is already 1 if the
    # coordinator was killed before this line ran, and the watch never fired
    # (a fresh-clone CI hung on a worker orphaned so, 2026-12-03)
    pp = multiprocessing.parent_process()
    parent = pp.pid if pp is not None and pp.pid else os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                # the real one: while a run is under way os._exit() is the model's
                # forbidden call (runtime.no_process_exit)
                REAL_EXIT(3)
    threading.Thread(target=watch, daemon=True).start()


# -- executors ---------------------------------------------------------------

class InlineExecutor:
    """Units run one after another in this process (checkpointing a serial run)."""

    capacity = 1

    def __init__(self, spec):
        self.spec = spec

    def submit(self, paths, budget, opts):
        return ("done", run_unit(self.spec, paths, budget, opts))

    def wait(self, futures):
        f = futures[0]
        return f, f[1]

    def close(self):
        pass


class PoolExecutor:
    """A local pool of worker processes (fork: the model need not be importable)."""

    def __init__(self, spec, jobs):
        import multiprocessing as mp
        self.capacity = jobs
        ctx = mp.get_context("fork")
        program = load_program(spec)
        self.pool = ctx.Pool(jobs, initializer=_pool_init, initargs=(program,))
        # the pool's workers never end by themselves: one that did was killed,
        # and the unit it held will never come back (Pool starts a new worker
        # and forgets the unit - waiting for it was a hang)
        self.procs = list(getattr(self.pool, "_pool", ()))

    def submit(self, paths, budget, opts):
        return self.pool.apply_async(run_unit, (None, paths, budget, opts))

    def wait(self, futures):
        n = 0
        while True:
            for f in futures:
                if f.ready():
                    return f, f.get()
            time.sleep(0.005)
            n += 1
            if n % 40 == 0:
                dead = [p for p in self.procs if p.exitcode is not None]
                if dead:
                    raise dead_worker(dead[0])

    def close(self):
        self.pool.terminate()
        self.pool.join()


class DaskExecutor:
    """Units as tasks of a Dask distributed cluster (``--cluster tcp://HOST:8786``).

    Workers import the model file by the same path, so it must be readable
    there (a shared checkout, or the same path on every machine).
    """

    def __init__(self, spec, address):
        if spec[0] != "file":
            raise ModelError("--cluster needs a model file (workers load it by path)")
        try:
            from distributed import Client
        except ImportError:
            raise ModelError("--cluster needs Dask distributed: pip install 'kcheck[cluster]'") from None
        self.spec = spec
        try:
            self.client = Client(address, timeout="20s")
        except (OSError, ValueError, TypeError) as e:
            # not kcheck's fault: no scheduler there, or an address Dask cannot parse
            raise ModelError(f"--cluster {address}: no Dask scheduler answered ({e})") from None
        info = self.client.scheduler_info()
        self.capacity = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def submit(self, paths, budget, opts):
        return self.client.submit(run_unit, self.spec, paths, budget, opts, pure=False)

    def wait(self, futures):
        from distributed import wait
        done, _ = wait(futures, return_when="FIRST_COMPLETED")
        f = next(iter(done))
        return f, f.result()

    def close(self):
        self.client.close()


# -- local workers that keep their own work -----------------------------------

class _Yield(BaseException):
    """Ends a worker's search from its progress hook (the coordinator said stop)."""


PIPE_LOST = 75       # a worker's exit code when model code closed its pipes to kcheck


def _steal_worker(wid, inbox, outbox, hungry, stop, opts):
    """A worker process of ``explore_local``: explores the paths it is sent,
    keeping everything below them to itself, and gives part of its worklist
    away only when the coordinator has an idle worker (``hungry``).  If its
    pipes to the coordinator are gone (a model that closes file descriptors it
    did not open), it exits with ``PIPE_LOST`` - no traceback, and the
    coordinator says why."""
    from .runtime import REAL_EXIT
    try:
        _steal_worker_loop(wid, inbox, outbox, hungry, stop, opts)
    except OSError:
        REAL_EXIT(PIPE_LOST)


def dead_worker(proc):
    """The ModelError a coordinator raises for worker process ``proc`` found dead."""
    from . import supervisor
    code = proc.exitcode
    if code == supervisor.WORKER_STUCK:
        said = supervisor.stuck_worker(proc.pid)
        if said:
            return ModelError(said[0], where=said[1])
    why = (": its pipes to kcheck were closed - does the model close file descriptors it "
           "did not open?" if code == PIPE_LOST else ": killed, or out of memory" if code and code < 0
           else "")
    return ModelError(f"a worker process died (exit code {code}){why}")


def _steal_worker_loop(wid, inbox, outbox, hungry, stop, opts):
    import signal
    from .runtime import KcheckSignal
    from .watchdog import Watchdog
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the coordinator's to handle
    die_with_parent()
    opts = dict(opts)
    keep_going, ignore = opts.pop("collect", (False, ()))
    # One explorer for every path this worker is sent: what it learnt of the
    # model (main()'s recorded state, the finished tasks a run may put back, the
    # first runs that run every task to catch nondeterministic model code) is
    # the same below any path, and learning it again for each hand-off was a
    # few percent of a parallel readers(15).  Its counts go on growing: each
    # message carries what grew since the last one.
    d = None
    while True:
        path = inbox.get()
        if path is None:
            return
        if d is None:
            sent = {"executions": 0, "blocked": 0, "events": 0}
        else:
            st = d.stats
            sent = {"executions": st.executions, "blocked": st.blocked, "events": st.events}
        last = [time.perf_counter()]
        # work is given away only after this much CPU time on the path: below it the
        # hand-off (a replay of the path, a message) costs more than it saves
        share_after = time.process_time() + 0.005

        def counts():
            st = d.stats
            now = {"executions": st.executions, "blocked": st.blocked, "events": st.events}
            delta = {k: now[k] - sent[k] for k in now}
            sent.update(now)
            return delta

        stopped, wanted = stop.cell, hungry.cell
        ticks = [0]

        def hook(driver):
            # called after every execution (a readers(15) run is 27 us: this is kept
            # to a few reads of the shared cells); the path's ancestors are replayed
            # first (deadline still None then) and their worklists are not this worker's
            if stopped[0]:
                raise _Yield()
            if driver.deadline is None:
                return
            if wanted[0] > 0 and time.process_time() > share_after:
                _donate(driver, hungry, outbox, wid)
            ticks[0] += 1
            if ticks[0] & 31 == 0:
                now = time.perf_counter()
                if now - last[0] > 0.25:
                    last[0] = now
                    outbox.put(("progress", wid, counts()))

        try:
            with Watchdog(), StrayExceptions() as stray:
                col = Collector(opts.get("memory_model", "sc"), keep_going, ignore)
                if d is None:
                    d = TruSt(program_of_worker(), on_bug=col, on_progress=hook, **opts)
                else:
                    d.reset_search(on_bug=col, on_progress=hook)
                try:
                    d.run_from(tuple(path), float("inf"))
                except _Yield:
                    outbox.put(("done", wid, dict(counts(), bugs=[], warnings=[], stopped=True,
                                                  barriers=[])))
                    continue
                if d.bug_run is not None and not opts.get("keep_going") and not col.bugs:
                    col(d.bug_run, d.bug_run.bug)
                res = dict(counts(), bugs=[b.to_json() for b in col.bugs],
                           warnings=list(getattr(d, "_warnings", [])),
                           stopped=bool(col.bugs) and not keep_going,
                           barriers=[list(b) for b in d.__dict__.get("barrier_sites", ())])
            stray.raise_first()
        except ModelError as e:
            d = None
            outbox.put(("error", wid, (str(e), e.where)))
            continue
        except BaseException as e:
            d = None
            # whatever else escapes comes back as an error: a worker that died
            # silently would leave the coordinator waiting
            outbox.put(("error", wid, (f"{type(e).__name__}: {e}" if str(e) else type(e).__name__,
                                       None)))
            continue
        outbox.put(("done", wid, res))


def program_of_worker():
    return _PROGRAM


def _donate(d, hungry, outbox, wid):
    """Give half of the shallowest pending items (the biggest subtrees, the
    shortest paths to replay) to the coordinator for an idle worker; keep at
    least one item."""
    levels = [lv[1] for lv in d.stack if lv[1]]
    total = sum(len(w) for w in levels)
    if total < 2:
        return
    with hungry.get_lock():
        if hungry.value <= 0:
            return
        hungry.value -= 1
    items = levels[0]
    k = max(1, len(items) // 2)
    if k >= total:
        k = total - 1
    give = items[:k]          # a level's worklist is popped from the end: these come last
    del items[:k]
    outbox.put(("donate", wid, [list(it[3]) for it in give]))


class _Outbox:
    """Messages from the workers to the coordinator, written by the sending
    worker's own thread.  A ``multiprocessing.Queue`` hands each message to a
    feeder thread, which in a busy worker waits for the GIL (up to the 5 ms
    switch interval): the second worker got its first work 6 ms after the
    first gave it away (now 0.4 ms), and every later hand-off waited as long."""

    def __init__(self, ctx):
        self._reader, self._writer = ctx.Pipe(duplex=False)
        self._lock = ctx.Lock()         # several workers write

    def put(self, msg):
        with self._lock:
            self._writer.send(msg)

    def get(self, timeout):
        if not self._reader.poll(timeout):
            raise TimeoutError
        return self._reader.recv()

    def close(self):
        self._reader.close()
        self._writer.close()


class _SharedInt:
    """An int the coordinator and its forked workers share (an anonymous shared
    mapping), with a lock for read-modify-write: what ``multiprocessing.Value``
    gives, without loading ctypes - a tenth of the set-up of a parallel search,
    which on a one-second search is what parallel costs over serial."""

    def __init__(self, ctx):
        import mmap
        self._map = mmap.mmap(-1, 8)            # MAP_SHARED | MAP_ANONYMOUS: forks see one page
        self.cell = memoryview(self._map).cast("q")     # cell[0]: the value
        self._lock = ctx.Lock()

    @property
    def value(self):
        return self.cell[0]

    @value.setter
    def value(self, v):
        self.cell[0] = v

    def get_lock(self):
        return self._lock


def explore_local(spec, jobs, opts, *, progress=None, max_executions=None, keep_going=False,
                  ignore=()):
    """Exhaustive exploration on ``jobs`` local processes that keep their work.

    Unlike units (which end on a time budget and hand everything back, so that
    whoever takes a path replays it from the root), a worker here explores its
    whole subtree and only gives work away when another worker is idle: it
    sends the coordinator half of its shallowest pending items, whose paths are
    the shortest to replay.  The set of executions is the serial one (each
    subtree is explored once, by whoever holds its path).

    Returns the same dict as ``explore_units``.
    """
    import multiprocessing as mp
    global _PROGRAM
    ctx = mp.get_context("fork")
    _PROGRAM = load_program(spec)
    opts = dict(opts, collect=(keep_going, tuple(ignore)))
    hungry = _SharedInt(ctx)
    stop = _SharedInt(ctx)
    outbox = _Outbox(ctx)
    inboxes = [ctx.SimpleQueue() for _ in range(jobs)]
    procs = [ctx.Process(target=_steal_worker, args=(i, inboxes[i], outbox, hungry, stop, opts),
                         daemon=True) for i in range(jobs)]
    for p in procs:
        p.start()
    counts = {"executions": 0, "blocked": 0, "events": 0}
    stats = _Stats(counts)
    queue = deque()
    idle = set(range(1, jobs))
    inboxes[0].put(())
    busy = {0}
    with hungry.get_lock():
        hungry.value = len(idle)
    bugs, seen, warnings = [], set(), []
    barriers = set()              # barrier sites met (--drop-barrier)
    stopped = interrupted = False
    units = 0
    error = None
    try:
        while busy:
            try:
                kind, wid, data = outbox.get(timeout=1.0)
            except Exception:
                dead = [p for i, p in enumerate(procs) if i in busy and not p.is_alive()]
                if dead:
                    e = dead_worker(dead[0])
                    error = (str(e), e.where)
                    break
                continue
            if kind == "error":
                error = data            # (message, where in the model)
                break
            if kind == "donate":
                queue.extend(tuple(p) for p in data)
            else:
                for k in ("executions", "blocked", "events"):
                    counts[k] += data[k]
            if kind == "done":
                units += 1
                busy.discard(wid)
                idle.add(wid)
                _merge(data, warnings, barriers, bugs, seen, identity)
                if data["stopped"]:
                    stopped = True
                    break
            while queue and idle:
                w = idle.pop()
                inboxes[w].put(queue.popleft())
                busy.add(w)
            if kind == "done" and wid in idle and not queue:
                with hungry.get_lock():
                    hungry.value += 1
            if progress is not None and kind != "donate":
                progress(stats)
            if max_executions is not None and counts["executions"] + counts["blocked"] >= max_executions:
                stopped = True
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        with _ctrl_c_held() as held:
            stop.value = 1
            for q in inboxes:
                q.put(None)
            for p in procs:
                p.join(timeout=0.2)
                if p.is_alive():
                    p.terminate()
                    p.join(timeout=5)
                if p.is_alive():
                    p.kill()            # SIGTERM ignored (by model code it ran)
                    p.join()
            outbox.close()
    interrupted = interrupted or held.pressed
    if error is not None:
        msg, where = error if isinstance(error, tuple) else (error, None)
        raise ModelError(msg, where=tuple(where) if where else None)
    exhaustive = not stopped and not interrupted and not queue and not busy
    return {"executions": counts["executions"], "blocked": counts["blocked"], "events": counts["events"],
            "bugs": bugs, "exhaustive": exhaustive, "interrupted": interrupted, "warnings": warnings,
            "units": units, "barriers": sorted(barriers)}


# -- the coordinator ---------------------------------------------------------

class Checkpoint:
    def __init__(self, path, every, meta):
        self.path = path
        self.every = every
        self.meta = meta
        self.last = time.perf_counter()

    def due(self):
        return self.path and time.perf_counter() - self.last >= self.every

    def write(self, counts, pending):
        """Counts and the paths still to explore, atomically (write, then rename)."""
        data = dict(self.meta, version=CHECKPOINT_VERSION, counts=counts,
                    pending=[list(p) for p in pending])
        data["digest"] = content_digest(data)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self.last = time.perf_counter()


def file_hash(path):
    """The model file's SHA-256: a checkpoint's paths only mean something for the
    model they were made with."""
    import hashlib
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def load_checkpoint(path, meta):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ModelError(f"{path}: not a kcheck checkpoint ({e})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}: not a kcheck checkpoint")
    if data.get("version") != CHECKPOINT_VERSION:
        raise ModelError(f"{path}: checkpoint version {data.get('version')} is not supported "
                         f"(this kcheck writes version {CHECKPOINT_VERSION})")
    if data.get("digest") != content_digest(data):
        raise ModelError(f"{path}: an edited or damaged checkpoint (its content does not match "
                         "the digest kcheck wrote); start again without --resume")
    for k, v in meta.items():
        if data.get(k) != v:
            if k == "model_sha256":
                raise ModelError(f"{path}: the model file changed since this checkpoint was "
                                 "written; start again without --resume")
            raise ModelError(f"{path}: the checkpoint is for {k}={data.get(k)!r}, not {v!r}")
    counts, pending = data.get("counts"), data.get("pending")
    keys = ("executions", "blocked", "events")
    if not (isinstance(counts, dict) and all(isinstance(counts.get(k), int) and counts[k] >= 0
                                             for k in keys)
            and isinstance(pending, list)
            and all(isinstance(p, list) and all(isinstance(i, int) and i >= 0 for i in p)
                    for p in pending)):
        raise ModelError(f"{path}: a damaged checkpoint (counts or pending paths are not what "
                         "kcheck writes)")
    return {k: counts[k] for k in keys}, [tuple(p) for p in pending]


def explore_units(executor, opts, *, budget=1.0, checkpoint=None, resume=None, progress=None,
                  max_executions=None, keep_going=False, ignore=()):
    """Coordinate units until the space is exhausted, a bug is found (all of them,
    with ``keep_going``), or the limit.

    Returns a dict: executions, blocked, events, bugs (bugs.BugFound as JSON),
    exhaustive, interrupted, warnings, units, barriers (the sites --drop-barrier saw).
    """
    opts = dict(opts, collect=(keep_going, tuple(ignore)))
    seen = set()
    bugs = []
    counts = {"executions": 0, "blocked": 0, "events": 0}
    queue = deque([()])
    if resume is not None:
        counts, paths = resume
        queue = deque(paths)
    inflight = {}                 # key -> (future, paths, executions it may make)
    warnings = []
    barriers = set()              # barrier sites met (--drop-barrier)
    stop = False
    units = 0
    interrupted = False
    stats = _Stats(counts)
    handing = []                  # paths taken from the queue, not yet in flight
    try:
        while queue or inflight:
            while queue and len(inflight) < executor.capacity:
                # --max-executions: a unit may make only what no other unit has been
                # promised, so the total never passes the limit, however many run
                limit = None
                if max_executions is not None:
                    free = (max_executions - counts["executions"] - counts["blocked"]
                            - sum(v[2] for v in inflight.values()))
                    if free <= 0:
                        break
                    limit = -(-free // (executor.capacity - len(inflight)))
                # hand out about an equal share of what is queued, in one unit
                share = max(1, len(queue) // (2 * executor.capacity))
                handing = [queue.popleft() for _ in range(min(share, len(queue)))]
                # the first units are short, so that every worker gets work early
                b = budget if units >= 2 * executor.capacity else min(budget, 0.1 * (units + 1))
                f = executor.submit([list(p) for p in handing], b,
                                    opts if limit is None else dict(opts, limit=limit))
                inflight[_key(f)] = (f, handing, limit or 0)
                handing = []
            if not inflight:
                break
            f, res = executor.wait([v[0] for v in inflight.values()])
            inflight.pop(_key(f))
            if "error" in res:
                executor.close()
                where = res.get("where")
                raise ModelError(res["error"], where=tuple(where) if where else None)
            units += 1
            for k in ("executions", "blocked", "events"):
                counts[k] += res[k]
            _merge(res, warnings, barriers, bugs, seen, identity)
            if res["stopped"]:
                stop = True
                break
            queue.extend(tuple(p) for p in res["pending"])
            if progress is not None:
                progress(stats)
            if checkpoint is not None and checkpoint.due():
                checkpoint.write(counts, list(queue) + [p for v in inflight.values() for p in v[1]])
            if max_executions is not None and counts["executions"] + counts["blocked"] >= max_executions:
                break
    except KeyboardInterrupt:
        interrupted = True
    with _ctrl_c_held() as held:
        left = handing + list(queue) + [p for v in inflight.values() for p in v[1]]
        if checkpoint is not None and checkpoint.path and not stop:
            checkpoint.write(counts, left)
        executor.close()
    interrupted = interrupted or held.pressed
    return {"executions": counts["executions"], "blocked": counts["blocked"], "events": counts["events"],
            "bugs": bugs, "exhaustive": not stop and not left and not interrupted,
            "interrupted": interrupted, "warnings": warnings, "units": units,
            "barriers": sorted(barriers)}


class _ctrl_c_held:
    """While the workers are stopped and the counts gathered: a second Ctrl-C
    (a user pressing twice, or the terminal's press reaching the coordinator
    after a worker's) is held back, so that the summary of what was covered -
    and the checkpoint - is not lost to it.  The cleanup is bounded (0.2 s per
    worker, then terminate); the press still counts: the search says
    it was interrupted."""

    pressed = False

    def __enter__(self):
        import signal
        import threading
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGINT, self._pressed)
        return self

    def _pressed(self, signum, frame):
        from . import runtime
        runtime.PRESSED = self.pressed = True

    def __exit__(self, *exc):
        if self.old is not None:
            import signal
            signal.signal(signal.SIGINT, self.old)
        return False


def _key(f):
    return id(f) if not isinstance(f, tuple) else id(f[1])


class _Stats:
    """What a progress callback reads (executions, blocked, events)."""

    def __init__(self, counts):
        self._c = counts
        self.started = time.perf_counter()

    @property
    def stats(self):
        return self

    @property
    def executions(self):
        return self._c["executions"]

    @property
    def blocked(self):
        return self._c["blocked"]

    @property
    def events(self):
        return self._c["events"]


def estimate(program, opts, walks=20, seed=0, seconds=5.0):
    """Knuth's estimator of the number of executions (GenMC prints the same
    kind of estimate before a long run): random walks down the search tree,
    each step to one of the current node's child items picked uniformly; a
    walk that meets c1, c2, ... children estimates 1 + c1 (1 + c2 (1 + ...)).

    It walks for ``seconds`` and at least ``walks`` times.  The estimate is
    unbiased but heavy-tailed: the few walks into the large subtrees carry the
    mean, so a handful of walks is typically far too low.  On the TDP MMU's
    cells, 20 walks said 948 for a search of 102,403 executions and 983 for
    one of 291,588; 5 s of walks (260-480 walks) said 39,927 and 372,279.
    The walks are dealt into five groups whose means are returned as the
    spread: how far apart they are is how little one figure means.  Returns
    (mean estimate, walks done, (lowest group mean, highest group mean))."""
    import random
    rng = random.Random(seed)
    t0 = time.perf_counter()
    total = 0.0
    done = 0
    seen = set()
    groups = [[0.0, 0] for _ in range(5)]
    while done < walks or time.perf_counter() - t0 < seconds:
        if done >= max(walks, 20) and len(seen) == 1:
            break       # every walk said the same: a search this regular has nothing more to say
        path = ()
        factors = []
        while True:
            d = TruSt(program, **opts)
            d.run_from(path, deadline=0.0)        # rebuild the node, explore nothing below
            if d.bug_run is not None:
                break
            children = d.pending()
            if not children:
                break
            factors.append(len(children))
            path = children[rng.randrange(len(children))]
        est = 0.0
        for c in reversed(factors):
            est = c * (1 + est)
        total += 1 + est
        grp = groups[done % 5]
        grp[0] += 1 + est
        grp[1] += 1
        done += 1
        if len(seen) < 2:
            seen.add(est)
    means = [t / n for t, n in groups if n]
    return total / max(done, 1), done, (min(means, default=0.0), max(means, default=0.0))
