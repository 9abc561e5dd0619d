"""HTML swimlanes: the failing execution as a page a reviewer can click through.

The text trace (``report.text``) stays the default everywhere; this page is
for the reader who wants to see *who held what when*.  It is one
self-contained file - inline CSS and JavaScript, no fonts, no network - so it
can be attached to a mail or a bug and opened offline, and it prints.

What the page shows, top to bottom:

* the verdict line: bug kind or "no bug found", memory model, executions,
  exhaustive or bounded (and which bound), seconds;
* for a bug, one **causal summary** line (:func:`causal_summary`), derived from
  the bug kind, its message and the steps: who freed the object and where,
  who used it after; who last changed the counter that underflowed; which
  locks each deadlocked task holds and waits for;
* one lane (column) per task; each step is a box with its kernel-style text
  (values ``old -> new`` as in the text trace) and its source line.  A lane is
  shaded while its task is in an RCU read-side section and marked while it
  holds locks - also in the rows where other tasks run, because that is when
  it matters.  The step where the bug shows is highlighted;
* a side panel: clicking a step (or opening ``#step-N``) shows the fields of
  the object that step touched, as they are after it.  On load it shows the
  bug's step;
* the plain-text trace and the replay command, for copying into mail.

Everything comes from ``Result`` / ``BugReport.events`` (see
``report.build.trace_events``), so a JSON result (``--json``) carries the same
information and the claims page can render traces it did not run itself.
"""

from __future__ import annotations

import html
import json
import os
import re

__all__ = ["write_report", "render_report", "causal_summary",
           "write_claims_report", "render_claims_report"]


# ----------------------------------------------------------------------
# reading the steps
# ----------------------------------------------------------------------
# The value part of a step's text, as report.text.describe writes it.
_RMW = re.compile(r"\)\s{2}(?P<old>.+?) -> (?P<new>.+)$")        # op(&loc)  old -> new
_UNCHANGED = re.compile(r"\)\s{2}(?P<old>.+?), unchanged$")       # op(&loc)  old, unchanged
_STORE = re.compile(r" = (?P<new>.+) \(was (?P<old>.+)\)$")       # store loc = new (was old)
_WORD = re.compile(r": word (?P<old>.+?) -> (?P<new>.+)$")        # store loc.f: word old -> new
_READ = re.compile(r" = (?P<old>[^=]+)$")                         # load loc = v / op(&loc) = v
_WAITS = re.compile(r"^(?P<op>\w+)\((?P<loc>.*)\) waits")
_READER_OF = re.compile(r"\.readers?(?:_exit)?\[[^\]]*\]$")


def _change(ev):
    """``(old, new)`` when the step wrote its location with a different value, else None."""
    text = ev.get("text") or ""
    for rx in (_RMW, _STORE, _WORD):
        m = rx.search(text)
        if m:
            return (m["old"], m["new"]) if m["old"] != m["new"] else None
    return None


def _seen(ev):
    """The value a step found at its location (read, or the old side of a write)."""
    text = ev.get("text") or ""
    for rx in (_UNCHANGED, _RMW, _STORE, _WORD):
        m = rx.search(text)
        if m:
            return m["old"]
    m = _READ.search(text)
    return m["old"] if m else None


def _at(ev):
    """``put_root.py:16`` from ``put_root() put_root.py:16`` (or the whole ``where``)."""
    where = ev.get("where") or ""
    return where.split()[-1] if where else "?"


def _bug_event(bug, events):
    """The step where the bug shows: the one flagged ``bug``, else the bug task's last
    step that is not kcheck's own bookkeeping (a refcount WARN's saturation store)."""
    for ev in events:
        if ev.get("bug"):
            return ev
    mine = [ev for ev in events if ev["task"] == bug.task]
    for ev in reversed(mine):
        if not ev["op"].startswith("refcount_warn"):
            return ev
    return mine[-1] if mine else None


def _last_change_before(events, ev, by_other=True, same="location"):
    """The latest step before ``ev`` that changed ``ev``'s location (or object),
    by another task if ``by_other``: the write the bug's step is reacting to."""
    key = ev.get(same)
    if key is None:
        return None
    for prev in reversed(events[:events.index(ev)]):
        if by_other and prev["task"] == ev["task"]:
            continue
        if prev.get(same) == key and _change(prev) is not None:
            return prev
    return None


def _object_of_free(ev):
    m = re.search(r"\(([^()]+)\)\s*$", ev.get("text") or "")
    return m.group(1) if m else None


def causal_summary(bug, events=None):
    """One line that says what happened, in the order it happened.

    The bug message says *what* the detector saw; this line adds *who* caused
    it and *where*, taken from the steps of the minimized trace: for a
    use-after-free the free and the later use, for a double free both frees,
    for a refcount WARN the step that found the bad count and the other task's
    write that put it there, for a deadlock what each task holds and waits
    for.  It falls back to the message when the steps do not say more.
    ``bug`` is a ``BugReport`` (``kind``, ``message``, ``task``, ``events``).
    """
    events = list(bug.events if events is None else events)
    kind, msg = bug.kind, bug.message
    if not events:
        return msg
    ev = _bug_event(bug, events)
    frees = [e for e in events if e["kind"] == "free"]

    if kind == "use-after-free" and ev is not None:
        obj = ev.get("object")
        free = next((f for f in frees if _object_of_free(f) == obj), frees[0] if frees else None)
        if free is not None:
            obj = obj or _object_of_free(free)
            freed = f"{obj} freed by {free['task']} ({free['op']} at {_at(free)})"
            if events.index(free) < events.index(ev):
                return f"{freed} while {ev['task']} still used it at {_at(ev)}"
            # the trace shows the use first; the bug is that nothing keeps it first
            return (f"{freed}, and nothing orders {ev['task']}'s use of it at {_at(ev)} "
                    f"(step {ev['step']}) before the free")

    if kind == "double-free" and len(frees) >= 2:
        last = ev if ev in frees else frees[-1]
        obj = _object_of_free(last)
        first = next((f for f in frees if _object_of_free(f) == obj and f is not last), frees[0])
        return (f"{obj} freed twice: by {first['task']} ({first['op']} at {_at(first)}), "
                f"then again by {last['task']} ({last['op']} at {_at(last)})")

    if kind == "deadlock":
        waiting = {}            # in lane order: the order tasks first appear
        for t in dict.fromkeys(e["task"] for e in events):
            waiting[t] = None
        for e in events:
            m = _WAITS.match(e.get("text") or "")
            if m:
                # a task waits on the rwlock or rwsem, whichever word of it it spins on
                waiting[e["task"]] = (e, m["op"], _READER_OF.sub("", m["loc"]))
        waiting = {t: w for t, w in waiting.items() if w is not None}
        if waiting:
            parts = []
            held_by = {}                # lock -> the tasks that hold it
            for task, (e, op, loc) in waiting.items():
                for held in e.get("locks", []):
                    held_by.setdefault(held, set()).add(task)
            cycle = len(waiting) > 1    # every one waits for a lock another one holds
            for task, (e, op, loc) in waiting.items():
                held = [l for l in e.get("locks", [])]
                holding = f", holding {', '.join(held)}" if held else ""
                parts.append(f"{task} waits in {op}({loc}) at {_at(e)}{holding}")
                if not (held_by.get(loc, set()) - {task}):
                    cycle = False
            if cycle:
                return "; ".join(parts) + " - each waits for a lock another one holds"
            them = "them" if len(waiting) > 1 else "it"
            return "; ".join(parts) + f" - and nothing left can wake {them}"

    if kind == "lost-wakeup":
        return msg                # the detector's message already tells who sleeps and why

    if kind == "leak":
        m = re.match(r"(\S+) allocated by", msg)
        alloc = next((e for e in events if e["kind"] == "alloc" and m and
                      (e.get("text") or "").endswith(m.group(1))), None)
        if alloc is not None:
            return (f"{m.group(1)} allocated by {alloc['task']} ({alloc['op']} at {_at(alloc)}) "
                    "is never freed and nothing points to it, and every task has finished")

    if kind == "livelock" and ev is not None:
        mine = [e for e in events if e["task"] == ev["task"]][-30:]
        lines = sorted({_at(e) for e in mine},
                       key=lambda w: (w.rpartition(":")[0], int(w.rpartition(":")[2] or 0)
                                      if w.rpartition(":")[2].isdigit() else 0))
        return (f"{ev['task']} never finishes: it ran past the step bound going round "
                f"{', '.join(lines)}")

    if kind == "data-race" and ev is not None:
        other = next((p for p in reversed(events[:events.index(ev)])
                      if p["task"] != ev["task"] and p.get("location") == ev.get("location")), None)
        if other is not None:
            return (f"data race on {ev['location']}: {other['task']}'s {other['op']} at "
                    f"{_at(other)} and {ev['task']}'s {ev['op']} at {_at(ev)} are not ordered "
                    "by happens-before")

    if ev is None:
        return msg
    head = (msg.split(" (")[0] if kind == "refcount-warn" else msg).rstrip(".")
    seen = _seen(ev)
    what = f"{ev['task']}'s {ev['op']} at {_at(ev)}"
    if seen is not None and ev.get("location"):
        what += f" found {ev['location']} = {seen}"
    cause = _last_change_before(events, ev) or _last_change_before(events, ev, same="object")
    if cause is not None:
        old, new = _change(cause)
        it = "it" if cause["location"] == ev.get("location") else cause["location"]
        return (f"{head}: {what}, after {cause['task']}'s {cause['op']} at {_at(cause)} "
                f"set {it} {old} -> {new}")
    return f"{head}: {what}"


# ----------------------------------------------------------------------
# the page
# ----------------------------------------------------------------------
_CSS = """
:root { --ink:#1b1f24; --mute:#5b6570; --line:#d0d5db; --rcu:#e3f4e6; --rcu-ink:#1d6b2f;
        --lock:#fff1cc; --lock-ink:#8a5a00; --bug:#fde2e1; --bug-ink:#b3261e; --sel:#1f5fbf; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
       margin: 0; padding: 16px 20px; }
code, .mono, .step .text, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 20px 0 6px; }
.verdict { font-weight: 600; }
.verdict.bug { color: var(--bug-ink); }
.verdict.ok { color: var(--rcu-ink); }
.meta { color: var(--mute); margin: 2px 0 10px; }
.meta span + span::before { content: " \\00b7  "; }
#summary { border-left: 4px solid var(--bug-ink); background: var(--bug); padding: 8px 12px;
           margin: 10px 0 14px; font-size: 15px; }
.legend { color: var(--mute); font-size: 12px; margin-bottom: 6px; }
.legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -2px;
            border: 1px solid var(--line); margin: 0 4px 0 12px; }
.legend i.rcu { background: var(--rcu); } .legend i.lock { background: var(--lock); }
.legend i.bugk { background: var(--bug); border-color: var(--bug-ink); }
.layout { display: flex; gap: 16px; align-items: flex-start; }
.lanes-wrap { flex: 1 1 auto; min-width: 0; overflow-x: auto; }
table.lanes { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.lanes th, table.lanes td { border-right: 1px solid var(--line); vertical-align: top;
                                 padding: 2px 6px; }
table.lanes th.lane { position: sticky; top: 0; background: #f3f5f7; text-align: left;
                      overflow-wrap: anywhere;
                      border-bottom: 2px solid var(--line); padding: 6px; z-index: 1; }
table.lanes th.num, table.lanes td.num { width: 3.2em; color: var(--mute); text-align: right;
                                         border-right: 1px solid var(--line); }
td.cell.rcu { background: var(--rcu); }
td.cell.locked { box-shadow: inset 4px 0 0 var(--lock-ink); }
td.cell.locked:not(.rcu) { background: var(--lock); }
.step { border: 1px solid var(--line); border-radius: 4px; background: #fff; padding: 4px 6px;
        margin: 2px 0; cursor: pointer; }
.step:hover, .step:focus { border-color: var(--sel); outline: none; }
.step.selected { border-color: var(--sel); box-shadow: 0 0 0 2px var(--sel); }
.step .text { font-size: 12.5px; word-break: break-word; }
.step .val { font-weight: 600; }
.step .where { color: var(--mute); font-size: 11.5px; }
.step .tags { font-size: 11px; margin-top: 2px; }
.tag { display: inline-block; border-radius: 3px; padding: 0 4px; margin-right: 4px; }
.tag.rcu { background: var(--rcu); color: var(--rcu-ink); border: 1px solid var(--rcu-ink); }
.tag.lock { background: var(--lock); color: var(--lock-ink); border: 1px solid var(--lock-ink); }
.step.bug { background: var(--bug); border: 2px solid var(--bug-ink); }
.step.bug .badge { color: var(--bug-ink); font-weight: 700; font-size: 11px; }
.step.op details { margin-top: 2px; font-size: 11.5px; color: var(--mute); }
.step.inner { margin: 2px 0 2px 8px; padding: 2px 4px; }
.bugline { color: var(--bug-ink); font-weight: 600; font-size: 12.5px; padding: 4px 0; }
aside#state { flex: 0 0 300px; width: 300px; min-width: 0; overflow-wrap: anywhere; position: sticky; top: 8px; border: 1px solid var(--line);
              border-radius: 6px; padding: 10px 12px; background: #fafbfc; }
aside#state h3 { margin: 0 0 6px; font-size: 14px; }
aside#state table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
aside#state td { border-top: 1px solid var(--line); padding: 3px 4px; }
aside#state td.f { color: var(--mute); }
aside#state tr.touched td { font-weight: 700; }
aside#state .hint { color: var(--mute); font-size: 12px; }
details { margin-top: 16px; } pre { font-size: 12px; overflow-x: auto; }
table.claims { border-collapse: collapse; width: 100%; font-size: 13px; }
table.claims th, table.claims td { border-bottom: 1px solid var(--line); padding: 4px 6px;
                                   text-align: left; vertical-align: top; }
table.claims th { background: #f3f5f7; }
.v-refuted { color: var(--bug-ink); font-weight: 600; }
.v-holds { color: var(--rcu-ink); font-weight: 600; }
section.trace { border-top: 2px solid var(--line); margin-top: 24px; padding-top: 8px; }
@media print {
  body { padding: 0; font-size: 11px; }
  .layout { display: block; }
  aside#state { position: static; margin-top: 10px; break-inside: avoid; }
  table.lanes th.lane { position: static; }
  .step { break-inside: avoid; }
  section.trace { break-before: page; }
  details { display: none; }
}
"""

# Clicking a step sets #step-N; the hash decides the selection, so a link to a
# step (or a test loading file://...#step-N) shows the same panel a click does.
_JS = """
(function () {
  var data = JSON.parse(document.getElementById('kcheck-events').textContent);
  var byStep = {};
  data.events.forEach(function (e) { byStep[e.step] = e; });
  var panel = document.getElementById('state');
  function text(tag, s, cls) { var n = document.createElement(tag); n.textContent = s;
                               if (cls) n.className = cls; return n; }
  function show(step) {
    var e = byStep[step];
    if (!e) return;
    document.querySelectorAll('.step.selected').forEach(function (n) { n.classList.remove('selected'); });
    var box = document.getElementById('step-' + step);
    if (box) box.classList.add('selected');
    panel.innerHTML = '';
    panel.setAttribute('data-step', String(step));
    panel.appendChild(text('h3', e.object ? e.object : (e.location || e.op)));
    panel.appendChild(text('div', 'after step ' + e.step + ' (' + e.task + '): ' + e.text, 'hint'));
    var keys = Object.keys(e.fields || {});
    if (keys.length) {
      var t = document.createElement('table');
      var field = (e.location || '').split('->').pop();
      keys.sort().forEach(function (k) {
        var tr = document.createElement('tr');
        tr.setAttribute('data-field', k);
        if (k === field) tr.className = 'touched';
        tr.appendChild(text('td', k, 'f'));
        tr.appendChild(text('td', e.fields[k], 'mono'));
        t.appendChild(tr);
      });
      panel.appendChild(t);
    } else {
      panel.appendChild(text('p', 'This step touches no struct fields (a lock word, a counter '
                             + 'made on its own, or an RCU marker).', 'hint'));
    }
    var extra = [];
    if (e.locks && e.locks.length) extra.push(e.task + ' holds ' + e.locks.join(', '));
    if (e.rcu) extra.push(e.task + ' is in an RCU read-side section');
    if (extra.length) panel.appendChild(text('p', extra.join('; '), 'hint'));
  }
  function fromHash() {
    var m = /^#step-(\\d+)$/.exec(location.hash);
    show(m ? Number(m[1]) : data.bug_step);
  }
  document.querySelectorAll('.step').forEach(function (n) {
    function go() { history.replaceState(null, '', '#step-' + n.getAttribute('data-step')); fromHash(); }
    n.addEventListener('click', go);
    n.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
"""


def _e(s):
    return html.escape("" if s is None else str(s), quote=True)


def _step_text(text):
    """The step's text with its value part (``1 -> 2``, ``= NULL``) set in bold."""
    for rx in (_RMW, _UNCHANGED):
        m = rx.search(text)
        if m:
            cut = m.start() + 1
            return f"{_e(text[:cut])}&nbsp; <span class=\"val\">{_e(text[cut:].strip())}</span>"
    for rx in (_STORE, _WORD, _READ):
        m = rx.search(text)
        if m:
            return f"{_e(text[:m.start()])}<span class=\"val\">{_e(text[m.start():])}</span>"
    return _e(text)


def _mode(result):
    if result.exhaustive:
        # what "exhaustive" leaves out, said where the verdict is (as the text does)
        return "exhaustive" + "".join(f" (except {x})" for x in result.excludes)
    if result.bound:
        return f"bounded ({result.bound})"
    return "stopped at the first bug" if result.bug is not None else "not exhaustive"


def _page(title, body, script=""):
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
            + (f"<script>{script}</script>\n" if script else "") + "</body>\n</html>\n")


def _lanes(events, bug_task=None, bug_message=None, bug_step=None, prefix="", order=()):
    """The swimlane table: one column per task (in ``order``, the text trace's
    column order, then any other in order of first appearance), one row per
    step; each lane keeps its lock/RCU shading between its steps."""
    present = {ev["task"] for ev in events} | ({bug_task} if bug_task else set())
    tasks = [t for t in order if t in present]
    for ev in events:
        if ev["task"] not in tasks:
            tasks.append(ev["task"])
    if bug_task and bug_task not in tasks:
        tasks.append(bug_task)
    state = {t: ([], False) for t in tasks}
    # at least ~28 characters per lane: more tasks scroll sideways rather than squeeze
    out = [f"<table class=\"lanes\" style=\"min-width: {48 + 230 * len(tasks)}px\">",
           "<thead><tr><th class=\"num\">#</th>"]
    out += [f"<th class=\"lane\" data-task=\"{_e(t)}\">{_e(t)}</th>" for t in tasks]
    out.append("</tr></thead><tbody>")

    def cell(t, inner=""):
        locks, rcu = state[t]
        cls = "cell" + (" rcu" if rcu else "") + (" locked" if locks else "")
        held = f" title=\"{_e(t)} holds {_e(', '.join(locks))}\"" if locks else ""
        return f"<td class=\"{cls}\" data-task=\"{_e(t)}\"{held}>{inner}</td>"

    def step_box(ev, is_bug, inner=False):
        t = ev["task"]
        tags = []
        if not inner:
            if ev.get("rcu"):
                tags.append("<span class=\"tag rcu\">RCU read-side</span>")
            for lk in ev.get("locks") or []:
                tags.append(f"<span class=\"tag lock\">holds {_e(lk)}</span>")
        return (f"<div class=\"step{' bug' if is_bug else ''}{' inner' if inner else ''}\" "
                f"id=\"{prefix}step-{ev['step']}\" "
                f"data-step=\"{ev['step']}\" data-task=\"{_e(t)}\" tabindex=\"0\">"
                + ("<div class=\"badge\">BUG HERE</div>" if is_bug and not inner else "")
                + f"<div class=\"text\">{_step_text(ev['text'])}</div>"
                + (f"<div class=\"where\">{_e(ev['where'])}</div>" if ev.get("where") and not inner else "")
                + (f"<div class=\"tags\">{''.join(tags)}</div>" if tags else "")
                + "</div>")

    for ev, members in _fold_groups(events):
        t = ev["task"]
        last = members[-1]
        state[t] = (list(last.get("locks") or []), bool(last.get("rcu")))
        is_bug = any(m["step"] == bug_step for m in members)
        if len(members) == 1:
            box = step_box(ev, is_bug)
        else:
            # one kernel operation (list_del_rcu, wake_up, ...): its name, and its steps on demand
            tags = []
            if last.get("rcu"):
                tags.append("<span class=\"tag rcu\">RCU read-side</span>")
            for lk in last.get("locks") or []:
                tags.append(f"<span class=\"tag lock\">holds {_e(lk)}</span>")
            rep = next((m for m in members if m["step"] == bug_step), ev)
            box = (f"<div class=\"step op{' bug' if is_bug else ''}\" data-step=\"{rep['step']}\" "
                   f"data-task=\"{_e(t)}\" tabindex=\"0\">"
                   + ("<div class=\"badge\">BUG HERE</div>" if is_bug else "")
                   + f"<div class=\"text\">{_e(ev['group'][1])}</div>"
                   + (f"<div class=\"where\">{_e(ev['where'])}</div>" if ev.get("where") else "")
                   + (f"<div class=\"tags\">{''.join(tags)}</div>" if tags else "")
                   + f"<details><summary>{len(members)} steps</summary>"
                   + "".join(step_box(m, m["step"] == bug_step, inner=True) for m in members)
                   + "</details></div>")
        num = ev["step"] if len(members) == 1 else f"{ev['step']}-{last['step']}"
        row = [f"<tr><td class=\"num\">{num}</td>"]
        row += [cell(u, box if u == t else "") for u in tasks]
        out.append("".join(row) + "</tr>")
    if bug_task and bug_message:
        row = ["<tr><td class=\"num\">!!</td>"]
        row += [cell(u, f"<div class=\"bugline\">{_e(bug_message)}</div>" if u == bug_task else "")
                for u in tasks]
        out.append("".join(row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _fold_groups(events):
    """``[(first event, [events])]``: the consecutive steps of one kernel operation
    (their ``group``, from report.text.op_groups) as one entry, when all its steps
    are together; every other step on its own."""
    total = {}
    for ev in events:
        g = ev.get("group")
        if g:
            total[g[0]] = total.get(g[0], 0) + 1
    out = []
    i = 0
    while i < len(events):
        ev = events[i]
        g = ev.get("group")
        j = i
        if g:
            while (j + 1 < len(events) and events[j + 1].get("group")
                   and events[j + 1]["group"][0] == g[0]):
                j += 1
        if g and j - i + 1 == total[g[0]] and j > i:
            out.append((ev, events[i:j + 1]))
        else:
            out.extend((e, [e]) for e in events[i:j + 1])
        i = j + 1
    return out


def _legend():
    return ("<div class=\"legend\">Each column is a task; read top to bottom. "
            "<i class=\"rcu\"></i>in an RCU read-side section"
            "<i class=\"lock\"></i>holding a lock"
            "<i class=\"bugk\"></i>where the bug shows. "
            "Click a step to see the object it touched.</div>")


def _events_json(events, bug_step):
    # '</' cannot end the script element early once escaped.
    return json.dumps({"events": events, "bug_step": bug_step}).replace("</", "<\\/")


def render_report(result, title=None):
    """The page for one ``Result`` as a string (see the module docstring)."""
    bug = result.bug
    title = title or "kcheck report"
    if bug is not None:
        verdict = f"<span class=\"verdict bug\">BUG {_e(bug.kind)}</span>: {_e(bug.message)}"
    else:
        verdict = "<span class=\"verdict ok\">no bug found</span>"
    meta = [f"memory model {_e(result.memory_model)}",
            f"{result.executions} executions ({result.blocked} blocked)",
            _e(_mode(result)), f"strategy {_e(result.strategy)}", f"{result.seconds:.2f} s"]
    if bug is not None:
        meta.append(f"trace: {bug.context_switches} context switches")
    body = [f"<header><h1>{_e(title)}</h1><div id=\"verdict\">{verdict}</div>",
            "<div class=\"meta\">" + "".join(f"<span>{m}</span>" for m in meta) + "</div></header>"]
    script = ""
    if bug is not None:
        events = list(bug.events or [])
        ev = _bug_event(bug, events) if events else None
        bug_step = ev["step"] if ev is not None else None
        body.append(f"<p id=\"summary\">{_e(causal_summary(bug, events))}</p>")
        if events:
            body.append(_legend())
            body.append("<div class=\"layout\"><div class=\"lanes-wrap\">"
                        + _lanes(events, bug.task, f"{bug.kind.upper()}: {bug.message}", bug_step,
                                 order=getattr(bug, "lanes", None) or ())
                        + "</div><aside id=\"state\"><p class=\"hint\">Click a step to see the "
                          "object it touched.</p></aside></div>")
            body.append(f"<script type=\"application/json\" id=\"kcheck-events\">"
                        f"{_events_json(events, bug_step)}</script>")
            script = _JS
        else:
            body.append("<p>The bug shows before any task takes a step; the text trace below "
                        "says where.</p>")
        if bug.schedule:
            body.append(f"<h2>Replay</h2><pre>kcheck replay {_e(title if title.endswith('.py') else 'FILE')}"
                        f" '{_e(bug.schedule)}'</pre><p class=\"meta\">Add <code>--entry NAME</code> "
                        "when the model's entry function is not <code>main</code>.</p>")
        if bug.trace:
            body.append(f"<details><summary>Plain-text trace</summary><pre>{_e(bug.trace)}</pre>"
                        "</details>")
    for w in result.warnings:
        body.append(f"<p class=\"meta\">warning: {_e(w)}</p>")
    if result.interrupted:
        from ..engine.runtime import STOPPED_BY
        body.append("<p class=\"meta\">interrupted: the result covers only what was explored "
                    f"before {STOPPED_BY[0]}</p>")
    return _page(title, "\n".join(body), script)


def write_report(result, path, title=None):
    """Write the HTML page for ``result`` (a ``kcheck.Result``) to ``path``."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_report(result, title=title))


# ----------------------------------------------------------------------
# the TDP MMU claims table
# ----------------------------------------------------------------------
class _RowBug:
    """Just enough of a BugReport for ``causal_summary`` on a claim's events."""

    def __init__(self, row):
        events = row.get("events") or []
        flagged = next((e for e in events if e.get("bug")), events[-1] if events else None)
        self.kind = row.get("kind") or ""
        self.message = row.get("reason") or row.get("text") or ""
        self.task = flagged["task"] if flagged else None
        self.events = events


def _claim_trace_body(row, prefix):
    events = row.get("events") or []
    parts = [f"<h2>{_e(row['claim'])} ({_e(row['who'])}): {_e(row['text'])}</h2>",
             f"<div class=\"meta\"><span class=\"v-refuted\">refuted</span>"
             + (f" <span>{_e(row['reason'])}</span>" if row.get("reason") else "") + "</div>"]
    if events:
        b = _RowBug(row)
        step = _bug_event(b, events)["step"]
        if b.kind:
            parts.append(f"<p id=\"{prefix}summary\">{_e(causal_summary(b, events))}</p>")
        parts.append(_lanes(events, b.task, None, step, prefix=prefix, order=row.get("lanes") or ()))
    if row.get("trace"):
        parts.append(f"<pre>{_e(row['trace'])}</pre>")
    if not events and not row.get("trace"):
        parts.append("<p>No trace: this claim is refuted by the absence of a bug.</p>")
    return "\n".join(parts)


def render_claims_report(rows, traces_href=None):
    """The claims page as a string, and ``{file name: page}`` for per-claim traces
    (empty unless ``traces_href``, the traces directory as seen from the page, is
    given).  See :func:`write_claims_report`."""
    two = any("lkmm_verdict" in r for r in rows)
    head = ["claim", "who", "claim text", "variants", "scenarios", "memory model",
            *(("SC", "LKMM") if two else ("verdict",)),
            "executions", "exhaustive", "seconds", "trace"]
    out = ["<header><h1>TDP MMU claims</h1><div class=\"meta\">Each claim decided by running "
           "the model; refuted claims link to the trace that refutes them.</div></header>",
           "<table class=\"claims\"><thead><tr>"
           + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    sections, files = [], {}
    for row in rows:
        cid = str(row["claim"])
        refuted = row["verdict"] == "refuted"
        has_trace = refuted and (row.get("events") or row.get("trace"))
        link = ""
        if has_trace:
            if traces_href is not None:
                fname = f"{cid}.html"
                href = f"{traces_href.rstrip('/')}/{fname}"
                files[fname] = _page(f"{cid} trace", _claim_trace_body(row, ""))
                link = f"<a href=\"{_e(href)}\">{_e(cid)} trace</a>"
            else:
                link = f"<a href=\"#trace-{_e(cid)}\">{_e(cid)} trace</a>"
                sections.append(f"<section class=\"trace\" id=\"trace-{_e(cid)}\">"
                                + _claim_trace_body(row, f"{cid}-") + "</section>")
        mm = row["memory_model"]
        cells = [_e(cid), _e(row["who"]), _e(row["text"]),
                 _e(", ".join(row["variants"]) if isinstance(row["variants"], (list, tuple)) else row["variants"]),
                 _e(", ".join(row["scenarios"]) if isinstance(row["scenarios"], (list, tuple)) else row["scenarios"]),
                 _e(", ".join(mm) if isinstance(mm, (list, tuple)) else mm),
                 *([f"<span class=\"v-{_e(v)}\">{_e(v)}</span>"
                    for v in (row.get("sc_verdict", row["verdict"]), row.get("lkmm_verdict", "-"))]
                   if two else
                   [f"<span class=\"v-{_e(row['verdict'])}\">{_e(row['verdict'])}</span>"]),
                 _e(row["executions"]), "yes" if row["exhaustive"] else "no (bounded)",
                 f"{float(row['seconds']):.1f}", link]
        out.append(f"<tr id=\"claim-{_e(cid)}\">" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    out += sections
    return _page("TDP MMU claims", "\n".join(out)), files


def write_claims_report(rows, path, traces_dir=None):
    """Write the claims table as an HTML page at ``path``.

    ``rows`` is a list of dicts, one per claim, with the keys

    =============  ==========================================================
    claim          the claim id, e.g. ``"C6"``
    who            who made it (``"Sean"``, ``"v5.18 comment"``)
    text           the claim in one sentence
    variants       list of variant names checked (``["paolo-dec-not-one"]``)
    scenarios      list of scenarios (``["vcpu+dirty-log"]``)
    memory_model   ``"sc"`` / ``"lkmm"``, or a list of them
    verdict        ``"holds"``, ``"refuted"``, ``"n-a"`` ...
    executions     executions explored (int)
    exhaustive     bool: whether every check covered its whole space
    seconds        float
    trace          the refuting trace as text, or None
    events         the refuting trace's steps (``BugReport.events``), or None
    =============  ==========================================================

    and optionally ``reason`` (why the verdict, shown under the trace title)
    and ``kind`` (the bug kind, which turns on the causal summary line).

    Without ``traces_dir`` each refuted claim's trace is a section of the
    same page, linked by the anchor ``#trace-<claim>``: one file to mail.
    With ``traces_dir`` each trace is its own page ``<traces_dir>/<claim>.html``,
    linked by a path relative to the table's directory.
    """
    href = None
    if traces_dir is not None:
        here = os.path.dirname(os.path.abspath(path))
        href = os.path.relpath(os.path.abspath(traces_dir), here).replace(os.sep, "/")
    page, files = render_claims_report(rows, href)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    if traces_dir is not None:
        os.makedirs(traces_dir, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(traces_dir, name), "w", encoding="utf-8") as f:
                f.write(text)
