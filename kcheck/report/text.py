"""Traces for review mail: a summary line, then one column per task.

Each row is one step of the interleaving, written the way the kernel code
reads: the operation, the location as ``struct#n->field``, the value read or
``old -> new`` for a write or a read-modify-write, and the model's function
and line.  The row where the bug shows is marked ``>>``.  100 columns wide.
"""

from __future__ import annotations

import os
import re
import shlex
import textwrap

from ..engine import graph as G
from ..engine.runtime import is_stack
from .story import shown_until

# the words an rwlock_t or rw_semaphore keeps for its readers (kernel/locking.py):
# a task's entry and exit words, the dynamic contexts' and the interrupt readers'
READER_WORD = re.compile(r"\.readers?(?:_exit)?\[")


def is_reader_word(name):
    """Is the location named ``name`` one of a lock's reader words?"""
    return READER_WORD.search(name) is not None

WIDTH = 100


def fmt_value(v):
    if v is None:
        return "NULL"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        if v == -(2 ** 31) // 2:
            return "SATURATED"
        return hex(v) if abs(v) > 0xffff else str(v)
    if isinstance(v, str):
        return v
    if type(v).__name__ == "Task":
        return v.name
    kname = getattr(v, "_kname", None)
    if callable(kname):
        return kname()
    if callable(v) and hasattr(v, "__name__"):
        return v.__name__
    if isinstance(v, tuple):
        if type(v).__repr__ is not tuple.__repr__:
            return repr(v)                   # a kernel word that says what it holds
        return "(" + ", ".join(fmt_value(x) for x in v) + ")"
    if type(v).__repr__ is object.__repr__:
        return f"<{type(v).__name__}>"       # a plain Python object of the model
    r = repr(v)
    return r if len(r) < 40 else r[:37] + "..."


def loc_name(run, lid):
    loc = run.x.inits.get(lid)
    return loc.name() if loc is not None else f"loc{lid}"


HIDDEN = {"call_rcu", "rcu callback done", "task exits"}    # bookkeeping of another row
NO_LOCATION = {"rcu_read_lock", "rcu_read_unlock"}
WAITS_FOR = {"rcu grace period": "grace period", "synchronize_rcu": "synchronize_rcu",
             "rcu_barrier": "rcu_barrier"}


def _bracket(name):
    return name[name.index("[") + 1:name.rindex("]")] if "[" in name and "]" in name else name


_STATES = {0: "TASK_RUNNING", 1: "TASK_INTERRUPTIBLE", 2: "TASK_UNINTERRUPTIBLE",
           0x402: "TASK_IDLE"}


def _task_of_state(name):
    return name[:-len("->__state")] if name.endswith("->__state") else name


def _sched_step(run, e, wpart, blocked, old):
    """Steps on a task's state word (kernel/sched.py), in the scheduler's words."""
    op = e.op
    name = loc_name(run, e.lid)
    who = _task_of_state(name)
    if op == "schedule":
        if blocked:
            return f"schedule(): {who} sleeps ({_STATES.get(old, old)})"
        return "schedule(): woken, TASK_RUNNING"
    if op in ("set_current_state", "__set_current_state"):
        return f"{op}({_STATES.get(e.val, e.val)})"
    if op in ("try_to_wake_up", "wake_up_process", "wake_up_state", "timer: wake_up_process"):
        if wpart is not None:
            return f"{op}({who}): {_STATES.get(old, old)} -> TASK_RUNNING"
        return f"{op}({who}): {_STATES.get(old, old)}, nothing to wake"
    if op == "get_current_state":
        return f"get_current_state() = {_STATES.get(old, old)}"
    return None


_SCHED_OPS = {"schedule", "set_current_state", "__set_current_state", "try_to_wake_up",
              "wake_up_process", "wake_up_state", "timer: wake_up_process", "get_current_state"}


def _no_entry(v, lid):
    return v is None or (v.__class__ is int and v == 0) or v.__class__.__name__ == "NULLS_MARKER"


# An emptiness test reads a list's first pointer; a trace says what it answered
# (``list_empty(&head) = true``), not the pointer it read: a list is empty when
# its ``next`` points at the head itself, the list_head whose ``next`` is the
# location read (a Python list_head starts out so; a C one once INIT_LIST_HEAD()
# or LIST_HEAD_INIT stored its own address there - a view of the same cells).
_EMPTY_TESTS = {
    "list_empty": lambda v, lid: getattr(getattr(v, "_next", None), "lid", None) == lid,
    "hlist_empty": _no_entry,
    "llist_empty": _no_entry,
    "hlist_nulls_empty": _no_entry,
}


def describe(run, e, wpart=None, blocked=False):
    """One step in kernel terms."""
    k = e.kind
    op = e.op
    if op in NO_LOCATION:
        return f"{op}()"
    if op in _SCHED_OPS and k != G.FENCE:
        if k == G.READ:
            loc = run.x.inits.get(e.lid)
            old = (loc.init if loc is not None else None) if e.rf is None else e.rf.val
        else:
            old = None
        text = _sched_step(run, e, wpart, blocked, old)
        if text is not None:
            return text
    if op == "waitqueue_active" and k == G.READ:
        loc = run.x.inits.get(e.lid)
        q = (loc.init if loc is not None else ()) if e.rf is None else e.rf.val
        return f"waitqueue_active(&{loc_name(run, e.lid)[:-5]}) = {'true' if q else 'false'}"
    if op in _EMPTY_TESTS and k == G.READ:
        loc = run.x.inits.get(e.lid)
        old = (loc.init if loc is not None else None) if e.rf is None else e.rf.val
        head = loc_name(run, e.lid).rsplit(".", 1)[0]
        empty = _EMPTY_TESTS[op](old, e.lid)
        return f"{op}(&{head}) = {'true' if empty else 'false'}"
    if op in WAITS_FOR and k == G.READ and e.rmw is not None:
        who = _bracket(loc_name(run, e.lid))
        what = "holds the lock for read" if op == "write_lock" else (
            "has callbacks pending" if op == "rcu_barrier" else "is in an RCU read-side section")
        if blocked:
            return f"{WAITS_FOR[op]}: waits, {who} {what}"
        return f"{WAITS_FOR[op]}: {who} is done" if op == "rcu_barrier" else \
            f"{WAITS_FOR[op]}: {who} {'does not hold it' if op == 'write_lock' else 'is outside RCU'}"
    if k == G.READ:
        name = loc_name(run, e.lid)
        loc = run.x.inits.get(e.lid)
        old = (loc.init if loc is not None else None) if e.rf is None else e.rf.val
        if op.startswith("store ."):
            return f"load {name} (to {op}) = {fmt_value(old)}"
        if op.endswith(": load"):          # a step inside a kernel call (timer.touch)
            return f"{op} {name} = {fmt_value(old)}"
        if op.startswith("load "):
            what = op[5:]
            if what.startswith("."):
                return f"load {name}{what}: word = {fmt_value(old)}"
            return f"load {name} = {fmt_value(old)}"
        if e.rmw is not None:
            if blocked:
                return f"{op}({name}) waits: {fmt_value(old)}"
            if wpart is not None:
                return f"{op}(&{name})  {fmt_value(old)} -> {fmt_value(wpart.val)}"
            return f"{op}(&{name})  {fmt_value(old)}, unchanged"
        bit = e.arg
        if bit.__class__ is tuple and bit[0] == "bit" and isinstance(old, int):
            # test_bit(): the bit the code saw, then the word it read
            return f"{op}({bit[1]}, &{name}) = {1 if old & bit[2] else 0}  (word {fmt_value(old)})"
        return f"{op}(&{name}) = {fmt_value(old)}"
    if k == G.WRITE:
        name = loc_name(run, e.lid)
        lst = run.g.co.get(e.lid, [])
        i = _co_index(run).get(e, 0)
        if i > 0:
            old = lst[i - 1].val
        else:
            loc = run.x.inits.get(e.lid)
            old = loc.init if loc is not None else None
        if op.startswith("store "):
            what = op[6:]
            if what.startswith("."):
                return f"store {name}{what}: word {fmt_value(old)} -> {fmt_value(e.val)}"
            return f"store {name} = {fmt_value(e.val)} (was {fmt_value(old)})"
        return f"{op}(&{name})  {fmt_value(old)} -> {fmt_value(e.val)}"
    if k == G.FENCE:
        return op if op.endswith(")") else f"{op}()"
    if k == G.CHOICE:
        return f"{op} -> {'yes' if e.val == 1 and e.arg == 2 else e.val}"
    if k in (G.ALLOC, G.FREE):
        obj = run.heap.get(e.oid, (None,))[0]
        if k == G.FREE:
            if obj is not None and is_stack(obj):
                return f"{op}: {fmt_value(obj)} goes out of scope"
            return f"{op[:-1]}, {fmt_value(obj)})" if op.endswith(")") else f"{op}({fmt_value(obj)})"
        if obj is not None and is_stack(obj):
            return op                       # "done on fn()'s stack": the local needs no value
        return f"{op} -> {fmt_value(obj)}"
    if k == G.SPAWN:
        child = run.tasks[e.arg] if e.arg is not None and e.arg < len(run.tasks) else None
        if op == "call_rcu" and child is not None:
            return f"call_rcu(..., {child.name[4:]})"
        return f"{op} -> starts {child.name if child else '?'}"
    return op


def _newer(run, e, w):
    """The value a weak read did not see, as its step shows values: an emptiness
    test or ``waitqueue_active()`` says what it would have answered."""
    if e.op == "waitqueue_active":
        return "true" if w.val else "false"
    test = _EMPTY_TESTS.get(e.op)
    if test is not None:
        return "true" if test(w.val, e.lid) else "false"
    return fmt_value(w.val)


def _co_index(run):
    """Each write's position in coherence (a trace of a long loop asks for many)."""
    idx = run.__dict__.get("_co_index")
    if idx is None:
        idx = run.__dict__["_co_index"] = {w: i for lst in run.g.co.values()
                                           for i, w in enumerate(lst)}
    return idx


def steps_with_text(run, order=None):
    """[(task, text, where, event)] for every step of a traced run, in order."""
    out = []
    evs = order if order is not None else run.g.by_stamp()
    nxt = {}
    for th in run.g.threads:
        for i, e in enumerate(th):
            if e.kind == G.WRITE and e.rmw is True and i > 0:
                nxt[th[i - 1]] = e
    # the coherence-latest write of each location among the steps shown so far:
    # a read of an older one is a weak-memory read.  (The latest *shown* is not
    # it under the LKMM, whose traces follow po and rf, not coherence: a read of
    # the coherence-last write, after both writers were joined, was labelled weak.)
    copos = {w: i for lst in run.g.co.values() for i, w in enumerate(lst)}
    latest = {}
    for e in evs:
        if e.kind == G.WRITE:
            cur = latest.get(e.lid)
            if cur is None or copos.get(e, -1) > copos.get(cur, -1):
                latest[e.lid] = e
        if e.kind == G.WRITE and e.rmw is True:
            continue
        if e.op.startswith("~") or (e.op in HIDDEN and e.kind != G.SPAWN):
            continue        # implied by another step (refcount's acquire) or bookkeeping
        t = run.tasks[e.tid]
        if e.op in ("write_lock", "write_unlock") and is_reader_word(loc_name(run, e.lid)) and not (
                t.blocked and run.g.threads[e.tid][-1] is e):
            continue        # a writer shutting out each reader: shown only when it has to wait
        last = run.g.threads[e.tid][-1] is e
        blocked = t.blocked and last and e.kind == G.READ
        text = describe(run, e, nxt.get(e), blocked)
        if e.kind == G.READ and e.rf is not latest.get(e.lid):
            w = latest.get(e.lid)
            if w is not None and copos.get(e.rf, -1) < copos.get(w, -1):
                text += (f"  [not {run.tasks[w.tid].name}'s newer {_newer(run, e, w)}: "
                         "a weak-memory read]")
        note = run.notes.get(e) or run.notes.get(nxt.get(e))
        where = ""
        if note:
            fname, line, func = note[:3]
            where = f"{func}() {os.path.basename(fname)}:{line}"
            if len(note) > 3 and note[3]:
                text = source_text(note[3], text, run, e)
        out.append((t, text, where, e))
    return out


def source_text(src, text, run, e):
    """A front end's source text for a step (C: the expression that made it,
    ``tls["src"] = (file, line, function, text)``) in place of the operation and
    location, with the values and the object: ``refcount_dec_and_test(&root->
    tdp_mmu_root_count)  1 -> 0  [kvm_mmu_page#0]``."""
    wait = _wait_macro(src, e.op)
    if wait is not None:
        # a step of a wait macro: its condition's loads, the prepare, the sleep.
        # The macro's text alone made them all the same row; say which step.
        return f"{wait}: {text}{_object_of(run, e)}"
    rest = ""
    head = text
    if " (to store ." in text and " = " in text:          # the load half of a bitfield store
        rest = ": load word = " + text.rsplit(" = ", 1)[1]
    else:
        # the operation ends where its first annotation starts: the value read
        # (" = 0") may come before a note ("  [not cpu0's newer 42: ...]")
        cut = min((i for i in (text.find(sep) for sep in ("  ", ": word", " = ", " waits"))
                   if i >= 0), default=-1)
        if cut >= 0:
            head, rest = text[:cut], text[cut:]
    if text.startswith(("load ", "store ")) and " (to store ." not in text:
        src = text.split(" ", 1)[0] + " " + src          # a plain access says so
    elif _inner_step(e.op, src) or _wrapped(e.op, src):
        # a step inside a kernel call the source line does not name (kthread_stop()'s
        # get_task_struct(), its wait for the thread's exit): say which - once
        fname = e.op.split(":", 1)[0].strip()
        if head.startswith(fname + ": ") and src.startswith(fname + "("):
            head = head[len(fname) + 2:]
        src = f"{src}: {head}"
    return f"{src}{rest}{_object_of(run, e)}"


def _object_of(run, e):
    """``  [obj#0]``: the object the step's location belongs to, if any."""
    loc = run.x.inits.get(e.lid) if e.lid is not None else None
    owner = getattr(loc, "owner", None)
    return f"  [{owner._kname()}]" if owner is not None and hasattr(owner, "_kname") else ""


# a C wait macro's call (wait_event*(wq, cond), wait_var_event*(var, cond), ...):
# its name and first argument
_WAIT_MACRO = re.compile(r"^((?:__)?wait_(?:event|var_event|on_bit)\w*)\(([^,]+),")


def _wait_macro(src, op):
    """``wait_event(wq, ...)`` when the C text ``src`` is a wait macro's call and
    the step (of operation ``op``) is one inside it, not the macro itself."""
    m = _WAIT_MACRO.match(src)
    if m is None or op.split(":", 1)[0].split("(", 1)[0] == m.group(1):
        return None
    return f"{m.group(1)}({m.group(2).strip()}, ...)"


_CALL_HEAD = re.compile(r"\s*([A-Za-z_]\w*)\s*\(")


def _wrapped(op, src):
    """Is the C text ``src`` a call of something else (a macro of the file's own,
    ``my_wait(READ_ONCE(flag))``, or ``WARN_ON(...)``) that has the step's
    operation only inside it?  Then the text alone does not say which of the
    operations inside ran (a C review: three steps of one wait macro read the
    same)."""
    m = _CALL_HEAD.match(src)
    if m is None:
        return False
    name = op.split(":", 1)[0].split("(", 1)[0].strip()
    return bool(name) and m.group(1) != name


def _inner_step(op, src):
    """Is an event of operation ``op`` one the C expression ``src`` does not name
    itself: another kernel function's (``refcount_inc`` inside ``kthread_stop``),
    or a described step of its own (``kthread_stop: wait for exit``)?"""
    if not op or not op[0].isalpha():
        return False
    name = op.split(":", 1)[0].split("(", 1)[0].strip()
    return ":" in op or name not in src


def op_groups(run):
    """``{event: (group id, text)}`` for the events of each kernel operation a
    traced run recorded (``kernel._core.op``): a list_del_rcu(), a wake_up()."""
    groups = getattr(run, "op_groups", None)
    if not groups:
        return {}
    out = {}
    threads = run.g.threads
    for gid, (tid, a, b, text, _) in enumerate(groups):
        th = threads[tid] if tid < len(threads) else ()
        for i in range(a, min(b + 1, len(th))):
            out[th[i]] = (gid, text)
    return out


def _fold_ops(run, steps, bug):
    """One line per kernel operation: the steps of an operation that follow one
    another in the trace become its name (``list_del_rcu(&e->link)``).  An
    operation another task's step cuts in two keeps its steps, each marked
    with the operation, because then the interleaving inside it matters."""
    groups = op_groups(run)
    if not groups:
        return steps
    total = {}
    for st in steps:
        g = groups.get(st[3])
        if g is not None:
            total[g[0]] = total.get(g[0], 0) + 1
    bug_ev = bug.event if bug is not None else None
    bug_read = None
    if bug_ev is not None and bug_ev.kind == G.WRITE and bug_ev.rmw is True:
        bug_read = run.g.threads[bug_ev.tid][bug_ev.idx - 1]
    out = []
    i = 0
    n = len(steps)
    while i < n:
        st = steps[i]
        g = groups.get(st[3])
        if g is None:
            out.append(st)
            i += 1
            continue
        j = i
        while j + 1 < n and groups.get(steps[j + 1][3], (None,))[0] == g[0]:
            j += 1
        run_len = j - i + 1
        if run_len == total[g[0]]:
            evs = [x[3] for x in steps[i:j + 1]]
            rep = next((e for e in evs if e is bug_ev or e is bug_read), evs[0])
            t = st[0]
            last = evs[-1]
            text = g[1]
            note = run.notes.get(evs[0])
            wait = _wait_macro(note[3], text) if note and len(note) > 3 and note[3] else None
            if wait is not None:
                # C: a step of a wait macro (its prepare, its sleep): which one
                text = f"{wait}: {text}"
            elif note and len(note) > 3 and note[3] and "(" in note[3] and _wrapped(text, note[3]):
                # C: a macro of the file's own around the kernel call: both
                text = f"{note[3]}: {text}"
            elif note and len(note) > 3 and note[3] and "(" in note[3]:
                # C: the kernel call as the source writes it, then what the
                # operation noted of itself (": nobody to wake")
                text = note[3] + text[_call_end(text):]
            if t.blocked and run.g.threads[last.tid][-1] is last:
                text += _waits(run, last)
            where = next((x[2] for x in steps[i:j + 1] if x[2]), "")
            out.append((t, text, where, rep))
        else:
            for x in steps[i:j + 1]:
                out.append((x[0], f"{x[1]}  [in {g[1]}]", x[2], x[3]))
        i = j + 1
    return out


def _call_end(text):
    """Where the call an operation's text starts with ends (after its ``)``)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def _waits(run, e):
    """What a blocked step inside an operation waits for."""
    if e.op == "schedule":
        return ": sleeps"
    return ": waits"


def _fold_setup(steps, bug):
    """A setup task's leading steps (``spawn(..., setup=True)``) as one line
    naming the functions it ran: the same in every interleaving, so noise."""
    k = 0
    while k < len(steps) and getattr(steps[k][0], "setup", False):
        k += 1
    bug_ev = bug.event if bug is not None else None
    if k < 4 or any(s[3] is bug_ev for s in steps[:k]):
        return steps
    funcs = []
    for _, _, where, _ in steps[:k]:
        f = where.split()[0] if where else ""
        if f and f not in funcs:
            funcs.append(f)
    more = ", …" if len(funcs) > 3 else ""
    text = (f"({k} setup steps before the other tasks start: "
            f"{', '.join(funcs[:3]) or 'not traced'}{more})")
    return [(steps[0][0], text, "", None)] + steps[k:]


def format_trace(run, bug, order=None):
    if bug is not None and bug.in_main:
        return _main_trace(bug)
    steps = steps_with_text(run, order)
    end = shown_until(bug)
    if end is not None:
        # the other tasks ran on after this bug (to learn whether RCU allowed the run,
        # or to finish the execution a race is found on): not part of the story
        cut = next((i for i, s in enumerate(steps) if s[3] is end), None)
        if cut is not None:
            steps = steps[:cut + 1]
    steps = _fold_ops(run, steps, bug)
    steps = _fold_setup(steps, bug)
    summary = turn_summary(run, steps)
    tasks = []
    for t, *_ in steps:
        if t not in tasks:
            tasks.append(t)
    if bug is not None and bug.task is not None and bug.task not in tasks:
        tasks.append(bug.task)
    tasks.sort(key=lambda t: t.order)
    n = max(len(tasks), 1)
    nw = len(str(len(steps)))
    nw = 3 if nw <= 3 else nw + 1              # width of the step numbers (a blank after ">>")
    pad = " " * (nw + 3)
    col = max(24, (WIDTH - len(pad) - 3 * (n - 1)) // n)
    lines = list(summary)
    hdr = pad + " | ".join(_cell(t.name, col) for t in tasks)
    lines.append(hdr.rstrip())
    lines.append(pad + "-+-".join("-" * col for _ in tasks))
    bug_ev = bug.event if bug is not None else None

    def flagged(e):
        return e is not None and (e is bug_ev or (bug_ev is not None and bug_ev.kind == G.WRITE
                                                  and bug_ev.rmw is True and e.tid == bug_ev.tid
                                                  and e.idx == bug_ev.idx - 1))
    keys = [_loop_key(st) for st in steps]
    folds = {a: (p, r) for a, p, r in repeats(keys, {i for i, st in enumerate(steps)
                                                      if flagged(st[3])})}
    i = 0
    while i < len(steps):
        t, text, where, e = steps[i]
        if i in folds:
            # a loop: its first round, then how often it went round again
            p, r = folds[i]
            for k in range(i, i + p):
                _row(lines, steps[k], k + 1, tasks, col, nw, flagged(steps[k][3]))
            a, b = i + p + 1, i + r * p
            what = "the step above" if p == 1 else f"the {p} steps above"
            more = plural(r - 1, "more time")
            _line(lines, tasks.index(t), f"... {what}, {more} (steps {a}-{b})", col, n, pad)
            i += r * p
            continue
        _row(lines, steps[i], i + 1, tasks, col, nw, flagged(e))
        i += 1
    if bug is not None and bug.task is not None:
        # the bug itself, as the last row of the task that hit it
        t = bug.task
        ci = tasks.index(t)
        body = textwrap.wrap(f"{headline(bug.kind)}: {bug.message}", col, break_on_hyphens=False)
        w = getattr(bug, "where", None)
        if w:
            body += textwrap.wrap(f"  {w[2]}() {os.path.basename(w[0])}:{w[1]}", col)
        for j, chunk in enumerate(body):
            cells = [" " * col] * n
            cells[ci] = _cell(chunk, col)
            lines.append(((">> !! ".ljust(len(pad)) if j == 0 else pad) + " | ".join(cells)).rstrip())
    return "\n".join(lines)


# A trace gets a summary of its turns once it is longer than a screen and has
# few enough turns for the summary to be short.
SUMMARY_MIN_STEPS = 40
SUMMARY_MAX_TURNS = 24


def turn_summary(run, steps):
    """Lines saying, for each turn of a long trace (the steps one task runs
    between two context switches), which of the model's calls it ran.

    A TDP MMU trace is hundreds of steps for a handful of context switches;
    the reviewer's first question is what each CPU was in the middle of when
    the other one cut in.  A turn is named by the calls its steps share (the
    deepest functions every step of the turn is inside) and the calls made
    from there (``flow_vcpu(): kvm_mmu_load(), vcpu_run()``).  Python
    models give the whole chain of calls; a C model its innermost function."""
    if len(steps) < SUMMARY_MIN_STEPS:
        return []
    turns = []
    for i, (t, _, _, e) in enumerate(steps):
        if turns and turns[-1][0] is t:
            turns[-1][2] = i
            turns[-1][3].append(e)
        else:
            turns.append([t, i, i, [e]])
    if not 2 <= len(turns) <= SUMMARY_MAX_TURNS:
        return []
    paths = getattr(run, "paths", None) or {}
    nw = len(str(len(steps)))
    tw = max(len(t.name) for t, *_ in turns)
    out = ["In short (the step numbers of the trace below):"]
    for t, a, b, evs in turns:
        span = f"{a + 1}-{b + 1}" if b > a else f"{a + 1}"
        head = f"  {span:<{2 * nw + 1}}  {t.name:<{tw}}  "
        calls = _calls([paths.get(e) for e in evs])
        if not calls:
            out.append(head.rstrip())
            continue
        out += textwrap.wrap(calls, WIDTH, initial_indent=head, subsequent_indent=" " * len(head),
                             break_on_hyphens=False)
    out.append("")
    return out


def _calls(paths, most=4):
    """``outer() > inner(): a(), b()``: the calls a turn's steps share, then the
    calls made from the innermost of them (``most`` at most)."""
    paths = [p for p in paths if p]
    if not paths:
        return ""
    common = paths[0]
    for p in paths[1:]:
        k = 0
        n = min(len(common), len(p))
        while k < n and common[k] == p[k]:
            k += 1
        common = common[:k]
    d = len(common)
    names = []
    for p in paths:
        if len(p) > d and p[d] not in names:
            names.append(p[d])
    head = " > ".join(f"{f}()" for f in common[-2:])
    if not names:
        return head
    more = f", … ({len(names)} calls)" if len(names) > most else ""
    body = ", ".join(f"{f}()" for f in names[:most]) + more
    return f"{head}: {body}" if head else body


def _main_trace(bug):
    """The trace of a bug met in main(), before any task: main()'s column alone,
    whatever the tasks did in the run that went on past it (--keep-going)."""
    pad = " " * 6
    col = WIDTH - len(pad)
    lines = [pad + "main()", pad + "-" * col]
    body = textwrap.wrap(f"{headline(bug.kind)}: {bug.message}", col, break_on_hyphens=False)
    w = getattr(bug, "where", None)
    if w:
        body += textwrap.wrap(f"  {w[2]}() {os.path.basename(w[0])}:{w[1]}", col)
    for j, chunk in enumerate(body):
        lines.append(((">> !! " if j == 0 else pad) + chunk).rstrip())
    return "\n".join(lines)


def _row(lines, step, num, tasks, col, nw, flag):
    t, text, where, e = step
    n = len(tasks)
    ci = tasks.index(t)
    body = textwrap.wrap(text, col, break_on_hyphens=False) or [""]
    if where:
        body += textwrap.wrap("  " + where, col)
    for j, chunk in enumerate(body):
        cells = [" " * col] * n
        cells[ci] = _cell(chunk, col)
        head = f"{'>>' if flag else '  '}{num:{nw}d} " if j == 0 else " " * (nw + 3)
        lines.append((head + " | ".join(cells)).rstrip())


def _line(lines, ci, text, col, n, pad):
    for chunk in textwrap.wrap(text, col, break_on_hyphens=False):
        cells = [" " * col] * n
        cells[ci] = _cell(chunk, col)
        lines.append((pad + " | ".join(cells)).rstrip())


def _loop_key(step):
    """What must be equal for two steps to be the same step of a loop: task, source
    line, and the operation on the same location (values may differ)."""
    t, text, where, e = step
    if e is None:
        return (id(step),)
    return (t.tid, where, e.kind, e.op, e.lid)


def repeats(keys, keep=(), longest=16, least=5):
    """``[(start, period, rounds)]``: stretches of ``keys`` where a block of ``period``
    keys comes back in a row - a loop going round at least ``least`` times - to
    show as one round and a count.  The last round is left out of the stretch
    (the loop's last values, and where a bug stops it, stay visible), and so is
    every stretch that would hide an index in ``keep``."""
    out = []
    n = len(keys)
    i = 0
    while i < n:
        best = None
        for p in range(1, min(longest, (n - i) // least) + 1):
            r = 1
            while i + (r + 1) * p <= n and keys[i + r * p:i + (r + 1) * p] == keys[i:i + p]:
                r += 1
            r -= 1                      # leave the last round out
            if r >= least - 1 and (best is None or r * p > best[1] * best[2]):
                best = (i, p, r)
        if best is not None and not any(best[0] + best[1] <= k < best[0] + best[1] * best[2]
                                        for k in keep):
            out.append(best)
            i = best[0] + best[1] * best[2]
        else:
            i += 1
    return out


def headline(kind):
    """How the trace names a bug's kind: ``USE-AFTER-FREE``, ``MODEL ERROR``."""
    return "MODEL ERROR" if kind == "model-error" else kind.upper()


def _cell(s, w):
    return s[:w].ljust(w)


def plural(n, word, words=None):
    """``1 execution``, ``2 executions``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def format_result(res, path="FILE", extra="", command=None):
    """The text result: a verdict line, and per bug its trace and replay command
    (``path`` and ``extra``, the options a replay needs, fill the command; or
    ``command``, a whole command that takes the schedule after it: ``kcheck
    tdp-mmu check ... --replay``)."""
    out = []
    if res.exhaustive:
        mode = "exhaustive"
        if res.excludes:
            mode += " (no load-buffering executions: a cycle in po | rf is never explored)"
    else:
        mode = f"bounded ({res.bound})" if res.bound else "not exhaustive"
    runs = f"{plural(res.executions, 'execution')} ({res.blocked} blocked)"
    if res.bug is None and res.strategy == "replay":
        out.append(f"no bug in this execution ({res.bound}), memory model {res.memory_model}, "
                   f"{res.seconds:.2f} s; a replay is one execution, not a check")
    elif res.bug is None:
        # a kind asked not to be reported may be there: the verdict says so
        skipped = f" ({', '.join(res.ignored)} not reported: --ignore)" if res.ignored else ""
        out.append(f"no bug found{skipped}: {runs}, {mode}, memory model {res.memory_model}, "
                   f"{res.seconds:.2f} s")
    bugs = res.bugs or ([res.bug] if res.bug is not None else [])
    # several bugs, or one in a search that went on past it (--keep-going): say what was covered
    summary = len(bugs) > 1 or (bugs and res.exhaustive)
    if summary:
        out.append(f"{plural(len(bugs), 'distinct bug')} found in {runs}, {mode}, "
                   f"memory model {res.memory_model}, {res.seconds:.2f} s")
        out.append("")
    for k, b in enumerate(bugs):
        if k:
            out.append("")
        if b.kind == "model-error":
            out.append(f"MODEL ERROR{' in task ' + b.task if b.task else ''}: {b.message}")
            out.append("  (an exception in the model, not a bug kcheck found: fix the model; "
                       "the trace shows the interleaving that raised it)")
        else:
            out.append(f"BUG {b.kind}: {b.message}")
        switches = plural(b.context_switches, "context switch", "context switches")
        if not summary:
            found = ("in the first execution explored" if res.executions + res.blocked == 0 else
                     f"after {plural(res.executions, 'complete execution')} ({res.blocked} blocked)")
            if res.strategy == "replay":
                found = "replaying the schedule"
            out.append(f"  found {found}, memory model {res.memory_model}, {res.seconds:.2f} s; "
                       f"trace: {switches}")
        else:
            out.append(f"  trace: {switches}")
        for race in getattr(b, "races", ())[:1]:
            out += textwrap.wrap(f"this execution has a {race}: the LKMM gives a racy program "
                                 "no defined outcome, so the bug may be the race's (mark the "
                                 "plain access READ_ONCE()/WRITE_ONCE() to see whether it "
                                 "stands)", WIDTH, initial_indent="  ", subsequent_indent="  ")
        if b.trace:
            out.append("")
            out.append(b.trace)
        if b.schedule is not None:
            out.append("")
            mm = " --memory-model lkmm" if b.memory_model == "lkmm" else ""
            where = path if path == "FILE" else shlex.quote(str(path))
            if command is not None:
                head, _, flag = command.rpartition(" ")       # "... --replay"
                out.append(f"replay: {head}{mm} {flag} '{b.schedule}'" if b.schedule else
                           f"replay: {head}{mm} (the bug shows before any task takes a step: "
                           "every execution meets it)")
            elif b.schedule:
                out.append(f"replay: kcheck replay {where} '{b.schedule}'{mm}{extra}")
            else:
                # no task took a step: every run meets the bug, a check reproduces it
                out.append(f"replay: kcheck check {where}{mm}{extra} (the bug shows before any "
                           "task takes a step: every execution meets it)")
    for w in res.warnings[:5]:
        out.append(f"warning: {w}")
    if len(res.warnings) > 5:
        out.append(f"warning: ... and {len(res.warnings) - 5} more")
    if res.interrupted:
        from ..engine.runtime import STOPPED_BY
        out.append(f"interrupted: the result covers only what was explored before {STOPPED_BY[0]}")
    return "\n".join(out)
