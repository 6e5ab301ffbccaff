// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "util.h"
#include "version.h"

static const char usage[] =
	"Usage: hostprof [OPTIONS]\n"
	"\n"
	"System-wide continuous CPU profiler: samples every CPU with eBPF, unwinds kernel\n"
	"and user stacks in the kernel, and writes profiles when it stops (at the end of\n"
	"--duration, or on SIGINT/SIGTERM: nothing collected is lost on a clean stop).\n"
	"\n"
	"Sampling:\n"
	"  -F, --frequency HZ      samples per second on each CPU (1-10000, default 19)\n"
	"  -p, --pid PID[,PID...]  profile only these processes (default: the whole host)\n"
	"  -d, --duration SECONDS  stop after this long (default: until Ctrl-C/SIGTERM)\n"
	"\n"
	"Output. Samples are aggregated into windows; each window goes to every output.\n"
	"With no output named, windows go into ./" HP_DEFAULT_OUTPUT_DIR "/.\n"
	"  -o, --output-dir DIR    per window: cpu-<UTC start>.pprof (gzip'd pprof),\n"
	"                          stacks-<...>.folded and flamegraph-<...>.html (interactive,\n"
	"                          self-contained: open it in a browser)\n"
	"      --upload-period S   window length in seconds (1-86400, default 60;\n"
	"                          env DD_PROFILING_UPLOAD_PERIOD)\n"
	"      --retain N          windows kept in --output-dir (1-100000, default 60)\n"
	"      --datadog-agent-url URL  send each window to a Datadog Agent (default from\n"
	"                          DD_TRACE_AGENT_URL, or DD_AGENT_HOST and DD_TRACE_AGENT_PORT)\n"
	"      --datadog-api-key KEY  send each window straight to Datadog's intake for DD_SITE\n"
	"                          (default datadoghq.com); prefer DD_API_KEY: arguments are\n"
	"                          visible to every user of the host\n"
	"      --datadog-intake-url URL  the agentless intake, e.g. through a proxy\n"
	"      --otlp-endpoint URL  send each window to an OpenTelemetry collector over\n"
	"                          OTLP/HTTP (gzip'd protobuf, profiles v1development); a\n"
	"                          base URL such as http://collector:4318 gets\n"
	"                          /v1development/profiles appended (default from\n"
	"                          OTEL_EXPORTER_OTLP_PROFILES_ENDPOINT, used as is, or\n"
	"                          OTEL_EXPORTER_OTLP_ENDPOINT)\n"
	"      --otlp-headers K=V[,K=V]  request headers, percent-encoded values (default\n"
	"                          from OTEL_EXPORTER_OTLP_PROFILES_HEADERS or\n"
	"                          OTEL_EXPORTER_OTLP_HEADERS); OTEL_EXPORTER_OTLP_COMPRESSION=none\n"
	"                          sends uncompressed\n"
	"      --no-service-split  upload one profile per window, tagged with hostprof's own\n"
	"                          DD_SERVICE, instead of one per service of the profiled\n"
	"                          processes (their DD_SERVICE/OTEL_SERVICE_NAME, else their\n"
	"                          container, else their executable; kernel threads: kernel)\n"
	"      --tags K:V[,K:V]    tags for uploads, after DD_TAGS; env and version come from\n"
	"                          DD_ENV and DD_VERSION\n"
	"      --upload-timeout S  per request (1-3600, default 30)\n"
	"      --queue N           windows a remote sink holds while it retries (1-10000,\n"
	"                          default 100); when full the oldest is dropped\n"
	"      --shutdown-timeout S  at exit, time to deliver what is queued (0-3600, default 10)\n"
	"      --pprof FILE        the whole run as one gzip'd pprof (go tool pprof, speedscope)\n"
	"      --folded FILE       the whole run as collapsed stacks, 'proc;root;...;leaf COUNT'\n"
	"                          (flamegraph.pl, inferno, speedscope); kernel frames end _[k]\n"
	"\n"
	"Diagnostics:\n"
	"  -s, --stats[=json]      print a summary at exit: samples, lost records, how\n"
	"                          stacks ended, BPF ns per sample, map memory\n"
	"  -v, --verbose           debug logs; twice for libbpf's verifier-level logs\n"
	"      --ringbuf-kb KB     ring buffer size (power of two, 64-262144; default: 2 s of\n"
	"                          samples of every CPU, at least 1024)\n"
	"      --unwinder KIND     native (default: .eh_frame tables, frame pointers where\n"
	"                          there are none) or fp (frame pointers only)\n"
	"      --unwind-table-mb MB  memory for unwind tables (1-4096, default 16); files\n"
	"                          that do not fit fall back to frame pointers\n"
	"      --kernel-user-stacks  walk user stacks with the kernel's bpf_get_stack()\n"
	"                          instead of hostprof's unwinders (for comparison only)\n"
	"  -h, --help              this text\n"
	"  -V, --version           print the version\n"
	"\n"
	"EXAMPLES\n"
	"  sudo hostprof --duration 30                  # whole host, 30 s, ./hostprof-out/\n"
	"  sudo hostprof --upload-period 10 -o /var/tmp/prof   # until Ctrl-C, 10 s windows\n"
	"  sudo hostprof -p 1234 --folded app.folded    # one process until Ctrl-C\n"
	"  sudo hostprof -F 99 -d 10 --pprof cpu.pprof --stats\n"
	"  sudo hostprof --otlp-endpoint http://collector:4318   # to an OTel collector\n"
	"  sudo DD_AGENT_HOST=localhost hostprof        # to the local Datadog Agent\n"
	"  go tool pprof -top hostprof-out/cpu-*.pprof\n"
	"\n"
	"Needs root, or CAP_BPF + CAP_PERFMON + CAP_SYS_PTRACE, and a kernel with BTF\n"
	"(/sys/kernel/btf/vmlinux).\n";

enum {
	OPT_PPROF = 256,
	OPT_FOLDED,
	OPT_RINGBUF_KB,
	OPT_KERNEL_USTACKS,
	OPT_UNWINDER,
	OPT_UNWIND_TABLE_MB,
	OPT_UPLOAD_PERIOD,
	OPT_RETAIN,
	OPT_DD_AGENT_URL,
	OPT_TAGS,
	OPT_UPLOAD_TIMEOUT,
	OPT_QUEUE,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_DD_API_KEY,
	OPT_DD_INTAKE_URL,
	OPT_NO_SERVICE_SPLIT,
	OPT_OTLP_ENDPOINT,
	OPT_OTLP_HEADERS,
};

static const struct option long_opts[] = {
	{"frequency", required_argument, NULL, 'F'},
	{"pid", required_argument, NULL, 'p'},
	{"duration", required_argument, NULL, 'd'},
	{"output-dir", required_argument, NULL, 'o'},
	{"pprof", required_argument, NULL, OPT_PPROF},
	{"folded", required_argument, NULL, OPT_FOLDED},
	{"stats", optional_argument, NULL, 's'},
	{"verbose", no_argument, NULL, 'v'},
	{"ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB},
	{"kernel-user-stacks", no_argument, NULL, OPT_KERNEL_USTACKS},
	{"unwinder", required_argument, NULL, OPT_UNWINDER},
	{"unwind-table-mb", required_argument, NULL, OPT_UNWIND_TABLE_MB},
	{"upload-period", required_argument, NULL, OPT_UPLOAD_PERIOD},
	{"retain", required_argument, NULL, OPT_RETAIN},
	{"datadog-agent-url", required_argument, NULL, OPT_DD_AGENT_URL},
	{"tags", required_argument, NULL, OPT_TAGS},
	{"upload-timeout", required_argument, NULL, OPT_UPLOAD_TIMEOUT},
	{"queue", required_argument, NULL, OPT_QUEUE},
	{"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT},
	{"datadog-api-key", required_argument, NULL, OPT_DD_API_KEY},
	{"datadog-intake-url", required_argument, NULL, OPT_DD_INTAKE_URL},
	{"no-service-split", no_argument, NULL, OPT_NO_SERVICE_SPLIT},
	{"otlp-endpoint", required_argument, NULL, OPT_OTLP_ENDPOINT},
	{"otlp-headers", required_argument, NULL, OPT_OTLP_HEADERS},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Whole decimal number in [min, max]; nothing else on the string. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Whole-number options: one row each (the field is an unsigned int of hp_options). */
static const struct uint_opt {
	int opt;
	unsigned long min, max;
	size_t offset;
	const char *what; /* for the error line */
} uint_opts[] = {
	{'F', 1, 10000, offsetof(struct hp_options, frequency), "--frequency (1-10000 Hz)"},
	{OPT_RINGBUF_KB, 64, 262144, offsetof(struct hp_options, ringbuf_kb),
	 "--ringbuf-kb (power of two, 64-262144)"},
	{OPT_UNWIND_TABLE_MB, 1, 4096, offsetof(struct hp_options, unwind_table_mb),
	 "--unwind-table-mb (1-4096)"},
	{OPT_UPLOAD_PERIOD, 1, 86400, offsetof(struct hp_options, upload_period),
	 "--upload-period (1-86400 seconds)"},
	{OPT_RETAIN, 1, 100000, offsetof(struct hp_options, retain), "--retain (1-100000 windows)"},
	{OPT_UPLOAD_TIMEOUT, 1, 3600, offsetof(struct hp_options, upload_timeout),
	 "--upload-timeout (1-3600 seconds)"},
	{OPT_QUEUE, 1, 10000, offsetof(struct hp_options, queue_windows),
	 "--queue (1-10000 windows)"},
	{OPT_SHUTDOWN_TIMEOUT, 0, 3600, offsetof(struct hp_options, shutdown_timeout),
	 "--shutdown-timeout (0-3600 seconds)"},
};

static const struct uint_opt *find_uint_opt(int c)
{
	for (size_t i = 0; i < sizeof(uint_opts) / sizeof(uint_opts[0]); i++)
		if (uint_opts[i].opt == c)
			return &uint_opts[i];
	return NULL;
}

static int parse_pids(const char *s, struct hp_options *o)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v;

		if (parse_uint(tok, 1, INT_MAX, &v) || o->npids >= HP_MAX_PIDS) {
			err = -EINVAL;
			break;
		}
		o->pids[o->npids++] = (pid_t)v;
	}
	if (!o->npids)
		err = -EINVAL;
	free(copy);
	return err;
}

static int parse_duration(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 365.0 * 24 * 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

static enum hp_cli_result bad(FILE *err, const char *what, const char *value)
{
	fprintf(err, "hostprof: invalid %s '%s' (see hostprof --help)\n", what, value);
	return HP_CLI_USAGE;
}

enum hp_cli_result hp_cli_parse(int argc, char **argv, struct hp_options *o, FILE *out, FILE *err)
{
	unsigned long v;
	const char *env;
	int c;

	memset(o, 0, sizeof(*o));
	o->frequency = HP_DEFAULT_FREQUENCY;
	o->unwind_table_mb = HP_DEFAULT_UNWIND_TABLE_MB;
	o->upload_period = HP_DEFAULT_UPLOAD_PERIOD;
	o->retain = HP_DEFAULT_RETAIN;
	o->service_split = 1;
	o->upload_timeout = 30;
	o->queue_windows = 100;
	o->shutdown_timeout = 10;
	env = getenv("DD_PROFILING_UPLOAD_PERIOD");
	if (env && *env) {
		if (parse_uint(env, 1, 86400, &v))
			return bad(err, "DD_PROFILING_UPLOAD_PERIOD (1-86400 seconds)", env);
		o->upload_period = v;
	}
	optind = 0; /* reset getopt: callable more than once (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":F:p:d:o:s::vhV", long_opts, NULL)) != -1) {
		const struct uint_opt *u = find_uint_opt(c);

		if (u) {
			if (parse_uint(optarg, u->min, u->max, &v) ||
			    (c == OPT_RINGBUF_KB && (v & (v - 1))))
				return bad(err, u->what, optarg);
			*(unsigned int *)((char *)o + u->offset) = v;
			continue;
		}
		switch (c) {
		case 'p':
			if (parse_pids(optarg, o))
				return bad(err, "--pid (positive process ids, comma separated)",
					   optarg);
			break;
		case 'd':
			if (parse_duration(optarg, &o->duration))
				return bad(err, "--duration (positive seconds)", optarg);
			break;
		case 'o':
			if (!*optarg)
				return bad(err, "--output-dir", optarg);
			o->output_dir = optarg;
			break;
		case OPT_PPROF:
			if (!*optarg)
				return bad(err, "--pprof", optarg);
			o->pprof_path = optarg;
			break;
		case OPT_FOLDED:
			if (!*optarg)
				return bad(err, "--folded", optarg);
			o->folded_path = optarg;
			break;
		case 's':
			if (optarg && strcmp(optarg, "json"))
				return bad(err, "--stats format (only 'json')", optarg);
			o->stats = optarg ? 2 : 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_KERNEL_USTACKS:
			o->kernel_user_stacks = 1;
			break;
		case OPT_UNWINDER:
			if (strcmp(optarg, "native") && strcmp(optarg, "fp"))
				return bad(err, "--unwinder (native or fp)", optarg);
			o->frame_pointers_only = !strcmp(optarg, "fp");
			break;
		case OPT_DD_AGENT_URL:
			if (!hp_is_http_url(optarg))
				return bad(err, "--datadog-agent-url (http:// or https:// URL)",
					   optarg);
			o->datadog_agent_url = optarg;
			break;
		case OPT_DD_API_KEY:
			o->datadog_api_key = optarg; /* checked (and never echoed) at start */
			break;
		case OPT_DD_INTAKE_URL:
			if (!hp_is_http_url(optarg))
				return bad(err, "--datadog-intake-url (http:// or https:// URL)",
					   optarg);
			o->datadog_intake_url = optarg;
			break;
		case OPT_OTLP_ENDPOINT:
			if (!hp_is_http_url(optarg))
				return bad(err, "--otlp-endpoint (http:// or https:// URL)",
					   optarg);
			o->otlp_endpoint = optarg;
			break;
		case OPT_OTLP_HEADERS:
			o->otlp_headers = optarg; /* checked (and never echoed) at start */
			break;
		case OPT_NO_SERVICE_SPLIT:
			o->service_split = 0;
			break;
		case OPT_TAGS:
			o->tags = optarg;
			break;
		case 'h':
			fputs(usage, out);
			return HP_CLI_EXIT;
		case 'V':
			fprintf(out, "hostprof %s\n", HP_VERSION);
			return HP_CLI_EXIT;
		case ':':
			fprintf(err, "hostprof: option '%s' needs a value (see hostprof --help)\n",
				argv[optind - 1]);
			return HP_CLI_USAGE;
		default:
			fprintf(err, "hostprof: unknown option '%s' (see hostprof --help)\n",
				argv[optind - 1]);
			return HP_CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(err, "hostprof: unexpected argument '%s' (see hostprof --help)\n",
			argv[optind]);
		return HP_CLI_USAGE;
	}
	if (!o->folded_path && !o->pprof_path && !o->output_dir) {
		o->output_dir = HP_DEFAULT_OUTPUT_DIR;
		o->output_dir_is_default = 1;
	}
	return HP_CLI_RUN;
}
