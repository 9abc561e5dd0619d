#include <linux/rwsem.h>
#include <linux/completion.h>
#include <pthread.h>

/*
 * T1 holds the rwsem for read and waits for T3; T3 takes it for read too -
 * fine, unless T2's down_write() came first and waits for T1: the kernel
 * queues T3 behind the waiting writer (after the handoff bit), so T3 waits
 * for T2, T2 for T1, T1 for T3.  Lockdep does not see it (no lock is taken
 * twice); WRITER=0 is the same without T2, clean.
 */
static DECLARE_RWSEM(sem);
static DECLARE_COMPLETION(done);

static void *t1(void *arg)
{
	down_read(&sem);
	wait_for_completion(&done);
	up_read(&sem);
	return NULL;
}

static void *t2(void *arg)
{
#if WRITER
	down_write(&sem);
	up_write(&sem);
#endif
	return NULL;
}

static void *t3(void *arg)
{
	down_read(&sem);
	up_read(&sem);
	complete(&done);
	return NULL;
}

int main(void)
{
	pthread_t a, b, c;
	pthread_create(&a, NULL, t1, NULL);
	pthread_create(&b, NULL, t2, NULL);
	pthread_create(&c, NULL, t3, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	return 0;
}
