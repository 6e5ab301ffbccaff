/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_STATS_H
#define HP_STATS_H

#include <stdio.h>
#include "bpf_loader.h"
#include "http_sink.h"
#include "sinks.h"
#include "profile.h"

/* What --stats reports at exit. */
struct hp_run_stats {
	struct hp_bpf_stats bpf;
	double wall_s;		      /* sampling time */
	double user_cpu_s, sys_cpu_s; /* hostprof's own process CPU (getrusage) */
	double loop_cpu_s;	      /* of which while sampling (excludes start-up and output) */
	long max_rss_kb;
	uint64_t samples_aggregated, bad_records, distinct_stacks, files, maps_reads, windows;
	double encode_ms_mean, encode_ms_max; /* CPU per window to symbolize+encode+compress */
	struct hp_http_sink *sinks[HP_MAX_REMOTE_SINKS]; /* remote sinks, stopped */
	size_t nsinks;
};

/* Prints the summary as text (json == 0) or one JSON object. */
void hp_stats_print(FILE *out, const struct hp_run_stats *s, int json);

#endif
