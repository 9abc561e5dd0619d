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
from collections import deque

from .flows import make_main
from ...report.progress import wanted
from . import resolve
from ...engine.runtime import ModelError


# Checks expected to find no bug run without a budget: a "holds" is
# exhaustive.  (Bug-hunting checks stop at the first bug anyway.)
NO_BUG_BUDGET = None

# The sizes every claim is decided at unless a check says otherwise: three GFNs
# (and memslot pages) over two leaf tables of two entries, so that a walk
# yields between entries and goes on past its yield point - into the next
# table - as v5.17's iterator bug needed (the skipped entry at gfns=3).  The
# largest sizes at which the whole table runs in the main job's 10 minutes on
# 2 cores, every SC verdict exhaustive; at fanout=3 gfns=3 (a yield in the
# middle of a table) v5.18's memslot+vcpu check alone ran over an hour and did
# not finish (README, "What is partial"): ``--size fanout=3`` asks for them.
CLAIM_SIZES = {"fanout": 2, "gfns": 3, "slot_pages": 3}

# The budget of the SC checks run again under the LKMM (``kcheck tdp-mmu claims
# --lkmm-budget``; None: exhaustive).  On the three-task readers scenario an
# LKMM execution costs ~2x an SC one (the consistency check on the support of
# the graph's cycles) and there are several times as many: at fanout=3 gfns=3
# C3's check has 130,198 SC executions and 623,126 LKMM ones (no bug, about 34
# min of CPU, 2026-11-29; C2's two checks 623,126 and 623,414, no bug); at the
# claims' sizes 61,429 SC ones.  So C2 and C3 say "bounded" unless run with
# --lkmm-budget 0; a check that ends within the budget says "exhaustive".  At
# the model's default sizes (gfns=2) they are ~20,000 each, minutes.
LKMM_BUDGET = 2000


class Check:
    def __init__(self, label, variant, scenario, memory_model="sc", mutant=None,
                 special=None, sizes=None, options=None):
        self.label = label
        self.variant = variant
        self.scenario = scenario
        self.memory_model = memory_model
        self.mutant = mutant
        self.special = special
        # A check for a bug runs where its mutant is caught (a bug at small
        # sizes is a bug); a check expected to find none runs at CLAIM_SIZES.
        self.sizes = {} if mutant else dict(CLAIM_SIZES)
        if mutant:
            from .mutants import MUTANTS
            m = MUTANTS[mutant]
            self.sizes.update(m.sizes)
            if options is None:
                options = dict(m.options)
        self.own = dict(sizes or {})     # the check's own sizes, part of what it checks
        self.sizes.update(self.own)
        self.options = dict(options if options is not None else {"max_executions": NO_BUG_BUDGET})

    def with_sizes(self, sizes):
        """This check at other sizes (``kcheck tdp-mmu claims --size``), its own
        sizes kept: C11's ``vcpu+vcpu gfns=0`` stays at no GFN, as its label says."""
        c = Check(self.label, self.variant, self.scenario, self.memory_model, special=self.special,
                  options=self.options)
        c.mutant = self.mutant
        c.own = dict(self.own)
        c.sizes = {**self.sizes, **sizes, **self.own}
        return c

    def build(self):
        if self.special is not None:
            return SPECIAL_MAINS[self.special]()
        return make_main(resolve(self.variant, self.mutant), self.scenario, **self.sizes)

    def under_lkmm(self):
        """This check again under the LKMM, with the LKMM's execution budget."""
        options = {k: v for k, v in self.options.items() if k != "max_executions"}
        if LKMM_BUDGET:
            options["max_executions"] = LKMM_BUDGET
        c = Check(self.label, self.variant, self.scenario, "lkmm", special=self.special,
                  options=options)
        c.mutant = self.mutant
        c.own = dict(self.own)
        c.sizes = dict(self.sizes)
        return c

    def key(self):
        return (self.variant, self.mutant, self.scenario, self.memory_model, self.special,
                tuple(sorted(self.sizes.items())), tuple(sorted(self.options.items())))

    @property
    def name(self):
        v = f"{self.variant}/{self.mutant}" if self.mutant else self.variant
        return f"{v} on {self.scenario}"


def claims_at_sizes(claims, sizes):
    """The claims with every check at ``sizes`` in place of the claims' default
    sizes - except the sizes a check sets itself, and the checks of mutants,
    which run where their bug is caught."""
    out = {}
    for cid, c in claims.items():
        checks = [ch if ch.mutant else ch.with_sizes(sizes) for ch in c.checks]
        out[cid] = Claim(c.id, c.who, c.doc, checks, c.decide, withdrawn=c.withdrawn, lkmm=c.lkmm)
    return out


class Claim:
    """``lkmm`` says how the claim is decided under the Linux-kernel memory model:

    - ``"recheck"``: the claim depends on the memory model; every SC check that
      found no bug runs again under the LKMM (a bug found under SC is one
      under the LKMM too: every SC execution is an LKMM execution);
    - ``"own"``: the claim is about barriers, its checks are LKMM checks, and
      under SC (where a barrier orders nothing) it is not applicable;
    - ``None``: the claim is about lock-protected logic, decided under SC only.
    """

    def __init__(self, cid, who, doc, checks, decide, withdrawn=False, lkmm=None):
        self.id = cid
        self.who = who
        self.doc = doc
        self.checks = checks
        self.decide = decide
        self.withdrawn = withdrawn
        self.lkmm = lkmm


# ----------------------------------------------------------------------
# helpers for decide functions
# ----------------------------------------------------------------------
def _bug(r):
    return r.verdict == "bug"


def _kind(r):
    return r.bug.kind if r.bug is not None else None


def _covered(r):
    """A check whose result stands: it found a bug, could not run, or was exhaustive."""
    return r.exhaustive or r.verdict in ("bug", "error")


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
}


# ----------------------------------------------------------------------
# scenario sets
# ----------------------------------------------------------------------
# two read-side walkers of valid roots and a vCPU: the readers the thread
# reasons about ("walker": the dirty-log ioctls hold slots_lock, so two of them
# never run at once)
READERS = "vcpu+walker+walker"
# where put_root's barriers are asked about: a vCPU's put racing with the
# dirty-log walker's reference (get_root, put_root) on the same root, and two
# vCPUs sharing a root, loading and putting it (no faults: the puts are the point)
BARRIER_SCENARIOS = (("vcpu+dirty-log", {}), ("vcpu+vcpu", {"gfns": 0}))
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
                   "barrier sequence is an open-coded xchg on a single bit", c1, d1,
                   lkmm="recheck"))

    c2 = _variant_checks("sean-xchg", [READERS]) + _variant_checks("paolo-xchg", [READERS])

    def d2(res):
        ok, bad = _all_clean(res, _labels(c2))
        if ok:
            return "refuted", ("readers may see role.invalid either way while the root is being "
                               "invalidated, and no bug follows (withdrawn by Sean)")
        return "holds", f"{bad[0]}: {_kind(res[bad[0]])}"
    C.append(Claim("C2", "Sean (withdrawn)", "with the refcount at 1 another task uses the root, "
                   "so marking it invalid makes its validity checks non-deterministic", c2, d2,
                   withdrawn=True, lkmm="recheck"))

    c3 = _variant_checks("sean-v3", [READERS])
    C.append(Claim("C3", "Sean", "concurrent readers may or may not see role.invalid as true, "
                   "and KVM tolerates that", c3,
                   _no_bug_claim(_labels(c3), "readers racing with the plain store of invalid"),
                   lkmm="recheck"))

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

    # memslot+walker has no flow that loads a root: a resident vCPU gives the
    # walker and the invalidation a referenced root (without one the check was
    # 2 executions of nothing)
    c10 = [Check("v5.18:memslot+walker resident=1", "v5.18", "memslot+walker",
                 sizes={"resident": 1}),
           Check("v5.18:memslot+vcpu", "v5.18", "memslot+vcpu")]
    C.append(Claim("C10", "Sean", "invalidating a root while its refcount is >= 1 is fine", c10,
                   _no_bug_claim(_labels(c10), "v5.18 invalidates referenced roots")))

    # C11: sean-v3 under the LKMM with every barrier, then without each
    # barrier its put_root writes, one at a time (barriers.barrier_sites)
    from .barriers import barrier_effect, barrier_sites
    lk = {}          # two-task scenarios: exhaustive, whatever the LKMM budget
    c11, drops = [], []          # drops: (label with the barrier, label without, what)
    for scen, sizes in BARRIER_SCENARIOS:
        tag = scen + "".join(f" {k}={v}" for k, v in sizes.items())
        base = Check(f"sean-v3:lkmm:{tag}", "sean-v3", scen, "lkmm", sizes=sizes, options=lk)
        c11.append(base)
        for name, where, func in barrier_sites("sean-v3"):
            what = f"{name} ({where}) on {tag}"
            c11.append(Check(f"sean-v3 without {what}", "sean-v3", scen, "lkmm", sizes=sizes,
                             options={**lk, "drop_barriers": (f"{name}@{where}",)}))
            drops.append((base.label, c11[-1].label, what))

    def d11(res):
        for with_label, _, _ in drops:
            r = res[with_label]
            if _bug(r):
                return "n-a", f"sean-v3 itself fails under LKMM ({_kind(r)}: {r.bug.message})"
        parts, needed = [], []
        for with_label, without_label, what in drops:
            r = res[without_label]
            effect = barrier_effect(res[with_label], r)
            if effect == "necessary":
                needed.append(what)
                parts.append(f"{what}: necessary ({_kind(r)}: {r.bug.message})")
            else:
                parts.append(f"{what}: {effect.split()[0]} ({r.executions} executions, "
                             f"{'exhaustive' if r.exhaustive else 'bounded'})")
        if needed:
            return "refuted", "; ".join(parts)
        return "holds", "every barrier redundant: " + "; ".join(parts)
    C.append(Claim("C11", "Sean", "the barriers are not needed for xchg: only put_root consumes "
                   "them and it always does an atomic xchg", c11, d11, lkmm="own"))

    for cid, variant, who, text in (
            ("C12", "sean-v3", "Sean", "sean-v3 is correct: races with readers under the read "
             "lock are benign"),
            ("C13", "sean-xchg", "Sean", "sean-xchg is correct"),
            ("C14", "paolo-xchg", "Paolo, Sean", "paolo-xchg is correct")):
        checks = _variant_checks(variant, CORRECTNESS)
        C.append(Claim(cid, who, text, checks, _no_bug_claim(_labels(checks), variant),
                       lkmm="recheck"))

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
    """A claim decided: the verdict under SC and under the LKMM, with the results behind each."""

    def __init__(self, claim, verdict, reason, checks, results, seconds,
                 lkmm_verdict="-", lkmm_reason="", lkmm_results=None):
        self.claim = claim
        self.verdict = verdict
        self.reason = reason
        self.checks = checks
        self.results = results
        self.seconds = seconds
        self.lkmm_verdict = lkmm_verdict
        self.lkmm_reason = lkmm_reason
        self.lkmm_results = lkmm_results or {}

    def _all(self):
        seen = {}
        for r in list(self.results.values()) + list(self.lkmm_results.values()):
            seen[id(r)] = r
        return list(seen.values())

    @property
    def executions(self):
        return sum(r.executions for r in self._all())

    @property
    def exhaustive(self):
        return all(_covered(r) for r in self._all())

    def exhaustive_text(self):
        def ok(rs, verdict):
            rs = list(rs)
            if verdict == "refuted" and any(_bug(r) for r in rs):
                return True             # a bug found decides it, whatever else was bounded
            return all(_covered(r) for r in rs)
        sc = ok(self.results.values(), self.verdict) if self.claim.lkmm != "own" else None
        lk = ok(self.lkmm_results.values(), self.lkmm_verdict) if self.lkmm_results else None
        parts = []
        if sc is not None:
            parts.append("SC " + ("yes" if sc else "bounded"))
        if lk is not None:
            parts.append("LKMM " + ("yes" if lk else "bounded"))
        return ", ".join(parts)

    def to_json(self):
        c = self.claim

        def checks(results, mm_default):
            return [{"check": ch.name, "memory_model": mm_default or ch.memory_model,
                     "verdict": results[ch.label].verdict,
                     "bug": _kind(results[ch.label]),
                     "executions": results[ch.label].executions,
                     "exhaustive": results[ch.label].exhaustive,
                     "seconds": round(results[ch.label].seconds, 2)}
                    for ch in self.checks if ch.label in results]
        mms = sorted({ch.memory_model for ch in self.checks} | ({"lkmm"} if self.lkmm_results else set()))
        return {
            "id": c.id, "who": c.who, "claim": c.doc, "withdrawn": c.withdrawn,
            "verdict": self.verdict, "reason": self.reason,
            "lkmm": {"verdict": self.lkmm_verdict, "reason": self.lkmm_reason,
                     "checks": checks(self.lkmm_results, "lkmm") if self.lkmm_results else []},
            "variants": sorted({ch.variant + (f"/{ch.mutant}" if ch.mutant else "")
                                for ch in self.checks}),
            "scenarios": sorted({ch.scenario for ch in self.checks}),
            "memory_models": mms,
            "executions": self.executions, "exhaustive": self.exhaustive,
            "exhaustive_by_model": self.exhaustive_text(),
            "seconds": round(self.seconds, 2),
            "checks": checks(self.results, None) if c.lkmm != "own" else [],
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
        self.kept = False       # taken from a store.CellStore, not run now

    def format(self):
        return self.text


class _Bug:
    def __init__(self, kind, message):
        self.kind = kind
        self.message = message


class CheckInterrupted(KeyboardInterrupt):
    """Ctrl-C during a table's checks: ``partial`` lists (check, CheckResult)
    for each check cut short, with the executions it had explored (a check
    cut short decides nothing, but the user is told how far it got)."""

    def __init__(self, partial=()):
        super().__init__()
        self.partial = list(partial)


def replay_command(check, step_bound):
    """The ``kcheck tdp-mmu check ... --replay`` that runs a schedule of ``check``
    (the report adds ``--memory-model lkmm`` and the schedule); None for a check
    that is not a variant on a scenario."""
    if check.special is not None:
        return None
    return tdp_replay_command(check.variant, check.scenario, check.mutant,
                              [f"{k}={v}" for k, v in sorted(check.sizes.items())], step_bound,
                              check.options.get("drop_barriers", ()))


def tdp_replay_command(variant, scenario, mutant=None, sizes=(), step_bound=None,
                       drop_barriers=()):
    """``kcheck tdp-mmu check --variant ... --replay``: the command a report's
    schedule follows (``sizes`` as ``NAME=N``; the report adds the memory model)."""
    import shlex
    cmd = ["kcheck tdp-mmu check", f"--variant {shlex.quote(variant)}",
           f"--scenario {shlex.quote(scenario)}"]
    if mutant:
        cmd.append(f"--mutant {shlex.quote(mutant)}")
    cmd += [f"--size {shlex.quote(s)}" for s in sizes]
    if step_bound is not None:
        cmd.append(f"--step-bound {step_bound}")
    cmd += [f"--drop-barrier {shlex.quote(d)}" for d in drop_barriers]
    return " ".join(cmd) + " --replay"


def run_check(check, step_bound=3000, heartbeat=False, store=None, jobs=1):
    """Run one check; with a ``store`` (store.CellStore), from and into it: the
    search checkpointed there as it goes, resumed from an earlier run's
    checkpoint, and the result kept there (its seconds those of every run).
    ``jobs`` > 1 splits this one check's search over that many processes (the
    engine's units, as ``kcheck check --jobs``)."""
    import kcheck
    progress = None
    if heartbeat and check.special is None:
        from ...report.progress import Heartbeat
        progress = Heartbeat(check.name + (" (LKMM)" if check.memory_model == "lkmm" else ""))
    options, before = dict(check.options), 0.0
    if store is not None and check.special is None:
        extra, before = store.options(check)
        options.update(extra)
    from .flows import step_bound_for
    step_bound = max(step_bound, step_bound_for(getattr(check, "sizes", None)))
    try:
        r = kcheck.check(check.build(), memory_model=check.memory_model,
                         step_bound=step_bound, progress=progress, jobs=jobs, **options)
    except KeyboardInterrupt:
        raise
    except BaseException as e:      # kcheck's ModelError, a model the engine lacks, ...
        return CheckResult("error", False, 0, 0.0, error=f"{type(e).__name__}: {e}")
    if r.interrupted:
        # Ctrl-C: a cut-short check decides nothing; the table is abandoned
        raise CheckInterrupted([(check, CheckResult("interrupted", False, r.executions,
                                                    r.seconds + before))])
    bug = _Bug(r.bug.kind, r.bug.message) if r.bug is not None else None
    res = CheckResult(r.verdict, r.exhaustive, r.executions, r.seconds + before, bug,
                      r.format(command=replay_command(check, step_bound))
                      if bug is not None else "")
    if store is not None and check.special is None:
        store.keep(check, res)
    return res


def _run_keyed(args):
    key, check, store = args
    try:
        return key, run_check(check, heartbeat=wanted(), store=store)
    except CheckInterrupted as e:
        return key, e.partial[0][1]     # how far it got, told to the parent, which stops the pool
    except KeyboardInterrupt:
        return key, None


# Rough relative cost of a flow in a scenario, to start the longest checks first.
_FLOW_COST = {"memslot": 20, "walker": 4, "notifier": 3, "zap-all": 3, "split": 3,
              "collapse": 3, "dirty-log": 2, "vcpu": 2}

# Seconds the costly SC checks of the claims table took at CLAIM_SIZES
# (2026-12-01, 2 processes): what orders the queue when a check is one of
# these.  The flow guess below put `sean-v3` on `vcpu+walker+walker` (196 s)
# behind a dozen one-second checks, and the table ended on one process for
# its last 150 s.  Only the order depends on it: a stale figure costs time,
# never a verdict.
_MEASURED_SECONDS = {
    ("v5.18", "memslot+vcpu"): 549, ("v5.17", "memslot+vcpu"): 483,
    ("paolo-xchg", "vcpu+walker+walker"): 199, ("sean-xchg", "vcpu+walker+walker"): 197,
    ("sean-v3", "vcpu+walker+walker"): 196, ("v6.6", "memslot+vcpu"): 67,
    ("v5.18", "memslot+walker"): 5,
}


def expected_cost(check):
    """A guess of a check's cost relative to the others, only to order the
    pool's queue: longest first, so that the last check to finish is a short
    one and both workers stay busy to the end (a table of checks whose
    largest takes minutes otherwise ends on one worker).  A check looking for
    a mutant's bug stops at it and comes last.  At the claims' own sizes the
    checks timed in ``_MEASURED_SECONDS`` come first, by their time; the
    rest (guessed from their flows) after them."""
    if check.special is not None or check.mutant is not None:
        return 0.0
    from .flows import parse_scenario
    try:
        flows = parse_scenario(check.scenario)
    except ValueError:
        return 0.0
    cost = 1.0
    for f in flows:
        cost *= _FLOW_COST.get(f, 2)
    budget = check.options.get("max_executions")
    if budget:
        cost = min(cost, budget / 1000)
    if check.memory_model == "sc" and check.sizes == CLAIM_SIZES and not budget:
        measured = _MEASURED_SECONDS.get((check.variant, check.scenario))
        if measured is not None:
            return 1000.0 + measured
    return cost


def run_checks(checks, jobs=2, done=None, store=None, more=None):
    """Run distinct checks (by key) on ``jobs`` processes, the costliest
    first (``expected_cost``); returns key -> CheckResult.  ``done(check,
    result, finished, total)`` is called as each one finishes (progress).
    With a ``store`` (store.CellStore) the checks it keeps are taken from it
    (``result.kept`` is True) and the others run from and into it.

    ``more(results)``, called as each check finishes with the results so
    far, may return further checks: they join the same queue, behind the
    ones already there.  That is how the claims table runs a claim's LKMM
    checks as soon as its SC checks are in, on whichever process is free,
    rather than in a second round that starts when the last SC check ends
    (while the other process sat idle)."""
    todo = {}
    for ch in checks:
        todo.setdefault(ch.key(), ch)
    out = {}
    added = []                  # keys more() added, not yet queued

    def finished(key, res):
        out[key] = res
        if more is not None:
            for ch in more(out):
                k = ch.key()
                if k not in todo:
                    todo[k] = ch
                    added.append(k)
        if done is not None:
            done(todo[key], res, len(out), len(todo))

    if store is not None:
        for key, ch in list(todo.items()):
            if ch.special is None:
                res = store.finished(ch)
                if res is not None:
                    res.kept = True
                    finished(key, res)
        added.clear()           # seen below with the rest of what is left
    left = [k for k in todo if k not in out]
    if jobs > 1 and len(left) + (more is not None) > 1:
        _run_pool(todo, sorted(left, key=lambda k: -expected_cost(todo[k])), jobs, store,
                  finished, added)
    else:
        # one check left (a single cell of the matrix, the usual way to run
        # its largest cells for hours): the engine splits its search instead,
        # so --jobs is not one busy core and one idle one
        beat = wanted()
        queue = deque(left)
        while queue:
            key = queue.popleft()
            if key in out:
                continue
            split = jobs if len(queue) == 0 and more is None and todo[key].special is None else 1
            finished(key, run_check(todo[key], heartbeat=beat, store=store, jobs=split))
            queue.extend(added)
            added.clear()
    return out


def _run_pool(todo, order, jobs, store, finished, added):
    """``run_checks`` on a pool of ``jobs`` forked processes: the checks
    ``order`` names, then whatever ``finished`` puts in ``added``."""
    import multiprocessing as mp
    import queue as queue_mod
    from ...engine.parallel import die_with_parent, stop_pool, dead_worker
    # a worker whose table is gone (the parent killed with -9) stops too
    pool = mp.get_context("fork").Pool(jobs, initializer=die_with_parent)
    results = queue_mod.SimpleQueue()      # (key, result); (None, exception) from a worker

    def submit(key):
        pool.apply_async(_run_keyed, ((key, todo[key], store),), callback=results.put,
                         error_callback=lambda e: results.put((None, e)))

    def take(timeout):
        key, res = results.get(timeout=timeout)
        if key is None:
            raise res
        return key, res

    # the pool's workers end only with it: one that did was killed, and its
    # check will never come back (the pool starts a new worker and forgets it)
    procs = list(getattr(pool, "_pool", ()))
    for key in order:
        submit(key)
    queued = len(order)
    got = 0                     # results taken from the pool
    ok = False
    try:
        while got < queued:
            try:
                key, res = take(0.5)
            except queue_mod.Empty:
                dead = [p for p in procs if p.exitcode is not None]
                if dead:
                    raise dead_worker(dead[0]) from None
                continue
            got += 1
            if res is None or res.verdict == "interrupted":
                raise CheckInterrupted([(todo[key], res)] if res is not None else ())
            finished(key, res)
            for k in added:
                submit(k)
            queued += len(added)
            added.clear()
        pool.close()
        ok = True
    except KeyboardInterrupt as e:
        # Ctrl-C reaches the workers too: each running check stops and sends
        # what it had explored; wait a moment for those (not for the checks
        # still queued, which a free worker would start), then stop the pool
        partial = list(getattr(e, "partial", ()))
        running = min(jobs, queued - got)
        deadline = time.monotonic() + 2.0
        try:
            while running > 0 and time.monotonic() < deadline:
                try:
                    key, res = take(max(0.0, deadline - time.monotonic()))
                except queue_mod.Empty:
                    break
                running -= 1
                if res is None:
                    continue
                if res.verdict == "interrupted":
                    partial.append((todo[key], res))
                else:
                    finished(key, res)      # it ended just as Ctrl-C came
        except KeyboardInterrupt:
            pass                            # a second Ctrl-C: stop waiting
        stop_pool(pool)
        raise CheckInterrupted([p for p in partial if p[1] is not None]) from None
    except BaseException:
        # a worker killed while it held the task queue's lock would make
        # Pool.terminate() wait for ever (stop_pool)
        stop_pool(pool)
        raise
    finally:
        if ok:
            pool.join()


def lkmm_rechecks(claims, sc_results):
    """The LKMM runs the claims need once the SC results are in: each SC check
    of a memory-model-dependent claim that found no bug.  (A bug found under
    SC needs no rerun: every SC execution is an LKMM execution.)"""
    out = []
    for c in claims:
        if c.lkmm != "recheck":
            continue
        sc = {ch.label: sc_results[ch.key()] for ch in c.checks}
        if _decide(c, sc)[0] == "refuted" and any(_bug(r) for r in sc.values()):
            continue            # refuted by an SC bug: refuted under the LKMM as well
        for ch in c.checks:
            r = sc_results[ch.key()]
            if ch.special is None and r.verdict not in ("bug", "error"):
                out.append(ch.under_lkmm())
    return out


def _decide(claim, results):
    failed = [l for l, r in results.items() if r.verdict == "error" and l != "xchg-on-bit"]
    if failed:
        return "n-a", f"{failed[0]} could not run: {results[failed[0]].error}"
    verdict, reason = claim.decide(results)
    bounded = [l for l, r in results.items() if not _covered(r)]
    by_bug = verdict == "refuted" and any(_bug(r) for r in results.values())
    if bounded and verdict in ("holds", "refuted") and not by_bug:
        reason += f" (bounded: {len(bounded)} check(s) stopped at their execution budget)"
    return verdict, reason


def decide_claim(claim, results_by_key, lkmm_by_key=None):
    lkmm_by_key = lkmm_by_key or {}
    results = {ch.label: results_by_key[ch.key()] for ch in claim.checks}
    seconds = sum(r.seconds for r in results.values())
    if claim.lkmm == "own":
        lv, lr = _decide(claim, results)
        return Row(claim, "n-a", "barriers order nothing under sequential consistency: decided "
                   "under the LKMM", claim.checks, {}, seconds, lv, lr, results)
    verdict, reason = _decide(claim, results)
    if claim.lkmm != "recheck":
        return Row(claim, verdict, reason, claim.checks, results, seconds, "-",
                   "lock-protected logic: decided under SC")
    lres = {}
    for ch in claim.checks:
        k = ch.under_lkmm().key()
        lres[ch.label] = lkmm_by_key.get(k, results[ch.label])
    lv, lr = _decide(claim, lres)
    rerun = [l for l in lres if lres[l] is not results[l]]
    carried = [l for l in lres if lres[l] is results[l] and _bug(results[l])]
    if carried and not rerun:
        lr += " (the SC bug is an LKMM bug: every SC execution is an LKMM execution)"
    seconds += sum(lres[l].seconds for l in rerun)
    return Row(claim, verdict, reason, claim.checks, results, seconds, lv, lr,
               {l: lres[l] for l in lres})


def write_traces(row, out_dir):
    """Write the minimized trace of every bug behind a refuted claim to DIR/Cnn.txt."""
    if row.verdict != "refuted" and row.lkmm_verdict != "refuted":
        return None
    bugs = [(l, r) for l, r in row.results.items() if getattr(r, "bug", None) is not None]
    bugs += [(f"{l} (LKMM)", r) for l, r in row.lkmm_results.items()
             if getattr(r, "bug", None) is not None and r is not row.results.get(l)]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{row.claim.id}.txt")
    with open(path, "w") as f:
        f.write(f"{row.claim.id} ({row.claim.who}): {row.claim.doc}\n")
        f.write(f"verdict under SC: {row.verdict} — {row.reason}\n")
        f.write(f"verdict under the LKMM: {row.lkmm_verdict} — {row.lkmm_reason}\n\n")
        if not bugs:
            f.write("(the refutation is the absence of a bug; no trace)\n")
        for label, r in bugs:
            f.write(f"== {label} ==\n{r.format()}\n\n")
    return path
