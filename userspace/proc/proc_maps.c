// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc_maps.h"
#include "util.h"

/* Parses one line: "start-end perms offset major:minor inode   path". */
static int parse_line(const char *line, size_t len, struct hp_map_entry *e, int *exec)
{
	char perms[5] = {0};
	int path_at = -1;
	char tmp[512];
	const char *path;

	/* the fixed fields fit comfortably; the path is taken from the original */
	if (len >= sizeof(tmp))
		memcpy(tmp, line, sizeof(tmp) - 1), tmp[sizeof(tmp) - 1] = '\0';
	else
		memcpy(tmp, line, len), tmp[len] = '\0';
	if (sscanf(tmp, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &e->start,
		   &e->end, perms, &e->pgoff, &e->dev_major, &e->dev_minor, &e->inode,
		   &path_at) < 7)
		return -EINVAL;
	if (e->end <= e->start || strlen(perms) != 4)
		return -EINVAL;
	*exec = perms[2] == 'x';
	if (path_at < 0 || (size_t)path_at > len)
		path_at = len;
	path = line + path_at;
	e->path = strndup(path, len - path_at);
	return e->path ? 0 : -ENOMEM;
}

int hp_maps_parse(const char *text, size_t len, struct hp_maps *out)
{
	const char *p = text, *end = text + len, *line;
	size_t cap = 0, l;

	out->v = NULL;
	out->n = 0;
	while ((line = hp_next_line(&p, end, &l))) {
		struct hp_map_entry e = {0};
		int exec = 0, err;

		err = parse_line(line, l, &e, &exec);
		if (err == -ENOMEM)
			goto nomem;
		if (err)
			continue;
		if (!exec || (out->n && e.start < out->v[out->n - 1].end)) {
			free(e.path); /* not executable, or not sorted: not trusted */
			continue;
		}
		if (hp_reserve(&out->v, &cap, out->n + 1, sizeof(*out->v))) {
			free(e.path);
			goto nomem;
		}
		out->v[out->n++] = e;
	}
	return 0;
nomem:
	hp_maps_free(out);
	return -ENOMEM;
}

int hp_maps_read(pid_t pid, struct hp_maps *out)
{
	char path[64], *buf;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = hp_read_file(path, &buf, &len);
	if (err)
		return err;
	err = hp_maps_parse(buf, len, out);
	free(buf);
	return err;
}

static uint64_t map_start(const void *e)
{
	return ((const struct hp_map_entry *)e)->start;
}

const struct hp_map_entry *hp_maps_find(const struct hp_maps *m, uint64_t addr)
{
	size_t i = hp_count_le(m->v, m->n, sizeof(*m->v), map_start, addr);

	return i && addr < m->v[i - 1].end ? &m->v[i - 1] : NULL;
}

void hp_maps_free(struct hp_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}
