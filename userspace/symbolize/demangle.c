// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "demangle.h"

/* libstdc++'s demangler; a C symbol, so no C++ compiler is needed. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

char *hp_demangle(const char *name)
{
	int status = 0;
	char *out;

	if (strncmp(name, "_Z", 2))
		return NULL;
	out = __cxa_demangle(name, NULL, NULL, &status);
	if (status) {
		free(out);
		return NULL;
	}
	return out;
}
