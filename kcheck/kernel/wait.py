"""Wait queues (include/linux/wait.h, kernel/sched/wait.c) and wait_event().

``wait_queue_head_t`` is a spinlock and a list of waiters.  The list is one
word here, ``wq->head``, holding the queued entries as a tuple: the kernel
reads and changes it only under the lock, except ``waitqueue_active()``
which reads ``head.next`` locklessly - one marked load of that word, as in
the kernel, so its documented race is there:

    waker                                   sleeper
    cond = true;                            prepare_to_wait(&wq, &wait, state);
    if (waitqueue_active(&wq))                  (smp_mb() from set_current_state)
        wake_up(&wq);                       if (!cond) schedule();

Under the LKMM the waker's load of the queue can be satisfied before its
store to ``cond`` is visible (store buffering): it sees an empty queue while
the sleeper sees ``cond`` false, and the sleeper is never woken.
``wq_has_sleeper()`` adds the ``smp_mb()`` that forbids it.  Under
sequential consistency the race cannot happen.

The operations follow kernel/sched/wait.c: ``prepare_to_wait`` takes the
lock, queues the entry if it is not queued, ``set_current_state()`` (store +
full barrier), unlocks; ``__wake_up`` takes the lock and, for each entry,
``try_to_wake_up()``s its task and (``autoremove_wake_function``) dequeues
it if that woke it, stopping after ``nr_exclusive`` exclusive waiters;
``finish_wait`` sets TASK_RUNNING and, if the entry is still queued
(``list_empty_careful``, an acquire load), dequeues it under the lock.
``wait_event(wq, cond)`` is the kernel's macro: ``cond`` is a function of no
argument (``lambda: READ_ONCE(...)``) evaluated where the macro evaluates it.

The ``_interruptible`` forms sleep in TASK_INTERRUPTIBLE (so
``wake_up_interruptible`` wakes them and no others, as in the kernel).  The
one signal kcheck models is ``kthread_stop()``'s (kthread.stop_pending): a
stopped kthread's interruptible wait returns -ERESTARTSYS, as
``prepare_to_wait_event()`` makes it since v6.1.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, ONCE, ACQ, REL, op, anon
from .locking import spinlock_t, _take, _release
from . import sched as S
from .sched import TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE, TASK_NORMAL
from ..engine.runtime import _model_frame

WQ_FLAG_EXCLUSIVE = 0x01


class wait_queue_head_t(KObject):
    """``struct wait_queue_head``: ``lock`` and the queue word ``head``."""

    __slots__ = ("_loc", "lock", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._name = field or anon("wait_queue_head_t")
        self._loc = Loc((), owner, f"{self._name}.head")
        self.lock = spinlock_t(owner, f"{self._name}.lock")
        self._kid = ("Q", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._loc.name().removesuffix('.head')}"


wait_queue_head = wait_queue_head_t


def DECLARE_WAIT_QUEUE_HEAD():
    return wait_queue_head_t()


def init_waitqueue_head(wq):
    r = run()
    r.write(wq._loc, (), ONCE, "init_waitqueue_head")


class wait_queue_entry:
    """``struct wait_queue_entry`` (on the waiter's stack): which task, flags,
    and whether a wake-up dequeues it (``autoremove_wake_function``, the default
    of DEFINE_WAIT and wait_event) or not (``default_wake_function``,
    DECLARE_WAITQUEUE)."""

    __slots__ = ("task", "flags", "autoremove")

    def __init__(self, task, flags=0, autoremove=True):
        self.task = task
        self.flags = flags
        self.autoremove = autoremove

    def __eq__(self, other):
        return (other.__class__ is wait_queue_entry and other.task.tid == self.task.tid
                and other.autoremove == self.autoremove)

    def __hash__(self):
        return hash(self.task.tid)

    def _kname(self):
        return self.task.name + ("(exclusive)" if self.flags & WQ_FLAG_EXCLUSIVE else "")

    def __repr__(self):
        return f"wait({self.task.name})"


def _me(what):
    r = run()
    t = r.cur
    if t is None:
        raise ModelError(f"{what}: only a task can wait (not main())")
    return t


def DEFINE_WAIT():
    """``DEFINE_WAIT(wait)``: an entry for the current task, dequeued when woken."""
    return wait_queue_entry(_me("DEFINE_WAIT"))


def init_wait_entry(flags=0):
    return wait_queue_entry(_me("init_wait_entry"), flags)


def DECLARE_WAITQUEUE(task=None):
    """``DECLARE_WAITQUEUE(wait, tsk)``: an entry that stays queued when woken."""
    return wait_queue_entry(task or _me("DECLARE_WAITQUEUE"), 0, autoremove=False)


def _lock(r, wq, what):
    _take(wq.lock, "x", "spin_lock", irqs_off=True)


def _unlock(r, wq):
    _release(wq.lock, "x", "spin_unlock")


def _queue(r, wq, entry, tail, what):
    q = r.read(wq._loc, ONCE, what)
    if entry not in q:
        r.write(wq._loc, q + (entry,) if tail else (entry,) + q, ONCE, what)


def add_wait_queue(wq, entry):
    r = run()
    with op(r, lambda: f"add_wait_queue({wq!r}, {entry!r})"):
        entry.flags &= ~WQ_FLAG_EXCLUSIVE
        _lock(r, wq, "add_wait_queue")
        _queue(r, wq, entry, False, "add_wait_queue")
        _unlock(r, wq)


def add_wait_queue_exclusive(wq, entry):
    r = run()
    with op(r, lambda: f"add_wait_queue_exclusive({wq!r}, {entry!r})"):
        entry.flags |= WQ_FLAG_EXCLUSIVE
        _lock(r, wq, "add_wait_queue_exclusive")
        _queue(r, wq, entry, True, "add_wait_queue_exclusive")
        _unlock(r, wq)


def remove_wait_queue(wq, entry):
    r = run()
    with op(r, lambda: f"remove_wait_queue({wq!r}, {entry!r})"):
        _lock(r, wq, "remove_wait_queue")
        q = r.read(wq._loc, ONCE, "remove_wait_queue")
        if entry in q:
            r.write(wq._loc, tuple(e for e in q if e != entry), ONCE, "remove_wait_queue")
        _unlock(r, wq)


def _prepare(r, wq, entry, state, exclusive, what):
    with op(r, lambda: f"{what}({wq!r}, {S.state_name(state)})"):
        if exclusive:
            entry.flags |= WQ_FLAG_EXCLUSIVE
        else:
            entry.flags &= ~WQ_FLAG_EXCLUSIVE
        _lock(r, wq, what)
        _queue(r, wq, entry, exclusive, what)
        S.set_current_state(state)
        _unlock(r, wq)


def prepare_to_wait(wq, entry, state):
    _prepare(run(), wq, entry, state, False, "prepare_to_wait")


def prepare_to_wait_exclusive(wq, entry, state):
    _prepare(run(), wq, entry, state, True, "prepare_to_wait_exclusive")


def _interrupted(r, t, state):
    """``signal_pending_state(state, current)`` for the one signal kcheck models."""
    if state != TASK_INTERRUPTIBLE or t is None or "kthread" not in t.tls:
        return False
    from .kthread import stop_pending
    return stop_pending(r, t)


def prepare_to_wait_event(wq, entry, state):
    """As ``prepare_to_wait``; in an interruptible state with a signal pending (a
    stopped kthread) it dequeues the entry instead and returns -ERESTARTSYS."""
    r = run()
    if _interrupted(r, r.cur, state):
        from .kthread import ERESTARTSYS
        finish_wait(wq, entry)
        return -ERESTARTSYS
    _prepare(r, wq, entry, state, bool(entry.flags & WQ_FLAG_EXCLUSIVE), "prepare_to_wait_event")
    return 0


def finish_wait(wq, entry):
    r = run()
    with op(r, lambda: f"finish_wait({wq!r})"):
        S.__set_current_state(TASK_RUNNING)
        q = r.read(wq._loc, ACQ, "finish_wait")           # list_empty_careful(&wait->entry)
        if entry in q:
            _lock(r, wq, "finish_wait")
            q = r.read(wq._loc, ONCE, "finish_wait")
            if entry in q:
                r.write(wq._loc, tuple(e for e in q if e != entry), ONCE, "finish_wait")
            _unlock(r, wq)


def waitqueue_active(wq):
    """``!list_empty(&wq->head)``, locklessly (see the module docstring)."""
    return run().read(wq._loc, ONCE, "waitqueue_active") != ()


def wq_has_single_sleeper(wq):
    """``list_is_singular(&wq_head->head)``, locklessly: exactly one waiter queued."""
    r = run()
    q = r.read(wq._loc, ONCE, "wq_has_single_sleeper")
    return len(q) == 1


def wq_has_sleeper(wq):
    """``smp_mb(); waitqueue_active(wq)``."""
    r = run()
    with op(r, lambda: f"wq_has_sleeper({wq!r})") as g:
        r.fence("smp_mb", "~wq_has_sleeper")
        active = r.read(wq._loc, ONCE, "wq_has_sleeper") != ()
        g.note = " = true" if active else " = false"
    return active


def __wake_up(wq, mode, nr_exclusive, what):
    r = run()
    with op(r, lambda: f"{what}({wq!r})") as g:
        _lock(r, wq, what)
        q = r.read(wq._loc, ONCE, what)
        keep = list(q)
        woken = []
        nr = nr_exclusive
        for entry in q:
            ok = S.try_to_wake_up(entry.task, mode, "try_to_wake_up")
            if ok:
                woken.append(entry.task.name)
                if entry.autoremove:
                    keep.remove(entry)
            if ok and entry.flags & WQ_FLAG_EXCLUSIVE:
                nr -= 1
                if nr == 0:
                    break
        if len(keep) != len(q):
            r.write(wq._loc, tuple(keep), REL, what)     # list_del_init_careful()
        _unlock(r, wq)
        g.note = (f": wakes {', '.join(woken)}" if woken else
                  ": nobody to wake" if not q else ": nobody asleep in a matching state")
    return len(woken)


def wake_up(wq):
    return __wake_up(wq, TASK_NORMAL, 1, "wake_up")


def wake_up_all(wq):
    return __wake_up(wq, TASK_NORMAL, 0, "wake_up_all")


def wake_up_nr(wq, nr):
    return __wake_up(wq, TASK_NORMAL, nr, "wake_up_nr")


def wake_up_interruptible(wq):
    return __wake_up(wq, TASK_INTERRUPTIBLE, 1, "wake_up_interruptible")


def wake_up_interruptible_all(wq):
    return __wake_up(wq, TASK_INTERRUPTIBLE, 0, "wake_up_interruptible_all")


def wake_up_poll(wq, key):
    """``wake_up()`` with a poll mask for the entries' wake functions: kcheck's
    entries are ``autoremove_wake_function()``'s, which ignore it."""
    return __wake_up(wq, TASK_NORMAL, 1, "wake_up_poll")


def wake_up_interruptible_poll(wq, key):
    return __wake_up(wq, TASK_INTERRUPTIBLE, 1, "wake_up_interruptible_poll")


# -- wait_event and friends -------------------------------------------------------

def _explain(wq):
    """The wake-up a sleeper on ``wq`` missed, from the finished execution."""

    def explain(run, t):
        lid = wq._loc.lid
        mine_at = None          # when t's entry was last put on the queue
        last = None             # the last look at the queue by another task
        for th in run.g.threads:
            for e in th:
                if e.lid != lid:
                    continue
                if e.tid == t.tid and e.kind == 1:
                    if any(getattr(x, "task", None) is not None and x.task.tid == t.tid
                           for x in (e.val or ())):
                        if mine_at is None or e.stamp > mine_at.stamp:
                            mine_at = e
                elif e.tid != t.tid and e.kind == 0 and e.op in _LOOKS:
                    if last is None or e.stamp > last.stamp:
                        last = e
        if last is None:
            return f"nobody calls {_wake_call(wq)} or checks it"
        who = run._task_name(last.tid)
        seen = () if last.rf is None else last.rf.val
        if t.name not in [getattr(x, "task", None) and x.task.name for x in seen]:
            weak = ""
            if mine_at is not None and last.rf is not mine_at and (
                    last.rf is None or last.rf.stamp < mine_at.stamp):
                weak = (f" (it read the queue as it was before {t.name} queued itself: "
                        "nothing ordered the waker's store to the condition before its load "
                        "of the queue)")
            return (f"the last wake-up, {who}'s {last.op}({wq!r}), found no sleeper queued"
                    f"{weak}, so the wake-up was lost")
        return (f"the last wake-up, {who}'s {last.op}({wq!r}), ran while {t.name} was queued "
                "but not yet asleep, and no wake-up came after its last check of the condition")
    return explain


_LOOKS = {"waitqueue_active", "wq_has_sleeper", "wq_has_single_sleeper", "wake_up", "wake_up_all", "wake_up_nr",
          "wake_up_interruptible", "wake_up_interruptible_all", "swake_up_one", "swake_up_all"}


def _sleep_info(wq, what, condition, label=None):
    if label is not None:
        return S.Sleep(lambda: label, _model_frame(), _explain(wq))
    return S.Sleep(lambda: f"{what}({wq!r}, {S.source_of(condition)})", _model_frame(), _explain(wq))


def _wait_event(wq, condition, state, exclusive, timeout, what, label=None, sleep=None):
    """``___wait_event``: returns the jiffies left (``timeout`` is None: no timer).
    ``label``: what the report calls the wait (default: the macro and its condition);
    ``sleep(info)``: the macro's ``cmd`` when it is not ``schedule()``."""
    r = run()
    t = _me(what)
    entry = wait_queue_entry(t, WQ_FLAG_EXCLUSIVE if exclusive else 0)
    ret = timeout
    info = _sleep_info(wq, what, condition, label)
    while True:
        interrupted = _interrupted(r, t, state)
        if interrupted:
            # prepare_to_wait_event(): a signal pending - off the queue, and
            # -ERESTARTSYS once the condition has been looked at: a condition
            # already true wins (___wait_event checks it first)
            finish_wait(wq, entry)
        else:
            _prepare(r, wq, entry, state, exclusive, "prepare_to_wait_event")
        cond = condition()
        if timeout is not None and cond and not ret:
            ret = 1
        if cond or (timeout is not None and not ret):
            break
        if interrupted:
            from .kthread import ERESTARTSYS
            return -ERESTARTSYS
        if sleep is not None:
            sleep(info)
        elif timeout is None:
            S.schedule(info)
        else:
            ret = S.schedule_timeout(ret, info)
            cond = condition()
            if cond and not ret:
                ret = 1
            if cond or not ret:
                break
    finish_wait(wq, entry)
    return ret


def wait_event(wq, condition):
    """Sleep (TASK_UNINTERRUPTIBLE) until ``condition()`` is true."""
    S.sleep_check("wait_event")
    if condition():
        return
    _wait_event(wq, condition, TASK_UNINTERRUPTIBLE, False, None, "wait_event")


def wait_event_killable(wq, condition):
    """As ``wait_event`` (TASK_KILLABLE: woken as TASK_UNINTERRUPTIBLE is, and by
    a fatal signal, which is not modelled); returns 0."""
    S.sleep_check("wait_event_killable")
    if condition():
        return 0
    _wait_event(wq, condition, TASK_UNINTERRUPTIBLE, False, None, "wait_event_killable")
    return 0


def wait_event_interruptible(wq, condition):
    """As ``wait_event`` in TASK_INTERRUPTIBLE; 0, or -ERESTARTSYS in a kthread
    that ``kthread_stop()`` interrupts."""
    S.sleep_check("wait_event_interruptible")
    if condition():
        return 0
    ret = _wait_event(wq, condition, TASK_INTERRUPTIBLE, False, None, "wait_event_interruptible")
    return ret if ret is not None and ret < 0 else 0


def wait_event_idle(wq, condition):
    """As ``wait_event`` (TASK_IDLE: uninterruptible, not counted in the load)."""
    S.sleep_check("wait_event_idle")
    if condition():
        return
    _wait_event(wq, condition, S.TASK_IDLE, False, None, "wait_event_idle")


def wait_event_freezable(wq, condition):
    """As ``wait_event_interruptible`` (freezing is not modelled); returns 0."""
    S.sleep_check("wait_event_freezable")
    if condition():
        return 0
    ret = _wait_event(wq, condition, TASK_INTERRUPTIBLE, False, None, "wait_event_freezable")
    return ret if ret is not None and ret < 0 else 0


def wait_event_exclusive(wq, condition):
    S.sleep_check("wait_event_exclusive")
    if condition():
        return
    _wait_event(wq, condition, TASK_UNINTERRUPTIBLE, True, None, "wait_event_exclusive")


def wait_event_interruptible_exclusive(wq, condition):
    """As ``wait_event_interruptible``, queued exclusive (one waker's
    ``wake_up()`` wakes one such waiter)."""
    S.sleep_check("wait_event_interruptible_exclusive")
    if condition():
        return 0
    ret = _wait_event(wq, condition, TASK_INTERRUPTIBLE, True, None,
                      "wait_event_interruptible_exclusive")
    return ret if ret is not None and ret < 0 else 0


def wait_event_idle_exclusive(wq, condition):
    """As ``wait_event_idle``, queued exclusive."""
    S.sleep_check("wait_event_idle_exclusive")
    if condition():
        return
    _wait_event(wq, condition, S.TASK_IDLE, True, None, "wait_event_idle_exclusive")


def wait_event_timeout(wq, condition, timeout):
    """Sleep until ``condition()`` or until the timeout (an explorer choice).
    Returns 0 if the condition was false when the timer fired, else at least 1."""
    return _timeout_wait(wq, condition, timeout, "wait_event_timeout")


def _timeout_wait(wq, condition, timeout, what, state=TASK_UNINTERRUPTIBLE):
    """``wait_event_timeout()``'s macro (___wait_cond_timeout first), for it,
    ``wait_event_idle_timeout()`` and ``wait_var_event_timeout()``."""
    S.sleep_check(what)
    ret = timeout
    cond = condition()
    if cond and not ret:
        ret = 1
    if cond or not ret:
        return ret
    return _wait_event(wq, condition, state, False, timeout, what)


def wait_event_idle_timeout(wq, condition, timeout):
    """As ``wait_event_timeout`` in TASK_IDLE (not counted in the load average)."""
    return _timeout_wait(wq, condition, timeout, "wait_event_idle_timeout", S.TASK_IDLE)


def wait_event_interruptible_timeout(wq, condition, timeout):
    S.sleep_check("wait_event_interruptible_timeout")
    ret = timeout
    cond = condition()
    if cond and not ret:
        ret = 1
    if cond or not ret:
        return ret
    return _wait_event(wq, condition, TASK_INTERRUPTIBLE, False, timeout,
                       "wait_event_interruptible_timeout")


def _lock_irq_sleep(lock):
    """``__wait_event_lock_irq``'s cmd: ``spin_unlock_irq(&lock); schedule();
    spin_lock_irq(&lock)``."""
    from .locking import spin_lock_irq, spin_unlock_irq

    def sleep(info):
        spin_unlock_irq(lock)
        S.schedule(info)
        spin_lock_irq(lock)
    return sleep


def wait_event_lock_irq(wq, condition, lock):
    """Called with the spinlock ``lock`` held and interrupts off (``spin_lock_irq``):
    sleep (TASK_UNINTERRUPTIBLE) until ``condition()``, which is evaluated with
    ``lock`` held; the lock is dropped (``spin_unlock_irq``) only around
    ``schedule()`` and held again on return.  A waker that changes what the
    condition reads under ``lock`` cannot miss the sleeper: the sleeper is
    queued before it lets the lock go."""
    if condition():
        return
    _wait_event(wq, condition, TASK_UNINTERRUPTIBLE, False, None, "wait_event_lock_irq",
                sleep=_lock_irq_sleep(lock))


def wait_event_interruptible_lock_irq(wq, condition, lock):
    """As ``wait_event_lock_irq`` in TASK_INTERRUPTIBLE: 0, or -ERESTARTSYS in a
    kthread ``kthread_stop()`` interrupts (``lock`` held either way)."""
    if condition():
        return 0
    ret = _wait_event(wq, condition, TASK_INTERRUPTIBLE, False, None,
                      "wait_event_interruptible_lock_irq", sleep=_lock_irq_sleep(lock))
    return ret if ret is not None and ret < 0 else 0


def _wake_call(wq):
    """The call that wakes ``wq``'s sleepers, as the kernel code would write it:
    a variable's or a bit's hashed queue is woken by ``wake_up_var()`` /
    ``wake_up_bit()``, not by a ``wake_up()`` of a queue the code never names."""
    name = getattr(wq, "_name", "")
    if name.startswith("var_wait(") and name.endswith(")"):
        return f"wake_up_var(&{name[9:-1]})"
    if name.startswith("bit_wait(") and name.endswith(")") and ":" in name:
        word, bit = name[9:-1].rsplit(":", 1)
        return f"wake_up_bit(&{word}, {bit})"
    return f"wake_up({wq!r})"

__all__ = ["wait_event_idle", "wait_event_freezable", "wait_queue_head_t", "wait_queue_head", "wait_queue_entry", "DECLARE_WAIT_QUEUE_HEAD",
           "init_waitqueue_head", "DEFINE_WAIT", "init_wait_entry", "DECLARE_WAITQUEUE",
           "add_wait_queue", "add_wait_queue_exclusive", "remove_wait_queue", "prepare_to_wait",
           "prepare_to_wait_exclusive", "prepare_to_wait_event", "finish_wait",
           "waitqueue_active", "wq_has_sleeper", "wq_has_single_sleeper", "wake_up", "wake_up_all",
           "wake_up_nr", "wake_up_interruptible", "wake_up_interruptible_all", "wake_up_poll",
           "wake_up_interruptible_poll", "wait_event",
           "wait_event_interruptible", "wait_event_killable", "wait_event_exclusive", "wait_event_timeout",
           "wait_event_interruptible_exclusive", "wait_event_idle_exclusive", "wait_event_idle_timeout",
           "wait_event_interruptible_timeout", "wait_event_lock_irq",
           "wait_event_interruptible_lock_irq"]
