/* A work item that takes the RTNL, cancelled with cancel_work_sync() under
 * the RTNL: the deadlock of ti cpsw_new v2 (fixed in the merged v5, Fixes:
 * 1767bb2d47b7); -D FIXED cancels after rtnl_unlock().  Uses the headers a
 * C review found missing: linux/rtnetlink.h, THIS_MODULE, asm/errno.h,
 * KMALLOC_MAX_SIZE, wake_up_poll(). */
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <asm/errno.h>
#include <pthread.h>

static struct work_struct rx_mode_work;
static int mode;
static DECLARE_WAIT_QUEUE_HEAD(wq);

static void rx_mode_fn(struct work_struct *w)
{
	rtnl_lock();
	ASSERT_RTNL();
	mode++;
	rtnl_unlock();
	wake_up_poll(&wq, 1);
}

static void *ndo_stop(void *a)
{
	if (!try_module_get(THIS_MODULE))
		return NULL;
	rtnl_lock();
#ifndef FIXED
	cancel_work_sync(&rx_mode_work);	/* under RTNL, and the work takes it */
#endif
	rtnl_unlock();
#ifdef FIXED
	cancel_work_sync(&rx_mode_work);
#endif
	module_put(THIS_MODULE);
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (KMALLOC_MAX_SIZE < 4096)
		return -ENOMEM;
	INIT_WORK(&rx_mode_work, rx_mode_fn);
	schedule_work(&rx_mode_work);
	pthread_create(&t, NULL, ndo_stop, NULL);
	return 0;
}
