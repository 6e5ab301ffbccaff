/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_LOG_H
#define HP_LOG_H

#include <stdarg.h>
#include <bpf/libbpf.h>

/* 0: errors and warnings only; 1: -v (debug, libbpf info); 2: -vv (libbpf debug). */
extern int hp_verbosity;

/* Prints "hostprof: <message>\n" to stderr. */
void hp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like hp_err, shown only at -v. */
void hp_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* libbpf print callback routed through hp_verbosity. */
int hp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif
