/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_FILE_CACHE_H
#define HP_FILE_CACHE_H

#include <stdint.h>
#include <sys/types.h>
#include "elf_syms.h"
#include "hashmap.h"
#include "proc_maps.h"

/* One mapped file, shared by every process that maps it. */
struct hp_file {
	uint32_t idx;	     /* 1-based index in hp_files.v; 0 means "no file" */
	uint64_t dev, inode; /* identity */
	char *path;	     /* path as the process saw it */
	const char *base;    /* last component of path */
	int elf_ok;	     /* elf was read (else only path is known) */
	struct hp_elf elf;
	char build_id_hex[2 * HP_BUILD_ID_MAX + 1];
};

struct hp_files {
	struct hp_hmap by_identity; /* (dev, inode) -> struct hp_file * */
	struct hp_file **v;	    /* by idx - 1 */
	size_t n, cap;
	const char *debug_root; /* where .build-id/ lives; "/usr/lib/debug" */
};

/*
 * Returns the file behind mapping e of process pid, reading its ELF
 * symbols the first time this file identity is seen (through
 * /proc/PID/map_files, so deleted files and other mount namespaces work).
 * NULL only on allocation failure.
 */
struct hp_file *hp_files_get(struct hp_files *fc, pid_t pid, const struct hp_map_entry *e);
/*
 * Opens the file behind mapping e of process pid (through
 * /proc/PID/map_files, else /proc/PID/root/<path>). An fd or -1.
 */
int hp_files_open(pid_t pid, const struct hp_map_entry *e);
/*
 * The vDSO image every process maps as [vdso] (the kernel's, so ours is the
 * same as theirs): a private copy, made once. 0 or -errno.
 */
int hp_vdso_image(const void **data, size_t *len);
/* Looks up by 1-based index; NULL for 0 or out of range. */
struct hp_file *hp_files_at(const struct hp_files *fc, uint32_t idx);
void hp_files_free(struct hp_files *fc);

#endif
