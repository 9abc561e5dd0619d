// SPDX-License-Identifier: GPL-2.0-only
/*
 * indexer(N), the Optimal-DPOR benchmark: N threads insert 4 messages each
 * into a hash table with cmpxchg() and linear probing.
 *
 *	kcheck check examples/c/dpor/indexer.c -D N=13
 */
#include <linux/atomic.h>
#include <pthread.h>

#ifndef N
#define N 13
#endif
#define SIZE	128
#define MAX	4

static int table[SIZE];

static void *t(void *arg)
{
	long tid = (long)arg;
	int m, w, h;

	for (m = 1; m <= MAX; m++) {
		w = m * 11 + tid;
		h = (w * 7) % SIZE;
		while (cmpxchg(&table[h], 0, w) != 0)
			h = (h + 1) % SIZE;
	}
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
