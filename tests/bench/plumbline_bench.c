/*
 * plumbline_bench.c — plumbline's adapter for the benchmark harness of
 * ../shared/bench (interface: its README, "Adapter interface"):
 *
 *   plumbline-bench index  CORPUS.jsonl DBDIR
 *   plumbline-bench query  DBDIR QUERIES.txt OUT.tsv
 *   plumbline-bench trends DBDIR TERMS.txt [OUT.tsv]
 *
 * Calls the library directly.  The bench corpus has {"id", "year",
 * "title", "body"} per line; each line becomes a record of kind "talk".
 */
#include "../../indexer/indexer.h"
#include "../../query/query.h"
#include "../../query/trends.h"

#include <ftw.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long du_total;
static int du_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
    (void)p;
    (void)f;
    if (type == FTW_F)
        du_total += (unsigned long long)st->st_size;
    return 0;
}

static unsigned long long dir_bytes(const char *dir)
{
    du_total = 0;
    nftw(dir, du_cb, 16, FTW_PHYS);
    return du_total;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* ---- a small JSONL reader for the bench corpus ------------------------------
 * Flat objects of string and integer values; anything else falls back to
 * jansson.  jansson's object building costs about 20 ns a byte, more than
 * the analyzer. */
typedef struct fbuf {
    char *p;
    size_t n, cap;
} fbuf;

static int fb_put(fbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->n + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np)
            return -1;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d > 15)
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* Parses a string at *pp (after the opening quote) into b. */
static int fast_string(const char **pp, const char *end, fbuf *b)
{
    const char *p = *pp;
    b->n = 0;
    for (;;) {
        const char *q = p;
        while (q < end && *q != '"' && *q != '\\')
            q++;
        if (q >= end || fb_put(b, p, (size_t)(q - p)))
            return -1;
        p = q;
        if (*p == '"') {
            *pp = p + 1;
            return 0;
        }
        if (p + 1 >= end)
            return -1;
        char c = p[1], o[4];
        size_t on = 1;
        p += 2;
        switch (c) {
        case '"': o[0] = '"'; break;
        case '\\': o[0] = '\\'; break;
        case '/': o[0] = '/'; break;
        case 'b': o[0] = '\b'; break;
        case 'f': o[0] = '\f'; break;
        case 'n': o[0] = '\n'; break;
        case 'r': o[0] = '\r'; break;
        case 't': o[0] = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (end - p < 4 || hex4(p, &u))
                return -1;
            p += 4;
            if (u >= 0xD800 && u < 0xDC00) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return -1;
                p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u < 0xE000) {
                return -1;
            }
            if (u == 0)
                return -1; /* NUL inside a C string: let jansson refuse it */
            if (u < 0x80) {
                o[0] = (char)u;
            } else if (u < 0x800) {
                o[0] = (char)(0xC0 | u >> 6);
                o[1] = (char)(0x80 | (u & 0x3F));
                on = 2;
            } else if (u < 0x10000) {
                o[0] = (char)(0xE0 | u >> 12);
                o[1] = (char)(0x80 | (u >> 6 & 0x3F));
                o[2] = (char)(0x80 | (u & 0x3F));
                on = 3;
            } else {
                o[0] = (char)(0xF0 | u >> 18);
                o[1] = (char)(0x80 | (u >> 12 & 0x3F));
                o[2] = (char)(0x80 | (u >> 6 & 0x3F));
                o[3] = (char)(0x80 | (u & 0x3F));
                on = 4;
            }
            break;
        }
        default: return -1;
        }
        if (fb_put(b, o, on))
            return -1;
    }
}

enum { F_ID, F_TITLE, F_BODY, F_OTHER, F_N };

/* 0 ok; -1: not the simple shape, use jansson. */
static int fast_line(const char *p, const char *end, fbuf f[F_N], long *year)
{
    fbuf key = {0};
    int ret = -1;
    *year = 0;
    for (int i = 0; i < F_N; i++)
        f[i].n = 0;
#define WS()                                                                                       \
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))                       \
    p++
    WS();
    if (p >= end || *p++ != '{')
        goto out;
    for (;;) {
        WS();
        if (p >= end || *p++ != '"' || fast_string(&p, end, &key))
            goto out;
        WS();
        if (p >= end || *p++ != ':')
            goto out;
        WS();
        int which = !strcmp(key.p, "id")      ? F_ID
                    : !strcmp(key.p, "title") ? F_TITLE
                    : !strcmp(key.p, "body")  ? F_BODY
                                              : F_OTHER;
        if (p < end && *p == '"') {
            p++;
            if (fast_string(&p, end, &f[which]))
                goto out;
        } else if (p < end && ((*p >= '0' && *p <= '9') || *p == '-')) {
            char *e;
            long v = strtol(p, &e, 10);
            if (e == p || e > end)
                goto out;
            p = e;
            if (!strcmp(key.p, "year"))
                *year = v;
        } else {
            goto out;
        }
        WS();
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}') {
            ret = 0;
            break;
        }
        goto out;
    }
out:
#undef WS
    free(key.p);
    return ret;
}

static int die(const char *what, const pl_error *err)
{
    fprintf(stderr, "plumbline-bench: %s: %s\n", what, err && err->msg[0] ? err->msg : "failed");
    return 1;
}

static int do_index(const char *corpus, const char *dbdir)
{
    double t0 = now_s(), tjson = 0;
    pl_error err = {0};
    pl_indexer *ix = NULL;
    FILE *f = fopen(corpus, "rb");
    if (!f) {
        perror(corpus);
        return 1;
    }
    pl_indexer_opts o = {0};
    if (pl_indexer_new(&ix, dbdir, PL_INDEX_REBUILD, &o, &err)) {
        fclose(f);
        return die("index", &err);
    }
    char *line = NULL;
    size_t cap = 0;
    fbuf fb[F_N] = {{0}};
    ssize_t n;
    long docs = 0, lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        double tj = now_s();
        pl_record r;
        memset(&r, 0, sizeof r);
        r.kind = PL_KIND_TALK;
        r.track = "";
        r.url = "";
        r.source_file = "";
        long year;
        if (fast_line(line, line + n, fb, &year) == 0 && fb[F_ID].n && fb[F_TITLE].p) {
            r.id = fb[F_ID].p;
            r.title = fb[F_TITLE].p;
            r.body = fb[F_BODY].p ? fb[F_BODY].p : "";
            if (!fb[F_BODY].n)
                r.body = "";
            r.year = (int)year;
            tjson += now_s() - tj;
            rc = pl_indexer_add_record(ix, &r, NULL, &err);
            if (rc) {
                rc = die("index", &err);
                break;
            }
            docs++;
            continue;
        }
        json_error_t je;
        json_t *o2 = json_loadb(line, (size_t)n, 0, &je);
        if (!o2) {
            fprintf(stderr, "plumbline-bench: %s:%ld: %s\n", corpus, lineno, je.text);
            rc = 1;
            break;
        }
        r.id = json_string_value(json_object_get(o2, "id"));
        r.year = (int)json_integer_value(json_object_get(o2, "year"));
        r.title = json_string_value(json_object_get(o2, "title"));
        r.body = json_string_value(json_object_get(o2, "body"));
        if (!r.body)
            r.body = "";
        tjson += now_s() - tj;
        if (!r.id || !r.title) {
            fprintf(stderr, "plumbline-bench: %s:%ld: no id or title\n", corpus, lineno);
            json_decref(o2);
            rc = 1;
            break;
        }
        rc = pl_indexer_add_record(ix, &r, NULL, &err);
        json_decref(o2);
        if (rc) {
            rc = die("index", &err);
            break;
        }
        docs++;
    }
    free(line);
    for (int i = 0; i < F_N; i++)
        free(fb[i].p);
    fclose(f);
    double tc = now_s();
    long rss_before_commit = maxrss_kb();
    if (!rc && pl_indexer_commit(ix, &err))
        rc = die("commit", &err);
    size_t runs = pl_indexer_runs(ix);
    pl_indexer_free(ix);
    if (rc)
        return rc;
    double t1 = now_s();
    printf("{\"engine\":\"plumbline\",\"mode\":\"index\",\"docs\":%ld,\"index_seconds\":%.6f,"
           "\"index_bytes\":%llu,\"json_seconds\":%.6f,\"commit_seconds\":%.6f,"
           "\"optimized\":false,\"runs\":%zu,\"rss_before_commit_kb\":%ld,\"max_rss_kb\":%ld}\n",
           docs, t1 - t0, dir_bytes(dbdir), tjson, t1 - tc, runs, rss_before_commit, maxrss_kb());
    return 0;
}

/* ---- query mode: AND semantics (no relaxation), phrases, top 10 ---------- */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int do_query(const char *dbdir, const char *queries, const char *outp)
{
    pl_error err = {0};
    FILE *f = fopen(queries, "r");
    if (!f) {
        fprintf(stderr, "plumbline-bench: cannot open %s\n", queries);
        return 1;
    }
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            lines = realloc(lines, cap * sizeof *lines);
        }
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    double t_open = now_s();
    pl_store *st = NULL;
    pl_snap *snap = NULL;
    pl_qctx *q = NULL;
    if (pl_store_open(&st, dbdir, PL_STORE_READONLY, &err) || pl_snap_begin(st, &snap, &err) ||
        pl_qctx_new(NULL, &q, &err))
        return die("open", &err);
    double open_s = now_s() - t_open;
    FILE *out = fopen(outp, "w");
    double *lat = calloc(n ? n : 1, sizeof *lat);
    const char *latp = getenv("BENCH_LATENCY_OUT");
    FILE *lo = latp ? fopen(latp, "w") : NULL;
    double warm0 = now_s(), t0 = 0, total = 0;
    size_t nres = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            t0 = now_s();
        for (size_t i = 0; i < n; i++) {
            double a = now_s();
            pl_search_opts o = {.q = lines[i],
                                .q_len = strlen(lines[i]),
                                .limit = 10,
                                .kind = -1,
                                .flags = PL_SEARCH_PURE_AND | PL_SEARCH_NO_FACETS |
                                         PL_SEARCH_NO_SUGGEST | PL_SEARCH_NO_SNIPPETS |
                                         PL_SEARCH_NO_PROXIMITY | PL_SEARCH_IDS_ONLY |
                                         PL_SEARCH_NO_TOTAL};
            pl_results *r = NULL;
            pl_error e = {0};
            int rc = pl_search(q, snap, &o, &r, &e);
            double b = now_s();
            if (pass == 1) {
                lat[i] = (b - a) * 1e6;
                if (lo)
                    fprintf(lo, "%zu\t%.1f\n", i + 1, lat[i]);
                for (size_t k = 0; rc == PL_OK && k < r->n_hits; k++) {
                    fprintf(out, "%zu\t%zu\t%s\t%.6f\n", i + 1, k + 1, r->hits[k].doc->rec.id,
                            r->hits[k].score);
                    nres++;
                }
            }
            pl_results_free(r);
        }
        if (pass == 0)
            warm0 = now_s() - warm0;
    }
    total = now_s() - t0;
    qsort(lat, n, sizeof *lat, cmp_double);
    double p50 = n ? lat[(size_t)(0.50 * (n - 1) + 0.5)] : 0;
    double p90 = n ? lat[(size_t)(0.90 * (n - 1) + 0.5)] : 0;
    double p99 = n ? lat[(size_t)(0.99 * (n - 1) + 0.5)] : 0;
    printf("{\"engine\":\"plumbline\",\"mode\":\"query\",\"queries\":%zu,\"total_seconds\":%.6f,"
           "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"open_seconds\":%.6f,"
           "\"warmup_seconds\":%.6f,\"results\":%zu,\"max_rss_kb\":%ld}\n",
           n, total, p50, p90, p99, n ? lat[n - 1] : 0, open_s, warm0, nres, maxrss_kb());
    if (lo)
        fclose(lo);
    fclose(out);
    free(lat);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    pl_qctx_free(q);
    pl_snap_end(snap);
    pl_store_close(st);
    return 0;
}

/* ---- trends mode: documents per year of each term -------------------------
 * Goes through pl_trends_compute, the product's own path (docmeta pass for
 * the years and totals, pl_query_foreach_match, Wilson and Poisson
 * intervals, bursts), without top documents; no synonyms, as in query mode. */
static int do_trends(const char *dbdir, const char *terms, const char *outp)
{
    pl_error err = {0};
    FILE *f = fopen(terms, "r");
    if (!f) {
        fprintf(stderr, "plumbline-bench: cannot open %s\n", terms);
        return 1;
    }
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            lines = realloc(lines, cap * sizeof *lines);
        }
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    pl_store *st = NULL;
    pl_snap *snap = NULL;
    pl_qctx *q = NULL;
    double t_open = now_s();
    if (pl_store_open(&st, dbdir, PL_STORE_READONLY, &err) || pl_snap_begin(st, &snap, &err) ||
        pl_qctx_new(NULL, &q, &err))
        return die("open", &err);
    double open_s = now_s() - t_open;
    FILE *out = outp ? fopen(outp, "w") : NULL;
    double *lat = calloc(n ? n : 1, sizeof *lat);
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.top_k = 0;
    double warm0 = now_s(), t0 = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            t0 = now_s();
        for (size_t i = 0; i < n; i++) {
            const char *topic = lines[i];
            pl_trends *t = NULL;
            pl_error e = {0};
            double a = now_s();
            int rc = pl_trends_compute(q, snap, &topic, 1, &o, &t, &e);
            double b = now_s();
            if (rc != PL_OK)
                fprintf(stderr, "plumbline-bench: trends %s: %s\n", topic, e.msg);
            if (pass == 1) {
                lat[i] = (b - a) * 1e6;
                for (size_t k = 0; rc == PL_OK && out && k < t->series[0].n_points; k++)
                    if (t->series[0].points[k].docs)
                        fprintf(out, "%s\t%d\t%u\n", topic, t->series[0].points[k].year,
                                t->series[0].points[k].docs);
            }
            pl_trends_free(t);
        }
        if (pass == 0)
            warm0 = now_s() - warm0;
    }
    double total = now_s() - t0;
    qsort(lat, n, sizeof *lat, cmp_double);
    double p50 = n ? lat[(size_t)(0.50 * (n - 1) + 0.5)] : 0;
    double p99 = n ? lat[(size_t)(0.99 * (n - 1) + 0.5)] : 0;
    printf("{\"engine\":\"plumbline\",\"mode\":\"trends\",\"terms\":%zu,\"total_seconds\":%.6f,"
           "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"open_seconds\":%.6f,"
           "\"warmup_seconds\":%.6f,\"max_rss_kb\":%ld}\n",
           n, total, p50, p99, n ? lat[n - 1] : 0, open_s, warm0, maxrss_kb());
    if (out)
        fclose(out);
    free(lat);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    pl_qctx_free(q);
    pl_snap_end(snap);
    pl_store_close(st);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "index"))
        return do_index(argv[2], argv[3]);
    if (argc >= 5 && !strcmp(argv[1], "query"))
        return do_query(argv[2], argv[3], argv[4]);
    if (argc >= 4 && !strcmp(argv[1], "trends"))
        return do_trends(argv[2], argv[3], argc >= 5 ? argv[4] : NULL);
    fprintf(stderr, "usage: plumbline-bench index CORPUS.jsonl DBDIR\n"
                    "       plumbline-bench query DBDIR QUERIES.txt OUT.tsv\n"
                    "       plumbline-bench trends DBDIR TERMS.txt [OUT.tsv]\n");
    return 2;
}
