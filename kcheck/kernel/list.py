"""``struct list_head`` and the RCU list operations (include/linux/rculist.h).

Writers use the plain/marked accesses the kernel uses (``list_add_rcu``
publishes with ``rcu_assign_pointer``, ``list_del_rcu`` unlinks with
``WRITE_ONCE`` and poisons ``prev``); readers follow ``next`` with
``rcu_dereference``.  A removed entry keeps its ``next``, so a reader that
is standing on it can still walk on - the RCU guarantee.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, PLAIN, ONCE, REL, anon

LIST_POISON1 = "LIST_POISON1"
LIST_POISON2 = "LIST_POISON2"


class list_head(KObject):
    __slots__ = ("_next", "_prev", "_owner", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("list_head")
        self._owner = owner
        self._next = Loc(None, owner, f"{name}.next", plain=True)
        self._prev = Loc(None, owner, f"{name}.prev", plain=True)
        self._kid = ("L", self._next.lid)
        # initialised empty (as INIT_LIST_HEAD / LIST_HEAD do)
        self._next.init = self
        self._prev.init = self

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._next.name()[:-5]}"


def LIST_HEAD():
    return list_head()


def INIT_LIST_HEAD(h):
    r = run()
    r.write(h._next, h, ONCE, "INIT_LIST_HEAD")
    r.write(h._prev, h, PLAIN, "INIT_LIST_HEAD")


def list_entry(node, member=None):
    return node._owner


def _add(r, new, prev, nxt, op):
    r.write(nxt._prev, new, PLAIN, op)
    r.write(new._next, nxt, PLAIN, op)
    r.write(new._prev, prev, PLAIN, op)
    r.write(prev._next, new, ONCE, op)


def list_add(new, head):
    r = run()
    _add(r, new, head, r.read(head._next, PLAIN, "list_add"), "list_add")


def list_add_tail(new, head):
    r = run()
    _add(r, new, r.read(head._prev, PLAIN, "list_add_tail"), head, "list_add_tail")


def _add_rcu(r, new, prev, nxt, op):
    r.write(new._next, nxt, PLAIN, op)
    r.write(new._prev, prev, PLAIN, op)
    r.write(prev._next, new, REL, op)          # rcu_assign_pointer(list_next_rcu(prev), new)
    r.write(nxt._prev, new, PLAIN, op)


def list_add_rcu(new, head):
    r = run()
    _add_rcu(r, new, head, r.read(head._next, PLAIN, "list_add_rcu"), "list_add_rcu")


def list_add_tail_rcu(new, head):
    r = run()
    _add_rcu(r, new, r.read(head._prev, PLAIN, "list_add_tail_rcu"), head, "list_add_tail_rcu")


def _unlink(r, entry, op):
    nxt = r.read(entry._next, PLAIN, op)
    prev = r.read(entry._prev, PLAIN, op)
    r.write(nxt._prev, prev, PLAIN, op)
    r.write(prev._next, nxt, ONCE, op)


def list_del(entry):
    r = run()
    _unlink(r, entry, "list_del")
    r.write(entry._next, LIST_POISON1, PLAIN, "list_del")
    r.write(entry._prev, LIST_POISON2, PLAIN, "list_del")


def list_del_rcu(entry):
    r = run()
    _unlink(r, entry, "list_del_rcu")
    r.write(entry._prev, LIST_POISON2, PLAIN, "list_del_rcu")


def list_empty(head):
    return run().read(head._next, ONCE, "list_empty") == head


def _walk(head, flags, op):
    r = run()
    pos = r.read(head._next, flags, op)
    while pos != head:
        if pos == LIST_POISON1 or pos is None:
            r.report("use-after-free", f"{op}: walked into a deleted or uninitialised list entry")
        yield pos._owner
        pos = r.read(pos._next, flags, op)


def list_for_each_entry(head, member=None):
    return _walk(head, PLAIN, "list_for_each_entry")


def list_for_each_entry_rcu(head, member=None, cond=None):
    return _walk(head, ONCE, "list_for_each_entry_rcu")


def list_first_or_null_rcu(head, member=None):
    pos = run().read(head._next, ONCE, "list_first_or_null_rcu")
    return None if pos == head else pos._owner


def list_next_or_null_rcu(head, node, member=None):
    """The entry after ``node`` (a list_head), or None at the end."""
    pos = run().read(node._next, ONCE, "list_next_or_null_rcu")
    return None if pos == head else pos._owner


def list_next_entry_or_null_rcu(head, entry, member):
    node = getattr(entry, member)
    return list_next_or_null_rcu(head, node, member)
