/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_PYTHON_LINETABLE_H
#define HP_PYTHON_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The source line of the code unit `unit` (2-byte units from the code's
 * first instruction) in a CPython 3.11+ location table (PEP 657,
 * co_linetable), the lines counted from first_line. The table is read from
 * another process: untrusted, every read is bounds-checked. 0 when the
 * table does not cover the unit or gives it no line.
 */
int64_t hp_py_line(const uint8_t *table, size_t len, int64_t first_line, uint32_t unit);

/*
 * The same for CPython 3.8 and 3.9's co_lnotab: (byte offset increment,
 * signed line increment) pairs; offset is the instruction's byte offset
 * (f_lasti). Untrusted; first_line when the table says nothing more.
 */
int64_t hp_py_line_lnotab(const uint8_t *table, size_t len, int64_t first_line, uint32_t offset);

/*
 * The same for CPython 3.10's co_linetable (PEP 626): (byte length, signed
 * line delta) pairs, a delta of -128 meaning "no line" for that range;
 * offset in bytes. Untrusted; 0 when not covered or without a line.
 */
int64_t hp_py_line_310(const uint8_t *table, size_t len, int64_t first_line, uint32_t offset);

#endif
