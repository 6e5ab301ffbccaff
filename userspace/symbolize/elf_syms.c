// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include "elf_syms.h"
#include "util.h"

/* Bounds what a hostile symbol table can make us allocate. */
#define HP_ELF_MAX_SYMS (8u << 20)

static int elf_ready(void)
{
	static int ok = -1;

	if (ok < 0)
		ok = elf_version(EV_CURRENT) != EV_NONE;
	return ok;
}

/* e if it is an ELF file, else NULL (and e is closed). */
static Elf *only_elf(Elf *e)
{
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		return NULL;
	}
	return e;
}

Elf *hp_elf_open_fd(int fd)
{
	return elf_ready() ? only_elf(elf_begin(fd, ELF_C_READ_MMAP, NULL)) : NULL;
}

Elf *hp_elf_open_mem(const void *data, size_t len)
{
	/* libelf may write to the image (ELF_C_READ_MMAP is not available here) */
	return elf_ready() ? only_elf(elf_memory((char *)data, len)) : NULL;
}

static void read_build_id(Elf *e, struct hp_elf *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    desc_off + nh.n_descsz <= d->d_size && name_off + 4 <= d->d_size &&
			    !memcmp((char *)d->d_buf + name_off, "GNU", 4) && nh.n_descsz > 0 &&
			    nh.n_descsz <= HP_BUILD_ID_MAX) {
				memcpy(out->build_id, (char *)d->d_buf + desc_off, nh.n_descsz);
				out->build_id_len = nh.n_descsz;
				return;
			}
		}
	}
}

static void read_loads(Elf *e, struct hp_elf *out)
{
	size_t n;

	if (elf_getphdrnum(e, &n))
		return;
	for (size_t i = 0; i < n && out->nloads < HP_ELF_MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		out->loads[out->nloads].offset = ph.p_offset;
		out->loads[out->nloads].vaddr = ph.p_vaddr;
		out->loads[out->nloads].filesz = ph.p_filesz;
		out->nloads++;
	}
}

Elf_Scn *hp_elf_section(Elf *e, uint32_t type, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh) || sh->sh_type != type)
			continue;
		if (!name)
			return scn;
		n = elf_strptr(e, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static void read_debuglink(Elf *e, struct hp_elf *out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = hp_elf_section(e, SHT_PROGBITS, ".gnu_debuglink", &sh);
	Elf_Data *d;

	if (!scn || !(d = elf_getdata(scn, NULL)) || !d->d_buf || !d->d_size)
		return;
	/* a NUL-terminated file name, then padding and a CRC */
	if (!memchr(d->d_buf, '\0', d->d_size))
		return;
	out->debuglink = strdup(d->d_buf);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct hp_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* among aliases prefer one with a size, then the most public, then the shortest */
	if (x->size != y->size)
		return (x->size < y->size) - (x->size > y->size);
	if (x->bind_rank != y->bind_rank)
		return x->bind_rank - y->bind_rank;
	return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* Appends the function symbols of section scn to out. */
static int read_syms(Elf *e, Elf_Scn *scn, struct hp_elf *out)
{
	/* what is allocated now: exactly what earlier calls used */
	size_t syms_cap = out->nsyms, names_cap = out->names_len, n;
	GElf_Shdr sh;
	Elf_Data *d;

	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return 0;
	d = elf_getdata(scn, NULL);
	if (!d)
		return 0;
	n = d->d_size / sh.sh_entsize;
	if (n > HP_ELF_MAX_SYMS)
		n = HP_ELF_MAX_SYMS;
	for (size_t i = 0; i < n; i++) {
		struct hp_sym *s;
		const char *name;
		GElf_Sym sym;
		size_t len;
		int type;

		if (!gelf_getsym(d, i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(e, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		/* "name@@VERSION" / "name@VERSION": the version is not part of the name */
		len = strcspn(name, "@") + 1;
		if (len == 1)
			continue;
		if (out->names_len + len > UINT32_MAX)
			break;
		if (hp_reserve(&out->syms, &syms_cap, out->nsyms + 1, sizeof(*out->syms)) ||
		    hp_reserve(&out->names, &names_cap, out->names_len + len, 1))
			return -ENOMEM;
		memcpy(out->names + out->names_len, name, len - 1);
		out->names[out->names_len + len - 1] = '\0';
		s = &out->syms[out->nsyms++];
		s->addr = sym.st_value;
		s->size = sym.st_size;
		s->name = out->names_len;
		s->name_len = len - 1 > UINT16_MAX ? UINT16_MAX : len - 1;
		s->bind_rank = GELF_ST_BIND(sym.st_info) == STB_GLOBAL ? 0
			       : GELF_ST_BIND(sym.st_info) == STB_WEAK ? 1
								       : 2;
		s->pad = 0;
		out->names_len += len;
	}
	return 0;
}

static void sort_syms(struct hp_elf *out)
{
	size_t w = 0;

	if (!out->nsyms)
		return;
	qsort(out->syms, out->nsyms, sizeof(*out->syms), cmp_sym);
	/* drop aliases: keep the first (sized) symbol at each address */
	for (size_t r = 0; r < out->nsyms; r++)
		if (!w || out->syms[r].addr != out->syms[w - 1].addr)
			out->syms[w++] = out->syms[r];
	out->nsyms = w;
}

static int load_syms(Elf *e, struct hp_elf *out, int symtab_only)
{
	GElf_Shdr sh;
	Elf_Scn *scn = hp_elf_section(e, SHT_SYMTAB, NULL, &sh);
	int err;

	if (scn) {
		out->has_symtab = 1;
	} else {
		if (symtab_only)
			return 0;
		scn = hp_elf_section(e, SHT_DYNSYM, NULL, &sh);
		if (!scn)
			return 0;
	}
	err = read_syms(e, scn, out);
	if (!err)
		sort_syms(out);
	return err;
}

static int load_from(Elf *e, struct hp_elf *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (!e)
		return -ENOEXEC;
	read_build_id(e, out);
	read_loads(e, out);
	read_debuglink(e, out);
	err = load_syms(e, out, 0);
	elf_end(e);
	if (err)
		hp_elf_free(out);
	return err;
}

int hp_elf_load(int fd, struct hp_elf *out)
{
	return load_from(hp_elf_open_fd(fd), out);
}

int hp_elf_load_mem(const void *data, size_t len, struct hp_elf *out)
{
	return load_from(hp_elf_open_mem(data, len), out);
}

int hp_elf_add_debug_syms(struct hp_elf *elf, int debug_fd)
{
	struct hp_elf dbg = {0};
	Elf *e;
	int err;

	e = hp_elf_open_fd(debug_fd);
	if (!e)
		return -ENOEXEC;
	err = load_syms(e, &dbg, 1);
	elf_end(e);
	if (err || !dbg.nsyms) {
		hp_elf_free(&dbg);
		return err ? err : -ENOENT;
	}
	free(elf->syms);
	free(elf->names);
	elf->syms = dbg.syms;
	elf->nsyms = dbg.nsyms;
	elf->names = dbg.names;
	elf->names_len = dbg.names_len;
	elf->has_symtab = 1;
	return 0;
}

uint64_t hp_elf_offset_to_vaddr(const struct hp_elf *elf, uint64_t offset)
{
	for (size_t i = 0; i < elf->nloads; i++) {
		uint64_t o = elf->loads[i].offset;

		if (offset >= o && offset - o < elf->loads[i].filesz)
			return offset - o + elf->loads[i].vaddr;
	}
	return 0;
}

static uint64_t sym_addr(const void *e)
{
	return ((const struct hp_sym *)e)->addr;
}

const char *hp_elf_lookup(const struct hp_elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t i = hp_count_le(elf->syms, elf->nsyms, sizeof(*elf->syms), sym_addr, vaddr);
	const struct hp_sym *s;

	if (!i)
		return NULL;
	s = &elf->syms[i - 1];
	if (s->size && vaddr - s->addr >= s->size)
		return NULL;
	if (off)
		*off = vaddr - s->addr;
	return elf->names + s->name;
}

void hp_elf_free(struct hp_elf *elf)
{
	free(elf->syms);
	free(elf->names);
	free(elf->debuglink);
	memset(elf, 0, sizeof(*elf));
}

void hp_build_id_hex(const uint8_t *id, size_t len, char *buf)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 15];
	}
	buf[2 * len] = '\0';
}
