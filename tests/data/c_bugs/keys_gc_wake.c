/*
 * keys: key_garbage_collector() ends a dead-key-type reap with
 *	smp_mb(); clear_bit(KEY_GC_REAPING_KEYTYPE, ...); wake_up_bit(...);
 * the barrier is before the clear, not between the clear and wake_up_bit()'s
 * lockless waitqueue_active(): key_gc_keytype() in wait_on_bit() can be missed.
 *
 * Fix: 2725ab3f5ad1c5f375c7c9fee4af02a9b138f701
 *      "keys: fix lost wakeup when reaping a dead key type" (v7.3-rc3)
 * The fix's diff was not available to me: -D FIXED uses clear_and_wake_up_bit()
 * (clear_bit_unlock(); smp_mb__after_atomic(); wake_up_bit()), the documented
 * idiom for this.
 *
 * The three-pass gc state machine is folded into one pass.
 */
#include <linux/kernel.h>
#include <linux/workqueue.h>
#include <linux/wait_bit.h>
#include <linux/bitops.h>
#include <linux/sched.h>
#include <pthread.h>

#define KEY_GC_KEY_EXPIRED	0	/* A key expired and needs unlinking */
#define KEY_GC_REAP_KEYTYPE	1	/* A keytype is being unregistered */
#define KEY_GC_REAPING_KEYTYPE	2	/* Cleared when keytype reaped */

struct key_type { const char *name; };

static unsigned long key_gc_flags;
static struct key_type *key_gc_dead_keytype;
static struct work_struct key_gc_work;
static struct key_type key_type_dead = { "dead" };

/* security/keys/gc.c */
static void key_garbage_collector(struct work_struct *work)
{
	static u8 gc_state;		/* Internal persistent state */
#define KEY_GC_REAPING_DEAD_1	0x10	/* - We need to mark dead keys */

	gc_state = 0;
	if (test_and_clear_bit(KEY_GC_REAP_KEYTYPE, &key_gc_flags))
		gc_state |= KEY_GC_REAPING_DEAD_1;

	if (gc_state & KEY_GC_REAPING_DEAD_1) {
		READ_ONCE(key_gc_dead_keytype);	/* mark and reap its keys */
		/* ... the REAPING_DEAD_2 and _3 passes ... */
#ifdef FIXED
		clear_and_wake_up_bit(KEY_GC_REAPING_KEYTYPE, &key_gc_flags);
#else
		smp_mb();
		clear_bit(KEY_GC_REAPING_KEYTYPE, &key_gc_flags);
		wake_up_bit(&key_gc_flags, KEY_GC_REAPING_KEYTYPE);
#endif
	}
}

void key_gc_keytype(struct key_type *ktype)
{
	WRITE_ONCE(key_gc_dead_keytype, ktype);
	set_bit(KEY_GC_REAPING_KEYTYPE, &key_gc_flags);
	smp_mb();
	set_bit(KEY_GC_REAP_KEYTYPE, &key_gc_flags);

	schedule_work(&key_gc_work);

	wait_on_bit(&key_gc_flags, KEY_GC_REAPING_KEYTYPE,
		    TASK_UNINTERRUPTIBLE);

	WRITE_ONCE(key_gc_dead_keytype, NULL);
}

/* unregister_key_type() */
static void *unregister(void *arg)
{
	key_gc_keytype(&key_type_dead);
	return NULL;
}

int main(void)
{
	pthread_t a;

	INIT_WORK(&key_gc_work, key_garbage_collector);
	pthread_create(&a, NULL, unregister, NULL);
	return 0;
}
