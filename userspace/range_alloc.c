// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "range_alloc.h"
#include "util.h"

int hp_range_alloc_init(struct hp_range_alloc *a, uint32_t capacity)
{
	memset(a, 0, sizeof(*a));
	a->capacity = capacity;
	if (!capacity)
		return 0;
	if (hp_reserve(&a->free, &a->cap, 1, sizeof(*a->free)))
		return -ENOMEM;
	a->free[0].first = 0;
	a->free[0].count = capacity;
	a->nfree = 1;
	return 0;
}

int hp_range_alloc_get(struct hp_range_alloc *a, uint32_t count, uint32_t *first)
{
	if (!count)
		return -EINVAL;
	for (size_t i = 0; i < a->nfree; i++) {
		if (a->free[i].count < count)
			continue;
		*first = a->free[i].first;
		a->free[i].first += count;
		a->free[i].count -= count;
		if (!a->free[i].count) {
			memmove(&a->free[i], &a->free[i + 1],
				(a->nfree - i - 1) * sizeof(*a->free));
			a->nfree--;
		}
		a->used += count;
		return 0;
	}
	return -ENOSPC;
}

int hp_range_alloc_put(struct hp_range_alloc *a, uint32_t first, uint32_t count)
{
	size_t i = 0;

	if (!count)
		return 0;
	while (i < a->nfree && a->free[i].first < first)
		i++;
	a->used -= count;
	/* merge with the range before and/or after */
	if (i > 0 && a->free[i - 1].first + a->free[i - 1].count == first) {
		a->free[i - 1].count += count;
		if (i < a->nfree && first + count == a->free[i].first) {
			a->free[i - 1].count += a->free[i].count;
			memmove(&a->free[i], &a->free[i + 1],
				(a->nfree - i - 1) * sizeof(*a->free));
			a->nfree--;
		}
		return 0;
	}
	if (i < a->nfree && first + count == a->free[i].first) {
		a->free[i].first = first;
		a->free[i].count += count;
		return 0;
	}
	if (hp_reserve(&a->free, &a->cap, a->nfree + 1, sizeof(*a->free)))
		return -ENOMEM;
	memmove(&a->free[i + 1], &a->free[i], (a->nfree - i) * sizeof(*a->free));
	a->free[i].first = first;
	a->free[i].count = count;
	a->nfree++;
	return 0;
}

void hp_range_alloc_free(struct hp_range_alloc *a)
{
	free(a->free);
	memset(a, 0, sizeof(*a));
}
