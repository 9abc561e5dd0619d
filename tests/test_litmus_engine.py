"""Whole-program LKMM exploration against herd7's verdicts.

Every shared litmus test runs as a kcheck program (``kcheck litmus --engine
trust``): processes become tasks, TruSt explores them under the LKMM.  The
verdict must be the ``Result:`` line's - except where the engine's documented
restriction applies: it never builds a porf cycle (load buffering), as GenMC.
"""

import glob
from pathlib import Path

import pytest

from kcheck.litmus.parser import parse_file
from kcheck.litmus.program import explore

DATA = Path(__file__).resolve().parent / "data" / "lkmm"
FILES = sorted(glob.glob(str(DATA / "tests" / "*.litmus"))) + sorted(
    glob.glob(str(DATA / "doc-tests" / "*" / "*.litmus")))

NEEDS_LOAD_BUFFERING = {"LB+poonceonces"}


@pytest.mark.parametrize("path", FILES, ids=[Path(f).stem for f in FILES])
def test_program_engine_gives_herds_verdict(path):
    test = parse_file(path)
    obs, pos, neg, _, _ = explore(test)
    if test.expected == "DEADLOCK":
        assert pos + neg == 0
    elif test.name in NEEDS_LOAD_BUFFERING:
        assert test.expected == "Sometimes" and obs == "Never"
    else:
        assert obs == test.expected, f"{test.name}: {obs} ({pos} positive, {neg} negative)"


def test_all_shared_tests_are_covered():
    assert len(FILES) == 47


def test_the_program_engine_says_what_it_leaves_out(tmp_path):
    # a Never from the program engine may be herd's Sometimes (load buffering):
    # its summary and JSON say so, as every exhaustive LKMM result does
    import io
    import json
    from kcheck.litmus.program import run_paths
    f = DATA / "tests" / "LB+poonceonces.litmus"
    out = io.StringIO()
    run_paths([str(f)], False, out)
    assert "excludes load buffering" in out.getvalue().splitlines()[-1], out.getvalue()
    out = io.StringIO()
    run_paths([str(f)], True, out)
    assert json.loads(out.getvalue())["excludes"][0].startswith("load buffering")
