/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_DEMANGLE_H
#define HP_DEMANGLE_H

/* A malloc'd demangled copy of a C++ (Itanium ABI) name, or NULL if it is not one. */
char *hp_demangle(const char *name);

#endif
