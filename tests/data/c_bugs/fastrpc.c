/*
 * fastrpc: fastrpc_map_find() looked the map up under fl->mutex and took its
 * reference with kref_get() after dropping the mutex; the last
 * fastrpc_map_put() unlinks the map under fl->lock (a different lock) and
 * frees it in between.
 *
 * Fix: 9446fa1683a7e3937d9970248ced427c1983a1c5
 *      "misc: fastrpc: Fix use-after-free and race in fastrpc_map_find"
 * After: lookup and kref_get_unless_zero() both under fl->lock.
 * -D FIXED: after the fix.
 */
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/errno.h>
#include <pthread.h>

struct fastrpc_user {
	struct list_head maps;
	spinlock_t lock;
	struct mutex mutex;
};

struct fastrpc_map {
	struct list_head node;
	struct fastrpc_user *fl;
	int fd;
	void *table;
	struct kref refcount;
};

static struct fastrpc_user user;
static struct fastrpc_map *the_map;

/* drivers/misc/fastrpc.c */
static void fastrpc_free_map(struct kref *ref)
{
	struct fastrpc_map *map;

	map = container_of(ref, struct fastrpc_map, refcount);

	if (map->table) {
		/* dma_buf_unmap_attachment(), dma_buf_detach(), dma_buf_put() */
	}

	if (map->fl) {
		spin_lock(&map->fl->lock);
		list_del(&map->node);
		spin_unlock(&map->fl->lock);
		map->fl = NULL;
	}

	kfree(map);
}

static void fastrpc_map_put(struct fastrpc_map *map)
{
	if (map)
		kref_put(&map->refcount, fastrpc_free_map);
}

#ifdef FIXED
static int fastrpc_map_get(struct fastrpc_map *map)
{
	if (!map)
		return -ENOENT;

	return kref_get_unless_zero(&map->refcount) ? 0 : -ENOENT;
}

static int fastrpc_map_lookup(struct fastrpc_user *fl, int fd,
			    struct fastrpc_map **ppmap, bool take_ref)
{
	struct fastrpc_map *map = NULL;
	int ret = -ENOENT;

	spin_lock(&fl->lock);
	list_for_each_entry(map, &fl->maps, node) {
		if (map->fd != fd)
			continue;

		if (take_ref) {
			ret = fastrpc_map_get(map);
			if (ret)
				break;
		}

		*ppmap = map;
		ret = 0;
		break;
	}
	spin_unlock(&fl->lock);

	return ret;
}

static int fastrpc_map_find(struct fastrpc_user *fl, int fd,
			    struct fastrpc_map **ppmap)
{
	return fastrpc_map_lookup(fl, fd, ppmap, true);
}
#else
static void fastrpc_map_get(struct fastrpc_map *map)
{
	if (map)
		kref_get(&map->refcount);
}

static int fastrpc_map_lookup(struct fastrpc_user *fl, int fd,
			    struct fastrpc_map **ppmap)
{
	struct fastrpc_map *map = NULL;

	mutex_lock(&fl->mutex);
	list_for_each_entry(map, &fl->maps, node) {
		if (map->fd == fd) {
			*ppmap = map;
			mutex_unlock(&fl->mutex);
			return 0;
		}
	}
	mutex_unlock(&fl->mutex);

	return -ENOENT;
}

static int fastrpc_map_find(struct fastrpc_user *fl, int fd,
			    struct fastrpc_map **ppmap)
{
	int ret = fastrpc_map_lookup(fl, fd, ppmap);

	if (!ret)
		fastrpc_map_get(*ppmap);

	return ret;
}
#endif

/* fastrpc_create_maps() -> fastrpc_map_create(): find an existing map */
static void *invoke(void *arg)
{
	struct fastrpc_map *map = NULL;

	if (!fastrpc_map_find(&user, 3, &map)) {
		READ_ONCE(map->table);		/* use it for the call */
		fastrpc_map_put(map);
	}
	return NULL;
}

/* fastrpc_req_mem_unmap_impl() / fastrpc_device_release(): drop the map */
static void *unmap(void *arg)
{
	fastrpc_map_put(the_map);
	return NULL;
}

int main(void)
{
	struct fastrpc_map *map = kzalloc(sizeof(*map), GFP_KERNEL);
	pthread_t a, b;

	INIT_LIST_HEAD(&user.maps);
	spin_lock_init(&user.lock);
	mutex_init(&user.mutex);
	map->fl = &user;
	map->fd = 3;
	kref_init(&map->refcount);
	list_add_tail(&map->node, &user.maps);
	the_map = map;

	pthread_create(&a, NULL, invoke, NULL);
	pthread_create(&b, NULL, unmap, NULL);
	return 0;
}
