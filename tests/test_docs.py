"""The docs cannot rot: every example in them is a file that runs here.

Conventions the docs follow (docs/index.md says them to writers too):

* ``<!-- example: examples/docs/PATH -->`` on the line before a fenced block:
  the block is a verbatim excerpt (whole lines) of that file.  Every
  ```` ```python ```` block in the docs carries one, except in the files in
  ``UNMARKED_OK``.
* ``<!-- output -->`` before a ```` ```console ```` block: each ``$ kcheck ...``
  line is run from the repository root and what follows it must be its
  output (timings masked).
* every file under ``examples/docs/`` is quoted by some page, and every model
  in it has its expected verdict in ``examples/docs/expected.toml``
  (GenMC-style: a change that alters a verdict shows in the diff); files
  named ``test_*.py`` there are pytest files and must pass.
* ``docs/reference/cli.md`` is generated from the click commands:
  ``python tests/test_docs.py`` rewrites it.
* the key tables in ``docs/reference/json.md`` list exactly the keys that
  ``--json`` prints.
"""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples" / "docs"
# kernel-api.md (the model API reference, owned with kcheck.kernel) shows a
# struct declaration with "..." in it: an API sketch, not a runnable example.
UNMARKED_OK = {"reference/kernel-api.md"}

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
MARK = re.compile(r"<!--\s*(example|output)(?::\s*(\S+))?\s*-->\s*\n\s*$")


def pages():
    return sorted(DOCS.rglob("*.md"))


def blocks(page):
    """(language, body, marker kind, marker arg, line) for each fenced block."""
    text = page.read_text()
    for m in FENCE.finditer(text):
        before = text[:m.start()]
        mark = MARK.search(before[-300:])
        line = before.count("\n") + 1
        yield m.group(1), m.group(2), mark.group(1) if mark else None, \
            mark.group(2) if mark else None, line


def rel(p):
    return p.relative_to(ROOT).as_posix()


def all_blocks():
    return [(rel(p), *b) for p in pages() for b in blocks(p)]


EXAMPLE_BLOCKS = [b for b in all_blocks() if b[3] == "example"]


@pytest.mark.parametrize("page,lang,body,kind,arg,line", EXAMPLE_BLOCKS,
                         ids=[f"{b[0]}:{b[5]}" for b in EXAMPLE_BLOCKS])
def test_example_block_is_verbatim(page, lang, body, kind, arg, line):
    src = ROOT / arg
    assert src.is_file(), f"{page}:{line}: {arg} does not exist"
    assert arg.startswith("examples/docs/"), f"{page}:{line}: examples live in examples/docs/"
    text = src.read_text()
    lines = text.splitlines()
    want = body.splitlines()
    starts = [i for i in range(len(lines) - len(want) + 1) if lines[i:i + len(want)] == want]
    assert starts, f"{page}:{line}: the block is not a verbatim excerpt of {arg}"


def test_every_python_block_is_marked():
    bad = [f"{page}:{line}" for page, lang, body, kind, arg, line in all_blocks()
           if lang == "python" and kind != "example"
           and page.removeprefix("docs/") not in UNMARKED_OK]
    assert not bad, f"```python blocks without <!-- example: ... -->: {bad}"


def test_every_example_file_is_quoted():
    quoted = {arg for _, _, _, kind, arg, _ in all_blocks() if kind == "example"}
    said = "\n".join(p.read_text() for p in pages())
    files = [rel(p) for p in EXAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and p.name != "expected.toml"]
    orphans = [f for f in files if f not in quoted and f not in said]
    assert not orphans, f"files under examples/docs/ no page uses: {orphans}"


# ----------------------------------------------------------------------
# the examples run
# ----------------------------------------------------------------------
EXPECTED = tomllib.loads((EXAMPLES / "expected.toml").read_text())


def model_files():
    return sorted(rel(p) for p in EXAMPLES.rglob("*.py")
                  if not p.name.startswith("test_") and "__pycache__" not in p.parts)


def test_every_model_has_an_expected_verdict():
    missing = [f for f in model_files() if f.removeprefix("examples/docs/") not in EXPECTED]
    assert not missing, f"add these to examples/docs/expected.toml: {missing}"
    stale = [f for f in EXPECTED if not (EXAMPLES / f).is_file()]
    assert not stale, f"expected.toml names files that do not exist: {stale}"


@pytest.mark.parametrize("name,entry,want",
                         [(f, e, w) for f, entries in EXPECTED.items() for e, w in entries.items()])
def test_example_model_verdict(name, entry, want):
    import kcheck
    from kcheck.cli import load_model
    res = kcheck.check(load_model(str(EXAMPLES / name), entry))
    got = res.bug.kind if res.bug else "no-bug"
    assert got == want, res.format()
    if want == "no-bug":
        assert res.exhaustive


@pytest.mark.parametrize("path", sorted(rel(p) for p in EXAMPLES.rglob("test_*.py")))
def test_example_test_file_passes(path):
    # plugins are not autoloaded here, so the project's addopts (xdist's -n) go too
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-o", "addopts=", "-p", "kcheck.pytest_plugin", path],
                       capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env=dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]


# ----------------------------------------------------------------------
# console sessions
# ----------------------------------------------------------------------
TIMING = re.compile(r"\d+\.\d+ s\b")
JSON_SECONDS = re.compile(r'"seconds": [0-9.e-]+')
JSON_RSS = re.compile(r'"peak_rss_mb": [0-9.]+')


# How many executions came before the bug: with every core working (the
# default --jobs), whichever worker meets it first decides, so the count is
# not the same run to run (a tutorial session said 3 once in four CI runs)
FOUND_AFTER = re.compile(r"found after \d+ complete executions? \(\d+ blocked\)")


def normalize(text):
    """Lines without trailing blanks, with wall times (and the executions before
    a bug found by several workers) masked."""
    return [FOUND_AFTER.sub("found after N complete executions (N blocked)",
                            JSON_RSS.sub('"peak_rss_mb": M',
                                         JSON_SECONDS.sub('"seconds": T', TIMING.sub("T s", l.rstrip()))))
            for l in text.strip("\n").splitlines()]


def sessions():
    out = []
    for page, lang, body, kind, arg, line in all_blocks():
        if kind != "output":
            continue
        cmd, expect = None, []
        for l in body.splitlines() + ["$ "]:
            if l.startswith("$ "):
                if cmd:
                    out.append((page, line, cmd, "\n".join(expect)))
                cmd, expect = l[2:].strip(), []
            else:
                expect.append(l)
    return out


@pytest.mark.parametrize("page,line,cmd,expect", sessions(),
                         ids=[f"{s[0]}:{s[1]}" for s in sessions()])
def test_console_session(page, line, cmd, expect):
    args = cmd.split()
    assert args[0] == "kcheck", f"{page}:{line}: only kcheck commands are run"
    import shlex
    args = shlex.split(cmd)
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", *args[1:]], capture_output=True,
                       text=True, cwd=ROOT, timeout=300)
    got = p.stdout + p.stderr
    assert normalize(got) == normalize(expect), f"{page}:{line}: `{cmd}` now prints:\n{got}"


# ----------------------------------------------------------------------
# generated and checked references
# ----------------------------------------------------------------------
def cli_reference():
    """docs/reference/cli.md, from the click commands themselves."""
    import click
    from kcheck.cli import main

    parts = ["# Reference: the `kcheck` command", "",
             "Generated from the click definitions by `python tests/test_docs.py`; "
             "`tests/test_docs.py` fails when this page and `kcheck --help` disagree.", "",
             "Exit codes: 0 no bug found in the explored space, 1 bug found (for `litmus`: a "
             "test disagrees with its `Result:` line), 2 usage or model error (for `litmus`: "
             "any test that could not be checked), 130 interrupted (Ctrl-C or SIGTERM; what "
             "was covered is printed first). The [error contract](#error-contract) "
             "below lists what every bad input gets.", ""]

    def walk(cmd, path, parent):
        # make_context applies the group's context_settings (-h as well as --help)
        ctx = cmd.make_context(path[-1], [], parent=parent, resilient_parsing=True,
                               terminal_width=80, max_content_width=80)
        name = " ".join(path)
        parts.extend([f"## `{name}`", "", "```text", ctx.get_help(), "```", ""])
        if isinstance(cmd, click.Group):
            for sub in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, sub), path + [sub], ctx)

    walk(main, ["kcheck"], None)
    from cli_contract import table          # tests/cli_contract.py: the cases, run by tests
    parts.append(table())
    return "\n".join(parts).rstrip() + "\n"


def test_cli_reference_is_current():
    page = DOCS / "reference" / "cli.md"
    assert page.read_text() == cli_reference(), \
        "docs/reference/cli.md is out of date: run `python tests/test_docs.py`"


KEYS = re.compile(r"<!--\s*keys:\s*(\S+)\s*-->\s*\n((?:\|.*\n)+)")


def documented_keys():
    out = {}
    for m in KEYS.finditer((DOCS / "reference" / "json.md").read_text()):
        rows = [r for r in m.group(2).splitlines()[2:]]
        out[m.group(1)] = {re.match(r"\|\s*`([^`]+)`", r).group(1) for r in rows}
    return out


def _json(*args):
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", *map(str, args), "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    return json.loads(p.stdout)


def test_json_reference_lists_every_key():
    doc = documented_keys()
    check = _json("check", "examples/put_root.py")
    litmus = _json("litmus", "examples/docs/reference/MP+release+acquire.litmus")
    actual = {
        "check": set(check), "check.bug": set(check["bug"]),
        "check.bug.events[]": set(check["bug"]["events"][0]),
        "litmus": set(litmus), "litmus.tests[]": set(litmus["tests"][0]),
        "litmus.summary": set(litmus["summary"]),
    }
    assert set(doc) == set(actual)
    for k in actual:
        assert doc[k] == actual[k], f"json.md, table {k}: documented {sorted(doc[k])}, " \
                                    f"printed {sorted(actual[k])}"


def regenerate_sessions():
    """Rewrite every ``<!-- output -->`` console block with what kcheck prints now."""
    import shlex
    for page, line, cmd, expect in sessions():
        args = shlex.split(cmd)
        p = subprocess.run([sys.executable, "-m", "kcheck.cli", *args[1:]], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
        got = (p.stdout + p.stderr).strip("\n")
        if normalize(got) == normalize(expect):
            continue
        path = ROOT / page
        text = path.read_text()
        old = f"$ {cmd}\n{expect}".rstrip("\n")
        assert old in text, f"{page}:{line}: block not found"
        path.write_text(text.replace(old, f"$ {cmd}\n{got}", 1))
        print(f"updated {page}:{line}")


if __name__ == "__main__":
    (DOCS / "reference" / "cli.md").write_text(cli_reference())
    print("wrote docs/reference/cli.md")
    regenerate_sessions()
