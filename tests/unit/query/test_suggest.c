/*
 * Unit tests of query/suggest.c on a twelve-document index built here:
 * did-you-mean leaves real words alone and corrects typos, autocomplete
 * never offers a stopword and completes the last of several words, and
 * more-like-this follows the document's topic words, not its function
 * words or a long document's generic ones.  Expectations are worked out by
 * hand from the texts below.
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

typedef struct doc {
    const char *title, *body;
} doc;

/* docids follow this order: 1..12.  "kernel" is in eleven documents, the
 * typo "kernal" in one (8); "using" in three, "get" in two, "miguel" in
 * one and "miquel" in two. */
static const doc docs[] = {
    /* 1 */ {"printk: Why is it so complicated?",
             "Why is printk still complicated? The kernel console and its ring buffer. Still, "
             "why? Why not."},
    /* 2 */ {"Tracing ring buffers", "The kernel tracer writes to a ring buffer and the console."},
    /* 3: shares only function words (why, still, not) with 1 */
    {"Memory tiering", "Why is memory tiering still hard? Still, why not? Using the kernel."},
    /* 4 */
    {"Rust for Linux",
     "Rust in the kernel: Rust drivers, Rust abstractions and the Rust language."},
    /* 5 */ {"Writing a driver in Rust", "A small filesystem driver in Rust, using the kernel."},
    /* 6: long, with the other words of 4 (in its title too) but not rust */
    {"Storage drivers, abstractions and language",
     "Zoned storage drivers and block layer abstractions; the language of the "
     "specification; drivers for hosts; support for zoned devices in the kernel; open "
     "source tools; get the code."},
    /* 7 */ {"Scheduler", "The kernel scheduler and its scheduling classes; open source."},
    /* 8 */ {"Confidential computing", "Confidential computing in the kernal, using gcc."},
    /* 9 */ {"RISC-V", "The RISC-V kernel port and RISC-V boot; an open-source firmware."},
    /* 10 */ {"Speakers", "Miguel Ojeda and Miquel Raynal on the state-of-the-art kernel."},
    /* 11 */ {"Thermal", "Thermal control: get them all cool in the kernel; open source."},
    /* 12 */ {"Folks", "Folks who build the x86-s kernel with Miquel."},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static int setup(void **state)
{
    pl_indexer *ix = NULL;
    fx *f = qfx_begin("suggest-test", &ix);
    if (!f)
        return -1;
    pl_error err = {0};
    for (size_t i = 0; i < NDOCS; i++) {
        pl_record r;
        memset(&r, 0, sizeof r);
        char id[96];
        pl_record_make_id(2024, PL_KIND_TALK, docs[i].title, id);
        r.id = id;
        r.year = 2024;
        r.kind = PL_KIND_TALK;
        r.title = docs[i].title;
        r.body = docs[i].body;
        r.track = "";
        r.url = "";
        r.source_file = "test";
        if (pl_indexer_add_record(ix, &r, NULL, &err) != PL_OK) {
            fprintf(stderr, "# %s\n", err.msg);
            return -1;
        }
    }
    if (qfx_open(f, ix) != 0)
        return -1;
    *state = f;
    return 0;
}

/* The did-you-mean of a query, "" when there is none. */
static void expect_dym(fx *f, const char *q, const char *want)
{
    pl_search_opts o = {.q = q, .q_len = strlen(q), .kind = -1};
    pl_results *r = NULL;
    pl_error err = {0};
    assert_int_equal(pl_search(f->q, f->snap, &o, &r, &err), PL_OK);
    const char *got = r->suggestion ? r->suggestion : "";
    if (strcmp(got, want))
        fail_msg("'%s': suggestion '%s', want '%s'", q, got, want);
    pl_results_free(r);
}

static void did_you_mean_leaves_real_words_alone(void **state)
{
    fx *f = *state;
    /* in the index, with no neighbour ten times as frequent */
    expect_dym(f, "printk", "");
    expect_dym(f, "miguel", ""); /* miquel: 2 documents, not 10 */
    expect_dym(f, "Miguel", "");
    /* short: gcc is in the index, uring is not but is one edit from using */
    expect_dym(f, "gcc", "");
    expect_dym(f, "uring", "");
    expect_dym(f, "SNP", "");
    /* a digit: x86-64 is two edits from x86-s */
    expect_dym(f, "x86-64", "");
    /* six letters, absent: folks is two edits away */
    expect_dym(f, "folios", "");
    /* words that only the other's stem would "correct" */
    expect_dym(f, "schedulers", "");
}

static void did_you_mean_corrects_typos(void **state)
{
    fx *f = *state;
    expect_dym(f, "schedular", "scheduler");
    expect_dym(f, "confidental computing", "confidential computing");
    expect_dym(f, "Confidental", "confidential");
    /* in the index once (8), one edit from a word in ten documents */
    expect_dym(f, "kernal", "kernel");
    /* written joined in every document with both words */
    expect_dym(f, "risc v", "risc-v");
    /* open-source in 1 of the 4 documents with open and source: stays */
    expect_dym(f, "open source", "");
}

static void suggest_offers_no_stopword(void **state)
{
    fx *f = *state;
    pl_suggestion *s = NULL;
    size_t n = 0;
    pl_error err = {0};
    /* "the" is a surface (state-of-the-art) but a query of it fails */
    assert_int_equal(pl_suggest(f->q, f->snap, "the", 3, 10, &s, &n, &err), PL_OK);
    int them = 0, thermal = 0;
    for (size_t i = 0; i < n; i++) {
        assert_false(pl_is_stopword(s[i].text, strlen(s[i].text)));
        them |= !strcmp(s[i].text, "them");
        thermal |= !strcmp(s[i].text, "thermal");
    }
    assert_true(them && thermal);
    pl_suggestions_free(s, n);
}

static void suggest_completes_the_last_word(void **state)
{
    fx *f = *state;
    pl_suggestion *s = NULL;
    size_t n = 0;
    pl_error err = {0};
    /* driver/drivers: one completion per term; rust and driver meet in 4
     * and 5 */
    assert_int_equal(pl_suggest(f->q, f->snap, "Rust dr", 7, 10, &s, &n, &err), PL_OK);
    assert_int_equal(n, 1);
    assert_true(!strcmp(s[0].text, "Rust drivers") || !strcmp(s[0].text, "Rust driver"));
    assert_int_equal(s[0].df, 2);
    pl_suggestions_free(s, n);
    /* completions that find nothing with the words before are left out:
     * tiering meets none of the k- words but kernel; the head's own word
     * is not offered again */
    assert_int_equal(pl_suggest(f->q, f->snap, "tiering k", 9, 10, &s, &n, &err), PL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].text, "tiering kernel");
    assert_int_equal(s[0].df, 1);
    pl_suggestions_free(s, n);
    assert_int_equal(pl_suggest(f->q, f->snap, "kernel ke", 9, 10, &s, &n, &err), PL_OK);
    assert_int_equal(n, 0);
    pl_suggestions_free(s, n);
    /* a finished word has nothing to complete */
    assert_int_equal(pl_suggest(f->q, f->snap, "rust ", 5, 10, &s, &n, &err), PL_OK);
    assert_int_equal(n, 0);
    pl_suggestions_free(s, n);
    /* one word: as before, the vocabulary by df */
    assert_int_equal(pl_suggest(f->q, f->snap, "ker", 3, 10, &s, &n, &err), PL_OK);
    assert_true(n >= 2);
    assert_string_equal(s[0].text, "kernel");
    assert_int_equal(s[0].df, 11);
    pl_suggestions_free(s, n);
}

/* The one completion of prefix: its text and df. */
static void expect_one(fx *f, const char *prefix, const char *text, uint32_t df)
{
    pl_suggestion *s = NULL;
    size_t n = 0;
    pl_error err = {0};
    assert_int_equal(pl_suggest(f->q, f->snap, prefix, strlen(prefix), 10, &s, &n, &err), PL_OK);
    if (n != 1 || strcmp(s[0].text, text) || s[0].df != df)
        fprintf(stderr, "# %s: %zu completions, first '%s' %u\n", prefix, n, n ? s[0].text : "",
                n ? s[0].df : 0);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].text, text);
    assert_int_equal(s[0].df, df);
    pl_suggestions_free(s, n);
}

/* df is the strict count: the documents with every word of the text, not
 * what the relaxed query lists.  An open quote or parenthesis is counted
 * closed, an excluded last word as present; a text that cannot be closed
 * gives nothing. */
static void suggest_counts_every_word(void **state)
{
    fx *f = *state;
    pl_error err = {0};
    /* rust and kernel meet in 4 and 5; searched, the pair is relaxed and
     * lists more, and all_words says the 2 */
    expect_one(f, "tiering ker", "tiering kernel", 1);
    pl_suggestion *s = NULL;
    size_t n = 0;
    assert_int_equal(pl_suggest(f->q, f->snap, "rust kern", 9, 10, &s, &n, &err), PL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].text, "rust kernel");
    assert_int_equal(s[0].df, 2);
    pl_suggestions_free(s, n);
    pl_search_opts o = {.q = "rust kernel", .q_len = 11, .limit = 10, .kind = -1};
    pl_results *r = NULL;
    assert_int_equal(pl_search(f->q, f->snap, &o, &r, &err), PL_OK);
    assert_true(r->relaxed);
    assert_int_equal(r->all_words, 2);
    assert_true(r->total > 2);
    pl_results_free(r);
    o.flags = PL_SEARCH_PURE_AND;
    assert_int_equal(pl_search(f->q, f->snap, &o, &r, &err), PL_OK);
    assert_false(r->relaxed);
    assert_int_equal(r->all_words, 0);
    assert_int_equal(r->total, 2);
    pl_results_free(r);
    /* an open phrase: counted as the phrase closed (only 8 has
     * "confidential computing"; console, control, code, cool never follow
     * confidential) */
    expect_one(f, "\"confidential co", "\"confidential computing", 1);
    expect_one(f, "\"memory ti", "\"memory tiering", 1);
    /* an open group */
    expect_one(f, "tiering (ker", "tiering (kernel", 1);
    /* an excluded last word: the documents the exclusion would take away
     * (counting `rust -drivers` would find none and drop it) */
    pl_suggestion *x = NULL;
    assert_int_equal(pl_suggest(f->q, f->snap, "rust -dr", 8, 10, &x, &n, &err), PL_OK);
    assert_int_equal(n, 1);
    assert_true(!strcmp(x[0].text, "rust -drivers") || !strcmp(x[0].text, "rust -driver"));
    assert_int_equal(x[0].df, 2);
    pl_suggestions_free(x, n);
    expect_one(f, "kernel -tier", "kernel -tiering", 1);
    expect_one(f, "kernel NOT tier", "kernel NOT tiering", 1);
    /* a ')' without its '(' cannot be closed: nothing */
    assert_int_equal(pl_suggest(f->q, f->snap, "kernel ) tier", 13, 10, &x, &n, &err), PL_OK);
    assert_int_equal(n, 0);
    pl_suggestions_free(x, n);
}

/* The hits of pl_similar for docid, in order. */
static size_t similar(fx *f, uint32_t docid, uint32_t *ids, size_t cap)
{
    pl_results *r = NULL;
    pl_error err = {0};
    assert_int_equal(pl_similar(f->q, f->snap, docid, 10, &r, &err), PL_OK);
    size_t n = 0;
    for (size_t i = 0; i < r->n_hits && n < cap; i++) {
        assert_int_not_equal(r->hits[i].docid, docid);
        ids[n++] = r->hits[i].docid;
    }
    pl_results_free(r);
    return n;
}

static void similar_follows_the_topic(void **state)
{
    fx *f = *state;
    uint32_t ids[16];
    /* printk: the ring buffer and console talk; the one sharing only why,
     * still and not is not similar at all */
    size_t n = similar(f, 1, ids, 16);
    assert_true(n >= 1);
    assert_int_equal(ids[0], 2);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(ids[i], 3);
    /* Rust for Linux: the Rust driver talk before the long storage text
     * that shares drivers, abstractions and language */
    n = similar(f, 4, ids, 16);
    assert_true(n >= 2);
    assert_int_equal(ids[0], 5);
}

/* Every allocation failure on the paths above is a clean PL_ENOMEM, never
 * a result quietly cut short (leaks are the sanitizer's to find).  Each
 * call is retried with failures later and later until it succeeds, and
 * must then give its whole answer. */
static int suggest_once(fx *f, int which)
{
    pl_error err = {0};
    pl_suggestion *s = NULL;
    size_t n = 0;
    pl_results *r = NULL;
    pl_search_opts o = {.q = "risc v kernal", .q_len = 13, .kind = -1};
    int rc;
    switch (which) {
    case 0: rc = pl_suggest(f->q, f->snap, "Rust dr", 7, 10, &s, &n, &err); break;
    case 1: rc = pl_suggest(f->q, f->snap, "the", 3, 10, &s, &n, &err); break;
    case 2: rc = pl_similar(f->q, f->snap, 4, 10, &r, &err); break;
    default: rc = pl_search(f->q, f->snap, &o, &r, &err); break;
    }
    pl_alloc_fail_after(-1);
    if (rc == PL_OK) {
        if ((which == 0 && n != 1) || (which == 1 && n != 2) ||
            (which == 2 && (r->n_hits < 2 || r->hits[0].docid != 5)) ||
            (which == 3 && (!r->suggestion || strcmp(r->suggestion, "risc-v kernel"))))
            fail_msg("call %d succeeded with a partial answer", which);
    } else if (rc != PL_ENOMEM || !strstr(err.msg, "out of memory")) {
        fail_msg("call %d: rc %d '%s', not a clean PL_ENOMEM", which, rc, err.msg);
    }
    pl_suggestions_free(s, n);
    pl_results_free(r);
    return rc;
}

static void allocation_failures_are_clean(void **state)
{
    fx *f = *state;
    for (int which = 0; which < 4; which++) {
        long step;
        for (step = 0; step < 100000; step++) {
            pl_alloc_fail_after(step);
            if (suggest_once(f, which) == PL_OK)
                break;
        }
        assert_true(step > 0 && step < 100000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(did_you_mean_leaves_real_words_alone),
        cmocka_unit_test(did_you_mean_corrects_typos),
        cmocka_unit_test(suggest_offers_no_stopword),
        cmocka_unit_test(suggest_completes_the_last_word),
        cmocka_unit_test(suggest_counts_every_word),
        cmocka_unit_test(similar_follows_the_topic),
        cmocka_unit_test(allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, setup, qfx_close);
}
