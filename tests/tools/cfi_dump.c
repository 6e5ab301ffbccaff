// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prints the stack-delta table hostprof builds for an ELF file, one row per
 * line: "pc type cfa_off rbp_off" (hex pc, decimal rest), then a summary.
 * Used by the tests to compare with readelf, and by people to look.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "unwind_table.h"

static const char *const types[] = { "none", "rsp", "rbp", "plt", "signal", "end" };

int main(int argc, char **argv)
{
	struct hp_unwind_table t;
	struct timespec a, b;
	int fd, err, quiet = argc > 2 && !strcmp(argv[2], "-q");

	if (argc < 2) {
		fprintf(stderr, "usage: cfi-dump ELF [-q]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	err = hp_unwind_table_build(fd, &t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(fd);
	if (err) {
		fprintf(stderr, "cfi-dump: failed to build table of %s: %s\n", argv[1],
			strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < t.n && !quiet; i++)
		printf("%x %s %u %d\n", t.rows[i].pc, t.rows[i].type < 6 ? types[t.rows[i].type] : "?",
		       t.rows[i].cfa_off, t.rows[i].rbp_off * 8);
	printf("# cies %zu fdes %zu skipped %zu rows %zu none %zu bytes %zu build_ms %.3f\n",
	       t.cies, t.fdes, t.fdes_skipped, t.n, t.rows_none, t.n * sizeof(*t.rows),
	       (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	hp_unwind_table_free(&t);
	return 0;
}
