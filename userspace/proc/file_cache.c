// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "file_cache.h"
#include "log.h"
#include "util.h"

int hp_files_open(pid_t pid, const struct hp_map_entry *e)
{
	char path[PATH_MAX];
	int fd;

	/* works for deleted files and for files in other mount namespaces */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, e->start,
		 e->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (e->path[0] != '/')
		return -1;
	if (snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, e->path) >= (int)sizeof(path))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Opens dir/file under the process's root first, then the host's. */
static int open_debug(pid_t pid, const char *path)
{
	char p[PATH_MAX];
	int fd = -1;

	if (snprintf(p, sizeof(p), "/proc/%d/root%s", (int)pid, path) < (int)sizeof(p))
		fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
}

/* Separate debug info: by build id, then by .gnu_debuglink next to the file. */
static void add_debug_syms(struct hp_files *fc, pid_t pid, struct hp_file *f)
{
	char path[PATH_MAX];
	int fd = -1;

	if (f->elf.build_id_len > 1) {
		snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", fc->debug_root,
			 f->build_id_hex, f->build_id_hex + 2);
		fd = open_debug(pid, path);
	}
	if (fd < 0 && f->elf.debuglink && !strchr(f->elf.debuglink, '/')) {
		int dir_len = f->base - f->path;

		snprintf(path, sizeof(path), "%s%.*s%s", fc->debug_root, dir_len, f->path,
			 f->elf.debuglink);
		fd = open_debug(pid, path);
		if (fd < 0) {
			snprintf(path, sizeof(path), "%.*s.debug/%s", dir_len, f->path,
				 f->elf.debuglink);
			fd = open_debug(pid, path);
		}
	}
	if (fd < 0)
		return;
	if (!hp_elf_add_debug_syms(&f->elf, fd))
		hp_dbg("using separate debug symbols for %s", f->path);
	close(fd);
}

static void load_elf(struct hp_files *fc, pid_t pid, const struct hp_map_entry *e,
		     struct hp_file *f)
{
	int fd = hp_files_open(pid, e), err;

	if (fd < 0) {
		hp_dbg("failed to open %s of pid %d: %s", e->path, (int)pid, strerror(errno));
		return;
	}
	err = hp_elf_load(fd, &f->elf);
	close(fd);
	if (err) {
		hp_dbg("failed to read ELF %s: %s", e->path, strerror(-err));
		return;
	}
	f->elf_ok = 1;
	hp_build_id_hex(f->elf.build_id, f->elf.build_id_len, f->build_id_hex);
	if (!f->elf.has_symtab)
		add_debug_syms(fc, pid, f);
}

int hp_vdso_image(const void **data, size_t *len)
{
	static void *copy;
	static size_t copy_len;
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	struct hp_maps m;
	const struct hp_map_entry *e;

	if (!copy) {
		if (!base || hp_maps_read(getpid(), &m))
			return -ENOENT;
		e = hp_maps_find(&m, base);
		if (e && !strcmp(e->path, "[vdso]") && (copy = malloc(e->end - base))) {
			copy_len = e->end - base;
			memcpy(copy, (void *)base, copy_len);
		}
		hp_maps_free(&m);
		if (!copy)
			return -ENOENT;
	}
	*data = copy;
	*len = copy_len;
	return 0;
}

static void load_vdso(struct hp_file *f)
{
	const void *data;
	size_t len;

	if (hp_vdso_image(&data, &len) || hp_elf_load_mem(data, len, &f->elf))
		return;
	f->elf_ok = 1;
	hp_build_id_hex(f->elf.build_id, f->elf.build_id_len, f->build_id_hex);
}

struct hp_file *hp_files_get(struct hp_files *fc, pid_t pid, const struct hp_map_entry *e)
{
	uint64_t key[2] = {((uint64_t)e->dev_major << 32) | e->dev_minor, e->inode};
	struct hp_file *f;
	char *slash;

	if (!fc->debug_root)
		fc->debug_root = "/usr/lib/debug";
	/* anonymous and special mappings ([vdso]) are told apart by name */
	if (!e->inode)
		key[0] = hp_hash(e->path, strlen(e->path)), key[1] = 0;
	f = hp_hmap_get(&fc->by_identity, key, sizeof(key));
	if (f)
		return f;
	if (hp_reserve(&fc->v, &fc->cap, fc->n + 1, sizeof(*fc->v)))
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->path = strdup(e->path[0] ? e->path : "[anon]");
	if (!f->path || hp_hmap_put(&fc->by_identity, key, sizeof(key), f)) {
		free(f->path);
		free(f);
		return NULL;
	}
	slash = strrchr(f->path, '/');
	f->base = slash ? slash + 1 : f->path;
	f->dev = key[0];
	f->inode = e->inode;
	if (e->inode)
		load_elf(fc, pid, e, f);
	else if (!strcmp(e->path, "[vdso]"))
		load_vdso(f);
	fc->v[fc->n++] = f;
	f->idx = fc->n;
	return f;
}

struct hp_file *hp_files_at(const struct hp_files *fc, uint32_t idx)
{
	return idx && idx <= fc->n ? fc->v[idx - 1] : NULL;
}

void hp_files_free(struct hp_files *fc)
{
	for (size_t i = 0; i < fc->n; i++) {
		hp_elf_free(&fc->v[i]->elf);
		free(fc->v[i]->path);
		free(fc->v[i]);
	}
	free(fc->v);
	hp_hmap_free(&fc->by_identity);
	memset(fc, 0, sizeof(*fc));
}
