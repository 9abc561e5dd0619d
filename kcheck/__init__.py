"""kcheck: model checking for Linux-kernel-style concurrency.

Layers (as in trio: private engine, thin public namespaces):

* ``kcheck``          - this module: ``spawn``, ``check``, ``nondet``, ``assume``,
                        ``join``, ``current`` and the ``Result`` of a check;
* ``kcheck.kernel``   - the kernel primitives a model is written with;
* ``kcheck.models``   - models that ship with kcheck (the KVM TDP MMU);
* ``kcheck.engine``   - internal: runtime, execution graphs, exploration,
                        memory models, detectors.  May change without notice.
* ``kcheck.report``   - internal: traces, schedules, minimization, JSON.
"""

from .api import spawn, nondet, assume, join, current, check, replay, Result, BugReport

__all__ = ["spawn", "nondet", "assume", "join", "current", "check", "replay", "Result", "BugReport"]
__version__ = "0.1.0"
