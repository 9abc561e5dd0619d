"""main()'s initial state built once and restored (engine/initial.py) against
main() run every time: the same executions, in the same order, on generated
programs; and the programs whose state cannot be reused fall back to the old
way (the tests below fail if they did not)."""

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import kcheck
from kcheck import spawn, join
from kcheck.engine import initial, detect
from kcheck.engine.runtime import ModelError
from kcheck.engine.explore import TruSt
from kcheck.kernel import (KArray, KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, cmpxchg, xchg, spinlock_t,
                           spin_lock, spin_unlock, kzalloc, kfree, refcount_t, refcount_dec_and_test,
                           refcount_inc_not_zero, kmem_cache_create, kmem_cache_zalloc,
                           kmem_cache_free, smp_mb)

NLOC = 2

op = st.one_of(
    st.tuples(st.just("r"), st.integers(0, NLOC - 1)),
    st.tuples(st.just("w"), st.integers(0, NLOC - 1), st.integers(1, 2)),
    st.tuples(st.just("cas"), st.integers(0, NLOC - 1), st.integers(0, 1), st.integers(1, 3)),
    st.tuples(st.just("xchg"), st.integers(0, NLOC - 1), st.integers(0, 2)),
    st.tuples(st.just("lock")),
    st.tuples(st.just("mb")),
    st.tuples(st.just("warn"), st.integers(0, NLOC - 1), st.integers(0, 2)),
    st.tuples(st.just("get")),            # refcount_inc_not_zero on the shared object
    st.tuples(st.just("put")),            # refcount_dec_and_test, kfree on zero
)

program = st.tuples(
    st.lists(st.lists(op, min_size=1, max_size=3).map(tuple), min_size=2, max_size=3).map(tuple),
    st.booleans(),                        # a task that joins the others
    st.booleans(),                        # main allocates from a kmem_cache
)


class obj(KStruct):
    ref: refcount_t
    val: int


def _model(prog):
    threads, joiner, cached = prog

    def thread(a, lk, o, ops):
        for o_ in ops:
            k = o_[0]
            if k == "r":
                READ_ONCE(a[o_[1]])
            elif k == "w":
                WRITE_ONCE(a[o_[1]], o_[2])
            elif k == "cas":
                cmpxchg(a[o_[1]], o_[2], o_[3])
            elif k == "xchg":
                xchg(a[o_[1]], o_[2])
            elif k == "lock":
                spin_lock(lk)
                WRITE_ONCE(a[0], READ_ONCE(a[0]) + 1)
                spin_unlock(lk)
            elif k == "mb":
                smp_mb()
            elif k == "warn":
                WARN_ON(READ_ONCE(a[o_[1]]) == o_[2] + 5)
            elif k == "get":
                if refcount_inc_not_zero(o.ref):
                    o.val = 1
                    if refcount_dec_and_test(o.ref):
                        kfree(o)
            elif k == "put":
                if refcount_dec_and_test(o.ref):
                    kfree(o)
                return

    def waiter(a, *tasks):
        for t in tasks:
            join(t)
        WARN_ON(READ_ONCE(a[1]) == 7)

    def main():
        a = KArray(NLOC)
        lk = spinlock_t()
        if cached:
            cache = kmem_cache_create("objs", obj)
            o = kmem_cache_zalloc(cache, ref=2)
        else:
            o = kzalloc(obj, ref=2)
        ts = tuple(spawn(thread, a, lk, o, ops, name=f"t{i}") for i, ops in enumerate(threads))
        if joiner:
            spawn(waiter, a, *ts, name="waiter")
    return main


def _explore(main, *, enabled, check=False, memory_model="sc"):
    """Every execution TruSt visits, in order: each event with what it reads
    from, the coherence order, and the bug (if any)."""
    seen = []

    def key(run):
        g = run.g
        evs = tuple((e.tid, e.idx, e.kind, e.lid, e.val if e.kind == 1 else None,
                     None if getattr(e, "rf", None) is None else (e.rf.tid, e.rf.idx))
                    for th in g.threads for e in th)
        co = tuple(sorted((lid, tuple((w.tid, w.idx) for w in ws)) for lid, ws in g.co.items()))
        return evs, co

    def on_complete(run):
        seen.append(key(run))

    saved = initial.ENABLED, detect.CHECK_FAST_PATHS
    initial.ENABLED, detect.CHECK_FAST_PATHS = enabled, check
    try:
        # bounded: both ways must visit the same first executions in the same
        # order, and a generated program can have millions of them
        d = TruSt(main, on_complete=on_complete, races="off", keep_going=True, max_executions=1500,
                  memory_model=memory_model,
                  on_bug=lambda run, bug: seen.append(("bug", bug.kind, key(run))) and False)
        d.run()
    finally:
        initial.ENABLED, detect.CHECK_FAST_PATHS = saved
    return seen, d


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(program)
def test_restored_initial_state_visits_the_same_executions_as_running_main_each_time(prog):
    fresh, _ = _explore(_model(prog), enabled=False)
    restored, d = _explore(_model(prog), enabled=True)
    assert d.__dict__.get("_main_state").__class__ is initial.MainState, "the restore path did not run"
    assert restored == fresh
    # and main() run every time builds exactly the recorded state
    checked, _ = _explore(_model(prog), enabled=True, check=True)
    assert checked == fresh


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(program)
def test_restored_initial_state_under_the_lkmm_too(prog):
    fresh, _ = _explore(_model(prog), enabled=False, memory_model="lkmm")
    restored, d = _explore(_model(prog), enabled=True, memory_model="lkmm")
    assert d.__dict__.get("_main_state").__class__ is initial.MainState
    assert restored == fresh


def _state_of(main):
    _, d = _explore(main, enabled=True)
    return d.__dict__.get("_main_state")


def test_a_python_list_given_to_a_task_is_not_reused():
    # Each run must start with an empty list: reusing main()'s would carry the
    # first run's append into the second, and the WARN would fire.
    def task(a, log):
        log.append(READ_ONCE(a[0]))
        WARN_ON(len(log) > 1)

    def main():
        a = KArray(1)
        spawn(task, a, [], name="t")
        spawn(WRITE_ONCE, a[0], 1, name="w")
    assert _state_of(main) is False
    r = kcheck.check(main)
    assert r.bug is None and r.executions == 2 and r.exhaustive


def test_state_in_a_closure_is_not_reused():
    def main():
        log = []

        def task(a):
            log.append(READ_ONCE(a[0]))
            WARN_ON(len(log) > 1)
        a = KArray(1)
        spawn(task, a, name="t")
        spawn(WRITE_ONCE, a[0], 1, name="w")
    assert _state_of(main) is False
    assert kcheck.check(main).bug is None


SHARED = None


def test_main_that_rebinds_a_module_global_is_not_reused():
    def task(a):
        SHARED.append(READ_ONCE(a[0]))
        WARN_ON(len(SHARED) > 1)

    def main():
        global SHARED
        SHARED = []
        a = KArray(1)
        spawn(task, a, name="t")
        spawn(WRITE_ONCE, a[0], 1, name="w")
    assert _state_of(main) is False
    r = kcheck.check(main)
    assert r.bug is None and r.executions == 2 and r.exhaustive


def test_kernel_objects_and_join_handles_are_reused():
    class s(KStruct):
        lock: spinlock_t
        flag: int

    def a(o):
        spin_lock(o.lock); o.flag = 1; spin_unlock(o.lock)

    def b(o, t):
        join(t)
        WARN_ON(o.flag == 0)

    def main():
        o = s()
        t = spawn(a, o, name="a")
        spawn(b, o, t, name="b")
    st_ = _state_of(main)
    assert st_.__class__ is initial.MainState
    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive


def test_a_store_to_an_undeclared_struct_field_is_a_model_error():
    class s(KStruct):
        lock: spinlock_t

    def a(o):
        o.flag = 1

    def main():
        o = s()
        spawn(a, o, name="a")
    with pytest.raises(ModelError, match="s has no field 'flag'"):
        kcheck.check(main)


COUNTER = 0


def test_a_task_rebinding_a_module_global_is_warned_about():
    def t():
        global COUNTER
        COUNTER = COUNTER + 1         # a race kcheck cannot see: no event

    def main():
        spawn(t, name="a")
        spawn(t, name="b")
    r = kcheck.check(main)
    assert any("module global 'COUNTER'" in w for w in r.warnings), r.warnings

    def clean():
        a = KArray(1)
        spawn(WRITE_ONCE, a[0], 1, name="a")
        spawn(READ_ONCE, a[0], name="b")
    assert not kcheck.check(clean).warnings


@pytest.mark.parametrize("where", ["init", "store"])
def test_a_python_container_in_a_struct_field_is_a_model_error(where):
    class s(KStruct):
        items: list

    def a(o):
        if where == "store":
            o.items = [1]

    def main():
        o = s(items=[]) if where == "init" else s()
        spawn(a, o, name="a")
    with pytest.raises(ModelError, match="s.items = a Python list"):
        kcheck.check(main)


def test_a_set_of_kernel_objects_iterates_in_the_same_order_in_every_process():
    # A replay command runs in a new process, --jobs/--cluster workers are other
    # processes: hash() of a kernel object must not depend on PYTHONHASHSEED.
    import subprocess
    import sys
    code = ("import kcheck\n"
            "from kcheck import spawn\n"
            "from kcheck.kernel import KStruct\n"
            "class s(KStruct):\n    v: int\n"
            "out = []\n"
            "def main():\n"
            "    objs = [s() for i in range(8)]\n"
            "    out.append([repr(o) for o in frozenset(objs)])\n"
            "    spawn(lambda: None, name='t')\n"
            "kcheck.check(main)\n"
            "print(out[0])\n")
    orders = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)}).stdout
              for seed in (1, 2, 3)}
    assert len(orders) == 1 and "s#" in orders.pop()


@pytest.mark.parametrize("how", [dict(keep_going=True), dict(ignore=["leak"]), {}])
def test_a_warn_in_main_is_reported_with_keep_going_and_ignore(how):
    """A WARN_ON() met in main(), before any task runs, raised rather than
    collected: --keep-going (and --ignore, which keeps going) lost it and the
    search said "no bug"."""
    from kcheck.kernel import WARN_ON

    def main():
        WARN_ON(1)
        kcheck.spawn(lambda: None)
    r = kcheck.check(main, **how)
    assert r.verdict == "bug" and r.bug.kind == "warn", r.format()


def test_keep_going_reports_replay_to_their_own_bug(tmp_path):
    """--keep-going: two tasks that WARN at once, before any event of theirs
    (the replay of each stopped at "task 0 cannot run there" and the report
    said "did not replay ... please report it"), and a WARN in main() that
    every execution meets (each report's replay line showed that one)."""
    from click.testing import CliRunner
    from kcheck.cli import main as cli
    f = tmp_path / "m.py"
    f.write_text("import kcheck\nfrom kcheck.kernel import WARN_ON, READ_ONCE, WRITE_ONCE, ptr, "
                 "KStruct, kzalloc\n"
                 "class s(KStruct):\n    x: int\n"
                 "def a(p):\n    WARN_ON(1)\n"
                 "def b(p):\n    WARN_ON(READ_ONCE(ptr(p, 'x')) == 1)\n"
                 "def c(p):\n    WRITE_ONCE(ptr(p, 'x'), 1)\n"
                 "def main():\n    p = kzalloc(s)\n    WARN_ON(2)\n"
                 "    kcheck.spawn(a, p)\n    kcheck.spawn(b, p)\n    kcheck.spawn(c, p)\n")
    out = CliRunner().invoke(cli, ["check", str(f), "--keep-going", "--ignore", "leak", "--json"])
    assert out.exit_code == 1, out.output
    import json
    bugs = json.loads(out.output)["bugs"]
    assert len(bugs) == 3, bugs          # main()'s WARN, a()'s, b()'s
    for b in bugs:
        assert b["schedule"] is not None, b
        if "in main()" in b["message"]:
            # met before any task: no step leads to it, every execution meets it
            assert b["schedule"] == "", b
            continue
        rep = CliRunner().invoke(cli, ["replay", str(f), b["schedule"], "--keep-going",
                                       "--ignore", "leak", "--json"])
        assert rep.exit_code == 1, rep.output
        assert json.loads(rep.output)["bug"]["message"] == b["message"], (b, rep.output)


def test_a_bug_on_in_main_is_reported_alone_with_keep_going():
    """BUG_ON() in main() ends it there: reported, and not echoed by a leak of
    what main() allocated before it and would have handed to its tasks."""
    from kcheck.kernel import BUG_ON, KStruct, kzalloc

    class s(KStruct):
        x: int

    def main():
        p = kzalloc(s)
        BUG_ON(1)
        kcheck.spawn(lambda q: None, p)
    r = kcheck.check(main, keep_going=True)
    assert [b.kind for b in r.bugs] == ["bug-on"], r.format()


@pytest.mark.parametrize("strategy", ["dpor", "random"])
def test_a_warn_in_main_has_no_steps_and_a_trace_of_main_alone(strategy, tmp_path):
    """A WARN in main() under --keep-going: its report's schedule was the steps
    of the run that went on past it, and with --strategy random the same
    schedule as a task's WARN met in that run, so `kcheck replay` of it showed
    the task's.  It has no step now (the report says a check meets it), and its
    trace is main()'s alone."""
    from click.testing import CliRunner
    from kcheck.cli import main as cli
    f = tmp_path / "m.py"
    f.write_text("import kcheck\nfrom kcheck.kernel import WARN_ON, READ_ONCE, WRITE_ONCE, ptr, "
                 "KStruct, kzalloc\n"
                 "class s(KStruct):\n    x: int\n"
                 "def b(p):\n    WARN_ON(READ_ONCE(ptr(p, 'x')) == 1)\n"
                 "def c(p):\n    WRITE_ONCE(ptr(p, 'x'), 1)\n"
                 "def main():\n    p = kzalloc(s)\n    WARN_ON(2)\n"
                 "    kcheck.spawn(b, p)\n    kcheck.spawn(c, p)\n")
    out = CliRunner().invoke(cli, ["check", str(f), "--keep-going", "--ignore", "leak",
                                   "--strategy", strategy])
    assert out.exit_code == 1, out.output
    first = out.output.split("\n\nBUG ")[1]
    assert first.startswith("warn: WARN_ON at m.py:11 in main()"), out.output
    assert "main()\n" in first and "READ_ONCE" not in first and "b1" not in first, first
    assert "(the bug shows before any task takes a step" in first, first
    assert "BUG warn: WARN_ON at m.py:6 in b()" in out.output, out.output


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_sampling_with_keep_going_counts_runs_that_met_a_bug_as_executions(strategy):
    """A sampling run that met a WARN and went on (--keep-going) is an
    execution, as the exhaustive search counts it; it was counted as blocked:
    "0 executions (20 blocked)" for a model whose every run completes."""
    from kcheck.kernel import WARN_ON

    def main():
        kcheck.spawn(lambda: WARN_ON(1))
        kcheck.spawn(lambda: None)
    r = kcheck.check(main, strategy=strategy, max_executions=20, keep_going=True)
    assert r.bug.kind == "warn" and r.executions == 20 and r.blocked == 0, r.format()


def test_a_warn_in_c_goes_on_under_keep_going(tmp_path):
    """C's WARN_ON() raised and stopped its task - main() included, so under
    --keep-going nothing after a WARN in main() ran ("no bug found, 1
    execution, exhaustive" before main()'s bugs were reported at all).  It goes
    on now, as the kernel does, and the WARN a task meets later is found."""
    import kcheck.c
    f = tmp_path / "w.c"
    f.write_text("#include <linux/kernel.h>\n#include <linux/bug.h>\n#include <pthread.h>\n"
                 "static int x;\n"
                 "static void *t(void *a) { WARN_ON(READ_ONCE(x) == 1); return NULL; }\n"
                 "static void *u(void *a) { WRITE_ONCE(x, 1); return NULL; }\n"
                 "int main(void) { pthread_t p, q; WARN_ON(1);\n"
                 "  pthread_create(&p, NULL, t, NULL); pthread_create(&q, NULL, u, NULL);\n"
                 "  return 0; }\n")
    prog = kcheck.c.load(str(f))
    r = kcheck.check(prog.entry, keep_going=True)
    assert sorted(b.message for b in r.bugs) == ["WARN_ON at w.c:5 in t()",
                                                "WARN_ON at w.c:7 in main()"], r.format()
    assert kcheck.check(prog.entry).bug.message == "WARN_ON at w.c:7 in main()"


def test_keep_going_each_reports_replay_reaches_its_own_bug_of_the_same_task():
    """--keep-going, a task meeting two bugs (kref_get's addition on 0, then
    kref_put's underflow): the second report's schedule ends at the second,
    but `kcheck replay` showed the first - that task's first bug.  It shows
    the one the task met last within the schedule (a hostile review)."""
    import json
    from pathlib import Path
    from click.testing import CliRunner
    from kcheck.cli import main as cli
    f = str(Path(__file__).resolve().parent.parent / "examples" / "bugs" / "mac802154_llsec_key_del.py")
    out = CliRunner().invoke(cli, ["check", f, "--entry", "buggy", "--keep-going", "--json"])
    assert out.exit_code == 1, out.output
    bugs = json.loads(out.output)["bugs"]
    assert len(bugs) >= 3, bugs
    for b in bugs:
        rep = CliRunner().invoke(cli, ["replay", f, b["schedule"], "--entry", "buggy",
                                       "--keep-going", "--json"])
        assert rep.exit_code == 1, rep.output
        assert json.loads(rep.output)["bug"]["message"] == b["message"], (b, rep.output)
