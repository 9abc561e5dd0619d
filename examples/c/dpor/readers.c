// SPDX-License-Identifier: GPL-2.0-only
/*
 * readers(N), the Optimal-DPOR benchmark (Abdulla et al., JACM 2017): one
 * writer and N readers of one variable, 2^N Mazurkiewicz traces.
 *
 *	kcheck check examples/c/dpor/readers.c -D N=8
 */
#include <linux/atomic.h>
#include <pthread.h>

#ifndef N
#define N 8
#endif

static atomic_t x;

static void *writer(void *arg)
{
	atomic_set(&x, 1);
	return NULL;
}

static void *reader(void *arg)
{
	atomic_read(&x);
	return NULL;
}

int main(void)
{
	pthread_t w, r[N];
	int i;

	pthread_create(&w, NULL, writer, NULL);
	for (i = 0; i < N; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	return 0;
}
