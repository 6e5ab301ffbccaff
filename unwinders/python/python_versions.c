// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPython struct offsets per version, x86_64. Rows marked checked are read
 * back from the running interpreter by tests/integration/test_python.py
 * (ctypes reads the live structures at these offsets); the others (3.8,
 * 3.10, 3.12: no Debian suite reachable here ships them) were computed from
 * those versions' struct definitions and say so at -v. 3.13 and later also
 * publish most offsets at the start of _PyRuntime (_Py_DebugOffsets, cookie
 * "xdebugpy").
 */
#include "python_versions.h"

const struct hp_py_version hp_py_versions[] = {
	{
		/* 3.8: 3.9's layout; not checked here (no 3.8 in a reachable Debian suite) */
		.major = 3,
		.minor = 8,
		.lines = HP_PY_LNOTAB,
		.bpf =
			{
				.runtime_interp_head = 32,
				.interp_threads_head = 8, /* tstate_head */
				.tstate_next = 8,
				.tstate_native_tid = 176, /* thread_id */
				.tstate_cframe = HP_PY_NO_FIELD,
				.cframe_frame = 24, /* PyThreadState.frame */
				.frame_code = 32,
				.frame_previous = 24, /* f_back */
				.frame_instr = 104,   /* f_lasti */
				.frame_is_entry = HP_PY_NO_FIELD,
				.frame_owner = HP_PY_NO_FIELD,
				.owner_cstack = HP_PY_NO_FIELD,
				.code_first_instr = 0,
				.flags = HP_PY_F_PTHREAD_ID | HP_PY_F_FRAME_OBJECTS,
			},
		.code_firstlineno = 40,
		.code_filename = 104,
		.code_qualname = 112,  /* co_name */
		.code_linetable = 120, /* co_lnotab / co_linetable */
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 48,
		.str_compact_data = 72,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		/*
		 * Debian 11's python3.9 (3.9.2): checked by the tests (bullseye's
		 * interpreter, scripts/fetch-python.sh). One PyFrameObject per
		 * eval-loop call; no native_thread_id; no co_qualname.
		 */
		.major = 3,
		.minor = 9,
		.lines = HP_PY_LNOTAB,
		.checked = 1,
		.bpf =
			{
				.runtime_interp_head = 32,
				.interp_threads_head = 8, /* tstate_head */
				.tstate_next = 8,
				.tstate_native_tid = 176, /* thread_id */
				.tstate_cframe = HP_PY_NO_FIELD,
				.cframe_frame = 24, /* PyThreadState.frame */
				.frame_code = 32,
				.frame_previous = 24, /* f_back */
				.frame_instr = 104,   /* f_lasti */
				.frame_is_entry = HP_PY_NO_FIELD,
				.frame_owner = HP_PY_NO_FIELD,
				.owner_cstack = HP_PY_NO_FIELD,
				.code_first_instr = 0,
				.flags = HP_PY_F_PTHREAD_ID | HP_PY_F_FRAME_OBJECTS,
			},
		.code_firstlineno = 40,
		.code_filename = 104,
		.code_qualname = 112,  /* co_name */
		.code_linetable = 120, /* co_lnotab */
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 48,
		.str_compact_data = 72,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		/*
		 * 3.10: f_lasti moved (f_stackdepth replaced f_stacktop) and
		 * counts code units; PEP 626 line table; not checked here (no
		 * 3.10 in a reachable Debian suite).
		 */
		.major = 3,
		.minor = 10,
		.lines = HP_PY_LINES_310,
		.bpf =
			{
				.runtime_interp_head = 32,
				.interp_threads_head = 8, /* tstate_head */
				.tstate_next = 8,
				.tstate_native_tid = 176, /* thread_id */
				.tstate_cframe = HP_PY_NO_FIELD,
				.cframe_frame = 24, /* PyThreadState.frame */
				.frame_code = 32,
				.frame_previous = 24, /* f_back */
				.frame_instr = 96,    /* f_lasti */
				.frame_is_entry = HP_PY_NO_FIELD,
				.frame_owner = HP_PY_NO_FIELD,
				.owner_cstack = HP_PY_NO_FIELD,
				.code_first_instr = 0,
				.flags = HP_PY_F_PTHREAD_ID | HP_PY_F_FRAME_OBJECTS,
			},
		.code_firstlineno = 40,
		.code_filename = 104,
		.code_qualname = 112,  /* co_name */
		.code_linetable = 120, /* co_lnotab / co_linetable */
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 48,
		.str_compact_data = 72,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		/* Debian 12's python3.11 (3.11.2): checked by the tests */
		.major = 3,
		.minor = 11,
		.lines = HP_PY_LOCATIONS,
		.checked = 1,
		.bpf =
			{
				.runtime_interp_head = 40, /* after 5 ints + _finalizing + mutex */
				.interp_threads_head = 16,
				.tstate_next = 8,
				.tstate_native_tid = 160,
				.tstate_cframe = 56,
				.cframe_frame = 8,
				.frame_code = 32,
				.frame_previous = 48,
				.frame_instr = 56,
				.frame_is_entry = 68,
				.frame_owner = 69,
				.owner_cstack = HP_PY_NO_FIELD,
				.code_first_instr = 184,
			},
		.code_firstlineno = 72,
		.code_filename = 112,
		.code_qualname = 128,
		.code_linetable = 136,
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 48,
		.str_compact_data = 72,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		/*
		 * 3.12: _PyCFrame without use_tracing, shim entry frames (the
		 * first with them), no co_executors; not checked here (no 3.12 in
		 * a reachable Debian suite).
		 */
		.major = 3,
		.minor = 12,
		.lines = HP_PY_LOCATIONS,
		.bpf =
			{
				.runtime_interp_head = 40,
				.interp_threads_head = 72,
				.tstate_next = 8,
				.tstate_native_tid = 144,
				.tstate_cframe = 56,
				.cframe_frame = 0,
				.frame_code = 0,
				.frame_previous = 8,
				.frame_instr = 56, /* prev_instr */
				.frame_is_entry = HP_PY_NO_FIELD,
				.frame_owner = 70,
				.owner_cstack = 3,
				.code_first_instr = 192,
			},
		.code_firstlineno = 68,
		.code_filename = 112,
		.code_qualname = 128,
		.code_linetable = 136,
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 40,
		.str_compact_data = 56,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		/*
		 * Debian 13's python3.13 (3.13.5): the values its _PyRuntime
		 * publishes in _Py_DebugOffsets; checked by the tests (trixie's
		 * interpreter, scripts/fetch-python.sh). No _PyCFrame: the thread
		 * state points at the frame; each eval-loop call starts with a
		 * shim frame owned by the C stack (FRAME_OWNED_BY_CSTACK = 3).
		 */
		.major = 3,
		.minor = 13,
		.lines = HP_PY_LOCATIONS,
		.checked = 1,
		.bpf =
			{
				.runtime_interp_head = 632,
				.interp_threads_head = 7344,
				.tstate_next = 8,
				.tstate_native_tid = 160,
				.tstate_cframe = HP_PY_NO_FIELD,
				.cframe_frame = 72, /* PyThreadState.current_frame */
				.frame_code = 0,    /* f_executable */
				.frame_previous = 8,
				.frame_instr = 56, /* instr_ptr */
				.frame_is_entry = HP_PY_NO_FIELD,
				.frame_owner = 70,
				.owner_cstack = 3,
				.code_first_instr = 200,
			},
		.code_firstlineno = 68,
		.code_filename = 112,
		.code_qualname = 128,
		.code_linetable = 136,
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 40,	/* no wstr since 3.12 */
		.str_compact_data = 56, /* + utf8_length, utf8 */
		.bytes_size = 16,
		.bytes_data = 32,
	},
};

const size_t hp_py_versions_count = sizeof(hp_py_versions) / sizeof(hp_py_versions[0]);

const struct hp_py_version *hp_py_version_find(unsigned major, unsigned minor, size_t *row)
{
	for (size_t i = 0; i < hp_py_versions_count; i++) {
		if (hp_py_versions[i].major == major && hp_py_versions[i].minor == minor) {
			*row = i;
			return &hp_py_versions[i];
		}
	}
	return NULL;
}
