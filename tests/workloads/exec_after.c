// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Spins in spin_before_exec for argv[1] seconds, then execs argv[2...].
 * Built static and non-PIE, as is its target, so both images use the same
 * addresses: only fresh mappings after the exec name the new image's frames.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long sink;

__attribute__((noinline)) void spin_before_exec(double secs)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			sink += i;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	spin_before_exec(atof(argv[1]));
	execv(argv[2], argv + 2);
	return 1;
}
