/*
 * indexer(N) for GenMC, in C11: N threads insert 4 messages each into a
 * hash table with compare-and-swap and linear probing.  The same program as
 * benchmarks/programs.py's indexer().
 */
#include <pthread.h>
#include <stdatomic.h>

#ifndef N
#define N 13
#endif
#define SIZE 128
#define MAX 4

atomic_int table[SIZE];

void *thread(void *arg)
{
	long tid = (long)arg;

	for (int m = 1; m <= MAX; m++) {
		int w = m * 11 + tid;
		int h = (w * 7) % SIZE;
		int zero = 0;

		while (!atomic_compare_exchange_strong(&table[h], &zero, w)) {
			h = (h + 1) % SIZE;
			zero = 0;
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t[N];

	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, thread, (void *)i);
	return 0;
}
