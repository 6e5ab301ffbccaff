/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_PYTHON_VERSIONS_H
#define HP_PYTHON_VERSIONS_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include "python.h"

/*
 * One supported CPython version: the offsets the BPF walk reads, and those
 * userspace reads to name a code object (x86_64). Supporting another
 * version is one more row in python_versions.c.
 */
/* How a version maps instructions to lines. */
enum hp_py_lines {
	HP_PY_LNOTAB = 1,    /* co_lnotab (3.8, 3.9): byte offset, line delta pairs */
	HP_PY_LOCATIONS = 2, /* co_linetable, PEP 657 (3.11+) */
	HP_PY_LINES_310 = 3, /* co_linetable, PEP 626 (3.10); f_lasti counts code units */
};

struct hp_py_version {
	unsigned major, minor;
	enum hp_py_lines lines;
	/*
	 * 1: checked on this machine against the running interpreter by the
	 * tests; 0: derived from the version's struct definitions only (no
	 * interpreter of that version to check it against here).
	 */
	int checked;
	struct hp_py_offsets bpf;
	uint16_t code_firstlineno; /* PyCodeObject.co_firstlineno (int) */
	uint16_t code_filename;	   /* PyCodeObject.co_filename (str) */
	uint16_t code_qualname;	   /* PyCodeObject.co_qualname (str); co_name before 3.11 */
	uint16_t code_linetable;   /* PyCodeObject.co_linetable / co_lnotab (bytes) */
	uint16_t str_length;	   /* PyASCIIObject.length (code points) */
	uint16_t str_state;	   /* PyASCIIObject.state bit field */
	uint16_t str_ascii_data;   /* sizeof(PyASCIIObject): a compact ASCII string's data */
	uint16_t str_compact_data; /* sizeof(PyCompactUnicodeObject): other compact strings */
	uint16_t bytes_size;	   /* PyBytesObject.ob_size */
	uint16_t bytes_data;	   /* PyBytesObject.ob_sval */
};

extern const struct hp_py_version hp_py_versions[];
extern const size_t hp_py_versions_count;

/* The row for a version, or NULL when unsupported. */
const struct hp_py_version *hp_py_version_find(unsigned major, unsigned minor, size_t *row);

#endif
