/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _ASM_PROCESSOR_H
#define _ASM_PROCESSOR_H
#include <asm/barrier.h>
#endif
