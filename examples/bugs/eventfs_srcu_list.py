"""An SRCU reader that walks its list with the RCU walker: fs/tracefs/event_inode.c.

Fixed by 9243e5430995498f14f92be56da995ded107d71e ("tracefs/eventfs: Use
list_for_each_srcu() in dcache_dir_open_wrapper()", v6.6).

The eventfs file list is protected by SRCU (its readers call code that
sleeps, so plain RCU would not do): updaters unlink with ``list_del_rcu()``
and free after ``synchronize_srcu(&eventfs_srcu)``.  One reader,
``dcache_dir_open_wrapper()``, held ``srcu_read_lock(&eventfs_srcu)`` but
walked with ``list_for_each_entry_rcu()``, whose lockdep check wants an RCU
reader (or a condition): "RCU-list traversed in non-reader section!!".  The
fix walks with ``list_for_each_entry_srcu(..., srcu_read_lock_held(&eventfs_srcu))``.
Wrapping the walk in ``rcu_read_lock()`` instead would have been worse: the
loop body creates dentries and may sleep (kcheck: ``sleep-in-rcu``).
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, list_head, list_add_tail_rcu, list_del_rcu, list_for_each_entry_rcu,
                           list_for_each_entry_srcu, srcu_struct, srcu_read_lock, srcu_read_unlock,
                           srcu_read_lock_held, synchronize_srcu, mutex, mutex_lock, mutex_unlock,
                           kzalloc, kfree, READ_ONCE, ptr, might_sleep)

KIND = {"sc": "suspicious-rcu-usage", "lkmm": "suspicious-rcu-usage"}
MEMORY_MODELS = ("sc", "lkmm")


class eventfs_file(KStruct):
    list: list_head
    mode: int


class eventfs_inode(KStruct):
    e_top_files: list_head
    eventfs_mutex: mutex
    eventfs_srcu: srcu_struct


def create_dentry(ef):
    might_sleep()                       # allocates and takes the inode lock
    READ_ONCE(ptr(ef, "mode"))


def dcache_dir_open_wrapper_buggy(ei):
    idx = srcu_read_lock(ei.eventfs_srcu)
    for ef in list_for_each_entry_rcu(ei.e_top_files, "list"):
        create_dentry(ef)
    srcu_read_unlock(ei.eventfs_srcu, idx)


def dcache_dir_open_wrapper_fixed(ei):
    idx = srcu_read_lock(ei.eventfs_srcu)
    for ef in list_for_each_entry_srcu(ei.e_top_files, "list", srcu_read_lock_held(ei.eventfs_srcu)):
        create_dentry(ef)
    srcu_read_unlock(ei.eventfs_srcu, idx)


def eventfs_remove(ei, ef):
    mutex_lock(ei.eventfs_mutex)
    list_del_rcu(ef.list)
    mutex_unlock(ei.eventfs_mutex)
    synchronize_srcu(ei.eventfs_srcu)
    kfree(ef)


def _main(reader):
    ei = eventfs_inode()
    files = [kzalloc(eventfs_file, mode=0o444) for _ in range(2)]
    for ef in files:
        list_add_tail_rcu(ef.list, ei.e_top_files)      # main() builds the initial list

    def remover(ei):
        for ef in files:
            eventfs_remove(ei, ef)
    spawn(reader, ei, name="open")
    spawn(remover, ei, name="remove")


def buggy():
    _main(dcache_dir_open_wrapper_buggy)


def fixed():
    _main(dcache_dir_open_wrapper_fixed)
