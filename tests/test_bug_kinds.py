"""The bug kinds: one list (``kcheck.engine.bugs.KINDS``) that ``--ignore``
offers, that every kind the sources raise is on, and that a typo in
``ignore`` is not silently matched against.

``--ignore null-deref`` (and the other memory-safety kinds of C programs)
was refused by the command line before: its list was written by hand and had
fallen behind the kinds the C front end and the kernel API raise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import kcheck
from kcheck.engine.bugs import KINDS
from kcheck.engine.runtime import ModelError

ROOT = Path(__file__).resolve().parent.parent

# the calls that start a bug of a literal kind (runtime.report, detect.whole_bug,
# the C front end's c_bug, Bug itself)
_RAISE = re.compile(r"""\b(?:report|whole_bug|c_bug|Bug)\(\s*f?["']([a-z{}-]+)["']""")
# f"{kind}-out-of-bounds": the kinds those templates take
_OOB = re.compile(r"""\{"heap": "slab".*?\}|kind = "slab" if .*? else "global\"""", re.S)


def _raised_kinds():
    found = {}
    for path in (ROOT / "kcheck").rglob("*.py"):
        for m in _RAISE.finditer(path.read_text()):
            found.setdefault(m.group(1), path.relative_to(ROOT))
    return found


def test_every_kind_the_sources_raise_is_a_kind():
    found = _raised_kinds()
    assert len(found) > 20, found              # the scan sees the sources
    templated = {k for k in found if "{" in k}
    assert templated == {"{kind}-out-of-bounds"}, templated
    for prefix in ("slab", "global", "stack"):
        assert f"{prefix}-out-of-bounds" in KINDS
    missing = {k: str(p) for k, p in found.items() if "{" not in k and k not in KINDS
               and k != "model-error"}
    assert not missing, missing


def test_the_command_line_offers_every_kind():
    from kcheck.cli import BUG_KINDS
    assert set(BUG_KINDS) == set(KINDS) and "model-error" not in BUG_KINDS


def test_a_kind_that_is_no_kind_is_an_error():
    def main():
        pass
    with pytest.raises(ModelError, match=r"unknown bug kind 'leaks'"):
        kcheck.check(main, ignore=("leaks",))
    with pytest.raises(ModelError, match=r"unknown bug kind 'nul-deref'"):
        kcheck.replay(main, "", ignore=("nul-deref",))


NULL_DEREF_JOINED = r"""
#include <linux/slab.h>
#include <pthread.h>

struct obj { int v; };
static struct obj *shared;

static void *reader(void *arg)
{
	struct obj *o = READ_ONCE(shared);
	return (void *)(long)o->v;          /* NULL before the writer publishes */
}

int main(void)
{
	pthread_t t;
	struct obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	pthread_create(&t, NULL, reader, NULL);
	o->v = 1;
	WRITE_ONCE(shared, o);
	pthread_join(t, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("ignore,kind", [((), "null-deref"), (("null-deref",), "deadlock"),
                                         (("null-deref", "deadlock"), None)])
def test_ignore_a_c_programs_memory_safety_kind(tmp_path, ignore, kind):
    """An oops ends its task, as in the kernel: with the NULL dereference
    ignored, the join waits for ever, and the deadlock says for whom and why."""
    import json
    f = tmp_path / "null_deref_joined.c"
    f.write_text(NULL_DEREF_JOINED)
    args = [a for k in ignore for a in ("--ignore", k)]
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f), "--json", *args],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    out = json.loads(p.stdout)
    assert out["ignored"] == sorted(ignore), out
    if kind is None:
        assert p.returncode == 0 and out["verdict"] == "no-bug" and out["exhaustive"], p.stdout[-800:]
        # a "no bug" that skipped kinds says which, so it is not read as a clean bill
        text = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f), *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=300).stdout
        verdict = next(ln for ln in text.splitlines() if ln.startswith("no bug found"))
        assert verdict.startswith("no bug found (deadlock, null-deref not reported: --ignore): "), verdict
        return
    assert p.returncode == 1 and out["bug"]["kind"] == kind, p.stdout[-800:]
    if kind == "deadlock":
        assert "for reader, which was stopped by its null-deref" in out["bug"]["message"], out["bug"]
        text = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f), *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=300).stdout
        line = next(ln for ln in text.splitlines() if ln.startswith("replay: kcheck replay "))
        assert "--ignore null-deref" in line, line
        import shlex
        again = subprocess.run([sys.executable, "-m", "kcheck.cli", *shlex.split(line)[2:]],
                               capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert again.returncode == 1 and "stopped by its null-deref" in again.stdout, again.stdout


def test_a_warn_headline_carries_the_models_line():
    """``WARN_ON at file:line in f(): WARN_ON(cond)``: the condition is in the
    headline (a review had to open the file to learn what had fired)."""
    from kcheck.kernel import KStruct, atomic_t, atomic_read, WARN_ON, BUG_ON

    class S(KStruct):
        n: atomic_t

    def warns(s):
        WARN_ON(atomic_read(s.n) == 0)

    def bugs(s):
        if atomic_read(s.n) == 0:
            BUG_ON(True)

    for fn, head in ((warns, "WARN_ON(atomic_read(s.n) == 0)"), (bugs, "BUG_ON(True)")):
        def main(fn=fn):
            kcheck.spawn(fn, S(), name="t")
        res = kcheck.check(main)
        assert res.bug is not None and res.bug.message.endswith(f"(): {head}"), res.bug.message
