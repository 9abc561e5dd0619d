"""The claims table's LKMM column: its budget is an option, and a check cut off
by it is said to be bounded, never exhaustive."""

import json

from click.testing import CliRunner

from kcheck.models.tdp_mmu import claims
from kcheck.models.tdp_mmu.cli import tdp_mmu


def _c1(tmp_path, *extra):
    out = CliRunner().invoke(tdp_mmu, ["claims", "--json", "--only", "C1", "--jobs", "1",
                                       "--out", str(tmp_path), *extra])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)["claims"][0]


def test_lkmm_rechecks_are_exhaustive_within_the_default_budget(tmp_path):
    row = _c1(tmp_path)
    lk = row["lkmm"]
    assert lk["verdict"] == "holds"
    runs = [c for c in lk["checks"] if "vcpu" in c["check"]]   # not the xchg-on-bit probe
    assert len(runs) == 2 and all(c["exhaustive"] for c in runs), lk
    assert "bounded" not in lk["reason"]


def test_a_small_lkmm_budget_says_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(claims, "LKMM_BUDGET", claims.LKMM_BUDGET)   # the CLI sets it
    row = _c1(tmp_path, "--lkmm-budget", "10")
    lk = row["lkmm"]
    runs = [c for c in lk["checks"] if "vcpu" in c["check"]]
    assert len(runs) == 2 and not any(c["exhaustive"] for c in runs), lk
    assert all(c["executions"] <= 10 for c in runs), lk
    assert "bounded" in lk["reason"]
    assert row["verdict"] == "holds" and "bounded" not in row["reason"]   # SC unaffected


def test_budget_zero_means_no_budget(monkeypatch):
    monkeypatch.setattr(claims, "LKMM_BUDGET", None)
    ch = claims.Check("x", "sean-v3", "vcpu+dirty-log").under_lkmm()
    assert "max_executions" not in ch.options and ch.memory_model == "lkmm"
