/*
 * suggest.c — autocomplete (surfaces by prefix, by df), did-you-mean
 * (close vocabulary words) and more-like-this.
 *
 * Did-you-mean looks at the query's free words whose term is absent or
 * rare.  Candidates are the surfaces sharing the word's first byte (the
 * scan is bounded by that slice of the vocabulary; a typo in the first
 * letter is not corrected) within Damerau-Levenshtein distance 2, closest
 * first, then most frequent.  Two adjacent words are also tried joined
 * ("risc v" -> "risc-v").  A correction is offered only when the corrected
 * query matches more documents than the original.
 */
#include "query_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SURFACE_SCAN_MAX 200000
#define SIMILAR_TERMS 20

/* ---- autocomplete ----------------------------------------------------------- */
typedef struct sugg_collect {
    pl_suggestion *s;
    size_t n, cap;
    size_t visited;
    int oom;
} sugg_collect;

static int sugg_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                   uint32_t df)
{
    (void)term, (void)term_n;
    sugg_collect *c = ctx;
    if (++c->visited > SURFACE_SCAN_MAX)
        return 1;
    size_t slot = c->n;
    if (c->n == c->cap) {
        slot = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->s[i].df < c->s[slot].df)
                slot = i;
        if (c->s[slot].df >= df)
            return 0;
        pl_free(c->s[slot].text);
    } else {
        c->n++;
    }
    c->s[slot].text = pl_strndup(surface, n);
    c->s[slot].df = df;
    if (!c->s[slot].text) {
        c->oom = 1;
        c->n = slot;
        return -1;
    }
    return 0;
}

static int cmp_sugg(const void *a, const void *b)
{
    const pl_suggestion *x = a, *y = b;
    if (x->df != y->df)
        return x->df > y->df ? -1 : 1;
    return strcmp(x->text, y->text);
}

void pl_suggestions_free(pl_suggestion *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        pl_free(s[i].text);
    pl_free(s);
}

int pl_suggest(pl_qctx *q, pl_snap *snap, const char *prefix, size_t n, size_t limit,
               pl_suggestion **out, size_t *n_out, pl_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (limit == 0)
        limit = 10;
    if (limit > PL_SEARCH_MAX_LIMIT)
        limit = PL_SEARCH_MAX_LIMIT;
    char folded[PL_MAX_TERM * 4 + 1];
    size_t fl = 0;
    if (n && n <= PL_QUERY_MAX_BYTES)
        fl = pl_analyzer_fold(q->an, prefix, n, folded, sizeof folded);
    /* keep a trailing '_' or '-' the folding dropped: `sched_` narrows to
     * the compounds */
    if (fl && n && (prefix[n - 1] == '_' || prefix[n - 1] == '-') &&
        folded[fl - 1] != prefix[n - 1] && fl + 1 < sizeof folded) {
        folded[fl++] = prefix[n - 1];
        folded[fl] = '\0';
    }
    if (fl == 0)
        return PL_OK;
    sugg_collect c = {0};
    c.cap = limit;
    c.s = pl_calloc(limit, sizeof *c.s);
    if (!c.s)
        return pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    int rc = pl_snap_surfaces_prefix(snap, folded, fl, sugg_cb, &c, err);
    if (c.oom)
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    if (rc == PL_ENOTFOUND || rc == 1)
        rc = PL_OK;
    if (rc != PL_OK) {
        pl_suggestions_free(c.s, c.n);
        return rc;
    }
    qsort(c.s, c.n, sizeof *c.s, cmp_sugg);
    *out = c.s;
    *n_out = c.n;
    return PL_OK;
}

/* ---- did-you-mean ------------------------------------------------------------------ */
/* Damerau-Levenshtein (optimal string alignment), giving up past max. */
static int edit_distance(const char *a, size_t na, const char *b, size_t nb, int max)
{
    if (na > 64 || nb > 64)
        return max + 1;
    if ((na > nb ? na - nb : nb - na) > (size_t)max)
        return max + 1;
    int d[65][65];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int row_min = max + 1;
        for (size_t j = 1; j <= nb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > max)
            return max + 1;
    }
    return d[na][nb];
}

typedef struct fix_ctx {
    const char *word;
    size_t n;
    uint32_t min_df;
    char best[PL_MAX_TERM * 4 + 1];
    int best_d;
    uint32_t best_df;
    size_t visited;
} fix_ctx;

static int fix_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                  uint32_t df)
{
    (void)term, (void)term_n;
    fix_ctx *f = ctx;
    if (++f->visited > SURFACE_SCAN_MAX)
        return 1;
    if (df <= f->min_df || n >= sizeof f->best || (n == f->n && !memcmp(surface, f->word, n)))
        return 0;
    int d = edit_distance(f->word, f->n, surface, n, 2);
    if (d > 2)
        return 0;
    if (d < f->best_d || (d == f->best_d && df > f->best_df)) {
        f->best_d = d;
        f->best_df = df;
        memcpy(f->best, surface, n);
        f->best[n] = '\0';
    }
    return 0;
}

/* Exact surface lookup: df of `s`, 0 if absent. */
typedef struct exact_ctx {
    const char *s;
    size_t n;
    uint32_t df;
} exact_ctx;

static int exact_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                    uint32_t df)
{
    (void)term, (void)term_n;
    exact_ctx *e = ctx;
    if (n == e->n && !memcmp(surface, e->s, n)) {
        e->df = df;
        return 1;
    }
    return n > e->n ? 1 : 0;
}

static uint32_t surface_df(pl_snap *snap, const char *s, size_t n)
{
    exact_ctx e = {s, n, 0};
    pl_error err = {0};
    pl_snap_surfaces_prefix(snap, s, n, exact_cb, &e, &err);
    return e.df;
}

static uint32_t term_df(pl_snap *snap, const char *t)
{
    pl_terminfo ti;
    pl_error e = {0};
    if (pl_snap_term(snap, t, strlen(t), &ti, &e) != PL_OK)
        return 0;
    return ti.df;
}

int pl_did_you_mean(pl_qctx *q, pl_snap *snap, const pl_query *query, uint64_t total, char **out,
                    pl_error *err)
{
    *out = NULL;
    if (query->n_words == 0)
        return PL_OK;
    int few = (double)total < pl_rank_default.relax_below;
    size_t nw = query->n_words;
    char **fix = pl_calloc(nw, sizeof *fix);
    int *joined = pl_calloc(nw, sizeof *joined); /* word i merged into i-1 */
    if (!fix || !joined) {
        pl_free(fix);
        pl_free(joined);
        return pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    }
    int changed = 0, rc = PL_OK;
    for (size_t i = 0; i < nw; i++) {
        const pl_qword *w = &query->words[i];
        /* adjacent pair written apart: "risc v" -> "risc-v" */
        if (few && i + 1 < nw) {
            const pl_qword *v = &query->words[i + 1];
            int adjacent = 1;
            for (uint32_t k = w->end; k < v->start; k++)
                adjacent &= query->text[k] == ' ';
            char buf[PL_MAX_TERM * 8 + 2];
            size_t a = strlen(w->surface), b = strlen(v->surface);
            if (adjacent && a + b + 1 < sizeof buf) {
                static const char *const glue[] = {"-", "_", ""};
                for (int g = 0; g < 3 && !fix[i]; g++) {
                    size_t gl = strlen(glue[g]);
                    memcpy(buf, w->surface, a);
                    memcpy(buf + a, glue[g], gl);
                    memcpy(buf + a + gl, v->surface, b);
                    buf[a + gl + b] = '\0';
                    if (surface_df(snap, buf, a + gl + b) > 0) {
                        fix[i] = pl_strdup(buf);
                        joined[i + 1] = 1;
                        changed = 1;
                    }
                }
                if (fix[i]) {
                    i++;
                    continue;
                }
            }
        }
        /* an absent word always; a rare one only when results are few */
        size_t sl0 = strlen(w->surface);
        uint32_t df = surface_df(snap, w->surface, sl0);
        if (df >= 3 || (df > 0 && !few))
            continue;
        size_t sl = strlen(w->surface);
        if (sl < 3)
            continue;
        fix_ctx f = {.word = w->surface, .n = sl, .min_df = df, .best_d = 3};
        /* first UTF-8 character as the scan prefix */
        size_t p1 = 1;
        while (p1 < sl && ((unsigned char)w->surface[p1] & 0xC0) == 0x80)
            p1++;
        rc = pl_snap_surfaces_prefix(snap, w->surface, p1, fix_cb, &f, err);
        if (rc < 0 && rc != PL_ENOTFOUND)
            goto done;
        rc = PL_OK;
        if (f.best_d <= 2) {
            fix[i] = pl_strdup(f.best);
            if (!fix[i]) {
                rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
                goto done;
            }
            changed = 1;
        }
    }
    if (!changed)
        goto done;
    pl_buf b = {0};
    size_t at = 0;
    for (size_t i = 0; i < nw; i++) {
        const pl_qword *w = &query->words[i];
        if (!fix[i] && !joined[i])
            continue;
        if (joined[i]) {
            at = w->end;
            continue;
        }
        pl_buf_put(&b, query->text + at, w->start - at);
        pl_buf_puts(&b, fix[i]);
        at = w->end;
    }
    pl_buf_put(&b, query->text + at, query->text_len - at);
    if (b.oom) {
        pl_buf_free(&b);
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
        goto done;
    }
    uint64_t n2 = 0;
    rc = pl_count_text(q, snap, b.p, b.n, &n2, err);
    if (rc == PL_OK && n2 > total)
        *out = pl_buf_take(&b, NULL);
    pl_buf_free(&b);
done:
    for (size_t i = 0; i < nw; i++)
        pl_free(fix[i]);
    pl_free(fix);
    pl_free(joined);
    return rc;
}

/* ---- more like this ------------------------------------------------------------------ */
typedef struct tf_ent {
    char term[PL_MAX_TERM + 1];
    uint32_t len;
    uint32_t tf;
} tf_ent;

typedef struct tf_collect {
    tf_ent *e;
    size_t n, cap;
    uint32_t weight;
    int oom;
} tf_collect;

static int tf_cb(void *ctx, const pl_token *t)
{
    tf_collect *c = ctx;
    if (t->flags & (PL_TOK_STOP | PL_TOK_PART | PL_TOK_NUM) || t->term_len < 3 ||
        t->term_len > PL_MAX_TERM)
        return PL_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        tf_ent *e = pl_realloc(c->e, cap * sizeof *e);
        if (!e)
            return PL_ENOMEM;
        c->e = e;
        c->cap = cap;
    }
    memcpy(c->e[c->n].term, t->term, t->term_len);
    c->e[c->n].term[t->term_len] = '\0';
    c->e[c->n].len = (uint32_t)t->term_len;
    c->e[c->n].tf = c->weight;
    c->n++;
    return PL_OK;
}

static int cmp_term(const void *a, const void *b)
{
    return strcmp(((const tf_ent *)a)->term, ((const tf_ent *)b)->term);
}

typedef struct scored {
    double w;
    size_t i;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    return x->w > y->w ? -1 : x->w < y->w;
}

int pl_similar(pl_qctx *q, pl_snap *snap, uint32_t docid, uint32_t limit, pl_results **out,
               pl_error *err)
{
    *out = NULL;
    const char *p;
    size_t n;
    int rc = pl_snap_doc(snap, docid, &p, &n, err);
    if (rc == PL_ENOTFOUND)
        return pl_error_set(err, PL_ENOTFOUND, "document %u not found", docid);
    if (rc != PL_OK)
        return rc;
    pl_record_owned *doc = NULL;
    rc = pl_record_from_json(p, n, &doc, err);
    if (rc != PL_OK)
        return rc;
    tf_collect c = {0};
    scored *sc = NULL;
    pl_query *query = NULL;
    /* title words count twice: they say what the document is about */
    c.weight = 2;
    rc = pl_analyze(q->an, doc->rec.title, strlen(doc->rec.title), 0, tf_cb, &c, NULL, err);
    c.weight = 1;
    if (rc == PL_OK && doc->rec.body)
        rc = pl_analyze(q->an, doc->rec.body, strlen(doc->rec.body), 0, tf_cb, &c, NULL, err);
    if (rc != PL_OK)
        goto done;
    qsort(c.e, c.n, sizeof *c.e, cmp_term);
    size_t k = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (k && !strcmp(c.e[k - 1].term, c.e[i].term)) {
            c.e[k - 1].tf += c.e[i].tf;
            continue;
        }
        c.e[k++] = c.e[i];
    }
    c.n = k;
    sc = pl_calloc(k ? k : 1, sizeof *sc);
    if (!sc) {
        rc = pl_error_set(err, PL_ENOMEM, "similar: out of memory");
        goto done;
    }
    double nd = pl_snap_doc_count(snap);
    size_t ns = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t df = term_df(snap, c.e[i].term);
        if (df < 2) /* only this document: finds nothing else */
            continue;
        double idf = log(1 + (nd - df + 0.5) / (df + 0.5));
        sc[ns++] = (scored){(1 + log(c.e[i].tf)) * idf, i};
    }
    qsort(sc, ns, sizeof *sc, cmp_scored);
    if (ns > SIMILAR_TERMS)
        ns = SIMILAR_TERMS;
    const char *terms[SIMILAR_TERMS];
    size_t lens[SIMILAR_TERMS];
    for (size_t i = 0; i < ns; i++) {
        terms[i] = c.e[sc[i].i].term;
        lens[i] = c.e[sc[i].i].len;
    }
    if (ns == 0) {
        /* nothing distinctive: an empty result, not an error */
        pl_results *r = pl_calloc(1, sizeof *r);
        if (!r) {
            rc = pl_error_set(err, PL_ENOMEM, "similar: out of memory");
            goto done;
        }
        r->query_desc = pl_strdup("<empty>");
        r->limit = limit ? limit : 10;
        *out = r;
        goto done;
    }
    rc = pl_query_from_terms(terms, lens, ns, &query);
    if (rc != PL_OK) {
        rc = pl_error_set(err, rc, "similar: out of memory");
        goto done;
    }
    pl_search_opts o = {
        .limit = limit, .kind = -1, .flags = PL_SEARCH_NO_SUGGEST | PL_SEARCH_NO_PROXIMITY};
    rc = pl_search_query(q, snap, query, &o, docid, out, err);
done:
    pl_query_free(query);
    pl_free(sc);
    pl_free(c.e);
    pl_record_owned_free(doc);
    return rc;
}
