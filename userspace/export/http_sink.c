// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "http_sink.h"
#include "log.h"

#define BACKOFF_FIRST_MS  1000
#define BACKOFF_MAX_MS	  60000
#define RETRY_AFTER_MAX_S 300

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Keeps error text safe to print inside a JSON string. */
static void set_error(struct hp_http_sink *s, const char *err)
{
	size_t i = 0;

	for (; err[i] && i < sizeof(s->last_error) - 1; i++)
		s->last_error[i] = err[i] == '"' || err[i] == '\\' || (unsigned char)err[i] < 0x20
					   ? '\''
					   : err[i];
	s->last_error[i] = '\0';
}

static void payload_free(struct hp_payload *p)
{
	free(p->body);
	free(p->content_type);
	memset(p, 0, sizeof(*p));
}

/* Retry-After in seconds, from the response headers curl hands us one by one. */
static size_t on_header(char *buf, size_t size, size_t n, void *ctx)
{
	long *retry_after = ctx;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
		char tmp[32];
		size_t l = len - 12 < sizeof(tmp) - 1 ? len - 12 : sizeof(tmp) - 1;
		char *end;
		long v;

		memcpy(tmp, buf + 12, l);
		tmp[l] = '\0';
		v = strtol(tmp, &end, 10);
		if (end != tmp && v >= 0)
			*retry_after = v < RETRY_AFTER_MAX_S ? v : RETRY_AFTER_MAX_S;
	}
	return len;
}

#define REPLY_MAX (64 * 1024)

/* A reply body, kept up to REPLY_MAX bytes (the rest is read and dropped). */
struct reply {
	uint8_t *buf;
	size_t len;
};

static size_t keep_reply(char *buf, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n, take = len;

	if (!r)
		return len;
	if (r->len + take > REPLY_MAX)
		take = REPLY_MAX - r->len;
	if (take) {
		uint8_t *p = realloc(r->buf, r->len + take);

		if (!p)
			return len;
		memcpy(p + r->len, buf, take);
		r->buf = p;
		r->len += take;
	}
	return len;
}

enum outcome { SENT, RETRY, REJECT, PARTIAL };

/* One POST. *retry_after: seconds the server asked for, or -1. */
static enum outcome post(struct hp_http_sink *s, const struct hp_payload *p, long *retry_after,
			 char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct reply reply = {0};
	char ct[256];
	long code = 0;
	CURLcode rc;

	*retry_after = -1;
	if (!c) {
		snprintf(err, errlen, "curl_easy_init failed");
		return RETRY;
	}
	snprintf(ct, sizeof(ct), "Content-Type: %s", p->content_type);
	h = curl_slist_append(h, ct);
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	for (char **x = s->headers; x && *x; x++)
		h = curl_slist_append(h, *x);
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, retry_after);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s->check_reply ? &reply : NULL);
	/* TLS verification stays on (curl's default) */
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		free(reply.buf);
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return RETRY;
	}
	if (code >= 200 && code < 300) {
		enum outcome o = s->check_reply && s->check_reply(reply.buf, reply.len, err, errlen)
					 ? PARTIAL
					 : SENT;

		free(reply.buf);
		return o;
	}
	free(reply.buf);
	snprintf(err, errlen, "HTTP %ld", code);
	return code == 408 || code == 429 || code >= 500 ? RETRY : REJECT;
}

/* Exponential backoff with +-25% jitter. */
static uint64_t backoff_ms(unsigned int attempt)
{
	uint64_t ms = BACKOFF_FIRST_MS;

	while (attempt-- > 1 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	return ms * 3 / 4 + (uint64_t)rand() % (ms / 2 + 1);
}

/* Waits until `until` (monotonic ns), a stop request, or the stop deadline. Lock held. */
static void wait_until(struct hp_http_sink *s, uint64_t until)
{
	while (mono_ns() < until && !(s->stopping && mono_ns() >= s->deadline_ns)) {
		uint64_t t = until;
		struct timespec now, ts;

		if (s->stopping && s->deadline_ns < t)
			t = s->deadline_ns;
		/* the condition variable uses CLOCK_REALTIME: convert the wait */
		clock_gettime(CLOCK_REALTIME, &now);
		t = t > mono_ns() ? t - mono_ns() : 0;
		ts.tv_sec = now.tv_sec + (now.tv_nsec + t) / 1000000000ull;
		ts.tv_nsec = (now.tv_nsec + t) % 1000000000ull;
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
			break;
	}
}

static void *sender(void *arg)
{
	struct hp_http_sink *s = arg;
	unsigned int attempt = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct hp_payload p;
		char err[128] = "";
		long retry_after;
		enum outcome o;

		while (!s->count && !s->stopping)
			pthread_cond_wait(&s->cond, &s->lock);
		if (!s->count || (s->stopping && mono_ns() >= s->deadline_ns))
			break;
		p = s->queue[s->head]; /* stays queued (and is never dropped) while in flight */
		s->in_flight = 1;
		pthread_mutex_unlock(&s->lock);
		o = post(s, &p, &retry_after, err, sizeof(err));
		pthread_mutex_lock(&s->lock);
		s->in_flight = 0;
		if (o == PARTIAL) {
			s->partial++;
			set_error(s, err);
			hp_err("%s: %s took a window but refused part of it (%s)", s->name, s->url,
			       err);
			o = SENT;
		}
		if (o == SENT || o == REJECT) {
			s->bytes += o == SENT ? p.len : 0;
			payload_free(&s->queue[s->head]);
			s->head = (s->head + 1) % s->queue_cap;
			s->count--;
			if (o == SENT)
				s->sent++;
			else {
				s->rejected++;
				set_error(s, err);
				hp_err("%s: %s refused a window (%s): dropped", s->name, s->url,
				       err);
			}
			attempt = 0;
			continue;
		}
		s->retried++;
		set_error(s, err);
		hp_dbg("%s: %s: %s; retrying", s->name, s->url, err);
		attempt++;
		wait_until(s, mono_ns() + (retry_after >= 0 ? (uint64_t)retry_after * 1000
							    : backoff_ms(attempt)) *
						  1000000ull);
	}
	s->undelivered = s->count;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int hp_http_sink_start(struct hp_http_sink *s, const char *name, const char *url,
		       const char *const *headers, unsigned int timeout_s, unsigned int queue_cap,
		       int (*check_reply)(const uint8_t *, size_t, char *, size_t))
{
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->check_reply = check_reply;
	s->timeout_s = timeout_s;
	s->queue_cap = queue_cap ? queue_cap : 1;
	while (headers && headers[n])
		n++;
	s->url = strdup(url);
	s->headers = calloc(n + 1, sizeof(*s->headers));
	s->queue = calloc(s->queue_cap, sizeof(*s->queue));
	if (!s->url || !s->headers || !s->queue)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(s->headers[i] = strdup(headers[i])))
			return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, sender, s))
		return -EAGAIN;
	s->started = 1;
	return 0;
}

void hp_http_sink_push(struct hp_http_sink *s, struct hp_payload p)
{
	pthread_mutex_lock(&s->lock);
	if (s->count == s->queue_cap) {
		/* full: the oldest not being sent goes */
		size_t victim = s->in_flight ? 1 : 0;

		s->dropped++;
		if (victim >= s->count) { /* a queue of one, in flight: the new one goes */
			payload_free(&p);
			pthread_mutex_unlock(&s->lock);
			return;
		}
		payload_free(&s->queue[(s->head + victim) % s->queue_cap]);
		for (size_t i = victim; i + 1 < s->count; i++)
			s->queue[(s->head + i) % s->queue_cap] =
				s->queue[(s->head + i + 1) % s->queue_cap];
		s->count--;
	}
	s->queue[(s->head + s->count) % s->queue_cap] = p;
	s->count++;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

uint64_t hp_http_sink_now(void)
{
	return mono_ns();
}

void hp_http_sink_stop(struct hp_http_sink *s, uint64_t deadline_ns)
{
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stopping = 1;
		s->deadline_ns = deadline_ns;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		s->started = 0;
		if (s->undelivered)
			hp_err("%s: %" PRIu64 " window(s) not delivered to %s before the shutdown "
			       "deadline (last error: %s)",
			       s->name, s->undelivered, s->url, s->last_error);
	}
	while (s->count) {
		payload_free(&s->queue[s->head]);
		s->head = (s->head + 1) % (s->queue_cap ? s->queue_cap : 1);
		s->count--;
	}
	for (char **x = s->headers; x && *x; x++)
		free(*x);
	free(s->headers);
	free(s->queue);
	free(s->url);
	s->headers = NULL;
	s->queue = NULL;
	s->url = NULL;
}

void hp_http_sink_print_stats(struct hp_http_sink *s, FILE *out, int json)
{
	int locked = s->started && !pthread_mutex_lock(&s->lock); /* the sender may be running */

	if (json)
		fprintf(out,
			"\"%s\":{\"sent\":%" PRIu64 ",\"retried\":%" PRIu64 ",\"dropped\":%" PRIu64
			",\"rejected\":%" PRIu64 ",\"undelivered\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"partial\":%" PRIu64 ",\"encode_ms_max\":%.2f,\"last_error\":\"%s\"}",
			s->name, s->sent, s->retried, s->dropped, s->rejected, s->undelivered,
			s->bytes, s->partial, s->encode_ms_max, s->last_error);
	else
		fprintf(out,
			"  sink %-11s %" PRIu64 " uploads sent (%" PRIu64 " bytes, %" PRIu64
			" partly refused), %" PRIu64 " retries, %" PRIu64
			" dropped (queue full), %" PRIu64 " refused, %" PRIu64
			" undelivered; encoding %.1f ms CPU per window at most%s%s\n",
			s->name, s->sent, s->bytes, s->partial, s->retried, s->dropped, s->rejected,
			s->undelivered, s->encode_ms_max, s->last_error[0] ? "; last error: " : "",
			s->last_error);
	if (locked)
		pthread_mutex_unlock(&s->lock);
}
