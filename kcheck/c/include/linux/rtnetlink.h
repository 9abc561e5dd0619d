/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: the RTNL, net/core/rtnetlink.c's rtnl_mutex, and the calls that
 * take it and assert it.  One per program, as in the kernel. */
#ifndef _LINUX_RTNETLINK_H
#define _LINUX_RTNETLINK_H
#include <linux/mutex.h>
#include <linux/bug.h>

static DEFINE_MUTEX(rtnl_mutex);

static inline void rtnl_lock(void)
{
	mutex_lock(&rtnl_mutex);
}

static inline void rtnl_unlock(void)
{
	mutex_unlock(&rtnl_mutex);
}

static inline int rtnl_trylock(void)
{
	return mutex_trylock(&rtnl_mutex);
}

static inline int rtnl_is_locked(void)
{
	return mutex_is_locked(&rtnl_mutex);
}

#define ASSERT_RTNL() \
	WARN_ONCE(!rtnl_is_locked(), "RTNL: assertion failed at %s (%d)\n", __FILE__, __LINE__)

#endif
