"""Schedule strings: the order in which tasks made their requests, and, where
sequential consistency would not pick it, which write a read reads.

A token is a task key (``0``, ``2``; ``0.1`` is the first context task 0
started, such as an RCU callback), optionally ``*N`` for N steps in a row, or
``=V`` for a step that made an explorer choice with value V::

    0*3 1 0.1*4 1=1 0

Replaying a schedule under sequential consistency reproduces the execution:
every read sees the latest write, every choice takes its recorded value.

An execution the LKMM allows and SC does not has reads of older writes, and
writes placed in coherence before writes already made.  Those steps carry
where: ``KEY<SRC`` (the read of this step reads the write SRC) and
``KEY^SRC`` (the write of this step comes right after SRC in coherence).
SRC is ``TASK:N``, the N-th event of task TASK (counting from 0), or ``-``
for the initial value (for ``^``: first in coherence)::

    0*2 1 1<- 0^- 1

Steps without such a mark behave as under SC, so a schedule of an SC
execution has none.  A step is ``(key, value)``: value None, a choice (an
int), or an annotation ``("rf", src)`` / ``("co", src)`` with src ``None``
or ``(task key, event index)``.
"""

from __future__ import annotations

from . import graph as G


class ScheduleError(ValueError):
    pass


def task_key(t):
    return ".".join(str(i) for i in t.order)


def steps_of(run, events=None, annotate=False):
    """The steps of a run, in the order given (default: stamp order).

    ``annotate``: mark every read that does not read the latest write made
    before it in this order, and every write that does not go last in
    coherence (what an LKMM execution needs to replay exactly)."""
    evs = events if events is not None else run.g.by_stamp()
    out = []
    placed = {}           # lid -> writes replayed so far, in coherence order
    g = run.g
    co_index = {}
    if annotate:
        for lid, lst in g.co.items():
            for i, w in enumerate(lst):
                co_index[w] = i
    for e in evs:
        if e.kind == G.WRITE and e.rmw is True:
            if annotate:
                _place(placed, e, co_index)
            continue
        if e.op == "task exits":
            continue        # made by the join that waits for it (runtime.Run._task_ended)
        t = run.tasks[e.tid]
        key = task_key(t)
        v = e.val if e.kind == G.CHOICE else None
        if annotate and e.kind == G.READ:
            lst = placed.get(e.lid)
            latest = lst[-1] if lst else None
            if e.rf is not latest:
                v = ("rf", None if e.rf is None else _src(run, e.rf))
        elif annotate and e.kind == G.WRITE:
            pos = _place(placed, e, co_index)
            lst = placed[e.lid]
            if pos != len(lst) - 1:
                v = ("co", None if pos == 0 else _src(run, lst[pos - 1]))
        out.append((key, v))
    return out


def _place(placed, w, co_index):
    """Insert ``w`` among the writes placed so far by its final coherence position."""
    lst = placed.setdefault(w.lid, [])
    i = co_index.get(w, len(lst))
    pos = len(lst)
    while pos > 0 and co_index.get(lst[pos - 1], -1) > i:
        pos -= 1
    lst.insert(pos, w)
    return pos


def _src(run, w):
    return (task_key(run.tasks[w.tid]), w.idx)


def annotated(steps):
    return any(isinstance(v, tuple) for _, v in steps)


def _fmt_src(src):
    return "-" if src is None else f"{src[0]}:{src[1]}"


def encode(steps):
    toks = []
    i = 0
    while i < len(steps):
        k, v = steps[i]
        if isinstance(v, tuple):
            toks.append(f"{k}{'<' if v[0] == 'rf' else '^'}{_fmt_src(v[1])}")
            i += 1
            continue
        if v is not None:
            toks.append(f"{k}={v}")
            i += 1
            continue
        j = i
        while j < len(steps) and steps[j] == (k, None):
            j += 1
        n = j - i
        toks.append(k if n == 1 else f"{k}*{n}")
        i = j
    return " ".join(toks)


# A replay is one execution: a schedule longer than this names no run kcheck made
# (each task stops at the step bound), and '0*999999999' once took 15 GB to spell out.
MAX_STEPS = 10_000_000

_FORMS = "a step is TASK, TASK*COUNT, TASK=VALUE, TASK<TASK:INDEX or TASK^TASK:INDEX"


def decode(s):
    if not s.strip():
        raise ScheduleError("empty schedule")
    steps = []
    for tok in s.replace(",", " ").split():
        try:
            if "<" in tok or "^" in tok:
                mark = "<" if "<" in tok else "^"
                k, src = tok.split(mark, 1)
                _check_key(k)
                steps.append((k, ("rf" if mark == "<" else "co", _parse_src(src))))
            elif "=" in tok:
                k, v = tok.split("=", 1)
                _check_key(k)
                steps.append((k, int(v)))
            elif "*" in tok:
                k, n = tok.split("*", 1)
                _check_key(k)
                if int(n) < 1:
                    raise ValueError("a step count must be at least 1")
                if len(steps) + int(n) > MAX_STEPS:
                    raise ValueError(f"more than {MAX_STEPS:,} steps in all: no execution kcheck "
                                     "replays is that long")
                steps.extend([(k, None)] * int(n))
            else:
                _check_key(tok)
                steps.append((tok, None))
        except ValueError as e:
            why = str(e)
            if why.startswith("invalid literal for int()") or why.startswith("not enough values"):
                why = _FORMS         # Python's words for it say nothing to a user
            raise ScheduleError(f"bad schedule token {tok!r}: {why}") from None
    if len(steps) > MAX_STEPS:
        raise ScheduleError(f"more than {MAX_STEPS:,} steps: no execution kcheck replays is "
                            "that long")
    return steps


def _parse_src(src):
    if src == "-":
        return None
    k, i = src.rsplit(":", 1)
    _check_key(k)
    n = int(i)
    if n < 0:
        raise ValueError("an event index is at least 0")
    return (k, n)


def _check_key(k):
    for part in k.split("."):
        if int(part) < 0:
            raise ValueError("task keys are numbers")


def marks(steps):
    """How many steps say where a read reads or a write goes (weak-memory steps)."""
    return sum(1 for _, v in steps if isinstance(v, tuple))


def switches(steps):
    n = 0
    for a, b in zip(steps, steps[1:]):
        if a[0] != b[0]:
            n += 1
    return n


def of_bug(run, lkmm=False, bug=None):
    """Steps that replay ``run`` up to ``bug`` (default: its bug; or to its end).

    An SC execution gets one of its SC orders (the grace periods kept outside
    the read-side sections they wait for).  An execution only the LKMM allows
    gets the events that lead to the bug - its porf-prefix, the rest cannot
    matter to it - in an order that respects po and rf with few context
    switches, and marks on the reads and writes SC would not place that way."""
    from .memory import sc
    g = run.g
    if bug is None:
        bug = run.bug
    if bug is not None and bug.in_main:
        # met in main(), before any task: every execution meets it, and no step
        # leads to it (under --keep-going the run went on, and a schedule of its
        # steps would replay to whatever bug its last task met)
        return []
    if not lkmm or sc.consistent(g):
        rcu = run.rcu
        if rcu is None and run.has_gp and not lkmm:
            from .memory.rcu_gp import RcuOrder
            rcu = run.rcu = RcuOrder(g)
        extra = list(rcu.edges()) if rcu is not None and rcu.ok else []
        extra.extend(_frees_in_order(g))
        try:
            order = sc.linearize(g, extra=extra)
        except ValueError:
            order = g.by_stamp()
        steps = steps_of(run, order)
    else:
        upto = bug.event if bug is not None and bug.event is not None and on_the_spot(bug) else None
        steps = steps_of(run, porf_order(g, upto), annotate=True)
    return ending_with(steps, bug)


def _frees_in_order(g):
    """Edges that keep the frees of one object in the order they ran: no rf or co
    orders two frees, so an SC order of the graph could swap them, and the
    replay would meet the double free in the other task (a C review: a
    --keep-going search's "already freed by reader" replayed as "by resetter")."""
    last = {}
    out = []
    for e in g.by_stamp():
        if e.kind == G.FREE and e.oid is not None:
            prev = last.get(e.oid)
            if prev is not None:
                out.append((prev, e))
            last[e.oid] = e
    return out


def ending_with(steps, bug):
    """``steps``, with a last step of the bug's task when the bug shows between
    two of its requests (a WARN on a value read earlier, an assertion before any
    event): replayed, that task must be the one to go on."""
    if bug is not None and bug.task is not None and on_the_spot(bug):
        key = task_key(bug.task)
        if not steps or steps[-1][0] != key:
            steps = steps + [(key, None)]
    return steps


def on_the_spot(bug):
    """Does ``bug`` show at its event (a WARN, an access), rather than only in
    the whole execution (a leak, a deadlock, a race, a use-after-free by a race)?"""
    return not bug.whole


def porf_order(g, upto=None):
    """The events of ``g`` (those in ``upto``'s porf-prefix, if given) in an order
    that respects program order, reads-from and spawning, an RMW's halves kept
    together: stay on a task while its next event is ready, else switch to the
    ready event added earliest."""
    from .graph import contains
    keep = None
    if upto is not None:
        view = upto.view
        keep = {e for th in g.threads for e in th if contains(view, e)}
        keep.add(upto)
        th = g.threads[upto.tid]
        if upto.idx + 1 < len(th) and th[upto.idx + 1].rmw is True:
            keep.add(th[upto.idx + 1])
    evs = [e for th in g.threads for e in th if keep is None or e in keep]
    pos = [0] * len(g.threads)
    placed = set()
    out = []
    total = len(evs)
    cur = None

    def ready(e):
        if e.idx != pos[e.tid]:
            return False
        if e.idx == 0:
            sp = g.spawn_of.get(e.tid)
            if sp is not None and sp not in placed:
                return False
        if e.kind == G.READ and e.rf is not None and e.rf not in placed:
            return False
        return True

    while len(out) < total:
        nxt = None
        if cur is not None:
            th = g.threads[cur]
            if pos[cur] < len(th):
                e = th[pos[cur]]
                if (keep is None or e in keep) and ready(e):
                    nxt = e
        if nxt is None:
            cands = [g.threads[t][pos[t]] for t in range(len(g.threads))
                     if pos[t] < len(g.threads[t])]
            cands = [e for e in cands if (keep is None or e in keep) and ready(e)]
            if not cands:
                break
            nxt = min(cands, key=lambda e: e.stamp)
        out.append(nxt)
        placed.add(nxt)
        pos[nxt.tid] += 1
        cur = nxt.tid
        th = g.threads[nxt.tid]
        if nxt.kind == G.READ and pos[nxt.tid] < len(th) and th[pos[nxt.tid]].rmw is True:
            w = th[pos[nxt.tid]]
            out.append(w)
            placed.add(w)
            pos[nxt.tid] += 1
    return out
