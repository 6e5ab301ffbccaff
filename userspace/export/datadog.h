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
	char *tags;		 /* tags_profiler without service and profile_seq */
	const char *own_service; /* hostprof's DD_SERVICE: the service when not splitting */
	int split;		 /* one profile per service of the profiled processes */
	uint64_t seq;
};

/*
 * The agent's base URL from --datadog-agent-url, else DD_TRACE_AGENT_URL,
 * else DD_AGENT_HOST (+ DD_TRACE_AGENT_PORT, default 8126). 0, or -ENOENT
 * when none is set (the sink is off).
 */
int hp_datadog_agent_url(const struct hp_options *o, char *out, size_t n);
/* tags_profiler but service: env, version, host, runtime, profiler_version, then the user's. */
char *hp_datadog_tags(const struct hp_options *o);
/* Starts the Agent sink when an agent is configured. 0 or -errno. */
int hp_datadog_start(struct hp_datadog *d, const struct hp_options *o);
/*
 * An API key's shape: 32 characters of [0-9a-z]. The key itself is never
 * logged, not even when refused. 1 if plausible.
 */
int hp_datadog_api_key_ok(const char *key);
/*
 * The agentless intake URL: --datadog-intake-url, else
 * https://intake.profile.<DD_SITE, default datadoghq.com>/api/v2/profile.
 */
void hp_datadog_intake_url(const struct hp_options *o, char *out, size_t n);
/*
 * Starts the agentless sink when an API key is configured (--datadog-api-key
 * or DD_API_KEY). 0, -EINVAL for a malformed key, or -errno.
 */
int hp_datadog_start_agentless(struct hp_datadog *d, const struct hp_options *o);
/* Encodes a window and queues it; never blocks on the network. */
void hp_datadog_push(struct hp_datadog *d, const struct hp_profile *p, struct hp_symbolizer *sym);
/* Delivers what is queued until deadline_ns (CLOCK_MONOTONIC), then stops. */
void hp_datadog_stop(struct hp_datadog *d, uint64_t deadline_ns);

#endif
