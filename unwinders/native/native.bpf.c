// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Native unwinder with stack-delta tables compiled from .eh_frame: finds the
 * mapping of the pc, the file's row for it, and computes the caller's
 * registers from the row (see struct hp_unwind_row). Where there is no
 * table (anonymous code, no CFI, unsupported rule) it takes one
 * frame-pointer step instead, so mixed code unwinds whole.
 */
#include "common.bpf.h"

/*
 * Frames per program run. Each costs up to two binary searches; 8 keeps the
 * verifier's work small and reaches HP_MAX_USER_FRAMES in 16 tail calls.
 */
#define NATIVE_FRAMES_PER_CALL 8
/* Binary search steps: 2^11 mappings per process, 2^23 rows per file. */
#define MAPPING_SEARCH_STEPS 11
#define ROW_SEARCH_STEPS     23

/* sigcontext offsets from the ucontext a signal trampoline's rsp points at */
#define UC_MCONTEXT 40
#define SIGCTX_RBP  (UC_MCONTEXT + 80)
#define SIGCTX_RSP  (UC_MCONTEXT + 120)
#define SIGCTX_RIP  (UC_MCONTEXT + 128)

/* tgid -> its range of exec_mappings. Sized for a busy host. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct hp_range);
} proc_mappings SEC(".maps");

/*
 * Every tracked process's executable mappings; capacity set by userspace,
 * which writes it through mmap (no syscall per entry).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1 << 16);
	__type(key, __u32);
	__type(value, struct hp_exec_mapping);
} exec_mappings SEC(".maps");

/* file id -> its range of unwind_rows. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct hp_range);
} file_rows SEC(".maps");

/* Every loaded file's rows, each file's sorted by pc; capacity set and written as above. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1 << 20);
	__type(key, __u32);
	__type(value, struct hp_unwind_row);
} unwind_rows SEC(".maps");

/*
 * Processes whose pc fell outside every known mapping: tgid -> ktime of the
 * last time userspace was woken for it. At most one wakeup per 20 ms per
 * process while userspace catches up. LRU: overflow only costs wakeups.
 */
#define NEW_MAPPING_WAKEUP_NS 20000000ull
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} new_mapping_seen SEC(".maps");

/* Flags the record so userspace reads the process's maps now (rate-limited). */
static __always_inline void report_new_mapping(struct hp_sample *s)
{
	__u64 now = bpf_ktime_get_ns(), *last;

	if (s->flags & HP_SAMPLE_NEW_MAPPING)
		return;
	last = bpf_map_lookup_elem(&new_mapping_seen, &s->pid);
	if (last && now - *last < NEW_MAPPING_WAKEUP_NS)
		return;
	bpf_map_update_elem(&new_mapping_seen, &s->pid, &now, BPF_ANY);
	s->flags |= HP_SAMPLE_NEW_MAPPING;
}

/*
 * What one program run has looked up already: consecutive frames are in the
 * same process and mostly in the same mapping and file, so the hash lookups
 * and the mapping search are done once per run instead of once per frame.
 */
struct lookup_cache {
	struct hp_range proc;	       /* this process's range of exec_mappings */
	struct hp_exec_mapping map;    /* the mapping found last */
	struct hp_range rows;	       /* its file's range of unwind_rows */
	__u32 rows_file;	       /* file id `rows` belongs to; 0: none */
	struct hp_interp_range interp; /* where this process runs an interpreter's eval loop */
	bool have_proc, have_map, have_interp;
};

/* The mapping of pc in this process (copied into the cache), or NULL. */
static __always_inline struct hp_exec_mapping *find_mapping(struct lookup_cache *c, __u64 pc)
{
	struct hp_exec_mapping *m;
	__u32 lo, hi, idx;

	if (c->have_map && pc >= c->map.start && pc < c->map.end)
		return &c->map;
	if (!c->have_proc)
		return NULL;
	lo = c->proc.first;
	hi = c->proc.first + c->proc.count;
	/* last mapping with start <= pc */
	for (int i = 0; i < MAPPING_SEARCH_STEPS && lo < hi; i++) {
		__u32 mid = lo + (hi - lo) / 2;

		m = bpf_map_lookup_elem(&exec_mappings, &mid);
		if (!m)
			return NULL;
		if (m->start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->proc.first)
		return NULL;
	idx = lo - 1;
	m = bpf_map_lookup_elem(&exec_mappings, &idx);
	if (!m || pc >= m->end)
		return NULL;
	c->map = *m;
	c->have_map = true;
	return &c->map;
}

/* The row covering vaddr in the file's table, copied to *out; false if none. */
static __always_inline bool find_row(struct lookup_cache *c, __u32 file_id, __u64 vaddr,
				     struct hp_unwind_row *out)
{
	struct hp_unwind_row *row;
	__u32 lo, hi, idx;

	if (vaddr > 0xffffffffull)
		return false;
	if (c->rows_file != file_id) {
		struct hp_range *r = bpf_map_lookup_elem(&file_rows, &file_id);

		if (!r)
			return false;
		c->rows = *r;
		c->rows_file = file_id;
	}
	lo = c->rows.first;
	hi = c->rows.first + c->rows.count;
	for (int i = 0; i < ROW_SEARCH_STEPS && lo < hi; i++) {
		__u32 mid = lo + (hi - lo) / 2;

		row = bpf_map_lookup_elem(&unwind_rows, &mid);
		if (!row)
			return false;
		if (row->pc <= (__u32)vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->rows.first)
		return false;
	idx = lo - 1;
	row = bpf_map_lookup_elem(&unwind_rows, &idx);
	if (!row)
		return false;
	*out = *row;
	return true;
}

static __always_inline __u64 read_u64(__u64 addr, int *err)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		*err = 1;
	return v;
}

/*
 * One caller step: updates the state to the caller's registers and returns
 * HP_STOP_OK, or returns why the stack ends here (*done: a clean end).
 */
static __always_inline __u32 step(struct hp_unwind_state *st, struct hp_sample *s,
				  struct lookup_cache *c, bool *done)
{
	__u64 pc = st->ip - (st->exact_ip ? 0 : 1), cfa, ra, bp = st->bp;
	struct hp_exec_mapping *m = find_mapping(c, pc);
	struct hp_unwind_row row = {.type = HP_CFA_NONE};
	int err = 0;

	if (m && m->file_id)
		find_row(c, m->file_id, pc - m->bias, &row);
	else if (!m && c->have_proc && st->exact_ip)
		/*
		 * A tracked process runs code we have not seen (dlopen, new
		 * JIT region). Only the exact pc counts: a return address
		 * found by a frame-pointer step may be garbage.
		 */
		report_new_mapping(s);

	switch (row.type) {
	case HP_CFA_END:
		*done = true;
		return HP_STOP_OK;
	case HP_CFA_SIGNAL:
		/*
		 * The trampoline's address is not a return address to look up
		 * at -1 (glibc starts its FDE a byte early for unwinders that
		 * do): symbolize it as is.
		 */
		if (s->user_frames && s->user_frames <= HP_MAX_USER_FRAMES)
			s->frames[(s->user_frames - 1) & (HP_MAX_USER_FRAMES - 1)].flags |=
				HP_FRAME_F_EXACT;
		/* the interrupted registers are in the ucontext at rsp */
		st->ip = read_u64(st->sp + SIGCTX_RIP, &err);
		st->bp = read_u64(st->sp + SIGCTX_RBP, &err);
		st->sp = read_u64(st->sp + SIGCTX_RSP, &err);
		st->exact_ip = 1;
		return err ? HP_STOP_READ_FAILED : HP_STOP_OK;
	case HP_CFA_PLT:
		cfa = st->sp + 8 + ((st->ip & 15) >= 11 ? 8 : 0);
		break;
	case HP_CFA_RSP:
		cfa = st->sp + row.cfa_off;
		break;
	case HP_CFA_RBP:
		cfa = st->bp + row.cfa_off;
		break;
	default:
		/* no table here: one frame-pointer step */
		if (!st->bp) {
			*done = true;
			return HP_STOP_OK;
		}
		if (st->bp & 7)
			return HP_STOP_BAD_FRAME;
		cfa = st->bp + 16;
		bp = read_u64(st->bp, &err);
		if (err)
			return HP_STOP_READ_FAILED;
		/*
		 * A chain going down is garbage (rbp used as a plain register):
		 * the return address beside it is still good, so it is kept
		 * and the walk ends after it.
		 */
		if (bp && bp <= st->bp)
			st->stop_after = HP_STOP_BAD_FRAME;
		break;
	}
	if (row.rbp_off == -2) {
		/* the usual prologue (push rbp): saved rbp and return address in one read */
		__u64 pair[2];

		if (bpf_probe_read_user(pair, sizeof(pair), (void *)(cfa - 16)))
			return HP_STOP_READ_FAILED;
		bp = pair[0];
		ra = pair[1];
	} else {
		ra = read_u64(cfa - 8, &err);
		if (row.rbp_off)
			bp = read_u64(cfa + (__s64)row.rbp_off * 8, &err);
		if (err)
			return HP_STOP_READ_FAILED;
	}
	/* the caller's frame is above ours; anything else is a loop or garbage */
	if (cfa <= st->sp)
		return HP_STOP_BAD_FRAME;
	st->ip = ra;
	st->sp = cfa;
	st->bp = bp;
	st->exact_ip = 0;
	return HP_STOP_OK;
}

SEC("perf_event")
int hp_unwind_native(struct bpf_perf_event_data *ctx)
{
	struct hp_scratch *scr = hp_scratch_get();
	struct lookup_cache c = {};
	struct hp_interp_range *interp;
	struct hp_unwind_state *st;
	struct hp_range *proc;
	struct hp_sample *s;

	if (!scr)
		return 0;
	st = &scr->state;
	s = &scr->sample;
	proc = bpf_map_lookup_elem(&proc_mappings, &s->pid);
	if (proc) {
		c.proc = *proc;
		c.have_proc = true;
	}
	interp = bpf_map_lookup_elem(&interp_ranges, &s->pid);
	if (interp) {
		c.interp = *interp;
		c.have_interp = true;
	}
	for (int i = 0; i < NATIVE_FRAMES_PER_CALL; i++) {
		bool done = false;
		__u32 reason;

		if (st->interp_flags & HP_INTERP_SKIP_PUSH) {
			/* the interpreter's frames stand in for this one: only step over it */
			st->interp_flags &= ~HP_INTERP_SKIP_PUSH;
		} else {
			__u64 pc = st->ip - (st->exact_ip ? 0 : 1);

			if (c.have_interp && pc >= c.interp.start && pc < c.interp.end) {
				hp_tail_call(ctx, scr, c.interp.prog);
				return 0;
			}
			if (!hp_push_ip(scr))
				return 0;
		}
		if (st->stop_after) {
			hp_finish(scr, st->stop_after);
			return 0;
		}
		reason = step(st, s, &c, &done);
		if (reason != HP_STOP_OK || done) {
			hp_finish(scr, reason);
			return 0;
		}
	}
	hp_tail_call(ctx, scr, HP_PROG_UNWIND_NATIVE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
