/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: include/linux/static_key.h is jump_label.h */
#include <linux/jump_label.h>
