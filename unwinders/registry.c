// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The list of unwinders. Adding a language: one X(name) line here. */
#include "registry.h"

#define HP_UNWINDER_LIST(X) X(native_fp)

#define DECLARE(name) extern const struct hp_unwinder_ops hp_unwinder_##name;
HP_UNWINDER_LIST(DECLARE)
#undef DECLARE

#define ENTRY(name) &hp_unwinder_##name,
const struct hp_unwinder_ops *const hp_unwinders[] = {HP_UNWINDER_LIST(ENTRY)};
#undef ENTRY

const size_t hp_unwinders_count = sizeof(hp_unwinders) / sizeof(hp_unwinders[0]);
