// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ELF symbol lookup against this very binary, demangling, and hostile ELF input. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "demangle.h"
#include "elf_syms.h"
#include "proc_maps.h"
#include "util.h"
#include "test.h"

/* A function of ours whose runtime address we can take. */
__attribute__((noinline)) int unit_test_marker_function(int x)
{
	return x * 3 + 1;
}

TEST(elf_lookup_own_function)
{
	uint64_t addr = (uint64_t)(uintptr_t)&unit_test_marker_function + 4, off = 0, vaddr;
	const struct hp_map_entry *e;
	struct hp_elf elf;
	struct hp_maps m;
	const char *name;
	int fd;

	if (!ASSERT_OK(hp_maps_read(getpid(), &m), "read own maps"))
		return;
	e = hp_maps_find(&m, addr);
	if (!ASSERT_TRUE(e != NULL, "own text is mapped"))
		goto out_maps;
	fd = open("/proc/self/exe", O_RDONLY);
	if (!ASSERT_OK(hp_elf_load(fd, &elf), "load own ELF"))
		goto out_fd;
	ASSERT_TRUE(elf.has_symtab, "test binary has .symtab");
	ASSERT_TRUE(elf.build_id_len == 20, "GNU build id read");
	vaddr = hp_elf_offset_to_vaddr(&elf, addr - e->start + e->pgoff);
	name = hp_elf_lookup(&elf, vaddr, &off);
	ASSERT_STREQ(name, "unit_test_marker_function", "symbol found");
	ASSERT_EQ(off, 4, "offset into the function");
	ASSERT_TRUE(hp_elf_lookup(&elf, 1, NULL) == NULL, "address below every symbol");
	hp_elf_free(&elf);
out_fd:
	close(fd);
out_maps:
	hp_maps_free(&m);
}

TEST(demangle_cpp_names)
{
	char *d = hp_demangle("_ZN3app6Worker4stepEi");

	ASSERT_STREQ(d, "app::Worker::step(int)", "method demangled");
	free(d);
	ASSERT_TRUE(hp_demangle("plain_c_function") == NULL, "C names untouched");
	ASSERT_TRUE(hp_demangle("_Zgarbage!") == NULL, "invalid mangling refused");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Truncated and byte-flipped copies of a real ELF must fail or succeed, never crash. */
TEST(elf_survives_mutations)
{
	char *orig = NULL;
	size_t len = 0;
	int loaded = 0;

	if (!ASSERT_OK(hp_read_file("/usr/bin/true", &orig, &len), "read /usr/bin/true"))
		return;
	for (int i = 0; i < 400; i++) {
		size_t n = i < 100 ? (len * i) / 100 : len;
		char *copy = malloc(n ? n : 1);
		struct hp_elf elf;

		memcpy(copy, orig, n);
		/* flip bytes, mostly in the headers where the offsets live */
		for (int k = 0; i >= 100 && k < 1 + i % 16; k++) {
			size_t at = rng() % (rng() % 2 ? (n < 4096 ? n : 4096) : n);

			copy[at] ^= (char)(1 + rng() % 255);
		}
		if (!hp_elf_load_mem(copy, n, &elf)) {
			uint64_t off;

			loaded++;
			for (int q = 0; q < 64; q++)
				hp_elf_lookup(&elf, rng() % (1 << 20), &off);
			hp_elf_free(&elf);
		}
		free(copy);
	}
	ASSERT_TRUE(loaded > 0, "some mutants still parse");
	free(orig);
}
