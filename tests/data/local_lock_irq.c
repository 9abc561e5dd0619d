#include <linux/local_lock.h>
#include <linux/interrupt.h>
#include <linux/bug.h>
#include <pthread.h>

struct pcp { local_lock_t lock; int n; };
static DEFINE_PER_CPU(struct pcp, pcp) = { .lock = INIT_LOCAL_LOCK(lock) };
static int fired;

static irqreturn_t handler(int irq, void *dev)
{
	__this_cpu_inc(pcp.n);
	WRITE_ONCE(fired, 1);
	return IRQ_HANDLED;
}

static void *t(void *arg)
{
#ifdef IRQ
	unsigned long flags;
	local_lock_irqsave(&pcp.lock, flags);
	__this_cpu_inc(pcp.n);
	local_unlock_irqrestore(&pcp.lock, flags);
#else
	local_lock(&pcp.lock);
	__this_cpu_inc(pcp.n);
	local_unlock(&pcp.lock);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a;
	int cpu, sum = 0;
	request_irq(1, handler, 0, "dev", NULL);
	pthread_create(&a, NULL, t, NULL);
	pthread_join(a, NULL);
	free_irq(1, NULL);
	for_each_possible_cpu(cpu)
		sum += per_cpu(pcp.n, cpu);
	BUG_ON(sum != 1 + READ_ONCE(fired));
	return 0;
}
