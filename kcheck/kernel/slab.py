"""kmalloc / kfree and kmem caches.  Every heap object's life is tracked: an
access after its free is a use-after-free, a second free a double free, and
an object still allocated when every task has finished is a leak."""

from __future__ import annotations

from ._core import run, ModelError


def kmalloc(cls, **init):
    obj = cls(**init)
    run().alloc(obj, "kmalloc")
    return obj


def kzalloc(cls, **init):
    obj = cls(**init)
    run().alloc(obj, "kzalloc")
    return obj


def kfree(obj):
    if obj is None:
        return
    run().free(obj, "kfree")


def kvfree(obj):
    if obj is None:
        return
    run().free(obj, "kvfree")


class kmem_cache:
    def __init__(self, name, cls):
        self.name = name
        self.cls = cls


def kmem_cache_create(name, cls, *a, **kw):
    return kmem_cache(name, cls)


def kmem_cache_alloc(cache, **init):
    obj = cache.cls(**init)
    run().alloc(obj, f"kmem_cache_alloc({cache.name})")
    return obj


def kmem_cache_zalloc(cache, **init):
    obj = cache.cls(**init)
    run().alloc(obj, f"kmem_cache_zalloc({cache.name})")
    return obj


def kmem_cache_free(cache, obj):
    if not isinstance(obj, cache.cls):
        raise ModelError(f"kmem_cache_free({cache.name}, {obj!r}): object is not from this cache")
    run().free(obj, f"kmem_cache_free({cache.name})")


def kmemleak_not_leak(obj):
    """Tell the leak check that ``obj`` is meant to outlive the model."""
    run().noleak.add(obj._oid)
