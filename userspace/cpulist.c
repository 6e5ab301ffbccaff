// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include "cpulist.h"

static int parse_num(const char **p, long *out)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	*out = strtol(*p, &end, 10);
	if (*out < 0 || *out > 1 << 20)
		return -EINVAL;
	*p = end;
	return 0;
}

int hp_cpulist_parse(const char *text, uint8_t *set, int n)
{
	const char *p = text;

	while (*p && *p != '\n') {
		long lo, hi;

		if (parse_num(&p, &lo))
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_num(&p, &hi) || hi < lo)
				return -EINVAL;
		}
		for (long c = lo; c <= hi && c < n; c++)
			set[c] = 1;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}
