"""Tasks that sleep and wake: the task state word, schedule(), might_sleep().

Each task has a state word, ``current->__state`` (TASK_RUNNING = 0).  The
kernel's sleeping protocol is a handshake on that word and on the event
flag, and kcheck runs it as the kernel does:

* ``set_current_state(s)`` stores the state and then a full barrier
  (``smp_store_mb``: a ``WRITE_ONCE`` and an ``smp_mb()`` in linux-kernel.def);
* ``schedule()`` is a full barrier and then a *blocking wait* until the state
  word reads TASK_RUNNING - the explorer knows the task is asleep, it never
  spins;
* ``wake_up_process(p)`` (``try_to_wake_up``) is ``smp_mb__after_spinlock()``
  (a full barrier) and then an atomic "if ``p`` sleeps in a state the wake-up
  matches, set it TASK_RUNNING" on ``p``'s state word.

So the races of Documentation/memory-barriers.txt ("SLEEP AND WAKE-UP
FUNCTIONS") exist: a waker that sets the flag and wakes with no barrier of
its own may read the state (or a wait queue) before the sleeper's store
reaches it, while the sleeper reads the flag before the waker's store; under
the LKMM both can happen together and the sleeper sleeps for good.  A task
asleep when nothing is left to wake it is a **lost wake-up** (bug kind
``lost-wakeup``), reported with what it sleeps on.

A timed sleep (``schedule_timeout``) asks the explorer whether its timer
fires before any wake-up: if it does, the timer's wake-up sets the state
TASK_RUNNING at once; if it does not and nobody wakes the task, that
execution is dropped (the timer would end the sleep: the other choice
explores it).

Context checks (``might_sleep()``): every primitive that may sleep calls it.
Sleeping with a spinlock or ``rwlock_t`` held, with bottom halves, interrupts
or preemption disabled, or in an RCU callback (softirq) is the kernel's "BUG:
sleeping function called from invalid context" (kind ``sleep-in-atomic``);
sleeping inside ``rcu_read_lock()`` is RCU's "Voluntary context switch within
RCU read-side critical section" (kind ``sleep-in-rcu``).  SRCU readers may
sleep.  These counters (``local_bh_disable`` ...) make no event: under
sequential consistency they change nothing, and the LKMM calls interrupt
disabling a compiler barrier.
"""

from __future__ import annotations

import linecache
import os

from ._core import run, Loc, ModelError, NO_WRITE, BLOCK, ONCE, WAIT, WAIT_ACQ, NORACE, op
from ..engine.runtime import _model_frame, stack_state
from ..engine import graph as G

TASK_RUNNING = 0
TASK_INTERRUPTIBLE = 0x1
TASK_UNINTERRUPTIBLE = 0x2
TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE
TASK_PARKED = 0x40              # kthread_parkme(): only wake_up_state(p, TASK_PARKED) wakes it
TASK_NOLOAD = 0x400
TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD
MAX_SCHEDULE_TIMEOUT = (1 << 63) - 1

_STATE_NAMES = {TASK_RUNNING: "TASK_RUNNING", TASK_INTERRUPTIBLE: "TASK_INTERRUPTIBLE",
                TASK_UNINTERRUPTIBLE: "TASK_UNINTERRUPTIBLE", TASK_IDLE: "TASK_IDLE",
                TASK_PARKED: "TASK_PARKED"}


def state_name(s):
    return _STATE_NAMES.get(s, hex(s))


def state_word(t):
    """``t->__state``: fixed by the task's id, the same in every run."""
    loc = t.tls.get("state_loc")
    if loc is None:
        loc = t.tls["state_loc"] = Loc.fixed((1 << 43) + t.tid, f"{t.name}->__state")
    return loc


def _cur(r, what):
    t = r.cur
    if t is None:
        raise ModelError(f"{what}: only a task can sleep or change its state (not main())")
    return t


def set_current_state(state):
    """``smp_store_mb(current->__state, state)``: the store, then a full barrier."""
    r = run()
    t = _cur(r, "set_current_state")
    with op(r, lambda: f"set_current_state({state_name(state)})"):
        r.write(state_word(t), state, ONCE, "set_current_state")
        r.fence("smp_mb", "~set_current_state")
    t.tls["set_state"] = state


def __set_current_state(state):
    """``WRITE_ONCE(current->__state, state)``: no barrier."""
    r = run()
    t = _cur(r, "__set_current_state")
    r.write(state_word(t), state, ONCE, "__set_current_state")
    t.tls["set_state"] = state


def get_current_state():
    r = run()
    return r.read(state_word(_cur(r, "get_current_state")), ONCE, "get_current_state")


def _running(v):
    return NO_WRITE if v == TASK_RUNNING else BLOCK


class Sleep:
    """What a sleeping task waits for: the lost-wake-up report says it.

    ``what`` names the wait (``wait_event(&dev->wq, lambda: ...)``), ``where``
    is the model's line, ``explain`` (optional) gives the wake-up it missed
    from the finished execution.  ``timer``: a timer ends the sleep (an
    execution that ends with it pending is not stuck).  ``watch``: the read
    of a signal check made just before going to sleep (an interruptible lock
    wait in a kthread): if a newer write of that word exists - the
    ``kthread_stop()`` that would wake the task to fail with -EINTR - the
    execution in which the check reads it is explored instead, so this one
    is not stuck either."""

    __slots__ = ("what", "where", "explain", "timer", "watch")

    def __init__(self, what, where=None, explain=None, timer=False, watch=None):
        self.what = what
        self.where = where
        self.explain = explain
        self.timer = timer
        self.watch = watch

    def describe(self, run, t):
        w = f" at {os.path.basename(self.where[0])}:{self.where[1]}" if self.where else ""
        what = self.what() if callable(self.what) else self.what
        text = f"{t.name} sleeps in {what}{w}"
        if self.explain is not None:
            more = self.explain(run, t)
            if more:
                text += f"; {more}"
        else:
            text += "; " + missed_wake_up_process(run, t)
        return text


def missed_wake_up_process(run, t):
    """The last wake-up aimed at ``t``'s state word by another task, and why it missed."""
    lid = state_word(t).lid
    last = None
    for th in run.g.threads:
        for e in th:
            if e.lid == lid and e.tid != t.tid and e.kind == 0:
                if last is None or e.stamp > last.stamp:
                    last = e
    if last is None:
        return f"nobody calls wake_up_process({t.name})"
    seen = run.x.inits[lid].init if last.rf is None else last.rf.val
    who = run._task_name(last.tid)
    if seen == TASK_RUNNING or last.rf is None or last.rf.tid != t.tid:
        return (f"{who}'s {last.op}({t.name}) found it {state_name(seen)}, before it set its "
                "sleeping state, and did nothing")
    return f"{who}'s {last.op}({t.name}) came too early"


def io_schedule():
    """``schedule()`` with the sleep accounted as I/O wait: the same sleep."""
    return schedule()


def schedule(sleep=None):
    """Sleep until the state word is TASK_RUNNING (at once if it already is).

    ``sleep`` (a ``Sleep``) says what the task waits for; the wait-queue
    primitives pass it so that a lost wake-up names the queue and condition."""
    r = run()
    t = _cur(r, "schedule")
    _check_sleep(r, t, "schedule", scheduling=True)
    if t.tls.get("set_state", TASK_RUNNING) == TASK_RUNNING:
        # The task never set a sleeping state (or a wake-up since ended its last
        # sleep): only the task itself writes one, so its state word is
        # TASK_RUNNING and __schedule() just lets others run and comes back.  In
        # ``while (!kthread_should_stop()) schedule();`` that is a polling loop,
        # as with cond_resched(): a run that never lets the stopper in is unfair,
        # not a livelock.
        r.fence("smp_mb", "~schedule")      # rq_lock(); smp_mb__after_spinlock()
        poll("schedule")
        return
    if sleep is None:
        sleep = Sleep(lambda: "schedule()", _model_frame())
    if t.tls.get("set_state") == TASK_INTERRUPTIBLE and "kthread" in t.tls:
        # __schedule(): an interruptible task with a signal pending does not sleep
        # (signal_pending_state); kthread_stop()'s is the one kcheck models
        from .kthread import stop_pending
        r.fence("smp_mb", "~schedule")      # rq_lock(); smp_mb__after_spinlock()
        if stop_pending(r, t):
            r.write(state_word(t), TASK_RUNNING, ONCE, "schedule: signal pending")
            t.tls["set_state"] = TASK_RUNNING
            return
    t.tls["sleep"] = sleep
    with op(r, "schedule()") as g:
        r.fence("smp_mb", "~schedule")
        r.rmw(state_word(t), _running, WAIT_ACQ, "schedule")
        g.note = ": woken"
    t.tls["sleep"] = None
    t.tls["set_state"] = TASK_RUNNING       # what the wake-up left in the state word


def schedule_timeout(timeout, sleep=None):
    """Sleep until woken or until ``timeout`` jiffies pass; returns the jiffies left
    (0 when the timer fired).  Whether the timer fires before a wake-up is the
    explorer's choice; time itself is not modelled, so a wake-up returns
    ``timeout`` unchanged."""
    r = run()
    t = _cur(r, "schedule_timeout")
    if timeout == MAX_SCHEDULE_TIMEOUT:
        schedule(sleep)
        return timeout
    _check_sleep(r, t, "schedule_timeout", scheduling=True)
    fired = r.choice(2, "timer fires before a wake-up") == 1
    if fired:
        # process_timeout(): wake_up_process(current) from the timer
        with op(r, "schedule_timeout(): the timer fires"):
            r.fence("smp_mb", "~schedule_timeout")
            r.rmw(state_word(t), lambda s: TASK_RUNNING if s != TASK_RUNNING else NO_WRITE, ONCE,
                  "timer: wake_up_process")
        poll("schedule_timeout")         # time passed: in a loop, a polling sleep
        return 0
    if sleep is None:
        sleep = Sleep(lambda: f"schedule_timeout({timeout})", _model_frame())
    sleep.timer = True
    t.tls["sleep"] = sleep
    with op(r, f"schedule_timeout({timeout})") as g:
        r.fence("smp_mb", "~schedule_timeout")
        r.rmw(state_word(t), _running, WAIT_ACQ, "schedule")
        g.note = ": woken"
    t.tls["sleep"] = None
    return timeout


def timed_sleep(t):
    """Is ``t`` asleep with a timer that will end the sleep (runtime's classify)?"""
    s = t.tls.get("sleep")
    return s is not None and s.timer


def try_to_wake_up(p, state, op_name):
    """Wake ``p`` if it sleeps in a state matching ``state``; True if it did."""
    r = run()
    if p is None:
        raise ModelError(f"{op_name}(NULL)")
    r.fence("smp_mb", "~smp_mb__after_spinlock")       # raw_spin_lock(&p->pi_lock); smp_mb__after_spinlock()
    old = r.rmw(state_word(p), lambda s: TASK_RUNNING if s & state else NO_WRITE, ONCE, op_name)
    return bool(old & state)


def wake_up_process(p):
    """``try_to_wake_up(p, TASK_NORMAL)``: 1 if ``p`` was asleep and is now running."""
    r = run()
    with op(r, lambda: f"wake_up_process({p.name})") as g:
        as_task = getattr(p, "_as_task", None)
        if as_task is not None:
            p = as_task(r)                  # a kernel thread's handle (kernel/kthread.py)
        woke = try_to_wake_up(p, TASK_NORMAL, "wake_up_process")
        g.note = ": wakes it" if woke else ": it is running, nothing to do"
    return int(woke)


def wake_up_state(p, state):
    r = run()
    with op(r, lambda: f"wake_up_state({p.name}, {state_name(state)})"):
        return int(try_to_wake_up(p, state, "wake_up_state"))


# -- execution context: preemption, bottom halves, interrupts -----------------

def _count(t, key, d):
    n = t.tls.get(key, 0) + d
    t.tls[key] = n
    return n


def _nonpreemptible(t):
    tls = t.tls
    return bool(tls.get("preempt") or tls.get("bh") or tls.get("irq"))


def _implicit(r, t, what):
    """Preemption, bottom halves or interrupts now off or on: an implicit RCU
    read-side section begins or ends (kernel/rcu.py: implicit_section); its
    reader-flag write shows in a trace as ``what``."""
    with op(r, what):
        _rcu.implicit_section(r, t, _nonpreemptible(t))
    if r.percpu:
        _percpu.region_changed(r, t, what)


def preempt_disable():
    r = run()
    t = r.cur
    if t is not None:
        _count(t, "preempt", 1)
        _implicit(r, t, "preempt_disable()")


def preempt_enable():
    r = run()
    t = r.cur
    if t is not None and _count(t, "preempt", -1) < 0:
        t.tls["preempt"] = 0
        r.report("lockdep", f"preempt_enable() in {t.name} without preempt_disable()")
    if t is not None:
        _implicit(r, t, "preempt_enable()")


def local_bh_disable():
    r = run()
    t = r.cur
    if t is not None:
        _count(t, "bh", 1)
        _implicit(r, t, "local_bh_disable()")


def local_bh_enable(how=None):
    r = run()
    t = r.cur
    if t is not None and _count(t, "bh", -1) < 0:
        t.tls["bh"] = 0
        r.report("lockdep", f"local_bh_enable() in {t.name} without local_bh_disable()")
    if t is not None:
        _implicit(r, t, "local_bh_enable()")
        _locks_held_with(r, t, how or "local_bh_enable()")


def _locks_held_with(r, t, how):
    """Interrupts or bottom halves back on with locks held: lockdep's usage of
    each (kernel/locking.py ``back_on``); ``how``: the call that did it."""
    if not t.held:
        return
    from .locking import back_on
    tls = t.tls
    if tls.get("hardirq") or tls.get("irq"):
        return
    back_on(r, t, "HARDIRQ-ON", how)
    if not (tls.get("bh") or tls.get("softirq") or t.callback):
        back_on(r, t, "SOFTIRQ-ON", how)


def local_irq_disable():
    r = run()
    t = r.cur
    if t is not None:
        t.tls["irq"] = True
        _implicit(r, t, "local_irq_disable()")


def local_irq_enable(how=None):
    r = run()
    t = r.cur
    if t is not None:
        t.tls["irq"] = False
        _implicit(r, t, "local_irq_enable()")
        _locks_held_with(r, t, how or "local_irq_enable()")


def local_irq_save():
    """Disable interrupts; returns the flags ``local_irq_restore`` puts back."""
    r = run()
    t = r.cur
    if t is None:
        return False
    flags = bool(t.tls.get("irq"))
    t.tls["irq"] = True
    _implicit(r, t, "local_irq_save()")
    return flags


def local_irq_restore(flags):
    r = run()
    t = r.cur
    if t is not None:
        t.tls["irq"] = bool(flags)
        _implicit(r, t, "local_irq_restore()")
        if not flags:
            _locks_held_with(r, t, "local_irq_restore()")


def irqs_disabled():
    t = run().cur
    return t is not None and bool(t.tls.get("irq"))


def in_atomic():
    t = run().cur
    return t is not None and atomic_reason(t) is not None


def atomic_reason(t, allowed=None):
    """Why ``t`` may not sleep now (None: it may).  ``allowed``: a lock the
    caller may hold (``cond_resched_lock()`` drops it before sleeping)."""
    if t.callback:
        tls = t.tls
        return f"in {tls.get('context', 'an RCU callback')} " + (
            "(hardirq context)" if tls.get("hardirq") else
            "(softirq context)" if tls.get("softirq") else "(bottom halves disabled)")
    for lock, mode in t.held:
        if (getattr(lock, "kind", None) in ("spinlock", "rwlock")
                and not (allowed is not None and lock == allowed)):
            return f"holding {lock.kind} {lock._loc.name()}"
    tls = t.tls
    if tls.get("irq"):
        return "with interrupts disabled"
    if tls.get("bh"):
        return "with bottom halves disabled"
    if tls.get("preempt"):
        return "with preemption disabled"
    return None


def rcu_depth(t):
    """Nesting of plain ``rcu_read_lock()`` (the _bh and _sched flavours disable
    bottom halves or preemption and count as atomic instead)."""
    return t.rcu - t.tls.get("rcu_bh", 0) - t.tls.get("rcu_sched", 0)


def _here():
    w = _model_frame()
    return f"{os.path.basename(w[0])}:{w[1]}" if w else "?"


def _check_sleep(r, t, what, scheduling=False, allowed=None):
    """``might_sleep()`` (``__might_resched``) on behalf of ``what``."""
    why = atomic_reason(t, allowed)
    if why is not None:
        head = (f"BUG: scheduling while atomic: {t.name}" if scheduling else
                f"BUG: sleeping function called from invalid context at {_here()}")
        irqs = 1 if t.tls.get("irq") else 0
        r.report("sleep-in-atomic", f"{head}: {what}() {why} (in_atomic(): 1, irqs_disabled(): "
                 f"{irqs}, name: {t.name})")
    if rcu_depth(t) > 0:
        r.report("sleep-in-rcu", f"Voluntary context switch within RCU read-side critical section!: "
                 f"{what}() at {_here()} in {t.name} (RCU nest depth: {rcu_depth(t)}, expected: 0)")


def might_sleep():
    """Annotate a function that may sleep: a bug if the caller may not."""
    r = run()
    t = r.cur
    if t is not None:
        _check_sleep(r, t, "might_sleep")


def might_sleep_if(cond):
    """``might_sleep()`` when ``cond`` holds (an allocation's gfp allowing it)."""
    if cond:
        r = run()
        t = r.cur
        if t is not None:
            _check_sleep(r, t, "might_sleep_if")


def sleep_check(what, allowed=None):
    """``might_sleep()`` on behalf of the sleeping primitive ``what``."""
    r = run()
    t = r.cur
    if t is not None:
        _check_sleep(r, t, what, allowed=allowed)


def schedule_timeout_uninterruptible(timeout):
    """``set_current_state(TASK_UNINTERRUPTIBLE)``, then ``schedule_timeout()``."""
    set_current_state(TASK_UNINTERRUPTIBLE)
    return schedule_timeout(timeout)


def schedule_timeout_interruptible(timeout):
    set_current_state(TASK_INTERRUPTIBLE)
    return schedule_timeout(timeout)


def time_after(a, b):
    """``time_after(a, b)``: jiffies ``a`` is later than ``b`` (wrap-safe)."""
    return _slong(b - a) < 0


def time_before(a, b):
    return time_after(b, a)


def time_after_eq(a, b):
    return _slong(a - b) >= 0


def time_before_eq(a, b):
    return time_after_eq(b, a)


def _slong(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def msleep(msecs):
    """Sleep ``msecs`` milliseconds: a context check and a point where others
    run (kcheck explores every interleaving anyway); time is not modelled.
    In a polling loop it is a busy-wait point (``poll``)."""
    sleep_check("msleep")
    poll("msleep")


def msleep_interruptible(msecs):
    """As ``msleep``; returns the milliseconds left: 0, or - in a kthread
    that ``kthread_stop()`` was called on, the one signal kcheck models - at
    once, with time left (``while (!msleep_interruptible(100));`` ends; it
    was a false livelock)."""
    sleep_check("msleep_interruptible")
    r = run()
    t = r.cur
    if t is not None and "kthread" in t.tls:
        from .kthread import stop_pending
        if stop_pending(r, t):
            return max(int(msecs), 1)
    poll("msleep_interruptible")
    return 0


def usleep_range(lo, hi):
    sleep_check("usleep_range")
    poll("usleep_range")


def ssleep(secs):
    """Sleep ``secs`` seconds (``msleep(secs * 1000)``): may not be called in atomic context."""
    sleep_check("ssleep")
    poll("ssleep")


def mdelay(msecs):
    """Busy-wait ``msecs`` milliseconds: legal in atomic context (time is not modelled)."""
    poll("mdelay")


def udelay(usecs):
    """Busy-wait ``usecs`` microseconds: legal in atomic context."""
    poll("udelay")


def fsleep(usecs):
    """include/linux/delay.h's "flexible sleep": up to 10 us it is ``udelay()``,
    a busy-wait that may run in atomic context; longer, ``usleep_range()`` or
    ``msleep()``, which may sleep.  So ``fsleep(5)`` under a spinlock is legal
    and ``fsleep(100)`` there is a sleep in atomic context, as in the kernel."""
    if usecs <= 10:
        udelay(usecs)
    elif usecs < 20000:                 # USLEEP_RANGE_UPPER_BOUND at HZ=250
        usleep_range(usecs, usecs + (usecs >> 2))
    else:
        msleep((usecs + 999) // 1000)


def poll(what):
    """A delay in what may be a polling loop: ``while (!READ_ONCE(flag))
    msleep(10);``.  The loop ends when another task writes the flag; a schedule
    in which that task never runs is unfair, not a livelock - but exploring it
    would go round the loop until the step bound and report one.  So the task
    waits for what it reads to change - but only once the loop has shown it
    is one: two delays at the same point of the same stack (the model's locals
    equal, so a retry counter makes each iteration new and a bounded retry
    loop runs to its end, timeout path included), and an iteration between
    them that allocated and freed nothing and left every location it wrote as
    it found it (a lock taken and released).  That iteration went from a state
    back to the same state: the next one, reading the same values, does the
    same, and so does every one after it until a value it reads changes;
    another choice in a later iteration leads where the same choice in this
    one does (explored where this one makes it).  A delay outside any loop
    never meets its own state again and waits for nothing.  ``cpu_relax()``
    is such a delay too."""
    r = run()
    t = r.cur
    if t is None:
        return
    pos = t.pos
    idle = t.tls.get("idle_delays")
    n = idle[1] + 1 if idle is not None and idle[0] == pos else 1
    t.tls["idle_delays"] = (pos, n)
    if n > r.step_bound:
        # ``while (1) { i++; cpu_relax(); }``: each round is a new state (the counter),
        # so no wait is ever set up, and no event is ever added to meet the step bound
        r.report("livelock", f"{what}: task {t.name} delayed {n - 1} times in a row without a "
                 f"shared access: it does not terminate, or the bound is too small "
                 f"(--step-bound)", fatal=True)
    state = stack_state()
    rec = t.tls.get("poll")
    if rec is not None and rec[0] == state and rec[1] <= pos:
        sig = _noop_iteration(r, r.g.threads[t.tid], rec[1], pos)
        if sig is not None:
            watch = _watched(r, sig)
            if watch is not None:
                loc, val = watch
                # the iteration a run that ends with the task waiting here is judged by
                # (runtime.Run._stale_wait): any of its reads no longer the latest
                t.tls["await_from"] = rec[1]
                t.tls["poll_at"] = t.pos        # the wait's event (Run.polls): by position, not name
                # the wait stands for the next iteration's reads, which the loop
                # makes as it makes them (under its lock, say): not an access that
                # races (a mutex-protected flag polled with msleep() was a race)
                r.rmw(loc, lambda v: NO_WRITE if v != val else BLOCK, WAIT | NORACE, what)
                t.tls["poll"] = (state, t.pos)
                return
    t.tls["poll"] = (state, pos)


def _noop_iteration(r, th, start, end):
    """What events ``th[start:end]`` saw - the values they read and the choices
    made - or None if they did more than look: an allocation or free, a spawn,
    or a location left with another value than it had before its first store
    (a lock taken and released, a task state set and set back by a timeout,
    are no change)."""
    seen = []
    first = {}              # lid -> the value before the iteration's first write to it
    last = {}
    inits = r.x.inits
    co = r.g.co
    for k in range(start, end):
        e = th[k]
        kind = e.kind
        if kind == G.READ:
            w = e.rf
            seen.append((e.lid, w.val if w is not None else inits[e.lid].init))
        elif kind == G.WRITE:
            lid = e.lid
            if lid not in first:
                lst = co.get(lid, ())
                i = lst.index(e) if e in lst else -1
                if i < 0:
                    return None
                first[lid] = lst[i - 1].val if i > 0 else inits[lid].init
            last[lid] = e.val
        elif kind == G.CHOICE:
            seen.append(("choice", e.val))
        elif kind != G.FENCE:
            return None
    for lid, before in first.items():
        if before != last[lid]:
            return None
    if not seen:
        return None
    return tuple(seen), frozenset(first)


def _watched(r, sig):
    """(location, value) of the iteration's last read of a location it does not
    write itself (not a lock word, not the task's own state): what another
    task must change for the loop to end.  None if there is no such read."""
    seen, written = sig
    for lid, val in reversed(seen):
        if lid != "choice" and lid not in written:
            return r.x.inits[lid], val
    return None


# -- lambda source for reports ---------------------------------------------------

def source_of(fn):
    """``lambda: READ_ONCE(...)`` as written in the model (for reports)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return getattr(fn, "__name__", repr(fn))
    if code.co_name != "<lambda>":
        return code.co_name + "()"
    line = linecache.getline(code.co_filename, code.co_firstlineno)
    i = line.find("lambda")
    if i < 0:
        return "<lambda>"
    text = line[i:]
    depth = 0
    for k, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return text[:k].strip()
            depth -= 1
        elif c == "," and depth == 0:
            return text[:k].strip()
    return text.strip()


__all__ = ["TASK_RUNNING", "TASK_INTERRUPTIBLE", "TASK_UNINTERRUPTIBLE", "TASK_NORMAL",
           "TASK_IDLE", "TASK_PARKED", "MAX_SCHEDULE_TIMEOUT", "set_current_state", "__set_current_state",
           "get_current_state", "schedule", "io_schedule", "schedule_timeout", "wake_up_process",
           "wake_up_state", "might_sleep", "might_sleep_if", "schedule_timeout_uninterruptible",
           "schedule_timeout_interruptible", "time_after", "time_before", "time_after_eq",
           "time_before_eq", "msleep", "msleep_interruptible", "usleep_range", "ssleep", "fsleep", "mdelay",
           "udelay", "preempt_disable",
           "preempt_enable", "local_bh_disable", "local_bh_enable", "local_irq_disable",
           "local_irq_enable", "local_irq_save", "local_irq_restore", "irqs_disabled",
           "in_atomic"]


from . import rcu as _rcu     # noqa: E402  (rcu imports this module: bound once both exist)
from . import percpu as _percpu     # noqa: E402  (the same)
