"""lockdep's ``might_lock()`` (kernel/locking.py ``_chain``): a path that may
take a lock is a dependency on every lock held, and a cycle through one is
"possible circular locking dependency" - the deadlock it stands for is never
an interleaving, because the annotation takes nothing.  From C,
``copy_from_user()`` is ``might_fault()``, which annotates the process's
``mmap_lock`` (a C review, 2026-12-03: ALSA's buffer_mutex against mmap,
bc55cfd5718c, passed)."""

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.engine.runtime import ModelError
from abba import S, rwsem_abba
from kcheck.kernel import mutex_lock, mutex_unlock, read_lock, read_unlock, might_lock


@pytest.mark.parametrize("annotate_first", [True, False])
def test_a_cycle_through_an_annotation_is_lockdep_whichever_path_runs_first(annotate_first):
    res = kcheck.check(rwsem_abba(a_first=annotate_first))
    assert res.bug is not None and res.bug.kind == "lockdep", res.format()
    msg = res.bug.message
    assert msg.startswith("possible circular locking dependency")
    assert "a may take S#0->sem (might_lock_read) while holding S#0->m" in msg
    assert "b takes S#0->m while holding S#0->sem" in msg


def test_without_the_annotation_there_is_no_cycle():
    res = kcheck.check(rwsem_abba(a_takes=None))
    assert res.bug is None and res.exhaustive


def test_a_cycle_of_real_acquisitions_is_the_search_s_deadlock_not_lockdep():
    res = kcheck.check(rwsem_abba(a_takes="down_write"))
    assert res.bug is not None and res.bug.kind == "deadlock"


def test_rwlock_readers_are_recursive_for_lockdep():
    """A reader never waits for another reader: read_lock() under the mutex
    against the mutex under read_lock() is no cycle (lockdep's recursive read)."""
    def main():
        s = S()

        def a(s):
            mutex_lock(s.m)
            read_lock(s.rw)
            read_unlock(s.rw)
            mutex_unlock(s.m)

        def b(s):
            read_lock(s.rw)
            might_lock(s.m)
            read_unlock(s.rw)
        spawn(a, s, name="a")
        spawn(b, s, name="b")
    res = kcheck.check(main)
    assert res.bug is None and res.exhaustive, res.format()


def test_might_lock_of_something_else_is_a_model_error():
    def main():
        s = S()
        spawn(lambda s: might_lock(s), s, name="t")
    with pytest.raises(ModelError, match="not a lock"):
        kcheck.check(main)


C_PCM = r"""
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/mmap_lock.h>
#include <pthread.h>
static DEFINE_MUTEX(buffer_mutex);
static char kbuf[8], ubuf[8];
static void *pcm_write(void *x)
{
	mutex_lock(&buffer_mutex);
	if (copy_from_user(kbuf, ubuf, sizeof(kbuf)))
		kbuf[0] = 0;
	mutex_unlock(&buffer_mutex);
	return NULL;
}
static void *oss_mmap(void *x)
{
	mmap_write_lock(kcheck_user_mm);	/* the mmap() syscall holds it around f_op->mmap */
#ifndef FIXED
	mutex_lock(&buffer_mutex);
	mutex_unlock(&buffer_mutex);
#endif
	mmap_write_unlock(kcheck_user_mm);
	return NULL;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, pcm_write, NULL);
	pthread_create(&b, NULL, oss_mmap, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [False, True])
def test_copy_from_user_under_a_lock_that_mmap_takes(tmp_path, fixed):
    f = tmp_path / "pcm.c"
    f.write_text(C_PCM)
    res = kcheck.check(kcheck.c.load(str(f), defines=["FIXED"] if fixed else []).entry)
    if fixed:
        assert res.bug is None and res.exhaustive, res.format()
    else:
        assert res.bug is not None and res.bug.kind == "lockdep", res.format()
        assert "pcm_write may take kcheck_mm.mmap_lock (might_lock_read) while holding " \
               "buffer_mutex" in res.bug.message
