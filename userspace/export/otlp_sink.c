// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "otlp.h"
#include "otlp_profiles.pb-c.h"
#include "pprof.h" /* hp_gzip */
#include "util.h"
#include "version.h"

#define PROFILES_PATH "/v1development/profiles"

/* The first set, non-empty environment variable of two (signal-specific first). */
static const char *env2(const char *specific, const char *general, const char **which)
{
	const char *v = getenv(specific);

	*which = specific;
	if (v && *v)
		return v;
	*which = general;
	v = getenv(general);
	return v && *v ? v : NULL;
}

/* base without trailing slashes, then the profiles path. */
static void append_path(char *out, size_t n, const char *base)
{
	size_t l = strlen(base);

	while (l && base[l - 1] == '/')
		l--;
	snprintf(out, n, "%.*s" PROFILES_PATH, (int)l, base);
}

/* 1 if the URL names a path beyond "/" (scheme://host[:port][/]). */
static int has_path(const char *url)
{
	const char *p = strstr(url, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;

	return slash && slash[1] != '\0';
}

int hp_otlp_endpoint(const struct hp_options *o, char *out, size_t n)
{
	const char *v;

	if (o->otlp_endpoint) {
		if (has_path(o->otlp_endpoint))
			snprintf(out, n, "%s", o->otlp_endpoint);
		else
			append_path(out, n, o->otlp_endpoint);
		return 0;
	}
	v = getenv("OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT");
	if (v && *v) {
		if (!hp_is_http_url(v))
			return -EINVAL;
		snprintf(out, n, "%s", v);
		return 0;
	}
	v = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	if (!v || !*v)
		return -ENOENT;
	if (!hp_is_http_url(v))
		return -EINVAL;
	append_path(out, n, v);
	return 0;
}

void hp_otlp_free_headers(char **h)
{
	for (char **x = h; x && *x; x++)
		free(*x);
	free(h);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 7230 token characters: what a header name may hold. */
static int is_token(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("!#$%&'*+.^_`|~-", s[i]))
			return 0;
	return len > 0;
}

/* Trims spaces at both ends of [*s, *s + *len). */
static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s))
		(*s)++, (*len)--;
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* "key: value" from one "key=value" entry, or NULL with why set. */
static char *parse_entry(const char *p, size_t len, size_t nth, char *why, size_t why_len)
{
	const char *eq = memchr(p, '=', len), *v, *end = p + len;
	size_t klen, vlen, o = 0;
	char *line;

	klen = eq ? (size_t)(eq - p) : len;
	trim(&p, &klen);
	if (!eq || !is_token(p, klen)) {
		snprintf(why, why_len, "entry %zu is not key=value with a valid key", nth);
		return NULL;
	}
	v = eq + 1;
	vlen = (size_t)(end - v);
	trim(&v, &vlen);
	line = malloc(klen + 2 + vlen + 1);
	if (!line) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	o = (size_t)snprintf(line, klen + 3, "%.*s: ", (int)klen, p);
	for (size_t i = 0; i < vlen; i++) {
		char c = v[i];

		if (c == '%' && i + 2 < vlen && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
			c = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
			i += 2;
		}
		/* no control characters: a CR or LF would start another header */
		if ((unsigned char)c < 0x20 || c == 0x7f) {
			snprintf(why, why_len,
				 "the value of '%.*s' (entry %zu) holds a control character",
				 (int)(klen < 64 ? klen : 64), p, nth);
			free(line);
			return NULL;
		}
		line[o++] = c;
	}
	line[o] = '\0';
	return line;
}

int hp_otlp_parse_headers(const char *spec, char ***out, char *why, size_t why_len)
{
	char **v = NULL;
	size_t n = 0, cap = 0, nth = 0;

	*out = NULL;
	for (const char *p = spec; p && *p;) {
		size_t len = strcspn(p, ",");
		const char *e = p;
		size_t elen = len;
		char *line;

		nth++;
		trim(&e, &elen);
		if (elen) {
			line = parse_entry(e, elen, nth, why, why_len);
			if (!line || hp_reserve(&v, &cap, n + 2, sizeof(*v))) {
				free(line);
				hp_otlp_free_headers(v); /* v[n] is NULL: it ends the list */
				return line ? -ENOMEM : -EINVAL;
			}
			v[n++] = line;
			v[n] = NULL;
		}
		p += len + (p[len] == ',');
	}
	if (!v)
		v = calloc(1, sizeof(*v));
	*out = v;
	return v ? 0 : -ENOMEM;
}

/* OTEL_EXPORTER_OTLP_[PROFILES_]PROTOCOL and _COMPRESSION: what this sink speaks. */
static int check_env(struct hp_otlp *s)
{
	const char *which, *v;

	v = env2("OTEL_EXPORTER_OTLP_PROFILES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL", &which);
	if (v && strcmp(v, "http/protobuf")) {
		hp_err("%s=%s: hostprof speaks OTLP over HTTP with protobuf only (http/protobuf); "
		       "point it at the collector's HTTP port (4318)",
		       which, v);
		return -EINVAL;
	}
	v = env2("OTEL_EXPORTER_OTLP_PROFILES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION",
		 &which);
	if (v && strcmp(v, "gzip") && strcmp(v, "none")) {
		hp_err("%s=%s: expected gzip or none", which, v);
		return -EINVAL;
	}
	s->gzip = !v || !strcmp(v, "gzip"); /* gzip unless told otherwise */
	return 0;
}

int hp_otlp_start(struct hp_otlp *s, const struct hp_options *o)
{
	const char *which, *spec;
	char url[2048], why[160] = "", **user = NULL, **all = NULL;
	size_t n = 0;
	int err;

	memset(s, 0, sizeof(*s));
	err = hp_otlp_endpoint(o, url, sizeof(url));
	if (err == -ENOENT)
		return 0;
	if (err) {
		hp_err("the OTLP endpoint in the environment is not an http:// or https:// URL");
		return err;
	}
	err = check_env(s);
	if (err)
		return err;
	spec = o->otlp_headers;
	which = "--otlp-headers";
	if (!spec)
		spec = env2("OTEL_EXPORTER_OTLP_PROFILES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS",
			    &which);
	err = hp_otlp_parse_headers(spec, &user, why, sizeof(why));
	if (err) {
		hp_err("%s: %s", which, why);
		return err;
	}
	while (user[n])
		n++;
	all = calloc(n + 3, sizeof(*all));
	if (!all) {
		hp_otlp_free_headers(user);
		return -ENOMEM;
	}
	all[0] = "User-Agent: hostprof/" HP_VERSION;
	all[1] = s->gzip ? "Content-Encoding: gzip" : NULL;
	for (size_t i = 0, k = s->gzip ? 2 : 1; i < n; i++, k++)
		all[k] = user[i];
	gethostname(s->host, sizeof(s->host) - 1);
	hp_dbg("otlp: windows go to %s (%zu extra headers, %s)", url, n,
	       s->gzip ? "gzip" : "uncompressed");
	err = hp_http_sink_start(&s->sink, "otlp", url, (const char *const *)all, o->upload_timeout,
				 o->queue_windows, hp_otlp_check_reply);
	free(all);		       /* the sink copied them */
	for (size_t i = 0; i < n; i++) /* may hold credentials */
		memset(user[i], 0, strlen(user[i]));
	hp_otlp_free_headers(user);
	s->enabled = !err;
	return err;
}

int hp_otlp_check_reply(const uint8_t *body, size_t len, char *err, size_t errlen)
{
	Hostprof__Otlp__ExportProfilesServiceResponse *r;
	const Hostprof__Otlp__ExportProfilesPartialSuccess *ps;
	int refused = 0;

	if (!len)
		return 0; /* an empty reply: all accepted */
	r = hostprof__otlp__export_profiles_service_response__unpack(NULL, len, body);
	if (!r)
		return 0; /* not ours to judge: the status said accepted */
	ps = r->partial_success;
	if (ps && (ps->rejected_profiles > 0 || (ps->error_message && *ps->error_message))) {
		char msg[96];
		size_t i = 0;

		/* the collector's words, made printable and short */
		for (const char *m = ps->error_message ? ps->error_message : "";
		     *m && i < sizeof(msg) - 1; m++)
			msg[i++] = (unsigned char)*m >= 0x20 && *m != 0x7f ? *m : '?';
		msg[i] = '\0';
		snprintf(err, errlen, "%" PRId64 " profile(s) rejected%s%s", ps->rejected_profiles,
			 i ? ": " : "", msg);
		refused = 1;
	}
	hostprof__otlp__export_profiles_service_response__free_unpacked(r, NULL);
	return refused;
}

void hp_otlp_push(struct hp_otlp *s, const struct hp_profile *p, struct hp_symbolizer *sym)
{
	struct hp_payload pl = {0};
	uint8_t *raw, *gz;
	size_t len, gz_len;

	if (!s->enabled)
		return;
	if (hp_otlp_encode(p, sym, s->host, &raw, &len)) {
		hp_err("otlp: failed to encode a window");
		return;
	}
	if (s->gzip) {
		if (hp_gzip(raw, len, &gz, &gz_len)) {
			free(raw);
			hp_err("otlp: failed to compress a window");
			return;
		}
		free(raw);
		raw = gz;
		len = gz_len;
	}
	pl.body = (char *)raw;
	pl.len = len;
	pl.content_type = strdup("application/x-protobuf");
	if (!pl.content_type) {
		free(raw);
		return;
	}
	hp_http_sink_push(&s->sink, pl);
}

void hp_otlp_stop(struct hp_otlp *s, uint64_t deadline_ns)
{
	if (s->enabled)
		hp_http_sink_stop(&s->sink, deadline_ns);
}
