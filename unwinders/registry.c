// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The list of unwinders. Adding a language: one X(name) line here. */
#include "registry.h"

#define HP_UNWINDER_LIST(X)                                                                        \
	X(native_fp)                                                                               \
	X(native)                                                                                  \
	X(python)

#define DECLARE(name) extern const struct hp_unwinder_ops hp_unwinder_##name;
HP_UNWINDER_LIST(DECLARE)
#undef DECLARE

#define ENTRY(name) &hp_unwinder_##name,
const struct hp_unwinder_ops *const hp_unwinders[] = {HP_UNWINDER_LIST(ENTRY)};
#undef ENTRY

const size_t hp_unwinders_count = sizeof(hp_unwinders) / sizeof(hp_unwinders[0]);

int hp_unwinders_configure(struct bpf_object *obj, const struct hp_options *o)
{
	for (size_t i = 0; i < hp_unwinders_count; i++) {
		int err = hp_unwinders[i]->configure ? hp_unwinders[i]->configure(obj, o) : 0;

		if (err)
			return err;
	}
	return 0;
}

int hp_unwinders_start(struct bpf_object *obj)
{
	for (size_t i = 0; i < hp_unwinders_count; i++) {
		int err = hp_unwinders[i]->start ? hp_unwinders[i]->start(obj) : 0;

		if (err)
			return err;
	}
	return 0;
}

void hp_unwinders_process_maps(pid_t pid, const struct hp_maps *maps, struct hp_files *files)
{
	for (size_t i = 0; i < hp_unwinders_count; i++)
		if (hp_unwinders[i]->process_maps)
			hp_unwinders[i]->process_maps(pid, maps, files);
}

void hp_unwinders_process_exit(pid_t pid)
{
	for (size_t i = 0; i < hp_unwinders_count; i++)
		if (hp_unwinders[i]->process_exit)
			hp_unwinders[i]->process_exit(pid);
}

void hp_unwinders_print_stats(FILE *out, int json)
{
	for (size_t i = 0; i < hp_unwinders_count; i++)
		if (hp_unwinders[i]->print_stats)
			hp_unwinders[i]->print_stats(out, json);
}

void hp_unwinders_stop(void)
{
	for (size_t i = 0; i < hp_unwinders_count; i++)
		if (hp_unwinders[i]->stop)
			hp_unwinders[i]->stop();
}

/* The unwinder whose BPF program emits frames of this kind, or NULL. */
static const struct hp_unwinder_ops *owner_of(uint8_t kind)
{
	for (size_t i = 0; i < hp_unwinders_count; i++)
		if (kind && hp_unwinders[i]->frame_kind == kind)
			return hp_unwinders[i];
	return NULL;
}

int hp_unwinders_resolve(pid_t pid, const struct hp_frame *f, struct hp_loc *out)
{
	const struct hp_unwinder_ops *u = owner_of(f->kind);

	if (!u || !u->resolve)
		return 0;
	u->resolve(pid, f, out);
	return 1;
}

int hp_unwinders_describe(const struct hp_loc *l, struct hp_frame_info *out)
{
	const struct hp_unwinder_ops *u = owner_of(l->kind);

	if (!u || !u->describe)
		return 0;
	u->describe(l, out);
	return 1;
}
