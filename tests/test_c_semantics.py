"""kcheck.c runs C as C: integer widths and wrap-around, pointers into objects,
structs, unions and bitfields as clang lays them out, initialisers, control
flow - and the kernel's reports when C goes wrong (NULL, out of bounds,
uninitialised kmalloc memory, use-after-free, double free, leaks).

Each program checks itself with assert(); each has a twin whose assert must
fail, so a test cannot pass because nothing ran."""

import pytest

import kcheck
import kcheck.c

SEMANTICS = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <assert.h>

struct inner { int a; char b; };
struct outer {
	int x;
	struct inner in[3];
	union { u64 w; u32 h[2]; } u;
	unsigned char bits_a:3, bits_b:5;
	signed int sb:4;
	void (*fn)(int *);
	const char *name;
};
union role { u32 word; struct { unsigned level:4; unsigned pad:7; unsigned invalid:1; }; };

static int counter;
static struct outer g = { .x = 1, .in = { [1] = { .a = 5, .b = 'q' } },
			  .u.w = 0x1122334455667788ULL, .name = "hi" };
static int arr[] = { 1, 2, [5] = 6 };
static struct inner pairs[2] = { 1, 'a', 2, 'b' };	/* brace elision */

static void bump(int *p) { (*p)++; counter++; }
static int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
static int sum(int n)
{
	int s = 0, i;
	for (i = 0; i < n; i++) {
		if (i == 2)
			continue;
		s += i;
	}
	switch (n) {
	case 1: s += 100; break;
	case 4: s += 1000;	/* falls through */
	default: s += 7;
	}
	i = 0;
again:
	if (++i < 3)
		goto again;
	return s + i;
}

int main(void)
{
	struct outer *o = kmalloc(sizeof(*o), GFP_KERNEL);
	struct inner loc = { 7, 'z' }, copy;
	union role r = { .level = 3 };
	int i, *ip;
	long l;
	unsigned u = 0;
	char buf[4] = "abc";

	assert(g.x == 1 && g.in[1].a == 5 && g.in[1].b == 'q' && g.in[0].a == 0);
	assert(g.u.h[0] == 0x55667788 && g.u.h[1] == 0x11223344);
	assert(sizeof(arr) == 6 * sizeof(int) && arr[5] == 6 && arr[3] == 0);
	assert(pairs[1].a == 2 && pairs[1].b == 'b');
	assert(g.name[1] == 'i' && buf[2] == 'c' && buf[3] == 0);
	o->x = 3;
	o->fn = bump;
	o->fn(&o->x);
	assert(o->x == 4 && counter == 1);
	copy = loc;
	copy.a++;
	assert(copy.a == 8 && loc.a == 7);
	o->in[2] = copy;
	assert(o->in[2].a == 8 && o->in[2].b == 'z');
	o->bits_a = 9;			/* truncated to 3 bits */
	o->bits_b = 31;
	o->sb = 7;
	o->sb++;			/* wraps to -8 */
	assert(o->bits_a == 1 && o->bits_b == 31 && o->sb == -8);
	r.invalid = 1;
	assert(r.word == ((1 << 11) | 3));
	ip = &o->in[0].a;
	ip += 2 * (sizeof(struct inner) / sizeof(int));
	assert(ip == &o->in[2].a && ip > &o->in[1].a);
	assert(container_of(ip, struct inner, a) == &o->in[2]);
	l = (long)(&o->in[2]) - (long)o;
	assert(l == offsetof(struct outer, in[2]));
	u--;
	assert(u == 0xffffffff && (int)u == -1);
	assert((u8)300 == 44 && (s8)200 == -56 && -7 / 2 == -3 && -7 % 2 == -1);
	assert(((-5) >> 1) == -3 && (5u >> 1) == 2);
	assert(fact(5) == 120 && sum(4) == 0 + 1 + 3 + 1000 + 7 + 3);
	i = 0;
	do { i += 3; } while (i < 10);
	assert(i == 12 && min(3, 4) == 3 && max_t(int, -1, 2) == 2 && ARRAY_SIZE(g.in) == 3);
	assert(CHECK_WRONG);
	kfree(o);
	return 0;
}
"""


def load(tmp_path, text, name="prog.c", defines=()):
    p = tmp_path / name
    p.write_text(text)
    return kcheck.c.load(str(p), defines=defines)


def verdict(prog, **kw):
    r = kcheck.check(prog.entry, **kw)
    return (r.bug.kind if r.bug else "no-bug"), r


def test_c_semantics_hold(tmp_path):
    got, r = verdict(load(tmp_path, SEMANTICS, defines=["CHECK_WRONG=1"]))
    assert got == "no-bug" and r.exhaustive, r.format()


def test_c_semantics_twin_fails(tmp_path):
    got, r = verdict(load(tmp_path, SEMANTICS, defines=["CHECK_WRONG=(fact(5) == 121)"]))
    assert got == "warn" and "assertion failed: CHECK_WRONG" in r.bug.message


BUGS = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <pthread.h>

struct obj { int a; int b[2]; };
static struct obj *shared;

static void *user(void *arg)
{
	struct obj *o = READ_ONCE(shared);
	int v = 0;
#if KIND == 1
	o = NULL;
#endif
	if (o)
		v = o->a;
#if KIND == 1
	v = o->a;			/* NULL dereference */
#elif KIND == 2
	v = o->b[2];			/* one past the end */
#elif KIND == 3
	v = o->b[1];			/* never written */
#endif
	return (void *)(long)v;
}

static void *owner(void *arg)
{
	struct obj *o = arg;
#if KIND == 4
	kfree(o);			/* while user may still read it */
#elif KIND == 5
	kfree(o);
	kfree(o);
#elif KIND == 6
	WRITE_ONCE(shared, NULL);	/* unpublished, never freed: a leak */
#elif KIND == 8
	/* never freed, but the global still points to it: kmemleak says nothing */
#elif KIND == 7
	kfree(&o->b[1]);
#else
	(void)o;
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	o->a = 1;
#if KIND != 3
	o->b[1] = 2;
#endif
	shared = o;
	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, owner, o);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
#if KIND == 0 || KIND == 1 || KIND == 2 || KIND == 3
	kfree(o);
#endif
	return 0;
}
"""


@pytest.mark.parametrize("kind,want,text", [
    (0, "no-bug", None),
    (1, "null-deref", "BUG: kernel NULL pointer dereference"),
    (2, "slab-out-of-bounds", "BUG: KASAN: slab-out-of-bounds in user()"),
    (3, "uninit-value", "BUG: KMSAN: uninit-value in user()"),
    (4, "use-after-free", "can run after owner freed it (kfree)"),
    (5, "double-free", "already freed"),
    (6, "leak", "obj#0 allocated by main() is never freed and nothing points to it"),
    (7, "invalid-free", "BUG: KASAN: invalid-free"),
    (8, "no-bug", None),
])
def test_kernel_reports(tmp_path, kind, want, text):
    got, r = verdict(load(tmp_path, BUGS, defines=[f"KIND={kind}"]))
    assert got == want, r.format()
    if text:
        assert text in r.bug.message, r.bug.message
    else:
        assert r.exhaustive


LOCALS = r"""
#include <linux/kernel.h>
#include <pthread.h>
#include <assert.h>

struct it { int pos; int *arr; };
static int data[4];

static void step(struct it *it) { it->pos++; }

static void *walker(void *arg)
{
	struct it it = { 0, data };	/* its address is taken, but never escapes */
	int sum = 0;

	while (it.pos < 4) {
		sum += READ_ONCE(it.arr[it.pos]);
		step(&it);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, walker, NULL);
	return 0;
}
"""


def test_private_locals_make_no_events(tmp_path):
    """A local whose address only ever goes to this task's own functions is no memory
    kcheck tracks: the walk is 4 READ_ONCEs, nothing else (nobody joins the task, so
    its exit makes no event either)."""
    got, r = verdict(load(tmp_path, LOCALS))
    assert got == "no-bug" and r.executions == 1
    assert r.events == 4, r.events


# main() of the one-task programs below: it starts t() and returns
RUN_T = r"""
int main(void)
{
	pthread_t x;
	pthread_create(&x, NULL, t, NULL);
	return 0;
}
"""


STRINGS = r"""
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/bug.h>
#include <pthread.h>

static void *t(void *arg)
{
	char a[8], b[4];

	WARN_ON(strscpy(a, "kvm", sizeof(a)) != 3 || strcmp(a, "kvm"));
	WARN_ON(strscpy(b, "kvm-mmu", sizeof(b)) != -E2BIG || strcmp(b, "kvm"));
	strncpy(a, "ab", sizeof(a));
	WARN_ON(a[1] != 'b' || a[2] || a[7]);
	strcpy(a, "tdp");
	WARN_ON(strnlen(a, 2) != 2 || strnlen(a, 8) != 3);
	WARN_ON(strncmp(a, "tdx", 2) || strncmp(a, "tdx", 3) >= 0);
	WARN_ON(CHECK_WRONG);
	return NULL;
}
""" + RUN_T


@pytest.mark.parametrize("wrong,want", [("0", "no-bug"), ("(strnlen(a, 8) == 3)", "warn")])
def test_the_kernels_string_helpers(tmp_path, wrong, want):
    got, r = verdict(load(tmp_path, STRINGS, defines=[f"CHECK_WRONG={wrong}"]))
    assert got == want, r.format()


HEADERS = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rculist.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/bug.h>
#include <pthread.h>

struct obj { u32 id; struct hlist_node h; };
static struct hlist_head table[4];	/* zeroed: four empty lists, as DEFINE_HASHTABLE */
static DEFINE_MUTEX(m);

static struct obj *make(u32 id, bool fail)
{
	struct obj *o;

	if (fail)
		return ERR_PTR(-ENOMEM);
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	o->id = id;
	return o;
}

static void *t(void *arg)
{
	struct obj *bad = make(1, true), *o = make(6, false), *p;
	int found = 0;

	WARN_ON(!IS_ERR(bad) || PTR_ERR(bad) != -ENOMEM || IS_ERR(o) || IS_ERR_OR_NULL(o));
	WARN_ON(!time_after(jiffies + 1, jiffies) || time_before(jiffies + 1, jiffies));
	mutex_lock(&m);
	hlist_add_head_rcu(&o->h, &table[o->id % ARRAY_SIZE(table)]);
	mutex_unlock(&m);
	rcu_read_lock();
	hlist_for_each_entry_rcu(p, &table[2], h)
		found += p->id == 6;
	rcu_read_unlock();
	WARN_ON(found != 1 || !hlist_empty(&table[0]));
	WARN_ON(CHECK_WRONG);
	mutex_lock(&m);
	hlist_del_rcu(&o->h);
	mutex_unlock(&m);
	synchronize_rcu();
	kfree(o);
	return NULL;
}
""" + RUN_T


@pytest.mark.parametrize("wrong,want", [("0", "no-bug"), ("1", "warn")])
def test_error_pointers_jiffies_and_a_zeroed_hlist_table(tmp_path, wrong, want):
    # linux/err.h and linux/jiffies.h as the kernel has them; a static array of
    # hlist_head left zero is an array of empty lists (NULL first pointers)
    got, r = verdict(load(tmp_path, HEADERS, defines=[f"CHECK_WRONG={wrong}"]))
    assert got == want, r.format()


DATA_RACE = r"""
#include <linux/compiler.h>
#include <linux/spinlock.h>
#include <pthread.h>

struct dev {
	unsigned long stats;
	unsigned int flags:4, busy:1;
};

static DEFINE_SPINLOCK(lock);
static struct dev d;
static int seen;

static void *writer(void *arg)
{
	spin_lock(&lock);
	d.stats++;
	d.busy = 1;
	spin_unlock(&lock);
	return NULL;
}

static void *reader(void *arg)
{
#ifdef MARKED
	/* statistics: an approximate value is fine, and the kernel says so */
	seen = data_race(d.stats) + data_race(data_race(d.busy) + 1);
#else
	seen = d.stats + d.busy;
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, writer, NULL);
	pthread_create(&b, NULL, reader, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("marked", [False, True], ids=["plain", "data_race"])
def test_data_race_marks_a_race_the_kernel_accepts(tmp_path, marked, memory_model):
    """data_race() (include/linux/compiler.h): the accesses stay plain for the
    memory model, and no data race is reported for them - as KCSAN ignores them
    (a plain word and a bit-field, nested)."""
    prog = load(tmp_path, DATA_RACE, defines=("MARKED",) if marked else ())
    res = kcheck.check(prog.entry, memory_model=memory_model, races="error")
    if marked:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message
        assert not any("race" in w for w in kcheck.check(prog.entry, memory_model=memory_model).warnings)
    else:
        assert res.bug is not None and res.bug.kind == "data-race", res.bug


RACE_TEXT = r"""
#include <linux/kernel.h>
#include <linux/bug.h>
#include <pthread.h>
struct cfg { int val; int arr[2]; };
static struct cfg gc;
static void *a(void *x) { gc.val = 1; gc.arr[1] = 2; return NULL; }
static void *b(void *x)
{
	struct cfg *c = &gc;

	WARN_ON(c->val != 42 && c->arr[1] == 3);
	return NULL;
}
int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, a, NULL);
	pthread_create(&t2, NULL, b, NULL);
	return 0;
}
"""


def test_a_plain_access_is_named_as_written_inside_a_macro_and_through_a_struct(tmp_path):
    """Data-race warnings name each plain access by its C text: a member of a
    global struct was named by the struct ("store gc"), and an access inside a
    macro's argument (WARN_ON(c->val ...)) by "?"."""
    f = tmp_path / "race.c"
    f.write_text(RACE_TEXT)
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    text = " ".join(r.warnings)
    assert "store gc.val" in text and "load c->val" in text, r.warnings
    assert "store gc.arr[1]" in text and "load c->arr[1]" in text, r.warnings
    assert "?" not in text, r.warnings


# -- anonymous struct/union members, fallthrough, struct_size --------------------------
#
# libclang gives an anonymous member of a struct no FIELD_DECL, only its record:
# its members had no memory at all - reads 0, stores lost, no data race, no
# use-after-free - in the shape of struct page, sk_buff and every
# "union { struct rcu_head rcu; struct { ... }; }" (found by a hostile-review
# helper).  The kernel's `fallthrough;` was "unsupported statement", and
# linux/overflow.h (struct_size) was missing.

ANON = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <pthread.h>
#include <assert.h>

struct obj {
	int key;
	struct { int a; int b; };                      /* anonymous struct */
	union { struct rcu_head rcu; struct { int c; int d; }; };
	union {
		u32 word;
		struct { unsigned level:4; unsigned invalid:1; unsigned dirty:1; };
	} role;
};

static struct obj *g;
static DEFINE_SPINLOCK(lock);

static void *t1(void *arg)
{
	LOCK();
	g->a++;
	g->role.invalid = 1;
	UNLOCK();
	return NULL;
}

static void *t2(void *arg)
{
	LOCK();
	g->a++;
	g->role.dirty = 1;
	UNLOCK();
	return NULL;
}

int main(void)
{
	pthread_t x, y;
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	g->b = 3;
	g->d = 5;
	g->role.level = 3;
	assert(g->b == 3 && g->d == 5 && g->a == 0);
	pthread_create(&x, NULL, t1, NULL);
	pthread_create(&y, NULL, t2, NULL);
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	assert(g->a == 2 && g->role.invalid && g->role.dirty && g->role.level == 3);
	kfree(g);
#ifdef AFTER_FREE
	return g->b;
#endif
	return 0;
}
"""


@pytest.mark.parametrize("locked,after_free,want", [
    (True, False, "no-bug"), (False, False, "data-race"), (True, True, "use-after-free")])
def test_anonymous_members_are_memory(tmp_path, locked, after_free, want):
    defs = (["LOCK()=spin_lock(&lock)", "UNLOCK()=spin_unlock(&lock)"] if locked
            else ["LOCK()=do{}while(0)", "UNLOCK()=do{}while(0)"])
    if after_free:
        defs.append("AFTER_FREE")
    got, r = verdict(load(tmp_path, ANON, defines=defs), races="error")
    assert got == want, r.format()
    if want == "no-bug":
        assert r.exhaustive


FALLTHROUGH = r"""
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <assert.h>

struct tbl { int n; int ent[]; };
static spinlock_t l;                    /* linux/mutex.h brings spinlock_t, as the kernel's */

static int step(int s)
{
	int n = 0;
	switch (s) {
	case 0:
		n += 1;
		fallthrough;
	case 1:
		n += 10;
		break;
	default:
		n = -1;
	}
	return n;
}

int main(void)
{
	struct tbl *t = kzalloc(struct_size(t, ent, 4), GFP_KERNEL);
	spin_lock_init(&l);
	assert(step(0) == 11 && step(1) == 10 && step(2) == -1);
	assert(struct_size(t, ent, 4) == sizeof(*t) + 4 * sizeof(int));
	assert(size_mul(SIZE_MAX / 2, 3) == SIZE_MAX && array_size(3, 4) == 12);
	t->ent[3] = 1;
	t->ent[INDEX] = 2;
	kfree(t);
	return 0;
}
"""


@pytest.mark.parametrize("index,want", [(0, "no-bug"), (4, "slab-out-of-bounds")])
def test_fallthrough_and_struct_size(tmp_path, index, want):
    got, r = verdict(load(tmp_path, FALLTHROUGH, defines=[f"INDEX={index}"]))
    assert got == want, r.format()


# -- list pointers C memory gives: zero, and list_del()'s poison ----------------------
#
# A list_head in kzalloc'd memory that nobody initialised reads as 0: list_add()
# or list_del() on it was kcheck's own AttributeError, reported as a model error;
# the kernel oopses (a NULL pointer dereference).  Following LIST_POISON1 (an
# entry removed with list_del() under a reader) is a non-canonical address,
# which x86-64 faults as a general protection fault, as the Python front end
# already said - C said "page fault" (a hostile-review helper).

LISTS = r"""
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/slab.h>

struct item { int val; struct list_head node; };
static LIST_HEAD(head);

int main(void)
{
	struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);
	struct item *p;
	int sum = 0;
#if CASE == 1
	list_del(&it->node);            /* never added: its pointers are NULL */
#elif CASE == 2
	list_add(&it->node, &head);
	list_del(&it->node);
	p = list_entry(it->node.next, struct item, node);
	sum = p->val;                   /* follows LIST_POISON1 */
#else
	list_add(&it->node, &head);
	list_for_each_entry(p, &head, node)
		sum += p->val;
	list_del(&it->node);
#endif
	kfree(it);
	return sum;
}
"""


@pytest.mark.parametrize("case,want", [(0, "no-bug"), (1, "null-deref"), (2, "gpf")])
def test_list_pointers_from_c_memory(tmp_path, case, want):
    got, r = verdict(load(tmp_path, LISTS, defines=[f"CASE={case}"]))
    assert got == want, r.format()
    if want == "gpf":
        assert "non-canonical address 0xdead" in r.bug.message, r.bug.message


# -- allocations past sizeof: flexible array members, a buffer after the struct ------
# kzalloc(struct_size(it, data, n)) was laid out as untyped 8-byte words, so a
# struct kref at offset 0 and an int at offset 4 shared one location: the int
# read the kref's count (a hostile review's real-bug harness, fastrpc-like).

FLEX_C = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/kref.h>
#include <linux/bug.h>
#include <pthread.h>

struct item { struct kref ref; int key; ELEMS };
static struct item *g;

static void *reader(void *arg)
{
	struct item *it = READ_ONCE(g);

	WARN_ON(it->key != 5);
	WARN_ON(it->data[3] != 7);
	return NULL;
}

int main(void)
{
	struct item *it = kzalloc(SIZE, GFP_KERNEL);
	pthread_t a;

	it->key = 5;
	it->data[3] = 7;
	kref_init(&it->ref);
	g = it;
	pthread_create(&a, NULL, reader, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("elems,size", [
    ("u8 data[];", "struct_size(it, data, 4)"),
    ("u8 data[0];", "sizeof(*it) + 4"),
    ("u64 data[];", "struct_size(it, data, 4)"),
    ("u8 data[4];", "sizeof(*it)"),
])
def test_allocations_past_sizeof_keep_the_struct_layout(tmp_path, elems, size):
    f = tmp_path / "flex.c"
    f.write_text(FLEX_C.replace("ELEMS", elems).replace("SIZE", size))
    res = kcheck.check(kcheck.c.load(str(f)).entry, ignore=("leak",))
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


@pytest.mark.parametrize("wrong,want", [(None, "no-bug"), ("b[1] != 4", "bug-on")])
def test_gnu_range_designators(tmp_path, wrong, want):
    """[lo ... hi] = v, written out and through kcheck's own DEFINE_HASHTABLE
    (was "unsupported designator": the header could not be used at all)."""
    text = r'''
#include <linux/kernel.h>
#include <linux/hashtable.h>
static DEFINE_HASHTABLE(h, 2);
static int a[3][2] = { [1][0] = 5, [2] = { 7, 8 } };
static int b[6] = { [1 ... 2] = 3, [4] = 9 };
struct s { int x, y; };
static struct s c[4] = { [0 ... 1] = { .x = 1, .y = 2 }, [3].y = 4 };
int main(void) {
	BUG_ON(!hash_empty(h));
	BUG_ON(a[1][0] != 5 || a[1][1] != 0 || a[2][1] != 8 || a[0][0] != 0);
	BUG_ON(b[0] != 0 || b[1] != 3 || b[2] != 3 || b[3] != 0 || b[4] != 9);
	BUG_ON(c[1].y != 2 || c[2].x != 0 || c[3].y != 4 || c[0].x != 1);
	return 0;
}
'''
    if wrong:
        text = text.replace("b[1] != 3", wrong)
    assert verdict(load(tmp_path, text))[0] == want


@pytest.mark.parametrize("sync,want", [("synchronize_rcu();", "no-bug"), ("", "use-after-free")])
def test_a_zeroed_static_hlist_head_is_empty(tmp_path, sync, want):
    """static struct hlist_head head; is an empty head (C11 6.7.9p10: NULL);
    kcheck's hlist functions took its 0 for a node ("'int' object has no
    attribute '_pprev'")."""
    text = r'''
#include <linux/kernel.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <pthread.h>
struct obj { struct hlist_node hash; u32 key; };
static struct hlist_head head;
static void *deleter(void *arg)
{
	struct obj *o = arg;
	hlist_del_init_rcu(&o->hash);
	SYNC
	kfree(o);
	return NULL;
}
static void *reader(void *arg)
{
	struct obj *o;
	rcu_read_lock();
	hlist_for_each_entry_rcu(o, &head, hash)
		READ_ONCE(o->key);
	rcu_read_unlock();
	return NULL;
}
int main(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	pthread_t a, b;
	BUG_ON(!hlist_empty(&head));
	hlist_add_head_rcu(&o->hash, &head);
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, deleter, o);
	return 0;
}
'''.replace("SYNC", sync)
    assert verdict(load(tmp_path, text))[0] == want


@pytest.mark.parametrize("fixed,want", [(True, "no-bug"), (False, "sleep-in-atomic")])
def test_vmalloc_h(tmp_path, fixed, want):
    """<linux/vmalloc.h>: vzalloc()'d memory is zeroed heap memory, vfree()
    frees it, and vmalloc() (GFP_KERNEL) under a spinlock may sleep."""
    text = r'''
#include <linux/vmalloc.h>
#include <linux/spinlock.h>
#include <linux/kthread.h>
struct big { int a[8]; };
static DEFINE_SPINLOCK(lock);
static int t(void *p)
{
	struct big *b = vzalloc(sizeof(*b));
	BUG_ON(b->a[3] != 0);
	vfree(b);
#ifndef FIXED
	spin_lock(&lock);
	b = vmalloc(16);
	spin_unlock(&lock);
	vfree(b);
#endif
	return 0;
}
int main(void) { kthread_run(t, NULL, "t"); return 0; }
'''
    assert verdict(load(tmp_path, text, defines=["FIXED"] if fixed else []))[0] == want


@pytest.mark.parametrize("fixed,want", [(True, "no-bug"), (False, "sleep-in-atomic")])
def test_uaccess_nospec_byteorder_h(tmp_path, fixed, want):
    """<linux/uaccess.h>: copy_from_user()/put_user() copy and may fault, so
    under a spinlock they sleep in atomic context; <linux/nospec.h>'s
    array_index_nospec() clamps; <asm/byteorder.h> converts as x86 does."""
    text = r'''
#include <linux/uaccess.h>
#include <linux/nospec.h>
#include <asm/byteorder.h>
#include <linux/spinlock.h>
#include <linux/kthread.h>
static DEFINE_SPINLOCK(lock);
static int table[4];
static int ubuf[2] = {3, 7};
static int t(void *p)
{
	int k[2];
	unsigned int i;
	if (copy_from_user(k, ubuf, sizeof(k)))
		return -EFAULT;
	i = array_index_nospec(k[0], 4);
	BUG_ON(i != 3 || array_index_nospec(9u, 4u) != 0);
	BUG_ON(be32_to_cpu(0x01020304) != 0x04030201 || cpu_to_le32(5) != 5);
	BUG_ON(be16_to_cpu(0x0102) != 0x0201);
	BUG_ON(be64_to_cpu(0x0102030405060708ULL) != 0x0807060504030201ULL);
	spin_lock(&lock);
	table[i] = k[1];
	spin_unlock(&lock);
#ifndef FIXED
	spin_lock(&lock);
#endif
	put_user(table[i], &ubuf[0]);
#ifndef FIXED
	spin_unlock(&lock);
#endif
	BUG_ON(ubuf[0] != 7);
	return 0;
}
int main(void) { kthread_run(t, NULL, "t"); return 0; }
'''
    assert verdict(load(tmp_path, text, defines=["FIXED"] if fixed else []))[0] == want


@pytest.mark.parametrize("fixed,want", [(True, "no-bug"), (False, "use-after-free")])
def test_system_workqueues_from_c(tmp_path, fixed, want):
    """``queue_work(system_wq, ...)`` and ``queue_delayed_work(system_long_wq,
    ...)``: the kernel's own queues are there in C as in Python."""
    text = r'''
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <linux/kthread.h>
struct dev { struct work_struct w; struct delayed_work dw; int n; };
static void fn(struct work_struct *w) { container_of(w, struct dev, w)->n++; }
static void dfn(struct work_struct *w) { to_delayed_work(w)->cpu++; }
static int t(void *p)
{
	struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	INIT_WORK(&d->w, fn);
	INIT_DELAYED_WORK(&d->dw, dfn);
	queue_work(system_wq, &d->w);
	queue_delayed_work(system_long_wq, &d->dw, 0);
#ifdef FIXED
	cancel_work_sync(&d->w);
#endif
	cancel_delayed_work_sync(&d->dw);
	kfree(d);
	return 0;
}
int main(void) { kthread_run(t, NULL, "t"); return 0; }
'''
    assert verdict(load(tmp_path, text, defines=["FIXED"] if fixed else []))[0] == want


@pytest.mark.parametrize("fixed,want", [(True, "no-bug"), (False, "null-deref")])
def test_timer_setup_with_null_function(tmp_path, fixed, want):
    """``timer_setup(&t, NULL, 0)`` and ``t.function = fn`` before arming, as
    older drivers do (net/rose): legal; arming with no function is the
    kernel's NULL pointer call in the softirq."""
    text = r'''
#include <linux/timer.h>
#include <linux/kthread.h>
static struct timer_list t;
static int hits;
static void fn(struct timer_list *tl) { hits++; }
static int task(void *p)
{
#ifdef FIXED
	t.function = fn;
#endif
	mod_timer(&t, 1);
	del_timer_sync(&t);
	return 0;
}
int main(void) { timer_setup(&t, NULL, 0); kthread_run(task, NULL, "task"); return 0; }
'''
    assert verdict(load(tmp_path, text, defines=["FIXED"] if fixed else []))[0] == want


@pytest.mark.parametrize("fixed,want", [(True, "no-bug"), (False, "use-after-free")])
def test_main_arming_a_timer_before_its_threads(tmp_path, fixed, want):
    """main() arms a timer through the file's own function, then starts the
    thread that frees (net/rose's T0 timer): main()'s set-up ends before the
    arming (kcheck.kernel arms timers only in tasks), so this is no error."""
    text = r'''
#include <linux/timer.h>
#include <linux/slab.h>
#include <pthread.h>
struct neigh { struct timer_list t0; int n; };
static void expiry(struct timer_list *t) { from_timer((struct neigh *)0, t, t0)->n++; }
static void start_t0(struct neigh *nb) { nb->t0.function = expiry; add_timer(&nb->t0); }
static void *down(void *arg)
{
	struct neigh *nb = arg;
#ifdef FIXED
	del_timer_sync(&nb->t0);
#else
	del_timer(&nb->t0);
#endif
	kfree(nb);
	return NULL;
}
int main(void)
{
	pthread_t t;
	struct neigh *nb = kzalloc(sizeof(*nb), GFP_KERNEL);
	timer_setup(&nb->t0, NULL, 0);
	start_t0(nb);
	pthread_create(&t, NULL, down, nb);
	return 0;
}
'''
    assert verdict(load(tmp_path, text, defines=["FIXED"] if fixed else []))[0] == want


def test_a_step_shows_its_code_without_comments(tmp_path):
    """A comment inside a call's arguments is not part of the step's text (a
    trace once showed ``kfree(obj, /* was kvfree */`` cut at 80 columns);
    comment-like text in a string stays."""
    text = r'''
#include <linux/slab.h>
#include <linux/kthread.h>
#include <linux/printk.h>
struct obj { int v; };
static struct obj *o;
static int user(void *p) { o->v = 1; return 0; }
static int freer(void *p)
{
	printk("/* not a comment */");
	kfree(o /* harmless
	           comment */);
	return 0;
}
int main(void)
{
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	kthread_run(user, NULL, "user");
	kthread_run(freer, NULL, "freer");
	return 0;
}
'''
    got, r = verdict(load(tmp_path, text))
    assert got == "use-after-free"
    assert "kfree(o)" in r.bug.trace, r.bug.trace
    assert "harmless" not in r.bug.trace


def test_errno_and_printk_spellings(tmp_path):
    """The kernel's error numbers (ENOBUFS, EPIPE, EPROBE_DEFER ...) and the
    pr_*/dev_* printing macros are there (ENOBUFS was an undeclared name)."""
    text = r'''
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/kthread.h>
struct device;
static int t(void *p)
{
	struct device *dev = NULL;
	dev_warn(dev, "no buffers: %d\n", -ENOBUFS);
	pr_warn_ratelimited("%d\n", -EPIPE);
	BUG_ON(ENOBUFS != 105 || EPIPE != 32 || EBADF != 9 || EMSGSIZE != 90 || ENXIO != 6);
	BUG_ON(EPROBE_DEFER != 517 || EWOULDBLOCK != EAGAIN || EHWPOISON != 133);
	return 0;
}
int main(void) { kthread_run(t, NULL, "t"); return 0; }
'''
    assert verdict(load(tmp_path, text))[0] == "no-bug"


@pytest.mark.parametrize("fixed,want", [(True, "no-bug"), (False, "deadlock")])
def test_cpus_read_lock_orders_against_other_locks(tmp_path, fixed, want):
    """<linux/cpu.h>: the one cpu_hotplug_lock - a cgroup-style inversion
    with a mutex (cpus_read_lock() inside it on one side, outside on the
    other) deadlocks against the hotplug writer."""
    text = r'''
#include <linux/cpu.h>
#include <linux/mutex.h>
#include <linux/kthread.h>
static DEFINE_MUTEX(m);
static int attach(void *p)
{
#ifdef FIXED
	cpus_read_lock();
	mutex_lock(&m);
#else
	mutex_lock(&m);
	cpus_read_lock();
#endif
	cpus_read_unlock();
	mutex_unlock(&m);
	return 0;
}
static int hotplug(void *p)
{
	cpus_write_lock();
	mutex_lock(&m);
	mutex_unlock(&m);
	cpus_write_unlock();
	return 0;
}
int main(void) { kthread_run(attach, NULL, "attach"); kthread_run(hotplug, NULL, "hotplug"); return 0; }
'''
    got = verdict(load(tmp_path, text, defines=["FIXED"] if fixed else []))[0]
    assert got == want or (not fixed and got == "lockdep")


def test_hrtimer_pinned_modes_and_range_start(tmp_path):
    """HRTIMER_MODE_ABS_PINNED_HARD, hrtimer_set_expires(), hrtimer_start_range_ns()
    (kernel/time/tick-broadcast-hrtimer.c spells them): the callback runs, and a
    timer cancelled before the free is no use-after-free."""
    text = r'''
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/kthread.h>
struct bc { struct hrtimer t; int fired; };
static enum hrtimer_restart fn(struct hrtimer *t)
{
	container_of(t, struct bc, t)->fired = 1;
	return HRTIMER_NORESTART;
}
static int task(void *p)
{
	struct bc *b = kzalloc(sizeof(*b), GFP_KERNEL);
	hrtimer_init(&b->t, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_HARD);
	b->t.function = fn;
	hrtimer_set_expires(&b->t, 100);
	hrtimer_start_range_ns(&b->t, 100, 0, HRTIMER_MODE_ABS_PINNED_HARD);
	hrtimer_cancel(&b->t);
	kfree(b);
	return 0;
}
int main(void) { kthread_run(task, NULL, "task"); return 0; }
'''
    got, r = verdict(load(tmp_path, text))
    assert got == "no-bug" and r.exhaustive, r.format()


INTEGER_HELPERS = r"""
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <pthread.h>

static DECLARE_BITMAP(map, 130);

static void *t(void *arg)
{
	u8 s8; int r; s64 big; u32 u; unsigned long bit, n = 0;

	BUG_ON(!check_add_overflow(200, 100, &s8) || s8 != 44);
	BUG_ON(check_add_overflow(100, 100, &s8) || s8 != 200);
	BUG_ON(!check_sub_overflow(1u, 2u, &u) || u != 0xffffffffu);
	BUG_ON(check_sub_overflow(1, 2, &r) || r != -1);
	BUG_ON(!check_mul_overflow(0x10000, 0x10000, &r) || r != 0);
	BUG_ON(check_mul_overflow(0x10000, 0x10000, &big) || big != 0x100000000LL);
	BUG_ON(abs(-5) != 5 || abs(-5L) != 5L || abs(3) != 3);
	BUG_ON(__builtin_popcount(0xf0f0) != 8 || hweight64(~0ULL) != 64 || hweight8(0x1ff) != 8);
	BUG_ON(fls(0) != 0 || fls(1) != 1 || fls(0x80000000u) != 32 || fls64(1ULL << 40) != 41);
	BUG_ON(__ffs(8) != 3 || __fls(8) != 3 || ffs(0) != 0 || ffs(6) != 2 || ffz(7) != 3);
	BUG_ON(!is_power_of_2(64) || is_power_of_2(0) || is_power_of_2(12));
	BUG_ON(roundup_pow_of_two(5) != 8 || roundup_pow_of_two(1) != 1 || rounddown_pow_of_two(5) != 4);
	BUG_ON(ilog2(1024) != 10 || ilog2(1ULL << 40) != 40 || order_base_2(5) != 3);
	bitmap_zero(map, 130);
	BUG_ON(!bitmap_empty(map, 130));
	set_bit(3, map);
	set_bit(64, map);
	bitmap_set(map, 127, 3);
	BUG_ON(bitmap_weight(map, 130) != 5);
	BUG_ON(find_first_bit(map, 130) != 3 || find_next_bit(map, 130, 4) != 64);
	for_each_set_bit(bit, map, 130)
		n += bit;
	BUG_ON(n != 3 + 64 + 127 + 128 + 129);
	BUG_ON(find_first_zero_bit(map, 130) != 0);
	bitmap_fill(map, 130);
	BUG_ON(!bitmap_full(map, 130));
	clear_bit(100, map);
	BUG_ON(bitmap_full(map, 130) || find_first_zero_bit(map, 130) != 100);
	BUG_ON(CHECK_WRONG);
	return NULL;
}

int main(void)
{
	pthread_t p;
	pthread_create(&p, NULL, t, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("wrong,want", [("0", "no-bug"), ("(hweight32(0xff) == 8)", "bug-on"),
                                        ("check_add_overflow(1, 2, &u)", "no-bug"),
                                        ("check_add_overflow(0xffffffffu, 1u, &u)", "bug-on")])
def test_overflow_bitmap_and_log2_helpers(tmp_path, wrong, want):
    """check_*_overflow() (GCC's builtins: infinite precision, wrapped store),
    hweight/fls/__ffs, lib/find_bit.c's searches and bitmap.h on words that
    set_bit() also writes, and log2.h - as the kernel computes them."""
    got, r = verdict(load(tmp_path, INTEGER_HELPERS, defines=[f"CHECK_WRONG={wrong}"]))
    assert got == want, r.format()


def test_ffs_of_zero_is_reported(tmp_path):
    """__ffs(0) is undefined in the kernel (x86's bsf leaves its result unchanged)."""
    text = r"""
#include <linux/bitops.h>
#include <pthread.h>
static unsigned long word;
static void *t(void *arg) { return (void *)__ffs(READ_ONCE(word)); }
int main(void) { pthread_t p; pthread_create(&p, NULL, t, NULL); return 0; }
"""
    got, r = verdict(load(tmp_path, text))
    assert got == "warn" and "__builtin_ctzl(0) is undefined" in r.bug.message, r.format()


ADDRESS_IN_A_WORD = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <pthread.h>
struct priv { int x; };
static unsigned long cookie;
static void *t(void *arg)
{
	struct priv *p = kzalloc(sizeof(*p), GFP_KERNEL);
	WRITE_ONCE(cookie, (unsigned long)p + TAG);
	if (DROP)
		WRITE_ONCE(cookie, 0);
	return NULL;
}
int main(void) { pthread_t a; pthread_create(&a, NULL, t, NULL); return 0; }
"""


@pytest.mark.parametrize("tag,drop,want", [("0", "0", "no-bug"), ("1", "0", "no-bug"),
                                           ("0", "1", "leak"), ("0x100000", "0", "leak")])
def test_an_address_kept_in_an_unsigned_long_is_a_reference(tmp_path, tag, drop, want):
    """kmemleak scans words, not types: an object whose address (tagged or not)
    sits in a static unsigned long (page->private, rb_parent_color) is no leak;
    once the word no longer holds it, or holds an address past its end, it is."""
    got, r = verdict(load(tmp_path, ADDRESS_IN_A_WORD, defines=[f"TAG={tag}", f"DROP={drop}"]))
    assert got == want, r.format()


TWO_CONSUMERS = r"""
/* two paths race to consume a pending request; each frees it */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/atomic.h>
#include <pthread.h>

struct req { int id; void (*done)(struct req *); };
struct chan { struct req *pending; atomic_t completed; };
static struct chan ch;

static void req_done(struct req *r)
{
	atomic_inc(&ch.completed);
	kfree(r);
}

static inline struct req *take_pending(struct chan *c)
{
#ifdef FIXED
	return xchg(&c->pending, NULL);
#else
	struct req *r = READ_ONCE(c->pending);
	WRITE_ONCE(c->pending, NULL);
	return r;
#endif
}

static void *irq_path(void *arg)
{
	struct req *r = take_pending(&ch);
	if (r)
		r->done(r);
	return NULL;
}

static void *timeout_path(void *arg)
{
	struct req *r = take_pending(&ch);
	if (!r)
		goto out;
	r->done(r);
out:
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct req *r = kmalloc(sizeof(*r), GFP_KERNEL);

	*r = (struct req){ .id = 1, .done = req_done };
	ch.pending = r;
	pthread_create(&a, NULL, irq_path, NULL);
	pthread_create(&b, NULL, timeout_path, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	BUG_ON(atomic_read(&ch.completed) != 1);
	return 0;
}
"""


@pytest.mark.parametrize("fixed,mm,want", [(False, "sc", "use-after-free"), (False, "lkmm", "use-after-free"),
                                           (True, "sc", "no-bug")])
def test_a_use_on_the_way_to_a_double_free_is_the_report(tmp_path, fixed, mm, want):
    """Two paths take the same request with READ_ONCE/WRITE_ONCE instead of
    xchg(), and each calls r->done(r), which frees it: the second path's load
    of r->done after the first's kfree is where KASAN stops, not the double
    free after it (until 2026-11-30 the double free was the report)."""
    got, r = verdict(load(tmp_path, TWO_CONSUMERS, defines=["FIXED"] if fixed else []),
                     memory_model=mm)
    assert got == want, r.format()
    if not fixed:
        assert "load r->done" in r.bug.message, r.bug.message


UNION_BYTES = r"""
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <pthread.h>
union qlock { atomic_t val; struct { u8 locked; u8 pending; }; u32 all; };
static union qlock q;
static DEFINE_SPINLOCK(la);
static DEFINE_SPINLOCK(lb);
static void *ta(void *arg)
{
#if CASE == 0
	WRITE_ONCE(q.locked, 1);		/* qspinlock's set_locked() */
#elif CASE == 1
	spin_lock(&la); q.locked = 1; spin_unlock(&la);
#else
	q.locked = 1;
#endif
	return NULL;
}
static void *tb(void *arg)
{
#if CASE == 0
	atomic_fetch_or_acquire(0x100, &q.val);
#elif CASE == 1
	spin_lock(&lb); q.pending = 1; spin_unlock(&lb);
#elif CASE == 2
	q.locked = 2;				/* the same byte: a race */
#else
	(void)q.all;				/* the whole word: a race */
	return (void *)(unsigned long)q.all;
#endif
	return NULL;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, ta, NULL);
	pthread_create(&b, NULL, tb, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
#if CASE <= 1
	BUG_ON(q.all != 0x101);
#endif
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("case,race", [(0, False), (1, False), (2, True), (3, True)])
def test_the_bytes_of_a_union_are_their_own_locations(tmp_path, case, race, mm):
    """A store to one byte member of a union leaves the others alone, as C has
    it (C11 3.14: each is its own memory location): qspinlock's set_locked()
    next to an atomic on the whole word, two bytes under two locks.  Until
    2026-11-30 kcheck stored the word back (a lost update: BUG_ON, and a data
    race between f.a and f.b).  The same byte, or the whole word against a
    byte, still races."""
    got, r = verdict(load(tmp_path, UNION_BYTES, defines=[f"CASE={case}"]), memory_model=mm)
    assert got == "no-bug" and r.exhaustive, r.format()
    raced = any(w.startswith("data race") and " on q:" in w for w in r.warnings)
    assert raced == race, r.warnings


def test_an_access_written_as_a_macro_argument_is_named_by_its_own_text(tmp_path):
    """A load inside BUG_ON()/WARN_ON() (a macro's argument) is named as written -
    ``r.slots[t & 3]`` - not as the macro call around it, and one inside
    container_of() inside BUG_ON() is not ``?`` (clang gives such cursors the
    expansion point as their extent: the text is where their tokens are spelled)."""
    text = r"""
#include <linux/kernel.h>
#include <pthread.h>
struct item { int val; struct { int key; } k; };
static struct { int slots[4]; unsigned head; } r;
static struct item it;
static void *producer(void *arg) { r.slots[1] = 42; it.val = 1; return NULL; }
static void *consumer(void *arg)
{
	int *kp = &it.k.key;
	unsigned t = 1;
	BUG_ON(r.slots[t & 3] != 42 && container_of(kp, struct item, k.key)->val == 7);
	return NULL;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, producer, NULL);
	pthread_create(&b, NULL, consumer, NULL);
	return 0;
}
"""
    got, r = verdict(load(tmp_path, text), keep_going=True)
    ws = " ".join(r.warnings)
    assert "load r.slots[t & 3]" in ws, r.warnings
    assert "load container_of(kp, struct item, k.key)->val" in ws, r.warnings
    assert "load ?" not in ws and "load BUG_ON" not in ws, r.warnings


@pytest.mark.parametrize("index,kind", [("4", "stack-out-of-bounds"), ("-1", "stack-out-of-bounds"),
                                        ("3", "warn"), ("i + 4", "stack-out-of-bounds")])
def test_an_index_past_a_local_array_is_kasans_stack_out_of_bounds(tmp_path, index, kind):
    # a local array used only through subscripts lives in the frame, with no block to
    # check an access against: a[4] of int a[4] wrote the next local (found by a review)
    import kcheck.c
    f = tmp_path / "oob.c"
    f.write_text("#include <linux/kernel.h>\n#include <pthread.h>\nstatic int x;\n"
                 "static void *t(void *arg)\n{\n\tint a[4] = {0};\n\tint b = 7;\n"
                 "\tint i = (int)(long)arg;\n"
                 f"\ta[{index}] = 9;\n\tWRITE_ONCE(x, a[3] + b);\n\tWARN_ON(1);\n\treturn NULL;\n}}\n"
                 "int main(void) { pthread_t p; pthread_create(&p, NULL, t, (void *)0L); return 0; }\n")
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == kind, res.format()


def test_keep_going_reports_each_lkmm_race_once_and_each_replays(tmp_path):
    # plain message passing under the LKMM with --races error --keep-going: a race on
    # m.data, one on m.ready and the WARN.  Each report replayed its schedule and took
    # the first race it met: m.ready's was printed three times (its accesses in either
    # order counted as two bugs), and m.data's "did not replay" (a C review)
    import kcheck.c
    f = tmp_path / "mp.c"
    f.write_text("#include <linux/kernel.h>\n#include <pthread.h>\n"
                 "struct msg { int data; int ready; };\nstatic struct msg m;\n"
                 "static void *producer(void *a) { m.data = 42; m.ready = 1; return NULL; }\n"
                 "static void *consumer(void *a) { if (m.ready) WARN_ON(m.data != 42); return NULL; }\n"
                 "int main(void) { pthread_t a, b; pthread_create(&a, NULL, producer, NULL);\n"
                 "\tpthread_create(&b, NULL, consumer, NULL); return 0; }\n")
    entry = kcheck.c.load(str(f)).entry
    res = kcheck.check(entry, memory_model="lkmm", races="error", keep_going=True)
    races = sorted(b.message.split(":")[0] for b in res.bugs if b.kind == "data-race")
    assert races == ["data race (LKMM) on m.data", "data race (LKMM) on m.ready"], res.format()
    assert sum(b.kind == "warn" for b in res.bugs) == 1
    for b in res.bugs:
        assert b.schedule is not None and "did not replay" not in b.message, b.message
        again = kcheck.replay(entry, b.schedule, memory_model="lkmm", races="error", keep_going=True)
        assert again.bug is not None and again.bug.kind == b.kind
        assert again.bug.message.split(":")[0] == b.message.split(":")[0]


@pytest.mark.parametrize("body,verdict", [
    ("if (g) { int q = 1 % 0; (void)q; }", "no-bug"),       # never runs
    ("int q = 1 / 0; (void)q;", "divide-error"),            # runs
])
def test_a_constant_division_by_zero_is_a_divide_error_where_it_runs(tmp_path, body, verdict):
    """`1 / 0` was folded while compiling: a traceback, exit 1, even in code that
    never runs (a hostile review).  It is a divide error when it runs."""
    import kcheck.c
    f = tmp_path / "div.c"
    f.write_text("#include <pthread.h>\nstatic int g;\n"
                 "static int never_called(void) { return 1 / 0; }\n"
                 f"static void *t(void *a) {{ {body} return 0; }}\n"
                 "int main(void) { pthread_t a; pthread_create(&a, 0, t, 0); return 0; }\n")
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()


STRING_BYTES = b"""
#include <linux/bug.h>
#include <linux/string.h>
#include <linux/slab.h>
static char name[300];
int main(void)
{
	const unsigned char *raw = (const unsigned char *)"\xff\xfe" "ab\\x41";
	char *d;
	int i;

	for (i = 0; i < 299; i++)
		name[i] = 'a';
	BUG_ON(strlen(name) != 299);
	d = kstrdup(name, GFP_KERNEL);
	BUG_ON(!d || strcmp(d, name) != 0 || d[299] != 0);
	kfree(d);
	BUG_ON(raw[0] != 0xff || raw[1] != 0xfe || raw[4] != 0x41);
	BUG_ON(strlen((const char *)raw) != CHECK_LEN);
	BUG_ON(strcmp((const char *)raw, "a") <= 0);		/* unsigned char order */
	BUG_ON(strchr("kvm-mmu", '-') == NULL || *(strchr("kvm-mmu", '-') + 1) != 'm');
	BUG_ON(strchr("kvm", 'x') != NULL || *strchr("kvm", 0) != 0);
	BUG_ON(strrchr("a/b/c", '/')[1] != 'c' || strrchr("abc", '/') != NULL);
	return 0;
}
"""


@pytest.mark.parametrize("check_len,want", [(5, "no-bug"), (7, "bug-on")])
def test_strings_are_their_bytes(tmp_path, check_len, want):
    """strlen() read at most 256 characters (kstrdup() of a longer name lost its
    NUL), counted a non-UTF-8 byte as three, and a literal with such a byte in
    it was an internal error (clang's binding decodes tokens as UTF-8)."""
    p = tmp_path / "strings.c"
    p.write_bytes(STRING_BYTES)
    prog = kcheck.c.load(str(p), defines=[f"CHECK_LEN={check_len}"])
    got, r = verdict(prog, step_bound=20000)
    assert got == want, r.format()
    assert r.exhaustive if want == "no-bug" else "strings.c:19" in r.bug.message


SPRINTF = r"""
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/slab.h>
static char buf[32];
static char small[SMALL];
int main(void)
{
	char *name;

	name = kasprintf(GFP_KERNEL, "kvm-%d:%s/%03u", -7, "nx", 5u);
	BUG_ON(!name || strcmp(name, "kvm--7:nx/005") != 0);
	kfree(name);
	BUG_ON(snprintf(buf, sizeof(buf), "%lx|%-3s|%5.2s|%c%%", 0xdeadbeefUL, "a", "xyz", 'q') != 21);
	BUG_ON(strcmp(buf, "deadbeef|a  |   xy|q%") != 0);
	BUG_ON(scnprintf(buf, 4, "%d", 123456) != 3 || strcmp(buf, "123") != 0);
	BUG_ON(snprintf(buf, 4, "%s", (char *)NULL) != 6 || strcmp(buf, "(nu") != 0);
	BUG_ON(snprintf(buf, sizeof(buf), "%pS %p", main, NULL) != 23);
	BUG_ON(strcmp(buf, "(____ptrval____) (null)") != 0);
	BUG_ON(snprintf(buf, sizeof(buf), "%hhd %hu %#x %+d", 255, 65537, 255, 3) != 12);
	BUG_ON(strcmp(buf, "-1 1 0xff +3") != 0);
	sprintf(small, "%s-%d", "worker", 10);	/* 9 bytes and the NUL */
	return 0;
}
"""


@pytest.mark.parametrize("small,want", [(10, "no-bug"), (9, "global-out-of-bounds")])
def test_sprintf_and_kasprintf(tmp_path, small, want):
    """kasprintf() was missing from the C headers (a review's harness named its
    threads with it); snprintf()'s family with it, formatting as lib/vsprintf.c
    does, and a sprintf() past its buffer is the out-of-bounds write it is."""
    p = tmp_path / "sprintf.c"
    p.write_text(SPRINTF)
    got, r = verdict(kcheck.c.load(str(p), defines=[f"SMALL={small}"]), step_bound=20000)
    assert got == want, r.format()


SMALL_HEADERS = r"""
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/kconfig.h>
#include <linux/bitfield.h>
#include <linux/stringify.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/irqflags.h>
#include <linux/bottom_half.h>
#include <linux/cache.h>
#include <pthread.h>

#define REG_MODE	GENMASK(15, 8)
static int hits ____cacheline_aligned_in_smp;

static void *t(void *arg)
{
	u32 reg = FIELD_PREP(REG_MODE, 0xab) | 0x3;
	unsigned long flags;

	BUILD_BUG_ON(sizeof(u32) != 4);
	static_assert(FIELD_MAX(REG_MODE) == 0xff);
	WARN_ON(FIELD_GET(REG_MODE, reg) != 0xab || BUILD_BUG_ON_ZERO(0));
	WARN_ON(!FIELD_FIT(REG_MODE, 0xff) || FIELD_FIT(REG_MODE, 0x100));
	WARN_ON(IS_ENABLED(CONFIG_OFF) || !IS_ENABLED(CONFIG_ON) || !IS_ENABLED(CONFIG_MOD));
	WARN_ON(IS_BUILTIN(CONFIG_MOD) || !IS_MODULE(CONFIG_MOD));
	WARN_ON(strcmp(__stringify(CONFIG_ON), "1") || max(2, 3) != 3);
	local_bh_disable();
	WRITE_ONCE(hits, READ_ONCE(hits) + 1);
	local_bh_enable();
	local_irq_save(flags);
	WARN_ON(CHECK_WRONG);
	local_irq_restore(flags);
	return NULL;
}
""" + RUN_T


@pytest.mark.parametrize("wrong,want", [("0", "no-bug"), ("1", "warn")])
def test_the_small_kernel_headers_a_driver_includes(tmp_path, wrong, want):
    """<linux/build_bug.h>, kconfig.h, bitfield.h, stringify.h, minmax.h,
    irqflags.h, bottom_half.h and cache.h: a driver's includes that once were
    "file not found".  IS_ENABLED() reads -D CONFIG_FOO=1 (built in) and
    -D CONFIG_FOO_MODULE=1 (a module), as Kconfig's autoconf.h defines them."""
    got, r = verdict(load(tmp_path, SMALL_HEADERS, defines=[
        f"CHECK_WRONG={wrong}", "CONFIG_ON=1", "CONFIG_MOD_MODULE=1"]))
    assert got == want and (r.exhaustive or want != "no-bug"), r.format()
    if want == "warn":
        assert "prog.c:33" in r.bug.message, r.bug.message     # the twin's own WARN_ON


C_OWN_WAIT_MACRO = r"""
#include <linux/kernel.h>
#include <linux/sched.h>
#include <pthread.h>
static int flag;
static struct task_struct *waiter_task;
#define my_wait(cond) ({ WRITE_ONCE(waiter_task, current); for (;;) { \
	set_current_state(TASK_UNINTERRUPTIBLE); if (cond) break; schedule(); } \
	__set_current_state(TASK_RUNNING); })
static void *w(void *x) { my_wait(READ_ONCE(flag)); return NULL; }
static void *k(void *x) { WRITE_ONCE(flag, 1); return NULL; }	/* forgets the wake-up */
int main(void)
{
	pthread_t t1, t2;
	pthread_create(&t1, NULL, w, NULL);
	pthread_create(&t2, NULL, k, NULL);
	return 0;
}
"""


def test_each_step_of_a_macro_of_the_files_own_says_which_operation_it_is(tmp_path):
    """Inside a wait macro the file defines itself, the prepare, the condition's
    load and the sleep each name their operation after the macro's text (a C
    review, 2026-12-03: all three read ``my_wait(READ_ONCE(flag))``)."""
    f = tmp_path / "own_wait.c"
    f.write_text(C_OWN_WAIT_MACRO)
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "lost-wakeup", res.format()
    # w's column, its wrapped lines joined
    tr = " ".join(" ".join(ln.split("|")[0].split()[1:] if ln[:6].strip() else ln.split("|")[0].split())
                  for ln in res.bug.trace.splitlines())
    assert "my_wait(READ_ONCE(flag)): set_current_state(TASK_UNINTERRUPTIBLE)" in tr, tr
    assert "my_wait(READ_ONCE(flag)): READ_ONCE(&flag) = 0" in tr, tr
    assert "my_wait(READ_ONCE(flag)): schedule(): sleeps" in tr, tr
