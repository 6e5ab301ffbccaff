// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Recursion to a given depth, then spin: deep_spin <- recurse x DEPTH <- main.
 * Args: depth, seconds.
 */
#include <stdlib.h>
#include <time.h>

volatile unsigned long sink;
static struct timespec start;
static double secs;

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9;
}

__attribute__((noinline)) void deep_spin(void)
{
	while (elapsed() < secs)
		for (unsigned long i = 0; i < 100000; i++)
			sink += i;
}

__attribute__((noinline)) void recurse(int n)
{
	if (n > 1)
		recurse(n - 1);
	else
		deep_spin();
	sink++;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 100;

	secs = argc > 2 ? atof(argv[2]) : 5;
	clock_gettime(CLOCK_MONOTONIC, &start);
	recurse(depth);
	return 0;
}
