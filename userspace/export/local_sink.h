/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_LOCAL_SINK_H
#define HP_LOCAL_SINK_H

#include <limits.h>
#include <stdint.h>
#include "profile.h"
#include "symbolizer.h"

/*
 * The local sink: each window becomes three files in `dir`, named after the
 * window's UTC start (cpu-20261124T073700Z.pprof, stacks-….folded,
 * flamegraph-….html), each written atomically; only the newest `retain`
 * windows are kept.
 */
struct hp_local_sink {
	const char *dir;
	unsigned int retain;
	char last_flamegraph[PATH_MAX]; /* path of the newest flame graph, "" before any */
	uint64_t windows, failures;
};

/* Writes one window. 0 or -errno (after logging what failed). */
int hp_local_sink_write(struct hp_local_sink *ls, const struct hp_profile *p,
			struct hp_symbolizer *sym);
/* Deletes the files of all but the newest `retain` windows in dir. 0 or -errno. */
int hp_local_sink_prune(const char *dir, unsigned int retain);

#endif
