"""A bug found by a search, as plain data: what it is and how to get it back.

A bug travels as the schedule that replays it (``schedule.of_bug``), so it
can be kept while the search goes on (graphs change in place), sent from a
worker process to the coordinator, and turned into a minimized trace by the
report layer, which replays it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import schedule as S


@dataclass
class BugFound:
    """A bug, and how to get it back: replay ``schedule`` under ``memory_model``."""

    kind: str
    message: str
    schedule: str
    memory_model: str
    task: str | None = None
    keep_going: bool = False     # found in a run that went on past bugs: replay it the same way

    def to_json(self):
        return {"kind": self.kind, "message": self.message, "schedule": self.schedule,
                "memory_model": self.memory_model, "task": self.task, "keep_going": self.keep_going}


_ADDR = re.compile(r"#\d+|0x[0-9a-f]+")


def identity(kind, message):
    """A bug's identity: its kind and the first line of its message, object
    numbers and addresses left out (they differ between interleavings and
    processes; under pytest an ``assert`` carries an explanation on later lines)."""
    return kind, _ADDR.sub("#", message.split("\n", 1)[0])


def record(run, bug, memory_model):
    """A bug of ``run`` as plain data, while the run's graph is current (graphs
    change in place as the search goes on)."""
    saved = run.bug
    run.bug = bug
    try:
        steps = S.of_bug(run, lkmm=memory_model == "lkmm")
    finally:
        run.bug = saved
    return BugFound(bug.kind, bug.message, S.encode(steps), memory_model,
                    bug.task.name if bug.task is not None else None, run.keep_going)


class Collector:
    """What --keep-going keeps: the first execution of each distinct bug."""

    def __init__(self, memory_model, keep_going, ignore):
        self.memory_model = memory_model
        self.keep_going = keep_going
        self.ignore = frozenset(ignore)
        self.bugs = []
        self.seen = set()

    def __call__(self, run, bug):
        """on_bug: record it; True stops the search."""
        if bug.kind in self.ignore:
            return False
        key = identity(bug.kind, bug.message)
        if key not in self.seen:
            self.seen.add(key)
            self.bugs.append(record(run, bug, self.memory_model))
        return not self.keep_going
