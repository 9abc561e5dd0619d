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

#: Every kind of bug kcheck reports, with what the kernel would print or do.
#: ``--ignore KIND`` and ``check(ignore=...)`` take these names (a model error
#: is not a bug of the model's code and cannot be ignored).  A test checks that
#: every kind the sources raise is listed here.
KINDS = {
    "use-after-free": "KASAN: use-after-free (a freed object, an ended stack frame)",
    "double-free": "KASAN: double-free",
    "invalid-free": "KASAN: invalid-free (a pointer that is not an object's start)",
    "slab-out-of-bounds": "KASAN: an access past a heap object",
    "global-out-of-bounds": "KASAN: an access past a global",
    "stack-out-of-bounds": "KASAN: an access past a local",
    "out-of-bounds": "a CPU number past nr_cpu_ids",
    "uninit-value": "KMSAN: a load of memory no store has written before it",
    "null-deref": "BUG: kernel NULL pointer dereference",
    "page-fault": "BUG: unable to handle page fault",
    "gpf": "general protection fault (LIST_POISON and other non-canonical addresses)",
    "divide-error": "divide error: division by zero",
    "leak": "kmemleak: an object nothing frees or points to",
    "refcount-warn": "refcount_t: saturated, underflow, addition on 0 or use-after-free",
    "warn": "WARN_ON and the model's own asserts",
    "bug-on": "kernel BUG at ... (BUG_ON): the task stops there",
    "deadlock": "tasks that wait on each other for ever",
    "lost-wakeup": "a sleeper whose condition became true and nobody woke",
    "livelock": "a task that runs for ever without progress",
    "stack-overflow": "a recursion deeper than a kernel stack holds (BUG: stack guard page was hit)",
    "data-race": "KCSAN: a plain access racing with another access",
    "lockdep": "lockdep: an inconsistent lock state or order",
    "sleep-in-atomic": "BUG: sleeping function called from invalid context",
    "sleep-in-rcu": "a voluntary context switch within an RCU read-side critical section",
    "suspicious-rcu-usage": "lockdep: suspicious rcu_dereference_check() usage",
    "held-at-exit": "lockdep: a task exits with locks held",
    "preemptible-percpu": "BUG: using smp_processor_id() in preemptible code",
    "stale-mapping": "the TDP MMU model: a guest access to a page the MMU notifier took away",
}


def unknown_kinds(kinds):
    """The names in ``kinds`` that are not bug kinds (for --ignore and check())."""
    return [k for k in kinds if k not in KINDS]


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


def distinct_key(kind, message):
    """What tells two bugs of a --keep-going search apart: ``identity``, but a
    data race by its location alone - the same race is met with its two
    accesses in either order ("load x in A and store x in B" / "store x in B
    and load x in A"), and a report of one race must not settle for another
    location's (a replay that met m.ready's race first printed it three
    times in place of m.data's)."""
    k = identity(kind, message)
    if kind == "data-race":
        return kind, k[1].split(": ", 1)[0]
    return k


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
        key = distinct_key(bug.kind, bug.message)
        if key not in self.seen:
            self.seen.add(key)
            self.bugs.append(record(run, bug, self.memory_model))
        return not self.keep_going
