/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_BPF_LOADER_H
#define HP_BPF_LOADER_H

#include <stdint.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "hostprof.h"

struct hostprof_bpf;

#define HP_MAX_PROGS	16
#define HP_VERIFIER_LOG 4096 /* bytes of statistics log per program */

/* What the verifier reported for one program at load. */
struct hp_prog_stat {
	char name[32];
	uint32_t verified_insns; /* instructions it processed; 0: not reported */
};

/* The loaded BPF side: programs, maps, per-CPU perf events, ring buffer. */
struct hp_bpf {
	struct hostprof_bpf *skel;
	struct bpf_link **links; /* one per online CPU */
	int nlinks;
	struct ring_buffer *rb;
	int stats_fd; /* keeps kernel.bpf_stats_enabled on while open; -1 if off */
	struct hp_prog_stat progs[HP_MAX_PROGS];
	int nprogs;
};

struct hp_bpf_stats {
	uint64_t counters[HP_CNT_MAX];	  /* summed over CPUs */
	uint64_t run_cnt;		  /* runs of the sampling program */
	uint64_t run_time_ns;		  /* its time, tail calls included */
	uint64_t map_bytes;		  /* memlock of all our maps */
	const struct hp_prog_stat *progs; /* verifier figures, per program */
	int nprogs;
};

/*
 * Opens, configures and loads everything, fills the unwinder prog array
 * from the registry, starts the unwinders and process tracking; sampling
 * starts with hp_bpf_attach_cpus(). Records are handed to fn(ctx,...)
 * during hp_bpf_poll(). Returns 0 or -errno after printing why.
 */
int hp_bpf_start(struct hp_bpf *b, const struct hp_options *o, ring_buffer_sample_fn fn, void *ctx);
/* Starts sampling: a perf event on every online CPU. 0 or -errno after printing why. */
int hp_bpf_attach_cpus(struct hp_bpf *b, const struct hp_options *o);
/* Delivers pending records; waits up to timeout_ms. >= 0 or -errno. */
int hp_bpf_poll(struct hp_bpf *b, int timeout_ms);
/* Detaches the perf events (no new samples), then delivers every record still queued. */
void hp_bpf_detach_and_drain(struct hp_bpf *b);
/* Reads counters, BPF run time and map memory. 0 or -errno. */
int hp_bpf_read_stats(struct hp_bpf *b, struct hp_bpf_stats *out);
void hp_bpf_destroy(struct hp_bpf *b);

#endif
