// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace half of the frame-pointer unwinder. It needs no per-process
 * state: native frames are symbolized by the core ELF symbolizer.
 */
#include "registry.h"

const struct hp_unwinder_ops hp_unwinder_native_fp = {
	.name = "native-fp",
	.prog_id = HP_PROG_UNWIND_NATIVE_FP,
	.prog_name = "hp_unwind_native_fp",
	.description = "native code, by frame pointers (rbp chain)",
};
