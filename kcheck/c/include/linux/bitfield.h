/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: FIELD_GET() and FIELD_PREP() (include/linux/bitfield.h), without the
 * compile-time checks on the mask. */
#ifndef _LINUX_BITFIELD_H
#define _LINUX_BITFIELD_H

#include <linux/kernel.h>

#define __bf_shf(x)		(__builtin_ffsll(x) - 1)
#define FIELD_PREP(_mask, _val)	(((typeof(_mask))(_val) << __bf_shf(_mask)) & (_mask))
#define FIELD_GET(_mask, _reg)	((typeof(_mask))(((_reg) & (_mask)) >> __bf_shf(_mask)))
#define FIELD_FIT(_mask, _val)	(!((((typeof(_mask))(_val)) << __bf_shf(_mask)) & ~(_mask)))
#define FIELD_MAX(_mask)	((typeof(_mask))((_mask) >> __bf_shf(_mask)))

#endif
