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

__all__ = ["spawn", "nondet", "assume", "join", "current", "check", "replay", "Result", "BugReport"]
__version__ = "0.1.0"

_SUBPACKAGES = ("api", "kernel", "models", "engine", "report", "c", "litmus", "cli")


def __getattr__(name):
    """The public names load ``kcheck.api`` (and with it the engine) on first use.

    ``import kcheck`` itself stays light so that the ``kcheck`` command can
    take Ctrl-C from its first moments (kcheck/cli.py installs its handler
    before it imports the engine): an interrupt during those imports printed
    Python's traceback."""
    if name in __all__:
        from . import api
        value = getattr(api, name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))
