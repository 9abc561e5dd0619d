"""A struct member of struct type: ``member: Embed[T]`` (C's ``struct T member;``).

A field annotated with a KStruct type alone is a pointer (``struct T *``); kernel
code embeds structs all the time (``struct irq_affinity_notify`` inside a
driver's ``q_vector``), and a model had to flatten them by hand.  An embedded
struct is part of its owner's memory: freeing the owner frees it, and
``container_of`` walks out of it."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, Embed, work_struct, INIT_WORK, schedule_work,
                           cancel_work_sync, container_of, kzalloc, kfree, ptr, READ_ONCE)
from kcheck.engine.runtime import ModelError


class irq_affinity_notify(KStruct):
    irq: int
    work: work_struct


class q_vector(KStruct):
    v: int
    affinity_notify: Embed[irq_affinity_notify]


def notify_fn(w):
    n = container_of(w, irq_affinity_notify, "work")
    qv = container_of(n, q_vector)
    qv.v = n.irq


@pytest.mark.parametrize("fixed", [False, True])
def test_an_embedded_struct_dies_with_its_owner(fixed):
    def main():
        q = kzalloc(q_vector)
        q.affinity_notify.irq = 5
        INIT_WORK(q.affinity_notify.work, notify_fn)

        def driver():
            schedule_work(q.affinity_notify.work)
            if fixed:
                cancel_work_sync(q.affinity_notify.work)
            kfree(q)
        spawn(driver, name="driver")

    res = kcheck.check(main)
    if fixed:
        assert res.verdict == "no-bug" and res.exhaustive
    else:
        assert res.bug.kind == "use-after-free"
        assert "q_vector#0->affinity_notify" in res.bug.trace


def test_embedded_fields_are_memory_named_as_c_names_them():
    seen = {}

    def main():
        q = q_vector()
        spawn(lambda: seen.setdefault("v", READ_ONCE(ptr(q.affinity_notify, "irq"))), name="t")
        seen["name"] = ptr(q.affinity_notify, "irq").name()
        seen["back"] = container_of(q.affinity_notify, q_vector) is q

    assert kcheck.check(main).verdict == "no-bug"
    assert seen["name"] == "q_vector#0->affinity_notify.irq" and seen["back"] and seen["v"] == 0


def test_embed_takes_a_struct_type():
    with pytest.raises(ModelError, match="Embed takes a KStruct"):
        Embed[int]
