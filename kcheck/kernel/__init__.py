"""``kcheck.kernel``: the kernel's concurrency primitives, named as in the kernel.

One module per kernel concept (``atomic``, ``refcount``, ``struct`` for
structs and bitfields, ``barrier``, ``locking``, ``rcu``, ``list``, ``slab``,
``bug``, ``workqueue``), so that a reviewer can translate C line by line.
Their semantics live in the engine (``kcheck.engine``): each function here
turns into one or a few events.  See docs/reference/kernel-api.md.
"""

from .struct import KStruct, KArray, Bitfield, ptr
from .atomic import *                       # noqa: F401,F403
from .atomic import atomic_t, atomic64_t, ATOMIC_INIT, READ_ONCE, WRITE_ONCE, smp_load_acquire, smp_store_release
from .refcount import (refcount_t, REFCOUNT_INIT, REFCOUNT_SATURATED, refcount_set, refcount_read,
                       refcount_inc, refcount_add, refcount_inc_not_zero, refcount_add_not_zero,
                       refcount_dec, refcount_dec_and_test, refcount_sub_and_test,
                       refcount_dec_not_one, refcount_dec_if_one, refcount_dec_and_lock,
                       refcount_dec_and_mutex_lock)
from .barrier import (smp_mb, smp_rmb, smp_wmb, smp_mb__before_atomic, smp_mb__after_atomic,
                      smp_mb__after_spinlock, smp_mb__after_unlock_lock, smp_acquire__after_ctrl_dep,
                      barrier, smp_store_mb, cpu_relax, smp_cond_load_relaxed,
                      smp_cond_load_acquire, address_from)
from .locking import (spinlock_t, rwlock_t, mutex, DEFINE_SPINLOCK, spin_lock, spin_unlock, spin_trylock,
                      spin_is_locked, mutex_lock, mutex_unlock, mutex_trylock, mutex_is_locked,
                      read_lock, read_unlock, write_lock, write_unlock, read_trylock, write_trylock,
                      rwlock_needbreak, need_resched, cond_resched, cond_resched_rwlock_read,
                      cond_resched_rwlock_write, lockdep_assert_held, lockdep_assert_held_read,
                      lockdep_assert_held_write, lockdep_assert_not_held, lockdep_is_held)
from .rcu import (rcu_read_lock, rcu_read_unlock, rcu_read_lock_held, synchronize_rcu, call_rcu,
                  rcu_barrier, rcu_head, container_of, rcu_dereference, rcu_dereference_raw,
                  rcu_dereference_protected, rcu_assign_pointer, RCU_INIT_POINTER)
from .list import (list_head, LIST_HEAD, INIT_LIST_HEAD, list_add, list_add_tail, list_del, list_del_init,
                   list_empty, list_is_last, list_is_singular, list_move, list_move_tail, list_splice,
                   list_splice_init, list_splice_tail_init, list_entry, list_first_entry,
                   list_last_entry, list_first_entry_or_null, list_next_entry, list_prev_entry,
                   list_for_each_entry, list_for_each_entry_safe, list_for_each_entry_reverse,
                   list_add_rcu, list_add_tail_rcu, list_del_rcu, list_replace_rcu,
                   list_for_each_entry_rcu, list_for_each_entry_srcu, list_first_or_null_rcu,
                   list_next_or_null_rcu, list_next_entry_or_null_rcu, LIST_POISON1, LIST_POISON2,
                   hlist_head, hlist_node, HLIST_HEAD, INIT_HLIST_HEAD, INIT_HLIST_NODE, hlist_entry,
                   hlist_unhashed, hlist_empty, hlist_add_head, hlist_del, hlist_del_init,
                   hlist_add_head_rcu, hlist_del_rcu, hlist_del_init_rcu, hlist_for_each_entry,
                   hlist_for_each_entry_safe, hlist_for_each_entry_rcu)
from .hashtable import (hashtable, DECLARE_HASHTABLE, DEFINE_HASHTABLE, HASH_SIZE, hash_init, hash_add,
                        hash_add_rcu, hash_del, hash_del_rcu, hash_empty, hash_for_each_possible,
                        hash_for_each_possible_safe, hash_for_each_possible_rcu, hash_for_each,
                        hash_for_each_safe, hash_for_each_rcu, hash_32, hash_64, hash_long, hash_min)
from .llist import (llist_head, llist_node, LLIST_HEAD, init_llist_head, llist_entry, llist_empty,
                    llist_add, llist_add_batch, llist_del_all, llist_del_first, llist_next,
                    llist_for_each_entry, llist_for_each_entry_safe, llist_reverse_order)
from .slab import (kmalloc, kzalloc, kvmalloc, kvzalloc, kfree, kvfree, kfree_sensitive, kfree_rcu,
                   kvfree_rcu, kfree_rcu_mightsleep, kvfree_rcu_mightsleep, kmem_cache,
                   kmem_cache_create, kmem_cache_alloc, kmem_cache_zalloc, kmem_cache_free,
                   kmem_cache_destroy, kmemleak_not_leak)
from .bug import WARN_ON, WARN_ON_ONCE, WARN, WARN_ONCE, BUG_ON, BUG, KVM_BUG_ON
from .workqueue import (workqueue_struct, work_struct, alloc_workqueue, INIT_WORK, queue_work,
                        flush_workqueue, destroy_workqueue, flush_work, work_pending)
from .sched import (TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE, TASK_NORMAL, TASK_IDLE,
                    MAX_SCHEDULE_TIMEOUT, set_current_state, __set_current_state, get_current_state,
                    schedule, schedule_timeout, wake_up_process, wake_up_state, might_sleep, msleep,
                    usleep_range, preempt_disable, preempt_enable, local_bh_disable, local_bh_enable,
                    local_irq_disable, local_irq_enable, local_irq_save, local_irq_restore,
                    irqs_disabled, in_atomic)
from .wait import (wait_queue_head_t, wait_queue_head, wait_queue_entry, DECLARE_WAIT_QUEUE_HEAD,
                   init_waitqueue_head, DEFINE_WAIT, init_wait_entry, DECLARE_WAITQUEUE,
                   add_wait_queue, add_wait_queue_exclusive, remove_wait_queue, prepare_to_wait,
                   prepare_to_wait_exclusive, prepare_to_wait_event, finish_wait, waitqueue_active,
                   wq_has_sleeper, wake_up, wake_up_all, wake_up_nr, wake_up_interruptible,
                   wake_up_interruptible_all, wait_event, wait_event_interruptible,
                   wait_event_exclusive, wait_event_timeout, wait_event_interruptible_timeout)
from .completion import (completion, DECLARE_COMPLETION, init_completion, reinit_completion, complete,
                         complete_all, wait_for_completion, wait_for_completion_timeout,
                         wait_for_completion_interruptible, try_wait_for_completion, completion_done)
from .kref import kref, KREF_INIT, kref_init, kref_read, kref_get, kref_get_unless_zero, kref_put, kref_put_lock, kref_put_mutex
from .bitops import (BITS_PER_LONG, BIT, DECLARE_BITMAP, set_bit, clear_bit, change_bit, clear_bit_unlock,
                     test_bit, test_bit_acquire, test_and_set_bit, test_and_clear_bit, test_and_change_bit,
                     test_and_set_bit_lock, __set_bit, __clear_bit, __change_bit, __test_and_set_bit,
                     __test_and_clear_bit, __clear_bit_unlock, find_first_bit)
from .seqlock import (seqcount_t, SEQCNT_ZERO, seqcount_init, seqcount_spinlock_init, seqcount_mutex_init,
                      read_seqcount_begin, raw_read_seqcount_begin, raw_seqcount_begin, raw_read_seqcount,
                      read_seqcount_retry, write_seqcount_begin, raw_write_seqcount_begin,
                      write_seqcount_end, raw_write_seqcount_end, write_seqcount_invalidate, seqlock_t,
                      DEFINE_SEQLOCK, seqlock_init, read_seqbegin, read_seqretry, write_seqlock,
                      write_sequnlock, write_seqlock_bh, write_sequnlock_bh, write_seqlock_irqsave,
                      write_sequnlock_irqrestore, read_seqlock_excl, read_sequnlock_excl)
from .srcu import (srcu_struct, DEFINE_SRCU, DEFINE_STATIC_SRCU, init_srcu_struct, cleanup_srcu_struct,
                   srcu_read_lock, srcu_read_unlock, srcu_read_lock_held, srcu_dereference,
                   srcu_dereference_check, synchronize_srcu, synchronize_srcu_expedited, call_srcu,
                   srcu_barrier)
