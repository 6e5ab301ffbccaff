// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include "cli.h"
#include "otlp.h"
#include "test.h"

/* Parses spec; on success the headers joined by '|' land in out. */
static int headers(const char *spec, char *out, size_t n, char *why, size_t why_len)
{
	char **h;
	int err = hp_otlp_parse_headers(spec, &h, why, why_len);

	out[0] = '\0';
	if (err)
		return err;
	for (char **x = h; *x; x++)
		snprintf(out + strlen(out), n - strlen(out), "%s%s", x == h ? "" : "|", *x);
	hp_otlp_free_headers(h);
	return 0;
}

TEST(otlp_headers)
{
	char out[256], why[160];

	ASSERT_OK(headers(NULL, out, sizeof(out), why, sizeof(why)), "none");
	ASSERT_STREQ(out, "", "no headers");
	ASSERT_OK(headers(" a=1 ,, b = x%20y%2C z ,", out, sizeof(out), why, sizeof(why)), "list");
	ASSERT_STREQ(out, "a: 1|b: x y, z", "trimmed, percent-decoded, empty entries skipped");
	ASSERT_OK(headers("k=a=b,e=,p=%zz%4", out, sizeof(out), why, sizeof(why)), "odd values");
	ASSERT_STREQ(out, "k: a=b|e: |p: %zz%4", "'=' in values, bad escapes kept as text");
	ASSERT_EQ(headers("novalue", out, sizeof(out), why, sizeof(why)), -EINVAL, "no '='");
	ASSERT_TRUE(strstr(why, "entry 1") != NULL, why);
	ASSERT_EQ(headers("a=1,bad key=secret", out, sizeof(out), why, sizeof(why)), -EINVAL,
		  "space in a key");
	ASSERT_TRUE(strstr(why, "entry 2") && !strstr(why, "secret"), why);
	ASSERT_EQ(headers("=v", out, sizeof(out), why, sizeof(why)), -EINVAL, "empty key");
	ASSERT_EQ(headers("x=secret%0D%0AHost: evil", out, sizeof(out), why, sizeof(why)), -EINVAL,
		  "CR LF smuggling");
	ASSERT_TRUE(strstr(why, "control character") && !strstr(why, "secret"), why);
	ASSERT_EQ(headers("x=a%00b", out, sizeof(out), why, sizeof(why)), -EINVAL, "NUL");
}

TEST(otlp_endpoint)
{
	struct hp_options o = {0};
	char url[256];

	unsetenv("OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
	ASSERT_EQ(hp_otlp_endpoint(&o, url, sizeof(url)), -ENOENT, "off by default");
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/", 1);
	ASSERT_OK(hp_otlp_endpoint(&o, url, sizeof(url)), "base from env");
	ASSERT_STREQ(url, "http://c:4318/v1development/profiles", "signal path appended");
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/prefix", 1);
	hp_otlp_endpoint(&o, url, sizeof(url));
	ASSERT_STREQ(url, "http://c:4318/prefix/v1development/profiles", "after a base path");
	setenv("OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT", "https://p/x", 1);
	hp_otlp_endpoint(&o, url, sizeof(url));
	ASSERT_STREQ(url, "https://p/x", "the signal's own endpoint is used as is");
	o.otlp_endpoint = "http://cli:4318";
	hp_otlp_endpoint(&o, url, sizeof(url));
	ASSERT_STREQ(url, "http://cli:4318/v1development/profiles", "option: base URL");
	o.otlp_endpoint = "http://cli:4318/v1development/profiles";
	hp_otlp_endpoint(&o, url, sizeof(url));
	ASSERT_STREQ(url, "http://cli:4318/v1development/profiles", "option: full URL as is");
	o.otlp_endpoint = NULL;
	setenv("OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT", "collector:4318", 1);
	ASSERT_EQ(hp_otlp_endpoint(&o, url, sizeof(url)), -EINVAL, "not a URL");
	unsetenv("OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT");
	unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
}

TEST(otlp_partial_success_reply)
{
	/* ExportProfilesServiceResponse{partial_success{rejected_profiles: 2, error_message}} */
	const uint8_t partial[] = {0x0a, 0x0b, 0x08, 0x02, 0x12, 0x07, 't',
				   'o',	 'o',  '\n', 'o',  'l',	 'd'};
	const uint8_t accepted[] = {0x0a, 0x00};
	const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a};
	char err[128] = "";

	ASSERT_EQ(hp_otlp_check_reply(NULL, 0, err, sizeof(err)), 0, "empty reply: accepted");
	ASSERT_EQ(hp_otlp_check_reply(accepted, sizeof(accepted), err, sizeof(err)), 0,
		  "an empty partial_success: accepted");
	ASSERT_EQ(hp_otlp_check_reply(garbage, sizeof(garbage), err, sizeof(err)), 0,
		  "not a reply: the status decides");
	ASSERT_EQ(hp_otlp_check_reply(partial, sizeof(partial), err, sizeof(err)), 1, "partial");
	ASSERT_STREQ(err, "2 profile(s) rejected: too?old", "count and printable reason");
}
