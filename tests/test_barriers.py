"""Barrier verdicts: the barriers a variant writes are found, and dropping
one is a real change the explorer sees (and SC cannot care about)."""

import kcheck
from kcheck.models.tdp_mmu import build_main
from kcheck.models.tdp_mmu.barriers import barrier_sites, barrier_table


def test_sean_v3_barriers_are_the_two_in_put_root():
    sites = barrier_sites("sean-v3")
    assert [(n, f) for n, _, f in sites] == [("smp_mb__after_atomic", "kvm_tdp_mmu_put_root"),
                                            ("smp_mb__before_atomic", "kvm_tdp_mmu_put_root")]


def test_xchg_variants_report_mark_invalids_xchg():
    assert [(n, f) for n, _, f in barrier_sites("v5.18")] == [("xchg", "kvm_tdp_root_mark_invalid")]


def test_under_sc_no_barrier_matters():
    base, rows = barrier_table("sean-v3", "vcpu", memory_model="sc", max_executions=50)
    assert base.verdict == "no-bug" and len(rows) == 2
    assert all(r["verdict_without"] == "no-bug" and r["effect"].startswith("redundant") for r in rows)


def test_dropping_a_barrier_removes_its_fence():
    site = barrier_sites("sean-v3")[0]
    main = build_main("sean-v3", "vcpu")
    with_it = kcheck.check(main, max_executions=1)
    without = kcheck.check(main, max_executions=1, drop_barriers=[f"{site[0]}@{site[1]}"])
    assert without.events < with_it.events
