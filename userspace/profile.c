// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile.h"
#include "registry.h"

#define MAX_LOCS (HP_MAX_KERNEL_FRAMES + HP_MAX_USER_FRAMES)

int hp_profile_init(struct hp_profile *p, uint64_t period_ns, struct hp_procs *procs)
{
	memset(p, 0, sizeof(*p));
	p->procs = procs;
	p->period_ns = period_ns;
	p->key = calloc(1, sizeof(*p->key) + MAX_LOCS * sizeof(struct hp_loc));
	return p->key ? 0 : -ENOMEM;
}

static size_t key_len(uint32_t nlocs)
{
	return sizeof(struct hp_stack) - HP_STACK_KEY_OFF + nlocs * sizeof(struct hp_loc);
}

int hp_profile_add(struct hp_profile *p, const void *rec, size_t size, uint64_t now_ns)
{
	const size_t hdr = offsetof(struct hp_sample, frames);
	const struct hp_sample *s = rec;
	struct hp_stack *k = p->key, *st;
	const struct hp_proc *proc;
	uint32_t n = 0;
	size_t klen;

	if (size >= offsetof(struct hp_sample, kstack) && (s->flags & HP_SAMPLE_EXIT)) {
		hp_procs_exited(p->procs, s->pid, now_ns);
		p->exits++;
		return 0;
	}
	if (size < hdr || s->kernel_frames > HP_MAX_KERNEL_FRAMES ||
	    s->user_frames > HP_MAX_USER_FRAMES ||
	    size < hdr + s->user_frames * sizeof(struct hp_frame)) {
		p->bad_records++;
		return -EINVAL;
	}
	/*
	 * pid reused, exec, or new code mapped: its maps are read again now.
	 * For new code BPF reports at most once per 20 ms per process, and only
	 * exact pcs, so this converges fast even when a dlopen is read half-way.
	 */
	if (s->flags & (HP_SAMPLE_NEW_PROCESS | HP_SAMPLE_NEW_MAPPING))
		hp_procs_invalidate(p->procs, s->pid);
	/* every byte of the key is set: it is hashed and compared whole */
	k->pid = s->pid;
	k->tid = s->tid;
	memcpy(k->comm, s->comm, HP_COMM_LEN);
	memcpy(k->proc_comm, s->proc_comm, HP_COMM_LEN);
	k->comm[HP_COMM_LEN - 1] = k->proc_comm[HP_COMM_LEN - 1] = '\0';

	/* kernel frames but the leaf are return addresses: look up the call instead */
	for (uint32_t i = 0; i < s->kernel_frames; i++, n++)
		k->locs[n] =
			(struct hp_loc){.kind = HP_FRAME_KERNEL, .addr = s->kstack[i] - (i > 0)};
	k->nkernel = n;
	for (uint32_t i = 0; i < s->user_frames; i++, n++) {
		const struct hp_frame *f = &s->frames[i];
		struct hp_resolved r;

		k->locs[n] = (struct hp_loc){.kind = f->kind, .addr = f->addr};
		if (f->kind != HP_FRAME_NATIVE) {
			/*
			 * an interpreter's frame: its unwinder names it while the
			 * process lives (error frames have no owner and stay as they are)
			 */
			hp_unwinders_resolve(s->pid, f, &k->locs[n]);
			continue;
		}
		r = hp_procs_resolve(p->procs, s->pid, f->addr - !(f->flags & HP_FRAME_F_EXACT),
				     now_ns);
		k->locs[n].addr = r.vaddr;
		k->locs[n].file = r.file ? r.file->idx : 0;
	}
	k->nlocs = n;
	proc = hp_procs_read(p->procs, s->pid, now_ns);
	k->container = proc ? proc->container : 0;
	k->service = proc ? proc->service : 0;
	k->exe = proc ? proc->exe : 0;

	klen = key_len(n);
	st = hp_hmap_get(&p->stacks, &k->pid, klen);
	if (!st) {
		st = malloc(HP_STACK_KEY_OFF + klen);
		if (!st)
			return -ENOMEM;
		memcpy(&st->pid, &k->pid, klen);
		st->count = 0;
		if (hp_hmap_put(&p->stacks, &st->pid, klen, st)) {
			free(st);
			return -ENOMEM;
		}
	}
	st->count++;
	p->samples++;
	return 0;
}

void hp_stack_service(const struct hp_profile *p, const struct hp_stack *st, char *out, size_t n)
{
	const char *svc = hp_procs_service_at(p->procs, st->service);
	const struct hp_container *c = hp_procs_container_at(p->procs, st->container);
	const struct hp_file *exe = hp_files_at(p->procs->files, st->exe);

	if (svc)
		snprintf(out, n, "%s", svc);
	else if (c)
		snprintf(out, n, "container-%.12s", c->id);
	else if (st->nlocs == st->nkernel)
		snprintf(out, n, "kernel");
	else if (exe)
		snprintf(out, n, "%s", exe->base);
	else
		snprintf(out, n, "%.*s", HP_COMM_LEN, st->proc_comm[0] ? st->proc_comm : "unknown");
	for (char *c = out; *c; c++) /* tag-safe */
		if (strchr(",: \"\\", *c))
			*c = '_';
}

static int cmp_stack(const void *a, const void *b)
{
	const struct hp_stack *x = *(struct hp_stack *const *)a, *y = *(struct hp_stack *const *)b;
	size_t lx = key_len(x->nlocs), ly = key_len(y->nlocs);
	int c = memcmp(&x->pid, &y->pid, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

struct hp_stack **hp_profile_sorted(const struct hp_profile *p, size_t *n)
{
	struct hp_stack **v = malloc((p->stacks.count + 1) * sizeof(*v));
	struct hp_hmap_entry *e;
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (e = hp_hmap_first(&p->stacks, &i); e; e = hp_hmap_next(&p->stacks, e, &i))
		v[k++] = e->value;
	qsort(v, k, sizeof(*v), cmp_stack);
	*n = k;
	return v;
}

static void free_stacks(struct hp_profile *p)
{
	struct hp_hmap_entry *e;
	size_t i;

	for (e = hp_hmap_first(&p->stacks, &i); e; e = hp_hmap_next(&p->stacks, e, &i))
		free(e->value);
	hp_hmap_free(&p->stacks);
}

int hp_profile_add_stack(struct hp_profile *dst, const struct hp_stack *s)
{
	size_t klen = key_len(s->nlocs);
	struct hp_stack *d = hp_hmap_get(&dst->stacks, &s->pid, klen);

	if (!d) {
		d = malloc(HP_STACK_KEY_OFF + klen);
		if (!d)
			return -ENOMEM;
		memcpy(d, s, HP_STACK_KEY_OFF + klen);
		d->count = 0;
		if (hp_hmap_put(&dst->stacks, &d->pid, klen, d)) {
			free(d);
			return -ENOMEM;
		}
	}
	d->count += s->count;
	return 0;
}

int hp_profile_merge(struct hp_profile *dst, const struct hp_profile *src)
{
	struct hp_hmap_entry *e;
	size_t i;

	for (e = hp_hmap_first(&src->stacks, &i); e; e = hp_hmap_next(&src->stacks, e, &i))
		if (hp_profile_add_stack(dst, e->value))
			return -ENOMEM;
	dst->samples += src->samples;
	dst->bad_records += src->bad_records;
	dst->exits += src->exits;
	if (!dst->start_ns || src->start_ns < dst->start_ns)
		dst->start_ns = src->start_ns;
	if (src->end_ns > dst->end_ns)
		dst->end_ns = src->end_ns;
	return 0;
}

void hp_profile_reset(struct hp_profile *p)
{
	free_stacks(p);
	p->samples = p->bad_records = p->exits = 0;
	p->start_ns = p->end_ns = 0;
}

void hp_profile_free(struct hp_profile *p)
{
	free_stacks(p);
	free(p->key);
	p->key = NULL;
}
