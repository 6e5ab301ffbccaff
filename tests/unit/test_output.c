// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Aggregation, folded writer and pprof encoder on records built by hand. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include "flamegraph.h"
#include "folded.h"
#include "local_sink.h"
#include "pprof.h"
#include "pprof.pb-c.h"
#include "profile.h"
#include "symbolizer.h"
#include "test.h"

__attribute__((noinline)) void output_test_caller(void)
{
	__asm__ volatile("");
}

__attribute__((noinline)) void output_test_leaf(void)
{
	__asm__ volatile("");
}

/* The long-lived caches profiles resolve through. */
static struct hp_files files;
static struct hp_procs procs = {.files = &files};

static void free_caches(void)
{
	hp_procs_free(&procs);
	hp_files_free(&files);
}

/* A sample of this process: user leaf, user caller, two kernel frames. */
static void make_sample(struct hp_sample *s, uint32_t tid, int truncated)
{
	memset(s, 0, sizeof(*s));
	s->pid = getpid();
	s->tid = tid;
	strcpy((char *)s->comm, "worker");
	strcpy((char *)s->proc_comm, "unit-tests");
	s->kernel_frames = 2;
	s->kstack[0] = 0xffffffff81000110; /* leaf: helper */
	s->kstack[1] = 0xffffffff81000011; /* return into _stext */
	s->user_frames = 2 + !!truncated;
	s->frames[0].kind = HP_FRAME_NATIVE;
	s->frames[0].addr = (uint64_t)(uintptr_t)&output_test_leaf;
	s->frames[0].flags = HP_FRAME_F_EXACT;
	s->frames[1].kind = HP_FRAME_NATIVE;
	s->frames[1].addr = (uint64_t)(uintptr_t)&output_test_caller + 1; /* return address */
	if (truncated) {
		s->frames[2].kind = HP_FRAME_ERROR;
		s->frames[2].addr = HP_STOP_READ_FAILED;
	}
}

static void fake_ksyms(struct hp_symbolizer *sym)
{
	static const char text[] = "ffffffff81000000 T _stext\nffffffff81000100 t helper\n";

	hp_ksyms_free(&sym->ksyms);
	hp_ksyms_parse(text, sizeof(text) - 1, &sym->ksyms);
	sym->have_ksyms = 1;
}

static size_t rec_size(const struct hp_sample *s)
{
	return offsetof(struct hp_sample, frames) + s->user_frames * sizeof(struct hp_frame);
}

static void build_profile(struct hp_profile *p)
{
	struct hp_sample *s = malloc(sizeof(*s));

	ASSERT_OK(hp_profile_init(p, 1000000000ull / 19, &procs), "init");
	make_sample(s, 100, 0);
	hp_profile_add(p, s, rec_size(s), 1);
	hp_profile_add(p, s, rec_size(s), 2);
	make_sample(s, 101, 0); /* another thread, same stack */
	hp_profile_add(p, s, rec_size(s), 3);
	make_sample(s, 100, 1);
	hp_profile_add(p, s, rec_size(s), 4);
	free(s);
}

TEST(profile_rejects_malformed_records)
{
	struct hp_profile p;
	struct hp_sample *s = malloc(sizeof(*s));

	ASSERT_OK(hp_profile_init(&p, 1, &procs), "init");
	make_sample(s, 1, 0);
	ASSERT_EQ(hp_profile_add(&p, s, 10, 0), -EINVAL, "short record");
	ASSERT_EQ(hp_profile_add(&p, s, rec_size(s) - 1, 0), -EINVAL, "frames cut off");
	s->user_frames = HP_MAX_USER_FRAMES + 1;
	ASSERT_EQ(hp_profile_add(&p, s, sizeof(*s), 0), -EINVAL, "too many frames");
	ASSERT_EQ(p.bad_records, 3, "counted");
	ASSERT_EQ(p.samples, 0, "nothing aggregated");
	hp_profile_free(&p);
	free_caches();
	free(s);
}

TEST(folded_output)
{
	struct hp_profile p;
	struct hp_symbolizer sym;
	char buf[4096] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	build_profile(&p);
	ASSERT_EQ(p.samples, 4, "samples aggregated");
	ASSERT_EQ(p.stacks.count, 3, "distinct (thread, stack) pairs");
	hp_symbolizer_init(&sym, &files);
	fake_ksyms(&sym);
	ASSERT_OK(hp_folded_write(f, &p, &sym), "write");
	fclose(f);
	ASSERT_STREQ(buf,
		     "unit-tests;[truncated: unreadable user memory];output_test_caller;"
		     "output_test_leaf;_stext_[k];helper_[k] 1\n"
		     "unit-tests;output_test_caller;output_test_leaf;_stext_[k];helper_[k] 3\n",
		     "threads merged, root first, kernel last");
	hp_symbolizer_free(&sym);
	hp_profile_free(&p);
	free_caches();
}

static uint8_t *gunzip(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = 1 << 20;
	uint8_t *out = malloc(cap);
	z_stream z = {0};

	inflateInit2(&z, 15 + 16);
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	if (inflate(&z, Z_FINISH) != Z_STREAM_END) {
		free(out);
		out = NULL;
	}
	*out_len = z.total_out;
	inflateEnd(&z);
	return out;
}

static const char *label(const Hostprof__Pprof__Profile *pr, const Hostprof__Pprof__Sample *s,
			 const char *key)
{
	for (size_t i = 0; i < s->n_label; i++)
		if (!strcmp(pr->string_table[s->label[i]->key], key))
			return pr->string_table[s->label[i]->str];
	return NULL;
}

TEST(pprof_roundtrip)
{
	struct hp_profile p;
	struct hp_symbolizer sym;
	Hostprof__Pprof__Profile *pr;
	uint8_t *gz, *raw;
	size_t gz_len, raw_len;
	int64_t total = 0;

	build_profile(&p);
	hp_symbolizer_init(&sym, &files);
	fake_ksyms(&sym);
	if (!ASSERT_OK(hp_pprof_encode(&p, &sym, &gz, &gz_len), "encode"))
		goto out;
	raw = gunzip(gz, gz_len, &raw_len);
	if (!ASSERT_TRUE(raw != NULL, "gzip'd"))
		goto out_gz;
	pr = hostprof__pprof__profile__unpack(NULL, raw_len, raw);
	if (!ASSERT_TRUE(pr != NULL, "decodes"))
		goto out_raw;
	ASSERT_STREQ(pr->string_table[0], "", "string 0 is empty");
	ASSERT_EQ(pr->n_sample_type, 2, "two sample types");
	ASSERT_STREQ(pr->string_table[pr->sample_type[0]->type], "cpu-samples", "type 0");
	ASSERT_STREQ(pr->string_table[pr->sample_type[1]->unit], "nanoseconds", "unit 1");
	ASSERT_EQ(pr->period, 1000000000 / 19, "period");
	ASSERT_EQ(pr->n_sample, 3, "one sample per thread and stack");
	for (size_t i = 0; i < pr->n_sample; i++) {
		const Hostprof__Pprof__Sample *s = pr->sample[i];

		total += s->value[0];
		ASSERT_EQ(s->value[1], s->value[0] * (1000000000 / 19),
			  "cpu-time = count x period");
		ASSERT_STREQ(label(pr, s, "thread name"), "worker", "thread name label");
		ASSERT_STREQ(label(pr, s, "process name"), "unit-tests", "process name label");
		ASSERT_TRUE(label(pr, s, "process_id") && label(pr, s, "thread id"), "id labels");
		ASSERT_TRUE(s->n_location_id >= 4, "kernel + user locations");
	}
	ASSERT_EQ(total, 4, "every sample counted");
	for (size_t i = 0; i < pr->n_location; i++) {
		const Hostprof__Pprof__Location *l = pr->location[i];

		ASSERT_EQ(l->id, i + 1, "location ids dense from 1");
		ASSERT_TRUE(l->n_line == 1 && l->line[0]->function_id >= 1 &&
				    l->line[0]->function_id <= pr->n_function,
			    "line points at a function");
	}
	ASSERT_TRUE(pr->n_mapping >= 2, "a mapping for our binary and one for the kernel");
	hostprof__pprof__profile__free_unpacked(pr, NULL);
out_raw:
	free(raw);
out_gz:
	free(gz);
out:
	hp_symbolizer_free(&sym);
	hp_profile_free(&p);
	free_caches();
}

TEST(windows_merge_into_the_whole_run)
{
	struct hp_profile a, whole;

	build_profile(&a);
	a.start_ns = 100;
	a.end_ns = 200;
	ASSERT_OK(hp_profile_init(&whole, 1, &procs), "init");
	ASSERT_OK(hp_profile_merge(&whole, &a), "merge 1");
	ASSERT_OK(hp_profile_merge(&whole, &a), "merge 2");
	ASSERT_EQ(whole.samples, 2 * a.samples, "samples add up");
	ASSERT_EQ(whole.stacks.count, a.stacks.count, "same stacks, counts added");
	hp_profile_reset(&a);
	ASSERT_EQ(a.stacks.count, 0, "reset empties the window");
	ASSERT_EQ(a.samples, 0, "and its counts");
	ASSERT_TRUE(whole.start_ns == 100 && whole.end_ns == 200, "span");
	hp_profile_free(&a);
	hp_profile_free(&whole);
	free_caches();
}

TEST(flamegraph_escapes_hostile_names)
{
	static const char folded[] = "app;</script><b>x\"\\;leaf 3\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_OK(hp_flamegraph_write(f, "t<i>tle", folded, sizeof(folded) - 1), "write");
	fclose(f);
	ASSERT_TRUE(strstr(buf, "</script><b>") == NULL, "no raw markup from frame names");
	ASSERT_TRUE(strstr(buf, "\\u003c/script\\u003e") != NULL, "escaped in the data");
	ASSERT_TRUE(strstr(buf, "t&lt;i&gt;tle") != NULL, "title escaped");
	ASSERT_TRUE(strstr(buf, "</script>") && !strstr(strstr(buf, "</script>") + 1, "</script>"),
		    "exactly one script end: the page's own");
	free(buf);
}

TEST(local_sink_keeps_the_newest_windows)
{
	char dir[] = "/tmp/hostprof-unit-XXXXXX", path[512];
	static const char *const stamps[] = {"20260101T000001Z", "20260101T000002Z",
					     "20260101T000003Z"};
	static const char *const kinds[][2] = {
		{"cpu-", ".pprof"}, {"stacks-", ".folded"}, {"flamegraph-", ".html"}};

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s%s%s", dir, kinds[k][0], stamps[i],
				 kinds[k][1]);
			fclose(fopen(path, "w"));
		}
	snprintf(path, sizeof(path), "%s/unrelated.txt", dir);
	fclose(fopen(path, "w"));
	ASSERT_OK(hp_local_sink_prune(dir, 2), "prune");
	snprintf(path, sizeof(path), "%s/cpu-%s.pprof", dir, stamps[0]);
	ASSERT_TRUE(access(path, F_OK) != 0, "oldest window gone");
	snprintf(path, sizeof(path), "%s/flamegraph-%s.html", dir, stamps[1]);
	ASSERT_TRUE(access(path, F_OK) == 0, "newer windows kept");
	snprintf(path, sizeof(path), "%s/unrelated.txt", dir);
	ASSERT_TRUE(access(path, F_OK) == 0, "other files untouched");
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s%s%s", dir, kinds[k][0], stamps[i],
				 kinds[k][1]);
			unlink(path);
		}
	snprintf(path, sizeof(path), "%s/unrelated.txt", dir);
	unlink(path);
	rmdir(dir);
}

TEST(flamegraph_of_an_empty_window)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_OK(hp_flamegraph_write(f, "empty", "", 0), "write");
	fclose(f);
	ASSERT_TRUE(strstr(buf, "const FOLDED = \"\";") != NULL, "empty data");
	ASSERT_TRUE(strstr(buf, "no samples in this window") != NULL, "says so");
	free(buf);
}
