"""One C buggy/fixed twin, checked: the fixed build clean and exhaustive, the
buggy one reporting ``kinds`` with ``text`` in its message, and its schedule
replaying to the same kind (what every C twin of the kernel API tests asks)."""

import kcheck
import kcheck.c


def check_c_twin(tmp_path, source, define, bad, mm, kinds, text, name="twin.c"):
    f = tmp_path / name
    f.write_text(source)
    prog = kcheck.c.load(str(f), defines=(define,) if bad else ())
    res = kcheck.check(prog.entry, memory_model=mm)
    if not bad:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
        return res
    assert res.bug is not None and res.bug.kind in kinds, res.format()
    assert text in res.bug.message, res.bug.message
    again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=mm)
    assert again.bug is not None and again.bug.kind == res.bug.kind
    return res


# A kthread loop that consumes one work flag and waits in ``WAIT`` between
# rounds; main() sets the flag, wakes ``wq`` and, with ``STOP=1``, stops the
# thread.  tests/test_polling.py puts every polling delay in ``WAIT``,
# tests/test_waits.py the wait_event forms that sleep on ``wq``.
KTHREAD_LOOP = r"""
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static int work;

static int fn(void *arg)
{
	while (!kthread_should_stop()) {
		if (READ_ONCE(work))
			WRITE_ONCE(work, 0);
		WAIT;
	}
	return 0;
}

int main(void)
{
	struct task_struct *t = kthread_run(fn, NULL, "k");

	WRITE_ONCE(work, 1);
	wake_up(&wq);
#if STOP
	kthread_stop(t);
#endif
	return 0;
}
"""


def load_kthread_loop(tmp_path, wait, stop=True):
    """``KTHREAD_LOOP`` with ``wait`` between rounds, loaded (its entry)."""
    f = tmp_path / "kthread_loop.c"
    f.write_text(KTHREAD_LOOP)
    return kcheck.c.load(str(f), defines=[f"WAIT={wait}", f"STOP={int(stop)}"]).entry
