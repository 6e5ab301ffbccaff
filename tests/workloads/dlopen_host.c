// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loads a library after start (so its mapping appears while profiling) and
 * calls into it: main -> call_plugin -> plugin_entry -> plugin_leaf.
 * Args: library path, seconds, seconds to wait before dlopen.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t0->tv_sec + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

__attribute__((noinline)) void call_plugin(void (*entry)(void), double secs)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (since(&t0) < secs)
		entry();
}

int main(int argc, char **argv)
{
	struct timespec t0;
	void *h, (*entry)(void);

	if (argc < 4)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (since(&t0) < atof(argv[3]))
		; /* spin: the library is not mapped yet */
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	*(void **)&entry = dlsym(h, "plugin_entry");
	if (!entry)
		return 1;
	call_plugin(entry, atof(argv[2]));
	return 0;
}
