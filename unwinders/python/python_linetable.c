// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPython's location table (Objects/locations.md, 3.11+): a sequence of
 * entries, each starting with a byte whose top bit is set:
 *   bit 7 = 1 | bits 6-3 = code | bits 2-0 = code units covered - 1
 * then, by code: 15 no location; 14 long form (svarint line delta, varint
 * end-line delta, varint column + 1, varint end column + 1); 13 no columns
 * (svarint line delta); 10-12 one line, delta code - 10 (2 column bytes);
 * 0-9 short form, same line (1 column byte). Varints are 6-bit groups,
 * 0x40 meaning "more"; a signed varint keeps the sign in bit 0.
 */
#include "python_linetable.h"

struct reader {
	const uint8_t *p, *end;
	int bad;
};

static uint8_t next_byte(struct reader *r)
{
	if (r->p >= r->end) {
		r->bad = 1;
		return 0;
	}
	return *r->p++;
}

static uint64_t varint(struct reader *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = next_byte(r);
		if (shift < 60)
			v |= (uint64_t)(b & 63) << shift;
		shift += 6;
	} while ((b & 64) && !r->bad);
	return v;
}

static int64_t svarint(struct reader *r)
{
	uint64_t u = varint(r);

	return u & 1 ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
}

int64_t hp_py_line(const uint8_t *table, size_t len, int64_t first_line, uint32_t unit)
{
	struct reader r = {table, table + len, 0};
	int64_t line = first_line;
	uint64_t at = 0; /* first code unit of the entry */

	while (r.p < r.end && !r.bad) {
		uint8_t head = next_byte(&r);
		unsigned code = (head >> 3) & 15, units = (head & 7) + 1;
		int has_line = 1;

		if (!(head & 0x80))
			return 0; /* not at an entry's start: a corrupt table */
		switch (code) {
		case 15:
			has_line = 0;
			break;
		case 14:
			line += svarint(&r);
			varint(&r);
			varint(&r);
			varint(&r);
			break;
		case 13:
			line += svarint(&r);
			break;
		case 12:
		case 11:
		case 10:
			line += code - 10;
			next_byte(&r);
			next_byte(&r);
			break;
		default:
			next_byte(&r);
			break;
		}
		if (r.bad)
			return 0;
		if (unit < at + units)
			return has_line && line > 0 ? line : 0;
		at += units;
	}
	return 0;
}

int64_t hp_py_line_lnotab(const uint8_t *table, size_t len, int64_t first_line, uint32_t offset)
{
	int64_t line = first_line;
	uint64_t addr = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += table[i];
		if (addr > offset)
			break;
		line += (int8_t)table[i + 1];
	}
	return line > 0 ? line : 0;
}

int64_t hp_py_line_310(const uint8_t *table, size_t len, int64_t first_line, uint32_t offset)
{
	int64_t line = first_line;
	uint64_t start = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		uint64_t end = start + table[i];
		int8_t delta = (int8_t)table[i + 1];
		int has_line = delta != -128;

		if (has_line)
			line += delta;
		if (offset >= start && offset < end)
			return has_line && line > 0 ? line : 0;
		start = end;
	}
	return 0;
}
