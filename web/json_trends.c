/*
 * json_trends.c — trends in every output shape: the API's nested JSON,
 * flat rows for Grafana and Vega-Lite, RFC 4180 CSV, and the JSON of
 * comparisons and term shifts.  The shapes are documented in
 * docs/trends.md; names here are the contract with the page, the server
 * and dashboards.
 *
 * Building never fails half-way silently: any allocation failure anywhere
 * in a tree makes the whole function return NULL.
 */
#include "web.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t pl_year_epoch_ms(int year)
{
    return days_from_civil(year, 1, 1) * 86400000LL;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *pair(double lo, double hi)
{
    json_t *a = json_array();
    if (!a || json_array_append_new(a, num(lo)) || json_array_append_new(a, num(hi))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* Sets key to v (taking the reference); remembers a failure in *bad. */
static void put(json_t *o, const char *key, json_t *v, int *bad)
{
    if (!v || json_object_set_new(o, key, v))
        *bad = 1;
}

static void append(json_t *a, json_t *v, int *bad)
{
    if (!v || json_array_append_new(a, v))
        *bad = 1;
}

static json_t *meta(const pl_trends *t)
{
    int bad = 0;
    json_t *m = json_object(), *ci = json_object(), *f = json_object(), *b = json_object();
    if (!m || !ci || !f || !b) {
        json_decref(m);
        json_decref(ci);
        json_decref(f);
        json_decref(b);
        return NULL;
    }
    put(m, "unit", json_string("year"), &bad);
    put(ci, "method", json_string("wilson"), &bad);
    put(ci, "per_1k_method", json_string("exact-poisson-garwood"), &bad);
    put(ci, "level", json_real(t->opts.level), &bad);
    put(m, "ci", ci, &bad);
    char rule[64];
    snprintf(rule, sizeof rule, "docs < %d or mentions < %d", PL_TREND_LOW_DOCS,
             PL_TREND_LOW_MENTIONS);
    put(m, "low_count_rule", json_string(rule), &bad);
    put(f, "kind",
        t->opts.kind >= 0 ? json_string(pl_kind_name((pl_kind)t->opts.kind)) : json_null(), &bad);
    put(f, "track", t->track ? pl_json_str(t->track) : json_null(), &bad);
    put(f, "from", t->opts.year_from ? json_integer(t->opts.year_from) : json_null(), &bad);
    put(f, "to", t->opts.year_to ? json_integer(t->opts.year_to) : json_null(), &bad);
    put(m, "filters", f, &bad);
    put(b, "model", json_string("kleinberg-2-state-binomial"), &bad);
    put(b, "s", json_real(t->opts.burst_s), &bad);
    put(b, "gamma", json_real(t->opts.burst_gamma), &bad);
    put(m, "bursts", b, &bad);
    put(m, "analyzer_version", t->analyzer_version ? pl_json_str(t->analyzer_version) : json_null(),
        &bad);
    put(m, "index_built", t->index_built ? pl_json_str(t->index_built) : json_null(), &bad);
    put(m, "took_ms", json_real(t->took_ms), &bad);
    json_t *w = json_array();
    for (size_t i = 0; w && i < t->n_warnings; i++)
        append(w, pl_json_str(t->warnings[i]), &bad);
    put(m, "warnings", w, &bad);
    if (bad) {
        json_decref(m);
        return NULL;
    }
    return m;
}

static json_t *top_doc(const pl_trend_doc *d)
{
    int bad = 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "id", pl_json_str(d->id), &bad);
    put(o, "title", pl_json_str(d->title), &bad);
    put(o, "kind", json_string(pl_kind_name((pl_kind)d->kind)), &bad);
    put(o, "track", pl_json_str(d->track), &bad);
    put(o, "score", num(d->score), &bad);
    put(o, "mentions", json_integer(d->mentions), &bad);
    put(o, "snippet", pl_json_str(d->snippet), &bad);
    put(o, "snippet_html", pl_json_str(d->snippet_html), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The fields a point shares across the nested and flat shapes. */
static void point_fields(json_t *o, const pl_trend_point *p, int flat, int *bad)
{
    put(o, "docs", json_integer(p->docs), bad);
    put(o, "docs_total", json_integer(p->docs_total), bad);
    put(o, "share", num(p->share), bad);
    if (flat) {
        put(o, "share_lo", num(p->share_lo), bad);
        put(o, "share_hi", num(p->share_hi), bad);
    } else {
        put(o, "share_ci", pair(p->share_lo, p->share_hi), bad);
    }
    put(o, "mentions", json_integer((json_int_t)p->mentions), bad);
    put(o, "tokens_total", json_integer((json_int_t)p->tokens_total), bad);
    put(o, "per_1k", num(p->per_1k), bad);
    if (flat) {
        put(o, "per_1k_lo", num(p->per_1k_lo), bad);
        put(o, "per_1k_hi", num(p->per_1k_hi), bad);
    } else {
        put(o, "per_1k_ci", pair(p->per_1k_lo, p->per_1k_hi), bad);
    }
    put(o, "low_count", json_boolean(p->low_count), bad);
    /* Always present, so a client tests one boolean instead of nulls. */
    put(o, "no_docs", json_boolean(p->no_docs), bad);
}

static json_t *burst(const char *topic, const pl_trend_burst *b)
{
    int bad = 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "topic", pl_json_str(topic), &bad);
    put(o, "start", json_integer(b->start), &bad);
    put(o, "end", json_integer(b->end), &bad);
    put(o, "weight", num(b->weight), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *pl_json_trends(const pl_trends *t)
{
    int bad = 0;
    json_t *root = json_object(), *totals = json_array(), *series = json_array();
    if (!root || !totals || !series) {
        json_decref(root);
        json_decref(totals);
        json_decref(series);
        return NULL;
    }
    put(root, "meta", meta(t), &bad);
    for (size_t i = 0; i < t->n_years && !bad; i++) {
        json_t *o = json_object();
        if (!o) {
            bad = 1;
            break;
        }
        put(o, "year", json_integer(t->totals[i].year), &bad);
        put(o, "docs", json_integer(t->totals[i].docs), &bad);
        put(o, "tokens", json_integer((json_int_t)t->totals[i].tokens), &bad);
        append(totals, o, &bad);
    }
    put(root, "totals", totals, &bad);
    for (size_t i = 0; i < t->n_series && !bad; i++) {
        const pl_trend_series *s = &t->series[i];
        json_t *so = json_object(), *points = json_array(), *bursts = json_array();
        if (!so || !points || !bursts) {
            json_decref(so);
            json_decref(points);
            json_decref(bursts);
            bad = 1;
            break;
        }
        put(so, "topic", pl_json_str(s->topic), &bad);
        put(so, "query", pl_json_str(s->query_desc), &bad);
        for (size_t j = 0; j < s->n_points && !bad; j++) {
            const pl_trend_point *p = &s->points[j];
            json_t *po = json_object(), *top = json_array();
            if (!po || !top) {
                json_decref(po);
                json_decref(top);
                bad = 1;
                break;
            }
            put(po, "year", json_integer(p->year), &bad);
            point_fields(po, p, 0, &bad);
            for (size_t k = 0; k < p->n_top && !bad; k++)
                append(top, top_doc(&p->top[k]), &bad);
            put(po, "top", top, &bad);
            append(points, po, &bad);
        }
        put(so, "points", points, &bad);
        for (size_t j = 0; j < s->n_bursts && !bad; j++)
            append(bursts, burst(s->topic, &s->bursts[j]), &bad);
        put(so, "bursts", bursts, &bad);
        append(series, so, &bad);
    }
    put(root, "series", series, &bad);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Flat rows; grafana: time in epoch ms, else year as a string. */
static json_t *flat_rows(const pl_trends *t, int grafana)
{
    int bad = 0;
    json_t *rows = json_array();
    if (!rows)
        return NULL;
    for (size_t i = 0; i < t->n_series && !bad; i++) {
        const pl_trend_series *s = &t->series[i];
        for (size_t j = 0; j < s->n_points && !bad; j++) {
            const pl_trend_point *p = &s->points[j];
            json_t *o = json_object();
            if (!o) {
                bad = 1;
                break;
            }
            if (grafana) {
                put(o, "time", json_integer(pl_year_epoch_ms(p->year)), &bad);
                put(o, "year", json_integer(p->year), &bad);
            } else {
                char y[16];
                snprintf(y, sizeof y, "%d", p->year);
                put(o, "year", json_string(y), &bad);
            }
            put(o, "topic", pl_json_str(s->topic), &bad);
            point_fields(o, p, 1, &bad);
            int in_burst = 0;
            for (size_t k = 0; k < s->n_bursts; k++)
                if (p->year >= s->bursts[k].start && p->year <= s->bursts[k].end)
                    in_burst = 1;
            put(o, "burst", json_boolean(in_burst), &bad);
            append(rows, o, &bad);
        }
    }
    if (bad) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

json_t *pl_json_trends_grafana(const pl_trends *t)
{
    return flat_rows(t, 1);
}

json_t *pl_json_trends_vega(const pl_trends *t)
{
    return flat_rows(t, 0);
}

static json_t *share_side(int year, uint32_t docs, uint32_t total, double share, double lo,
                          double hi)
{
    int bad = 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "year", json_integer(year), &bad);
    put(o, "docs", json_integer(docs), &bad);
    put(o, "docs_total", json_integer(total), &bad);
    put(o, "share", num(share), &bad);
    put(o, "share_ci", pair(lo, hi), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *pl_json_trend_compare(const pl_trend_compare *c)
{
    int bad = 0;
    json_t *o = json_object(), *ci = json_object();
    if (!o || !ci) {
        json_decref(o);
        json_decref(ci);
        return NULL;
    }
    put(ci, "method", json_string("newcombe-hybrid-score"), &bad);
    put(ci, "share_method", json_string("wilson"), &bad);
    put(ci, "level", json_real(c->level), &bad);
    put(o, "ci", ci, &bad);
    put(o, "topic", pl_json_str(c->topic), &bad);
    put(o, "query", pl_json_str(c->query_desc), &bad);
    put(o, "a",
        share_side(c->year_a, c->docs_a, c->total_a, c->share_a, c->share_a_lo, c->share_a_hi),
        &bad);
    put(o, "b",
        share_side(c->year_b, c->docs_b, c->total_b, c->share_b, c->share_b_lo, c->share_b_hi),
        &bad);
    put(o, "diff", num(c->diff), &bad);
    put(o, "diff_ci", pair(c->diff_lo, c->diff_hi), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *term_list(const pl_term_score *sc, size_t n)
{
    int bad = 0;
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (size_t i = 0; i < n && !bad; i++) {
        json_t *o = json_object();
        if (!o) {
            bad = 1;
            break;
        }
        put(o, "term", pl_json_str(sc[i].term), &bad);
        put(o, "display", pl_json_str(sc[i].display), &bad);
        put(o, "count_1", json_integer((json_int_t)sc[i].count_1), &bad);
        put(o, "count_2", json_integer((json_int_t)sc[i].count_2), &bad);
        put(o, "docs_1", json_integer(sc[i].docs_1), &bad);
        put(o, "docs_2", json_integer(sc[i].docs_2), &bad);
        put(o, "delta", num(sc[i].delta), &bad);
        put(o, "z", num(sc[i].z), &bad);
        append(a, o, &bad);
    }
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *pl_json_term_shift(const pl_term_shift *s, const char *mode)
{
    int cooccur = mode && strcmp(mode, "cooccur") == 0;
    int bad = 0;
    json_t *o = json_object(), *m = json_object(), *g = json_object();
    if (!o || !m || !g) {
        json_decref(o);
        json_decref(m);
        json_decref(g);
        return NULL;
    }
    put(m, "mode", json_string(cooccur ? "cooccur" : "rising"), &bad);
    put(m, "method", json_string("log-odds-informative-dirichlet-prior"), &bad);
    put(m, "alpha0", num(s->alpha0), &bad);
    put(m, "min_docs", json_integer(s->min_docs), &bad);
    put(m, "limit", json_integer(s->limit), &bad);
    put(m, "counts",
        json_string("occurrences of words in title and body: a compound once, as a whole; "
                    "links, addresses and stopwords not counted"),
        &bad);
    put(o, "meta", m, &bad);
    if (cooccur) {
        put(o, "year", json_integer(s->year_a), &bad);
        put(o, "topic", pl_json_str(s->topic), &bad);
        put(o, "query", pl_json_str(s->query_desc), &bad);
    } else {
        put(o, "year_a", json_integer(s->year_a), &bad);
        put(o, "year_b", json_integer(s->year_b), &bad);
    }
    /* Group 1 is what a positive z favours. */
    put(g, "docs_1", json_integer(s->docs_1), &bad);
    put(g, "docs_2", json_integer(s->docs_2), &bad);
    put(g, "tokens_1", json_integer((json_int_t)s->tokens_1), &bad);
    put(g, "tokens_2", json_integer((json_int_t)s->tokens_2), &bad);
    put(g, "group_1", json_string(cooccur ? "topic documents" : "year_b"), &bad);
    put(g, "group_2", json_string(cooccur ? "other documents of the year" : "year_a"), &bad);
    put(o, "groups", g, &bad);
    put(o, cooccur ? "associated" : "rising", term_list(s->up, s->n_up), &bad);
    put(o, cooccur ? "dissociated" : "falling", term_list(s->down, s->n_down), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- CSV ------------------------------------------------------------------------ */

void pl_csv_put_field(pl_buf *out, const char *s)
{
    if (!s)
        s = "";
    /* OWASP "CSV injection": these leading characters start a formula in
     * common spreadsheets; a leading apostrophe makes the cell text. */
    int guard =
        s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        pl_buf_putc(out, '"');
    if (guard)
        pl_buf_putc(out, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            pl_buf_putc(out, '"');
        pl_buf_putc(out, *p);
    }
    if (quote)
        pl_buf_putc(out, '"');
}

static void csv_num(pl_buf *out, double v)
{
    pl_buf_putc(out, ',');
    if (isfinite(v))
        pl_buf_printf(out, "%.*g", PL_TRENDS_REAL_DIGITS, v);
}

int pl_trends_csv(const pl_trends *t, pl_buf *out)
{
    pl_buf_puts(out, "topic,query,year,docs,docs_total,share,share_lo,share_hi,mentions,"
                     "tokens_total,per_1k,per_1k_lo,per_1k_hi,low_count\r\n");
    for (size_t i = 0; i < t->n_series; i++) {
        const pl_trend_series *s = &t->series[i];
        for (size_t j = 0; j < s->n_points; j++) {
            const pl_trend_point *p = &s->points[j];
            pl_csv_put_field(out, s->topic);
            pl_buf_putc(out, ',');
            pl_csv_put_field(out, s->query_desc);
            pl_buf_printf(out, ",%d,%u,%u", p->year, p->docs, p->docs_total);
            csv_num(out, p->share);
            csv_num(out, p->share_lo);
            csv_num(out, p->share_hi);
            pl_buf_printf(out, ",%llu,%llu", (unsigned long long)p->mentions,
                          (unsigned long long)p->tokens_total);
            csv_num(out, p->per_1k);
            csv_num(out, p->per_1k_lo);
            csv_num(out, p->per_1k_hi);
            pl_buf_puts(out, p->low_count ? ",1\r\n" : ",0\r\n");
        }
    }
    return out->oom ? PL_ENOMEM : PL_OK;
}
