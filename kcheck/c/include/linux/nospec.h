/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: speculation is not modelled; array_index_nospec() is the index when
 * it is in bounds and 0 otherwise, as the mask the kernel computes makes it. */
#ifndef _LINUX_NOSPEC_H
#define _LINUX_NOSPEC_H
#define array_index_nospec(index, size)	((index) < (size) ? (index) : 0)
#endif
