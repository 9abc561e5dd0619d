"""The HTML swimlane report: lanes, the highlighted bug step, the causal summary.

Each report is checked twice: from the HTML text with the standard library's
parser (fast, always runs), and from the DOM a real browser builds after the
page's script ran (headless Chromium), which is what catches a script error
that leaves the side panel empty or a page that only looks right as text.

Run ``python tests/test_html.py`` to refresh ``docs/img/put_root-trace.png``.
"""

import json
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import kcheck
from kcheck.cli import load_model
from kcheck.report.html import write_claims_report, write_report

ROOT = Path(__file__).resolve().parent.parent
PUT_ROOT = ROOT / "examples" / "put_root.py"
DEADLOCK = ROOT / "examples" / "detectors" / "deadlock.py"


class Page(HTMLParser):
    """What the tests look at: lane headers, step boxes, texts by id, the side panel."""

    def __init__(self, text):
        super().__init__()
        self.lanes, self.steps, self.ids = [], [], {}
        self.text_of = {}      # element id -> its text
        self.field_rows = {}   # side panel: field -> value
        self._open = []        # ids of the open elements that have one (tag, id)
        self._row = None
        self.feed(text)
        for s in self.steps:
            s["text"] = " ".join(self.text_of.get(f"step-{s['step']}", "").split())

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "th" and "lane" in cls:
            self.lanes.append(a["data-task"])
        if tag == "div" and "step" in cls:
            self.steps.append({"step": int(a["data-step"]), "task": a["data-task"],
                               "bug": "bug" in cls, "selected": "selected" in cls})
        if tag == "tr" and "data-field" in a:
            self._row = []
        if "id" in a:
            self.ids[a["id"]] = a
        self._open.append((tag, a.get("id")))

    def handle_startendtag(self, tag, attrs):
        pass                   # <meta/>, <br/>: nothing inside

    def handle_endtag(self, tag):
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break
        if tag == "tr" and self._row is not None:
            if len(self._row) == 2:
                self.field_rows[self._row[0]] = self._row[1]
            self._row = None

    def handle_data(self, data):
        for _, i in self._open:
            if i:
                self.text_of[i] = self.text_of.get(i, "") + data
        if self._row is not None and self._open and self._open[-1][0] == "td":
            self._row.append(data)


def _report(path, entry, tmp_path, name):
    res = kcheck.check(load_model(str(path), entry))
    out = tmp_path / f"{name}.html"
    write_report(res, out, title=str(path.relative_to(ROOT)))
    return res, out


def _assert_put_root(page, res):
    """put_root: the reader's second put underflows the count the vcpu set to 0."""
    assert page.lanes == ["vcpu", "dirty-log"]
    assert [s["step"] for s in page.steps] == list(range(1, len(res.bug.events) + 1))
    bugs = [s for s in page.steps if s["bug"]]
    assert len(bugs) == 1
    assert bugs[0]["task"] == "dirty-log" and "refcount_dec_not_one" in bugs[0]["text"]
    assert "0, unchanged" in bugs[0]["text"]
    summary = " ".join(page.text_of["summary"].split())
    assert summary.startswith("refcount_t: underflow; use-after-free")
    assert "dirty-log's refcount_dec_not_one at put_root.py:24" in summary
    assert "vcpu's refcount_set at put_root.py:26 set it 2 -> 0" in summary
    # the lanes' RCU shading follows the reader's read-side section (steps 2-4)
    assert page.steps[1]["text"].startswith("rcu_read_lock()")


def _assert_deadlock(page):
    """ABBA: both CPUs hold one lock and wait in spin_lock for the other."""
    assert page.lanes == ["cpu0", "cpu1"]
    bugs = [s for s in page.steps if s["bug"]]
    assert len(bugs) == 1 and bugs[0]["task"] == "cpu0" and "waits" in bugs[0]["text"]
    summary = " ".join(page.text_of["summary"].split())
    assert not summary.startswith("deadlock")       # the verdict above says so already
    assert summary.endswith(" - each waits for a lock another one holds")
    assert "cpu0 waits in spin_lock(spinlock_t#1) at deadlock.py:8, holding spinlock_t#0" in summary
    assert "cpu1 waits in spin_lock(spinlock_t#0) at deadlock.py:8, holding spinlock_t#1" in summary


def test_put_root_report_has_lanes_bug_and_summary(tmp_path):
    res, out = _report(PUT_ROOT, "main", tmp_path, "put_root")
    text = out.read_text()
    page = Page(text)
    _assert_put_root(page, res)
    assert "memory model sc" in text and "stopped at the first bug" in text
    # self-contained: nothing fetched from anywhere
    assert "http://" not in text and "https://" not in text and "<link" not in text
    # the RCU read-side section and the touched object's fields travel with the page
    data = json.loads(text.split('id="kcheck-events">')[1].split("</script>")[0])
    rcu_steps = [e["step"] for e in data["events"] if e["rcu"]]
    assert rcu_steps == [2, 3, 4]
    bs = next(e["step"] for e in res.bug.events if e["bug"])
    assert data["bug_step"] == bs
    assert data["events"][bs - 1]["fields"]["tdp_mmu_root_count"] == "0"
    shaded = text.count('class="cell rcu"')
    assert shaded >= 3


def test_deadlock_report_has_lanes_bug_and_summary(tmp_path):
    _, out = _report(DEADLOCK, "buggy", tmp_path, "deadlock")
    text = out.read_text()
    page = Page(text)
    _assert_deadlock(page)
    # both lanes hold a lock from their first step on
    assert text.count('class="cell locked"') >= 4


def test_no_bug_report_says_exhaustive(tmp_path):
    res = kcheck.check(load_model(str(DEADLOCK), "fixed"))
    out = tmp_path / "fixed.html"
    write_report(res, out)
    page = Page(out.read_text())
    assert "no bug found" in page.text_of["verdict"]
    assert "exhaustive" in out.read_text() and page.steps == []
    assert "load buffering" not in out.read_text()


def test_lkmm_report_says_what_exhaustive_leaves_out(tmp_path):
    res = kcheck.check(load_model(str(DEADLOCK), "fixed"), memory_model="lkmm")
    out = tmp_path / "fixed-lkmm.html"
    write_report(res, out)
    assert res.exhaustive
    assert "exhaustive (except load buffering: executions with a cycle in po | rf" in out.read_text()


def test_claims_page_links_each_refuted_claim(tmp_path):
    res = kcheck.check(load_model(str(PUT_ROOT), "main"))
    common = dict(who="Sean", variants=["paolo-dec-not-one"], scenarios=["vcpu+dirty-log"],
                  memory_model="sc", executions=3, exhaustive=False, seconds=0.1)
    rows = [dict(claim="C6", text="get_root can succeed between dec_not_one and set(0)",
                 verdict="refuted", trace=res.bug.trace, events=res.bug.events,
                 kind=res.bug.kind, **common),
            dict(claim="C13", text="sean-xchg is correct", verdict="holds", trace=None,
                 events=None, **common)]
    out = tmp_path / "claims.html"
    write_claims_report(rows, out)
    text = out.read_text()
    assert '<a href="#trace-C6">' in text and 'id="trace-C6"' in text
    assert 'href="#trace-C13"' not in text
    page = Page(text)
    assert page.lanes == ["vcpu", "dirty-log"]
    assert [s["step"] for s in page.steps if s["bug"]] == \
        [e["step"] for e in res.bug.events if e["bug"]]
    # with a traces directory: one page per refuted claim, linked relatively
    write_claims_report(rows, out, traces_dir=tmp_path / "traces")
    assert '<a href="traces/C6.html">' in out.read_text()
    assert Page((tmp_path / "traces" / "C6.html").read_text()).lanes == ["vcpu", "dirty-log"]
    assert not (tmp_path / "traces" / "C13.html").exists()


# ----------------------------------------------------------------------
# the same, from a browser's DOM
# ----------------------------------------------------------------------
def chromium():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def browse(url, tmp_path, screenshot=None):
    """Headless Chromium: the DOM after scripts ran (``--dump-dom``), or a screenshot."""
    exe = chromium()
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}"]
    if screenshot:
        args += [f"--screenshot={screenshot}", "--window-size=1400,900"]
    else:
        args += ["--dump-dom"]
    p = subprocess.run(args + [url], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout


def png_size(path):
    head = Path(path).read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.skipif(chromium() is None, reason="no chromium binary (apt-get install chromium)")
def test_reports_in_headless_chromium(tmp_path):
    res, out = _report(PUT_ROOT, "main", tmp_path, "put_root")
    dom = Page(browse(out.as_uri(), tmp_path))
    _assert_put_root(dom, res)
    # the script ran: the side panel shows the bug step's object, the box is selected
    bs = next(e["step"] for e in res.bug.events if e["bug"])
    assert dom.ids["state"].get("data-step") == str(bs)
    assert [s["step"] for s in dom.steps if s["selected"]] == [bs]
    assert "kvm_mmu_page#0" in dom.text_of["state"]
    assert dom.field_rows == {"spt": "0", "tdp_mmu_root_count": "0"}
    # opening a step (what a click does: it sets #step-N) shows that step's state
    dom4 = Page(browse(out.as_uri() + "#step-4", tmp_path))
    assert dom4.ids["state"].get("data-step") == "4"
    assert dom4.field_rows["tdp_mmu_root_count"] == "2"

    _, out = _report(DEADLOCK, "buggy", tmp_path, "deadlock")
    dom = Page(browse(out.as_uri(), tmp_path))
    _assert_deadlock(dom)
    assert dom.ids["state"].get("data-step") == "4"

    png = tmp_path / "put_root.png"
    browse((tmp_path / "put_root.html").as_uri(), tmp_path, screenshot=png)
    assert png_size(png) == (1400, 900)


if __name__ == "__main__":
    # refresh the screenshot the docs show
    import tempfile
    if chromium() is None:
        sys.exit("no chromium binary")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        _, out = _report(PUT_ROOT, "main", d, "put_root")
        dest = ROOT / "docs" / "img" / "put_root-trace.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        browse(out.as_uri(), d, screenshot=dest)
        print(f"wrote {dest.relative_to(ROOT)}")


def test_an_rwsem_deadlock_summary_names_the_rwsem_and_who_holds_it():
    """The page's summary of an ABBA through an rw_semaphore: the reader waits
    on the rwsem (not its reader word), and the writer holding it is shown
    holding it - so the summary sees the cycle (before 2026-12-03 neither)."""
    import re
    from kcheck.report.html import render_report
    from abba import rwsem_abba
    main = rwsem_abba(a_takes="down_read")
    res = kcheck.check(main)
    summary = re.search(r'<p id="summary">(.*?)</p>', render_report(res)).group(1)
    assert "a waits in down_read(S#0-&gt;sem) at" in summary, summary
    assert "holding S#0-&gt;sem" in summary, summary
    assert summary.endswith("each waits for a lock another one holds"), summary
