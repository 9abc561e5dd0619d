/*
 * ipc/mqueue: __pipelined_op() read this->task after
 * smp_store_release(&this->state, STATE_READY); `this` is the receiver's
 * struct ext_wait_queue on its stack, and once it sees STATE_READY the
 * receiver returns from do_mq_timedreceive() - the sender reads a dead frame.
 *
 * Fix: a11ddb37bf367e6b5239b95ca759e5389bb46048
 *      "ipc/mqueue, msg, sem: avoid relying on a stack reference past its expiry"
 * -D FIXED: after the fix.
 *
 * wake_q is not in kcheck: a one-entry stand-in (wake_q_add_safe() keeps the
 * reference the caller took; wake_up_q() wakes and puts it).
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/errno.h>
#include <linux/kthread.h>
#include <pthread.h>

#define STATE_NONE	0
#define STATE_READY	1
#define RECV		1

struct wake_q_head { struct task_struct *task; };
#define DEFINE_WAKE_Q(name) struct wake_q_head name = { NULL }

static void wake_q_add_safe(struct wake_q_head *head, struct task_struct *task)
{
	head->task = task;			/* the caller's reference moves to the queue */
}

static void wake_up_q(struct wake_q_head *head)
{
	if (head->task) {
		wake_up_process(head->task);
		put_task_struct(head->task);
	}
}

struct ext_wait_queue {		/* queue of sleeping tasks */
	struct task_struct *task;
	struct list_head list;
	void *msg;		/* ptr of loaded message */
	int state;		/* one of STATE_* values */
};

struct mqueue_inode_info {
	spinlock_t lock;
	struct list_head e_wait_q_recv;
	int curmsgs;
};

static struct mqueue_inode_info info;
static struct task_struct *recv_task;
static int the_msg = 7;

/* ipc/mqueue.c */
static void wq_add(struct mqueue_inode_info *info, int sr,
			struct ext_wait_queue *ewp)
{
	ewp->task = recv_task;			/* current: finding F2 */
	list_add_tail(&ewp->list, &info->e_wait_q_recv);
}

static int wq_sleep(struct mqueue_inode_info *info, int sr,
		    long timeout, struct ext_wait_queue *ewp)
{
	int retval;
	long time;

	wq_add(info, sr, ewp);

	for (;;) {
		/* memory barrier not required, we hold info->lock */
		__set_current_state(TASK_INTERRUPTIBLE);

		spin_unlock(&info->lock);
		time = schedule_timeout(timeout);

		if (READ_ONCE(ewp->state) == STATE_READY) {
			/* see MQ_BARRIER for purpose/pairing */
			smp_acquire__after_ctrl_dep();
			retval = 0;
			goto out;
		}
		spin_lock(&info->lock);

		/* we hold info->lock, so no memory barrier required */
		if (READ_ONCE(ewp->state) == STATE_READY) {
			retval = 0;
			goto out_unlock;
		}
		if (time == 0) {
			retval = -ETIMEDOUT;
			break;
		}
	}
	list_del(&ewp->list);
out_unlock:
	spin_unlock(&info->lock);
out:
	return retval;
}

static struct ext_wait_queue *wq_get_first_waiter(
		struct mqueue_inode_info *info, int sr)
{
	struct list_head *ptr;

	ptr = info->e_wait_q_recv.prev;
	if (ptr == &info->e_wait_q_recv)
		return NULL;
	return list_entry(ptr, struct ext_wait_queue, list);
}

static inline void __pipelined_op(struct wake_q_head *wake_q,
				  struct mqueue_inode_info *info,
				  struct ext_wait_queue *this)
{
#ifdef FIXED
	struct task_struct *task;

	list_del(&this->list);
	task = get_task_struct(this->task);

	/* see MQ_BARRIER for purpose/pairing */
	smp_store_release(&this->state, STATE_READY);

	/* after the barrier, this is no longer valid */
	wake_q_add_safe(wake_q, task);
#else
	list_del(&this->list);
	get_task_struct(this->task);

	/* see MQ_BARRIER for purpose/pairing */
	smp_store_release(&this->state, STATE_READY);
	wake_q_add_safe(wake_q, this->task);
#endif
}

static inline void pipelined_send(struct wake_q_head *wake_q,
				  struct mqueue_inode_info *info,
				  void *message,
				  struct ext_wait_queue *receiver)
{
	receiver->msg = message;
	__pipelined_op(wake_q, info, receiver);
}

/* do_mq_timedsend(), the receiver-waiting path */
static void *mq_send(void *arg)
{
	struct ext_wait_queue *receiver;
	DEFINE_WAKE_Q(wake_q);

	spin_lock(&info.lock);
	receiver = wq_get_first_waiter(&info, RECV);
	if (receiver)
		pipelined_send(&wake_q, &info, &the_msg, receiver);
	else
		info.curmsgs++;			/* msg_insert() */
	spin_unlock(&info.lock);
	wake_up_q(&wake_q);
	return NULL;
}

/* do_mq_timedreceive(), the empty-queue path */
static int do_mq_timedreceive(void)
{
	struct ext_wait_queue wait;
	int ret;

	wait.msg = NULL;
	wait.state = STATE_NONE;
	spin_lock(&info.lock);
	if (info.curmsgs == 0) {
		ret = wq_sleep(&info, RECV, 100, &wait);
	} else {
		info.curmsgs--;
		spin_unlock(&info.lock);
		ret = 0;
	}
	return ret;
}

/* the receiver is a kthread: kcheck's get_task_struct() only takes those
 * (finding: min_get_task_struct.c) */
static int mq_receive(void *arg)
{
	do_mq_timedreceive();
	return 0;
}

int main(void)
{
	pthread_t a, b;

	spin_lock_init(&info.lock);
	INIT_LIST_HEAD(&info.e_wait_q_recv);
	recv_task = kthread_create(mq_receive, NULL, "mq_receive");
	wake_up_process(recv_task);
	pthread_create(&b, NULL, mq_send, NULL);
	return 0;
}
