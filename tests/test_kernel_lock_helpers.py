"""``rcu_replace_pointer()``, ``atomic_dec_and_lock()`` and bit spinlocks,
from Python and from C, each with a buggy twin, under both memory models.

* ``rcu_replace_pointer(p, new, c)`` swaps an RCU-protected pointer on the
  update side: freeing the old object at once is the use-after-free an RCU
  reader meets; ``synchronize_rcu()`` first is clean; called without the
  update-side lock (``c`` false) it is lockdep's suspicious RCU usage.
* ``atomic_dec_and_lock(&o->ref, &lock)`` drops a reference and, for the
  last one, returns holding the lock that lookups take: a lookup under the
  lock never revives an object whose count reached 0.  The open-coded
  ``atomic_dec_and_test()`` then ``spin_lock()`` lets a lookup take a
  reference in between and use the object after it is freed.
* ``bit_spin_lock()`` on bit 0 of a word whose other bits change too (an
  hlist_bl head) excludes as a spinlock does; without it an increment is
  lost; unlocking a clear bit is the kernel's BUG_ON.
* Other spellings a harness of a real bug meets (``atomic_cond_read_*``,
  ``spin_trylock_irqsave``, ``call_rcu_hurry``, ``queue_work_on``, the
  ``_careful`` list pair, ``wait_event_killable``, ``msleep_interruptible``,
  ``read_seqbegin_or_lock`` from C), each against a twin that differs.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, ptr, kzalloc, kfree, READ_ONCE, WRITE_ONCE, WARN_ON, spinlock_t, spin_lock,
    spin_unlock, rcu_read_lock, rcu_read_unlock, rcu_dereference, rcu_replace_pointer,
    synchronize_rcu, lockdep_is_held, atomic_t, atomic_set, atomic_inc, atomic_dec_and_test,
    atomic_dec_and_lock,
)

MODELS = ("sc", "lkmm")


def _two_increments(o, inc):
    """Two tasks run ``inc(o)``; a third, after both, wants ``o.count == 2``."""
    a = spawn(inc, o, name="a")
    b = spawn(inc, o, name="b")
    spawn(lambda: (kcheck.join(a), kcheck.join(b), WARN_ON(o.count != 2)), name="check")


class obj(KStruct):
    v: int
    ref: atomic_t


class box(KStruct):
    p: obj
    lk: spinlock_t


# -- rcu_replace_pointer ----------------------------------------------------------

def replace_model(wait, locked=True):
    def reader(b):
        rcu_read_lock()
        q = rcu_dereference(ptr(b, "p"))
        if q is not None:
            WARN_ON(READ_ONCE(ptr(q, "v")) == 0)
        rcu_read_unlock()

    def updater(b):
        new = kzalloc(obj, v=2)
        if locked:
            spin_lock(b.lk)
        old = rcu_replace_pointer(ptr(b, "p"), new, lockdep_is_held(b.lk))
        if locked:
            spin_unlock(b.lk)
        if wait:
            synchronize_rcu()
        kfree(old)

    def main():
        b = box(p=kzalloc(obj, v=1))
        spawn(reader, b, name="reader")
        spawn(updater, b, name="updater")
    return main


@pytest.mark.parametrize("mm", MODELS)
def test_rcu_replace_pointer_then_free_at_once_is_a_use_after_free(mm):
    r = kcheck.check(replace_model(wait=False), memory_model=mm)
    assert r.bug is not None and r.bug.kind == "use-after-free", r.format()


@pytest.mark.parametrize("mm", MODELS)
def test_rcu_replace_pointer_then_synchronize_rcu_is_clean(mm):
    r = kcheck.check(replace_model(wait=True), memory_model=mm)
    assert r.bug is None and r.exhaustive, r.format()


def test_rcu_replace_pointer_without_the_update_side_lock_is_suspicious():
    r = kcheck.check(replace_model(wait=True, locked=False))
    assert r.bug is not None and r.bug.kind == "suspicious-rcu-usage", r.format()


# -- atomic_dec_and_lock ------------------------------------------------------------

def dec_lock_model(fixed):
    def put(b, o):
        if fixed:
            if not atomic_dec_and_lock(o.ref, b.lk):
                return
        else:
            if not atomic_dec_and_test(o.ref):
                return
            spin_lock(b.lk)
        WRITE_ONCE(ptr(b, "p"), None)
        spin_unlock(b.lk)
        kfree(o)

    def owner(b, o):
        put(b, o)

    def lookup(b):
        spin_lock(b.lk)
        o = READ_ONCE(ptr(b, "p"))
        if o is not None:
            atomic_inc(o.ref)
        spin_unlock(b.lk)
        if o is not None:
            WARN_ON(READ_ONCE(ptr(o, "v")) != 1)
            put(b, o)

    def main():
        o = kzalloc(obj, v=1)
        atomic_set(o.ref, 1)
        b = box(p=o)
        spawn(owner, b, o, name="owner")
        spawn(lookup, b, name="lookup")
    return main


@pytest.mark.parametrize("mm", MODELS)
def test_dec_and_test_then_lock_lets_a_lookup_revive_a_dead_object(mm):
    r = kcheck.check(dec_lock_model(fixed=False), memory_model=mm)
    assert r.bug is not None and r.bug.kind in ("use-after-free", "double-free"), r.format()


@pytest.mark.parametrize("mm", MODELS)
def test_atomic_dec_and_lock_is_clean(mm):
    r = kcheck.check(dec_lock_model(fixed=True), memory_model=mm)
    assert r.bug is None and r.exhaustive, r.format()


# -- the same from C ------------------------------------------------------------------

C_SOURCE = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/atomic.h>
#include <pthread.h>

struct obj {
	int v;
	atomic_t ref;
};

static struct obj __rcu *gp;
static DEFINE_SPINLOCK(lock);

#if CASE == 1
static void *reader(void *arg)
{
	struct obj *q;

	rcu_read_lock();
	q = rcu_dereference(gp);
	if (q)
		WARN_ON(READ_ONCE(q->v) == 0);
	rcu_read_unlock();
	return NULL;
}

static void *updater(void *arg)
{
	struct obj *new = kzalloc(sizeof(*new), GFP_KERNEL), *old;

	new->v = 2;
	spin_lock(&lock);
	old = rcu_replace_pointer(gp, new, lockdep_is_held(&lock));
	spin_unlock(&lock);
	WAIT();
	kfree(old);
	return NULL;
}
#else
static void put(struct obj *o)
{
#if FIXED
	if (!atomic_dec_and_lock(&o->ref, &lock))
		return;
#else
	if (!atomic_dec_and_test(&o->ref))
		return;
	spin_lock(&lock);
#endif
	WRITE_ONCE(gp, NULL);
	spin_unlock(&lock);
	kfree(o);
}

static void *reader(void *arg)		/* a lookup: a reference taken under the lock */
{
	struct obj *o;

	spin_lock(&lock);
	o = READ_ONCE(gp);
	if (o)
		atomic_inc(&o->ref);
	spin_unlock(&lock);
	if (o) {
		WARN_ON(READ_ONCE(o->v) != 1);
		put(o);
	}
	return NULL;
}

static void *updater(void *arg)		/* the owner drops its reference */
{
	put((struct obj *)arg);
	return NULL;
}
#endif

int main(void)
{
	pthread_t a, b;
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	o->v = 1;
	atomic_set(&o->ref, 1);
	gp = o;
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, updater, o);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
#if CASE == 1
	kfree(gp);
#endif
	return 0;
}
"""

C_CASES = {
    "rcu_replace_pointer, then kfree": (["CASE=1", "WAIT()="], "use-after-free"),
    "rcu_replace_pointer, synchronize_rcu, then kfree": (["CASE=1", "WAIT()=synchronize_rcu()"],
                                                          None),
    "atomic_dec_and_test, then spin_lock": (["CASE=2", "FIXED=0"], "use-after-free"),
    "atomic_dec_and_lock": (["CASE=2", "FIXED=1"], None),
}


@pytest.mark.parametrize("mm", MODELS)
@pytest.mark.parametrize("name", sorted(C_CASES))
def test_from_c(tmp_path, name, mm):
    import kcheck.c
    defines, want = C_CASES[name]
    f = tmp_path / "helpers.c"
    f.write_text(C_SOURCE)
    prog = kcheck.c.load(str(f), defines=defines)
    r = kcheck.check(prog.entry, memory_model=mm)
    if want is None:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind in (want, "double-free"), r.format()


# -- bit spinlocks ----------------------------------------------------------------------

from kcheck.kernel import (  # noqa: E402
    bit_spin_lock, bit_spin_unlock, bit_spin_trylock, bit_spin_is_locked, set_bit, cpu_relax,
)


class head(KStruct):
    word: int            # bit 0: the lock (an hlist_bl head's), the rest free
    count: int


@pytest.mark.parametrize("mm", MODELS)
@pytest.mark.parametrize("how", ["lock", "trylock", "none"])
def test_bit_spin_lock_excludes(mm, how):
    def inc(h):
        if how == "lock":
            bit_spin_lock(0, ptr(h, "word"))
        elif how == "trylock":
            while not bit_spin_trylock(0, ptr(h, "word")):
                cpu_relax()
        if how != "none":
            WARN_ON(not bit_spin_is_locked(0, ptr(h, "word")))
        h.count = h.count + 1
        if how != "none":
            bit_spin_unlock(0, ptr(h, "word"))

    def main():
        h = head()
        spawn(set_bit, 5, ptr(h, "word"), name="c")    # another bit of the same word
        _two_increments(h, inc)

    r = kcheck.check(main, memory_model=mm, races="off")
    if how == "none":
        assert r.bug is not None and r.bug.kind == "warn", r.format()
    else:
        assert r.bug is None and r.exhaustive, r.format()


def test_bit_spin_unlock_of_a_clear_bit_is_the_kernels_bug_on():
    def t(h):
        bit_spin_unlock(0, ptr(h, "word"))

    def main():
        spawn(t, head(), name="t")

    r = kcheck.check(main)
    assert r.bug is not None and r.bug.kind == "bug-on" and "BUG_ON" in r.bug.message, r.format()


C_BITLOCK = r"""
#include <linux/kernel.h>
#include <linux/bit_spinlock.h>
#include <pthread.h>

static unsigned long word;
static int count;

static void *inc(void *arg)
{
	LOCK();
	count++;
	UNLOCK();
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, inc, NULL);
	pthread_create(&b, NULL, inc, NULL);
	set_bit(5, &word);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(count != 2);
	return 0;
}
"""


@pytest.mark.parametrize("mm", MODELS)
@pytest.mark.parametrize("locked", [True, False])
def test_bit_spin_lock_from_c(tmp_path, mm, locked):
    import kcheck.c
    f = tmp_path / "bitlock.c"
    f.write_text(C_BITLOCK)
    defines = (["LOCK()=bit_spin_lock(0, &word)", "UNLOCK()=bit_spin_unlock(0, &word)"] if locked
               else ["LOCK()=", "UNLOCK()="])
    r = kcheck.check(kcheck.c.load(str(f), defines=defines).entry, memory_model=mm, races="off")
    if locked:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind == "warn", r.format()


# -- small kernel spellings: atomic_cond_read_*, spin_trylock_irqsave, call_rcu_hurry,
# queue_work_on ---------------------------------------------------------------------------

from kcheck.kernel import (  # noqa: E402
    atomic_cond_read_acquire, atomic_cond_read_relaxed, atomic_set_release, spin_trylock_irqsave,
    spin_unlock_irqrestore, irqs_disabled,
)


class msg(KStruct):
    data: int
    ready: atomic_t
    lk: spinlock_t
    count: int


@pytest.mark.parametrize("acquire", [True, False])
def test_atomic_cond_read_acquire_orders_message_passing_under_the_lkmm(acquire):
    def producer(m):
        WRITE_ONCE(ptr(m, "data"), 1)
        atomic_set_release(m.ready, 1)

    def consumer(m):
        wait = atomic_cond_read_acquire if acquire else atomic_cond_read_relaxed
        wait(m.ready, lambda v: v == 1)
        WARN_ON(READ_ONCE(ptr(m, "data")) != 1)

    def main():
        m = msg()
        spawn(producer, m, name="producer")
        spawn(consumer, m, name="consumer")

    sc = kcheck.check(main)
    lk = kcheck.check(main, memory_model="lkmm")
    assert sc.bug is None and sc.exhaustive, sc.format()
    if acquire:
        assert lk.bug is None and lk.exhaustive, lk.format()
    else:
        assert lk.bug is not None and lk.bug.kind == "warn", lk.format()


@pytest.mark.parametrize("mm", MODELS)
def test_spin_trylock_irqsave_takes_the_lock_or_restores_interrupts(mm):
    def inc(m):
        while True:
            ok, flags = spin_trylock_irqsave(m.lk)
            if ok:
                break
            WARN_ON(irqs_disabled())          # restored at once when not taken
            cpu_relax()
        WARN_ON(not irqs_disabled())
        m.count = m.count + 1
        spin_unlock_irqrestore(m.lk, flags)

    def main():
        _two_increments(msg(), inc)

    r = kcheck.check(main, memory_model=mm, races="off")
    assert r.bug is None and r.exhaustive, r.format()


C_SPELLINGS = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/atomic.h>
#include <linux/workqueue.h>
#include <pthread.h>

struct obj {
	int v;
	struct rcu_head rcu;
	struct work_struct work;
};

static struct obj __rcu *gp;
static atomic_t ready;
static int data, count;
static DEFINE_SPINLOCK(lock);
static struct workqueue_struct *wq;

static void free_obj(struct rcu_head *h)
{
	kfree(container_of(h, struct obj, rcu));
}

static void work_fn(struct work_struct *w)
{
	WRITE_ONCE(container_of(w, struct obj, work)->v, 7);
}

static void *t1(void *arg)
{
#if CASE == 1	/* call_rcu_hurry: the reader */
	struct obj *q;

	rcu_read_lock();
	q = rcu_dereference(gp);
	if (q)
		WARN_ON(READ_ONCE(q->v) != 1);
	rcu_read_unlock();
#elif CASE == 2	/* atomic_cond_read_*: the consumer */
	WAIT(&ready, VAL == 1);
	WARN_ON(READ_ONCE(data) != 1);
#elif CASE == 3	/* spin_trylock_irqsave */
	unsigned long flags;

	while (!spin_trylock_irqsave(&lock, flags))
		cpu_relax();
	count++;
	spin_unlock_irqrestore(&lock, flags);
#elif CASE == 4	/* queue_work_on */
	struct obj *o = arg;

	INIT_WORK(&o->work, work_fn);
	queue_work_on(1, wq, &o->work);
	flush_workqueue(wq);
	WARN_ON(READ_ONCE(o->v) != WANT);
#endif
	return NULL;
}

static void *t2(void *arg)
{
#if CASE == 1	/* the updater */
	struct obj *old;

	spin_lock(&lock);
	old = rcu_replace_pointer(gp, NULL, lockdep_is_held(&lock));
	spin_unlock(&lock);
	FREE(old);
#elif CASE == 2	/* the producer */
	WRITE_ONCE(data, 1);
	atomic_set_release(&ready, 1);
#elif CASE == 3
	unsigned long flags;

	while (!spin_trylock_irqsave(&lock, flags))
		cpu_relax();
	count++;
	spin_unlock_irqrestore(&lock, flags);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	o->v = 1;
	gp = o;
	wq = alloc_workqueue("w", 0, 0);
	pthread_create(&a, NULL, t1, o);
	pthread_create(&b, NULL, t2, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
#if CASE == 3
	WARN_ON(count != 2);
#endif
#if CASE != 1
	kfree(o);
#endif
	destroy_workqueue(wq);
	rcu_barrier();
	return 0;
}
"""

C_SPELLING_CASES = {
    "call_rcu_hurry": (["CASE=1", "FREE(p)=call_rcu_hurry(&p->rcu, free_obj)"], None, None),
    "kfree at once": (["CASE=1", "FREE(p)=kfree(p)"], "use-after-free", "use-after-free"),
    "atomic_cond_read_acquire": (["CASE=2", "WAIT=atomic_cond_read_acquire"], None, None),
    "atomic_cond_read_relaxed": (["CASE=2", "WAIT=atomic_cond_read_relaxed"], None, "warn"),
    "spin_trylock_irqsave": (["CASE=3"], None, None),
    "queue_work_on: the item ran": (["CASE=4", "WANT=7"], None, None),
    "queue_work_on: a wrong expectation": (["CASE=4", "WANT=1"], "warn", "warn"),
}


def _c_case(tmp_path, source, case):
    """Load ``source`` with the case's defines; under SC, then the LKMM, no
    bug and exhaustive (None) or the bug kind the case names."""
    import kcheck.c
    defines, want_sc, want_lkmm = case
    f = tmp_path / "case.c"
    f.write_text(source)
    prog = kcheck.c.load(str(f), defines=defines)
    for mm, want in (("sc", want_sc), ("lkmm", want_lkmm)):
        r = kcheck.check(prog.entry, memory_model=mm, races="off")
        if want is None:
            assert r.bug is None and r.exhaustive, (mm, r.format())
        else:
            assert r.bug is not None and r.bug.kind == want, (mm, r.format())


@pytest.mark.parametrize("name", sorted(C_SPELLING_CASES))
def test_kernel_spellings_from_c(tmp_path, name):
    _c_case(tmp_path, C_SPELLINGS, C_SPELLING_CASES[name])


# -- list_empty_careful / list_del_init_careful, and more spellings -----------------------

from kcheck.kernel import (  # noqa: E402
    list_head, INIT_LIST_HEAD, list_add, list_del_init, list_empty, list_del_init_careful,
    list_empty_careful, msleep_interruptible, wait_event_killable, wake_up,
    wait_queue_head_t, init_waitqueue_head, mutex, mutex_lock_io, mutex_unlock,
    spin_lock_irqsave_nested, raw_spin_trylock_irqsave, raw_spinlock_t,
)


class waiter(KStruct):
    node: list_head
    data: int


class queue(KStruct):
    head: list_head


@pytest.mark.parametrize("careful", [True, False])
def test_list_empty_careful_sees_what_came_before_list_del_init_careful(careful):
    # the wait-queue pattern (autoremove_wake_function / finish_wait): the
    # waker unlinks the entry after its store; a lockless test that finds the
    # entry unlinked must see the store - only the careful pair orders it
    def waker(q, w):
        WRITE_ONCE(ptr(w, "data"), 1)
        (list_del_init_careful if careful else list_del_init)(w.node)

    def reader(q, w):
        if (list_empty_careful if careful else list_empty)(w.node):
            WARN_ON(READ_ONCE(ptr(w, "data")) != 1)

    def main():
        q, w = queue(), waiter()
        INIT_LIST_HEAD(q.head)
        list_add(w.node, q.head)
        spawn(waker, q, w, name="waker")
        spawn(reader, q, w, name="reader")

    sc = kcheck.check(main, races="off")
    assert sc.bug is None and sc.exhaustive, sc.format()
    lk = kcheck.check(main, memory_model="lkmm", races="off")
    if careful:
        assert lk.bug is None and lk.exhaustive, lk.format()
    else:
        assert lk.bug is not None and lk.bug.kind == "warn", lk.format()


class flag(KStruct):
    v: int
    wq: wait_queue_head_t
    m: mutex
    rl: raw_spinlock_t
    count: int


@pytest.mark.parametrize("wake", [True, False])
def test_wait_event_killable_is_woken_by_wake_up(wake):
    def sleeper(f):
        wait_event_killable(f.wq, lambda: READ_ONCE(ptr(f, "v")) == 1)

    def waker(f):
        WRITE_ONCE(ptr(f, "v"), 1)
        if wake:
            wake_up(f.wq)

    def main():
        f = flag()
        init_waitqueue_head(f.wq)
        spawn(sleeper, f, name="sleeper")
        spawn(waker, f, name="waker")

    r = kcheck.check(main)
    if wake:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind in ("deadlock", "lost-wakeup"), r.format()


@pytest.mark.parametrize("mm", MODELS)
def test_msleep_interruptible_polling_is_no_livelock(mm):
    def poller(f):
        while not READ_ONCE(ptr(f, "v")):
            msleep_interruptible(10)

    def setter(f):
        WRITE_ONCE(ptr(f, "v"), 1)

    def main():
        f = flag()
        spawn(poller, f, name="poller")
        spawn(setter, f, name="setter")

    r = kcheck.check(main, memory_model=mm)
    assert r.bug is None and r.exhaustive, r.format()


@pytest.mark.parametrize("how", ["mutex_lock_io", "spin_lock_irqsave_nested",
                                 "raw_spin_trylock_irqsave"])
def test_lock_spellings_exclude(how):
    def inc(f):
        if how == "mutex_lock_io":
            mutex_lock_io(f.m)
        elif how == "spin_lock_irqsave_nested":
            flags = spin_lock_irqsave_nested(f.rl, 1)
        else:
            while True:
                ok, flags = raw_spin_trylock_irqsave(f.rl)
                if ok:
                    break
                cpu_relax()
        f.count = f.count + 1
        if how == "mutex_lock_io":
            mutex_unlock(f.m)
        else:
            spin_unlock_irqrestore(f.rl, flags)

    def main():
        _two_increments(flag(), inc)

    for mm in MODELS:
        r = kcheck.check(main, memory_model=mm, races="off")
        assert r.bug is None and r.exhaustive, (mm, r.format())


C_CAREFUL = r"""
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/delay.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <pthread.h>

static LIST_HEAD(q);
static struct list_head node;
static int data, count, count2;
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DEFINE_MUTEX(m);
static DEFINE_RAW_SPINLOCK(rl);

static void *t1(void *arg)
{
#if CASE == 1
	WRITE_ONCE(data, 1);
	DEL(&node);
#elif CASE == 2
	wait_event_killable(wq, READ_ONCE(data) == 1);
#elif CASE == 3
	while (!READ_ONCE(data))
		msleep_interruptible(10);
#elif CASE == 4
	unsigned long flags;

	mutex_lock_io(&m);
	count++;
	mutex_unlock(&m);
	while (!raw_spin_trylock_irqsave(&rl, flags))
		cpu_relax();
	count2++;
	raw_spin_unlock_irqrestore(&rl, flags);
#endif
	return NULL;
}

static void *t2(void *arg)
{
#if CASE == 1
	if (EMPTY(&node))
		WARN_ON(READ_ONCE(data) != 1);
#elif CASE == 2 || CASE == 3
	WRITE_ONCE(data, 1);
	wake_up(&wq);
#elif CASE == 4
	unsigned long flags;

	mutex_lock_io(&m);
	count++;
	mutex_unlock(&m);
	raw_spin_lock_irqsave(&rl, flags);
	count2++;
	raw_spin_unlock_irqrestore(&rl, flags);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	list_add(&node, &q);
	pthread_create(&a, NULL, t1, NULL);
	pthread_create(&b, NULL, t2, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
#if CASE == 4
	WARN_ON(count != 2 || count2 != 2);
#endif
	return 0;
}
"""

C_CAREFUL_CASES = {
    "careful pair": (["CASE=1", "DEL=list_del_init_careful", "EMPTY=list_empty_careful"], None, None),
    "plain pair": (["CASE=1", "DEL=list_del_init", "EMPTY=list_empty"], None, "warn"),
    "wait_event_killable": (["CASE=2"], None, None),
    "msleep_interruptible polling": (["CASE=3"], None, None),
    "mutex_lock_io, raw_spin_trylock_irqsave": (["CASE=4"], None, None),
}


@pytest.mark.parametrize("name", sorted(C_CAREFUL_CASES))
def test_more_spellings_from_c(tmp_path, name):
    _c_case(tmp_path, C_CAREFUL, C_CAREFUL_CASES[name])


# -- read_seqbegin_or_lock ------------------------------------------------------------------

# (the Python twin is in tests/test_kernel_seqlock_srcu.py, beside the other seqlock readers)

C_SEQ = r"""
#include <linux/kernel.h>
#include <linux/seqlock.h>
#include <pthread.h>

static DEFINE_SEQLOCK(sl);
static int a, b;

static void *writer(void *arg)
{
	write_seqlock(&sl);
	WRITE_ONCE(a, 1);
	WRITE_ONCE(b, 1);
	write_sequnlock(&sl);
	return NULL;
}

static void *reader(void *arg)
{
	int seq = 0, x, y;

again:
	read_seqbegin_or_lock(&sl, &seq);
	x = READ_ONCE(a);
	y = READ_ONCE(b);
	if (RETRY && need_seqretry(&sl, seq)) {
		seq = 1;
		goto again;
	}
	done_seqretry(&sl, seq);
	WARN_ON(x != y);
	return NULL;
}

int main(void)
{
	pthread_t w, r;

	pthread_create(&w, NULL, writer, NULL);
	pthread_create(&r, NULL, reader, NULL);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("retry", [1, 0])
def test_read_seqbegin_or_lock_from_c(tmp_path, retry):
    import kcheck.c
    f = tmp_path / "seq.c"
    f.write_text(C_SEQ)
    prog = kcheck.c.load(str(f), defines=(f"RETRY={retry}",))
    for mm in MODELS:
        r = kcheck.check(prog.entry, memory_model=mm, races="off")
        if retry:
            assert r.bug is None and r.exhaustive, (mm, r.format())
        else:
            assert r.bug is not None and r.bug.kind == "warn", (mm, r.format())
