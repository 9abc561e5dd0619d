/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck's own calls for harnesses: kcheck_nondet(n) is a value in [0, n)
 * that the explorer chooses (every value is explored); kcheck_assume(cond)
 * drops the executions where cond is false.
 */
#ifndef _KCHECK_H
#define _KCHECK_H
#include <kcheck_intrinsics.h>
#endif
