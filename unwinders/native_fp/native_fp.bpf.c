// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Native frame-pointer unwinder: follows the rbp chain in user memory.
 *
 * x86_64 frame with frame pointers:  [rbp] = caller's rbp, [rbp+8] = return
 * address. Walks FP_FRAMES_PER_CALL frames per invocation, then tail-calls
 * itself, so a deep stack costs several short programs instead of one that
 * the verifier would have to explore for HP_MAX_USER_FRAMES iterations.
 */
#include "common.bpf.h"

/* 16 frames x 2 reads per call: 8 calls reach HP_MAX_USER_FRAMES. */
#define FP_FRAMES_PER_CALL 16

SEC("perf_event")
int hp_unwind_native_fp(struct bpf_perf_event_data *ctx)
{
	struct hp_scratch *scr = hp_scratch_get();
	struct hp_unwind_state *st;
	struct hp_sample *s;
	__u64 frame[2]; /* saved rbp, return address */

	if (!scr)
		return 0;
	st = &scr->state;
	s = &scr->sample;
	for (int i = 0; i < FP_FRAMES_PER_CALL; i++) {
		if (!hp_push_ip(scr))
			return 0;
		if (!st->bp) {
			hp_finish(scr, HP_STOP_OK); /* outermost frame: _start clears rbp */
			return 0;
		}
		if (st->bp & 7) {
			hp_finish(scr, HP_STOP_BAD_FRAME);
			return 0;
		}
		if (bpf_probe_read_user(frame, sizeof(frame), (void *)st->bp)) {
			hp_finish(scr, HP_STOP_READ_FAILED);
			return 0;
		}
		/*
		 * The caller's frame is above ours: a chain going down is garbage,
		 * typically code without frame pointers (libc's start code) that
		 * uses rbp as a plain register. The return address was read from a
		 * good frame, so it is kept before stopping.
		 */
		if (frame[0] && frame[0] <= st->bp) {
			if (frame[1])
				hp_push_frame(s, HP_FRAME_NATIVE, frame[1], 0);
			hp_finish(scr, HP_STOP_BAD_FRAME);
			return 0;
		}
		st->sp = st->bp + 16;
		st->bp = frame[0];
		st->ip = frame[1];
		st->exact_ip = 0;
	}
	hp_tail_call(ctx, scr, HP_PROG_UNWIND_NATIVE_FP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
