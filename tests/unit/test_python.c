// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include "python_linetable.h"
#include "python_versions.h"
#include "test.h"

/*
 * A location table by hand (first line 10): 3 units, no columns, +1 (11);
 * 2 units one-line form, +0 (11); 1 unit one-line form, +1 (12); 1 unit
 * long form, -2 (10); 1 unit without location.
 */
static const uint8_t table[] = {0xea, 0x02, 0xd1, 0x00, 0x05, 0xd8, 0x00,
				0x03, 0xf0, 0x05, 0x00, 0x01, 0x01, 0xf8};

TEST(python_line_table)
{
	const int64_t want[] = {11, 11, 11, 11, 11, 12, 10, 0, 0};

	for (uint32_t u = 0; u < sizeof(want) / sizeof(want[0]); u++)
		ASSERT_EQ(hp_py_line(table, sizeof(table), 10, u), want[u], "line of a code unit");
}

TEST(python_line_table_hostile)
{
	const uint8_t continuation[] = {0x02, 0xea, 0x02};
	const uint8_t endless_varint[] = {0xea, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
					  0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f};

	/* cut anywhere inside: never a read past the end, never a made-up line */
	for (size_t n = 0; n < sizeof(table); n++)
		ASSERT_TRUE(hp_py_line(table, n, 10, 8) == 0, "truncated table");
	ASSERT_EQ(hp_py_line(continuation, sizeof(continuation), 10, 0), 0, "starts mid-entry");
	ASSERT_EQ(hp_py_line(endless_varint, sizeof(endless_varint), 10, 0), 0, "unended varint");
	ASSERT_EQ(hp_py_line(NULL, 0, 10, 0), 0, "no table");
}

TEST(python_lnotab)
{
	/* (offset increment, line increment) pairs from line 5: +1 at 6, +3 at 10, -2 at 12 */
	const uint8_t t[] = {6, 1, 4, 3, 2, 0xfe};

	ASSERT_EQ(hp_py_line_lnotab(t, sizeof(t), 5, 0), 5, "before the first step");
	ASSERT_EQ(hp_py_line_lnotab(t, sizeof(t), 5, 6), 6, "at the first step");
	ASSERT_EQ(hp_py_line_lnotab(t, sizeof(t), 5, 11), 9, "between");
	ASSERT_EQ(hp_py_line_lnotab(t, sizeof(t), 5, 40), 7, "after a negative step");
	ASSERT_EQ(hp_py_line_lnotab(t, 3, 5, 40), 6, "an odd length ignores the half pair");
	ASSERT_EQ(hp_py_line_lnotab(NULL, 0, 5, 3), 5, "no table: the first line");
}

TEST(python_line_table_310)
{
	/* from line 3: 4 bytes +1 (4), 6 bytes without a line, 0 bytes +200 (a long jump:
	 * +127 then +73), 2 bytes at 204 */
	const uint8_t t[] = {4, 1, 6, 0x80, 0, 127, 2, 73};

	ASSERT_EQ(hp_py_line_310(t, sizeof(t), 3, 0), 4, "first range");
	ASSERT_EQ(hp_py_line_310(t, sizeof(t), 3, 3), 4, "end of the first range");
	ASSERT_EQ(hp_py_line_310(t, sizeof(t), 3, 5), 0, "a range without a line");
	ASSERT_EQ(hp_py_line_310(t, sizeof(t), 3, 10), 204, "after an empty range");
	ASSERT_EQ(hp_py_line_310(t, sizeof(t), 3, 12), 0, "past the table");
	ASSERT_EQ(hp_py_line_310(t, 5, 3, 10), 0, "truncated");
}

TEST(python_versions_table)
{
	ASSERT_TRUE(hp_py_versions_count <= HP_PY_MAX_ROWS, "the BPF map holds every row");
	for (size_t i = 0; i < hp_py_versions_count; i++) {
		const struct hp_py_version *v = &hp_py_versions[i];
		size_t row;

		ASSERT_TRUE(hp_py_version_find(v->major, v->minor, &row) == v && row == i,
			    "one row per version");
		/* python.c reads a code object's first 256 bytes at once */
		ASSERT_TRUE(v->code_linetable + 8 <= 256 && v->code_qualname + 8 <= 256 &&
				    v->code_filename + 8 <= 256,
			    "code object fields within the bytes read");
		ASSERT_TRUE(v->lines == HP_PY_LNOTAB || v->lines == HP_PY_LOCATIONS ||
				    v->lines == HP_PY_LINES_310,
			    "a known line-table format");
	}
	for (unsigned minor = 8; minor <= 13; minor++) {
		size_t row;

		ASSERT_TRUE(hp_py_version_find(3, minor, &row) != NULL, "3.8 to 3.13 described");
	}
}
