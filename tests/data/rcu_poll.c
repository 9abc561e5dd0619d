/*
 * Polled grace periods: the updater unpublishes the object, takes a cookie
 * and frees the old copy once a grace period has elapsed since the cookie
 * (poll_state_synchronize_rcu(), else cond_synchronize_rcu()).
 *   EARLY_COOKIE: the cookie taken before the unpublish - a reader that comes
 *                 in between finds the old copy and outlives the grace period
 *   NO_WAIT:      freed when the poll says false, without waiting
 *   OWN_SYNC:     a synchronize_rcu() of the updater's own makes the poll true
 *   SAYS_TRUE / SAYS_FALSE: a WARN when the poll says so (both happen)
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <pthread.h>

struct cfg { int v; };
static struct cfg __rcu *cur;

static void *reader(void *arg)
{
	struct cfg *c;

	rcu_read_lock();
	c = rcu_dereference(cur);
	if (c)
		WARN_ON(READ_ONCE(c->v) != 1 && READ_ONCE(c->v) != 2);
	rcu_read_unlock();
	return NULL;
}

static void *updater(void *arg)
{
	struct cfg *old = rcu_dereference_protected(cur, 1);
	struct cfg *new = kzalloc(sizeof(*new), GFP_KERNEL);
	unsigned long cookie;

	new->v = 2;
#ifdef EARLY_COOKIE
	cookie = get_state_synchronize_rcu();
	rcu_assign_pointer(cur, new);
#else
	rcu_assign_pointer(cur, new);
	cookie = start_poll_synchronize_rcu();
#endif
#ifdef OWN_SYNC
	synchronize_rcu();
	WARN_ON(!poll_state_synchronize_rcu(cookie));
#endif
#ifdef SAYS_TRUE
	WARN_ON(poll_state_synchronize_rcu(cookie));
#endif
#ifdef SAYS_FALSE
	WARN_ON(!poll_state_synchronize_rcu(cookie));
#endif
#ifdef NO_WAIT
	if (!poll_state_synchronize_rcu(cookie))
		;
#else
	if (!poll_state_synchronize_rcu(cookie))
		cond_synchronize_rcu(cookie);
#endif
	kfree(old);
	return NULL;
}

int main(void)
{
	pthread_t r, u;
	struct cfg *c = kzalloc(sizeof(*c), GFP_KERNEL);

	c->v = 1;
	rcu_assign_pointer(cur, c);
	WARN_ON(!poll_state_synchronize_rcu(get_completed_synchronize_rcu()));
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&u, NULL, updater, NULL);
	pthread_join(r, NULL);
	pthread_join(u, NULL);
	kfree(rcu_dereference_protected(cur, 1));
	return 0;
}
