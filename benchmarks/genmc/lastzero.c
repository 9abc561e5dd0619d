/*
 * lastzero(N) for GenMC, in C11: thread 0 scans array[N..0] for the last
 * zero; thread j sets array[j] = array[j-1] + 1.  The same program as
 * benchmarks/programs.py's lastzero().
 */
#include <pthread.h>
#include <stdatomic.h>

#ifndef N
#define N 5
#endif

atomic_int array[N + 1];

void *scan(void *arg)
{
	int i = N;

	while (atomic_load(&array[i]) != 0)
		i--;
	return NULL;
}

void *writer(void *arg)
{
	long j = (long)arg;

	atomic_store(&array[j], atomic_load(&array[j - 1]) + 1);
	return NULL;
}

int main(void)
{
	pthread_t s, t[N + 1];

	pthread_create(&s, NULL, scan, NULL);
	for (long j = 1; j <= N; j++)
		pthread_create(&t[j], NULL, writer, (void *)j);
	return 0;
}
