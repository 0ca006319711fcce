/*
 * trends.c — topic series per year, two-year comparisons, rising/falling
 * and co-occurring terms, bursts.
 *
 * Costs: one pass over the docmeta array (O(max docid), in memory) fixes
 * the years and the per-year totals; each topic is one
 * pl_query_foreach_match (the cost of evaluating the query, without
 * scoring); top documents are one pl_search per (topic, year) with a
 * match, limited to top_k hits.  Term shifts walk the postings of the whole
 * vocabulary once: O(total postings), a few milliseconds on the bundled
 * archive; terms with df < min_docs are skipped before their postings are
 * opened.
 */
#include "trends.h"

#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void pl_trend_opts_init(pl_trend_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = -1;
    o->top_k = 3;
    o->level = 0.95;
    o->burst_s = 2;
    o->burst_gamma = 1;
    o->limit = 20;
    o->min_docs = 3;
    o->alpha0 = 1000;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- filters and years ------------------------------------------------------------ */

typedef struct filt {
    int from, to, kind;
    int track_set;     /* a track filter was given */
    uint16_t track_id; /* 0 when the named track does not exist: nothing passes */
} filt;

typedef struct years {
    int ymin;
    size_t span;
    int32_t *idx; /* year - ymin -> index in totals, -1 when absent */
    pl_trend_total *totals;
    size_t n;
} years;

static int check_opts(const pl_trend_opts *o, pl_error *err)
{
    if (!(o->level > 0 && o->level < 1))
        return pl_error_set(err, PL_EUSAGE, "trends: confidence level must be in (0, 1)");
    if (o->kind < -1 || o->kind >= PL_KIND_COUNT)
        return pl_error_set(err, PL_EUSAGE, "trends: unknown kind %d", o->kind);
    if (o->top_k > PL_TRENDS_MAX_TOP)
        return pl_error_set(err, PL_EUSAGE, "trends: at most %d top documents per point",
                            PL_TRENDS_MAX_TOP);
    if (o->year_from && o->year_to && o->year_from > o->year_to)
        return pl_error_set(err, PL_EUSAGE, "trends: year range %d..%d is empty", o->year_from,
                            o->year_to);
    if (!(o->alpha0 > 0))
        return pl_error_set(err, PL_EUSAGE, "trends: alpha0 must be positive");
    return PL_OK;
}

static void filt_init(pl_snap *snap, const pl_trend_opts *o, filt *f)
{
    f->from = o->year_from;
    f->to = o->year_to;
    f->kind = o->kind;
    f->track_set = o->track && *o->track;
    f->track_id = 0;
    if (f->track_set) {
        size_t nt = pl_snap_track_count(snap);
        for (size_t i = 1; i <= nt && i <= UINT16_MAX; i++)
            if (strcmp(pl_snap_track_name(snap, (uint16_t)i), o->track) == 0) {
                f->track_id = (uint16_t)i;
                break;
            }
    }
}

static int in_years(const filt *f, int year)
{
    return (!f->from || year >= f->from) && (!f->to || year <= f->to);
}

/* Live, in the year range, of the kind and track asked for. */
static int passes(const filt *f, const pl_docmeta *m)
{
    if (!m || !m->year || (m->flags & PL_DOC_DELETED) || !in_years(f, m->year))
        return 0;
    if (f->kind >= 0 && m->kind != f->kind)
        return 0;
    if (f->track_set && (!f->track_id || m->track != f->track_id))
        return 0;
    return 1;
}

static uint64_t doc_tokens(const pl_docmeta *m)
{
    uint64_t t = 0;
    for (int i = 0; i < PL_NFIELDS; i++)
        t += m->len[i];
    return t;
}

static void years_free(years *y)
{
    pl_free(y->idx);
    pl_free(y->totals);
    memset(y, 0, sizeof *y);
}

/* The years of the index (live documents within the year range, whatever
 * their kind or track, so a filter never hides a year), with the totals of
 * the documents passing every filter.  Two passes over docmeta. */
static int years_build(pl_snap *snap, const filt *f, years *y, pl_error *err)
{
    memset(y, 0, sizeof *y);
    uint32_t maxd = pl_snap_max_docid(snap);
    int lo = INT32_MAX, hi = 0;
    for (uint32_t d = 1; d <= maxd; d++) {
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        if (!m || !m->year || (m->flags & PL_DOC_DELETED) || !in_years(f, m->year))
            continue;
        if (m->year < lo)
            lo = m->year;
        if (m->year > hi)
            hi = m->year;
    }
    if (hi == 0)
        return PL_OK; /* no year at all: an empty index or range */
    y->ymin = lo;
    y->span = (size_t)(hi - lo) + 1;
    y->idx = pl_malloc(y->span * sizeof *y->idx);
    y->totals = pl_calloc(y->span, sizeof *y->totals);
    if (!y->idx || !y->totals)
        goto oom;
    for (size_t i = 0; i < y->span; i++)
        y->idx[i] = -1;
    for (uint32_t d = 1; d <= maxd; d++) {
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        if (!m || !m->year || (m->flags & PL_DOC_DELETED) || !in_years(f, m->year))
            continue;
        y->idx[m->year - lo] = 0;
    }
    for (size_t i = 0; i < y->span; i++)
        if (y->idx[i] == 0) {
            y->idx[i] = (int32_t)y->n;
            y->totals[y->n++].year = lo + (int)i;
        }
    for (uint32_t d = 1; d <= maxd; d++) {
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        if (!passes(f, m))
            continue;
        pl_trend_total *t = &y->totals[y->idx[m->year - lo]];
        t->docs++;
        t->tokens += doc_tokens(m);
    }
    return PL_OK;
oom:
    years_free(y);
    return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
}

static int year_index(const years *y, int year)
{
    if (!y->span || year < y->ymin || (size_t)(year - y->ymin) >= y->span)
        return -1;
    return y->idx[year - y->ymin];
}

/* ---- counting one topic --------------------------------------------------------- */

typedef struct match_pair {
    uint32_t docid, mentions;
} match_pair;

typedef struct count_ctx {
    pl_snap *snap;
    const filt *f;
    const years *y;
    uint32_t *docs;     /* per year index */
    uint64_t *mentions; /* per year index */
    pl_buf pairs;       /* match_pair, ascending docid, when keep_pairs */
    int keep_pairs;
    uint8_t *mark; /* when non-NULL: mark[docid] |= mark_bit for matches */
    uint8_t mark_bit;
} count_ctx;

static int count_cb(void *ctx, uint32_t docid, uint32_t mentions)
{
    count_ctx *c = ctx;
    const pl_docmeta *m = pl_snap_docmeta(c->snap, docid);
    if (!passes(c->f, m))
        return 0;
    int yi = year_index(c->y, m->year);
    if (yi < 0)
        return 0;
    if (c->docs) {
        c->docs[yi]++;
        c->mentions[yi] += mentions;
    }
    if (c->mark)
        c->mark[docid] |= c->mark_bit;
    if (c->keep_pairs) {
        match_pair p = {docid, mentions};
        pl_buf_put(&c->pairs, &p, sizeof p);
    }
    return 0;
}

static uint32_t pair_mentions(const pl_buf *pairs, uint32_t docid)
{
    const match_pair *p = (const match_pair *)(const void *)pairs->p;
    size_t lo = 0, hi = pairs->n / sizeof *p;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].docid < docid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pairs->n / sizeof *p && p[lo].docid == docid ? p[lo].mentions : 0;
}

static int parse_topic(pl_qctx *q, const char *topic, pl_query **query, pl_error *err)
{
    pl_error e = {0};
    int rc = pl_query_parse(q, topic, strlen(topic), query, &e);
    if (rc != PL_OK)
        return pl_error_set(err, rc, "topic \"%s\": %s", topic, e.msg);
    return PL_OK;
}

static void trend_doc_clear(pl_trend_doc *d)
{
    pl_free(d->id);
    pl_free(d->title);
    pl_free(d->track);
    pl_free(d->snippet);
    pl_free(d->snippet_html);
}

static int top_docs(pl_qctx *q, pl_snap *snap, const char *topic, const pl_trend_opts *o,
                    const pl_buf *pairs, pl_trend_point *pt, pl_error *err)
{
    pl_search_opts so = {0};
    so.q = topic;
    so.q_len = strlen(topic);
    so.limit = o->top_k;
    so.sort = PL_SORT_RELEVANCE;
    so.year_from = so.year_to = pt->year;
    so.kind = o->kind;
    so.track = o->track && *o->track ? o->track : NULL;
    so.flags = PL_SEARCH_NO_FACETS | PL_SEARCH_NO_SUGGEST;
    pl_results *r = NULL;
    int rc = pl_search(q, snap, &so, &r, err);
    if (rc != PL_OK)
        return rc;
    if (r->n_hits) {
        pt->top = pl_calloc(r->n_hits, sizeof *pt->top);
        if (!pt->top) {
            pl_results_free(r);
            return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        }
    }
    for (size_t i = 0; i < r->n_hits; i++) {
        const pl_hit *h = &r->hits[i];
        pl_trend_doc *d = &pt->top[pt->n_top++];
        d->docid = h->docid;
        d->score = h->score;
        d->mentions = pair_mentions(pairs, h->docid);
        if (h->doc) {
            d->id = pl_strdup(h->doc->rec.id ? h->doc->rec.id : "");
            d->title = pl_strdup(h->doc->rec.title ? h->doc->rec.title : "");
            d->track = pl_strdup(h->doc->rec.track ? h->doc->rec.track : "");
            d->kind = h->doc->rec.kind;
        } else {
            d->id = pl_strdup("");
            d->title = pl_strdup("");
            d->track = pl_strdup("");
        }
        d->snippet = pl_strdup(h->snippet_text ? h->snippet_text : "");
        d->snippet_html = pl_strdup(h->snippet_html ? h->snippet_html : "");
        if (!d->id || !d->title || !d->track || !d->snippet || !d->snippet_html) {
            pl_results_free(r);
            return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        }
    }
    pl_results_free(r);
    return PL_OK;
}

static void fill_point(pl_trend_point *pt, const pl_trend_total *t, uint32_t docs,
                       uint64_t mentions, double level)
{
    pt->year = t->year;
    pt->docs = docs;
    pt->docs_total = t->docs;
    pt->mentions = mentions;
    pt->tokens_total = t->tokens;
    pt->low_count = docs < PL_TREND_LOW_DOCS || mentions < PL_TREND_LOW_MENTIONS;
    if (!t->docs) {
        /* Nothing of this kind or track that year: 0 of 0 is no
         * measurement, and a 0 % (or Wilson's [0, 1]) would be drawn as a
         * dip.  NaN becomes null in every output shape. */
        pt->no_docs = 1;
        pt->share = pt->share_lo = pt->share_hi = NAN;
        pt->per_1k = pt->per_1k_lo = pt->per_1k_hi = NAN;
        return;
    }
    pt->share = (double)docs / t->docs;
    pl_stat_wilson(docs, t->docs, level, &pt->share_lo, &pt->share_hi);
    double lo, hi;
    pl_stat_poisson_exact(mentions, level, &lo, &hi);
    if (t->tokens) {
        double k = 1000.0 / (double)t->tokens;
        pt->per_1k = (double)mentions * k;
        pt->per_1k_lo = lo * k;
        pt->per_1k_hi = hi * k;
    } else {
        pt->per_1k = pt->per_1k_lo = 0;
        pt->per_1k_hi = HUGE_VAL; /* no exposure: no information */
    }
}

static void series_clear(pl_trend_series *s)
{
    pl_free(s->topic);
    pl_free(s->query_desc);
    for (size_t i = 0; i < s->n_points; i++) {
        for (size_t j = 0; j < s->points[i].n_top; j++)
            trend_doc_clear(&s->points[i].top[j]);
        pl_free(s->points[i].top);
    }
    pl_free(s->points);
    pl_free(s->bursts);
}

void pl_trends_free(pl_trends *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_series; i++)
        series_clear(&t->series[i]);
    pl_free(t->series);
    pl_free(t->totals);
    pl_free(t->track);
    pl_free(t->analyzer_version);
    pl_free(t->index_built);
    pl_free(t);
}

static char *dup_or_null(const char *s)
{
    return s ? pl_strdup(s) : NULL;
}

static int one_series(pl_qctx *q, pl_snap *snap, const char *topic, const pl_trend_opts *o,
                      const filt *f, const years *y, pl_trend_series *s, pl_error *err)
{
    pl_query *query = NULL;
    count_ctx c = {0};
    uint64_t *r = NULL, *d = NULL;
    pl_burst *b = NULL;
    size_t nb = 0;
    int rc = parse_topic(q, topic, &query, err);
    if (rc != PL_OK)
        return rc;
    s->topic = pl_strdup(topic);
    s->query_desc = pl_query_describe(query);
    s->points = y->n ? pl_calloc(y->n, sizeof *s->points) : NULL;
    c.docs = pl_calloc(y->n + 1, sizeof *c.docs);
    c.mentions = pl_calloc(y->n + 1, sizeof *c.mentions);
    r = pl_calloc(y->n + 1, sizeof *r);
    d = pl_calloc(y->n + 1, sizeof *d);
    if (!s->topic || !s->query_desc || (y->n && !s->points) || !c.docs || !c.mentions || !r || !d) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto fail;
    }
    s->n_points = y->n;
    c.snap = snap;
    c.f = f;
    c.y = y;
    c.keep_pairs = o->top_k > 0;
    rc = pl_query_foreach_match(q, snap, query, count_cb, &c, err);
    if (rc != PL_OK)
        goto fail;
    if (c.pairs.oom) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < y->n; i++) {
        fill_point(&s->points[i], &y->totals[i], c.docs[i], c.mentions[i], o->level);
        r[i] = c.docs[i];
        d[i] = y->totals[i].docs;
        if (o->top_k && c.docs[i]) {
            rc = top_docs(q, snap, topic, o, &c.pairs, &s->points[i], err);
            if (rc != PL_OK)
                goto fail;
        }
    }
    rc = pl_burst_detect(r, d, y->n, o->burst_s, o->burst_gamma, &b, &nb, err);
    if (rc != PL_OK)
        goto fail;
    if (nb) {
        s->bursts = pl_calloc(nb, sizeof *s->bursts);
        if (!s->bursts) {
            rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
            goto fail;
        }
        for (size_t i = 0; i < nb; i++) {
            s->bursts[i].start = y->totals[b[i].start].year;
            s->bursts[i].end = y->totals[b[i].end].year;
            s->bursts[i].weight = b[i].weight;
        }
        s->n_bursts = nb;
    }
    rc = PL_OK;
fail:
    pl_free(b);
    pl_free(r);
    pl_free(d);
    pl_free(c.docs);
    pl_free(c.mentions);
    pl_buf_free(&c.pairs);
    pl_query_free(query);
    return rc;
}

int pl_trends_compute(pl_qctx *q, pl_snap *snap, const char *const *topics, size_t n_topics,
                      const pl_trend_opts *o, pl_trends **out, pl_error *err)
{
    *out = NULL;
    pl_trend_opts def;
    if (!o) {
        pl_trend_opts_init(&def);
        o = &def;
    }
    if (n_topics == 0 || n_topics > PL_TRENDS_MAX_TOPICS)
        return pl_error_set(err, PL_EUSAGE, "trends: give 1 to %d topics", PL_TRENDS_MAX_TOPICS);
    int rc = check_opts(o, err);
    if (rc != PL_OK)
        return rc;
    double t0 = now_ms();
    years y = {0};
    filt f;
    filt_init(snap, o, &f);
    pl_trends *t = pl_calloc(1, sizeof *t);
    if (!t)
        return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
    t->opts = *o;
    t->opts.track = NULL;
    if (f.track_set && !(t->track = pl_strdup(o->track)))
        goto oom;
    t->analyzer_version = dup_or_null(pl_snap_meta(snap, "analyzer_version"));
    t->index_built = dup_or_null(pl_snap_meta(snap, "built_at"));
    rc = years_build(snap, &f, &y, err);
    if (rc != PL_OK)
        goto fail;
    t->series = pl_calloc(n_topics, sizeof *t->series);
    if (!t->series)
        goto oom;
    for (size_t i = 0; i < n_topics; i++) {
        t->n_series = i + 1;
        rc = one_series(q, snap, topics[i], o, &f, &y, &t->series[i], err);
        if (rc != PL_OK)
            goto fail;
    }
    t->totals = y.totals;
    t->n_years = y.n;
    y.totals = NULL;
    years_free(&y);
    t->took_ms = now_ms() - t0;
    *out = t;
    return PL_OK;
oom:
    rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
fail:
    years_free(&y);
    pl_trends_free(t);
    return rc;
}

/* ---- compare two years ---------------------------------------------------------- */

void pl_trend_compare_free(pl_trend_compare *c)
{
    if (!c)
        return;
    pl_free(c->topic);
    pl_free(c->query_desc);
    pl_free(c);
}

int pl_trends_compare(pl_qctx *q, pl_snap *snap, const char *topic, int year_a, int year_b,
                      const pl_trend_opts *o, pl_trend_compare **out, pl_error *err)
{
    *out = NULL;
    pl_trend_opts oo;
    if (o)
        oo = *o;
    else
        pl_trend_opts_init(&oo);
    oo.top_k = 0;
    oo.year_from = oo.year_to = 0; /* the two years are the range */
    int rc = check_opts(&oo, err);
    if (rc != PL_OK)
        return rc;
    const char *topics[] = {topic};
    pl_trends *t = NULL;
    rc = pl_trends_compute(q, snap, topics, 1, &oo, &t, err);
    if (rc != PL_OK)
        return rc;
    const pl_trend_point *pa = NULL, *pb = NULL;
    for (size_t i = 0; i < t->n_years; i++) {
        if (t->totals[i].year == year_a)
            pa = &t->series[0].points[i];
        if (t->totals[i].year == year_b)
            pb = &t->series[0].points[i];
    }
    if (!pa || !pb) {
        rc = pl_error_set(err, PL_ENOTFOUND, "compare: the index has no document from %d",
                          pa ? year_b : year_a);
        pl_trends_free(t);
        return rc;
    }
    if (pa->no_docs || pb->no_docs) {
        /* 0 of 0 has no share: a difference against it would be the
         * meaningless [-1, +1]. */
        rc = pl_error_set(err, PL_ENOTFOUND, "compare: no document from %d passes the filters",
                          pa->no_docs ? year_a : year_b);
        pl_trends_free(t);
        return rc;
    }
    pl_trend_compare *c = pl_calloc(1, sizeof *c);
    if (!c || !(c->topic = pl_strdup(topic)) ||
        !(c->query_desc = pl_strdup(t->series[0].query_desc))) {
        pl_trend_compare_free(c);
        pl_trends_free(t);
        return pl_error_set(err, PL_ENOMEM, "compare: out of memory");
    }
    c->year_a = year_a;
    c->year_b = year_b;
    c->level = oo.level;
    c->docs_a = pa->docs;
    c->total_a = pa->docs_total;
    c->share_a = pa->share;
    c->share_a_lo = pa->share_lo;
    c->share_a_hi = pa->share_hi;
    c->docs_b = pb->docs;
    c->total_b = pb->docs_total;
    c->share_b = pb->share;
    c->share_b_lo = pb->share_lo;
    c->share_b_hi = pb->share_hi;
    c->diff = pl_stat_newcombe_diff(pb->docs, pb->docs_total, pa->docs, pa->docs_total, oo.level,
                                    &c->diff_lo, &c->diff_hi);
    pl_trends_free(t);
    *out = c;
    return PL_OK;
}

/* ---- term shifts ------------------------------------------------------------------ */

enum { IN_BG = 1, IN_G1 = 2, IN_G2 = 4 };

typedef struct term_list {
    pl_buf names; /* NUL-terminated terms back to back */
    size_t n;
    uint32_t min_df;
} term_list;

static int collect_term(void *ctx, const char *term, size_t n, const pl_terminfo *ti)
{
    term_list *l = ctx;
    if (ti && ti->df < l->min_df)
        return 0;
    pl_buf_put(&l->names, term, n);
    pl_buf_putc(&l->names, '\0');
    l->n++;
    return l->names.oom ? -1 : 0;
}

typedef struct term_count {
    const char *term;
    uint64_t y1, y2, yb;
    uint32_t d1, d2;
    double delta, z;
} term_count;

static int cmp_z_desc(const void *a, const void *b)
{
    const term_count *x = *(const term_count *const *)a, *y = *(const term_count *const *)b;
    if (x->z != y->z)
        return x->z < y->z ? 1 : -1;
    return strcmp(x->term, y->term);
}

void pl_term_shift_free(pl_term_shift *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_up; i++) {
        pl_free(s->up[i].term);
        pl_free(s->up[i].display);
    }
    for (size_t i = 0; i < s->n_down; i++) {
        pl_free(s->down[i].term);
        pl_free(s->down[i].display);
    }
    pl_free(s->up);
    pl_free(s->down);
    pl_free(s->topic);
    pl_free(s->query_desc);
    pl_free(s);
}

static int fill_score(pl_snap *snap, const term_count *tc, pl_term_score *sc, pl_error *err)
{
    char disp[4 * PL_MAX_TERM + 1];
    pl_error e = {0};
    if (pl_snap_term_display(snap, tc->term, strlen(tc->term), disp, sizeof disp, &e) != PL_OK)
        snprintf(disp, sizeof disp, "%s", tc->term);
    sc->term = pl_strdup(tc->term);
    sc->display = pl_strdup(disp);
    sc->count_1 = tc->y1;
    sc->count_2 = tc->y2;
    sc->docs_1 = tc->d1;
    sc->docs_2 = tc->d2;
    sc->delta = tc->delta;
    sc->z = tc->z;
    if (!sc->term || !sc->display)
        return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
    return PL_OK;
}

/* Terms left out of rising/falling and co-occurrence lists (they are still
 * counted in the totals): numbers, single letters, and English
 * function words beyond the analyzer's short stopword list and the common
 * pieces of URLs, which on an
 * archive of a few hundred documents otherwise crowd the top of both lists
 * ("our", "you", "will").  Stems, as the analyzer produces them. */
static int contrast_ignored(const char *t)
{
    static const char *const words[] = {
        "about",
        "abov",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "ani",
        "anoth",
        "around",
        "becaus",
        "been",
        "befor",
        "being",
        "below",
        "between",
        "both",
        "can",
        "could",
        "did",
        "do",
        "doe",
        "down",
        "dure",
        "each",
        "etc",
        "even",
        "ever",
        "everi",
        "few",
        "first",
        "from",
        "further",
        "get",
        "had",
        "has",
        "have",
        "her",
        "here",
        "him",
        "his",
        "how",
        "howev",
        "i",
        "its",
        "itself",
        "just",
        "last",
        "let",
        "like",
        "make",
        "mani",
        "may",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "my",
        "new",
        "next",
        "now",
        "off",
        "often",
        "onc",
        "one",
        "onli",
        "other",
        "our",
        "ourselv",
        "out",
        "over",
        "own",
        "per",
        "pleas",
        "same",
        "see",
        "she",
        "should",
        "sinc",
        "so",
        "some",
        "still",
        "such",
        "take",
        "than",
        "that",
        "them",
        "themselv",
        "there",
        "these",
        "thing",
        "those",
        "through",
        "too",
        "two",
        "under",
        "until",
        "up",
        "us",
        "use",
        "veri",
        "via",
        "want",
        "way",
        "we",
        "well",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whi",
        "will",
        "within",
        "without",
        "would",
        "year",
        "yet",
        "you",
        "your",
        "yourself",
        /* pieces of URLs and addresses */
        "com",
        "github",
        "html",
        "http",
        "https",
        "net",
        "org",
        "www",
    };
    size_t n = strlen(t);
    if (n < 2)
        return 1;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++)
        digits += (t[i] >= '0' && t[i] <= '9') || t[i] == '.';
    if (digits == n)
        return 1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(t, words[i]))
            return 1;
    return 0;
}

/* Counts every term in the three document sets of `mask`, then scores
 * and ranks.  Memory: the term names plus 40 bytes per term. */
static int term_contrast(pl_snap *snap, const uint8_t *mask, uint32_t maxd, const pl_trend_opts *o,
                         pl_term_shift *s, pl_error *err)
{
    term_list tl = {0};
    term_count *tc = NULL;
    term_count **rank = NULL;
    pl_postings *it = NULL;
    int rc;
    tl.min_df = o->min_docs;
    rc = pl_snap_terms_prefix(snap, "", 0, collect_term, &tl, err);
    if (rc < 0 || tl.names.oom) {
        rc = tl.names.oom ? pl_error_set(err, PL_ENOMEM, "trends: out of memory") : rc;
        goto fail;
    }
    tc = pl_calloc(tl.n + 1, sizeof *tc);
    rank = pl_calloc(tl.n + 1, sizeof *rank);
    if (!tc || !rank) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto fail;
    }
    uint64_t n1 = 0, n2 = 0, nb = 0;
    const char *name = tl.names.p;
    for (size_t i = 0; i < tl.n; i++) {
        size_t len = strlen(name);
        tc[i].term = name;
        name += len + 1;
        rc = pl_postings_open(snap, tc[i].term, len, 0, &it, err);
        if (rc == PL_ENOTFOUND)
            continue;
        if (rc != PL_OK)
            goto fail;
        while ((rc = pl_postings_next(it)) == 1) {
            uint32_t d = pl_postings_docid(it);
            if (d > maxd || !mask[d])
                continue;
            uint32_t tf[PL_NFIELDS];
            pl_postings_tf(it, tf);
            uint64_t k = (uint64_t)tf[PL_FIELD_TITLE] + tf[PL_FIELD_BODY];
            if (!k)
                continue;
            if (mask[d] & IN_BG)
                tc[i].yb += k;
            if (mask[d] & IN_G1) {
                tc[i].y1 += k;
                tc[i].d1++;
            }
            if (mask[d] & IN_G2) {
                tc[i].y2 += k;
                tc[i].d2++;
            }
        }
        pl_postings_free(it);
        it = NULL;
        if (rc < 0) {
            rc = pl_error_set(err, PL_ECORRUPT, "trends: postings of \"%s\" do not decode",
                              tc[i].term);
            goto fail;
        }
        n1 += tc[i].y1;
        n2 += tc[i].y2;
        nb += tc[i].yb;
    }
    s->tokens_1 = n1;
    s->tokens_2 = n2;
    size_t nr = 0;
    for (size_t i = 0; i < tl.n; i++) {
        if (tc[i].d1 + tc[i].d2 < o->min_docs || !tc[i].yb || contrast_ignored(tc[i].term))
            continue;
        if (pl_stat_log_odds(tc[i].y1, n1, tc[i].y2, n2, tc[i].yb, nb, o->alpha0, &tc[i].delta,
                             &tc[i].z) != PL_OK)
            continue;
        rank[nr++] = &tc[i];
    }
    qsort(rank, nr, sizeof *rank, cmp_z_desc);
    size_t lim = s->limit; /* per list: up to lim rising and lim falling */
    size_t nu = 0, nd = 0;
    while (nu < lim && nu < nr && rank[nu]->z > 0)
        nu++;
    while (nd < lim && nd < nr && rank[nr - 1 - nd]->z < 0)
        nd++;
    s->up = nu ? pl_calloc(nu, sizeof *s->up) : NULL;
    s->down = nd ? pl_calloc(nd, sizeof *s->down) : NULL;
    if ((nu && !s->up) || (nd && !s->down)) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nu; i++) {
        s->n_up = i + 1;
        if ((rc = fill_score(snap, rank[i], &s->up[i], err)) != PL_OK)
            goto fail;
    }
    for (size_t i = 0; i < nd; i++) {
        s->n_down = i + 1;
        if ((rc = fill_score(snap, rank[nr - 1 - i], &s->down[i], err)) != PL_OK)
            goto fail;
    }
    rc = PL_OK;
fail:
    pl_postings_free(it);
    pl_free(rank);
    pl_free(tc);
    pl_buf_free(&tl.names);
    return rc;
}

static int shift_new(const pl_trend_opts *o, pl_term_shift **out, pl_error *err)
{
    *out = pl_calloc(1, sizeof **out);
    if (!*out)
        return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
    (*out)->alpha0 = o->alpha0;
    (*out)->min_docs = o->min_docs;
    (*out)->limit = o->limit ? o->limit : 20;
    return PL_OK;
}

int pl_trends_rising(pl_qctx *q, pl_snap *snap, int year_a, int year_b, const pl_trend_opts *o,
                     pl_term_shift **out, pl_error *err)
{
    (void)q;
    *out = NULL;
    pl_trend_opts oo;
    if (o)
        oo = *o;
    else
        pl_trend_opts_init(&oo);
    oo.year_from = oo.year_to = 0;
    int rc = check_opts(&oo, err);
    if (rc != PL_OK)
        return rc;
    if (year_a == year_b)
        return pl_error_set(err, PL_EUSAGE, "rising: give two different years");
    filt f;
    filt_init(snap, &oo, &f);
    uint32_t maxd = pl_snap_max_docid(snap);
    uint8_t *mask = pl_calloc((size_t)maxd + 1, 1);
    pl_term_shift *s = NULL;
    if (!mask)
        return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
    if ((rc = shift_new(&oo, &s, err)) != PL_OK)
        goto fail;
    s->year_a = year_a;
    s->year_b = year_b;
    for (uint32_t d = 1; d <= maxd; d++) {
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        if (!passes(&f, m))
            continue;
        mask[d] = IN_BG;
        if (m->year == year_b) {
            mask[d] |= IN_G1;
            s->docs_1++;
        } else if (m->year == year_a) {
            mask[d] |= IN_G2;
            s->docs_2++;
        }
    }
    if (!s->docs_1 || !s->docs_2) {
        rc = pl_error_set(err, PL_ENOTFOUND, "rising: no document from %d passes the filters",
                          s->docs_1 ? year_a : year_b);
        goto fail;
    }
    rc = term_contrast(snap, mask, maxd, &oo, s, err);
    if (rc != PL_OK)
        goto fail;
    pl_free(mask);
    *out = s;
    return PL_OK;
fail:
    pl_free(mask);
    pl_term_shift_free(s);
    return rc;
}

int pl_trends_cooccur(pl_qctx *q, pl_snap *snap, const char *topic, int year,
                      const pl_trend_opts *o, pl_term_shift **out, pl_error *err)
{
    *out = NULL;
    pl_trend_opts oo;
    if (o)
        oo = *o;
    else
        pl_trend_opts_init(&oo);
    oo.year_from = oo.year_to = year;
    int rc = check_opts(&oo, err);
    if (rc != PL_OK)
        return rc;
    filt f;
    filt_init(snap, &oo, &f);
    uint32_t maxd = pl_snap_max_docid(snap);
    pl_query *query = NULL;
    pl_term_shift *s = NULL;
    years y = {0};
    uint8_t *mask = pl_calloc((size_t)maxd + 1, 1);
    if (!mask)
        return pl_error_set(err, PL_ENOMEM, "trends: out of memory");
    if ((rc = shift_new(&oo, &s, err)) != PL_OK)
        goto fail;
    s->year_a = s->year_b = year;
    if ((rc = parse_topic(q, topic, &query, err)) != PL_OK)
        goto fail;
    s->topic = pl_strdup(topic);
    s->query_desc = pl_query_describe(query);
    if (!s->topic || !s->query_desc) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto fail;
    }
    if ((rc = years_build(snap, &f, &y, err)) != PL_OK)
        goto fail;
    count_ctx c = {0};
    c.snap = snap;
    c.f = &f;
    c.y = &y;
    c.mark = mask;
    c.mark_bit = IN_G1;
    if ((rc = pl_query_foreach_match(q, snap, query, count_cb, &c, err)) != PL_OK)
        goto fail;
    for (uint32_t d = 1; d <= maxd; d++) {
        if (!passes(&f, pl_snap_docmeta(snap, d))) {
            mask[d] = 0;
            continue;
        }
        mask[d] |= IN_BG;
        if (mask[d] & IN_G1)
            s->docs_1++;
        else {
            mask[d] |= IN_G2;
            s->docs_2++;
        }
    }
    /* The contrast is the topic's documents against the rest of the year:
     * with either side empty every term gets the same log-odds on both
     * sides and the lists would be rounding noise. */
    if (!s->docs_1 && !s->docs_2) {
        rc = pl_error_set(err, PL_ENOTFOUND, "cooccur: no document from %d passes the filters",
                          year);
        goto fail;
    }
    if (!s->docs_1) {
        rc = pl_error_set(err, PL_ENOTFOUND, "cooccur: no document of %d matches \"%s\"", year,
                          topic);
        goto fail;
    }
    if (!s->docs_2) {
        rc = pl_error_set(err, PL_EUSAGE,
                          "cooccur: \"%s\" matches all %u documents of %d, so there is nothing "
                          "to contrast it with; choose a narrower topic",
                          topic, s->docs_1, year);
        goto fail;
    }
    rc = term_contrast(snap, mask, maxd, &oo, s, err);
    if (rc != PL_OK)
        goto fail;
    years_free(&y);
    pl_query_free(query);
    pl_free(mask);
    *out = s;
    return PL_OK;
fail:
    years_free(&y);
    pl_query_free(query);
    pl_free(mask);
    pl_term_shift_free(s);
    return rc;
}
