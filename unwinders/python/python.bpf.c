// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPython unwinder. The native unwinder hands over when it reaches a native
 * frame inside _PyEval_EvalFrameDefault (see hp_interp_range); this program
 * emits the Python frames that eval-loop call is running and hands back to
 * the native unwinder, which steps over the eval loop's native frame without
 * emitting it. A later eval-loop frame continues from where this one stopped
 * (hp_unwind_state.interp_frame). From 3.11 one call runs several
 * _PyInterpreterFrames, up to its entry frame (is_entry in 3.11, a shim
 * frame owned by the C stack from 3.12); before, it runs one PyFrameObject.
 */
#include "common.bpf.h"
#include "python.h"

/* Python frames per program run: bounded work per run for the verifier. */
#define PY_FRAMES_PER_CALL 16

/* tgid -> its runtime state and offsets row; written by python.c. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct hp_py_proc);
} py_procs SEC(".maps");

/* One row per supported CPython version; written by python.c. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HP_PY_MAX_ROWS);
	__type(key, __u32);
	__type(value, struct hp_py_offsets);
} py_offsets SEC(".maps");

/*
 * pid_tgid -> the thread's PyThreadState, found once by walking the
 * interpreter's thread list; checked on every use (a state freed and reused
 * by another thread no longer carries our tid).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} py_tstates SEC(".maps");

static __always_inline __u64 read_ptr(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/* The sampled thread's PyThreadState, or 0 (not a Python thread). */
static __always_inline __u64 thread_state(const struct hp_py_proc *proc,
					  const struct hp_py_offsets *o, __u32 tid)
{
	__u64 key = bpf_get_current_pid_tgid(), *cached = bpf_map_lookup_elem(&py_tstates, &key);
	__u64 ts, id = tid;

	if (o->flags & HP_PY_F_PTHREAD_ID) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		id = BPF_CORE_READ(task, thread.fsbase); /* pthread_self() */
	}
	if (cached && *cached && read_ptr(*cached + o->tstate_native_tid) == id)
		return *cached;
	ts = read_ptr(read_ptr(proc->runtime + o->runtime_interp_head) + o->interp_threads_head);
	for (int i = 0; i < HP_PY_MAX_THREAD && ts; i++) {
		if (read_ptr(ts + o->tstate_native_tid) == id) {
			bpf_map_update_elem(&py_tstates, &key, &ts, BPF_ANY);
			return ts;
		}
		ts = read_ptr(ts + o->tstate_next);
	}
	return 0;
}

/* The thread's innermost _PyInterpreterFrame, or 0. */
static __always_inline __u64 current_frame(const struct hp_py_offsets *o, __u64 ts)
{
	if (!ts)
		return 0;
	if (o->tstate_cframe != HP_PY_NO_FIELD)
		ts = read_ptr(ts + o->tstate_cframe);
	return ts ? read_ptr(ts + o->cframe_frame) : 0;
}

SEC("perf_event")
int hp_unwind_python(struct bpf_perf_event_data *ctx)
{
	struct hp_scratch *scr = hp_scratch_get();
	const struct hp_py_offsets *o;
	const struct hp_py_proc *proc;
	struct hp_unwind_state *st;
	struct hp_sample *s;
	bool boundary = false;
	__u64 frame;
	__u32 row;

	if (!scr)
		return 0;
	st = &scr->state;
	s = &scr->sample;
	proc = bpf_map_lookup_elem(&py_procs, &s->pid);
	row = proc ? proc->row : 0;
	o = bpf_map_lookup_elem(&py_offsets, &row);
	if (proc && o && !(st->interp_flags & HP_INTERP_STARTED))
		st->interp_frame = current_frame(o, thread_state(proc, o, s->tid));
	st->interp_flags |= HP_INTERP_STARTED;
	frame = proc && o ? st->interp_frame : 0;
	if (!frame) {
		/* no Python frame left for it (or not a known process): keep the native frame */
		if (!hp_push_ip(scr))
			return 0;
		st->interp_flags |= HP_INTERP_SKIP_PUSH;
		hp_tail_call(ctx, scr, HP_PROG_UNWIND_NATIVE);
		return 0;
	}
	for (int i = 0; i < PY_FRAMES_PER_CALL && frame && !boundary && o; i++) {
		__u64 code = read_ptr(frame + o->frame_code);
		__u64 instr = read_ptr(frame + o->frame_instr);
		__u64 prev = read_ptr(frame + o->frame_previous);
		__u8 owner = 0, entry = 0;
		__u32 offset = (__u32)(instr - code - o->code_first_instr);

		if (o->flags & HP_PY_F_FRAME_OBJECTS) {
			/* one frame object per eval-loop call; f_lasti is an int */
			offset = (__u32)instr;
			entry = 1;
		}

		if (o->frame_is_entry != HP_PY_NO_FIELD)
			bpf_probe_read_user(&entry, 1, (void *)(frame + o->frame_is_entry));
		if (o->owner_cstack != HP_PY_NO_FIELD) {
			bpf_probe_read_user(&owner, 1, (void *)(frame + o->frame_owner));
			if (owner == o->owner_cstack) {
				/* 3.12+: a shim frame marks where this eval-loop call began */
				frame = prev;
				boundary = true;
				break;
			}
		}
		if (!hp_push_frame_aux(s, HP_FRAME_PYTHON, code, 0, offset)) {
			hp_finish(scr, HP_STOP_MAX_DEPTH);
			return 0;
		}
		frame = prev;
		boundary = entry; /* 3.11: this call's first frame; before: every frame */
	}
	st->interp_frame = frame;
	if (frame && !boundary) {
		/* more frames of the same eval-loop call than one run takes */
		hp_tail_call(ctx, scr, HP_PROG_UNWIND_PYTHON);
		return 0;
	}
	st->interp_flags |= HP_INTERP_SKIP_PUSH;
	hp_tail_call(ctx, scr, HP_PROG_UNWIND_NATIVE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
