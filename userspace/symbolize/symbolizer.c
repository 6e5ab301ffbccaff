// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demangle.h"
#include "log.h"
#include "registry.h"
#include "symbolizer.h"

void hp_symbolizer_init(struct hp_symbolizer *sym, const struct hp_files *files)
{
	int err;

	memset(sym, 0, sizeof(*sym));
	sym->files = files;
	err = hp_ksyms_load(&sym->ksyms);
	if (err)
		hp_err("warning: failed to read /proc/kallsyms: %s; kernel frames stay unnamed",
		       strerror(-err));
	sym->have_ksyms = !err;
}

const char *hp_stop_reason_str(uint64_t reason)
{
	static const char *const names[] = {
		[HP_STOP_OK] = "ok",
		[HP_STOP_READ_FAILED] = "unreadable user memory",
		[HP_STOP_MAX_DEPTH] = "max depth",
		[HP_STOP_TAIL_CALLS] = "tail-call budget",
		[HP_STOP_NO_UNWINDER] = "no unwinder",
		[HP_STOP_BAD_FRAME] = "bad frame pointer",
	};

	return reason < HP_STOP_REASON_MAX ? names[reason] : "unknown";
}

static char *native_name(const struct hp_symbolizer *sym, const struct hp_loc *loc)
{
	const struct hp_file *f = hp_files_at(sym->files, loc->file);
	const char *name = NULL;
	char buf[512];

	if (f && f->elf_ok)
		name = hp_elf_lookup(&f->elf, loc->addr, NULL);
	if (name) {
		char *d = hp_demangle(name);

		return d ? d : strdup(name);
	}
	if (f && f->base[0] == '[')
		snprintf(buf, sizeof(buf), "%s", f->base); /* [vdso], [anon] */
	else if (f)
		snprintf(buf, sizeof(buf), "[%s]", f->base);
	else
		snprintf(buf, sizeof(buf), "[unknown]");
	return strdup(buf);
}

/* An interpreter's frame: "function (file:line)", the file without its directory. */
static char *interp_name(const struct hp_loc *loc)
{
	struct hp_frame_info fi = {0};
	const char *base;
	char buf[1200];

	if (!hp_unwinders_describe(loc, &fi)) {
		snprintf(buf, sizeof(buf), "[frame kind %u]", loc->kind);
		return strdup(buf);
	}
	base = strrchr(fi.filename, '/');
	base = base ? base + 1 : fi.filename;
	if (*base && fi.line)
		snprintf(buf, sizeof(buf), "%s (%s:%" PRId64 ")", fi.name, base, fi.line);
	else
		snprintf(buf, sizeof(buf), "%s", fi.name);
	return strdup(buf);
}

static char *compute_name(const struct hp_symbolizer *sym, const struct hp_loc *loc)
{
	char buf[64];
	const char *k;

	switch (loc->kind) {
	case HP_FRAME_NATIVE:
		return native_name(sym, loc);
	case HP_FRAME_KERNEL:
		k = sym->have_ksyms ? hp_ksyms_lookup(&sym->ksyms, loc->addr) : NULL;
		return strdup(k ? k : "[kernel]");
	case HP_FRAME_ERROR:
		snprintf(buf, sizeof(buf), "[truncated: %s]", hp_stop_reason_str(loc->addr));
		return strdup(buf);
	default:
		return interp_name(loc);
	}
}

const char *hp_symbolize(struct hp_symbolizer *sym, const struct hp_loc *loc)
{
	char *name = hp_hmap_get(&sym->names, loc, sizeof(*loc));

	if (name)
		return name;
	name = compute_name(sym, loc);
	if (!name)
		return "[out of memory]";
	if (hp_hmap_put(&sym->names, loc, sizeof(*loc), name)) {
		free(name);
		return "[out of memory]";
	}
	return name;
}

void hp_symbolizer_free(struct hp_symbolizer *sym)
{
	struct hp_hmap_entry *e;
	size_t i;

	for (e = hp_hmap_first(&sym->names, &i); e; e = hp_hmap_next(&sym->names, e, &i))
		free(e->value);
	hp_hmap_free(&sym->names);
	hp_ksyms_free(&sym->ksyms);
}
