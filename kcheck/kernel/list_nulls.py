"""hlist_nulls (include/linux/list_nulls.h, rculist_nulls.h): hash chains that
end in a *nulls marker* instead of NULL - a value that names the chain.

They exist for lookups in ``SLAB_TYPESAFE_BY_RCU`` caches: an object a reader
stands on may be freed and reused on *another* chain meanwhile, and the
reader, following its ``next``, walks on into that chain and may miss what
it looks for.  Ending at a marker that is not its own chain's tells it so,
and it must start again (Documentation/RCU/rculist_nulls.rst).  Here a
marker is a ``NULLS_MARKER(value)`` object; ``is_a_nulls(pos)`` and
``get_nulls_value(pos)`` read it, and ``hlist_nulls_for_each_entry_rcu(head)``
is an iterator whose ``pos`` is the marker it ended on.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, PLAIN, ONCE, op, anon
from .list import _rcu_check, _hlist_add_head_rcu, _hlist_del_rcu, _hlist_del_init_rcu


class NULLS_MARKER:
    """``NULLS_MARKER(value)``: the end of a chain, naming it."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return other.__class__ is NULLS_MARKER and other.value == self.value

    def __hash__(self):
        return hash(("nulls", self.value))

    def __repr__(self):
        return f"NULLS_MARKER({self.value})"


def is_a_nulls(ptr):
    return ptr.__class__ is NULLS_MARKER


def get_nulls_value(ptr):
    if ptr.__class__ is not NULLS_MARKER:
        raise ModelError(f"get_nulls_value({ptr!r}): not a nulls marker")
    return ptr.value


class hlist_nulls_head(KObject):
    __slots__ = ("_first", "_owner", "_kid")

    def __init__(self, owner=None, field=None, nulls=0):
        name = field or anon("hlist_nulls_head")
        self._owner = owner
        self._first = Loc(NULLS_MARKER(nulls), owner, f"{name}.first", plain=True)
        self._kid = ("Z", self._first.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._first.name().removesuffix('.first')}"


class hlist_nulls_node(KObject):
    """``struct hlist_nulls_node { next; pprev; }`` (``pprev``: the location that
    points at this node)."""

    __slots__ = ("_next", "_pprev", "_owner", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("hlist_nulls_node")
        self._owner = owner
        self._next = Loc(None, owner, f"{name}.next", plain=True)
        self._pprev = Loc(None, owner, f"{name}.pprev", plain=True)
        self._kid = ("z", self._next.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._next.name().removesuffix('.next')}"


def INIT_HLIST_NULLS_HEAD(h, nulls):
    run().write(h._first, NULLS_MARKER(nulls), PLAIN, "INIT_HLIST_NULLS_HEAD")


def hlist_nulls_entry(node, member=None):
    return node._owner


def hlist_nulls_unhashed(n):
    return run().read(n._pprev, PLAIN, "hlist_nulls_unhashed") is None


def hlist_nulls_empty(h):
    return is_a_nulls(run().read(h._first, ONCE, "hlist_nulls_empty"))


def hlist_nulls_add_head(n, h):
    r = run()
    with op(r, lambda: f"hlist_nulls_add_head({n!r}, {h!r})"):
        first = r.read(h._first, PLAIN, "hlist_nulls_add_head")
        r.write(n._next, first, PLAIN, "hlist_nulls_add_head")
        r.write(n._pprev, h._first, PLAIN, "hlist_nulls_add_head")
        r.write(h._first, n, PLAIN, "hlist_nulls_add_head")
        if not is_a_nulls(first):
            r.write(first._pprev, n._next, PLAIN, "hlist_nulls_add_head")


def hlist_nulls_add_head_rcu(n, h):
    """Publish ``n`` at the front of ``h`` for RCU readers (``n->next`` first)."""
    _hlist_add_head_rcu(n, h, "hlist_nulls_add_head_rcu", is_a_nulls)


def hlist_nulls_del(n):
    """Unlink ``n`` (its ``pprev`` poisoned, its ``next`` kept)."""
    _hlist_del_rcu(n, "hlist_nulls_del", is_a_nulls)


def hlist_nulls_del_rcu(n):
    """Unlink ``n``, keeping its ``next`` for readers standing on it."""
    _hlist_del_rcu(n, "hlist_nulls_del_rcu", is_a_nulls)


def hlist_nulls_del_init_rcu(n):
    """Unlink ``n`` if hashed and mark it unhashed; ``next`` is kept."""
    _hlist_del_init_rcu(n, "hlist_nulls_del_init_rcu", is_a_nulls)


class _Walk:
    """An hlist_nulls walk: iterate for the entries; ``pos`` is then the marker
    the walk ended on (``get_nulls_value(it.pos)`` says which chain that was)."""

    def __init__(self, head, flags, what):
        self.head = head
        self.flags = flags
        self.what = what
        self.pos = None

    def __iter__(self):
        r = run()
        pos = r.read(self.head._first, self.flags, self.what)
        while not is_a_nulls(pos):
            if pos is None or pos.__class__ is not hlist_nulls_node:
                r.report("null-deref", f"{self.what}: a chain that does not end in a nulls "
                         f"marker ({pos!r})", fatal=True)
            self.pos = pos
            yield pos._owner
            pos = r.read(pos._next, self.flags, self.what)
        self.pos = pos


def _walk(head, flags, what):
    """The task's walk of ``head``: the same object each time (reset), so that a
    lookup that starts again from the top is seen, by kcheck's polling-loop
    check, as the same state going round (``kernel.sched.poll``)."""
    r = run()
    t = r.cur
    if t is None:
        return _Walk(head, flags, what)
    walks = t.tls.setdefault("nulls_walks", {})
    key = (head._first.lid, flags)
    w = walks.get(key)
    if w is None:
        w = walks[key] = _Walk(head, flags, what)
    w.pos = None
    return w


def hlist_nulls_for_each_entry(head, member=None):
    return _walk(head, PLAIN, "hlist_nulls_for_each_entry")


def hlist_nulls_for_each_entry_rcu(head, member=None, cond=False):
    """Iterate under RCU: ``for obj in (it := hlist_nulls_for_each_entry_rcu(h)):``
    and then ``get_nulls_value(it.pos)``."""
    r = run()
    _rcu_check(r, cond, "hlist_nulls_for_each_entry_rcu")
    return _walk(head, ONCE, "hlist_nulls_for_each_entry_rcu")


__all__ = ["NULLS_MARKER", "is_a_nulls", "get_nulls_value", "hlist_nulls_head",
           "hlist_nulls_node", "INIT_HLIST_NULLS_HEAD", "hlist_nulls_entry",
           "hlist_nulls_unhashed", "hlist_nulls_empty", "hlist_nulls_add_head",
           "hlist_nulls_add_head_rcu", "hlist_nulls_del", "hlist_nulls_del_rcu",
           "hlist_nulls_del_init_rcu", "hlist_nulls_for_each_entry",
           "hlist_nulls_for_each_entry_rcu"]
