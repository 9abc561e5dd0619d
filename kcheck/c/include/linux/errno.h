/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LINUX_ERRNO_H
#define _LINUX_ERRNO_H
#define EPERM		 1
#define ENOENT		 2
#define EINTR		 4
#define EIO		 5
#define E2BIG		 7
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define ENOSYS		38
#define ENOTSUPP	524
#define EOPNOTSUPP	95
#define ETIMEDOUT	110
#define EALREADY	114
#define EINPROGRESS	115
#define ERESTARTSYS	512	/* kernel-internal: a syscall to restart after a signal */
#endif
