"""The kernel API from C: every kcheck.kernel primitive is declared in kcheck's
headers (or is Python-only for a stated reason), every prototype there is
backed by kcheck, and the primitives behave from C as from Python - each with
a buggy twin that kcheck catches and a fixed one it proves clean."""

import os

import clang.cindex as ci
from pathlib import Path

import pytest

import kcheck
import kcheck.c
import kcheck.kernel as K
from kcheck.c import _kernel
from kcheck.c._parse import INCLUDE_DIR, parse

ALL_HEADERS = sorted(os.path.relpath(os.path.join(d, f), INCLUDE_DIR)
                     for d, _, fs in os.walk(INCLUDE_DIR) for f in fs if f.endswith(".h"))


def header_names(tmp_path):
    """(functions declared, macros defined) by kcheck's headers."""
    src = tmp_path / "all.c"
    src.write_text("".join(f"#include <{h}>\n" for h in ALL_HEADERS) + "int main(void) { return 0; }\n")
    tu = parse(str(src))
    funcs, macros = set(), set()
    for c in tu.cursor.get_children():
        if c.location.file is None or not c.location.file.name.startswith(INCLUDE_DIR):
            continue
        if c.kind == ci.CursorKind.FUNCTION_DECL and c.is_definition():
            macros.add(c.spelling)          # a static inline of the headers: C itself
        elif c.kind == ci.CursorKind.FUNCTION_DECL:
            funcs.add(c.spelling)
        elif c.kind in (ci.CursorKind.MACRO_DEFINITION, ci.CursorKind.TYPEDEF_DECL,
                        ci.CursorKind.STRUCT_DECL):
            macros.add(c.spelling)
    return funcs, macros


def kernel_names():
    names = getattr(K, "__all__", None)
    if names is None:
        names = [n for n in dir(K) if not n.startswith("_")]
    mods = {"atomic", "barrier", "bug", "list", "locking", "rcu", "refcount", "slab", "struct",
            "workqueue"}
    return sorted(n for n in names if n not in mods and not isinstance(getattr(K, n, None),
                                                                        type(os)))


def test_every_kernel_primitive_is_in_the_headers(tmp_path):
    funcs, macros = header_names(tmp_path)
    missing = [n for n in kernel_names()
               if n not in funcs and n not in macros and n not in _kernel.PYTHON_ONLY]
    assert not missing, ("kcheck.kernel names C cannot call: declare them in kcheck/c/include "
                         f"or list them in kcheck.c._kernel.PYTHON_ONLY with a reason: {missing}")


def test_every_prototype_is_backed(tmp_path):
    """A prototype in the headers is an intrinsic of the C runtime or a kcheck.kernel binding."""
    funcs, _ = header_names(tmp_path)
    unbacked = [n for n in sorted(funcs)
                if n not in _kernel.INTRINSICS and _kernel.binding(n) is None]
    assert not unbacked, f"declared in kcheck's headers but not implemented: {unbacked}"


KERNEL = r"""
#include <linux/kernel.h>
#include <linux/refcount.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/atomic.h>
#include <pthread.h>

struct item {
	int val;
	refcount_t ref;
	struct list_head node;
	struct rcu_head rcu;
	struct work_struct work;
};

static LIST_HEAD(items);
static DEFINE_SPINLOCK(lock);
static struct mutex mtx;
static rwlock_t rw;
static int counter;
static atomic_t hits;
static struct item *gp;
static struct workqueue_struct *wq;

static void free_item(struct rcu_head *head)
{
	kfree(container_of(head, struct item, rcu));
}

static void work_fn(struct work_struct *work)
{
	struct item *it = container_of(work, struct item, work);

	atomic_add(it->val, &hits);
}

static void *t1(void *arg)
{
	struct item *it;

#if CASE == 1	/* refcount: one put too many */
	refcount_dec(&gp->ref);
	refcount_dec(&gp->ref);
#elif CASE == 2	/* an increment under the lock, or not */
	LOCK();
	counter++;
	UNLOCK();
#elif CASE == 3	/* an RCU reader walks the list */
	rcu_read_lock();
	list_for_each_entry_rcu(it, &items, node)
		atomic_add(READ_ONCE(it->val), &hits);
	rcu_read_unlock();
#elif CASE == 4	/* lockdep: the caller must hold the lock */
	ASSERT_LOCK();
	lockdep_assert_held(&lock);
	ASSERT_UNLOCK();
#elif CASE == 5	/* rwlock readers */
	READ_LOCK();
	WARN_ON(READ_ONCE(counter) == 1);
	READ_UNLOCK();
#elif CASE == 6	/* a work item */
	INIT_WORK(&gp->work, work_fn);
	queue_work(wq, &gp->work);
	flush_workqueue(wq);
	WARN_ON(atomic_read(&hits) != WANT);
#elif CASE == 7	/* try_cmpxchg updates the expected value on failure */
	{
		int old = 0;

		while (!atomic_try_cmpxchg(&hits, &old, old + 1))
			;
	}
#endif
	return NULL;
}

static void *t2(void *arg)
{
	struct item *it;

#if CASE == 2
	LOCK();
	counter++;
	UNLOCK();
#elif CASE == 3	/* the updater unlinks and frees */
	spin_lock(&lock);
	it = list_first_entry(&items, struct item, node);
	list_del_rcu(&it->node);
	spin_unlock(&lock);
	FREE(it);
#elif CASE == 5
	write_lock(&rw);
	WRITE_ONCE(counter, 1);
	WRITE_ONCE(counter, 2);
	write_unlock(&rw);
#elif CASE == 7
	atomic_inc(&hits);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);

	it->val = 3;
	refcount_set(&it->ref, 1);
	list_add_tail_rcu(&it->node, &items);
	gp = it;
	mutex_init(&mtx);
	wq = alloc_workqueue("test", 0, 0);
	pthread_create(&a, NULL, t1, NULL);
	pthread_create(&b, NULL, t2, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
#if CASE == 2
	WARN_ON(counter != 2);
#elif CASE == 7
	WARN_ON(atomic_read(&hits) != 2);
#endif
#if CASE != 3
	list_del_rcu(&it->node);
	kfree(it);
#endif
	destroy_workqueue(wq);
	rcu_barrier();
	return 0;
}
"""

CASES = {
    "refcount: one put too many": (["CASE=1"], "refcount-warn", "refcount_t: decrement hit 0"),
    "refcount fine": (["CASE=0"], "no-bug", None),
    "increment without lock": (["CASE=2", "LOCK()=", "UNLOCK()="], "warn", "WARN_ON"),
    "increment under spin_lock": (["CASE=2", "LOCK()=spin_lock(&lock)", "UNLOCK()=spin_unlock(&lock)"],
                                  "no-bug", None),
    "increment under mutex": (["CASE=2", "LOCK()=mutex_lock(&mtx)", "UNLOCK()=mutex_unlock(&mtx)"],
                              "no-bug", None),
    "kfree under an RCU reader": (["CASE=3", "FREE(p)=kfree(p)"], "use-after-free", None),
    "call_rcu under an RCU reader": (["CASE=3", "FREE(p)=call_rcu(&p->rcu, free_item)"], "no-bug", None),
    "lockdep: lock not held": (["CASE=4", "ASSERT_LOCK()=", "ASSERT_UNLOCK()="], "lockdep", None),
    "lockdep: lock held": (["CASE=4", "ASSERT_LOCK()=spin_lock(&lock)",
                            "ASSERT_UNLOCK()=spin_unlock(&lock)"], "no-bug", None),
    "rwlock: no read_lock, the writer's middle shows": (["CASE=5", "READ_LOCK()=",
                                                        "READ_UNLOCK()="], "warn", None),
    "rwlock: read_lock excludes the writer": (["CASE=5", "READ_LOCK()=read_lock(&rw)",
                                               "READ_UNLOCK()=read_unlock(&rw)"], "no-bug", None),
    "workqueue: the item ran": (["CASE=6", "WANT=3"], "no-bug", None),
    "workqueue: a wrong expectation": (["CASE=6", "WANT=4"], "warn", None),
    "atomic_try_cmpxchg": (["CASE=7"], "no-bug", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_primitives_from_c(tmp_path, name):
    defines, want, text = CASES[name]
    f = tmp_path / "kernel.c"
    f.write_text(KERNEL)
    prog = kcheck.c.load(str(f), defines=defines)
    r = kcheck.check(prog.entry)
    got = r.bug.kind if r.bug else "no-bug"
    assert got == want, r.format()
    if want == "no-bug":
        assert r.exhaustive
    if text:
        assert text in r.bug.message


def test_lkmm_versions_agree_on_locked_increment(tmp_path):
    f = tmp_path / "kernel.c"
    f.write_text(KERNEL)
    ok = kcheck.c.load(str(f), defines=["CASE=2", "LOCK()=spin_lock(&lock)", "UNLOCK()=spin_unlock(&lock)"])
    bad = kcheck.c.load(str(f), defines=["CASE=2", "LOCK()=", "UNLOCK()="])
    assert kcheck.check(ok.entry, memory_model="lkmm").bug is None
    assert kcheck.check(bad.entry, memory_model="lkmm").bug is not None


def test_c_objects_are_named_whole_in_traces(tmp_path):
    # an llist node and a seqcount of C memory have no ".next"/".sequence" in their
    # names; cutting that suffix blind printed "&req#0-" and "write_seqcount_begin(&)"
    import kcheck.c
    head = ("#include <linux/kernel.h>\n#include <linux/llist.h>\n#include <linux/seqlock.h>\n"
            "#include <linux/slab.h>\n#include <pthread.h>\n")
    seq = tmp_path / "seq.c"
    seq.write_text(head + "static seqcount_t seq;\n"
                   "static void *t(void *a) { write_seqcount_begin(&seq); write_seqcount_end(&seq); "
                   "return NULL; }\n"
                   "int main(void) { pthread_t p; pthread_create(&p, NULL, t, NULL); return 0; }\n")
    res = kcheck.check(kcheck.c.load(str(seq)).entry)
    assert res.bug is not None and "write_seqcount_begin(&seq)" in res.bug.message, res.format()
    ll = tmp_path / "llist.c"
    ll.write_text(head + "struct req { struct llist_node node; int queued; };\n"
                  "static LLIST_HEAD(pending);\n"
                  "static void *producer(void *a) { struct req *r = kmalloc(sizeof(*r), GFP_KERNEL);\n"
                  "\tllist_add(&r->node, &pending); r->queued = 1; return NULL; }\n"
                  "static void *consumer(void *a) { struct llist_node *l = llist_del_all(&pending);\n"
                  "\tif (l) kfree(llist_entry(l, struct req, node)); return NULL; }\n"
                  "int main(void) { pthread_t p, c; pthread_create(&p, NULL, producer, NULL);\n"
                  "\tpthread_create(&c, NULL, consumer, NULL); return 0; }\n")
    res = kcheck.check(kcheck.c.load(str(ll)).entry)
    assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
    assert "llist_add(&r->node, &pending)" in res.format(), res.format()


@pytest.mark.parametrize("change,verdict", [
    (None, "no-bug"),
    (("sum != 14", "sum != 15"), "warn"),                  # the walks' sums are checked
    (("\tlockdep_assert_irqs_enabled();", "\tlockdep_assert_irqs_disabled();"), "warn"),
])
def test_list_walks_kstrdup_and_the_irq_assertions_reviews_asked_for(tmp_path, change, verdict):
    """list_for_each_entry_{continue,from,safe_reverse}, list_for_each_prev_safe,
    list_count_nodes, kstrdup, wait_for_completion_interruptible_timeout and
    lockdep_assert_irqs_{enabled,disabled} (the latter a no-op before): each
    was clang's "undeclared function" in a C review."""
    import kcheck.c
    src = (Path(__file__).parent / "data" / "c_api_more.c").read_text()
    if change:
        src = src.replace(*change)
    f = tmp_path / "api.c"
    f.write_text(src)
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()
    if verdict == "no-bug":
        assert r.exhaustive


@pytest.mark.parametrize("call,verdict", [
    ("kmalloc(1UL << 40, GFP_KERNEL)", "warn"),
    ("kmalloc(1UL << 40, GFP_KERNEL | __GFP_NOWARN)", "no-bug"),
    ("kcalloc(1UL << 20, 1UL << 20, GFP_KERNEL)", "warn"),
    ("kvmalloc(1UL << 32, GFP_KERNEL)", "warn"),
    ("kvmalloc(1UL << 24, GFP_KERNEL)", "no-bug"),
    ("kmalloc(1UL << 22, GFP_KERNEL)", "no-bug"),
])
def test_an_allocation_larger_than_the_allocator_gives_is_null_and_warns(tmp_path, call, verdict):
    """kmalloc() past KMALLOC_MAX_SIZE and kvmalloc() past INT_MAX return NULL
    with a WARN (none under __GFP_NOWARN); a 1 TiB kmalloc() succeeded and its
    last byte was writable (a hostile review)."""
    import kcheck.c
    f = tmp_path / "big.c"
    f.write_text("#include <linux/kernel.h>\n#include <linux/slab.h>\n"
                 f"int main(void) {{ char *p = {call}; if (p) p[0] = 1; kfree(p); return 0; }}\n")
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()


def test_every_uapi_errno_and_the_read_mostly_hashtable(tmp_path):
    """Drivers return any of asm-generic/errno.h's codes (ALSA's EBADFD, i2c's
    EREMOTEIO), and vhost/vsock's fix declares its table with
    DEFINE_READ_MOSTLY_HASHTABLE: each a clang error before (a C review,
    2026-12-03).  The values are the kernel's."""
    f = tmp_path / "errno.c"
    f.write_text("#include <linux/hashtable.h>\n#include <linux/errno.h>\n"
                 "static DEFINE_READ_MOSTLY_HASHTABLE(tbl, 2);\n"
                 "int main(void) {\n"
                 "  BUG_ON(HASH_SIZE(tbl) != 4 || !hlist_empty(&tbl[3]));\n"
                 "  BUG_ON(EBADFD != 77 || EREMOTEIO != 121 || EUCLEAN != 117 || ENOMEDIUM != 123);\n"
                 "  BUG_ON(ESTRPIPE != 86 || ENOTUNIQ != 76 || ECHRNG != 44 || EMEDIUMTYPE != 124);\n"
                 "  return 0;\n}\n")
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is None and res.exhaustive, res.format()
