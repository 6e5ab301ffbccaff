/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_UNWIND_TABLE_H
#define HP_UNWIND_TABLE_H

#include <stddef.h>
#include "cfi.h"

/*
 * Builds the finished stack-delta table of the ELF file open at fd from its
 * .eh_frame, else its .debug_frame. An ELF without either gives an empty
 * table (the frame-pointer fallback covers it). 0, -ENOEXEC or -ENOMEM.
 */
int hp_unwind_table_build(int fd, struct hp_unwind_table *t);
/* Same for an ELF image in memory (tests, fuzzing). */
int hp_unwind_table_build_mem(const void *data, size_t len, struct hp_unwind_table *t);

#endif
