/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_KSYMS_H
#define HP_KSYMS_H

#include <stdint.h>
#include <stddef.h>

struct hp_ksym {
	uint64_t addr;
	char *name; /* "func" or "func [module]" */
};

struct hp_ksyms {
	struct hp_ksym *v; /* sorted by addr */
	size_t n;
};

/* Parses /proc/kallsyms-format text (untrusted). 0 or -errno. */
int hp_ksyms_parse(const char *text, size_t len, struct hp_ksyms *out);
/* Loads /proc/kallsyms. 0 or -errno; -EPERM when addresses are hidden. */
int hp_ksyms_load(struct hp_ksyms *out);
/* Name of the function containing addr, or NULL. */
const char *hp_ksyms_lookup(const struct hp_ksyms *k, uint64_t addr);
void hp_ksyms_free(struct hp_ksyms *k);

#endif
