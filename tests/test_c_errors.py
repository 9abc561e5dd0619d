"""Bad C: one line in the compiler's format (file:line:col: error: ...), exit 2,
no traceback - for what clang rejects and for what kcheck cannot run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "syntax": ("""#include <linux/kernel.h>
int main(void)
{
	int x = 1
	return x;
}
""", "4:11: error: expected ';' at end of declaration"),
    "unknown_function": ("""#include <linux/kernel.h>
struct kvm;
void kvm_flush_remote_tlbs(struct kvm *kvm);
int main(void)
{
	kvm_flush_remote_tlbs(NULL);
	return 0;
}
""", "6:2: error: call to 'kvm_flush_remote_tlbs': kcheck does not model this kernel function"),
    "cleanup_without_body": ("""#include <linux/kernel.h>
#include <linux/mutex.h>
static DEFINE_MUTEX(m);
void unlock_it(struct mutex **p);
static void *t(void *arg)
{
	struct mutex *g __attribute__((cleanup(unlock_it))) = &m;
	mutex_lock(g);
	return NULL;
}
int main(void)
{
	return 0;
}
""", "7:16: error: 'g': its cleanup function 'unlock_it' is not defined in this file"),
    "inline_asm": ("""#include <linux/kernel.h>
int main(void)
{
	asm volatile("mfence" ::: "memory");
	return 0;
}
""", "4:2: error: inline assembly is not supported"),
    "unknown_function_pointer": ("""#include <linux/kernel.h>
void ext_handler(int x);
static void (*handler)(int) = ext_handler;
int main(void)
{
	handler(1);
	return 0;
}
""", "3:31: error: 'ext_handler': kcheck does not model this kernel function"),
    "bitfield_xchg": ("""#include <linux/kernel.h>
#include <linux/atomic.h>
union role { u32 word; struct { unsigned level:4; unsigned invalid:1; }; };
struct root { union role role; };
bool mark(struct root *root)
{
	return xchg(&root->role.invalid, true);
}
int main(void) { return 0; }
""", "7:9: error: address of bit-field requested"),
    "goto_into_loop": ("""#include <linux/kernel.h>
int main(void)
{
	int i = 0;
	goto inside;
	while (i < 3) {
inside:
		i++;
	}
	return 0;
}
""", "5:2: error: goto inside: a jump into a nested block or loop is not supported"),
    # a kernel call kcheck.kernel refuses, from C: the C line (it named only the file)
    "kthread_stop_of_a_non_thread": ("""#include <linux/kthread.h>
#include <pthread.h>
static void *t(void *a)
{
	kthread_stop((struct task_struct *)a);
	return NULL;
}
int main(void) { pthread_t x; static int v; pthread_create(&x, NULL, t, &v); return 0; }
""", ":5: error: kthread_stop("),
    "should_stop_outside_a_kthread": ("""#include <linux/kthread.h>
#include <pthread.h>
static void *t(void *a) { return (void *)(long)kthread_should_stop(); }
int main(void) { pthread_t x; pthread_create(&x, NULL, t, NULL); return 0; }
""", ":3: error: kthread_should_stop() outside a thread started by kthread_run()"),
    "exit_in_a_task": ("""#include <stdlib.h>
#include <pthread.h>
static void *t(void *a) { exit(3); return NULL; }
int main(void) { pthread_t x; pthread_create(&x, NULL, t, NULL); return 0; }
""", ":3:27: error: exit() would end the whole process: a harness task returns instead"),
    "gcc_atomic_builtin": ("""#include <linux/kernel.h>
static int cnt;
int main(void) { return __atomic_load_n(&cnt, __ATOMIC_SEQ_CST); }
""", ":3:25: error: '__atomic_load_n' is not supported"),
    "no_main": ("""#include <linux/kernel.h>
int helper(void) { return 0; }
""", "error: no function 'main'"),
}


def kcheck_cli(*args):
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", *map(str, args)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120, env=dict(os.environ, KCHECK_WATCHDOG="2"))
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_c_is_one_line_exit_2(tmp_path, name):
    text, want = CASES[name]
    f = tmp_path / f"{name}.c"
    f.write_text(text)
    rc, out, err = kcheck_cli("check", f)
    assert rc == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"{f}:") and want in lines[0], err


def test_the_thread_xchg_proposal_as_typed():
    """Paolo's first proposal as the mail typed it: clang's bit-field error at its line."""
    f = "examples/c/tdp_mmu/paolo-dec-not-one-as-typed.c"
    rc, out, err = kcheck_cli("check", f)
    assert rc == 2
    assert err.strip() == f"{f}:22:7: error: address of bit-field requested"


@pytest.mark.parametrize("asm,ok", [
    ('asm volatile("" ::: "memory");', True),               # barrier(), written out
    ('__asm__ __volatile__("" : : : "memory");', True),
    ('asm volatile("" : "=r"(x) :: "memory");', False),      # an operand: machine code
    ('asm volatile("lock; addl $0,0(%%rsp)" ::: "memory");', False),
])
def test_the_compiler_barrier_asm_is_barrier(tmp_path, asm, ok):
    """The kernel's barrier() is an empty asm with a memory clobber; a driver
    that writes it out is not refused for "inline assembly"."""
    f = tmp_path / "barrier.c"
    f.write_text("#include <linux/kernel.h>\nint main(void)\n{\n\tint x = 0;\n\t"
                 + asm + "\n\tWARN_ON(x);\n\treturn 0;\n}\n")
    rc, out, err = kcheck_cli("check", f)
    if ok:
        assert rc == 0 and out.startswith("no bug found"), (out, err)
    else:
        assert rc == 2 and err.strip() == f"{f}:5:2: error: inline assembly is not supported: " \
            "kcheck runs C, not machine code (use the kernel primitive the asm implements)", err


def test_debug_shows_the_traceback(tmp_path):
    f = tmp_path / "asm.c"
    f.write_text(CASES["inline_asm"][0])
    rc, out, err = kcheck_cli("check", f, "--debug")
    assert rc == 2 and "Traceback" in err


def test_read_lock_in_a_thread_started_by_a_thread(tmp_path):
    """A thread a thread started takes rwlocks for read (it was a model error,
    "not modelled"): the readers of started contexts share one counter that
    writers shut, so the reader still excludes the writer - and without the
    lock the torn pair is found."""
    src = """#include <linux/spinlock.h>
#include <linux/bug.h>
#include <pthread.h>
DEFINE_RWLOCK(l);
static int x, y;
void *child(void *a)
{
	int a0, b0;

	@LOCK@
	a0 = READ_ONCE(x);
	b0 = READ_ONCE(y);
	@UNLOCK@
	WARN_ON(a0 != b0);
	return NULL;
}
void *parent(void *a) { pthread_t c; pthread_create(&c, NULL, child, NULL); return NULL; }
void *writer(void *a)
{
	write_lock(&l);
	WRITE_ONCE(x, 1);
	WRITE_ONCE(y, 1);
	write_unlock(&l);
	return NULL;
}
int main(void)
{
	pthread_t p, w;

	pthread_create(&p, NULL, parent, NULL);
	pthread_create(&w, NULL, writer, NULL);
	return 0;
}
"""
    f = tmp_path / "dyn.c"
    f.write_text(src.replace("@LOCK@", "read_lock(&l);").replace("@UNLOCK@", "read_unlock(&l);"))
    rc, out, err = kcheck_cli("check", f)
    assert rc == 0 and "no bug found" in out, (out, err)
    f.write_text(src.replace("@LOCK@", "").replace("@UNLOCK@", ""))
    rc, out, err = kcheck_cli("check", f)
    assert rc == 1 and "WARN_ON" in out, (out, err)


LOOPS = {
    # a task that never touches shared memory: no event ever comes back to the explorer
    "task": ("""#include <linux/kernel.h>
#include <pthread.h>
static int x;
static void *spin(void *arg)
{
	for (;;)
		;
	return NULL;
}
static void *other(void *arg) { WRITE_ONCE(x, 1); return NULL; }
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, spin, NULL);
	pthread_create(&b, NULL, other, NULL);
	return 0;
}
""", "in C function spin() at loop.c:4"),
    "main_before_tasks": ("""#include <linux/kernel.h>
#include <pthread.h>
static int x;
static void *t(void *a) { WRITE_ONCE(x, 1); return NULL; }
int main(void)
{
	pthread_t a;
	int i = 0;
	while (1)
		i++;
	pthread_create(&a, NULL, t, NULL);
	return 0;
}
""", "in C function main() at loop.c:5, in the part of it that runs before the tasks it starts"),
    # after a pthread_create(), a loop with no shared access is still main()'s
    # set-up (the tasks it started have not run): it said "before its first
    # task starts", and gave no line
    "main_after_create": ("""#include <linux/kernel.h>
#include <pthread.h>
static void *t(void *a) { return NULL; }
int main(void)
{
	pthread_t p;
	pthread_create(&p, NULL, t, NULL);
	while (1)
		;
	return 0;
}
""", "in C function main() at loop.c:4, in the part of it that runs before the tasks it starts"),
    "main_alone": ("""#include <linux/kernel.h>
int main(void)
{
	int i = 0;
	while (1)
		i++;
	return 0;
}
""", "in C function main() at loop.c:2"),
}


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("name", sorted(LOOPS))
def test_a_c_loop_without_shared_accesses_is_a_model_error_not_a_hang(tmp_path, name, jobs):
    """The watchdog once took the C front end's closures for kcheck's own work
    and never fired: ``for (;;);`` in a C task ran until killed."""
    text, want = LOOPS[name]
    f = tmp_path / "loop.c"
    f.write_text(text)
    rc, out, err = kcheck_cli("check", f, "--jobs", jobs)
    assert rc == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"kcheck: error: {f}: task main") or "task spin" in lines[0], err
    assert want in lines[0] and "without a shared access" in lines[0], err


COUNTING_DELAY = """#include <linux/kernel.h>
#include <pthread.h>
static void *t(void *arg)
{
	int i = 0;
	while (i < LIMIT) {
		i++;
		cpu_relax();
	}
	return NULL;
}
int main(void)
{
	pthread_t a;
	pthread_create(&a, NULL, t, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("limit,rc", [("100", 0), ("1000000000", 1)])
def test_a_counting_delay_loop_ends_or_is_a_livelock(tmp_path, limit, rc):
    """``while (1) { i++; cpu_relax(); }`` is a new state each round, so no wait
    is set up and no event meets the step bound: it spun until killed.  Delays
    in a row without a shared access now count against the step bound; a
    bounded delay loop below it still ends."""
    f = tmp_path / "delay.c"
    f.write_text(COUNTING_DELAY)
    got, out, err = kcheck_cli("check", f, "-D", f"LIMIT={limit}")
    assert got == rc, (out, err)
    if rc:
        assert "BUG livelock: cpu_relax: task t delayed 2000 times in a row" in out, out
        assert "delay.c:8" in out, out


MP_BARRIERS = """#include <linux/kernel.h>
#include <pthread.h>
static int data, flag;
static void *producer(void *arg)
{
	WRITE_ONCE(data, 42);
	smp_wmb();
	WRITE_ONCE(flag, 1);
	return NULL;
}
static void *consumer(void *arg)
{
	if (READ_ONCE(flag)) {
		smp_rmb();
		WARN_ON(READ_ONCE(data) != 42);
	}
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


@pytest.mark.parametrize("spec,rc", [
    ("smp_wmb", 1), ("smp_wmb@producer", 1), ("smp_rmb@mp.c:14", 1),
    ("nosuchbarrier", 2), ("smp_mb", 2), ("smp_wmb@nosuchfunc", 2), ("smp_wmb@mp.c:99", 2),
])
def test_a_c_drop_barrier_spec_must_match_a_barrier(tmp_path, spec, rc):
    """In C a --drop-barrier that matched nothing was a silent no-op: "no bug"
    with every barrier in, as if dropping it did not matter."""
    f = tmp_path / "mp.c"
    f.write_text(MP_BARRIERS)
    got, out, err = kcheck_cli("check", f, "--memory-model", "lkmm", "--drop-barrier", spec)
    assert got == rc, (out, err)
    if rc == 2:
        assert err.count("\n") == 1 and "matches no barrier the model executed" in err, err
        assert "smp_wmb@producer (mp.c:7)" in err, err


def test_a_directory_named_like_a_c_file(tmp_path):
    d = tmp_path / "model.c"
    d.mkdir()
    rc, out, err = kcheck_cli("check", d)
    assert rc == 2 and err.strip() == f"kcheck: error: {d}: is a directory, expected a model file " \
        "(.py) or a C file (.c)", err


@pytest.mark.parametrize("define", ["=3", "1X", "A B"])
def test_a_bad_define_is_named_not_put_on_a_line_of_the_file(tmp_path, define):
    """clang reported ``-D =3`` at line 393 of the C file (its command-line buffer)."""
    f = tmp_path / "mp.c"
    f.write_text(MP_BARRIERS)
    rc, out, err = kcheck_cli("check", f, "-D", define)
    assert rc == 2 and err.count("\n") == 1, err
    assert f"'{define}': NAME or NAME=VALUE" in err and "mp.c:" not in err, err


@pytest.mark.parametrize("terms,ok", [(400, True), (600, False), (20000, False)])
def test_very_long_expressions(tmp_path, terms, ok):
    """A 600-term sum failed inside a libclang callback ("internal error"), and a
    20,000-term one overflowed clang's stack: a segmentation fault, no message
    (a hostile review).  Up to ~440 levels compile; deeper code is refused with
    its line."""
    import kcheck.c
    from kcheck.c._parse import CError
    f = tmp_path / "long.c"
    f.write_text("#include <pthread.h>\nint x;\nstatic void *t(void *a)\n{\n\tx = "
                 + " + ".join(["x"] * terms) + ";\n\treturn 0;\n}\n"
                 "int main(void) { pthread_t p; pthread_create(&p, 0, t, 0); return 0; }\n")
    if ok:
        assert kcheck.check(kcheck.c.load(str(f)).entry).verdict == "no-bug"
    else:
        with pytest.raises(CError, match=r"long.c:5:\d+: error: code nested more than"):
            kcheck.c.load(str(f))


def test_a_kernel_header_kcheck_lacks_says_what_to_do(tmp_path):
    """A driver's includes meet kcheck's own headers: clang's "file not found"
    alone left a reviewer guessing whether to install kernel headers."""
    f = tmp_path / "drv.c"
    f.write_text("#include <linux/kernel.h>\n#include <linux/device.h>\n"
                 "int main(void) { return 0; }\n")
    rc, out, err = kcheck_cli("check", f)
    assert rc == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"{f}:2:10:" in lines[0] and "'linux/device.h' file not found" in lines[0], err
    assert "kcheck's kernel headers have no <linux/device.h> - drop the #include" in lines[0], err
    assert lines[0].rstrip(")").endswith(os.path.join("kcheck", "c", "include", "linux")), err


def test_a_missing_user_header_is_clangs_message_alone(tmp_path):
    f = tmp_path / "h.c"
    f.write_text('#include "mine.h"\nint main(void) { return 0; }\n')
    rc, out, err = kcheck_cli("check", f)
    assert rc == 2 and "'mine.h' file not found" in err and "kcheck's kernel headers" not in err, err


def test_current_mm_says_what_kcheck_has_instead(tmp_path):
    """``current->mm``: kcheck's task_struct is opaque; the error says to use
    the harness process's address space (a C review, 2026-12-03)."""
    f = tmp_path / "mm.c"
    f.write_text("#include <linux/mm.h>\n"
                 "int main(void) { mmap_read_lock(current->mm); return 0; }\n")
    rc, out, err = kcheck_cli("check", f)
    assert rc == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"{f}:2:" in lines[0] and "for current->mm use kcheck_user_mm" in lines[0], err
    g = tmp_path / "mm2.c"
    g.write_text("#include <linux/mm.h>\n"
                 "int main(void) { mmap_read_lock(kcheck_user_mm); mmap_read_unlock(kcheck_user_mm); return 0; }\n")
    rc, out, err = kcheck_cli("check", g)
    assert rc == 0, (out, err)
