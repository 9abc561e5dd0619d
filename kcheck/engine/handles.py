"""What a Python task holds without reading shared memory: the objects whose
accesses cannot be taken to depend on a pointer the task read.

Under the LKMM a Python model's address dependencies are guessed: once a
task has read a pointer to an object, its later accesses to that object are
taken to go through that pointer (``Run._handle``), as ``p = rcu_dereference
(gp); READ_ONCE(p->v)`` does in C.  Python cannot say how the task got the
object, so the guess is wrong when the task had it already - a closure
variable, an argument, a module global - and reached it that way: C's
``if (p == &x) r = READ_ONCE(x.v)`` has no address dependency, and a guessed
one would forbid executions the LKMM allows (a missed bug).  So an object the
task can reach from its function and arguments, through Python values alone
(closures, defaults, the globals its code names, containers, plain
attributes - never through a kernel object's memory), gets no guessed
dependency: at worst a model loses an ordering C would have, which can only
add executions (a bug the real LKMM may forbid, never a missed one).

Objects that come into being later and reach the task only through memory -
the updater's new node behind ``rcu_assign_pointer`` - keep the dependency.
A model that hands objects to a task through Python state that is not
memory (a module-level dict filled at run time) defeats this; write such a
model in C, where dependencies are exact.
"""

from __future__ import annotations

import os
import sys
import types

# Past this many Python values the search stops and the task is taken to hold
# every object (no guessed dependency at all): sound, and it never hangs.
LIMIT = 20000

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))      # kcheck/
_MODELS = os.path.join(_PKG, "models") + os.sep
_LIBS = tuple({os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})

_ENGINE = "kcheck.engine"
_ATOMS = (int, float, complex, str, bytes, bool, type(None), range, type(Ellipsis))


def _model_code(fn):
    """Is ``fn`` the model's own code (whose globals and closures lead to its
    objects), not kcheck's or a library's?"""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    path = os.path.abspath(code.co_filename)
    if path.startswith(_PKG + os.sep):
        return path.startswith(_MODELS)
    return not path.startswith(_LIBS)


def _names(code):
    """The global names ``code`` and the functions nested in it use."""
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out |= _names(c)
    return out


def held(roots, oid_of, loc_class):
    """``(oids, lids)`` the roots reach without a memory read, or None when
    there are more than LIMIT values to look at (then: every object)."""
    oids = set()
    lids = set()
    seen = set()
    stack = list(roots)
    while stack:
        x = stack.pop()
        if isinstance(x, _ATOMS):
            continue
        i = id(x)
        if i in seen:
            continue
        seen.add(i)
        if len(seen) > LIMIT:
            return None
        if x.__class__ is loc_class:
            lids.add(x.lid)
            continue
        oid = oid_of(x)
        if oid is not None:
            # a kernel object: itself, not what its memory holds
            oids.add(oid)
            continue
        if isinstance(x, (dict, types.MappingProxyType)):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, (list, tuple, set, frozenset)):
            stack.extend(x)
        elif isinstance(x, (types.FunctionType, types.LambdaType)):
            if not _model_code(x):
                continue
            for cell in x.__closure__ or ():
                try:
                    stack.append(cell.cell_contents)
                except ValueError:          # an empty cell
                    pass
            stack.extend(x.__defaults__ or ())
            stack.extend((x.__kwdefaults__ or {}).values())
            g = x.__globals__
            for n in _names(x.__code__):
                if n in g:
                    stack.append(g[n])
        elif isinstance(x, types.MethodType):
            stack.append(x.__func__)
            stack.append(x.__self__)
        elif isinstance(x, (types.ModuleType, type, types.BuiltinFunctionType,
                            types.CodeType, types.FrameType, types.GeneratorType)):
            continue
        else:
            func = getattr(x, "func", None)           # functools.partial
            if func is not None and hasattr(x, "keywords"):
                stack.append(func)
                stack.extend(getattr(x, "args", ()))
                stack.extend((x.keywords or {}).values())
                continue
            cls = x.__class__
            if cls.__module__.startswith(_ENGINE) or cls.__module__ == "greenlet":
                continue        # the engine's own (a task handle, the run): no model state
            d = getattr(x, "__dict__", None)
            if d is not None:
                stack.extend(d.values())
            for c in cls.__mro__:
                slots = c.__dict__.get("__slots__", ())
                for k in ((slots,) if isinstance(slots, str) else slots):
                    try:
                        stack.append(getattr(x, k))
                    except AttributeError:
                        pass
    return oids, lids
