/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: struct mm_struct, an address space, for its lock (include/linux/
 * mm_types.h).  A harness's tasks are the threads of one user process: its
 * address space is kcheck_user_mm, what current->mm is in the kernel (kcheck's
 * struct task_struct is opaque, so current->mm is not spelled that way).
 * copy_from_user() and its kin may fault and so may take its mmap_lock for
 * read (linux/uaccess.h: might_fault()).
 */
#ifndef _LINUX_MM_TYPES_H
#define _LINUX_MM_TYPES_H
#include <linux/types.h>
#include <linux/rwsem.h>
#include <linux/atomic.h>

struct mm_struct {
	atomic_t mm_users;
	struct rw_semaphore mmap_lock;
};

static struct mm_struct kcheck_mm = {
	.mm_users = ATOMIC_INIT(1),
	.mmap_lock = __RWSEM_INITIALIZER(kcheck_mm.mmap_lock),
};
#define kcheck_user_mm	(&kcheck_mm)

#endif
