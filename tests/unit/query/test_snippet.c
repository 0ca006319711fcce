/* Unit tests of query/snippet.c: the pre-scan that analyses only the
 * chunks that can match must mark exactly the tokens a whole-body analysis
 * marks (the reference below analyses every byte, as the snippet code did
 * before the pre-scan), the window must start at a sentence, line,
 * bullet item or word, and a title's marks (pl_snippet_spans) cover the
 * whole title. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../query/query_internal.h"

typedef struct ref {
    const char *const *terms;
    size_t n_terms;
    uint32_t s[256], e[256];
    size_t n;
} ref;

/* Reference: every non-stop token of the whole body whose term is a query
 * term; a span inside the previous one (a compound's part) is merged. */
static int ref_tok(void *ctx, const pl_token *t)
{
    ref *r = ctx;
    if (t->flags & PL_TOK_STOP)
        return PL_OK;
    for (size_t i = 0; i < r->n_terms; i++) {
        if (strlen(r->terms[i]) != t->term_len || memcmp(r->terms[i], t->term, t->term_len))
            continue;
        if (r->n && t->start < r->e[r->n - 1]) {
            if (t->end > r->e[r->n - 1])
                r->e[r->n - 1] = t->end;
        } else if (r->n < 256) {
            r->s[r->n] = t->start;
            r->e[r->n++] = t->end;
        }
        break;
    }
    return PL_OK;
}

typedef struct first {
    char term[PL_MAX_TERM + 1];
} first;

static int first_tok(void *ctx, const pl_token *t)
{
    first *f = ctx;
    if (!f->term[0] && !(t->flags & PL_TOK_STOP))
        snprintf(f->term, sizeof f->term, "%.*s", (int)t->term_len, t->term);
    return PL_OK;
}

/* The term a query word becomes (the first non-stop token: a compound's
 * whole). */
static void term_of(pl_analyzer *an, const char *word, first *out)
{
    pl_error err = {0};
    memset(out, 0, sizeof *out);
    assert_int_equal(pl_analyze(an, word, strlen(word), 0, first_tok, out, NULL, &err), PL_OK);
    assert_true(out->term[0] != '\0');
}

static void same_marks(pl_analyzer *an, const char *body, const char *const *words, size_t nw)
{
    first f[8];
    const char *terms[8];
    for (size_t i = 0; i < nw; i++) {
        term_of(an, words[i], &f[i]);
        terms[i] = f[i].term;
    }
    ref r = {.terms = terms, .n_terms = nw};
    pl_error err = {0};
    size_t n = strlen(body);
    assert_int_equal(pl_analyze(an, body, n, 0, ref_tok, &r, NULL, &err), PL_OK);
    pl_snip_terms st = {.terms = terms, .n_terms = nw};
    pl_hit h;
    memset(&h, 0, sizeof h);
    /* a window larger than the body: every match is in it */
    assert_int_equal(pl_snippet_make(an, body, n, &st, 2 * n + 400, &h, &err), PL_OK);
    if (h.n_highlights != r.n)
        fprintf(stderr, "# %s: %zu marks, reference %zu\n", words[0], h.n_highlights, r.n);
    assert_int_equal(h.n_highlights, r.n);
    for (size_t i = 0; i < r.n; i++) {
        assert_int_equal(h.snippet_offset + h.highlights[i].start, r.s[i]);
        assert_int_equal(h.snippet_offset + h.highlights[i].end, r.e[i]);
    }
    pl_free(h.snippet_html);
    pl_free(h.snippet_text);
    pl_free(h.highlights);
}

static const char *const bodies[] = {
    "He was dying to see it; DYING, dies, lies and lying. Tying ties.",
    "x86_64 and X86 and arm64: x86-64 builds, v6.9 and 6.9-rc1, Linux 6.9.",
    "Send an e-mail (E-Mail) to foo@example.org; emails are read.",
    ("Caf\xc3\xa9 and CAF\xc3\x89 and cafe; \xef\xbc\xa2\xef\xbc\xb0\xef\xbc\xa6 is fullwidth "
     "BPF, eBPF, (EBPF)."),
    "sched_ext schedulers: sched-ext, SCHED_EXT, scheduling; o'reilly don't dont.",
    "io_uring,io-uring;IO_URING/uring\tring\nrings\r\nringing",
};
static const char *const words[] = {
    "dying",   "dies",       "lying",
    "tie",     "x86",        "x86_64",
    "arm64",   "6.9",        "v",
    "rc1",     "email",      "e-mail",
    "mail",    "cafe",       "BPF",
    "ebpf",    "sched_ext",  "sched",
    "ext",     "scheduling", "oreilly",
    "dont",    "io_uring",   "uring",
    "ring",    "linux",      "foo@example.org",
    "example",
};

static void prescan_marks_what_full_analysis_marks(void **state)
{
    (void)state;
    pl_analyzer *an = NULL;
    pl_error err = {0};
    assert_int_equal(pl_analyzer_new(&an, &err), PL_OK);
    for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++)
        for (size_t w = 0; w < sizeof words / sizeof *words; w++)
            same_marks(an, bodies[b], &words[w], 1);
    /* several words at once */
    const char *set[] = {"dying", "x86", "cafe", "uring"};
    for (size_t b = 0; b < sizeof bodies / sizeof *bodies; b++)
        same_marks(an, bodies[b], set, 4);
    pl_analyzer_free(an);
}

static pl_hit snip(pl_analyzer *an, const char *body, const char *word, size_t window)
{
    first f;
    term_of(an, word, &f);
    const char *terms[1] = {f.term};
    pl_snip_terms st = {.terms = terms, .n_terms = 1};
    pl_hit h;
    memset(&h, 0, sizeof h);
    pl_error err = {0};
    assert_int_equal(pl_snippet_make(an, body, strlen(body), &st, window, &h, &err), PL_OK);
    /* snippet_text is always a slice of the body */
    assert_memory_equal(body + h.snippet_offset, h.snippet_text, strlen(h.snippet_text));
    return h;
}

static void hit_free(pl_hit *h)
{
    pl_free(h->snippet_html);
    pl_free(h->snippet_text);
    pl_free(h->highlights);
}

static void window_starts_at_sentence_bullet_or_word(void **state)
{
    (void)state;
    pl_analyzer *an = NULL;
    pl_error err = {0};
    assert_int_equal(pl_analyzer_new(&an, &err), PL_OK);
    /* the sentence holding the match */
    pl_hit h = snip(an,
                    "An opening sentence that goes on for a while about other things. "
                    "The second sentence mentions BPF and goes on.",
                    "bpf", 80);
    assert_true(strncmp(h.snippet_text, "The second sentence", 19) == 0);
    hit_free(&h);
    /* a bullet item: marker and blanks skipped */
    h = snip(an, "Topics of the day:\n \xe2\x80\xa2 BPF maps\n \xe2\x80\xa2 other work", "bpf", 60);
    assert_true(strncmp(h.snippet_text, "BPF maps", 8) == 0);
    hit_free(&h);
    h = snip(an, "Topics:\n- first item\n- the BPF item\n", "bpf", 60);
    assert_true(strncmp(h.snippet_text, "the BPF item", 12) == 0);
    hit_free(&h);
    /* no sentence start near: a word start, never mid-word */
    const char *long_run = "words words words words words words words words words words words "
                           "words words words wordsinside side BPF words words words";
    h = snip(an, long_run, "bpf", 60);
    assert_true(h.snippet_offset > 0);
    assert_true(long_run[h.snippet_offset - 1] == ' ');
    assert_true(h.snippet_text[0] != ' ');
    /* the window ends at a word too */
    size_t end = h.snippet_offset + strlen(h.snippet_text);
    assert_true(long_run[end] == ' ' || long_run[end] == '\0');
    hit_free(&h);
    pl_analyzer_free(an);
}

/* The text of span i of text. */
static const char *span_str(const char *text, const pl_span *sp, size_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*s", (int)(sp[i].end - sp[i].start), text + sp[i].start);
    return buf;
}

/* pl_snippet_spans: the whole text, byte offsets into its exact bytes, the
 * words and phrases marked as a snippet marks them. */
static void title_spans_mark_words_and_whole_phrases(void **state)
{
    (void)state;
    pl_analyzer *an = NULL;
    pl_error err = {0};
    assert_int_equal(pl_analyzer_new(&an, &err), PL_OK);
    char buf[64];
    pl_span *sp = NULL;
    size_t n = 0;

    /* single words: every occurrence and nothing else, offsets counted in
     * bytes past a two-byte character */
    const char *title = "Caf\xc3\xa9 BPF: eBPF is eating the world, bpf_prog and BPF";
    first fb;
    term_of(an, "bpf", &fb);
    const char *terms[1] = {fb.term};
    pl_snip_terms st = {.terms = terms, .n_terms = 1};
    assert_int_equal(pl_snippet_spans(an, title, strlen(title), &st, &sp, &n, &err), PL_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sp[0].start, 6);
    assert_int_equal(sp[0].end, 9);
    assert_string_equal(span_str(title, sp, 0, buf, sizeof buf), "BPF");
    assert_string_equal(span_str(title, sp, 1, buf, sizeof buf), "bpf"); /* part of bpf_prog */
    assert_string_equal(span_str(title, sp, 2, buf, sizeof buf), "BPF");
    assert_int_equal(sp[2].end, strlen(title));
    pl_free(sp);

    /* a phrase: only where the whole phrase occurs, not its lone words */
    title = "Live patching, not live migration: migrating live VMs";
    first fl, fm;
    term_of(an, "live", &fl);
    term_of(an, "migration", &fm);
    pl_qnode kids[2] = {
        {.op = PL_Q_TERM, .term = fl.term, .term_len = strlen(fl.term)},
        {.op = PL_Q_TERM, .term = fm.term, .term_len = strlen(fm.term)},
    };
    pl_qnode *kp[2] = {&kids[0], &kids[1]};
    uint32_t offs[2] = {0, 1};
    pl_qnode ph = {.op = PL_Q_PHRASE, .kids = kp, .n_kids = 2, .offs = offs};
    const pl_qnode *phs[1] = {&ph};
    pl_snip_terms pt = {.phrases = phs, .n_phrases = 1};
    assert_int_equal(pl_snippet_spans(an, title, strlen(title), &pt, &sp, &n, &err), PL_OK);
    assert_int_equal(n, 1);
    assert_string_equal(span_str(title, sp, 0, buf, sizeof buf), "live migration");
    pl_free(sp);

    /* nothing to look for, or no match: no spans, nothing allocated */
    pl_snip_terms none = {0};
    assert_int_equal(pl_snippet_spans(an, title, strlen(title), &none, &sp, &n, &err), PL_OK);
    assert_null(sp);
    assert_int_equal(n, 0);
    assert_int_equal(pl_snippet_spans(an, "Rust", 4, &st, &sp, &n, &err), PL_OK);
    assert_null(sp);
    assert_int_equal(n, 0);
    pl_analyzer_free(an);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prescan_marks_what_full_analysis_marks),
        cmocka_unit_test(window_starts_at_sentence_bullet_or_word),
        cmocka_unit_test(title_spans_mark_words_and_whole_phrases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
