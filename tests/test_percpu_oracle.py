"""Oracle for per-CPU data (kernel/percpu.py) on generated programs.

On a machine of one CPU, the per-CPU rules say: a task's non-preemptible
regions exclude one another, a ``this_cpu_*()`` operation is atomic against
them, and there is one copy of the data.  That is a program with one lock
taken around each region and each ``this_cpu_*()`` operation, and a plain
global for the copy - written with none of kernel/percpu.py's machinery
(its CPU words, its discarded schedules, its pinning).  Both must reach the
same final states, for every generated program.
"""

from hypothesis import given, settings, strategies as st, HealthCheck

import kcheck
from kcheck import spawn, join
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, DEFINE_PER_CPU, per_cpu,
                           set_nr_cpu_ids, preempt_disable, preempt_enable, this_cpu_inc,
                           this_cpu_read, __this_cpu_inc, __this_cpu_read, mutex, mutex_lock,
                           mutex_unlock)

OPS_IN = ("__inc", "__read", "gw", "gr")        # inside preempt_disable()
OPS_OUT = ("inc", "read", "gw", "gr")           # preemptible

block = st.one_of(
    st.tuples(st.just("region"), st.lists(st.sampled_from(OPS_IN), min_size=1, max_size=3)),
    st.tuples(st.just("op"), st.sampled_from(OPS_OUT)))
programs = st.lists(st.lists(block, min_size=1, max_size=3), min_size=2, max_size=3)


class shared(KStruct):
    g: int
    copy: int


def _states(prog, percpu):
    seen = set()

    def main():
        s = shared()
        lock = mutex()
        if percpu:
            set_nr_cpu_ids(1)
            var = DEFINE_PER_CPU(int, "var")
        else:
            var = None
        cell = (lambda: per_cpu(var, 0)) if percpu else (lambda: ptr(s, "copy"))
        out = {}

        def op(o, tid, k):
            if o in ("__inc", "inc") and percpu:
                (__this_cpu_inc if o == "__inc" else this_cpu_inc)(var)
            elif o in ("__read", "read") and percpu:
                out[(tid, k)] = (__this_cpu_read if o == "__read" else this_cpu_read)(var)
            elif o in ("__inc", "inc"):
                if o == "inc":
                    mutex_lock(lock)
                WRITE_ONCE(cell(), READ_ONCE(cell()) + 1)
                if o == "inc":
                    mutex_unlock(lock)
            elif o in ("__read", "read"):
                if o == "read":
                    mutex_lock(lock)
                out[(tid, k)] = READ_ONCE(cell())
                if o == "read":
                    mutex_unlock(lock)
            elif o == "gw":
                WRITE_ONCE(ptr(s, "g"), tid * 10 + k)
            else:
                out[(tid, k)] = READ_ONCE(ptr(s, "g"))

        def task(tid, blocks):
            k = 0
            for kind, body in blocks:
                if kind == "region":
                    if percpu:
                        preempt_disable()
                    else:
                        mutex_lock(lock)
                    for o in body:
                        op(o, tid, k)
                        k += 1
                    if percpu:
                        preempt_enable()
                    else:
                        mutex_unlock(lock)
                else:
                    op(body, tid, k)
                    k += 1
        ts = [spawn(task, i, b, name=f"t{i}") for i, b in enumerate(prog)]

        def check():
            for t in ts:
                join(t)
            seen.add((tuple(sorted(out.items())), READ_ONCE(cell()), READ_ONCE(ptr(s, "g"))))
        spawn(check, name="check")
    res = kcheck.check(main)
    assert res.bug is None and res.exhaustive, res.format()
    return seen


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs)
def test_one_cpu_is_one_lock(prog):
    assert _states(prog, True) == _states(prog, False)
