/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_CFI_H
#define HP_CFI_H

#include <stddef.h>
#include <stdint.h>
#include "hostprof.h"

/* A section of call frame information, as mapped from the file. */
struct hp_cfi_section {
	const uint8_t *data;
	size_t size;
	uint64_t vaddr;	    /* address of data[0] when loaded (for pc-relative pointers) */
	int is_debug_frame; /* .debug_frame (CIE id 0xffffffff, offsets from section start) */
};

/* Rows of one file, and what building them found. */
struct hp_unwind_table {
	struct hp_unwind_row *rows;
	size_t n, cap;
	size_t cies, fdes;
	size_t fdes_skipped; /* malformed, or pc beyond 32 bits */
	size_t rows_none;    /* rows without usable CFI (gaps, unsupported rules), after finish */
};

/*
 * Appends the rows of every FDE in sec to t (unsorted; one end marker per
 * FDE). The section is untrusted: every read is bounds-checked, a malformed
 * entry is skipped, a malformed length stops the walk. 0 or -ENOMEM.
 */
int hp_cfi_parse(const struct hp_cfi_section *sec, struct hp_unwind_table *t);
/*
 * Sorts the rows, lets real rows win over end markers at the same pc, and
 * merges neighbours with the same rule.
 */
void hp_unwind_table_finish(struct hp_unwind_table *t);
/* The row covering vaddr, or NULL (for tests and tools; BPF does its own search). */
const struct hp_unwind_row *hp_unwind_table_find(const struct hp_unwind_table *t, uint64_t vaddr);
void hp_unwind_table_free(struct hp_unwind_table *t);

#endif
