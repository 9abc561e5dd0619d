"""LKMM litmus checking: herd7's verdicts, herd7's output, single axioms.

* every shared test (Linux tools/memory-model litmus-tests and
  Documentation/litmus-tests, copied unchanged under tests/data/lkmm) gets
  the verdict of its ``Result:`` line;
* a few blocks are compared line by line with herd7's published output;
* small hand-written tests pin one axiom or tag each;
* the graph interface of kcheck.engine.memory.lkmm is used directly.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from kcheck.engine.memory import lkmm
from kcheck.litmus import LitmusError, check_file, parse_text, run_paths, run_test
from kcheck.litmus.report import LitmusReport, format_block, format_states, observation

DATA = Path(__file__).parent / "data" / "lkmm"
SHARED = sorted(DATA.glob("tests/*.litmus")) + sorted(DATA.glob("doc-tests/*/*.litmus"))


def test_all_shared_tests_are_here():
    assert len(SHARED) == 47


@pytest.mark.parametrize("path", SHARED, ids=lambda p: p.stem)
def test_shared_verdict(path):
    r = check_file(str(path))
    assert r.error is None, r.error
    assert r.expected is not None
    assert r.match, f"{r.name}: got {r.observation} (states {len(r.outcome.states)}), " \
                    f"expected {r.expected}"


def test_deadlock_prints_observation():
    r = check_file(str(DATA / "doc-tests/locking/RM-broken.litmus"))
    block = format_block(r)
    assert "States 0\n" in block
    assert "Observation RM-broken Never 0 0\n" in block
    assert "deadlock: no execution" in block
    assert "Result: DEADLOCK (expected DEADLOCK): match" in block


def run(text: str):
    test = parse_text(textwrap.dedent(text), "inline.litmus")
    return test, run_test(test)


def verdict(text: str) -> str:
    return observation(run(text)[1])


def block(text: str) -> str:
    test, o = run(text)
    r = LitmusReport(file="inline.litmus", name=test.name, expected=test.expected, test=test,
                   outcome=o)
    return "\n".join(l for l in format_block(r).splitlines()
                     if not l.startswith(("Time ", "Result: ")))


# --- herd7's own output, as published ------------------------------------------


def test_block_matches_herd7_sb_rfi():
    # herd7 7.56 on SB+rfionceonce-poonceonces (tools/memory-model/litmus-tests)
    r = check_file(str(DATA / "tests/SB+rfionceonce-poonceonces.litmus"))
    text = "\n".join(l for l in format_block(r).splitlines()
                     if not l.startswith(("Time ", "Result: ")))
    assert text == textwrap.dedent("""\
        Test SB+rfionceonce-poonceonces Allowed
        States 4
        0:r1=1; 0:r2=0; 1:r3=1; 1:r4=0; [x]=1; [y]=1;
        0:r1=1; 0:r2=0; 1:r3=1; 1:r4=1; [x]=1; [y]=1;
        0:r1=1; 0:r2=1; 1:r3=1; 1:r4=0; [x]=1; [y]=1;
        0:r1=1; 0:r2=1; 1:r3=1; 1:r4=1; [x]=1; [y]=1;
        Ok
        Witnesses
        Positive: 1 Negative: 3
        Condition exists (0:r2=0 /\\ 1:r4=0)
        Observation SB+rfionceonce-poonceonces Sometimes 1 3""")


@pytest.mark.parametrize("name,states,obs", [
    ("CoWW+poonceonce", ["[x]=2;"], "Never 0 1"),
    ("R+fencembonceonces", ["1:r0=0; [y]=1;", "1:r0=1; [y]=1;", "1:r0=1; [y]=2;"], "Never 0 3"),
    ("LB+fencembonceonce+ctrlonceonce", ["0:r0=0; 1:r0=0;", "0:r0=1; 1:r0=0;"], "Never 0 2"),
    ("WRC+pooncerelease+fencermbonceonce+Once", None, "Never 0 7"),
])
def test_states_match_herd7(name, states, obs):
    r = check_file(str(DATA / "tests" / f"{name}.litmus"))
    if states is not None:
        assert format_states(r.outcome) == states
    assert f"Observation {name} {obs}" in format_block(r)


# Tests and herd7 outputs from LWN "Who's afraid of a big bad optimizing
# compiler?" / "Calibrating your fear of big bad optimizing compilers" and
# LKML threads: (states, positive, negative, flags).
HERD7_OUTCOMES = [
    ("""\
     C C-MP+p-wmb-o+o-rmb-p
     {}
     P0(int *x0, int *x1) { *x0 = 1; smp_wmb(); WRITE_ONCE(*x1, 1); }
     P1(int *x0, int *x1) { int r1; int r2; r1 = READ_ONCE(*x1); smp_rmb(); r2 = *x0; }
     exists (1:r1=1 /\\ 1:r2=0)
     """, 3, 0, 3, {"data-race"}),
    ("""\
     C C-MP+p-wmb-o+o+ctrl-rmb-p
     {}
     P0(int *x0, int *x1) { *x0 = 1; smp_wmb(); WRITE_ONCE(*x1, 1); }
     P1(int *x0, int *x1)
     { int r1; int r2; r1 = READ_ONCE(*x1); if (r1) { smp_rmb(); r2 = *x0; } }
     exists (1:r1=1 /\\ 1:r2=0)
     """, 2, 0, 2, set()),
    ("""\
     C C-read-multiuse
     {}
     P0(int *a) { *a = 1; }
     P1(int *a, int *b, int *c) { int r1; r1 = *a; *b = r1; *c = r1; }
     locations [1:r1; a; b; c]
     exists (b=1 /\\ c=0)
     """, 2, 0, 2, {"data-race"}),
    ("""\
     C C-read-multiuse-drt3
     {}
     P0(int *a) { WRITE_ONCE(*a, 1); }
     P1(int *a, int *b, int *c)
     { int r1; int r2; r2 = READ_ONCE(*a); *c = r2; r1 = READ_ONCE(*a); *b = r1; }
     locations [1:r1; a; b; c]
     exists (b=1 /\\ c=0)
     """, 3, 1, 2, set()),
    ("""\
     C C-SB+l-p-p-u+l-p-p-u
     {}
     P0(int *x0, int *x1, spinlock_t *s) { int r1; spin_lock(s); *x0 = 1; r1 = *x1; spin_unlock(s); }
     P1(int *x0, int *x1, spinlock_t *s) { int r1; spin_lock(s); *x1 = 1; r1 = *x0; spin_unlock(s); }
     exists (0:r1=0 /\\ 1:r1=0)
     """, 2, 0, 2, set()),
    ("""\
     C C-SB+p-rc-p-p+p-rc-p-p
     { atomic_t rc=2; }
     P0(int *x0, int *x1, atomic_t *rc)
     { int r0; int r1; *x0 = 1; if (atomic_dec_and_test(rc)) { r0 = *x0; r1 = *x1; } }
     P1(int *x0, int *x1, atomic_t *rc)
     { int r0; int r1; *x1 = 1; if (atomic_dec_and_test(rc)) { r0 = *x0; r1 = *x1; } }
     exists ~((0:r0=1 /\\ 0:r1=1 /\\ 1:r0=0 /\\ 1:r1=0) \\/
              (0:r0=0 /\\ 0:r1=0 /\\ 1:r0=1 /\\ 1:r1=1))
     """, 2, 0, 2, set()),
    ("""\
     C unlock-lock-read-ordering
     {}
     P0(int *x, int *y) { WRITE_ONCE(*x, 1); smp_wmb(); WRITE_ONCE(*y, 1); }
     P1(int *x, int *y, spinlock_t *s)
     { int r0; int r1; r0 = READ_ONCE(*y); spin_unlock(s); spin_lock(s); r1 = READ_ONCE(*x); }
     exists (1:r0=1 /\\ 1:r1=0)
     """, 3, 0, 3, {"unmatched-unlock"}),
    ("""\
     C C-SB-o-b-o+o-sr-o
     {}
     P0(int *x, int *y)
     { int r2; rcu_read_lock(); WRITE_ONCE(*x, 1); rcu_read_unlock(); barrier();
       rcu_read_lock(); r2 = READ_ONCE(*y); rcu_read_unlock(); }
     P1(int *x, int *y) { int r4; WRITE_ONCE(*y, 1); synchronize_rcu(); r4 = READ_ONCE(*x); }
     exists (0:r2=0 /\\ 1:r4=0)
     """, 3, 0, 3, set()),
]


# Written for kcheck (2026-11-29) to reach primitives the corpora use little -
# xchg_acquire, cmpxchg_release, atomic_add_return, smp_store_mb, a relaxed
# fetch-inc, spin_trylock, SRCU, filter, smp_mb__after_atomic, control
# dependencies - with herd7 7.58's outcomes under the kernel's model.
HERD7_OUTCOMES += [
    ("""\
     C t1-xchg-acquire-mp
     {}
     P0(int *x, int *y)
     {
     	WRITE_ONCE(*x, 1);
     	smp_store_release(y, 1);
     }
     P1(int *x, int *y)
     {
     	int r0;
     	int r1;
     	r0 = xchg_acquire(y, 2);
     	r1 = READ_ONCE(*x);
     }
     exists (1:r0=1 /\\ 1:r1=0)
     """, 3, 0, 3, set()),
    ("""\
     C t2-cmpxchg-release
     {}
     P0(int *x, int *y)
     {
     	int r0;
     	WRITE_ONCE(*x, 1);
     	r0 = cmpxchg_release(y, 0, 1);
     }
     P1(int *x, int *y)
     {
     	int r1;
     	int r2;
     	r1 = smp_load_acquire(y);
     	r2 = READ_ONCE(*x);
     }
     exists (1:r1=1 /\\ 1:r2=0)
     """, 3, 0, 3, set()),
    ("""\
     C t3-sb-atomic-add-return
     {}
     P0(atomic_t *a, int *x)
     {
     	int r0;
     	WRITE_ONCE(*x, 1);
     	r0 = atomic_add_return(1, a);
     }
     P1(atomic_t *a, int *x)
     {
     	int r1;
     	int r2;
     	r1 = atomic_add_return(1, a);
     	r2 = READ_ONCE(*x);
     }
     exists (0:r0=2 /\\ 1:r2=0)
     """, 3, 1, 2, set()),
    ("""\
     C t4-store-mb-sb
     {}
     P0(int *x, int *y)
     {
     	int r0;
     	smp_store_mb(*x, 1);
     	r0 = READ_ONCE(*y);
     }
     P1(int *x, int *y)
     {
     	int r1;
     	smp_store_mb(*y, 1);
     	r1 = READ_ONCE(*x);
     }
     exists (0:r0=0 /\\ 1:r1=0)
     """, 3, 0, 3, set()),
    ("""\
     C t5-fetch-inc-relaxed-lb
     {}
     P0(atomic_t *a, int *y)
     {
     	int r0;
     	r0 = atomic_fetch_inc_relaxed(a);
     	WRITE_ONCE(*y, 1);
     }
     P1(atomic_t *a, int *y)
     {
     	int r1;
     	r1 = READ_ONCE(*y);
     	smp_mb();
     	atomic_set(a, 5);
     }
     exists (0:r0=5 /\\ 1:r1=1)
     """, 4, 1, 3, set()),
    ("""\
     C t6-trylock
     {}
     P0(spinlock_t *s, int *x)
     {
     	int r0;
     	r0 = spin_trylock(s);
     	if (r0) {
     		WRITE_ONCE(*x, 1);
     		spin_unlock(s);
     	}
     }
     P1(spinlock_t *s, int *x)
     {
     	int r1;
     	int r2;
     	spin_lock(s);
     	r1 = READ_ONCE(*x);
     	spin_unlock(s);
     	r2 = READ_ONCE(*x);
     }
     exists (1:r1=1 /\\ 1:r2=0)
     """, 3, 0, 4, set()),
    ("""\
     C t7-srcu-gp
     {}
     P0(struct srcu_struct *s, int *x, int *y)
     {
     	int r0;
     	int r1;
     	r0 = srcu_read_lock(s);
     	r1 = READ_ONCE(*x);
     	WRITE_ONCE(*y, 1);
     	srcu_read_unlock(s, r0);
     }
     P1(struct srcu_struct *s, int *x, int *y)
     {
     	int r2;
     	r2 = READ_ONCE(*y);
     	synchronize_srcu(s);
     	WRITE_ONCE(*x, 1);
     }
     exists (0:r1=1 /\\ 1:r2=1)
     """, 3, 0, 3, set()),
    ("""\
     C t8-filter
     {}
     P0(int *x, int *y)
     {
     	WRITE_ONCE(*x, 1);
     	WRITE_ONCE(*y, 1);
     }
     P1(int *x, int *y)
     {
     	int r0;
     	int r1;
     	r0 = READ_ONCE(*y);
     	smp_rmb();
     	r1 = READ_ONCE(*x);
     }
     filter (1:r0=1)
     exists (1:r1=0)
     """, 2, 1, 1, set()),
    ("""\
     C t9-mb-after-atomic
     {}
     P0(atomic_t *a, int *x, int *y)
     {
     	int r0;
     	atomic_inc(a);
     	smp_mb__after_atomic();
     	r0 = READ_ONCE(*y);
     }
     P1(atomic_t *a, int *x, int *y)
     {
     	int r1;
     	WRITE_ONCE(*y, 1);
     	smp_mb();
     	r1 = atomic_read(a);
     }
     exists (0:r0=0 /\\ 1:r1=0)
     """, 3, 0, 3, set()),
    ("""\
     C t10-ctrl-dep-lb
     {}
     P0(int *x, int *y)
     {
     	int r0;
     	r0 = READ_ONCE(*x);
     	if (r0)
     		WRITE_ONCE(*y, 1);
     }
     P1(int *x, int *y)
     {
     	int r1;
     	r1 = READ_ONCE(*y);
     	if (r1)
     		WRITE_ONCE(*x, 1);
     }
     exists (0:r0=1 /\\ 1:r1=1)
     """, 1, 0, 1, set()),
]


@pytest.mark.parametrize("text,states,pos,neg,flags", HERD7_OUTCOMES,
                         ids=lambda v: v.split()[1] if isinstance(v, str) else None)
def test_outcome_matches_herd7(text, states, pos, neg, flags):
    _, o = run(text)
    assert (len(o.states), o.positive, o.negative, o.flags) == (states, pos, neg, flags)


def test_condition_printing_follows_herd7():
    b = block(HERD7_OUTCOMES[5][0])
    assert ("Condition exists (not (0:r0=1 /\\ 0:r1=1 /\\ 1:r0=0 /\\ 1:r1=0 \\/ "
            "0:r0=0 /\\ 0:r1=0 /\\ 1:r0=1 /\\ 1:r1=1))") in b


def test_bracketed_locations_in_the_final_condition():
    """herd7 takes ``[x]`` for the shared variable x in a condition (it prints
    them so): the same outcome as ``x``."""
    text = """\
    C MP+brackets
    {}
    P0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); }
    P1(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*y); r1 = READ_ONCE(*x); }
    exists (1:r0=1 /\\ 1:r1=0 /\\ [x]=1 /\\ [y]=1)
    """
    _, a = run(text)
    _, b = run(text.replace("[x]", "x").replace("[y]", "y"))
    assert (a.positive, a.negative) == (b.positive, b.negative) == (1, 3)


# --- one axiom or tag at a time ------------------------------------------------

SB_AFTER_ATOMIC = """\
    C SB-{name}
    {{}}
    P0(int *x, int *y, atomic_t *a)
    {{ int r0; WRITE_ONCE(*x, 1); {op}; smp_mb__after_atomic(); r0 = READ_ONCE(*y); }}
    P1(int *x, int *y) {{ int r1; WRITE_ONCE(*y, 1); smp_mb(); r1 = READ_ONCE(*x); }}
    exists (0:r0=0 /\\ 1:r1=0)
    """


def test_after_atomic_strengthens_an_rmw():
    assert verdict(SB_AFTER_ATOMIC.format(name="inc", op="atomic_inc(a)")) == "Never"


def test_after_atomic_after_atomic_set_does_nothing():
    # atomic_set() is WRITE_ONCE(): no RMW, so smp_mb__after_atomic() orders nothing
    assert verdict(SB_AFTER_ATOMIC.format(name="set", op="atomic_set(a, 1)")) == "Sometimes"


def test_before_atomic_needs_an_rmw_after_it():
    text = """\
        C SB-before-{name}
        {{}}
        P0(int *x, int *y, atomic_t *a)
        {{ int r0; WRITE_ONCE(*x, 1); smp_mb__before_atomic(); {op}; r0 = READ_ONCE(*y); }}
        P1(int *x, int *y) {{ int r1; WRITE_ONCE(*y, 1); smp_mb(); r1 = READ_ONCE(*x); }}
        exists (0:r0=0 /\\ 1:r1=0)
        """
    assert verdict(text.format(name="dec", op="atomic_dec(a)")) == "Never"
    assert verdict(text.format(name="read", op="atomic_read(a)")) == "Sometimes"


MP_CMPXCHG = """\
    C MP-cmpxchg-acquire-{old}
    {{}}
    P0(int *x, int *y) {{ WRITE_ONCE(*x, 1); smp_store_release(y, 1); }}
    P1(int *x, int *y) {{ int r0; int r1; r0 = cmpxchg_acquire(y, {old}, 3); r1 = READ_ONCE(*x); }}
    exists (1:r0=1 /\\ 1:r1=0)
    """


def test_successful_cmpxchg_acquire_orders():
    assert verdict(MP_CMPXCHG.format(old=1)) == "Never"


def test_failed_cmpxchg_is_unordered():
    # reading 1 when expecting 2: the cmpxchg fails and its acquire is dropped
    assert verdict(MP_CMPXCHG.format(old=2)) == "Sometimes"


@pytest.mark.parametrize("op,expected", [("xchg", "Never"), ("xchg_relaxed", "Sometimes")])
def test_xchg_is_a_full_barrier_only_when_fully_ordered(op, expected):
    text = f"""\
        C SB+{op}
        {{}}
        P0(int *x, int *y, int *u) {{ int r0; int r9; WRITE_ONCE(*x, 1); r9 = {op}(u, 1);
                                      r0 = READ_ONCE(*y); }}
        P1(int *x, int *y, int *v) {{ int r1; int r9; WRITE_ONCE(*y, 1); r9 = {op}(v, 1);
                                      r1 = READ_ONCE(*x); }}
        exists (0:r0=0 /\\ 1:r1=0)
        """
    assert verdict(text) == expected


def test_plain_message_passing_races_unless_released():
    racy = """\
        C MP+plain
        {}
        P0(int *x, int *y) { *x = 1; WRITE_ONCE(*y, 1); }
        P1(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*y); r1 = *x; }
        exists (1:r0=1 /\\ 1:r1=0)
        """
    _, o = run(racy)
    assert "data-race" in o.flags and observation(o) == "Sometimes"
    fixed = racy.replace("WRITE_ONCE(*y, 1)", "smp_store_release(y, 1)") \
                .replace("r0 = READ_ONCE(*y); r1 = *x;", "r0 = smp_load_acquire(y); if (r0) r1 = *x;")
    _, o = run(fixed)
    assert not o.flags and observation(o) == "Never"


def test_trylock_inside_own_critical_section_fails():
    _, o = run("""\
        C trylock-nested
        {}
        P0(spinlock_t *l) { int r0; spin_lock(l); r0 = spin_trylock(l); spin_unlock(l); }
        exists (0:r0=1)
        """)
    assert o.states == {(0,)} and o.positive == 0


def test_is_locked_without_any_locker_is_false():
    _, o = run("""\
        C is-locked-alone
        {}
        P0(spinlock_t *l) { int r0; r0 = spin_is_locked(l); }
        P1(spinlock_t *l) { spin_lock(l); spin_unlock(l); }
        exists (0:r0=1)
        """)
    assert observation(o) == "Sometimes"
    _, o = run("""\
        C is-locked-nobody
        {}
        P0(spinlock_t *l) { int r0; r0 = spin_is_locked(l); }
        exists (0:r0=1)
        """)
    assert o.states == {(0,)}


def test_srcu_grace_period_orders_against_reader():
    assert verdict("""\
        C SB+srcu
        {}
        P0(int *x, int *y, struct srcu_struct *s)
        { int r0; int r2; r0 = srcu_read_lock(s); WRITE_ONCE(*x, 1); r2 = READ_ONCE(*y);
          srcu_read_unlock(s, r0); }
        P1(int *x, int *y, struct srcu_struct *s)
        { int r4; WRITE_ONCE(*y, 1); synchronize_srcu(s); r4 = READ_ONCE(*x); }
        exists (0:r2=0 /\\ 1:r4=0)
        """) == "Never"


CORR = """\
    C CoRR-{quant}
    {{}}
    P0(int *x) {{ WRITE_ONCE(*x, 1); }}
    P1(int *x) {{ int r0; int r1; r0 = READ_ONCE(*x); r1 = READ_ONCE(*x); }}
    {cond}
    """


def test_forall_is_required():
    b = block(CORR.format(quant="forall", cond="forall (1:r0=0 \\/ 1:r1=1)"))
    assert "Test CoRR-forall Required" in b and "\nOk\n" in b
    assert "Observation CoRR-forall Always 3 0" in b


def test_not_exists_is_forbidden_and_swaps_witnesses():
    b = block(CORR.format(quant="not-exists", cond="~exists (1:r0=1 /\\ 1:r1=0)"))
    assert "Test CoRR-not-exists Forbidden" in b and "\nOk\n" in b
    assert "Positive: 3 Negative: 0" in b and "Observation CoRR-not-exists Never 0 3" in b


def test_cycle_of_plain_copies_is_kept_like_herd7():
    # manual/oota/C-AS-OOTA-1 of paulmckrcu/litmus: herd7 merges the copied
    # values into one unconstrained variable and keeps the candidate.
    assert verdict("""\
        C C-AS-OOTA-1
        {}
        P0(int *a, int *b, int *x, int *y)
        { int r1; r1 = READ_ONCE(*x); smp_rmb(); if (r1 == 1) { *a = *b; }
          smp_wmb(); WRITE_ONCE(*y, 1); }
        P1(int *a, int *b, int *x, int *y)
        { int r1; r1 = READ_ONCE(*y); smp_rmb(); if (r1 == 1) { *b = *a; }
          smp_wmb(); WRITE_ONCE(*x, 1); }
        exists (0:r1=1 /\\ 1:r1=1)
        """) == "Sometimes"


def test_cycle_through_arithmetic_is_dropped():
    # LB where each thread stores what it read plus one: no solution exists.
    _, o = run("""\
        C LB+data-plus
        {}
        P0(int *x, int *y) { int r0; r0 = *x; *y = r0 + 1; }
        P1(int *x, int *y) { int r1; r1 = *y; *x = r1 + 1; }
        exists (0:r0=2 /\\ 1:r1=1)
        """)
    assert observation(o) == "Never"


def test_register_init_survives_declaration_and_loc_to_loc_atoms():
    _, o = run("""\
        C reg-init
        { 0:r2=x; 1:r2=7; }
        P0(int *x) { int r2; int r3; r3 = READ_ONCE(*r2); }
        P1(int *x) { int r2; WRITE_ONCE(*x, r2); }
        exists (0:r3=1:r2)
        """)
    assert observation(o) == "Sometimes" and o.states == {(0, 7), (7, 7)}


def test_missing_condition_is_forall_true():
    t, o = run("""\
        C no-condition
        {}
        P0(spinlock_t *sl) { spin_lock(sl); spin_lock(sl); }
        """)
    assert t.quantifier == "forall" and not o.states  # self-deadlock: no execution


# --- errors ----------------------------------------------------------------------


def test_unsupported_primitive_names_file_and_line():
    with pytest.raises(LitmusError) as e:
        run("""\
            C bad
            {}
            P0(int *x)
            {
                frobnicate(x);
            }
            exists (x=1)
            """)
    assert "inline.litmus:5:" in str(e.value) and "frobnicate" in str(e.value)


@pytest.mark.parametrize("text,fragment", [
    ("X86 foo\n{}\n", "not a C litmus test"),
    ("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists x=1 y\n", "unexpected 'y'"),
    ("C t\n{}\nP0(int *x) { for (;;) ; }\nexists (x=1)\n", "'for' is not supported"),
    ("C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n", "expected ';'"),
    # (a global only the final clause names is no error: herd7 takes it as a location
    # holding 0 - tests/test_litmus_herd_gaps.py)
    # a typo, or a global not taken as a parameter (herd7: "Non symbolic location")
    ("C t\n{ y=1; }\nP0(int *x) { int r0; r0 = READ_ONCE(*y); }\nexists (0:r0=1)\n",
     "inline.litmus:3: P0 dereferences 'y', which is neither a parameter"),
    ("C t\n{}\nP0(int *x) { int r0;\n if (READ_ONCE(*x)) r0 = ya[0]; }\nexists (0:r0=1)\n",
     "inline.litmus:4: P0 dereferences 'ya'"),
])
def test_parse_errors_are_clear(text, fragment):
    with pytest.raises(LitmusError) as e:
        run(text)
    assert fragment in str(e.value)


def test_run_paths_continues_after_errors_and_summarises(tmp_path):
    good = DATA / "tests" / "MP+poonceonces.litmus"
    (tmp_path / "a.litmus").write_text(good.read_text())
    (tmp_path / "b.litmus").write_text("C broken\n(* Result: Never *)\n{}\nP0(int *x) { ?? }\n")
    out = io.StringIO()
    rc = run_paths([str(tmp_path)], False, out)
    text = out.getvalue()
    assert rc == 2          # a test that could not be checked: no verdict on it
    assert "Observation MP+poonceonces Sometimes 1 3" in text
    assert "b.litmus:4:" in text
    assert text.strip().splitlines()[-1].startswith("2 tests, 1 match, 0 mismatch, 1 errors, ")
    out = io.StringIO()
    rc = run_paths([str(tmp_path / "a.litmus")], True, out)
    j = json.loads(out.getvalue())
    assert rc == 0 and j["summary"]["match"] == 1
    t = j["tests"][0]
    assert (t["name"], t["observation"], t["positive"], t["negative"], t["expected"], t["match"]) \
        == ("MP+poonceonces", "Sometimes", 1, 3, "Sometimes", True)
    assert run_paths([str(tmp_path / "b.litmus")], False, io.StringIO()) == 2


def test_shared_directory_passes():
    rc = run_paths([str(DATA / "tests")], False, io.StringIO())
    assert rc == 0


# --- the graph interface the exploration engine uses -------------------------------


def _sb(fenced: bool) -> lkmm.Execution:
    """SB, both reads reading the initial writes."""
    E = lkmm.Event
    once = frozenset({"ONCE"})
    mb = [E(0, "F", None, frozenset({"MB"}))] if fenced else []
    mb1 = [E(1, "F", None, frozenset({"MB"}))] if fenced else []
    events = [E(None, "W", "x"), E(None, "W", "y"),
              E(0, "W", "x", once), *mb, E(0, "R", "y", once),
              E(1, "W", "y", once), *mb1, E(1, "R", "x", once)]
    idx = {(e.tid, e.kind, e.loc): i for i, e in enumerate(events)}
    es = lkmm.EventStructure(tuple(events))
    rf = {idx[(0, "R", "y")]: idx[(None, "W", "y")], idx[(1, "R", "x")]: idx[(None, "W", "x")]}
    co = {"x": [idx[(None, "W", "x")], idx[(0, "W", "x")]],
          "y": [idx[(None, "W", "y")], idx[(1, "W", "y")]]}
    return lkmm.Execution(es, rf, co)


def test_graph_interface_verdicts():
    assert lkmm.lkmm_consistent(_sb(False)) == (True, None)
    assert lkmm.lkmm_consistent(_sb(True)) == (False, "propagation")
    assert lkmm.lkmm_data_races(_sb(False)) == []


def test_graph_interface_reports_races():
    E = lkmm.Event
    events = (E(None, "W", "x"), E(0, "W", "x"), E(1, "R", "x"))
    x = lkmm.Execution(lkmm.EventStructure(events), {2: 0}, {"x": [0, 1]})
    assert lkmm.lkmm_data_races(x) == [(2, 1)]  # the read races with the plain write
    v = lkmm.check(x)
    assert v.consistent and "data-race" in v.flags


def test_herd_syntax_kernel_tests_use_is_accepted():
    """What herd7 7.58 accepts in Paul McKenney's litmus collection (checked with
    herd7): an OCaml comment inside the initial state, lines of text between
    the name and the initial state, a ';' after the final condition."""
    text = textwrap.dedent("""\
        C C-RCU-remove-like
        C a second name line, skipped by herd
        Hash=0123
        {
            int *z=1; (* List: x->y then x->z. *)
            int *y=2;
            int *x=y;
            int 0:r1 = z;
        }

        P0(int *x, int *y, int *z)
        {
            rcu_assign_pointer(*x, r1);
            synchronize_rcu();
            WRITE_ONCE(*y, 0);
        }

        P1(int *x, int *y, int *z)
        {
            rcu_read_lock();
            r1 = rcu_dereference(*x);
            r2 = READ_ONCE(*r1);
            rcu_read_unlock();
        }

        exists (1:r2=0);
        """)
    out = run_test(parse_text(text, "inline.litmus"))
    assert observation(out) == "Never"      # herd7: Never 0 2
    with pytest.raises(LitmusError, match=r"inline.litmus:5: unexpected 'junk'"):
        parse_text("C t\n{\n}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1); junk\n", "inline.litmus")


def test_empty_and_binary_files_get_one_short_line():
    with pytest.raises(LitmusError, match=r"^x.litmus:1: empty file"):
        parse_text("", "x.litmus")
    with pytest.raises(LitmusError) as e:
        parse_text("\x00\x01\x02\xff" * 100 + "\n", "x.litmus")
    assert str(e.value).startswith("x.litmus:1: not a C litmus test") and len(str(e.value)) < 120


def _many_reads(n):
    """One writer of two values and n readers of two reads each: 3^(2n)
    reads-from choices, with a single coherence order (far too many
    executions to finish, under either engine, and no test too large to
    enumerate)."""
    readers = "\n".join(f"P{i}(int *x)\n{{\n\tint r0;\n\tint r1;\n\n\tr0 = READ_ONCE(*x);\n"
                        f"\tr1 = READ_ONCE(*x);\n}}\n" for i in range(1, n + 1))
    return (f"C many-reads\n\n{{}}\n\nP0(int *x)\n{{\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*x, 2);\n}}\n"
            f"\n{readers}\nexists (1:r0=1)\n")


@pytest.mark.parametrize("engine", ["herd", "trust"])
def test_ctrl_c_reports_the_tests_that_finished(tmp_path, engine):
    """Ctrl-C under --engine trust was "model-error: KeyboardInterrupt" (exit 2),
    and under herd, after the finished tests' blocks, "interrupted (Ctrl-C)
    before any result" with no summary."""
    import time

    from terminal import press_ctrl_c, running_kcheck
    quick = tmp_path / "a-quick.litmus"
    quick.write_text(textwrap.dedent("""\
        C quick
        {}
        P0(int *x) { WRITE_ONCE(*x, 1); }
        P1(int *x) { int r0; r0 = READ_ONCE(*x); }
        exists (1:r0=1)
        """))
    slow = tmp_path / "b-slow.litmus"
    slow.write_text(_many_reads(9))
    with running_kcheck(["litmus", "--engine", engine, quick, slow]) as p:
        time.sleep(4)
        assert p.poll() is None, "the slow test finished"
        press_ctrl_c(p)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (out, err)
    assert "interrupted: Ctrl-C after 1 test;" in out, (out, err)
    assert "quick" in out and "KeyboardInterrupt" not in out + err and "Traceback" not in err, out


def test_a_stray_closing_brace_is_named_at_its_line():
    """After a stray '}' the rest read as the final clause, and the "(*" of
    READ_ONCE(*u) as a comment: "line 23: unterminated (* comment"."""
    text = textwrap.dedent("""\
        C stray
        {}
        P0(int *u)
        {
        	WRITE_ONCE(*u, 1);
        }
        }
        P1(int *u)
        {
        	int r0;
        	r0 = READ_ONCE(*u);
        }
        exists (1:r0=1)
        """)
    with pytest.raises(LitmusError) as e:
        parse_text(text, "stray.litmus")
    assert "unmatched '}'" in str(e.value) and ":7" in str(e.value), str(e.value)


def _many_writes(n_procs=3, k=3):
    procs = []
    for p in range(n_procs):
        body = " ".join(f"WRITE_ONCE(*x, {p * 10 + i + 1});" for i in range(k))
        procs.append(f"P{p}(int *x) {{ {body} }}")
    return "C many-writes\n{}\n" + "\n".join(procs) + "\nexists (x=1)\n"


def test_a_test_too_large_to_enumerate_is_an_error_not_gigabytes(tmp_path, monkeypatch):
    """Coherence orders of one location are kept; past CO_ORDER_LIMIT the test is
    refused with its file and the location (a 4 x 4-write test took 16 GB)."""
    from kcheck.litmus import enumerate as en
    monkeypatch.setattr(en, "CO_ORDER_LIMIT", 1000)
    f = tmp_path / "big.litmus"
    f.write_text(_many_writes(3, 3))          # 9!/(3!^3) = 1,680 orders of x
    r = check_file(str(f))
    assert r.error is not None and r.error.startswith(str(f) + ": over 1,000 coherence orders for x")


def test_long_enumeration_reports_progress(tmp_path):
    f = tmp_path / "mid.litmus"
    f.write_text(_many_writes(3, 3))
    seen = []

    class P:
        enabled = True
        t0 = 0.0

        def show(self, msg):
            seen.append(msg)

        def close(self):
            seen.append("closed")
    r = check_file(str(f), P())
    assert r.error is None and r.outcome.candidates == 1680
    assert any("candidate executions judged" in m for m in seen) and seen[-1] == "closed"


def test_a_thousand_straight_line_writes_are_no_nesting(tmp_path):
    """One process writing x 1,500 times: the coherence orders were enumerated by
    recursion, one level a write, and Python's limit said "expression too
    deeply nested" (hostile review, 2026-11-30)."""
    body = "\n".join(f"\tWRITE_ONCE(*x, {i});" for i in range(1, 1501))
    p = tmp_path / "long.litmus"
    p.write_text(f"C long\n\n{{}}\n\nP0(int *x)\n{{\n{body}\n}}\n\nexists (x=1500)\n")
    r = check_file(str(p))
    assert r.error is None, r.error
    assert r.outcome.positive and not r.outcome.negative     # the last write is the final value


# --- herd7's values are 32-bit (a review compared these with herd7 7.58) --------------

@pytest.mark.parametrize("init,body,cond", [
    ("x=2147483647;", "r0 = READ_ONCE(*x); r1 = r0 + 1;", "0:r1=-2147483648"),
    ("x=0xffffffff;", "r0 = READ_ONCE(*x); r1 = r0;", "0:r1=-1"),
    ("x=-2147483648;", "r0 = READ_ONCE(*x); r1 = r0 - 1;", "0:r1=2147483647"),
    ("x=65536;", "r0 = READ_ONCE(*x); r1 = r0 * r0;", "0:r1=0"),
])
def test_values_wrap_at_32_bits_as_herd7s_do(init, body, cond):
    """herd7 computes in Int32: INT_MAX + 1 is INT_MIN, 0xffffffff is -1.  Until
    2026-11-30 kcheck's integers were unbounded, and these were Never where
    herd7 says Always."""
    text = f"""
    C wrap
    {{ {init} }}
    P0(int *x) {{
        int r0; int r1;
        {body}
    }}
    exists ({cond})
    """
    assert verdict(text) == "Always"


def test_a_constant_past_32_bits_is_refused_as_herd7_does():
    with pytest.raises(LitmusError, match="32-bit"):
        run("""
        C big
        { x=4294967296; }
        P0(int *x) { WRITE_ONCE(*x, 1); }
        exists (x=1)
        """)


def test_atomic_t_wraps_too():
    assert verdict("""
    C atomic-overflow
    { atomic_t a = ATOMIC_INIT(2147483647); }
    P0(atomic_t *a) {
        int r0;
        r0 = atomic_inc_return(a);
    }
    exists (0:r0=-2147483648)
    """) == "Always"


def test_the_program_engine_names_a_call_with_the_wrong_arguments(tmp_path):
    """--engine trust on WRITE_ONCE(*x): the file and line, not an IndexError."""
    from kcheck.litmus import program
    t = tmp_path / "arity.litmus"
    t.write_text("C arity\n{}\nP0(int *x) { WRITE_ONCE(*x); }\nexists (x=0)\n")
    with pytest.raises(LitmusError, match=r"arity.litmus:3: WRITE_ONCE\(\) called with 1 argument"):
        program.explore(parse_text(t.read_text(), str(t)))
