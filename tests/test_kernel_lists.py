"""list_head, hlist, hash tables and llist (kernel/list.py, hashtable.py, llist.py):
the operations do what include/linux/list.h says, and each is one trace line."""

import pytest

import kcheck
from kcheck import spawn, join
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, WARN_ON, kzalloc, kfree, kfree_rcu,
                           rcu_head, spinlock_t, spin_lock, spin_unlock, rcu_read_lock,
                           rcu_read_unlock, synchronize_rcu, list_head, INIT_LIST_HEAD, list_add,
                           list_add_tail, list_del, list_del_init, list_empty, list_move_tail,
                           list_splice_init, list_first_entry, list_first_entry_or_null,
                           list_last_entry, list_next_entry, list_for_each_entry,
                           list_for_each_entry_safe, list_for_each_entry_reverse, list_add_rcu,
                           list_add_tail_rcu, list_del_rcu, list_replace_rcu,
                           list_for_each_entry_rcu, list_is_singular, hlist_node, hlist_head,
                           hlist_add_head, hlist_del_init, hlist_unhashed, hlist_for_each_entry,
                           DECLARE_HASHTABLE, DEFINE_HASHTABLE, hash_add, hash_add_rcu, hash_del_rcu,
                           hash_for_each_possible, hash_for_each_possible_rcu, hash_min, hash_32,
                           llist_head, llist_node, llist_add, llist_del_all, llist_del_first,
                           llist_for_each_entry, llist_reverse_order, llist_empty)


class item(KStruct):
    link: list_head
    hnode: hlist_node
    lnode: llist_node
    val: int
    key: int
    rcu: rcu_head


class box(KStruct):
    head: list_head
    other: list_head
    lock: spinlock_t
    hh: hlist_head
    table: DECLARE_HASHTABLE(3)
    ll: llist_head


def _single(body):
    out = {}

    def main():
        b = box()
        its = [kzalloc(item, val=i, key=10 * i) for i in range(3)]
        spawn(body, b, its, out, name="t")
    res = kcheck.check(main)
    return res, out


def test_list_operations_keep_the_list_consistent():
    def body(b, its, out):
        for it in its:
            list_add_tail(it.link, b.head)
        out["order"] = [e.val for e in list_for_each_entry(b.head, "link")]
        out["rev"] = [e.val for e in list_for_each_entry_reverse(b.head, "link")]
        out["first"] = list_first_entry(b.head, "link").val
        out["last"] = list_last_entry(b.head, "link").val
        out["next"] = list_next_entry(its[0], "link").val
        for e in list_for_each_entry_safe(b.head, "link"):     # deleting while walking
            if e.val == 1:
                list_del(e.link)
                kfree(e)
        out["after_del"] = [e.val for e in list_for_each_entry(b.head, "link")]
        list_del_init(its[0].link)
        out["init_empty"] = list_empty(its[0].link)
        list_add(its[0].link, b.other)
        out["singular"] = list_is_singular(b.other)
        list_splice_init(b.other, b.head)
        out["spliced"] = ([e.val for e in list_for_each_entry(b.head, "link")], list_empty(b.other))
        list_move_tail(its[0].link, b.head)
        out["moved"] = [e.val for e in list_for_each_entry(b.head, "link")]
        for e in list_for_each_entry_safe(b.head, "link"):
            list_del(e.link)
            kfree(e)
        out["empty"] = (list_empty(b.head), list_first_entry_or_null(b.head, "link"))
    res, out = _single(body)
    assert res.verdict == "no-bug", res.bug and res.bug.trace
    assert out == {"order": [0, 1, 2], "rev": [2, 1, 0], "first": 0, "last": 2, "next": 1,
                   "after_del": [0, 2], "init_empty": True, "singular": True,
                   "spliced": ([0, 2], True), "moved": [2, 0], "empty": (True, None)}


def test_list_for_each_entry_without_safe_reads_a_freed_entry():
    def body(b, its, out):
        for it in its:
            list_add_tail(it.link, b.head)
        for e in list_for_each_entry(b.head, "link"):
            list_del(e.link)
            kfree(e)                        # the walk then reads e->link.next
    res, _ = _single(body)
    assert res.bug.kind == "use-after-free"


def test_a_second_list_del_is_a_gpf():
    def body(b, its, out):
        list_add(its[0].link, b.head)
        list_del(its[0].link)
        list_del(its[0].link)
    res, _ = _single(body)
    assert res.bug.kind == "gpf"


def test_list_replace_rcu_publishes_the_new_entry():
    def main():
        b = box()
        old = kzalloc(item, val=1)
        new = kzalloc(item, val=2)

        def setup(b):
            list_add_rcu(old.link, b.head)
        st = spawn(setup, b, name="setup", setup=True)

        def reader(b):
            join(st)
            rcu_read_lock()
            for e in list_for_each_entry_rcu(b.head, "link"):
                WARN_ON(READ_ONCE(ptr(e, "val")) == 0)
            rcu_read_unlock()

        def updater(b):
            join(st)
            WRITE_ONCE(ptr(new, "val"), 3)
            spin_lock(b.lock)
            list_replace_rcu(old.link, new.link)
            spin_unlock(b.lock)
            kfree_rcu(old, "rcu")
            spin_lock(b.lock)
            list_del_rcu(new.link)
            spin_unlock(b.lock)
            kfree_rcu(new, "rcu")
        spawn(reader, b, name="reader")
        spawn(updater, b, name="updater")
    for mm in ("sc", "lkmm"):
        res = kcheck.check(main, memory_model=mm)
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def test_hlist_and_hash_table():
    def body(b, its, out):
        for it in its:
            hlist_add_head(it.hnode, b.hh)
        out["h"] = [e.val for e in hlist_for_each_entry(b.hh, "hnode")]
        hlist_del_init(its[1].hnode)
        out["h2"] = ([e.val for e in hlist_for_each_entry(b.hh, "hnode")], hlist_unhashed(its[1].hnode))
        t = DEFINE_HASHTABLE(2)
        hash_add(t, its[1].hnode, 7)
        out["bucket"] = [e.val for e in hash_for_each_possible(t, "hnode", 7)]
        out["hash"] = (hash_min(7, 3), hash_32(7, 3))
        for it in its:
            kfree(it)
    res, out = _single(body)
    assert res.verdict == "no-bug"
    assert out["h"] == [2, 1, 0] and out["h2"] == ([2, 0], True)
    assert out["bucket"] == [1]
    assert out["hash"][0] == out["hash"][1] == ((7 * 0x61C88647) & 0xffffffff) >> 29


@pytest.mark.parametrize("grace,verdict", [(True, "no-bug"), (False, "bug")])
def test_hash_for_each_possible_rcu_against_hash_del_rcu(grace, verdict):
    def main():
        b = box()
        its = [kzalloc(item, key=k) for k in (3, 3)]

        def setup(b):
            for it in its:
                hash_add_rcu(b.table, it.hnode, it.key)
        st = spawn(setup, b, name="setup", setup=True)

        def lookup(b):
            join(st)
            rcu_read_lock()
            for e in hash_for_each_possible_rcu(b.table, "hnode", 3):
                READ_ONCE(ptr(e, "key"))
            rcu_read_unlock()

        def remove(b):
            join(st)
            for it in its:
                spin_lock(b.lock)
                hash_del_rcu(it.hnode)
                spin_unlock(b.lock)
                if grace:
                    kfree_rcu(it, "rcu")
                else:
                    kfree(it)
        spawn(lookup, b, name="lookup")
        spawn(remove, b, name="remove")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.trace
    if res.bug:
        assert res.bug.kind == "use-after-free"


def test_llist_producers_and_consumer():
    got = []

    def main():
        b = box()
        its = [kzalloc(item, val=i) for i in range(2)]
        ps = [spawn(lambda b, it=it: llist_add(it.lnode, b.ll), b, name=f"p{it.val}") for it in its]

        def consumer(b):
            for p in ps:
                join(p)
            first = llist_reverse_order(llist_del_all(b.ll))
            got.append(tuple(e.val for e in llist_for_each_entry(first, "lnode")))
            for e in llist_for_each_entry(first, "lnode"):
                pass
            for it in its:
                kfree(it)
            WARN_ON(not llist_empty(b.ll))
        spawn(consumer, b, name="consumer")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive
    assert set(got) == {(0, 1), (1, 0)}


def test_llist_add_says_whether_the_list_was_empty_and_del_first_pops():
    out = {}

    def body(b, its, o):
        o["first_add"] = llist_add(its[0].lnode, b.ll)
        o["second_add"] = llist_add(its[1].lnode, b.ll)
        o["pop"] = llist_del_first(b.ll)._owner.val
        o["pop2"] = llist_del_first(b.ll)._owner.val
        o["pop3"] = llist_del_first(b.ll)
        for it in its:
            kfree(it)
    res, o = _single(body)
    assert o == {"first_add": True, "second_add": False, "pop": 1, "pop2": 0, "pop3": None}


def test_each_list_operation_is_one_line_of_the_trace():
    def main():
        b = box()
        its = [kzalloc(item, val=i) for i in range(2)]

        def setup(b):
            for it in its:
                list_add_tail_rcu(it.link, b.head)
        st = spawn(setup, b, name="setup", setup=True)

        def reader(b):
            join(st)
            rcu_read_lock()
            for e in list_for_each_entry_rcu(b.head, "link"):
                READ_ONCE(ptr(e, "val"))
            rcu_read_unlock()

        def remover(b):
            join(st)
            spin_lock(b.lock)
            list_del_rcu(its[0].link)
            spin_unlock(b.lock)
            kfree(its[0])                     # no grace period
        spawn(reader, b, name="reader")
        spawn(remover, b, name="remover")
    res = kcheck.check(main)
    assert res.bug.kind == "use-after-free"
    trace = res.bug.trace
    assert "list_del_rcu(&item#0->link)" in trace
    assert "item#0->link.prev" not in trace and "LIST_POISON2" not in trace   # folded away
    # the JSON/HTML events keep every step, each tagged with its operation
    ops = {tuple(ev["group"]) for ev in res.bug.events if ev["group"]}
    texts = {t for _, t in ops}
    assert {"list_del_rcu(&item#0->link)", "list_add_tail_rcu(&item#1->link, &box#0->head)"} <= texts
    steps = [ev for ev in res.bug.events if ev["group"] and ev["group"][1] == "list_del_rcu(&item#0->link)"]
    assert len(steps) == 5 and any("LIST_POISON2" in ev["text"] for ev in steps)


@pytest.mark.parametrize("add", ["list_add", "list_add_tail", "list_add_rcu"])
def test_adding_an_entry_twice_is_lib_list_debugs_double_add(add):
    import kcheck.kernel as K

    class node(KStruct):
        link: list_head

    class head(KStruct):
        lst: list_head

    def t(h, a, b):
        f = getattr(K, add)
        f(a.link, h.lst)
        f(b.link, h.lst)       # two different entries: fine
        f(b.link, h.lst)       # b again: next to itself

    def main():
        h = head()
        spawn(t, h, node(), node(), name="t")
    res = kcheck.check(main)
    assert res.verdict == "bug" and res.bug.kind == "warn", res.bug and res.bug.message
    assert "list_add double add" in res.bug.message
    assert kcheck.replay(main, res.bug.schedule).bug.message == res.bug.message


@pytest.mark.parametrize("walk", [
    lambda b: list_for_each_entry_rcu(b.head, item, "link"),      # C's argument order
    lambda b: list_for_each_entry(b.head, item),
    lambda b: list_for_each_entry_rcu(b.head, "link", "yes"),      # a cond that is no condition
])
def test_a_walk_with_cs_argument_order_is_a_model_error(walk):
    """``list_for_each_entry_rcu(head, item, "link")`` once took "link" for a true
    lockdep condition, so a walk outside rcu_read_lock() was not reported; now
    the type where the member name goes is refused, naming the call."""
    def body(b, its, out):
        INIT_LIST_HEAD(b.head)
        list_add_rcu(its[0].link, b.head)
        for it in walk(b):
            out["v"] = READ_ONCE(ptr(it, "val"))
        for it in its:
            kfree(it)
    from kcheck.engine.runtime import ModelError
    with pytest.raises(ModelError, match=r"list_for_each_entry(_rcu)?(\(head, member\))?: "):
        _single(body)


def test_a_walk_outside_rcu_read_lock_without_a_condition_is_reported():
    def body(b, its, out):
        INIT_LIST_HEAD(b.head)
        list_add_rcu(its[0].link, b.head)
        for it in list_for_each_entry_rcu(b.head, "link"):
            out["v"] = READ_ONCE(ptr(it, "val"))
        for it in its:
            kfree(it)
    res, _ = _single(body)
    assert res.bug is not None and res.bug.kind == "suspicious-rcu-usage", res.format()


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("unlink", ["list_del_init", "list_del_init_careful"])
def test_list_empty_careful_against_an_unlink_under_the_lock_is_no_data_race(unlink, memory_model):
    """``finish_wait()``'s pattern: a lockless ``list_empty_careful()`` of an
    entry another task unlinks with the lock held.  Since v5.18 ("list: fix a
    data-race around ep->rdllist") INIT_LIST_HEAD(), and so list_del_init(),
    store prev with WRITE_ONCE: every access is marked, KCSAN is silent, and
    so is kcheck (it reported a race on ``prev`` until 2026-12-03)."""
    import kcheck.kernel as K
    from kcheck.kernel import list_empty_careful

    def main():
        b = kzalloc(box)
        INIT_LIST_HEAD(b.head)
        it = kzalloc(item)
        INIT_LIST_HEAD(it.link)
        list_add_tail(it.link, b.head)

        def remover():
            spin_lock(b.lock)
            getattr(K, unlink)(it.link)
            spin_unlock(b.lock)

        def looker():
            if not list_empty_careful(it.link):
                spin_lock(b.lock)
                list_del_init(it.link)
                spin_unlock(b.lock)
        ts = [spawn(remover, name="remover"), spawn(looker, name="looker")]

        def teardown():
            for t in ts:
                join(t)
            kfree(it)
            kfree(b)
        spawn(teardown, name="teardown")

    res = kcheck.check(main, memory_model=memory_model, races="error")
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


class _Entry(KStruct):
    link: list_head
    x: int


def _heap_entry(how):
    def main():
        def t():
            e = kzalloc(_Entry)
            if how == "init":
                INIT_LIST_HEAD(e.link)
            h = None
            if how == "added":
                h = kzalloc(_Entry)
                INIT_LIST_HEAD(h.link)
                list_add(e.link, h.link)
            list_del(e.link)
            kfree(e)
            if h is not None:
                kfree(h)
        spawn(t, name="t")
    return main


@pytest.mark.parametrize("how, kind", [("never", "null-deref"), ("init", None), ("added", None)])
def test_a_heap_list_head_is_null_until_initialised_or_added(how, kind):
    """kzalloc()'d memory holds NULL list pointers, as in C: list_del() of an
    entry never added nor INIT_LIST_HEAD()ed oopses (a review's mutant,
    2026-12-03, deleted a TDP MMU page never added and kcheck reported only
    a WARN at teardown, 130 steps later)."""
    res = kcheck.check(_heap_entry(how))
    assert (res.bug.kind if res.bug else None) == kind, res.format()
    if kind:
        assert "NULL list pointer" in res.bug.message


def test_a_list_head_main_builds_starts_empty():
    """The initial state's list_heads are LIST_HEAD()s: empty, so list_empty()
    and a list_del() of an unlinked entry behave as on an initialised one."""
    def main():
        e = _Entry()

        def t(e):
            WARN_ON(not list_empty(e.link))
            list_del_init(e.link)
        spawn(t, e, name="t")
    res = kcheck.check(main)
    assert res.bug is None and res.exhaustive, res.format()
