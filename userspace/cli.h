/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_CLI_H
#define HP_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define HP_MAX_PIDS		   1024
#define HP_DEFAULT_FREQUENCY	   19
#define HP_DEFAULT_OUTPUT_DIR	   "hostprof-out"
#define HP_DEFAULT_UNWIND_TABLE_MB 16
#define HP_DEFAULT_UPLOAD_PERIOD   60
#define HP_DEFAULT_RETAIN	   60

struct hp_options {
	unsigned int frequency;	 /* samples per second per CPU */
	pid_t pids[HP_MAX_PIDS]; /* --pid; npids == 0: whole host */
	size_t npids;
	double duration;		/* seconds; 0: until SIGINT/SIGTERM */
	const char *folded_path;	/* --folded */
	const char *pprof_path;		/* --pprof */
	const char *output_dir;		/* --output-dir, or the default when no output is named */
	int stats;			/* --stats: 1 text, 2 json */
	int verbose;			/* -v count */
	unsigned int ringbuf_kb;	/* --ringbuf-kb; 0: sized from CPUs and frequency */
	int kernel_user_stacks;		/* --kernel-user-stacks (comparison/benchmark mode) */
	int frame_pointers_only;	/* --unwinder fp */
	unsigned int upload_period;	/* --upload-period: window length, seconds */
	unsigned int retain;		/* --retain: windows kept in --output-dir */
	int output_dir_is_default;	/* no output was named: a configured agent replaces it */
	const char *datadog_agent_url;	/* --datadog-agent-url */
	const char *datadog_api_key;	/* --datadog-api-key (else DD_API_KEY): agentless */
	const char *datadog_intake_url; /* --datadog-intake-url: agentless through a proxy */
	const char *tags;		/* --tags "k:v,k:v" */
	const char *otlp_endpoint;	/* --otlp-endpoint */
	const char *otlp_headers;	/* --otlp-headers "k=v,k=v" (else the OTEL_ env) */
	int service_split;		/* 0 with --no-service-split */
	unsigned int upload_timeout;	/* --upload-timeout, seconds per request */
	unsigned int queue_windows;	/* --queue: windows each remote sink may hold */
	unsigned int shutdown_timeout;	/* --shutdown-timeout, seconds to flush at exit */
	unsigned int unwind_table_mb;	/* --unwind-table-mb: room for stack-delta tables */
};

enum hp_cli_result {
	HP_CLI_RUN = 0,	 /* options are valid: run */
	HP_CLI_EXIT = 1, /* --help/--version printed: exit 0 */
	HP_CLI_USAGE = 2 /* invalid: one line printed on err, exit 2 */
};

/*
 * Parses argv into o (defaults first). Help and version go to out, errors
 * to err as one line.
 */
enum hp_cli_result hp_cli_parse(int argc, char **argv, struct hp_options *o, FILE *out, FILE *err);

#endif
