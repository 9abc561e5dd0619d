// w02_2p2w_wmb: LKMM allows (2+2W with smp_wmb: no strong fence, so no pb cycle)
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <asm/barrier.h>
#include <pthread.h>

static int x, y;

static void *p0(void *arg)
{
	WRITE_ONCE(x, 1);
	smp_wmb();
	WRITE_ONCE(y, 2);
	return NULL;
}

static void *p1(void *arg)
{
	WRITE_ONCE(y, 1);
	smp_wmb();
	WRITE_ONCE(x, 2);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, p0, NULL);
	pthread_create(&b, NULL, p1, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(READ_ONCE(x) == 1 && READ_ONCE(y) == 1);
	return 0;
}
