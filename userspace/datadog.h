/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_DATADOG_H
#define HP_DATADOG_H

#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "http_sink.h"
#include "profile.h"
#include "symbolizer.h"

/* The Datadog Agent sink: each window as a multipart POST to <agent>/profiling/v1/input. */
struct hp_datadog {
	int enabled;
	struct hp_http_sink sink;
	char *tags; /* tags_profiler without profile_seq */
	uint64_t seq;
};

/*
 * The agent's base URL from --datadog-agent-url, else DD_TRACE_AGENT_URL,
 * else DD_AGENT_HOST (+ DD_TRACE_AGENT_PORT, default 8126). 0, or -ENOENT
 * when none is set (the sink is off).
 */
int hp_datadog_agent_url(const struct hp_options *o, char *out, size_t n);
/* tags_profiler: service, env, version, host, runtime, profiler_version, then the user's. */
char *hp_datadog_tags(const struct hp_options *o);
/* Starts the sink when an agent is configured. 0 or -errno. */
int hp_datadog_start(struct hp_datadog *d, const struct hp_options *o);
/* Encodes a window and queues it; never blocks on the network. */
void hp_datadog_push(struct hp_datadog *d, const struct hp_profile *p, struct hp_symbolizer *sym);
/* Delivers what is queued within deadline_s, then stops. */
void hp_datadog_stop(struct hp_datadog *d, unsigned int deadline_s);

#endif
