// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Time spent in a signal handler, on top of the interrupted code:
 *   main -> busy_main -> (signal) __restore_rt -> on_signal -> handler_work
 * A CPU-time timer fires every 2 ms; the handler burns a few ms, so most of
 * the time is spent in it. Arg: seconds.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

volatile unsigned long sink;

__attribute__((noinline)) void handler_work(void)
{
	for (unsigned long i = 0; i < 3000000; i++)
		sink += i;
}

__attribute__((noinline)) void on_signal(int sig)
{
	(void)sig;
	handler_work();
	sink++;
}

__attribute__((noinline)) void busy_main(double secs)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			sink ^= i;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct itimerval it = {{0, 2000}, {0, 2000}};

	sigaction(SIGPROF, &sa, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	busy_main(argc > 1 ? atof(argv[1]) : 5);
	return 0;
}
