// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPython struct offsets per version, x86_64. Each row is checked against
 * the running interpreter by tests/integration/test_python.py (ctypes reads
 * the live structures at these offsets); only rows for versions installed on
 * the test machine can be checked there.
 */
#include "python_versions.h"

const struct hp_py_version hp_py_versions[] = {
	{
		/* Debian 12's python3.11 (3.11.2): checked by the tests */
		.major = 3,
		.minor = 11,
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
