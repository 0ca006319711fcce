/*
 * Unit tests of query/: execution, ranking, snippets, facets, suggestions
 * on a five-document index built here (expectations worked out by hand
 * from the texts below), plus parser errors and limits.
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
    int year;
    pl_kind kind;
    const char *title, *body, *person, *track;
    const char *day;
} doc;

/* docids follow this order: 1..5 */
static const doc docs[] = {
    {2019, PL_KIND_TALK, "Live migration of confidential VMs",
     "We present live migration for confidential virtual machines. <script>alert(1)</script> & "
     "more.",
     "Alice Smith", "Virtualization MC", "2019-09-10"},
    {2020, PL_KIND_TALK, "Rust in the kernel",
     "Writing drivers in Rust. Migration is live elsewhere.", "Bob Jones", "Rust MC", "2020-08-25"},
    {2021, PL_KIND_MC, "Scheduler", "The scheduler and sched_ext live here. live live migration",
     NULL, NULL, ""},
    {2023, PL_KIND_CFP, "BPF tracing", "eBPF tracing of the kernel scheduler", NULL, NULL, ""},
    {2023, PL_KIND_TALK, "Memory tiering", "memory tiering with CXL memory near compute", "Carol",
     "Memory MC", "2023-11-14"},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static int setup(void **state)
{
    pl_indexer *ix = NULL;
    fx *f = qfx_begin("query-test", &ix);
    if (!f)
        return -1;
    pl_error err = {0};
    for (size_t i = 0; i < NDOCS; i++) {
        pl_record r;
        memset(&r, 0, sizeof r);
        char id[96];
        pl_record_make_id(docs[i].year, docs[i].kind, docs[i].title, id);
        r.id = id;
        r.year = docs[i].year;
        r.kind = docs[i].kind;
        r.title = docs[i].title;
        r.body = docs[i].body;
        if (docs[i].person) {
            r.people[0] = docs[i].person;
            r.n_people = 1;
        }
        r.track = docs[i].track ? docs[i].track : "";
        snprintf(r.day, sizeof r.day, "%s", docs[i].day);
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

static pl_results *run(fx *f, const char *q, unsigned flags, uint32_t offset, uint32_t limit,
                       int sort)
{
    pl_search_opts o = {.q = q,
                        .q_len = strlen(q),
                        .offset = offset,
                        .limit = limit,
                        .sort = sort,
                        .kind = -1,
                        .flags = flags};
    pl_results *r = NULL;
    pl_error err = {0};
    int rc = pl_search(f->q, f->snap, &o, &r, &err);
    if (rc != PL_OK)
        fprintf(stderr, "# %s: %s\n", q, err.msg);
    assert_int_equal(rc, PL_OK);
    return r;
}

static uint64_t total(fx *f, const char *q, unsigned flags)
{
    pl_results *r = run(f, q, flags | PL_SEARCH_NO_SUGGEST, 0, 10, PL_SORT_RELEVANCE);
    uint64_t t = r->total;
    pl_results_free(r);
    return t;
}

static void boolean_operators_count_exactly(void **state)
{
    fx *f = *state;
    /* strict AND: a small index would relax nearly every query */
    /* live + migration: doc1 (title, body), doc2 ("Migration is live"), doc3 */
    assert_int_equal(total(f, "live migration", PL_SEARCH_PURE_AND), 3);
    /* the phrase: doc1 and doc3 only */
    assert_int_equal(total(f, "\"live migration\"", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "live -rust", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "live NOT rust", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "rust OR tiering", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "(rust OR tiering) kernel", PL_SEARCH_PURE_AND), 1);
    assert_int_equal(total(f, "-live", PL_SEARCH_PURE_AND), 2);
    /* '-' excludes a phrase or a group as NOT does (doc2 has "Migration is
     * live" and rust; doc3 the title Scheduler) */
    assert_int_equal(total(f, "live -\"migration is live\"", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "live -(rust OR scheduler)", PL_SEARCH_PURE_AND), 1);
    assert_int_equal(total(f, "live -title:scheduler", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "live -year:2019", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "live -kind:mc", PL_SEARCH_PURE_AND), 2);
    /* a no-break space separates words as ' ' does (not a phrase: 2) */
    assert_int_equal(total(f, "live\xc2\xa0migration", PL_SEARCH_PURE_AND), 3);
    /* "Writing drivers in Rust": drivers at 1, rust at 3 */
    assert_int_equal(total(f, "rust NEAR/2 drivers", PL_SEARCH_PURE_AND), 1);
    assert_int_equal(total(f, "rust NEAR/1 drivers", PL_SEARCH_PURE_AND), 0);
    assert_int_equal(total(f, "title:scheduler", PL_SEARCH_PURE_AND), 1);
    assert_int_equal(total(f, "scheduler", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "speaker:alice", PL_SEARCH_PURE_AND), 1);
    assert_int_equal(total(f, "sched*", PL_SEARCH_PURE_AND), 2);
    assert_int_equal(total(f, "sched_ext", PL_SEARCH_PURE_AND), 1);
    assert_int_equal(total(f, "nosuchword", PL_SEARCH_PURE_AND), 0);
}

static void filters_and_facets_are_exact(void **state)
{
    fx *f = *state;
    assert_int_equal(total(f, "kind:talk", 0), 3);
    assert_int_equal(total(f, "year:2020..2023", 0), 4);
    assert_int_equal(total(f, "year:>=2023", 0), 2);
    assert_int_equal(total(f, "year:<2020", 0), 1);
    /* open ranges, as the description prints year:>=2021 */
    assert_int_equal(total(f, "year:2021..", 0), 3);
    assert_int_equal(total(f, "year:..2020", 0), 2);
    static const char *const years[] = {"year:>=2021", "year:>2020", "year:<=2020", "year:<2021",
                                        "year:2019..2021"};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        /* the description of a year filter parses back to itself */
        pl_query *q = NULL;
        pl_error err = {0};
        assert_int_equal(pl_query_parse(f->q, years[i], strlen(years[i]), &q, &err), PL_OK);
        char *d = pl_query_describe(q);
        pl_query_free(q);
        assert_int_equal(pl_query_parse(f->q, d, strlen(d), &q, &err), PL_OK);
        char *d2 = pl_query_describe(q);
        assert_string_equal(d2, d);
        assert_int_equal(total(f, d, 0), total(f, years[i], 0));
        pl_free(d);
        pl_free(d2);
        pl_query_free(q);
    }
    assert_int_equal(total(f, "track:\"rust mc\"", 0), 1);
    assert_int_equal(total(f, "kind:talk live", 0), 2);
    pl_results *r = run(f, "kind:talk", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->n_facet_year, 3);
    assert_string_equal(r->facet_year[0].value, "2023"); /* newest first */
    for (size_t i = 0; i < r->n_facet_year; i++)
        assert_int_equal(r->facet_year[i].count, 1);
    assert_int_equal(r->n_facet_kind, 1);
    assert_string_equal(r->facet_kind[0].value, "talk");
    assert_int_equal(r->facet_kind[0].count, 3);
    assert_int_equal(r->n_facet_track, 3);
    pl_results_free(r);
    /* API filters AND with the query */
    pl_search_opts o = {.q = "live", .q_len = 4, .kind = PL_KIND_MC, .year_from = 2021};
    pl_error err = {0};
    assert_int_equal(pl_search(f->q, f->snap, &o, &r, &err), PL_OK);
    assert_int_equal(r->total, 1);
    assert_string_equal(r->hits[0].doc->rec.title, "Scheduler");
    pl_results_free(r);
}

static void ranking_pagination_and_sort(void **state)
{
    fx *f = *state;
    pl_results *r = run(f, "live migration", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->n_hits, 3);
    /* title matches weigh most */
    assert_string_equal(r->hits[0].doc->rec.title, "Live migration of confidential VMs");
    for (size_t i = 1; i < r->n_hits; i++)
        assert_true(r->hits[i - 1].score >= r->hits[i].score);
    pl_results_free(r);
    r = run(f, "kind:talk", 0, 1, 1, PL_SORT_RELEVANCE);
    assert_int_equal(r->total, 3);
    assert_int_equal(r->n_hits, 1);
    pl_results_free(r);
    r = run(f, "kind:talk", 0, 0, 10, PL_SORT_DATE);
    assert_int_equal(r->n_hits, 3);
    assert_int_equal(r->hits[0].doc->rec.year, 2023);
    assert_int_equal(r->hits[2].doc->rec.year, 2019);
    pl_results_free(r);
    r = run(f, "kind:talk", 0, 5, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->total, 3);
    assert_int_equal(r->n_hits, 0);
    pl_results_free(r);
}

static void implicit_and_relaxes_when_nothing_matches(void **state)
{
    fx *f = *state;
    /* no document has both: relaxed to OR (docs 2 and 5) */
    assert_int_equal(total(f, "rust tiering", 0), 2);
    assert_int_equal(total(f, "rust tiering", PL_SEARCH_PURE_AND), 0);
    assert_int_equal(total(f, "rust AND tiering", 0), 0);
    /* documents with more of the words rank first */
    pl_results *r = run(f, "rust kernel drivers tiering", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_string_equal(r->hits[0].doc->rec.title, "Rust in the kernel");
    pl_results_free(r);
}

static const char *span_text(const pl_hit *h, size_t i, char *buf, size_t cap)
{
    size_t n = h->highlights[i].end - h->highlights[i].start;
    snprintf(buf, cap, "%.*s", (int)n, h->snippet_text + h->highlights[i].start);
    return buf;
}

static void snippets_escape_and_mark(void **state)
{
    fx *f = *state;
    pl_results *r = run(f, "confidential", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->n_hits, 1);
    const pl_hit *h = &r->hits[0];
    assert_null(strstr(h->snippet_html, "<script>"));
    assert_non_null(strstr(h->snippet_html, "&lt;script&gt;"));
    assert_non_null(strstr(h->snippet_html, "&amp; more"));
    assert_non_null(strstr(h->snippet_html, "<mark>confidential</mark>"));
    assert_int_equal(h->n_highlights, 1);
    char buf[64];
    assert_string_equal(span_text(h, 0, buf, sizeof buf), "confidential");
    /* snippet_text is a slice of the body at snippet_offset */
    assert_memory_equal(docs[0].body + h->snippet_offset, h->snippet_text, strlen(h->snippet_text));
    pl_results_free(r);
    /* a phrase marks its occurrence only, not the lone "live"s */
    r = run(f, "\"live migration\" title:scheduler", PL_SEARCH_PURE_AND, 0, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->n_hits, 1);
    h = &r->hits[0];
    assert_int_equal(h->n_highlights, 1);
    assert_string_equal(span_text(h, 0, buf, sizeof buf), "live migration");
    pl_results_free(r);
    /* no match in the body: the start of the body */
    r = run(f, "title:memory", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->hits[0].snippet_offset, 0);
    pl_results_free(r);
}

/* The hit whose title is `title`, or NULL. */
static const pl_hit *hit_titled(const pl_results *r, const char *title)
{
    for (size_t i = 0; i < r->n_hits; i++)
        if (!strcmp(r->hits[i].doc->rec.title, title))
            return &r->hits[i];
    return NULL;
}

/* The title marks of the hit titled `title` for query q, joined by '|'. */
static void title_marks(fx *f, const char *q, unsigned flags, const char *title, const char *want)
{
    pl_results *r = run(f, q, flags, 0, 10, PL_SORT_RELEVANCE);
    const pl_hit *h = hit_titled(r, title);
    if (!h)
        fprintf(stderr, "# %s: no hit titled '%s'\n", q, title);
    assert_non_null(h);
    char got[128] = "";
    for (size_t i = 0; i < h->n_title_highlights; i++) {
        const pl_span *s = &h->title_highlights[i];
        assert_true(s->start < s->end && s->end <= strlen(title));
        size_t k = strlen(got);
        snprintf(got + k, sizeof got - k, "%s%.*s", i ? "|" : "", (int)(s->end - s->start),
                 title + s->start);
    }
    if (strcmp(got, want))
        fprintf(stderr, "# %s: title marks '%s', want '%s'\n", q, got, want);
    assert_string_equal(got, want);
    pl_results_free(r);
}

static void titles_mark_the_words_that_may_match_there(void **state)
{
    fx *f = *state;
    /* unrestricted words and title: words mark the title ... */
    title_marks(f, "scheduler", 0, "Scheduler", "Scheduler");
    title_marks(f, "title:scheduler", 0, "Scheduler", "Scheduler");
    title_marks(f, "rust kernel", 0, "Rust in the kernel", "Rust|kernel");
    /* ... a word restricted to the body or the people does not, even
     * where it is in the title; the body's snippet still marks it */
    title_marks(f, "body:scheduler", 0, "Scheduler", "");
    title_marks(f, "body:scheduler", 0, "BPF tracing", "");
    pl_results *r = run(f, "body:scheduler", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_true(hit_titled(r, "Scheduler")->n_highlights > 0);
    pl_results_free(r);
    title_marks(f, "speaker:rust rust", 0, "Rust in the kernel", "Rust");
    title_marks(f, "title:kernel body:rust", PL_SEARCH_PURE_AND, "Rust in the kernel", "kernel");
    /* a phrase marks the phrase; an exclusion marks nothing */
    title_marks(f, "\"live migration\"", 0, "Live migration of confidential VMs", "Live migration");
    /* both words are in the title, but not as the phrase ("of" keeps its
     * position): only the lone word asked for is marked */
    title_marks(f, "\"migration confidential\" OR confidential", 0,
                "Live migration of confidential VMs", "confidential");
    title_marks(f, "confidential -body:vms", 0, "Live migration of confidential VMs",
                "confidential");
    title_marks(f, "tracing -memory", 0, "BPF tracing", "tracing");
    title_marks(f, "sched*", 0, "Scheduler", "Scheduler");
    /* not computed on the benchmark's paths */
    unsigned skip[2] = {PL_SEARCH_NO_SNIPPETS, PL_SEARCH_IDS_ONLY};
    for (int k = 0; k < 2; k++) {
        r = run(f, "scheduler", skip[k], 0, 10, PL_SORT_RELEVANCE);
        assert_true(r->n_hits > 0);
        for (size_t i = 0; i < r->n_hits; i++) {
            assert_null(r->hits[i].title_highlights);
            assert_int_equal(r->hits[i].n_title_highlights, 0);
        }
        pl_results_free(r);
    }
}

static void explain_and_mentions(void **state)
{
    fx *f = *state;
    pl_results *r = run(f, "live migration", PL_SEARCH_EXPLAIN, 0, 10, PL_SORT_RELEVANCE);
    assert_non_null(r->hits[0].explain);
    assert_non_null(strstr(r->hits[0].explain, "term live"));
    assert_non_null(strstr(r->hits[0].explain, "title tf=1"));
    pl_results_free(r);
}

typedef struct mcount {
    uint32_t docs[8], mentions[8];
    size_t n;
} mcount;

static int on_match(void *ctx, uint32_t docid, uint32_t mentions)
{
    mcount *m = ctx;
    m->docs[m->n] = docid;
    m->mentions[m->n++] = mentions;
    return 0;
}

static void foreach_match_counts_mentions(void **state)
{
    fx *f = *state;
    pl_query *q = NULL;
    pl_error err = {0};
    assert_int_equal(pl_query_parse(f->q, "live", 4, &q, &err), PL_OK);
    mcount m = {0};
    assert_int_equal(pl_query_foreach_match(f->q, f->snap, q, on_match, &m, &err), PL_OK);
    pl_query_free(q);
    assert_int_equal(m.n, 3);
    /* doc1: title 1 + body 1; doc2: 1; doc3: 3 */
    assert_int_equal(m.docs[0], 1);
    assert_int_equal(m.mentions[0], 2);
    assert_int_equal(m.mentions[1], 1);
    assert_int_equal(m.mentions[2], 3);
}

static void suggest_and_did_you_mean(void **state)
{
    fx *f = *state;
    pl_suggestion *s = NULL;
    size_t n = 0;
    pl_error err = {0};
    assert_int_equal(pl_suggest(f->q, f->snap, "sched", 5, 10, &s, &n, &err), PL_OK);
    int have_ext = 0, have_sched = 0;
    for (size_t i = 0; i < n; i++) {
        have_ext |= !strcmp(s[i].text, "sched_ext");
        have_sched |= !strcmp(s[i].text, "scheduler");
        if (i)
            assert_true(s[i - 1].df >= s[i].df);
    }
    assert_true(have_ext && have_sched);
    assert_string_equal(s[0].text, "scheduler"); /* in two documents */
    pl_suggestions_free(s, n);
    pl_results *r = run(f, "schedular", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_int_equal(r->total, 0);
    assert_non_null(r->suggestion);
    assert_string_equal(r->suggestion, "scheduler");
    pl_results_free(r);
    r = run(f, "scheduler", 0, 0, 10, PL_SORT_RELEVANCE);
    assert_null(r->suggestion);
    pl_results_free(r);
}

static void similar_excludes_itself(void **state)
{
    fx *f = *state;
    pl_results *r = NULL;
    pl_error err = {0};
    assert_int_equal(pl_similar(f->q, f->snap, 3, 10, &r, &err), PL_OK);
    assert_true(r->n_hits >= 1);
    for (size_t i = 0; i < r->n_hits; i++)
        assert_int_not_equal(r->hits[i].docid, 3);
    pl_results_free(r);
}

static void bad_queries_and_options(void **state)
{
    fx *f = *state;
    pl_search_opts o = {.q = "\"open", .q_len = 5, .kind = -1};
    pl_results *r = NULL;
    pl_error err = {0};
    assert_int_equal(pl_search(f->q, f->snap, &o, &r, &err), PL_EPARSE);
    assert_null(r);
    assert_non_null(strstr(err.msg, "column 1"));
    pl_error_clear(&err);
    o.q = "rust";
    o.q_len = 4;
    o.limit = PL_SEARCH_MAX_LIMIT + 1;
    assert_int_equal(pl_search(f->q, f->snap, &o, &r, &err), PL_EUSAGE);
    /* deep nesting: a clean limit error, no crash */
    size_t depth = 2000;
    char *deep = malloc(2 * depth + 5);
    memset(deep, '(', depth);
    memcpy(deep + depth, "rust", 4);
    memset(deep + depth + 4, ')', depth);
    pl_query *q = NULL;
    pl_error_clear(&err);
    assert_int_equal(pl_query_parse(f->q, deep, 2 * depth + 4, &q, &err), PL_ELIMIT);
    assert_non_null(strstr(err.msg, "nesting"));
    free(deep);
    pl_error_clear(&err);
    assert_int_equal(pl_query_parse(f->q, "rust kernel)", 12, &q, &err), PL_EPARSE);
    assert_non_null(strstr(err.msg, "column 12"));
}

/* A malformed query fails with PL_EPARSE and says what is wrong and where
 * (the whole message is the contract: the page and the CLI print it). */
static void parse_errors_say_what_and_where(void **state)
{
    fx *f = *state;
    static const struct {
        const char *q, *msg;
    } cases[] = {
        {"- rust", "'-' without an operand at column 1"},
        {"rust -", "'-' without an operand at column 6"},
        {"rust OR - go", "'-' without an operand at column 9"},
        {"bpf --kernel", "double exclusion at column 6"},
        {"NOT NOT rust", "double exclusion at column 5"},
        {"NOT -rust", "double exclusion at column 5"},
        {"title:-rust", "a field takes a word, a phrase or a group, not an exclusion at column 7"},
        {"title:NOT rust",
         "a field takes a word, a phrase or a group, not an exclusion at column 7"},
        {"rust OR -kernel", "an exclusion cannot stand inside OR at column 9"},
        {"rust NEAR -kernel", "an exclusion cannot stand inside NEAR at column 11"},
        /* U+00A0 and U+3000: spaces, one column each */
        {"rust\xc2\xa0-", "'-' without an operand at column 6"},
        {"\xe3\x80\x80\"\xc2\xa0\"", "empty phrase at column 2"},
        {"title:\xc2\xa0rust", "field without a value at column 1"},
        /* f() is a function call; a space before () makes it a group */
        {"printk ()", "nothing to search for inside parentheses at column 8"},
        {"http:foo", "unknown field 'http' (fields: title, body, speaker, lead, kind, track, "
                     "year) at column 1"},
        {"title::rust", "a field name takes one ':' (title:rust) at column 7"},
        {"title:year:2019", "year:/kind:/track: filters cannot take a field at column 7"},
        {"speaker:kind:talk", "year:/kind:/track: filters cannot take a field at column 9"},
        {"title:(rust track:rt)", "year:/kind:/track: filters cannot take a field at column 13"},
        {"rust *alloc", "no suffix search: '*' only ends a prefix (sched*) at column 6"},
        {"sched*ext*", "'*' only ends a prefix (sched*) at column 6"},
        {"rust year:..", "bad year (use year:2019, year:2019..2023, year:2019.., year:..2019, "
                         "year:>=2023, year:<2020) at column 6"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_query *q = NULL;
        pl_error err = {0};
        int rc = pl_query_parse(f->q, cases[i].q, strlen(cases[i].q), &q, &err);
        if (rc != PL_EPARSE || strcmp(err.msg, cases[i].msg))
            fail_msg("'%s': got %d '%s', want '%s'", cases[i].q, rc, err.msg, cases[i].msg);
        assert_null(q);
    }
}

static void synonyms_expand_from_a_user_file(void **state)
{
    (void)state;
    char path[] = "/tmp/pl-syn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# test\nfoo | bar baz\nsolo\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    pl_error err = {0};
    pl_analyzer *an = NULL;
    pl_synonyms *syn = NULL;
    pl_qctx *q = NULL;
    assert_int_equal(pl_analyzer_new(&an, &err), PL_OK);
    assert_int_equal(pl_synonyms_load(path, an, &syn, &err), PL_OK);
    assert_int_equal(pl_qctx_new(syn, &q, &err), PL_OK);
    pl_query *query = NULL;
    assert_int_equal(pl_query_parse(q, "foo", 3, &query, &err), PL_OK);
    char *d = pl_query_describe(query);
    assert_string_equal(d, "(foo SYN PHRASE(bar baz))");
    pl_free(d);
    pl_query_free(query);
    assert_int_equal(pl_query_parse(q, "bar baz", 7, &query, &err), PL_OK);
    d = pl_query_describe(query);
    assert_string_equal(d, "(PHRASE(bar baz) SYN foo)");
    pl_free(d);
    pl_query_free(query);
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(an);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boolean_operators_count_exactly),
        cmocka_unit_test(filters_and_facets_are_exact),
        cmocka_unit_test(ranking_pagination_and_sort),
        cmocka_unit_test(implicit_and_relaxes_when_nothing_matches),
        cmocka_unit_test(snippets_escape_and_mark),
        cmocka_unit_test(titles_mark_the_words_that_may_match_there),
        cmocka_unit_test(explain_and_mentions),
        cmocka_unit_test(foreach_match_counts_mentions),
        cmocka_unit_test(suggest_and_did_you_mean),
        cmocka_unit_test(similar_excludes_itself),
        cmocka_unit_test(bad_queries_and_options),
        cmocka_unit_test(parse_errors_say_what_and_where),
        cmocka_unit_test(synonyms_expand_from_a_user_file),
    };
    return cmocka_run_group_tests(tests, setup, qfx_close);
}
