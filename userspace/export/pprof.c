// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "atomic_file.h"
#include "enc_tables.h"
#include "pprof.h"
#include "pprof.pb-c.h"
#include "util.h"

typedef Hostprof__Pprof__Profile Profile;
typedef Hostprof__Pprof__Sample Sample;
typedef Hostprof__Pprof__Label Label;
typedef Hostprof__Pprof__Location Location;
typedef Hostprof__Pprof__Line Line;
typedef Hostprof__Pprof__Function Function;
typedef Hostprof__Pprof__Mapping Mapping;
typedef Hostprof__Pprof__ValueType ValueType;

/* process_id, thread id, thread name, process name; container_id and pod_uid when known */
#define NLABELS 6

/* A location with its single line, allocated together. */
struct loc_box {
	Location loc;
	Line line;
	Line *lines[1];
};

struct sample_box {
	Sample s;
	int64_t values[2];
	Label labels[NLABELS];
	Label *label_ptrs[NLABELS];
};

struct enc {
	int err; /* first error; later steps become no-ops */
	const struct hp_profile *p;
	struct hp_symbolizer *sym;
	struct hp_strtab strs;
	struct hp_ptrvec locs, fns, maps, samples;
	struct hp_hmap loc_ids; /* struct hp_loc -> id */
	struct hp_hmap fn_ids;	/* (name, filename) indices -> id */
	struct hp_hmap map_ids; /* hp_file.idx (0: kernel) -> id */
};

static int64_t str_id(struct enc *e, const char *s)
{
	return hp_strtab_id(&e->strs, &e->err, s);
}

static uint64_t mapping_id(struct enc *e, uint32_t file_idx)
{
	uint64_t id;
	struct hp_mapping_desc d;
	Mapping *m;

	m = hp_table_new(&e->err, &e->map_ids, &file_idx, sizeof(file_idx), &e->maps, sizeof(*m),
			 &id);
	if (!m)
		return id;
	hostprof__pprof__mapping__init(m);
	m->id = e->maps.n;
	m->has_functions = 1;
	hp_mapping_describe(e->p, file_idx, &d);
	m->filename = str_id(e, d.filename);
	m->build_id = d.build_id ? str_id(e, d.build_id) : 0;
	m->memory_limit = d.limit;
	hp_id_put(&e->err, &e->map_ids, &file_idx, sizeof(file_idx), m->id);
	return m->id;
}

static uint64_t function_id(struct enc *e, const char *name, const char *filename)
{
	int64_t key[2] = {str_id(e, name), str_id(e, filename)};
	uint64_t id;
	Function *f;

	f = hp_table_new(&e->err, &e->fn_ids, key, sizeof(key), &e->fns, sizeof(*f), &id);
	if (!f)
		return id;
	hostprof__pprof__function__init(f);
	f->id = e->fns.n;
	f->name = f->system_name = key[0];
	f->filename = key[1];
	hp_id_put(&e->err, &e->fn_ids, key, sizeof(key), f->id);
	return f->id;
}

static uint64_t location_id(struct enc *e, const struct hp_loc *l)
{
	uint64_t id;
	struct hp_frame_desc d;
	struct loc_box *b;

	b = hp_table_new(&e->err, &e->loc_ids, l, sizeof(*l), &e->locs, sizeof(*b), &id);
	if (!b)
		return id;
	hostprof__pprof__location__init(&b->loc);
	hostprof__pprof__line__init(&b->line);
	b->loc.id = e->locs.n;
	hp_frame_describe(e->p, e->sym, l, &d);
	b->loc.mapping_id = d.mapped ? mapping_id(e, d.file) : 0;
	b->loc.address = d.address;
	b->line.function_id = function_id(e, d.name, d.filename);
	b->line.line = d.line;
	b->lines[0] = &b->line;
	b->loc.n_line = 1;
	b->loc.line = b->lines;
	hp_id_put(&e->err, &e->loc_ids, l, sizeof(*l), b->loc.id);
	return b->loc.id;
}

static void add_sample(struct enc *e, const struct hp_stack *st)
{
	struct sample_box *b = calloc(1, sizeof(*b));
	const struct hp_container *c = hp_procs_container_at(e->p->procs, st->container);
	char pid[16], tid[16];
	const char *keys[NLABELS] = {"process_id",   "thread id",    "thread name",
				     "process name", "container_id", "pod_uid"};
	const char *vals[NLABELS] = {
		pid, tid, st->comm, st->proc_comm, c ? c->id : "", c ? c->pod_uid : ""};
	size_t n = 0;

	hp_ptrvec_push(&e->err, &e->samples, b);
	if (e->err)
		return;
	hostprof__pprof__sample__init(&b->s);
	b->s.location_id = calloc(st->nlocs + 1, sizeof(uint64_t));
	if (!b->s.location_id) {
		e->err = -ENOMEM;
		return;
	}
	for (uint32_t i = 0; i < st->nlocs; i++)
		b->s.location_id[i] = location_id(e, &st->locs[i]);
	b->s.n_location_id = st->nlocs;
	b->values[0] = st->count;
	b->values[1] = st->count * e->p->period_ns;
	b->s.value = b->values;
	b->s.n_value = 2;
	snprintf(pid, sizeof(pid), "%u", st->pid);
	snprintf(tid, sizeof(tid), "%u", st->tid);
	for (int i = 0; i < NLABELS; i++) {
		if (!vals[i][0] && i >= 4)
			continue; /* no container: no empty labels */
		hostprof__pprof__label__init(&b->labels[n]);
		b->labels[n].key = str_id(e, keys[i]);
		b->labels[n].str = str_id(e, vals[i]);
		b->label_ptrs[n] = &b->labels[n];
		n++;
	}
	b->s.label = b->label_ptrs;
	b->s.n_label = n;
}

static void free_enc(struct enc *e)
{
	for (size_t i = 0; i < e->samples.n; i++)
		free(((struct sample_box *)e->samples.v[i])->s.location_id);
	hp_strtab_free(&e->strs);
	hp_ptrvec_free(&e->locs);
	hp_ptrvec_free(&e->fns);
	hp_ptrvec_free(&e->maps);
	hp_ptrvec_free(&e->samples);
	hp_hmap_free(&e->loc_ids);
	hp_hmap_free(&e->fn_ids);
	hp_hmap_free(&e->map_ids);
}

int hp_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream z = {0};
	uLong cap;
	uint8_t *buf;
	int rc;

	/* 15 + 16: gzip wrapper, as pprof files are on disk */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, len) + 32;
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = buf;
	z.avail_out = cap;
	rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	return 0;
}

int hp_pprof_encode(const struct hp_profile *p, struct hp_symbolizer *sym, uint8_t **out,
		    size_t *out_len)
{
	struct enc e = {.p = p, .sym = sym};
	ValueType types[2], period_type;
	ValueType *type_ptrs[2] = {&types[0], &types[1]};
	Profile prof;
	struct hp_stack **v;
	uint8_t *raw = NULL;
	size_t n, len;
	int err;

	hostprof__pprof__profile__init(&prof);
	str_id(&e, ""); /* entry 0 */
	for (int i = 0; i < 2; i++)
		hostprof__pprof__value_type__init(&types[i]);
	hostprof__pprof__value_type__init(&period_type);
	types[0].type = str_id(&e, "cpu-samples");
	types[0].unit = str_id(&e, "count");
	types[1].type = str_id(&e, "cpu-time");
	types[1].unit = str_id(&e, "nanoseconds");
	period_type.type = types[1].type;
	period_type.unit = types[1].unit;

	v = hp_profile_sorted(p, &n);
	if (!v)
		e.err = -ENOMEM;
	for (size_t i = 0; v && i < n && !e.err; i++)
		add_sample(&e, v[i]);
	free(v);
	if (e.err)
		goto out;

	prof.n_sample_type = 2;
	prof.sample_type = type_ptrs;
	prof.period_type = &period_type;
	prof.period = p->period_ns;
	prof.time_nanos = p->start_ns;
	prof.duration_nanos = p->end_ns > p->start_ns ? p->end_ns - p->start_ns : 0;
	prof.n_sample = e.samples.n;
	prof.sample = (Sample **)e.samples.v;
	prof.n_location = e.locs.n;
	prof.location = (Location **)e.locs.v; /* loc is the first member of loc_box */
	prof.n_function = e.fns.n;
	prof.function = (Function **)e.fns.v;
	prof.n_mapping = e.maps.n;
	prof.mapping = (Mapping **)e.maps.v;
	prof.n_string_table = e.strs.strs.n;
	prof.string_table = (char **)e.strs.strs.v;

	len = hostprof__pprof__profile__get_packed_size(&prof);
	raw = malloc(len ? len : 1);
	if (!raw) {
		e.err = -ENOMEM;
		goto out;
	}
	hostprof__pprof__profile__pack(&prof, raw);
	e.err = hp_gzip(raw, len, out, out_len);
out:
	err = e.err;
	free(raw);
	free_enc(&e);
	return err;
}

int hp_pprof_write(const char *path, const struct hp_profile *p, struct hp_symbolizer *sym)
{
	uint8_t *buf;
	size_t len;
	int err = hp_pprof_encode(p, sym, &buf, &len);

	if (err)
		return err;
	err = hp_atomic_write_buf(path, buf, len);
	free(buf);
	return err;
}
