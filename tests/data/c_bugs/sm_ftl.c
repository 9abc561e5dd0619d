/*
 * sm_ftl: sm_release() holds ftl->mutex while cancel_work_sync() waits for
 * sm_cache_flush_work(), which takes ftl->mutex: deadlock.
 *
 * Fix: "mtd: sm_ftl: Fix deadlock caused by cancel_work_sync in sm_release"
 *      (Duoming Zhou, v6.0; stable 5.15.61 c1cc427d0492 / 5.19 etc.)
 * -D FIXED: after the fix (cancel before taking the mutex).
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <pthread.h>

struct sm_ftl {
	struct mutex mutex;
	struct work_struct flush_work;
	struct timer_list timer;
	int cache_clean;
	int cache_data;
};

static struct workqueue_struct *cache_flush_workqueue;
static struct sm_ftl *g_ftl;
static int cache_timeout = 1000;

static int sm_cache_flush(struct sm_ftl *ftl)
{
	if (ftl->cache_clean)
		return 0;
	ftl->cache_data = 0;			/* sm_write_block() */
	ftl->cache_clean = 1;
	return 0;
}

/* drivers/mtd/sm_ftl.c */
static void sm_cache_flush_timer(struct timer_list *t)
{
	struct sm_ftl *ftl = from_timer(ftl, t, timer);
	queue_work(cache_flush_workqueue, &ftl->flush_work);
}

static void sm_cache_flush_work(struct work_struct *work)
{
	struct sm_ftl *ftl = container_of(work, struct sm_ftl, flush_work);
	mutex_lock(&ftl->mutex);
	sm_cache_flush(ftl);
	mutex_unlock(&ftl->mutex);
	return;
}

static int sm_write(struct sm_ftl *ftl, int data)
{
	mutex_lock(&ftl->mutex);
	ftl->cache_data = data;			/* sm_cache_put() */
	ftl->cache_clean = 0;
	mod_timer(&ftl->timer, jiffies + msecs_to_jiffies(cache_timeout));
	mutex_unlock(&ftl->mutex);
	return 0;
}

static void sm_release(struct sm_ftl *ftl)
{
#ifdef FIXED
	del_timer_sync(&ftl->timer);
	cancel_work_sync(&ftl->flush_work);
	mutex_lock(&ftl->mutex);
	sm_cache_flush(ftl);
	mutex_unlock(&ftl->mutex);
#else
	mutex_lock(&ftl->mutex);
	del_timer_sync(&ftl->timer);
	cancel_work_sync(&ftl->flush_work);
	sm_cache_flush(ftl);
	mutex_unlock(&ftl->mutex);
#endif
}

static void *user(void *arg)
{
	sm_write(g_ftl, 42);
	sm_release(g_ftl);			/* last close of the block device */
	return NULL;
}

int main(void)
{
	struct sm_ftl *ftl = kzalloc(sizeof(*ftl), GFP_KERNEL);
	pthread_t a;

	cache_flush_workqueue = alloc_workqueue("smflush", WQ_FREEZABLE | WQ_MEM_RECLAIM, 0);
	mutex_init(&ftl->mutex);
	INIT_WORK(&ftl->flush_work, sm_cache_flush_work);
	timer_setup(&ftl->timer, sm_cache_flush_timer, 0);
	ftl->cache_clean = 1;
	g_ftl = ftl;
	pthread_create(&a, NULL, user, NULL);
	return 0;
}
