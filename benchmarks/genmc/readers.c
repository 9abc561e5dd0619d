/*
 * readers(N) for GenMC, in C11: one writer and N readers of one variable
 * (2^N executions under SC).  The same program as benchmarks/programs.py's
 * readers(); benchmarks/genmc.py runs both.
 */
#include <pthread.h>
#include <stdatomic.h>

#ifndef N
#define N 8
#endif

atomic_int x;

void *writer(void *arg)
{
	atomic_store(&x, 1);
	return NULL;
}

void *reader(void *arg)
{
	atomic_load(&x);
	return NULL;
}

int main(void)
{
	pthread_t w, r[N];

	pthread_create(&w, NULL, writer, NULL);
	for (int i = 0; i < N; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	return 0;
}
