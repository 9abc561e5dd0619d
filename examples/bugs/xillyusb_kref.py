"""kref get after the last put: drivers/char/xillybus/xillyusb.c.

Fixed by 282a4b71816b6076029017a7bab3a9dcee12a920 ("char: xillybus: Prevent
use-after-free due to race condition", CVE-2022-45888).

``xillyusb_open()`` finds the device with ``xillybus_find_inode()``, which
holds the class's ``unit_mutex`` only while it searches the list, and takes
its own reference with ``kref_get()`` later.  In between, a disconnect can
unregister the unit and drop the last reference: ``cleanup_dev()`` frees the
device and the open's ``kref_get()`` meets a count of 0 (refcount_t's
"addition on 0; use-after-free", or an access to the freed device).  The fix
adds ``kref_mutex``: the open holds it from the lookup to its ``kref_get()``,
and the disconnect's ``kref_put()`` is done under it.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, kref, kref_get, kref_put, container_of, kzalloc, kfree, mutex,
                           mutex_lock, mutex_unlock, READ_ONCE, WRITE_ONCE, ptr)

KIND = {"sc": "refcount-warn"}          # what the buggy model shows, per memory model
MEMORY_MODELS = ("sc",)                 # a lock and a refcount: sequential consistency decides it


class xillyusb_dev(KStruct):
    kref: kref
    channels: int


class xillybus_class(KStruct):
    unit_mutex: mutex                   # protects the list of units (xillybus_class.c)
    unit: xillyusb_dev                  # the one unit on it, or NULL
    kref_mutex: mutex                   # the fix


def cleanup_dev(k):
    kfree(container_of(k, xillyusb_dev))


def xillybus_find_inode(cls):
    mutex_lock(cls.unit_mutex)
    xdev = READ_ONCE(ptr(cls, "unit"))
    mutex_unlock(cls.unit_mutex)
    return xdev


def xillybus_cleanup_chrdev(cls):
    mutex_lock(cls.unit_mutex)
    WRITE_ONCE(ptr(cls, "unit"), None)
    mutex_unlock(cls.unit_mutex)


def open_buggy(cls):
    xdev = xillybus_find_inode(cls)
    if xdev is None:
        return
    xdev.channels                       # chan = &xdev->channels[index]
    kref_get(xdev.kref)                 # too late: the last put may have run
    kref_put(xdev.kref, cleanup_dev)    # xillyusb_release()


def disconnect_buggy(cls, xdev):
    xillybus_cleanup_chrdev(cls)
    kref_put(xdev.kref, cleanup_dev)


def open_fixed(cls):
    mutex_lock(cls.kref_mutex)
    xdev = xillybus_find_inode(cls)
    if xdev is None:
        mutex_unlock(cls.kref_mutex)
        return
    kref_get(xdev.kref)
    mutex_unlock(cls.kref_mutex)
    xdev.channels
    kref_put(xdev.kref, cleanup_dev)


def disconnect_fixed(cls, xdev):
    xillybus_cleanup_chrdev(cls)
    mutex_lock(cls.kref_mutex)
    kref_put(xdev.kref, cleanup_dev)
    mutex_unlock(cls.kref_mutex)


def _main(open_, disconnect):
    cls = xillybus_class()
    xdev = kzalloc(xillyusb_dev, kref=1)            # the probe's reference
    cls.unit = xdev
    spawn(open_, cls, name="open")
    spawn(disconnect, cls, xdev, name="disconnect")


def buggy():
    _main(open_buggy, disconnect_buggy)


def fixed():
    _main(open_fixed, disconnect_fixed)
