/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_UTIL_H
#define HP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Makes room for at least `need` elements of `size` bytes in the array
 * *(void **)arrp of capacity *cap, doubling it. 0 or -ENOMEM (overflow
 * included); the array is unchanged on failure.
 */
int hp_reserve(void *arrp, size_t *cap, size_t need, size_t size);

/*
 * Iterates over the lines of untrusted text [*p, end): returns the start of
 * the next line and its length without the newline in *len, or NULL when
 * the text is used up. A last line without a newline counts.
 */
const char *hp_next_line(const char **p, const char *end, size_t *len);

/*
 * In an array of n elements of `size` bytes sorted by key(), the number of
 * elements whose key is <= x: the element covering x, if any, is the one
 * before that index.
 */
size_t hp_count_le(const void *base, size_t n, size_t size, uint64_t (*key)(const void *elem),
		   uint64_t x);

/* Reads a whole small file (procfs) into a NUL-terminated malloc'd buffer. 0 or -errno. */
int hp_read_file(const char *path, char **buf, size_t *len);

/* CPU time of the calling thread, in ms. */
double hp_thread_cpu_ms(void);
/* 1 if s starts with http:// or https:// */
int hp_is_http_url(const char *s);

#endif
