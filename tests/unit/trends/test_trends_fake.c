/* Unit tests of query/trends.c over a tiny fake index: the store and query
 * functions trends.c calls are defined here, so the counting, filtering,
 * year handling and term shifts are checked on numbers worked out by hand
 * without an LMDB index.
 *
 * The fake archive (all words in the body; the topic query is one word):
 *   1  2019 mc   track 1  "bpf bpf sched"
 *   2  2019 talk          "sched mm"
 *   3  2019 talk DELETED  "bpf bpf bpf"
 *   4  2021 mc   track 1  "mm mm"
 *   5  2021 talk          "bpf rust"
 *   6  2021 talk          "rust rust rust sched"
 *   7  2022 cfp           "rust"
 * Years: 2019, 2021, 2022 (2020 has no document, so it is no point).
 * Tokens per year: 2019 3+2 = 5, 2021 2+2+4 = 8, 2022 1. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../query/trends.h"
#include "../../../query/words.h"

#define MAXDOCS 8
static const char *const base_text[] = {
    NULL,       "bpf bpf sched",        "sched mm", "bpf bpf bpf", "mm mm",
    "bpf rust", "rust rust rust sched", "rust"};
static const uint16_t base_years[] = {0, 2019, 2019, 2019, 2021, 2021, 2021, 2022};
static const uint8_t base_kinds[] = {0,          PL_KIND_MC,   PL_KIND_TALK, PL_KIND_TALK,
                                     PL_KIND_MC, PL_KIND_TALK, PL_KIND_TALK, PL_KIND_CFP};

/* The archive of word_rules: compounds, links, an address and function
 * words (see that test for what each one counts as). */
static const char *const words_text[] = {NULL,
                                         "microconference bpf-based tracing its scope",
                                         "microconference on tracing",
                                         "see https://lore.kernel.org/bpf/x for tracing",
                                         "risc-v micro-conference: RISC-V boot",
                                         "micro-conference on risc-v, mail jane.doe@kernel.org",
                                         "risc-v being thus e.g. lore.kernel.org/bpf"};
static const uint16_t words_years[] = {0, 2019, 2019, 2019, 2024, 2024, 2024};
static const uint8_t words_kinds[] = {
    0, PL_KIND_TALK, PL_KIND_TALK, PL_KIND_TALK, PL_KIND_TALK, PL_KIND_TALK, PL_KIND_TALK};

/* The archive in use (base_* unless a test switches it). */
static const char *const *doc_text;
static uint32_t ndocs;
static pl_docmeta metas[MAXDOCS + 1];

static uint32_t count_word(uint32_t d, const char *w)
{
    uint32_t n = 0;
    const char *s = doc_text[d];
    size_t wl = strlen(w);
    while (*s) {
        size_t l = strcspn(s, " ");
        if (l == wl && !strncmp(s, w, l))
            n++;
        s += l;
        if (*s)
            s++;
    }
    return n;
}

static void use_archive(const char *const *text, const uint16_t *years, const uint8_t *kinds,
                        uint32_t n)
{
    doc_text = text;
    ndocs = n;
    memset(metas, 0, sizeof metas);
    for (uint32_t d = 1; d <= ndocs; d++) {
        metas[d].year = years[d];
        metas[d].kind = kinds[d];
        uint32_t words = 1;
        for (const char *s = doc_text[d]; *s; s++)
            words += *s == ' ';
        metas[d].len[PL_FIELD_BODY] = words;
    }
}

static void setup_metas(void)
{
    use_archive(base_text, base_years, base_kinds, 7);
    metas[1].track = metas[4].track = 1;
    metas[3].flags = PL_DOC_DELETED;
}

/* ---- fake store ---------------------------------------------------------------------- */
struct pl_snap {
    int unused;
};
static pl_snap the_snap;

uint32_t pl_snap_max_docid(const pl_snap *snap)
{
    (void)snap;
    return ndocs;
}
const pl_docmeta *pl_snap_docmeta(const pl_snap *snap, uint32_t docid)
{
    (void)snap;
    return docid >= 1 && docid <= ndocs ? &metas[docid] : NULL;
}
size_t pl_snap_track_count(const pl_snap *snap)
{
    (void)snap;
    return 1;
}
const char *pl_snap_track_name(const pl_snap *snap, uint16_t track)
{
    (void)snap;
    return track == 1 ? "Tracing" : "";
}
const char *pl_snap_meta(const pl_snap *snap, const char *key)
{
    (void)snap;
    return strcmp(key, "analyzer_version") == 0 ? "1" : NULL;
}
/* A stored record: the text is the body; the title "-" has no word (a
 * record must have a title; term counts read title and body alike). */
static char doc_json[512];
int pl_snap_doc(pl_snap *snap, uint32_t docid, const char **p, size_t *n, pl_error *err)
{
    (void)snap;
    if (docid < 1 || docid > ndocs)
        return pl_error_set(err, PL_ENOTFOUND, "no document %u", docid);
    int k = snprintf(doc_json, sizeof doc_json,
                     "{\"id\":\"d%u\",\"year\":%u,\"kind\":\"%s\",\"title\":\"-\",\"body\":\"%s\"}",
                     docid, (unsigned)metas[docid].year, pl_kind_name((pl_kind)metas[docid].kind),
                     doc_text[docid]);
    *p = doc_json;
    *n = (size_t)k;
    return PL_OK;
}

/* The real analyzer behind the fake query context. */
static pl_analyzer *the_analyzer;
pl_analyzer *pl_qctx_analyzer(pl_qctx *q)
{
    (void)q;
    return the_analyzer;
}

/* ---- fake query --------------------------------------------------------------------- */
struct pl_query {
    char word[32];
};
int pl_query_parse(pl_qctx *q, const char *text, size_t n, pl_query **out, pl_error *err)
{
    (void)q;
    *out = NULL;
    if (n == 0 || n >= 32 || strchr(text, '"'))
        return pl_error_set(err, PL_EPARSE, "unbalanced quote at column 1");
    if (!(*out = pl_calloc(1, sizeof **out)))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    memcpy((*out)->word, text, n);
    return PL_OK;
}
void pl_query_free(pl_query *query)
{
    pl_free(query);
}
char *pl_query_describe(const pl_query *query)
{
    return pl_strdup(query->word);
}
int pl_query_foreach_match(pl_qctx *q, pl_snap *snap, const pl_query *query, pl_match_cb cb,
                           void *ctx, pl_error *err)
{
    (void)q, (void)snap, (void)err;
    for (uint32_t d = 1; d <= ndocs; d++) {
        uint32_t m = count_word(d, query->word);
        if (m && !(metas[d].flags & PL_DOC_DELETED) && cb(ctx, d, m))
            break;
    }
    return PL_OK;
}
static int n_searches;
int pl_search(pl_qctx *q, pl_snap *snap, const pl_search_opts *opts, pl_results **out,
              pl_error *err)
{
    (void)q, (void)snap;
    n_searches++;
    *out = NULL;
    pl_results *r = pl_calloc(1, sizeof *r);
    if (!r)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    char word[32];
    snprintf(word, sizeof word, "%.*s", (int)opts->q_len, opts->q);
    for (uint32_t d = 1; d <= ndocs && !r->n_hits; d++) {
        if (metas[d].year != opts->year_from || (metas[d].flags & PL_DOC_DELETED) ||
            !count_word(d, word))
            continue;
        r->hits = pl_calloc(1, sizeof *r->hits);
        if (!r->hits || !(r->hits[0].snippet_text = pl_strdup(doc_text[d]))) {
            pl_results_free(r);
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        }
        r->n_hits = 1;
        r->hits[0].docid = d;
        r->hits[0].score = 1.5;
    }
    *out = r;
    return PL_OK;
}
void pl_results_free(pl_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_hits; i++)
        pl_free(r->hits[i].snippet_text);
    pl_free(r->hits);
    pl_free(r);
}

/* ---- tests ------------------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    setup_metas();
    n_searches = 0;
    return 0;
}

static void series_counts_years_and_zeroes(void **state)
{
    (void)state;
    const char *topics[] = {"bpf", "rust"};
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    pl_trends *t = NULL;
    pl_error err = {0};
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 2, &o, &t, &err), PL_OK);
    assert_int_equal(t->n_years, 3);
    assert_int_equal(t->totals[0].year, 2019);
    assert_int_equal(t->totals[1].year, 2021);
    assert_int_equal(t->totals[2].year, 2022);
    /* deleted doc 3 is not in 2019's total */
    assert_int_equal(t->totals[0].docs, 2);
    assert_int_equal(t->totals[1].docs, 3);
    assert_int_equal(t->totals[2].docs, 1);
    assert_true(t->totals[0].tokens == 5 && t->totals[1].tokens == 8 && t->totals[2].tokens == 1);
    assert_string_equal(t->analyzer_version, "1");
    const pl_trend_series *b = &t->series[0];
    assert_int_equal(b->n_points, 3);
    /* bpf: 2019 doc 1 (2 mentions), 2021 doc 5 (1), 2022 none */
    assert_int_equal(b->points[0].docs, 1);
    assert_true(b->points[0].mentions == 2);
    assert_true(fabs(b->points[0].share - 0.5) < 1e-15);
    assert_true(fabs(b->points[0].per_1k - 400.0) < 1e-9); /* 2 / 5 tokens */
    assert_int_equal(b->points[1].docs, 1);
    assert_int_equal(b->points[2].docs, 0);
    assert_int_equal(b->points[2].docs_total, 1);
    assert_true(b->points[2].share_lo == 0);
    assert_true(b->points[2].low_count);
    /* per_1k interval of 2 mentions in 5 tokens: Garwood [0.2422, 7.2247] */
    assert_true(fabs(b->points[0].per_1k_lo - 1000 * 0.24220 / 5) < 0.01);
    assert_true(fabs(b->points[0].per_1k_hi - 1000 * 7.22471 / 5) < 0.01);
    /* top documents: one search per non-empty point, mentions joined in */
    assert_int_equal(b->points[0].n_top, 1);
    assert_int_equal(b->points[0].top[0].docid, 1);
    assert_int_equal(b->points[0].top[0].mentions, 2);
    assert_string_equal(b->points[0].top[0].snippet, "bpf bpf sched");
    assert_int_equal(b->points[2].n_top, 0);
    /* rust: 0, 2 (docs 5, 6; 1 + 3 mentions), 1 */
    const pl_trend_series *r = &t->series[1];
    assert_int_equal(r->points[0].docs, 0);
    assert_int_equal(r->points[1].docs, 2);
    assert_true(r->points[1].mentions == 4);
    assert_int_equal(r->points[2].docs, 1);
    assert_int_equal(n_searches, 4); /* bpf 2019, 2021; rust 2021, 2022 */
    pl_trends_free(t);
}

static void filters_keep_years(void **state)
{
    (void)state;
    const char *topics[] = {"bpf"};
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.top_k = 0;
    o.kind = PL_KIND_TALK;
    pl_trends *t = NULL;
    pl_error err = {0};
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 1, &o, &t, &err), PL_OK);
    /* talks: 2019 doc 2 only (3 deleted), 2021 docs 5, 6, 2022 none; the
     * year stays, marked no_docs, with no share and no rate (NaN, not the
     * 0 % and [0, 1] of 0 of 0) */
    assert_int_equal(t->n_years, 3);
    assert_int_equal(t->series[0].points[0].docs, 0);
    assert_int_equal(t->series[0].points[0].docs_total, 1);
    assert_false(t->series[0].points[0].no_docs);
    assert_true(t->series[0].points[0].share == 0);
    assert_int_equal(t->series[0].points[1].docs, 1);
    assert_int_equal(t->series[0].points[1].docs_total, 2);
    const pl_trend_point *none = &t->series[0].points[2];
    assert_int_equal(none->docs_total, 0);
    assert_true(none->no_docs);
    assert_true(isnan(none->share) && isnan(none->share_lo) && isnan(none->share_hi));
    assert_true(isnan(none->per_1k) && isnan(none->per_1k_lo) && isnan(none->per_1k_hi));
    assert_int_equal(n_searches, 0);
    pl_trends_free(t);

    pl_trend_opts_init(&o);
    o.top_k = 0;
    o.track = "Tracing";
    o.year_from = 2020;
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 1, &o, &t, &err), PL_OK);
    assert_int_equal(t->n_years, 2); /* 2021, 2022 */
    assert_string_equal(t->track, "Tracing");
    assert_int_equal(t->series[0].points[0].docs_total, 1); /* doc 4 */
    assert_int_equal(t->series[0].points[0].docs, 0);
    pl_trends_free(t);

    /* a track the index does not have is an error naming it, everywhere */
    o.track = "No such track";
    o.year_from = 0;
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 1, &o, &t, &err), PL_ENOTFOUND);
    assert_null(t);
    assert_non_null(strstr(err.msg, "\"No such track\""));
    pl_trend_compare *c = NULL;
    pl_term_shift *s = NULL;
    pl_error_clear(&err);
    assert_int_equal(pl_trends_compare(NULL, &the_snap, "bpf", 2019, 2021, &o, &c, &err),
                     PL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "No such track"));
    pl_error_clear(&err);
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2019, 2021, &o, &s, &err), PL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "No such track"));
    pl_error_clear(&err);
    assert_int_equal(pl_trends_cooccur(NULL, &the_snap, "bpf", 2021, &o, &s, &err), PL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "No such track"));
    assert_null(c);
    assert_null(s);
}

/* Warnings for an empty answer: a topic matching nothing (a comma in it
 * gets the hint), no document passing the filters, no year at all. */
static void warnings_explain_empty_answers(void **state)
{
    (void)state;
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.top_k = 0;
    pl_trends *t = NULL;
    pl_error err = {0};
    const char *topics[] = {"bpf", "zz", "bpf,rust"};
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 3, &o, &t, &err), PL_OK);
    assert_int_equal(t->n_warnings, 2);
    assert_string_equal(t->warnings[0], "topic 'zz' matches no documents");
    assert_string_equal(t->warnings[1],
                        "topic 'bpf,rust' matches no documents; separate topics with repeated "
                        "topic= parameters (on the command line: one argument per topic)");
    pl_trends_free(t);

    o.kind = PL_KIND_CFP;
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 1, &o, &t, &err), PL_OK);
    assert_int_equal(t->n_warnings, 1); /* the only cfp (2022) does not mention bpf */
    assert_string_equal(t->warnings[0], "topic 'bpf' matches no documents passing the filters");
    pl_trends_free(t);

    o.track = "Tracing"; /* docs 1 and 4 are mc, none a cfp */
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 1, &o, &t, &err), PL_OK);
    assert_int_equal(t->n_warnings, 1);
    assert_string_equal(t->warnings[0], "no document passes the filters (kind cfp, track Tracing)");
    pl_trends_free(t);

    pl_trend_opts_init(&o);
    o.year_from = 2025;
    assert_int_equal(pl_trends_compute(NULL, &the_snap, topics, 1, &o, &t, &err), PL_OK);
    assert_int_equal(t->n_years, 0);
    assert_int_equal(t->n_warnings, 1);
    assert_string_equal(t->warnings[0], "the index has no document from 2025 on");
    pl_trends_free(t);
}

static void bad_input_is_an_error(void **state)
{
    (void)state;
    pl_trends *t = NULL;
    pl_error err = {0};
    const char *bad[] = {"bpf", "\"oops"};
    assert_int_equal(pl_trends_compute(NULL, &the_snap, bad, 2, NULL, &t, &err), PL_EPARSE);
    assert_null(t);
    assert_non_null(strstr(err.msg, "\"oops"));
    pl_error_clear(&err);
    assert_int_equal(pl_trends_compute(NULL, &the_snap, bad, 0, NULL, &t, &err), PL_EUSAGE);
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.year_from = 2022;
    o.year_to = 2019;
    pl_error_clear(&err);
    assert_int_equal(pl_trends_compute(NULL, &the_snap, bad, 1, &o, &t, &err), PL_EUSAGE);
}

static void compare_two_years(void **state)
{
    (void)state;
    pl_trend_compare *c = NULL;
    pl_error err = {0};
    /* rust: 2019 0 of 2, 2021 2 of 3: diff = 2/3 */
    assert_int_equal(pl_trends_compare(NULL, &the_snap, "rust", 2019, 2021, NULL, &c, &err), PL_OK);
    assert_int_equal(c->docs_a, 0);
    assert_int_equal(c->total_a, 2);
    assert_int_equal(c->docs_b, 2);
    assert_int_equal(c->total_b, 3);
    assert_true(fabs(c->diff - 2.0 / 3) < 1e-12);
    assert_true(c->diff_lo < c->diff && c->diff < c->diff_hi);
    assert_int_equal(n_searches, 0);
    pl_trend_compare_free(c);
    assert_int_equal(pl_trends_compare(NULL, &the_snap, "rust", 2019, 2020, NULL, &c, &err),
                     PL_ENOTFOUND);
    assert_null(c);
    /* 2022 has documents, but no talk: 0 of 0 is no share to compare */
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.kind = PL_KIND_TALK;
    pl_error_clear(&err);
    assert_int_equal(pl_trends_compare(NULL, &the_snap, "rust", 2021, 2022, &o, &c, &err),
                     PL_ENOTFOUND);
    assert_null(c);
    assert_non_null(strstr(err.msg, "2022"));
}

/* Rising 2019 -> 2021, alpha0 10, min_docs 1.  Counts (live docs only):
 *          bpf mm rust sched   n
 *   2021    1   2   4    1     8   (group 1)
 *   2019    2   1   0    2     5   (group 2)
 *   all     3   3   5    3    14   (background: docs 1,2,4,5,6,7)
 * rust: a_w = 10*5/14 = 3.5714; delta = ln(7.5714/10.4286) - ln(3.5714/11.4286)
 *     = -0.32015 + 1.16315 = 0.842983; z = 0.842983/sqrt(1/7.5714 + 1/3.5714)
 *     = 1.313199.
 * mm: delta 0.120383, z 0.160932 (rising a little).
 * bpf and sched: same counts, z -0.788611: falling, tie broken by name. */
static void rising_and_falling(void **state)
{
    (void)state;
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.alpha0 = 10;
    o.min_docs = 1;
    pl_term_shift *s = NULL;
    pl_error err = {0};
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2019, 2021, &o, &s, &err), PL_OK);
    assert_int_equal(s->docs_1, 3);
    assert_int_equal(s->docs_2, 2);
    assert_true(s->tokens_1 == 8 && s->tokens_2 == 5);
    assert_int_equal(s->n_up, 2);
    assert_string_equal(s->up[0].term, "rust");
    assert_string_equal(s->up[0].display, "rust");
    assert_true(s->up[0].count_1 == 4 && s->up[0].count_2 == 0);
    assert_true(fabs(s->up[0].delta - 0.842983) < 1e-6);
    assert_true(fabs(s->up[0].z - 1.313199) < 1e-6);
    assert_string_equal(s->up[1].term, "mm");
    assert_true(fabs(s->up[1].z - 0.160932) < 1e-6);
    assert_int_equal(s->n_down, 2);
    assert_string_equal(s->down[0].term, "sched"); /* lowest z first; equal z: by name, reversed */
    assert_string_equal(s->down[1].term, "bpf");
    assert_true(fabs(s->down[0].z + 0.788611) < 1e-6);
    pl_term_shift_free(s);

    /* min_docs 3: only terms in >= 3 documents of the two years: mm (2,4), bpf (1,5),
     * rust (5,6), sched (1,2,6) -> only sched is left */
    o.min_docs = 3;
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2019, 2021, &o, &s, &err), PL_OK);
    assert_int_equal(s->n_up, 0);
    assert_int_equal(s->n_down, 1);
    assert_string_equal(s->down[0].term, "sched");
    pl_term_shift_free(s);
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2019, 2020, &o, &s, &err), PL_ENOTFOUND);
    /* a range runs forwards, as from/to everywhere else */
    pl_error_clear(&err);
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2021, 2019, &o, &s, &err), PL_EUSAGE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "from (2021) is after to (2019)"));
}

static void cooccur_splits_the_year(void **state)
{
    (void)state;
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.min_docs = 1;
    o.alpha0 = 10;
    pl_term_shift *s = NULL;
    pl_error err = {0};
    /* rust in 2021: docs 5, 6 against doc 4 */
    assert_int_equal(pl_trends_cooccur(NULL, &the_snap, "rust", 2021, &o, &s, &err), PL_OK);
    assert_int_equal(s->docs_1, 2);
    assert_int_equal(s->docs_2, 1);
    assert_true(s->tokens_1 == 6 && s->tokens_2 == 2);
    assert_string_equal(s->topic, "rust");
    assert_true(s->n_up >= 1);
    assert_string_equal(s->up[0].term, "rust");
    assert_int_equal(s->n_down, 1);
    assert_string_equal(s->down[0].term, "mm");
    pl_term_shift_free(s);

    /* 2022 has one document and it matches rust: nothing to contrast it
     * with (the lists were rounding noise); bpf matches none of it */
    assert_int_equal(pl_trends_cooccur(NULL, &the_snap, "rust", 2022, &o, &s, &err), PL_EUSAGE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "matches all 1 documents of 2022"));
    pl_error_clear(&err);
    assert_int_equal(pl_trends_cooccur(NULL, &the_snap, "bpf", 2022, &o, &s, &err), PL_ENOTFOUND);
    assert_null(s);
    pl_error_clear(&err);
    assert_int_equal(pl_trends_cooccur(NULL, &the_snap, "bpf", 2020, &o, &s, &err), PL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no document from 2020"));
}

/* limit bounds each list: rising 2019 -> 2021 has 2 terms up and 2 down */
static void limit_is_per_list(void **state)
{
    (void)state;
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.alpha0 = 10;
    o.min_docs = 1;
    o.limit = 1;
    pl_term_shift *s = NULL;
    pl_error err = {0};
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2019, 2021, &o, &s, &err), PL_OK);
    assert_int_equal(s->limit, 1);
    assert_int_equal(s->n_up, 1);
    assert_int_equal(s->n_down, 1);
    assert_string_equal(s->up[0].term, "rust");
    assert_string_equal(s->down[0].term, "sched");
    pl_term_shift_free(s);
}

static const pl_term_score *find_term(const pl_term_shift *s, const char *term)
{
    for (size_t i = 0; i < s->n_up; i++)
        if (!strcmp(s->up[i].term, term))
            return &s->up[i];
    for (size_t i = 0; i < s->n_down; i++)
        if (!strcmp(s->down[i].term, term))
            return &s->down[i];
    return NULL;
}

/* What a word is for the contrast, rising 2019 -> 2024 on words_text:
 *  - RISC-V is one word (riscv, 4 times in 3 documents), never risc + v;
 *  - micro-conference and microconference are one word (twice a year);
 *  - bpf-based is one word; bpf occurs only inside it and inside links;
 *  - the links (lore.kernel.org/bpf/x, lore.kernel.org/bpf) and the
 *    address (jane.doe@kernel.org) count nothing, nor does e.g;
 *  - see, its, being and thus are counted but never listed.
 * Counted words: 2019: microconfer bpf-based trace it scope, microconfer
 * trace, see trace = 9; 2024: riscv microconfer riscv boot, microconfer
 * riscv mail, riscv be thus = 10. */
static void word_rules(void **state)
{
    (void)state;
    use_archive(words_text, words_years, words_kinds, 6);
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.alpha0 = 10;
    o.min_docs = 1;
    o.limit = 100;
    pl_term_shift *s = NULL;
    pl_error err = {0};
    assert_int_equal(pl_trends_rising(NULL, &the_snap, 2019, 2024, &o, &s, &err), PL_OK);
    assert_true(s->tokens_1 == 10 && s->tokens_2 == 9);
    const pl_term_score *t = find_term(s, "riscv");
    assert_non_null(t);
    assert_string_equal(t->display, "risc-v");
    assert_true(t->count_1 == 4 && t->count_2 == 0 && t->docs_1 == 3);
    assert_true(t->z > 0);
    t = find_term(s, "microconfer");
    assert_non_null(t);
    assert_true(t->count_1 == 2 && t->count_2 == 2 && t->docs_1 == 2 && t->docs_2 == 2);
    assert_string_equal(t->display, "micro-conference"); /* a tie: the first in order */
    size_t listed = s->n_up + s->n_down;
    /* riscv, microconfer, boot, mail, trace, scope and bpf-based */
    assert_int_equal(listed, 7);
    int saw_bpf_based = 0;
    for (size_t i = 0; i < listed; i++) {
        const pl_term_score *x = i < s->n_up ? &s->up[i] : &s->down[i - s->n_up];
        static const char *const never[] = {"risc", "v",   "micro", "confer", "lore", "kernel",
                                            "org",  "bpf", "jane",  "doe",    "x",    "eg",
                                            "e",    "g",   "it",    "be",     "thus", "see"};
        for (size_t k = 0; k < sizeof never / sizeof *never; k++)
            assert_string_not_equal(x->term, never[k]);
        saw_bpf_based |= !strcmp(x->display, "bpf-based");
    }
    assert_true(saw_bpf_based);
    pl_term_shift_free(s);
}

/* The function words shared with more-like-this: sorted for the binary
 * search, and found only as whole words. */
static void function_words(void **state)
{
    (void)state;
    for (size_t i = 1; i < pl_function_words_n; i++)
        assert_true(strcmp(pl_function_words[i - 1], pl_function_words[i]) < 0);
    assert_true(pl_is_function_word("thus", 4) && pl_is_function_word("e.g", 3));
    assert_true(pl_is_function_word("its", 3) && pl_is_function_word("already", 7));
    assert_false(pl_is_function_word("thusly", 6) || pl_is_function_word("rust", 4));
    assert_false(pl_is_function_word("notwithstanding_x", 17));
}

/* Every allocation failure on the way is a clean PL_ENOMEM (and, under
 * the sanitizers, leaks nothing): the n-th allocation fails, for every n
 * until the call gets through. */
static void allocation_failures_are_clean(void **state)
{
    (void)state;
    pl_trend_opts o;
    pl_trend_opts_init(&o);
    o.min_docs = 1;
    o.kind = PL_KIND_TALK; /* 2022 (a cfp only) is a no_docs point */
    const char *topics[] = {"bpf", "zz,yy"};
    for (int which = 0; which < 4; which++) {
        int rc = PL_ENOMEM;
        long n;
        for (n = 0; n < 20000 && rc != PL_OK; n++) {
            pl_error err = {0};
            pl_trends *t = NULL;
            pl_term_shift *s = NULL;
            pl_trend_compare *c = NULL;
            pl_alloc_fail_after(n);
            switch (which) {
            case 0: rc = pl_trends_compute(NULL, &the_snap, topics, 2, &o, &t, &err); break;
            case 1: rc = pl_trends_rising(NULL, &the_snap, 2019, 2021, &o, &s, &err); break;
            case 2: rc = pl_trends_cooccur(NULL, &the_snap, "bpf", 2021, &o, &s, &err); break;
            default: rc = pl_trends_compare(NULL, &the_snap, "rust", 2019, 2021, &o, &c, &err);
            }
            pl_alloc_fail_after(-1);
            assert_true(rc == PL_OK || rc == PL_ENOMEM);
            assert_true(rc == PL_OK || (!t && !s && !c));
            pl_trends_free(t);
            pl_term_shift_free(s);
            pl_trend_compare_free(c);
        }
        assert_int_equal(rc, PL_OK);
    }
}

static int group_setup(void **state)
{
    (void)state;
    pl_error err = {0};
    return pl_analyzer_new(&the_analyzer, &err) == PL_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    pl_analyzer_free(the_analyzer);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(series_counts_years_and_zeroes, setup),
        cmocka_unit_test_setup(filters_keep_years, setup),
        cmocka_unit_test_setup(warnings_explain_empty_answers, setup),
        cmocka_unit_test_setup(bad_input_is_an_error, setup),
        cmocka_unit_test_setup(compare_two_years, setup),
        cmocka_unit_test_setup(rising_and_falling, setup),
        cmocka_unit_test_setup(cooccur_splits_the_year, setup),
        cmocka_unit_test_setup(limit_is_per_list, setup),
        cmocka_unit_test_setup(word_rules, setup),
        cmocka_unit_test(function_words),
        cmocka_unit_test_setup(allocation_failures_are_clean, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
