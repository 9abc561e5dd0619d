"""Claims C1–C18 of the thread, each decided by checks that run the model.

A claim lists the checks it needs (variant or mutant, scenario, memory model)
and a ``decide`` function turning their results into a verdict:

- ``holds``    — every check came out as the claim predicts;
- ``refuted``  — a check contradicts it (its minimized trace is written out);
- ``n-a``      — the claim cannot be decided here (the reason says why).

A verdict built only on exhaustive "no bug" results says "exhaustive: yes";
if any check was cut off by ``max_executions`` the row says "no" and the
reason says "bounded".  A bug found is a proof whatever the bound.
"""

from __future__ import annotations

import os
import time

from .flows import make_main
from .variants import SeanV3
from . import resolve


# Per-check exploration budget for checks expected to find no bug: the table
# then says "bounded" for them.  Bug-hunting checks run without a budget.
NO_BUG_BUDGET = 15000


class Check:
    def __init__(self, label, variant, scenario, memory_model="sc", mutant=None,
                 special=None, sizes=None, options=None):
        self.label = label
        self.variant = variant
        self.scenario = scenario
        self.memory_model = memory_model
        self.mutant = mutant
        self.special = special
        self.sizes = dict(sizes or {})
        if mutant and options is None:
            from .mutants import MUTANTS
            m = MUTANTS[mutant]
            self.sizes = {**m.sizes, **self.sizes}
            options = dict(m.options)
        self.options = dict(options if options is not None else {"max_executions": NO_BUG_BUDGET})

    def build(self):
        if self.special is not None:
            return SPECIAL_MAINS[self.special]()
        return make_main(resolve(self.variant, self.mutant), self.scenario, **self.sizes)

    def key(self):
        return (self.variant, self.mutant, self.scenario, self.memory_model, self.special,
                tuple(sorted(self.sizes.items())), tuple(sorted(self.options.items())))

    @property
    def name(self):
        v = f"{self.variant}/{self.mutant}" if self.mutant else self.variant
        return f"{v} on {self.scenario}"


class Claim:
    def __init__(self, cid, who, doc, checks, decide, withdrawn=False):
        self.id = cid
        self.who = who
        self.doc = doc
        self.checks = checks
        self.decide = decide
        self.withdrawn = withdrawn


# ----------------------------------------------------------------------
# helpers for decide functions
# ----------------------------------------------------------------------
def _bug(r):
    return r.verdict == "bug"


def _kind(r):
    return r.bug.kind if r.bug is not None else None


def _all_clean(results, labels):
    bad = [l for l in labels if _bug(results[l])]
    return not bad, bad


def _no_bug_claim(labels, what):
    def decide(res):
        ok, bad = _all_clean(res, labels)
        if ok:
            return "holds", f"no bug in {len(labels)} check(s): {what}"
        r = res[bad[0]]
        return "refuted", f"{bad[0]}: {_kind(r)}: {r.bug.message}"
    return decide


def _caught(label, kinds, what):
    def decide(res):
        r = res[label]
        if _bug(r) and _kind(r) in kinds:
            return "holds", f"{what}: {label} reports {_kind(r)}"
        if _bug(r):
            return "holds", f"{what}: {label} reports {_kind(r)} ({r.bug.message})"
        return "refuted", f"{label}: no bug found"
    return decide


# C11: sean-v3 without the two barriers, to compare with sean-v3 under LKMM
class SeanV3NoBarriers(SeanV3):
    name = "sean-v3-no-mb"
    doc = "sean-v3 without smp_mb__after_atomic / smp_mb__before_atomic"

    def kvm_tdp_mmu_put_root(self, kvm, root, shared):
        from kcheck.kernel import (WARN_ON, refcount_dec_and_test, refcount_set)
        while True:
            self.kvm_lockdep_assert_mmu_lock_held(kvm, shared)
            if not refcount_dec_and_test(root.tdp_mmu_root_count):
                return
            WARN_ON(not root.tdp_mmu_page)
            if root.role.invalid:
                self.tdp_mmu_unlink_root(kvm, root)
                self.tdp_mmu_free_root(root)
                return
            root.role.invalid = 1
            refcount_set(root.tdp_mmu_root_count, 1)
            self.tdp_mmu_zap_root(kvm, root, shared)


def _xchg_on_bit_main():
    """C1: the C form ``xchg(&root->role.invalid, true)``, as literally as Python allows."""
    from kcheck import spawn
    from kcheck.kernel import xchg
    from .structs import KvmMmuPage

    def body(root):
        xchg(root.role.invalid, 1)      # role.invalid is a value, not a location

    def main():
        spawn(body, KvmMmuPage(), name="put_root")
    return main


SPECIAL_MAINS = {
    "xchg-on-bit": _xchg_on_bit_main,
    "sean-v3-no-mb": lambda: make_main(SeanV3NoBarriers, "vcpu+dirty-log"),
}


# ----------------------------------------------------------------------
# scenario sets
# ----------------------------------------------------------------------
READERS = "vcpu+dirty-log+dirty-log"
CORRECTNESS = ["vcpu+dirty-log", "memslot+vcpu", "vcpu+notifier", "vcpu+zap-all", READERS]


def _variant_checks(variant, scenarios, mm="sc"):
    return [Check(f"{variant}:{s}", variant, s, mm) for s in scenarios]


def _labels(checks):
    return [c.label for c in checks]


def _claims():
    C = []

    c1 = [Check("xchg-on-bit", "-", "put_root", special="xchg-on-bit", options={}),
          Check("sean-v3:vcpu+dirty-log", "sean-v3", "vcpu+dirty-log"),
          Check("sean-xchg:vcpu+dirty-log", "sean-xchg", "vcpu+dirty-log")]

    def d1(res):
        probe = res["xchg-on-bit"]
        same = _bug(res["sean-v3:vcpu+dirty-log"]) == _bug(res["sean-xchg:vcpu+dirty-log"])
        why = probe.error if probe.verdict == "error" else (probe.bug.message if probe.bug else "")
        rejected = probe.verdict == "error" or _kind(probe) == "model-error"
        if rejected and same:
            return "holds", ("not compilable: xchg on the one-bit field has no location "
                             f"({why.splitlines()[0][:90]}); nearest runnable form "
                             "kvm_tdp_root_mark_invalid (xchg of role.word) agrees with v3's "
                             "open-coded sequence on vcpu+dirty-log")
        if not rejected:
            return "refuted", "xchg on role.invalid ran"
        return "refuted", "sean-v3 and the xchg form disagree"
    C.append(Claim("C1", "Sean", "xchg() cannot operate on the one-bit role.invalid; v3's "
                   "barrier sequence is an open-coded xchg on a single bit", c1, d1))

    c2 = _variant_checks("sean-xchg", [READERS]) + _variant_checks("paolo-xchg", [READERS])

    def d2(res):
        ok, bad = _all_clean(res, _labels(c2))
        if ok:
            return "refuted", ("readers may see role.invalid either way while the root is being "
                               "invalidated, and no bug follows (withdrawn by Sean)")
        return "holds", f"{bad[0]}: {_kind(res[bad[0]])}"
    C.append(Claim("C2", "Sean (withdrawn)", "with the refcount at 1 another task uses the root, "
                   "so marking it invalid makes its validity checks non-deterministic", c2, d2,
                   withdrawn=True))

    c3 = _variant_checks("sean-v3", [READERS])
    C.append(Claim("C3", "Sean", "concurrent readers may or may not see role.invalid as true, "
                   "and KVM tolerates that", c3,
                   _no_bug_claim(_labels(c3), "readers racing with the plain store of invalid")))

    c4 = _variant_checks("paolo-dec-not-one", ["vcpu+dirty-log"])

    def d4(res):
        r = res[c4[0].label]
        if not _bug(r):
            return "refuted", ("with a single reader the second refcount_dec_not_one only ever "
                               "drops the caller's own reference: no refcount WARN, no UAF")
        return "holds", f"{_kind(r)}: {r.bug.message}"
    C.append(Claim("C4", "Sean (withdrawn)", "in paolo-dec-not-one the second "
                   "refcount_dec_not_one drops a reference another task took", c4, d4,
                   withdrawn=True))

    c56 = [Check(f"paolo-dec-not-one:{READERS}", "paolo-dec-not-one", READERS, options={})]

    def d5(res):
        r = res[c56[0].label]
        if _bug(r):
            return "refuted", (f"{_kind(r)}: get_root succeeds between the failed "
                               "refcount_dec_not_one and refcount_set(0)")
        return "holds", "no bug found"
    C.append(Claim("C5", "Paolo", "in paolo-dec-not-one refcount_set(…, 0) is legitimate: the "
                   "only refcount_inc_not_zero is in a write-side critical section", c56, d5))

    def d6(res):
        r = res[c56[0].label]
        if _bug(r) and _kind(r) == "use-after-free":
            return "holds", "use-after-free found: " + r.bug.message.splitlines()[0]
        if _bug(r):
            return "holds", f"{_kind(r)} found (not a use-after-free): {r.bug.message}"
        return "refuted", "no bug found"
    C.append(Claim("C6", "Sean", "paolo-dec-not-one can use-after-free: get_root can succeed "
                   "between refcount_dec_not_one and refcount_set(…, 0)", c56, d6))

    c7 = c56 + [Check("mutant:kfree-not-call-rcu", "v5.18", "vcpu+dirty-log",
                      mutant="kfree-not-call-rcu")]

    def d7(res):
        a, b = res[c56[0].label], res["mutant:kfree-not-call-rcu"]
        a_uaf = _bug(a) and "use-after-free" in (_kind(a) + " " + a.bug.message)
        if a_uaf and _kind(b) == "use-after-free":
            return "holds", ("the reference-holding iterator touches a root freed under it "
                             "(paolo-dec-not-one, and v5.18 freeing without call_rcu)")
        return "refuted", f"paolo-dec-not-one: {_kind(a)}, kfree mutant: {_kind(b)}"
    C.append(Claim("C7", "Sean", "iterators holding a reference need no RCU for the root, so "
                   "freeing a root someone references is a use-after-free", c7, d7))

    c8 = (_variant_checks("v5.17", ["memslot+vcpu"]) + _variant_checks("v5.18", ["memslot+vcpu"])
          + _variant_checks("v6.6", ["memslot+vcpu"])
          + [Check("mutant:reuse-invalid-root", "v5.17", "memslot+vcpu",
                   mutant="reuse-invalid-root")])

    def d8(res):
        clean = [c.label for c in c8[:3]]
        ok, bad = _all_clean(res, clean)
        m = res["mutant:reuse-invalid-root"]
        if ok and _bug(m):
            return "holds", ("no vCPU is ever handed an invalid root (root load holds mmu_lock "
                             "for write); matching roles without the invalid bit is caught")
        if not ok:
            return "refuted", f"{bad[0]}: {_kind(res[bad[0]])}: {res[bad[0]].bug.message}"
        return "refuted", "the role check is not what protects the vCPU"
    C.append(Claim("C8", "Sean", "allocating a root is the only flow that must not consume a "
                   "soon-to-be-invalid root, and it holds mmu_lock for write", c8, d8))

    c9 = [Check("mutant:rezap-invalid", "sean-v3", "vcpu", mutant="rezap-invalid")]
    C.append(Claim("C9", "Sean", "re-zapping invalid roots would put KVM into an infinite loop",
                   c9, _caught("mutant:rezap-invalid", {"livelock"},
                               "sean-v3 without the free-if-invalid branch never terminates")))

    c10 = _variant_checks("v5.18", ["memslot+dirty-log", "memslot+vcpu"])
    C.append(Claim("C10", "Sean", "invalidating a root while its refcount is >= 1 is fine", c10,
                   _no_bug_claim(_labels(c10), "v5.18 invalidates referenced roots")))

    # LKMM explores ~5 executions/s on this model: a small budget, and the row says bounded
    lk = {"max_executions": 100}
    c11 = [Check("sean-v3:lkmm", "sean-v3", "vcpu+dirty-log", "lkmm", options=lk),
           Check("sean-v3-no-mb:lkmm", "sean-v3-no-mb", "vcpu+dirty-log", "lkmm",
                 special="sean-v3-no-mb", options=lk)]

    def d11(res):
        a, b = res["sean-v3:lkmm"], res["sean-v3-no-mb:lkmm"]
        if not _bug(a) and not _bug(b):
            return "holds", "with or without the barriers: no bug under LKMM"
        if _bug(b) and not _bug(a):
            return "refuted", f"without the barriers: {_kind(b)}: {b.bug.message}"
        return "n-a", f"sean-v3 itself fails under LKMM ({_kind(a)})"
    C.append(Claim("C11", "Sean", "the barriers are not needed for xchg: only put_root consumes "
                   "them and it always does an atomic xchg", c11, d11))

    for cid, variant, who, text in (
            ("C12", "sean-v3", "Sean", "sean-v3 is correct: races with readers under the read "
             "lock are benign"),
            ("C13", "sean-xchg", "Sean", "sean-xchg is correct"),
            ("C14", "paolo-xchg", "Paolo, Sean", "paolo-xchg is correct")):
        checks = _variant_checks(variant, CORRECTNESS)
        C.append(Claim(cid, who, text, checks, _no_bug_claim(_labels(checks), variant)))

    c15 = [Check("mutant:put-root-no-queue", "v5.18", "memslot+vcpu", mutant="put-root-no-queue")]
    C.append(Claim("C15", "v5.18 comment", "zapping from the worker is required: without it the "
                   "fast zap could return with roots not yet zapped", c15,
                   _caught("mutant:put-root-no-queue", {"warn", "leak"},
                           "put_root without queuing the zap")))

    c16 = [Check("mutant:queue-invalid-roots", "v5.18", "memslot+vcpu",
                 mutant="queue-invalid-roots")]
    C.append(Claim("C16", "v5.18 commit", "queuing the same root's work item twice leaks a "
                   "reference; invalidate_all_roots must skip invalid roots", c16,
                   _caught("mutant:queue-invalid-roots", {"leak"},
                           "invalidate_all_roots queuing invalid roots")))

    c17 = _variant_checks("v5.18", ["vcpu+dirty-log", "memslot+vcpu", "vcpu+zap-all"])
    C.append(Claim("C17", "v5.18 comment", "the worker's put may not be the last; whoever puts "
                   "last frees without re-zapping: a root never goes from invalid to valid", c17,
                   _no_bug_claim(_labels(c17), "v5.18")))

    c18 = (_variant_checks("v6.6", ["vcpu+dirty-log", "memslot+vcpu", "vcpu+notifier"])
           + [Check("mutant:refcount-born-1", "v6.6", "vcpu", mutant="refcount-born-1")])

    def d18(res):
        labels = _labels(c18[:-1])
        ok, bad = _all_clean(res, labels)
        m = res["mutant:refcount-born-1"]
        if ok and _bug(m):
            return "holds", ("v6.6 never puts the last reference of a valid root; born at 1 "
                             f"it does ({_kind(m)})")
        if not ok:
            return "refuted", f"{bad[0]}: {_kind(res[bad[0]])}: {res[bad[0]].bug.message}"
        return "refuted", "roots born at 1 do not trip the KVM_BUG_ON"
    C.append(Claim("C18", "v6.4 design", "with roots born at refcount 2 the last reference of a "
                   "valid root is never put", c18, d18))
    return {c.id: c for c in C}


CLAIMS = _claims()


# ----------------------------------------------------------------------
# running the table
# ----------------------------------------------------------------------
class Row:
    def __init__(self, claim, verdict, reason, checks, results, seconds):
        self.claim = claim
        self.verdict = verdict
        self.reason = reason
        self.checks = checks
        self.results = results
        self.seconds = seconds

    @property
    def executions(self):
        return sum(r.executions for r in self.results.values())

    @property
    def exhaustive(self):
        return all(r.exhaustive or r.verdict == "bug" for r in self.results.values())

    def to_json(self):
        c = self.claim
        return {
            "id": c.id, "who": c.who, "claim": c.doc, "withdrawn": c.withdrawn,
            "verdict": self.verdict, "reason": self.reason,
            "variants": sorted({ch.variant + (f"/{ch.mutant}" if ch.mutant else "")
                                for ch in self.checks}),
            "scenarios": sorted({ch.scenario for ch in self.checks}),
            "memory_models": sorted({ch.memory_model for ch in self.checks}),
            "executions": self.executions, "exhaustive": self.exhaustive,
            "seconds": round(self.seconds, 2),
            "checks": [{"check": ch.name, "memory_model": ch.memory_model,
                        "verdict": self.results[ch.label].verdict,
                        "bug": _kind(self.results[ch.label]),
                        "executions": self.results[ch.label].executions,
                        "exhaustive": self.results[ch.label].exhaustive,
                        "seconds": round(self.results[ch.label].seconds, 2)}
                       for ch in self.checks],
        }


class CheckResult:
    """What a claim needs from a kcheck Result (picklable, so checks can run in parallel)."""

    def __init__(self, verdict, exhaustive, executions, seconds, bug=None, text="", error=None):
        self.verdict = verdict
        self.exhaustive = exhaustive
        self.executions = executions
        self.seconds = seconds
        self.bug = bug
        self.text = text
        self.error = error

    def format(self):
        return self.text


class _Bug:
    def __init__(self, kind, message):
        self.kind = kind
        self.message = message


def run_check(check, step_bound=3000):
    import kcheck
    try:
        r = kcheck.check(check.build(), memory_model=check.memory_model,
                         step_bound=step_bound, **check.options)
    except KeyboardInterrupt:
        raise
    except BaseException as e:      # kcheck's ModelError, a model the engine lacks, ...
        return CheckResult("error", False, 0, 0.0, error=f"{type(e).__name__}: {e}")
    bug = _Bug(r.bug.kind, r.bug.message) if r.bug is not None else None
    return CheckResult(r.verdict, r.exhaustive, r.executions, r.seconds, bug,
                       r.format() if bug is not None else "")


def _run_keyed(args):
    key, check = args
    return key, run_check(check)


def run_checks(checks, jobs=2):
    """Run distinct checks (by key) on ``jobs`` processes; returns key -> CheckResult."""
    todo = {}
    for ch in checks:
        todo.setdefault(ch.key(), ch)
    out = {}
    if jobs > 1 and len(todo) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as ex:
            for key, res in ex.map(_run_keyed, todo.items()):
                out[key] = res
    else:
        for key, ch in todo.items():
            out[key] = run_check(ch)
    return out


def decide_claim(claim, results_by_key):
    results = {ch.label: results_by_key[ch.key()] for ch in claim.checks}
    seconds = sum(r.seconds for r in results.values())
    failed = [l for l, r in results.items() if r.verdict == "error" and l != "xchg-on-bit"]
    if failed:
        verdict, reason = "n-a", f"{failed[0]} could not run: {results[failed[0]].error}"
    else:
        verdict, reason = claim.decide(results)
        bounded = [l for l, r in results.items() if r.verdict != "bug" and not r.exhaustive]
        if bounded and verdict in ("holds", "refuted"):
            reason += f" (bounded: {len(bounded)} check(s) stopped at their execution budget)"
    return Row(claim, verdict, reason, claim.checks, results, seconds)


def write_traces(row, out_dir):
    """Write the minimized trace of every bug behind a refuted claim to DIR/Cnn.txt."""
    if row.verdict != "refuted":
        return None
    bugs = [(l, r) for l, r in row.results.items() if getattr(r, "bug", None) is not None]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{row.claim.id}.txt")
    with open(path, "w") as f:
        f.write(f"{row.claim.id} ({row.claim.who}): {row.claim.doc}\n")
        f.write(f"verdict: refuted — {row.reason}\n\n")
        if not bugs:
            f.write("(the refutation is the absence of a bug; no trace)\n")
        for label, r in bugs:
            f.write(f"== {label} ==\n{r.format()}\n\n")
    return path
