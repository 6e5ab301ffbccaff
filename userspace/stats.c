// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include "registry.h"
#include "stats.h"
#include "symbolizer.h"

/* Name of an unwinder by program id; HP_PROG_MAX is the kernel's own walker. */
static const char *unwinder_name(uint32_t prog)
{
	if (prog == HP_PROG_MAX)
		return "kernel-walk";
	for (size_t i = 0; i < hp_unwinders_count; i++)
		if (hp_unwinders[i]->prog_id == prog)
			return hp_unwinders[i]->name;
	return NULL;
}

/* Prints how user stacks ended, per unwinder that ended any. */
static void print_stack_ends(FILE *out, const uint64_t *c, int json)
{
	int first = 1;

	for (uint32_t prog = 0; prog <= HP_PROG_MAX; prog++) {
		const char *name = unwinder_name(prog);
		uint64_t total = 0;

		for (int r = 0; r < HP_STOP_REASON_MAX; r++)
			total += c[HP_CNT_STOP(prog, r)];
		if (!name || !total)
			continue;
		if (json)
			fprintf(out, "%s\"%s\":{", first ? "" : ",", name);
		else
			fprintf(out, "  stack ends       %s:", name);
		for (int r = 0; r < HP_STOP_REASON_MAX; r++)
			fprintf(out, json ? "%s\"%s\":%" PRIu64 : "%s %s %" PRIu64, r ? "," : "",
				hp_stop_reason_str(r), c[HP_CNT_STOP(prog, r)]);
		fputs(json ? "}" : "\n", out);
		first = 0;
	}
}

static double ns_per_sample(const struct hp_run_stats *s)
{
	return s->bpf.run_cnt ? (double)s->bpf.run_time_ns / s->bpf.run_cnt : 0;
}

/*
 * hostprof's steady-state CPU while sampling (BPF + its process's drain
 * loop) as a share of one core, in percent.
 */
static double cpu_percent(const struct hp_run_stats *s)
{
	double cpu = s->loop_cpu_s + s->bpf.run_time_ns / 1e9;

	return s->wall_s > 0 ? 100.0 * cpu / s->wall_s : 0;
}

void hp_stats_print(FILE *out, const struct hp_run_stats *s, int json)
{
	const uint64_t *c = s->bpf.counters;

	if (json) {
		fprintf(out,
			"{\"samples\":%" PRIu64 ",\"idle\":%" PRIu64 ",\"filtered\":%" PRIu64
			",\"emitted\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"aggregated\":%" PRIu64
			",\"bad_records\":%" PRIu64 ",\"process_exits\":%" PRIu64
			",\"windows\":%" PRIu64 ",\"distinct_stacks\":%" PRIu64 ",\"stack_ends\":{",
			c[HP_CNT_SAMPLES], c[HP_CNT_IDLE], c[HP_CNT_FILTERED], c[HP_CNT_EMITTED],
			c[HP_CNT_RB_FULL], s->samples_aggregated, s->bad_records, c[HP_CNT_EXITS],
			s->windows, s->distinct_stacks);
		print_stack_ends(out, c, 1);
		fprintf(out,
			"},\"bpf_runs\":%" PRIu64 ",\"bpf_ns_total\":%" PRIu64
			",\"bpf_ns_per_sample\":%.1f,\"map_bytes\":%" PRIu64
			",\"wall_seconds\":%.3f,\"user_cpu_seconds\":%.3f,\"sys_cpu_seconds\":%.3f"
			",\"loop_cpu_seconds\":%.4f"
			",\"cpu_percent_of_one_core\":%.4f,\"max_rss_kb\":%ld,\"files\":%" PRIu64
			",\"maps_reads\":%" PRIu64,
			s->bpf.run_cnt, s->bpf.run_time_ns, ns_per_sample(s), s->bpf.map_bytes,
			s->wall_s, s->user_cpu_s, s->sys_cpu_s, s->loop_cpu_s, cpu_percent(s),
			s->max_rss_kb, s->files, s->maps_reads);
		hp_unwinders_print_stats(out, 1);
		fputs(",\"verified_insns\":{", out);
		for (int i = 0; i < s->bpf.nprogs; i++)
			fprintf(out, "%s\"%s\":%u", i ? "," : "", s->bpf.progs[i].name,
				s->bpf.progs[i].verified_insns);
		fputc('}', out);
		fprintf(out, ",\"window_encode_ms_mean\":%.2f,\"window_encode_ms_max\":%.2f",
			s->encode_ms_mean, s->encode_ms_max);
		fputs(",\"sinks\":{", out);
		for (size_t i = 0; i < s->nsinks; i++) {
			fputs(i ? "," : "", out);
			hp_http_sink_print_stats(s->sinks[i], out, 1);
		}
		fputs("}}\n", out);
		return;
	}
	fprintf(out, "hostprof stats:\n");
	fprintf(out, "  samples          %" PRIu64 " (idle %" PRIu64 ", filtered %" PRIu64 ")\n",
		c[HP_CNT_SAMPLES], c[HP_CNT_IDLE], c[HP_CNT_FILTERED]);
	fprintf(out,
		"  records          %" PRIu64 " sent, %" PRIu64 " lost (ring buffer full), %" PRIu64
		" aggregated, %" PRIu64 " malformed\n",
		c[HP_CNT_EMITTED], c[HP_CNT_RB_FULL], s->samples_aggregated, s->bad_records);
	print_stack_ends(out, c, 0);
	fprintf(out, "  process exits    %" PRIu64 " seen\n", c[HP_CNT_EXITS]);
	fprintf(out, "  distinct stacks  %" PRIu64 ", files %" PRIu64 ", maps reads %" PRIu64 "\n",
		s->distinct_stacks, s->files, s->maps_reads);
	fprintf(out, "  BPF              %.0f ns/sample over %" PRIu64 " runs%s\n",
		ns_per_sample(s), s->bpf.run_cnt,
		s->bpf.run_cnt ? "" : " (run-time stats unavailable)");
	fprintf(out,
		"  CPU              %.3f s user, %.3f s sys in all; while sampling %.4f%% of one "
		"core (BPF included)\n",
		s->user_cpu_s, s->sys_cpu_s, cpu_percent(s));
	fprintf(out, "  memory           %" PRIu64 " KiB BPF maps, %ld KiB max RSS\n",
		s->bpf.map_bytes / 1024, s->max_rss_kb);
	fprintf(out, "  verifier        ");
	for (int i = 0; i < s->bpf.nprogs; i++)
		fprintf(out, "%s %s %u", i ? "," : "", s->bpf.progs[i].name,
			s->bpf.progs[i].verified_insns);
	fprintf(out, " instructions processed\n");
	hp_unwinders_print_stats(out, 0);
	fprintf(out, "  windows          %" PRIu64 ", %.1f ms CPU each to encode (max %.1f)\n",
		s->windows, s->encode_ms_mean, s->encode_ms_max);
	for (size_t i = 0; i < s->nsinks; i++)
		hp_http_sink_print_stats(s->sinks[i], out, 0);
}
