"""The kernel calls C can make.

Two kinds:

* **bindings** - a table from C names to ``kcheck.kernel``: a call to
  ``refcount_dec_and_test(&root->tdp_mmu_root_count)`` from C is a call of
  ``kcheck.kernel.refcount_dec_and_test`` on a *view* of the C memory at
  that address (a ``refcount_t`` whose location is the C cell), so the C and
  the Python front ends share one implementation of every primitive, with
  its WARNs, lockdep checks and orderings.  Arguments are converted by the C
  prototype in the headers (``kcheck/c/include``); adding a primitive is a
  prototype there and, if kcheck.kernel names it differently, a line in
  ``RENAMED``.
* **intrinsics** - what C itself needs from the runtime and kcheck.kernel
  cannot give a Python model: typed generic accessors (``READ_ONCE`` is a
  volatile access; ``xchg``, ``cmpxchg``, ``smp_load_acquire``,
  ``rcu_dereference`` are type-generic macros over ``__kcheck_*``),
  allocation of C memory, ``memcpy``, ``pthread_create``/``pthread_join``,
  WARN_ON at the C line.

A call to a function that is neither defined in the C file nor known here is
an error naming it (never a silent no-op).
"""

from __future__ import annotations

import os
import re
import zlib

from .. import kernel as _K
from ..kernel import percpu as _percpu
from ..kernel import sched as _S
from ..kernel.timer import debug_check_no_obj_freed
from ..kernel._core import anon as _anon
from ..engine import runtime as rt
from ..engine.runtime import Loc, ModelError, NO_WRITE, BLOCK
from ..engine.graph import PLAIN, MARKED, ACQUIRE, RELEASE, MB, AWAIT
from ._parse import K, T, error_at, evaluate_int
from ._types import VoidT, FuncT, RecordT, ULONG, INT
from ._memory import Ptr, Wild, Block, UNINIT, new_block, ptr_to_int, int_to_ptr, publish, escape, PthreadExit
from . import _access as A
from ._compile import CFunc
from ._deps import DEPS, EMPTY, invoke_d

FULL = MARKED | ACQUIRE | RELEASE | MB


# -- views: kernel objects over C memory -------------------------------------------------

def _view_class(cls):
    return type(f"c_{cls.__name__}", (cls,), {"__slots__": ("_cptr",), "__module__": __name__})



_CLS = {name: _view_class(getattr(_K, name)) for name in
        ("atomic_t", "atomic64_t", "refcount_t", "spinlock_t", "rwlock_t", "mutex", "list_head",
         "rcu_head", "work_struct", "rw_semaphore", "kref", "completion", "wait_queue_head_t",
         "srcu_struct", "seqcount_t", "seqlock_t", "hlist_head", "hlist_node", "llist_head",
         "llist_node", "timer_list", "tasklet_struct", "hrtimer", "percpu_ref", "xarray",
         "idr", "percpu_rw_semaphore", "lockref", "semaphore", "delayed_work", "ida", "seqcount_latch_t",
         "rcu_work", "kthread_work", "kthread_worker", "irq_work")}
_CLS["rcu_head"].__repr__ = lambda self: repr(self._cptr)
_K.kthread._c_view = lambda p, rec: view(p, rec)      # kthread_worker_fn(void *) from C
# a work item by its member, not by its first word (`&ftl->flush_work`, not
# `...flush_work.data->flush_work.data`)
_CLS["work_struct"].__repr__ = lambda self: (
    f"&{self._cptr.b._kname()}->{self._name}" if self._cptr.o or self._name != "work"
    else f"&{self._cptr.b._kname()}")
# a kthread_work the same way (`&dev#0->work`, `&kw` for one of its own)
_CLS["kthread_work"].__repr__ = lambda self: (
    f"&{self._cptr.b._kname()}->{self._name}" if self._name else f"&{self._cptr.b._kname()}")
# a delayed work the same way (`&bdi#0->input_current_limit_work`)
_CLS["delayed_work"].__repr__ = lambda self: (
    f"&{self._cptr.b._kname()}->{self._name}"
    if self._cptr.o or self._name != self._cptr.b._kname() else f"&{self._name}")
# a timer the same way (`&outer#0->in.t`, not `&&outer#0->in.t.entry.next->in.t`)
_CLS["timer_list"].__repr__ = lambda self: (
    f"&{self._cptr.b._kname()}->{self._name}"
    if self._cptr.o or self._name != self._cptr.b._kname() else f"&{self._name}")


def _single(tag, kind):
    cls = _CLS[kind]

    def build(b, o, size):
        c = b.cell(o)
        if c is None:
            return None
        v = cls.__new__(cls)
        v._loc = c
        v._kid = (tag, c.lid)
        v._cptr = Ptr(b, o)
        if kind in ("rwlock_t", "rw_semaphore", "percpu_rw_semaphore"):
            v._readers = {}
        return v
    return build


def _hidden(b, o, k, init, name):
    """A word of a kernel object that C cannot see (a wait queue's list of waiters,
    kept by kcheck.kernel): a location of its own, tied to the object's first cell."""
    parent = b.cell(o)
    loc = Loc.derived(parent, k, init, name)
    if b.views is None:
        b.views = {}
    b.views.setdefault("hidden", []).append((loc, init))
    return loc


def _new(kind):
    cls = _CLS[kind]
    return cls.__new__(cls)


def _spin(b, o):
    return view(Ptr(b, o), "struct spinlock")


def _kref(b, o, size):
    v = _new("kref")
    v.refcount = view(Ptr(b, o), "struct refcount_struct")
    v._owner = v._cptr = Ptr(b, o)
    v._name = b.cell_name(o) or "kref"
    v._kid = ("K", v.refcount._loc.lid)
    return v


def _completion(b, o, size):
    v = _new("completion")
    v._name = _obj_name(b, o, "completion")
    v._done = b.cell(o)
    v.lock = _spin(b, o + 4)
    v._wait = _hidden(b, o, 1, (), f"{v._name}.wait")
    v._kid = ("C", v._done.lid)
    v._cptr = Ptr(b, o)
    return v


def _wait_queue_head(b, o, size):
    v = _new("wait_queue_head_t")
    name = _obj_name(b, o, "wait_queue_head")
    for first in (".lock", "->lock"):     # the cell at o is the head's first member, its lock
        if name.endswith(first):
            name = name[:-len(first)]
    v._name = name
    v.lock = _spin(b, o)
    v._loc = _hidden(b, o, 1, (), f"{v._name}.head")
    v._kid = ("Q", v._loc.lid)
    v._cptr = Ptr(b, o)
    return v


def _wait_queue_entry(b, o, size):
    """A C struct wait_queue_entry as kcheck.kernel's: its task and whether a
    wake-up dequeues it (func == autoremove_wake_function)."""
    from ..kernel.wait import wait_queue_entry
    def val(off):
        if b.priv:
            return b.pvals.get(o + off, 0)
        return rt.CURRENT.read(b.cell(o + off), PLAIN, "wait_queue_entry")
    flags, task, func = val(0), val(8), val(16)
    auto = getattr(func, "name", None) != "default_wake_function"
    if task is None or not hasattr(task, "tid"):
        task = rt.CURRENT.cur
    elif getattr(task, "tls", None) is None:
        # init_wait_entry() stored `current`, which in a kthread is the handle
        # kthread_run() returned (_i_current): the wake-up needs its task
        task = rt.CURRENT.tasks[task.tid]
    return wait_queue_entry(task, flags or 0, autoremove=auto)


def _srcu(b, o, size):
    v = _new("srcu_struct")
    v._name = _obj_name(b, o, "srcu_struct")
    v._loc = b.cell(o)
    v._kid = ("U", v._loc.lid)
    v._cptr = Ptr(b, o)
    return v


def _percpu_ref(b, o, size):
    """A C struct percpu_ref: its flags word is C's; ``data`` holds kcheck's
    percpu_ref_data, and the switch lock is a word C cannot see."""
    v = _new("percpu_ref")
    v._name = _strip_first(_obj_name(b, o, "percpu_ref"), "percpu_count_ptr")
    v._ptr = b.cell(o)
    v._data = b.cell(o + 8)
    if v._ptr is None or v._data is None:
        return None
    lock = _new("spinlock_t")
    lock._loc = _hidden(b, o, 2, 0, f"{v._name}:percpu_ref_switch_lock")
    lock._kid = ("l", lock._loc.lid)
    lock._cptr = None
    v._lock = lock
    v._owner = v._cptr = Ptr(b, o)
    v._kid = ("P", v._ptr.lid)
    return v


def _strip_first(name, member):
    """An object's name, not its first member's (the cell at its address)."""
    for sep in (".", "->"):
        if name.endswith(sep + member):
            return name[:-len(sep + member)]
    return name


def _xarray(b, o, size):
    """A C struct xarray: its lock and flags are C's; the head word holds
    kcheck's set of occupied indices, and each index's slot is a word of its own."""
    v = _new("xarray")
    v._name = _strip_first(_obj_name(b, o, "xarray"), "xa_lock")
    v.xa_lock = _spin(b, o)
    v._flags = b.cell(o + 4)
    v._index = b.cell(o + 8)
    if v._flags is None or v._index is None:
        return None
    v._owner = v._cptr = Ptr(b, o)
    v._kid = ("X", v._index.lid)
    return v


def _idr(b, o, size):
    v = _new("idr")
    v._name = _strip_first(_obj_name(b, o, "idr"), "idr_rt")
    v._index = b.cell(o)
    v._base = b.cell(o + 8)
    if v._index is None or v._base is None:
        return None
    v._owner = v._cptr = Ptr(b, o)
    v._kid = ("I", v._index.lid)
    return v


def _ida(b, o, size):
    """A C struct ida: its struct xarray xa (the set of ids in xa_head)."""
    xa = view(Ptr(b, o), "struct xarray")
    v = _new("ida")
    v.xa = xa
    v._name = _strip_first(xa._name, "xa")
    v._cptr = Ptr(b, o)
    v._kid = ("D", xa._index.lid)
    return v


def _lockref(b, o, size):
    """A C struct lockref: its lock and its count are C's words."""
    v = _new("lockref")
    v._name = _obj_name(b, o, "lockref")
    v.lock = _spin(b, o)
    v._count = b.cell(o + 4)
    if v._count is None:
        return None
    v._owner = v._cptr = Ptr(b, o)
    v._kid = ("L", v._count.lid)
    return v


def _seqcount(b, o, size, lock=None):
    v = _new("seqcount_t")
    v._loc = b.cell(o)
    v._kid = ("s", v._loc.lid)
    v.lock = lock
    v.preemptible = False
    v._cptr = Ptr(b, o)
    return v


def _seqlock(b, o, size):
    v = _new("seqlock_t")
    v.lock = _spin(b, o + 4)
    v.seqcount = view(Ptr(b, o), "struct seqcount")
    v.seqcount.lock = v.lock
    v._kid = ("S", v.seqcount._loc.lid)
    v._cptr = Ptr(b, o)
    return v


def _seqcount_latch(b, o, size):
    v = _new("seqcount_latch_t")
    v.seqcount = view(Ptr(b, o), "struct seqcount")
    v._kid = ("s", v.seqcount._loc.lid)
    v._cptr = Ptr(b, o)
    return v


def _null_if_zero(c):
    """A pointer word of an hlist or llist that C left zero (a static, kzalloc'd
    memory) is NULL, as kcheck.kernel's list code spells it: an empty
    ``struct hlist_head table[N];`` is valid C (the kernel's DEFINE_HASHTABLE
    is one)."""
    if c is not None and c.init == 0:
        c.init = None
    return c


def _one_ptr(kind, slot, tag):
    def build(b, o, size):
        c = _null_if_zero(b.cell(o))
        v = _new(kind)
        setattr(v, slot, c)
        v._owner = v._cptr = Ptr(b, o)
        v._kid = (tag, c.lid)
        return v
    return build


def _hlist_node(b, o, size):
    v = _new("hlist_node")
    v._next, v._pprev = _null_if_zero(b.cell(o)), _null_if_zero(b.cell(o + 8))
    v._owner = v._cptr = Ptr(b, o)
    v._kid = ("N", v._next.lid)
    return v


def _obj_name(b, o, default):
    n = b.cell_name(o)
    base = b._kname()
    if not n:
        return base
    return f"{base}->{n}" if b.kind == "heap" else f"{base}.{n}"


def _list_head(b, o, size):
    n, p = b.cell(o), b.cell(o + 8)
    if n is None or p is None:
        return None
    v = _CLS["list_head"].__new__(_CLS["list_head"])
    v._next, v._prev = n, p
    v._cptr = v._owner = Ptr(b, o)
    v._kid = ("L", n.lid)
    return v


def _rcu_head(b, o, size):
    v = _CLS["rcu_head"].__new__(_CLS["rcu_head"])
    v._cptr = v._owner = Ptr(b, o)
    v._name = b.cell_name(o) or "rcu_head"
    v._kid = ("h", b.lid, o)
    # queued or not: kcheck's word, not C memory (which kmalloc leaves uninitialised)
    cell = b.cell(o)
    v._queued = Loc.keyed(4, cell.lid, 0, f"{v._name}.queued") if cell is not None else None
    return v


def _work_struct(b, o, size):
    pend, fn = b.cell(o), b.cell(o + 24)
    if pend is None or fn is None:
        return None
    v = _CLS["work_struct"].__new__(_CLS["work_struct"])
    v._pending, v._func = pend, fn
    v._cptr = v._owner = Ptr(b, o)
    name = b.cell_name(o) or ""
    v._name = name[:-len(".data")] if name.endswith(".data") else (name or "work")
    v._kid = ("k", pend.lid)
    v._dwork = None
    v._rwork = None
    return v


def _kthread_work(b, o, size):
    # struct kthread_work { struct list_head node; func; worker; int canceling; }
    node = view(Ptr(b, o), "struct list_head")
    fn, worker, canceling = b.cell(o + 16), b.cell(o + 24), b.cell(o + 32)
    if None in (fn, worker, canceling):
        return None
    v = _CLS["kthread_work"].__new__(_CLS["kthread_work"])
    v.node = node
    node._owner = v                     # the worker finds the item from its node
    v._func, v._worker, v._canceling = fn, worker, canceling
    v._cptr = v._owner = Ptr(b, o)
    name = b.cell_name(o) or ""
    v._name = name[:-len(".node.next")] if name.endswith(".node.next") else ""
    v._kid = ("w", fn.lid)
    v._dwork = None
    return v


def _kthread_worker(b, o, size):
    # struct kthread_worker { unsigned int flags; raw_spinlock_t lock; work_list;
    # delayed_work_list; struct task_struct *task; struct kthread_work *current_work; }
    cells = {"flags": b.cell(o), "task": b.cell(o + 40), "current_work": b.cell(o + 48)}
    if None in cells.values():
        return None
    v = _CLS["kthread_worker"].__new__(_CLS["kthread_worker"])
    object.__setattr__(v, "_f", cells)
    object.__setattr__(v, "lock", view(Ptr(b, o + 4), "struct spinlock"))
    object.__setattr__(v, "work_list", view(Ptr(b, o + 8), "struct list_head"))
    object.__setattr__(v, "delayed_work_list", view(Ptr(b, o + 24), "struct list_head"))
    object.__setattr__(v, "_cptr", Ptr(b, o))
    object.__setattr__(v, "_oid", cells["flags"].oid)
    object.__setattr__(v, "_kid", ("W", cells["flags"].lid))
    object.__setattr__(v, "_n", _embedded_name(b, o, "flags"))
    return v


def _rcu_work(b, o, size):
    # struct rcu_work { struct work_struct work; struct rcu_head rcu; wq; }
    # (linux/workqueue.h: the work is 32 bytes, the rcu_head right after it)
    work = view(Ptr(b, o), "struct work_struct")
    v = _CLS["rcu_work"].__new__(_CLS["rcu_work"])
    v.work = work
    v.rcu = view(Ptr(b, o + 32), "struct callback_head")
    work._rwork = v
    v._cptr = v._owner = Ptr(b, o)
    v._name = (b.cell_name(o) or "rwork").rsplit(".work", 1)[0]
    v._kid = ("R", work._pending.lid)
    return v


def _delayed_work(b, o, size):
    # struct delayed_work { struct work_struct work; struct timer_list timer; ... }
    # (linux/workqueue.h: the work is 32 bytes, the timer right after it)
    work = view(Ptr(b, o), "struct work_struct")
    timer = view(Ptr(b, o + 32), "struct timer_list")
    v = _CLS["delayed_work"].__new__(_CLS["delayed_work"])
    v.work, v.timer = work, timer
    work._dwork = v
    timer._dwork_work = work
    v._cptr = v._owner = Ptr(b, o)
    v._name = (b.cell_name(o) or "dwork").rsplit(".work", 1)[0]
    v._kid = ("D", work._pending.lid)
    return v


def _timer_list(b, o, size):
    # struct timer_list { struct hlist_node entry; unsigned long expires; function; flags; }:
    # the state word is the timer base's record (kernel/timer.py), not C memory
    anchor, fn = b.cell(o), b.cell(o + 24)
    if anchor is None or fn is None:
        return None
    v = _CLS["timer_list"].__new__(_CLS["timer_list"])
    name = b.cell_name(o) or "entry.next"
    name = name[:-len("entry.next")].rstrip(".") if name.endswith("entry.next") else name
    v._name = name or b._kname()                # a timer of its own: its variable's name
    v._state = Loc.keyed(3, anchor.lid, 0, f"{v._name}.state")
    v._func = fn
    v._flags = b.cell(o + 32) or anchor         # timer->flags: what every call reads first
    v._cptr = v._owner = Ptr(b, o)
    v._kid = ("T", anchor.lid)
    v._dwork_work = None
    return v


def _embedded_name(b, o, first):
    """The name of the kernel object at offset ``o`` of block ``b`` whose first
    cell is its field ``first``: the block's for an object of its own (``tl``,
    ``tasklet_struct#0``), else the field's (``mydev#0->bh``)."""
    field = b.cell_name(o) or ""
    if field.endswith(first):
        field = field[:-len(first)].rstrip(".")
    if not field:
        return b._kname()
    return b._kname() + ("->" if b.kind == "heap" else ".") + field


def _tasklet(b, o, size):
    # struct tasklet_struct { next; state; count; use_callback; callback; func; data; }:
    # state and count are kcheck's record (kernel/tasklet.py), the rest C memory.
    # DECLARE_TASKLET_OLD fills func, everything else callback
    anchor, use = b.cell(o), b.cell(o + 20)
    cb, fn, data = b.cell(o + 24), b.cell(o + 32), b.cell(o + 40)
    if None in (anchor, use, cb, fn, data):
        return None
    v = _CLS["tasklet_struct"].__new__(_CLS["tasklet_struct"])
    v._name = _embedded_name(b, o, "next")
    v._state = Loc.keyed(7, anchor.lid, 0, f"{v._name}.state")
    v._func, v._old_func, v._callback, v._data = cb, fn, use, data
    v._cptr = v._owner = Ptr(b, o)
    v._kid = ("t", anchor.lid)
    return v


def _irq_work(b, o, size):
    # struct irq_work { struct __call_single_node node { llist; a_flags; src, dst; }; func; irqwait; }:
    # the flags word and the function are C memory, as the kernel's
    flags, fn = b.cell(o + 8), b.cell(o + 16)
    if flags is None or fn is None:
        return None
    v = _CLS["irq_work"].__new__(_CLS["irq_work"])
    v._name = _embedded_name(b, o, "node.llist.next")
    v._flags, v._func = flags, fn
    v._cptr = v._owner = Ptr(b, o)
    v._kid = ("i", flags.lid)
    return v


def _hrtimer(b, o, size):
    # struct hrtimer { node[2]; _softexpires; function; ... }: the base's state is
    # kcheck's record (kernel/hrtimer.py), the function C memory
    anchor, fn = b.cell(o), b.cell(o + 24)
    if anchor is None or fn is None:
        return None
    v = _CLS["hrtimer"].__new__(_CLS["hrtimer"])
    v._name = _embedded_name(b, o, "__kcheck_node[0]")
    v._state = Loc.keyed(8, anchor.lid, 0, f"{v._name}.state")
    v._func = fn
    v._flags = anchor                           # the node the base's lock walks first
    v._cptr = v._owner = Ptr(b, o)
    v._kid = ("h", anchor.lid)
    return v


# C record name (as clang spells the type) -> builder of the kcheck.kernel object
VIEWS = {
    "atomic_t": _single("a", "atomic_t"),
    "atomic64_t": _single("a", "atomic64_t"),
    "struct refcount_struct": _single("r", "refcount_t"),
    "struct spinlock": _single("l", "spinlock_t"),
    "rwlock_t": _single("w", "rwlock_t"),
    "struct mutex": _single("l", "mutex"),
    "struct list_head": _list_head,
    "struct callback_head": _rcu_head,
    "struct work_struct": _work_struct,
    "struct delayed_work": _delayed_work,
    "struct rcu_work": _rcu_work,
    "struct kthread_work": _kthread_work,
    "struct kthread_worker": _kthread_worker,
    "struct timer_list": _timer_list,
    "struct tasklet_struct": _tasklet,
    "struct hrtimer": _hrtimer,
    "struct irq_work": _irq_work,
    "struct rw_semaphore": _single("w", "rw_semaphore"),
    "struct percpu_rw_semaphore": _single("w", "percpu_rw_semaphore"),
    "struct kref": _kref,
    "struct completion": _completion,
    "struct wait_queue_head": _wait_queue_head,
    "struct wait_queue_entry": _wait_queue_entry,
    "struct srcu_struct": _srcu,
    "struct percpu_ref": _percpu_ref,
    "struct xarray": _xarray,
    "struct idr": _idr,
    "struct ida": _ida,
    "struct lockref": _lockref,
    "struct semaphore": _single("m", "semaphore"),
    "struct seqcount": _seqcount,
    "seqlock_t": _seqlock,
    "seqcount_latch_t": _seqcount_latch,
    "struct hlist_head": _one_ptr("hlist_head", "_first", "H"),
    "struct hlist_node": _hlist_node,
    "struct llist_head": _one_ptr("llist_head", "_first", "l"),
    "struct llist_node": _one_ptr("llist_node", "_next", "n"),
}

# views made afresh at each use (they read the C object's words)
_UNCACHED = {"struct wait_queue_entry"}


def view(p, rec_name, src=None):
    """The kcheck.kernel object for the C object of type ``rec_name`` at ``p``."""
    if p.__class__ is not Ptr:
        if p is None or p.__class__ is Wild:
            A.bad_pointer(p, 0, 8, False, src, rec_name)
        if p.__class__ in _VIEW_TYPES:
            return p
        raise A.model_error(f"{rec_name} expected, got {p!r}", src)
    b = p.b
    if rec_name in _UNCACHED:
        return VIEWS[rec_name](b, p.o, 0)
    if b.priv:
        publish(b)                  # a kernel primitive may keep the address
    vs = b.views
    if vs is None:
        vs = b.views = {}
    key = (p.o, rec_name)
    v = vs.get(key)
    if v is None:
        if p.o < 0 or p.o >= b.size:
            A.out_of_bounds(b, p.o, 1, False, src)
        v = VIEWS[rec_name](b, p.o, 0)
        if v is None:
            raise A.model_error(f"{p!r} does not point at a {rec_name}", src)
        vs[key] = v
    return v


# and kcheck.kernel's own, for what C gets from an intrinsic (__var_waitqueue())
_VIEW_TYPES = frozenset(_CLS.values()) | {_K.wait_queue_head_t}


def view_name(ct):
    """The VIEWS key of pointer type ``ct``'s target, or None."""
    if not ct.is_ptr:
        return None
    t = ct.target
    if isinstance(t, RecordT) and t.name in VIEWS:
        return t.name
    return None


# pointers kcheck.kernel's list operations store and follow
_LINKS = {"struct list_head", "struct hlist_node", "struct llist_node", "struct hlist_head"}


def store_conversion(ct):
    """What a store of type ``ct`` does to a C value so kcheck.kernel can read it:
    a ``struct list_head *`` (hlist, llist) is stored as the kernel object, a
    ``struct hlist_node **`` (an hlist node's pprev) as the location it names."""
    if not ct.is_ptr:
        return None
    vn = view_name(ct)
    if vn in _LINKS:
        def pre(v):
            if v.__class__ is Ptr:
                return view(v, vn)
            return v
        return pre
    t = ct.target
    if t.is_ptr and view_name(t) == "struct hlist_node":
        def pre2(v):
            if v.__class__ is Ptr:
                if v.b.priv:
                    publish(v.b)
                return v.b.cell(v.o)
            return v
        return pre2
    return None


def from_python(v, ct):
    """A Python value (a kcheck.kernel object, a CStruct handle) as a C value of type ``ct``."""
    if ct.is_ptr:
        if v is None or v.__class__ is Ptr or v.__class__ is Wild:
            return v
        cp = getattr(v, "_cptr", None)
        if cp is not None:
            return cp
        if isinstance(v, int) and not isinstance(v, bool):
            return int_to_ptr(v)
        return v
    if ct.is_int:
        if v is True or v is False:
            return int(v)
        if isinstance(v, int):
            return ct.wrap(v)
        cp = getattr(v, "_cptr", None)
        if cp is not None:
            return ct.wrap(ptr_to_int(cp))
    return v


# -- bindings ---------------------------------------------------------------------------------

# C name -> kcheck.kernel name, where they differ (the _irqsave forms return the flags
# their C macro assigns)
RENAMED = {"_spin_lock_irqsave": "spin_lock_irqsave",
           "_raw_spin_lock_irqsave": "raw_spin_lock_irqsave",
           "_read_lock_irqsave": "read_lock_irqsave",
           "_write_lock_irqsave": "write_lock_irqsave",
           "_write_seqlock_irqsave": "write_seqlock_irqsave",
           "_local_irq_save": "local_irq_save"}

# kcheck.kernel names a C program does not call, and why
PYTHON_ONLY = {
    "set_nr_cpu_ids": "C says -D NR_CPUS=N (linux/percpu.h)",
    "KStruct": "C declares structs",
    "KArray": "C declares arrays",
    "Embed": "C declares a member of struct type",
    "Bitfield": "C declares bitfields; clang lays them out",
    "KObject": "the base class of kernel objects in Python",
    "ptr": "C writes &p->field",
    "address_from": "C's address dependencies follow the data flow",
    "on_stack": "C declares locals; one whose address escapes is checked when its function returns",
    "DEFINE_SPINLOCK": "a C macro (a spinlock_t initialiser)",
    "LIST_HEAD": "a C macro (a list_head initialiser)",
    "ATOMIC_INIT": "a C macro (an atomic_t initialiser)",
    "REFCOUNT_INIT": "a C macro (a refcount_t initialiser)",
    "REFCOUNT_SATURATED": "a C macro (INT_MIN / 2)",
    "LIST_POISON1": "a C macro (the kernel's poison pointer)",
    "LIST_POISON2": "a C macro (the kernel's poison pointer)",
    "container_of": "a C macro (address arithmetic)",
    "list_entry": "a C macro (container_of)",
    "list_for_each_entry": "a C macro (a for loop over the pointers)",
    "list_for_each_entry_rcu": "a C macro (a for loop over the pointers)",
    "list_first_or_null_rcu": "a C macro (READ_ONCE and container_of)",
    "list_next_or_null_rcu": "a C macro (READ_ONCE and container_of)",
    "list_next_entry_or_null_rcu": "a C macro (READ_ONCE and container_of)",
    "READ_ONCE": "a C macro (a volatile load)",
    "WRITE_ONCE": "a C macro (a volatile store)",
    "barrier": "a C macro (a compiler barrier)",
    "kmem_cache": "an opaque struct in C (struct kmem_cache)",
    "workqueue_struct": "an opaque struct in C",
    "kmalloc": "C's own (allocates C memory of a size)",
    "kzalloc": "C's own (allocates C memory of a size)",
    "kfree": "C's own (frees C memory)",
    "krealloc": "C's own (reallocates C memory to a size)",
    "kvrealloc": "C's own (reallocates C memory to a size)",
    "ZERO_SIZE_PTR": "a C macro (linux/slab.h: (void *)16)",
    "ZERO_OR_NULL_PTR": "a C macro (linux/slab.h)",
    "kvfree": "C's own (frees C memory)",
    "kmem_cache_create": "C's own (a cache of objects of a size)",
    "SLAB_HWCACHE_ALIGN": "a C macro (linux/slab.h)",
    "SLAB_PANIC": "a C macro (linux/slab.h)",
    "SLAB_TYPESAFE_BY_RCU": "a C macro (linux/slab.h)",
    "SLAB_ACCOUNT": "a C macro (linux/slab.h)",
    "kmem_cache_alloc": "C's own",
    "kmem_cache_zalloc": "C's own",
    "kmem_cache_free": "C's own",
    "kmemleak_not_leak": "C's own (takes a C pointer)",
    "kmem_cache_destroy": "C's own (destroys a C cache; kcheck.kernel's checks)",
    "kfree_rcu": "a C macro over C's own __kcheck_kfree_rcu",
    "kvfree_rcu": "a C macro over C's own __kcheck_kfree_rcu",
    "kfree_rcu_mightsleep": "C's own (takes a C pointer)",
    "kvfree_rcu_mightsleep": "C's own (takes a C pointer)",
    "hashtable": "C's hashtable is an array of hlist_head (DEFINE_HASHTABLE) and the kernel's "
                 "macros over the hlist operations",
    "from_timer": "a C macro (container_of)",
    "from_tasklet": "a C macro (container_of)",
    "IRQ_NONE": "an enum irqreturn constant (linux/interrupt.h)",
    "IRQ_HANDLED": "an enum irqreturn constant (linux/interrupt.h)",
    "IRQ_WAKE_THREAD": "an enum irqreturn constant (linux/interrupt.h)",
    "bit_waitqueue": "a queue kcheck keeps per bit: C calls wait_on_bit()/wake_up_bit()",
    "to_delayed_work": "a C macro (container_of)",
    "to_rcu_work": "a C macro (container_of)",
    "HZ": "a C macro (linux/timer.h)",
    "jiffies": "a C macro (linux/timer.h: time is not modelled)",
    "msecs_to_jiffies": "a C macro (linux/timer.h)",
    "usecs_to_jiffies": "a C macro (linux/timer.h)",
}

# names implemented by the C runtime, typed by their pointer (asm/cmpxchg.h, asm/barrier.h)
C_MACROS = {"xchg", "cmpxchg", "try_cmpxchg", "smp_load_acquire", "smp_store_release", "smp_store_mb",
            "smp_mb", "smp_rmb", "smp_wmb", "smp_mb__before_atomic", "smp_mb__after_atomic",
            "smp_mb__after_spinlock", "smp_mb__after_unlock_lock", "smp_acquire__after_ctrl_dep",
            "smp_cond_load_relaxed", "smp_cond_load_acquire", "rcu_dereference",
            "rcu_dereference_raw", "rcu_dereference_protected", "rcu_assign_pointer",
            "RCU_INIT_POINTER", "WARN_ON", "WARN_ON_ONCE", "WARN", "WARN_ONCE", "BUG_ON", "BUG",
            "KVM_BUG_ON"}


def binding(name):
    """The kcheck.kernel function a C call of ``name`` runs, or None."""
    py = getattr(_K, RENAMED.get(name, name), None)
    if py is None or not callable(py) or isinstance(py, type) or name in PYTHON_ONLY:
        return None
    return py


def _uncast(c):
    """An argument before clang's implicit conversion to the parameter type."""
    while c.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        ch = list(c.get_children())
        if len(ch) != 1:
            break
        c = ch[0]
    return c


def _string_const(comp, c):
    s = _uncast(c)
    if s.kind == K.STRING_LITERAL:
        return comp.prog.string_bytes(s).rstrip(b"\0").decode("utf-8", "replace")
    return None


def _read_cstring(p, src):
    if p is None:
        return "(null)"
    if p.__class__ is not Ptr:
        return repr(p)
    b = p.b
    out = bytearray()
    o = p.o
    while o < b.size and len(out) < 256:
        v = A.read_slow(b, o, 1, PLAIN, "load", src)
        if v == 0:
            break
        out.append(v & 0xFF)
        o += 1
    return out.decode("utf-8", "replace")


class CBitmap(_K.KArray):
    """An ``unsigned long *`` bitmap for kcheck.kernel's bit operations: the words
    from the pointer to the end of its object."""

    def __init__(self, p):
        b, o = p.b, p.o
        if b.priv:
            publish(b)
        self._kid = ("B", b.lid, o)
        self._owner = None
        n = max((b.size - o) // 8, 0)
        self._locs = [b.cell(o + 8 * i) for i in range(n)]


def _bitmap(v, src):
    if v.__class__ is not Ptr:
        A.bad_pointer(v, 0, 8, False, src, "bitmap")
    bm = (v.b.views or {}).get(("bitmap", v.o))
    if bm is None:
        bm = CBitmap(v)
        if v.b.views is None:
            v.b.views = {}
        v.b.views[("bitmap", v.o)] = bm
    return bm


_BITMAP_FUNCS = {"set_bit", "clear_bit", "change_bit", "clear_bit_unlock", "test_bit",
                 "test_bit_acquire", "test_and_set_bit", "test_and_clear_bit",
                 "test_and_change_bit", "test_and_set_bit_lock", "__set_bit", "__clear_bit",
                 "__change_bit", "__clear_bit_unlock", "__test_and_set_bit",
                 "__test_and_clear_bit", "find_first_bit", "wait_on_bit", "wake_up_bit",
                 "wait_on_bit_lock",
                 "clear_and_wake_up_bit", "bit_spin_lock", "bit_spin_trylock",
                 "bit_spin_unlock", "__bit_spin_unlock", "bit_spin_is_locked"}


def _arg_conv(comp, arg, pt, src, fname=None):
    """fn(C value) -> the value kcheck.kernel takes for an argument of type ``pt``."""
    if pt is None:
        return None
    if fname in _BITMAP_FUNCS and pt.is_ptr and pt.target.is_int and pt.target.size == 8:
        def bm(v):
            return _bitmap(v, src)
        return bm
    if pt.is_ptr:
        orig = comp.T(_uncast(arg))
        vn = view_name(orig) or view_name(pt)
        if vn is not None:
            def cv(v):
                return view(v, vn, src)
            return cv
        t = pt.target
        if t.is_int and t.size == 1:        # a C string
            def cs(v):
                return _read_cstring(v, src)
            return cs
    return None


def _ret_conv(ct):
    if isinstance(ct, VoidT):
        return None
    if ct.is_int:
        if ct.is_bool:
            return lambda v: 1 if v else 0
        wrap = ct.wrap

        def ri(v):
            if v is True or v is False or v is None:
                return 1 if v else 0
            return wrap(v)
        return ri
    if ct.is_ptr:
        return A.to_ptr
    return None


def call_binding(comp, c, name, py, ftype, args):
    src = comp.src(c)
    params = ftype.params
    argfs = []
    for i, a in enumerate(args):
        e = comp.expr(a)
        pt = params[i] if i < len(params) else None
        conv = _arg_conv(comp, a, pt, src, name)
        if conv is not None:
            e = _compose(conv, e)
        argfs.append(e)
    if not ftype.variadic and len(args) != len(params):
        raise error_at(c, f"{name}: expected {len(params)} arguments")
    if ftype.variadic:
        argfs = argfs[:len(params)]
    rc = _ret_conv(ftype.ret)
    special = _ADAPTERS.get(name)
    if special is not None:
        return special(comp, c, py, argfs, args, rc, src)
    argfs = tuple(argfs)
    if comp.deps:
        from ._deps import call_with_deps, EMPTY
        kinds = tuple((params[i].is_ptr if i < len(params) else False) for i in range(len(argfs)))

        def call_d(f):
            saved = f[2]
            addr = data = EMPTY
            vals = []
            for a, is_ptr in zip(argfs, kinds):
                f[2] = EMPTY
                vals.append(a(f))
                if is_ptr:
                    addr = addr | f[2]
                else:
                    data = data | f[2]
            for v in vals:
                if v.__class__ is Ptr and v.b.priv:
                    publish(v.b)
            r = rt.CURRENT
            if r.trace:
                A.set_src(r, src)
            v, got = call_with_deps(r, f, addr, data, lambda: py(*vals))
            f[2] = saved | got
            return rc(v) if rc is not None else v
        return call_d
    n = len(argfs)
    if n == 1:
        a0, = argfs

        def call1(f):
            v0 = a0(f)
            if v0.__class__ is Ptr and v0.b.priv:
                publish(v0.b)
            r = rt.CURRENT
            if r.trace:
                A.set_src(r, src)
            v = py(v0)
            return rc(v) if rc is not None else v
        return call1

    def calln(f):
        vals = [a(f) for a in argfs]
        for v in vals:
            if v.__class__ is Ptr and v.b.priv:
                publish(v.b)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        v = py(*vals)
        return rc(v) if rc is not None else v
    return calln


def _compose(conv, e):
    def ce(f):
        return conv(e(f))
    return ce


def _try_cmpxchg_adapter(comp, c, py, argfs, args, rc, src):
    """atomic_try_cmpxchg(v, int *old, new): C passes a pointer to the expected value
    and gets the value seen back in it; kcheck.kernel takes and returns values."""
    from ._compile import LV
    v_f, old_p, new_f = argfs
    ptype = comp.T(_uncast(args[1]))
    lv = LV("mem", ptype.target, pf=old_p)
    ld = comp.load(lv, args[1])
    st = comp.store_fn(lv, args[1])

    def tc(f):
        v = v_f(f)
        old = ld(f)
        ok, seen = py(v, old, new_f(f))
        if not ok:
            st(f, seen)
        return 1 if ok else 0
    if not comp.deps:
        return tc
    from ._deps import call_with_deps, EMPTY

    def tc_d(f):
        # the atomic's pointer is the address dependency, the expected and new values
        # the data dependencies; the value stored back and the result depend on its read
        saved = f[2]
        f[2] = EMPTY
        v = v_f(f)
        addr = f[2]
        f[2] = EMPTY
        old = ld(f)
        new = new_f(f)
        data = f[2]
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        (ok, seen), got = call_with_deps(r, f, addr, data, lambda: py(v, old, new))
        if not ok:
            f[2] = got
            st(f, seen)
        f[2] = saved | got
        return 1 if ok else 0
    return tc_d


_ADAPTERS = {}
for _p in ("atomic", "atomic64"):
    for _o in ("", "_relaxed", "_acquire", "_release"):
        _ADAPTERS[f"{_p}_try_cmpxchg{_o}"] = _try_cmpxchg_adapter


# -- intrinsics ----------------------------------------------------------------------------

INTRINSICS = {}


def intrinsic(*names):
    def deco(fn):
        for n in names:
            INTRINSICS[n] = fn
        return fn
    return deco


def _target_lv(comp, arg):
    """The object a pointer argument addresses, as an lvalue of its own type."""
    from ._compile import LV, _strip_casts_to_addr
    inner = _strip_casts_to_addr(arg)
    if inner is not None:
        lv = comp.lvalue(inner)
        if lv.fld is None:
            return lv, inner
    a = _uncast(arg)
    pt = comp.T(a)
    if not pt.is_ptr:
        raise error_at(arg, "a pointer is needed here")
    return LV("mem", pt.target, pf=comp.expr(a), text=comp.text(a)), a


def _const_int(comp, c):
    v = evaluate_int(c)
    if v is None:
        raise error_at(c, "a constant is needed here")
    return v


def dropped(r, name, src):
    """Is barrier ``name`` switched off at C position ``src`` (--drop-barrier
    NAME, NAME@FUNCTION, NAME@FILE:LINE)?"""
    specs = r.x.drop_barriers
    fn = src[2] if src else ""
    line = f"{os.path.basename(src[0])}:{src[1]}" if src else ""
    # the barriers met, so that a spec that matches none of them is an error (cli._unmatched_drops)
    r.x.__dict__.setdefault("barrier_sites", set()).add((name, fn, line))
    for spec in specs:
        n, _, at = spec.partition("@")
        if n != name:
            continue
        if not at or (src and (at == fn or at == line)):
            return True
    return False


@intrinsic("__kcheck_load")
def _i_load(comp, c, args):
    lv, at = _target_lv(comp, args[0])
    flags = _const_int(comp, args[1])
    op = _string_const(comp, args[2])
    return comp.load(lv, c, flags=flags, op=op)


@intrinsic("__kcheck_store")
def _i_store(comp, c, args):
    lv, at = _target_lv(comp, args[0])
    flags = _const_int(comp, args[1])
    op = _string_const(comp, args[2])
    val = comp.convert(comp.expr(args[3]), comp.T(_uncast(args[3])), lv.ct, c)
    st = comp.store_fn(lv, c, flags=flags, op=op)

    def store(f):
        v = val(f)
        st(f, v)
    return store


def _cell_fn(comp, lv, c):
    """fn(frame) -> the cell of a whole-location lvalue (for an atomic RMW)."""
    if lv.kind != "mem":
        raise error_at(c, "an atomic operation on a local whose address is never taken")
    bo = comp._bo(lv, c, write=True)
    size = lv.ct.size
    src = comp.src(c)

    def cell(f):
        b, o = bo(f)
        if o < 0 or o + size > b.size:
            A.out_of_bounds(b, o, size, True, src)
        if b.priv:
            return (b, o)              # only this task sees it: no event (rmw_on)
        cl = b.cells.get(o)
        if cl is None:
            lay = b.layout(o)
            if lay != (o, size):
                raise A.model_error(f"an atomic operation on part of a location ({size} bytes at "
                                    f"offset {o} of {b._kname()})", src)
            cl = b.cell(o)
        return cl
    return cell


def rmw_on(r, cl, fn, flags, op, size, src):
    """An atomic read-modify-write of a cell, or of a private location (no event)."""
    if cl.__class__ is tuple:
        return A.priv_rmw(cl[0], cl[1], size, fn, src)
    return r.rmw(cl, fn, flags, op)


def _val_norm(ct):
    if ct.is_ptr:
        def np(v):
            if v is None or v.__class__ is Ptr:
                return v
            return A.to_ptr(v)
        return np
    if ct.is_int:
        def ni(v):
            if v.__class__ is int and ct.lo <= v <= ct.hi:
                return v
            if v is UNINIT:
                return v
            return A.to_int(v, ct, None)
        return ni
    return lambda v: v


def _loc_deps(comp, values, cell, body):
    """LKMM mode for an intrinsic on a location: the values' sets are its data
    dependencies, the pointer's its address dependency (the cell closure, through
    DepsCompiler._bo, gives both to the runtime), the reads it makes its result's."""
    if not comp.deps:
        return None
    from ._deps import reads_since, set_deps, EMPTY, APOS

    def with_deps(f):
        saved = f[2]
        f[2] = EMPTY
        vals = [v(f) for v in values]
        cl = cell(f)                   # set_deps(addr, data = the values' sets)
        r = rt.CURRENT
        res = body(f, vals, cl)
        got = reads_since(r, f[APOS])
        set_deps(r, EMPTY, EMPTY)
        f[2] = saved | got
        return res
    return with_deps


@intrinsic("__kcheck_xchg")
def _i_xchg(comp, c, args):
    lv, _ = _target_lv(comp, args[0])
    flags = _const_int(comp, args[1])
    op = _string_const(comp, args[2])
    val = comp.expr(args[3])
    cell = _cell_fn(comp, lv, c)
    src = comp.src(c)
    norm = _val_norm(lv.ct)
    pre = comp.prog.store_conversion(lv.ct)
    size = lv.ct.size

    def body(f, vals, cl):
        new = vals[0]
        if pre is not None:
            new = pre(new)
        r = rt.CURRENT
        fl = flags
        if r.x.drop_barriers and fl == FULL and dropped(r, op, src):
            fl = MARKED
        if r.trace:
            A.set_src(r, src)
        escape(new)
        return norm(rmw_on(r, cl, lambda old: new, fl, op, size, src))

    def xchg(f):
        new = val(f)
        return body(f, (new,), cell(f))
    return _loc_deps(comp, (val,), cell, body) or xchg


@intrinsic("__kcheck_cmpxchg")
def _i_cmpxchg(comp, c, args):
    lv, _ = _target_lv(comp, args[0])
    flags = _const_int(comp, args[1])
    op = _string_const(comp, args[2])
    oldf, newf = comp.expr(args[3]), comp.expr(args[4])
    cell = _cell_fn(comp, lv, c)
    src = comp.src(c)
    norm = _val_norm(lv.ct)
    pre = comp.prog.store_conversion(lv.ct)
    size = lv.ct.size

    def body(f, vals, cl):
        old, new = vals
        if pre is not None:
            new = pre(new)
        r = rt.CURRENT
        fl = flags
        if r.x.drop_barriers and fl == FULL and dropped(r, op, src):
            fl = MARKED
        if r.trace:
            A.set_src(r, src)
        escape(new)
        return norm(rmw_on(r, cl, lambda cur: new if norm(cur) == old else NO_WRITE, fl, op, size,
                           src))

    def cmpxchg(f):
        vals = (oldf(f), newf(f))
        return body(f, vals, cell(f))
    return _loc_deps(comp, (oldf, newf), cell, body) or cmpxchg


@intrinsic("__kcheck_try_cmpxchg")
def _i_try_cmpxchg(comp, c, args):
    from ._compile import LV
    lv, _ = _target_lv(comp, args[0])
    oldp = comp.expr(args[1])
    flags = _const_int(comp, args[2])
    op = _string_const(comp, args[3])
    newf = comp.expr(args[4])
    cell = _cell_fn(comp, lv, c)
    src = comp.src(c)
    norm = _val_norm(lv.ct)
    olv = LV("mem", lv.ct, pf=oldp)
    ld = comp.load(olv, c)
    st = comp.store_fn(olv, c)
    size = lv.ct.size

    def try_cmpxchg(f):
        old = ld(f)
        new = newf(f)
        cl = cell(f)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        escape(new)
        seen = norm(rmw_on(r, cl, lambda cur: new if norm(cur) == old else NO_WRITE, flags, op,
                           size, src))
        if seen == old:
            return 1
        st(f, seen)
        return 0
    if not comp.deps:
        return try_cmpxchg
    from ._deps import reads_since, set_deps, EMPTY, APOS

    def try_cmpxchg_d(f):
        # the expected and new values are the RMW's data dependencies, the pointer
        # its address dependency; the value seen, stored back on failure, and the
        # result depend on the RMW's read
        saved = f[2]
        f[2] = EMPTY
        old = ld(f)
        new = newf(f)
        cl = cell(f)
        pos = f[APOS]
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        escape(new)
        seen = norm(rmw_on(r, cl, lambda cur: new if norm(cur) == old else NO_WRITE, flags, op,
                           size, src))
        got = reads_since(r, pos)
        set_deps(r, EMPTY, EMPTY)
        if seen != old:
            f[2] = got
            st(f, seen)
        f[2] = saved | got
        return 1 if seen == old else 0
    return try_cmpxchg_d


@intrinsic("__kcheck_fence")
def _i_fence(comp, c, args):
    name = _string_const(comp, args[0])
    src = comp.src(c)

    def fence(f):
        r = rt.CURRENT
        if r.cur is None:
            return None
        if r.x.drop_barriers and dropped(r, name, src):
            return None
        if r.trace:
            A.set_src(r, src)
        r.fence(name)
    return fence


def _fmt(fmt, vals):
    if fmt is None:
        return ""
    try:
        import re
        py = re.sub(r"%l*[lhzjt]*([diuxXcsp])", lambda m: "%" + ("d" if m.group(1) in "iu" else
                                                                 "x" if m.group(1) == "p" else m.group(1)),
                    fmt)
        return (py % tuple(vals)).strip()
    except Exception:
        return fmt.strip()


@intrinsic("__kcheck_warn")
def _i_warn(comp, c, args):
    cond = comp.expr(args[0])
    kind = _string_const(comp, args[1])
    fmt = _string_const(comp, args[2]) if len(args) > 2 else None
    rest = [comp.expr(a) for a in args[3:]]
    src = comp.src(c)
    here = f"{os.path.basename(src[0])}:{src[1]} in {src[2]}()"

    def warn(f):
        if not cond(f):
            return 0
        msg = f"{kind} at {here}"
        if fmt:
            msg += ": " + _fmt(fmt, [v(f) for v in rest])
        # BUG_ON() is an oops, not a WARN: its own kind, which --ignore warn keeps
        if kind in ("BUG_ON", "BUG"):
            A.c_bug("bug-on", msg, src)
        A.c_warn(msg, src)
        return 1
    return warn


@intrinsic("__kcheck_assert_fail")
def _i_assert(comp, c, args):
    text = _string_const(comp, args[0])
    src = comp.src(c)

    def fail(f):
        A.c_bug("warn", f"assertion failed: {text}", src)
    return fail


@intrinsic("__kcheck_lockdep")
def _i_lockdep(comp, c, args):
    cond = comp.expr(args[0])
    msg = _string_const(comp, args[1])
    src = comp.src(c)

    def ld(f):
        if not cond(f):
            A.c_bug("lockdep", msg, src)
    return ld


@intrinsic("kcheck_nondet")
def _i_nondet(comp, c, args):
    n = comp.expr(args[0])
    src = comp.src(c)

    def nondet(f):
        k = n(f)
        if k.__class__ is not int or not 1 <= k <= 4096:
            raise A.model_error(f"kcheck_nondet({k!r}): the number of values must be from 1 to "
                                "4096 (each one is explored)", src)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        return r.choice(k, f"nondet({k})")
    return nondet


@intrinsic("kcheck_assume")
def _i_assume(comp, c, args):
    cond = comp.expr(args[0])

    def assume(f):
        if not cond(f):
            rt.CURRENT.discard()
    return assume


@intrinsic("__kcheck_list_check_rcu", "__kcheck_list_check_srcu")
def _i_list_check(comp, c, args):
    """lockdep's __list_check_rcu(): an RCU list walked outside a reader, with its condition false."""
    from ..kernel import list as L
    cond = comp.expr(args[0])
    what = _string_const(comp, args[1]) if len(args) > 1 else "list_for_each_entry_srcu"
    srcu = c.spelling == "__kcheck_list_check_srcu"
    src = comp.src(c)

    def check(f):
        v = cond(f)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        if srcu:
            if r.cur is not None and not v:
                r.report("suspicious-rcu-usage", "suspicious RCU usage: RCU-list traversed without "
                         f"holding the required lock!! (list_for_each_entry_srcu in {r.cur.name})")
        else:
            L._rcu_check(r, v, what)
    return check


@intrinsic("get_current")
def _i_current(comp, c, args):
    def current(f):
        # the running task (struct task_struct *); in a kthread, the handle
        # kthread_run() returned, so `current == tsk` and get_task_struct(current)
        # mean what they mean in the kernel
        t = rt.CURRENT.cur
        if t is not None:
            kt = t.tls.get("kthread")
            if kt is not None:
                return kt
        return t
    return current


_SYSTEM_WQS = ("system_wq", "system_highpri_wq", "system_long_wq", "system_unbound_wq",
               "system_freezable_wq", "system_power_efficient_wq")


@intrinsic("__kcheck_system_wq")
def _i_system_wq(comp, c, args):
    """``system_wq`` and its kin (linux/workqueue.h: ``__kcheck_system_wq(i)``):
    the kernel's own queues, kcheck.kernel's objects."""
    i = _const_int(comp, args[0])
    if not 0 <= i < len(_SYSTEM_WQS):
        raise error_at(c, f"no system workqueue number {i}")
    wq = getattr(_K, _SYSTEM_WQS[i])

    def system_wq(f):
        return wq
    return system_wq


@intrinsic("__kcheck_pyloc")
def _i_pyloc(comp, c, args):
    """kcheck.kernel's NAME on the location ``p`` points at (rcu_dereference(), rcu_assign_pointer(),
    srcu_dereference() ...), the result converted by the location's C type."""
    lv, _ = _target_lv(comp, args[0])
    name = _string_const(comp, args[1])
    py = getattr(_K, name, None)
    if py is None:
        raise error_at(c, f"kcheck.kernel has no {name}")
    cell = _cell_fn(comp, lv, c)
    src = comp.src(c)
    norm = _val_norm(lv.ct)
    pre = comp.prog.store_conversion(lv.ct)
    extra = []
    for a in args[2:]:
        e = comp.expr(a)
        conv = _arg_conv(comp, a, comp.T(_uncast(a)), src)
        if conv is not None:
            e = _compose(conv, e)
        elif pre is not None and comp.T(_uncast(a)).is_ptr:
            e = _compose(pre, e)
        extra.append(e)
    extra = tuple(extra)

    def body(f, vals, cl):
        for v in vals:
            escape(v)
        if cl.__class__ is tuple:              # a local only this task sees: publish it
            b, o = cl
            publish(b)
            cl = b.cell(o)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        v = py(cl, *vals)
        return None if v is None and not lv.ct.is_ptr else norm(v)

    def pyloc(f):
        vals = [e(f) for e in extra]
        return body(f, vals, cell(f))
    return _loc_deps(comp, extra, cell, body) or pyloc


@intrinsic("__kcheck_kfree_rcu")
def _i_kfree_rcu(comp, c, args):
    """kfree_rcu(ptr, rhf): free ptr's object after a grace period, through its rcu_head."""
    p = comp.expr(args[0])
    head = comp.expr(args[1])
    what = _string_const(comp, args[2])
    src = comp.src(c)
    free_op = "kvfree" if what.startswith("kv") else "kfree"

    def kfree_rcu(f):
        obj, h = p(f), head(f)
        if obj is None:
            return None
        hv = view(h, "struct callback_head", src)

        def cb(_head, obj=obj):
            _free(obj, free_op, src)
        cb.__name__ = what
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        _K.call_rcu(hv, cb)
    return kfree_rcu


@intrinsic("kfree_rcu_mightsleep", "kvfree_rcu_mightsleep")
def _i_kfree_rcu_mightsleep(comp, c, args):
    p = comp.expr(args[0])
    src = comp.src(c)

    def mightsleep(f):
        obj = p(f)
        if obj is None:
            return None
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        _K.synchronize_rcu()
        _free(obj, "kfree", src)
    return mightsleep


@intrinsic("printk", "printf", "_printk")
def _i_printk(comp, c, args):
    argfs = [comp.expr(a) for a in args]

    def printk(f):
        for a in argfs:
            a(f)
        return 0
    return printk


@intrinsic("__builtin_expect")
def _i_expect(comp, c, args):
    return comp.expr(args[0])


@intrinsic("__builtin_constant_p")
def _i_constant_p(comp, c, args):
    v = evaluate_int(args[0])
    k = 1 if v is not None else 0
    return lambda f: k


@intrinsic("pthread_exit")
def _i_pthread_exit(comp, c, args):
    val = comp.expr(args[0])
    src = comp.src(c)

    def pthread_exit(f):
        r = rt.CURRENT
        t = r.cur if r is not None else None
        if t is None or not getattr(t.fn, "c_pthread", False) and t.name != "main":
            raise A.model_error("pthread_exit() outside a task started by pthread_create()", src)
        raise PthreadExit(val(f))
    return pthread_exit


@intrinsic("exit", "_exit")
def _i_exit(comp, c, args):
    raise error_at(c, f"{c.spelling}() would end the whole process: a harness task returns "
                      "instead (or calls pthread_exit()), and main() returns")


@intrinsic("__builtin_unreachable", "__builtin_trap", "abort")
def _i_unreachable(comp, c, args):
    src = comp.src(c)
    name = c.spelling

    def unreachable(f):
        A.c_bug("warn", f"{name}() reached at {os.path.basename(src[0])}:{src[1]} in {src[2]}()", src)
    return unreachable


# -- GCC's integer builtins (include/linux/overflow.h, bitops.h, log2.h use them) -------------

_OVERFLOW_OPS = {"__builtin_add_overflow": lambda a, b: a + b,
                 "__builtin_sub_overflow": lambda a, b: a - b,
                 "__builtin_mul_overflow": lambda a, b: a * b}


@intrinsic(*_OVERFLOW_OPS)
def _i_overflow(comp, c, args):
    """``__builtin_add_overflow(a, b, d)`` and kin, what ``check_add_overflow()``
    is: the result computed with infinite precision, stored in ``*d`` wrapped to
    its type; true if it did not fit."""
    if len(args) != 3:
        raise error_at(c, f"{c.spelling}() takes three arguments")
    op = _OVERFLOW_OPS[c.spelling]
    src = comp.src(c)
    xa, xb = _uncast(args[0]), _uncast(args[1])
    ta, tb = comp.T(xa), comp.T(xb)
    if not (ta.is_int and tb.is_int):
        raise error_at(c, f"{c.spelling}(): the operands must be integers")
    ea, eb = comp.expr(xa), comp.expr(xb)
    lv, _ = _target_lv(comp, args[2])
    dt = lv.ct
    if not dt.is_int or dt.is_bool:
        raise error_at(c, f"{c.spelling}(): the result must point to an integer")
    st = comp.store_fn(lv, c)

    def overflow(f):
        exact = op(A.to_int(ea(f), ta, src), A.to_int(eb(f), tb, src))
        v = dt.wrap(exact)
        st(f, v)
        return int(v != exact)
    return overflow


def _bits_of(comp, c, args, name):
    if len(args) != 1:
        raise error_at(c, f"{name}() takes one argument")
    x = args[0]
    t = comp.T(x)
    if not t.is_int:
        raise error_at(c, f"{name}(): the argument must be an integer")
    return comp.expr(x), t, comp.src(c)


def _builtin_width(name):
    return 64 if name.endswith("l") else 32       # ..l and ..ll: long is 64 bits here


@intrinsic("__builtin_popcount", "__builtin_popcountl", "__builtin_popcountll",
           "__builtin_parity", "__builtin_parityl", "__builtin_parityll")
def _i_popcount(comp, c, args):
    name = c.spelling
    e, t, src = _bits_of(comp, c, args, name)
    mask = (1 << _builtin_width(name)) - 1
    parity = "parity" in name

    def popcount(f):
        n = bin(A.to_int(e(f), t, src) & mask).count("1")
        return n & 1 if parity else n
    return popcount


@intrinsic("__builtin_ctz", "__builtin_ctzl", "__builtin_ctzll",
           "__builtin_clz", "__builtin_clzl", "__builtin_clzll",
           "__builtin_ffs", "__builtin_ffsl", "__builtin_ffsll")
def _i_bitscan(comp, c, args):
    """Count trailing/leading zeros, find first set.  ``ctz``/``clz`` of 0 is
    undefined in C (``__ffs(0)``, ``__fls(0)``): kcheck reports it as the bug it
    is in kernel code rather than pick what one CPU happens to return."""
    name = c.spelling
    e, t, src = _bits_of(comp, c, args, name)
    width = _builtin_width(name)
    mask = (1 << width) - 1
    kind = name[len("__builtin_"):].rstrip("l")

    def bitscan(f):
        v = A.to_int(e(f), t, src) & mask
        if kind == "ffs":
            return (v & -v).bit_length()
        if v == 0:
            A.c_bug("warn", f"{name}(0) is undefined (__ffs()/__fls()/ffz() of a word with no "
                    f"bit to find) at {os.path.basename(src[0])}:{src[1]} in {src[2]}()", src)
        if kind == "ctz":
            return (v & -v).bit_length() - 1
        return width - v.bit_length()
    return bitscan


# -- memory ------------------------------------------------------------------------------------

class KCache:
    """struct kmem_cache: objects of one size (and, when known, one C type).  The
    objects are registered with kcheck.kernel.slab's per-run state, so that its
    kmem_cache_destroy() checks ("objects remaining") apply to C caches too."""

    def __init__(self, name, size, ctype, typesafe=False):
        self.name = name
        self.size = size
        self.ctype = ctype
        self.cls = Block
        self.typesafe = typesafe            # SLAB_TYPESAFE_BY_RCU (kcheck.kernel.slab)
        self.serial = _anon("kmem_cache")

    def __hash__(self):
        # stable across runs and processes: the free list's location is keyed by it
        return zlib.crc32(f"{self.name}\0{self.size}\0{self.serial}".encode())

    def __eq__(self, other):
        return other.__class__ is KCache and (other.name, other.size, other.serial) == (
            self.name, self.size, self.serial)

    def _kname(self):
        return f"kmem_cache({self.name})"

    __repr__ = _kname


def _alloc_type(comp, c, size_arg):
    """The C type an allocation is for: the pointer type it is converted to at the
    call site, else the type of a sizeof() in its size argument."""
    hint = comp.take_hint()
    if hint is not None and not isinstance(hint, VoidT) and hint.size:
        return hint
    return _sizeof_type(comp, size_arg)


def _sizeof_type(comp, size_arg):
    """T for a size written ``sizeof(T)`` or ``sizeof(expr of type T)``."""
    if size_arg is None:
        return None
    s = _uncast(size_arg)
    if s.kind != K.CXX_UNARY_EXPR:
        return None
    toks = [t.spelling for t in s.get_tokens()]
    if not toks or toks[0] != "sizeof":
        return None
    for x in s.get_children():
        if x.kind == K.TYPE_REF:
            return comp.types.get(x.type, x)
        if x.kind.is_expression():
            t = comp.T(x)
            if t.is_record or t.is_array or t.is_int or t.is_ptr:
                return t
    return None


def _label(ct, size):
    if ct is None:
        return "kmalloc"
    name = ct.name
    for p in ("struct ", "union "):
        if name.startswith(p):
            name = name[len(p):]
    return name


def _gfp_may_sleep(gfp, op, src):
    """An allocation whose flags allow blocking (GFP_KERNEL, GFP_NOIO, ...) may
    sleep: might_sleep() for it (kcheck.kernel.slab)."""
    if gfp & 0x400 and rt.CURRENT.cur is not None:        # __GFP_DIRECT_RECLAIM
        A.set_src(rt.CURRENT, src)
        _S.sleep_check(op)


def _new_heap(size, ct, zero, op, src):
    r = rt.CURRENT
    if size <= 0:
        return Wild(0x10)                         # ZERO_SIZE_PTR
    # typed when the size is one or more of the type, or the type and more (a
    # flexible array member, a buffer after the struct)
    b = new_block(size, ct if (ct is not None and ct.size and size >= ct.size) else None,
                  "heap", _label(ct, size), 0 if zero else UNINIT)
    if r.trace:
        A.set_src(r, src)
    r.alloc(b, op)
    return Ptr(b, 0)


# kmalloc() past KMALLOC_MAX_SIZE (order > MAX_PAGE_ORDER with 4K pages) and
# kvmalloc() past INT_MAX fail: NULL, and WARN_ON_ONCE_GFP() unless __GFP_NOWARN
_KMALLOC_MAX = 1 << 22
_KVMALLOC_MAX = (1 << 31) - 1
_GFP_NOWARN = 0x2000


def _too_big(name, n, fl, src):
    """True (NULL to return) when the kernel's allocator refuses ``n`` bytes."""
    if name.startswith("kv"):
        limit = _KVMALLOC_MAX
    elif name.startswith("k"):
        limit = _KMALLOC_MAX
    else:
        return False
    if n <= limit:
        return False
    if not fl & _GFP_NOWARN:
        A.c_warn(f"WARNING: {name}({n}) at {A.where(src)}: more than the allocator gives "
                 f"({'INT_MAX' if limit == _KVMALLOC_MAX else 'KMALLOC_MAX_SIZE, 4 MiB'}); "
                 "it returns NULL", src)
    return True


@intrinsic("kmalloc", "kzalloc", "kvmalloc", "kvzalloc", "malloc", "vmalloc", "vzalloc")
def _i_kmalloc(comp, c, args):
    name = c.spelling
    ct = _alloc_type(comp, c, args[0])
    size = comp.expr(args[0])
    zero = name in ("kzalloc", "kvzalloc", "vzalloc")
    vm = name in ("vmalloc", "vzalloc")            # GFP_KERNEL, always
    flags = comp.expr(args[1]) if len(args) > 1 else (lambda f: 0xcc0 if vm else 0)
    src = comp.src(c)

    def kmalloc(f):
        n = size(f)
        fl = flags(f)
        if len(args) > 1 or vm:
            _gfp_may_sleep(fl, name, src)
        z = zero or bool(fl & 0x100)               # __GFP_ZERO
        if n > _KMALLOC_MAX and _too_big(name, n, fl, src):
            return None
        return _new_heap(n, ct, z, name, src)
    return kmalloc


@intrinsic("kcalloc", "kmalloc_array", "kvcalloc", "calloc")
def _i_kcalloc(comp, c, args):
    name = c.spelling
    ct = _alloc_type(comp, c, args[1])
    n, size = comp.expr(args[0]), comp.expr(args[1])
    zero = name in ("kcalloc", "kvcalloc", "calloc")
    flags = comp.expr(args[2]) if len(args) > 2 else (lambda f: 0)
    src = comp.src(c)

    def kcalloc(f):
        fl = flags(f)
        if len(args) > 2:
            _gfp_may_sleep(fl, name, src)
        z = zero or bool(fl & 0x100)
        total = n(f) * size(f)
        if total > _KMALLOC_MAX and _too_big(name, total, fl, src):
            return None
        return _new_heap(total, ct, z, name, src)
    return kcalloc


def _free(p, op, src, cache=None):
    if p is None or (p.__class__ is Wild and p.addr <= 0x10):
        return          # ZERO_OR_NULL_PTR: kfree() of NULL or of ZERO_SIZE_PTR does nothing
    r = rt.CURRENT
    if p.__class__ is not Ptr:
        A.c_bug("invalid-free", f"BUG: KASAN: invalid-free in {A.where(src)}: {op}({p!r})", src)
    b = p.b
    if b.kind != "heap":
        A.c_bug("invalid-free", f"BUG: KASAN: invalid-free in {A.where(src)}: {op} of "
                f"{b._kname()}, which is not a heap object", src)
    if p.o != 0:
        A.c_bug("invalid-free", f"BUG: KASAN: invalid-free in {A.where(src)}: {op} of a pointer "
                f"{p.o} bytes into {b._kname()}", src)
    if cache is not None:
        owner = (b.views or {}).get("cache")
        if owner is not None and owner is not cache:
            A.c_bug("warn", f"WARN: cache_from_obj: Wrong slab cache. {cache.name} but object is "
                    f"from {owner.name} ({A.where(src)})", src)
    if r.trace:
        A.set_src(r, src)
    debug_check_no_obj_freed(r, b, op)
    r.free(b, op)


def _pointer_deps(comp, p):
    """``p`` (a compiled pointer expression) for a call that frees what it points
    to: under the LKMM, a closure that also returns the read events the pointer
    was computed from; the free then depends on them (addr) and on the branches
    before it (ctrl - `if (atomic_read(&o->ref) == 1) kfree(o)` orders the load
    before the free)."""
    if not comp.deps:
        return None
    from ._deps import EMPTY

    def ptr_d(f):
        saved = f[2]
        f[2] = EMPTY
        v = p(f)
        addr = f[2]
        f[2] = saved
        return v, addr
    return ptr_d


def _freeing(r, addr, fn, *a, **kw):
    """Run ``fn`` (a free) with the free's dependencies set, then clear them."""
    from ._deps import set_deps, EMPTY
    set_deps(r, addr, EMPTY)
    try:
        return fn(*a, **kw)
    finally:
        set_deps(r, EMPTY, EMPTY)


@intrinsic("kfree", "kvfree", "kfree_sensitive", "free", "vfree")
def _i_kfree(comp, c, args):
    p = comp.expr(args[0])
    name = c.spelling
    src = comp.src(c)
    pd = _pointer_deps(comp, p)
    if pd is None:
        def kfree(f):
            _free(p(f), name, src)
        return kfree

    def kfree_d(f):
        v, addr = pd(f)
        _freeing(rt.CURRENT, addr, _free, v, name, src)
    return kfree_d


def _copy_cells(d, s, k, op, src, uninit_too=False):
    """``memcpy(d, s, k)``: cell by cell where the layouts agree, else byte by byte.
    ``uninit_too`` (krealloc's copy): memory nobody wrote is copied as unwritten -
    KMSAN propagates it through the copy and reports a use, not the copy."""
    vals = []
    pos = 0
    while pos < k:
        lay_s = s.b.layout(s.o + pos)
        lay_d = d.b.layout(d.o + pos)
        if (lay_s is not None and lay_d is not None and lay_s[0] == s.o + pos and
                lay_d[0] == d.o + pos and lay_s[1] == lay_d[1] and pos + lay_s[1] <= k):
            w = lay_s[1]
        else:
            w = 1
        vals.append((pos, w, A.read_slow(s.b, s.o + pos, w, PLAIN, op, src, check=not uninit_too)))
        pos += w
    for pos, w, v in vals:
        if v is UNINIT:
            continue
        A.write_slow(d.b, d.o + pos, w, v, PLAIN, op, src)


@intrinsic("krealloc", "kvrealloc")
def _i_krealloc(comp, c, args):
    """``krealloc(p, new_size, flags)`` (mm/slab_common.c): size 0 frees ``p`` and
    returns ZERO_SIZE_PTR; a NULL (or ZERO_SIZE_PTR) ``p`` is a kmalloc; a size
    that fits in ``p``'s object returns ``p`` itself (``__do_krealloc``: ``ks >=
    new_size``; kcheck's object is the size kmalloc was asked for, with no
    slab slack); else a new object, ``p``'s contents copied into it, and ``p``
    freed - a later access through ``p`` is a use-after-free."""
    if len(args) != 3:
        raise error_at(c, f"{c.spelling}(p, new_size, flags): expected 3 arguments")
    name = c.spelling
    ct = _alloc_type(comp, c, args[1])
    pf, size, flags = (comp.expr(a) for a in args)
    src = comp.src(c)

    def krealloc(f):
        p, n, fl = pf(f), size(f), flags(f)
        r = rt.CURRENT
        if not n:
            if p is not None and p != Wild(0x10):
                _free(p, name, src)
            return Wild(0x10)                          # ZERO_SIZE_PTR
        if p is None or p == Wild(0x10):
            _gfp_may_sleep(fl, name, src)
            return _new_heap(n, ct, bool(fl & 0x100), name, src)
        if p.__class__ is not Ptr or p.b.kind != "heap" or p.o != 0:
            _free(p, name, src)                         # the invalid-free report
        old = p.b
        if r.trace:
            A.set_src(r, src)
        if n <= old.size:
            # ksize(p) >= new_size: the same object (ksize()'s kasan_check_byte()
            # and KASAN's poisoning of the tail past new_size are not modelled)
            return p
        _gfp_may_sleep(fl, name, src)
        t = ct if ct is not None and ct.size else old.ctype
        q = _new_heap(n, t, bool(fl & 0x100), name, src)
        _copy_cells(q, p, old.size, name, src, uninit_too=True)
        _free(p, name, src)
        return q
    return krealloc


# -- per-CPU data (linux/percpu.h; kcheck.kernel.percpu decides the CPU) -------------------

def _pcpu_ptr(p, cpu, what, src):
    """CPU ``cpu``'s copy of the per-CPU object ``p`` points into (CPU 0's)."""
    stride = (p.b.views or {}).get("percpu") if p.__class__ is Ptr else None
    if stride is None:
        raise ModelError(f"{what}({p!r}): not a per-CPU variable "
                         "(DEFINE_PER_CPU or alloc_percpu; sparse: incorrect type, "
                         "different address spaces)")
    n = p.b.size // stride
    if not 0 <= p.o < stride:
        raise ModelError(f"{what}({p!r}): a pointer that is already some "
                         "CPU's copy, not the per-CPU variable")
    if not 0 <= cpu < n:
        A.c_bug("out-of-bounds", f"BUG: KASAN: {what}(..., {cpu}) in {A.where(src)}: CPU {cpu} "
                f"is not possible (nr_cpu_ids is {n})", src)
    return Ptr(p.b, cpu * stride + p.o)


@intrinsic("__kcheck_per_cpu_ptr")
def _i_per_cpu_ptr(comp, c, args):
    p, cpu, src = comp.expr(args[0]), comp.expr(args[1]), comp.src(c)

    def per_cpu_ptr(f):
        return _pcpu_ptr(p(f), cpu(f), "per_cpu_ptr", src)
    return per_cpu_ptr


@intrinsic("__kcheck_this_cpu_ptr")
def _i_this_cpu_ptr(comp, c, args):
    p, checked, src = comp.expr(args[0]), _const_int(comp, args[1]), comp.src(c)
    what = "this_cpu_ptr" if checked else "raw_cpu_ptr"

    def this_cpu_ptr(f):
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        cpu = _K.smp_processor_id() if checked else _K.raw_smp_processor_id()
        return _pcpu_ptr(p(f), cpu, what, src)
    return this_cpu_ptr


def _cpu_call(fn, comp, c, args):
    vals = [comp.expr(a) for a in args]
    src = comp.src(c)

    def call(f):
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        return fn(*[v(f) for v in vals])
    return call


@intrinsic("__kcheck_cpu_enter")
def _i_cpu_enter(comp, c, args):
    return _cpu_call(_percpu._op_enter, comp, c, args)


@intrinsic("__kcheck_cpu_exit")
def _i_cpu_exit(comp, c, args):
    return _cpu_call(_percpu._op_exit, comp, c, args)


@intrinsic("__kcheck_cpu_sync")
def _i_cpu_sync(comp, c, args):
    return _cpu_call(_percpu._c_claim, comp, c, args)


@intrinsic("__kcheck_cpu_done")
def _i_cpu_done(comp, c, args):
    return _cpu_call(_percpu._c_release, comp, c, args)


@intrinsic("__kcheck_cpu_here")
def _i_cpu_here(comp, c, args):
    what = _string_const(comp, args[0]) or "__this_cpu_op"
    src = comp.src(c)

    def here(f):
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        return _percpu._c_here(what)
    return here


@intrinsic("__kcheck_alloc_percpu")
def _i_alloc_percpu(comp, c, args):
    ct = _alloc_type(comp, c, args[0])
    size = comp.expr(args[0])
    gfp = comp.expr(args[1])
    src = comp.src(c)

    def alloc_percpu(f):
        _gfp_may_sleep(gfp(f), "alloc_percpu", src)     # pcpu_alloc(): GFP_KERNEL takes a mutex
        n = _percpu.nr_cpu_ids()
        _percpu._c_machine(n)
        p = _new_heap(size(f) * n, ct, True, "alloc_percpu", src)
        if p.__class__ is Ptr:
            p.b.views = {"percpu": size(f)}
        return p
    return alloc_percpu


@intrinsic("free_percpu")
def _i_free_percpu(comp, c, args):
    p = comp.expr(args[0])
    src = comp.src(c)

    pd = _pointer_deps(comp, p)
    if pd is None:
        def free_percpu(f):
            _free(p(f), "free_percpu", src)
        return free_percpu

    def free_percpu_d(f):
        v, addr = pd(f)
        _freeing(rt.CURRENT, addr, _free, v, "free_percpu", src)
    return free_percpu_d


@intrinsic("kmem_cache_create")
def _i_cache_create(comp, c, args):
    name = comp.expr(args[0])
    size = comp.expr(args[1])
    comp.take_hint()
    ct = _sizeof_type(comp, args[1])
    src = comp.src(c)

    flags = comp.expr(args[3]) if len(args) > 3 else None

    def create(f):
        from ..kernel import slab as S
        fl = flags(f) if flags is not None else 0
        typesafe = isinstance(fl, int) and bool(fl & S.SLAB_TYPESAFE_BY_RCU)
        return KCache(_read_cstring(name(f), src), size(f), ct, typesafe)
    return create


@intrinsic("kmem_cache_alloc", "kmem_cache_zalloc")
def _i_cache_alloc(comp, c, args):
    cache = comp.expr(args[0])
    flags = comp.expr(args[1])
    hint = comp.take_hint()
    zero = c.spelling == "kmem_cache_zalloc"
    op = c.spelling
    src = comp.src(c)

    def alloc(f):
        from ..kernel import slab as S
        k = cache(f)
        if not isinstance(k, KCache):
            A.bad_pointer(k, 0, 8, False, src, "struct kmem_cache")
        fl = flags(f)
        _gfp_may_sleep(fl, op, src)
        r = rt.CURRENT
        if r.cur is not None:
            S._after_destroy(r, k, op)
        z = zero or bool(fl & 0x100)
        if k.typesafe:
            again = _typesafe_again(r, k, op, z, src)
            if again is not None:
                return again
        ct = hint if (hint is not None and not isinstance(hint, VoidT)) else k.ctype
        p = _new_heap(k.size, ct, z, f"{op}({k.name})", src)
        if p.__class__ is Ptr:
            if p.b.views is None:
                p.b.views = {}
            p.b.views["cache"] = k
            S._state(r, k)["objs"].append(p.b._oid)
            if k.typesafe:
                r.typesafe.add(p.b._oid)
        return p
    return alloc


def _typesafe_again(r, k, op, zero, src):
    """A SLAB_TYPESAFE_BY_RCU cache may hand back one of its freed objects, with
    its old contents (kcheck.kernel.slab): the explorer chooses which, or none."""
    from ..kernel import slab as S
    if r.cur is None:
        return None
    fl = S._freelist(r, k)
    free = r.read(fl, MARKED, op)
    if not free:
        return None
    n = r.choice(len(free) + 1, f"{op}: a freed object again?")
    if not n:
        return None
    b = free[n - 1]

    def take(v, b=b):
        return tuple(x for x in v if x is not b) if any(x is b for x in v) else NO_WRITE
    if not any(x is b for x in r.rmw(fl, take, MARKED, op)):
        return None
    if r.trace:
        A.set_src(r, src)
    r.alloc(b, f"{op}({k.name}): again")
    if zero:
        ct = b.ctype
        cells = ct.cells() if ct is not None and ct.size == b.size else \
            [(o, min(8, b.size - o)) for o in range(0, b.size, 8)]
        for off, size in cells:
            A.write_slow(b, off, size, 0, PLAIN, "memset", src)
    return Ptr(b, 0)


@intrinsic("kmem_cache_free")
def _i_cache_free(comp, c, args):
    cache = comp.expr(args[0])
    p = comp.expr(args[1])
    src = comp.src(c)

    pd = _pointer_deps(comp, p)

    def free(f):
        from ..kernel import slab as S
        k = cache(f)
        r = rt.CURRENT
        if isinstance(k, KCache) and r.cur is not None:
            S._after_destroy(r, k, "kmem_cache_free")
        if pd is None:
            v = p(f)
            _free(v, f"kmem_cache_free({getattr(k, 'name', '?')})", src, cache=k)
        else:
            v, addr = pd(f)
            _freeing(r, addr, _free, v, f"kmem_cache_free({getattr(k, 'name', '?')})", src,
                     cache=k)
        if isinstance(k, KCache) and k.typesafe and v.__class__ is Ptr and r.cur is not None:
            b = v.b
            r.rmw(S._freelist(r, k), lambda old: old + (b,), MARKED, "kmem_cache_free")
    return free


@intrinsic("kmem_cache_destroy")
def _i_cache_destroy(comp, c, args):
    cache = comp.expr(args[0])
    src = comp.src(c)

    def destroy(f):
        k = cache(f)
        if k is None:
            return None
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        _K.kmem_cache_destroy(k)
    return destroy


@intrinsic("kmemleak_not_leak")
def _i_not_leak(comp, c, args):
    p = comp.expr(args[0])

    def not_leak(f):
        v = p(f)
        if v.__class__ is Ptr:
            rt.CURRENT.noleak.add(v.b._oid)
    return not_leak


PAGE_SIZE = 4096


@intrinsic("__get_free_page", "get_zeroed_page")
def _i_get_page(comp, c, args):
    zero_always = c.spelling == "get_zeroed_page"
    flags = comp.expr(args[0])
    src = comp.src(c)
    page_t = comp.prog.struct_type("struct page")
    op = c.spelling

    def get_page(f):
        fl = flags(f)
        _gfp_may_sleep(fl, op, src)
        z = zero_always or bool(fl & 0x100)
        r = rt.CURRENT
        b = new_block(PAGE_SIZE, None, "heap", "page", 0 if z else UNINIT)
        meta = new_block(page_t.size if page_t is not None else 16, page_t, "global",
                         f"struct page of {b._kname()}")
        b.views = {"page": None, "meta": meta}
        meta.views = {"data": b}
        if r.trace:
            A.set_src(r, src)
        r.alloc(b, op)
        return b.addr
    return get_page


@intrinsic("free_page")
def _i_free_page(comp, c, args):
    addr = comp.expr(args[0])
    src = comp.src(c)

    ad = _pointer_deps(comp, addr)

    def free_page(f):
        if ad is None:
            a, deps = addr(f), None
        else:
            a, deps = ad(f)
        if a == 0:
            return
        p = int_to_ptr(a)
        if deps is None:
            _free(p, "free_page", src)
        else:
            _freeing(rt.CURRENT, deps, _free, p, "free_page", src)
    return free_page


@intrinsic("virt_to_page")
def _i_virt_to_page(comp, c, args):
    p = comp.expr(args[0])
    src = comp.src(c)

    def v2p(f):
        v = p(f)
        if v.__class__ is not Ptr:
            v = A.to_ptr(v) if v is not None else None
        if v.__class__ is not Ptr:
            A.bad_pointer(v, 0, 8, False, src, "virt_to_page")
        meta = (v.b.views or {}).get("meta")
        if meta is None:
            raise A.model_error(f"virt_to_page({v!r}): not a page from __get_free_page()", src)
        return Ptr(meta, 0)
    return v2p


@intrinsic("page_address")
def _i_page_address(comp, c, args):
    p = comp.expr(args[0])

    def page_address(f):
        v = p(f)
        data = (v.b.views or {}).get("data") if v.__class__ is Ptr else None
        return Ptr(data, 0) if data is not None else None
    return page_address


@intrinsic("memset", "__builtin_memset")
def _i_memset(comp, c, args):
    p, ch, n = (comp.expr(a) for a in args)
    src = comp.src(c)

    def memset(f):
        d, v, k = p(f), ch(f), n(f)
        if k == 0:
            return d
        if d.__class__ is not Ptr:
            A.bad_pointer(d, 0, k, True, src)
        b, o = d.b, d.o
        pos = o
        while pos < o + k:
            lay = b.layout(pos)
            if lay is not None and lay[0] == pos and pos + lay[1] <= o + k:
                A.write_slow(b, pos, lay[1], int.from_bytes(bytes([v & 0xFF]) * lay[1], "little"),
                             PLAIN, "memset", src)
                pos += lay[1]
            else:
                A.write_slow(b, pos, 1, v & 0xFF, PLAIN, "memset", src)
                pos += 1
        return d
    return memset


@intrinsic("memcpy", "memmove", "__builtin_memcpy", "__builtin_memmove")
def _i_memcpy(comp, c, args):
    dp, sp, n = (comp.expr(a) for a in args)
    src = comp.src(c)
    name = c.spelling.replace("__builtin_", "")

    def memcpy(f):
        d, s, k = dp(f), sp(f), n(f)
        if k == 0:
            return d
        if d.__class__ is not Ptr:
            A.bad_pointer(d, 0, k, True, src)
        if s.__class__ is not Ptr:
            A.bad_pointer(s, 0, k, False, src)
        _copy_cells(d, s, k, name, src)
        return d
    return memcpy


@intrinsic("memcmp", "__builtin_memcmp")
def _i_memcmp(comp, c, args):
    ap, bp, n = (comp.expr(a) for a in args)
    src = comp.src(c)

    def memcmp(f):
        a, b, k = ap(f), bp(f), n(f)
        for i in range(k):
            x = A.read_slow(a.b, a.o + i, 1, PLAIN, "memcmp", src) & 0xFF
            y = A.read_slow(b.b, b.o + i, 1, PLAIN, "memcmp", src) & 0xFF
            if x != y:
                return -1 if x < y else 1
        return 0
    return memcmp


def _c_bytes(p, src, op):
    """The bytes of the C string at ``p`` up to its NUL, read as lib/string.c
    reads them: a byte at a time, a NULL or wild pointer faulting, a string
    with no NUL before its object ends read past it (KASAN).  Not
    ``_read_cstring``, which is printk's view (at most 256 characters, decoded
    for the trace): strlen() of a 300-byte name said 256, and kstrdup() then
    copied it without its NUL."""
    if p.__class__ is not Ptr:
        A.bad_pointer(p, 0, 1, False, src, op)
    b = p.b
    out = bytearray()
    o = p.o
    while True:
        v = A.read_slow(b, o, 1, PLAIN, op, src) & 0xFF
        if v == 0:
            return bytes(out)
        out.append(v)
        o += 1


# -- vsnprintf() (lib/vsprintf.c) ---------------------------------------------------
# sprintf(), snprintf(), scnprintf() and kasprintf(): a harness names objects
# with them.  The conversions C has, with the kernel's own choices: "(null)"
# for a NULL %s or %p, a %p printed as the kernel prints one before its hash
# key is ready ("(____ptrval____)": kcheck has no addresses to hash), the
# letters after %p (%pS, %pK, ...) skipped as vsnprintf() skips them, and %n
# refused, as the kernel refuses it.  The buffer is written a byte at a time,
# so an overflow is the out-of-bounds access it is in the kernel.

_CONV = re.compile(rb"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|z|t|j|L)?(.)", re.S)
_LEN_BITS = {None: 32, b"hh": 8, b"h": 16, b"l": 64, b"ll": 64, b"z": 64, b"t": 64, b"j": 64,
             b"L": 64}


def _vsnprintf(fmt, argv, src, op):
    """The bytes ``fmt`` with ``argv`` (values, in order) formats to."""
    out = bytearray()
    args = iter(argv)

    def arg():
        try:
            return next(args)
        except StopIteration:
            raise A.model_error(f"{op}(): the format asks for more arguments than it was given",
                                src) from None
    pos = 0
    while True:
        i = fmt.find(b"%", pos)
        if i < 0:
            out += fmt[pos:]
            return bytes(out)
        out += fmt[pos:i]
        m = _CONV.match(fmt, i)
        if m is None:
            out += fmt[i:]
            return bytes(out)
        flags, width, prec, length, conv = m.groups()
        pos = m.end()
        if conv == b"%":
            out += b"%"
            continue
        width = arg() if width == b"*" else int(width) if width else 0
        if prec == b"*":
            prec = arg()
        elif prec is not None:
            prec = int(prec or b"0")
        left = b"-" in flags or width < 0
        width = abs(width)
        if conv == b"n":
            raise A.model_error(f"{op}(): %n in a format (the kernel refuses it)", src)
        if conv in b"sp":
            v = arg()
            if conv == b"p":
                while pos < len(fmt) and fmt[pos:pos + 1].isalnum():
                    pos += 1            # %pS, %pK, %px ...: the kernel's extensions
                body = b"(null)" if v is None or v == 0 else b"(____ptrval____)"
            elif v is None or (v.__class__ is Wild and v.addr == 0) or v == 0:
                body = b"(null)"
            else:
                body = _c_bytes(v, src, op)
            if conv == b"s" and prec is not None:
                body = body[:prec]
        elif conv in b"diouxXc":
            v = arg()
            if v.__class__ is not int:
                v = ptr_to_int(v) if v is not None else 0
            bits = _LEN_BITS.get(length, 64)
            v &= (1 << bits) - 1
            if conv in b"di" and v >> (bits - 1):
                v -= 1 << bits
            if conv == b"c":
                body = bytes([v & 0xFF])
            else:
                digits = (str(abs(v)) if conv in b"diu" else format(v, "o") if conv == b"o"
                          else format(v, "x" if conv == b"x" else "X")).encode()
                if prec is not None:
                    digits = digits.rjust(prec, b"0")
                sign = b"-" if v < 0 else b"+" if b"+" in flags else b" " if b" " in flags else b""
                if b"#" in flags and v and conv in b"xXo":
                    sign += {b"x": b"0x", b"X": b"0X", b"o": b"0"}[conv]
                if b"0" in flags and not left and prec is None:
                    digits = digits.rjust(width - len(sign), b"0")
                body = sign + digits
        else:
            raise A.model_error(f"{op}(): %{conv.decode(errors='replace')} in a format is not "
                                "a conversion kcheck knows", src)
        out += body.ljust(width) if left else body.rjust(width)


def _put_bytes(d, data, op, src):
    if d.__class__ is not Ptr:
        A.bad_pointer(d, 0, len(data), True, src, op)
    for k, byte in enumerate(data):
        A.write_slow(d.b, d.o + k, 1, byte, PLAIN, op, src)


@intrinsic("sprintf", "snprintf", "scnprintf", "kasprintf")
def _i_sprintf(comp, c, args):
    name = c.spelling
    nfixed = {"sprintf": 2, "snprintf": 3, "scnprintf": 3, "kasprintf": 2}[name]
    if len(args) < nfixed:
        raise error_at(c, f"{name}() takes at least {nfixed} arguments")
    fs = [comp.expr(a) for a in args]
    src = comp.src(c)

    def sprintf(f):
        vals = [g(f) for g in fs]
        fmt = vals[nfixed - 1]
        if fmt is None or fmt.__class__ is not Ptr:
            A.bad_pointer(fmt, 0, 1, False, src, name)
        text = _vsnprintf(_c_bytes(fmt, src, name), vals[nfixed:], src, name)
        if name == "kasprintf":
            _gfp_may_sleep(vals[0], name, src)
            p = _new_heap(len(text) + 1, None, False, name, src)
            _put_bytes(p, text + b"\0", name, src)
            return p
        if name == "sprintf":
            _put_bytes(vals[0], text + b"\0", name, src)
            return len(text)
        size = vals[1]
        if size:
            _put_bytes(vals[0], text[:size - 1] + b"\0", name, src)
        if name == "scnprintf":
            return min(len(text), size - 1) if size else 0
        return len(text)
    return sprintf


@intrinsic("strlen", "__builtin_strlen")
def _i_strlen(comp, c, args):
    p = comp.expr(args[0])
    src = comp.src(c)
    return lambda f: len(_c_bytes(p(f), src, "strlen"))


@intrinsic("strcmp", "__builtin_strcmp")
def _i_strcmp(comp, c, args):
    a, b = (comp.expr(x) for x in args)
    src = comp.src(c)

    def strcmp(f):
        # bytes compare as unsigned char, as lib/string.c does
        x, y = _c_bytes(a(f), src, "strcmp"), _c_bytes(b(f), src, "strcmp")
        return 0 if x == y else (-1 if x < y else 1)
    return strcmp


# -- tasks ----------------------------------------------------------------------------------

def _task_name(cs, base):
    n = cs.ncreated.get(base, 0) + 1
    cs.ncreated[base] = n
    return base if n == 1 else f"{base}{n}"


@intrinsic("pthread_create")
def _i_pthread_create(comp, c, args):
    from ._compile import LV
    tp = comp.expr(args[0])
    fnf = comp.expr(args[2])
    argf = comp.expr(args[3])
    st = comp.store_fn(LV("mem", ULONG, pf=tp, text="*thread"), c)
    src = comp.src(c)

    bodies = {}

    def body_of(fn):
        """The task body for C function ``fn`` (one per function, reused every run)."""
        b = bodies.get(fn)
        if b is None:
            def task_body(arg, fn=fn):
                try:
                    ret = getattr(fn, "from_kernel", fn.invoke)((arg,))
                except PthreadExit as e:
                    ret = e.value
                r = rt.CURRENT
                r._c.tasks[r.cur.tid] = ret
            task_body.__name__ = fn.name
            task_body.c_pthread = True
            b = bodies[fn] = task_body
        return b

    def pthread_create(f):
        fn = fnf(f)
        a = argf(f)
        if a.__class__ is Ptr and a.b.priv:
            publish(a.b)                # the new task sees what its argument points to
        if not hasattr(fn, "invoke"):
            raise A.model_error(f"pthread_create: {fn!r} is not a C function", src)
        r = rt.CURRENT
        cs = r._c
        base = fn.name
        n = cs.ncreated.get(base, 0) + 1
        cs.ncreated[base] = n
        name = base if n == 1 else f"{base}{n}"
        if r.cur is None:
            t = r.spawn_static(body_of(fn), (a,), name)
            cs.prog.static_names.append(t)
            t.setup = fn.setup
        else:
            if r.trace:
                A.set_src(r, src)
            t = r.spawn(body_of(fn), (a,), name, False, "pthread_create")
        t.done = Loc(0, None, f"{name}.done")
        st(f, t.tid + 1)
        return 0
    return pthread_create


def _var_cell(p, what, src):
    """The first word of the variable C's ``p`` points at: its wait queue's key."""
    if p.__class__ is not Ptr:
        if p is None or p.__class__ is Wild:
            A.bad_pointer(p, 0, 1, False, src, what)
        raise A.model_error(f"{what}: {p!r} is not a pointer to a variable", src)
    c = p.b.cell(p.o)
    if c is None:
        raise A.model_error(f"{what}: {p!r} does not point at the start of a variable", src)
    return c


@intrinsic("__var_waitqueue")
def _i_var_waitqueue(comp, c, args):
    pf = comp.expr(args[0])
    src = comp.src(c)

    def var_waitqueue(f):
        return _K.wait_bit.var_queue_of(_var_cell(pf(f), "__var_waitqueue", src))
    return var_waitqueue


@intrinsic("wake_up_var")
def _i_wake_up_var(comp, c, args):
    pf = comp.expr(args[0])
    src = comp.src(c)

    def wake_up_var(f):
        cell = _var_cell(pf(f), "wake_up_var", src)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        _K.wait_bit.wake_up_queue_of(cell)
    return wake_up_var


def _data_race_mark(step):
    """``data_race(expr)``: linux/compiler.h brackets ``expr`` with
    ``__kcheck_data_race_begin()``/``_end()``; compiled in order, they make the
    plain accesses compiled between them carry NORACE - ordered as plain
    accesses, never reported as a data race (KCSAN ignores them too).  No
    event and no cost at run time."""
    def make(comp, c, args):
        fn = comp.fn
        if fn is None:
            raise error_at(c, "data_race() outside a function")
        fn.norace += step
        if fn.norace < 0:
            raise error_at(c, "__kcheck_data_race_end() without its begin")
        return lambda f: None
    return make


INTRINSICS["__kcheck_data_race_begin"] = _data_race_mark(1)
INTRINSICS["__kcheck_data_race_end"] = _data_race_mark(-1)


def _called_from_python(wrappers, fn):
    """C function ``fn`` as kcheck.kernel calls it (a thread's function, an
    interrupt handler): its int result.  One wrapper per function, kept in the
    call site's ``wrappers`` and reused every run.  ``kthread_exit()`` unwinds
    the C frames as pthread_exit() does (their locals end) and raises
    kcheck.kernel's KthreadExit from here."""
    w = wrappers.get(fn)
    if w is None:
        def w(*args, fn=fn):
            try:
                ret = getattr(fn, "from_kernel", fn.invoke)(args)   # a KFunc: no C line to keep
            except PthreadExit as e:
                if getattr(e, "kthread", False):
                    raise _K.kthread.KthreadExit(e.value) from None
                raise
            return ret if ret.__class__ is int else 0
        w.__name__ = fn.name
        wrappers[fn] = w
    return w


def _irq_request(threaded):
    """``request_irq()`` / ``request_threaded_irq()``: kcheck.kernel's interrupt
    line (kernel/interrupt.py) with C handlers ``irqreturn_t fn(int, void *)``."""
    def make(comp, c, args):
        want = 6 if threaded else 5
        if len(args) != want:
            raise error_at(c, f"{c.spelling}: expected {want} arguments")
        irqf = comp.expr(args[0])
        fns = [comp.expr(args[1])] + ([comp.expr(args[2])] if threaded else [])
        flagsf = comp.expr(args[-3])
        namef = comp.expr(args[-2])
        devf = comp.expr(args[-1])
        src = comp.src(c)
        wrappers = {}

        def py_of(fn, what):
            if fn is None:
                return None
            if not hasattr(fn, "invoke"):
                raise A.model_error(f"{c.spelling}: {what} {fn!r} is not a C function", src)
            return _called_from_python(wrappers, fn)

        def request(f):
            irq = irqf(f)
            handler = py_of(fns[0](f), "handler")
            thread_fn = py_of(fns[1](f), "thread_fn") if threaded else None
            dev = devf(f)
            if dev.__class__ is Ptr and dev.b.priv:
                publish(dev.b)          # the handler sees what dev_id points to
            r = rt.CURRENT
            if r.cur is not None and r.trace:
                A.set_src(r, src)
            name = _read_cstring(namef(f), src)
            return _K.interrupt.request_threaded_irq(irq, handler, thread_fn, flagsf(f), name, dev)
        return request
    return make


INTRINSICS["request_irq"] = _irq_request(False)
INTRINSICS["request_threaded_irq"] = _irq_request(True)


def _kthread_start(what, started):
    """``kthread_run()`` / ``kthread_create()``: kcheck.kernel's kernel thread
    (kernel/kthread.py: its should-stop flag, exit code and ``task_struct``
    references) running a C function ``int threadfn(void *data)``; the handle
    is the ``struct task_struct *`` C holds."""
    def make(comp, c, args):
        if len(args) < 3:
            raise error_at(c, f"{what}(threadfn, data, namefmt, ...): expected at least 3 arguments")
        fnf = comp.expr(args[0])
        argf = comp.expr(args[1])
        fmt = _string_const(comp, args[2])
        src = comp.src(c)
        wrappers = {}

        def start(f):
            fn = fnf(f)
            a = argf(f)
            if a.__class__ is Ptr and a.b.priv:
                publish(a.b)            # the thread sees what its argument points to
            if not hasattr(fn, "invoke"):
                raise A.model_error(f"{what}: {fn!r} is not a C function", src)
            r = rt.CURRENT
            cs = r._c
            base = fmt.split("%", 1)[0].strip() if fmt else ""
            name = _task_name(cs, base or fn.name)
            if r.cur is not None and r.trace:
                A.set_src(r, src)
            kt = _K.kthread._make(_called_from_python(wrappers, fn), a, name, what, started)
            if r.cur is None:
                t = r.tasks[kt.tid]
                cs.prog.static_names.append(t)
                t.setup = getattr(fn, "setup", False)     # a kernel function (kthread_worker_fn) is none
            return kt
        return start
    return make


@intrinsic("kthread_exit", "kthread_complete_and_exit")
def _i_kthread_exit(comp, c, args):
    """``kthread_exit(code)`` / ``kthread_complete_and_exit(comp, code)``: kcheck.kernel's
    checks and ``complete()``, then the C thread's frames unwind to ``kthread()``."""
    name = c.spelling
    want = 1 if name == "kthread_exit" else 2
    if len(args) != want:
        raise error_at(c, f"{name}: expected {want} argument{'s' if want > 1 else ''}")
    compf = comp.expr(args[0]) if want == 2 else None
    codef = comp.expr(args[-1])
    src = comp.src(c)

    def kexit(f):
        x = compf(f) if compf is not None else None
        code = codef(f)
        r = rt.CURRENT
        if r.trace:
            A.set_src(r, src)
        _K.kthread._self(r, name)
        if x is not None:
            _K.complete(view(x, "struct completion", src))
        e = PthreadExit(code)
        e.kthread = True
        raise e
    return kexit


INTRINSICS["kthread_run"] = _kthread_start("kthread_run", True)
INTRINSICS["kthread_create"] = _kthread_start("kthread_create", False)


def join_task(r, t, op):
    r.wait_exit(t, op)


@intrinsic("pthread_join")
def _i_pthread_join(comp, c, args):
    from ._compile import LV
    tidf = comp.expr(args[0])
    retp = comp.expr(args[1])
    st = comp.store_fn(LV("mem", comp.T(_uncast(args[1])).target if comp.T(_uncast(args[1])).is_ptr
                          else ULONG, pf=retp), c)
    src = comp.src(c)

    def pthread_join(f):
        k = tidf(f)
        r = rt.CURRENT
        tasks = r.tasks
        if not (1 <= k <= len(tasks)) or tasks[k - 1] is None or tasks[k - 1].done is None:
            raise A.model_error(f"pthread_join({k}): no such thread", src)
        t = tasks[k - 1]
        if r.trace:
            A.set_src(r, src)
        if comp.deps:
            from ._deps import set_deps, EMPTY
            set_deps(r, EMPTY, EMPTY)
        join_task(r, t, f"pthread_join({t.name})")
        rp = retp(f)
        if rp is not None:
            st(f, r._c.tasks.get(t.tid))
        return 0
    return pthread_join


@intrinsic("pthread_self")
def _i_pthread_self(comp, c, args):
    def pthread_self(f):
        t = rt.CURRENT.cur
        return 0 if t is None else t.tid + 1
    return pthread_self


def _mutex_call(pyname):
    def make(comp, c, args):
        m = comp.expr(args[0])
        src = comp.src(c)
        py = getattr(_K, pyname) if pyname else None

        def call(f):
            v = view(m(f), "struct mutex", src)
            if py is None:
                return 0
            r = rt.CURRENT
            if r.trace:
                A.set_src(r, src)
            res = py(v)
            return 0 if res is None else (0 if res else 16)   # trylock: EBUSY
        return call
    return make


INTRINSICS["pthread_mutex_lock"] = _mutex_call("mutex_lock")
INTRINSICS["pthread_mutex_unlock"] = _mutex_call("mutex_unlock")
INTRINSICS["pthread_mutex_trylock"] = _mutex_call("mutex_trylock")
INTRINSICS["pthread_mutex_init"] = _mutex_call(None)
INTRINSICS["pthread_mutex_destroy"] = _mutex_call(None)


# -- calls ------------------------------------------------------------------------------------

def _direct_callee(callee):
    c = callee
    while c.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        ch = list(c.get_children())
        if len(ch) != 1:
            return None
        c = ch[0]
    if c.kind == K.DECL_REF_EXPR:
        ref = c.referenced
        if ref is not None and ref.kind == K.FUNCTION_DECL:
            return ref
    return None


def compile_call(comp, c):
    ch = list(c.get_children())
    callee, args = ch[0], ch[1:]
    fdecl = _direct_callee(callee)
    if fdecl is not None:
        name = fdecl.spelling
        intr = INTRINSICS.get(name)
        if intr is not None:
            return intr(comp, c, args)
        if name.startswith("__builtin_"):
            raise error_at(c, f"'{name}' is not supported")
        defn = fdecl.get_definition()
        if defn is not None:
            cf = comp.cfunc(defn).ensure()
            return call_c(comp, c, cf, args)
        py = binding(name)
        if py is not None:
            ft = comp.types.get(fdecl.type, fdecl)
            return call_binding(comp, c, name, py, ft, args)
        raise error_at(c, f"call to '{name}': kcheck does not model this kernel function "
                          "(define it in the C file, or leave the call out)")
    # a call through a function pointer
    fp = comp.expr(callee)
    argfs = tuple(comp.expr(a) for a in args)
    src = comp.src(c)
    col = c.location.column
    text = comp.text(callee) or "function pointer"

    deps = comp.deps

    def call_ptr(f):
        fn = fp(f)
        if deps and isinstance(fn, CFunc):
            return _call_deps(fn, argfs, f)
        vals = [a(f) for a in argfs]
        inv = getattr(fn, "invoke", None)
        if inv is not None:
            return inv(vals)
        if fn is None or fn.__class__ is Wild:
            A.bad_pointer(fn, 0, 8, False, src, f"call through {text}")
        raise A.model_error(f"call through {text}, which holds {fn!r}, not a function kcheck "
                            "knows", src, col)
    return call_ptr


def call_c(comp, c, cf, args):
    argfs = tuple(comp.expr(a) for a in args)
    if comp.deps:
        return lambda f: _call_deps(cf, argfs, f)
    n = len(argfs)
    inv = cf.invoke
    if n == 0:
        return lambda f: inv(())
    if n == 1:
        a0, = argfs
        return lambda f: inv((a0(f),))
    if n == 2:
        a0, a1 = argfs
        return lambda f: inv((a0(f), a1(f)))
    if n == 3:
        a0, a1, a2 = argfs
        return lambda f: inv((a0(f), a1(f), a2(f)))
    return lambda f: inv([a(f) for a in argfs])


def _call_deps(cf, argfs, f):
    """A call of a C function under the LKMM: each argument's dependency set goes
    to its parameter, and the return value's set comes back into the caller's
    register - a pointer from a lookup helper that returns ``rcu_dereference()``
    is address-dependent on that read in the caller, as it is in the inlined code."""
    saved = f[DEPS]
    vals = []
    ds = []
    for a in argfs:
        f[DEPS] = EMPTY
        vals.append(a(f))
        ds.append(f[DEPS])
    if not cf._ready:
        cf.ensure()
    v, d = invoke_d(cf, vals, ds)
    f[DEPS] = saved | d
    return v


def function_value(comp, fdecl, c):
    """The value of a function name (a function pointer): a CFunc or a kernel binding."""
    name = fdecl.spelling
    defn = fdecl.get_definition()
    if defn is not None:
        cf = comp.cfunc(defn).ensure()
        return lambda f: cf
    py = binding(name)
    if py is not None:
        ft = comp.types.get(fdecl.type, fdecl)
        kf = KFunc(name, py, ft)
        return lambda f: kf
    raise error_at(c, f"'{name}': kcheck does not model this kernel function "
                      "(define it in the C file)")


class KFunc:
    """A kcheck.kernel function used as a C function pointer (``call_rcu(head, kfree)``...)."""

    def __init__(self, name, py, ftype):
        self.name = self.__name__ = name
        self.py = py
        self.ftype = ftype

    def invoke(self, args):
        conv = []
        for a, pt in zip(args, self.ftype.params):
            vn = view_name(pt)
            conv.append(view(a, vn) if vn is not None and a.__class__ is Ptr else a)
        return self.py(*conv)

    def __call__(self, *args):
        return self.py(*args)

    def _kname(self):
        return self.name
