"""kmalloc / kfree, kmem caches, and frees deferred by RCU.

Every heap object's life is tracked: an access after its free is a
use-after-free, a second free a double free, and an object still allocated
when every task has finished is a leak.

``kmem_cache_destroy`` checks what the kernel checks: every object of the
cache must be freed before it, or the kernel WARNs "kmem_cache_destroy NAME:
Slab cache still has objects" (SLUB first prints "Objects remaining in NAME on
__kmem_cache_shutdown()").  "Before" means in every order of the execution,
so an object an RCU callback frees into the cache (``call_rcu`` whose
callback calls ``kmem_cache_free``) is still there unless ``rcu_barrier()``
ran first - the reason module exit code calls it.  Allocating from or freeing
into a destroyed cache is a use-after-free of the cache.  Pending
``kfree_rcu()`` frees are waited for: ``kmem_cache_destroy`` calls
``kvfree_rcu_barrier()`` since v6.12 (6c6c47b063b5, so that call_rcu() +
kmem_cache_free callbacks could become kfree_rcu()); until 2026-11-30 kcheck
modelled the earlier kernels, where that was a WARN.

``kfree_rcu(obj, "field")`` frees ``obj`` after a grace period, through its
``rcu_head`` field, as ``call_rcu`` would with a callback calling ``kfree``;
``kfree_rcu_mightsleep(obj)`` waits for the grace period itself.
``kfree_sensitive`` zeroes the object, then frees it: the zeroing is not an
event (only a use-after-free could see it, and that is reported anyway).
"""

from __future__ import annotations

import zlib

from ._core import run, ModelError, op, anon, Loc, ONCE, PLAIN, NO_WRITE
from .timer import debug_check_no_obj_freed
from .list import list_head


# gfp_t flags (include/linux/gfp_types.h): what an allocation may do.  One
# that may enter direct reclaim (__GFP_DIRECT_RECLAIM: GFP_KERNEL, GFP_NOIO,
# GFP_NOFS) may sleep, so it is might_sleep()'s business (slab_pre_alloc_hook:
# "BUG: sleeping function called from invalid context" under a spinlock, in
# an RCU reader, in an interrupt handler); GFP_ATOMIC and GFP_NOWAIT never sleep.
__GFP_DIRECT_RECLAIM = 0x400
__GFP_ZERO = 0x100
GFP_ATOMIC = 0x820
GFP_KERNEL = 0xcc0
GFP_KERNEL_ACCOUNT = GFP_KERNEL | 0x400000
GFP_NOWAIT = 0x800
GFP_NOIO = 0xc00
GFP_NOFS = 0xc40


def gfpflags_allow_blocking(gfp):
    return bool(gfp & __GFP_DIRECT_RECLAIM)


def _may_sleep(gfp, what):
    """The allocation's might_sleep(), when its flags allow blocking.  A Python
    model that passes no flags is not checked (it did not say)."""
    if gfp is not None and gfp & __GFP_DIRECT_RECLAIM:
        from .sched import sleep_check
        sleep_check(what)


def _zeroed(obj):
    """The list_heads of a heap object start as C's do: NULL until
    ``INIT_LIST_HEAD()`` or a ``list_add()`` writes them (a review, 2026-12-03:
    a ``list_del()`` of an entry never added passed, because a Python
    list_head starts empty - right for ``LIST_HEAD()`` and the objects main()
    builds, not for memory from the allocator, where the kernel oopses)."""
    if obj.__class__ is list_head:
        obj._next.init = None
        obj._prev.init = None
        return
    for name, _ in getattr(type(obj), "_embedded_", ()):
        sub = getattr(obj, name, None)
        if sub is not None:
            _zeroed(sub)


def kmalloc(cls, gfp=None, /, **init):
    """A new tracked ``cls(**init)``; ``gfp`` (``GFP_KERNEL``, ``GFP_ATOMIC``, ...):
    with a flag that allows blocking, a context that may not sleep is a bug."""
    _may_sleep(gfp, "kmalloc")
    obj = cls(**init)
    _zeroed(obj)
    run().alloc(obj, "kmalloc")
    return obj


def kzalloc(cls, gfp=None, /, **init):
    _may_sleep(gfp, "kzalloc")
    obj = cls(**init)
    _zeroed(obj)
    run().alloc(obj, "kzalloc")
    return obj


kvmalloc = kmalloc
kvzalloc = kzalloc


def _free(obj, what):
    """Free a heap object, ODEBUG's check of the timers in it first."""
    r = run()
    debug_check_no_obj_freed(r, obj, what)
    r.free(obj, what)


class _ZeroSizePtr:
    """``ZERO_SIZE_PTR`` (``(void *)16``): what ``krealloc(p, 0)`` returns.  Not
    NULL, but any access through it is the kernel's NULL-pointer oops."""

    __slots__ = ()
    _handle = True      # a constant (runtime.stack_state compares it by identity)

    def __repr__(self):
        return "ZERO_SIZE_PTR"

    def __reduce__(self):
        return "ZERO_SIZE_PTR"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        _zero_size_oops(name)

    def __setattr__(self, name, v):
        _zero_size_oops(name)


def _zero_size_oops(field):
    run().report("null-deref", "BUG: kernel NULL pointer dereference, address: 0000000000000010 "
                 f"(->{field} through ZERO_SIZE_PTR)", fatal=True)


ZERO_SIZE_PTR = _ZeroSizePtr()


def ZERO_OR_NULL_PTR(p):
    return p is None or p is ZERO_SIZE_PTR


def kfree(obj):
    if obj is None or obj is ZERO_SIZE_PTR:
        return
    _free(obj, "kfree")


def kvfree(obj):
    if obj is None or obj is ZERO_SIZE_PTR:
        return
    _free(obj, "kvfree")


def krealloc(p, new, gfp=None, /):
    """``krealloc(p, new_size, flags)`` (mm/slab_common.c) with the new size given
    as kmalloc's is, a struct type: 0 (or None) frees ``p`` and returns
    ``ZERO_SIZE_PTR``; a NULL (or ZERO_SIZE_PTR) ``p`` is ``kmalloc(new, gfp)``;
    ``p``'s own type fits, so ``p`` itself comes back (``__do_krealloc``: ``ksize(p)
    >= new_size``); another type is a new object, ``p``'s fields copied into the
    ones of the same name (plain loads and stores, as the kernel's memcpy), and
    ``p`` freed - an access through ``p`` afterwards is a use-after-free."""
    if not new:
        if not ZERO_OR_NULL_PTR(p):
            _free(p, "krealloc")
        return ZERO_SIZE_PTR
    if ZERO_OR_NULL_PTR(p):
        _may_sleep(gfp, "krealloc")
        obj = new()
        run().alloc(obj, "krealloc")
        return obj
    if type(p) is new:
        return p
    if not isinstance(new, type):
        raise ModelError(f"krealloc({p!r}, {new!r}): the new size is a struct type, as kmalloc's")
    _may_sleep(gfp, "krealloc")
    r = run()
    obj = new()
    r.alloc(obj, "krealloc")
    with op(r, lambda: f"krealloc({p!r}) copies into {obj!r}"):
        have = set(getattr(new, "_fields_", ()))
        for name in getattr(type(p), "_fields_", ()):
            if name in have:
                setattr(obj, name, getattr(p, name))
        mine = dict(getattr(new, "_embedded_", ()))
        for name, _ in getattr(type(p), "_embedded_", ()):
            src = getattr(getattr(p, name, None), "_loc", None)
            dst = getattr(getattr(obj, name, None), "_loc", None) if name in mine else None
            if src is not None and dst is not None:
                r.write(dst, r.read(src, PLAIN, "krealloc"), PLAIN, "krealloc")
    _free(p, "krealloc")
    return obj


kvrealloc = krealloc




def kfree_sensitive(obj):
    """Zero ``obj`` (``memzero_explicit``), then ``kfree`` it."""
    if obj is None:
        return
    _free(obj, "kfree_sensitive")


def _rcu_free(obj, field, what, free_op):
    from .rcu import queue_rcu_callback
    r = run()
    if obj is None:
        return
    head = getattr(obj, field, None) if field is not None else None
    if head is None or type(head).__name__ != "rcu_head":
        raise ModelError(f"{what}({obj!r}, {field!r}): the second argument names the object's "
                         "rcu_head field")

    def kfree_rcu_cb(h):
        _free(obj, free_op)
    kfree_rcu_cb.__name__ = what
    with op(r, lambda: f"{what}({obj!r}, {field})"):
        queue_rcu_callback(head, kfree_rcu_cb, 1)


def kfree_rcu(obj, field):
    """Free ``obj`` after an RCU grace period (``field``: its ``rcu_head``)."""
    _rcu_free(obj, field, "kfree_rcu", "kfree")


def kvfree_rcu(obj, field):
    _rcu_free(obj, field, "kvfree_rcu", "kvfree")


def kfree_rcu_mightsleep(obj):
    """``kfree_rcu(ptr)`` without an ``rcu_head``: wait for a grace period here, then free."""
    from .rcu import synchronize_rcu
    if obj is None:
        return
    synchronize_rcu()
    _free(obj, "kfree")


kvfree_rcu_mightsleep = kfree_rcu_mightsleep


class kmem_cache:
    """A cache handle; its objects and its destroy live in the run (``_state``).

    Two handles are the same cache when made by the same ``kmem_cache_create``
    call in the same place of the model (its name and the order it came in),
    so a run's state finds the cache whichever run made the handle."""

    __slots__ = ("name", "cls", "serial", "typesafe", "_hash")

    def __init__(self, name, cls, typesafe=False):
        self.name = name
        self.cls = cls
        self.serial = anon("kmem_cache")
        self.typesafe = typesafe
        # stable across processes (a parallel search's workers key their state by it);
        # computed once: the cache is a dict key on every allocation and free
        self._hash = zlib.crc32(f"{name}\0{self.serial}".encode())

    def __eq__(self, other):
        return other.__class__ is kmem_cache and other.serial == self.serial \
            and other.name == self.name

    def __hash__(self):
        return self._hash

    def __repr__(self):
        return f"kmem_cache({self.name})"


SLAB_HWCACHE_ALIGN = 0x00002000
SLAB_PANIC = 0x00040000
SLAB_TYPESAFE_BY_RCU = 0x00080000
SLAB_ACCOUNT = 0x04000000

def kmem_cache_create(name, cls, *a, **kw):
    """``kmem_cache_create(name, cls[, align, flags, ctor])``.  The flags that only
    place or account objects change nothing here; ``SLAB_TYPESAFE_BY_RCU`` makes a
    cache whose freed objects stay objects of their type until the slab page
    goes after a grace period, so a reader holding a stale pointer may read
    one freely - and find it allocated again, as another object: the
    lookup must take a reference (``refcount_inc_not_zero``) and then check it
    is still the object it looked for.  Such a freed object is never a
    use-after-free, and each allocation from the cache may hand back any of
    its freed objects (an explorer choice) as well as a new one, with its old
    contents (``kmem_cache_zalloc`` zeroes them)."""
    flags = kw.get("flags", a[1] if len(a) > 1 else 0)
    typesafe = isinstance(flags, int) and bool(flags & SLAB_TYPESAFE_BY_RCU)
    return kmem_cache(name, cls, typesafe)


_FREELIST_KIND = 13          # Loc.keyed's range for the free lists of typesafe caches


def _freelist(r, cache):
    """The freed objects a SLAB_TYPESAFE_BY_RCU cache can hand out again: one word
    (a tuple), kept on the run's state of the cache."""
    s = _state(r, cache)
    loc = s.get("freelist")
    if loc is None:
        loc = s["freelist"] = Loc.keyed(_FREELIST_KIND, hash(cache), 0,
                                        f"{cache.name}:freelist", ())
    return loc


def _typesafe_alloc(r, cache, what, zero, init):
    """An object of a typesafe cache: a freed one (explorer's choice), else new."""
    fl = _freelist(r, cache)
    free = r.read(fl, ONCE, what) if r.cur is not None else fl.init
    if free and r.cur is not None:
        k = r.choice(len(free) + 1, f"{what}: a freed object again?")
        if k:
            obj = free[k - 1]

            def take(v, obj=obj):
                return tuple(x for x in v if x is not obj) if any(x is obj for x in v) else NO_WRITE
            old = r.rmw(fl, take, ONCE, what)
            if any(x is obj for x in old):
                r.alloc(obj, f"{what}({cache.name}): again")
                if zero:
                    _zero(obj)
                for k2, v in init.items():
                    setattr(obj, k2, v)
                return obj
    obj = cache.cls(**init)
    r.typesafe.add(obj._oid)
    r.alloc(obj, f"{what}({cache.name})")
    _state(r, cache)["objs"].append(obj._oid)
    return obj


def _zero(obj):
    """kmem_cache_zalloc() of an object used before: every field to zero."""
    r = run()
    for name, loc in getattr(obj, "_f", {}).items():
        r.write(loc, obj._zeros_.get(name, 0), PLAIN, f"store {name}")
    for name, _ in getattr(type(obj), "_embedded_", ()):
        sub = getattr(obj, name, None)
        loc = getattr(sub, "_loc", None)
        if loc is not None:
            r.write(loc, 0, ONCE, "memset")


def _state(r, cache):
    """Per-run state of a cache: its objects and its destroy event."""
    st = r.__dict__.setdefault("slab_caches", {})
    s = st.get(cache)
    if s is None:
        s = st[cache] = {"cache": cache, "objs": [], "destroy": None}
    return s


def _after_destroy(r, cache, what):
    s = _state(r, cache)
    d = s["destroy"]
    t = r.cur
    if d is not None and t is not None and t.pos and d.tid < len(r.g.threads):
        from ..engine.graph import contains
        if contains(r.g.threads[t.tid][t.pos - 1].view, d) or d.tid == t.tid:
            r.report("use-after-free", f"{what} on {cache.name} after kmem_cache_destroy({cache.name}) "
                     f"by {r._task_name(d.tid)}: the cache is gone")


def kmem_cache_alloc(cache, gfp=None, /, **init):
    _may_sleep(gfp, "kmem_cache_alloc")
    r = run()
    _after_destroy(r, cache, "kmem_cache_alloc")
    if cache.typesafe:
        return _typesafe_alloc(r, cache, "kmem_cache_alloc", False, init)
    obj = cache.cls(**init)
    _zeroed(obj)
    r.alloc(obj, f"kmem_cache_alloc({cache.name})")
    _state(r, cache)["objs"].append(obj._oid)
    return obj


def kmem_cache_zalloc(cache, gfp=None, /, **init):
    _may_sleep(gfp, "kmem_cache_zalloc")
    r = run()
    _after_destroy(r, cache, "kmem_cache_zalloc")
    if cache.typesafe:
        return _typesafe_alloc(r, cache, "kmem_cache_zalloc", True, init)
    obj = cache.cls(**init)
    _zeroed(obj)
    r.alloc(obj, f"kmem_cache_zalloc({cache.name})")
    _state(r, cache)["objs"].append(obj._oid)
    return obj


def kmem_cache_free(cache, obj):
    if not isinstance(obj, cache.cls):
        raise ModelError(f"kmem_cache_free({cache.name}, {obj!r}): object is not from this cache")
    r = run()
    _after_destroy(r, cache, "kmem_cache_free")
    _free(obj, f"kmem_cache_free({cache.name})")
    if cache.typesafe:
        # back on the cache's free list, for any allocation to take at once
        r.rmw(_freelist(r, cache), lambda v: v + (obj,), ONCE, f"kmem_cache_free({cache.name})")


def kmem_cache_destroy(cache):
    """Destroy the cache: every object must have been freed (see the module docstring)."""
    if cache is None:
        return
    r = run()
    if r.cur is None:
        raise ModelError("kmem_cache_destroy() from main(): destroy caches from a task")
    from .sched import sleep_check
    from .rcu import kvfree_rcu_barrier
    sleep_check("kmem_cache_destroy")
    kvfree_rcu_barrier()        # in-flight kfree_rcu()s may hold its objects (v6.12)
    s = _state(r, cache)
    if s["destroy"] is not None:
        r.report("use-after-free", f"kmem_cache_destroy({cache.name}) twice")
    r.fence("kmem_cache_destroy", f"kmem_cache_destroy({cache.name})")
    s["destroy"] = r.last_event()
    # whether every object was freed before is a question about every order of
    # the finished execution, not about this run's: decided at its end
    checks = r.__dict__.setdefault("end_checks", [])
    if _check_destroyed not in checks:
        checks.append(_check_destroyed)


def _check_destroyed(r, complete):
    """At the end of the run: was every alloc and free of a destroyed cache
    ordered before its destroy, whatever the interleaving?"""
    from ..engine.detect import must_precede_all
    from ..engine.runtime import Bug
    for s in r.__dict__.get("slab_caches", {}).values():
        d = s["destroy"]
        if d is None:
            continue
        cache = s["cache"]
        objs = [(oid, r.heap[oid][0], r.heap[oid][1], r.freed.get(oid)) for oid in s["objs"]]
        done = must_precede_all(r, [e for _, _, a, f in objs for e in (a, f)], d)
        for oid, obj, a, f in objs:
            if f is None:
                if not complete:
                    continue         # the run stopped early: its free may still come
                why = "it is never freed"
                late = a
            elif f not in done:
                why = (f"{r._task_name(f.tid)}'s {f.op} of it can come after the destroy: "
                       "nothing orders it before")
                late = f
            elif a is not None and a not in done:
                why = f"{r._task_name(a.tid)} can allocate it after the destroy"
                late = a
            else:
                continue
            return Bug("warn", f"kmem_cache_destroy {cache.name}: Slab cache still has objects when "
                       f"called from {r._task_name(d.tid)} (Objects remaining in {cache.name} on "
                       f"__kmem_cache_shutdown(): {obj._kname()}; {why})",
                       event=d, task=r.tasks[d.tid], other=late)
    return None


def kmemleak_not_leak(obj):
    """Tell the leak check that ``obj`` is meant to outlive the model."""
    run().noleak.add(obj._oid)

__all__ = ["GFP_ATOMIC", "GFP_KERNEL", "GFP_KERNEL_ACCOUNT", "GFP_NOWAIT", "GFP_NOIO", "GFP_NOFS",
           "gfpflags_allow_blocking", "kmalloc", "kzalloc", "kvmalloc", "kvzalloc", "kfree", "kvfree", "kfree_sensitive",
           "krealloc", "kvrealloc", "ZERO_SIZE_PTR", "ZERO_OR_NULL_PTR",
           "kfree_rcu", "kvfree_rcu", "kfree_rcu_mightsleep", "kvfree_rcu_mightsleep",
           "kmem_cache", "kmem_cache_create", "kmem_cache_alloc", "kmem_cache_zalloc",
           "kmem_cache_free", "kmem_cache_destroy", "kmemleak_not_leak", "SLAB_HWCACHE_ALIGN",
           "SLAB_PANIC", "SLAB_TYPESAFE_BY_RCU", "SLAB_ACCOUNT"]
