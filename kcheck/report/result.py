"""What a check returns: the ``Result``, and a ``BugReport`` per bug.

Plain data with a JSON form (docs/reference/json.md) and a text form
(``report/text.py``); ``kcheck.check`` and the CLI build them from the
engine's ``Outcome`` (``report/build.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

#: What an exhaustive LKMM exploration leaves out, said wherever it says "exhaustive".
LKMM_EXCLUDES = ("load buffering: executions with a cycle in po | rf (the explorer builds "
                 "executions in program order and reads-from order, as GenMC does)")


@dataclass
class BugReport:
    kind: str
    message: str
    task: Optional[str]
    trace: str
    schedule: str | None             # None when the bug did not replay (then no replay line);
                                     # "" replays main() alone, the tasks going on by themselves
    events: list = field(default_factory=list)
    context_switches: int = 0
    where: Optional[str] = None      # file:line in the model where the bug shows, when known
    memory_model: str = "sc"         # what `kcheck replay` needs to reproduce it
    lanes: list = field(default_factory=list)   # the tasks, in the text trace's column order
    # LKMM: the data races of the bug's own execution (a racy program has no
    # defined outcome there, so the bug may be the race's)
    races: list = field(default_factory=list)
    # a model error's exception, with its traceback (``--debug`` prints it; not in JSON)
    exc: Optional[BaseException] = field(default=None, repr=False, compare=False)

    def to_json(self):
        return {"kind": self.kind, "message": self.message, "task": self.task,
                "trace": self.trace, "schedule": self.schedule, "events": self.events,
                "context_switches": self.context_switches, "where": self.where,
                "memory_model": self.memory_model, "lanes": self.lanes, "races": self.races}


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
    bugs: list = field(default_factory=list)     # every distinct bug (--keep-going); bug is bugs[0]
    ran_past: int = field(default=0, repr=False)   # a replay: events made after the schedule ran out
    barriers: set = field(default_factory=set, repr=False)   # barriers met, with --drop-barrier:
    #                                         (name, function, file:line); not in the JSON
    ignored: tuple = ()     # bug kinds the check was asked not to report (--ignore)

    @property
    def exit_code(self):
        """The CLI's exit code for this result: 2 a model error, 1 a bug, 130 cut
        short by Ctrl-C, 0 no bug in a run that ended on its own."""
        if any(b.kind == "model-error" for b in self.bugs):
            return 2
        if self.bug is not None:
            return 1
        return 130 if self.interrupted else 0

    @property
    def excludes(self):
        """Classes of executions the exploration does not cover, even when exhaustive."""
        return [LKMM_EXCLUDES] if self.memory_model == "lkmm" else []

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
                "excludes": self.excludes,
                "memory_model": self.memory_model, "strategy": self.strategy,
                "executions": self.executions, "blocked": self.blocked, "events": self.events,
                "seconds": round(self.seconds, 4), "bound": self.bound,
                "interrupted": self.interrupted, "distinct_traces": self.distinct,
                "estimate": self.estimate, "jobs": self.jobs, "peak_rss_mb": self.peak_rss_mb,
                "warnings": self.warnings, "ignored": list(self.ignored),
                "bug": self.bug.to_json() if self.bug else None,
                "bugs": [b.to_json() for b in self.bugs]}

    def format(self, path="FILE", extra="", command=None):
        from .text import format_result
        return format_result(self, path, extra, command)
