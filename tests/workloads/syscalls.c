// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Syscall-heavy workload: main -> read_loop -> raw_read, which enters the
 * kernel with the `syscall` instruction itself (libc's read() wrapper has no
 * frame pointer, which a frame-pointer walk cannot cross), reading /dev/zero.
 * Most samples land in the kernel under these known user frames. Arg: seconds.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static char buf[1 << 20];

__attribute__((noinline)) long raw_read(long fd, void *p, long n)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_read), "D"(fd), "S"(p), "d"(n)
			 : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noinline)) void read_loop(int fd, double secs)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		if (raw_read(fd, buf, sizeof(buf)) < 0)
			exit(1);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
}

int main(int argc, char **argv)
{
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	read_loop(fd, argc > 1 ? atof(argv[1]) : 5);
	return 0;
}
