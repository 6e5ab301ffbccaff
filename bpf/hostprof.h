/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Record layouts and ids shared by the BPF programs and userspace.
 *
 * Included by both sides: only fixed-width types, explicit padding, and
 * static asserts on every size and offset that crosses the boundary.
 * Enums are #defines or plain enum constants, never field types.
 */
#ifndef HOSTPROF_H
#define HOSTPROF_H

#ifdef __bpf__
/* vmlinux.h provides the __u* types on the BPF side */
#else
#include <linux/types.h>
#include <stddef.h>
#endif

#define HP_COMM_LEN 16

/* Deepest user stack an unwinder may record. */
#define HP_MAX_USER_FRAMES 128
/* Deepest kernel stack; bpf_get_stack() writes it in place. */
#define HP_MAX_KERNEL_FRAMES 64

/*
 * Tail-call budget. The kernel stops a chain at 33 tail calls
 * (MAX_TAIL_CALL_CNT); hp_tail_call() stops ours one earlier so the last
 * program can still emit the record with a truncation frame.
 */
#define HP_MAX_TAIL_CALLS 29

/* Program ids: the slots of the prog_array `unwinders`. */
enum hp_prog_id {
	HP_PROG_UNWIND_NATIVE_FP = 0, /* frame pointers only */
	HP_PROG_UNWIND_NATIVE = 1,    /* .eh_frame tables, frame pointers where none */
	HP_PROG_UNWIND_PYTHON = 2,    /* CPython frames, entered from the native unwinder */
	HP_PROG_MAX = 8,	      /* size of the prog array; raise when adding unwinders */
};

/* hp_frame.kind */
enum hp_frame_kind {
	HP_FRAME_NATIVE = 1, /* addr: virtual address in the sampled process */
	HP_FRAME_ERROR = 2,  /* addr: an hp_stop_reason; the stack was cut here */
	HP_FRAME_KERNEL = 3, /* addr: kernel address (userspace only: kstack entries) */
	/*
	 * addr: PyCodeObject address; file_id: the instruction's offset in the
	 * version's unit (bytes from the first instruction; f_lasti before 3.11)
	 */
	HP_FRAME_PYTHON = 4,
};

/*
 * Why a user stack ended. HP_STOP_OK and HP_STOP_OUTERMOST are clean ends;
 * the others add an error frame and bump the matching counter.
 */
enum hp_stop_reason {
	HP_STOP_OK = 0,		 /* reached a zero frame pointer / return address */
	HP_STOP_READ_FAILED = 1, /* user memory not readable (paged out, bad pointer) */
	HP_STOP_MAX_DEPTH = 2,	 /* HP_MAX_USER_FRAMES reached */
	HP_STOP_TAIL_CALLS = 3,	 /* tail-call budget exhausted */
	HP_STOP_NO_UNWINDER = 4, /* prog array slot empty */
	HP_STOP_BAD_FRAME = 5,	 /* frame pointer went backwards or was misaligned */
	HP_STOP_REASON_MAX = 6,
};

/*
 * Native unwinding tables ("stack deltas"), compiled in userspace from a
 * file's .eh_frame/.debug_frame CFI. A row holds from its pc up to the next
 * row's pc, and says how to find the caller's frame from this one:
 *   CFA = (type == RSP ? rsp : rbp) + cfa_off;  return address = *(CFA - 8);
 *   caller's rbp = rbp_off ? *(CFA + rbp_off * 8) : rbp (unchanged).
 */
enum hp_cfa_type {
	HP_CFA_NONE = 0,   /* no usable CFI here: fall back to frame pointers */
	HP_CFA_RSP = 1,	   /* CFA = rsp + cfa_off */
	HP_CFA_RBP = 2,	   /* CFA = rbp + cfa_off */
	HP_CFA_PLT = 3,	   /* PLT stub: CFA = rsp + 8, + 8 more once (rip & 15) >= 11 */
	HP_CFA_SIGNAL = 4, /* signal trampoline: registers are in the sigcontext at rsp */
	HP_CFA_END = 5,	   /* outermost frame (return address undefined): stack ends */
};

/* 8 bytes; a file's rows are sorted by pc and stored contiguously. */
struct hp_unwind_row {
	__u32 pc;      /* ELF virtual address; files with text above 4 GiB get no table */
	__u16 cfa_off; /* bytes */
	__u8 type;     /* enum hp_cfa_type */
	__s8 rbp_off;  /* in 8-byte words from the CFA; 0: rbp unchanged */
};

/*
 * Where a process's executable mappings are: a range of the global
 * `exec_mappings` array, sorted by start. Value of `proc_mappings` (key: tgid).
 */
struct hp_range {
	__u32 first;
	__u32 count;
};

/* One executable mapping of a process. 32 bytes. */
struct hp_exec_mapping {
	__u64 start, end; /* [start, end) in the process */
	__u64 bias;	  /* ELF vaddr = address - bias */
	__u32 file_id;	  /* key of `file_rows`; 0: no table (anonymous, JIT, not ELF) */
	__u32 pad;
};

/* One user frame. 16 bytes; frames are stored leaf first. */
struct hp_frame {
	__u64 addr;    /* see hp_frame_kind */
	__u32 file_id; /* 0 until per-file unwinding tables exist (issue 3) */
	__u8 kind;     /* hp_frame_kind */
	__u8 flags;    /* HP_FRAME_F_* */
	__u8 pad[2];
};

/*
 * hp_frame.flags. EXACT: addr is where the CPU was (the leaf, the frame a
 * signal interrupted, a signal trampoline), symbolized as is; otherwise it
 * is a return address, symbolized at addr - 1 (the call).
 */
#define HP_FRAME_F_EXACT 0x1

/* flags in hp_sample.flags */
#define HP_SAMPLE_USER_TRUNCATED 0x1 /* the last user frame is an error frame */
#define HP_SAMPLE_KERNEL_THREAD	 0x2 /* no user address space */
#define HP_SAMPLE_NEW_PROCESS	 0x4 /* first sample since the process started or exec'd */
#define HP_SAMPLE_NEW_MAPPING	 0x8 /* a pc outside the known mappings (dlopen, mmap) */
/*
 * Not a sample: process `pid` exited. Only the header up to kstack is sent;
 * no frames follow and userspace aggregates nothing from it.
 */
#define HP_SAMPLE_EXIT 0x10

/*
 * One sample as it reaches userspace through the ring buffer. The record is
 * built in a per-CPU scratch slot, and only the used prefix is sent:
 * offsetof(frames) + user_frames * sizeof(struct hp_frame).
 */
struct hp_sample {
	__u64 ktime_ns; /* bpf_ktime_get_ns() at the sample */
	__u32 pid;	/* tgid */
	__u32 tid;
	__u32 cpu;
	__u16 kernel_frames;	     /* valid entries of kstack */
	__u16 user_frames;	     /* valid entries of frames */
	__u8 comm[HP_COMM_LEN];	     /* thread name */
	__u8 proc_comm[HP_COMM_LEN]; /* group leader's name */
	__u32 flags;		     /* HP_SAMPLE_* */
	__u32 pad;
	__u64 kstack[HP_MAX_KERNEL_FRAMES]; /* kernel return addresses, leaf first */
	struct hp_frame frames[HP_MAX_USER_FRAMES];
};

/*
 * Unwind state carried across tail calls in the same per-CPU slot as the
 * record (tail calls keep the context but not the BPF stack).
 */
struct hp_unwind_state {
	__u64 ip;
	__u64 sp;
	__u64 bp;
	__u32 tail_calls; /* tail calls taken so far for this sample */
	__u32 prog;	  /* hp_prog_id of the unwinder running now (for its counters) */
	__u32 exact_ip;	  /* 1: ip is where the CPU was (leaf, or after a signal frame);
			   * 0: a return address, looked up at ip - 1 */
	__u32 stop_after; /* hp_stop_reason to end with once ip is pushed; 0: none */
	/*
	 * An interpreter's own frame chain, walked alongside the native one:
	 * the next interpreter frame to emit (0: none left, or not found yet).
	 */
	__u64 interp_frame;
	__u32 interp_flags; /* HP_INTERP_* */
	__u32 pad;
};

/* hp_unwind_state.interp_flags */
#define HP_INTERP_STARTED   0x1 /* interp_frame was looked up for this sample */
#define HP_INTERP_SKIP_PUSH 0x2 /* the native frame at ip was replaced by interpreter frames */

/*
 * Where a process runs an interpreter's eval loop (absolute addresses): a
 * native frame there hands over to unwinder `prog`, which emits the
 * interpreted frames that eval-loop call runs, in place of its native frame.
 */
struct hp_interp_range {
	__u64 start, end; /* [start, end) */
	__u32 prog;	  /* hp_prog_id */
	__u32 pad;
};

struct hp_scratch {
	struct hp_unwind_state state;
	struct hp_sample sample;
};

/* Counters in the per-CPU array `counters`, summed by userspace. */
enum hp_counter {
	HP_CNT_SAMPLES = 0,  /* perf events handled */
	HP_CNT_FILTERED = 1, /* dropped by --pid */
	HP_CNT_EMITTED = 2,  /* records written to the ring buffer */
	HP_CNT_RB_FULL = 3,  /* records lost: ring buffer full */
	HP_CNT_IDLE = 4,     /* samples of the idle task (pid 0), skipped */
	HP_CNT_EXITS = 5,    /* exit records sent (not samples) */
	/*
	 * How user stacks ended, per unwinder: HP_CNT_STOP_BASE +
	 * prog * HP_STOP_REASON_MAX + reason. prog == HP_PROG_MAX is the
	 * kernel's own walker (--kernel-user-stacks).
	 */
	HP_CNT_STOP_BASE = 8,
	HP_CNT_MAX = HP_CNT_STOP_BASE + (HP_PROG_MAX + 1) * HP_STOP_REASON_MAX,
};

#define HP_CNT_STOP(prog, reason) (HP_CNT_STOP_BASE + (prog)*HP_STOP_REASON_MAX + (reason))

#ifndef __bpf__
_Static_assert(sizeof(struct hp_frame) == 16, "hp_frame layout");
_Static_assert(sizeof(struct hp_unwind_row) == 8, "hp_unwind_row layout");
_Static_assert(offsetof(struct hp_sample, kstack) == 64, "hp_sample header layout");
_Static_assert(offsetof(struct hp_sample, frames) == 64 + 8 * HP_MAX_KERNEL_FRAMES,
	       "hp_sample frames offset");
_Static_assert(sizeof(struct hp_sample) % 8 == 0, "hp_sample alignment");
_Static_assert(sizeof(struct hp_unwind_state) == 56, "hp_unwind_state layout");
_Static_assert(sizeof(struct hp_interp_range) == 24, "hp_interp_range layout");
_Static_assert(sizeof(struct hp_exec_mapping) == 32, "hp_exec_mapping layout");
_Static_assert(sizeof(struct hp_range) == 8, "hp_range layout");
_Static_assert(HP_CNT_MAX <= 64, "counters map size");
#endif

#endif /* HOSTPROF_H */
