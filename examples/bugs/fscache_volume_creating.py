"""A lost wake-up that needs the LKMM: a bit cleared and its waiters woken with
no barrier in between, fs/netfs/fscache_volume.c's fscache_create_volume().

Fixed by 22f9400a6f3560629478e0a64247b8fcc811a24d ("netfs/fscache: Add a
memory barrier for FSCACHE_VOLUME_CREATING", v6.13, CVE-2024-56755).

``FSCACHE_VOLUME_CREATING`` in ``volume->flags`` says that the volume's
representation in the cache is being created by ``volume->work``
(``fscache_create_volume_work()``).  A cookie lookup that finds no
``volume->cache_priv`` calls ``fscache_create_volume(volume, true)``: it
takes the bit with ``test_and_set_bit()``; if the bit was already set it
sleeps in ``wait_on_bit()`` until the bit is clear; if it got the bit but the
volume has been created meanwhile ("we raced") it goes to ``no_wait``, which
gives the bit back::

    no_wait:
        clear_bit_unlock(FSCACHE_VOLUME_CREATING, &volume->flags);
        wake_up_bit(&volume->flags, FSCACHE_VOLUME_CREATING);

``wake_up_bit()`` wakes only if it sees a sleeper on the bit's wait queue, a
lockless ``waitqueue_active()`` load.  ``clear_bit_unlock()`` is a RELEASE:
it orders what came before it, not its own store before that later load.  So
with the commit's three parties::

    cookie1                    cookie2                  volume->work
                                                        cache_priv = ...
                                                        clear_and_wake_up_bit()
    test_and_set_bit() == 0
    cache_priv != NULL: no_wait
                               test_and_set_bit() == 1
                               wait_on_bit(): queued, then bit still set?
    clear_bit_unlock()
    wake_up_bit(): no sleeper seen

cookie1's load of the queue can be satisfied before its clearing store is
visible to cookie2, whose barrier in ``prepare_to_wait()`` (its
``set_current_state()``) then orders nothing useful: cookie2 sees the bit set
and sleeps, cookie1 sees no sleeper and wakes nobody.  cookie2 waits forever
(the "indefinite wait" of the commit).  Under sequential consistency the two
orders cannot both hold and the model is clean; under the LKMM kcheck reports
the lost wake-up.  The fix uses ``clear_and_wake_up_bit()``, whose
``smp_mb__after_atomic()`` pairs with the sleeper's barrier - what
3288666c7256 ("fscache: Use clear_and_wake_up_bit() in
fscache_create_volume_work()") had already done for the work function, which
the model has in its fixed form in both versions.

The model starts where the diagram's race starts: both cookies have found
``cache_priv`` NULL in ``fscache_perform_lookup()`` and are entering
``fscache_create_volume(volume, true)``, and the work has since published
``cache_priv`` and cleared the bit.  (With the work running concurrently and
the lookups' own NULL checks kcheck finds the same lost wake-up under the
LKMM, but the SC run alone takes some 394,000 executions.)  A
``test_and_set_bit()`` that finds the bit set stores nothing (the generic
bitops test it with ``READ_ONCE()`` first), so in kcheck's trace cookie2 may
read cookie1's set after cookie1 has cleared it.  Not modelled: ``fscache_begin_cache_access()``
(the cache is live, so it succeeds), the volume's reference count and
tracepoints, the backend's work beyond publishing ``cache_priv``
(``cachefiles_acquire_volume()``), and what the lookup does once the volume
exists.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, work_struct, INIT_WORK, schedule_work, container_of,
                           test_and_set_bit, clear_bit_unlock, wake_up_bit, clear_and_wake_up_bit,
                           wait_on_bit, ptr, TASK_UNINTERRUPTIBLE)

KIND = {"lkmm": "lost-wakeup"}          # the buggy model is clean under SC
MEMORY_MODELS = ("sc", "lkmm")

FSCACHE_VOLUME_CREATING = 4             # include/linux/fscache.h: a bit of volume->flags


class cachefiles_volume(KStruct):      # what the backend hangs on volume->cache_priv
    vcookie: object


class fscache_volume(KStruct):
    flags: int
    cache_priv: object
    work: work_struct


def cachefiles_acquire_volume(volume):
    volume.cache_priv = cachefiles_volume(vcookie=volume)   # a plain store, as in the kernel


def fscache_create_volume_work(work):
    volume = container_of(work, fscache_volume, "work")
    cachefiles_acquire_volume(volume)   # volume->cache->ops->acquire_volume()
    clear_and_wake_up_bit(FSCACHE_VOLUME_CREATING, ptr(volume, "flags"))


def _fscache_create_volume(volume, wait, release_no_wait):
    flags = ptr(volume, "flags")
    if not test_and_set_bit(FSCACHE_VOLUME_CREATING, flags):
        if volume.cache_priv is not None:
            release_no_wait(flags)      # "We raced"
            return
        schedule_work(volume.work)
    if wait:                            # maybe_wait:
        wait_on_bit(flags, FSCACHE_VOLUME_CREATING, TASK_UNINTERRUPTIBLE)


def no_wait_buggy(flags):
    clear_bit_unlock(FSCACHE_VOLUME_CREATING, flags)
    wake_up_bit(flags, FSCACHE_VOLUME_CREATING)


def no_wait_fixed(flags):
    clear_and_wake_up_bit(FSCACHE_VOLUME_CREATING, flags)


def _model(release_no_wait):
    def fscache_perform_lookup(volume):
        # a cookie's lookup found no volume->cache_priv (the work had not
        # published it yet) and goes on to fscache_create_volume(volume, true)
        _fscache_create_volume(volume, True, release_no_wait)

    def main():
        # by the time both cookies get there, volume->work (scheduled when
        # the volume was acquired) has published cache_priv and cleared
        # FSCACHE_VOLUME_CREATING
        volume = fscache_volume(cache_priv=cachefiles_volume())
        INIT_WORK(volume.work, fscache_create_volume_work)
        spawn(fscache_perform_lookup, volume, name="cookie1")
        spawn(fscache_perform_lookup, volume, name="cookie2")
    return main


buggy = _model(no_wait_buggy)
fixed = _model(no_wait_fixed)
