/*
 * media: cpia2: cpia2_usb_disconnect() tests waitqueue_active() with no
 * barrier after storing the frame status: the load of the wait queue can be
 * satisfied before the store is visible, while the reader in sync_frame()
 * (wait_event_interruptible) has queued itself and then read the old status.
 * Fix: "media: fix waitqueue_active without memory barrier in cpia2 driver"
 *      (Kosuke Tatsukawa, 2015): drop the waitqueue_active() test, call
 *      wake_up_interruptible() unconditionally (its spinlock orders it).
 */
#include <linux/kernel.h>
#include <linux/wait.h>
#include <linux/sched.h>
#include <pthread.h>

#define FRAME_EMPTY 0
#define FRAME_READY 2

struct framebuf { int status; int length; };
struct camera_data {
	wait_queue_head_t wq_stream;
	int streaming;
	struct framebuf *curbuff;
};

static struct framebuf frame;
static struct camera_data cam_s;

/* cpia2_v4l.c: sync_frame() */
static void *reader(void *arg)
{
	struct camera_data *cam = &cam_s;
	struct framebuf *fb = cam->curbuff;

	wait_event_interruptible(cam->wq_stream,
				 !READ_ONCE(cam->streaming) ||
				 READ_ONCE(fb->status) == FRAME_READY);
	return NULL;
}

/* cpia2_usb.c: cpia2_usb_disconnect() */
static void *disconnect(void *arg)
{
	struct camera_data *cam = &cam_s;

	WRITE_ONCE(cam->curbuff->status, FRAME_READY);
	WRITE_ONCE(cam->curbuff->length, 0);
#ifdef FIXED
	wake_up_interruptible(&cam->wq_stream);
#else
	if (waitqueue_active(&cam->wq_stream))
		wake_up_interruptible(&cam->wq_stream);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	init_waitqueue_head(&cam_s.wq_stream);
	cam_s.streaming = 1;
	cam_s.curbuff = &frame;
	frame.status = FRAME_EMPTY;
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, disconnect, NULL);
	return 0;
}
