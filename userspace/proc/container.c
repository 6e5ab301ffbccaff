// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <string.h>
#include "container.h"
#include "util.h"

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Strips a known prefix and ".scope": a container id when 64 hex characters remain. */
static int component_id(const char *c, size_t n, char id[65])
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-",
					       "libpod-", "containerd-",     ""};

	if (n > 6 && !memcmp(c + n - 6, ".scope", 6))
		n -= 6;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);

		if (n != pl + 64 || memcmp(c, prefixes[i], pl) || !all_hex(c + pl, 64))
			continue;
		memcpy(id, c + pl, 64);
		id[64] = '\0';
		return 1;
	}
	return 0;
}

/* "pod<uid>" in a component, with '-' or (systemd slices) '_' separators. */
static int component_pod(const char *c, size_t n, char uid[37])
{
	static const int dash_at[] = {8, 13, 18, 23};
	const char *p = NULL;

	for (size_t i = 0; i + 3 + 36 <= n; i++)
		if (!memcmp(c + i, "pod", 3) && (i == 0 || c[i - 1] == '-'))
			p = c + i + 3;
	if (!p)
		return 0;
	for (int i = 0, d = 0; i < 36; i++) {
		char ch = p[i];

		if (d < 4 && i == dash_at[d]) {
			if (ch != '-' && ch != '_')
				return 0;
			uid[i] = '-';
			d++;
			continue;
		}
		if (!isxdigit((unsigned char)ch))
			return 0;
		uid[i] = ch;
	}
	if ((size_t)(p + 36 - c) != n && strncmp(p + 36, ".slice", n - (size_t)(p + 36 - c)))
		return 0;
	uid[36] = '\0';
	return 1;
}

/* Looks through one cgroup path, last component first. */
static int parse_path(const char *path, size_t len, struct hp_container *out)
{
	size_t end = len;
	int found = 0;

	while (end > 0) {
		size_t start = end;

		while (start > 0 && path[start - 1] != '/')
			start--;
		if (!found && component_id(path + start, end - start, out->id))
			found = 1;
		if (!out->pod_uid[0])
			component_pod(path + start, end - start, out->pod_uid);
		end = start ? start - 1 : 0;
	}
	return found;
}

int hp_container_parse(const char *text, size_t len, struct hp_container *out)
{
	const char *p = text, *end = text + len, *line;
	size_t l;

	memset(out, 0, sizeof(*out));
	/* pass 0: the cgroup v2 line ("0::/path"); pass 1: any v1 line */
	for (int pass = 0; pass < 2; pass++) {
		p = text;
		while ((line = hp_next_line(&p, end, &l))) {
			const char *c1 = memchr(line, ':', l), *c2;

			if (!c1 || !(c2 = memchr(c1 + 1, ':', l - (c1 + 1 - line))))
				continue;
			if ((pass == 0) != (c1 == line + 1 && line[0] == '0' && c2 == c1 + 1))
				continue;
			if (parse_path(c2 + 1, l - (c2 + 1 - line), out))
				return 1;
		}
	}
	return 0;
}
