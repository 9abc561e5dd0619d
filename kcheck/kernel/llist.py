"""Lock-less NULL-terminated singly linked lists (include/linux/llist.h, lib/llist.c).

``llist_add`` pushes with a ``try_cmpxchg`` loop on ``head->first`` (fully
ordered when it succeeds) and says whether the list was empty;
``llist_del_all`` takes the whole list with one ``xchg``; ``llist_del_first``
pops one entry with a ``try_cmpxchg`` loop - safe only with a single
consumer, as the kernel documents (several concurrent ``llist_del_first``
callers meet the ABA problem).  Walking the list that ``llist_del_all``
returned is private to the caller: plain loads.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, NO_WRITE, PLAIN, ONCE, ACQ, FULL, op, anon
from .list import _node


class llist_head(KObject):
    __slots__ = ("_first", "_owner", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("llist_head")
        self._owner = owner
        self._first = Loc(None, owner, f"{name}.first")
        self._kid = ("l", self._first.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._first.name().removesuffix('.first')}"


class llist_node(KObject):
    __slots__ = ("_next", "_owner", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("llist_node")
        self._owner = owner
        self._next = Loc(None, owner, f"{name}.next", plain=True)
        self._kid = ("n", self._next.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._next.name().removesuffix('.next')}"


def LLIST_HEAD():
    return llist_head()


def init_llist_head(h):
    run().write(h._first, None, ONCE, "init_llist_head")


def llist_entry(node, member=None):
    return None if node is None else node._owner


def llist_empty(h):
    return run().read(h._first, ONCE, "llist_empty") is None


def llist_add_batch(new_first, new_last, h):
    """Push the chain ``new_first .. new_last``; true if the list was empty."""
    r = run()
    with op(r, lambda: f"llist_add({new_first!r}, {h!r})") as g:
        first = r.read(h._first, ONCE, "llist_add")
        while True:
            r.write(new_last._next, first, PLAIN, "llist_add")
            seen = r.rmw(h._first, lambda cur, f=first: new_first if cur == f else NO_WRITE, FULL,
                         "llist_add")
            if seen == first:
                break
            first = seen
        g.note = ": the list was empty" if first is None else ""
    return first is None


def llist_add(new, h):
    return llist_add_batch(new, new, h)


def llist_del_all(h):
    """Take every entry: returns the first node (newest first) or None."""
    r = run()
    return r.rmw(h._first, lambda cur: None, FULL, "llist_del_all")


def llist_del_first(h):
    """Pop the newest entry (single consumer only); None if empty."""
    r = run()
    with op(r, lambda: f"llist_del_first({h!r})"):
        entry = r.read(h._first, ACQ, "llist_del_first")
        while entry is not None:
            nxt = r.read(entry._next, ONCE, "llist_del_first")
            seen = r.rmw(h._first, lambda cur, e=entry, n=nxt: n if cur == e else NO_WRITE, FULL,
                         "llist_del_first")
            if seen == entry:
                break
            entry = seen
    return entry


def llist_next(node):
    return run().read(node._next, PLAIN, "llist_next")


def llist_for_each_entry(node, member=None):
    """Walk a chain taken with ``llist_del_all``/``llist_del_first``."""
    r = run()
    pos = node
    while pos is not None:
        _node(r, pos, "llist_for_each_entry")
        yield pos._owner
        pos = r.read(pos._next, PLAIN, "llist_for_each_entry")


def llist_for_each_entry_safe(node, member=None):
    """As ``llist_for_each_entry``, reading the next node before the body (which may free)."""
    r = run()
    pos = node
    while pos is not None:
        _node(r, pos, "llist_for_each_entry_safe")
        nxt = r.read(pos._next, PLAIN, "llist_for_each_entry_safe")
        yield pos._owner
        pos = nxt


def llist_reverse_order(node):
    """Reverse a private chain (oldest first); returns its new first node."""
    r = run()
    head = None
    while node is not None:
        tmp = node
        node = r.read(node._next, PLAIN, "llist_reverse_order")
        r.write(tmp._next, head, PLAIN, "llist_reverse_order")
        head = tmp
    return head

__all__ = ["llist_head", "llist_node", "LLIST_HEAD", "init_llist_head", "llist_entry",
           "llist_empty", "llist_add", "llist_add_batch", "llist_del_all", "llist_del_first",
           "llist_next", "llist_for_each_entry", "llist_for_each_entry_safe",
           "llist_reverse_order"]
