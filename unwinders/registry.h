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
#include "profile.h"

/* How a resolved interpreter frame reads (see the describe hook). */
struct hp_frame_info {
	const char *name;	/* function: the qualified name */
	const char *filename;	/* source file; "" when unknown */
	int64_t line;		/* 0 when unknown */
	const char *frame_type; /* OpenTelemetry profile.frame.type, e.g. "cpython" */
};

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

	/* The hp_frame_kind its BPF program emits besides native frames; 0: none. */
	uint8_t frame_kind;
	/*
	 * A frame of frame_kind as BPF recorded it, turned into the aggregation
	 * key now, while the process lives (its memory may be read).
	 */
	void (*resolve)(pid_t pid, const struct hp_frame *f, struct hp_loc *out);
	/* Names a resolved frame of frame_kind; the strings live until stop(). */
	void (*describe)(const struct hp_loc *l, struct hp_frame_info *out);
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
/* The resolve/describe hooks of the unwinder owning the frame's kind; 0 if none does. */
int hp_unwinders_resolve(pid_t pid, const struct hp_frame *f, struct hp_loc *out);
int hp_unwinders_describe(const struct hp_loc *l, struct hp_frame_info *out);

#endif
