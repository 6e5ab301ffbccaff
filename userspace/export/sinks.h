/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_SINKS_H
#define HP_SINKS_H

#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "datadog.h"
#include "otlp.h"

/* Every remote sink a run may have; each is on when configured. */
struct hp_sinks {
	struct hp_datadog dd;	  /* a Datadog Agent */
	struct hp_datadog ddless; /* Datadog's intake, with an API key */
	struct hp_otlp otlp;	  /* an OpenTelemetry collector */
};

#define HP_MAX_REMOTE_SINKS 3

/* Starts the configured sinks. 0, or -errno with the reason logged (none left running). */
int hp_sinks_start(struct hp_sinks *s, const struct hp_options *o);
/* Encodes the window for each sink and queues it; never blocks on the network. */
void hp_sinks_push(struct hp_sinks *s, const struct hp_profile *w, struct hp_symbolizer *sym);
/* 1 if any remote sink is on. */
int hp_sinks_any(const struct hp_sinks *s);
/* The HTTP senders of the sinks that are on (for stats); returns how many. */
size_t hp_sinks_http(struct hp_sinks *s, struct hp_http_sink *out[HP_MAX_REMOTE_SINKS]);
/* Delivers what is queued until deadline_ns (CLOCK_MONOTONIC, shared), then stops. */
void hp_sinks_stop(struct hp_sinks *s, uint64_t deadline_ns);
/* Windows that could not be delivered, over every sink (after hp_sinks_stop). */
uint64_t hp_sinks_undelivered(struct hp_sinks *s);

#endif
