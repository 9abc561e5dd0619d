"""Objects on a function's stack whose address other tasks get.

``DECLARE_COMPLETION_ONSTACK(done)``, ``INIT_WORK_ONSTACK()``, a ``struct``
local handed to a worker: the kernel's pattern of waiting, on the stack, for
another context to signal.  When the waiter gives up (a timeout, an error
path) and its function returns while the other context still holds the
address, that context's ``complete()`` writes a dead frame - KASAN's
stack-use-after-return.  A Python model had no way to say that a kernel
object lives on a stack, so such a model passed where the same C failed (a
review: lpfc's ``tport_unreg_cmp`` after a timed-out
``wait_for_completion_timeout()``).

A Python function's locals are not memory, so the lifetime is a ``with``
block::

    with DECLARE_COMPLETION_ONSTACK("done") as done:
        queue_request(req, done)
        if not wait_for_completion_timeout(done, HZ):
            return -ETIMEDOUT        # the block ends: done's frame is gone

The block's end is the function's return: the object is freed there, as C
locals are when their function returns, and an access another task makes
after it, or that nothing orders before it, is a ``use-after-free`` that
names the function (``... after its scope ended (fn() returned; KASAN:
stack-use-after-return)``).  A stack object is never a leak.  A block left
by an exception (a bug that stopped the task) frees nothing.
"""

from __future__ import annotations

import sys

from ._core import run, KObject, ModelError
from .struct import KStruct

_HOLDERS = {}


def _holder(fn, name, cls):
    """A struct type standing for ``fn``'s frame holding ``cls name`` (cached)."""
    key = (fn, name, cls)
    h = _HOLDERS.get(key)
    if h is None:
        h = _HOLDERS[key] = type(fn, (KStruct,), {"__annotations__": {name: cls},
                                                  "_on_stack_": True,
                                                  "__module__": __name__})
    return h


def _local(cls):
    """``cls`` as a struct on a stack: a subclass that says so (cached)."""
    h = _HOLDERS.get(cls)
    if h is None:
        h = _HOLDERS[cls] = type(cls.__name__, (cls,), {"_on_stack_": True,
                                                        "__module__": cls.__module__})
    return h


class _OnStack:
    __slots__ = ("fn", "obj", "inner")

    def __init__(self, fn, obj, inner):
        self.fn = fn
        self.obj = obj
        self.inner = inner

    def __enter__(self):
        return self.inner

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            run().free(self.obj, f"{self.fn}() returns")
        return False


def on_stack(cls, name=None, /, **init):
    """A ``cls`` local of the calling function (``struct cls name;``) that lives
    until the ``with`` block ends.  ``cls``: a ``KStruct`` (the block gives the
    struct) or a kernel object type such as ``completion`` or ``work_struct``
    (the block gives the object).  ``name``: the local's name, for traces."""
    r = run()
    if r.cur is None:
        raise ModelError("on_stack(): main() builds the initial state; a stack object "
                         "belongs to a task's function")
    fn = sys._getframe(1).f_code.co_name
    if fn.endswith("_ONSTACK"):         # called through DECLARE_COMPLETION_ONSTACK() & co.
        fn = sys._getframe(2).f_code.co_name
    if isinstance(cls, type) and issubclass(cls, KStruct):
        obj = _local(cls)(**init)
        object.__setattr__(obj, "_n", f"{fn}.{name}" if name else f"{fn}'s {cls.__name__}")
        inner = obj
    elif isinstance(cls, type) and issubclass(cls, KObject) and hasattr(cls, "_embed"):
        if init:
            raise ModelError(f"on_stack({cls.__name__}, ...): a {cls.__name__} takes no fields")
        var = name or cls.__name__
        obj = _holder(fn, var, cls)()
        object.__setattr__(obj, "_n", f"{fn}.{var}")       # the local, as C names it
        object.__setattr__(obj, "_frame_", fn)              # its words: fn.var.done
        inner = getattr(obj, var)
    else:
        raise ModelError(f"on_stack({cls!r}): a KStruct type or a kernel object type "
                         "(completion, work_struct, ...)")
    r.alloc(obj, f"{name or cls.__name__} on {fn}()'s stack")
    r.noleak.add(obj._oid)
    return _OnStack(fn, obj, inner)


def DECLARE_COMPLETION_ONSTACK(name="done"):
    """``with DECLARE_COMPLETION_ONSTACK("done") as done:`` - a completion on the
    caller's stack (initialised, as the macro does), freed when the block ends."""
    from .completion import completion, init_completion
    cm = on_stack(completion, name)
    init_completion(cm.inner)
    return cm


def INIT_WORK_ONSTACK(work, fn):
    """``INIT_WORK()`` of a work item on a stack (``on_stack(work_struct)``): the
    kernel's form only tells debugobjects so.  Flush it before the block ends."""
    from .workqueue import INIT_WORK
    INIT_WORK(work, fn)


def destroy_work_on_stack(work):
    """debugobjects' end of an on-stack work item: nothing to model."""


__all__ = ["on_stack", "DECLARE_COMPLETION_ONSTACK", "INIT_WORK_ONSTACK", "destroy_work_on_stack"]
