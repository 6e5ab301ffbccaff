/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_ENC_TABLES_H
#define HP_ENC_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include "hashmap.h"
#include "profile.h"
#include "symbolizer.h"

/*
 * Building blocks of the protobuf encoders (pprof, OTLP): growable tables of
 * heap items with interned ids, and a sticky error so a chain of calls can
 * be checked once at the end (after the first failure every call is a no-op).
 */

/* A growable array of heap items; owns them. */
struct hp_ptrvec {
	void **v;
	size_t n, cap;
};

/* Appends item (NULL: allocation failed), or frees it and sets *err. */
void hp_ptrvec_push(int *err, struct hp_ptrvec *pv, void *item);
/* Frees every item and the array. */
void hp_ptrvec_free(struct hp_ptrvec *pv);

/* Remembers key -> id (ids are > 0: 0 means absent). */
void hp_id_put(int *err, struct hp_hmap *m, const void *key, size_t klen, uint64_t id);
/* The id of key, 0 if absent. */
uint64_t hp_id_get(const struct hp_hmap *m, const void *key, size_t klen);

/* What the encoders write for one frame. */
struct hp_frame_desc {
	int mapped;	  /* it has a mapping: */
	uint32_t file;	  /* ... this hp_file.idx (0: the kernel's) */
	uint64_t address; /* 0 for error frames */
	const char *name; /* symbolized; valid until the next hp_symbolize() */
	const char
		*filename; /* the file's path (an interpreter's: the source file), "" when none */
	int64_t line;	   /* source line (interpreter frames), 0 when unknown */
	const char *frame_type; /* OpenTelemetry profile.frame.type: native, kernel, cpython... */
};

void hp_frame_describe(const struct hp_profile *p, struct hp_symbolizer *sym,
		       const struct hp_loc *l, struct hp_frame_desc *d);

/* What the encoders write for one mapping (a file, or the kernel). */
struct hp_mapping_desc {
	const char *filename;
	const char *build_id; /* hex; NULL when the file has none */
	uint64_t limit;	      /* end of its highest PT_LOAD (ELF addresses); the kernel: all */
};

/* file: an hp_file.idx, 0 for the kernel. */
void hp_mapping_describe(const struct hp_profile *p, uint32_t file, struct hp_mapping_desc *m);

/*
 * The step every interned table of the encoders shares: *id is key's id in
 * ids; when it has one (or after an error) the result is NULL. Otherwise a
 * zeroed item of size bytes is appended to pv and returned for the caller to
 * fill and record with hp_id_put() (NULL and *id 0 if that fails).
 */
void *hp_table_new(int *err, const struct hp_hmap *ids, const void *key, size_t klen,
		   struct hp_ptrvec *pv, size_t size, uint64_t *id);

/* A protobuf string table: entry 0 is "" (call hp_strtab_id(t, "") first). */
struct hp_strtab {
	struct hp_ptrvec strs; /* of char * */
	struct hp_hmap ids;    /* string -> index + 1 */
};

/* The index of s, adding a copy if new; 0 (the "" entry) after an error. */
int64_t hp_strtab_id(struct hp_strtab *t, int *err, const char *s);
void hp_strtab_free(struct hp_strtab *t);

#endif
