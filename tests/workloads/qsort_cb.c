// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A callback through libc (no frame pointers there):
 *   main -> sort_loop -> qsort (libc frames) -> cmp_slow
 * cmp_slow burns CPU so most samples land in it. Arg: seconds.
 */
#include <stdlib.h>
#include <time.h>

#define N 4096
static int data[N];
volatile unsigned long sink;

__attribute__((noinline)) int cmp_slow(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	for (int i = 0; i < 200; i++)
		sink += i ^ x;
	return (x > y) - (x < y);
}

__attribute__((noinline)) void sort_loop(double secs)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < N; i++)
			data[i] = (i * 7919) % N;
		qsort(data, N, sizeof(data[0]), cmp_slow);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
}

int main(int argc, char **argv)
{
	sort_loop(argc > 1 ? atof(argv[1]) : 5);
	return 0;
}
