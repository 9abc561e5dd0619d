"""A key freed under RCU readers without a grace period: net/mac802154/llsec.c.

Fixed by e8a1e58345cf40b7b272e08ac7b32328b2543e40 ("mac802154: fix llsec key
resources release in mac802154_llsec_key_del", v6.9).

The link-layer security keys of an 802.15.4 interface sit on
``sec->table.keys``, a list of ``ieee802154_llsec_key_entry`` whose ``key``
points into a ``mac802154_llsec_key`` with a kref.  The transmit path,
``mac802154_llsec_encrypt()``, walks the list in ``llsec_lookup_key()`` under
``rcu_read_lock()`` (and ``read_lock_bh(&sec->lock)``, which only guards the
parameters) and takes its own reference with ``llsec_key_get()`` =
``kref_get()``.  Netlink's key removal, ``mac802154_llsec_key_del()`` (under
``sdata->sec_mtx``, which the transmit path does not take), unlinked the entry
with ``list_del_rcu()`` and then dropped the list's reference at once with
``llsec_key_put()``: the last put frees the key while a reader that found its
entry before the unlink may still be about to ``kref_get()`` it -
"refcount_t: addition on 0; use-after-free" in ``llsec_lookup_key()``, the
report in the commit.  The entry itself was never freed at all (kmemleak's
second report there).  The fix defers both to an RCU callback,
``mac802154_llsec_key_del_rcu()``: ``call_rcu(&pos->rcu, ...)`` puts the key
and frees the entry after a grace period, when no reader can still hold the
entry.

Model: ``ieee802154_llsec_key`` is folded into ``mac802154_llsec_key`` (the
entry points at the key object itself instead of a member of it), the key id
is two ints, the crypto transforms are one field the encryption reads.  The
buggy ``mac802154_llsec_key_del()`` leaks the entry as the kernel's did, and
kcheck reports that leak in the very first execution it explores; ``buggy()``
sets it aside with ``kmemleak_not_leak()`` on the entry so that the race, what
the fix is about, is the bug it reports (delete that line and it says ``leak``).
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, kref, kref_init, kref_get, kref_put, container_of, list_head,
                           list_add_rcu, list_del_rcu, list_for_each_entry, list_for_each_entry_rcu,
                           rcu_head, call_rcu, rcu_read_lock, rcu_read_unlock, rwlock_t, read_lock_bh,
                           read_unlock_bh, write_lock_bh, write_unlock_bh, mutex, mutex_lock,
                           mutex_unlock, kzalloc, kfree_sensitive, kmemleak_not_leak, BIT)

KIND = {"sc": "refcount-warn", "lkmm": "refcount-warn"}
MEMORY_MODELS = ("sc", "lkmm")

IEEE802154_FC_TYPE_DATA = 1
IEEE802154_SCF_KEY_INDEX = 1
ENOENT, ENOKEY = 2, 126


class mac802154_llsec_key(KStruct):
    frame_types: int                    # key->key.frame_types
    tfm0: int                           # the crypto transforms (crypto_free_* in the release)
    ref: kref


class ieee802154_llsec_key_entry(KStruct):
    list: list_head
    rcu: rcu_head                       # the fix
    id_mode: int                        # struct ieee802154_llsec_key_id
    id_id: int
    key: mac802154_llsec_key


class mac802154_llsec(KStruct):
    table_keys: list_head               # sec->table.keys
    lock: rwlock_t                      # guards sec->params
    params_enabled: bool
    params_frame_counter: int


class ieee802154_sub_if_data(KStruct):
    sec_mtx: mutex                      # serialises the netlink llsec updates
    sec: mac802154_llsec


def llsec_key_release(ref):
    key = container_of(ref, mac802154_llsec_key)
    key.tfm0                            # crypto_free_aead(key->tfm[i]) ...
    kfree_sensitive(key)


def llsec_key_get(key):
    kref_get(key.ref)
    return key


def llsec_key_put(key):
    kref_put(key.ref, llsec_key_release)


def llsec_key_id_equal(pos, mode, id_):
    return pos.id_mode == mode and pos.id_id == id_


def mac802154_llsec_key_add(sec, mode, id_):
    # under sec_mtx (here main() builds the table before the tasks start)
    mkey = kzalloc(mac802154_llsec_key, frame_types=BIT(IEEE802154_FC_TYPE_DATA), tfm0=1)
    kref_init(mkey.ref)
    new = kzalloc(ieee802154_llsec_key_entry, id_mode=mode, id_id=id_)
    new.key = mkey
    list_add_rcu(new.list, sec.table_keys)
    return new


def llsec_lookup_key(sec, fc_type, key_id_mode, key_id):
    for key_entry in list_for_each_entry_rcu(sec.table_keys, "list"):
        if not (key_entry.key.frame_types & BIT(fc_type)):
            continue
        if key_entry.id_mode != key_id_mode:
            continue
        if key_entry.id_id != key_id:
            continue
        key = key_entry.key             # container_of(key_entry->key, ...)
        return llsec_key_get(key)
    return None


def mac802154_llsec_encrypt(sec):
    """dgram_sendmsg() -> ieee802154_subif_start_xmit() -> here."""
    rcu_read_lock()
    read_lock_bh(sec.lock)
    if not sec.params_enabled:
        read_unlock_bh(sec.lock)
        rcu_read_unlock()
        return -1
    key = llsec_lookup_key(sec, IEEE802154_FC_TYPE_DATA, IEEE802154_SCF_KEY_INDEX, 1)
    if key is None:
        read_unlock_bh(sec.lock)
        rcu_read_unlock()
        return -ENOKEY
    read_unlock_bh(sec.lock)

    write_lock_bh(sec.lock)
    frame_ctr = sec.params_frame_counter
    sec.params_frame_counter = frame_ctr + 1
    write_unlock_bh(sec.lock)
    rcu_read_unlock()

    key.tfm0                            # llsec_do_encrypt(skb, sec, &hdr, key)
    llsec_key_put(key)
    return 0


def mac802154_llsec_key_del_buggy(sec, mode, id_):
    for pos in list_for_each_entry(sec.table_keys, "list"):
        mkey = pos.key
        if llsec_key_id_equal(pos, mode, id_):
            list_del_rcu(pos.list)
            llsec_key_put(mkey)         # readers may still be on pos; pos is never freed
            return 0
    return -ENOENT


def mac802154_llsec_key_del_rcu(rcu):
    pos = container_of(rcu, ieee802154_llsec_key_entry)
    mkey = pos.key
    llsec_key_put(mkey)
    kfree_sensitive(pos)


def mac802154_llsec_key_del_fixed(sec, mode, id_):
    for pos in list_for_each_entry(sec.table_keys, "list"):
        if llsec_key_id_equal(pos, mode, id_):
            list_del_rcu(pos.list)
            call_rcu(pos.rcu, mac802154_llsec_key_del_rcu)
            return 0
    return -ENOENT


def _main(key_del, leaks_entry=False):
    sec = mac802154_llsec(params_enabled=True)
    sdata = ieee802154_sub_if_data(sec=sec)
    entry = mac802154_llsec_key_add(sec, IEEE802154_SCF_KEY_INDEX, 1)
    if leaks_entry:
        kmemleak_not_leak(entry)        # the buggy key_del never frees it: see the docstring

    def ieee802154_del_llsec_key(sdata):          # nl802154_del_llsec_key()
        mutex_lock(sdata.sec_mtx)
        key_del(sdata.sec, IEEE802154_SCF_KEY_INDEX, 1)
        mutex_unlock(sdata.sec_mtx)

    spawn(mac802154_llsec_encrypt, sec, name="wpan-ping")
    spawn(ieee802154_del_llsec_key, sdata, name="iwpan")


def buggy():
    _main(mac802154_llsec_key_del_buggy, leaks_entry=True)


def fixed():
    _main(mac802154_llsec_key_del_fixed)
