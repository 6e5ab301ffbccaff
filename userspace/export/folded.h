/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_FOLDED_H
#define HP_FOLDED_H

#include <stdio.h>
#include "profile.h"
#include "symbolizer.h"

/*
 * Writes the profile as collapsed stacks: one line per distinct
 * "process;root;...;leaf COUNT" (kernel frames last, suffixed _[k]),
 * sorted. Threads of a process are merged. 0 or -errno.
 */
int hp_folded_write(FILE *out, const struct hp_profile *p, struct hp_symbolizer *sym);

#endif
