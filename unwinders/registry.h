/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_UNWINDER_REGISTRY_H
#define HP_UNWINDER_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "file_cache.h"
#include "hostprof.h"
#include "proc_maps.h"

/*
 * What the core needs to know of one unwinder. Each unwinders/<name>/<name>.c
 * defines one `const struct hp_unwinder_ops hp_unwinder_<name>`. Every hook
 * is optional and may be called before start() (then it does nothing).
 */
struct hp_unwinder_ops {
	const char *name;	 /* short name, shown in --stats and errors */
	enum hp_prog_id prog_id; /* its slot in the `unwinders` prog array */
	const char *prog_name;	 /* the SEC("perf_event") function in <name>.bpf.c */
	const char *description; /* one line for --help and the README */

	/* Before the BPF object is loaded: size its maps from the options. 0 or -errno. */
	int (*configure)(struct bpf_object *obj, const struct hp_options *o);
	/* After load, before sampling starts: open its maps. 0 or -errno. */
	int (*start)(struct bpf_object *obj);
	/* A process's executable mappings were read (new process, exec, dlopen). */
	void (*process_maps)(pid_t pid, const struct hp_maps *maps, struct hp_files *files);
	/* The process exited: release what is held for it. */
	void (*process_exit)(pid_t pid);
	/* Its part of --stats: text lines, or `,"key":value` members for the JSON object. */
	void (*print_stats)(FILE *out, int json);
	/* At exit: release everything. */
	void (*stop)(void);
};

/* Every unwinder, in prog-id order of registration. */
extern const struct hp_unwinder_ops *const hp_unwinders[];
extern const size_t hp_unwinders_count;

/* The hooks above, called on every unwinder that has them. */
int hp_unwinders_configure(struct bpf_object *obj, const struct hp_options *o);
int hp_unwinders_start(struct bpf_object *obj);
void hp_unwinders_process_maps(pid_t pid, const struct hp_maps *maps, struct hp_files *files);
void hp_unwinders_process_exit(pid_t pid);
void hp_unwinders_print_stats(FILE *out, int json);
void hp_unwinders_stop(void);

#endif
