#include <linux/percpu.h>
#include <linux/bug.h>
#include <pthread.h>

struct stats { int rx; int tx; };
static DEFINE_PER_CPU(int, cnt);
static DEFINE_PER_CPU(struct stats, st);

static void *t(void *arg)
{
#if defined(SAFE)
	this_cpu_inc(cnt);
	this_cpu_add(st.rx, 2);
#elif defined(PREEMPT)
	preempt_disable();
	__this_cpu_inc(cnt);
	__this_cpu_add(st.rx, 2);
	preempt_enable();
#elif defined(TWO)
	int v;
	preempt_disable();
	v = __this_cpu_read(cnt);
	preempt_enable();
	preempt_disable();
	__this_cpu_write(cnt, v + 1);
	this_cpu_ptr(&st)->rx += 2;
	preempt_enable();
#else
	__this_cpu_inc(cnt);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	int cpu, sum = 0, rx = 0;
	pthread_create(&a, NULL, t, NULL);
	pthread_create(&b, NULL, t, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	for_each_possible_cpu(cpu) {
		sum += per_cpu(cnt, cpu);
		rx += per_cpu_ptr(&st, cpu)->rx;
	}
	BUG_ON(sum != 2);
#if !defined(TWO)
	BUG_ON(rx != 4 && sum == 2);
#endif
	return 0;
}
