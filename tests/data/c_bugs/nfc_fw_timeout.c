/*
 * NFC: the nfcmrvl firmware-download timer fw_dnld_timeout() ends in
 * nfc_genl_fw_download_done(), which allocated the netlink message (and
 * multicast it) with GFP_KERNEL: a sleeping allocation in softirq context.
 *
 * Fix: 4071bf121d59944d5cd2238de0642f3d7995a997
 *      "NFC: netlink: fix sleep in atomic bug when firmware download timeout"
 * -D FIXED: after the fix (GFP_ATOMIC).
 */
#include <linux/kernel.h>
#include <linux/timer.h>
#include <linux/slab.h>
#include <linux/errno.h>
#include <pthread.h>

#ifdef FIXED
#define NFC_GFP GFP_ATOMIC
#else
#define NFC_GFP GFP_KERNEL
#endif
#define NLMSG_DEFAULT_SIZE 3776

struct sk_buff { int len; };
struct nfc_dev { int fw_download_in_progress; };
struct nfcmrvl_fw_dnld { int state; const char *name; struct timer_list timer; };
struct nfcmrvl_private { struct nfc_dev *nfc_dev; struct nfcmrvl_fw_dnld fw_dnld; };

static struct sk_buff *nlmsg_new(size_t payload, gfp_t flags)
{
	return kzalloc(sizeof(struct sk_buff), flags);
}

static int genlmsg_multicast(struct sk_buff *msg, gfp_t flags)
{
	void *copy = kmalloc(16, flags);	/* netlink_broadcast() clones */

	kfree(copy);
	kfree(msg);
	return 0;
}

/* net/nfc/netlink.c */
static int nfc_genl_fw_download_done(struct nfc_dev *dev, const char *firmware_name,
				     u32 result)
{
	struct sk_buff *msg;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, NFC_GFP);
	if (!msg)
		return -ENOMEM;

	msg->len = result;			/* genlmsg_put(), nla_put_*() */
	genlmsg_multicast(msg, NFC_GFP);
	return 0;
}

/* net/nfc/core.c */
static int nfc_fw_download_done(struct nfc_dev *dev, const char *firmware_name,
				u32 result)
{
	dev->fw_download_in_progress = false;

	return nfc_genl_fw_download_done(dev, firmware_name, result);
}

/* drivers/nfc/nfcmrvl/fw_dnld.c */
static void fw_dnld_over(struct nfcmrvl_private *priv, u32 error)
{
	priv->fw_dnld.state = 0;		/* STATE_RESET */
	nfc_fw_download_done(priv->nfc_dev, priv->fw_dnld.name, error);
}

static void fw_dnld_timeout(struct timer_list *t)
{
	struct nfcmrvl_private *priv = from_timer(priv, t, fw_dnld.timer);

	fw_dnld_over(priv, -ETIMEDOUT);
}

static struct nfc_dev ndev;
static struct nfcmrvl_private priv;

static void *fw_download(void *arg)
{
	/* nfcmrvl_fw_dnld_start(): arm the timeout, the firmware never answers */
	mod_timer(&priv.fw_dnld.timer, jiffies + msecs_to_jiffies(1000));
	return NULL;
}

int main(void)
{
	pthread_t a;

	priv.nfc_dev = &ndev;
	priv.fw_dnld.name = "mrvl/fw.bin";
	ndev.fw_download_in_progress = true;
	timer_setup(&priv.fw_dnld.timer, fw_dnld_timeout, 0);
	pthread_create(&a, NULL, fw_download, NULL);
	return 0;
}
