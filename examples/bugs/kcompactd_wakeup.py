"""A lost wake-up that needs the LKMM: waitqueue_active() without a barrier in
mm/compaction.c's wakeup_kcompactd().

Fixed by 46acef048a6568ba490f636db8682a1461ed223c ("mm,compaction: serialize
waitqueue_active() checks", v4.11).

The allocator records the order it needs, then wakes kcompactd only if it
sees a sleeper on ``kcompactd_wait``::

    wakeup_kcompactd(order == 1)             kcompactd()
      [L] waitqueue_active(kcompactd_wait)
                                               [S] prepare_to_wait_event(kcompactd_wait)
                                               [L] (kcompactd_max_order == 0)
      [S] kcompactd_max_order = order;           schedule()

Nothing orders the allocator's store before its load of the queue, so the
load can be satisfied first: it sees no sleeper and returns, while kcompactd
sees no work and sleeps.  Under sequential consistency this cannot happen;
under the LKMM it can, and kcheck reports the lost wake-up.  The fix uses
``wq_has_sleeper()``, whose ``smp_mb()`` pairs with the one in
``prepare_to_wait_event()``'s ``set_current_state()``.

``kcompactd`` sleeps with ``wait_event_freezable()`` (TASK_INTERRUPTIBLE):
freezing is not modelled, so the model uses ``wait_event_interruptible()``,
and the waker's ``wake_up_interruptible()`` as in the kernel.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, wait_queue_head_t, wait_event_interruptible, waitqueue_active,
                           wq_has_sleeper, wake_up_interruptible, READ_ONCE, WRITE_ONCE, ptr)

KIND = {"lkmm": "lost-wakeup"}          # the buggy model is clean under SC
MEMORY_MODELS = ("sc", "lkmm")


class pglist_data(KStruct):
    kcompactd_max_order: int
    kcompactd_wait: wait_queue_head_t
    compacted: int


def kcompactd_work_requested(pgdat):
    return READ_ONCE(ptr(pgdat, "kcompactd_max_order")) > 0


def kcompactd(pgdat):
    wait_event_interruptible(pgdat.kcompactd_wait, lambda: kcompactd_work_requested(pgdat))
    WRITE_ONCE(ptr(pgdat, "compacted"), 1)           # kcompactd_do_work()
    WRITE_ONCE(ptr(pgdat, "kcompactd_max_order"), 0)


def wakeup_kcompactd_buggy(pgdat, order=1):
    if READ_ONCE(ptr(pgdat, "kcompactd_max_order")) < order:
        WRITE_ONCE(ptr(pgdat, "kcompactd_max_order"), order)
    if not waitqueue_active(pgdat.kcompactd_wait):
        return
    wake_up_interruptible(pgdat.kcompactd_wait)


def wakeup_kcompactd_fixed(pgdat, order=1):
    if READ_ONCE(ptr(pgdat, "kcompactd_max_order")) < order:
        WRITE_ONCE(ptr(pgdat, "kcompactd_max_order"), order)
    if not wq_has_sleeper(pgdat.kcompactd_wait):
        return
    wake_up_interruptible(pgdat.kcompactd_wait)


def _main(wakeup):
    pgdat = pglist_data()
    spawn(kcompactd, pgdat, name="kcompactd")
    spawn(wakeup, pgdat, name="allocator")


def buggy():
    _main(wakeup_kcompactd_buggy)


def fixed():
    _main(wakeup_kcompactd_fixed)
