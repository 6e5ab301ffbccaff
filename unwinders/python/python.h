/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CPython unwinder's maps, shared by python.bpf.c and python.c. Struct
 * offsets differ per CPython version: userspace fills one hp_py_offsets row
 * per version it supports (python_versions.c) into `py_offsets`, and each
 * Python process's `py_procs` entry names its row.
 */
#ifndef HOSTPROF_PYTHON_H
#define HOSTPROF_PYTHON_H

#define HP_PY_NO_FIELD	 0xffff /* the version has no such field */
#define HP_PY_MAX_ROWS	 8	/* rows of py_offsets */
#define HP_PY_MAX_THREAD 64	/* thread states searched for the sampled thread */

/* hp_py_offsets.flags */
/* the thread state has no native_thread_id (before 3.11): match its thread_id,
 * which is pthread_self(), the thread's fs base on x86_64 */
#define HP_PY_F_PTHREAD_ID 0x1
/* before 3.11: one PyFrameObject per eval-loop call, f_back-linked; frame_instr
 * is the int f_lasti (a byte offset in 3.8 and 3.9) */
#define HP_PY_F_FRAME_OBJECTS 0x2

/* Field offsets the BPF walk needs, in bytes. */
struct hp_py_offsets {
	__u16 runtime_interp_head; /* _PyRuntimeState.interpreters.head */
	__u16 interp_threads_head; /* PyInterpreterState.threads.head */
	__u16 tstate_next;	   /* PyThreadState.next */
	__u16 tstate_native_tid;   /* PyThreadState.native_thread_id (thread_id: HP_PY_F_PTHREAD_ID)
				    */
	__u16 tstate_cframe;	   /* PyThreadState.cframe (3.11, 3.12); NO_FIELD: none */
	__u16 cframe_frame;	   /* _PyCFrame.current_frame, or PyThreadState.current_frame */
	__u16 frame_code;     /* _PyInterpreterFrame.f_code / f_executable; PyFrameObject.f_code */
	__u16 frame_previous; /* _PyInterpreterFrame.previous; PyFrameObject.f_back */
	__u16 frame_instr; /* _PyInterpreterFrame.prev_instr / instr_ptr; PyFrameObject.f_lasti */
	__u16 frame_is_entry;	/* _PyInterpreterFrame.is_entry (3.11); NO_FIELD: none */
	__u16 frame_owner;	/* _PyInterpreterFrame.owner */
	__u16 owner_cstack;	/* owner value of a C-stack entry shim (3.12+); NO_FIELD: none */
	__u16 code_first_instr; /* offsetof(PyCodeObject, co_code_adaptive) */
	__u16 flags;		/* HP_PY_F_* */
};

/* A Python process: where its runtime state is, which offsets row applies. */
struct hp_py_proc {
	__u64 runtime; /* address of _PyRuntime */
	__u32 row;     /* index into py_offsets */
	__u32 pad;
};

#endif
