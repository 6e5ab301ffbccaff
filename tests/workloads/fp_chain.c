// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU-bound workload with a known call chain:
 *   main -> chain_a -> chain_b -> chain_c -> leaf_spin
 * Built with frame pointers and without sibling calls or inlining, so the
 * chain is what a frame-pointer walk must show. Arg: seconds to run.
 */
#include <stdlib.h>
#include <time.h>

volatile unsigned long sink;

__attribute__((noinline)) void leaf_spin(void)
{
	for (unsigned long i = 0; i < 2000000; i++)
		sink += i ^ (sink >> 3);
}

__attribute__((noinline)) void chain_c(void)
{
	leaf_spin();
	sink++;
}

__attribute__((noinline)) void chain_b(void)
{
	chain_c();
	sink++;
}

__attribute__((noinline)) void chain_a(void)
{
	chain_b();
	sink++;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		chain_a();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
	return 0;
}
