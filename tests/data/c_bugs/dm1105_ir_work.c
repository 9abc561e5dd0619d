/*
 * media: dm1105 (CVE-2023-35824): dm1105_irq() schedules dev->ir.work
 * (dm1105_emit_key -> rc_keydown(ir->dev)); dm1105_remove() unregisters
 * (frees) the rc_dev and kfree()s dev without cancelling the work.
 * Fix: 5abda7a16698 "media: dm1105: Fix use after free bug in dm1105_remove
 *      due to race condition" (Zheng Wang, 2023): cancel_work_sync(&dev->ir.work)
 *      first thing in dm1105_remove().
 * -D UPSTREAM_FIX: the upstream fix (cancel before dm1105_hw_exit() masks the
 *           IRQ, so an IR interrupt in between can schedule the work again:
 *           still a use-after-free, under both memory models).
 * -D FIXED: mask the chip and synchronize_irq() first, then cancel.  Under
 *           the LKMM this needs synchronize_irq() to order a handler that
 *           starts after it (desc->lock): kcheck reported a false
 *           use-after-free until 2026-12-01.
 * Source checked: torvalds/linux drivers/media/pci/dm1105/dm1105.c (pre-fix).
 */
#include <linux/kernel.h>
#include <linux/interrupt.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <pthread.h>

#define DM1105_IRQ 17
struct rc_dev { u32 last_scancode; };
struct infrared { struct rc_dev *dev; struct work_struct work; u32 ir_command; };
struct dm1105_dev { struct infrared ir; int intmak; };

static struct dm1105_dev *the_dev;

static void rc_keydown(struct rc_dev *dev, u32 scancode)
{
	WRITE_ONCE(dev->last_scancode, scancode);
}

static void dm1105_emit_key(struct work_struct *work)
{
	struct infrared *ir = container_of(work, struct infrared, work);
	u32 ircom = ir->ir_command;

	rc_keydown(ir->dev, (ircom >> 8) & 0x7f);
}

static irqreturn_t dm1105_irq(int irq, void *dev_id)
{
	struct dm1105_dev *dev = dev_id;

	if (!READ_ONCE(dev->intmak))		/* masked: the chip raises nothing */
		return IRQ_NONE;
	dev->ir.ir_command = 0x1234;		/* dm_readl(DM1105_IRCODE) */
	schedule_work(&dev->ir.work);
	return IRQ_HANDLED;
}

static void dm1105_remove(struct dm1105_dev *dev)
{
#ifdef FIXED
	WRITE_ONCE(dev->intmak, 0);		/* dm1105_hw_exit() moved first */
	synchronize_irq(DM1105_IRQ);
	cancel_work_sync(&dev->ir.work);
#endif
#ifdef UPSTREAM_FIX
	cancel_work_sync(&dev->ir.work);
#endif
	kfree(dev->ir.dev);			/* dm1105_ir_exit(): rc_unregister_device() */
	WRITE_ONCE(dev->intmak, 0);		/* dm1105_hw_exit() */
	synchronize_irq(DM1105_IRQ);
	free_irq(DM1105_IRQ, dev);
	kfree(dev);
}

static void *remover(void *arg)
{
	dm1105_remove(the_dev);
	return NULL;
}

int main(void)
{
	struct dm1105_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	pthread_t t;

	dev->ir.dev = kzalloc(sizeof(struct rc_dev), GFP_KERNEL);
	INIT_WORK(&dev->ir.work, dm1105_emit_key);
	dev->intmak = 1;
	the_dev = dev;
	request_irq(DM1105_IRQ, dm1105_irq, IRQF_SHARED, "dm1105", dev);
	pthread_create(&t, NULL, remover, NULL);
	return 0;
}
