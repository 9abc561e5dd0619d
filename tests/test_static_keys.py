"""Static keys from C (linux/jump_label.h, kernel/jump_label.c written out):
what a taken branch sees, the slow paths' sleeping locks, and the count's
WARNs - buggy/fixed twins."""

import pytest

from c_twins import check_c_twin

# main() publishes data and enables the key; the reader uses the data on the
# enabled side.  BUGGY: the reader loads the data before it looks at the key.
PUBLISH = r"""
#include <linux/jump_label.h>
#include <linux/spinlock.h>
#include <linux/bug.h>
#include <pthread.h>

static DEFINE_STATIC_KEY_FALSE(key);
static DEFINE_SPINLOCK(lock);
static int data;

static void *reader(void *arg)
{
#ifdef BUGGY
	int d = READ_ONCE(data);

	if (static_branch_unlikely(&key))
		BUG_ON(d != 1);
#else
	if (static_branch_unlikely(&key))
		BUG_ON(READ_ONCE(data) != 1);
#endif
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, reader, NULL);
	WRITE_ONCE(data, 1);
#ifdef ATOMIC
	spin_lock(&lock);		/* the slow path sleeps: cpus_read_lock(), a mutex */
#endif
	static_branch_enable(&key);
#ifdef ATOMIC
	spin_unlock(&lock);
#endif
	pthread_join(t, NULL);
	BUG_ON(!static_key_enabled(&key));
	return 0;
}
"""

COUNT = r"""#include <linux/static_key.h>
#include <linux/bug.h>
#include <pthread.h>

static DEFINE_STATIC_KEY_FALSE(key);
static int on;

static void *user(void *arg)
{
	static_branch_inc(&key);
	if (static_branch_likely(&key))
		WRITE_ONCE(on, 1);
	static_branch_dec(&key);
	return NULL;
}

#ifdef BUGGY
static void *stray(void *arg)
{
	static_branch_dec(&key);	/* may come before anyone's inc */
	return NULL;
}
#endif

int main(void)
{
	pthread_t a, b;

	static_branch_inc(&key);
	pthread_create(&a, NULL, user, NULL);
#ifdef BUGGY
	pthread_create(&b, NULL, stray, NULL);
#else
	pthread_create(&b, NULL, user, NULL);
#endif
	static_branch_dec(&key);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	BUG_ON(static_key_enabled(&key));
	BUG_ON(static_branch_unlikely(&key));
	BUG_ON(!READ_ONCE(on));
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bad", [True, False])
def test_a_taken_branch_sees_what_was_written_before_the_enable(tmp_path, bad, mm):
    """The patching orders the enabler's earlier stores before the new code,
    and the taken side runs after the branch: no stale data there, under the
    LKMM either - only a load made before looking at the key can be stale."""
    check_c_twin(tmp_path, PUBLISH, "BUGGY", bad, mm, ("bug-on",), "BUG_ON")


@pytest.mark.parametrize("bad", [True, False])
def test_static_branch_enable_sleeps(tmp_path, bad):
    check_c_twin(tmp_path, PUBLISH, "ATOMIC", bad, "sc", ("sleep-in-atomic",),
                 "sleeping function called from invalid context")


@pytest.mark.parametrize("bad", [True, False])
def test_a_dec_before_any_inc_warns_and_balanced_users_end_disabled(tmp_path, bad):
    """Two users inc, use and dec the key while main() drops its own
    reference: exhaustive and clean, the key disabled at the end.  BUGGY: a
    dec that can come first underflows the count (WARN_ON_ONCE(v == 0) in
    static_key_dec_not_one(), or v < 0 while the first inc patches)."""
    check_c_twin(tmp_path, COUNT, "BUGGY", bad, "sc", ("warn",), "static_key_dec_not_one")
