// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /proc parsers, kallsyms, CPU lists, the hash map: outside input is hostile. */
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "container.h"
#include "cpulist.h"
#include "hashmap.h"
#include "ksyms.h"
#include "proc_cache.h"
#include "proc_maps.h"
#include "range_alloc.h"
#include "test.h"
#include "util.h"

TEST(maps_parse_keeps_executable_mappings)
{
	static const char text[] =
		"55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234    /usr/bin/app\n"
		"55d0c0a01000-55d0c0a05000 r-xp 00001000 fe:01 1234    /usr/bin/app\n"
		"7f0000000000-7f0000100000 r-xp 00028000 08:02 99      /lib/x86_64-linux-gnu/libc.so.6\n"
		"7f0000200000-7f0000201000 r-xp 00000000 00:00 0 \n"
		"7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0       [vdso]\n"
		"garbage line\n"
		"10-5 r-xp 0 0:0 0 /backwards\n"
		"7fff00000000-7fff00001000 r-xp 00000000 00:00 0       /path with spaces (deleted)";
	struct hp_maps m;
	const struct hp_map_entry *e;

	if (!ASSERT_OK(hp_maps_parse(text, sizeof(text) - 1, &m), "parse"))
		return;
	ASSERT_EQ(m.n, 5, "executable, well-formed mappings");
	e = hp_maps_find(&m, 0x55d0c0a01234);
	if (ASSERT_TRUE(e != NULL, "find in app")) {
		ASSERT_STREQ(e->path, "/usr/bin/app", "path");
		ASSERT_EQ(e->pgoff, 0x1000, "offset");
		ASSERT_EQ(e->inode, 1234, "inode");
		ASSERT_EQ(e->dev_major, 0xfe, "dev major");
	}
	ASSERT_TRUE(hp_maps_find(&m, 0x55d0c0a00010) == NULL, "non-executable mapping skipped");
	e = hp_maps_find(&m, 0x7f0000200010);
	ASSERT_TRUE(e && !strcmp(e->path, ""), "anonymous mapping has an empty path");
	e = hp_maps_find(&m, 0x7fff00000010);
	ASSERT_TRUE(e && !strcmp(e->path, "/path with spaces (deleted)"), "spaces kept");
	hp_maps_free(&m);
}

TEST(maps_parse_survives_hostile_text)
{
	char buf[2048];
	struct hp_maps m;

	/* every byte value, no newlines at all, and a line longer than any buffer */
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 1);
	ASSERT_OK(hp_maps_parse(buf, sizeof(buf), &m), "binary noise");
	hp_maps_free(&m);
	memset(buf, '1', sizeof(buf));
	ASSERT_OK(hp_maps_parse(buf, sizeof(buf), &m), "one long line");
	ASSERT_EQ(m.n, 0, "nothing parsed");
	hp_maps_free(&m);
	ASSERT_OK(hp_maps_parse("", 0, &m), "empty");
	hp_maps_free(&m);
}

TEST(ksyms_parse_and_lookup)
{
	static const char text[] = "ffffffff81000000 T _stext\n"
				   "ffffffff81000100 t helper\n"
				   "ffffffff81000200 D some_data\n"
				   "ffffffffc0000000 t mod_fn\t[mymod]\n"
				   "0000000000000000 T hidden\n"
				   "nonsense\n";
	struct hp_ksyms k;

	if (!ASSERT_OK(hp_ksyms_parse(text, sizeof(text) - 1, &k), "parse"))
		return;
	ASSERT_EQ(k.n, 3, "text symbols with addresses");
	ASSERT_STREQ(hp_ksyms_lookup(&k, 0xffffffff81000150), "helper", "inside helper");
	ASSERT_STREQ(hp_ksyms_lookup(&k, 0xffffffff81000000), "_stext", "exact start");
	ASSERT_STREQ(hp_ksyms_lookup(&k, 0xffffffffc0000010), "mod_fn [mymod]", "module");
	ASSERT_TRUE(hp_ksyms_lookup(&k, 0x1000) == NULL, "below every symbol");
	hp_ksyms_free(&k);
}

TEST(cpulist_parse)
{
	uint8_t set[8] = {0};

	ASSERT_OK(hp_cpulist_parse("0-2,5,7-9\n", set, 8), "parse");
	ASSERT_TRUE(set[0] && set[1] && set[2] && !set[3] && set[5] && set[7], "members");
	ASSERT_EQ(hp_cpulist_parse("3-1", set, 8), -EINVAL, "backwards range");
	ASSERT_EQ(hp_cpulist_parse("a", set, 8), -EINVAL, "garbage");
	ASSERT_EQ(hp_cpulist_parse("1;2", set, 8), -EINVAL, "bad separator");
}

TEST(hashmap_put_get_del_grow)
{
	struct hp_hmap m = {0};
	size_t i, seen = 0;
	struct hp_hmap_entry *e;

	for (uintptr_t k = 0; k < 1000; k++)
		ASSERT_OK(hp_hmap_put(&m, &k, sizeof(k), (void *)(k + 1)), "put");
	ASSERT_EQ(m.count, 1000, "count");
	for (uintptr_t k = 0; k < 1000; k++)
		if (!ASSERT_EQ((uintptr_t)hp_hmap_get(&m, &k, sizeof(k)), k + 1, "get"))
			break;
	{
		uintptr_t k = 500;

		ASSERT_EQ((uintptr_t)hp_hmap_del(&m, &k, sizeof(k)), 501, "del returns value");
		ASSERT_TRUE(hp_hmap_get(&m, &k, sizeof(k)) == NULL, "gone after del");
	}
	for (e = hp_hmap_first(&m, &i); e; e = hp_hmap_next(&m, e, &i))
		seen++;
	ASSERT_EQ(seen, 999, "iteration visits every entry once");
	hp_hmap_free(&m);
}

TEST(util_next_line_and_reserve)
{
	static const char text[] = "one\n\nthree";
	const char *p = text, *end = text + sizeof(text) - 1, *line;
	size_t len, cap = 0, n = 0;
	int *arr = NULL;

	line = hp_next_line(&p, end, &len);
	ASSERT_TRUE(line == text && len == 3, "first line");
	line = hp_next_line(&p, end, &len);
	ASSERT_TRUE(line && len == 0, "empty line");
	line = hp_next_line(&p, end, &len);
	ASSERT_TRUE(line && len == 5 && !memcmp(line, "three", 5), "last line without newline");
	ASSERT_TRUE(hp_next_line(&p, end, &len) == NULL, "end");

	for (int i = 0; i < 1000; i++) {
		if (!ASSERT_OK(hp_reserve(&arr, &cap, n + 1, sizeof(*arr)), "reserve"))
			break;
		arr[n++] = i;
	}
	ASSERT_TRUE(cap >= 1000 && arr[999] == 999, "grown and kept");
	ASSERT_EQ(hp_reserve(&arr, &cap, SIZE_MAX / 2, sizeof(*arr)), -ENOMEM, "overflow refused");
	ASSERT_EQ(arr[999], 999, "unchanged after a refusal");
	free(arr);
}

TEST(range_alloc_first_fit_and_merge)
{
	struct hp_range_alloc a;
	uint32_t x, y, z, w;

	if (!ASSERT_OK(hp_range_alloc_init(&a, 100), "init"))
		return;
	ASSERT_OK(hp_range_alloc_get(&a, 30, &x), "x");
	ASSERT_OK(hp_range_alloc_get(&a, 30, &y), "y");
	ASSERT_OK(hp_range_alloc_get(&a, 30, &z), "z");
	ASSERT_TRUE(x == 0 && y == 30 && z == 60, "first fit, in order");
	ASSERT_EQ(hp_range_alloc_get(&a, 20, &w), -ENOSPC, "only 10 left");
	ASSERT_OK(hp_range_alloc_put(&a, y, 30), "free the middle");
	ASSERT_OK(hp_range_alloc_get(&a, 20, &w), "reuse the hole");
	ASSERT_EQ(w, 30, "in the hole");
	ASSERT_OK(hp_range_alloc_put(&a, w, 20), "put back");
	ASSERT_OK(hp_range_alloc_put(&a, x, 30), "merge left");
	ASSERT_OK(hp_range_alloc_put(&a, z, 30), "merge right and the tail");
	ASSERT_EQ(a.nfree, 1, "one free range again");
	ASSERT_EQ(a.used, 0, "nothing used");
	ASSERT_OK(hp_range_alloc_get(&a, 100, &w), "whole capacity");
	hp_range_alloc_free(&a);
}

TEST(container_ids_from_cgroup_paths)
{
	static const char id[] = "3f4e8a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829304a5b6c7";
	static const struct {
		const char *text, *want, *pod;
	} cases[] = {
		{"0::/system.slice/docker-%s.scope\n", id, ""},
		{"12:pids:/docker/%s\n0::/\n", id, ""},
		{"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_"
		 "7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-%s.scope\n",
		 id, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"},
		{"4:memory:/kubepods/besteffort/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/%s\n", id,
		 "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"},
		{"0::/machine.slice/libpod-%s.scope/container\n", id, ""},
		{"0::/system.slice/crio-%s.scope\n", id, ""},
		{"0::/machine.slice/libpod-conmon-%s.scope\n", "", ""},
		{"4:memory:/process_api/910e1ca213ef6580b9e0f8840a6faf62\n0::/\n", "", ""},
		{"0::/user.slice/user-1000.slice/session-2.scope\n", "", ""},
		{"garbage without colons\n::\n0::\n", "", ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct hp_container c;
		int found;

		snprintf(text, sizeof(text), cases[i].text, id);
		found = hp_container_parse(text, strlen(text), &c);
		ASSERT_EQ(found, cases[i].want[0] != 0, cases[i].text);
		ASSERT_STREQ(c.id, cases[i].want, cases[i].text);
		ASSERT_STREQ(c.pod_uid, cases[i].pod, cases[i].text);
	}
}

TEST(service_from_environment)
{
	static const char env1[] = "PATH=/bin\0OTEL_SERVICE_NAME=otel-svc\0DD_SERVICE=dd svc,x\0";
	static const char env2[] = "A=1\0OTEL_SERVICE_NAME=otel-svc";
	static const char env3[] = "DD_SERVICE=\0HOME=/root";
	char out[101];

	ASSERT_EQ(hp_environ_service(env1, sizeof(env1) - 1, out), 1, "found");
	ASSERT_STREQ(out, "dd_svc_x", "DD_SERVICE first, made tag-safe");
	ASSERT_EQ(hp_environ_service(env2, sizeof(env2) - 1, out), 1, "no trailing NUL");
	ASSERT_STREQ(out, "otel-svc", "OTEL_SERVICE_NAME");
	ASSERT_EQ(hp_environ_service(env3, sizeof(env3) - 1, out), 0, "empty value is none");
	ASSERT_EQ(hp_environ_service("", 0, out), 0, "empty environment");
}
