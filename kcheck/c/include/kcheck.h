/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck's own calls for harnesses: kcheck_nondet(n) is a value in [0, n)
 * that the explorer chooses (every value is explored); kcheck_assume(cond)
 * drops the executions where cond is false.  A task function marked
 * __kcheck_setup only prepares the state the others start from (they join it
 * first): a trace folds its steps into one line.
 */
#ifndef _KCHECK_H
#define _KCHECK_H
#include <kcheck_intrinsics.h>
#define __kcheck_setup	__attribute__((annotate("kcheck:setup")))
#endif
