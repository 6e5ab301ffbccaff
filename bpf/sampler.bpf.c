// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The perf-event program attached to every CPU: takes one sample, records
 * the kernel stack, finds the user registers and hands the user stack to
 * the first unwinder.
 */
#include "common.bpf.h"

/* Set by userspace before load. */
const volatile __u32 filter_pids = 0; /* 1: only pids in pid_filter are sampled */
/* 1: user stacks from the kernel's own frame-pointer walker (benchmark baseline) */
const volatile __u32 kernel_user_stacks = 0;
/* The unwinder user stacks start with (hp_prog_id). */
const volatile __u32 first_unwinder = HP_PROG_UNWIND_NATIVE;

/* --pid filter: tgid -> 1. Sized for the CLI's limit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} pid_filter SEC(".maps");

/*
 * Processes userspace has been told about: tgid -> 1. The first sample of a
 * process not in here is flagged HP_SAMPLE_NEW_PROCESS; exit and exec remove
 * the entry. LRU, so a host with more live processes than entries only
 * costs extra wakeups, never a failure.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} known_pids SEC(".maps");

/*
 * x86_64 kernel stacks: THREAD_SIZE = PAGE_SIZE << (2 + KASAN_STACK_ORDER),
 * 16 KiB on distribution kernels (KASAN doubles it; such kernels take the
 * bpf_task_pt_regs() path below from 5.15 on). The registers saved at kernel
 * entry sit at its very top (TOP_OF_KERNEL_STACK_PADDING is 0 on x86_64).
 */
#define HP_THREAD_SIZE (4096 << 2)

/*
 * Reads the user registers of a task that was sampled while in the kernel
 * (syscall, page fault, interrupt taken in kernel mode): they are the
 * pt_regs saved at kernel entry, at the top of its kernel stack.
 * bpf_task_pt_regs() (5.15) finds them; before it, they are computed from
 * task->stack. The check is a CO-RE relocation against the running
 * kernel's helper enum: the branch it rules out is removed by the verifier
 * before the unknown helper would be looked up.
 */
static __always_inline void user_regs_of_current(struct hp_unwind_state *st,
						 struct task_struct *task)
{
	struct pt_regs *regs;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		/* it wants a BTF-typed task pointer */
		regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	else
		regs = (struct pt_regs *)((char *)BPF_CORE_READ(task, stack) + HP_THREAD_SIZE) - 1;

	st->ip = BPF_CORE_READ(regs, ip);
	st->sp = BPF_CORE_READ(regs, sp);
	st->bp = BPF_CORE_READ(regs, bp);
}

/* The header every record starts with: who, where, when; no frames yet. */
static __always_inline void record_header(struct hp_sample *s, __u32 pid, __u32 tid, __u32 flags)
{
	s->ktime_ns = bpf_ktime_get_ns();
	s->pid = pid;
	s->tid = tid;
	s->cpu = bpf_get_smp_processor_id();
	s->flags = flags;
	s->kernel_frames = 0;
	s->user_frames = 0;
	s->pad = 0;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

/*
 * Comparison mode: bpf_get_stack(BPF_F_USER_STACK) writes raw u64 addresses
 * into the frames area, which is then widened in place into hp_frames from
 * the top down (frames[i] only overlaps raw[2i] and raw[2i+1], already read).
 */
static __always_inline void kernel_user_stack(void *ctx, struct hp_sample *s)
{
	__u64 *raw = (__u64 *)s->frames;
	long n = bpf_get_stack(ctx, raw, HP_MAX_USER_FRAMES * sizeof(__u64), BPF_F_USER_STACK);

	n = n > 0 ? n / sizeof(__u64) : 0;
	for (int i = HP_MAX_USER_FRAMES - 1; i >= 0; i--) {
		__u64 addr;

		if (i >= n)
			continue;
		addr = raw[i];
		s->frames[i].addr = addr;
		s->frames[i].file_id = 0;
		s->frames[i].kind = HP_FRAME_NATIVE;
		s->frames[i].flags = i == 0 ? HP_FRAME_F_EXACT : 0;
	}
	s->user_frames = n;
	hp_count(HP_CNT_STOP(HP_PROG_MAX, HP_STOP_OK));
	hp_emit(s);
}

SEC("perf_event")
int hp_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	struct task_struct *task;
	struct hp_scratch *scr;
	struct hp_sample *s;
	long n;

	hp_count(HP_CNT_SAMPLES);
	if (tid == 0) {
		hp_count(HP_CNT_IDLE);
		return 0;
	}
	if (filter_pids && !bpf_map_lookup_elem(&pid_filter, &pid)) {
		hp_count(HP_CNT_FILTERED);
		return 0;
	}
	scr = hp_scratch_get();
	if (!scr)
		return 0;
	s = &scr->sample;
	record_header(s, pid, tid, 0);
	if (!bpf_map_lookup_elem(&known_pids, &pid)) {
		__u8 one = 1;

		bpf_map_update_elem(&known_pids, &pid, &one, BPF_ANY);
		s->flags |= HP_SAMPLE_NEW_PROCESS;
	}
	task = (struct task_struct *)bpf_get_current_task();
	BPF_CORE_READ_STR_INTO(&s->proc_comm, task, group_leader, comm);

	/* empty when the sample interrupted user mode */
	n = bpf_get_stack(ctx, s->kstack, sizeof(s->kstack), 0);
	s->kernel_frames = n > 0 ? n / sizeof(__u64) : 0;

	if (kernel_user_stacks) {
		kernel_user_stack(ctx, s);
		return 0;
	}
	scr->state.tail_calls = 0;
	scr->state.exact_ip = 1;
	scr->state.stop_after = HP_STOP_OK;
	scr->state.interp_frame = 0;
	scr->state.interp_flags = 0;
	/*
	 * User mode iff the interrupted ip is a user address (top bit clear on
	 * x86_64). The perf_event context only allows 8-byte loads, so the
	 * 2-byte cs cannot be read directly.
	 */
	if ((long)ctx->regs.ip >= 0) {
		scr->state.ip = ctx->regs.ip;
		scr->state.sp = ctx->regs.sp;
		scr->state.bp = ctx->regs.bp;
	} else if (BPF_CORE_READ(task, mm)) {
		user_regs_of_current(&scr->state, task);
	} else {
		s->flags |= HP_SAMPLE_KERNEL_THREAD;
		hp_emit(s);
		return 0;
	}
	hp_tail_call(ctx, scr, first_unwinder);
	return 0;
}

/*
 * A process (thread-group leader) exits: its pid may be reused. Raw
 * tracepoints attach by name: no tracefs mount needed.
 */
SEC("raw_tp/sched_process_exit")
int hp_process_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;

	struct hp_sample *rec;

	if (pid != (__u32)id || !bpf_map_lookup_elem(&known_pids, &pid))
		return 0; /* a thread, or a process userspace never heard of */
	bpf_map_delete_elem(&known_pids, &pid);
	/* tell userspace, so it frees what it holds for the process */
	rec = bpf_ringbuf_reserve(&samples, offsetof(struct hp_sample, kstack), 0);
	if (!rec) {
		hp_count(HP_CNT_RB_FULL);
		return 0;
	}
	record_header(rec, pid, pid, HP_SAMPLE_EXIT);
	__builtin_memcpy(rec->proc_comm, rec->comm, sizeof(rec->comm)); /* the leader exits */
	bpf_ringbuf_submit(rec, 0);
	hp_count(HP_CNT_EXITS);
	return 0;
}

/* A new image replaces the process's mappings. */
SEC("raw_tp/sched_process_exec")
int hp_process_exec(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&known_pids, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
