"""``struct list_head``, ``struct hlist_head`` and the RCU list operations
(include/linux/list.h, include/linux/rculist.h).

Writers use the plain and marked accesses the kernel uses (``list_add_rcu``
publishes with ``rcu_assign_pointer``, ``list_del_rcu`` unlinks with
``WRITE_ONCE`` and poisons ``prev``); readers follow ``next`` with
``READ_ONCE``/``rcu_dereference``.  A removed entry keeps its ``next``, so a
reader standing on it can still walk on - the RCU guarantee.  Each operation
is one line in a trace (``list_del_rcu(&e->link)``); HTML reports can
expand it into its pointer stores.

``list_del()`` poisons both pointers (``LIST_POISON1``/``2``, the kernel's
0xdead000000000100 and ...122).  Following one - an RCU reader on an entry
removed with ``list_del()`` instead of ``list_del_rcu()``, or a second
``list_del()`` - is a general protection fault in the kernel: kcheck reports
a bug of kind ``gpf`` with the trace.

The RCU walkers check their context as lockdep does: outside any RCU
read-side section they need their optional condition argument to hold
(``list_for_each_entry_rcu(head, "member", lockdep_is_held(&lock))``),
otherwise it is the kernel's "RCU-list traversed in non-reader section!!"
(kind ``suspicious-rcu-usage``).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, PLAIN, ONCE, REL, ACQ, FULL, NO_WRITE, op, anon


class _Poison:
    """A poisoned list pointer: any dereference is a general protection fault."""

    __slots__ = ("name", "addr")

    def __init__(self, name, addr):
        self.name = name
        self.addr = addr

    def _kname(self):
        return self.name

    def __repr__(self):
        return self.name


LIST_POISON1 = _Poison("LIST_POISON1", 0xdead000000000100)
LIST_POISON2 = _Poison("LIST_POISON2", 0xdead000000000122)


def _gpf(r, p, what):
    r.report("gpf", f"general protection fault, probably for non-canonical address {p.addr:#x}: "
             f"{what} followed {p.name}, a pointer list_del() poisoned (the entry was removed "
             "with list_del()/hlist_del(), not the _rcu form, or removed twice)")


def _node(r, p, what):
    """``p`` is about to be dereferenced."""
    if p.__class__ is _Poison:
        _gpf(r, p, what)
    if p is None or p.__class__ is int:
        # None from Python, 0 from C memory nobody wrote (kzalloc'd, never INIT_LIST_HEAD)
        r.report("null-deref", f"BUG: kernel NULL pointer dereference: {what} followed a NULL list pointer "
                 "(an uninitialised list_head or hlist entry)")
    return p


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
        return f"&{self._next.name().removesuffix('.next')}"


def LIST_HEAD():
    return list_head()


def INIT_LIST_HEAD(h):
    r = run()
    with op(r, lambda: f"INIT_LIST_HEAD({h!r})"):
        # both WRITE_ONCE since v5.18 ("list: fix a data-race around
        # ep->rdllist"): list_empty_careful() reads prev locklessly
        r.write(h._next, h, ONCE, "INIT_LIST_HEAD")
        r.write(h._prev, h, ONCE, "INIT_LIST_HEAD")


def list_entry(node, member=None):
    """``container_of(node, type, member)``: the struct ``node`` is embedded in."""
    _args("list_entry", member)
    r = run()
    _node(r, node, "list_entry()")
    return node._owner


def _double_add(r, new, prev, nxt, what):
    """CONFIG_DEBUG_LIST's "list_add double add" (lib/list_debug.c): ``new`` is
    already next to where it goes - added twice.  Decided on the pointers the
    add reads anyway, so it costs no event; the kernel WARNs and skips the add."""
    if new == prev or new == nxt:
        r.report("warn", f"list_add double add: new={new!r}, prev={prev!r}, next={nxt!r} "
                 f"({what}; CONFIG_DEBUG_LIST)")


def _add(r, new, prev, nxt, what):
    _node(r, nxt, what)
    _node(r, prev, what)
    _double_add(r, new, prev, nxt, what)
    r.write(nxt._prev, new, PLAIN, what)
    r.write(new._next, nxt, PLAIN, what)
    r.write(new._prev, prev, PLAIN, what)
    r.write(prev._next, new, ONCE, what)


def list_add(new, head):
    r = run()
    with op(r, lambda: f"list_add({new!r}, {head!r})"):
        _add(r, new, head, r.read(head._next, PLAIN, "list_add"), "list_add")


def list_add_tail(new, head):
    r = run()
    with op(r, lambda: f"list_add_tail({new!r}, {head!r})"):
        _add(r, new, r.read(head._prev, PLAIN, "list_add_tail"), head, "list_add_tail")


def _add_rcu(r, new, prev, nxt, what):
    _node(r, nxt, what)
    _node(r, prev, what)
    _double_add(r, new, prev, nxt, what)
    r.write(new._next, nxt, PLAIN, what)
    r.write(new._prev, prev, PLAIN, what)
    r.write(prev._next, new, REL, what)          # rcu_assign_pointer(list_next_rcu(prev), new)
    r.write(nxt._prev, new, PLAIN, what)


def list_add_rcu(new, head):
    r = run()
    with op(r, lambda: f"list_add_rcu({new!r}, {head!r})"):
        _add_rcu(r, new, head, r.read(head._next, PLAIN, "list_add_rcu"), "list_add_rcu")


def list_add_tail_rcu(new, head):
    r = run()
    with op(r, lambda: f"list_add_tail_rcu({new!r}, {head!r})"):
        _add_rcu(r, new, r.read(head._prev, PLAIN, "list_add_tail_rcu"), head, "list_add_tail_rcu")


def _unlink(r, entry, what):
    """``__list_del_entry``: make the neighbours point at each other."""
    nxt = r.read(entry._next, PLAIN, what)
    prev = r.read(entry._prev, PLAIN, what)
    _node(r, nxt, what)
    _node(r, prev, what)
    r.write(nxt._prev, prev, PLAIN, what)
    r.write(prev._next, nxt, ONCE, what)


def list_del(entry):
    r = run()
    with op(r, lambda: f"list_del({entry!r})"):
        _unlink(r, entry, "list_del")
        r.write(entry._next, LIST_POISON1, PLAIN, "list_del")
        r.write(entry._prev, LIST_POISON2, PLAIN, "list_del")


def list_del_init_careful(entry):
    """``list_del_init()`` for an entry a ``list_empty_careful()`` may test
    without the lock: prev first, then next with RELEASE, so a reader that
    sees it empty sees everything before the unlink."""
    r = run()
    with op(r, lambda: f"list_del_init_careful({entry!r})"):
        _unlink(r, entry, "list_del_init_careful")
        r.write(entry._prev, entry, ONCE, "list_del_init_careful")
        r.write(entry._next, entry, REL, "list_del_init_careful")


def list_del_init(entry):
    """Unlink and make ``entry`` an empty list again (``list_empty(entry)`` is then true)."""
    r = run()
    with op(r, lambda: f"list_del_init({entry!r})"):
        _unlink(r, entry, "list_del_init")
        r.write(entry._next, entry, ONCE, "list_del_init")       # INIT_LIST_HEAD()
        r.write(entry._prev, entry, ONCE, "list_del_init")


def list_del_rcu(entry):
    """Unlink but keep ``next``: readers standing on ``entry`` can walk on.
    Free it only after a grace period."""
    r = run()
    with op(r, lambda: f"list_del_rcu({entry!r})"):
        _unlink(r, entry, "list_del_rcu")
        r.write(entry._prev, LIST_POISON2, PLAIN, "list_del_rcu")


def list_replace_rcu(old, new):
    """Put ``new`` where ``old`` is, publishing it with ``rcu_assign_pointer``."""
    r = run()
    with op(r, lambda: f"list_replace_rcu({old!r}, {new!r})"):
        nxt = r.read(old._next, PLAIN, "list_replace_rcu")
        prev = r.read(old._prev, PLAIN, "list_replace_rcu")
        _node(r, nxt, "list_replace_rcu")
        _node(r, prev, "list_replace_rcu")
        r.write(new._next, nxt, PLAIN, "list_replace_rcu")
        r.write(new._prev, prev, PLAIN, "list_replace_rcu")
        r.write(prev._next, new, REL, "list_replace_rcu")
        r.write(nxt._prev, new, PLAIN, "list_replace_rcu")
        r.write(old._prev, LIST_POISON2, PLAIN, "list_replace_rcu")


def list_move(entry, head):
    r = run()
    with op(r, lambda: f"list_move({entry!r}, {head!r})"):
        _unlink(r, entry, "list_move")
        _add(r, entry, head, r.read(head._next, PLAIN, "list_move"), "list_move")


def list_move_tail(entry, head):
    r = run()
    with op(r, lambda: f"list_move_tail({entry!r}, {head!r})"):
        _unlink(r, entry, "list_move_tail")
        _add(r, entry, r.read(head._prev, PLAIN, "list_move_tail"), head, "list_move_tail")


def _splice(r, lst, prev, nxt, what):
    first = r.read(lst._next, PLAIN, what)
    last = r.read(lst._prev, PLAIN, what)
    _node(r, first, what)
    _node(r, last, what)
    r.write(first._prev, prev, PLAIN, what)
    r.write(prev._next, first, PLAIN, what)
    r.write(last._next, nxt, PLAIN, what)
    r.write(nxt._prev, last, PLAIN, what)


def list_splice(lst, head):
    r = run()
    with op(r, lambda: f"list_splice({lst!r}, {head!r})"):
        if r.read(lst._next, ONCE, "list_splice") != lst:
            _splice(r, lst, head, r.read(head._next, PLAIN, "list_splice"), "list_splice")


def list_splice_init(lst, head):
    """Move every entry of ``lst`` to the front of ``head`` and leave ``lst`` empty."""
    r = run()
    with op(r, lambda: f"list_splice_init({lst!r}, {head!r})"):
        if r.read(lst._next, ONCE, "list_splice_init") != lst:
            _splice(r, lst, head, r.read(head._next, PLAIN, "list_splice_init"), "list_splice_init")
            r.write(lst._next, lst, ONCE, "list_splice_init")
            r.write(lst._prev, lst, PLAIN, "list_splice_init")


def list_splice_tail_init(lst, head):
    r = run()
    with op(r, lambda: f"list_splice_tail_init({lst!r}, {head!r})"):
        if r.read(lst._next, ONCE, "list_splice_tail_init") != lst:
            _splice(r, lst, r.read(head._prev, PLAIN, "list_splice_tail_init"), head,
                    "list_splice_tail_init")
            r.write(lst._next, lst, ONCE, "list_splice_tail_init")
            r.write(lst._prev, lst, PLAIN, "list_splice_tail_init")


def list_splice_tail(lst, head):
    """Move every entry of ``lst`` to the back of ``head``; ``lst`` keeps its
    stale pointers (re-initialise it, or use ``list_splice_tail_init()``)."""
    r = run()
    with op(r, lambda: f"list_splice_tail({lst!r}, {head!r})"):
        if r.read(lst._next, ONCE, "list_splice_tail") != lst:
            _splice(r, lst, r.read(head._prev, PLAIN, "list_splice_tail"), head, "list_splice_tail")


def _replace(r, old, new, what):
    """include/linux/list.h's list_replace(): ``new`` takes ``old``'s neighbours
    (a plain store to each: the list's lock orders it, RCU readers need
    ``list_replace_rcu()``).  ``old`` keeps pointing into the list."""
    nxt = _node(r, r.read(old._next, PLAIN, what), what)
    r.write(new._next, nxt, PLAIN, what)
    r.write(nxt._prev, new, PLAIN, what)
    prev = _node(r, r.read(old._prev, PLAIN, what), what)
    r.write(new._prev, prev, PLAIN, what)
    r.write(prev._next, new, PLAIN, what)


def list_replace(old, new):
    """Put ``new`` where ``old`` is in its list (``old``'s own pointers are left
    as they were: walking on from it reaches the list still)."""
    r = run()
    with op(r, lambda: f"list_replace({old!r}, {new!r})"):
        _replace(r, old, new, "list_replace")


def list_replace_init(old, new):
    """``list_replace()``, then ``INIT_LIST_HEAD(old)``: ``old`` is empty after."""
    r = run()
    with op(r, lambda: f"list_replace_init({old!r}, {new!r})"):
        _replace(r, old, new, "list_replace_init")
        r.write(old._next, old, ONCE, "list_replace_init")
        r.write(old._prev, old, PLAIN, "list_replace_init")


def list_empty(head):
    return run().read(head._next, ONCE, "list_empty") == head


def list_empty_careful(head):
    """Empty, as seen without the lock that guards the list: the next pointer
    with ACQUIRE (pairing with ``list_del_init_careful()``'s release), then
    the prev pointer must agree."""
    r = run()
    with op(r, lambda: f"list_empty_careful({head!r})"):
        nxt = r.read(head._next, ACQ, "list_empty_careful")
        if nxt != head:
            return False
        return r.read(head._prev, ONCE, "list_empty_careful") == nxt


def list_is_last(node, head):
    return run().read(node._next, PLAIN, "list_is_last") == head


def list_is_singular(head):
    r = run()
    nxt = r.read(head._next, ONCE, "list_is_singular")
    return nxt != head and nxt == r.read(head._prev, PLAIN, "list_is_singular")


def list_first_entry(head, member=None):
    """The first entry (the list must not be empty: on an empty list this is the
    head's own container, as in C)."""
    _args("list_first_entry", member)
    r = run()
    return list_entry(r.read(head._next, PLAIN, "list_first_entry"))


def list_last_entry(head, member=None):
    _args("list_last_entry", member)
    r = run()
    return list_entry(r.read(head._prev, PLAIN, "list_last_entry"))


def list_first_entry_or_null(head, member=None):
    _args("list_first_entry_or_null", member)
    r = run()
    pos = r.read(head._next, ONCE, "list_first_entry_or_null")
    return None if pos == head else list_entry(pos)


def list_next_entry(entry, member):
    _args("list_next_entry", member)
    r = run()
    return list_entry(r.read(getattr(entry, member)._next, PLAIN, "list_next_entry"))


def list_prev_entry(entry, member):
    _args("list_prev_entry", member)
    r = run()
    return list_entry(r.read(getattr(entry, member)._prev, PLAIN, "list_prev_entry"))


def _walk(head, flags, what):
    r = run()
    pos = r.read(head._next, flags, what)
    while pos != head:
        _node(r, pos, what)
        yield pos._owner
        pos = r.read(pos._next, flags, what)


def list_for_each_entry(head, member=None):
    _args("list_for_each_entry", member)
    return _walk(head, PLAIN, "list_for_each_entry")


def list_for_each_entry_safe(head, member=None):
    """Iterate over the entries, reading the next one before the loop body runs,
    so the body may ``list_del`` (and free) the entry it is given."""
    _args("list_for_each_entry_safe", member)
    r = run()
    pos = r.read(head._next, PLAIN, "list_for_each_entry_safe")
    _node(r, pos, "list_for_each_entry_safe")
    n = r.read(pos._next, PLAIN, "list_for_each_entry_safe") if pos != head else None
    while pos != head:
        yield pos._owner
        pos = n
        _node(r, pos, "list_for_each_entry_safe")
        if pos != head:
            n = r.read(pos._next, PLAIN, "list_for_each_entry_safe")


def list_for_each_entry_reverse(head, member=None):
    _args("list_for_each_entry_reverse", member)
    r = run()
    pos = r.read(head._prev, PLAIN, "list_for_each_entry_reverse")
    while pos != head:
        _node(r, pos, "list_for_each_entry_reverse")
        yield pos._owner
        pos = r.read(pos._prev, PLAIN, "list_for_each_entry_reverse")


def _args(what, member, cond=False):
    """The walkers take (head, member[, cond]) - C's ``pos`` is what they yield,
    and the entry's type comes from the list.  A type where the member name
    goes, or a cond that is no lockdep condition, is the C argument order
    carried over (``list_for_each_entry_rcu(head, item, "node")``): its "node"
    would be taken for a true lockdep condition and silence the RCU check, so
    it is a model error, not a guess."""
    if member is not None and member.__class__ is not str:
        raise ModelError(f"{what}(head, member): member is the name of the list_head field, a str "
                         f"(got {getattr(member, '__name__', repr(member))}); the entry's type comes "
                         "from the list")
    if cond is not False and cond is not True and cond.__class__ is not int:
        raise ModelError(f"{what}: the lockdep condition must be a bool such as "
                         f"lockdep_is_held(lock) (got {cond!r})")


def _rcu_check(r, cond, what):
    """``__list_check_rcu``: outside an RCU reader the condition must hold."""
    t = r.cur
    if t is None or cond:
        return
    from .rcu import rcu_read_lock_any_held
    if not rcu_read_lock_any_held():
        r.report("suspicious-rcu-usage", f"suspicious RCU usage: RCU-list traversed in non-reader "
                 f"section!! ({what} in {t.name}, outside rcu_read_lock() and with its lockdep "
                 "condition false)")


def list_for_each_entry_rcu(head, member=None, cond=False):
    """Iterate under RCU; ``cond`` is the optional lockdep condition (for example
    ``lockdep_is_held(&lock)``) that makes a walk outside ``rcu_read_lock()`` legal."""
    _args("list_for_each_entry_rcu", member, cond)
    r = run()
    _rcu_check(r, cond, "list_for_each_entry_rcu")
    return _walk(head, ONCE, "list_for_each_entry_rcu")


def list_for_each_entry_srcu(head, member, cond):
    """Iterate under SRCU: ``cond`` (``srcu_read_lock_held(&ss)`` or a lock) must hold."""
    _args("list_for_each_entry_srcu", member, cond)
    r = run()
    if r.cur is not None and not cond:
        r.report("suspicious-rcu-usage", f"suspicious RCU usage: RCU-list traversed without holding "
                 f"the required lock!! (list_for_each_entry_srcu in {r.cur.name})")
    return _walk(head, ONCE, "list_for_each_entry_srcu")


def list_first_or_null_rcu(head, member=None):
    _args("list_first_or_null_rcu", member)
    r = run()
    pos = r.read(head._next, ONCE, "list_first_or_null_rcu")
    return None if pos == head else list_entry(pos)


def list_next_or_null_rcu(head, node, member=None):
    """The entry after ``node`` (a list_head), or None at the end."""
    _args("list_next_or_null_rcu", member)
    r = run()
    pos = r.read(node._next, ONCE, "list_next_or_null_rcu")
    return None if pos == head else list_entry(pos)


def list_next_entry_or_null_rcu(head, entry, member):
    _args("list_next_entry_or_null_rcu", member)
    node = getattr(entry, member)
    return list_next_or_null_rcu(head, node, member)


# -- hlist: a head with one pointer, nodes with next and pprev (&previous next) --------

class hlist_head(KObject):
    __slots__ = ("_first", "_owner", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("hlist_head")
        self._owner = owner
        self._first = Loc(None, owner, f"{name}.first", plain=True)
        self._kid = ("H", self._first.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._first.name().removesuffix('.first')}"


class hlist_node(KObject):
    """``struct hlist_node { next; pprev; }``: ``pprev`` holds the location of the
    pointer that points at this node (the head's ``first`` or the previous ``next``)."""

    __slots__ = ("_next", "_pprev", "_owner", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("hlist_node")
        self._owner = owner
        self._next = Loc(None, owner, f"{name}.next", plain=True)
        self._pprev = Loc(None, owner, f"{name}.pprev", plain=True)
        self._kid = ("N", self._next.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._next.name().removesuffix('.next')}"


def HLIST_HEAD():
    return hlist_head()


def INIT_HLIST_HEAD(h):
    run().write(h._first, None, PLAIN, "INIT_HLIST_HEAD")


def INIT_HLIST_NODE(n):
    r = run()
    with op(r, lambda: f"INIT_HLIST_NODE({n!r})"):
        r.write(n._next, None, PLAIN, "INIT_HLIST_NODE")
        r.write(n._pprev, None, PLAIN, "INIT_HLIST_NODE")


def hlist_entry(node, member=None):
    _args("hlist_entry", member)
    r = run()
    _node(r, node, "hlist_entry()")
    return node._owner


def _is_none(v):
    """NULL: None, or the 0 of zeroed C memory (a static or kzalloc'd
    ``struct hlist_head``/``hlist_node`` is an empty head, an unhashed node)."""
    return v is None or (v.__class__ is int and v == 0)


def hlist_unhashed(n):
    return _is_none(run().read(n._pprev, PLAIN, "hlist_unhashed"))


def hlist_empty(h):
    return _is_none(run().read(h._first, ONCE, "hlist_empty"))


def _hlist_del(r, n, what, end=_is_none):
    """Unlink ``n`` (``end(v)``: is ``v`` a chain's end - NULL, or an hlist_nulls
    marker - with no node to point back)."""
    nxt = r.read(n._next, PLAIN, what)
    pprev = r.read(n._pprev, PLAIN, what)
    if nxt.__class__ is _Poison:
        _gpf(r, nxt, what)
    if pprev.__class__ is _Poison or _is_none(pprev):
        _node(r, pprev, what)
    r.write(pprev, nxt, ONCE, what)                    # WRITE_ONCE(*pprev, next)
    if not end(nxt):
        r.write(nxt._pprev, pprev, ONCE, what)


def hlist_add_head(n, h):
    r = run()
    with op(r, lambda: f"hlist_add_head({n!r}, {h!r})"):
        first = r.read(h._first, PLAIN, "hlist_add_head")
        r.write(n._next, first, ONCE, "hlist_add_head")
        if not _is_none(first):
            r.write(first._pprev, n._next, ONCE, "hlist_add_head")
        r.write(h._first, n, ONCE, "hlist_add_head")
        r.write(n._pprev, h._first, ONCE, "hlist_add_head")


def hlist_del(n):
    r = run()
    with op(r, lambda: f"hlist_del({n!r})"):
        _hlist_del(r, n, "hlist_del")
        r.write(n._next, LIST_POISON1, PLAIN, "hlist_del")
        r.write(n._pprev, LIST_POISON2, PLAIN, "hlist_del")


def hlist_del_init(n):
    r = run()
    with op(r, lambda: f"hlist_del_init({n!r})"):
        if not _is_none(r.read(n._pprev, PLAIN, "hlist_del_init")):
            _hlist_del(r, n, "hlist_del_init")
            r.write(n._next, None, PLAIN, "hlist_del_init")
            r.write(n._pprev, None, PLAIN, "hlist_del_init")


def hlist_add_head_rcu(n, h):
    """Publish ``n`` at the front of ``h`` for RCU readers."""
    _hlist_add_head_rcu(n, h, "hlist_add_head_rcu")


def _hlist_add_head_rcu(n, h, what, end=_is_none):
    r = run()
    with op(r, lambda: f"{what}({n!r}, {h!r})"):
        first = r.read(h._first, PLAIN, what)
        r.write(n._next, first, PLAIN, what)
        r.write(n._pprev, h._first, ONCE, what)
        r.write(h._first, n, REL, what)             # rcu_assign_pointer(hlist_first_rcu(h), n)
        if not end(first):
            r.write(first._pprev, n._next, ONCE, what)


def hlist_del_rcu(n):
    """Unlink ``n`` but keep its ``next`` for readers standing on it."""
    _hlist_del_rcu(n, "hlist_del_rcu")


def _hlist_del_rcu(n, what, end=_is_none):
    r = run()
    with op(r, lambda: f"{what}({n!r})"):
        _hlist_del(r, n, what, end)
        r.write(n._pprev, LIST_POISON2, ONCE, what)


def hlist_del_init_rcu(n):
    """Unlink ``n`` if hashed and mark it unhashed (``pprev = NULL``); ``next`` is kept."""
    _hlist_del_init_rcu(n, "hlist_del_init_rcu")


def _hlist_del_init_rcu(n, what, end=_is_none):
    r = run()
    with op(r, lambda: f"{what}({n!r})"):
        if not _is_none(r.read(n._pprev, PLAIN, what)):
            _hlist_del(r, n, what, end)
            r.write(n._pprev, None, ONCE, what)


def _hwalk(first_loc, flags, what):
    r = run()
    pos = r.read(first_loc, flags, what)
    while not _is_none(pos):
        _node(r, pos, what)
        yield pos._owner
        pos = r.read(pos._next, flags, what)


def hlist_for_each_entry(head, member=None):
    _args("hlist_for_each_entry", member)
    return _hwalk(head._first, PLAIN, "hlist_for_each_entry")


def hlist_for_each_entry_safe(head, member=None):
    _args("hlist_for_each_entry_safe", member)
    r = run()
    pos = r.read(head._first, PLAIN, "hlist_for_each_entry_safe")
    while not _is_none(pos):
        _node(r, pos, "hlist_for_each_entry_safe")
        n = r.read(pos._next, PLAIN, "hlist_for_each_entry_safe")
        yield pos._owner
        pos = n


def hlist_for_each_entry_rcu(head, member=None, cond=False):
    """Iterate under RCU (``cond``: the lockdep condition that makes a walk outside
    ``rcu_read_lock()`` legal)."""
    _args("hlist_for_each_entry_rcu", member, cond)
    r = run()
    _rcu_check(r, cond, "hlist_for_each_entry_rcu")
    return _hwalk(head._first, ONCE, "hlist_for_each_entry_rcu")

__all__ = ["list_head", "LIST_HEAD", "INIT_LIST_HEAD", "LIST_POISON1", "LIST_POISON2",
           "list_entry", "list_add", "list_add_tail", "list_del", "list_del_init",
           "list_del_init_careful", "list_empty_careful", "list_move",
           "list_move_tail", "list_splice", "list_splice_init", "list_splice_tail",
           "list_splice_tail_init", "list_replace", "list_replace_init",
           "list_empty", "list_is_last", "list_is_singular", "list_first_entry",
           "list_last_entry", "list_first_entry_or_null", "list_next_entry", "list_prev_entry",
           "list_for_each_entry", "list_for_each_entry_safe", "list_for_each_entry_reverse",
           "list_add_rcu", "list_add_tail_rcu", "list_del_rcu", "list_replace_rcu",
           "list_for_each_entry_rcu", "list_for_each_entry_srcu", "list_first_or_null_rcu",
           "list_next_or_null_rcu", "list_next_entry_or_null_rcu", "hlist_head", "hlist_node",
           "HLIST_HEAD", "INIT_HLIST_HEAD", "INIT_HLIST_NODE", "hlist_entry", "hlist_unhashed",
           "hlist_empty", "hlist_add_head", "hlist_del", "hlist_del_init", "hlist_add_head_rcu",
           "hlist_del_rcu", "hlist_del_init_rcu", "hlist_for_each_entry",
           "hlist_for_each_entry_safe", "hlist_for_each_entry_rcu"]
