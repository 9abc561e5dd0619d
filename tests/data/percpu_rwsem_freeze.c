#include <linux/percpu-rwsem.h>
#include <linux/slab.h>
#include <pthread.h>

/* sb_start_write()/freeze_super() in small: writers of the filesystem hold the
 * percpu rwsem for read; the freezer takes it for write, then nobody writes. */
static DEFINE_STATIC_PERCPU_RWSEM(writers);
static int frozen, dirty;

static void *writer(void *arg)
{
#if FIXED
	percpu_down_read(&writers);
#endif
	if (!READ_ONCE(frozen))
		WRITE_ONCE(dirty, 1);
#if FIXED
	percpu_up_read(&writers);
#endif
	return NULL;
}

static void *freezer(void *arg)
{
	percpu_down_write(&writers);
	WRITE_ONCE(frozen, 1);
	WRITE_ONCE(dirty, 0);		/* sync the filesystem */
	percpu_up_write(&writers);
	BUG_ON(READ_ONCE(dirty));
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, writer, NULL);
	pthread_create(&b, NULL, freezer, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
