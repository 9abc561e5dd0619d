#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <pthread.h>

/*
 * T1 holds the rwlock for read and spins until T3 sets a flag; T3 sets it
 * under the same rwlock, for read.  Harmless unless T2's write_lock() came
 * first and waits for T1: qrwlock (_QW_WAITING) then queues T3's read_lock()
 * behind the waiting writer, so T3 waits for T2, T2 for T1, T1 for T3.  With
 * BH=1 T3 reads with bottom halves off: in_interrupt(), and
 * queued_read_lock_slowpath() lets such a reader pass a writer that only
 * waits - clean.
 */
static DEFINE_RWLOCK(lock);
static atomic_t flag;

static void *t1(void *arg)
{
	read_lock(&lock);
	while (!atomic_read(&flag))
		cpu_relax();
	read_unlock(&lock);
	return NULL;
}

static void *t2(void *arg)
{
	write_lock(&lock);
	write_unlock(&lock);
	return NULL;
}

static void *t3(void *arg)
{
#if BH
	read_lock_bh(&lock);
	atomic_set(&flag, 1);
	read_unlock_bh(&lock);
#else
	read_lock(&lock);
	atomic_set(&flag, 1);
	read_unlock(&lock);
#endif
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
