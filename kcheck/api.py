"""The public entry points: ``spawn`` and friends for models, ``check`` to explore."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from .engine import runtime as _rt
from .engine.runtime import ModelError, NO_WRITE, BLOCK
from .engine.graph import MARKED, ACQUIRE, AWAIT


def _run():
    r = _rt.CURRENT
    if r is None:
        raise ModelError("kcheck functions only work while kcheck runs a model")
    return r


def spawn(fn, *args, name=None, setup=False):
    """Start a task running ``fn(*args)`` (from ``main()``).

    ``setup=True`` marks a task that only prepares state the others start
    from (they join it first): a trace shows its steps folded into one line,
    since every interleaving starts the same way."""
    r = _run()
    t = r.spawn_static(fn, args, name)
    t.setup = setup
    from .engine.runtime import Loc
    t.done = Loc(0, None, f"{t.name}.done")
    return t


def nondet(n=2):
    """A value in ``range(n)`` chosen by the explorer; every value is explored."""
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
    r.rmw(task.done, lambda v: NO_WRITE if v else BLOCK, MARKED | ACQUIRE | AWAIT, f"join({task.name})")


def current():
    return _run().cur


@dataclass
class BugReport:
    kind: str
    message: str
    task: Optional[str]
    trace: str
    schedule: str
    events: list = field(default_factory=list)
    context_switches: int = 0
    where: Optional[str] = None      # file:line in the model where the bug shows, when known

    def to_json(self):
        return {"kind": self.kind, "message": self.message, "task": self.task,
                "trace": self.trace, "schedule": self.schedule, "events": self.events,
                "context_switches": self.context_switches, "where": self.where}


@dataclass
class Result:
    verdict: str
    exhaustive: bool
    memory_model: str
    strategy: str
    executions: int
    blocked: int
    events: int
    seconds: float
    bug: Optional[BugReport] = None
    warnings: list = field(default_factory=list)
    bound: Optional[str] = None
    interrupted: bool = False
    distinct: Optional[int] = None
    estimate: Optional[float] = None
    jobs: int = 1

    @property
    def peak_rss_mb(self):
        """Peak resident memory of this process and of its worker processes, in MiB."""
        import resource
        kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                 resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        return round(kb / 1024, 1)

    @property
    def events_per_second(self):
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def to_json(self):
        return {"verdict": self.verdict, "exhaustive": self.exhaustive,
                "memory_model": self.memory_model, "strategy": self.strategy,
                "executions": self.executions, "blocked": self.blocked, "events": self.events,
                "seconds": round(self.seconds, 4), "bound": self.bound,
                "interrupted": self.interrupted, "distinct_traces": self.distinct,
                "estimate": self.estimate, "jobs": self.jobs, "peak_rss_mb": self.peak_rss_mb,
                "warnings": self.warnings,
                "bug": self.bug.to_json() if self.bug else None}

    def format(self):
        from .report.text import format_result
        return format_result(self)


def check(main: Callable, *, memory_model="sc", strategy="dpor", max_executions=None,
          step_bound=2000, preemption_bound=None, seed=0, races="warn", progress=None,
          minimize=True, executions=None, depth=3, drop_barriers=(), jobs=1, cluster=None,
          checkpoint=None, checkpoint_every=30.0, resume=None, estimate=False, spec=None) -> Result:
    """Explore ``main`` and return a ``Result`` (see the CLI for the options)."""
    from .report.build import explore
    return explore(main, memory_model=memory_model, strategy=strategy,
                   max_executions=max_executions, step_bound=step_bound,
                   preemption_bound=preemption_bound, seed=seed, races=races,
                   progress=progress, minimize=minimize, executions=executions, depth=depth,
                   drop_barriers=drop_barriers, jobs=jobs, cluster=cluster, checkpoint=checkpoint,
                   checkpoint_every=checkpoint_every, resume=resume, estimate=estimate, spec=spec)


def replay(main: Callable, schedule: str, *, step_bound=2000, races="warn", drop_barriers=()) -> Result:
    """Run one schedule (a string from a bug report) and report what it finds."""
    from .report.build import replay as _replay
    return _replay(main, schedule, step_bound=step_bound, races=races, drop_barriers=drop_barriers)
