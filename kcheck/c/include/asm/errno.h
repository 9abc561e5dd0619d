/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: asm/errno.h is asm-generic/errno.h: linux/errno.h has every number */
#ifndef _ASM_ERRNO_H
#define _ASM_ERRNO_H
#include <linux/errno.h>
#endif
