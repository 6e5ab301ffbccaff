/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_CPULIST_H
#define HP_CPULIST_H

#include <stdint.h>

/*
 * Parses a kernel CPU list ("0-3,5,7-8\n") into set[cpu] = 1 for cpu < n.
 * CPUs at or past n are ignored. 0 or -EINVAL on malformed text.
 */
int hp_cpulist_parse(const char *text, uint8_t *set, int n);

#endif
