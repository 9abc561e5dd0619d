// rcu02: LKMM: publishing with WRITE_ONCE: reader may see a uninitialised (data race on a, stale read)
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <pthread.h>

struct foo { int a; };
static struct foo __rcu *gp;

static void *writer(void *arg)
{
	struct foo *p = kmalloc(sizeof(*p), GFP_KERNEL);

	p->a = 42;			/* plain initialisation */
	WRITE_ONCE(gp, p);	/* no release */
	return NULL;
}

static void *reader(void *arg)
{
	struct foo *p;

	rcu_read_lock();
	p = rcu_dereference(gp);
	if (p)
		WARN_ON(p->a != 42);	/* plain read through the address dependency */
	rcu_read_unlock();
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, writer, NULL);
	pthread_create(&b, NULL, reader, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	kfree(rcu_dereference_protected(gp, 1));
	return 0;
}
