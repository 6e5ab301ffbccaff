// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the CFI parser: the input is a call-frame section
 * (the first byte picks .eh_frame or .debug_frame), parsed, finished and
 * searched. Any crash, out-of-bounds read or UB is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cfi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_unwind_table t = { 0 };
	struct hp_cfi_section sec;
	uint8_t *copy;

	if (!size)
		return 0;
	/* an exact-size heap copy, so ASan sees every read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	sec = (struct hp_cfi_section){ copy, size - 1, 0x1000, data[0] & 1 };
	if (hp_cfi_parse(&sec, &t) == 0) {
		hp_unwind_table_finish(&t);
		for (uint64_t pc = 0; pc < 0x4000; pc += 0x101)
			hp_unwind_table_find(&t, pc);
	}
	hp_unwind_table_free(&t);
	free(copy);
	return 0;
}
