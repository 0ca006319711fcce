/* Unit tests of indexer/analyzer.c: tokenisation, folding, stemming,
 * positions, byte offsets, stopwords, hostile input, allocation failure.
 * Expected tokens are worked out by hand from docs/analysis.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../../indexer/analyzer.h"

#define MAX_TOKS 256

typedef struct tok {
    char term[PL_MAX_TERM + 1];
    char surface[PL_MAX_TERM + 1];
    uint32_t pos, start, end;
    unsigned flags;
} tok;

typedef struct toks {
    tok t[MAX_TOKS];
    size_t n;
    const char *text;
    int stop_after; /* >0: return PL_ELIMIT at this token */
} toks;

static int collect(void *ctx, const pl_token *t)
{
    toks *ts = ctx;
    /* Every token: NUL-terminated, bounded, offsets inside the text. */
    assert_true(t->term_len <= PL_MAX_TERM);
    assert_true(t->surface_len <= PL_MAX_TERM);
    assert_int_equal(t->term[t->term_len], '\0');
    assert_int_equal(t->surface[t->surface_len], '\0');
    assert_true(t->start < t->end);
    if (ts->stop_after && (int)ts->n + 1 >= ts->stop_after)
        return PL_ELIMIT;
    if (ts->n == MAX_TOKS)
        return PL_OK;
    tok *o = &ts->t[ts->n++];
    memcpy(o->term, t->term, t->term_len + 1);
    memcpy(o->surface, t->surface, t->surface_len + 1);
    o->pos = t->pos;
    o->start = t->start;
    o->end = t->end;
    o->flags = t->flags;
    return PL_OK;
}

static pl_analyzer *new_analyzer(void)
{
    pl_error err = {0};
    pl_analyzer *a = NULL;
    assert_int_equal(pl_analyzer_new(&a, &err), PL_OK);
    assert_non_null(a);
    return a;
}

static int setup(void **state)
{
    *state = new_analyzer();
    return 0;
}

static int teardown(void **state)
{
    pl_analyzer_free(*state);
    return 0;
}

static toks *run(pl_analyzer *a, const char *text, size_t n, uint32_t *next)
{
    static toks ts;
    memset(&ts, 0, sizeof ts);
    ts.text = text;
    pl_error err = {0};
    assert_int_equal(pl_analyze(a, text, n, 0, collect, &ts, next, &err), PL_OK);
    return &ts;
}

static toks *runs(pl_analyzer *a, const char *text)
{
    return run(a, text, strlen(text), NULL);
}

/* Finds the first token with this term and flags (ignoring STOP). */
static const tok *find(const toks *ts, const char *term, unsigned flags)
{
    for (size_t i = 0; i < ts->n; i++)
        if (strcmp(ts->t[i].term, term) == 0 && ts->t[i].flags == flags)
            return &ts->t[i];
    return NULL;
}

static void expect(const toks *ts, size_t i, const char *term, const char *surface, uint32_t pos,
                   unsigned flags, uint32_t start, uint32_t end)
{
    assert_true(i < ts->n);
    const tok *t = &ts->t[i];
    assert_string_equal(t->term, term);
    assert_string_equal(t->surface, surface);
    assert_int_equal(t->pos, pos);
    assert_int_equal(t->flags, flags);
    assert_int_equal(t->start, start);
    assert_int_equal(t->end, end);
}

static void compound_whole_then_parts(void **state)
{
    pl_analyzer *a = *state;
    uint32_t next = 0;
    const char *s = "sched_ext scheduler";
    toks *ts = run(a, s, strlen(s), &next);
    assert_int_equal(ts->n, 4);
    expect(ts, 0, "schedext", "sched_ext", 0, PL_TOK_WHOLE, 0, 9);
    expect(ts, 1, "sched", "sched", 0, PL_TOK_PART, 0, 5);
    expect(ts, 2, "ext", "ext", 1, PL_TOK_PART, 6, 9);
    /* "scheduler" -> Snowball "schedul"; it comes after the 2 parts. */
    expect(ts, 3, "schedul", "scheduler", 2, 0, 10, 19);
    assert_int_equal(next, 3);
}

static void technical_strings(void **state)
{
    pl_analyzer *a = *state;
    toks *ts = runs(a, "RISC-V");
    assert_int_equal(ts->n, 3);
    expect(ts, 0, "riscv", "risc-v", 0, PL_TOK_WHOLE, 0, 6);
    expect(ts, 1, "risc", "risc", 0, PL_TOK_PART, 0, 4);
    expect(ts, 2, "v", "v", 1, PL_TOK_PART, 5, 6);

    /* A query "riscv" is the plain word that equals the whole. */
    ts = runs(a, "riscv");
    assert_int_equal(ts->n, 1);
    expect(ts, 0, "riscv", "riscv", 0, 0, 0, 5);

    /* Letter/digit mixes stay one piece, so "x86" (a plain word) is a part
     * of x86_64; mixed pieces are not stemmed and not NUM. */
    ts = runs(a, "x86_64");
    assert_int_equal(ts->n, 3);
    expect(ts, 0, "x8664", "x86_64", 0, PL_TOK_WHOLE, 0, 6);
    expect(ts, 1, "x86", "x86", 0, PL_TOK_PART, 0, 3);
    expect(ts, 2, "64", "64", 1, PL_TOK_PART | PL_TOK_NUM, 4, 6);
    ts = runs(a, "x86 cgroups2");
    assert_int_equal(ts->n, 2);
    expect(ts, 0, "x86", "x86", 0, 0, 0, 3);
    expect(ts, 1, "cgroups2", "cgroups2", 1, 0, 4, 12);
    /* ...except "v" before a bare version: 6.9 finds v6.9. */
    ts = runs(a, "v6.9 v4l2");
    assert_int_equal(ts->n, 4);
    expect(ts, 0, "v6.9", "v6.9", 0, PL_TOK_WHOLE, 0, 4);
    expect(ts, 1, "v", "v", 0, PL_TOK_PART, 0, 1);
    expect(ts, 2, "6.9", "6.9", 1, PL_TOK_PART | PL_TOK_NUM, 1, 4);
    expect(ts, 3, "v4l2", "v4l2", 2, 0, 5, 9);

    ts = runs(a, "io_uring");
    assert_non_null(find(ts, "iouring", PL_TOK_WHOLE));

    /* Paths: components are plain words, the slash separates. */
    ts = runs(a, "/dev/iommufd");
    assert_int_equal(ts->n, 2);
    expect(ts, 0, "dev", "dev", 0, 0, 1, 4);
    expect(ts, 1, "iommufd", "iommufd", 1, 0, 5, 12);

    ts = runs(a, "6.9-rc");
    assert_int_equal(ts->n, 3);
    expect(ts, 0, "6.9rc", "6.9-rc", 0, PL_TOK_WHOLE, 0, 6);
    expect(ts, 1, "6.9", "6.9", 0, PL_TOK_PART | PL_TOK_NUM, 0, 3);
    expect(ts, 2, "rc", "rc", 1, PL_TOK_PART, 4, 6);

    ts = runs(a, "fw_devlink=rpm");
    assert_int_equal(ts->n, 4);
    expect(ts, 0, "fwdevlink", "fw_devlink", 0, PL_TOK_WHOLE, 0, 10);
    expect(ts, 3, "rpm", "rpm", 2, 0, 11, 14);

    ts = runs(a, "eBPF-ification");
    assert_non_null(find(ts, "ebpf", PL_TOK_PART));
    assert_non_null(find(ts, "ebpfification", PL_TOK_WHOLE));

    ts = runs(a, "CXL 3.1 and 5.15");
    assert_int_equal(ts->n, 4);
    expect(ts, 0, "cxl", "cxl", 0, 0, 0, 3);
    expect(ts, 1, "3.1", "3.1", 1, PL_TOK_NUM, 4, 7);
    expect(ts, 2, "and", "and", 2, PL_TOK_STOP, 8, 11);
    expect(ts, 3, "5.15", "5.15", 3, PL_TOK_NUM, 12, 16);

    /* A sentence's final dot is not part of the number. */
    ts = runs(a, "in 6.9.");
    expect(ts, 1, "6.9", "6.9", 1, PL_TOK_NUM, 3, 6);
    assert_int_equal(ts->n, 2);
}

static void email_and_url(void **state)
{
    pl_analyzer *a = *state;
    toks *ts = runs(a, "<jane.doe@kernel.org>");
    assert_int_equal(ts->n, 5);
    expect(ts, 0, "janedoekernelorg", "jane.doe@kernel.org", 0, PL_TOK_WHOLE, 1, 20);
    expect(ts, 1, "jane", "jane", 0, PL_TOK_PART, 1, 5);
    expect(ts, 4, "org", "org", 3, PL_TOK_PART, 17, 20);

    /* The scheme is dropped; host is a compound; path components follow. */
    const char *u = "https://lpc.events/event/17/contributions/1234/";
    ts = runs(a, u);
    assert_int_equal(ts->n, 7);
    expect(ts, 0, "lpcevents", "lpc.events", 0, PL_TOK_WHOLE, 8, 18);
    expect(ts, 3, "event", "event", 2, 0, 19, 24);
    expect(ts, 4, "17", "17", 3, PL_TOK_NUM, 25, 27);
    expect(ts, 6, "1234", "1234", 5, PL_TOK_NUM, 42, 46);
    /* "https" alone (no ://) is an ordinary word. */
    ts = runs(a, "https matters");
    expect(ts, 0, "https", "https", 0, 0, 0, 5);
}

static void apostrophes(void **state)
{
    pl_analyzer *a = *state;
    toks *ts = runs(a, "the kernel's don't");
    assert_int_equal(ts->n, 3);
    expect(ts, 1, "kernel", "kernel", 1, 0, 4, 10);
    expect(ts, 2, "dont", "dont", 2, 0, 13, 18);
    /* Typeset apostrophe U+2019 (3 bytes) behaves the same. */
    ts = runs(a, "Linus\xe2\x80\x99s tree");
    assert_int_equal(ts->n, 2);
    expect(ts, 0, "linus", "linus", 0, 0, 0, 5);
    expect(ts, 1, "tree", "tree", 1, 0, 10, 14);
    /* Quotes around a word are separators. */
    ts = runs(a, "'quoted'");
    assert_int_equal(ts->n, 1);
    expect(ts, 0, "quot", "quoted", 0, 0, 1, 7);
}

static void offsets_map_to_original_bytes(void **state)
{
    pl_analyzer *a = *state;
    /* Caf\u00e9 na\u00efve, NBSP, smart quotes, fullwidth letters. */
    const char *s = "Caf\xc3\xa9 na\xc3\xafve\xc2\xa0\xe2\x80\x9cIOMMU\xe2\x80\x9d "
                    "\xef\xbc\xa1\xef\xbc\xa2";
    toks *ts = runs(a, s);
    assert_int_equal(ts->n, 4);
    expect(ts, 0, "cafe", "cafe", 0, 0, 0, 5);
    expect(ts, 1, "naiv", "naive", 1, 0, 6, 12);
    expect(ts, 2, "iommu", "iommu", 2, 0, 17, 22);
    expect(ts, 3, "ab", "ab", 3, 0, 26, 32);
    assert_memory_equal(s + 0, "Caf\xc3\xa9", 5);
    assert_memory_equal(s + 6, "na\xc3\xafve", 6);
    assert_memory_equal(s + 17, "IOMMU", 5);
    /* Decomposed input (e + U+0301) folds to the same term. */
    ts = runs(a, "cafe\xcc\x81");
    assert_int_equal(ts->n, 1);
    expect(ts, 0, "cafe", "cafe", 0, 0, 0, 6);
    /* German sharp s case-folds to ss. */
    ts = runs(a, "Stra\xc3\x9f"
                 "e");
    expect(ts, 0, "strass", "strasse", 0, 0, 0, 7);
}

static void stemming(void **state)
{
    pl_analyzer *a = *state;
    toks *ts = runs(a, "scheduling migration migrations virtualization Virtualisation");
    assert_int_equal(ts->n, 5);
    assert_string_equal(ts->t[0].term, "schedul");
    assert_string_equal(ts->t[1].term, "migrat");
    assert_string_equal(ts->t[2].term, "migrat");
    assert_string_equal(ts->t[3].term, "virtual");
    assert_string_equal(ts->t[4].surface, "virtualisation");
    /* The whole of a compound and numbers are not stemmed. */
    ts = runs(a, "running_tasks 10.15");
    expect(ts, 0, "runningtasks", "running_tasks", 0, PL_TOK_WHOLE, 0, 13);
    expect(ts, 1, "run", "running", 0, PL_TOK_PART, 0, 7);
    expect(ts, 2, "task", "tasks", 1, PL_TOK_PART, 8, 13);
    expect(ts, 3, "10.15", "10.15", 2, PL_TOK_NUM, 14, 19);
    /* The stem cache returns the same as a fresh stem, repeatedly. */
    for (int i = 0; i < 3; i++) {
        ts = runs(a, "scheduling");
        assert_string_equal(ts->t[0].term, "schedul");
    }
}

static void stopwords_keep_positions(void **state)
{
    pl_analyzer *a = *state;
    uint32_t next = 0;
    const char *s = "The state of the art";
    toks *ts = run(a, s, strlen(s), &next);
    assert_int_equal(ts->n, 5);
    expect(ts, 0, "the", "the", 0, PL_TOK_STOP, 0, 3);
    expect(ts, 1, "state", "state", 1, 0, 4, 9);
    expect(ts, 2, "of", "of", 2, PL_TOK_STOP, 10, 12);
    expect(ts, 3, "the", "the", 3, PL_TOK_STOP, 13, 16);
    expect(ts, 4, "art", "art", 4, 0, 17, 20);
    assert_int_equal(next, 5);
    assert_true(pl_is_stopword("the", 3));
    assert_true(pl_is_stopword("with", 4));
    assert_false(pl_is_stopword("will", 4));
    assert_false(pl_is_stopword("can", 3));
    assert_true(pl_is_stopword("then", 3)); /* only n bytes count: "the" */
    assert_false(pl_is_stopword("them", 4));
    assert_false(pl_is_stopword("", 0));
    /* Parts of compounds are never stopwords: out-of-tree keeps "of". */
    ts = runs(a, "out-of-tree");
    assert_non_null(find(ts, "of", PL_TOK_PART));
}

static void positions_start_at_pos0(void **state)
{
    pl_analyzer *a = *state;
    toks ts;
    memset(&ts, 0, sizeof ts);
    uint32_t next = 0;
    pl_error err = {0};
    assert_int_equal(pl_analyze(a, "memory tiering", 14, 100, collect, &ts, &next, &err), PL_OK);
    assert_int_equal(ts.t[0].pos, 100);
    assert_int_equal(ts.t[1].pos, 101);
    assert_int_equal(next, 102);
}

static void hostile_input(void **state)
{
    pl_analyzer *a = *state;
    /* Invalid UTF-8 and NUL bytes separate words. */
    const char s[] = "abc\xff\xfe"
                     "def\0ghi\xc3"
                     "jkl\xe2\x82";
    toks *ts = run(a, s, sizeof s - 1, NULL);
    assert_int_equal(ts->n, 4);
    expect(ts, 0, "abc", "abc", 0, 0, 0, 3);
    expect(ts, 1, "def", "def", 1, 0, 5, 8);
    expect(ts, 2, "ghi", "ghi", 2, 0, 9, 12);
    expect(ts, 3, "jkl", "jkl", 3, 0, 13, 16);
    /* Empty input and only separators. */
    uint32_t next = 7;
    ts = run(a, "", 0, &next);
    assert_int_equal(ts->n, 0);
    assert_int_equal(next, 0);
    ts = runs(a, " -- __ .. @@ '' ");
    assert_int_equal(ts->n, 0);
    /* Lone combining marks do not start a token. */
    ts = runs(a, "\xcc\x81\xcc\x81 x");
    assert_int_equal(ts->n, 1);
    expect(ts, 0, "x", "x", 0, 0, 5, 6);
}

static void long_tokens_are_cut(void **state)
{
    pl_analyzer *a = *state;
    char s[1000];
    memset(s, 'a', sizeof s);
    toks *ts = run(a, s, sizeof s, NULL);
    assert_int_equal(ts->n, 1);
    assert_int_equal(strlen(ts->t[0].surface), PL_MAX_TERM);
    assert_int_equal(ts->t[0].end, 1000);
    /* Two-byte letters: the cut never splits a character. */
    char u[1000];
    for (size_t i = 0; i < sizeof u; i += 2)
        memcpy(u + i, "\xc3\xa9", 2); /* e-acute, folds to "e" */
    ts = run(a, u, sizeof u, NULL);
    assert_int_equal(ts->n, 1);
    assert_true(strlen(ts->t[0].surface) <= PL_MAX_TERM);
    char cyr[1000]; /* Cyrillic "zh" keeps 2 bytes after folding */
    for (size_t i = 0; i < sizeof cyr; i += 2)
        memcpy(cyr + i, "\xd0\x96", 2);
    ts = run(a, cyr, sizeof cyr, NULL);
    assert_int_equal(ts->n, 1);
    assert_int_equal(strlen(ts->t[0].surface), PL_MAX_TERM);
    assert_memory_equal(ts->t[0].surface, "\xd0\xb6", 2);
    /* A compound of 100 parts: the first 32 make one compound, then the rest. */
    char c[200];
    for (size_t i = 0; i < 100; i++) {
        c[2 * i] = 'a';
        c[2 * i + 1] = '_';
    }
    ts = run(a, c, 199, NULL);
    assert_int_equal(ts->t[0].flags, PL_TOK_WHOLE);
    assert_string_equal(ts->t[0].term, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_int_equal(ts->t[33].flags, PL_TOK_WHOLE);
    assert_int_equal(ts->t[33].pos, 32);
}

static void fold_and_stem_helpers(void **state)
{
    pl_analyzer *a = *state;
    char out[PL_MAX_TERM + 1];
    assert_int_equal(pl_analyzer_fold(a, "Sched_", 6, out, sizeof out), 6);
    assert_string_equal(out, "sched_");
    assert_int_equal(pl_analyzer_fold(a, "Caf\xc3\xa9", 5, out, sizeof out), 4);
    assert_string_equal(out, "cafe");
    assert_int_equal(pl_analyzer_fold(a, "RISC-V", 6, out, sizeof out), 6);
    assert_string_equal(out, "risc-v");
    assert_int_equal(pl_analyzer_fold(a, "!!", 2, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(pl_analyzer_fold(a, "Scheduling", 10, out, 4), 3);
    assert_string_equal(out, "sch");
    assert_int_equal(pl_analyzer_stem(a, "scheduling", 10, out, sizeof out), 7);
    assert_string_equal(out, "schedul");
    assert_int_equal(pl_analyzer_stem(a, "migrations", 10, out, sizeof out), 6);
    assert_string_equal(out, "migrat");
    assert_int_equal(pl_analyzer_stem(a, "", 0, out, sizeof out), 0);
}

static void callback_status_stops(void **state)
{
    pl_analyzer *a = *state;
    toks ts;
    memset(&ts, 0, sizeof ts);
    ts.stop_after = 2;
    pl_error err = {0};
    assert_int_equal(pl_analyze(a, "one two three", 13, 0, collect, &ts, NULL, &err), PL_ELIMIT);
    assert_int_equal(ts.n, 1);
    assert_int_equal(err.code, PL_ELIMIT);
    assert_int_equal(pl_analyze(NULL, "x", 1, 0, collect, &ts, NULL, &err), PL_EUSAGE);
}

static void allocation_failure_is_clean(void **state)
{
    (void)state;
    for (long k = 0; k < 3; k++) {
        pl_error err = {0};
        pl_analyzer *a = (pl_analyzer *)1;
        pl_alloc_fail_after(k);
        int rc = pl_analyzer_new(&a, &err);
        pl_alloc_fail_after(-1);
        if (rc == PL_OK) {
            assert_non_null(a);
            pl_analyzer_free(a);
            break;
        }
        assert_int_equal(rc, PL_ENOMEM);
        assert_null(a);
        assert_int_equal(err.code, PL_ENOMEM);
        assert_true(strlen(err.msg) > 0);
    }
    pl_analyzer_free(NULL);
}

/* Index and query analyse the same way: a phrase through a compound gives
 * the same terms at the same relative positions wherever it occurs. */
static void phrase_through_compound_is_stable(void **state)
{
    pl_analyzer *a = *state;
    toks q = *runs(a, "sched_ext scheduler");
    toks *d = runs(a, "We discussed the sched_ext scheduler at LPC");
    const tok *w = find(d, "schedext", PL_TOK_WHOLE);
    assert_non_null(w);
    size_t first = (size_t)(w - d->t);
    for (size_t i = 0; i < q.n; i++) {
        assert_string_equal(d->t[first + i].term, q.t[i].term);
        assert_int_equal(d->t[first + i].pos - w->pos, q.t[i].pos);
        assert_int_equal(d->t[first + i].flags, q.t[i].flags);
    }
}

/* Invariants on random bytes (a cheap in-suite fuzz): offsets inside the
 * text, positions never decreasing, WHOLE followed by its parts at
 * consecutive positions starting at its own, parts inside the whole. */
typedef struct inv {
    size_t n;
    uint32_t last_pos, whole_pos, whole_start, whole_end, next_part;
    int in_compound;
    size_t count;
} inv;

static int check_inv(void *ctx, const pl_token *t)
{
    inv *v = ctx;
    assert_true(t->end <= v->n);
    assert_true(t->start < t->end);
    assert_true(t->term_len > 0 && t->term_len <= PL_MAX_TERM);
    assert_true(t->surface_len > 0 && t->surface_len <= PL_MAX_TERM);
    assert_true(t->pos >= v->last_pos);
    if (t->flags & PL_TOK_WHOLE) {
        assert_true(v->count == 0 || t->pos > v->last_pos || !v->in_compound);
        v->in_compound = 1;
        v->whole_pos = t->pos;
        v->whole_start = t->start;
        v->whole_end = t->end;
        v->next_part = t->pos;
    } else if (t->flags & PL_TOK_PART) {
        assert_true(v->in_compound);
        assert_int_equal(t->pos, v->next_part);
        assert_true(t->start >= v->whole_start && t->end <= v->whole_end);
        v->next_part++;
    } else {
        v->in_compound = 0;
    }
    v->last_pos = t->pos;
    v->count++;
    return PL_OK;
}

static void random_bytes_keep_invariants(void **state)
{
    pl_analyzer *a = *state;
    /* Bytes drawn from a small alphabet that hits every rule. */
    static const char *const atoms[] = {"a",        "Z",
                                        "7",        ".",
                                        "-",        "_",
                                        "@",        "'",
                                        " ",        "/",
                                        "\xc3\xa9", "\xe2\x80\x99",
                                        "\xcc\x81", "\xe2\x80\x91",
                                        "\xff",     "\xc3",
                                        "s",        "\xef\xac\x81",
                                        "\xd0\x96", "\0"};
    uint64_t x = 88172645463325252ull;
    char buf[512];
    for (int round = 0; round < 2000; round++) {
        size_t n = 0;
        while (n < sizeof buf - 4) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *at = atoms[x % (sizeof atoms / sizeof atoms[0])];
            size_t al = at[0] == '\0' ? 1 : strlen(at);
            memcpy(buf + n, at, al);
            n += al;
            if (x % 61 == 0)
                break;
        }
        inv v = {.n = n};
        uint32_t next = 0;
        pl_error err = {0};
        assert_int_equal(pl_analyze(a, buf, n, 0, check_inv, &v, &next, &err), PL_OK);
        assert_true(v.count == 0 || next > v.last_pos);
    }
}

/* Pathological inputs finish in linear time (bounds under sanitizers). */
static void pathological_inputs_are_fast(void **state)
{
    pl_analyzer *a = *state;
    const size_t n = 1u << 20;
    char *s = test_malloc(n);
    static const char *const patterns[] = {"a_",        "1.",  "a'",   "\xcc\x81",
                                           "x\xcc\x81", "a-1", "\xff", "@."};
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        size_t pl = strlen(patterns[k]);
        for (size_t i = 0; i < n; i++)
            s[i] = patterns[k][i % pl];
        inv v = {.n = n};
        pl_error err = {0};
        clock_t t0 = clock();
        assert_int_equal(pl_analyze(a, s, n, 0, check_inv, &v, NULL, &err), PL_OK);
        double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
        assert_true(sec < 5.0);
    }
    test_free(s);
}

/* The surface of a plain word or a compound equals pl_analyzer_fold of the
 * same text, so prefix queries built by fold find the stored surfaces. */
static void fold_matches_surfaces(void **state)
{
    pl_analyzer *a = *state;
    static const char *const words[] = {"Sched_Ext",   "RISC-V",
                                        "Caf\xc3\xa9", "x86_64",
                                        "6.9-rc1",     "jane.doe@Kernel.org",
                                        "IOMMUFD",     "\xef\xbc\xa1\xef\xbc\xa2"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        toks *ts = runs(a, words[i]);
        assert_true(ts->n >= 1);
        char out[PL_MAX_TERM + 1];
        size_t fl = pl_analyzer_fold(a, words[i], strlen(words[i]), out, sizeof out);
        assert_int_equal(fl, strlen(ts->t[0].surface));
        assert_string_equal(out, ts->t[0].surface);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(compound_whole_then_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(technical_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(email_and_url, setup, teardown),
        cmocka_unit_test_setup_teardown(apostrophes, setup, teardown),
        cmocka_unit_test_setup_teardown(offsets_map_to_original_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(stemming, setup, teardown),
        cmocka_unit_test_setup_teardown(stopwords_keep_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(positions_start_at_pos0, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_input, setup, teardown),
        cmocka_unit_test_setup_teardown(long_tokens_are_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(fold_and_stem_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(callback_status_stops, setup, teardown),
        cmocka_unit_test(allocation_failure_is_clean),
        cmocka_unit_test_setup_teardown(phrase_through_compound_is_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(random_bytes_keep_invariants, setup, teardown),
        cmocka_unit_test_setup_teardown(pathological_inputs_are_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(fold_matches_surfaces, setup, teardown),
    };
    return cmocka_run_group_tests_name("analyzer", tests, NULL, NULL);
}
