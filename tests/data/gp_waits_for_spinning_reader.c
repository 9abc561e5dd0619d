/* A reader that spins inside its RCU read-side section for what the updater
 * does after synchronize_rcu(): when the reader entered first, the grace
 * period waits for it forever (an RCU CPU stall). */
#include <linux/rcupdate.h>
#include <asm/processor.h>
#include <pthread.h>

static int go;

static void *reader(void *arg)
{
	rcu_read_lock();
	while (!READ_ONCE(go))
		cpu_relax();
	rcu_read_unlock();
	return NULL;
}

static void *updater(void *arg)
{
	synchronize_rcu();
	WRITE_ONCE(go, 1);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, updater, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
