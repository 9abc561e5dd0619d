// SPDX-License-Identifier: GPL-2.0-only
/*
 * lastzero(N), the Optimal-DPOR benchmark: thread 0 scans array[N..0] for the
 * last zero; thread j sets array[j] = array[j-1] + 1.
 *
 *	kcheck check examples/c/dpor/lastzero.c -D N=5
 */
#include <linux/compiler.h>
#include <pthread.h>

#ifndef N
#define N 5
#endif

static int array[N + 1];

static void *scan(void *arg)
{
	int i = N;

	while (READ_ONCE(array[i]) != 0)
		i--;
	return NULL;
}

static void *w(void *arg)
{
	long j = (long)arg;

	WRITE_ONCE(array[j], READ_ONCE(array[j - 1]) + 1);
	return NULL;
}

int main(void)
{
	pthread_t s, t[N + 1];
	long j;

	pthread_create(&s, NULL, scan, NULL);
	for (j = 1; j <= N; j++)
		pthread_create(&t[j], NULL, w, (void *)j);
	return 0;
}
