"""Fixed-size hash tables of hlists (include/linux/hashtable.h).

``DEFINE_HASHTABLE(bits)`` makes ``1 << bits`` buckets (``hlist_head``s);
in a struct, declare the field as ``DECLARE_HASHTABLE(bits)``.  A key picks
its bucket with the kernel's ``hash_min``: ``hash_32`` for a key that fits a
``u32``, ``hash_long`` (``hash_64``) otherwise - Python ints have no C type,
so the key's value decides.  The RCU forms are the hlist RCU operations on
the bucket.
"""

from __future__ import annotations

from ._core import KObject, ModelError, run
from .list import (hlist_head, hlist_add_head, hlist_add_head_rcu, hlist_del, hlist_del_init,
                   hlist_del_rcu, hlist_del_init_rcu, hlist_for_each_entry, hlist_for_each_entry_rcu,
                   hlist_for_each_entry_safe, hlist_empty, INIT_HLIST_HEAD)

GOLDEN_RATIO_32 = 0x61C88647
GOLDEN_RATIO_64 = 0x61C8864680B583EB


def hash_32(val, bits):
    return ((val * GOLDEN_RATIO_32) & 0xffffffff) >> (32 - bits)


def hash_64(val, bits):
    return ((val * GOLDEN_RATIO_64) & 0xffffffffffffffff) >> (64 - bits)


hash_long = hash_64


def hash_min(val, bits):
    if val < 0:
        raise ModelError(f"hash key {val} is negative: hash tables take unsigned keys")
    return hash_32(val, bits) if val < (1 << 32) else hash_long(val, bits)


class hashtable(KObject):
    """``struct hlist_head name[1 << bits]``."""

    __slots__ = ("buckets", "bits", "_owner", "_kid")

    def __init__(self, bits, owner=None, field=None):
        if bits < 1:
            raise ModelError("a hash table needs at least 1 bit (2 buckets)")
        name = field or "hashtable"
        self.bits = bits
        self._owner = owner
        self.buckets = [hlist_head(owner, f"{name}[{i}]") for i in range(1 << bits)]
        self._kid = ("T", self.buckets[0]._kid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(cls._bits_, owner, name)

    def __len__(self):
        return len(self.buckets)

    def __getitem__(self, i):
        return self.buckets[i]

    def bucket(self, key):
        return self.buckets[hash_min(key, self.bits)]


def DECLARE_HASHTABLE(bits):
    """A field type: ``table: DECLARE_HASHTABLE(3)``."""
    return type(f"hashtable{bits}", (hashtable,), {"_bits_": bits, "__slots__": ()})


def DEFINE_HASHTABLE(bits):
    return hashtable(bits)


def HASH_SIZE(table):
    return len(table.buckets)


def hash_init(table):
    for b in table.buckets:
        INIT_HLIST_HEAD(b)


def hash_add(table, node, key):
    hlist_add_head(node, table.bucket(key))


def hash_add_rcu(table, node, key):
    hlist_add_head_rcu(node, table.bucket(key))


def hash_del(node):
    hlist_del_init(node)


def hash_del_rcu(node):
    hlist_del_init_rcu(node)


def hash_empty(table):
    return all(hlist_empty(b) for b in table.buckets)


def hash_for_each_possible(table, member, key):
    """The entries in ``key``'s bucket (not only those with that key: compare it)."""
    return hlist_for_each_entry(table.bucket(key), member)


def hash_for_each_possible_safe(table, member, key):
    return hlist_for_each_entry_safe(table.bucket(key), member)


def hash_for_each_possible_rcu(table, member, key, cond=False):
    """As ``hash_for_each_possible`` under RCU (``cond``: the lockdep condition that
    makes a walk outside ``rcu_read_lock()`` legal)."""
    return hlist_for_each_entry_rcu(table.bucket(key), member, cond)


def hash_for_each(table, member):
    for b in table.buckets:
        yield from hlist_for_each_entry(b, member)


def hash_for_each_safe(table, member):
    for b in table.buckets:
        yield from hlist_for_each_entry_safe(b, member)


def hash_for_each_rcu(table, member, cond=False):
    for b in table.buckets:
        yield from hlist_for_each_entry_rcu(b, member, cond)

__all__ = ["hashtable", "DECLARE_HASHTABLE", "DEFINE_HASHTABLE", "HASH_SIZE", "hash_init",
           "hash_add", "hash_add_rcu", "hash_del", "hash_del_rcu", "hash_empty",
           "hash_for_each_possible", "hash_for_each_possible_safe", "hash_for_each_possible_rcu",
           "hash_for_each", "hash_for_each_safe", "hash_for_each_rcu", "hash_32", "hash_64",
           "hash_long", "hash_min"]
