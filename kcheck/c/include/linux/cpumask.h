/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: see linux/percpu.h */
#include <linux/percpu.h>
