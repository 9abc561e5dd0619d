"""The kernel API's context checks on the TDP MMU model: each as twins, a
realistic mutant of the real kernel code that the check catches and the real
code clean and exhaustive on the same scenario and sizes.

- sleep in atomic context / in an RCU read-side section: ``might_sleep()``
  where the model reschedules (a yield drops mmu_lock, then sleeps) and in a
  ``GFP_KERNEL`` allocation (eager page splitting);
- RCU dereference context: every SPTE read is ``READ_ONCE(*rcu_dereference(sptep))``,
  and v5.17's ``for_each_tdp_mmu_root`` walks the root list with lockdep's
  condition (mmu_lock or tdp_mmu_pages_lock held);
- list poison: a root unlinked with ``list_del()`` while an RCU walker stands on it;
- ``kmem_cache_destroy()`` at module exit with an RCU callback still to free into it.
"""

import pytest

import kcheck
from kcheck.models.tdp_mmu import MUTANTS, build_main


@pytest.mark.parametrize("name, kind, real", [
    ("split-alloc-sleeps-under-lock", "sleep-in-atomic", "v5.17"),
    ("split-alloc-sleeps-under-rcu", "sleep-in-rcu", "v5.17"),
    ("clear-dirty-without-rcu", "suspicious-rcu-usage", "v5.17"),
    ("unlink-root-list-del", "gpf", "v5.18"),
    ("uninit-without-rcu-barrier", "warn", "v5.17"),
])
def test_context_check_catches_the_mutant_and_passes_the_real_code(name, kind, real):
    m = MUTANTS[name]
    r = kcheck.check(build_main(m.base, m.scenario, mutant=name, **m.sizes), step_bound=3000,
                     **m.options)
    assert r.verdict == "bug" and r.bug.kind == kind, r.format()
    assert "!!" in r.bug.trace and r.bug.schedule
    clean = kcheck.check(build_main(real, m.scenario, **m.sizes), step_bound=3000)
    assert clean.verdict == "no-bug", clean.format()
    assert clean.exhaustive


def test_the_messages_are_the_kernels():
    msgs = {}
    for name in ("split-alloc-sleeps-under-rcu", "clear-dirty-without-rcu",
                 "unlink-root-list-del", "uninit-without-rcu-barrier"):
        m = MUTANTS[name]
        msgs[name] = kcheck.check(build_main(m.base, m.scenario, mutant=name, **m.sizes),
                                  step_bound=3000, **m.options).bug.message
    assert "Voluntary context switch within RCU read-side critical section" \
        in msgs["split-alloc-sleeps-under-rcu"]
    assert "suspicious rcu_dereference_check() usage" in msgs["clear-dirty-without-rcu"]
    assert "LIST_POISON1" in msgs["unlink-root-list-del"]
    assert "Slab cache still has objects" in msgs["uninit-without-rcu-barrier"]


@pytest.mark.parametrize("variant", ["v5.17", "v5.18", "v6.6"])
def test_every_yield_sleeps_outside_rcu_and_spinlocks(variant):
    """A walk that yields drops RCU and mmu_lock before it reschedules: the
    might_sleep() there is clean on every era."""
    r = kcheck.check(build_main(variant, "walker+walker", resident=1), step_bound=3000)
    assert r.verdict == "no-bug", r.format()
    assert r.exhaustive
