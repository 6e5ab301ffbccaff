/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_ATOMIC_FILE_H
#define HP_ATOMIC_FILE_H

#include <stdio.h>

/* A file that appears at `path` whole or not at all (temp file + rename). */
struct hp_atomic_file {
	FILE *f;
	char *tmp;
	char *path;
};

/* Creates a temp file next to path. 0 or -errno. */
int hp_atomic_open(struct hp_atomic_file *af, const char *path);
/* Flushes, fsyncs and renames into place; on any error removes the temp. 0 or -errno. */
int hp_atomic_commit(struct hp_atomic_file *af);
/* Drops the temp file without touching path. */
void hp_atomic_abort(struct hp_atomic_file *af);
/* Commits when err is 0, else aborts; returns the first error. */
int hp_atomic_finish(struct hp_atomic_file *af, int err);
/* Writes len bytes to path, atomically. 0 or -errno. */
int hp_atomic_write_buf(const char *path, const void *buf, size_t len);

#endif
