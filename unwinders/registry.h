/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_UNWINDER_REGISTRY_H
#define HP_UNWINDER_REGISTRY_H

#include <stddef.h>
#include "hostprof.h"

/*
 * What the core needs to know of one unwinder. Each unwinders/<name>/<name>.c
 * defines one `const struct hp_unwinder_ops hp_unwinder_<name>`.
 */
struct hp_unwinder_ops {
	const char *name;	 /* short name, shown in --stats and errors */
	enum hp_prog_id prog_id; /* its slot in the `unwinders` prog array */
	const char *prog_name;	 /* the SEC("perf_event") function in <name>.bpf.c */
	const char *description; /* one line for --help and the README */
};

/* Every unwinder, in prog-id order of registration. */
extern const struct hp_unwinder_ops *const hp_unwinders[];
extern const size_t hp_unwinders_count;

#endif
