// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

/* procfs files are bounded by what the kernel prints; this bounds hostile sizes */
#define HP_READ_FILE_MAX (64u << 20)

int hp_reserve(void *arrp, size_t *cap, size_t need, size_t size)
{
	void **arr = arrp;
	size_t n = *cap ? *cap : 16;
	void *nv;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	nv = realloc(*arr, n * size);
	if (!nv)
		return -ENOMEM;
	*arr = nv;
	*cap = n;
	return 0;
}

size_t hp_count_le(const void *base, size_t n, size_t size, uint64_t (*key)(const void *elem),
		   uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key((const char *)base + mid * size) <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *hp_next_line(const char **p, const char *end, size_t *len)
{
	const char *start = *p, *nl;

	if (start >= end)
		return NULL;
	nl = memchr(start, '\n', end - start);
	*len = nl ? (size_t)(nl - start) : (size_t)(end - start);
	*p = start + *len + 1;
	return start;
}

int hp_read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (n + 4096 > HP_READ_FILE_MAX) {
			err = -EFBIG;
			break;
		}
		err = hp_reserve(&b, &cap, n + 4096, 1);
		if (err)
			break;
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		n += r;
	}
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

double hp_thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int hp_is_http_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}
