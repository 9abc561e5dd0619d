"""``kcheck.kernel``: the kernel's concurrency primitives, named as in the kernel.

One module per kernel concept, so that a reviewer can translate C line by
line: ``struct`` (structs, arrays, bitfields), ``atomic``, ``bitops``,
``refcount``, ``kref``, ``barrier``, ``locking`` (spinlocks, rwlocks,
mutexes, rw_semaphores, lockdep), ``sched`` (task state, schedule, wake-ups,
might_sleep), ``wait`` (wait queues, wait_event), ``completion``, ``rcu``,
``srcu``, ``seqlock``, ``list`` (list_head and hlist), ``hashtable``,
``llist``, ``slab``, ``bug``, ``workqueue``, ``timer``, ``kthread``, ``wait_bit``,
``interrupt``, ``tasklet``, ``hrtimer``, ``percpu``, ``percpu_refcount``, ``xarray``
(and the IDR), ``list_nulls``, ``lockref``, ``semaphore``, ``stack`` (objects on a
function's stack).  Their semantics live in the
engine (``kcheck.engine``): each function here turns into one or a few
events.  ``__all__`` below is the public API; docs/reference/kernel-api.md
gives every name a line (tests/test_kernel_api_doc.py keeps the two equal).
"""

from . import (struct as _struct, atomic as _atomic, bitops as _bitops, refcount as _refcount,
               kref as _kref, barrier as _barrier, locking as _locking, sched as _sched,
               wait as _wait, completion as _completion, rcu as _rcu, srcu as _srcu,
               seqlock as _seqlock, list as _list, hashtable as _hashtable, llist as _llist,
               slab as _slab, bug as _bug, workqueue as _workqueue, timer as _timer,
               kthread as _kthread, wait_bit as _wait_bit, interrupt as _interrupt,
               tasklet as _tasklet, hrtimer as _hrtimer, percpu as _percpu,
               percpu_refcount as _percpu_refcount, xarray as _xarray, list_nulls as _list_nulls,
               lockref as _lockref, semaphore as _semaphore, u64_stats as _u64_stats,
               ida as _ida, irq_work as _irq_work,
               percpu_counter as _percpu_counter, stack as _stack)
from .struct import *          # noqa: F401,F403
from .atomic import *          # noqa: F401,F403
from .bitops import *          # noqa: F401,F403
from .refcount import *        # noqa: F401,F403
from .kref import *            # noqa: F401,F403
from .barrier import *         # noqa: F401,F403
from .locking import *         # noqa: F401,F403
from .sched import *           # noqa: F401,F403
from .wait import *            # noqa: F401,F403
from .completion import *      # noqa: F401,F403
from .rcu import *             # noqa: F401,F403
from .srcu import *            # noqa: F401,F403
from .seqlock import *         # noqa: F401,F403
from .list import *            # noqa: F401,F403
from .hashtable import *       # noqa: F401,F403
from .llist import *           # noqa: F401,F403
from .slab import *            # noqa: F401,F403
from .bug import *             # noqa: F401,F403
from .workqueue import *       # noqa: F401,F403
from .timer import *           # noqa: F401,F403
from .kthread import *         # noqa: F401,F403
from .wait_bit import *        # noqa: F401,F403
from .interrupt import *       # noqa: F401,F403
from .tasklet import *         # noqa: F401,F403
from .hrtimer import *         # noqa: F401,F403
from .percpu import *          # noqa: F401,F403
from .percpu_refcount import *  # noqa: F401,F403
from .xarray import *          # noqa: F401,F403
from .list_nulls import *      # noqa: F401,F403
from .lockref import *         # noqa: F401,F403
from .semaphore import *       # noqa: F401,F403
from .u64_stats import *       # noqa: F401,F403
from .ida import *             # noqa: F401,F403
from .irq_work import *        # noqa: F401,F403
from .percpu_counter import *  # noqa: F401,F403
from .stack import *           # noqa: F401,F403
# what C's linux/xarray.h and linux/idr.h call with an out-parameter's location
from .xarray import _xa_alloc_at, _xa_find_at, __kcheck_idr_next_id  # noqa: F401

__all__ = [name for _m in (_struct, _atomic, _bitops, _refcount, _kref, _barrier,
                          _locking, _sched, _wait, _completion, _rcu, _srcu,
                          _seqlock, _list, _hashtable, _llist, _slab, _bug, _workqueue, _timer,
                          _kthread, _wait_bit, _interrupt, _tasklet, _hrtimer, _percpu,
                          _percpu_refcount, _xarray, _list_nulls, _lockref, _semaphore,
                          _u64_stats, _ida, _irq_work, _percpu_counter, _stack)
           for name in _m.__all__]
