// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hostprof: parse options, sample until told to stop, write the profile. */
#include <errno.h>
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
#include "log.h"
#include "pprof.h"
#include "profile.h"
#include "registry.h"
#include "stats.h"
#include "symbolizer.h"

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

static int on_record(void *ctx, void *data, size_t size)
{
	struct hp_profile *p = ctx;

	/* malformed records are counted in the profile; only ENOMEM stops us */
	return hp_profile_add(p, data, size, clock_ns(CLOCK_MONOTONIC)) == -ENOMEM ? -ENOMEM : 0;
}

static int write_folded(const char *path, const struct hp_profile *p, struct hp_symbolizer *sym)
{
	struct hp_atomic_file af;
	int err = hp_atomic_open(&af, path);

	if (err)
		return err;
	err = hp_folded_write(af.f, p, sym);
	if (err) {
		hp_atomic_abort(&af);
		return err;
	}
	return hp_atomic_commit(&af);
}

/* Writes every requested output; returns the number that failed. */
static int write_outputs(const struct hp_options *o, const struct hp_profile *p)
{
	char pprof_path[PATH_MAX], folded_path[PATH_MAX];
	const char *pp = o->pprof_path, *fp = o->folded_path;
	struct hp_symbolizer sym;
	int failed = 0, err;

	if (o->output_dir) {
		if (mkdir(o->output_dir, 0755) && errno != EEXIST) {
			hp_err("failed to create %s: %s", o->output_dir, strerror(errno));
			return 1;
		}
		snprintf(pprof_path, sizeof(pprof_path), "%s/profile.pprof", o->output_dir);
		snprintf(folded_path, sizeof(folded_path), "%s/profile.folded", o->output_dir);
		pp = pp ?: pprof_path;
		fp = fp ?: folded_path;
	}
	hp_symbolizer_init(&sym, &p->files);
	if (pp) {
		err = hp_pprof_write(pp, p, &sym);
		if (err)
			hp_err("failed to write %s: %s", pp, strerror(-err)), failed++;
		else
			printf("hostprof: wrote %s\n", pp);
	}
	if (fp) {
		err = write_folded(fp, p, &sym);
		if (err)
			hp_err("failed to write %s: %s", fp, strerror(-err)), failed++;
		else
			printf("hostprof: wrote %s\n", fp);
	}
	hp_symbolizer_free(&sym);
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

static void print_stats(const struct hp_options *o, struct hp_bpf *b, const struct hp_profile *p,
			double wall_s, double loop_cpu_s)
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
	s.samples_aggregated = p->samples;
	s.bad_records = p->bad_records;
	s.distinct_stacks = p->stacks.count;
	s.files = p->files.n;
	s.maps_reads = p->procs.maps_reads;
	hp_stats_print(o->stats == 2 ? stdout : stderr, &s, o->stats == 2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct hp_options o;
	struct hp_profile prof;
	struct hp_bpf b;
	uint64_t start_mono, deadline = 0;
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

	if (hp_profile_init(&prof, 1000000000ull / o.frequency)) {
		hp_err("failed to allocate the profile: %s", strerror(ENOMEM));
		return 1;
	}
	if (hp_bpf_start(&b, &o, on_record, &prof)) {
		hp_profile_free(&prof);
		return 1;
	}
	/* every running process's tables first, so its first samples are whole */
	hp_procs_prime(&prof.procs, clock_ns(CLOCK_MONOTONIC), o.pids, o.npids);
	if (hp_bpf_attach_cpus(&b, &o)) {
		hp_bpf_destroy(&b);
		hp_profile_free(&prof);
		return 1;
	}
	prof.start_ns = clock_ns(CLOCK_REALTIME);
	start_mono = clock_ns(CLOCK_MONOTONIC);
	loop_cpu = cpu_seconds();
	if (o.duration > 0)
		deadline = start_mono + (uint64_t)(o.duration * 1e9);
	fprintf(stderr, "hostprof: profiling %s at %u Hz%s\n",
		o.npids ? "the given processes" : "the whole host", o.frequency,
		o.duration > 0 ? "" : "; Ctrl-C to stop and write the profile");

	while (!stop_requested) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		/*
		 * BPF wakes us only when the ring buffer is half full; otherwise
		 * drain once a second. Signals interrupt the wait at once.
		 */
		int timeout = DRAIN_INTERVAL_MS;

		if (deadline) {
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (deadline - now) / 1000000 + 1;
		}
		err = hp_bpf_poll(&b, timeout);
		if (err < 0) {
			hp_err("failed to read samples: %s", strerror(-err));
			break;
		}
		err = 0;
		hp_unwinders_tick(clock_ns(CLOCK_MONOTONIC));
		hp_procs_gc(&prof.procs, clock_ns(CLOCK_MONOTONIC));
	}
	hp_bpf_detach_and_drain(&b);
	prof.end_ns = clock_ns(CLOCK_REALTIME);
	wall = (clock_ns(CLOCK_MONOTONIC) - start_mono) / 1e9;
	loop_cpu = cpu_seconds() - loop_cpu;

	failed = write_outputs(&o, &prof);
	if (o.stats)
		print_stats(&o, &b, &prof, wall, loop_cpu);
	hp_bpf_destroy(&b);
	hp_profile_free(&prof);
	return err || failed ? 1 : 0;
}
