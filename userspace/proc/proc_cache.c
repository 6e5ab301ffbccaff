// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "proc_cache.h"
#include "registry.h"
#include "util.h"

#define REFRESH_MIN_NS 100000000ull

static struct hp_proc *proc_get(struct hp_procs *pc, pid_t pid)
{
	struct hp_proc *p = hp_hmap_get(&pc->by_pid, &pid, sizeof(pid));

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (hp_hmap_put(&pc->by_pid, &pid, sizeof(pid), p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* The index of rec in t, adding it if new; 0 when out of memory or indices. */
static uint32_t intern(struct hp_interned *t, const void *rec, size_t size)
{
	uintptr_t idx = (uintptr_t)hp_hmap_get(&t->idx, rec, size);

	if (idx)
		return idx;
	if (t->n >= UINT32_MAX - 1 || hp_reserve(&t->v, &t->cap, t->n + 1, size))
		return 0;
	memcpy((char *)t->v + t->n * size, rec, size);
	if (hp_hmap_put(&t->idx, rec, size, (void *)(uintptr_t)(t->n + 1)))
		return 0;
	return ++t->n;
}

static const void *interned_at(const struct hp_interned *t, uint32_t idx, size_t size)
{
	return idx && idx <= t->n ? (const char *)t->v + (idx - 1) * size : NULL;
}

static void interned_free(struct hp_interned *t)
{
	free(t->v);
	hp_hmap_free(&t->idx);
	memset(t, 0, sizeof(*t));
}

/* Reads /proc/PID/<what>; NULL if it cannot (the process is gone, say). */
static char *proc_file(pid_t pid, const char *what, size_t *len)
{
	char path[48], *buf;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return hp_read_file(path, &buf, len) ? NULL : buf;
}

/* The process's container, interned (0: none). */
static uint32_t read_container(struct hp_procs *pc, pid_t pid)
{
	struct hp_container c;
	size_t len;
	char *buf = proc_file(pid, "cgroup", &len);
	int found = buf && hp_container_parse(buf, len, &c);

	free(buf);
	return found ? intern(&pc->containers, &c, sizeof(c)) : 0;
}

/* The service its environment names, interned (0: none). */
static uint32_t read_service(struct hp_procs *pc, pid_t pid)
{
	struct hp_service svc = {{0}};
	size_t len;
	char *buf = proc_file(pid, "environ", &len);
	int found = buf && hp_environ_service(buf, len, svc.name);

	free(buf);
	return found ? intern(&pc->services, &svc, sizeof(svc)) : 0;
}

int hp_environ_service(const char *env, size_t len, char out[101])
{
	static const char *const keys[] = {"DD_SERVICE=", "OTEL_SERVICE_NAME="};

	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(keys[k]);

		for (const char *p = env, *end = env + len; p < end;) {
			const char *nul = memchr(p, '\0', end - p);
			size_t l = nul ? (size_t)(nul - p) : (size_t)(end - p), n = 0;

			if (l > kl && !memcmp(p, keys[k], kl)) {
				for (size_t i = kl; i < l && n < 100; i++) {
					char c = p[i];

					out[n++] = isalnum((unsigned char)c) || strchr("._/-", c)
							   ? c
							   : '_';
				}
				out[n] = '\0';
				return 1;
			}
			p += l + 1;
		}
	}
	return 0;
}

/*
 * The executable's file: the mapping whose path is /proc/PID/exe's link
 * (both print the path as the process sees it, " (deleted)" included).
 * 0 when it is not mapped executable (kernel threads) or cannot be read.
 */
static uint32_t find_exe(struct hp_procs *pc, const struct hp_proc *p)
{
	char link[48], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)p->pid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	for (size_t i = 0; i < p->maps.n; i++) {
		if (!strcmp(p->maps.v[i].path, path)) {
			struct hp_file *f = hp_files_get(pc->files, p->pid, &p->maps.v[i]);

			return f ? f->idx : 0;
		}
	}
	return 0;
}

static void refresh(struct hp_procs *pc, struct hp_proc *p, uint64_t now_ns)
{
	struct hp_maps m;
	int err;

	p->refreshed_ns = now_ns;
	pc->maps_reads++;
	err = hp_maps_read(p->pid, &m);
	if (err) {
		p->gone = err == -ENOENT || err == -ESRCH;
		return;
	}
	hp_maps_free(&p->maps);
	p->maps = m;
	p->exited_ns = 0;
	p->container = read_container(pc, p->pid);
	p->service = read_service(pc, p->pid);
	p->exe = find_exe(pc, p);
	hp_unwinders_process_maps(p->pid, &p->maps, pc->files);
}

struct hp_proc *hp_procs_read(struct hp_procs *pc, pid_t pid, uint64_t now_ns)
{
	struct hp_proc *p = proc_get(pc, pid);

	if (p && !p->refreshed_ns)
		refresh(pc, p, now_ns);
	return p;
}

struct hp_resolved hp_procs_resolve(struct hp_procs *pc, pid_t pid, uint64_t addr, uint64_t now_ns)
{
	struct hp_resolved r = {.file = NULL, .vaddr = addr};
	struct hp_proc *p = hp_procs_read(pc, pid, now_ns);
	const struct hp_map_entry *e;
	uint64_t vaddr;

	if (!p)
		return r;
	e = hp_maps_find(&p->maps, addr);
	if (!e && !p->gone && now_ns - p->refreshed_ns >= REFRESH_MIN_NS) {
		refresh(pc, p, now_ns);
		e = hp_maps_find(&p->maps, addr);
	}
	if (!e)
		return r;
	r.file = hp_files_get(pc->files, pid, e);
	if (!r.file || !r.file->elf_ok)
		return r; /* keep the raw address: anonymous memory, JIT, [vdso] */
	vaddr = hp_elf_offset_to_vaddr(&r.file->elf, addr - e->start + e->pgoff);
	if (vaddr)
		r.vaddr = vaddr;
	return r;
}

int hp_procs_prime(struct hp_procs *pc, uint64_t now_ns, const pid_t *pids, size_t npids)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	for (size_t i = 0; i < npids; i++) {
		struct hp_proc *p = proc_get(pc, pids[i]);

		if (!p)
			return -ENOMEM;
		refresh(pc, p, now_ns);
		n++;
	}
	if (npids)
		return n;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct hp_proc *p;

		if (!isdigit((unsigned char)de->d_name[0]) || *end || pid <= 0 || pid > INT32_MAX)
			continue;
		p = proc_get(pc, (pid_t)pid);
		if (!p) {
			closedir(d);
			return -ENOMEM;
		}
		refresh(pc, p, now_ns);
		n++;
	}
	closedir(d);
	return n;
}

void hp_procs_invalidate(struct hp_procs *pc, pid_t pid)
{
	struct hp_proc *p = hp_hmap_get(&pc->by_pid, &pid, sizeof(pid));

	if (p) {
		p->refreshed_ns = 0;
		p->gone = 0;
	}
}

#define GC_INTERVAL_NS	  2000000000ull
#define GC_GRACE_NS	  5000000000ull
#define SWEEP_INTERVAL_NS 30000000000ull

void hp_procs_exited(struct hp_procs *pc, pid_t pid, uint64_t now_ns)
{
	struct hp_proc *p = hp_hmap_get(&pc->by_pid, &pid, sizeof(pid));

	hp_unwinders_process_exit(pid);
	if (p && !p->exited_ns)
		p->exited_ns = now_ns;
}

void hp_procs_gc(struct hp_procs *pc, uint64_t now_ns)
{
	int sweep = now_ns - pc->last_sweep >= SWEEP_INTERVAL_NS;
	struct hp_hmap_entry *e, *next;
	size_t i;

	if (now_ns - pc->last_gc < GC_INTERVAL_NS)
		return;
	pc->last_gc = now_ns;
	if (sweep)
		pc->last_sweep = now_ns;
	for (e = hp_hmap_first(&pc->by_pid, &i); e; e = next) {
		struct hp_proc *p = e->value;

		next = hp_hmap_next(&pc->by_pid, e, &i);
		if (!p->exited_ns && sweep && kill(p->pid, 0) && errno == ESRCH)
			hp_procs_exited(pc, p->pid, now_ns);
		if (!p->exited_ns || now_ns - p->exited_ns < GC_GRACE_NS)
			continue;
		hp_hmap_del(&pc->by_pid, &p->pid, sizeof(p->pid));
		hp_maps_free(&p->maps);
		free(p);
		pc->freed++;
	}
}

const char *hp_procs_service_at(const struct hp_procs *pc, uint32_t idx)
{
	const struct hp_service *s = interned_at(&pc->services, idx, sizeof(*s));

	return s ? s->name : NULL;
}

const struct hp_container *hp_procs_container_at(const struct hp_procs *pc, uint32_t idx)
{
	return interned_at(&pc->containers, idx, sizeof(struct hp_container));
}

void hp_procs_free(struct hp_procs *pc)
{
	size_t i;
	struct hp_hmap_entry *e;

	for (e = hp_hmap_first(&pc->by_pid, &i); e; e = hp_hmap_next(&pc->by_pid, e, &i)) {
		struct hp_proc *p = e->value;

		hp_maps_free(&p->maps);
		free(p);
	}
	hp_hmap_free(&pc->by_pid);
	interned_free(&pc->containers);
	interned_free(&pc->services);
}
