/*
 * ptrace: task_clear_jobctl_trapping() clears JOBCTL_TRAPPING with a plain
 * RMW under siglock and calls wake_up_bit(), whose waitqueue_active() test
 * is lockless: without a full barrier the tracer in ptrace_attach()'s
 * wait_on_bit() may be missed (store buffering: the waker's clear vs. its
 * queue check, the waiter's queueing vs. its bit test).
 *
 * Fix: 650226bd9581 "ptrace: task_clear_jobctl_trapping()->wake_up_bit() needs mb()"
 *      (Oleg Nesterov, v3.16)
 * -D FIXED: after the fix.
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/wait_bit.h>
#include <linux/sched.h>
#include <pthread.h>

#define JOBCTL_STOP_PENDING_BIT	17
#define JOBCTL_TRAP_STOP_BIT	19
#define JOBCTL_TRAPPING_BIT	21
#define JOBCTL_STOP_PENDING	(1UL << JOBCTL_STOP_PENDING_BIT)
#define JOBCTL_TRAP_STOP	(1UL << JOBCTL_TRAP_STOP_BIT)
#define JOBCTL_TRAPPING		(1UL << JOBCTL_TRAPPING_BIT)

struct sighand_struct { spinlock_t siglock; };
struct tsk {
	unsigned long jobctl;
	struct sighand_struct *sighand;
};

static struct sighand_struct sighand;
static struct tsk child;

/* kernel/signal.c */
static void task_clear_jobctl_trapping(struct tsk *task)
{
	if (unlikely(task->jobctl & JOBCTL_TRAPPING)) {
		task->jobctl &= ~JOBCTL_TRAPPING;
#ifdef FIXED
		smp_mb();	/* advised by wake_up_bit() */
#endif
		wake_up_bit(&task->jobctl, JOBCTL_TRAPPING_BIT);
	}
}

/* the stopped child, woken by the attach: ptrace_stop() / do_jobctl_trap() */
static void *tracee(void *arg)
{
	struct tsk *task = &child;

	spin_lock_irq(&task->sighand->siglock);
	task_clear_jobctl_trapping(task);
	spin_unlock_irq(&task->sighand->siglock);
	return NULL;
}

/* kernel/ptrace.c: ptrace_attach(), the JOBCTL_TRAPPING part */
static void *tracer(void *arg)
{
	struct tsk *task = &child;

	wait_on_bit(&task->jobctl, JOBCTL_TRAPPING_BIT, TASK_KILLABLE);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	spin_lock_init(&sighand.siglock);
	child.sighand = &sighand;
	/* ptrace_attach() already did, under siglock:
	 * task_set_jobctl_pending(task, JOBCTL_TRAP_STOP | JOBCTL_TRAPPING) */
	child.jobctl = JOBCTL_STOP_PENDING | JOBCTL_TRAP_STOP | JOBCTL_TRAPPING;

	pthread_create(&a, NULL, tracer, NULL);
	pthread_create(&b, NULL, tracee, NULL);
	return 0;
}
