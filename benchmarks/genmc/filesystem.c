/*
 * filesystem(N) for GenMC, in C11: N threads each allocate a block for an
 * inode, under per-inode and per-block locks.  The same program as
 * benchmarks/programs.py's filesystem().
 */
#include <pthread.h>
#include <stdatomic.h>

#ifndef N
#define N 16
#endif
#define NUMBLOCKS 26
#define NUMINODE 32

pthread_mutex_t locki[NUMINODE];
atomic_int inode[NUMINODE];
pthread_mutex_t lockb[NUMBLOCKS];
atomic_int busy[NUMBLOCKS];

void *thread(void *arg)
{
	long tid = (long)arg;
	int i = tid % NUMINODE;

	pthread_mutex_lock(&locki[i]);
	if (atomic_load(&inode[i]) == 0) {
		int b = (i * 2) % NUMBLOCKS;

		while (1) {
			pthread_mutex_lock(&lockb[b]);
			if (!atomic_load(&busy[b])) {
				atomic_store(&busy[b], 1);
				atomic_store(&inode[i], b + 1);
				pthread_mutex_unlock(&lockb[b]);
				break;
			}
			pthread_mutex_unlock(&lockb[b]);
			b = (b + 1) % NUMBLOCKS;
		}
	}
	pthread_mutex_unlock(&locki[i]);
	return NULL;
}

int main(void)
{
	pthread_t t[N];

	for (int i = 0; i < NUMINODE; i++)
		pthread_mutex_init(&locki[i], NULL);
	for (int i = 0; i < NUMBLOCKS; i++)
		pthread_mutex_init(&lockb[i], NULL);
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, thread, (void *)i);
	return 0;
}
