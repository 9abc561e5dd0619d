// SPDX-License-Identifier: GPL-2.0-only
/*
 * filesystem(N), the Optimal-DPOR benchmark: N threads each allocate a block
 * for an inode, under per-inode and per-block locks.
 *
 *	kcheck check examples/c/dpor/filesystem.c -D N=16
 */
#include <linux/compiler.h>
#include <linux/spinlock.h>
#include <pthread.h>

#ifndef N
#define N 16
#endif
#define NUMBLOCKS	26
#define NUMINODE	32

static spinlock_t locki[NUMINODE];
static int inode[NUMINODE];
static spinlock_t lockb[NUMBLOCKS];
static int busy[NUMBLOCKS];

static void *t(void *arg)
{
	long tid = (long)arg;
	int i = tid % NUMINODE;
	int b;

	spin_lock(&locki[i]);
	if (READ_ONCE(inode[i]) == 0) {
		b = (i * 2) % NUMBLOCKS;
		while (1) {
			spin_lock(&lockb[b]);
			if (!READ_ONCE(busy[b])) {
				WRITE_ONCE(busy[b], 1);
				WRITE_ONCE(inode[i], b + 1);
				spin_unlock(&lockb[b]);
				break;
			}
			spin_unlock(&lockb[b]);
			b = (b + 1) % NUMBLOCKS;
		}
	}
	spin_unlock(&locki[i]);
	return NULL;
}

int main(void)
{
	pthread_t th[N];
	long i;

	for (i = 0; i < N; i++)
		pthread_create(&th[i], NULL, t, (void *)i);
	return 0;
}
