/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: cache-line attributes (include/linux/cache.h).  Layout is not modelled:
 * false sharing costs time, not correctness. */
#ifndef _LINUX_CACHE_H
#define _LINUX_CACHE_H
#include <linux/compiler.h>
#define L1_CACHE_BYTES			64
#define SMP_CACHE_BYTES			L1_CACHE_BYTES
#define ____cacheline_aligned		__aligned(SMP_CACHE_BYTES)
#define ____cacheline_aligned_in_smp	____cacheline_aligned
#define __cacheline_aligned		____cacheline_aligned
#define __cacheline_aligned_in_smp	____cacheline_aligned
#endif
