"""Per-CPU variables (include/linux/percpu-defs.h, percpu.h, smp.h).

A per-CPU variable is one copy per possible CPU (``nr_cpu_ids``: 2 unless
``set_nr_cpu_ids(n)`` says otherwise in ``main()``).  Which copy an access
touches depends on the CPU its task runs on, and kcheck decides that only
where per-CPU data can tell:

* **A region that cannot be preempted** - preemption, bottom halves or
  interrupts disabled, or a spinlock or rwlock held - runs on one CPU from
  its start to its end.  Once the model has a per-CPU variable, the
  explorer chooses that CPU when the region begins (every CPU is explored),
  and no other task's such region runs on that CPU meanwhile: the kernel
  cannot switch to another task there.
* **Interrupts and softirqs do run there.**  Each CPU has three words: its
  task (held by a task's non-preemptible region), its softirq (held with
  bottom halves disabled, and by a softirq context - a timer, a tasklet,
  an RCU callback) and its hardirq (held with interrupts disabled, and by
  an interrupt handler).  A handler holds only the hardirq word, so it
  runs inside a task's region that has preemption disabled but interrupts
  on - exactly the interleaving ``__this_cpu_inc()`` is not safe against.
* **Preemptible code runs on any CPU**, and may move between any two
  accesses: each preemption-safe operation (``this_cpu_inc()``, ...) runs
  on a CPU the explorer chooses, atomically there.
* ``smp_processor_id()``, ``this_cpu_ptr()`` and the ``__this_cpu_*()``
  operations in preemptible code are what CONFIG_DEBUG_PREEMPT reports:
  ``BUG: using smp_processor_id() in preemptible [00000000] code`` (kind
  ``preemptible-percpu``; the kernel prints it and goes on, and so does
  kcheck, on a CPU the explorer chooses).  ``raw_smp_processor_id()`` and
  ``raw_cpu_ptr()`` do not check.

A region's CPU is one whose words are free when the region begins: a choice
of a CPU that another region holds is a schedule that does not exist, and
is discarded (the explorer also tries the region after the other one ends).
What this leaves out: a preemptible task needs no CPU to run, so CPUs
starved by non-preemptible spinners are not modelled, and nor is CPU
hotplug (every possible CPU is online).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, NO_WRITE, BLOCK, ONCE, ACQ, REL, WAIT_ACQ, loc_of, op
from .struct import KStruct, ptr
from . import sched as _sched
from . import slab as _slab

_KIND = 10                  # Loc.keyed's range for the CPUs' words
_LEVELS = ("task", "softirq", "hardirq")
_NR = [2]


def set_nr_cpu_ids(n):
    """How many CPUs the model's machine has (``nr_cpu_ids``); call it in
    ``main()`` before making per-CPU data."""
    if not isinstance(n, int) or not 1 <= n <= 64:
        raise ModelError(f"set_nr_cpu_ids({n!r}): a machine of 1 to 64 CPUs")
    r = run()
    r.nr_cpus = n


def nr_cpu_ids():
    return getattr(_run_or_none(), "nr_cpus", None) or _NR[0]


def num_possible_cpus():
    return nr_cpu_ids()


num_online_cpus = num_possible_cpus


def for_each_possible_cpu():
    """``for_each_possible_cpu(cpu)``: ``for cpu in for_each_possible_cpu():``."""
    return range(nr_cpu_ids())


for_each_online_cpu = for_each_possible_cpu
for_each_present_cpu = for_each_possible_cpu


def _run_or_none():
    from ..engine import runtime as _rt
    return _rt.CURRENT


class _cell(KStruct):
    val: int


class PerCpu(KObject):
    """``DEFINE_PER_CPU(type, name)`` or ``alloc_percpu(type)``: a copy of ``type``
    (an ``int`` or a KStruct class) per CPU.  ``var.field`` names a field of
    every copy, for ``this_cpu_inc(var.field)`` and ``per_cpu(var.field, cpu)``."""

    __slots__ = ("_copies", "_int", "_name", "_dynamic")

    def __init__(self, typ=int, name=None, dynamic=False):
        r = run()
        r.percpu = True
        self._int = typ is int
        self._name = name or typ.__name__
        self._dynamic = dynamic
        make = _slab.kzalloc if dynamic else (lambda c: c())
        self._copies = [make(_cell if self._int else typ) for _ in range(nr_cpu_ids())]

    def __getattr__(self, field):
        if field.startswith("_"):
            raise AttributeError(field)
        return _Field(self, field)

    def __repr__(self):
        return f"&{self._name}"

    def _on(self, cpu, field=None):
        c = self._copies[cpu]
        if field is not None:
            return ptr(c, field)
        return ptr(c, "val") if self._int else c


class _Field:
    """``var.field``: one field of every CPU's copy."""

    __slots__ = ("var", "field")

    def __init__(self, var, field):
        self.var, self.field = var, field

    def __repr__(self):
        return f"{self.var._name}.{self.field}"

    def _on(self, cpu, field=None):
        return self.var._on(cpu, self.field)


def DEFINE_PER_CPU(typ=int, name=None):
    """A static per-CPU variable (made in ``main()``)."""
    return PerCpu(typ, name)


def alloc_percpu(typ=int):
    """Per-CPU copies allocated (zeroed) from the heap; ``free_percpu()`` frees them."""
    return PerCpu(typ, dynamic=True)


def free_percpu(pcp):
    if pcp is None:
        return
    for c in pcp._copies:
        _slab.kfree(c)


def per_cpu(var, cpu):
    """CPU ``cpu``'s copy (a location for an ``int`` or a field, else the object)."""
    if not 0 <= cpu < len(var.var._copies if isinstance(var, _Field) else var._copies):
        raise ModelError(f"per_cpu({var!r}, {cpu}): CPU {cpu} is not possible "
                         f"(nr_cpu_ids is {nr_cpu_ids()})")
    return var._on(cpu)


per_cpu_ptr = per_cpu


# -- which CPU a task is on -------------------------------------------------

def _word(cpu, level):
    return Loc.keyed(_KIND, _LEVELS.index(level), cpu, f"cpu{cpu}.{level}")


def _needs(t):
    """The CPU words ``t`` holds now (see the module docstring)."""
    tls = t.tls
    if t.callback:
        if tls.get("hardirq"):
            return ("hardirq",)
        return ("softirq", "hardirq") if tls.get("irq") else ("softirq",)
    if tls.get("irq"):
        return _LEVELS
    if tls.get("bh"):
        return ("task", "softirq")
    if tls.get("preempt") or any(getattr(l, "kind", None) in ("spinlock", "rwlock")
                                 for l, _ in t.held):
        return ("task",)
    return ()


def _take(r, t, cpu, level):
    w = _word(cpu, level)
    me = t.tid + 1
    old = r.rmw(w, lambda v: NO_WRITE if v else me, ACQ, f"cpu{cpu} {level}")
    if old:
        r.discard()         # that CPU is busy: not a schedule the kernel can make


def _give(r, t, cpu, level):
    r.write(_word(cpu, level), 0, REL, f"cpu{cpu} {level}")


def region_changed(r, t, what="cpu"):
    """A task's preemption, bottom-half or interrupt state, or its spinlocks,
    changed (by ``what``): take or give back CPU words (only in a model with
    per-CPU data)."""
    tls = t.tls
    held = tls.get("cpu_words", ())
    need = _needs(t)
    if need == held:
        return
    cpu = tls.get("cpu")
    if need and cpu is None:
        cpu = tls["cpu"] = _any_cpu(r)
        if t.callback:
            tls.setdefault("at_exit", []).append(lambda: _leave(r, t))
    with op(r, f"{what}: {t.name} " + (f"on cpu{cpu}" if need else f"leaves cpu{cpu}")):
        for level in held:
            if level not in need:
                _give(r, t, cpu, level)
        for level in need:
            if level not in held:
                _take(r, t, cpu, level)
    tls["cpu_words"] = need
    if not need:
        tls["cpu"] = None


def _leave(r, t):
    cpu = t.tls.get("cpu")
    if cpu is not None:
        for level in t.tls.get("cpu_words", ()):
            _give(r, t, cpu, level)
        t.tls["cpu_words"] = ()
        t.tls["cpu"] = None


def _pinned(r, t):
    """The CPU ``t`` runs on if it cannot be preempted (pinning it now if the
    per-CPU data was made after its region began); else None."""
    if not _needs(t):
        return None
    if t.tls.get("cpu") is None:
        region_changed(r, t)
    return t.tls["cpu"]


def _on_cpu(r, t, cpu):
    """``t`` is about to touch ``cpu``'s data: not while an interrupt (or, for a
    task, a softirq) runs on that CPU - the interrupted context is not running -
    and none may start until the access is done (``_off_cpu``): an interrupt
    comes between two instructions, not inside one.  The words it holds for the
    access (a handler that would take one meanwhile is a schedule that does not
    exist: ``_take``), to give back.  Until 2026-11-30 this only waited for the
    words to be free, and a handler that started right after the wait ran
    around the task's access: a task's store fell between two loads of a
    handler that interrupted it on its own CPU (a false WARN).  (Its other
    accesses are not held back; only its per-CPU ones are.)"""
    words = t.tls.get("cpu_words", ())
    if "hardirq" in words and (not t.callback or t.tls.get("hardirq")):
        return ()               # interrupts off here, or the handler itself
    me = t.tid + 1
    got = []
    for level in (("hardirq",) if t.callback else ("softirq", "hardirq")):
        if level not in words:
            old = r.rmw(_word(cpu, level), lambda v: me if v == 0 else (NO_WRITE if v == me else BLOCK),
                        ACQ, f"~cpu{cpu} {level} idle")   # the access's own step stands for it
            if old == 0:
                got.append(level)
    return got


def _off_cpu(r, cpu, got):
    """The access ``_on_cpu`` held ``got`` for is done: interrupts may come."""
    for level in reversed(got):
        r.write(_word(cpu, level), 0, REL, f"~cpu{cpu} {level} idle")


def _preemptible(r, t, what):
    """CONFIG_DEBUG_PREEMPT's check_preemption_disabled()."""
    r.report("preemptible-percpu", f"BUG: using {what} in preemptible [00000000] code: {t.name}")


def _any_cpu(r):
    n = nr_cpu_ids()
    return r.choice(n, "~which CPU") if n > 1 else 0      # the trace shows the CPU it takes


def smp_processor_id():
    r = run()
    t = r.cur
    if t is None:
        return 0
    cpu = _pinned(r, t)
    if cpu is None:
        _preemptible(r, t, "smp_processor_id()")
        return _any_cpu(r)
    return cpu


def raw_smp_processor_id():
    r = run()
    t = r.cur
    if t is None:
        return 0
    cpu = _pinned(r, t)
    return _any_cpu(r) if cpu is None else cpu


def get_cpu():
    _sched.preempt_disable()
    return smp_processor_id()


def put_cpu():
    _sched.preempt_enable()


def this_cpu_ptr(var):
    return var._on(smp_processor_id())


def raw_cpu_ptr(var):
    return var._on(raw_smp_processor_id())


# -- this_cpu_*(): preemption- and interrupt-safe ---------------------------

def _safe(var, name, fn):
    """One operation on this CPU's copy, whatever the context: on the task's CPU
    if it is pinned, else on a CPU the explorer picks, taken for the operation
    (the kernel's single instruction, or its preempt/irq-off section)."""
    r = run()
    with op(r, lambda: f"{name}({var!r})"):
        cpu = _op_enter()
        try:
            return fn(r, var._on(cpu))
        finally:
            _op_exit(cpu)


def this_cpu_read(var):
    return _safe(var, "this_cpu_read", lambda r, p: r.read(loc_of(p), ONCE, "this_cpu_read"))


def this_cpu_write(var, v):
    _safe(var, "this_cpu_write", lambda r, p: r.write(loc_of(p), v, ONCE, "this_cpu_write"))


def _rmw(name, f, ret_new):
    """A load and a store, with nothing else of the CPU in between (the kernel's
    single instruction, or its interrupts-off section); not a locked operation,
    so not atomic against another CPU storing to this copy."""
    def opfn(var, *args):
        def body(r, p):
            l = loc_of(p)
            old = r.read(l, ONCE, name)
            new = f(old, *args)
            r.write(l, new, ONCE, name)
            return new if ret_new else old
        return _safe(var, name, body)
    opfn.__name__ = opfn.__qualname__ = name
    return opfn


# what each read-modify-write makes of the old value
_ADD, _SUB = (lambda v, n: v + n), (lambda v, n: v - n)
_INC, _DEC = (lambda v: v + 1), (lambda v: v - 1)

this_cpu_add = _rmw("this_cpu_add", _ADD, False)
this_cpu_sub = _rmw("this_cpu_sub", _SUB, False)
this_cpu_inc = _rmw("this_cpu_inc", _INC, False)
this_cpu_dec = _rmw("this_cpu_dec", _DEC, False)
this_cpu_and = _rmw("this_cpu_and", lambda v, n: v & n, False)
this_cpu_or = _rmw("this_cpu_or", lambda v, n: v | n, False)
this_cpu_add_return = _rmw("this_cpu_add_return", _ADD, True)
this_cpu_sub_return = _rmw("this_cpu_sub_return", _SUB, True)
this_cpu_inc_return = _rmw("this_cpu_inc_return", _INC, True)
this_cpu_dec_return = _rmw("this_cpu_dec_return", _DEC, True)
this_cpu_xchg = _rmw("this_cpu_xchg", lambda v, n: n, False)
this_cpu_cmpxchg = _rmw("this_cpu_cmpxchg", lambda v, o, n: n if v == o else v, False)


# -- __this_cpu_*(): the caller has made the CPU its own ---------------------

def _unsafe(var, name):
    """(run, this CPU's copy, the CPU): the task's own CPU; in preemptible code
    the debug check fires and a CPU the explorer picks is used."""
    cpu = _here(name)
    return run(), var._on(cpu), cpu


def _one(r, cpu, fn):
    """One access to ``cpu``'s data by the current task, no interrupt inside it."""
    t = r.cur
    got = _on_cpu(r, t, cpu) if t is not None and t.tls.get("cpu") == cpu else ()
    try:
        return fn()
    finally:
        if got:
            _off_cpu(r, cpu, got)


def _c_claim(cpu):
    """C's ``__this_cpu_*()`` (linux/percpu.h): no interrupt inside the access
    that follows, until ``_c_release``."""
    r = run()
    t = r.cur
    got = _on_cpu(r, t, cpu) if t is not None and t.tls.get("cpu") == cpu else ()
    if t is not None:
        t.tls.setdefault("cpu_claims", []).append(got)


def _c_release(cpu):
    r = run()
    t = r.cur
    if t is None:
        return
    stack = t.tls.get("cpu_claims")
    got = stack.pop() if stack else ()
    if got:
        _off_cpu(r, cpu, got)


def _c_here(what):
    """C's ``__this_cpu_*()``: the task's CPU, claimed for the access that follows."""
    cpu = _here(what)
    _c_claim(cpu)
    return cpu


def __this_cpu_read(var):
    r, p, cpu = _unsafe(var, "__this_cpu_read")
    return _one(r, cpu, lambda: r.read(loc_of(p), ONCE, "__this_cpu_read"))


def __this_cpu_write(var, v):
    r, p, cpu = _unsafe(var, "__this_cpu_write")
    _one(r, cpu, lambda: r.write(loc_of(p), v, ONCE, "__this_cpu_write"))


def _split(name, f, ret_new):
    """A load then a store: not atomic against an interrupt on the same CPU."""
    def opfn(var, *args):
        r, p, cpu = _unsafe(var, name)
        with op(r, lambda: f"{name}({var!r})"):
            l = loc_of(p)
            old = _one(r, cpu, lambda: r.read(l, ONCE, name))
            new = f(old, *args)
            _one(r, cpu, lambda: r.write(l, new, ONCE, name))
        return new if ret_new else None
    opfn.__name__ = opfn.__qualname__ = name
    return opfn


__this_cpu_add = _split("__this_cpu_add", _ADD, False)
__this_cpu_sub = _split("__this_cpu_sub", _SUB, False)
__this_cpu_inc = _split("__this_cpu_inc", _INC, False)
__this_cpu_dec = _split("__this_cpu_dec", _DEC, False)
__this_cpu_add_return = _split("__this_cpu_add_return", _ADD, True)
__this_cpu_inc_return = _split("__this_cpu_inc_return", _INC, True)


__all__ = ["DEFINE_PER_CPU", "alloc_percpu", "free_percpu", "per_cpu", "per_cpu_ptr",
           "this_cpu_ptr", "raw_cpu_ptr", "smp_processor_id", "raw_smp_processor_id",
           "get_cpu", "put_cpu", "set_nr_cpu_ids", "nr_cpu_ids", "num_possible_cpus",
           "num_online_cpus", "for_each_possible_cpu", "for_each_online_cpu",
           "for_each_present_cpu", "this_cpu_read", "this_cpu_write", "this_cpu_add",
           "this_cpu_sub", "this_cpu_inc", "this_cpu_dec", "this_cpu_and", "this_cpu_or",
           "this_cpu_add_return", "this_cpu_sub_return", "this_cpu_inc_return",
           "this_cpu_dec_return", "this_cpu_xchg", "this_cpu_cmpxchg", "__this_cpu_read",
           "__this_cpu_write", "__this_cpu_add", "__this_cpu_sub", "__this_cpu_inc",
           "__this_cpu_dec", "__this_cpu_add_return", "__this_cpu_inc_return", "local_lock_t",
           "local_lock_init", "local_lock", "local_unlock", "local_lock_irq", "local_unlock_irq",
           "local_lock_irqsave", "local_unlock_irqrestore"]


# -- local_lock_t (include/linux/local_lock.h, as without PREEMPT_RT) -------

class local_lock_t(KObject):
    """A per-CPU lock that protects this CPU's data: taking it disables
    preemption (or interrupts), which is all it does without PREEMPT_RT."""

    __slots__ = ("_name",)

    def __init__(self, owner=None, field=None):
        self._name = field or "local_lock"

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._name}"


def local_lock_init(lock):
    return None


def local_lock(lock):
    _sched.preempt_disable()


def local_unlock(lock):
    _sched.preempt_enable()


def local_lock_irq(lock):
    _sched.local_irq_disable()


def local_unlock_irq(lock):
    _sched.local_irq_enable()


def local_lock_irqsave(lock):
    """``local_lock_irqsave(lock, flags)``: ``flags = local_lock_irqsave(lock)``."""
    return _sched.local_irq_save()


def local_unlock_irqrestore(lock, flags):
    _sched.local_irq_restore(flags)


# -- which CPU an operation runs on: for the functions above and for C's
# linux/percpu.h (kcheck/c/_kernel.py's intrinsics; C keeps a per-CPU
# variable's copies side by side in one block and finds a CPU's by offset) ----

def _op_enter():
    """A ``this_cpu_*()`` operation begins: its CPU (taken for the operation if
    the task is preemptible - ``_op_exit`` gives it back)."""
    r = run()
    t = r.cur
    if t is None:
        return 0
    cpu = _pinned(r, t)
    if cpu is not None:
        t.tls.setdefault("cpu_ops", []).append(_on_cpu(r, t, cpu))
        return cpu
    cpu = _any_cpu(r)
    for level in _LEVELS:
        _take(r, t, cpu, level)
    t.tls.setdefault("cpu_ops", []).append(True)
    return cpu


def _op_exit(cpu):
    r = run()
    t = r.cur
    if t is None:
        return
    got = t.tls.get("cpu_ops", [()]).pop()
    if got is True:
        for level in reversed(_LEVELS):
            _give(r, t, cpu, level)
    elif got:
        _off_cpu(r, cpu, got)


def _here(what):
    """``__this_cpu_*()`` (``what``): the CPU the task is pinned to (the debug check first
    if it is not)."""
    r = run()
    t = r.cur
    if t is None:
        return 0
    cpu = _pinned(r, t)
    if cpu is None:
        _preemptible(r, t, f"{what}()")
        return _any_cpu(r)
    return cpu


def _c_machine(n):
    """A C program's per-CPU data: ``NR_CPUS`` CPUs, and regions take them."""
    r = run()
    r.percpu = True
    r.nr_cpus = n
