/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H

#include <stdint.h>
#include <stddef.h>
#include "hashmap.h"
#include "hostprof.h"
#include "proc_cache.h"

/* A resolved frame: what the aggregation key and the writers work on. */
struct hp_loc {
	uint64_t addr; /* native: ELF vaddr in file (or raw); kernel: address; error: reason */
	uint32_t file; /* hp_file.idx, 0 for none */
	uint8_t kind;  /* enum hp_frame_kind */
	uint8_t pad[3];
};

/* One distinct stack of one thread, with how often it was seen. */
struct hp_stack {
	uint64_t count;
	/* the aggregation key starts here */
	uint32_t pid, tid;
	char comm[HP_COMM_LEN];
	char proc_comm[HP_COMM_LEN];
	uint16_t nlocs;	      /* <= HP_MAX_KERNEL_FRAMES + HP_MAX_USER_FRAMES */
	uint16_t nkernel;     /* locs[0..nkernel) are kernel frames, the rest user */
	uint32_t container;   /* hp_procs_container_at() index; 0: none */
	uint32_t service;     /* hp_procs_service_at() index; 0: none named */
	uint32_t exe;	      /* hp_file.idx of the process's executable; 0: unknown */
	struct hp_loc locs[]; /* leaf first */
};

#define HP_STACK_KEY_OFF offsetof(struct hp_stack, pid)
/* the key is hashed and compared as bytes: no compiler padding inside it */
_Static_assert(offsetof(struct hp_stack, locs) == HP_STACK_KEY_OFF + 56, "hp_stack key packed");
_Static_assert(sizeof(struct hp_loc) == 16, "hp_loc packed");
_Static_assert(HP_MAX_KERNEL_FRAMES + HP_MAX_USER_FRAMES <= UINT16_MAX, "nlocs fits");

struct hp_profile {
	struct hp_hmap stacks;	   /* key bytes of struct hp_stack -> struct hp_stack * */
	struct hp_stack *key;	   /* scratch: the key being built, room for the deepest stack */
	struct hp_procs *procs;	   /* long-lived process and file caches, shared by every window */
	uint64_t samples;	   /* samples aggregated */
	uint64_t bad_records;	   /* malformed records dropped */
	uint64_t exits;		   /* process exit records */
	uint64_t start_ns, end_ns; /* CLOCK_REALTIME of the window */
	uint64_t period_ns;	   /* 1e9 / frequency */
};

/* Prepares an empty profile resolving addresses with procs. 0 or -ENOMEM. */
int hp_profile_init(struct hp_profile *p, uint64_t period_ns, struct hp_procs *procs);
/* Empties the profile for the next window (the caches in procs stay). */
void hp_profile_reset(struct hp_profile *p);
/* Adds one stack (with its count) of another profile. 0 or -ENOMEM. */
int hp_profile_add_stack(struct hp_profile *dst, const struct hp_stack *s);
/* Adds every stack of src (a closed window) to dst, which spans both. 0 or -ENOMEM. */
int hp_profile_merge(struct hp_profile *dst, const struct hp_profile *src);
/*
 * Adds one record as received from BPF (size bytes, untrusted in shape).
 * now_ns is CLOCK_MONOTONIC, for the maps refresh rate limit.
 * 0, -EINVAL (malformed record, counted) or -ENOMEM.
 */
int hp_profile_add(struct hp_profile *p, const void *rec, size_t size, uint64_t now_ns);
/*
 * The service a stack belongs to, tag-safe: its process's DD_SERVICE or
 * OTEL_SERVICE_NAME, else container-<id12>, else its executable's name;
 * stacks without user frames (kernel threads) are "kernel".
 */
void hp_stack_service(const struct hp_profile *p, const struct hp_stack *st, char *out, size_t n);
/* Stacks in a stable order (by key bytes) for deterministic output; caller frees the array. */
struct hp_stack **hp_profile_sorted(const struct hp_profile *p, size_t *n);
void hp_profile_free(struct hp_profile *p);

#endif
