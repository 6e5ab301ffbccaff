/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_SYMBOLIZER_H
#define HP_SYMBOLIZER_H

#include "file_cache.h"
#include "hashmap.h"
#include "ksyms.h"
#include "profile.h"

/* Names frames; every name is computed once and kept until free. */
struct hp_symbolizer {
	struct hp_ksyms ksyms;
	int have_ksyms;
	const struct hp_files *files;
	struct hp_hmap names; /* struct hp_loc -> char * */
};

/* Loads kernel symbols (a warning, not an error, when unavailable). */
void hp_symbolizer_init(struct hp_symbolizer *sym, const struct hp_files *files);
/*
 * The name of a frame: the (demangled) function, or "[file]" when the file
 * has no symbol for it, "[unknown]" outside any file, "[kernel]" for an
 * unknown kernel address, "[truncated: reason]" for error frames.
 */
const char *hp_symbolize(struct hp_symbolizer *sym, const struct hp_loc *loc);
/* The short text of an hp_stop_reason. */
const char *hp_stop_reason_str(uint64_t reason);
void hp_symbolizer_free(struct hp_symbolizer *sym);

#endif
