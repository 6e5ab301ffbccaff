// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace half of the table unwinder: builds each file's stack-delta table
 * once (per file identity), writes it into the global `unwind_rows` array,
 * and keeps every tracked process's executable mappings in `exec_mappings`.
 *
 * Both arrays are BPF_F_MMAPABLE and written through mmap. A range is
 * filled before the hash entry pointing at it is published, and freed only
 * after that entry is replaced or deleted, so BPF never sees half a table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "hashmap.h"
#include "log.h"
#include "range_alloc.h"
#include "registry.h"
#include "unwind_table.h"

enum table_state {
	TABLE_NEW = 0, /* not built yet */
	TABLE_LOADED,  /* rows in unwind_rows, published in file_rows */
	TABLE_NONE,    /* no usable CFI: frame pointers only, never retried */
	TABLE_EVICTED, /* was loaded; rebuilt when a process maps it again */
};

struct native_file {
	uint32_t id; /* hp_file.idx: the key of file_rows */
	enum table_state state;
	uint32_t first, count; /* range of unwind_rows while loaded */
	uint32_t refs;	       /* tracked processes mapping it */
	uint64_t last_used;    /* monotonic ns, for eviction */
};

struct native_proc {
	pid_t pid;
	uint32_t first, count; /* range of exec_mappings */
	uint32_t *files;       /* ids it holds a reference on */
	size_t nfiles;
};

static struct {
	int ready;
	int fd_proc, fd_files;
	struct hp_unwind_row *rows;   /* mmap of unwind_rows */
	struct hp_exec_mapping *maps; /* mmap of exec_mappings */
	size_t rows_len, maps_len;    /* mmap lengths */
	struct hp_range_alloc rows_alloc, maps_alloc;
	struct hp_hmap files; /* id -> struct native_file * */
	struct hp_hmap procs; /* pid -> struct native_proc * */
	/* --stats */
	uint64_t tables_built, build_ns, fdes, table_bytes, evictions, rows_full, maps_full;
	uint64_t procs_gone;
} N;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int configure(struct bpf_object *obj, const struct hp_options *o)
{
	struct bpf_map *rows = bpf_object__find_map_by_name(obj, "unwind_rows");
	uint64_t n = (uint64_t)o->unwind_table_mb * (1 << 20) / sizeof(struct hp_unwind_row);

	if (!rows)
		return -ENOENT;
	return bpf_map__set_max_entries(rows, n ? n : 1);
}

static void *map_array(struct bpf_object *obj, const char *name, size_t *len, uint32_t *cap)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (!m)
		return NULL;
	*cap = bpf_map__max_entries(m);
	*len = ((size_t)bpf_map__value_size(m) * *cap + page - 1) / page * page;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

static int start(struct bpf_object *obj)
{
	struct bpf_map *proc = bpf_object__find_map_by_name(obj, "proc_mappings");
	struct bpf_map *files = bpf_object__find_map_by_name(obj, "file_rows");
	uint32_t rows_cap, maps_cap;

	if (!proc || !files)
		return -ENOENT;
	N.fd_proc = bpf_map__fd(proc);
	N.fd_files = bpf_map__fd(files);
	N.rows = map_array(obj, "unwind_rows", &N.rows_len, &rows_cap);
	N.maps = map_array(obj, "exec_mappings", &N.maps_len, &maps_cap);
	if (!N.rows || !N.maps) {
		hp_err("failed to map the unwind tables: %s", strerror(errno));
		return -errno;
	}
	if (hp_range_alloc_init(&N.rows_alloc, rows_cap) ||
	    hp_range_alloc_init(&N.maps_alloc, maps_cap))
		return -ENOMEM;
	N.ready = 1;
	return 0;
}

static struct native_file *file_get(uint32_t id)
{
	struct native_file *f = hp_hmap_get(&N.files, &id, sizeof(id));

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || hp_hmap_put(&N.files, &id, sizeof(id), f)) {
		free(f);
		return NULL;
	}
	f->id = id;
	return f;
}

/* Frees the rows of files no process maps, least recently used first, until `need` fit. */
static int evict_for(uint32_t need, uint32_t *first)
{
	while (hp_range_alloc_get(&N.rows_alloc, need, first)) {
		struct native_file *victim = NULL;
		struct hp_hmap_entry *e;
		size_t i;

		for (e = hp_hmap_first(&N.files, &i); e; e = hp_hmap_next(&N.files, e, &i)) {
			struct native_file *f = e->value;

			if (f->state == TABLE_LOADED && !f->refs &&
			    (!victim || f->last_used < victim->last_used))
				victim = f;
		}
		if (!victim)
			return -ENOSPC;
		bpf_map_delete_elem(N.fd_files, &victim->id);
		hp_range_alloc_put(&N.rows_alloc, victim->first, victim->count);
		victim->state = TABLE_EVICTED;
		N.evictions++;
	}
	return 0;
}

/* Builds and publishes the table of file f (mapped by pid as e) if not done. */
static void ensure_table(struct native_file *f, pid_t pid, const struct hp_map_entry *e)
{
	struct hp_unwind_table t;
	struct hp_range r;
	uint64_t t0 = now_ns();
	int fd, err;

	f->last_used = t0;
	if (f->state == TABLE_LOADED || f->state == TABLE_NONE)
		return;
	if (!strcmp(e->path, "[vdso]")) {
		const void *image;
		size_t len;

		err = hp_vdso_image(&image, &len);
		if (!err)
			err = hp_unwind_table_build_mem(image, len, &t);
	} else {
		fd = hp_files_open(pid, e);
		if (fd < 0)
			return; /* retried at the next maps read */
		err = hp_unwind_table_build(fd, &t);
		close(fd);
	}
	N.build_ns += now_ns() - t0;
	if (err || !t.n) {
		f->state = TABLE_NONE;
		hp_unwind_table_free(&t);
		return;
	}
	N.tables_built++;
	N.fdes += t.fdes;
	if (evict_for(t.n, &r.first)) {
		N.rows_full++;
		hp_dbg("unwind table space full: %s stays on frame pointers (--unwind-table-mb)",
		       e->path);
		hp_unwind_table_free(&t);
		return;
	}
	r.count = t.n;
	memcpy(&N.rows[r.first], t.rows, t.n * sizeof(*t.rows));
	N.table_bytes += (uint64_t)t.n * sizeof(*t.rows);
	hp_unwind_table_free(&t);
	if (bpf_map_update_elem(N.fd_files, &f->id, &r, BPF_ANY)) {
		hp_range_alloc_put(&N.rows_alloc, r.first, r.count);
		return;
	}
	f->first = r.first;
	f->count = r.count;
	f->state = TABLE_LOADED;
}

/* ELF address of mapping e's start: the load segment holding its file offset. */
static int mapping_bias(const struct hp_file *f, const struct hp_map_entry *e, uint64_t *bias)
{
	for (size_t i = 0; i < f->elf.nloads; i++) {
		uint64_t off = f->elf.loads[i].offset, aligned = off & ~0xfffull;

		if (e->pgoff >= aligned && e->pgoff < off + f->elf.loads[i].filesz) {
			*bias = e->start - e->pgoff + off - f->elf.loads[i].vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

static void proc_release(struct native_proc *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		struct native_file *f = hp_hmap_get(&N.files, &p->files[i], sizeof(p->files[i]));

		if (f && f->refs)
			f->refs--;
	}
	free(p->files);
	p->files = NULL;
	p->nfiles = 0;
	if (p->count)
		hp_range_alloc_put(&N.maps_alloc, p->first, p->count);
	p->count = 0;
}

static void process_maps(pid_t pid, const struct hp_maps *maps, struct hp_files *files)
{
	struct native_proc *p;
	struct hp_range r = {0, 0};
	uint32_t *ids = NULL;
	size_t nids = 0;

	if (!N.ready)
		return;
	p = hp_hmap_get(&N.procs, &pid, sizeof(pid));
	if (!p && !maps->n)
		return; /* kernel thread, or nothing executable */
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || hp_hmap_put(&N.procs, &pid, sizeof(pid), p)) {
			free(p);
			return;
		}
		p->pid = pid;
	}
	if (maps->n && hp_range_alloc_get(&N.maps_alloc, maps->n, &r.first)) {
		N.maps_full++;
		return; /* keeps the mappings it had */
	}
	ids = calloc(maps->n + 1, sizeof(*ids));
	if (!ids) {
		if (maps->n)
			hp_range_alloc_put(&N.maps_alloc, r.first, maps->n);
		return;
	}
	for (size_t i = 0; i < maps->n; i++) {
		const struct hp_map_entry *e = &maps->v[i];
		struct hp_exec_mapping *m = &N.maps[r.first + i];
		struct hp_file *hf = hp_files_get(files, pid, e);
		struct native_file *nf;
		uint64_t bias;

		*m = (struct hp_exec_mapping){.start = e->start, .end = e->end};
		if (!hf || !hf->elf_ok || mapping_bias(hf, e, &bias))
			continue;
		nf = file_get(hf->idx);
		if (!nf)
			continue;
		ensure_table(nf, pid, e);
		if (nf->state != TABLE_LOADED)
			continue;
		m->bias = bias;
		m->file_id = nf->id;
		nf->refs++;
		ids[nids++] = nf->id;
	}
	r.count = maps->n;
	/* publish the new mappings, then drop what the old ones held */
	if (r.count)
		bpf_map_update_elem(N.fd_proc, &pid, &r, BPF_ANY);
	else
		bpf_map_delete_elem(N.fd_proc, &pid);
	proc_release(p);
	p->first = r.first;
	p->count = r.count;
	p->files = ids;
	p->nfiles = nids;
}

static void proc_forget(struct native_proc *p)
{
	bpf_map_delete_elem(N.fd_proc, &p->pid);
	proc_release(p);
	hp_hmap_del(&N.procs, &p->pid, sizeof(p->pid));
	free(p);
}

/* Drops a process's mappings, so its files can be evicted. */
static void process_exit(pid_t pid)
{
	struct native_proc *p;

	if (!N.ready || !(p = hp_hmap_get(&N.procs, &pid, sizeof(pid))))
		return;
	proc_forget(p);
	N.procs_gone++;
}

static void print_stats(FILE *out, int json)
{
	size_t loaded = 0, none = 0;
	struct hp_hmap_entry *e;
	size_t i;

	if (!N.ready)
		return;
	for (e = hp_hmap_first(&N.files, &i); e; e = hp_hmap_next(&N.files, e, &i)) {
		struct native_file *f = e->value;

		loaded += f->state == TABLE_LOADED;
		none += f->state == TABLE_NONE;
	}
	if (json) {
		fprintf(out,
			",\"unwind_tables\":{\"files_loaded\":%zu,\"files_without_cfi\":%zu"
			",\"tables_built\":%" PRIu64 ",\"fdes\":%" PRIu64 ",\"build_ms\":%.1f"
			",\"rows_used\":%u,\"rows_capacity\":%u,\"bytes_built\":%" PRIu64
			",\"evictions\":%" PRIu64 ",\"rows_full\":%" PRIu64 ",\"processes\":%zu"
			",\"mappings_used\":%u,\"mappings_capacity\":%u,\"mappings_full\":%" PRIu64
			",\"processes_exited\":%" PRIu64 "}",
			loaded, none, N.tables_built, N.fdes, N.build_ns / 1e6, N.rows_alloc.used,
			N.rows_alloc.capacity, N.table_bytes, N.evictions, N.rows_full,
			N.procs.count, N.maps_alloc.used, N.maps_alloc.capacity, N.maps_full,
			N.procs_gone);
		return;
	}
	fprintf(out,
		"  unwind tables    %zu files loaded (%zu without CFI), %" PRIu64
		" built in %.1f ms, %u of %u rows (%.1f MiB), %" PRIu64 " evicted, %" PRIu64
		" did not fit\n",
		loaded, none, N.tables_built, N.build_ns / 1e6, N.rows_alloc.used,
		N.rows_alloc.capacity, N.rows_alloc.used * sizeof(struct hp_unwind_row) / 1048576.0,
		N.evictions, N.rows_full);
	fprintf(out, "  processes        %zu tracked, %u of %u mappings, %" PRIu64 " exited\n",
		N.procs.count, N.maps_alloc.used, N.maps_alloc.capacity, N.procs_gone);
}

static void stop(void)
{
	struct hp_hmap_entry *e;
	size_t i;

	for (e = hp_hmap_first(&N.procs, &i); e; e = hp_hmap_next(&N.procs, e, &i)) {
		struct native_proc *p = e->value;

		free(p->files);
		free(p);
	}
	for (e = hp_hmap_first(&N.files, &i); e; e = hp_hmap_next(&N.files, e, &i))
		free(e->value);
	hp_hmap_free(&N.procs);
	hp_hmap_free(&N.files);
	if (N.rows)
		munmap(N.rows, N.rows_len);
	if (N.maps)
		munmap(N.maps, N.maps_len);
	hp_range_alloc_free(&N.rows_alloc);
	hp_range_alloc_free(&N.maps_alloc);
	memset(&N, 0, sizeof(N));
}

const struct hp_unwinder_ops hp_unwinder_native = {
	.name = "native",
	.prog_id = HP_PROG_UNWIND_NATIVE,
	.prog_name = "hp_unwind_native",
	.description = "native code by .eh_frame tables, frame pointers where none",
	.configure = configure,
	.start = start,
	.process_maps = process_maps,
	.process_exit = process_exit,
	.print_stats = print_stats,
	.stop = stop,
};
