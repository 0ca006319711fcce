/*
 * Unit tests of the fast paths of search: postings that span many chunks
 * (lazy chunk decoding, seek across chunks), PL_SEARCH_NO_TOTAL (top-k
 * pruning, phrase floors) and PL_SEARCH_IDS_ONLY (ids read from the first
 * bytes of the stored record).
 *
 * The index: N documents, docid i (1-based, in insertion order) has a body
 * of "alpha" if i % 2 == 0, then "beta" if i % 3 == 0, then "gamma" if
 * i % 7 == 0, then (i % 5) + 1 times "delta"; title "note <i>".  So the
 * counts below follow from divisibility: alpha 500, alpha AND beta
 * floor(1000/6) = 166, all three floor(1000/42) = 23; the phrase
 * "beta gamma" needs both (adjacent whenever both are there):
 * floor(1000/21) = 47; "alpha gamma" needs both and no beta in between:
 * floor(1000/14) - floor(1000/42) = 71 - 23 = 48.  Every postings list but
 * gamma's spans several chunks of 128 documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../../indexer/indexer.h"
#include "../../../query/query.h"
#include "fixture.h"

#define N 1000

/* Document i: year 2000 + i % 20, talk when i is odd, else MC. */
static int add_doc(pl_indexer *ix, int i, const char *title, const char *body, pl_error *err)
{
    char id[96];
    pl_record r;
    memset(&r, 0, sizeof r);
    r.year = 2000 + i % 20;
    r.kind = i % 2 ? PL_KIND_TALK : PL_KIND_MC;
    pl_record_make_id(r.year, r.kind, title, id);
    r.id = id;
    r.title = title;
    r.body = body;
    r.track = "";
    r.url = "";
    r.source_file = "test";
    return pl_indexer_add_record(ix, &r, NULL, err);
}

static int setup(void **state)
{
    pl_indexer *ix = NULL;
    fx *f = qfx_begin("qperf-test", &ix);
    if (!f)
        return -1;
    pl_error err = {0};
    for (int i = 1; i <= N; i++) {
        char title[32], body[128] = "";
        snprintf(title, sizeof title, "note %d", i);
        if (i % 2 == 0)
            strcat(body, "alpha ");
        if (i % 3 == 0)
            strcat(body, "beta ");
        if (i % 7 == 0)
            strcat(body, "gamma ");
        for (int k = 0; k <= i % 5; k++)
            strcat(body, "delta ");
        if (add_doc(ix, i, title, body, &err) != PL_OK) {
            fprintf(stderr, "# %s\n", err.msg);
            return -1;
        }
    }
    if (qfx_open(f, ix) != 0)
        return -1;
    *state = f;
    return 0;
}

static pl_results *run(fx *f, const char *q, unsigned flags, uint32_t limit)
{
    pl_search_opts o = {.q = q,
                        .q_len = strlen(q),
                        .limit = limit,
                        .kind = -1,
                        .flags = flags | PL_SEARCH_NO_SUGGEST | PL_SEARCH_PURE_AND};
    pl_results *r = NULL;
    pl_error err = {0};
    int rc = pl_search(f->q, f->snap, &o, &r, &err);
    if (rc != PL_OK)
        fprintf(stderr, "# %s: %s\n", q, err.msg);
    assert_int_equal(rc, PL_OK);
    return r;
}

/* Exact totals over postings of several chunks: every seek and next of
 * the leapfrog lands where divisibility says. */
static void and_and_phrase_counts_across_chunks(void **state)
{
    fx *f = *state;
    static const struct {
        const char *q;
        uint64_t total;
    } cases[] = {
        {"alpha", 500},
        {"beta", 333},
        {"gamma", 142},
        {"alpha beta", 166},
        {"beta gamma", 47},
        {"alpha gamma", 71},
        {"alpha beta gamma", 23},
        {"\"beta gamma\"", 47},
        {"\"alpha gamma\"", 48},
        {"\"alpha beta\"", 166},
        {"\"gamma alpha\"", 0},
        {"delta", N},
        /* a field filter inside an AND: alpha is in no title */
        {"title:alpha beta", 0},
        {"body:alpha beta", 166},
        {"title:note body:beta", 333},
        {"title:note alpha title:delta", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_results *r = run(f, cases[i].q, PL_SEARCH_NO_FACETS, 10);
        if (r->total != cases[i].total)
            fprintf(stderr, "# %s: %llu\n", cases[i].q, (unsigned long long)r->total);
        assert_int_equal(r->total, cases[i].total);
        pl_results_free(r);
    }
}

/* NO_TOTAL and IDS_ONLY return the same hits, in the same order, with the
 * same scores as the exact search; the total is then a lower bound. */
static void fast_flags_keep_the_hits(void **state)
{
    fx *f = *state;
    static const char *const qs[] = {"alpha",          "delta",           "alpha beta",
                                     "alpha delta",    "beta gamma",      "alpha beta gamma",
                                     "\"beta gamma\"", "\"alpha gamma\"", "\"alpha beta\" delta",
                                     "\"delta delta\""};
    static const uint32_t limits[] = {1, 10, 37};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            pl_results *a = run(f, qs[i], PL_SEARCH_NO_FACETS, limits[l]);
            pl_results *b =
                run(f, qs[i], PL_SEARCH_NO_TOTAL | PL_SEARCH_IDS_ONLY | PL_SEARCH_NO_SNIPPETS,
                    limits[l]);
            assert_true(a->n_hits > 0);
            assert_int_equal(a->n_hits, b->n_hits);
            assert_true(b->total <= a->total);
            assert_true(b->total >= b->n_hits);
            for (size_t k = 0; k < a->n_hits; k++) {
                assert_int_equal(a->hits[k].docid, b->hits[k].docid);
                assert_true(a->hits[k].score == b->hits[k].score);
                assert_string_equal(a->hits[k].doc->rec.id, b->hits[k].doc->rec.id);
                assert_int_equal(a->hits[k].doc->rec.year, b->hits[k].doc->rec.year);
                assert_int_equal(a->hits[k].doc->rec.kind, b->hits[k].doc->rec.kind);
                assert_string_equal(b->hits[k].doc->rec.body, "");
            }
            pl_results_free(a);
            pl_results_free(b);
        }
    }
}

/* The top hit of a one-word query is the shortest document with the
 * word: "alpha" alone is best where delta is rarest (i % 5 == 0, one
 * delta) and the body has no beta or gamma: i = 10, 20, 40, ... all tie
 * on score, so the lowest docid, 10, wins. */
static void top_hit_by_hand(void **state)
{
    fx *f = *state;
    pl_results *r = run(f, "alpha", PL_SEARCH_NO_TOTAL | PL_SEARCH_IDS_ONLY, 3);
    assert_int_equal(r->n_hits, 3);
    assert_int_equal(r->hits[0].docid, 10);
    assert_int_equal(r->hits[1].docid, 20);
    assert_int_equal(r->hits[2].docid, 40);
    assert_true(r->hits[0].score == r->hits[2].score);
    pl_results_free(r);
}

/* Block-max skipping (terms stepping over blocks, ANDs over windows) on
 * a random index: 3,000 documents of Zipf-distributed words with bodies of
 * 3 to 300 words, some words in titles, in runs of short, long and mixed
 * documents, so that some blocks have low bounds and others vary.  For
 * 400 random queries (one to three words, phrases, field filters) the top
 * k of the exact search and the top k without exact totals must both be
 * the top k of a search that scores every match (PL_SEARCH_EXHAUSTIVE):
 * same documents, order and scores. */
static uint64_t rng = 88172645463325252u;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

#define VOCAB 48
static const char *word(unsigned i)
{
    static char w[VOCAB][8];
    snprintf(w[i], sizeof w[i], "zq%c%c", (char)('a' + i / 26), (char)('a' + i % 26));
    return w[i];
}

/* Zipf-like: word i with weight 1 / (i + 1). */
static unsigned zipf(void)
{
    static double cum[VOCAB];
    if (cum[VOCAB - 1] == 0) {
        double s = 0;
        for (unsigned i = 0; i < VOCAB; i++)
            cum[i] = s += 1.0 / (i + 1);
    }
    double x = (double)rnd(1u << 30) / (1u << 30) * cum[VOCAB - 1];
    unsigned i = 0;
    while (i + 1 < VOCAB && cum[i] < x)
        i++;
    return i;
}

static void block_max_keeps_the_top_k(void **state)
{
    (void)state;
    fx f = {0};
    snprintf(f.dir, sizeof f.dir, "/tmp/pl-qperf-bm-XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    pl_error err = {0};
    pl_indexer *ix = NULL;
    assert_int_equal(pl_indexer_new(&ix, f.dir, PL_INDEX_REBUILD, NULL, &err), PL_OK);
    static char body[300 * 8 + 1];
    /* the words of each document, all fields and title: the totals of the
     * ANDs are counted from these, apart from the engine's own loops */
    static uint64_t has[3001], in_title[3001];
    for (int i = 1; i <= 3000; i++) {
        char title[64];
        /* runs of 300 documents alike in length (short, long, mixed), so
         * that whole blocks have low bounds and get skipped */
        unsigned region = (unsigned)(i / 300) % 3;
        unsigned nb = region == 0   ? 3 + rnd(20)
                      : region == 1 ? 150 + rnd(150)
                                    : 3 + (rnd(4) ? rnd(40) : rnd(300));
        size_t o = 0;
        for (unsigned k = 0; k < nb && k < 300; k++) {
            unsigned w = zipf();
            has[i] |= 1ull << w;
            o += (size_t)snprintf(body + o, sizeof body - o, "%s ", word(w));
        }
        unsigned tw = rnd(3) ? zipf() : VOCAB;
        if (tw < VOCAB) {
            has[i] |= 1ull << tw;
            in_title[i] |= 1ull << tw;
        }
        snprintf(title, sizeof title, "t%d %s", i, tw < VOCAB ? word(tw) : "");
        assert_int_equal(add_doc(ix, i, title, body, &err), PL_OK);
    }
    assert_int_equal(pl_indexer_commit(ix, &err), PL_OK);
    pl_indexer_free(ix);
    assert_int_equal(pl_store_open(&f.store, f.dir, PL_STORE_READONLY, &err), PL_OK);
    assert_int_equal(pl_snap_begin(f.store, &f.snap, &err), PL_OK);
    assert_int_equal(pl_snap_check(f.snap, &err), PL_OK); /* impacts bound every doc */
    assert_int_equal(pl_qctx_new(NULL, &f.q, &err), PL_OK);
    static const uint32_t limits[] = {1, 10, 25};
    for (int qi = 0; qi < 400; qi++) {
        char q[128];
        unsigned shape = rnd(6), a = zipf(), b = zipf(), c = zipf();
        switch (shape) {
        case 0:
        case 1: snprintf(q, sizeof q, "%s", word(a)); break;
        case 2: snprintf(q, sizeof q, "%s %s", word(a), word(b)); break;
        case 3: snprintf(q, sizeof q, "%s %s %s", word(a), word(b), word(c)); break;
        case 4: snprintf(q, sizeof q, "\"%s %s\" %s", word(a), word(b), word(c)); break;
        default: snprintf(q, sizeof q, "title:%s %s", word(a), word(b)); break;
        }
        uint32_t limit = limits[rnd(3)];
        /* the total, by hand, of the plain ANDs and the title filter */
        uint64_t need = 1ull << a, need_title = 0;
        if (shape == 2 || shape == 3 || shape == 5)
            need |= 1ull << b;
        if (shape == 3)
            need |= 1ull << c;
        if (shape == 5) {
            need = 1ull << b;
            need_title = 1ull << a;
        }
        uint64_t by_hand = 0;
        for (int i = 1; i <= 3000; i++)
            by_hand += (has[i] & need) == need && (in_title[i] & need_title) == need_title;
        /* the reference scores every match; the others must agree */
        pl_results *x =
            run(&f, q, PL_SEARCH_NO_FACETS | PL_SEARCH_NO_SNIPPETS | PL_SEARCH_EXHAUSTIVE, limit);
        pl_results *e = run(&f, q, PL_SEARCH_NO_FACETS, limit);
        pl_results *y = run(&f, q, PL_SEARCH_NO_TOTAL | PL_SEARCH_NO_SNIPPETS, limit);
        size_t want = x->n_hits;
        if (want != y->n_hits || want != e->n_hits)
            fprintf(stderr, "# %s: %zu hits, %zu exact, %zu without totals\n", q, want, e->n_hits,
                    y->n_hits);
        assert_int_equal(e->n_hits, want);
        assert_int_equal(y->n_hits, want);
        assert_int_equal(e->total, x->total);
        if (shape != 4) {
            if (x->total != by_hand)
                fprintf(stderr, "# %s: total %llu, by hand %llu\n", q, (unsigned long long)x->total,
                        (unsigned long long)by_hand);
            assert_int_equal(x->total, by_hand);
        }
        for (size_t k = 0; k < want; k++) {
            assert_int_equal(x->hits[k].docid, e->hits[k].docid);
            assert_true(x->hits[k].score == e->hits[k].score);
            if (x->hits[k].docid != y->hits[k].docid)
                fprintf(stderr, "# %s: hit %zu: %u (%.17g) against %u (%.17g)\n", q, k,
                        x->hits[k].docid, x->hits[k].score, y->hits[k].docid, y->hits[k].score);
            assert_int_equal(x->hits[k].docid, y->hits[k].docid);
            assert_true(x->hits[k].score == y->hits[k].score);
        }
        pl_results_free(x);
        pl_results_free(e);
        pl_results_free(y);
    }
    pl_qctx_free(f.q);
    pl_snap_end(f.snap);
    pl_store_close(f.store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f.dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(and_and_phrase_counts_across_chunks),
        cmocka_unit_test(fast_flags_keep_the_hits),
        cmocka_unit_test(top_hit_by_hand),
        cmocka_unit_test(block_max_keeps_the_top_k),
    };
    return cmocka_run_group_tests(tests, setup, qfx_close);
}
