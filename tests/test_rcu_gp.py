"""RCU callbacks' grace periods as a constraint (engine/memory/rcu_gp.py).

The operational model - a callback reads every task's read-side flag and
waits - is the reference: it is RCU's definition run step by step.  The
declarative model must give the same verdict on every program, while
exploring far fewer executions.
"""

from hypothesis import given, settings, strategies as st, HealthCheck

from kcheck import spawn
from kcheck.engine.explore import TruSt
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, call_rcu, container_of, kfree,
                           kzalloc, ptr, rcu_assign_pointer, rcu_dereference, rcu_head,
                           rcu_read_lock, rcu_read_unlock, synchronize_rcu, rcu_barrier)


class obj(KStruct):
    val: int
    rcu: rcu_head


class holder(KStruct):
    head: obj
    x: int


def explore(main, declarative, limit=200000):
    d = TruSt(main, max_executions=limit)
    d.rcu_declarative = declarative
    d.run()
    bug = d.bug_run.bug if d.bug_run is not None else None
    return bug, d.stats.executions, d.exhaustive


def both(main):
    b1, n1, x1 = explore(main, True)
    b0, n0, x0 = explore(main, False)
    return b1, b0, n1, n0


def free_cb(head):
    kfree(container_of(head, obj))


def free_cb_then_flag(h):
    def cb(head):
        kfree(container_of(head, obj))
        WRITE_ONCE(ptr(h, "x"), 1)
    return cb


def program(readers, updater, flag_after_free=False):
    """readers: lists of ops; updater: list of ops.  See the strategies below."""
    def run_ops(h, ops):
        p = None
        insec = 0
        for o in ops:
            if o == "lock":
                rcu_read_lock()
                insec += 1
            elif o == "unlock":
                if insec:
                    rcu_read_unlock()
                    insec -= 1
            elif o == "deref":
                p = rcu_dereference(ptr(h, "head"))
            elif o == "use":
                if p is not None:
                    READ_ONCE(ptr(p, "val"))
            elif o == "flag":
                if READ_ONCE(ptr(h, "x")) == 1 and p is not None:
                    WARN_ON(True)
            elif o == "unlink":
                p = READ_ONCE(ptr(h, "head"))
                rcu_assign_pointer(ptr(h, "head"), None)
            elif o == "call_rcu":
                if p is not None:
                    call_rcu(p.rcu, free_cb_then_flag(h) if flag_after_free else free_cb)
                    p = None
            elif o == "sync_free":
                if p is not None:
                    synchronize_rcu()
                    kfree(p)
                    p = None
            elif o == "kfree":
                if p is not None:
                    kfree(p)
                    p = None
        while insec:
            rcu_read_unlock()
            insec -= 1

    def main():
        a = kzalloc(obj, val=1)
        h = holder(head=a)
        for i, ops in enumerate(readers):
            spawn(run_ops, h, ops, name=f"reader{i}")
        spawn(run_ops, h, ["unlink"] + updater, name="updater")

    return main


# -- known verdicts -------------------------------------------------------------------

def test_unlink_then_call_rcu_is_safe():
    main = program([["lock", "deref", "use", "unlock"]], ["call_rcu"])
    b1, b0, n1, n0 = both(main)
    assert b1 is None and b0 is None
    assert n1 <= n0


def test_use_after_unlock_is_a_use_after_free():
    main = program([["lock", "deref", "unlock", "use"]], ["call_rcu"])
    b1, b0, _, _ = both(main)
    assert b1 is not None and b1.kind == "use-after-free"
    assert b0 is not None and b0.kind == "use-after-free"


def test_pointer_kept_across_sections_is_a_use_after_free():
    main = program([["lock", "deref", "unlock", "lock", "use", "unlock"]], ["call_rcu"])
    b1, _, _, _ = both(main)
    assert b1 is not None and b1.kind == "use-after-free"


def test_free_without_grace_period():
    main = program([["lock", "deref", "use", "unlock"]], ["kfree"])
    b1, _, _, _ = both(main)
    assert b1 is not None and b1.kind == "use-after-free"


def test_a_section_cannot_see_what_the_callback_did():
    # A reader that found the object inside its section cannot see a store the
    # callback makes after the grace period: the WARN must never fire.  The
    # explorer does build such graphs (the callback runs early), finds the WARN,
    # and must find the graph impossible.
    main = program([["lock", "deref", "flag", "use", "unlock"]], ["call_rcu"], flag_after_free=True)
    b1, b0, n1, n0 = both(main)
    assert b0 is None
    assert b1 is None


def test_a_reader_outside_the_section_can_see_it():
    main = program([["lock", "deref", "unlock", "flag"]], ["call_rcu"], flag_after_free=True)
    b1, b0, _, _ = both(main)
    assert b0 is not None and b0.kind == "warn"
    assert b1 is not None and b1.kind == "warn"


def test_fewer_executions_with_unrelated_sections():
    # Three short sections that never touch the object: the operational model
    # places the grace period between each of them, the declarative one does not.
    main = program([["lock", "unlock", "lock", "unlock", "lock", "unlock"],
                    ["lock", "deref", "use", "unlock"]], ["call_rcu"])
    b1, b0, n1, n0 = both(main)
    assert b1 is None and b0 is None
    assert n1 < n0


def test_barrier_waits_for_callbacks():
    def main():
        a = kzalloc(obj, val=1)
        h = holder(head=a)

        def upd():
            rcu_assign_pointer(ptr(h, "head"), None)
            call_rcu(a.rcu, free_cb)
            rcu_barrier()
            WRITE_ONCE(ptr(h, "x"), 1)

        def reader():
            if READ_ONCE(ptr(h, "x")) == 1:
                rcu_read_lock()
                p = rcu_dereference(ptr(h, "head"))
                WARN_ON(p is not None)
                rcu_read_unlock()
        spawn(upd, name="updater")
        spawn(reader, name="reader")
    b1, b0, _, _ = both(main)
    assert b1 is None and b0 is None


# -- the two models agree on random programs ---------------------------------------------

reader_op = st.sampled_from(["lock", "unlock", "deref", "use", "flag"])
updater_op = st.sampled_from(["call_rcu", "sync_free", "kfree", "lock", "unlock"])


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(readers=st.lists(st.lists(reader_op, min_size=1, max_size=6), min_size=1, max_size=2),
       updater=st.lists(updater_op, min_size=1, max_size=3),
       flag=st.booleans())
def test_declarative_matches_operational(readers, updater, flag):
    main = program(readers, updater, flag_after_free=flag)
    b1, b0, n1, n0 = both(main)
    assert (b1 is None) == (b0 is None), (b1 and b1.message, b0 and b0.message)


# -- the linear-time admissibility test never says yes where RcuOrder says no ---------

def _checking_fast_path(monkeypatch):
    """Make every run's fast answer face RcuOrder's; count both answers."""
    from kcheck.engine.memory import rcu_gp
    seen = {"fast": 0, "full": 0}
    real = rcu_gp.admissible_order

    def checked(g, order):
        fast = real(g, order)
        full = rcu_gp.RcuOrder(g).ok
        assert not fast or full, "admissible_order said yes, RcuOrder says no"
        seen["fast" if fast else "full"] += 1
        return fast
    monkeypatch.setattr(rcu_gp, "admissible_order", checked)
    return seen


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(readers=st.lists(st.lists(reader_op, min_size=1, max_size=6), min_size=1, max_size=2),
       updater=st.lists(updater_op, min_size=1, max_size=3),
       flag=st.booleans())
def test_run_order_fast_path_agrees_with_rcu_order(readers, updater, flag):
    """Never yes where RcuOrder says no; and the order it repairs is an SC
    order of the graph (``_checking_repair``, below)."""
    import pytest
    with pytest.MonkeyPatch.context() as mp:
        _checking_fast_path(mp)
        _checking_repair(mp)
        main = program(readers, updater, flag_after_free=flag)
        explore(main, True, limit=3000)


def test_run_order_fast_path_on_the_tdp_mmu(monkeypatch):
    """The TDP MMU's walkers and call_rcu callbacks: the run's order repaired
    into an SC order answers nearly every execution (the run's order as it
    is, about half), and never where RcuOrder would say no."""
    from kcheck.models.tdp_mmu.claims import Check
    seen = _checking_fast_path(monkeypatch)
    ch = Check("x", "sean-v3", "vcpu+walker+walker")
    d = TruSt(ch.build(), max_executions=400, step_bound=3000)
    d.run()
    assert seen["fast"] > 350, seen


# -- the repaired order is an SC order of the graph, and keeps what it can -------------

def _is_sc_order(g, order):
    """Every event once; po and spawn kept; each write in coherence order; each
    read sees the write to its location that is last before it."""
    from kcheck.engine import graph as G
    if sorted(map(id, order)) != sorted(id(e) for th in g.threads for e in th):
        return False
    at = {e: i for i, e in enumerate(order)}
    for th in g.threads:
        if any(at[a] > at[b] for a, b in zip(th, th[1:])):
            return False
    for tid, sp in g.spawn_of.items():
        if tid < len(g.threads) and g.threads[tid] and at[sp] > at[g.threads[tid][0]]:
            return False
    last, nco = {}, {}
    for e in order:
        if e.kind == G.WRITE and e.lid in g.co:
            j = nco.get(e.lid, 0)
            if g.co[e.lid][j] is not e:
                return False
            nco[e.lid] = j + 1
            last[e.lid] = e
        elif e.kind == G.READ and e.lid in g.reads and e.rf is not last.get(e.lid):
            return False
    return True


def _checking_repair(monkeypatch):
    from kcheck.engine.memory import rcu_gp
    seen = {"repaired": 0, "unchanged": 0}
    real = rcu_gp._near_sc_order

    def checked(g, order):
        res = real(g, order)
        assert res is not None, "a consistent graph has an SC order"
        near, at = res
        assert _is_sc_order(g, near), "the repaired order is not an SC order of the graph"
        if _is_sc_order(g, order):
            assert near == order, "an order that is SC already must come back unchanged"
            seen["unchanged"] += 1
        else:
            seen["repaired"] += 1
        return res
    monkeypatch.setattr(rcu_gp, "_near_sc_order", checked)
    return seen


def test_repaired_order_is_an_sc_order_on_the_tdp_mmu(monkeypatch):
    """Where the run's order breaks coherence (most v5.18 memslot+vcpu runs)."""
    from kcheck.models.tdp_mmu.claims import Check
    seen = _checking_repair(monkeypatch)
    d = TruSt(Check("x", "v5.18", "memslot+vcpu").build(), max_executions=300, step_bound=3000)
    d.run()
    assert seen["repaired"] > 100, seen


# -- the use-after-free question's fast paths against the closure -------------------------

@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(readers=st.lists(st.lists(reader_op, min_size=1, max_size=6), min_size=1, max_size=2),
       updater=st.lists(updater_op, min_size=1, max_size=3),
       flag=st.booleans())
def test_use_after_free_fast_paths_agree_with_reach_and_rcu_order(readers, updater, flag):
    """``sc.hop_before`` and ``rcu_gp.gp_orders`` answer most "is this access
    before that free in every admissible order" questions without the
    closure; with CHECK_FAST_PATHS each answer is checked against Reach and
    RcuOrder (an AssertionError in the search), and the verdict must still
    be the operational model's."""
    import pytest
    from kcheck.engine import detect
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(detect, "CHECK_FAST_PATHS", True)
        main = program(readers, updater, flag_after_free=flag)
        b1, b0, _, _ = both(main)
    assert (b1 is None) == (b0 is None), (b1 and b1.message, b0 and b0.message)
