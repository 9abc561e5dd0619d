"""The summary of a long trace (report/text.py ``turn_summary``): one line per
turn, the calls that turn ran, with the step numbers of the trace below it."""

import re

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, refcount_t, refcount_set, refcount_dec_and_test, kzalloc,
                           kfree, READ_ONCE, WRITE_ONCE, ptr)
from kcheck.report import text


class stats(KStruct):
    n: int


class obj(KStruct):
    ref: refcount_t
    data: int


def _count(s, k):
    for _ in range(k):
        WRITE_ONCE(ptr(s, "n"), READ_ONCE(ptr(s, "n")) + 1)


def _put(o):
    if refcount_dec_and_test(o.ref):
        kfree(o)


def _model(work):
    def main():
        o = kzalloc(obj)
        refcount_set(o.ref, 1)          # one reference, put by both: the bug

        def user(o, name):
            s = kzalloc(stats)
            _count(s, work)             # private bookkeeping: long, not shared
            WRITE_ONCE(ptr(o, "data"), 1)
            _put(o)
            kfree(s)
        spawn(user, o, "a", name="a")
        spawn(user, o, "b", name="b")
    return main


def _trace(work):
    res = kcheck.check(_model(work))
    assert res.verdict == "bug"
    return res.bug.trace


def test_a_long_trace_starts_with_its_turns():
    tr = _trace(12)
    lines = tr.splitlines()
    assert lines[0] == "In short (the step numbers of the trace below):"
    rows = []
    for ln in lines[1:]:
        if not ln.strip():
            break
        m = re.match(r"  (\d+)(?:-(\d+))?\s+(\w+)\s+(.*)", ln)
        assert m, ln
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        rows.append((a, b, m.group(3), m.group(4)))
    # the turns tile the trace: from step 1 to its last, each task's in turn
    assert rows[0][0] == 1
    assert all(rows[i][1] + 1 == rows[i + 1][0] for i in range(len(rows) - 1))
    assert all(rows[i][2] != rows[i + 1][2] for i in range(len(rows) - 1))
    last = max(int(m.group(1)) for m in re.finditer(r"^(?:>>)? *(\d+) ", tr, re.M))
    assert rows[-1][1] == last
    # a turn is named by the calls its steps ran: the first one counts, then puts
    assert "user(): _count()" in rows[0][3]
    assert any("_put()" in r[3] for r in rows)


def test_a_short_trace_has_no_summary():
    tr = _trace(0)
    assert "In short" not in tr


def test_the_summary_names_shared_calls_then_the_calls_made_from_them():
    assert text._calls([("f", "g", "h"), ("f", "g", "i"), ("f", "g", "h")]) == "f() > g(): h(), i()"
    assert text._calls([("f", "g"), ("f", "g")]) == "f() > g()"
    assert text._calls([("a",), ("b",), ("c",), ("d",), ("e",)]) == "a(), b(), c(), d(), … (5 calls)"
    assert text._calls([None, ()]) == ""


C_USERS = r"""
#include <linux/kernel.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <pthread.h>
struct obj { refcount_t ref; int data; };
static struct obj *o;
static void count(int *n)
{
	int i;

	for (i = 0; i < 12; i++)
		WRITE_ONCE(*n, READ_ONCE(*n) + 1);
}
static void put(struct obj *p)
{
	if (refcount_dec_and_test(&p->ref))
		kfree(p);
}
static void *user(void *arg)
{
	int *n = kzalloc(sizeof(*n), GFP_KERNEL);

	count(n);
	WRITE_ONCE(o->data, 1);
	put(o);
	kfree(n);
	return NULL;
}
int main(void)
{
	pthread_t a, b;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	refcount_set(&o->ref, 1);
	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, user, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_c_traces_turns_name_its_calls(tmp_path, mm):
    """C calls are a chain as Python frames are (c._compile.traced_call): the
    turn says ``user(): count(), put()``, each function once, under either
    memory model (the LKMM's calls go through the dependency-carrying path)."""
    import kcheck.c
    f = tmp_path / "users.c"
    f.write_text(C_USERS)
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model=mm)
    assert res.bug is not None, res.format()
    head = res.bug.trace.split("\n\n", 1)[0]
    assert head.startswith("In short"), res.bug.trace
    assert "user(): count(), put()" in head, head
    assert "user() > user()" not in head, head
