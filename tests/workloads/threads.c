// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Two named threads with different chains:
 *   "spin-alpha": alpha_outer -> alpha_leaf;  "spin-beta": beta_outer -> beta_leaf
 * Arg: seconds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static double secs;
volatile unsigned long sink;

static int expired(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - start->tv_sec + (now.tv_nsec - start->tv_nsec) / 1e9 >= secs;
}

__attribute__((noinline)) void alpha_leaf(void)
{
	for (unsigned long i = 0; i < 1000000; i++)
		sink += i;
}

__attribute__((noinline)) void beta_leaf(void)
{
	for (unsigned long i = 0; i < 1000000; i++)
		sink ^= i;
}

__attribute__((noinline)) void *alpha_outer(void *arg)
{
	struct timespec start;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!expired(&start))
		alpha_leaf();
	return NULL;
}

__attribute__((noinline)) void *beta_outer(void *arg)
{
	struct timespec start;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!expired(&start))
		beta_leaf();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	secs = argc > 1 ? atof(argv[1]) : 5;
	pthread_create(&a, NULL, alpha_outer, NULL);
	pthread_setname_np(a, "spin-alpha");
	pthread_create(&b, NULL, beta_outer, NULL);
	pthread_setname_np(b, "spin-beta");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
