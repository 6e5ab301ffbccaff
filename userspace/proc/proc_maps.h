/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_PROC_MAPS_H
#define HP_PROC_MAPS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* One executable mapping from /proc/PID/maps. */
struct hp_map_entry {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff;	     /* file offset of start */
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	char *path; /* as the kernel prints it; "" for anonymous; owned */
};

struct hp_maps {
	struct hp_map_entry *v; /* sorted by start (the kernel prints them sorted) */
	size_t n;
};

/*
 * Parses the text of a /proc/PID/maps file, keeping executable mappings.
 * The text is untrusted: malformed lines are skipped, never fatal.
 * Returns 0 or -ENOMEM.
 */
int hp_maps_parse(const char *text, size_t len, struct hp_maps *out);
/* Reads and parses /proc/PID/maps. 0, -ENOENT (process gone) or -errno. */
int hp_maps_read(pid_t pid, struct hp_maps *out);
/* The mapping holding addr, or NULL. */
const struct hp_map_entry *hp_maps_find(const struct hp_maps *m, uint64_t addr);
void hp_maps_free(struct hp_maps *m);

#endif
