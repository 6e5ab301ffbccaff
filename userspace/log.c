// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

int hp_verbosity;

static void vlog(const char *fmt, va_list ap)
{
	fputs("hostprof: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void hp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void hp_dbg(const char *fmt, ...)
{
	va_list ap;

	if (hp_verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

int hp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && hp_verbosity < 2)
		return 0;
	if (level == LIBBPF_INFO && hp_verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}
