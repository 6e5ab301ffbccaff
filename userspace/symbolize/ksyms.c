// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"
#include "util.h"

static int cmp_ksym(const void *a, const void *b)
{
	const struct hp_ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* "ffffffff81000000 T _stext" or "ffffffffc0a00000 t fn\t[mod]" */
static int parse_line(const char *line, size_t len, struct hp_ksym *out)
{
	const char *p = line, *end = line + len, *name, *mod = NULL;
	size_t name_len, mod_len = 0;
	char *q;
	uint64_t addr;
	char type;

	addr = strtoull(p, &q, 16);
	if (q == p || q >= end || *q != ' ' || q + 3 > end)
		return -EINVAL;
	type = q[1];
	if (q[2] != ' ')
		return -EINVAL;
	/* functions only: text symbols */
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return -EINVAL;
	name = q + 3;
	name_len = end - name;
	{
		const char *tab = memchr(name, '\t', name_len);

		if (tab) {
			name_len = tab - name;
			mod = tab + 1;
			mod_len = end - mod;
		}
	}
	if (!name_len || !addr)
		return -EINVAL;
	out->addr = addr;
	out->name = malloc(name_len + mod_len + 2);
	if (!out->name)
		return -ENOMEM;
	memcpy(out->name, name, name_len);
	out->name[name_len] = '\0';
	if (mod_len) {
		out->name[name_len] = ' ';
		memcpy(out->name + name_len + 1, mod, mod_len);
		out->name[name_len + 1 + mod_len] = '\0';
	}
	return 0;
}

int hp_ksyms_parse(const char *text, size_t len, struct hp_ksyms *out)
{
	const char *p = text, *end = text + len, *line;
	size_t cap = 0, l;

	out->v = NULL;
	out->n = 0;
	while ((line = hp_next_line(&p, end, &l))) {
		struct hp_ksym k;
		int err = parse_line(line, l, &k);

		if (err == -ENOMEM)
			goto nomem;
		if (err)
			continue;
		if (hp_reserve(&out->v, &cap, out->n + 1, sizeof(*out->v))) {
			free(k.name);
			goto nomem;
		}
		out->v[out->n++] = k;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_ksym);
	return 0;
nomem:
	hp_ksyms_free(out);
	return -ENOMEM;
}

int hp_ksyms_load(struct hp_ksyms *out)
{
	char *buf;
	size_t len;
	int err = hp_read_file("/proc/kallsyms", &buf, &len);

	if (err)
		return err;
	err = hp_ksyms_parse(buf, len, out);
	free(buf);
	if (!err && !out->n)
		err = -EPERM; /* kptr_restrict shows zeros to unprivileged readers */
	return err;
}

static uint64_t ksym_addr(const void *e)
{
	return ((const struct hp_ksym *)e)->addr;
}

const char *hp_ksyms_lookup(const struct hp_ksyms *k, uint64_t addr)
{
	size_t i = hp_count_le(k->v, k->n, sizeof(*k->v), ksym_addr, addr);

	return i ? k->v[i - 1].name : NULL;
}

void hp_ksyms_free(struct hp_ksyms *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].name);
	free(k->v);
	k->v = NULL;
	k->n = 0;
}
