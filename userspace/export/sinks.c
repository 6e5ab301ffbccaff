// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "log.h"
#include "sinks.h"
#include "util.h"

int hp_sinks_start(struct hp_sinks *s, const struct hp_options *o)
{
	int err = hp_datadog_start(&s->dd, o);

	if (err) {
		hp_err("failed to start the Datadog Agent sink");
		return err;
	}
	err = hp_datadog_start_agentless(&s->ddless, o);
	if (!err) {
		err = hp_otlp_start(&s->otlp, o);
		if (err)
			hp_err("failed to start the OTLP sink");
	}
	if (err)
		hp_sinks_stop(s, 0);
	return err;
}

/* Notes the CPU one sink took to encode a window since t0 (hp_thread_cpu_ms). */
static void took(struct hp_http_sink *s, double t0)
{
	double ms = hp_thread_cpu_ms() - t0;

	if (ms > s->encode_ms_max)
		s->encode_ms_max = ms;
}

void hp_sinks_push(struct hp_sinks *s, const struct hp_profile *w, struct hp_symbolizer *sym)
{
	double t0 = hp_thread_cpu_ms();

	if (s->dd.enabled) {
		hp_datadog_push(&s->dd, w, sym);
		took(&s->dd.sink, t0);
	}
	if (s->ddless.enabled) {
		t0 = hp_thread_cpu_ms();
		hp_datadog_push(&s->ddless, w, sym);
		took(&s->ddless.sink, t0);
	}
	if (s->otlp.enabled) {
		t0 = hp_thread_cpu_ms();
		hp_otlp_push(&s->otlp, w, sym);
		took(&s->otlp.sink, t0);
	}
}

int hp_sinks_any(const struct hp_sinks *s)
{
	return s->dd.enabled || s->ddless.enabled || s->otlp.enabled;
}

size_t hp_sinks_http(struct hp_sinks *s, struct hp_http_sink *out[HP_MAX_REMOTE_SINKS])
{
	size_t n = 0;

	if (s->dd.enabled)
		out[n++] = &s->dd.sink;
	if (s->ddless.enabled)
		out[n++] = &s->ddless.sink;
	if (s->otlp.enabled)
		out[n++] = &s->otlp.sink;
	return n;
}

void hp_sinks_stop(struct hp_sinks *s, uint64_t deadline_ns)
{
	hp_datadog_stop(&s->dd, deadline_ns);
	hp_datadog_stop(&s->ddless, deadline_ns);
	hp_otlp_stop(&s->otlp, deadline_ns);
}

uint64_t hp_sinks_undelivered(struct hp_sinks *s)
{
	struct hp_http_sink *v[HP_MAX_REMOTE_SINKS];
	size_t n = hp_sinks_http(s, v);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i]->undelivered;
	return total;
}
