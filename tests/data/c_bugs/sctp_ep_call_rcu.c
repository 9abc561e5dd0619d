/*
 * SCTP diag dump vs. peeloff + close: the endpoint (and with it the old
 * socket) freed while sctp_diag_dump() is about to lock_sock() it.
 *
 * Fix: 5ec7d18d1813a5bead0b495045606c93873aecbb
 *      "sctp: use call_rcu to free endpoint"   (Xin Long; v5.16, CVE-2021-46929)
 *
 * Before: sctp_for_each_transport() ran the filter under the transport
 * walk's RCU read lock, then sctp_sock_dump() took sk = tsp->asoc->base.sk
 * and lock_sock(sk) with nothing holding that socket: a peeloff moved the
 * association to a new socket and the old socket was closed, its endpoint
 * freed by kfree() (no grace period) and the socket's last reference put.
 * After: the endpoint is freed by call_rcu(); the walk takes a reference on
 * tsp->asoc->ep with refcount_inc_not_zero() (sctp_endpoint_hold() now
 * returns whether it got one) under RCU, sctp_sock_dump() uses ep->base.sk
 * (pinned by the endpoint) and skips the entry when the association moved
 * to another endpoint meanwhile.
 *
 * -D FIXED: after the fix; without: before it.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <pthread.h>

struct sock { refcount_t sk_refcnt; struct mutex sk_lock; int sk_state; };
struct sctp_ep_common { struct sock *sk; refcount_t refcnt; bool dead; };
struct sctp_endpoint { struct sctp_ep_common base; struct rcu_head rcu; };
struct sctp_association { struct sctp_ep_common base; struct sctp_endpoint *ep; };
struct sctp_transport { struct sctp_association *asoc; refcount_t refcnt; };

static struct sctp_association assoc;
static struct sctp_transport transport;
static struct sock *oldsk, *newsk;
static struct sctp_endpoint *oldep, *newep;

static void lock_sock(struct sock *sk) { mutex_lock(&sk->sk_lock); }
static void release_sock(struct sock *sk) { mutex_unlock(&sk->sk_lock); }
static void sock_hold(struct sock *sk) { refcount_inc(&sk->sk_refcnt); }
static void sock_put(struct sock *sk)
{
	if (refcount_dec_and_test(&sk->sk_refcnt))
		kfree(sk);			/* sk_free() */
}

/* net/sctp/endpointola.c */
#ifdef FIXED
static void sctp_endpoint_destroy_rcu(struct rcu_head *head)
{
	struct sctp_endpoint *ep = container_of(head, struct sctp_endpoint, rcu);

	sock_put(ep->base.sk);
	kfree(ep);
}

static int sctp_endpoint_hold(struct sctp_endpoint *ep)
{
	return refcount_inc_not_zero(&ep->base.refcnt);
}
#else
static void sctp_endpoint_hold(struct sctp_endpoint *ep)
{
	refcount_inc(&ep->base.refcnt);
}
#endif

static void sctp_endpoint_destroy(struct sctp_endpoint *ep)
{
#ifdef FIXED
	call_rcu(&ep->rcu, sctp_endpoint_destroy_rcu);
#else
	struct sock *sk = ep->base.sk;

	sock_put(sk);
	kfree(ep);
#endif
}

static void sctp_endpoint_put(struct sctp_endpoint *ep)
{
	if (refcount_dec_and_test(&ep->base.refcnt))
		sctp_endpoint_destroy(ep);
}

static void sctp_endpoint_free(struct sctp_endpoint *ep)
{
	WRITE_ONCE(ep->base.dead, true);
	sctp_endpoint_put(ep);
}

/* net/sctp/associola.c: sctp_assoc_migrate(), from sctp_sock_migrate() */
static void sctp_assoc_migrate(struct sctp_association *asoc, struct sock *sk,
			       struct sctp_endpoint *ep)
{
	struct sctp_endpoint *old_ep = asoc->ep;
	struct sock *old_sk = asoc->base.sk;

	WRITE_ONCE(asoc->ep, ep);
	sctp_endpoint_hold(ep);
	WRITE_ONCE(asoc->base.sk, sk);
	sock_hold(sk);
	sctp_endpoint_put(old_ep);
	sock_put(old_sk);
}

/* net/sctp/socket.c: the transport walk */
static bool sctp_transport_hold(struct sctp_transport *t)
{
	return refcount_inc_not_zero(&t->refcnt);
}

static void sctp_transport_put(struct sctp_transport *t)
{
	WARN_ON(refcount_dec_and_test(&t->refcnt));	/* dumper's is never the last */
}

/* net/sctp/diag.c */
#ifdef FIXED
static int sctp_sock_filter(struct sctp_endpoint *ep, struct sctp_transport *tsp)
{
	struct sock *sk = ep->base.sk;

	return READ_ONCE(sk->sk_state) >= 0;
}

static int sctp_sock_dump(struct sctp_endpoint *ep, struct sctp_transport *tsp)
{
	struct sock *sk = ep->base.sk;

	lock_sock(sk);
	if (ep != READ_ONCE(tsp->asoc->ep))	/* peeled off meanwhile */
		goto release;
	READ_ONCE(sk->sk_state);		/* inet_sctp_diag_fill() */
release:
	release_sock(sk);
	return 0;
}

static void sctp_transport_traverse_process(void)
{
	struct sctp_transport *tsp = NULL;
	struct sctp_endpoint *ep = NULL;
	int ret = 0;

	rcu_read_lock();			/* sctp_transport_walk_start() */
	if (sctp_transport_hold(&transport)) {
		tsp = &transport;
		ep = READ_ONCE(tsp->asoc->ep);
		if (sctp_endpoint_hold(ep)) {	/* asoc can be peeled off */
			ret = sctp_sock_filter(ep, tsp);
			if (!ret)
				sctp_endpoint_put(ep);
		}
		if (!ret)
			sctp_transport_put(tsp);
	}
	rcu_read_unlock();			/* sctp_transport_walk_stop() */
	if (ret) {
		sctp_sock_dump(ep, tsp);
		sctp_endpoint_put(ep);
		sctp_transport_put(tsp);
	}
}
#else
static int sctp_sock_filter(struct sctp_transport *tsp)
{
	struct sctp_endpoint *ep = READ_ONCE(tsp->asoc->ep);
	struct sock *sk = ep->base.sk;

	return READ_ONCE(sk->sk_state) >= 0;
}

static int sctp_sock_dump(struct sctp_transport *tsp)
{
	struct sock *sk = READ_ONCE(tsp->asoc->base.sk);

	lock_sock(sk);
	READ_ONCE(sk->sk_state);		/* inet_sctp_diag_fill() */
	release_sock(sk);
	return 0;
}

static void sctp_for_each_transport(void)
{
	struct sctp_transport *tsp = NULL;
	int ret = 0;

	rcu_read_lock();			/* sctp_transport_walk_start() */
	if (sctp_transport_hold(&transport)) {
		tsp = &transport;
		ret = sctp_sock_filter(tsp);
		if (!ret)
			sctp_transport_put(tsp);
	}
	rcu_read_unlock();			/* sctp_transport_walk_stop() */
	if (ret) {
		sctp_sock_dump(tsp);
		sctp_transport_put(tsp);
	}
}
#endif

static void *sctp_diag_dump(void *arg)
{
#ifdef FIXED
	sctp_transport_traverse_process();
#else
	sctp_for_each_transport();
#endif
	return NULL;
}

/* SCTP_SOCKOPT_PEELOFF on the old socket, then close() of the old socket */
static void *peeloff_and_close(void *arg)
{
	lock_sock(oldsk);
	sctp_assoc_migrate(&assoc, newsk, newep);	/* sctp_sock_migrate() */
	release_sock(oldsk);

	lock_sock(oldsk);				/* sctp_close() */
	sctp_endpoint_free(oldep);			/* sctp_destroy_sock() */
	release_sock(oldsk);
	sock_put(oldsk);
	return NULL;
}

static struct sock *sk_alloc(void)
{
	struct sock *sk = kzalloc(sizeof(*sk), GFP_KERNEL);

	refcount_set(&sk->sk_refcnt, 1);	/* the file's */
	mutex_init(&sk->sk_lock);
	return sk;
}

static struct sctp_endpoint *sctp_endpoint_new(struct sock *sk)
{
	struct sctp_endpoint *ep = kzalloc(sizeof(*ep), GFP_KERNEL);

	refcount_set(&ep->base.refcnt, 1);	/* sctp_sk(sk)->ep */
	ep->base.sk = sk;
	sock_hold(sk);
	return ep;
}

int main(void)
{
	pthread_t a, b;

	oldsk = sk_alloc();
	newsk = sk_alloc();
	oldep = sctp_endpoint_new(oldsk);
	newep = sctp_endpoint_new(newsk);
	assoc.ep = oldep;			/* sctp_association_init() */
	sctp_endpoint_hold(oldep);
	assoc.base.sk = oldsk;
	sock_hold(oldsk);
	transport.asoc = &assoc;
	refcount_set(&transport.refcnt, 1);

	pthread_create(&a, NULL, sctp_diag_dump, NULL);
	pthread_create(&b, NULL, peeloff_and_close, NULL);
	return 0;
}
