"""herd7 input that kcheck rejected or misread, now read as herd7 reads it.

Each case records herd7 7.58's answer (its states, Positive/Negative counts
and Observation line, run with Linux's linux-kernel.cfg) as data; the herd
engine must print the same, and the program engine (``--engine trust``) must
give the same Observation.  Input herd7 rejects stays an error: one line
naming file:line, exit status 2, in both engines.
"""

from __future__ import annotations

import io
import json
import textwrap

import pytest

from kcheck.litmus import check_file, parse_text, run_paths, run_test
from kcheck.litmus.report import format_block, format_states, observation


def _text(body: str, name: str) -> str:
    return f"C {name}\n\n" + textwrap.dedent(body).strip() + "\n"


# name -> (test body, herd7 7.58's answer: states, positive, negative, observation)
HERD = {
    # 1. a register the initial state sets and the process never declares:
    #    it holds the address of x
    "init-reg-undeclared": ("""
        {
         1:r2=x;
        }

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        P1(int *y)
        {
        	int r0;

        	r0 = READ_ONCE(*r2);
        }

        exists (1:r0=1)
        """, ["1:r0=0;", "1:r0=1;"], 1, 1, "Sometimes"),
    "init-reg-undeclared-store": ("""
        { 0:r1=x; }

        P0(int *y)
        {
        	WRITE_ONCE(*r1, 1);
        }

        exists (x=1)
        """, ["[x]=1;"], 1, 0, "Always"),
    "init-reg-undeclared-typed": ("""
        { int *0:r1=x; }

        P0(int *y)
        {
        	WRITE_ONCE(*r1, 1);
        }

        exists (x=1)
        """, ["[x]=1;"], 1, 0, "Always"),
    "init-reg-observed": ("""
        { 0:r1=x; }

        P0(int *y)
        {
        	int r2;
        	r2 = READ_ONCE(*r1);
        }

        exists (0:r1=x /\\ 0:r2=0)
        """, ["0:r1=x; 0:r2=0;"], 1, 0, "Always"),
    # herd's explicit memory location in the initial state, "[x]=1;"
    "init-bracketed-location": ("""
        { [x]=1; }

        P0(int *x)
        {
        	int r0;
        	r0 = READ_ONCE(*x);
        }

        exists (0:r0=1)
        """, ["0:r0=1;"], 1, 0, "Always"),
    # 2. a location named only in the final clause: a location holding 0
    "final-only-location-1": ("""
        {}

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        exists (z=1)
        """, ["[z]=0;"], 0, 1, "Never"),
    "final-only-location-0": ("""
        {}

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        exists (z=0)
        """, ["[z]=0;"], 1, 0, "Always"),
    "locations-only-location": ("""
        {}

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        locations [z]
        exists (x=1)
        """, ["[x]=1; [z]=0;"], 1, 0, "Always"),
    "filter-only-location": ("""
        {}

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        filter (z=0)
        exists (x=1)
        """, ["[x]=1;"], 1, 0, "Always"),
    # 3. "return;" (and "break;", "continue;"): herd7's C has no such keyword,
    #    the statement names a register and does nothing - the process goes on
    "return-in-if": ("""
        {}

        P0(int *x, int *y)
        {
        	int r0;
        	r0 = READ_ONCE(*x);
        	if (r0 == 0)
        		return;
        	WRITE_ONCE(*y, 1);
        }

        P1(int *x, int *y)
        {
        	WRITE_ONCE(*x, 1);
        }

        exists (y=1)
        """, ["[y]=1;"], 2, 0, "Always"),
    "return-then-store": ("""
        {}

        P0(int *x, int *y)
        {
        	WRITE_ONCE(*x, 1);
        	return;
        	WRITE_ONCE(*y, 1);
        }

        exists (y=1)
        """, ["[y]=1;"], 1, 0, "Always"),
    "return-then-register": ("""
        {}

        P0(int *x, int *y)
        {
        	int r0;
        	r0 = 1;
        	return;
        	r0 = 2;
        }

        exists (0:r0=2)
        """, ["0:r0=2;"], 1, 0, "Always"),
    "break-in-if": ("""
        {}

        P0(int *x, int *y)
        {
        	int r0;
        	r0 = READ_ONCE(*x);
        	if (r0 == 0)
        		break;
        	WRITE_ONCE(*y, 1);
        }

        exists (y=1)
        """, ["[y]=1;"], 1, 0, "Always"),
    "continue": ("""
        {}

        P0(int *x, int *y)
        {
        	continue;
        	WRITE_ONCE(*y, 1);
        }

        exists (y=1)
        """, ["[y]=1;"], 1, 0, "Always"),
    # 2026-12-03 (a review): a candidate that dereferences a NULL read from an
    # initial value has no location to access; herd7 drops it and judges the
    # others, where kcheck stopped the test with an error
    "null-deref-candidate-rcu": ("""
        {}

        P0(int **p, int *a)
        {
        	WRITE_ONCE(*a, 1);
        	rcu_assign_pointer(*p, a);
        }

        P1(int **p)
        {
        	rcu_read_lock();
        	int *r0 = rcu_dereference(*p);
        	int r1 = READ_ONCE(*r0);
        	rcu_read_unlock();
        }

        exists (1:r0=a /\\ 1:r1=0)
        """, ["1:r0=a; 1:r1=1;"], 0, 1, "Never"),
    "null-deref-candidate-mp": ("""
        {}

        P0(int **q, int *c)
        {
        	WRITE_ONCE(*q, c);
        }

        P1(int **q)
        {
        	int *r1 = READ_ONCE(*q);
        	int r2 = READ_ONCE(*r1);
        }

        exists (1:r1=c /\\ 1:r2=0)
        """, ["1:r1=c; 1:r2=0;"], 1, 0, "Always"),
    # synchronize_rcu_expedited() is synchronize_rcu()'s Sync-rcu in
    # linux-kernel.def; the program engine did not know it (a review, 2026-12-03)
    "sync-rcu-expedited": ("""
        {}

        P0(int *x, int *y)
        {
        	rcu_read_lock();
        	int r0 = READ_ONCE(*x);
        	int r1 = READ_ONCE(*y);
        	rcu_read_unlock();
        }

        P1(int *x, int *y)
        {
        	WRITE_ONCE(*y, 1);
        	synchronize_rcu_expedited();
        	WRITE_ONCE(*x, 1);
        }

        exists (0:r0=1 /\\ 0:r1=0)
        """, ["0:r0=0; 0:r1=0;", "0:r0=0; 0:r1=1;", "0:r0=1; 0:r1=1;"], 0, 3, "Never"),
    # arithmetic on a value read through a pointer read from memory: the herd
    # engine worked out the values of rf candidates whose reads read writes to
    # another address (``*r0`` reading p's &x) and stopped the test with
    # "internal error: '+' on the address of x" (a review, 2026-12-03)
    "ptr-then-arith": ("""
        { int *p=&x; }

        P0(int **p, int *y)
        {
        	int *r0;
        	int r1;
        	r0 = READ_ONCE(*p);
        	r1 = READ_ONCE(*r0);
        	WRITE_ONCE(*y, r1 + 1);
        }

        P1(int *y)
        {
        	int r2;
        	r2 = READ_ONCE(*y);
        }

        exists (1:r2=1)
        """, ["1:r2=0;", "1:r2=1;"], 1, 1, "Sometimes"),
    "ptr-then-and": ("""
        { int *p=&x; }

        P0(int **p, int *y)
        {
        	int *r0;
        	int r1;
        	r0 = READ_ONCE(*p);
        	r1 = READ_ONCE(*r0);
        	WRITE_ONCE(*y, r1 & 1);
        }

        P1(int *y)
        {
        	int r2;
        	r2 = READ_ONCE(*y);
        }

        exists (1:r2=1)
        """, ["1:r2=0;"], 0, 2, "Never"),
    "ptr-then-rmw": ("""
        { int *p=&x; }

        P0(int **p, int *x, int *y)
        {
        	int *r0;
        	int r1;
        	r0 = READ_ONCE(*p);
        	r1 = atomic_fetch_add(2, r0);
        }

        P1(int **p, int *x, int *y)
        {
        	int r2;
        	WRITE_ONCE(*p, y);
        	r2 = atomic_inc_return(x);
        }

        exists (0:r0=x /\\ 0:r1=1 /\\ x=3)
        """, ["0:r0=x; 0:r1=0; [x]=3;", "0:r0=x; 0:r1=1; [x]=3;", "0:r0=y; 0:r1=0; [x]=1;"],
        1, 2, "Sometimes"),
}


@pytest.mark.parametrize("name", sorted(HERD))
def test_herd_engine_gives_herds_answer(name):
    body, states, pos, neg, obs = HERD[name]
    test = parse_text(_text(body, name), f"{name}.litmus")
    o = run_test(test)
    assert format_states(o) == states
    assert (o.positive, o.negative, observation(o)) == (pos, neg, obs)


@pytest.mark.parametrize("name", sorted(HERD))
def test_program_engine_gives_herds_observation(name):
    from kcheck.litmus.program import explore
    body, _, _, _, obs = HERD[name]
    test = parse_text(_text(body, name), f"{name}.litmus")
    assert explore(test)[0] == obs


def test_final_only_location_block(tmp_path):
    # herd7 7.58 prints, for exists (z=0) with z named nowhere else:
    #   States 1 / [z]=0; / Ok / Positive: 1 Negative: 0 /
    #   Condition exists ([z]=0) / Observation final-only-location-0 Always 1 0
    f = tmp_path / "final-only-location-0.litmus"
    f.write_text(_text(HERD["final-only-location-0"][0], "final-only-location-0"))
    block = format_block(check_file(str(f)))
    assert "States 1\n[z]=0;\nOk\nWitnesses\nPositive: 1 Negative: 0\n" in block
    assert "Condition exists ([z]=0)\n" in block
    assert "Observation final-only-location-0 Always 1 0\n" in block


# Input herd7 7.58 rejects (its message in the comment): kcheck rejects it too,
# with one line naming file:line - (test body, line, words of kcheck's message)
REJECTED = {
    # herd7: unexpected 'r0' (in prog)
    "return-value": ("""
        {}

        P0(int *x)
        {
        	int r0;
        	r0 = 1;
        	return r0;
        }

        exists (0:r0=1)
        """, 9, "'return' with a value"),
    # herd7: Unknown macro return
    "return-call": ("""
        {}

        P0(int *x)
        {
        	int r0;
        	r0 = 1;
        	return (r0);
        }

        exists (0:r0=1)
        """, 9, "'return' with a value"),
    # herd7: Bad process P3
    "init-no-process": ("""
        { 3:r0=1; }

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        exists (x=1)
        """, 3, "no process P3"),
    # herd7: Bad process P3
    "final-no-process": ("""
        {}

        P0(int *x)
        {
        	WRITE_ONCE(*x, 1);
        }

        exists (3:r0=0)
        """, 10, "no process 3"),
    # herd7: unexpected '&' (in init) - '&' only in a pointer's entry
    "init-reg-amper": ("""
        { 0:r1=&x; }

        P0(int *y)
        {
        	WRITE_ONCE(*r1, 1);
        }

        exists (x=1)
        """, 3, "'&' in the initial value of 0:r1"),
    # herd7: unexpected '&' (in init)
    "init-global-amper": ("""
        { y=&x; }

        P0(int **y)
        {
        	int *r1;
        	r1 = READ_ONCE(*y);
        	WRITE_ONCE(*r1, 1);
        }

        exists (x=1)
        """, 3, "'&' in the initial value of y"),
    # herd7: Non-symbolic memory access found on '[0]'
    "deref-unknown": ("""
        {}

        P0(int *x)
        {
        	WRITE_ONCE(*z, 1);
        }

        exists (x=0)
        """, 7, "dereferences 'z'"),
}


@pytest.mark.parametrize("engine", ["herd", "trust"])
@pytest.mark.parametrize("name", sorted(REJECTED))
def test_what_herd_rejects_stays_an_error(tmp_path, name, engine):
    body, line, words = REJECTED[name]
    f = tmp_path / f"{name}.litmus"
    f.write_text(_text(body, name))
    out = io.StringIO()
    if engine == "trust":
        from kcheck.litmus.program import run_paths as run_program
        rc = run_program([str(f)], False, out)
    else:
        rc = run_paths([str(f)], False, out)
    assert rc == 2, out.getvalue()
    err = [l for l in out.getvalue().splitlines() if f"{f}:{line}: " in l]
    assert len(err) == 1 and words in err[0], out.getvalue()
    assert "Traceback" not in out.getvalue()


def test_init_amper_in_a_pointer_entry_is_accepted():
    # herd7 7.58 accepts "int *y = &x;": States 1 [x]=1; Positive: 1 Negative: 0, Always
    test = parse_text(_text("""
        { int *y = &x; }

        P0(int **y)
        {
        	int *r1;
        	r1 = READ_ONCE(*y);
        	WRITE_ONCE(*r1, 1);
        }

        exists (x=1)
        """, "amper-pointer"), "amper-pointer.litmus")
    o = run_test(test)
    assert (format_states(o), o.positive, o.negative) == (["[x]=1;"], 1, 0)


# 4. "Result: Maybe" (100 tests of github:paulmckrcu/litmus) and "Result: Flag
# srcu-bad-nesting": herd7 ignores the line; it is no verdict to match, so no
# MISMATCH and no exit status 1
MAYBE = _text("""
    (*
     * Result: Maybe
     *)

    {}

    P0(int *x)
    {
    	WRITE_ONCE(*x, 1);
    }

    exists (x=1)
    """, "maybe")


@pytest.mark.parametrize("word", ["Maybe", "Flag srcu-bad-nesting"])
def test_result_maybe_is_nothing_to_compare(tmp_path, word):
    f = tmp_path / "maybe.litmus"
    f.write_text(MAYBE.replace("Result: Maybe", f"Result: {word}"))
    r = check_file(str(f))
    # herd7 7.58: States 1 [x]=1; Ok Positive: 1 Negative: 0, Observation maybe Always 1 0
    assert r.observation == "Always" and r.match is None
    out = io.StringIO()
    assert run_paths([str(f)], False, out) == 0, out.getvalue()
    text = out.getvalue()
    assert "MISMATCH" not in text and "nothing to compare" in text
    assert "0 mismatch" in text
    out = io.StringIO()
    assert run_paths([str(f)], True, out) == 0
    row = json.loads(out.getvalue())["tests"][0]
    assert row["match"] is None and row["expected"] == word.split()[0]
    from kcheck.litmus.program import run_paths as run_program
    out = io.StringIO()
    assert run_program([str(f)], False, out) == 0, out.getvalue()
    assert "MISMATCH" not in out.getvalue() and "0 mismatch" in out.getvalue()


@pytest.mark.parametrize("body, want", [
    ("P0(atomic_t *x)\n{\n\tint r1 = 0;\n\tint r0 = atomic_try_cmpxchg(x, &r1, 1);\n}\n",
     "'r1' is a register, not a shared variable, and has no address"),
    ("P0(int *x)\n{\n\tWRITE_ONCE(*x);\n}\n",
     "WRITE_ONCE() called with 1 argument(s): not the number it takes"),
])
def test_program_engine_errors_are_the_tests_not_pythons(body, want):
    """A register's address and a wrong number of arguments: a line naming
    the test's mistake, not a KeyError or "tuple index out of range"."""
    from kcheck.litmus.program import explore
    from kcheck.litmus.syntax import LitmusError
    test = parse_text("C t\n\n{}\n\n" + body + "\nexists (x=1)\n", "t.litmus")
    with pytest.raises(LitmusError) as ei:
        explore(test)
    msg = str(ei.value)
    assert want in msg and "Error" not in msg and "index" not in msg, msg


def test_an_internal_error_in_one_test_leaves_the_others_reported(tmp_path, monkeypatch):
    """A review: one crashing test ended a batch, and --json printed only the
    error - the results of the tests before it were lost."""
    import kcheck.litmus as L
    good = tmp_path / "a-good.litmus"
    good.write_text(_text(HERD["sync-rcu-expedited"][0], "a-good"))
    bad = tmp_path / "b-bad.litmus"
    bad.write_text(_text(HERD["sync-rcu-expedited"][0], "b-bad"))
    after = tmp_path / "c-after.litmus"
    after.write_text(_text(HERD["sync-rcu-expedited"][0], "c-after"))
    real = L.run_test

    def run_test(test, tick=None):
        if test.name == "b-bad":
            raise ZeroDivisionError("boom")
        return real(test, tick)
    monkeypatch.setattr(L, "run_test", run_test)
    out = io.StringIO()
    rc = run_paths([str(tmp_path)], True, out)
    j = json.loads(out.getvalue())
    assert rc == 2
    blob = json.dumps(j)
    assert "a-good" in blob and "c-after" in blob, blob
    assert "internal error: ZeroDivisionError: boom" in blob, blob


def test_a_decimal_past_int32_is_herds_error(tmp_path):
    """herd7: Failure Int32.of_string on 4294967295 (a hex 0xffffffff is -1);
    kcheck read the decimal as -1 (a review)."""
    f = tmp_path / "big.litmus"
    f.write_text("C big\n{}\nP0(int *x) {\n  WRITE_ONCE(*x, 4294967295);\n}\nexists (x=-1)\n")
    r = check_file(str(f))
    assert r.error is not None and "big.litmus:4: 4294967295: herd7's values are 32-bit" in r.error
    f.write_text("C big\n{}\nP0(int *x) {\n  WRITE_ONCE(*x, 0xffffffff);\n}\nexists (x=-1)\n")
    r = check_file(str(f))
    assert r.error is None and observation(r.outcome) == "Always"
