/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _STDDEF_H
#define _STDDEF_H
#include <linux/stddef.h>
#endif
