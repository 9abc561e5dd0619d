"""The public entry points: ``spawn`` and friends for models, ``check`` to explore."""

from __future__ import annotations

from typing import Callable

from .engine import runtime as _rt
from .engine.runtime import ModelError
from .report.result import Result, BugReport


def _run():
    r = _rt.CURRENT
    if r is None:
        raise ModelError("kcheck functions only work while kcheck runs a model")
    return r


def spawn(fn, *args, name=None, setup=False):
    """Start a task running ``fn(*args)`` (from ``main()``).

    ``setup=True`` marks a task that only prepares state the others start
    from: a trace shows its steps folded into one line, since every
    interleaving starts the same way.  It is a mark for traces, not an
    ordering: the other tasks must ``join()`` it themselves before they use
    what it prepares (a task that does not may run first, as any task may)."""
    r = _rt.CURRENT
    if r is None:
        _run()
    if not callable(fn):
        raise ModelError(f"spawn({fn!r}, ...): a task needs a function to run")
    t = r.spawn_static(fn, args, name)
    t.setup = setup
    t.done = _rt.Loc(0, None, f"{t.name}.done")
    return t


NONDET_MAX = 1 << 12


def nondet(n=2):
    """A value in ``range(n)`` chosen by the explorer; every value is explored
    (so ``n`` is a count of branches: 1 to NONDET_MAX)."""
    if n.__class__ is not int or not 1 <= n <= NONDET_MAX:
        raise _rt.ModelError(f"nondet({n!r}): the number of values must be an int from 1 to "
                             f"{NONDET_MAX} (each one is explored)")
    return _run().choice(n, f"nondet({n})")


def assume(cond):
    """Discard executions in which ``cond`` is false."""
    if not cond:
        _run().discard()


def join(task):
    """Wait until ``task`` has finished."""
    r = _run()
    if task.done is None:
        raise ModelError(f"join({task.name}): only tasks started by spawn() can be joined")
    r.wait_exit(task, f"join({task.name})")


def current():
    return _run().cur


def check(main: Callable, *, memory_model="sc", strategy="dpor", max_executions=None,
          step_bound=2000, preemption_bound=None, seed=0, races="warn", progress=None,
          minimize=True, executions=None, depth=3, drop_barriers=(), jobs=1, cluster=None,
          checkpoint=None, checkpoint_every=30.0, resume=None, estimate=False, spec=None,
          keep_going=False, ignore=()) -> Result:
    """Explore ``main`` and return a ``Result`` (see the CLI for the options).

    ``keep_going``: go on past bugs and report every distinct one (``Result.bugs``);
    ``ignore``: bug kinds not to report (``("leak",)``)."""
    import time
    from .engine import search
    from .report import build
    t0 = time.perf_counter()
    from .engine.stray import StrayExceptions
    with StrayExceptions() as stray:
        outcome = search.explore(main, memory_model=memory_model, strategy=strategy,
                                 max_executions=max_executions, step_bound=step_bound,
                                 preemption_bound=preemption_bound, seed=seed, races=races,
                                 progress=progress, executions=executions, depth=depth,
                                 drop_barriers=drop_barriers, jobs=jobs, cluster=cluster,
                                 checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                                 resume=resume, estimate=estimate, spec=spec,
                                 keep_going=keep_going, ignore=ignore)
    stray.raise_first()
    res = build.result(main, outcome, memory_model=memory_model, strategy=strategy,
                       step_bound=step_bound, races=races, minimize=minimize,
                       drop_barriers=drop_barriers, started=t0)
    res.ignored = tuple(sorted(set(ignore)))
    return res


def replay(main: Callable, schedule: str, *, step_bound=2000, races="warn", drop_barriers=(),
           memory_model="sc", keep_going=False, ignore=()) -> Result:
    """Run one schedule (a string from a bug report) and report what it finds
    (``keep_going``/``ignore``: as the check that found it)."""
    from .report.build import replay as _replay
    return _replay(main, schedule, step_bound=step_bound, races=races, drop_barriers=drop_barriers,
                   memory_model=memory_model, keep_going=keep_going, ignore=ignore)
