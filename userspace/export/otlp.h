/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_OTLP_H
#define HP_OTLP_H

#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "http_sink.h"
#include "profile.h"
#include "symbolizer.h"

/*
 * Encodes a window as an OTLP ExportProfilesServiceRequest (profiles
 * v1development, uncompressed): one ResourceProfiles per process with
 * service.name, host.name, process.pid, process.executable.name/.path,
 * container.id and k8s.pod.uid; one shared dictionary (mappings with their
 * GNU build id, locations with profile.frame.type, functions, stacks);
 * samples carry thread.id and thread.name. On success *out is malloc'd.
 * 0 or -errno.
 */
int hp_otlp_encode(const struct hp_profile *p, struct hp_symbolizer *sym, const char *host,
		   uint8_t **out, size_t *out_len);

/* The OTLP/HTTP sink: each window POSTed as one request. */
struct hp_otlp {
	int enabled;
	int gzip;
	char host[256];
	struct hp_http_sink sink;
};

/*
 * The profiles endpoint: --otlp-endpoint (a base URL gets
 * /v1development/profiles appended; a URL with a path is used as is), else
 * OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT (as is), else
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1development/profiles.
 * 0, -ENOENT when none is set (the sink is off), -EINVAL when not http(s).
 */
int hp_otlp_endpoint(const struct hp_options *o, char *out, size_t n);
/*
 * Parses OTEL_EXPORTER_OTLP_HEADERS syntax (untrusted): "k=v,k2=v2" with
 * percent-encoded values, into NULL-terminated malloc'd "k: v" lines.
 * Values are never echoed: a malformed entry is described in why by its
 * position and key only. 0, -EINVAL or -ENOMEM.
 */
int hp_otlp_parse_headers(const char *spec, char ***out, char *why, size_t why_len);
void hp_otlp_free_headers(char **h);
/*
 * Reads an OTLP reply body (untrusted): 1 with the reason in err when its
 * partial_success says profiles were rejected, else 0.
 */
int hp_otlp_check_reply(const uint8_t *body, size_t len, char *err, size_t errlen);
/* Starts the sink when an endpoint is configured. 0, -EINVAL (message printed) or -errno. */
int hp_otlp_start(struct hp_otlp *s, const struct hp_options *o);
/* Encodes a window and queues it; never blocks on the network. */
void hp_otlp_push(struct hp_otlp *s, const struct hp_profile *p, struct hp_symbolizer *sym);
/* Delivers what is queued until deadline_ns (CLOCK_MONOTONIC), then stops. */
void hp_otlp_stop(struct hp_otlp *s, uint64_t deadline_ns);

#endif
