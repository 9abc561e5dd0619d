"""Sleeping with a spinlock held: drivers/net/ethernet/qlogic/qla3xxx.c.

Fixed by 92766c4628ea349c8ddab0cd7bd0488f36e5c4ce ("net/qla3xxx: fix
schedule while atomic in ql_wait_for_drvr_lock and ql_adapter_reset", v5.14).

``ql_adapter_up()`` takes ``hw_lock`` with ``spin_lock_irqsave()`` and then
calls ``ql_wait_for_drvr_lock()``, which polls the hardware semaphore and,
when another function holds it, waits with ``ssleep(1)``: a sleep in atomic
context, the kernel's "BUG: sleeping function called from invalid context".
The fix busy-waits with ``mdelay(1000)``.  The model's second task holds the
hardware semaphore for a while (another PCI function of the same adapter),
so that the poll has to wait.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, spinlock_t, spin_lock_irqsave, spin_unlock_irqrestore, ptr,
                           cmpxchg, WRITE_ONCE, ssleep, mdelay)

KIND = {"sc": "sleep-in-atomic"}
MEMORY_MODELS = ("sc",)


class ql3_adapter(KStruct):
    hw_lock: spinlock_t
    drvr_sem: int                       # the hardware semaphore register


def ql_sem_spinlock(qdev):
    return cmpxchg(ptr(qdev, "drvr_sem"), 0, 1) == 0


def ql_wait_for_drvr_lock(qdev, delay):
    for _ in range(2):                  # the kernel tries 10 times; 2 shows the point
        if ql_sem_spinlock(qdev):
            return True
        delay()
    return False


def ql_adapter_up(qdev, delay):
    flags = spin_lock_irqsave(qdev.hw_lock)
    if ql_wait_for_drvr_lock(qdev, delay):
        WRITE_ONCE(ptr(qdev, "drvr_sem"), 0)          # ql_sem_unlock()
    spin_unlock_irqrestore(qdev.hw_lock, flags)


def other_function(qdev):
    if ql_sem_spinlock(qdev):
        WRITE_ONCE(ptr(qdev, "drvr_sem"), 0)


def _main(delay):
    qdev = ql3_adapter()
    spawn(ql_adapter_up, qdev, delay, name="ql_adapter_up")
    spawn(other_function, qdev, name="other function")


def buggy():
    _main(lambda: ssleep(1))


def fixed():
    _main(lambda: mdelay(1000))
