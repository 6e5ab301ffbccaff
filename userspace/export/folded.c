// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "util.h"

struct line_buf {
	char *s;
	size_t len, cap;
};

static int append(struct line_buf *b, const char *s, size_t n)
{
	if (hp_reserve(&b->s, &b->cap, b->len + n + 1, 1))
		return -ENOMEM;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Frame names may hold ';' (or newlines, from hostile ELF files): they would split the line. */
static int append_frame(struct line_buf *b, const char *name, const char *suffix)
{
	size_t start = b->len;
	int err = append(b, ";", 1) ?: append(b, name, strlen(name)) ?:
				       append(b, suffix, strlen(suffix));

	for (size_t i = start + 1; !err && i < b->len; i++)
		if (b->s[i] == ';' || b->s[i] == '\n' || b->s[i] == '\r')
			b->s[i] = ':';
	return err;
}

static int build_line(struct line_buf *b, const struct hp_stack *st, struct hp_symbolizer *sym)
{
	int err = 0;

	b->len = 0;
	err = append(b, st->proc_comm[0] ? st->proc_comm : "[unknown]",
		     strlen(st->proc_comm[0] ? st->proc_comm : "[unknown]"));
	for (uint32_t i = st->nlocs; !err && i-- > st->nkernel;)
		err = append_frame(b, hp_symbolize(sym, &st->locs[i]), "");
	for (uint32_t i = st->nkernel; !err && i-- > 0;)
		err = append_frame(b, hp_symbolize(sym, &st->locs[i]), "_[k]");
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hp_folded_write(FILE *out, const struct hp_profile *p, struct hp_symbolizer *sym)
{
	struct hp_hmap lines = {0}; /* line -> count (uintptr_t) */
	struct line_buf b = {0};
	struct hp_hmap_entry *e;
	size_t n, i, k = 0;
	struct hp_stack **v = hp_profile_sorted(p, &n);
	char **sorted = NULL;
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		uintptr_t c;

		err = build_line(&b, v[i], sym);
		if (err)
			break;
		c = (uintptr_t)hp_hmap_get(&lines, b.s, b.len + 1);
		err = hp_hmap_put(&lines, b.s, b.len + 1, (void *)(c + v[i]->count));
	}
	if (!err) {
		sorted = malloc((lines.count + 1) * sizeof(*sorted));
		if (!sorted)
			err = -ENOMEM;
	}
	if (!err) {
		for (e = hp_hmap_first(&lines, &i); e; e = hp_hmap_next(&lines, e, &i))
			sorted[k++] = (char *)e->key;
		qsort(sorted, k, sizeof(*sorted), cmp_str);
		for (i = 0; i < k; i++)
			fprintf(out, "%s %" PRIuPTR "\n", sorted[i],
				(uintptr_t)hp_hmap_get(&lines, sorted[i], strlen(sorted[i]) + 1));
		if (ferror(out))
			err = -EIO;
	}
	free(sorted);
	free(b.s);
	free(v);
	hp_hmap_free(&lines);
	return err;
}
