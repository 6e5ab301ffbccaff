// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "enc_tables.h"
#include "registry.h"
#include "util.h"

void hp_ptrvec_push(int *err, struct hp_ptrvec *pv, void *item)
{
	if (!*err && (!item || hp_reserve(&pv->v, &pv->cap, pv->n + 1, sizeof(*pv->v))))
		*err = -ENOMEM;
	if (*err) {
		free(item);
		return;
	}
	pv->v[pv->n++] = item;
}

void hp_ptrvec_free(struct hp_ptrvec *pv)
{
	for (size_t i = 0; i < pv->n; i++)
		free(pv->v[i]);
	free(pv->v);
	memset(pv, 0, sizeof(*pv));
}

void hp_id_put(int *err, struct hp_hmap *m, const void *key, size_t klen, uint64_t id)
{
	if (!*err && hp_hmap_put(m, key, klen, (void *)(uintptr_t)id))
		*err = -ENOMEM;
}

uint64_t hp_id_get(const struct hp_hmap *m, const void *key, size_t klen)
{
	return (uintptr_t)hp_hmap_get(m, key, klen);
}

void *hp_table_new(int *err, const struct hp_hmap *ids, const void *key, size_t klen,
		   struct hp_ptrvec *pv, size_t size, uint64_t *id)
{
	void *item;

	*id = hp_id_get(ids, key, klen);
	if (*id || *err)
		return NULL;
	item = calloc(1, size);
	hp_ptrvec_push(err, pv, item);
	if (*err) {
		*id = 0;
		return NULL;
	}
	return item;
}

void hp_frame_describe(const struct hp_profile *p, struct hp_symbolizer *sym,
		       const struct hp_loc *l, struct hp_frame_desc *d)
{
	const struct hp_file *f = hp_files_at(p->procs->files, l->file);
	struct hp_frame_info fi;

	d->line = 0;
	if (hp_unwinders_describe(l, &fi)) {
		/* an interpreter's frame (native, kernel and error frames have no owner there) */
		d->mapped = 0;
		d->file = 0;
		d->address = 0;
		d->name = fi.name;
		d->filename = fi.filename;
		d->line = fi.line;
		d->frame_type = fi.frame_type;
		return;
	}
	d->mapped = l->kind == HP_FRAME_KERNEL || f;
	d->file = l->kind == HP_FRAME_KERNEL ? 0 : l->file;
	d->address = l->kind == HP_FRAME_ERROR ? 0 : l->addr;
	d->name = hp_symbolize(sym, l);
	d->filename = f ? f->path : "";
	d->frame_type = l->kind == HP_FRAME_KERNEL  ? "kernel"
			: l->kind == HP_FRAME_ERROR ? "abort-marker"
						    : "native";
}

void hp_mapping_describe(const struct hp_profile *p, uint32_t file, struct hp_mapping_desc *m)
{
	const struct hp_file *f = hp_files_at(p->procs->files, file);

	m->filename = f ? f->path : "[kernel.kallsyms]";
	m->build_id = f && f->elf.build_id_len ? f->build_id_hex : NULL;
	m->limit = f ? 0 : UINT64_MAX;
	for (size_t i = 0; f && i < f->elf.nloads; i++) {
		uint64_t end = f->elf.loads[i].vaddr + f->elf.loads[i].filesz;

		if (end > m->limit)
			m->limit = end;
	}
}

int64_t hp_strtab_id(struct hp_strtab *t, int *err, const char *s)
{
	size_t len = strlen(s) + 1;
	uint64_t id = hp_id_get(&t->ids, s, len);
	char *copy;

	if (id || *err)
		return id ? (int64_t)id - 1 : 0;
	copy = strdup(s);
	hp_ptrvec_push(err, &t->strs, copy);
	if (*err)
		return 0;
	hp_id_put(err, &t->ids, s, len, t->strs.n);
	return t->strs.n - 1;
}

void hp_strtab_free(struct hp_strtab *t)
{
	hp_ptrvec_free(&t->strs);
	hp_hmap_free(&t->ids);
}
