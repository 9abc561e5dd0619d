#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/completion.h>
#include <linux/lockdep.h>
#include <linux/workqueue.h>
#include <linux/spinlock.h>
#include <pthread.h>

struct item { struct list_head node; struct hlist_node h; int v; };
static LIST_HEAD(head);
static HLIST_HEAD(hh);
static DEFINE_SPINLOCK(lock);
static struct completion done;

static void *t(void *arg)
{
	struct item *pos, *n, *start = NULL;
	struct list_head *p, *q;
	int sum = 0, cnt = 0;
	unsigned long flags;
	char *dup;

	list_for_each_entry(pos, &head, node) { if (pos->v == 2) { start = pos; break; } }
	pos = start;
	list_for_each_entry_continue(pos, &head, node) sum += pos->v;      /* 3 */
	pos = start;
	list_for_each_entry_from(pos, &head, node) sum += pos->v;          /* 2+3 */
	list_for_each_entry_safe_reverse(pos, n, &head, node) sum += pos->v; /* 6 */
	list_for_each_prev_safe(p, q, &head) cnt++;
	WARN_ON(sum != 14 || cnt != 3 || list_count_nodes(&head) != 3);
	spin_lock_irqsave(&lock, flags);
	lockdep_assert_irqs_disabled();
	spin_unlock_irqrestore(&lock, flags);
	lockdep_assert_irqs_enabled();
	dup = kstrdup("abc", GFP_KERNEL);
	WARN_ON(!dup || strlen(dup) != 3 || dup[2] != 'c');
	kfree(dup);
	WARN_ON(wait_for_completion_interruptible_timeout(&done, 10) < 0);
	return NULL;
}

static void *c(void *arg) { complete(&done); return NULL; }

int main(void)
{
	pthread_t a, b;
	int i;
	init_completion(&done);
	for (i = 1; i <= 3; i++) {
		struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);
		it->v = i;
		list_add_tail(&it->node, &head);
	}
	pthread_create(&a, NULL, t, NULL);
	pthread_create(&b, NULL, c, NULL);
	return 0;
}
