/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_RANGE_ALLOC_H
#define HP_RANGE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/*
 * First-fit allocator of index ranges in [0, capacity): how the global BPF
 * arrays (unwind rows, process mappings) are shared out. Free ranges are
 * kept sorted and merged with their neighbours.
 */
struct hp_range_alloc {
	struct {
		uint32_t first, count;
	} * free;
	size_t nfree, cap;
	uint32_t capacity, used;
};

/* 0 or -ENOMEM. */
int hp_range_alloc_init(struct hp_range_alloc *a, uint32_t capacity);
/* Allocates count entries; *first gets the start. 0, -ENOSPC or -ENOMEM. */
int hp_range_alloc_get(struct hp_range_alloc *a, uint32_t count, uint32_t *first);
/* Returns a range from hp_range_alloc_get. 0 or -ENOMEM (the range is then lost). */
int hp_range_alloc_put(struct hp_range_alloc *a, uint32_t first, uint32_t count);
void hp_range_alloc_free(struct hp_range_alloc *a);

#endif
