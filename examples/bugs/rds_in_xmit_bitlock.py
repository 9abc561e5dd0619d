"""A bit lock without RELEASE ordering: net/rds/send.c's RDS_IN_XMIT.

Fixed by 1422f28826d2a0c11e5240b3e951c9e214d8656e ("rds: introduce
acquire/release ordering in acquire/release_in_xmit()", v6.9).

``rds_send_xmit()`` serializes senders with a bit lock on ``cp->cp_flags``.
``acquire_in_xmit()`` used ``test_and_set_bit()`` and ``release_in_xmit()``
``clear_bit(); smp_mb__after_atomic();`` - but a barrier *after* the clear
orders nothing the critical section did before it: under the LKMM the next
sender can see the bit clear and still read the state the previous one wrote
as it was before.  The model's critical section advances the path's send
position (``cp_xmit_sg``, a plain field as in the kernel); two sends must
advance it twice.  The fix uses ``test_and_set_bit_lock()`` and
``clear_bit_unlock()``, an ACQUIRE/RELEASE pair.
"""

from kcheck import spawn, join
from kcheck.kernel import (KStruct, ptr, READ_ONCE, WARN_ON, clear_bit, clear_bit_unlock,
                           test_and_set_bit, test_and_set_bit_lock, smp_mb__after_atomic, cpu_relax)

KIND = {"lkmm": "warn"}                 # under SC the lock is a lock
MEMORY_MODELS = ("sc", "lkmm")
RDS_IN_XMIT = 2


class rds_conn_path(KStruct):
    cp_flags: int
    cp_xmit_sg: int


def acquire_in_xmit_buggy(cp):
    return not test_and_set_bit(RDS_IN_XMIT, ptr(cp, "cp_flags"))


def release_in_xmit_buggy(cp):
    clear_bit(RDS_IN_XMIT, ptr(cp, "cp_flags"))
    smp_mb__after_atomic()


def acquire_in_xmit_fixed(cp):
    return not test_and_set_bit_lock(RDS_IN_XMIT, ptr(cp, "cp_flags"))


def release_in_xmit_fixed(cp):
    clear_bit_unlock(RDS_IN_XMIT, ptr(cp, "cp_flags"))


def rds_send_xmit(cp, acquire, release):
    while not acquire(cp):              # the model retries where rds_send_xmit() queues work
        cpu_relax()
    cp.cp_xmit_sg = cp.cp_xmit_sg + 1
    release(cp)


def _main(acquire, release):
    cp = rds_conn_path()
    a = spawn(rds_send_xmit, cp, acquire, release, name="sender0")
    b = spawn(rds_send_xmit, cp, acquire, release, name="sender1")

    def check(cp):
        join(a)
        join(b)
        WARN_ON(READ_ONCE(ptr(cp, "cp_xmit_sg")) != 2)
    spawn(check, cp, name="check")


def buggy():
    _main(acquire_in_xmit_buggy, release_in_xmit_buggy)


def fixed():
    _main(acquire_in_xmit_fixed, release_in_xmit_fixed)
