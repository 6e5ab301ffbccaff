// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// C++ workload: main -> app::Worker::run(int) -> app::Worker::step(int)
#include <cstdlib>
#include <ctime>

namespace app {
struct Worker {
	volatile unsigned long sink = 0;
	__attribute__((noinline)) void step(int n);
	__attribute__((noinline)) void run(double secs);
};

void Worker::step(int n)
{
	for (int i = 0; i < n; i++)
		sink += i;
}

void Worker::run(double secs)
{
	timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		step(1000000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
}
} // namespace app

int main(int argc, char **argv)
{
	app::Worker w;

	w.run(argc > 1 ? atof(argv[1]) : 5);
	return 0;
}
