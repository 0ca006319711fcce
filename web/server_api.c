/*
 * server_api.c — the endpoint handlers of the JSON API (docs/api.md).
 *
 * Each handler validates its parameters first (a bad one is a 400 that
 * names it, before any index access), then reads through one snapshot
 * taken by pl_rctx_snap and ended by the router, so every answer is
 * consistent with one index generation and a rebuild is seen by the next
 * request.
 */
#include "pl_config.h"
#include "server_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const pl_search_params[] = {"q",    "limit", "offset",  "sort", "year",
                                        "kind", "track", "explain", NULL};
const char *const pl_suggest_params[] = {"prefix", "limit", NULL};
const char *const pl_topic_repeat[] = {"topic", NULL};

#define PL_MAX_TRACK 256
#define PL_MAX_DOC_ID 256
/* The years a record and the query language (year:1900..2999) accept, so
 * that the year parameters take every year a query could name. */
#define PL_YEAR_MIN 1900
#define PL_YEAR_MAX 2999
/* plumbline trends checks its options against the same bounds. */
_Static_assert(PL_YEAR_MIN == PL_TRENDS_YEAR_MIN && PL_YEAR_MAX == PL_TRENDS_YEAR_MAX &&
                   PL_MAX_TRACK == PL_TRENDS_MAX_TRACK,
               "the API and the trends command take the same years and tracks");

/* ---- helpers -------------------------------------------------------------- */

int pl_rctx_snap(pl_rctx *x, enum MHD_Result *ret)
{
    if (x->snap)
        return 0;
    pl_error err = {0};
    if (pl_snap_begin(x->s->store, &x->snap, &err) != PL_OK) {
        x->snap = NULL;
        *ret = pl_respond_error(x, 503, "index_unavailable", "the index cannot be read: %s",
                                err.msg[0] ? err.msg : pl_status_name(err.code));
        return -1;
    }
    atomic_store_explicit(&x->s->generation, pl_snap_generation(x->snap), memory_order_relaxed);
    return 0;
}

static int rctx_qctx(pl_rctx *x, pl_qctx **q, enum MHD_Result *ret)
{
    *q = pl_server_qctx(x->s);
    if (!*q) {
        *ret = pl_respond_error(x, 503, "busy", "no query context for this thread");
        return -1;
    }
    return 0;
}

/* An unsigned decimal parameter in [min, max]; absent -> def.  Signs,
 * spaces, exponents and overflow are all a 400 naming the parameter. */
static int param_uint(pl_rctx *x, const char *name, unsigned long def, unsigned long min,
                      unsigned long max, unsigned long *out, enum MHD_Result *ret)
{
    const pl_param *p = pl_param_get(&x->params, name);
    *out = def;
    if (!p)
        return 0;
    unsigned long v = 0;
    int ok = p->vn > 0 && p->vn <= 12;
    for (size_t i = 0; ok && i < p->vn; i++) {
        if (p->v[i] < '0' || p->v[i] > '9')
            ok = 0;
        else
            v = v * 10 + (unsigned long)(p->v[i] - '0');
    }
    if (!ok || v < min || v > max) {
        *ret = pl_respond_error(x, 400, "bad_parameter",
                                "%s must be an integer from %lu to %lu, got '%.*s'", name, min, max,
                                (int)(p->vn > 40 ? 40 : p->vn), p->v);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_year(const char *p, size_t n, int *out)
{
    if (n != 4)
        return -1;
    int v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (v < PL_YEAR_MIN || v > PL_YEAR_MAX)
        return -1;
    *out = v;
    return 0;
}

/* year=2019, year=2019..2023, year=2019.. or year=..2023 */
static int param_years(pl_rctx *x, const char *name, int *from, int *to, enum MHD_Result *ret)
{
    const pl_param *p = pl_param_get(&x->params, name);
    *from = *to = 0;
    if (!p)
        return 0;
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < p->vn; i++)
        if (p->v[i] == '.' && p->v[i + 1] == '.') {
            dots = p->v + i;
            break;
        }
    int ok;
    if (!dots) {
        ok = !parse_year(p->v, p->vn, from);
        *to = *from;
    } else {
        size_t a = (size_t)(dots - p->v), b = p->vn - a - 2;
        ok = (a || b) && (!a || !parse_year(p->v, a, from)) &&
             (!b || !parse_year(dots + 2, b, to)) && (!*from || !*to || *from <= *to);
    }
    if (!ok) {
        *ret =
            pl_respond_error(x, 400, "bad_parameter",
                             "%s must be a year (2019) or a range (2019..2023, 2019.., ..2023)"
                             " of years from %d to %d, got '%.*s'",
                             name, PL_YEAR_MIN, PL_YEAR_MAX, (int)(p->vn > 40 ? 40 : p->vn), p->v);
        return -1;
    }
    return 0;
}

static int param_kind(pl_rctx *x, int *kind, enum MHD_Result *ret)
{
    const pl_param *p = pl_param_get(&x->params, "kind");
    *kind = -1;
    if (!p)
        return 0;
    pl_kind k;
    if (p->vn > 16 || pl_kind_parse(p->v, &k) != PL_OK) {
        *ret = pl_respond_error(x, 400, "bad_parameter",
                                "kind must be one of mc, talk, cfp, news, event; got '%.*s'",
                                (int)(p->vn > 40 ? 40 : p->vn), p->v);
        return -1;
    }
    *kind = (int)k;
    return 0;
}

static int param_track(pl_rctx *x, const char **track, enum MHD_Result *ret)
{
    const pl_param *p = pl_param_get(&x->params, "track");
    *track = NULL;
    if (!p)
        return 0;
    if (p->vn == 0 || p->vn > PL_MAX_TRACK) {
        *ret =
            pl_respond_error(x, 400, "bad_parameter", "track must be 1 to %d bytes", PL_MAX_TRACK);
        return -1;
    }
    *track = p->v;
    return 0;
}

/* Maps an engine error to an answer: what the client sent is a 400,
 * anything else is the server's fault. */
static enum MHD_Result engine_error(pl_rctx *x, const pl_error *err)
{
    const char *msg = err->msg[0] ? err->msg : pl_status_name(err->code);
    switch (err->code) {
    case PL_EPARSE: return pl_respond_error(x, 400, "bad_query", "%s", msg);
    case PL_ELIMIT: return pl_respond_error(x, 400, "query_too_large", "%s", msg);
    case PL_EUSAGE: return pl_respond_error(x, 400, "bad_parameter", "%s", msg);
    case PL_ENOTFOUND: return pl_respond_error(x, 404, "not_found", "%s", msg);
    case PL_ENOMEM: return pl_respond_error(x, 503, "busy", "%s", msg);
    default: return pl_respond_error(x, 500, "internal", "%s", msg);
    }
}

/* ---- endpoints ------------------------------------------------------------------ */

enum MHD_Result pl_api_healthz(pl_rctx *x)
{
    enum MHD_Result ret;
    if (pl_rctx_snap(x, &ret))
        return ret;
    json_t *o = json_pack("{s:s, s:I, s:I}", "status", "ok", "generation",
                          (json_int_t)pl_snap_generation(x->snap), "documents",
                          (json_int_t)pl_snap_doc_count(x->snap));
    return pl_respond_json(x, 200, o);
}

enum MHD_Result pl_api_metrics(pl_rctx *x)
{
    uint64_t gen = 0;
    uint32_t docs = 0;
    pl_error err = {0};
    /* The metrics answer even when the index cannot be read: that is when
     * they are wanted most. */
    if (pl_snap_begin(x->s->store, &x->snap, &err) == PL_OK) {
        gen = pl_snap_generation(x->snap);
        docs = pl_snap_doc_count(x->snap);
    } else {
        x->snap = NULL;
        gen = atomic_load_explicit(&x->s->generation, memory_order_relaxed);
    }
    size_t n = 0;
    char *text = pl_server_metrics_text(x->s, gen, docs, &n);
    if (!text)
        return pl_respond_error(x, 503, "busy", "out of memory");
    return pl_respond_text(x, 200, "text/plain; version=0.0.4; charset=utf-8", text, n);
}

enum MHD_Result pl_api_search(pl_rctx *x)
{
    enum MHD_Result ret;
    pl_search_opts o = {0};
    unsigned long limit, offset, explain;
    const pl_param *q = pl_param_get(&x->params, "q");
    if (!q)
        return pl_respond_error(x, 400, "missing_parameter", "q (the query) is required");
    if (q->vn > PL_QUERY_MAX_BYTES)
        return pl_respond_error(x, 400, "query_too_large", "q is longer than %d bytes",
                                PL_QUERY_MAX_BYTES);
    if (param_uint(x, "limit", 10, 1, PL_SEARCH_MAX_LIMIT, &limit, &ret) ||
        param_uint(x, "offset", 0, 0, PL_MAX_OFFSET, &offset, &ret) ||
        param_uint(x, "explain", 0, 0, 1, &explain, &ret) ||
        param_years(x, "year", &o.year_from, &o.year_to, &ret) || param_kind(x, &o.kind, &ret) ||
        param_track(x, &o.track, &ret))
        return ret;
    const pl_param *sort = pl_param_get(&x->params, "sort");
    o.sort = PL_SORT_RELEVANCE;
    if (sort) {
        if (sort->vn == 4 && !memcmp(sort->v, "date", 4))
            o.sort = PL_SORT_DATE;
        else if (!(sort->vn == 9 && !memcmp(sort->v, "relevance", 9)))
            return pl_respond_error(x, 400, "bad_parameter",
                                    "sort must be relevance or date, got '%.*s'",
                                    (int)(sort->vn > 40 ? 40 : sort->vn), sort->v);
    }
    o.q = q->v;
    o.q_len = q->vn;
    o.limit = (uint32_t)limit;
    o.offset = (uint32_t)offset;
    o.flags = explain ? PL_SEARCH_EXPLAIN : 0;
    pl_qctx *qc;
    if (rctx_qctx(x, &qc, &ret) || pl_rctx_snap(x, &ret))
        return ret;
    pl_results *r = NULL;
    pl_error err = {0};
    if (pl_search(qc, x->snap, &o, &r, &err) != PL_OK)
        return engine_error(x, &err);
    /* written straight to text, no jansson tree: same bytes as
     * pl_respond_json(pl_json_search_results()) at a fraction of the cost */
    pl_buf b = {0};
    int rc = pl_json_search_text(r, q->v, &b);
    pl_results_free(r);
    /* MHD frees the body with free(); the buffer is pl_malloc'd. */
    char *text = rc == PL_OK ? malloc(b.n + 1) : NULL;
    size_t len = b.n;
    if (text)
        memcpy(text, b.p ? b.p : "", len + 1);
    pl_buf_free(&b);
    if (!text)
        return pl_respond_error(x, 503, "busy", "out of memory building the answer");
    return pl_respond_text(x, 200, "application/json; charset=utf-8", text, len);
}

enum MHD_Result pl_api_suggest(pl_rctx *x)
{
    enum MHD_Result ret;
    unsigned long limit;
    const pl_param *p = pl_param_get(&x->params, "prefix");
    if (!p)
        return pl_respond_error(x, 400, "missing_parameter", "prefix is required");
    if (p->vn == 0 || p->vn > PL_MAX_TERM * 4)
        return pl_respond_error(x, 400, "bad_parameter", "prefix must be 1 to %d bytes",
                                PL_MAX_TERM * 4);
    if (param_uint(x, "limit", 10, 1, PL_SUGGEST_MAX, &limit, &ret))
        return ret;
    pl_qctx *qc;
    if (rctx_qctx(x, &qc, &ret) || pl_rctx_snap(x, &ret))
        return ret;
    pl_suggestion *sg = NULL;
    size_t n = 0;
    pl_error err = {0};
    if (pl_suggest(qc, x->snap, p->v, p->vn, limit, &sg, &n, &err) != PL_OK)
        return engine_error(x, &err);
    json_t *body = pl_json_suggestions(p->v, p->vn, sg, n);
    pl_suggestions_free(sg, n);
    return pl_respond_json(x, 200, body);
}

/* The {id} of /api/docs/{id}[/similar], validated; 0 or answered. */
static int doc_id(pl_rctx *x, uint32_t *docid, enum MHD_Result *ret)
{
    const char *id = x->url + strlen("/api/docs/");
    const char *slash = strchr(id, '/');
    size_t n = slash ? (size_t)(slash - id) : strlen(id);
    if (n == 0 || n > PL_MAX_DOC_ID || !pl_utf8_valid(id, n)) {
        *ret = pl_respond_error(x, 400, "bad_parameter",
                                "document id must be 1 to %d bytes of UTF-8", PL_MAX_DOC_ID);
        return -1;
    }
    if (pl_rctx_snap(x, ret))
        return -1;
    pl_error err = {0};
    int rc = pl_snap_docid(x->snap, id, n, docid, &err);
    if (rc == PL_ENOTFOUND) {
        *ret = pl_respond_error(x, 404, "not_found", "no document with id '%.*s'", (int)n, id);
        return -1;
    }
    if (rc != PL_OK) {
        *ret = engine_error(x, &err);
        return -1;
    }
    return 0;
}

enum MHD_Result pl_api_doc(pl_rctx *x)
{
    enum MHD_Result ret;
    uint32_t docid;
    if (doc_id(x, &docid, &ret))
        return ret;
    const char *p;
    size_t n;
    pl_error err = {0};
    int rc = pl_snap_doc(x->snap, docid, &p, &n, &err);
    if (rc == PL_ENOTFOUND)
        return pl_respond_error(x, 404, "not_found", "document %u was deleted", docid);
    if (rc != PL_OK)
        return engine_error(x, &err);
    pl_record_owned *rec = NULL;
    if (pl_record_from_json(p, n, &rec, &err) != PL_OK)
        return pl_respond_error(x, 500, "internal", "stored record does not decode: %s", err.msg);
    json_t *body = pl_json_record(&rec->rec);
    pl_record_owned_free(rec);
    return pl_respond_json(x, 200, body);
}

enum MHD_Result pl_api_similar(pl_rctx *x)
{
    enum MHD_Result ret;
    unsigned long limit;
    if (param_uint(x, "limit", 10, 1, PL_SEARCH_MAX_LIMIT, &limit, &ret))
        return ret;
    pl_qctx *qc;
    uint32_t docid;
    if (rctx_qctx(x, &qc, &ret) || doc_id(x, &docid, &ret))
        return ret;
    pl_results *r = NULL;
    pl_error err = {0};
    if (pl_similar(qc, x->snap, docid, (uint32_t)limit, &r, &err) != PL_OK)
        return engine_error(x, &err);
    json_t *body = pl_json_search_results(r, NULL);
    pl_results_free(r);
    return pl_respond_json(x, 200, body);
}

/* A version from the index metadata ("3") as the number it is, so that
 * every version in the answer is a number; NULL (JSON null) when absent
 * or not a plain decimal. */
static json_t *meta_version(const char *v)
{
    if (!v || !*v)
        return json_null();
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0 || *v < '0' || *v > '9')
        return json_null();
    return json_integer(n);
}

/* Counts live documents per year, kind and track from the in-memory
 * docmeta: O(documents + tracks), no stored record is read. */
enum MHD_Result pl_api_stats(pl_rctx *x)
{
    enum MHD_Result ret;
    if (pl_rctx_snap(x, &ret))
        return ret;
    enum { NY = PL_YEAR_MAX - PL_YEAR_MIN + 1 };
    /* 22 KB: on the heap rather than a poll loop's stack. */
    uint32_t(*counts)[PL_KIND_COUNT] = pl_calloc(NY, sizeof *counts);
    if (!counts)
        return pl_respond_error(x, 503, "busy", "out of memory");
    size_t n_tracks = pl_snap_track_count(x->snap);
    if (n_tracks > UINT16_MAX)
        n_tracks = UINT16_MAX;
    uint32_t *per_track = pl_calloc(n_tracks + 1, sizeof *per_track);
    if (!per_track) {
        pl_free(counts);
        return pl_respond_error(x, 503, "busy", "out of memory");
    }
    uint32_t max = pl_snap_max_docid(x->snap), live = 0;
    for (uint32_t d = 1; d <= max; d++) {
        const pl_docmeta *m = pl_snap_docmeta(x->snap, d);
        if (!m || !m->year || (m->flags & PL_DOC_DELETED) || m->kind >= PL_KIND_COUNT ||
            m->year < PL_YEAR_MIN || m->year > PL_YEAR_MAX)
            continue;
        counts[m->year - PL_YEAR_MIN][m->kind]++;
        if (m->track && m->track <= n_tracks)
            per_track[m->track]++;
        live++;
    }
    json_t *o = json_object();
    json_t *years = json_array();
    json_t *kinds = json_object();
    json_t *tracks = json_object();
    if (!o || !years || !kinds || !tracks) {
        json_decref(o);
        json_decref(years);
        json_decref(kinds);
        json_decref(tracks);
        pl_free(counts);
        pl_free(per_track);
        return pl_respond_error(x, 503, "busy", "out of memory");
    }
    /* Every track of the index, by its exact name (the value of the track
     * parameter), with 0 when all its documents were removed. */
    for (size_t t = 1; t <= n_tracks; t++)
        json_object_set_new(tracks, pl_snap_track_name(x->snap, (uint16_t)t),
                            json_integer(per_track[t]));
    pl_free(per_track);
    uint32_t kind_tot[PL_KIND_COUNT] = {0};
    for (int y = 0; y < NY; y++) {
        uint32_t tot = 0;
        for (int k = 0; k < PL_KIND_COUNT; k++)
            tot += counts[y][k];
        if (!tot)
            continue;
        json_t *yk = json_object();
        for (int k = 0; k < PL_KIND_COUNT; k++) {
            kind_tot[k] += counts[y][k];
            if (counts[y][k])
                json_object_set_new(yk, pl_kind_name((pl_kind)k), json_integer(counts[y][k]));
        }
        json_array_append_new(years, json_pack("{s:i, s:I, s:o}", "year", y + PL_YEAR_MIN,
                                               "documents", (json_int_t)tot, "kinds", yk));
    }
    pl_free(counts);
    for (int k = 0; k < PL_KIND_COUNT; k++)
        if (kind_tot[k])
            json_object_set_new(kinds, pl_kind_name((pl_kind)k), json_integer(kind_tot[k]));
    const char *built = pl_snap_meta(x->snap, "built_at");
    const char *fv = pl_snap_meta(x->snap, "format_version");
    const char *av = pl_snap_meta(x->snap, "analyzer_version");
    const char *ck = pl_snap_meta(x->snap, "corpus_checksum");
    json_object_set_new(o, "documents", json_integer(live));
    json_object_set_new(o, "years", years);
    json_object_set_new(o, "kinds", kinds);
    json_object_set_new(o, "tracks", json_integer((json_int_t)n_tracks));
    json_object_set_new(o, "track_documents", tracks);
    json_object_set_new(o, "generation", json_integer((json_int_t)pl_snap_generation(x->snap)));
    json_object_set_new(o, "built_at", built ? pl_json_str(built) : json_null());
    json_object_set_new(o, "corpus_checksum", ck ? pl_json_str(ck) : json_null());
    json_object_set_new(o, "versions",
                        json_pack("{s:s, s:o, s:o, s:i, s:i}", "plumbline", PL_VERSION,
                                  "index_format", meta_version(fv), "index_analyzer",
                                  meta_version(av), "format", PL_FORMAT_VERSION, "analyzer",
                                  PL_ANALYZER_VERSION));
    return pl_respond_json(x, 200, o);
}

/* ---- trends --------------------------------------------------------------------- */

const char *const pl_trends_params[] = {"topic", "kind",   "track", "from",
                                        "to",    "format", "top",   NULL};
const char *const pl_compare_params[] = {"topic", "a", "b", "kind", "track", NULL};
const char *const pl_rising_params[] = {"from", "to", "limit", "kind", "track", NULL};
const char *const pl_cooccur_params[] = {"topic", "year", "limit", "kind", "track", NULL};

/* A required single year. */
static int param_year(pl_rctx *x, const char *name, int required, int *out, enum MHD_Result *ret)
{
    const pl_param *p = pl_param_get(&x->params, name);
    *out = 0;
    if (!p) {
        if (!required)
            return 0;
        *ret = pl_respond_error(x, 400, "missing_parameter", "%s (a year) is required", name);
        return -1;
    }
    if (parse_year(p->v, p->vn, out)) {
        *ret =
            pl_respond_error(x, 400, "bad_parameter", "%s must be a year from %d to %d, got '%.*s'",
                             name, PL_YEAR_MIN, PL_YEAR_MAX, (int)(p->vn > 40 ? 40 : p->vn), p->v);
        return -1;
    }
    return 0;
}

/* The topic values, in order; at least one, at most `max`. */
static int param_topics(pl_rctx *x, const char **topics, size_t max, size_t *n,
                        enum MHD_Result *ret)
{
    *n = 0;
    for (size_t i = 0; i < x->params.n; i++) {
        const pl_param *p = &x->params.a[i];
        if (p->kn != 5 || memcmp(p->k, "topic", 5))
            continue;
        if (*n == max) {
            *ret = pl_respond_error(x, 400, "bad_parameter", "at most %zu topics", max);
            return -1;
        }
        if (p->vn == 0 || p->vn > PL_QUERY_MAX_BYTES) {
            *ret = pl_respond_error(x, 400, "bad_parameter", "a topic must be 1 to %d bytes",
                                    PL_QUERY_MAX_BYTES);
            return -1;
        }
        topics[(*n)++] = p->v;
    }
    if (!*n) {
        *ret = pl_respond_error(x, 400, "missing_parameter", "topic is required");
        return -1;
    }
    return 0;
}

static int trend_filters(pl_rctx *x, pl_trend_opts *o, enum MHD_Result *ret)
{
    pl_trend_opts_init(o);
    return param_kind(x, &o->kind, ret) || param_track(x, &o->track, ret) ? -1 : 0;
}

enum MHD_Result pl_api_trends(pl_rctx *x)
{
    enum MHD_Result ret;
    pl_trend_opts o;
    const char *topics[PL_TRENDS_MAX_TOPICS];
    size_t n;
    unsigned long top;
    if (param_topics(x, topics, PL_TRENDS_MAX_TOPICS, &n, &ret) || trend_filters(x, &o, &ret) ||
        param_year(x, "from", 0, &o.year_from, &ret) || param_year(x, "to", 0, &o.year_to, &ret) ||
        param_uint(x, "top", o.top_k, 0, PL_TRENDS_MAX_TOP, &top, &ret))
        return ret;
    if (o.year_from && o.year_to && o.year_from > o.year_to)
        return pl_respond_error(x, 400, "bad_parameter", "from (%d) is after to (%d)", o.year_from,
                                o.year_to);
    o.top_k = (uint32_t)top;
    const pl_param *fp = pl_param_get(&x->params, "format");
    const char *format = fp ? fp->v : "json";
    if (strcmp(format, "json") && strcmp(format, "grafana") && strcmp(format, "vega") &&
        strcmp(format, "csv"))
        return pl_respond_error(x, 400, "bad_parameter",
                                "format must be json, grafana, vega or csv, got '%.40s'", format);
    pl_qctx *qc;
    if (rctx_qctx(x, &qc, &ret) || pl_rctx_snap(x, &ret))
        return ret;
    pl_trends *t = NULL;
    pl_error err = {0};
    if (pl_trends_compute(qc, x->snap, topics, n, &o, &t, &err) != PL_OK)
        return engine_error(x, &err);
    if (!strcmp(format, "csv")) {
        pl_buf b = {0};
        int rc = pl_trends_csv(t, &b);
        pl_trends_free(t);
        /* MHD frees the body with free(); the buffer is pl_malloc'd. */
        char *text = rc == PL_OK && !b.oom ? malloc(b.n + 1) : NULL;
        size_t len = b.n;
        if (text)
            memcpy(text, b.p ? b.p : "", len + 1);
        pl_buf_free(&b);
        if (!text)
            return pl_respond_error(x, 503, "busy", "out of memory");
        return pl_respond_text(x, 200, "text/csv; charset=utf-8; header=present", text, len);
    }
    json_t *body = !strcmp(format, "grafana") ? pl_json_trends_grafana(t)
                   : !strcmp(format, "vega")  ? pl_json_trends_vega(t)
                                              : pl_json_trends(t);
    pl_trends_free(t);
    return pl_respond_json_flags(x, 200, body, PL_TRENDS_JSON_REALS);
}

enum MHD_Result pl_api_trends_compare(pl_rctx *x)
{
    enum MHD_Result ret;
    pl_trend_opts o;
    const char *topic;
    size_t n;
    int a, b;
    if (param_topics(x, &topic, 1, &n, &ret) || param_year(x, "a", 1, &a, &ret) ||
        param_year(x, "b", 1, &b, &ret) || trend_filters(x, &o, &ret))
        return ret;
    pl_qctx *qc;
    if (rctx_qctx(x, &qc, &ret) || pl_rctx_snap(x, &ret))
        return ret;
    pl_trend_compare *c = NULL;
    pl_error err = {0};
    if (pl_trends_compare(qc, x->snap, topic, a, b, &o, &c, &err) != PL_OK)
        return engine_error(x, &err);
    json_t *body = pl_json_trend_compare(c);
    pl_trend_compare_free(c);
    return pl_respond_json_flags(x, 200, body, PL_TRENDS_JSON_REALS);
}

enum MHD_Result pl_api_rising(pl_rctx *x)
{
    enum MHD_Result ret;
    pl_trend_opts o;
    int from, to;
    unsigned long limit;
    if (param_year(x, "from", 1, &from, &ret) || param_year(x, "to", 1, &to, &ret) ||
        trend_filters(x, &o, &ret) ||
        param_uint(x, "limit", o.limit, 1, PL_TRENDS_MAX_LIMIT, &limit, &ret))
        return ret;
    if (from > to) /* as /api/trends: a range runs forwards */
        return pl_respond_error(x, 400, "bad_parameter", "from (%d) is after to (%d)", from, to);
    o.limit = (uint32_t)limit;
    pl_qctx *qc;
    if (rctx_qctx(x, &qc, &ret) || pl_rctx_snap(x, &ret))
        return ret;
    pl_term_shift *sh = NULL;
    pl_error err = {0};
    if (pl_trends_rising(qc, x->snap, from, to, &o, &sh, &err) != PL_OK)
        return engine_error(x, &err);
    json_t *body = pl_json_term_shift(sh, "rising");
    pl_term_shift_free(sh);
    return pl_respond_json_flags(x, 200, body, PL_TRENDS_JSON_REALS);
}

enum MHD_Result pl_api_cooccur(pl_rctx *x)
{
    enum MHD_Result ret;
    pl_trend_opts o;
    const char *topic;
    size_t n;
    int year;
    unsigned long limit;
    if (param_topics(x, &topic, 1, &n, &ret) || param_year(x, "year", 1, &year, &ret) ||
        trend_filters(x, &o, &ret) ||
        param_uint(x, "limit", o.limit, 1, PL_TRENDS_MAX_LIMIT, &limit, &ret))
        return ret;
    o.limit = (uint32_t)limit;
    pl_qctx *qc;
    if (rctx_qctx(x, &qc, &ret) || pl_rctx_snap(x, &ret))
        return ret;
    pl_term_shift *sh = NULL;
    pl_error err = {0};
    if (pl_trends_cooccur(qc, x->snap, topic, year, &o, &sh, &err) != PL_OK)
        return engine_error(x, &err);
    json_t *body = pl_json_term_shift(sh, "cooccur");
    pl_term_shift_free(sh);
    return pl_respond_json_flags(x, 200, body, PL_TRENDS_JSON_REALS);
}
