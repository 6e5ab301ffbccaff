/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_FLAMEGRAPH_H
#define HP_FLAMEGRAPH_H

#include <stdio.h>

/*
 * Writes a self-contained interactive flame graph (one HTML file, no network)
 * of collapsed stacks ("a;b;c COUNT" lines): hover shows a frame and its
 * share, click zooms into it, the search box highlights matching frames.
 * 0 or -EIO.
 */
int hp_flamegraph_write(FILE *out, const char *title, const char *folded, size_t len);

#endif
