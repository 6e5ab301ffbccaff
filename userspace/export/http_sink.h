/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_HTTP_SINK_H
#define HP_HTTP_SINK_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

/* One request body waiting to be sent. */
struct hp_payload {
	char *body;
	size_t len;
	char *content_type;
};

/*
 * An HTTP endpoint fed by its own thread: POSTs payloads in order; retries
 * connection errors, 408, 429 and 5xx with exponential backoff and jitter
 * (honouring Retry-After), drops other 4xx; a full queue drops its oldest.
 * Nothing here ever blocks the caller of hp_http_sink_push().
 */
struct hp_http_sink {
	const char *name; /* for logs and --stats */
	char *url;
	char **headers; /* "Name: value", NULL-terminated; owned */
	unsigned int timeout_s, queue_cap;
	/* guarded by lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hp_payload *queue;
	size_t head, count;
	int stopping;
	int in_flight;	      /* queue[head] is being sent: never dropped */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC; when stopping, give up after it */
	/*
	 * Optional: reads a 2xx reply's body (untrusted, at most 64 KiB); returns
	 * 0 when all was accepted, else writes why into err (the upload counts
	 * as sent and partly refused: not retried).
	 */
	int (*check_reply)(const uint8_t *body, size_t len, char *err, size_t errlen);
	uint64_t sent, retried, dropped, rejected, bytes, undelivered;
	uint64_t partial;     /* sent, but the receiver refused part of it (check_reply) */
	double encode_ms_max; /* CPU to encode one window for this sink (set by its owner) */
	char last_error[128];
	pthread_t thread;
	int started;
};

/*
 * Starts the sender. headers are copied; check_reply may be NULL (see the
 * field). 0 or -errno.
 */
int hp_http_sink_start(struct hp_http_sink *s, const char *name, const char *url,
		       const char *const *headers, unsigned int timeout_s, unsigned int queue_cap,
		       int (*check_reply)(const uint8_t *, size_t, char *, size_t));
/* Queues a payload (ownership of its buffers passes to the sink). */
void hp_http_sink_push(struct hp_http_sink *s, struct hp_payload p);
/*
 * Sends what is queued until done or until deadline_ns (CLOCK_MONOTONIC,
 * shared by every sink stopping together), then stops the thread; what was
 * not delivered is counted in `undelivered`.
 */
void hp_http_sink_stop(struct hp_http_sink *s, uint64_t deadline_ns);
/* CLOCK_MONOTONIC now, in ns: to compute such deadlines. */
uint64_t hp_http_sink_now(void);
/* Its --stats line (text) or `"name":{...}` (json). */
void hp_http_sink_print_stats(struct hp_http_sink *s, FILE *out, int json);

#endif
