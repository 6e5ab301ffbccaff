// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include "cli.h"
#include "datadog.h"
#include "test.h"

/* Parses a NULL-terminated argument list; err text lands in errbuf. */
static enum hp_cli_result parse(struct hp_options *o, char *errbuf, size_t n, ...)
{
	char *argv[16] = {"hostprof"};
	int argc = 1;
	va_list ap;
	FILE *out = fopen("/dev/null", "w"), *err = fmemopen(errbuf, n, "w");
	enum hp_cli_result r;

	va_start(ap, n);
	for (char *a; (a = va_arg(ap, char *)) && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	memset(errbuf, 0, n);
	r = hp_cli_parse(argc, argv, o, out, err);
	fclose(out);
	fclose(err);
	return r;
}

TEST(cli_defaults)
{
	struct hp_options o;
	char e[256];

	ASSERT_EQ(parse(&o, e, sizeof(e), NULL), HP_CLI_RUN, "no options runs");
	ASSERT_EQ(o.frequency, HP_DEFAULT_FREQUENCY, "default frequency");
	ASSERT_EQ(o.npids, 0, "whole host");
	ASSERT_STREQ(o.output_dir, HP_DEFAULT_OUTPUT_DIR, "default output dir");
	ASSERT_TRUE(o.duration == 0, "runs until signal");
}

TEST(cli_values)
{
	struct hp_options o;
	char e[256];

	ASSERT_EQ(parse(&o, e, sizeof(e), "-F", "99", "--pid", "12,34", "-p", "5", "--duration",
			"1.5", "--folded", "x.folded", "--stats=json", NULL),
		  HP_CLI_RUN, "valid options");
	ASSERT_EQ(o.frequency, 99, "frequency");
	ASSERT_EQ(o.npids, 3, "pids");
	ASSERT_EQ(o.pids[1], 34, "second pid");
	ASSERT_EQ(o.pids[2], 5, "repeated --pid adds");
	ASSERT_TRUE(o.duration == 1.5, "duration");
	ASSERT_STREQ(o.folded_path, "x.folded", "folded path");
	ASSERT_TRUE(o.output_dir == NULL, "no default dir when an output is named");
	ASSERT_EQ(o.stats, 2, "json stats");
	ASSERT_EQ(parse(&o, e, sizeof(e), "--shutdown-timeout", "0", "--queue", "7", NULL),
		  HP_CLI_RUN, "0 s shutdown");
	ASSERT_TRUE(o.shutdown_timeout == 0 && o.queue_windows == 7, "table-driven fields");
}

TEST(cli_rejects_bad_values)
{
	static const char *const bad[][2] = {
		{"--frequency", "banana"},
		{"--frequency", "0"},
		{"--frequency", "10001"},
		{"--frequency", "12x"},
		{"--pid", "-3"},
		{"--pid", "0"},
		{"--pid", "1,,x"},
		{"--pid", ""},
		{"--duration", "-1"},
		{"--duration", "nan"},
		{"--duration", "1s"},
		{"--ringbuf-kb", "100"},
		{"--stats=xml", NULL},
		{"--no-such-option", NULL},
		{"--retain", "0"},
		{"--queue", "0"},
		{"--upload-timeout", "0"},
		{"--shutdown-timeout", "-1"},
		{"--unwind-table-mb", "0"},
		{"--upload-period", "86401"},
		{"--unwinder", "dwarf"},
		{"--datadog-intake-url", "intake"},
		{"extra-argument", NULL},
		{"--frequency", NULL},
	};
	struct hp_options o;
	char e[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum hp_cli_result r = parse(&o, e, sizeof(e), bad[i][0], bad[i][1], NULL);

		if (!ASSERT_EQ(r, HP_CLI_USAGE, bad[i][0]))
			continue;
		/* one clear line naming the problem */
		ASSERT_TRUE(!strncmp(e, "hostprof: ", 10), "message prefix");
		ASSERT_TRUE(strchr(e, '\n') == e + strlen(e) - 1, "exactly one line");
	}
}

TEST(cli_help_and_version)
{
	struct hp_options o;
	char e[256];

	ASSERT_EQ(parse(&o, e, sizeof(e), "--help", NULL), HP_CLI_EXIT, "--help exits 0");
	ASSERT_EQ(parse(&o, e, sizeof(e), "-V", NULL), HP_CLI_EXIT, "-V exits 0");
}

TEST(datadog_agent_url_and_tags)
{
	struct hp_options o;
	char e[256], url[256];
	char *tags;

	unsetenv("DD_TRACE_AGENT_URL");
	unsetenv("DD_AGENT_HOST");
	unsetenv("DD_TRACE_AGENT_PORT");
	parse(&o, e, sizeof(e), NULL);
	ASSERT_EQ(hp_datadog_agent_url(&o, url, sizeof(url)), -ENOENT, "off by default");
	setenv("DD_AGENT_HOST", "agent.local", 1);
	ASSERT_OK(hp_datadog_agent_url(&o, url, sizeof(url)), "host");
	ASSERT_STREQ(url, "http://agent.local:8126", "default port");
	setenv("DD_TRACE_AGENT_PORT", "9000", 1);
	hp_datadog_agent_url(&o, url, sizeof(url));
	ASSERT_STREQ(url, "http://agent.local:9000", "port");
	setenv("DD_TRACE_AGENT_URL", "http://a:1/", 1);
	hp_datadog_agent_url(&o, url, sizeof(url));
	ASSERT_STREQ(url, "http://a:1", "URL wins, trailing slash dropped");
	parse(&o, e, sizeof(e), "--datadog-agent-url", "https://b:2", NULL);
	hp_datadog_agent_url(&o, url, sizeof(url));
	ASSERT_STREQ(url, "https://b:2", "the option wins");
	ASSERT_EQ(parse(&o, e, sizeof(e), "--datadog-agent-url", "ftp://x", NULL), HP_CLI_USAGE,
		  "only http(s)");
	unsetenv("DD_TRACE_AGENT_URL");
	unsetenv("DD_AGENT_HOST");
	unsetenv("DD_TRACE_AGENT_PORT");

	setenv("DD_SERVICE", "web", 1);
	setenv("DD_TAGS", "a:1 b:2,,novalue", 1);
	parse(&o, e, sizeof(e), "--tags", "c:3", NULL);
	tags = hp_datadog_tags(&o);
	ASSERT_TRUE(tags && !strstr(tags, "service:"), "service is added per upload");
	ASSERT_TRUE(strstr(tags, ",runtime:ebpf,") != NULL, "runtime");
	ASSERT_TRUE(strstr(tags, ",a:1,b:2,c:3") != NULL, "DD_TAGS then --tags");
	ASSERT_TRUE(strstr(tags, "novalue") == NULL, "tags without ':' dropped");
	free(tags);
	unsetenv("DD_SERVICE");
	unsetenv("DD_TAGS");
}

TEST(datadog_agentless_key_and_url)
{
	struct hp_options o;
	char e[256], url[256];

	ASSERT_TRUE(hp_datadog_api_key_ok("0123456789abcdef0123456789abcdef"), "32 of [0-9a-z]");
	ASSERT_TRUE(!hp_datadog_api_key_ok("0123456789abcdef0123456789abcde"), "31");
	ASSERT_TRUE(!hp_datadog_api_key_ok("0123456789ABCDEF0123456789abcdef"), "upper case");
	ASSERT_TRUE(!hp_datadog_api_key_ok("0123456789abcdef0123456789abcd\"f"), "quote");
	unsetenv("DD_SITE");
	parse(&o, e, sizeof(e), NULL);
	hp_datadog_intake_url(&o, url, sizeof(url));
	ASSERT_STREQ(url, "https://intake.profile.datadoghq.com/api/v2/profile", "default site");
	setenv("DD_SITE", "datadoghq.eu", 1);
	hp_datadog_intake_url(&o, url, sizeof(url));
	ASSERT_STREQ(url, "https://intake.profile.datadoghq.eu/api/v2/profile", "DD_SITE");
	unsetenv("DD_SITE");
}
