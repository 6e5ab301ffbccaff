// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace half of the CPython unwinder: finds CPython in a process (the
 * python3.X executable or libpython3.X.so, by the symbols every build
 * exports: _PyRuntime, _PyEval_EvalFrameDefault, Py_Version), tells BPF
 * where its runtime state and eval loop are, and names the frames BPF
 * records: (code object, instruction offset) -> qualified name, file, line,
 * read from the process with process_vm_readv and cached per process.
 */
#define _GNU_SOURCE /* process_vm_readv */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "elf_syms.h"
#include "hashmap.h"
#include "log.h"
#include "python_linetable.h"
#include "python_versions.h"
#include "registry.h"
#include "util.h"

#define MAX_NAME      1024	/* code points of a name or file name we keep */
#define MAX_LINETABLE (1 << 16) /* bytes of co_linetable we read */
#define CODE_HEADER   256	/* bytes of a code object read at once: every field we use */
/*
 * Code objects remembered per process. A process creating code without end
 * (exec, eval) must not make us grow without end: past this, start over.
 */
#define MAX_CODES (1 << 16)

/* What one CPython executable or library tells us (cached per file). */
struct py_file {
	int ok;			 /* a supported CPython */
	size_t row;		 /* hp_py_versions index */
	uint64_t runtime;	 /* _PyRuntime, ELF vaddr */
	uint64_t eval, eval_end; /* _PyEval_EvalFrameDefault, ELF vaddrs */
};

/* A code object of one process, read once. */
struct py_code {
	uint32_t func; /* index into funcs + 1; 0: unreadable */
	int64_t first_line;
	uint8_t *linetable;
	size_t linetable_len;
};

/* A Python process. */
struct py_proc {
	size_t row;
	struct hp_hmap codes; /* code object address -> struct py_code * */
};

/* A function as shown: qualified name and file. */
struct py_func {
	char *name, *filename;
};

static struct {
	int procs_fd, offsets_fd, ranges_fd;
	struct hp_hmap files;	 /* (dev, inode) -> struct py_file * */
	struct hp_hmap procs;	 /* pid -> struct py_proc * */
	struct hp_hmap func_ids; /* "name\0filename" -> index + 1 */
	struct py_func *funcs;
	size_t nfuncs, funcs_cap;
	uint64_t found, code_reads, read_failures;
} py = {.procs_fd = -1};

static int start(struct bpf_object *obj)
{
	struct bpf_map *procs = bpf_object__find_map_by_name(obj, "py_procs");
	struct bpf_map *offsets = bpf_object__find_map_by_name(obj, "py_offsets");
	struct bpf_map *ranges = bpf_object__find_map_by_name(obj, "interp_ranges");

	if (!procs || !offsets || !ranges)
		return -ENOENT;
	py.procs_fd = bpf_map__fd(procs);
	py.offsets_fd = bpf_map__fd(offsets);
	py.ranges_fd = bpf_map__fd(ranges);
	for (__u32 i = 0; i < hp_py_versions_count && i < HP_PY_MAX_ROWS; i++)
		if (bpf_map_update_elem(py.offsets_fd, &i, &hp_py_versions[i].bpf, BPF_ANY))
			return -errno;
	return 0;
}

/* "python3.11", "libpython3.11.so.1.0": the version in a file name, if any. */
static int version_from_name(const char *base, unsigned *major, unsigned *minor)
{
	const char *p = strstr(base, "python");

	return p && sscanf(p, "python%u.%u", major, minor) == 2;
}

/* Reads vaddr of the file as the loads map it; 0 or -1. */
static int read_vaddr(int fd, const struct hp_elf *elf, uint64_t vaddr, void *buf, size_t len)
{
	for (size_t i = 0; i < elf->nloads; i++) {
		uint64_t v = elf->loads[i].vaddr, sz = elf->loads[i].filesz;

		if (vaddr >= v && vaddr - v + len <= sz)
			return pread(fd, buf, len, elf->loads[i].offset + (vaddr - v)) ==
					       (ssize_t)len
				       ? 0
				       : -1;
	}
	return -1;
}

/* Looks at a file's dynamic symbols for what the unwinder needs. */
static void inspect_file(pid_t pid, const struct hp_map_entry *e, const struct hp_file *f,
			 struct py_file *out)
{
	int fd = hp_files_open(pid, e), found = 0;
	unsigned major = 0, minor = 0;
	uint64_t version_addr = 0;
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf *elf;

	if (fd < 0)
		return;
	elf = hp_elf_open_fd(fd);
	scn = elf ? hp_elf_section(elf, SHT_DYNSYM, NULL, &sh) : NULL;
	if (scn && sh.sh_entsize) {
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? d->d_size / sh.sh_entsize : 0;

		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(d, (int)i, &s) || !s.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name)
				continue;
			if (!strcmp(name, "_PyRuntime")) {
				out->runtime = s.st_value;
				found |= 1;
			} else if (!strcmp(name, "_PyEval_EvalFrameDefault") && s.st_size) {
				out->eval = s.st_value;
				out->eval_end = s.st_value + s.st_size;
				found |= 2;
			} else if (!strcmp(name, "Py_Version")) {
				version_addr = s.st_value;
			}
		}
	}
	if (elf)
		elf_end(elf);
	/* Py_Version (3.11+) is PY_VERSION_HEX: 0xMMmmPPLS */
	if (version_addr) {
		uint32_t hex;

		if (!read_vaddr(fd, &f->elf, version_addr, &hex, sizeof(hex))) {
			major = hex >> 24;
			minor = (hex >> 16) & 0xff;
		}
	}
	close(fd);
	if (!major && !version_from_name(f->base, &major, &minor))
		return;
	out->ok = found == 3 && hp_py_version_find(major, minor, &out->row);
	if (found == 3 && !out->ok)
		hp_dbg("python: %s is CPython %u.%u, which has no offsets row yet", f->path, major,
		       minor);
}

static struct py_file *file_info(pid_t pid, const struct hp_map_entry *e, struct hp_file *f)
{
	uint64_t key[2] = {f->dev, f->inode};
	struct py_file *pf = hp_hmap_get(&py.files, key, sizeof(key));

	if (pf)
		return pf;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return NULL;
	if (f->elf_ok && strstr(f->base, "python"))
		inspect_file(pid, e, f, pf);
	if (hp_hmap_put(&py.files, key, sizeof(key), pf)) {
		free(pf);
		return NULL;
	}
	return pf;
}

static void forget_codes(struct py_proc *p)
{
	struct hp_hmap_entry *e;
	size_t i;

	for (e = hp_hmap_first(&p->codes, &i); e; e = hp_hmap_next(&p->codes, e, &i)) {
		struct py_code *c = e->value;

		free(c->linetable);
		free(c);
	}
	hp_hmap_free(&p->codes);
}

static void free_proc(struct py_proc *p)
{
	forget_codes(p);
	free(p);
}

static void process_exit(pid_t pid);

static void process_maps(pid_t pid, const struct hp_maps *maps, struct hp_files *files)
{
	if (py.procs_fd < 0)
		return;
	for (size_t i = 0; i < maps->n; i++) {
		const struct hp_map_entry *e = &maps->v[i];
		struct hp_py_proc bp = {0};
		struct hp_interp_range r = {0};
		struct py_file *pf;
		struct hp_file *f;
		struct py_proc *p;
		__u32 key = pid;
		uint64_t bias;

		if (!strstr(e->path, "python"))
			continue;
		f = hp_files_get(files, pid, e);
		pf = f ? file_info(pid, e, f) : NULL;
		if (!pf || !pf->ok)
			continue;
		/* the whole file is loaded at one bias; this mapping tells it */
		bias = e->start - hp_elf_offset_to_vaddr(&f->elf, e->pgoff);
		bp.runtime = pf->runtime + bias;
		bp.row = pf->row;
		r.start = pf->eval + bias;
		r.end = pf->eval_end + bias;
		r.prog = HP_PROG_UNWIND_PYTHON;
		if (bpf_map_update_elem(py.procs_fd, &key, &bp, BPF_ANY) ||
		    bpf_map_update_elem(py.ranges_fd, &key, &r, BPF_ANY))
			return;
		p = hp_hmap_get(&py.procs, &key, sizeof(key));
		if (!p) {
			p = calloc(1, sizeof(*p));
			if (!p || hp_hmap_put(&py.procs, &key, sizeof(key), p)) {
				free(p);
				return;
			}
			py.found++;
		}
		p->row = pf->row;
		hp_dbg("python: pid %d runs CPython %u.%u (%s)%s", pid,
		       hp_py_versions[pf->row].major, hp_py_versions[pf->row].minor, f->path,
		       hp_py_versions[pf->row].checked
			       ? ""
			       : "; its offsets were not checked against this version here");
		return;
	}
	/* no CPython (any more: exec'd into something else) */
	process_exit(pid);
}

static void process_exit(pid_t pid)
{
	__u32 key = pid;
	struct py_proc *p = hp_hmap_get(&py.procs, &key, sizeof(key));

	if (!p)
		return;
	bpf_map_delete_elem(py.procs_fd, &key);
	bpf_map_delete_elem(py.ranges_fd, &key);
	hp_hmap_del(&py.procs, &key, sizeof(key));
	free_proc(p);
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

static uint64_t get_u64(const uint8_t *buf, uint16_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

/*
 * A str object of the process as UTF-8 (compact strings only: names and
 * file names always are). A malloc'd string or NULL.
 */
static char *read_str(pid_t pid, const struct hp_py_version *v, uint64_t addr)
{
	uint8_t hdr[128];
	uint64_t n;
	uint32_t state, kind;
	uint8_t *data;
	char *out;
	size_t o = 0;

	if (!addr || read_mem(pid, addr, hdr, v->str_compact_data))
		return NULL;
	n = get_u64(hdr, v->str_length);
	memcpy(&state, hdr + v->str_state, sizeof(state));
	kind = (state >> 2) & 7;
	/* state: interned:2 kind:3 compact:1 ascii:1 */
	if (!((state >> 5) & 1) || n > MAX_NAME || (kind != 1 && kind != 2 && kind != 4))
		return NULL;
	if ((state >> 6) & 1)
		kind = 0; /* ASCII: data right after the shorter header */
	data = malloc(n * (kind ? kind : 1) + 1);
	out = malloc(n * 4 + 1);
	if (!data || !out ||
	    read_mem(pid, addr + (kind ? v->str_compact_data : v->str_ascii_data), data,
		     n * (kind ? kind : 1))) {
		free(data);
		free(out);
		return NULL;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint32_t c = kind == 4	 ? ((uint32_t *)data)[i]
			     : kind == 2 ? ((uint16_t *)data)[i]
					 : data[i];

		if (c < 0x80) {
			out[o++] = c ? (char)c : '?';
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 63));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 63));
			out[o++] = (char)(0x80 | (c & 63));
		} else if (c < 0x110000) {
			out[o++] = (char)(0xf0 | c >> 18);
			out[o++] = (char)(0x80 | ((c >> 12) & 63));
			out[o++] = (char)(0x80 | ((c >> 6) & 63));
			out[o++] = (char)(0x80 | (c & 63));
		}
	}
	out[o] = '\0';
	free(data);
	return out;
}

/* The index + 1 of (name, filename) among the functions seen; 0 on ENOMEM. */
static uint32_t intern_func(const char *name, const char *filename)
{
	size_t nl = strlen(name), fl = strlen(filename);
	char *key = malloc(nl + fl + 2);
	uint32_t id = 0;

	if (!key)
		return 0;
	memcpy(key, name, nl + 1);
	memcpy(key + nl + 1, filename, fl + 1);
	id = (uint32_t)(uintptr_t)hp_hmap_get(&py.func_ids, key, nl + fl + 2);
	if (!id && !hp_reserve(&py.funcs, &py.funcs_cap, py.nfuncs + 1, sizeof(*py.funcs))) {
		struct py_func *fn = &py.funcs[py.nfuncs];

		fn->name = strdup(name);
		fn->filename = strdup(filename);
		if (fn->name && fn->filename &&
		    !hp_hmap_put(&py.func_ids, key, nl + fl + 2,
				 (void *)(uintptr_t)(py.nfuncs + 1)))
			id = ++py.nfuncs;
		else {
			free(fn->name);
			free(fn->filename);
		}
	}
	free(key);
	return id;
}

/* Reads a code object of the process: its function, first line and line table. */
static struct py_code *read_code(pid_t pid, const struct hp_py_version *v, uint64_t addr)
{
	struct py_code *c = calloc(1, sizeof(*c));
	uint8_t hdr[CODE_HEADER];
	char *name = NULL, *file = NULL;
	uint64_t lt;

	if (!c)
		return NULL;
	py.code_reads++;
	if (read_mem(pid, addr, hdr, sizeof(hdr))) {
		py.read_failures++;
		return c;
	}
	c->first_line = (int32_t)get_u64(hdr, v->code_firstlineno);
	name = read_str(pid, v, get_u64(hdr, v->code_qualname));
	file = read_str(pid, v, get_u64(hdr, v->code_filename));
	if (name)
		c->func = intern_func(name, file ? file : "");
	else
		py.read_failures++;
	lt = get_u64(hdr, v->code_linetable);
	if (lt) {
		uint8_t bh[64];
		uint64_t n;

		if (!read_mem(pid, lt, bh, v->bytes_data) &&
		    (n = get_u64(bh, v->bytes_size)) <= MAX_LINETABLE &&
		    (c->linetable = malloc(n ? n : 1)) &&
		    !read_mem(pid, lt + v->bytes_data, c->linetable, n))
			c->linetable_len = n;
	}
	free(name);
	free(file);
	return c;
}

_Static_assert(CODE_HEADER >= 136 + 8, "code header covers the fields read");

static void resolve(pid_t pid, const struct hp_frame *f, struct hp_loc *out)
{
	__u32 key = pid;
	struct py_proc *p = hp_hmap_get(&py.procs, &key, sizeof(key));
	const struct hp_py_version *v;
	struct py_code *c;
	int64_t line;

	*out = (struct hp_loc){.kind = HP_FRAME_PYTHON};
	if (!p)
		return;
	v = &hp_py_versions[p->row];
	c = hp_hmap_get(&p->codes, &f->addr, sizeof(f->addr));
	if (!c) {
		if (p->codes.count >= MAX_CODES)
			forget_codes(p);
		c = read_code(pid, v, f->addr);
		if (!c || hp_hmap_put(&p->codes, &f->addr, sizeof(f->addr), c)) {
			if (c)
				free(c->linetable);
			free(c);
			return;
		}
	}
	out->addr = c->func;
	switch (v->lines) {
	case HP_PY_LNOTAB:
		line = hp_py_line_lnotab(c->linetable, c->linetable_len, c->first_line, f->file_id);
		break;
	case HP_PY_LINES_310: /* f_lasti in code units */
		line = hp_py_line_310(c->linetable, c->linetable_len, c->first_line,
				      f->file_id * 2);
		break;
	default:
		line = hp_py_line(c->linetable, c->linetable_len, c->first_line, f->file_id / 2);
		break;
	}
	out->file = line > 0 && line <= UINT32_MAX ? (uint32_t)line : 0;
}

static void describe(const struct hp_loc *l, struct hp_frame_info *out)
{
	const struct py_func *fn = l->addr && l->addr <= py.nfuncs ? &py.funcs[l->addr - 1] : NULL;

	out->name = fn ? fn->name : "[python: unreadable code object]";
	out->filename = fn ? fn->filename : "";
	out->line = l->file;
	out->frame_type = "cpython";
}

static void print_stats(FILE *out, int json)
{
	if (json)
		fprintf(out,
			",\"python\":{\"processes\":%" PRIu64 ",\"code_objects_read\":%" PRIu64
			",\"read_failures\":%" PRIu64 ",\"functions\":%zu}",
			py.found, py.code_reads, py.read_failures, py.nfuncs);
	else if (py.found)
		fprintf(out,
			"  python           %" PRIu64 " processes, %" PRIu64
			" code objects read (%" PRIu64 " failed), %zu functions\n",
			py.found, py.code_reads, py.read_failures, py.nfuncs);
}

static void stop(void)
{
	struct hp_hmap_entry *e;
	size_t i;

	for (e = hp_hmap_first(&py.procs, &i); e; e = hp_hmap_next(&py.procs, e, &i))
		free_proc(e->value);
	for (e = hp_hmap_first(&py.files, &i); e; e = hp_hmap_next(&py.files, e, &i))
		free(e->value);
	for (size_t k = 0; k < py.nfuncs; k++) {
		free(py.funcs[k].name);
		free(py.funcs[k].filename);
	}
	free(py.funcs);
	hp_hmap_free(&py.procs);
	hp_hmap_free(&py.files);
	hp_hmap_free(&py.func_ids);
	memset(&py, 0, sizeof(py));
	py.procs_fd = -1;
}

const struct hp_unwinder_ops hp_unwinder_python = {
	.name = "python",
	.prog_id = HP_PROG_UNWIND_PYTHON,
	.prog_name = "hp_unwind_python",
	.description = "CPython 3.8-3.13 frames, interleaved with native ones",
	.start = start,
	.process_maps = process_maps,
	.process_exit = process_exit,
	.print_stats = print_stats,
	.stop = stop,
	.frame_kind = HP_FRAME_PYTHON,
	.resolve = resolve,
	.describe = describe,
};
