"""A work item left running at remove: drivers/power/supply/da9150-charger.c.

Fixed by 06615d11cc78162dfd5116efb71f29eb29502d37 ("power: supply: da9150:
Fix use after free bug in da9150_charger_remove due to race condition",
v6.3, CVE-2023-30772).

The charger listens to the USB PHY: ``da9150_charger_otg_ncb()``, a callback
on the PHY's atomic notifier chain, records the event in
``charger->usb_event`` and hands the rest to ``charger->otg_work``
(``schedule_work()``).  For ``USB_EVENT_NONE`` the work reverts to charge mode
and calls ``power_supply_changed()`` on ``charger->usb`` and
``charger->battery``.

``da9150_charger_remove()`` frees the IRQs, takes the callback off the chain
(``usb_unregister_notifier()``: no callback runs or starts once it returns)
and unregisters both power supplies - the release of the last reference to a
power supply's device frees it (``power_supply_dev_release()``: ``kfree(psy)``)
- but it never waited for ``otg_work``.  An event that came just before the
notifier was unregistered leaves the work queued or running::

    da9150_charger_remove()           otg_work
      usb_unregister_notifier()
      power_supply_unregister(usb)
        ... kfree(psy)
                                      da9150_charger_otg_work()
                                        power_supply_changed(charger->usb)  // use

and the charger itself (``devm_kzalloc()``) is freed when ``remove()``
returns.  The fix adds ``cancel_work_sync(&charger->otg_work)`` right after
``usb_unregister_notifier()``: nothing can queue the work any more, and any
instance queued or running is taken off or waited for.  The order matters:
the same call before the unregistration would leave a window for the
callback to queue it again.

The atomic notifier chain is modelled as the kernel implements it (one
``notifier_block`` on it): the call walks the chain in an RCU reader
(``rcu_dereference()`` of the head), and the unregistration unlinks the block
under the chain's spinlock with ``rcu_assign_pointer()``, then waits in
``synchronize_rcu()``.  The chain's head points at the charger, which embeds
the block (``container_of(nb, struct da9150_charger, otg_nb)``).

Not modelled: the charger's four threaded IRQs (remove frees them first:
"Make sure IRQs are released before unregistering power supplies"), the
PMIC register writes, the ADC channels, and the power supply's own
``changed_work`` (``power_supply_changed()`` queues it and
``power_supply_unregister()`` cancels it; the model's
``power_supply_changed()`` stops at marking the supply changed under its
``changed_lock``, which is where the freed supply is touched).
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, work_struct, INIT_WORK, schedule_work, cancel_work_sync,
                           container_of, spinlock_t, spin_lock_irqsave, spin_unlock_irqrestore,
                           rcu_read_lock, rcu_read_unlock, rcu_dereference, rcu_assign_pointer,
                           synchronize_rcu, kzalloc, kfree, ptr, GFP_KERNEL)

KIND = {"sc": "use-after-free", "lkmm": "use-after-free"}
MEMORY_MODELS = ("sc", "lkmm")

USB_EVENT_NONE = 0                      # enum usb_phy_events, include/linux/usb/phy.h
USB_EVENT_ID = 2


class power_supply(KStruct):
    changed_lock: spinlock_t
    changed: bool


class usb_phy(KStruct):
    notifier_lock: spinlock_t           # phy->notifier: struct atomic_notifier_head
    notifier_head: object               # its one notifier_block, by its container


class da9150_charger(KStruct):
    usb: object                         # struct power_supply *
    battery: object
    usb_phy: object
    otg_work: work_struct
    usb_event: int


# drivers/power/supply/power_supply_core.c

def power_supply_changed(psy):
    flags = spin_lock_irqsave(psy.changed_lock)
    psy.changed = True
    spin_unlock_irqrestore(psy.changed_lock, flags)


def power_supply_unregister(psy):
    # ... device_unregister(&psy->dev): the last put calls power_supply_dev_release()
    kfree(psy)


# kernel/notifier.c, the atomic chain with its one block

def atomic_notifier_call_chain(phy, val):
    rcu_read_lock()
    nb = rcu_dereference(ptr(phy, "notifier_head"))
    if nb is not None:
        da9150_charger_otg_ncb(nb, val)     # nb->notifier_call(nb, val, NULL)
    rcu_read_unlock()


def usb_unregister_notifier(phy, nb):
    flags = spin_lock_irqsave(phy.notifier_lock)
    if phy.notifier_head is nb:
        rcu_assign_pointer(ptr(phy, "notifier_head"), None)
    spin_unlock_irqrestore(phy.notifier_lock, flags)
    synchronize_rcu()


# drivers/power/supply/da9150-charger.c

def da9150_charger_otg_work(data):
    charger = container_of(data, da9150_charger, "otg_work")
    event = charger.usb_event
    if event == USB_EVENT_NONE:         # revert to charge mode
        power_supply_changed(charger.usb)
        power_supply_changed(charger.battery)


def da9150_charger_otg_ncb(charger, val):
    charger.usb_event = val
    schedule_work(charger.otg_work)


def da9150_charger_remove_buggy(charger):
    usb_unregister_notifier(charger.usb_phy, charger)
    power_supply_unregister(charger.battery)
    power_supply_unregister(charger.usb)


def da9150_charger_remove_fixed(charger):
    usb_unregister_notifier(charger.usb_phy, charger)
    cancel_work_sync(charger.otg_work)
    power_supply_unregister(charger.battery)
    power_supply_unregister(charger.usb)


def _model(remove):
    def usb_phy_notify(phy):
        # the PHY driver reports the cable gone: usb_phy_notify(phy, USB_EVENT_NONE)
        atomic_notifier_call_chain(phy, USB_EVENT_NONE)

    def unbind(charger):
        remove(charger)
        kfree(charger)                  # devres: the devm_kzalloc()ed charger

    def main():
        # da9150_charger_probe()
        phy = usb_phy()
        charger = kzalloc(da9150_charger, GFP_KERNEL)
        charger.usb = kzalloc(power_supply, GFP_KERNEL)
        charger.battery = kzalloc(power_supply, GFP_KERNEL)
        charger.usb_phy = phy
        charger.usb_event = USB_EVENT_ID
        INIT_WORK(charger.otg_work, da9150_charger_otg_work)
        phy.notifier_head = charger     # usb_register_notifier(charger->usb_phy, &charger->otg_nb)
        spawn(usb_phy_notify, phy, name="usb_phy")
        spawn(unbind, charger, name="remove")
    return main


buggy = _model(da9150_charger_remove_buggy)
fixed = _model(da9150_charger_remove_fixed)
