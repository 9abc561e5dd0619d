"""A timer reference taken with refcount_inc() on a dying object: net/ipv4/igmp.c.

Fixed by e2b706c691905fe78468c361aaabc719d0a496f1 ("ipv4: igmp: fix refcnt
uaf issue when receiving igmp query packet", v6.7, CVE-2023-6932).

An ``ip_mc_list`` (a multicast group joined on an ``in_device``) sits on the
RCU list ``in_dev->mc_list``; its ``refcnt`` counts the list's reference and
one for its report timer while the timer is pending (``igmp_timer_expire()``
drops it).  Receiving an IGMP query, ``igmp_heard_query()`` walks the list
under ``rcu_read_lock()`` and, for each group, ``igmp_mod_timer()`` ->
``igmp_start_timer()`` arms ``im->timer`` and, when it was not pending, takes
the timer's reference with a plain ``refcount_inc()``.  Concurrently a device
going down (``br_dev_stop()`` -> ``br_multicast_leave_snoopers()`` ->
``__ip_mc_dec_group()``, under RTNL) unlinks the group, stops its timer with
``igmp_stop_timer()`` and drops the list's reference with ``ip_ma_put()``:
``refcount_dec_and_test()`` reaches 0 and ``kfree_rcu()`` is queued.  RCU keeps
the memory for the query walker, but the count is already 0 when it arms the
timer: "refcount_t: addition on 0; use-after-free" in ``igmp_heard_query()``
(the commit's report), and the timer then fires on the freed group.  The fix
takes the reference with ``refcount_inc_not_zero()`` before arming, and drops
it again with ``ip_ma_put()`` when ``mod_timer()`` finds the timer already
pending.

Model: one group (an IGMPv2 query for it; the query's ``in_device`` timer and
delete-record bookkeeping, the report packets and the multicast route event
are left out), its list's reference only (no timer pending when the query
arrives, ``ref = 1`` as in the commit's trace), RTNL a mutex.  Time is not
modelled, so ``igmp_mod_timer()``'s "keep a pending timer that expires sooner"
branch is not taken.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, refcount_t, refcount_set, refcount_inc, refcount_inc_not_zero,
                           refcount_dec, refcount_dec_and_test, spinlock_t, spin_lock, spin_unlock,
                           spin_lock_bh, spin_unlock_bh, mutex, mutex_lock, mutex_unlock, lockdep_is_held,
                           timer_list, timer_setup, mod_timer, del_timer, from_timer, rcu_head,
                           rcu_read_lock, rcu_read_unlock, rcu_dereference, rcu_dereference_protected,
                           rcu_assign_pointer, kzalloc, kfree_rcu, ptr)

KIND = {"sc": "refcount-warn"}
# Not "lkmm": the unlink in __ip_mc_dec_group() is a plain store (``*ip =
# i->next_rcu``) racing with the readers' rcu_dereference(), an LKMM data race
# that voids the grace-period guarantee, so the LKMM lets a reader that starts
# after kfree_rcu()'s grace period still see the group - a use-after-free in
# fixed() as well (kcheck warns of the race).  With the unlink marked
# (RCU_INIT_POINTER) both versions behave under the LKMM as under SC.
MEMORY_MODELS = ("sc",)

GROUP = 0xEF000001                      # 239.0.0.1, the commit's reproducer's group
IGMP_ALL_HOSTS = 0xE0000001             # 224.0.0.1
MCAST_EXCLUDE = 0
MAX_DELAY = 10


class in_device(KStruct):
    refcnt: refcount_t
    mc_list: object                     # struct ip_mc_list __rcu *
    mc_count: int
    dead: bool


class ip_mc_list(KStruct):
    interface: in_device
    multiaddr: int
    next_rcu: object                    # struct ip_mc_list __rcu *
    users: int
    sfmode: int
    gsquery: int
    loaded: int
    refcnt: refcount_t
    lock: spinlock_t
    timer: timer_list
    tm_running: int
    reporter: int
    unsolicit_count: int
    rcu: rcu_head


class net(KStruct):
    rtnl_mutex: mutex


def in_dev_put(in_dev):
    if refcount_dec_and_test(in_dev.refcnt):
        pass                            # in_dev_finish_destroy(): main() keeps the device's reference


def ip_ma_put(im):
    if refcount_dec_and_test(im.refcnt):
        in_dev_put(im.interface)
        kfree_rcu(im, "rcu")


def igmp_send_report(in_dev, im):
    im.multiaddr                        # builds and sends the report for the group


def igmp_stop_timer(im):
    spin_lock_bh(im.lock)
    if del_timer(im.timer):
        refcount_dec(im.refcnt)
    im.tm_running = 0
    im.reporter = 0
    im.unsolicit_count = 0
    spin_unlock_bh(im.lock)


def igmp_start_timer_buggy(im, max_delay):
    """Called with im->lock held."""
    im.tm_running = 1
    if not mod_timer(im.timer):
        refcount_inc(im.refcnt)         # from 0 if the group was dropped meanwhile


def igmp_start_timer_fixed(im, max_delay):
    im.tm_running = 1
    if refcount_inc_not_zero(im.refcnt):
        if mod_timer(im.timer):
            ip_ma_put(im)


def igmp_timer_expire(t):
    im = from_timer(ip_mc_list, t, "timer")
    in_dev = im.interface
    spin_lock(im.lock)
    im.tm_running = 0
    # im->unsolicit_count is 0 here: no restart
    im.reporter = 1
    spin_unlock(im.lock)
    igmp_send_report(in_dev, im)        # IGMPV2_HOST_MEMBERSHIP_REPORT
    ip_ma_put(im)


def igmp_mod_timer(im, max_delay, igmp_start_timer):
    spin_lock_bh(im.lock)
    im.unsolicit_count = 0
    if del_timer(im.timer):
        # the kernel re-adds a timer that expires sooner than max_delay
        refcount_dec(im.refcnt)
    igmp_start_timer(im, max_delay)
    spin_unlock_bh(im.lock)


def igmp_heard_query(in_dev, group, igmp_start_timer):
    """An IGMPv2 query for ``group`` (len == 8, code != 0): mark = 0."""
    mark = 0
    max_delay = MAX_DELAY
    rcu_read_lock()
    im = rcu_dereference(ptr(in_dev, "mc_list"))        # for_each_pmc_rcu()
    while im is not None:
        if not (group and group != im.multiaddr) and im.multiaddr != IGMP_ALL_HOSTS:
            spin_lock_bh(im.lock)
            if im.tm_running:
                im.gsquery = im.gsquery and mark
            else:
                im.gsquery = mark
            changed = not im.gsquery    # || igmp_marksources(): not reached
            spin_unlock_bh(im.lock)
            if changed:
                igmp_mod_timer(im, max_delay, igmp_start_timer)
        im = rcu_dereference(ptr(im, "next_rcu"))
    rcu_read_unlock()


def igmp_rcv(in_dev, igmp_start_timer):
    """ip_local_deliver_finish() calls it inside rcu_read_lock()."""
    rcu_read_lock()
    igmp_heard_query(in_dev, GROUP, igmp_start_timer)
    rcu_read_unlock()


def __igmp_group_dropped(im):
    in_dev = im.interface
    if im.loaded:
        im.loaded = 0                   # ip_mc_filter_del()
    reporter = im.reporter
    igmp_stop_timer(im)
    if not in_dev.dead and reporter:    # IGMPv2: a leave message
        igmp_send_report(in_dev, im)


def ip_mc_clear_src(pmc):
    spin_lock_bh(pmc.lock)
    pmc.sfmode = MCAST_EXCLUDE
    spin_unlock_bh(pmc.lock)


def __ip_mc_dec_group(nt, in_dev, addr):
    held = lockdep_is_held(nt.rtnl_mutex)               # ASSERT_RTNL()
    prev, field = in_dev, "mc_list"                     # ip = &in_dev->mc_list
    while True:
        i = rcu_dereference_protected(ptr(prev, field), held)   # rtnl_dereference(*ip)
        if i is None:
            return
        if i.multiaddr == addr:
            i.users -= 1
            if i.users == 0:
                # ip_mc_hash_remove(): no hash table for so few groups
                setattr(prev, field, i.next_rcu)        # *ip = i->next_rcu
                in_dev.mc_count -= 1
                __igmp_group_dropped(i)
                ip_mc_clear_src(i)
                # ip_rt_multicast_event(in_dev)
                ip_ma_put(i)
            return
        prev, field = i, "next_rcu"


def br_dev_stop(nt, in_dev):
    """br_dev_stop() -> br_multicast_leave_snoopers() -> __ip_mc_dec_group()."""
    mutex_lock(nt.rtnl_mutex)
    __ip_mc_dec_group(nt, in_dev, GROUP)
    mutex_unlock(nt.rtnl_mutex)


def ip_mc_inc_group(in_dev, addr):
    """__ip_mc_inc_group() for a new group (main() joins before the tasks start)."""
    im = kzalloc(ip_mc_list, users=1, interface=in_dev, multiaddr=addr, sfmode=MCAST_EXCLUDE, loaded=1)
    refcount_inc(in_dev.refcnt)                         # in_dev_hold()
    refcount_set(im.refcnt, 1)
    timer_setup(im.timer, igmp_timer_expire)
    im.next_rcu = in_dev.mc_list
    in_dev.mc_count += 1
    rcu_assign_pointer(ptr(in_dev, "mc_list"), im)


def _main(igmp_start_timer):
    nt = net()
    in_dev = in_device()
    refcount_set(in_dev.refcnt, 1)
    ip_mc_inc_group(in_dev, GROUP)
    spawn(igmp_rcv, in_dev, igmp_start_timer, name="ksoftirqd")
    spawn(br_dev_stop, nt, in_dev, name="ifconfig-down")


def buggy():
    _main(igmp_start_timer_buggy)


def fixed():
    _main(igmp_start_timer_fixed)
