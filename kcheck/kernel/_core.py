"""What every kernel façade module shares: the current run, locations, flags.

Kernel objects are thin handles: a ``Loc`` per word, values live in the
execution graph.  A handle left over from an earlier replay names the same
memory (allocation is deterministic), so handles compare by identity key,
not by Python object identity - compare pointers with ``==``.
"""

from __future__ import annotations

import sys
import zlib

from ..engine import runtime as _rt
from ..engine.runtime import Loc, ModelError, NO_WRITE, BLOCK, KCSAN_ATOMIC
from ..engine.graph import PLAIN, MARKED, ACQUIRE, RELEASE, MB, AWAIT, NORACE

ONCE = MARKED
ACQ = MARKED | ACQUIRE
REL = MARKED | RELEASE
FULL = MARKED | ACQUIRE | RELEASE | MB
WAIT = MARKED | AWAIT                # a load that blocks until it sees a value
WAIT_ACQ = MARKED | ACQUIRE | AWAIT


def run():
    r = _rt.CURRENT
    if r is None:
        raise ModelError("kcheck.kernel functions only work while kcheck runs a model (a "
                         "global lock, queue or srcu_struct the kernel defines statically - "
                         "DEFINE_SPINLOCK(), DEFINE_MUTEX(), DEFINE_STATIC_SRCU() - is made in "
                         "main() here, and passed to the tasks or kept in a struct)")
    return r


def loc_of(x):
    """The location behind ``x``: a ``Loc``, or a kernel object holding one word."""
    if x.__class__ is Loc:
        return x
    l = getattr(x, "_loc", None)
    if l is None:
        raise ModelError(f"{x!r} is not a memory location (pass &obj->field as ptr(obj, 'field'), "
                         "an atomic_t, a refcount_t, a bitfield word or an array element)")
    return l


def caller_line(depth=2):
    f = sys._getframe(depth)
    return f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_lineno}"


class KObject:
    """Base of every kernel object: identity is the allocation key ``_kid``."""

    __slots__ = ()
    _handle = True      # its state is memory, not Python (runtime.stack_state)
    # value-like objects (atomic_t, refcount_t, kref): the accessor that reads
    # them.  ``x == 0`` or ``if x:`` on one tests the handle, which is always
    # true or never equal: in C it does not compile (a struct is no scalar);
    # here it is a model error naming the accessor, not a silent verdict.
    _read_with = None

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return other._kid == self._kid
        if self._read_with is not None and other.__class__ in (int, bool, float):
            raise ModelError(f"{self!r} == {other!r} compares the {type(self).__name__} itself, not "
                             f"its value (C: invalid operands, a struct is not a scalar): "
                             f"use {self._read_with}")
        return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        # Stable across processes: a set of kernel objects must iterate in the
        # same order in the process that printed a replay command as in the one
        # that runs it, and in every worker of --jobs/--cluster.  hash() of the
        # identity tuple would not be (its strings' hashes are salted per
        # process, PYTHONHASHSEED), and model code iterating such a set would
        # replay differently.
        kid = self._kid
        h = _STABLE_HASH.get(kid)
        if h is None:
            if len(_STABLE_HASH) > 200_000:
                _STABLE_HASH.clear()      # identities made of id()s (an ownerless rcu_head) only grow
            h = _STABLE_HASH[kid] = zlib.crc32(repr(kid).encode())
        return h


_STABLE_HASH = {}


def _value_truth(self):
    raise ModelError(f"the truth value of {self!r} tests the {type(self).__name__} itself, not its "
                     f"value (C: used struct type value where scalar is required): "
                     f"use {self._read_with}")


def anon(kind):
    """A name for an object made on its own (not a struct field): ``spinlock_t#1``."""
    r = run()
    counts = r.__dict__.setdefault("_anon_counts", {})
    n = counts.get(kind, 0)
    counts[kind] = n + 1
    return f"{kind}#{n}"


# -- one kernel operation, one trace line ------------------------------------
#
# A primitive such as list_del_rcu() or prepare_to_wait() makes several events
# (pointer stores, a lock, a state word).  A reviewer reads it as one step, so
# it marks its events as one operation: ``with op(r, text): ...``.  Outside a
# traced replay (the run that prints a bug's trace) this costs one attribute
# test per operation and nothing per event.  A traced run records, per task,
# the range of po-indices the outermost operation covered; report/text.py and
# report/html.py fold those events into one line (HTML can expand it).

class _NoOp:
    """What ``op()`` gives outside traced runs: setting ``note`` on it is harmless."""
    note = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_OP = _NoOp()


class _Op:
    __slots__ = ("r", "t", "start", "text", "note", "outer")

    def __init__(self, r, t, text):
        self.r = r
        self.t = t
        self.text = text
        self.note = ""           # appended to the text when the operation ends ("wakes cpu1")

    def __enter__(self):
        t = self.t
        # the outermost open operation: what the trace folds into one line, and
        # what a bug met inside it is said to be in
        self.outer = "op_outer" not in t.tls
        if self.outer:
            t.tls["op_outer"] = self
        self.start = t.pos
        return self

    def __exit__(self, et, ev, tb):
        t = self.t
        if self.outer:
            del t.tls["op_outer"]
        cut = et is not None and not t.blocked and not issubclass(et, _rt.Bug)
        if self.outer and t.pos > self.start:
            text = base = self.text() if callable(self.text) else self.text
            if cut:
                # the run ended (another task's bug) in the middle of the
                # operation: its line says it did not finish (one that waits for
                # good says it waits)
                text += " - not finished when the run ended"
            # (task, first step, last step, the trace's line, the call alone)
            self.r.__dict__.setdefault("op_groups", []).append(
                (t.tid, self.start, t.pos - 1, text + self.note, base))
        return False


def op(r, text):
    """Mark the events made inside ``with`` as one kernel operation named ``text``
    (a string, or a function giving it: only called in traced runs)."""
    t = r.cur
    if not r.trace or t is None:
        return _NO_OP
    return _Op(r, t, text)


def name_of(x):
    """``&obj->field`` for an argument as the kernel source would write it."""
    if x is None:
        return "NULL"
    return repr(x)


class _Slotted:
    __slots__ = ("x",)


_SLOT = type(_Slotted.__dict__["x"])        # a __slots__ member's descriptor
_NOTHING = object()


def _slot_value(desc, obj):
    try:
        return desc.__get__(obj)
    except AttributeError:
        return _NOTHING


def check_member(what, obj, owner, member):
    """``container_of(obj, type, member)``'s ``member`` names where ``obj`` sits in
    ``owner`` (``"a.b"`` for a nested one): a model naming another member, or
    none the struct has, is told so - the kernel's offsetof() would point
    elsewhere, or not compile."""
    if member is None:
        return
    if not isinstance(member, str):
        raise ModelError(f"{what}: the member is the field's name as a string, not {member!r}")
    cur = owner
    for part in member.split("."):
        # an embedded object is an attribute of its owner (in its __dict__ or a
        # slot); a plain field is memory behind a descriptor, and reading it
        # here would be a load the model never made
        d = getattr(cur, "__dict__", None)
        if d is not None and part in d:
            cur = d[part]
            continue
        for klass in type(cur).__mro__:
            desc = klass.__dict__.get(part)
            if desc is not None:
                break
        if desc.__class__ is not _SLOT or (cur := _slot_value(desc, cur)) is _NOTHING:
            raise ModelError(f"{what}: {type(owner).__name__} has no member {member!r} that "
                             f"{obj!r} could be")
    if cur is not obj:
        raise ModelError(f"{what}: {obj!r} is not {type(owner).__name__}'s {member!r} member "
                         f"({owner!r}->{member} is {cur!r})")
