/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_PPROF_H
#define HP_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include "profile.h"
#include "symbolizer.h"

/*
 * Encodes the profile as a gzip'd pprof: sample types cpu-samples/count and
 * cpu-time/nanoseconds, one sample per distinct (thread, stack) with labels
 * process_id, thread id, thread name, process name; one mapping per file
 * (with its build id) plus one for the kernel.
 * On success *out is malloc'd. 0 or -errno.
 */
int hp_pprof_encode(const struct hp_profile *p, struct hp_symbolizer *sym, uint8_t **out,
		    size_t *out_len);
/* hp_pprof_encode into a file, atomically. 0 or -errno. */
int hp_pprof_write(const char *path, const struct hp_profile *p, struct hp_symbolizer *sym);

/* gzip-compresses in into a malloc'd *out. 0 or -errno. */
int hp_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

#endif
