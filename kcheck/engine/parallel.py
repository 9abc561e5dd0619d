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
* the same units run on a local process pool (``--jobs``) or on a Dask
  cluster (``--cluster``); Dask gives the scheduler, the transport and the
  failure handling, which is why we use it rather than a home-made protocol;
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
from .bugs import Collector, identity

CHECKPOINT_VERSION = 1


# -- the worker side ---------------------------------------------------------

_PROGRAM = None   # set in forked pool workers


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
    ended the search), seconds; or ``{"error": message}`` for a model error
    (nondeterminism, bad API use), which the coordinator re-raises.
    """
    from .runtime import KcheckSignal
    from .watchdog import Watchdog
    try:
        with Watchdog():
            return _run_unit(spec, paths, budget, opts)
    except (ModelError, KcheckSignal, RecursionError) as e:
        return {"error": str(e)}


def _run_unit(spec, paths, budget, opts):
    program = _PROGRAM if spec is None else load_program(spec)
    t0 = time.perf_counter()
    deadline = t0 + budget if budget else None
    out = {"executions": 0, "blocked": 0, "events": 0, "pending": [], "bugs": [], "warnings": [],
           "stopped": False}
    opts = dict(opts)
    keep_going, ignore = opts.pop("collect", (False, ()))
    paths = [tuple(p) for p in paths]
    for i, path in enumerate(paths):
        if deadline is not None and time.perf_counter() > deadline and i > 0:
            out["pending"] += [list(p) for p in paths[i:]]
            break
        col = Collector(opts.get("memory_model", "sc"), keep_going, ignore)
        d = TruSt(program, on_bug=col, **opts)
        d.run_from(path, deadline)
        out["executions"] += d.stats.executions
        out["blocked"] += d.stats.blocked
        out["events"] += d.stats.events
        out["warnings"] += list(getattr(d, "_warnings", []))
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


def _pool_init(program):
    global _PROGRAM
    _PROGRAM = program
    _die_with_parent()


def _die_with_parent():
    """A worker whose coordinator is gone (killed, timed out) exits instead of
    exploring on for nobody."""
    import threading
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)
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

    def submit(self, paths, budget, opts):
        return self.pool.apply_async(run_unit, (None, paths, budget, opts))

    def wait(self, futures):
        while True:
            for f in futures:
                if f.ready():
                    return f, f.get()
            time.sleep(0.005)

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
        self.client = Client(address, timeout="20s")
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
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self.last = time.perf_counter()


def load_checkpoint(path, meta):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ModelError(f"{path}: not a kcheck checkpoint ({e})") from None
    if data.get("version") != CHECKPOINT_VERSION:
        raise ModelError(f"{path}: checkpoint version {data.get('version')} is not supported")
    for k, v in meta.items():
        if data.get(k) != v:
            raise ModelError(f"{path}: the checkpoint is for {k}={data.get(k)!r}, not {v!r}")
    return data["counts"], [tuple(p) for p in data["pending"]]


def explore_units(executor, opts, *, budget=1.0, checkpoint=None, resume=None, progress=None,
                  max_executions=None, keep_going=False, ignore=()):
    """Coordinate units until the space is exhausted, a bug is found (all of them,
    with ``keep_going``), or the limit.

    Returns a dict: executions, blocked, events, bugs (bugs.BugFound as JSON),
    exhaustive, interrupted, warnings, units.
    """
    opts = dict(opts, collect=(keep_going, tuple(ignore)))
    seen = set()
    bugs = []
    counts = {"executions": 0, "blocked": 0, "events": 0}
    queue = deque([()])
    if resume is not None:
        counts, paths = resume
        queue = deque(paths)
    inflight = {}
    warnings = []
    stop = False
    units = 0
    interrupted = False
    stats = _Stats(counts)
    try:
        while queue or inflight:
            while queue and len(inflight) < executor.capacity:
                # hand out about an equal share of what is queued, in one unit
                share = max(1, len(queue) // (2 * executor.capacity))
                paths = [queue.popleft() for _ in range(min(share, len(queue)))]
                # the first units are short, so that every worker gets work early
                b = budget if units >= 2 * executor.capacity else min(budget, 0.1 * (units + 1))
                f = executor.submit([list(p) for p in paths], b, opts)
                inflight[_key(f)] = (f, paths)
            f, res = executor.wait([v[0] for v in inflight.values()])
            inflight.pop(_key(f))
            if "error" in res:
                executor.close()
                raise ModelError(res["error"])
            units += 1
            for k in ("executions", "blocked", "events"):
                counts[k] += res[k]
            for w in res.get("warnings", []):
                if w not in warnings:
                    warnings.append(w)
            for b in res["bugs"]:
                key = identity(b["kind"], b["message"])
                if key not in seen:
                    seen.add(key)
                    bugs.append(b)
            if res["stopped"]:
                stop = True
                break
            queue.extend(tuple(p) for p in res["pending"])
            if progress is not None:
                progress(stats)
            if checkpoint is not None and checkpoint.due():
                checkpoint.write(counts, list(queue) + [p for _, ps in inflight.values() for p in ps])
            if max_executions is not None and counts["executions"] + counts["blocked"] >= max_executions:
                break
    except KeyboardInterrupt:
        interrupted = True
    left = list(queue) + [p for _, ps in inflight.values() for p in ps]
    if checkpoint is not None and checkpoint.path and not stop:
        checkpoint.write(counts, left)
    executor.close()
    return {"executions": counts["executions"], "blocked": counts["blocked"], "events": counts["events"],
            "bugs": bugs, "exhaustive": not stop and not left and not interrupted,
            "interrupted": interrupted, "warnings": warnings, "units": units}


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
    Returns (mean estimate, walks done)."""
    import random
    rng = random.Random(seed)
    t0 = time.perf_counter()
    total = 0.0
    done = 0
    while done < walks and (done == 0 or time.perf_counter() - t0 < seconds):
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
        done += 1
    return total / max(done, 1), done
