/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_PROC_CACHE_H
#define HP_PROC_CACHE_H

#include <stdint.h>
#include <sys/types.h>
#include "container.h"
#include "file_cache.h"
#include "hashmap.h"
#include "proc_maps.h"

/* What we know of one process's executable mappings. */
struct hp_proc {
	pid_t pid;
	struct hp_maps maps;
	uint64_t refreshed_ns; /* CLOCK_MONOTONIC of the last /proc/PID/maps read */
	int gone;	       /* /proc/PID vanished: keep the last maps we had */
	uint64_t exited_ns;    /* when the clean-up first found it gone; 0: alive */
	uint32_t container;    /* index into hp_procs.containers; 0: not in a container */
	uint32_t service;      /* index into hp_procs.services: its DD_SERVICE/OTEL_SERVICE_NAME */
	uint32_t exe;	       /* hp_file.idx of its executable (/proc/PID/exe); 0: unknown */
};

/*
 * An append-only set of fixed-size records: index i + 1 names record i,
 * 0 names none. Records are compared as bytes (zero their padding).
 */
struct hp_interned {
	void *v;
	size_t n, cap;
	struct hp_hmap idx; /* record bytes -> index */
};

/* A service named in a process's environment (tag-safe, NUL-padded). */
struct hp_service {
	char name[101];
};

struct hp_procs {
	struct hp_hmap by_pid; /* pid -> struct hp_proc * */
	struct hp_files *files;
	uint64_t maps_reads;	       /* for --stats */
	uint64_t freed;		       /* exited processes dropped */
	uint64_t last_gc;	       /* CLOCK_MONOTONIC of the last clean-up */
	uint64_t last_sweep;	       /* ... and of the last look for unreported exits */
	struct hp_interned containers; /* of struct hp_container */
	struct hp_interned services;   /* of struct hp_service */
};

/* Where a user address lives once resolved. */
struct hp_resolved {
	struct hp_file *file; /* NULL: no mapping holds the address */
	uint64_t vaddr;	      /* ELF virtual address in file (or the raw address) */
};

/*
 * Resolves addr of process pid to (file, ELF address). Reads
 * /proc/PID/maps the first time a pid is seen and again (at most every
 * 100 ms) when an address falls outside every known mapping, so dlopen and
 * exec are picked up; a process that has exited keeps its last maps.
 */
struct hp_resolved hp_procs_resolve(struct hp_procs *pc, pid_t pid, uint64_t addr, uint64_t now_ns);
/*
 * Reads the maps of the given processes (npids == 0: every process running
 * now), so unwinders have their tables before the first sample. Returns
 * the number of processes read or -errno.
 */
int hp_procs_prime(struct hp_procs *pc, uint64_t now_ns, const pid_t *pids, size_t npids);
/* The process started or exec'd: its mappings are read again on the next resolve. */
void hp_procs_invalidate(struct hp_procs *pc, pid_t pid);
/* The process exited (an event from BPF): unwinders release it now, its maps later. */
void hp_procs_exited(struct hp_procs *pc, pid_t pid, uint64_t now_ns);
/*
 * Drops the maps of processes that exited over 5 s ago (records are
 * aggregated with addresses already resolved; the grace covers those still
 * in flight). Every 30 s it also looks for exits no event reported.
 */
void hp_procs_gc(struct hp_procs *pc, uint64_t now_ns);
/* The process (its maps, container and service read if they never were); NULL on ENOMEM. */
struct hp_proc *hp_procs_read(struct hp_procs *pc, pid_t pid, uint64_t now_ns);
/* The container an index names; NULL for 0 or out of range. */
const struct hp_container *hp_procs_container_at(const struct hp_procs *pc, uint32_t idx);
/* The service an index names; NULL for 0 or out of range. */
const char *hp_procs_service_at(const struct hp_procs *pc, uint32_t idx);
/*
 * The service named in an environment block (NUL-separated, untrusted):
 * DD_SERVICE, else OTEL_SERVICE_NAME, made tag-safe (at most 100 of
 * [A-Za-z0-9._/-], others become '_') into out. 1 if found.
 */
int hp_environ_service(const char *env, size_t len, char out[101]);
void hp_procs_free(struct hp_procs *pc);

#endif
