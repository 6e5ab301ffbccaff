// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DWARF call frame information (.eh_frame, .debug_frame) to stack-delta rows
 * for x86_64. Only what compilers emit is interpreted; anything else makes
 * the affected rows HP_CFA_NONE (frame-pointer fallback), never a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cfi.h"
#include "util.h"

/* x86_64 DWARF register numbers */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA	16

/* Bounded nesting of DW_CFA_remember_state. */
#define STATE_STACK 16

/* A cursor over untrusted bytes: reads past the end set err and return 0. */
struct rd {
	const uint8_t *p, *end;
	int err;
};

static uint64_t rd_bytes(struct rd *r, size_t n)
{
	uint64_t v = 0;

	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i); /* little endian */
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	for (;;) {
		uint8_t b = rd_bytes(r, 1);

		if (r->err)
			return 0;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
		if (shift > 70) { /* longer than any 64-bit value */
			r->err = 1;
			return 0;
		}
	}
}

static int64_t rd_sleb(struct rd *r)
{
	int64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		b = rd_bytes(r, 1);
		if (r->err)
			return 0;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
		if (shift > 70) {
			r->err = 1;
			return 0;
		}
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v = (int64_t)((uint64_t)v | (~0ull << shift)); /* sign-extend, no signed shift */
	return v;
}

/* v * factor, or 0 with r->err set when it overflows (hostile input). */
static int64_t scaled(struct rd *r, int64_t v, int64_t factor)
{
	int64_t out;

	if (__builtin_mul_overflow(v, factor, &out)) {
		r->err = 1;
		return 0;
	}
	return out;
}

/* An unsigned LEB128 that must fit int64_t. */
static int64_t rd_uleb_s(struct rd *r)
{
	uint64_t v = rd_uleb(r);

	if (v > INT64_MAX) {
		r->err = 1;
		return 0;
	}
	return (int64_t)v;
}

/* DW_EH_PE_* pointer encodings */
#define PE_OMIT	    0xff
#define PE_FORMAT   0x0f
#define PE_APP	    0x70
#define PE_PCREL    0x10
#define PE_INDIRECT 0x80

/* Reads an encoded pointer; section_vaddr locates pc-relative ones. */
static uint64_t rd_ptr(struct rd *r, uint8_t enc, const struct hp_cfi_section *sec)
{
	uint64_t here = sec->vaddr + (uint64_t)(r->p - sec->data), v;

	if (enc == PE_OMIT)
		return 0;
	switch (enc & PE_FORMAT) {
	case 0x00: /* absptr */
	case 0x04: /* udata8 */
	case 0x0c: /* sdata8 */
		v = rd_bytes(r, 8);
		break;
	case 0x01:
		v = rd_uleb(r);
		break;
	case 0x02:
		v = rd_bytes(r, 2);
		break;
	case 0x03:
		v = rd_bytes(r, 4);
		break;
	case 0x09:
		v = rd_sleb(r);
		break;
	case 0x0a:
		v = (uint64_t)(int64_t)(int16_t)rd_bytes(r, 2);
		break;
	case 0x0b:
		v = (uint64_t)(int64_t)(int32_t)rd_bytes(r, 4);
		break;
	default:
		r->err = 1;
		return 0;
	}
	switch (enc & PE_APP) {
	case 0:
		break;
	case PE_PCREL:
		v += here;
		break;
	default: /* textrel/datarel/funcrel/aligned: not emitted for x86_64 FDEs */
		r->err = 1;
		return 0;
	}
	if (enc & PE_INDIRECT) /* points at memory we do not have */
		r->err = 1;
	return v;
}

/* What a CIE says for all its FDEs. */
struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	int has_aug_data; /* 'z' */
	int signal;	  /* 'S' */
	const uint8_t *insns, *insns_end;
};

/* The rule state of the CFA program. */
struct cfa_state {
	uint8_t type;	 /* HP_CFA_RSP/RBP/PLT/NONE (the CFA rule) */
	int64_t cfa_off; /* for RSP/RBP */
	int rbp_saved;	 /* 1: at CFA + rbp_off; 0: unchanged; -1: some other rule */
	int64_t rbp_off;
	int ra_ok; /* 1: RA at CFA-8; 0: undefined (outermost); -1: other rule */
};

static int parse_cie(struct rd *r, const struct hp_cfi_section *sec, struct cie *c)
{
	uint8_t version = rd_bytes(r, 1);
	const char *aug = (const char *)r->p;
	const uint8_t *aug_end = memchr(r->p, 0, r->end - r->p);

	memset(c, 0, sizeof(*c));
	c->fde_enc = 0; /* absptr */
	if (r->err || !aug_end || (version != 1 && version != 3 && version != 4))
		return -EINVAL;
	r->p = aug_end + 1;
	if (version == 4) {
		rd_bytes(r, 1); /* address size */
		rd_bytes(r, 1); /* segment selector size */
	}
	c->code_align = rd_uleb(r);
	c->data_align = rd_sleb(r);
	c->ra_reg = version == 1 ? rd_bytes(r, 1) : rd_uleb(r);
	if (aug[0] == 'z') {
		uint64_t len = rd_uleb(r);
		struct rd a = {r->p, r->p, r->err};

		if (r->err || len > (uint64_t)(r->end - r->p))
			return -EINVAL;
		a.end = r->p + len;
		c->has_aug_data = 1;
		for (const char *q = aug + 1; *q && !a.err; q++) {
			switch (*q) {
			case 'R':
				c->fde_enc = rd_bytes(&a, 1);
				break;
			case 'L':
				rd_bytes(&a, 1);
				break;
			case 'P': {
				uint8_t enc = rd_bytes(&a, 1);

				rd_ptr(&a, enc & ~PE_INDIRECT, sec);
				break;
			}
			case 'S':
				c->signal = 1;
				break;
			case 'B': /* AArch64 key, not seen on x86 */
				break;
			default:
				a.err = 1; /* unknown augmentation: cannot interpret */
			}
		}
		if (a.err)
			return -EINVAL;
		r->p += len;
	} else if (aug[0]) {
		if (!strcmp(aug, "eh")) /* ancient GCC: a pointer follows */
			rd_bytes(r, 8);
		else
			return -EINVAL;
	}
	if (r->err || !c->code_align || c->code_align > INT64_MAX || c->data_align == INT64_MIN)
		return -EINVAL;
	c->insns = r->p;
	c->insns_end = r->end;
	return 0;
}

/*
 * Recognises the expression gcc and binutils emit for .plt entries:
 * DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_lit11 (or 10);
 * DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus.
 */
static int is_plt_expr(const uint8_t *e, uint64_t len)
{
	static const uint8_t plt[] = {0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a,
				      0x3b, 0x2a, 0x33, 0x24, 0x22};

	if (len != sizeof(plt))
		return 0;
	for (size_t i = 0; i < sizeof(plt); i++)
		if (e[i] != plt[i] && !(i == 6 && e[i] == 0x3a)) /* lit11 or lit10 */
			return 0;
	return 1;
}

static void set_rule(struct cfa_state *s, uint64_t reg, int how, int64_t off)
{
	if (reg == REG_RBP) {
		s->rbp_saved = how;
		s->rbp_off = off;
	} else if (reg == REG_RA) {
		s->ra_ok = how == 1 && off == -8 ? 1 : how == 0 ? 0 : -1;
	}
}

/* DW_CFA_restore: the rule the CIE's initial instructions gave. */
static void restore_rule(struct cfa_state *s, const struct cfa_state *initial, uint64_t reg)
{
	if (reg == REG_RBP) {
		s->rbp_saved = initial->rbp_saved;
		s->rbp_off = initial->rbp_off;
	} else if (reg == REG_RA) {
		s->ra_ok = initial->ra_ok;
	}
}

/* The row for a state, or HP_CFA_NONE when the state is beyond what BPF does. */
static struct hp_unwind_row make_row(uint64_t pc, const struct cfa_state *s, int signal)
{
	struct hp_unwind_row row = {.pc = (uint32_t)pc, .type = HP_CFA_NONE};

	if (signal) {
		row.type = HP_CFA_SIGNAL;
		return row;
	}
	if (s->ra_ok == 0) {
		row.type = HP_CFA_END;
		return row;
	}
	if (s->ra_ok < 0 || s->rbp_saved < 0)
		return row;
	if (s->type == HP_CFA_PLT) {
		row.type = HP_CFA_PLT;
		return row;
	}
	if ((s->type != HP_CFA_RSP && s->type != HP_CFA_RBP) || s->cfa_off < 0 ||
	    s->cfa_off > UINT16_MAX)
		return row;
	if (s->rbp_saved) {
		if (s->rbp_off % 8 || s->rbp_off / 8 < INT8_MIN || s->rbp_off / 8 > INT8_MAX ||
		    !s->rbp_off)
			return row;
		row.rbp_off = (int8_t)(s->rbp_off / 8);
	}
	row.type = s->type;
	row.cfa_off = (uint16_t)s->cfa_off;
	return row;
}

static int push_row(struct hp_unwind_table *t, struct hp_unwind_row row)
{
	if (hp_reserve(&t->rows, &t->cap, t->n + 1, sizeof(*t->rows)))
		return -ENOMEM;
	t->rows[t->n++] = row;
	return 0;
}

/*
 * Runs a CFA program from `loc`, emitting a row at each advance. With
 * emit == 0 (the CIE's initial instructions) it only updates the state.
 * Returns 0, -EINVAL (malformed: the caller drops the FDE's rows) or -ENOMEM.
 */
static int run_program(struct rd *r, const struct cie *c, const struct hp_cfi_section *sec,
		       struct cfa_state *s, const struct cfa_state *initial, uint64_t *loc,
		       uint64_t end, int emit, struct hp_unwind_table *t)
{
	struct cfa_state stack[STATE_STACK];
	int depth = 0;

	while (r->p < r->end && !r->err) {
		uint8_t op = rd_bytes(r, 1), low = op & 0x3f;
		uint64_t reg, adv = 0;
		int64_t off;

		switch (op >> 6) {
		case 1: /* advance_loc */
			adv = (uint64_t)scaled(r, low, (int64_t)c->code_align);
			goto advance;
		case 2: /* offset */
			off = scaled(r, rd_uleb_s(r), c->data_align);
			set_rule(s, low, 1, off);
			continue;
		case 3: /* restore */
			restore_rule(s, initial, low);
			continue;
		}
		switch (op) {
		case 0x00: /* nop */
			break;
		case 0x01: { /* set_loc: only forwards */
			uint64_t to = rd_ptr(r, c->fde_enc, sec);

			if (to < *loc)
				return -EINVAL;
			adv = to - *loc;
			goto advance;
		}
		case 0x02:
			adv = (uint64_t)scaled(r, (int64_t)rd_bytes(r, 1), (int64_t)c->code_align);
			goto advance;
		case 0x03:
			adv = (uint64_t)scaled(r, (int64_t)rd_bytes(r, 2), (int64_t)c->code_align);
			goto advance;
		case 0x04:
			adv = (uint64_t)scaled(r, (int64_t)rd_bytes(r, 4), (int64_t)c->code_align);
			goto advance;
		case 0x05: /* offset_extended */
			reg = rd_uleb(r);
			set_rule(s, reg, 1, scaled(r, rd_uleb_s(r), c->data_align));
			break;
		case 0x11: /* offset_extended_sf */
			reg = rd_uleb(r);
			set_rule(s, reg, 1, scaled(r, rd_sleb(r), c->data_align));
			break;
		case 0x2f: /* GNU_negative_offset_extended */
			reg = rd_uleb(r);
			set_rule(s, reg, 1, scaled(r, rd_uleb_s(r), -c->data_align));
			break;
		case 0x06: /* restore_extended */
			restore_rule(s, initial, rd_uleb(r));
			break;
		case 0x07: /* undefined */
			set_rule(s, rd_uleb(r), 0, 0);
			break;
		case 0x08: /* same_value */
			reg = rd_uleb(r);
			if (reg == REG_RBP)
				set_rule(s, reg, 0, 0);
			else if (reg == REG_RA)
				s->ra_ok = -1;
			break;
		case 0x09: /* register */
			set_rule(s, rd_uleb(r), -1, 0);
			rd_uleb(r);
			break;
		case 0x14: /* val_offset */
		case 0x15: /* val_offset_sf */
			reg = rd_uleb(r);
			op == 0x14 ? (void)rd_uleb(r) : (void)rd_sleb(r);
			set_rule(s, reg, -1, 0);
			break;
		case 0x0a: /* remember_state */
			if (depth >= STATE_STACK)
				return -EINVAL;
			stack[depth++] = *s;
			break;
		case 0x0b: /* restore_state */
			if (!depth)
				return -EINVAL;
			*s = stack[--depth];
			break;
		case 0x0c: /* def_cfa */
			reg = rd_uleb(r);
			s->cfa_off = rd_uleb_s(r);
			s->type = reg == REG_RSP   ? HP_CFA_RSP
				  : reg == REG_RBP ? HP_CFA_RBP
						   : HP_CFA_NONE;
			break;
		case 0x12: /* def_cfa_sf */
			reg = rd_uleb(r);
			s->cfa_off = scaled(r, rd_sleb(r), c->data_align);
			s->type = reg == REG_RSP   ? HP_CFA_RSP
				  : reg == REG_RBP ? HP_CFA_RBP
						   : HP_CFA_NONE;
			break;
		case 0x0d: /* def_cfa_register */
			reg = rd_uleb(r);
			s->type = reg == REG_RSP   ? HP_CFA_RSP
				  : reg == REG_RBP ? HP_CFA_RBP
						   : HP_CFA_NONE;
			break;
		case 0x0e: /* def_cfa_offset */
			s->cfa_off = rd_uleb_s(r);
			break;
		case 0x13: /* def_cfa_offset_sf */
			s->cfa_off = scaled(r, rd_sleb(r), c->data_align);
			break;
		case 0x0f: { /* def_cfa_expression */
			uint64_t len = rd_uleb(r);

			if (r->err || len > (uint64_t)(r->end - r->p))
				return -EINVAL;
			s->type = is_plt_expr(r->p, len) ? HP_CFA_PLT : HP_CFA_NONE;
			r->p += len;
			break;
		}
		case 0x10:   /* expression */
		case 0x16: { /* val_expression */
			uint64_t len;

			reg = rd_uleb(r);
			len = rd_uleb(r);
			if (r->err || len > (uint64_t)(r->end - r->p))
				return -EINVAL;
			r->p += len;
			set_rule(s, reg, -1, 0);
			break;
		}
		case 0x2e: /* GNU_args_size */
			rd_uleb(r);
			break;
		default:
			return -EINVAL; /* an opcode we do not know: the rest is unreadable */
		}
		continue;
	advance:
		if (r->err)
			break;
		if (adv > UINT64_MAX - *loc)
			return -EINVAL;
		if (emit && adv) {
			int err;

			if (*loc >= end)
				return 0;
			err = push_row(t, make_row(*loc, s, c->signal));
			if (err)
				return err;
		}
		*loc += adv;
	}
	if (r->err)
		return -EINVAL;
	if (emit && *loc < end)
		return push_row(t, make_row(*loc, s, c->signal));
	return 0;
}

static int parse_fde(struct rd *r, const struct cie *c, const struct hp_cfi_section *sec,
		     struct hp_unwind_table *t)
{
	struct cfa_state initial = {.type = HP_CFA_NONE, .ra_ok = -1}, s;
	uint64_t pc, range, loc, end;
	size_t rows_before = t->n;
	struct rd cr = {c->insns, c->insns_end, 0};
	int err;

	pc = rd_ptr(r, c->fde_enc, sec);
	range = rd_ptr(r, c->fde_enc & PE_FORMAT, sec); /* a length: never pc-relative */
	if (c->has_aug_data) {
		uint64_t len = rd_uleb(r);

		if (r->err || len > (uint64_t)(r->end - r->p))
			return -EINVAL;
		r->p += len;
	}
	if (r->err || !range || pc + range < pc || pc + range > UINT32_MAX)
		return -EINVAL; /* malformed, or beyond what a 32-bit row pc holds */
	end = pc + range;
	if (c->ra_reg != REG_RA)
		initial.ra_ok = -1;
	loc = pc;
	err = run_program(&cr, c, sec, &initial, &initial, &loc, end, 0, t);
	if (err)
		return err;
	/* RA at CFA-8 is what the CIE must say; assume nothing else */
	s = initial;
	loc = pc;
	err = run_program(r, c, sec, &s, &initial, &loc, end, 1, t);
	if (!err) /* where this function ends, the next one may not start */
		err = push_row(t, (struct hp_unwind_row){.pc = (uint32_t)end, .type = HP_CFA_NONE});
	if (err == -EINVAL)
		t->n = rows_before;
	return err;
}

/*
 * Reads an entry's length and CIE id/pointer at r->p, narrowing r to the
 * entry. 0, or -EINVAL for a length that does not fit (the walk must stop).
 */
static int read_entry_header(struct rd *r, uint64_t *id, const uint8_t **id_at, int *dwarf64,
			     int *terminator, int is_debug_frame)
{
	uint64_t len = rd_bytes(r, 4);

	*dwarf64 = 0;
	*terminator = 0;
	if (len == 0xffffffff) {
		len = rd_bytes(r, 8);
		*dwarf64 = 1;
	}
	if (!r->err && !len && !is_debug_frame) {
		*terminator = 1;
		return 0;
	}
	if (r->err || len > (uint64_t)(r->end - r->p) || len < (*dwarf64 ? 8u : 4u))
		return -EINVAL;
	r->end = r->p + len;
	*id_at = r->p;
	*id = rd_bytes(r, *dwarf64 ? 8 : 4);
	return 0;
}

static int is_cie_id(uint64_t id, int dwarf64, int is_debug_frame)
{
	if (!is_debug_frame)
		return id == 0;
	return id == (dwarf64 ? UINT64_MAX : 0xffffffffu);
}

int hp_cfi_parse(const struct hp_cfi_section *sec, struct hp_unwind_table *t)
{
	const uint8_t *p = sec->data, *end = sec->data + sec->size;
	/* the last CIE parsed: FDEs nearly always follow their CIE */
	const uint8_t *cie_at = NULL;
	struct cie cie;

	while (end - p >= 4) {
		struct rd r = {p, end, 0};
		const uint8_t *entry = p, *id_at, *target;
		int dwarf64, terminator, err;
		uint64_t id;
		struct cie c;

		if (read_entry_header(&r, &id, &id_at, &dwarf64, &terminator, sec->is_debug_frame))
			break; /* a bad length: nothing after it can be trusted */
		if (terminator)
			break; /* .eh_frame's zero terminator */
		p = r.end;
		if (is_cie_id(id, dwarf64, sec->is_debug_frame)) {
			cie_at = parse_cie(&r, sec, &cie) ? NULL : entry;
			t->cies += cie_at != NULL;
			continue;
		}
		/* the CIE this FDE names: an offset back (.eh_frame) or from the start */
		if (sec->is_debug_frame ? id >= sec->size : id > (uint64_t)(id_at - sec->data)) {
			t->fdes_skipped++;
			continue;
		}
		target = sec->is_debug_frame ? sec->data + id : id_at - id;
		if (target == cie_at) {
			c = cie;
		} else {
			/* not the CIE just before: parse it where it is */
			struct rd cr = {target, end, 0};
			const uint8_t *cid_at;
			int c64, cterm;
			uint64_t cid;

			if (read_entry_header(&cr, &cid, &cid_at, &c64, &cterm,
					      sec->is_debug_frame) ||
			    cterm || !is_cie_id(cid, c64, sec->is_debug_frame) ||
			    parse_cie(&cr, sec, &c)) {
				t->fdes_skipped++;
				continue;
			}
		}
		err = parse_fde(&r, &c, sec, t);
		if (err == -ENOMEM)
			return err;
		if (err)
			t->fdes_skipped++;
		else
			t->fdes++;
	}
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct hp_unwind_row *x = a, *y = b;

	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	/* at the same pc an end marker sorts first, so the real row is kept */
	return (x->type != HP_CFA_NONE) - (y->type != HP_CFA_NONE);
}

void hp_unwind_table_finish(struct hp_unwind_table *t)
{
	size_t w = 0;

	if (!t->n)
		return;
	qsort(t->rows, t->n, sizeof(*t->rows), cmp_row);
	for (size_t i = 0; i < t->n; i++) {
		struct hp_unwind_row *row = &t->rows[i];

		/* same pc: the later (real) row replaces the earlier one */
		if (w && t->rows[w - 1].pc == row->pc) {
			t->rows[w - 1] = *row;
			continue;
		}
		/* same rule as the row before: it just extends that row */
		if (w && t->rows[w - 1].type == row->type &&
		    t->rows[w - 1].cfa_off == row->cfa_off &&
		    t->rows[w - 1].rbp_off == row->rbp_off)
			continue;
		t->rows[w++] = *row;
	}
	t->n = w;
	t->rows_none = 0;
	for (size_t i = 0; i < t->n; i++)
		t->rows_none += t->rows[i].type == HP_CFA_NONE;
}

static uint64_t row_pc(const void *e)
{
	return ((const struct hp_unwind_row *)e)->pc;
}

const struct hp_unwind_row *hp_unwind_table_find(const struct hp_unwind_table *t, uint64_t vaddr)
{
	size_t i = hp_count_le(t->rows, t->n, sizeof(*t->rows), row_pc, vaddr);

	return i ? &t->rows[i - 1] : NULL;
}

void hp_unwind_table_free(struct hp_unwind_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
