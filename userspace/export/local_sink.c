// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "atomic_file.h"
#include "flamegraph.h"
#include "folded.h"
#include "local_sink.h"
#include "log.h"
#include "pprof.h"
#include "util.h"

#define STAMP_LEN 16 /* 20261124T073700Z */

static const char *const prefixes[] = {"cpu-", "stacks-", "flamegraph-"};
static const char *const suffixes[] = {".pprof", ".folded", ".html"};

static int write_flamegraph(const char *path, const char *title, const char *folded, size_t len)
{
	struct hp_atomic_file af;
	int err = hp_atomic_open(&af, path);

	if (err)
		return err;
	return hp_atomic_finish(&af, hp_flamegraph_write(af.f, title, folded, len));
}

static void file_path(char *out, size_t n, const char *dir, int kind, const char *stamp)
{
	snprintf(out, n, "%s/%s%s%s", dir, prefixes[kind], stamp, suffixes[kind]);
}

int hp_local_sink_write(struct hp_local_sink *ls, const struct hp_profile *p,
			struct hp_symbolizer *sym)
{
	char stamp[STAMP_LEN + 1], path[PATH_MAX], title[64];
	time_t start = p->start_ns / 1000000000ull;
	struct tm tm;
	char *folded = NULL;
	size_t folded_len = 0;
	FILE *mem;
	int err;

	if (mkdir(ls->dir, 0755) && errno != EEXIST) {
		err = -errno;
		hp_err("failed to create %s: %s", ls->dir, strerror(errno));
		goto out;
	}
	gmtime_r(&start, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(title, sizeof(title), "hostprof CPU %.*s, %.0f s", STAMP_LEN, stamp,
		 (p->end_ns - p->start_ns) / 1e9);

	file_path(path, sizeof(path), ls->dir, 0, stamp);
	err = hp_pprof_write(path, p, sym);
	if (err)
		goto fail;
	mem = open_memstream(&folded, &folded_len);
	if (!mem) {
		err = -ENOMEM;
		goto fail;
	}
	err = hp_folded_write(mem, p, sym);
	if (fclose(mem) && !err)
		err = -ENOMEM;
	if (err)
		goto fail;
	file_path(path, sizeof(path), ls->dir, 1, stamp);
	err = hp_atomic_write_buf(path, folded, folded_len);
	if (err)
		goto fail;
	file_path(path, sizeof(path), ls->dir, 2, stamp);
	err = write_flamegraph(path, title, folded, folded_len);
	if (err)
		goto fail;
	snprintf(ls->last_flamegraph, sizeof(ls->last_flamegraph), "%s", path);
	ls->windows++;
	hp_local_sink_prune(ls->dir, ls->retain);
	goto out;
fail:
	hp_err("failed to write window %s into %s: %s", stamp, ls->dir, strerror(-err));
	ls->failures++;
out:
	free(folded);
	return err;
}

/* The window stamp in a file name of ours, or NULL. */
static const char *stamp_of(const char *name)
{
	for (int k = 0; k < 3; k++) {
		size_t pl = strlen(prefixes[k]), sl = strlen(suffixes[k]), n = strlen(name);

		if (n == pl + STAMP_LEN + sl && !strncmp(name, prefixes[k], pl) &&
		    !strcmp(name + pl + STAMP_LEN, suffixes[k]))
			return name + pl;
	}
	return NULL;
}

static int cmp_stamp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hp_local_sink_prune(const char *dir, unsigned int retain)
{
	char **stamps = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0, uniq = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *s = stamp_of(de->d_name);

		if (!s)
			continue;
		if (hp_reserve(&stamps, &cap, n + 1, sizeof(*stamps)) ||
		    !(stamps[n] = strndup(s, STAMP_LEN))) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!err && n) {
		qsort(stamps, n, sizeof(*stamps), cmp_stamp);
		for (size_t i = 0; i < n; i++) /* distinct, oldest first */
			if (!uniq || strcmp(stamps[uniq - 1], stamps[i]))
				stamps[uniq++] = stamps[i];
			else
				free(stamps[i]);
		for (size_t i = 0; i + retain < uniq; i++)
			for (int k = 0; k < 3; k++) {
				file_path(path, sizeof(path), dir, k, stamps[i]);
				unlink(path);
			}
		n = uniq;
	}
	for (size_t i = 0; i < n; i++)
		free(stamps[i]);
	free(stamps);
	return err;
}
