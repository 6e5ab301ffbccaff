// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hostprof: parse options, sample until told to stop, write the profile. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "atomic_file.h"
#include "bpf_loader.h"
#include "cli.h"
#include "folded.h"
#include "local_sink.h"
#include "log.h"
#include "pprof.h"
#include "profile.h"
#include "registry.h"
#include "sinks.h"
#include "stats.h"
#include "symbolizer.h"
#include "util.h"

#define DRAIN_INTERVAL_MS 1000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Everything one run holds: caches that live as long as it, and the window being filled. */
struct run {
	const struct hp_options *o;
	struct hp_files files;
	struct hp_procs procs;
	struct hp_symbolizer sym;
	struct hp_profile window; /* being filled now */
	struct hp_profile whole;  /* all windows, for --pprof/--folded */
	int want_whole;
	struct hp_local_sink local; /* with --output-dir (the default) */
	struct hp_sinks remote;	    /* Datadog, OTLP: each on when configured */
	/* over all windows, for --stats */
	uint64_t samples, bad_records, windows;
	double encode_ms_total, encode_ms_max; /* CPU to symbolize, encode, compress a window */
	size_t max_stacks;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;

	/* malformed records are counted in the profile; only ENOMEM stops us */
	return hp_profile_add(&r->window, data, size, clock_ns(CLOCK_MONOTONIC)) == -ENOMEM
		       ? -ENOMEM
		       : 0;
}

/* Ends the window at now (CLOCK_REALTIME), hands it to every sink, starts the next. */
static void close_window(struct run *r, uint64_t now)
{
	struct hp_profile *w = &r->window;
	double cpu0 = hp_thread_cpu_ms(), ms;

	w->end_ns = now;
	r->windows++;
	r->samples += w->samples;
	r->bad_records += w->bad_records;
	if (w->stacks.count > r->max_stacks)
		r->max_stacks = w->stacks.count;
	if (r->local.dir && !hp_local_sink_write(&r->local, w, &r->sym))
		printf("hostprof: window of %.0f s, %" PRIu64 " samples: %s\n",
		       (w->end_ns - w->start_ns) / 1e9, w->samples, r->local.last_flamegraph);
	hp_sinks_push(&r->remote, w, &r->sym);
	ms = hp_thread_cpu_ms() - cpu0;
	r->encode_ms_total += ms;
	if (ms > r->encode_ms_max)
		r->encode_ms_max = ms;
	if (hp_verbosity >= 1) { /* the status line of -v */
		hp_dbg("window %" PRIu64 ": %" PRIu64 " samples, %zu stacks, %.1f ms CPU to encode",
		       r->windows, w->samples, (size_t)w->stacks.count, ms);
		struct hp_http_sink *v[HP_MAX_REMOTE_SINKS];
		size_t n = hp_sinks_http(&r->remote, v);

		for (size_t i = 0; i < n; i++)
			hp_http_sink_print_stats(v[i], stderr, 0);
	}
	if (r->want_whole && hp_profile_merge(&r->whole, w))
		hp_err("failed to keep the window for --pprof/--folded: %s", strerror(ENOMEM));
	hp_profile_reset(w);
	w->start_ns = now;
}

static int write_folded(const char *path, const struct hp_profile *p, struct hp_symbolizer *sym)
{
	struct hp_atomic_file af;
	int err = hp_atomic_open(&af, path);

	if (err)
		return err;
	return hp_atomic_finish(&af, hp_folded_write(af.f, p, sym));
}

/* Writes --pprof and --folded (the whole run); returns the number that failed. */
static int write_whole(struct run *r)
{
	const char *pp = r->o->pprof_path, *fp = r->o->folded_path;
	int failed = 0, err;

	if (pp) {
		err = hp_pprof_write(pp, &r->whole, &r->sym);
		if (err)
			hp_err("failed to write %s: %s", pp, strerror(-err)), failed++;
		else
			printf("hostprof: wrote %s\n", pp);
	}
	if (fp) {
		err = write_folded(fp, &r->whole, &r->sym);
		if (err)
			hp_err("failed to write %s: %s", fp, strerror(-err)), failed++;
		else
			printf("hostprof: wrote %s\n", fp);
	}
	return failed;
}

/* Warns of --pid processes that do not exist; fails if none does. */
static int check_pids(const struct hp_options *o)
{
	size_t alive = 0;

	for (size_t i = 0; i < o->npids; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%d", (int)o->pids[i]);
		if (access(path, F_OK) == 0)
			alive++;
		else
			hp_err("warning: no process %d (yet): it will be sampled if it appears",
			       (int)o->pids[i]);
	}
	if (o->npids && !alive) {
		hp_err("none of the --pid processes exists");
		return -ESRCH;
	}
	return 0;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void print_stats(struct run *r, struct hp_bpf *b, double wall_s, double loop_cpu_s)
{
	struct hp_run_stats s = {0};
	struct rusage ru;

	hp_bpf_read_stats(b, &s.bpf);
	getrusage(RUSAGE_SELF, &ru);
	s.wall_s = wall_s;
	s.loop_cpu_s = loop_cpu_s;
	s.user_cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	s.sys_cpu_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	s.max_rss_kb = ru.ru_maxrss;
	s.samples_aggregated = r->samples;
	s.bad_records = r->bad_records;
	s.distinct_stacks = r->max_stacks;
	s.windows = r->windows;
	s.encode_ms_max = r->encode_ms_max;
	s.encode_ms_mean = r->windows ? r->encode_ms_total / r->windows : 0;
	s.files = r->files.n;
	s.maps_reads = r->procs.maps_reads;
	s.nsinks = hp_sinks_http(&r->remote, s.sinks);
	hp_stats_print(r->o->stats == 2 ? stdout : stderr, &s, r->o->stats == 2);
}

/* Frees what run holds. */
static void run_free(struct run *r)
{
	hp_profile_free(&r->window);
	hp_profile_free(&r->whole);
	hp_symbolizer_free(&r->sym);
	hp_procs_free(&r->procs);
	hp_files_free(&r->files);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	static struct run r; /* large; zeroed */
	struct hp_options o;
	struct hp_bpf b;
	uint64_t start_mono, deadline = 0, window_ns, next_close, shutdown_deadline;
	double loop_cpu, wall;
	int err = 0, failed;

	switch (hp_cli_parse(argc, argv, &o, stdout, stderr)) {
	case HP_CLI_EXIT:
		return 0;
	case HP_CLI_USAGE:
		return 2;
	case HP_CLI_RUN:
		break;
	}
	hp_verbosity = o.verbose;
	libbpf_set_print(hp_libbpf_print);
	if (check_pids(&o))
		return 1;

	/* no SA_RESTART: a signal must wake the poll */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r.o = &o;
	r.procs.files = &r.files;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srand(getpid() ^ (unsigned)clock_ns(CLOCK_REALTIME));
	if (hp_sinks_start(&r.remote, &o))
		return 1;
	if (hp_sinks_any(&r.remote) && o.output_dir_is_default)
		o.output_dir = NULL; /* an upload is the output named */
	r.want_whole = o.pprof_path || o.folded_path;
	r.local.dir = o.output_dir;
	r.local.retain = o.retain;
	if (hp_profile_init(&r.window, 1000000000ull / o.frequency, &r.procs) ||
	    hp_profile_init(&r.whole, 1000000000ull / o.frequency, &r.procs)) {
		hp_err("failed to allocate the profile: %s", strerror(ENOMEM));
		run_free(&r);
		return 1;
	}
	if (hp_bpf_start(&b, &o, on_record, &r)) {
		run_free(&r);
		return 1;
	}
	/* every running process's tables first, so its first samples are whole */
	hp_procs_prime(&r.procs, clock_ns(CLOCK_MONOTONIC), o.pids, o.npids);
	hp_symbolizer_init(&r.sym, &r.files);
	if (hp_bpf_attach_cpus(&b, &o)) {
		hp_bpf_destroy(&b);
		run_free(&r);
		return 1;
	}
	r.window.start_ns = clock_ns(CLOCK_REALTIME);
	start_mono = clock_ns(CLOCK_MONOTONIC);
	window_ns = (uint64_t)o.upload_period * 1000000000ull;
	next_close = start_mono + window_ns;
	loop_cpu = cpu_seconds();
	if (o.duration > 0)
		deadline = start_mono + (uint64_t)(o.duration * 1e9);
	fprintf(stderr, "hostprof: profiling %s at %u Hz, %u s windows%s\n",
		o.npids ? "the given processes" : "the whole host", o.frequency, o.upload_period,
		o.duration > 0 ? "" : "; Ctrl-C to stop and write the profile");

	while (!stop_requested) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC), until = next_close;
		/*
		 * BPF wakes us only when the ring buffer is half full; otherwise
		 * drain once a second, or at the end of the window or the run.
		 * Signals interrupt the wait at once.
		 */
		int timeout = DRAIN_INTERVAL_MS;

		if (deadline && deadline < until)
			until = deadline;
		if (deadline && now >= deadline)
			break;
		if (now >= next_close) {
			/* what BPF holds belongs to the window ending now */
			hp_bpf_poll(&b, 0);
			close_window(&r, clock_ns(CLOCK_REALTIME));
			next_close += window_ns;
			continue;
		}
		if ((until - now) / 1000000 < (uint64_t)timeout)
			timeout = (until - now) / 1000000 + 1;
		err = hp_bpf_poll(&b, timeout);
		if (err < 0) {
			hp_err("failed to read samples: %s", strerror(-err));
			break;
		}
		err = 0;
		hp_procs_gc(&r.procs, clock_ns(CLOCK_MONOTONIC));
	}
	hp_bpf_detach_and_drain(&b);
	close_window(&r, clock_ns(CLOCK_REALTIME)); /* the last, partial window */
	wall = (clock_ns(CLOCK_MONOTONIC) - start_mono) / 1e9;
	loop_cpu = cpu_seconds() - loop_cpu;

	/* one deadline for every sink: they deliver side by side */
	shutdown_deadline = hp_http_sink_now() + (uint64_t)o.shutdown_timeout * 1000000000ull;
	hp_sinks_stop(&r.remote, shutdown_deadline);
	failed = r.local.failures || hp_sinks_undelivered(&r.remote) ? 1 : 0;
	if (r.want_whole)
		failed += write_whole(&r);
	if (r.local.last_flamegraph[0])
		printf("hostprof: open the flame graph: %s\n", r.local.last_flamegraph);
	if (o.stats)
		print_stats(&r, &b, wall, loop_cpu);
	hp_bpf_destroy(&b);
	run_free(&r);
	return err || failed ? 1 : 0;
}
