// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "enc_tables.h"
#include "otlp.h"
#include "otlp_profiles.pb-c.h"
#include "version.h"

typedef Hostprof__Otlp__ExportProfilesServiceRequest Request;
typedef Hostprof__Otlp__ProfilesDictionary Dictionary;
typedef Hostprof__Otlp__ResourceProfiles ResourceProfiles;
typedef Hostprof__Otlp__ScopeProfiles ScopeProfiles;
typedef Hostprof__Otlp__Profile Profile;
typedef Hostprof__Otlp__Sample Sample;
typedef Hostprof__Otlp__Stack Stack;
typedef Hostprof__Otlp__Location Location;
typedef Hostprof__Otlp__Line Line;
typedef Hostprof__Otlp__Function Function;
typedef Hostprof__Otlp__Mapping Mapping;
typedef Hostprof__Otlp__ValueType ValueType;
typedef Hostprof__Otlp__KeyValueAndUnit KeyValueAndUnit;
typedef Hostprof__Otlp__KeyValue KeyValue;
typedef Hostprof__Otlp__AnyValue AnyValue;

/* Most attributes a resource carries (see add_resource). */
#define RESOURCE_ATTRS 7

/* A location with its single line and frame-type attribute, allocated together. */
struct loc_box {
	Location loc;
	Line line;
	Line *lines[1];
	int32_t attr;
};

struct mapping_box {
	Mapping m;
	int32_t attr;
};

struct attr_box {
	KeyValueAndUnit kv;
	AnyValue v;
};

struct sample_box {
	Sample s;
	int64_t value;
	int32_t attrs[2];
};

/* A resource attribute (KeyValue with its own key/value storage). */
struct kv_box {
	KeyValue kv;
	AnyValue v;
	char *str; /* owned */
};

/* One process: its resource, one scope, one profile. */
struct resource_box {
	ResourceProfiles rp;
	Hostprof__Otlp__Resource res;
	struct kv_box attrs[RESOURCE_ATTRS];
	KeyValue *attr_ptrs[RESOURCE_ATTRS];
	ScopeProfiles sp;
	ScopeProfiles *sp_ptrs[1];
	Hostprof__Otlp__InstrumentationScope scope;
	Profile prof;
	Profile *prof_ptrs[1];
	ValueType sample_type, period_type;
	uint8_t profile_id[16];
	struct hp_ptrvec samples; /* of struct sample_box */
};

struct enc {
	int err; /* first error; later steps become no-ops */
	const struct hp_profile *p;
	struct hp_symbolizer *sym;
	const char *host;
	/* the dictionary: entry 0 of each table is the zero value */
	struct hp_strtab strs;
	struct hp_ptrvec maps, locs, fns, attrs, stacks;
	struct hp_hmap map_ids;	  /* hp_file.idx (0: kernel) -> index */
	struct hp_hmap loc_ids;	  /* struct hp_loc -> index */
	struct hp_hmap fn_ids;	  /* (name, filename) string indices -> index */
	struct hp_hmap attr_ids;  /* (key, type, value) -> index */
	struct hp_hmap stack_ids; /* location indices -> index */
	struct hp_ptrvec resources;
	struct hp_hmap res_ids; /* pid -> index + 1 into resources */
	int32_t *stack_scratch;
};

static int32_t str_id(struct enc *e, const char *s)
{
	return (int32_t)hp_strtab_id(&e->strs, &e->err, s);
}

/* Appends a zero-valued message (its box is size bytes): entry 0 of a dictionary table. */
static void push_zero(struct enc *e, struct hp_ptrvec *pv, size_t size,
		      const ProtobufCMessageDescriptor *desc)
{
	void *item = calloc(1, size);

	if (item)
		protobuf_c_message_init(desc, item);
	hp_ptrvec_push(&e->err, pv, item);
}

/* An attribute of the dictionary: key = string, value string or int. */
static int32_t attr_id(struct enc *e, const char *key, const char *sval, int64_t ival)
{
	int64_t k[3] = {str_id(e, key), sval != NULL, sval ? str_id(e, sval) : ival};
	uint64_t id;
	struct attr_box *b;

	b = hp_table_new(&e->err, &e->attr_ids, k, sizeof(k), &e->attrs, sizeof(*b), &id);
	if (!b)
		return (int32_t)id;
	hostprof__otlp__key_value_and_unit__init(&b->kv);
	hostprof__otlp__any_value__init(&b->v);
	b->kv.key_strindex = (int32_t)k[0];
	b->kv.value = &b->v;
	if (sval) {
		b->v.value_case = HOSTPROF__OTLP__ANY_VALUE__VALUE_STRING_VALUE;
		b->v.string_value = e->strs.strs.v[k[2]]; /* owned by the string table */
	} else {
		b->v.value_case = HOSTPROF__OTLP__ANY_VALUE__VALUE_INT_VALUE;
		b->v.int_value = ival;
	}
	hp_id_put(&e->err, &e->attr_ids, k, sizeof(k), e->attrs.n - 1);
	return (int32_t)(e->attrs.n - 1);
}

static int32_t mapping_id(struct enc *e, uint32_t file_idx)
{
	uint64_t id;
	struct hp_mapping_desc d;
	struct mapping_box *b;

	b = hp_table_new(&e->err, &e->map_ids, &file_idx, sizeof(file_idx), &e->maps, sizeof(*b),
			 &id);
	if (!b)
		return (int32_t)id;
	hostprof__otlp__mapping__init(&b->m);
	hp_mapping_describe(e->p, file_idx, &d);
	b->m.filename_strindex = str_id(e, d.filename);
	b->m.memory_limit = d.limit;
	if (d.build_id) {
		b->attr = attr_id(e, "process.executable.build_id.gnu", d.build_id, 0);
		b->m.attribute_indices = &b->attr;
		b->m.n_attribute_indices = 1;
	}
	hp_id_put(&e->err, &e->map_ids, &file_idx, sizeof(file_idx), e->maps.n - 1);
	return (int32_t)(e->maps.n - 1);
}

static int32_t function_id(struct enc *e, const char *name, const char *filename)
{
	int32_t key[2] = {str_id(e, name), str_id(e, filename)};
	uint64_t id;
	Function *f;

	f = hp_table_new(&e->err, &e->fn_ids, key, sizeof(key), &e->fns, sizeof(*f), &id);
	if (!f)
		return (int32_t)id;
	hostprof__otlp__function__init(f);
	f->name_strindex = f->system_name_strindex = key[0];
	f->filename_strindex = key[1];
	hp_id_put(&e->err, &e->fn_ids, key, sizeof(key), e->fns.n - 1);
	return (int32_t)(e->fns.n - 1);
}

static int32_t location_id(struct enc *e, const struct hp_loc *l)
{
	uint64_t id;
	struct hp_frame_desc d;
	struct loc_box *b;

	b = hp_table_new(&e->err, &e->loc_ids, l, sizeof(*l), &e->locs, sizeof(*b), &id);
	if (!b)
		return (int32_t)id;
	hostprof__otlp__location__init(&b->loc);
	hostprof__otlp__line__init(&b->line);
	hp_frame_describe(e->p, e->sym, l, &d);
	b->loc.mapping_index = d.mapped ? mapping_id(e, d.file) : 0;
	b->loc.address = d.address;
	b->line.function_index = function_id(e, d.name, d.filename);
	b->line.line = d.line;
	b->lines[0] = &b->line;
	b->loc.lines = b->lines;
	b->loc.n_lines = 1;
	b->attr = attr_id(e, "profile.frame.type", d.frame_type, 0);
	b->loc.attribute_indices = &b->attr;
	b->loc.n_attribute_indices = 1;
	hp_id_put(&e->err, &e->loc_ids, l, sizeof(*l), e->locs.n - 1);
	return (int32_t)(e->locs.n - 1);
}

static int32_t stack_id(struct enc *e, const struct hp_stack *st)
{
	int32_t *idx = e->stack_scratch;
	size_t klen = st->nlocs * sizeof(*idx);
	uint64_t id;
	Stack *s;

	for (uint32_t i = 0; i < st->nlocs; i++)
		idx[i] = location_id(e, &st->locs[i]);
	s = hp_table_new(&e->err, &e->stack_ids, idx, klen, &e->stacks, sizeof(*s) + klen, &id);
	if (!s)
		return (int32_t)id;
	hostprof__otlp__stack__init(s);
	s->location_indices = (int32_t *)(s + 1);
	memcpy(s->location_indices, idx, klen);
	s->n_location_indices = st->nlocs;
	/* keyed by the copy: the scratch is rewritten for the next stack */
	hp_id_put(&e->err, &e->stack_ids, s->location_indices, klen, e->stacks.n - 1);
	return (int32_t)(e->stacks.n - 1);
}

static void set_attr(struct resource_box *r, size_t *n, const char *key, const char *sval,
		     int64_t ival)
{
	struct kv_box *b = &r->attrs[*n];

	hostprof__otlp__key_value__init(&b->kv);
	hostprof__otlp__any_value__init(&b->v);
	b->kv.key = (char *)key;
	b->kv.value = &b->v;
	if (sval) {
		b->str = strdup(sval);
		b->v.value_case = HOSTPROF__OTLP__ANY_VALUE__VALUE_STRING_VALUE;
		b->v.string_value = b->str ?: "";
	} else {
		b->v.value_case = HOSTPROF__OTLP__ANY_VALUE__VALUE_INT_VALUE;
		b->v.int_value = ival;
	}
	r->attr_ptrs[*n] = &b->kv;
	(*n)++;
}

/* The ResourceProfiles of st's process, created with its attributes on first use. */
static struct resource_box *resource_of(struct enc *e, const struct hp_stack *st)
{
	uint64_t id;
	const struct hp_container *c = hp_procs_container_at(e->p->procs, st->container);
	const struct hp_file *exe = hp_files_at(e->p->procs->files, st->exe);
	struct resource_box *r;
	char service[128];
	size_t n = 0;

	r = hp_table_new(&e->err, &e->res_ids, &st->pid, sizeof(st->pid), &e->resources, sizeof(*r),
			 &id);
	if (!r)
		return id ? e->resources.v[id - 1] : NULL;
	hostprof__otlp__resource_profiles__init(&r->rp);
	hostprof__otlp__resource__init(&r->res);
	hostprof__otlp__scope_profiles__init(&r->sp);
	hostprof__otlp__instrumentation_scope__init(&r->scope);
	hostprof__otlp__profile__init(&r->prof);
	hostprof__otlp__value_type__init(&r->sample_type);
	hostprof__otlp__value_type__init(&r->period_type);

	hp_stack_service(e->p, st, service, sizeof(service));
	set_attr(r, &n, "service.name", service, 0);
	set_attr(r, &n, "host.name", e->host, 0);
	set_attr(r, &n, "process.pid", NULL, st->pid);
	set_attr(r, &n, "process.executable.name", exe ? exe->base : st->proc_comm, 0);
	if (exe)
		set_attr(r, &n, "process.executable.path", exe->path, 0);
	if (c)
		set_attr(r, &n, "container.id", c->id, 0);
	if (c && c->pod_uid[0])
		set_attr(r, &n, "k8s.pod.uid", c->pod_uid, 0);
	r->res.attributes = r->attr_ptrs;
	r->res.n_attributes = n;
	r->rp.resource = &r->res;

	r->scope.name = "hostprof";
	r->scope.version = HP_VERSION;
	r->sp.scope = &r->scope;
	r->sp_ptrs[0] = &r->sp;
	r->rp.scope_profiles = r->sp_ptrs;
	r->rp.n_scope_profiles = 1;

	r->sample_type.type_strindex = str_id(e, "samples");
	r->sample_type.unit_strindex = str_id(e, "count");
	r->period_type.type_strindex = str_id(e, "cpu");
	r->period_type.unit_strindex = str_id(e, "nanoseconds");
	r->prof.sample_type = &r->sample_type;
	r->prof.period_type = &r->period_type;
	r->prof.period = e->p->period_ns;
	r->prof.time_unix_nano = e->p->start_ns;
	r->prof.duration_nano = e->p->end_ns > e->p->start_ns ? e->p->end_ns - e->p->start_ns : 0;
	/* a profile id is 16 bytes and must not be all zero */
	if (getrandom(r->profile_id, sizeof(r->profile_id), 0) != sizeof(r->profile_id))
		for (size_t i = 0; i < sizeof(r->profile_id); i++)
			r->profile_id[i] = (uint8_t)rand();
	r->profile_id[0] |= 1;
	r->prof.profile_id.data = r->profile_id;
	r->prof.profile_id.len = sizeof(r->profile_id);
	r->prof_ptrs[0] = &r->prof;
	r->sp.profiles = r->prof_ptrs;
	r->sp.n_profiles = 1;
	hp_id_put(&e->err, &e->res_ids, &st->pid, sizeof(st->pid), e->resources.n);
	return r;
}

static void add_sample(struct enc *e, const struct hp_stack *st)
{
	struct resource_box *r = resource_of(e, st);
	struct sample_box *b;

	if (!r)
		return;
	b = calloc(1, sizeof(*b));
	hp_ptrvec_push(&e->err, &r->samples, b);
	if (e->err)
		return;
	hostprof__otlp__sample__init(&b->s);
	b->s.stack_index = stack_id(e, st);
	b->attrs[0] = attr_id(e, "thread.id", NULL, st->tid);
	b->attrs[1] = attr_id(e, "thread.name", st->comm, 0);
	b->s.attribute_indices = b->attrs;
	b->s.n_attribute_indices = 2;
	b->value = st->count;
	b->s.values = &b->value;
	b->s.n_values = 1;
}

static void free_enc(struct enc *e)
{
	for (size_t i = 0; i < e->resources.n; i++) {
		struct resource_box *r = e->resources.v[i];

		hp_ptrvec_free(&r->samples);
		for (size_t k = 0; k < r->res.n_attributes; k++)
			free(r->attrs[k].str);
	}
	hp_ptrvec_free(&e->resources);
	hp_ptrvec_free(&e->maps);
	hp_ptrvec_free(&e->locs);
	hp_ptrvec_free(&e->fns);
	hp_ptrvec_free(&e->attrs);
	hp_ptrvec_free(&e->stacks);
	hp_strtab_free(&e->strs);
	hp_hmap_free(&e->map_ids);
	hp_hmap_free(&e->loc_ids);
	hp_hmap_free(&e->fn_ids);
	hp_hmap_free(&e->attr_ids);
	hp_hmap_free(&e->stack_ids);
	hp_hmap_free(&e->res_ids);
	free(e->stack_scratch);
}

int hp_otlp_encode(const struct hp_profile *p, struct hp_symbolizer *sym, const char *host,
		   uint8_t **out, size_t *out_len)
{
	struct enc e = {.p = p, .sym = sym, .host = host};
	Hostprof__Otlp__Link link0 = HOSTPROF__OTLP__LINK__INIT, *links[1] = {&link0};
	ResourceProfiles **rps = NULL;
	Dictionary dict;
	Request req;
	struct hp_stack **v;
	size_t n = 0;
	int err;

	hostprof__otlp__export_profiles_service_request__init(&req);
	hostprof__otlp__profiles_dictionary__init(&dict);
	str_id(&e, "");
	push_zero(&e, &e.maps, sizeof(struct mapping_box), &hostprof__otlp__mapping__descriptor);
	push_zero(&e, &e.locs, sizeof(struct loc_box), &hostprof__otlp__location__descriptor);
	push_zero(&e, &e.fns, sizeof(Function), &hostprof__otlp__function__descriptor);
	push_zero(&e, &e.attrs, sizeof(struct attr_box),
		  &hostprof__otlp__key_value_and_unit__descriptor);
	push_zero(&e, &e.stacks, sizeof(Stack), &hostprof__otlp__stack__descriptor);
	e.stack_scratch = calloc(HP_MAX_KERNEL_FRAMES + HP_MAX_USER_FRAMES, sizeof(int32_t));
	if (!e.stack_scratch)
		e.err = -ENOMEM;

	v = hp_profile_sorted(p, &n);
	if (!v)
		e.err = -ENOMEM;
	for (size_t i = 0; v && i < n && !e.err; i++)
		add_sample(&e, v[i]);
	free(v);
	rps = calloc(e.resources.n + 1, sizeof(*rps));
	if (!rps)
		e.err = -ENOMEM;
	if (e.err)
		goto out;

	for (size_t i = 0; i < e.resources.n; i++) {
		struct resource_box *r = e.resources.v[i];

		r->prof.samples = (Sample **)r->samples.v; /* s is the first member of sample_box */
		r->prof.n_samples = r->samples.n;
		rps[i] = &r->rp;
	}
	req.resource_profiles = rps;
	req.n_resource_profiles = e.resources.n;
	/* the boxes start with their message: the tables can point at them */
	dict.mapping_table = (Mapping **)e.maps.v;
	dict.n_mapping_table = e.maps.n;
	dict.location_table = (Location **)e.locs.v;
	dict.n_location_table = e.locs.n;
	dict.function_table = (Function **)e.fns.v;
	dict.n_function_table = e.fns.n;
	dict.link_table = links;
	dict.n_link_table = 1;
	dict.string_table = (char **)e.strs.strs.v;
	dict.n_string_table = e.strs.strs.n;
	dict.attribute_table = (KeyValueAndUnit **)e.attrs.v;
	dict.n_attribute_table = e.attrs.n;
	dict.stack_table = (Stack **)e.stacks.v;
	dict.n_stack_table = e.stacks.n;
	req.dictionary = &dict;

	*out_len = hostprof__otlp__export_profiles_service_request__get_packed_size(&req);
	*out = malloc(*out_len ? *out_len : 1);
	if (!*out) {
		e.err = -ENOMEM;
		goto out;
	}
	hostprof__otlp__export_profiles_service_request__pack(&req, *out);
out:
	err = e.err;
	free(rps);
	free_enc(&e);
	return err;
}
