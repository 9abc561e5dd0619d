/*
 * iwlwifi mvm rate scaling: lq_sta->pers.lock taken with bottom halves
 * enabled in process context, and from the TX softirq under mac80211's
 * sta->rate_ctrl_lock.
 *
 * Fix: f1a0898b5d6a77d332d036da03bad6fa9770de5b
 *      "wifi: iwlwifi: mvm: spin_lock_bh() to fix lockdep regression"
 *      (Hugh Dickins; merged for v6.4, via wireless-2023-06-14;
 *       Fixes: a8938bc881d2 "wifi: iwlwifi: mvm: Add locking to the rate read flow")
 *
 * Lockdep said: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected,
 * &sta->rate_ctrl_lock {+.-.} -> &mvm_sta->deflink.lq_sta.rs_drv.pers.lock {+.+.}.
 * The real hazard: iwl_mvm_rs_rate_init() holds pers.lock with plain
 * spin_lock() in process context; a softirq on the same CPU transmits,
 * rate_control_get_rate() takes rate_ctrl_lock and rs_drv_get_rate()
 * spins on pers.lock forever.  The fix takes pers.lock with the _bh forms
 * everywhere (rs_drv_get_rate, iwl_mvm_rs_tx_status's trylock, rate init).
 *
 * -D FIXED: after the fix; without: before it.
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/interrupt.h>
#include <pthread.h>

struct iwl_lq_sta_rs_fw_pers { spinlock_t lock; };
struct iwl_lq_sta { struct iwl_lq_sta_rs_fw_pers pers; u32 last_rate_n_flags; };
struct iwl_mvm_sta { struct iwl_lq_sta lq_sta; };
struct sta_info { spinlock_t rate_ctrl_lock; struct iwl_mvm_sta mvmsta; };

static struct sta_info sta;
static u32 tx_rate;

#ifdef FIXED
#define pers_lock(l)	spin_lock_bh(l)
#define pers_unlock(l)	spin_unlock_bh(l)
#define pers_trylock(l)	spin_trylock_bh(l)
#else
#define pers_lock(l)	spin_lock(l)
#define pers_unlock(l)	spin_unlock(l)
#define pers_trylock(l)	spin_trylock(l)
#endif

/* drivers/net/wireless/intel/iwlwifi/mvm/rs.c */
static void rs_drv_get_rate(struct iwl_mvm_sta *mvm_sta)
{
	struct iwl_lq_sta *lq_sta = &mvm_sta->lq_sta;

	pers_lock(&lq_sta->pers.lock);
	WRITE_ONCE(tx_rate, READ_ONCE(lq_sta->last_rate_n_flags));
	pers_unlock(&lq_sta->pers.lock);
}

static void rs_drv_rate_init(struct iwl_lq_sta *lq_sta)
{
	WRITE_ONCE(lq_sta->last_rate_n_flags, 0x4103);
}

/* process context: iwl_mvm_mac_sta_state() -> iwl_mvm_rs_rate_init() */
static void iwl_mvm_rs_rate_init(struct iwl_mvm_sta *mvmsta)
{
	pers_lock(&mvmsta->lq_sta.pers.lock);
	rs_drv_rate_init(&mvmsta->lq_sta);
	pers_unlock(&mvmsta->lq_sta.pers.lock);
}

/* RX/NAPI path: a TX status for the rate scaling */
static void iwl_mvm_rs_tx_status(struct iwl_mvm_sta *mvmsta)
{
	/* locked: init flow in progress, wait for the next status */
	if (!pers_trylock(&mvmsta->lq_sta.pers.lock))
		return;
	WRITE_ONCE(mvmsta->lq_sta.last_rate_n_flags,
		   READ_ONCE(mvmsta->lq_sta.last_rate_n_flags) + 1);
	pers_unlock(&mvmsta->lq_sta.pers.lock);
}

/* net/mac80211/rate.c: rate_control_get_rate(), from the TX softirq */
static void rate_control_get_rate(struct sta_info *s)
{
	spin_lock_bh(&s->rate_ctrl_lock);
	rs_drv_get_rate(&s->mvmsta);
	spin_unlock_bh(&s->rate_ctrl_lock);
}

static void tx_softirq(struct tasklet_struct *t)
{
	rate_control_get_rate(&sta);
}
static DECLARE_TASKLET(tx_tasklet, tx_softirq);

static void *sta_state(void *arg)
{
	iwl_mvm_rs_rate_init(&sta.mvmsta);
	return NULL;
}

static void *napi_poll(void *arg)
{
	local_bh_disable();
	iwl_mvm_rs_tx_status(&sta.mvmsta);
	local_bh_enable();
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	spin_lock_init(&sta.rate_ctrl_lock);
	spin_lock_init(&sta.mvmsta.lq_sta.pers.lock);
	pthread_create(&a, NULL, sta_state, NULL);
	pthread_create(&b, NULL, napi_poll, NULL);
	tasklet_schedule(&tx_tasklet);
	return 0;
}
