/*
 * exec.c — the iterator tree: one interface (next, seek, score, bound,
 * mentions) for every node of a query.
 *
 *   TERM     one store postings list; BM25F score; bound from the term's
 *            largest per-field tf (whole list) or its current block
 *   PHRASE   leapfrog of the kids' docids, then a position check;
 *   NEAR     positions are read only for documents all kids share
 *   AND      leapfrog with seek, rarest kid first
 *   OR/SYN   merge; OR adds the kids' scores, SYN takes the best one
 *            (a synonym group counts as one word)
 *   AND_NOT  left, skipping the documents the right side has
 *   FILTER   docid walk over the in-memory docmeta (kind, year, track)
 *
 * Costs: an OR merge finds the next docid by a linear scan of its kids;
 * kids are at most PL_QUERY_MAX_TERMS (or PL_PREFIX_MAX_TERMS), so the scan
 * is a few dozen compares, cheaper than a heap's pointer chasing at these
 * sizes.  Deleted documents are filtered by the caller (search.c), once per
 * candidate, not in every leaf.
 */
#include "query_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int empty_next(pl_it *it)
{
    it->docid = PL_DOC_END;
    return 0;
}
static int empty_seek(pl_it *it, uint32_t t)
{
    (void)t;
    it->docid = PL_DOC_END;
    return 0;
}
static double zero_score(pl_it *it)
{
    (void)it;
    return 0;
}
static uint32_t zero_mentions(pl_it *it)
{
    (void)it;
    return 0;
}
static void no_explain(pl_it *it, pl_buf *out, int depth)
{
    (void)it, (void)out, (void)depth;
}
static void plain_free(pl_it *it)
{
    pl_free(it);
}
static const pl_it_vt empty_vt = {empty_next,    empty_seek, zero_score, zero_score,
                                  zero_mentions, no_explain, plain_free};

static int empty_new(pl_exec *x, pl_it **out)
{
    pl_it *it = pl_calloc(1, sizeof *it);
    if (!it)
        return pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
    it->vt = &empty_vt;
    it->docid = PL_DOC_END;
    *out = it;
    return PL_OK;
}

void pl_it_free(pl_it *it)
{
    if (it)
        it->vt->free(it);
}

static void indent(pl_buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        pl_buf_puts(b, "  ");
}

/* ---- TERM -------------------------------------------------------------------- */
typedef struct term_it {
    pl_it base;
    pl_exec *x;
    pl_postings *p;
    pl_block *blk; /* p's current chunk (pl_postings_block) */
    unsigned fields;
    double idf;
    const char *term;
    uint32_t tf[PL_NFIELDS];
    uint32_t tf_doc;  /* docid tf[] belongs to */
    uint32_t bm_last; /* last docid of the block bm_bound holds for */
    double bm_bound;
    /* Top-k without exact totals: a document scoring at most floor is
     * thrown away, so whole blocks whose bound is at most floor are
     * stepped over (their entries never decoded).  -HUGE_VAL: never. */
    double floor;
} term_it;

static const uint32_t *term_tf(term_it *t)
{
    if (t->tf_doc != t->base.docid) {
        if (t->base.docid && t->base.docid != PL_DOC_END)
            pl_block_tf(t->blk, t->blk->i, t->tf);
        else
            memset(t->tf, 0, sizeof t->tf);
        t->tf_doc = t->base.docid;
    }
    return t->tf;
}

static int term_in_fields(term_it *t)
{
    if (t->fields == PL_FIELDS_ALL)
        return 1;
    const uint32_t *tf = term_tf(t);
    for (int f = 0; f < PL_NFIELDS; f++)
        if ((t->fields & (1u << f)) && tf[f])
            return 1;
    return 0;
}

static int term_block(term_it *t);

static int term_settle(term_it *t, int rc)
{
    for (;;) {
        if (rc < 0) {
            t->base.docid = PL_DOC_END;
            return pl_error_set(t->x->err, PL_ECORRUPT, "postings of '%s' do not decode", t->term);
        }
        if (rc == 0) {
            t->base.docid = PL_DOC_END;
            return 0;
        }
        t->base.docid = pl_postings_docid(t->p);
        if (t->floor > -HUGE_VAL) {
            if ((t->base.docid > t->bm_last || !t->bm_last) && term_block(t) < 0) {
                t->base.docid = PL_DOC_END;
                return PL_ECORRUPT;
            }
            if (t->bm_last && t->bm_bound <= t->floor) {
                /* the whole block is useless: step to the next one */
                rc = t->bm_last == UINT32_MAX - 1 ? 0 : pl_postings_seek(t->p, t->bm_last + 1);
                continue;
            }
        }
        if (term_in_fields(t))
            return 1;
        rc = pl_postings_next(t->p);
    }
}

static int term_next(pl_it *it)
{
    term_it *t = (term_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    return term_settle(t, pl_postings_next(t->p));
}

static int term_seek(pl_it *it, uint32_t target)
{
    term_it *t = (term_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid >= target && it->docid != 0)
        return 1;
    return term_settle(t, pl_postings_seek(t->p, target));
}

/* One field's weighted, length-normalised tf. */
static double field_w(const pl_exec *x, int f, uint32_t tf, uint32_t len)
{
    const pl_rank_params *rp = x->rp;
    double avg = x->avg[f] > 0 ? x->avg[f] : 1;
    return rp->w[f] * tf / (1 - rp->b[f] + rp->b[f] * (double)len / avg);
}

/* The saturation of the fields' summed weights. */
static double saturate(const pl_exec *x, double idf, double w)
{
    return idf * w * (x->rp->k1 + 1) / (w + x->rp->k1);
}

/* BM25F: per-field tf normalised by that field's length, weighted, then
 * one saturation (Robertson & Zaragoza's "simple BM25F"). */
static double bm25f(const pl_exec *x, unsigned fields, double idf, const uint32_t *tf,
                    const uint32_t *len)
{
    double w = 0;
    for (int f = 0; f < PL_NFIELDS; f++)
        if ((fields & (1u << f)) && tf[f])
            w += field_w(x, f, tf[f], len[f]);
    return saturate(x, idf, w);
}

static double term_score(pl_it *it)
{
    term_it *t = (term_it *)it;
    const pl_docmeta *dm = pl_snap_docmeta(t->x->snap, it->docid);
    static const uint32_t zero[PL_NFIELDS];
    return bm25f(t->x, t->fields, t->idf, term_tf(t), dm ? dm->len : zero);
}

/* Upper bound of bm25f for tf <= max_tf: a field's length is at least its
 * tf, so its norm is at least 1 - b + b * tf / avg. */
static double term_bound_of(const term_it *t, const uint32_t *max_tf)
{
    uint32_t len[PL_NFIELDS];
    for (int f = 0; f < PL_NFIELDS; f++)
        len[f] = max_tf[f];
    return bm25f(t->x, t->fields, t->idf, max_tf, len);
}

/* Relative slack on block bounds: bm25f's saturation is evaluated in
 * floating point, so a bound from larger inputs could come out an ulp
 * under a document's own score; this keeps every bound above it. */
#define BOUND_SLACK (1 + 1e-9)

/* bm25f of a block from its impacts: per field the best weighted,
 * normalised tf over its pairs (exact for a one-field match), summed over
 * the fields, then saturated.  At most PL_IMPACTS_MAX divisions a field. */
static double term_bound_impacts(const term_it *t, const pl_impacts *imp)
{
    double w = 0;
    for (int f = 0; f < PL_NFIELDS; f++) {
        if (!(t->fields & (1u << f)))
            continue;
        double best = 0;
        for (uint32_t i = 0; i < imp->n[f]; i++) {
            double v = field_w(t->x, f, imp->tf[f][i], imp->len[f][i]);
            if (v > best)
                best = v;
        }
        w += best;
    }
    return saturate(t->x, t->idf, w) * BOUND_SLACK;
}

/* Loads the bound of the block holding the current document (once per
 * block).  <0 when its impacts do not decode. */
static int term_block(term_it *t)
{
    if (t->base.docid <= t->bm_last && t->bm_last != 0)
        return 0;
    pl_impacts imp;
    uint32_t last = 0;
    if (pl_postings_block_impacts(t->p, &imp, &last) != PL_OK) {
        t->bm_last = 0;
        t->bm_bound = t->base.max_score;
        return pl_error_set(t->x->err, PL_ECORRUPT, "postings of '%s' do not decode", t->term);
    }
    if (last < t->base.docid) { /* not on a block: the whole-list bound */
        t->bm_last = 0;
        t->bm_bound = t->base.max_score;
        return 0;
    }
    t->bm_last = last;
    t->bm_bound = term_bound_impacts(t, &imp);
    return 0;
}

static double term_bound(pl_it *it)
{
    term_it *t = (term_it *)it;
    term_block(t); /* an error is in x->err; the bound falls back to max_score */
    return t->bm_bound;
}

static uint32_t term_mentions(pl_it *it)
{
    term_it *t = (term_it *)it;
    const uint32_t *tf = term_tf(t);
    uint32_t m = 0;
    for (int f = 0; f < PL_NFIELDS; f++)
        if (t->fields & (1u << f))
            m += tf[f];
    return m;
}

static void term_explain(pl_it *it, pl_buf *b, int depth)
{
    term_it *t = (term_it *)it;
    static const char *const names[PL_NFIELDS] = {"title", "people", "body"};
    if (it->docid != t->x->explain_doc)
        return;
    const uint32_t *tf = term_tf(t);
    const pl_docmeta *dm = pl_snap_docmeta(t->x->snap, it->docid);
    indent(b, depth);
    pl_buf_printf(b, "%.4f term %s (idf %.3f):", term_score(it), t->term, t->idf);
    for (int f = 0; f < PL_NFIELDS; f++) {
        if (!(t->fields & (1u << f)) || !tf[f])
            continue;
        uint32_t one[PL_NFIELDS] = {0};
        one[f] = tf[f];
        pl_buf_printf(b, " %s tf=%u len=%u -> %.4f;", names[f], tf[f], dm ? dm->len[f] : 0,
                      bm25f(t->x, 1u << f, t->idf, one, dm ? dm->len : one));
    }
    pl_buf_putc(b, '\n');
}

static void term_free(pl_it *it)
{
    term_it *t = (term_it *)it;
    pl_postings_free(t->p);
    pl_free(t);
}

static const pl_it_vt term_vt = {term_next,     term_seek,    term_score, term_bound,
                                 term_mentions, term_explain, term_free};

static double idf_of(const pl_exec *x, uint32_t df)
{
    double n = x->n_docs, d = df;
    if (d > n)
        d = n;
    return log(1 + (n - d + 0.5) / (d + 0.5));
}

/* boost scales the term's idf, hence its scores and every bound of them
 * (all are linear in idf); 1 for the terms of a query text. */
static int term_new(pl_exec *x, const char *term, size_t len, unsigned fields, unsigned pflags,
                    double boost, pl_it **out)
{
    *out = NULL;
    pl_postings *p = NULL;
    int rc = pl_postings_open(x->snap, term, len, pflags, &p, x->err);
    if (rc == PL_ENOTFOUND)
        return empty_new(x, out);
    if (rc != PL_OK)
        return rc;
    term_it *t = pl_calloc(1, sizeof *t);
    if (!t) {
        pl_postings_free(p);
        return pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
    }
    const pl_terminfo *ti = pl_postings_info(p);
    t->base.vt = &term_vt;
    t->x = x;
    t->p = p;
    t->blk = pl_postings_block(p);
    t->fields = fields;
    t->term = term;
    t->idf = idf_of(x, ti ? ti->df : 1) * boost;
    t->base.cost = ti ? ti->df : 1;
    t->tf_doc = PL_DOC_END;
    t->floor = -HUGE_VAL;
    if (ti) {
        uint32_t mt[PL_NFIELDS];
        for (int f = 0; f < PL_NFIELDS; f++)
            mt[f] = ti->max_tf[f] ? ti->max_tf[f] : 1;
        t->base.max_score = term_bound_of(t, mt);
    } else {
        t->base.max_score = t->idf * (x->rp->k1 + 1);
    }
    *out = &t->base;
    return PL_OK;
}

/* ---- leapfrog shared by AND, PHRASE, NEAR ------------------------------------- */
static int leapfrog(pl_it **k, size_t n, uint32_t target)
{
    uint32_t d = target;
    size_t i = 0, agree = 0;
    while (agree < n) {
        pl_it *c = k[i];
        if (c->docid < d || c->docid == 0) {
            int rc = c->vt->seek(c, d);
            if (rc < 0)
                return rc;
        }
        if (c->docid == PL_DOC_END)
            return 0;
        if (c->docid > d) {
            d = c->docid;
            agree = 1;
        } else {
            agree++;
        }
        i = (i + 1) % n;
    }
    return 1;
}

/* The leapfrog of an AND or a phrase whose kids are all terms: the same
 * walk, but each kid steps through its chunk's unpacked docids in place
 * (pl_block) and calls into the store only to load another chunk.  In a
 * dense AND of frequent words most of a query's time is this loop; the
 * generic one costs a seek through two layers of calls per step.  The
 * kids' docids are kept current.  Block skipping by the floor (term_settle)
 * is left to the AND's window check. */
static inline int term_step_to(term_it *t, uint32_t d)
{
    pl_block *b = t->blk;
    uint32_t cur = t->base.docid;
    if (cur >= d && cur != 0)
        return 1;
    if (cur != 0 && cur != PL_DOC_END && b->docid[b->n - 1] >= d) {
        uint32_t i = b->i;
        while (b->docid[i] < d)
            i++;
        b->i = i;
        t->base.docid = b->docid[i];
        return 1;
    }
    if (cur == PL_DOC_END)
        return 0;
    int rc = pl_postings_seek(t->p, d);
    if (rc < 0) {
        t->base.docid = PL_DOC_END;
        return pl_error_set(t->x->err, PL_ECORRUPT, "postings of '%s' do not decode", t->term);
    }
    t->base.docid = rc ? pl_postings_docid(t->p) : PL_DOC_END;
    return rc;
}

static void exec_normf(pl_exec *x);

/* term_doc_bound of entry i (docid d) of a term's chunk, without moving
 * the term; *in_fields: the entry has an occurrence in the term's fields. */
static inline double term_bound_at(term_it *t, const pl_block *bk, uint32_t i, uint32_t d,
                                   int *in_fields)
{
    uint32_t tf[PL_NFIELDS];
    pl_block_tf(bk, i, tf);
    static const uint8_t none[PL_NFIELDS];
    pl_exec *x = t->x;
    const uint8_t *q = x->lq && d && d <= x->max_docid ? x->lq + (size_t)d * PL_NFIELDS : none;
    double w = 0;
    if (t->fields == PL_FIELDS_ALL) { /* as term_doc_bound: selects, no mask */
        *in_fields = 1;
        w += tf[0] ? tf[0] * x->normf[0][q[0]] : 0;
        w += tf[1] ? tf[1] * x->normf[1][q[1]] : 0;
        w += tf[2] ? tf[2] * x->normf[2][q[2]] : 0;
    } else {
        *in_fields = 0;
        for (int f = 0; f < PL_NFIELDS; f++)
            if ((t->fields & (1u << f)) && tf[f]) {
                *in_fields = 1;
                w += tf[f] * x->normf[f][q[f]];
            }
    }
    return saturate(x, t->idf, w) * BOUND_SLACK;
}

/* Whether the common entry d of all n terms (ia of the first, ib of the
 * second, the others positioned on d) is a match to hand on: every term
 * in its fields, and, under a floor, a bound above it. */
static inline int meet_keep(term_it **k, size_t n, const pl_block *ba, uint32_t ia,
                            const pl_block *bb, uint32_t ib, uint32_t d, double floor)
{
    if (floor == -HUGE_VAL) {
        int all = 1;
        for (size_t j = 0; j < n; j++)
            all &= k[j]->fields == PL_FIELDS_ALL;
        if (all)
            return 1;
    }
    if (!k[0]->x->normf_ready)
        exec_normf(k[0]->x);
    int fa, fb;
    double s = term_bound_at(k[0], ba, ia, d, &fa);
    s += term_bound_at(k[1], bb, ib, d, &fb);
    for (size_t j = 2; j < n; j++) {
        int fj;
        s += term_bound_at(k[j], k[j]->blk, k[j]->blk->i, d, &fj);
        fa &= fj;
    }
    return fa && fb && (floor == -HUGE_VAL || s > floor);
}

/* The first entry at or after i of a sorted docid array whose last entry
 * is at least `to`: its docid, i moved there. */
static inline uint32_t skip_to(const uint32_t *d, uint32_t *i, uint32_t to)
{
    uint32_t j = *i;
    while (d[j] < to)
        j++;
    *i = j;
    return d[j];
}

/* An AND (or phrase) of n >= 2 terms, rarest first.  While the two rarest
 * are inside a loaded chunk, a merge of their docid arrays in locals (a
 * few instructions an entry); each common entry is checked against the
 * other terms (term_step_to) and dropped, without leaving the loop, when
 * it cannot beat the floor (most of a dense AND's, once the top k fills);
 * term_step_to at chunk ends.  Returns with every term on the same docid
 * >= target (1), or 0 / <0 as term_step_to. */
static int terms_meet(term_it **k, size_t n, uint32_t target, double floor)
{
    term_it *a = k[0], *b = k[1];
    int rc;
    for (;;) {
        if ((rc = term_step_to(a, target)) <= 0)
            return rc;
        if ((rc = term_step_to(b, a->base.docid)) <= 0)
            return rc;
        pl_block *ba = a->blk, *bb = b->blk;
        const uint32_t *da = ba->docid, *db = bb->docid;
        uint32_t ia = ba->i, ib = bb->i, na = ba->n, nb = bb->n;
        uint32_t la = da[na - 1], lb = db[nb - 1], x = da[ia], y = db[ib];
        int found = 0;
        for (;;) {
            if (x == y) {
                /* the others, at or past x */
                uint32_t z = x;
                for (size_t j = 2; j < n && z == x; j++) {
                    if ((rc = term_step_to(k[j], x)) <= 0) {
                        found = rc < 0 ? rc : -1;
                        break;
                    }
                    z = k[j]->base.docid;
                }
                if (found)
                    break;
                if (z > x) { /* a third term is ahead: both catch up */
                    target = z;
                    if (z > la)
                        break;
                    x = skip_to(da, &ia, z);
                    continue;
                }
                if (meet_keep(k, n, ba, ia, bb, ib, x, floor)) {
                    found = 1;
                    break;
                }
                if (x >= PL_DOC_END - 1) {
                    found = -1;
                    break;
                }
                target = x + 1;
                if (ia + 1 >= na || ib + 1 >= nb)
                    break;
                x = da[++ia];
                y = db[++ib];
            } else if (x < y) {
                target = y;
                if (y > la)
                    break;
                x = skip_to(da, &ia, y);
            } else {
                target = x;
                if (x > lb)
                    break;
                y = skip_to(db, &ib, x);
            }
        }
        ba->i = ia;
        bb->i = ib;
        a->base.docid = da[ia];
        b->base.docid = db[ib];
        if (found)
            return found > 0 ? 1 : found == -1 ? 0 : found;
    }
}

/* The leapfrog of an AND or phrase of terms: terms_meet, or for a single
 * term its next document in its fields. */
static int terms_leapfrog(pl_it **k, size_t n, uint32_t target, double floor)
{
    if (n >= 2)
        return terms_meet((term_it **)k, n, target, floor);
    term_it *t = (term_it *)k[0];
    for (;;) {
        int rc = term_step_to(t, target);
        if (rc <= 0 || term_in_fields(t))
            return rc;
        if (t->base.docid >= PL_DOC_END - 1)
            return 0;
        target = t->base.docid + 1;
    }
}

static int cmp_cost(const void *a, const void *b)
{
    const pl_it *x = *(pl_it *const *)a, *y = *(pl_it *const *)b;
    return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* ---- AND ---------------------------------------------------------------------- */
typedef struct multi_it {
    pl_it base;
    pl_exec *x;
    pl_it **kids;
    size_t n;
    int op;
    /* PHRASE / NEAR */
    pl_it **order;   /* kids in query order (kids[] is sorted by cost) */
    uint32_t *offs;  /* PHRASE */
    uint32_t near;   /* NEAR */
    unsigned fields; /* PHRASE / NEAR */
    uint32_t freq;   /* occurrences in the current document */
    const char *label;
    /* PHRASE / NEAR under top-k without exact totals: documents scoring at
     * most this cannot enter the top k, so their positions (the costly
     * part: an LMDB get and a varint walk per document) are never read.
     * AND: runs of documents whose kids' block bounds sum to at most this
     * are leapfrogged over.  -HUGE_VAL (the default): neither. */
    double floor;
    /* AND: the sum of the kids' block bounds, valid up to win_last */
    double win_bound;
    uint32_t win_last;
    int all_terms; /* AND / PHRASE / NEAR: every kid a TERM (terms_leapfrog) */
} multi_it;

static void multi_free(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    for (size_t i = 0; i < m->n; i++)
        pl_it_free(m->kids[i]);
    pl_free(m->kids);
    pl_free(m->order);
    pl_free(m);
}

static double and_bound(pl_it *it);
static const pl_it_vt and_vt, phrase_vt;

/* *last: the last docid up to which it->vt->bound(it) holds (block-max):
 * a term's block end, the nearest block end of an AND's or a phrase's
 * kids; the current document for any other node.  <0: a block's impacts
 * did not decode (the error is in x->err). */
static int it_block_last(pl_it *it, uint32_t *last)
{
    *last = it->docid;
    if (it->vt == &term_vt) {
        term_it *t = (term_it *)it;
        if (term_block(t) < 0)
            return PL_ECORRUPT;
        if (t->bm_last > it->docid)
            *last = t->bm_last;
        return 0;
    }
    if (it->vt != &and_vt && it->vt != &phrase_vt)
        return 0;
    multi_it *m = (multi_it *)it;
    *last = UINT32_MAX;
    for (size_t i = 0; i < m->n; i++) {
        uint32_t l;
        if (it_block_last(m->kids[i], &l) < 0)
            return PL_ECORRUPT;
        if (l < *last)
            *last = l;
    }
    return 0;
}

static void exec_normf(pl_exec *x)
{
    const pl_rank_params *rp = x->rp;
    for (int f = 0; f < PL_NFIELDS; f++) {
        double avg = x->avg[f] > 0 ? x->avg[f] : 1;
        for (int c = 0; c < 256; c++)
            x->normf[f][c] =
                rp->w[f] / (1 - rp->b[f] + rp->b[f] * (double)pl_len_floor((uint8_t)c) / avg);
    }
    x->normf_ready = 1;
}

/* A term's bm25f at the document's own tfs and the shortest lengths its
 * length codes allow: three bytes of a dense array, where the exact
 * lengths are a likely cache miss in docmeta.  Length codes round down,
 * so this is at least the score (up to the slack). */
static double term_doc_bound(term_it *t)
{
    static const uint8_t none[PL_NFIELDS]; /* no docmeta: lengths 0, as term_score */
    pl_exec *x = t->x;
    uint32_t d = t->base.docid;
    if (!x->normf_ready)
        exec_normf(x);
    const uint8_t *q = x->lq && d && d <= x->max_docid ? x->lq + (size_t)d * PL_NFIELDS : none;
    const uint32_t *tf = term_tf(t);
    double w = 0;
    if (t->fields == PL_FIELDS_ALL) { /* most terms: no mask, selects not branches */
        w += tf[0] ? tf[0] * x->normf[0][q[0]] : 0;
        w += tf[1] ? tf[1] * x->normf[1][q[1]] : 0;
        w += tf[2] ? tf[2] * x->normf[2][q[2]] : 0;
    } else {
        for (int f = 0; f < PL_NFIELDS; f++)
            if ((t->fields & (1u << f)) && tf[f])
                w += tf[f] * x->normf[f][q[f]];
    }
    return saturate(x, t->idf, w) * BOUND_SLACK;
}

/* Upper bound of the current document's score without its docmeta: a
 * term's term_doc_bound; an AND's and a phrase's the sum of their kids';
 * any other node's bound().  A candidate that cannot win is dropped before
 * its metadata (a likely cache miss) is fetched.  On kdocs-100k this
 * bound is within the length codes' rounding of the score, where the
 * block's shortest lengths it replaced let most candidates of a dense AND
 * through to be scored. */
double pl_it_doc_bound(pl_it *it)
{
    if (it->vt == &term_vt)
        return term_doc_bound((term_it *)it);
    if (it->vt != &and_vt && it->vt != &phrase_vt)
        return it->vt->bound(it);
    multi_it *m = (multi_it *)it;
    double s = 0;
    for (size_t i = 0; i < m->n; i++)
        s += pl_it_doc_bound(m->kids[i]);
    return s;
}

static int and_seek(pl_it *it, uint32_t target)
{
    multi_it *m = (multi_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid >= target && it->docid != 0)
        return 1;
    int rc;
    for (;;) {
        rc = m->all_terms ? terms_leapfrog(m->kids, m->n, target, m->floor)
                          : leapfrog(m->kids, m->n, target);
        if (rc != 1 || m->floor == -HUGE_VAL)
            break;
        /* Block-max AND: the kids' block bounds hold up to the nearest of
         * their block ends (the window); when their sum cannot beat the
         * floor, no document of the window can, and the leapfrog resumes
         * after it.  Bounds are summed once per window. */
        uint32_t d = m->kids[0]->docid;
        if (d > m->win_last || m->win_last == 0) {
            if (it_block_last(it, &m->win_last) < 0) {
                rc = PL_ECORRUPT;
                break;
            }
            m->win_bound = and_bound(it);
        }
        if (m->win_bound > m->floor) {
            /* A document that cannot beat the floor is dropped here, not
             * handed to the caller (which would drop it by the same
             * bound): most candidates of a dense AND, once the top k
             * fills. */
            if (!m->all_terms)
                break;
            double bound = 0;
            for (size_t i = 0; i < m->n; i++)
                bound += term_doc_bound((term_it *)m->kids[i]);
            if (bound > m->floor)
                break;
            if (d >= PL_DOC_END - 1) {
                rc = 0;
                break;
            }
            target = d + 1;
            continue;
        }
        if (m->win_last >= PL_DOC_END - 1) {
            rc = 0;
            break;
        }
        target = m->win_last + 1;
    }
    it->docid = rc == 1 ? m->kids[0]->docid : PL_DOC_END;
    return rc;
}

static int and_next(pl_it *it)
{
    if (it->docid == PL_DOC_END)
        return 0;
    return and_seek(it, it->docid + 1);
}

static double and_score(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    double s = 0;
    for (size_t i = 0; i < m->n; i++)
        s += m->kids[i]->vt->score(m->kids[i]);
    return s;
}

static double and_bound(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    double s = 0;
    for (size_t i = 0; i < m->n; i++)
        s += m->kids[i]->vt->bound(m->kids[i]);
    return s;
}

static uint32_t and_mentions(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    uint32_t s = 0;
    for (size_t i = 0; i < m->n; i++)
        s += m->kids[i]->vt->mentions(m->kids[i]);
    return s;
}

static void multi_explain(pl_it *it, pl_buf *b, int depth)
{
    multi_it *m = (multi_it *)it;
    if (it->docid != m->x->explain_doc)
        return;
    indent(b, depth);
    pl_buf_printf(b, "%.4f %s\n", it->vt->score(it), m->label);
    for (size_t i = 0; i < m->n; i++)
        m->kids[i]->vt->explain(m->kids[i], b, depth + 1);
}

static const pl_it_vt and_vt = {and_next,     and_seek,      and_score, and_bound,
                                and_mentions, multi_explain, multi_free};

/* ---- PHRASE and NEAR ------------------------------------------------------------- */
static int has_pos(const uint32_t *p, size_t n, uint32_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && p[lo] == v;
}

/* Counts phrase (or NEAR) occurrences in the current document. */
static int positions_match(multi_it *m, uint32_t *freq)
{
    const uint32_t *pos[PL_QUERY_MAX_TERMS];
    size_t np[PL_QUERY_MAX_TERMS];
    *freq = 0;
    for (size_t i = 0; i < m->n; i++) {
        term_it *t = (term_it *)m->order[i];
        if (t->base.vt != &term_vt)
            return 0;
        int prc = pl_postings_positions(t->p, &pos[i], &np[i]);
        if (prc == PL_ENOMEM)
            return pl_error_set(m->x->err, PL_ENOMEM, "query: out of memory");
        if (prc != PL_OK)
            return pl_error_set(m->x->err, PL_ECORRUPT, "positions of '%s' do not decode", t->term);
        if (np[i] == 0)
            return 0;
    }
    if (m->op == PL_Q_PHRASE) {
        for (size_t j = 0; j < np[0]; j++) {
            uint32_t p0 = pos[0][j];
            if (!(m->fields & (1u << PL_POS_FIELD(p0))))
                continue;
            int ok = 1;
            for (size_t i = 1; i < m->n && ok; i++) {
                uint32_t want = p0 + m->offs[i];
                ok = PL_POS_FIELD(want) == PL_POS_FIELD(p0) && has_pos(pos[i], np[i], want);
            }
            *freq += (uint32_t)ok;
        }
        return PL_OK;
    }
    /* NEAR: slide a window over the k position lists (k-way merge): a
     * match is a window holding one position of each kid, within one
     * field, spanning at most near * (k - 1) positions, no two kids on the
     * same position (`rust NEAR/1 rust` needs two occurrences; a word and
     * a part of the same compound share a position and are one word).
     * The distinctness test is O(k^2) per window; k is a handful. */
    size_t at[PL_QUERY_MAX_TERMS] = {0};
    uint32_t limit = m->near * (uint32_t)(m->n - 1);
    for (;;) {
        size_t lo = 0;
        uint32_t mn = UINT32_MAX, mx = 0;
        int distinct = 1;
        for (size_t i = 0; i < m->n; i++) {
            uint32_t v = pos[i][at[i]];
            if (v < mn) {
                mn = v;
                lo = i;
            }
            if (v > mx)
                mx = v;
            for (size_t j = 0; j < i && distinct; j++)
                distinct = pos[j][at[j]] != v;
        }
        if (distinct && mx - mn <= limit && PL_POS_FIELD(mn) == PL_POS_FIELD(mx) &&
            (m->fields & (1u << PL_POS_FIELD(mn))))
            (*freq)++;
        if (++at[lo] == np[lo])
            break;
    }
    return PL_OK;
}

static int phrase_seek(pl_it *it, uint32_t target)
{
    multi_it *m = (multi_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid >= target && it->docid != 0)
        return 1;
    for (;;) {
        int rc = m->all_terms ? terms_leapfrog(m->kids, m->n, target, m->floor)
                              : leapfrog(m->kids, m->n, target);
        if (rc <= 0) {
            it->docid = PL_DOC_END;
            return rc;
        }
        uint32_t d = m->kids[0]->docid;
        if (m->floor > -HUGE_VAL &&
            (pl_it_doc_bound(it) <= m->floor || and_score(it) <= m->floor)) {
            target = d + 1;
            continue;
        }
        rc = positions_match(m, &m->freq);
        if (rc < 0) {
            it->docid = PL_DOC_END;
            return rc;
        }
        if (m->freq) {
            it->docid = d;
            return 1;
        }
        target = d + 1;
    }
}

static int phrase_next(pl_it *it)
{
    if (it->docid == PL_DOC_END)
        return 0;
    return phrase_seek(it, it->docid + 1);
}

static uint32_t phrase_mentions(pl_it *it)
{
    return ((multi_it *)it)->freq;
}

static const pl_it_vt phrase_vt = {phrase_next,     phrase_seek,   and_score, and_bound,
                                   phrase_mentions, multi_explain, multi_free};

/* ---- OR and SYN ------------------------------------------------------------------ */
static void or_settle(multi_it *m)
{
    uint32_t d = PL_DOC_END;
    for (size_t i = 0; i < m->n; i++)
        if (m->kids[i]->docid < d)
            d = m->kids[i]->docid;
    m->base.docid = d;
}

static int or_seek(pl_it *it, uint32_t target)
{
    multi_it *m = (multi_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid >= target && it->docid != 0)
        return 1;
    for (size_t i = 0; i < m->n; i++) {
        pl_it *k = m->kids[i];
        if (k->docid < target || k->docid == 0) {
            int rc = k->vt->seek(k, target);
            if (rc < 0)
                return rc;
        }
    }
    or_settle(m);
    return it->docid != PL_DOC_END;
}

static int or_next(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid == 0)
        return or_seek(it, 1);
    uint32_t d = it->docid;
    for (size_t i = 0; i < m->n; i++) {
        pl_it *k = m->kids[i];
        if (k->docid == d) {
            int rc = k->vt->next(k);
            if (rc < 0)
                return rc;
        }
    }
    or_settle(m);
    return it->docid != PL_DOC_END;
}

/* A synonym group scores as its best member, the word as typed (kid 0)
 * at full weight and the other members at syn_weight: a record that says
 * what the user typed is better evidence than one that says an expansion
 * (`memory management` should not rank a record for its "LSF/MM" first).
 * An OR adds its kids.  Folds kid i's score (or bound) v into s; the same
 * rule for both keeps every bound above its score. */
static double or_fold(const multi_it *m, size_t i, double v, double s)
{
    if (m->op != PL_Q_SYN)
        return s + v;
    if (i > 0)
        v *= m->x->rp->syn_weight;
    return v > s ? v : s;
}

static double or_score(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    double s = 0;
    for (size_t i = 0; i < m->n; i++) {
        pl_it *k = m->kids[i];
        if (k->docid != it->docid)
            continue;
        s = or_fold(m, i, k->vt->score(k), s);
    }
    return s;
}

static double or_bound(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    double s = 0;
    for (size_t i = 0; i < m->n; i++) {
        pl_it *k = m->kids[i];
        if (k->docid != it->docid)
            continue;
        s = or_fold(m, i, k->vt->bound(k), s);
    }
    return s;
}

static uint32_t or_mentions(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    uint32_t s = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->kids[i]->docid == it->docid)
            s += m->kids[i]->vt->mentions(m->kids[i]);
    return s;
}

static const pl_it_vt or_vt = {or_next,     or_seek,       or_score,  or_bound,
                               or_mentions, multi_explain, multi_free};

/* ---- AND_NOT ----------------------------------------------------------------------- */
static int andnot_settle(multi_it *m, int rc)
{
    pl_it *l = m->kids[0], *r = m->kids[1];
    for (;;) {
        if (rc <= 0) {
            m->base.docid = PL_DOC_END;
            return rc;
        }
        if (r->docid < l->docid || r->docid == 0) {
            int rr = r->vt->seek(r, l->docid);
            if (rr < 0)
                return rr;
        }
        if (r->docid != l->docid) {
            m->base.docid = l->docid;
            return 1;
        }
        rc = l->vt->next(l);
    }
}

static int andnot_next(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    return andnot_settle(m, m->kids[0]->vt->next(m->kids[0]));
}

static int andnot_seek(pl_it *it, uint32_t target)
{
    multi_it *m = (multi_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid >= target && it->docid != 0)
        return 1;
    return andnot_settle(m, m->kids[0]->vt->seek(m->kids[0], target));
}

static double andnot_score(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    return m->kids[0]->vt->score(m->kids[0]);
}

static double andnot_bound(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    return m->kids[0]->vt->bound(m->kids[0]);
}

static uint32_t andnot_mentions(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    return m->kids[0]->vt->mentions(m->kids[0]);
}

static void andnot_explain(pl_it *it, pl_buf *b, int depth)
{
    multi_it *m = (multi_it *)it;
    m->kids[0]->vt->explain(m->kids[0], b, depth);
}

static const pl_it_vt andnot_vt = {andnot_next,     andnot_seek,    andnot_score, andnot_bound,
                                   andnot_mentions, andnot_explain, multi_free};

/* ---- FILTER / ALL: docid walk over docmeta ------------------------------------------- */
typedef struct filter_it {
    pl_it base;
    pl_exec *x;
    uint32_t max;
    const pl_qnode *n; /* NULL: every live document */
    uint8_t *track_ok; /* per track id, for track filters */
    size_t n_tracks;
} filter_it;

static int filter_ok(filter_it *f, uint32_t d)
{
    const pl_docmeta *dm = pl_snap_docmeta(f->x->snap, d);
    if (!dm || dm->year == 0 || (dm->flags & PL_DOC_DELETED))
        return 0;
    const pl_qnode *n = f->n;
    if (!n)
        return 1;
    switch (n->filter) {
    case PL_QF_KIND: return dm->kind == n->kind;
    case PL_QF_YEAR:
        return (!n->year_from || dm->year >= n->year_from) &&
               (!n->year_to || dm->year <= n->year_to);
    case PL_QF_TRACK: return dm->track && dm->track <= f->n_tracks && f->track_ok[dm->track];
    }
    return 0;
}

static int filter_seek(pl_it *it, uint32_t target)
{
    filter_it *f = (filter_it *)it;
    if (it->docid == PL_DOC_END)
        return 0;
    if (it->docid >= target && it->docid != 0)
        return 1;
    for (uint32_t d = target ? target : 1; d <= f->max; d++) {
        if (filter_ok(f, d)) {
            it->docid = d;
            return 1;
        }
    }
    it->docid = PL_DOC_END;
    return 0;
}

static int filter_next(pl_it *it)
{
    if (it->docid == PL_DOC_END)
        return 0;
    return filter_seek(it, it->docid + 1);
}

static void filter_free(pl_it *it)
{
    filter_it *f = (filter_it *)it;
    pl_free(f->track_ok);
    pl_free(f);
}

static const pl_it_vt filter_vt = {filter_next,   filter_seek, zero_score, zero_score,
                                   zero_mentions, no_explain,  filter_free};

/* Case-insensitive substring: track:"real-time" finds "Real-time MC". */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return n == 0;
}

static int filter_new(pl_exec *x, const pl_qnode *n, pl_it **out)
{
    filter_it *f = pl_calloc(1, sizeof *f);
    if (!f)
        return pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
    f->base.vt = &filter_vt;
    f->x = x;
    f->n = n;
    f->max = pl_snap_max_docid(x->snap);
    f->base.cost = f->max;
    if (n && n->filter == PL_QF_TRACK) {
        f->n_tracks = pl_snap_track_count(x->snap);
        f->track_ok = pl_calloc(f->n_tracks + 1, 1);
        if (!f->track_ok) {
            pl_free(f);
            return pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
        }
        for (size_t i = 1; i <= f->n_tracks; i++) {
            const char *name = pl_snap_track_name(x->snap, (uint16_t)i);
            f->track_ok[i] = name && contains_ci(name, n->track);
        }
    }
    *out = &f->base;
    return PL_OK;
}

/* ---- PREFIX expansion -------------------------------------------------------------- */
typedef struct pfx_term {
    char term[PL_MAX_TERM + 1];
    size_t len;
    uint32_t df;
} pfx_term;

typedef struct pfx_collect {
    pfx_term *t;
    size_t n, cap;
    size_t visited;
} pfx_collect;

/* Keeps the PL_PREFIX_MAX_TERMS distinct terms of highest df; visits at most
 * 100000 surfaces so a two-letter prefix on a huge vocabulary stays bounded. */
static int pfx_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                  uint32_t df)
{
    (void)surface, (void)n;
    pfx_collect *c = ctx;
    if (++c->visited > 100000)
        return 1;
    if (term_n > PL_MAX_TERM)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->t[i].len == term_n && !memcmp(c->t[i].term, term, term_n)) {
            if (df > c->t[i].df)
                c->t[i].df = df;
            return 0;
        }
    size_t slot = c->n;
    if (c->n == c->cap) {
        slot = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->t[i].df < c->t[slot].df)
                slot = i;
        if (c->t[slot].df >= df)
            return 0;
    } else {
        c->n++;
    }
    memcpy(c->t[slot].term, term, term_n);
    c->t[slot].term[term_n] = '\0';
    c->t[slot].len = term_n;
    c->t[slot].df = df;
    return 0;
}

static int build(pl_exec *x, const pl_qnode *n, unsigned pflags, pl_it **out);

static int multi_new(pl_exec *x, int op, size_t k, multi_it **out)
{
    multi_it *m = pl_calloc(1, sizeof *m);
    if (m)
        m->kids = pl_calloc(k ? k : 1, sizeof *m->kids);
    if (!m || !m->kids) {
        pl_free(m);
        return pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
    }
    m->x = x;
    m->op = op;
    m->floor = -HUGE_VAL;
    *out = m;
    return PL_OK;
}

static void prefix_free(pl_it *it);
static const pl_it_vt prefix_vt = {or_next,     or_seek,       or_score,   or_bound,
                                   or_mentions, multi_explain, prefix_free};

static int prefix_new(pl_exec *x, const pl_qnode *n, pl_it **out)
{
    pfx_collect c = {0};
    c.cap = PL_PREFIX_MAX_TERMS;
    c.t = pl_calloc(c.cap, sizeof *c.t);
    if (!c.t)
        return pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
    int rc = pl_snap_surfaces_prefix(x->snap, n->term, n->term_len, pfx_cb, &c, x->err);
    if (rc < 0 && rc != PL_ENOTFOUND)
        goto done;
    rc = PL_OK;
    if (c.n == 0) {
        rc = empty_new(x, out);
        goto done;
    }
    multi_it *m = NULL;
    rc = multi_new(x, PL_Q_SYN, c.n, &m);
    if (rc != PL_OK)
        goto done;
    m->base.vt = &prefix_vt;
    m->label = "prefix";
    /* term strings must outlive the iterators: keep them in the node's
     * copy below */
    m->order = pl_calloc(c.n, sizeof(char *));
    if (!m->order) {
        pl_it_free(&m->base);
        rc = pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
        goto done;
    }
    char **names = (char **)m->order;
    for (size_t i = 0; i < c.n && rc == PL_OK; i++) {
        names[i] = pl_strndup(c.t[i].term, c.t[i].len);
        if (!names[i]) {
            rc = pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
            break;
        }
        rc = term_new(x, names[i], c.t[i].len, n->fields, 0, 1, &m->kids[i]);
        if (rc == PL_OK) {
            m->n++;
            if (m->kids[i]->max_score > m->base.max_score)
                m->base.max_score = m->kids[i]->max_score;
            m->base.cost += m->kids[i]->cost;
        } else {
            pl_free(names[i]);
            names[i] = NULL;
        }
    }
    m->near = (uint32_t)c.n; /* number of owned names */
    if (rc != PL_OK) {
        pl_it_free(&m->base);
        goto done;
    }
    *out = &m->base;
done:
    pl_free(c.t);
    return rc;
}

static void prefix_free(pl_it *it)
{
    multi_it *m = (multi_it *)it;
    char **names = (char **)m->order;
    for (size_t i = 0; i < m->n; i++)
        pl_it_free(m->kids[i]);
    for (size_t i = 0; names && i < m->near; i++)
        pl_free(names[i]);
    pl_free(m->kids);
    pl_free(m->order);
    pl_free(m);
}

/* ---- building ------------------------------------------------------------------------ */
static int build_op(pl_exec *x, const pl_qnode *n, unsigned pflags, pl_it **out)
{
    *out = NULL;
    int rc;
    switch (n->op) {
    case PL_Q_TERM:
        return term_new(x, n->term, n->term_len, n->fields, pflags, n->boost > 0 ? n->boost : 1,
                        out);
    case PL_Q_PREFIX: return prefix_new(x, n, out);
    case PL_Q_FILTER: return filter_new(x, n, out);
    case PL_Q_ALL: return filter_new(x, NULL, out);
    default: break;
    }
    multi_it *m = NULL;
    rc = multi_new(x, n->op, n->n_kids, &m);
    if (rc != PL_OK)
        return rc;
    int positional = n->op == PL_Q_PHRASE || n->op == PL_Q_NEAR;
    for (size_t i = 0; i < n->n_kids; i++) {
        rc = build(x, n->kids[i], positional ? PL_POSTINGS_POSITIONS : 0, &m->kids[i]);
        if (rc != PL_OK)
            goto fail;
        m->n++;
    }
    switch (n->op) {
    case PL_Q_AND:
        m->base.vt = &and_vt;
        m->label = "AND";
        break;
    case PL_Q_OR:
    case PL_Q_SYN:
        m->base.vt = &or_vt;
        m->label = n->op == PL_Q_OR ? "OR" : "SYN";
        break;
    case PL_Q_AND_NOT:
        m->base.vt = &andnot_vt;
        m->label = "AND_NOT";
        break;
    case PL_Q_PHRASE:
    case PL_Q_NEAR:
        m->base.vt = &phrase_vt;
        m->label = n->op == PL_Q_PHRASE ? "PHRASE" : "NEAR";
        m->offs = n->offs;
        m->near = n->near;
        m->fields = n->fields;
        m->order = pl_calloc(m->n, sizeof *m->order);
        if (!m->order) {
            rc = pl_error_set(x->err, PL_ENOMEM, "query: out of memory");
            goto fail;
        }
        memcpy(m->order, m->kids, m->n * sizeof *m->kids);
        break;
    }
    /* An AND (or phrase) of something absent is absent: one empty kid
     * makes the node empty, without reading the other lists. */
    int any_empty = 0, all_empty = 1;
    for (size_t i = 0; i < m->n; i++) {
        int e = m->kids[i]->vt == &empty_vt;
        any_empty |= e;
        all_empty &= e;
    }
    if ((n->op == PL_Q_AND || positional)
            ? any_empty
            : (n->op == PL_Q_AND_NOT ? m->kids[0]->vt == &empty_vt : all_empty)) {
        multi_free(&m->base);
        return empty_new(x, out);
    }
    double sum = 0, mx = 0;
    uint64_t mincost = UINT64_MAX, sumcost = 0;
    for (size_t i = 0; i < m->n; i++) {
        sum += m->kids[i]->max_score;
        if (m->kids[i]->max_score > mx)
            mx = m->kids[i]->max_score;
        if (m->kids[i]->cost < mincost)
            mincost = m->kids[i]->cost;
        sumcost += m->kids[i]->cost;
    }
    switch (n->op) {
    case PL_Q_AND:
    case PL_Q_PHRASE:
    case PL_Q_NEAR:
        m->base.max_score = sum;
        m->base.cost = mincost;
        qsort(m->kids, m->n, sizeof *m->kids, cmp_cost);
        m->all_terms = 1;
        for (size_t i = 0; i < m->n; i++)
            m->all_terms &= m->kids[i]->vt == &term_vt;
        break;
    case PL_Q_OR:
        m->base.max_score = sum;
        m->base.cost = sumcost;
        break;
    case PL_Q_SYN:
        m->base.max_score = mx;
        m->base.cost = sumcost;
        break;
    case PL_Q_AND_NOT:
        m->base.max_score = m->kids[0]->max_score;
        m->base.cost = m->kids[0]->cost;
        break;
    }
    *out = &m->base;
    return PL_OK;
fail:
    multi_free(&m->base);
    return rc;
}

int pl_exec_init(pl_exec *x, pl_snap *snap, const pl_rank_params *rp, pl_error *err)
{
    memset(x, 0, sizeof *x);
    x->snap = snap;
    x->rp = rp ? rp : &pl_rank_default;
    x->err = err;
    x->n_docs = pl_snap_doc_count(snap);
    if (x->n_docs < 1)
        x->n_docs = 1;
    for (int f = 0; f < PL_NFIELDS; f++)
        x->avg[f] = pl_snap_avg_len(snap, f);
    x->lq = pl_snap_len_codes(snap);
    x->max_docid = pl_snap_max_docid(snap);
    return PL_OK;
}

/* build_op, remembering the iterator of x->coord_node */
static int build(pl_exec *x, const pl_qnode *n, unsigned pflags, pl_it **out)
{
    int rc = build_op(x, n, pflags, out);
    if (rc == PL_OK && n == x->coord_node)
        x->coord_it = *out;
    return rc;
}

int pl_exec_build(pl_exec *x, const pl_qnode *n, pl_it **out)
{
    return build(x, n, 0, out);
}

int pl_it_is_empty(const pl_it *it)
{
    return it->vt == &empty_vt;
}

unsigned pl_it_or_matched(pl_it *it)
{
    if (it->vt != &or_vt && it->vt != &prefix_vt)
        return it->docid != PL_DOC_END;
    multi_it *m = (multi_it *)it;
    unsigned k = 0;
    for (size_t i = 0; i < m->n; i++)
        k += m->kids[i]->docid == it->docid;
    return k;
}

/* Floors from the top-k threshold: a document scoring at most `floor` in
 * total is useless.  A term steps over blocks whose bound is under it, an
 * AND over runs where the sum of its kids' block bounds is, a phrase skips
 * position checks; a kid of an AND needs more than floor minus the best
 * its siblings can add.  The small slack keeps rounding in that
 * subtraction from ever dropping a document that ties.  Other nodes are
 * left alone (an OR kid can win without its own score). */
void pl_it_set_floor(pl_it *it, double floor)
{
    double f = floor - 1e-9 * (fabs(floor) + 1);
    if (it->vt == &phrase_vt) {
        ((multi_it *)it)->floor = f;
        return;
    }
    if (it->vt == &term_vt) {
        /* scores are positive: a floor at or below 0 skips nothing and
         * would only cost a block check per document */
        if (f > 0)
            ((term_it *)it)->floor = f;
        return;
    }
    if (it->vt != &and_vt)
        return;
    multi_it *m = (multi_it *)it;
    m->floor = f;
    double sum = 0;
    for (size_t i = 0; i < m->n; i++)
        sum += m->kids[i]->max_score;
    for (size_t i = 0; i < m->n; i++)
        pl_it_set_floor(m->kids[i], floor - (sum - m->kids[i]->max_score));
}
