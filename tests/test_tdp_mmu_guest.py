"""The TDP MMU's own job: no guest-visible use of a page the host took away.

Each new check comes as twins: a realistic mutant of the real kernel code that
the check catches, and the real code clean and exhaustive on the same
scenario and sizes (kcheck/models/tdp_mmu/guest.py explains the check).
"""

import pytest

import kcheck
from kcheck.models.tdp_mmu import MUTANTS, build_main
from kcheck.models.tdp_mmu.flows import make_main
from kcheck.models.tdp_mmu.v5_17 import TdpMmu


def _mutant(name):
    m = MUTANTS[name]
    return kcheck.check(build_main(m.base, m.scenario, mutant=name, **m.sizes), step_bound=3000,
                        **m.options)


def _clean(variant, scenario, **sizes):
    main = build_main(variant, scenario, **sizes) if isinstance(variant, str) \
        else make_main(variant, scenario, **sizes)
    r = kcheck.check(main, step_bound=3000)
    assert r.verdict == "no-bug", r.format()
    assert r.exhaustive
    return r


@pytest.mark.parametrize("name, real", [
    # a vCPU's TLB still caches the page when the notifier returns
    ("notifier-no-flush", "v5.18"),
    # an invalid root being zapped by the fast zap writes A/D back to the page
    ("notifier-skips-invalid-roots", "v5.17"),
    # an unlinked root zapped with yields: the notifier cannot reach it
    ("put-root-zap-yields", "v5.17"),
])
def test_stale_mapping_mutant_caught_and_real_code_clean(name, real):
    m = MUTANTS[name]
    r = _mutant(name)
    assert r.verdict == "bug" and r.bug.kind == "stale-mapping", r.format()
    assert "took it away" in r.bug.message
    assert "!!" in r.bug.trace and r.bug.schedule
    _clean(real, m.scenario, **m.sizes)


def test_a_stale_tlb_entry_is_reported_at_the_guest_access():
    r = _mutant("notifier-no-flush")
    assert "guest access to GFN 0 through its TLB" in r.bug.message, r.bug.message


class _DeferFlushWithFlushBeforeRcuUnlock(TdpMmu):
    """v5.17 with both v5.18 commits: "Defer TLB flush to caller when freeing TDP
    MMU shadow pages" and, before it, "Do remote TLB flush before dropping RCU in
    TDP MMU resched" (the series as merged)."""
    name = "v5.17+defer-flush"
    handle_removed_pt_flushes = False
    flush_before_rcu_unlock = True


def test_flush_before_rcu_unlock_is_what_makes_the_deferred_flush_safe():
    """Deferring the flush to the caller makes the caller's RCU section stand for
    the vCPUs in the guest: a yield that drops RCU before flushing lets the page
    table be freed under a vCPU's paging-structure cache."""
    m = MUTANTS["defer-flush-after-rcu-unlock"]
    r = _mutant("defer-flush-after-rcu-unlock")
    assert r.verdict == "bug" and r.bug.kind == "use-after-free", r.format()
    assert r.bug.task == "vcpu" and "READ_ONCE" in r.bug.message
    _clean(_DeferFlushWithFlushBeforeRcuUnlock, m.scenario, **m.sizes)


@pytest.mark.parametrize("variant", ["v5.17", "v6.6"])
def test_notifier_racing_a_vcpu_is_clean(variant):
    _clean(variant, "vcpu+notifier", resident=1)


def test_zap_all_runs_with_no_vcpu_in_the_guest():
    """kvm_mmu_zap_all() runs at mm release or VM destruction: v5.18 does not
    flush (no vCPU can run), so the zap-all flow must not overlap guest mode."""
    _clean("v5.18", "vcpu+zap-all", resident=1)


@pytest.mark.parametrize("variant", ["v5.17", "v5.18"])
@pytest.mark.parametrize("scenario", ["split+vcpu", "collapse+notifier"])
def test_eager_split_and_collapse_on_huge_pages(variant, scenario):
    _clean(variant, scenario, resident=1, huge=1)


def test_eager_split_of_v5_17_under_the_read_lock_is_flagged_in_v5_18():
    r = _mutant("split-all-roots")
    assert r.verdict == "bug" and r.bug.kind == "lockdep", r.format()


def test_kvm_make_request_publishes_what_was_written_before_it_under_the_lkmm():
    """kvm_make_request() is smp_wmb() + set_bit(), kvm_check_request() test_bit()
    + clear_bit() + smp_mb__after_atomic().  Without the smp_wmb() the LKMM lets
    the vCPU take KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, still see its root valid, and
    walk a page table the read-locked zap has handed to RCU: a use-after-free the
    real v6.6 does not have (the model once lacked that smp_wmb() and reported
    exactly this on memslot+vcpu under the LKMM)."""
    sizes = dict(fanout=2, gfns=1, slot_pages=1, fault_attempts=1, yields=0)
    main = build_main("v6.6", "memslot+vcpu", **sizes)
    r = kcheck.check(main, memory_model="lkmm", step_bound=3000)
    assert r.verdict == "no-bug" and r.exhaustive, r.format()
    bad = kcheck.check(main, memory_model="lkmm", step_bound=3000,
                       drop_barriers=("smp_wmb@kvm_make_request",))
    assert bad.verdict == "bug" and bad.bug.kind == "use-after-free", bad.format()
    assert "kvm_check_request" in bad.bug.trace or "requests" in bad.bug.trace
    again = kcheck.replay(main, bad.bug.schedule, memory_model="lkmm", step_bound=3000,
                          drop_barriers=("smp_wmb@kvm_make_request",))
    assert again.verdict == "bug" and again.bug.kind == "use-after-free"
