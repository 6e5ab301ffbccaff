/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_ELF_SYMS_H
#define HP_ELF_SYMS_H

#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

#define HP_BUILD_ID_MAX	 64
#define HP_ELF_MAX_LOADS 16

struct hp_sym {
	uint64_t addr;	   /* ELF virtual address */
	uint64_t size;	   /* 0: unknown, extends to the next symbol */
	uint32_t name;	   /* offset into hp_elf.names */
	uint16_t name_len; /* capped at UINT16_MAX: for choosing among aliases */
	uint8_t bind_rank; /* 0 global, 1 weak, 2 local: for choosing among aliases */
	uint8_t pad;
};

/* What symbolization needs from one ELF file. */
struct hp_elf {
	uint8_t build_id[HP_BUILD_ID_MAX];
	size_t build_id_len;
	char *debuglink; /* .gnu_debuglink file name, or NULL */
	struct {
		uint64_t offset, vaddr, filesz;
	} loads[HP_ELF_MAX_LOADS]; /* PT_LOAD segments, file order */
	size_t nloads;
	struct hp_sym *syms; /* sorted by addr */
	size_t nsyms;
	char *names; /* NUL-separated symbol names */
	size_t names_len;
	int has_symtab; /* syms came from .symtab (not only .dynsym) */
};

/*
 * Reads build id, load segments and function symbols (.symtab, else
 * .dynsym) of the ELF file open at fd. The file is untrusted: every size
 * and index is checked. Returns 0, -ENOEXEC (not ELF), or -errno.
 */
int hp_elf_load(int fd, struct hp_elf *out);
/* Same for an ELF image in memory (for tests and fuzzing). */
int hp_elf_load_mem(const void *data, size_t len, struct hp_elf *out);
/*
 * Adds the function symbols of a separate debug file (same layout,
 * .symtab) to elf, replacing a .dynsym-only table. 0 or -errno.
 */
int hp_elf_add_debug_syms(struct hp_elf *elf, int debug_fd);
/* Converts a file offset to the ELF virtual address it is loaded at; 0 if none. */
uint64_t hp_elf_offset_to_vaddr(const struct hp_elf *elf, uint64_t offset);
/*
 * The name of the function containing vaddr, or NULL; *off gets the
 * offset into it. The string lives as long as elf.
 */
const char *hp_elf_lookup(const struct hp_elf *elf, uint64_t vaddr, uint64_t *off);
void hp_elf_free(struct hp_elf *elf);

/*
 * Opens the file at fd, or an image in memory, with libelf: NULL unless it
 * is an ELF file. Close with elf_end().
 */
Elf *hp_elf_open_fd(int fd);
Elf *hp_elf_open_mem(const void *data, size_t len);
/*
 * The first section of this type (and name, unless NULL), its header in
 * *sh; NULL if there is none. Names are read through the checked strptr.
 */
Elf_Scn *hp_elf_section(Elf *e, uint32_t type, const char *name, GElf_Shdr *sh);

/* Hex build id into buf (2*len+1 bytes). */
void hp_build_id_hex(const uint8_t *id, size_t len, char *buf);

#endif
