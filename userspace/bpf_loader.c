// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpf_loader.h"
#include "cpulist.h"
#include "hostprof.skel.h"
#include "log.h"
#include "util.h"
#include "registry.h"

static int fill_prog_array(struct hp_bpf *b)
{
	int map_fd = bpf_map__fd(b->skel->maps.unwinders);

	for (size_t i = 0; i < hp_unwinders_count; i++) {
		const struct hp_unwinder_ops *u = hp_unwinders[i];
		struct bpf_program *prog =
			bpf_object__find_program_by_name(b->skel->obj, u->prog_name);
		__u32 key = u->prog_id;
		int fd;

		if (!prog) {
			hp_err("failed to find BPF program %s of unwinder %s", u->prog_name,
			       u->name);
			return -ENOENT;
		}
		fd = bpf_program__fd(prog);
		if (bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY)) {
			int err = -errno;

			hp_err("failed to register unwinder %s: %s", u->name, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int fill_pid_filter(struct hp_bpf *b, const struct hp_options *o)
{
	int fd = bpf_map__fd(b->skel->maps.pid_filter);
	__u8 one = 1;

	for (size_t i = 0; i < o->npids; i++) {
		__u32 pid = o->pids[i];

		if (bpf_map_update_elem(fd, &pid, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int attach_cpus(struct hp_bpf *b, const struct hp_options *o)
{
	int ncpus = libbpf_num_possible_cpus();
	uint8_t *online;
	char *text;
	size_t len;
	int err;

	if (ncpus <= 0)
		return ncpus ? ncpus : -ENODEV;
	err = hp_read_file("/sys/devices/system/cpu/online", &text, &len);
	if (err) {
		hp_err("failed to read online CPUs: %s", strerror(-err));
		return err;
	}
	online = calloc(ncpus, 1);
	b->links = calloc(ncpus, sizeof(*b->links));
	err = online && b->links ? hp_cpulist_parse(text, online, ncpus) : -ENOMEM;
	free(text);
	if (err) {
		hp_err("failed to parse online CPUs: %s", strerror(-err));
		goto out;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		/* cpu-clock counts nanoseconds: a period of 1e9/freq ns is freq Hz */
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.size = sizeof(attr),
			.sample_period = 1000000000ull / o->frequency,
		};
		int fd;

		if (!online[cpu])
			continue;
		fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			hp_err("failed to open perf event on CPU %d: %s%s", cpu, strerror(-err),
			       err == -EACCES || err == -EPERM
				       ? " (needs root or CAP_PERFMON; check kernel.perf_event_paranoid)"
				       : "");
			goto out;
		}
		b->links[b->nlinks] = bpf_program__attach_perf_event(b->skel->progs.hp_sample, fd);
		if (!b->links[b->nlinks]) {
			err = -errno;
			close(fd);
			hp_err("failed to attach to CPU %d: %s", cpu, strerror(-err));
			goto out;
		}
		b->nlinks++;
	}
	err = 0;
out:
	free(online);
	return err;
}

/*
 * Default ring buffer: room for 2 s of records from every CPU (~1 KiB each),
 * so the 1 s drain timer plus the half-full wakeup never fall behind; at
 * least 1 MiB, at most 256 MiB, a power of two as the kernel requires.
 */
static size_t ringbuf_bytes(const struct hp_options *o)
{
	uint64_t want = 2ull * libbpf_num_possible_cpus() * o->frequency * 1024;
	size_t sz = 1 << 20;

	if (o->ringbuf_kb)
		return (size_t)o->ringbuf_kb * 1024;
	while (sz < want && sz < (256u << 20))
		sz <<= 1;
	return sz;
}

static void explain_load_error(int err)
{
	/* EACCES from root is the verifier's; EPERM is a missing capability */
	if (err == -EPERM || (err == -EACCES && geteuid() != 0))
		hp_err("failed to load BPF programs: %s. hostprof needs root, or CAP_BPF, "
		       "CAP_PERFMON and CAP_SYS_PTRACE",
		       strerror(-err));
	else if (access("/sys/kernel/btf/vmlinux", R_OK))
		hp_err("failed to load BPF programs: %s. This kernel has no BTF "
		       "(/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y); hostprof needs it",
		       strerror(-err));
	else
		hp_err("failed to load BPF programs: %s (the verifier refused them on this kernel; "
		       "-vv shows its log)",
		       strerror(-err));
}

/*
 * The verifier's own count of instructions it processed for each program,
 * from its statistics log (BPF_LOG_STATS, every kernel since 5.2):
 * "processed N insns (limit 1000000) ...".
 */
static void read_verifier_stats(struct hp_bpf *b, char (*logs)[HP_VERIFIER_LOG])
{
	struct bpf_program *prog;
	size_t i = 0;

	bpf_object__for_each_program(prog, b->skel->obj) {
		const char *p = strstr(logs[i], "processed ");
		struct hp_prog_stat *ps = &b->progs[b->nprogs];

		if (i++ >= HP_MAX_PROGS)
			break;
		snprintf(ps->name, sizeof(ps->name), "%s", bpf_program__name(prog));
		ps->verified_insns = p ? strtoul(p + 10, NULL, 10) : 0;
		b->nprogs++;
	}
}

/*
 * Opens, configures and loads the skeleton. With logs (one buffer per
 * program), the verifier's statistics are kept; without, a failure's log
 * goes to libbpf's printer (-vv), which asks the verifier for it.
 */
static int open_and_load(struct hp_bpf *b, const struct hp_options *o,
			 char (*logs)[HP_VERIFIER_LOG])
{
	struct bpf_program *prog;
	size_t i = 0;
	int err;

	b->skel = hostprof_bpf__open();
	if (!b->skel)
		return -errno;
	b->skel->rodata->filter_pids = o->npids > 0;
	b->skel->rodata->kernel_user_stacks = o->kernel_user_stacks;
	b->skel->rodata->first_unwinder =
		o->frame_pointers_only ? HP_PROG_UNWIND_NATIVE_FP : HP_PROG_UNWIND_NATIVE;
	bpf_map__set_max_entries(b->skel->maps.samples, ringbuf_bytes(o));
	err = hp_unwinders_configure(b->skel->obj, o);
	if (err) {
		hp_err("failed to configure the unwinders: %s", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(prog, b->skel->obj) {
		if (!logs || i >= HP_MAX_PROGS)
			break;
		bpf_program__set_log_buf(prog, logs[i++], HP_VERIFIER_LOG);
		bpf_program__set_log_level(prog, 4); /* BPF_LOG_STATS: a few lines */
	}
	err = hostprof_bpf__load(b->skel);
	if (!err && logs)
		read_verifier_stats(b, logs);
	return err;
}

/* The kernel lacks what hostprof cannot do without: say so plainly. 0 if fine. */
static int check_kernel(void)
{
	struct utsname u;

	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0)
		return 0;
	uname(&u);
	hp_err("this kernel (%s) is too old for hostprof: it needs BPF ring buffers (Linux 5.8 "
	       "and later; tested from 5.10), BTF and BPF tail calls",
	       u.release);
	return -EOPNOTSUPP;
}

int hp_bpf_start(struct hp_bpf *b, const struct hp_options *o, ring_buffer_sample_fn fn, void *ctx)
{
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	char(*logs)[HP_VERIFIER_LOG];
	int err;

	memset(b, 0, sizeof(*b));
	b->stats_fd = -1;
	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (geteuid() == 0 && check_kernel())
		return -EOPNOTSUPP;

	logs = calloc(HP_MAX_PROGS, HP_VERIFIER_LOG);
	err = open_and_load(b, o, logs);
	free(logs);
	if (err && b->skel) {
		/* again without the statistics log, for the verifier's reasons */
		hostprof_bpf__destroy(b->skel);
		b->skel = NULL;
		b->nprogs = 0;
		err = open_and_load(b, o, NULL);
	}
	if (err) {
		explain_load_error(err);
		goto fail;
	}
	err = fill_prog_array(b);
	if (!err)
		err = fill_pid_filter(b, o);
	if (!err)
		err = hp_unwinders_start(b->skel->obj);
	if (err)
		goto fail;
	if (o->stats) {
		b->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (b->stats_fd < 0)
			hp_dbg("failed to enable BPF run-time stats: %s", strerror(errno));
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.samples), fn, ctx, NULL);
	if (!b->rb) {
		err = -errno;
		hp_err("failed to open ring buffer: %s", strerror(-err));
		goto fail;
	}
	/* process tracking first, so no exit between the two goes unseen */
	err = hostprof_bpf__attach(b->skel);
	if (err) {
		hp_err("failed to attach process tracepoints: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	hp_bpf_destroy(b);
	return err;
}

int hp_bpf_attach_cpus(struct hp_bpf *b, const struct hp_options *o)
{
	int err = attach_cpus(b, o);

	if (err)
		return err;
	hp_dbg("sampling %d CPUs at %u Hz", b->nlinks, o->frequency);
	return 0;
}

int hp_bpf_poll(struct hp_bpf *b, int timeout_ms)
{
	int n = ring_buffer__poll(b->rb, timeout_ms);

	if (n == -EINTR)
		n = 0;
	if (n < 0)
		return n;
	/* BPF rarely wakes us (see hp_emit): take what arrived quietly */
	return ring_buffer__consume(b->rb);
}

void hp_bpf_detach_and_drain(struct hp_bpf *b)
{
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	b->nlinks = 0;
	if (b->rb)
		ring_buffer__consume(b->rb);
}

static uint64_t map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int hp_bpf_read_stats(struct hp_bpf *b, struct hp_bpf_stats *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct bpf_map *map;
	__u64 *vals;

	memset(out, 0, sizeof(*out));
	if (ncpus <= 0)
		return -ENODEV;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < HP_CNT_MAX; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.counters), &k, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			out->counters[k] += vals[c];
	}
	free(vals);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(b->skel->progs.hp_sample), &info, &len)) {
		out->run_cnt = info.run_cnt;
		out->run_time_ns = info.run_time_ns;
	}
	bpf_object__for_each_map(map, b->skel->obj)
		out->map_bytes += map_memlock(bpf_map__fd(map));
	out->progs = b->progs;
	out->nprogs = b->nprogs;
	return 0;
}

void hp_bpf_destroy(struct hp_bpf *b)
{
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	free(b->links);
	ring_buffer__free(b->rb);
	hp_unwinders_stop();
	hostprof_bpf__destroy(b->skel);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	memset(b, 0, sizeof(*b));
	b->stats_fd = -1;
}
