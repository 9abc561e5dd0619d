#include <linux/srcu.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <pthread.h>

struct obj { int val; };
static struct obj *gp;
static int idx;
DEFINE_SRCU(ss);

static void *reader(void *arg)
{
	int i = srcu_down_read(&ss);
	struct obj *o;
#ifdef EARLY
	smp_store_release(&idx, i);
#endif
	o = srcu_dereference_check(gp, &ss, 1);
	if (o)
		READ_ONCE(o->val);
#ifndef EARLY
	smp_store_release(&idx, i);
#endif
	return NULL;
}

static void *ender(void *arg)
{
	int i = smp_cond_load_acquire(&idx, VAL != 0);
	srcu_up_read(&ss, i);
	return NULL;
}

static void *updater(void *arg)
{
	struct obj *o = rcu_dereference_protected(gp, 1);
	rcu_assign_pointer(gp, NULL);
	synchronize_srcu(&ss);
	kfree(o);
	return NULL;
}

int main(void)
{
	pthread_t a, b, c;
	gp = kzalloc(sizeof(*gp), GFP_KERNEL);
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, ender, NULL);
	pthread_create(&c, NULL, updater, NULL);
	return 0;
}
