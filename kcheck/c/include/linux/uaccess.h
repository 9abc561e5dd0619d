/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: user memory is memory the harness allocated; a __user pointer is a
 * plain pointer.  Copying from or to user space may fault in a page and so
 * sleep and take the process's mmap_lock for read: every call is
 * might_fault(), which is might_sleep() (a copy under a spinlock or in an RCU
 * read-side section is "sleeping function called from invalid context") and,
 * as mm/memory.c's __might_fault(), might_lock_read() of kcheck_user_mm's
 * mmap_lock (a copy under a lock that a path holding mmap_lock takes is
 * lockdep's "possible circular locking dependency").  The copies always
 * succeed: a harness that wants the -EFAULT path of a bad user pointer
 * chooses it with kcheck_nondet(). */
#ifndef _LINUX_UACCESS_H
#define _LINUX_UACCESS_H
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/lockdep.h>
#include <linux/mm_types.h>

#define might_fault()	do { might_sleep(); might_lock_read(&kcheck_user_mm->mmap_lock); } while (0)

static inline unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	might_fault();
	memcpy(to, (const void *)from, n);
	return 0;
}

static inline unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	might_fault();
	memcpy((void *)to, from, n);
	return 0;
}

#define get_user(x, ptr)	({ might_fault(); (x) = *(ptr); 0; })
#define put_user(x, ptr)	({ might_fault(); *(ptr) = (x); 0; })
#endif
