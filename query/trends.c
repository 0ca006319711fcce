/*
 * trends.c — topic series per year, two-year comparisons, rising/falling
 * and co-occurring terms, bursts.
 *
 * Costs: one pass over the docmeta array (O(max docid), in memory) fixes
 * the years and the per-year totals; each topic is one
 * pl_query_foreach_match (the cost of evaluating the query, without
 * scoring); top documents are one pl_search per (topic, year) with a
 * match, limited to top_k hits.  Term shifts decode and analyse the title
 * and body of every document they compare: O(that text), about 5 ms for
 * the 144 KB of the bundled archive (see "term shifts" below for why the
 * postings cannot answer).
 */
#include "trends.h"

#include "stats.h"
#include "words.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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
    uint16_t track_id; /* the named track (filt_init fails when it does not exist) */
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

/* A track that is not in the index is an error naming it, in every trends
 * function alike: a misspelt track would otherwise give all-empty years (or
 * a "no document from 2024" that hides the real cause).  O(tracks). */
static int filt_init(pl_snap *snap, const pl_trend_opts *o, filt *f, pl_error *err)
{
    f->from = o->year_from;
    f->to = o->year_to;
    f->kind = o->kind;
    f->track_set = o->track && *o->track;
    f->track_id = 0;
    if (!f->track_set)
        return PL_OK;
    size_t nt = pl_snap_track_count(snap);
    for (size_t i = 1; i <= nt && i <= UINT16_MAX; i++)
        if (strcmp(pl_snap_track_name(snap, (uint16_t)i), o->track) == 0) {
            f->track_id = (uint16_t)i;
            return PL_OK;
        }
    return pl_error_set(err, PL_ENOTFOUND,
                        "track \"%.200s\" is not in the index (track names are exact; "
                        "GET /api/stats lists them)",
                        o->track);
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
    if (f->track_set && m->track != f->track_id)
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
    for (size_t i = 0; i < t->n_warnings; i++)
        pl_free(t->warnings[i]);
    pl_free(t->warnings);
    pl_free(t);
}

/* Appends one warning (printf-style); PL_OK or PL_ENOMEM. */
static int add_warning(pl_trends *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_warning(pl_trends *t, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char **w = pl_realloc(t->warnings, (t->n_warnings + 1) * sizeof *w);
    if (!w)
        return PL_ENOMEM;
    t->warnings = w;
    if (!(w[t->n_warnings] = pl_strdup(msg)))
        return PL_ENOMEM;
    t->n_warnings++;
    return PL_OK;
}

/* What a reader of an empty answer needs to know, most general first:
 * no year at all in the range, no document passing the filters, or a
 * topic that matches nothing (with a hint when it holds a comma: topics
 * are separate parameters or arguments, and "bpf,rust" is one phrase).
 * O(topics x years). */
static int trend_warnings(pl_trends *t, const pl_trend_opts *o)
{
    int from = o->year_from, to = o->year_to;
    if (!t->n_years) {
        if (from && to)
            return add_warning(t, "the index has no document from %d to %d", from, to);
        if (from)
            return add_warning(t, "the index has no document from %d on", from);
        if (to)
            return add_warning(t, "the index has no document up to %d", to);
        return add_warning(t, "the index has no document");
    }
    int filtered = o->kind >= 0 || (t->track != NULL);
    uint64_t all = 0;
    for (size_t i = 0; i < t->n_years; i++)
        all += t->totals[i].docs;
    if (!all)
        return add_warning(t, "no document passes the filters (%s%s%s%s%s)",
                           o->kind >= 0 ? "kind " : "",
                           o->kind >= 0 ? pl_kind_name((pl_kind)o->kind) : "",
                           o->kind >= 0 && t->track ? ", " : "", t->track ? "track " : "",
                           t->track ? t->track : "");
    filtered |= from || to;
    for (size_t i = 0; i < t->n_series; i++) {
        const pl_trend_series *s = &t->series[i];
        uint64_t docs = 0;
        for (size_t j = 0; j < s->n_points; j++)
            docs += s->points[j].docs;
        if (docs)
            continue;
        int comma = strchr(s->topic, ',') != NULL;
        int rc = add_warning(t, "topic '%.200s' matches no documents%s%s", s->topic,
                             filtered ? " passing the filters" : "",
                             comma ? "; separate topics with repeated topic= parameters (on "
                                     "the command line: one argument per topic)"
                                   : "");
        if (rc != PL_OK)
            return rc;
    }
    return PL_OK;
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
    if ((rc = filt_init(snap, o, &f, err)) != PL_OK)
        return rc;
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
    if (trend_warnings(t, o) != PL_OK)
        goto oom;
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

/* ---- term shifts ------------------------------------------------------------------
 * The words of the documents are counted from their stored title and body,
 * analysed again with the query context's analyzer, because the postings
 * cannot tell a word from a piece of a compound or of an address: `risc`
 * occurs as a word of its own and as the first PART of every `RISC-V`,
 * `lore` only inside `lore.kernel.org`.  What counts as one occurrence:
 *  - a plain word (stemmed) or the WHOLE of a compound; never its PARTs,
 *    which are there for search (`risc` finds `RISC-V`), not words;
 *  - a compound's WHOLE under the stem of its pieces written together, so
 *    that `micro-conference` and `microconference`, or `user-space` and
 *    `userspace`, are one word (shown by its commonest spelling);
 *  - nothing from a link or an address: a whitespace-separated word with
 *    `://`, starting `www.`, with `@` before a dot (e-mail), or a dotted
 *    host followed by a path (`lore.kernel.org/bpf`), and no compound
 *    joined by `.` or `@` (host names, file names, `e.g`);
 *  - no stopword (not indexed anyway).
 * Cost: one stored-record decode and one analysis per document of the
 * background (every document passing the filters for rising, the year's
 * for co-occurring), O(their text): about 30 MB/s, 5 ms for the bundled
 * archive against under 1 ms for a walk of the postings (the server's
 * answer cache keeps repeats free); memory: the distinct words with their
 * spellings, in one arena. */

enum { IN_BG = 1, IN_G1 = 2, IN_G2 = 4 };

typedef struct surface_count {
    struct surface_count *next;
    const char *s;
    uint32_t n;
} surface_count;

typedef struct term_count {
    const char *term; /* the key: a stem, in the arena */
    uint64_t y1, y2, yb;
    uint32_t d1, d2;
    uint32_t last_doc; /* the document last counted in d1 / d2 */
    surface_count *surfaces;
    double delta, z;
} term_count;

typedef struct link_span {
    uint32_t start, end; /* byte offsets of a link word, end exclusive */
} link_span;

typedef struct contrast {
    pl_analyzer *an;
    pl_arena *arena;
    term_count *tc;
    size_t n, cap;
    uint32_t *slot; /* open addressing on the key: index + 1, 0 empty */
    size_t slots;   /* a power of two, kept above twice n */
    uint32_t doc;
    uint8_t mask;
    const link_span *links;
    size_t n_links;
    uint64_t n1, n2, nb;
    int oom;
} contrast;

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

/* The commonest spelling; a tie goes to the one sorting first, so the
 * answer does not depend on the order documents were read in. */
static const char *term_display(const term_count *tc)
{
    const surface_count *best = NULL;
    for (const surface_count *s = tc->surfaces; s; s = s->next)
        if (!best || s->n > best->n || (s->n == best->n && strcmp(s->s, best->s) < 0))
            best = s;
    return best ? best->s : tc->term;
}

static int fill_score(const term_count *tc, pl_term_score *sc, pl_error *err)
{
    sc->term = pl_strdup(tc->term);
    sc->display = pl_strdup(term_display(tc));
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

/* Words counted but never listed (beyond the function words of words.c,
 * whose stems are left out too): numbers, single letters, and the generic
 * verbs and nouns of talk abstracts ("use", "make", "year"), which on an
 * archive of a few hundred documents otherwise crowd the top of both lists
 * without saying what moved.  Stems, as the analyzer produces them. */
static int contrast_ignored(const char *t)
{
    static const char *const words[] = {
        "first", "get",  "last",  "let", "make", "new",  "next", "one",  "pleas",
        "see",   "take", "thing", "two", "use",  "want", "way",  "year",
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

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The stems of the function words, sorted for bsearch: the contrast works
 * on stems ("being" is counted under "be", "does" under "doe").  180 stem
 * calls per contrast, microseconds. */
static const char **function_stems(pl_analyzer *an, pl_arena *arena, size_t *n)
{
    const char **st = pl_arena_alloc(arena, pl_function_words_n * sizeof *st);
    *n = 0;
    if (!st)
        return NULL;
    for (size_t i = 0; i < pl_function_words_n; i++) {
        const char *w = pl_function_words[i];
        char out[PL_MAX_TERM + 1];
        if (strchr(w, '.'))
            continue; /* e.g, i.e: dotted compounds are never counted */
        size_t k = pl_analyzer_stem(an, w, strlen(w), out, sizeof out);
        if (!k)
            continue;
        if (!(st[*n] = pl_arena_strndup(arena, out, k)))
            return NULL;
        (*n)++;
    }
    qsort(st, *n, sizeof *st, cmp_cstr);
    return st;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A whitespace-separated word that is a link or an address (see above). */
static int link_word(const char *w, size_t n)
{
    while (n && (*w == '(' || *w == '<' || *w == '[' || *w == '"' || *w == '\'')) {
        w++;
        n--;
    }
    for (size_t i = 0; i + 2 < n; i++)
        if (w[i] == ':' && w[i + 1] == '/' && w[i + 2] == '/')
            return 1;
    if (n > 4 && (w[0] == 'w' || w[0] == 'W') && !memcmp(w + 1, "ww.", 3))
        return 1;
    const char *at = memchr(w, '@', n);
    if (at && at > w && memchr(at, '.', n - (size_t)(at - w)))
        return 1;
    size_t i = 0, dots = 0;
    while (i < n) {
        if (is_alnum(w[i]) || w[i] == '-')
            i++;
        else if (w[i] == '.' && i > 0 && i + 1 < n && is_alnum(w[i + 1])) {
            dots++;
            i++;
        } else
            break;
    }
    return dots && i < n && w[i] == '/';
}

/* The link words of text, in order, into spans (a pl_buf of link_span). */
static void find_links(const char *text, size_t n, pl_buf *spans)
{
    pl_buf_reset(spans);
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(text[i]))
            i++;
        size_t start = i;
        while (i < n && !is_space(text[i]))
            i++;
        if (i > start && link_word(text + start, i - start)) {
            link_span sp = {(uint32_t)start, (uint32_t)i};
            pl_buf_put(spans, &sp, sizeof sp);
        }
    }
}

static int in_link(const contrast *c, uint32_t off)
{
    size_t lo = 0, hi = c->n_links;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->links[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n_links && c->links[lo].start <= off;
}

/* A compound joined by '.' or '@' (a host, an address, a file name, e.g):
 * a joiner is a '.' next to a letter ("6.9" is a number, not a join). */
static int dotted(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '@')
            return 1;
        if (s[i] == '.' && ((i > 0 && !(s[i - 1] >= '0' && s[i - 1] <= '9')) ||
                            (i + 1 < n && !(s[i + 1] >= '0' && s[i + 1] <= '9'))))
            return 1;
    }
    return 0;
}

static term_count *contrast_term(contrast *c, const char *key, size_t kn)
{
    if (2 * (c->n + 1) > c->slots) {
        size_t slots = c->slots ? c->slots * 2 : 1024;
        uint32_t *slot = pl_calloc(slots, sizeof *slot);
        if (!slot)
            return NULL;
        for (size_t i = 0; i < c->n; i++) {
            size_t h = (size_t)pl_hash64(c->tc[i].term, strlen(c->tc[i].term)) & (slots - 1);
            while (slot[h])
                h = (h + 1) & (slots - 1);
            slot[h] = (uint32_t)i + 1;
        }
        pl_free(c->slot);
        c->slot = slot;
        c->slots = slots;
    }
    size_t h = (size_t)pl_hash64(key, kn) & (c->slots - 1);
    for (; c->slot[h]; h = (h + 1) & (c->slots - 1)) {
        term_count *e = &c->tc[c->slot[h] - 1];
        if (!strncmp(e->term, key, kn) && e->term[kn] == '\0')
            return e;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        term_count *tc = pl_realloc(c->tc, cap * sizeof *tc);
        if (!tc)
            return NULL;
        c->tc = tc;
        c->cap = cap;
    }
    term_count *e = &c->tc[c->n];
    memset(e, 0, sizeof *e);
    if (!(e->term = pl_arena_strndup(c->arena, key, kn)))
        return NULL;
    c->slot[h] = (uint32_t)++c->n;
    return e;
}

static int contrast_token(void *ctx, const pl_token *t)
{
    contrast *c = ctx;
    if ((t->flags & (PL_TOK_STOP | PL_TOK_PART)) || !t->term_len || in_link(c, t->start))
        return PL_OK;
    char key[PL_MAX_TERM + 1];
    size_t kn;
    if (t->flags & PL_TOK_WHOLE) {
        if (dotted(t->surface, t->surface_len))
            return PL_OK;
        kn = pl_analyzer_stem(c->an, t->term, t->term_len, key, sizeof key);
    } else {
        kn = t->term_len < sizeof key ? t->term_len : sizeof key - 1;
        memcpy(key, t->term, kn);
    }
    if (!kn)
        return PL_OK;
    term_count *e = contrast_term(c, key, kn);
    if (!e) {
        c->oom = 1;
        return PL_ENOMEM;
    }
    if (c->mask & IN_BG) {
        e->yb++;
        c->nb++;
    }
    if (c->mask & IN_G1) {
        e->y1++;
        c->n1++;
    }
    if (c->mask & IN_G2) {
        e->y2++;
        c->n2++;
    }
    if (e->last_doc != c->doc && (c->mask & (IN_G1 | IN_G2))) {
        e->last_doc = c->doc;
        if (c->mask & IN_G1)
            e->d1++;
        else
            e->d2++;
    }
    if (!(c->mask & IN_BG) || !t->surface_len)
        return PL_OK;
    surface_count *s = e->surfaces;
    while (s && !(strncmp(s->s, t->surface, t->surface_len) == 0 && !s->s[t->surface_len]))
        s = s->next;
    if (!s) {
        s = pl_arena_alloc(c->arena, sizeof *s);
        if (!s || !(s->s = pl_arena_strndup(c->arena, t->surface, t->surface_len))) {
            c->oom = 1;
            return PL_ENOMEM;
        }
        s->n = 0;
        s->next = e->surfaces;
        e->surfaces = s;
    }
    s->n++;
    return PL_OK;
}

/* Counts the title and body of document d into c. */
static int contrast_doc(contrast *c, pl_snap *snap, uint32_t d, pl_buf *spans, pl_error *err)
{
    const char *p;
    size_t n;
    pl_record_owned *rec = NULL;
    int rc = pl_snap_doc(snap, d, &p, &n, err);
    if (rc == PL_OK)
        rc = pl_record_from_json(p, n, &rec, err);
    if (rc != PL_OK)
        return rc;
    const char *fields[] = {rec->rec.title, rec->rec.body};
    c->doc = d;
    for (size_t f = 0; f < 2 && rc == PL_OK; f++) {
        const char *text = fields[f] ? fields[f] : "";
        size_t len = strlen(text);
        find_links(text, len, spans);
        if (spans->oom) {
            rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
            break;
        }
        c->links = (const link_span *)(const void *)spans->p;
        c->n_links = spans->n / sizeof(link_span);
        rc = pl_analyze(c->an, text, len, 0, contrast_token, c, NULL, err);
        if (rc != PL_OK && c->oom)
            rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
    }
    pl_record_owned_free(rec);
    return rc;
}

/* Counts the words of the three document sets of `mask`, then scores and
 * ranks them. */
static int term_contrast(pl_qctx *q, pl_snap *snap, const uint8_t *mask, uint32_t maxd,
                         const pl_trend_opts *o, pl_term_shift *s, pl_error *err)
{
    contrast c = {0};
    pl_buf spans = {0};
    term_count **rank = NULL;
    const char **fstems = NULL;
    size_t n_fstems = 0;
    int rc = PL_OK;
    c.an = pl_qctx_analyzer(q);
    c.arena = pl_arena_new();
    if (!c.arena || !(fstems = function_stems(c.an, c.arena, &n_fstems))) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto done;
    }
    for (uint32_t d = 1; d <= maxd; d++) {
        if (!mask[d])
            continue;
        c.mask = mask[d];
        if ((rc = contrast_doc(&c, snap, d, &spans, err)) != PL_OK)
            goto done;
    }
    s->tokens_1 = c.n1;
    s->tokens_2 = c.n2;
    rank = pl_calloc(c.n + 1, sizeof *rank);
    if (!rank) {
        rc = pl_error_set(err, PL_ENOMEM, "trends: out of memory");
        goto done;
    }
    size_t nr = 0;
    for (size_t i = 0; i < c.n; i++) {
        term_count *tc = &c.tc[i];
        if (tc->d1 + tc->d2 < o->min_docs || !tc->yb || contrast_ignored(tc->term) ||
            bsearch(&tc->term, fstems, n_fstems, sizeof *fstems, cmp_cstr))
            continue;
        if (pl_stat_log_odds(tc->y1, c.n1, tc->y2, c.n2, tc->yb, c.nb, o->alpha0, &tc->delta,
                             &tc->z) != PL_OK)
            continue;
        rank[nr++] = tc;
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
        goto done;
    }
    for (size_t i = 0; i < nu; i++) {
        s->n_up = i + 1;
        if ((rc = fill_score(rank[i], &s->up[i], err)) != PL_OK)
            goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        s->n_down = i + 1;
        if ((rc = fill_score(rank[nr - 1 - i], &s->down[i], err)) != PL_OK)
            goto done;
    }
    rc = PL_OK;
done:
    pl_free(rank);
    pl_free(c.tc);
    pl_free(c.slot);
    pl_arena_free(c.arena);
    pl_buf_free(&spans);
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
    if (year_a > year_b) /* as /api/trends: a range runs forwards */
        return pl_error_set(err, PL_EUSAGE, "rising: from (%d) is after to (%d)", year_a, year_b);
    filt f;
    if ((rc = filt_init(snap, &oo, &f, err)) != PL_OK)
        return rc;
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
    rc = term_contrast(q, snap, mask, maxd, &oo, s, err);
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
    if ((rc = filt_init(snap, &oo, &f, err)) != PL_OK)
        return rc;
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
    rc = term_contrast(q, snap, mask, maxd, &oo, s, err);
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
