// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include "elf_syms.h"
#include "unwind_table.h"

#ifndef SHT_X86_64_UNWIND
#define SHT_X86_64_UNWIND 0x70000001
#endif

/* .eh_frame may also be typed SHT_X86_64_UNWIND. */
static Elf_Scn *find_cfi(Elf *e, const char *name, GElf_Shdr *sh)
{
	return hp_elf_section(e, SHT_PROGBITS, name, sh)
		       ?: hp_elf_section(e, SHT_X86_64_UNWIND, name, sh);
}

static int build(Elf *e, struct hp_unwind_table *t)
{
	static const struct {
		const char *name;
		int is_debug_frame;
	} sources[] = {{".eh_frame", 0}, {".debug_frame", 1}};
	int err = 0;

	memset(t, 0, sizeof(*t));
	if (!e)
		return -ENOEXEC;
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]) && !t->fdes; i++) {
		GElf_Shdr sh;
		Elf_Scn *scn = find_cfi(e, sources[i].name, &sh);
		Elf_Data *d;
		struct hp_cfi_section sec;

		/* compressed .debug_frame (SHF_COMPRESSED) is not read */
		if (!scn || (sh.sh_flags & SHF_COMPRESSED) || !(d = elf_getdata(scn, NULL)) ||
		    !d->d_buf)
			continue;
		sec = (struct hp_cfi_section){d->d_buf, d->d_size, sh.sh_addr,
					      sources[i].is_debug_frame};
		err = hp_cfi_parse(&sec, t);
		if (err)
			break;
	}
	elf_end(e);
	if (err) {
		hp_unwind_table_free(t);
		return err;
	}
	hp_unwind_table_finish(t);
	return 0;
}

int hp_unwind_table_build(int fd, struct hp_unwind_table *t)
{
	return build(hp_elf_open_fd(fd), t);
}

int hp_unwind_table_build_mem(const void *data, size_t len, struct hp_unwind_table *t)
{
	return build(hp_elf_open_mem(data, len), t);
}
