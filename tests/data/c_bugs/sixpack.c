/*
 * 6pack: sp_xmit_on_air() re-arms sp->tx_t with mod_timer() after
 * sixpack_close() did del_timer_sync(), then close frees sp; the timer fires
 * on freed memory.
 *
 * Fix: efe4186e6a1b54bf38b9e05450d43b0da1fd7739
 *      "drivers: hamradio: 6pack: fix UAF bug caused by mod_timer()"
 * The fix moves unregister_netdev() (which waits for every running xmit)
 * before del_timer_sync().  -D FIXED: after the fix.
 *
 * unregister_netdev() is modelled by what matters here: it marks the device
 * unregistering and waits (synchronize_net() = synchronize_rcu()) for every
 * dev_queue_xmit() that runs under rcu_read_lock_bh().
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/completion.h>
#include <linux/timer.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/atomic.h>
#include <kcheck.h>
#include <pthread.h>

#define NETREG_REGISTERED	1
#define NETREG_UNREGISTERING	2
#define SIXP_DCD_MASK		0x08

struct net_device { int reg_state; atomic_t refcnt; struct sixpack *priv; };
struct tty_struct { int dummy; };

struct sixpack {
	struct tty_struct	*tty;
	struct net_device	*dev;
	unsigned char		*xbuff;
	unsigned char		*xhead;
	int			xleft;
	unsigned char		status1;
	unsigned char		status2;
	unsigned char		tx_enable;
	unsigned char		led_state;
	unsigned char		persistence;
	unsigned char		slottime;
	struct timer_list	tx_t;
	spinlock_t		lock;
	refcount_t		refcnt;
	struct completion	dead;
};

static struct tty_struct the_tty;
static struct sixpack *g_sp;

static int pty_write(struct tty_struct *tty, const unsigned char *buf, int c)
{
	return READ_ONCE(buf[0]) ? c : c;	/* the write reads the buffer */
}

/* drivers/net/hamradio/6pack.c */
static void sp_xmit_on_air(struct timer_list *t)
{
	struct sixpack *sp = from_timer(sp, t, tx_t);
	int actual, when = sp->slottime;
	static unsigned char random;

	random = random * 17 + 41;

	if (((sp->status1 & SIXP_DCD_MASK) == 0) && (random < sp->persistence)) {
		sp->led_state = 0x70;
		pty_write(sp->tty, &sp->led_state, 1);
		sp->tx_enable = 1;
		actual = pty_write(sp->tty, sp->xbuff, sp->status2);
		sp->xleft -= actual;
		sp->xhead += actual;
		sp->led_state = 0x60;
		pty_write(sp->tty, &sp->led_state, 1);
		sp->status2 = 0;
	} else
		mod_timer(&sp->tx_t, jiffies + ((when + 1) * HZ) / 100);
}

static void sp_encaps(struct sixpack *sp, unsigned char *icp, int len)
{
	sp->xbuff[0] = icp[0];			/* encode_sixpack() */
	sp->xleft = len;
	sp->xhead = sp->xbuff;
	sp->status2 = len;
	sp_xmit_on_air(&sp->tx_t);
}

static int sp_xmit(unsigned char *data, int len, struct net_device *dev)
{
	struct sixpack *sp = dev->priv;

	spin_lock_bh(&sp->lock);
	sp_encaps(sp, data, len);
	spin_unlock_bh(&sp->lock);
	return 0;
}

/* net/core/dev.c, as far as it matters: xmit runs under rcu_read_lock_bh() */
static void dev_queue_xmit(struct net_device *dev, unsigned char *data, int len)
{
	rcu_read_lock_bh();
	if (READ_ONCE(dev->reg_state) == NETREG_REGISTERED)
		sp_xmit(data, len, dev);
	rcu_read_unlock_bh();
}

static void unregister_netdev(struct net_device *dev)
{
	WRITE_ONCE(dev->reg_state, NETREG_UNREGISTERING);
	synchronize_rcu();			/* synchronize_net() */
	while (atomic_read_acquire(&dev->refcnt) != 1) /* netdev_wait_allrefs(); _acquire: finding F1 */
		msleep(250);
}

static void sixpack_close(struct tty_struct *tty)
{
	struct sixpack *sp = g_sp;

	if (!refcount_dec_and_test(&sp->refcnt))
		wait_for_completion(&sp->dead);

#ifdef FIXED
	unregister_netdev(sp->dev);

	del_timer_sync(&sp->tx_t);
#else
	del_timer_sync(&sp->tx_t);

	unregister_netdev(sp->dev);
#endif
	/* Free all 6pack frame buffers after unreg. */
	kfree(sp->xbuff);

	kfree(sp->dev);				/* free_netdev(): sp is netdev_priv() */
	kfree(sp);
}

static void *ax25_sendmsg(void *arg)
{
	unsigned char frame[2] = { 0xc0, 0 };

	struct net_device *dev = arg;		/* ax25_cb->ax25_dev->dev, held */

	dev_queue_xmit(dev, frame, 1);
	atomic_dec(&dev->refcnt);		/* dev_put() when the socket goes */
	return NULL;
}

static void *tty_release(void *arg)
{
	sixpack_close(&the_tty);
	return NULL;
}

int main(void)
{
	struct sixpack *sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	struct net_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	pthread_t a, b;

	dev->priv = sp;
	dev->reg_state = NETREG_REGISTERED;
	atomic_set(&dev->refcnt, 2);		/* the device's own and the socket's */
	sp->dev = dev;
	sp->tty = &the_tty;
	sp->xbuff = kzalloc(16, GFP_KERNEL);
	sp->persistence = 40;	/* random: 41, 226, 43 wait; 4 sends */
	sp->slottime = 10;
	spin_lock_init(&sp->lock);
	refcount_set(&sp->refcnt, 1);
	init_completion(&sp->dead);
	timer_setup(&sp->tx_t, sp_xmit_on_air, 0);
	g_sp = sp;

	pthread_create(&a, NULL, ax25_sendmsg, dev);
	pthread_create(&b, NULL, tty_release, NULL);
	return 0;
}
