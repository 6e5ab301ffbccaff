// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "datadog.h"
#include "log.h"
#include "pprof.h"
#include "version.h"

int hp_datadog_agent_url(const struct hp_options *o, char *out, size_t n)
{
	const char *url = o->datadog_agent_url, *host, *port;

	if (!url || !*url)
		url = getenv("DD_TRACE_AGENT_URL");
	if (url && *url) {
		size_t l = strlen(url);

		while (l && url[l - 1] == '/') /* base URL: the path is ours to add */
			l--;
		snprintf(out, n, "%.*s", (int)l, url);
		return 0;
	}
	host = getenv("DD_AGENT_HOST");
	if (!host || !*host)
		return -ENOENT;
	port = getenv("DD_TRACE_AGENT_PORT");
	snprintf(out, n, "http://%s:%s", host, port && *port ? port : "8126");
	return 0;
}

/* Appends ",key:value" (or the first), skipping empty values. */
static void add_tag(FILE *f, int *first, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	fprintf(f, "%s%s%s%s", *first ? "" : ",", key ? key : "", key ? ":" : "", value);
	*first = 0;
}

char *hp_datadog_tags(const struct hp_options *o)
{
	const char *user[2] = {getenv("DD_TAGS"), o->tags};
	char host[256] = "", *buf = NULL;
	size_t len = 0;
	int first = 1;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	gethostname(host, sizeof(host) - 1);
	add_tag(f, &first, "env", getenv("DD_ENV"));
	add_tag(f, &first, "version", getenv("DD_VERSION"));
	add_tag(f, &first, "host", host);
	add_tag(f, &first, "runtime", "ebpf");
	add_tag(f, &first, "profiler_version", HP_VERSION);
	/* DD_TAGS then --tags: "k:v" separated by commas or spaces */
	for (int i = 0; i < 2; i++) {
		const char *p = user[i];

		while (p && *p) {
			size_t l = strcspn(p, ", ");

			if (l && memchr(p, ':', l)) {
				char tag[256];

				snprintf(tag, sizeof(tag), "%.*s", (int)l, p);
				add_tag(f, &first, NULL, tag);
			}
			p += l + (p[l] != '\0');
		}
	}
	fclose(f);
	return buf;
}

/* RFC 3339 UTC with nanoseconds. */
static void rfc3339(uint64_t ns, char *out, size_t n)
{
	time_t s = ns / 1000000000ull;
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%09" PRIu64 "Z", base, (uint64_t)(ns % 1000000000ull));
}

/* As a JSON string body: tags come from the environment and the command line. */
static void put_json(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
}

/* Both Datadog sinks: the same payload and tags, to their own URL with their own headers. */
static int start_sink(struct hp_datadog *d, const struct hp_options *o, const char *name,
		      const char *url, const char *extra_header)
{
	const char *headers[] = {"DD-EVP-ORIGIN: hostprof", "DD-EVP-ORIGIN-VERSION: " HP_VERSION,
				 extra_header, NULL};

	d->tags = hp_datadog_tags(o);
	if (!d->tags)
		return -ENOMEM;
	d->own_service = getenv("DD_SERVICE") ?: "hostprof";
	d->split = o->service_split;
	d->enabled = 1;
	hp_dbg("%s: windows go to %s", name, url);
	return hp_http_sink_start(&d->sink, name, url, headers, o->upload_timeout, o->queue_windows,
				  NULL);
}

int hp_datadog_start(struct hp_datadog *d, const struct hp_options *o)
{
	char base[1024], url[1100];

	memset(d, 0, sizeof(*d));
	if (hp_datadog_agent_url(o, base, sizeof(base)))
		return 0;
	snprintf(url, sizeof(url), "%s/profiling/v1/input", base);
	return start_sink(d, o, "datadog-agent", url, NULL);
}

int hp_datadog_api_key_ok(const char *key)
{
	size_t n = 0;

	for (; key[n]; n++)
		if (!((key[n] >= '0' && key[n] <= '9') || (key[n] >= 'a' && key[n] <= 'z')))
			return 0;
	return n == 32;
}

void hp_datadog_intake_url(const struct hp_options *o, char *out, size_t n)
{
	const char *site = getenv("DD_SITE");

	if (o->datadog_intake_url)
		snprintf(out, n, "%s", o->datadog_intake_url);
	else
		snprintf(out, n, "https://intake.profile.%s/api/v2/profile",
			 site && *site ? site : "datadoghq.com");
}

int hp_datadog_start_agentless(struct hp_datadog *d, const struct hp_options *o)
{
	const char *key = o->datadog_api_key ?: getenv("DD_API_KEY");
	char url[1024], key_header[64];
	int err;

	memset(d, 0, sizeof(*d));
	if (!key || !*key)
		return 0;
	if (!hp_datadog_api_key_ok(key)) {
		hp_err("the Datadog API key is malformed (expected 32 characters of 0-9 and a-z)");
		return -EINVAL;
	}
	hp_datadog_intake_url(o, url, sizeof(url));
	snprintf(key_header, sizeof(key_header), "DD-API-KEY: %s", key);
	err = start_sink(d, o, "datadog-agentless", url, key_header);
	memset(key_header, 0, sizeof(key_header)); /* the sink holds its own copy */
	return err;
}

/* Encodes one profile and queues it as one upload tagged service:<service>. */
static void push_one(struct hp_datadog *d, const struct hp_profile *p, struct hp_symbolizer *sym,
		     const char *service)
{
	char boundary[40], start[48], end[48];
	struct hp_payload pl = {0};
	uint8_t *pprof;
	size_t pprof_len;
	FILE *f;

	if (hp_pprof_encode(p, sym, &pprof, &pprof_len)) {
		hp_err("%s: failed to encode a window", d->sink.name);
		return;
	}
	snprintf(boundary, sizeof(boundary), "hostprof-%08x%08x", (unsigned)rand(),
		 (unsigned)rand());
	rfc3339(p->start_ns, start, sizeof(start));
	rfc3339(p->end_ns, end, sizeof(end));
	f = open_memstream(&pl.body, &pl.len);
	if (!f) {
		free(pprof);
		return;
	}
	fprintf(f,
		"--%s\r\nContent-Disposition: form-data; name=\"event\"; filename=\"event.json\"\r\n"
		"Content-Type: application/json\r\n\r\n",
		boundary);
	fprintf(f, "{\"attachments\":[\"cpu.pprof\"],\"tags_profiler\":\"service:");
	put_json(f, service);
	fputc(',', f);
	put_json(f, d->tags);
	fprintf(f,
		",profile_seq:%" PRIu64 "\",\"start\":\"%s\",\"end\":\"%s\",\"family\":\"ebpf\","
		"\"version\":\"4\",\"endpoint_counts\":{},\"info\":{\"profiler\":{\"name\":"
		"\"hostprof\",\"version\":\"" HP_VERSION "\"}}}\r\n",
		d->seq++, start, end);
	fprintf(f,
		"--%s\r\nContent-Disposition: form-data; name=\"cpu.pprof\"; filename=\"cpu.pprof\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n",
		boundary);
	fwrite(pprof, 1, pprof_len, f);
	fprintf(f, "\r\n--%s--\r\n", boundary);
	free(pprof);
	if (fclose(f) || !pl.body) {
		free(pl.body);
		return;
	}
	if (asprintf(&pl.content_type, "multipart/form-data; boundary=%s", boundary) < 0) {
		free(pl.body);
		return;
	}
	hp_http_sink_push(&d->sink, pl);
}

void hp_datadog_push(struct hp_datadog *d, const struct hp_profile *p, struct hp_symbolizer *sym)
{
	struct hp_hmap groups = {0}; /* service -> struct hp_profile * of its stacks */
	struct hp_hmap_entry *e;
	struct hp_stack **v;
	size_t n, i;

	if (!d->enabled)
		return;
	if (!d->split) {
		push_one(d, p, sym, d->own_service);
		return;
	}
	v = hp_profile_sorted(p, &n);
	for (i = 0; v && i < n; i++) {
		char name[128];
		struct hp_profile *g;

		hp_stack_service(p, v[i], name, sizeof(name));
		g = hp_hmap_get(&groups, name, strlen(name) + 1);
		if (!g) {
			g = malloc(sizeof(*g));
			if (!g || hp_profile_init(g, p->period_ns, p->procs) ||
			    hp_hmap_put(&groups, name, strlen(name) + 1, g)) {
				free(g);
				continue;
			}
			g->start_ns = p->start_ns;
			g->end_ns = p->end_ns;
		}
		if (!hp_profile_add_stack(g, v[i]))
			g->samples += v[i]->count;
	}
	free(v);
	for (e = hp_hmap_first(&groups, &i); e; e = hp_hmap_next(&groups, e, &i)) {
		push_one(d, e->value, sym, (const char *)e->key);
		hp_profile_free(e->value);
		free(e->value);
	}
	hp_hmap_free(&groups);
}

void hp_datadog_stop(struct hp_datadog *d, uint64_t deadline_ns)
{
	if (d->enabled)
		hp_http_sink_stop(&d->sink, deadline_ns);
	free(d->tags);
	d->tags = NULL;
}
