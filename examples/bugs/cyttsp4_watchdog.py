"""A timer and a work item that re-arm each other: drivers/input/touchscreen/cyttsp4_core.c.

Fixed by dbe836576f12743a7d2d170ad4ad4fd324c4d47a ("Input: cyttsp4_core -
change del_timer_sync() to timer_shutdown_sync()", CVE-2023-4134).

The watchdog timer schedules the watchdog work, and the work arms the timer
again.  ``cyttsp4_remove()`` stops them with ``del_timer_sync()``,
``cancel_work_sync()`` and ``del_timer_sync()`` again, then frees the device:
but between those calls each can re-arm the other - the timer fires, the
work it scheduled arms the timer, the timer fires again and schedules the
work, which runs on the freed device.  The fix shuts the timer down first
(``timer_shutdown_sync()``: arming it afterwards does nothing), then cancels
the work.

The pair re-arms itself for as long as the device lives, so the chain of
contexts has no end: kcheck cuts it at 16 deep, and the fixed version's
result is *bounded*, never "exhaustive" (``BOUNDED``).
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, timer_list, work_struct, timer_setup, INIT_WORK, mod_timer,
                           del_timer_sync, timer_shutdown_sync, cancel_work_sync, schedule_work,
                           from_timer, container_of, jiffies, msecs_to_jiffies, kzalloc, kfree,
                           READ_ONCE, WRITE_ONCE, ptr)

KIND = {"sc": "use-after-free", "lkmm": "use-after-free"}
MEMORY_MODELS = ("sc", "lkmm")
BOUNDED = True                          # the timer and the work re-arm each other forever

CY_CORE_WAKEUP_TIMEOUT = 500            # ms


class cyttsp4(KStruct):
    watchdog_timer: timer_list
    watchdog_work: work_struct
    mode: int


def cyttsp4_start_wd_timer(cd):
    mod_timer(cd.watchdog_timer, jiffies + msecs_to_jiffies(CY_CORE_WAKEUP_TIMEOUT))


def stop_wd_timer_buggy(cd):
    # "Ensure we wait until the watchdog timer running on a different CPU finishes"
    del_timer_sync(cd.watchdog_timer)
    cancel_work_sync(cd.watchdog_work)
    del_timer_sync(cd.watchdog_timer)


def stop_wd_timer_fixed(cd):
    timer_shutdown_sync(cd.watchdog_timer)
    cancel_work_sync(cd.watchdog_work)


def cyttsp4_watchdog_timer(t):
    cd = from_timer(cyttsp4, t, "watchdog_timer")
    schedule_work(cd.watchdog_work)


def cyttsp4_watchdog_work(work):
    cd = container_of(work, cyttsp4, "watchdog_work")
    READ_ONCE(ptr(cd, "mode"))          # the mode and status checks it makes on the device
    cyttsp4_start_wd_timer(cd)


def _model(stop):
    def probe_then_remove(cd):
        WRITE_ONCE(ptr(cd, "mode"), 1)
        cyttsp4_start_wd_timer(cd)      # the watchdog starts with the device
        stop(cd)                        # cyttsp4_remove()
        kfree(cd)

    def main():
        cd = kzalloc(cyttsp4)
        timer_setup(cd.watchdog_timer, cyttsp4_watchdog_timer, 0)
        INIT_WORK(cd.watchdog_work, cyttsp4_watchdog_work)
        spawn(probe_then_remove, cd, name="probe/remove")
    return main


buggy = _model(stop_wd_timer_buggy)
fixed = _model(stop_wd_timer_fixed)
