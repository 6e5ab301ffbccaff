/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Maps and helpers shared by every hostprof BPF program.
 *
 * Each .bpf.c file is compiled on its own and the objects are linked with
 * `bpftool gen object`. The maps are defined __weak here so every object
 * carries the same definition and the linker merges them into one.
 */
#ifndef HOSTPROF_COMMON_BPF_H
#define HOSTPROF_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "hostprof.h"

/*
 * Per-CPU scratch: the record being built and the unwind state.
 * One slot per CPU is enough: our perf event cannot nest on a CPU.
 * ~2.7 KiB per CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hp_scratch);
} scratch __weak SEC(".maps");

/* Unwinder programs, indexed by enum hp_prog_id; filled by userspace's registry. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, HP_PROG_MAX);
	__type(key, __u32);
	__type(value, __u32);
} unwinders __weak SEC(".maps");

/* Finished records to userspace. Size set by userspace before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} samples __weak SEC(".maps");

/* enum hp_counter -> count, per CPU (no atomics on the hot path). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 64); /* >= HP_CNT_MAX, asserted in hostprof.h */
	__type(key, __u32);
	__type(value, __u64);
} counters __weak SEC(".maps");

/* tgid -> the interpreter eval loop it runs (at most one per process). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct hp_interp_range);
} interp_ranges __weak SEC(".maps");

static __always_inline void hp_count(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &counter);

	if (v)
		*v += 1;
}

static __always_inline struct hp_scratch *hp_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Appends a user frame (aux: its file_id field); returns false when the stack is full. */
static __always_inline bool hp_push_frame_aux(struct hp_sample *s, __u8 kind, __u64 addr,
					      __u8 flags, __u32 aux)
{
	__u32 n = s->user_frames;
	struct hp_frame *f;

	if (n >= HP_MAX_USER_FRAMES)
		return false;
	/*
	 * The mask is what the verifier needs to bound the index. The empty asm
	 * stops clang from proving it redundant (after a caller's clamp, say)
	 * and dropping it, which the verifier would then refuse.
	 */
	asm volatile("" : "+r"(n));
	f = &s->frames[n & (HP_MAX_USER_FRAMES - 1)];
	f->addr = addr;
	f->kind = kind;
	f->flags = flags;
	f->file_id = aux;
	s->user_frames = n + 1;
	return true;
}

static __always_inline bool hp_push_frame(struct hp_sample *s, __u8 kind, __u64 addr, __u8 flags)
{
	return hp_push_frame_aux(s, kind, addr, flags, 0);
}

/* Sends the used prefix of the record to userspace. */
static __always_inline void hp_emit(struct hp_sample *s)
{
	__u64 n = s->user_frames;
	__u64 size, flags;

	if (n > HP_MAX_USER_FRAMES)
		n = HP_MAX_USER_FRAMES;
	size = offsetof(struct hp_sample, frames) + n * sizeof(struct hp_frame);
	/* redundant for us, needed by the verifier to bound the read */
	if (size > sizeof(*s))
		size = sizeof(*s);
	/*
	 * Userspace drains on a timer, so records normally wake nobody (a
	 * wakeup per sample costs more than the sample). Wake it at once for a
	 * process's first sample (its maps must be read while it lives), for
	 * code in a mapping it does not know yet (dlopen: its table is needed
	 * now), and past half full (so a burst is not lost).
	 */
	flags = (s->flags & (HP_SAMPLE_NEW_PROCESS | HP_SAMPLE_NEW_MAPPING)) ||
				bpf_ringbuf_query(&samples, BPF_RB_AVAIL_DATA) >
					bpf_ringbuf_query(&samples, BPF_RB_RING_SIZE) / 2
			? BPF_RB_FORCE_WAKEUP
			: BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&samples, s, size, flags))
		hp_count(HP_CNT_RB_FULL);
	else
		hp_count(HP_CNT_EMITTED);
}

/*
 * Ends the user stack with `reason`, counted against the unwinder running
 * now, and emits the record. Error reasons leave an error frame (replacing
 * the last frame if the stack is full) so userspace can show where and why
 * the stack was cut.
 */
static __always_inline void hp_finish(struct hp_scratch *scr, __u32 reason)
{
	struct hp_sample *s = &scr->sample;
	__u32 prog = scr->state.prog;

	if (reason < HP_STOP_REASON_MAX && prog <= HP_PROG_MAX)
		hp_count(HP_CNT_STOP(prog, reason));
	if (reason != HP_STOP_OK) {
		if (s->user_frames >= HP_MAX_USER_FRAMES)
			s->user_frames = HP_MAX_USER_FRAMES - 1;
		hp_push_frame(s, HP_FRAME_ERROR, reason, 0);
		s->flags |= HP_SAMPLE_USER_TRUNCATED;
	}
	hp_emit(s);
}

/*
 * Pushes the native frame at the unwind state's ip. Returns false when the
 * record was finished instead: ip 0 (the stack ended) or no room left.
 */
static __always_inline bool hp_push_ip(struct hp_scratch *scr)
{
	struct hp_unwind_state *st = &scr->state;

	if (!st->ip) {
		hp_finish(scr, HP_STOP_OK);
		return false;
	}
	if (!hp_push_frame(&scr->sample, HP_FRAME_NATIVE, st->ip,
			   st->exact_ip ? HP_FRAME_F_EXACT : 0)) {
		hp_finish(scr, HP_STOP_MAX_DEPTH);
		return false;
	}
	return true;
}

/*
 * Budgeted tail call into unwinder `prog`. Returns only if the call did not
 * happen; the record has then been finished with the reason why (an empty
 * slot counts against `prog`, a spent budget against the caller).
 */
static __always_inline void hp_tail_call(void *ctx, struct hp_scratch *scr, __u32 prog)
{
	if (scr->state.tail_calls >= HP_MAX_TAIL_CALLS) {
		hp_finish(scr, HP_STOP_TAIL_CALLS);
		return;
	}
	scr->state.tail_calls++;
	scr->state.prog = prog;
	bpf_tail_call(ctx, &unwinders, prog);
	hp_finish(scr, HP_STOP_NO_UNWINDER);
}

#endif /* HOSTPROF_COMMON_BPF_H */
