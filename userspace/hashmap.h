/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_HASHMAP_H
#define HP_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A chained hash map with byte-string keys (copied in) and pointer values
 * (owned by the caller). Grows by doubling; never shrinks.
 */
struct hp_hmap_entry {
	struct hp_hmap_entry *next;
	uint64_t hash;
	void *value;
	size_t klen;
	unsigned char key[];
};

struct hp_hmap {
	struct hp_hmap_entry **buckets;
	size_t nbuckets;
	size_t count;
};

/* 64-bit FNV-1a-style hash with a final mix; fine for keys we built. */
uint64_t hp_hash(const void *data, size_t len);
/* Returns the value stored for key, or NULL. */
void *hp_hmap_get(const struct hp_hmap *m, const void *key, size_t klen);
/* Stores value under key, replacing any previous value. 0 or -ENOMEM. */
int hp_hmap_put(struct hp_hmap *m, const void *key, size_t klen, void *value);
/* Removes key; returns its value or NULL. */
void *hp_hmap_del(struct hp_hmap *m, const void *key, size_t klen);
/* Frees the map's own memory (not the values); leaves an empty map. */
void hp_hmap_free(struct hp_hmap *m);

/* Iteration: for (e = hp_hmap_first(m, &i); e; e = hp_hmap_next(m, e, &i)) */
struct hp_hmap_entry *hp_hmap_first(const struct hp_hmap *m, size_t *bucket);
struct hp_hmap_entry *hp_hmap_next(const struct hp_hmap *m, struct hp_hmap_entry *e,
				   size_t *bucket);

#endif
