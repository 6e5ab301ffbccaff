// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hashmap.h"

uint64_t hp_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	/* 8 bytes at a time: keys are mostly arrays of u64 addresses */
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct hp_hmap_entry **find_slot(const struct hp_hmap *m, const void *key, size_t klen,
					uint64_t h)
{
	struct hp_hmap_entry **pp = &m->buckets[h & (m->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->klen == klen && !memcmp((*pp)->key, key, klen))
			return pp;
	return pp;
}

void *hp_hmap_get(const struct hp_hmap *m, const void *key, size_t klen)
{
	struct hp_hmap_entry **pp;

	if (!m->nbuckets)
		return NULL;
	pp = find_slot(m, key, klen, hp_hash(key, klen));
	return *pp ? (*pp)->value : NULL;
}

static int grow(struct hp_hmap *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : 64;
	struct hp_hmap_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct hp_hmap_entry *e = m->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
	return 0;
}

int hp_hmap_put(struct hp_hmap *m, const void *key, size_t klen, void *value)
{
	uint64_t h = hp_hash(key, klen);
	struct hp_hmap_entry **pp, *e;

	if (m->count >= m->nbuckets && grow(m))
		return -ENOMEM;
	pp = find_slot(m, key, klen, h);
	if (*pp) {
		(*pp)->value = value;
		return 0;
	}
	e = malloc(sizeof(*e) + klen);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->hash = h;
	e->value = value;
	e->klen = klen;
	memcpy(e->key, key, klen);
	*pp = e;
	m->count++;
	return 0;
}

void *hp_hmap_del(struct hp_hmap *m, const void *key, size_t klen)
{
	struct hp_hmap_entry **pp, *e;
	void *v;

	if (!m->nbuckets)
		return NULL;
	pp = find_slot(m, key, klen, hp_hash(key, klen));
	e = *pp;
	if (!e)
		return NULL;
	*pp = e->next;
	v = e->value;
	free(e);
	m->count--;
	return v;
}

void hp_hmap_free(struct hp_hmap *m)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct hp_hmap_entry *e = m->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->buckets);
	memset(m, 0, sizeof(*m));
}

struct hp_hmap_entry *hp_hmap_first(const struct hp_hmap *m, size_t *bucket)
{
	for (*bucket = 0; *bucket < m->nbuckets; (*bucket)++)
		if (m->buckets[*bucket])
			return m->buckets[*bucket];
	return NULL;
}

struct hp_hmap_entry *hp_hmap_next(const struct hp_hmap *m, struct hp_hmap_entry *e, size_t *bucket)
{
	if (e->next)
		return e->next;
	for ((*bucket)++; *bucket < m->nbuckets; (*bucket)++)
		if (m->buckets[*bucket])
			return m->buckets[*bucket];
	return NULL;
}
