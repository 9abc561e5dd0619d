/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: the kernel's basic types (include/linux/types.h), x86-64 sizes. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <kcheck_intrinsics.h>

typedef signed char		s8;
typedef unsigned char		u8;
typedef short			s16;
typedef unsigned short		u16;
typedef int			s32;
typedef unsigned int		u32;
typedef long long		s64;
typedef unsigned long long	u64;
typedef s8  __s8;
typedef u8  __u8;
typedef s16 __s16;
typedef u16 __u16;
typedef s32 __s32;
typedef u32 __u32;
typedef s64 __s64;
typedef u64 __u64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;

typedef _Bool			bool;
#define true	1
#define false	0

typedef unsigned long		size_t;
typedef long			ssize_t;
typedef long			ptrdiff_t;
typedef unsigned long		uintptr_t;
typedef long			intptr_t;
typedef long			off_t;
typedef long long		loff_t;
typedef unsigned long		phys_addr_t;
typedef unsigned long		dma_addr_t;
typedef unsigned long		pgoff_t;
typedef unsigned int		gfp_t;
typedef unsigned int		slab_flags_t;
typedef int			pid_t;
typedef unsigned long		ulong;
typedef unsigned int		uint;
typedef unsigned char		uchar;
typedef unsigned short		ushort;

#ifndef NULL
#define NULL ((void *)0)
#endif

/* atomic_t and friends are structs, so that plain arithmetic on them does not compile */
typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

typedef atomic64_t atomic_long_t;

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	ATOMIC64_INIT(i)

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

/* struct rcu_head is the kernel's struct callback_head */
struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
} __attribute__((aligned(sizeof(void *))));
#define rcu_head callback_head

typedef void (*rcu_callback_t)(struct rcu_head *head);

#endif /* _LINUX_TYPES_H */
