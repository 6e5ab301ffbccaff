/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef HP_CONTAINER_H
#define HP_CONTAINER_H

#include <stddef.h>

/* What a process's cgroup path says about its container. */
struct hp_container {
	char id[65];	  /* 64 hex characters; "" when not in a container */
	char pod_uid[37]; /* Kubernetes pod UID (8-4-4-4-12); "" when none */
};

/*
 * Parses /proc/PID/cgroup text (untrusted). Recognises the container runtimes'
 * cgroup names: docker (docker-<id>.scope, /docker/<id>), containerd
 * (cri-containerd-<id>.scope, /kubepods/.../<id>), cri-o (crio-<id>.scope),
 * podman (libpod-<id>.scope; conmon scopes are not containers), and the pod
 * UID of Kubernetes slices (kubepods-...-pod<uid>.slice, /kubepods/.../pod<uid>).
 * The v2 line is read first. Returns 1 when a container id was found, else 0.
 */
int hp_container_parse(const char *text, size_t len, struct hp_container *out);

#endif
