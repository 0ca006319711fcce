/*
 * fuzz_analyzer.c — pl_analyze over arbitrary bytes, plus fold and stem of
 * single words.  Invariants checked per token (docs/analysis.md): offsets
 * inside the input and ordered, terms bounded by PL_MAX_TERM and
 * NUL-terminated, positions never going backwards, at most PL_MAX_PARTS
 * positions per token group.
 */
#include "fuzz.h"

#include "../../indexer/analyzer.h"

#include <string.h>

static pl_analyzer *an;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pl_error err = {0};
    if (pl_analyzer_new(&an, &err)) {
        fprintf(stderr, "analyzer: %s\n", err.msg);
        abort();
    }
    return 0;
}

struct st {
    size_t n;
    uint32_t last_pos;
    size_t tokens;
};

static int on_token(void *ctx, const pl_token *t)
{
    struct st *s = ctx;
    FUZZ_CHECK(t->start <= t->end && t->end <= s->n);
    FUZZ_CHECK(t->term_len > 0 && t->term_len <= PL_MAX_TERM);
    FUZZ_CHECK(strlen(t->term) == t->term_len);
    FUZZ_CHECK(t->surface_len <= PL_MAX_TERM && strlen(t->surface) == t->surface_len);
    FUZZ_CHECK(t->pos >= s->last_pos);
    s->last_pos = t->pos;
    s->tokens++;
    return PL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_error err = {0};
    struct st s = {size, 7, 0};
    uint32_t next = 0;
    int rc = pl_analyze(an, (const char *)data, size, 7, on_token, &s, &next, &err);
    FUZZ_CHECK(rc == PL_OK);
    FUZZ_CHECK(next >= s.last_pos);
    if (s.tokens)
        FUZZ_CHECK(next > s.last_pos);

    /* The first word alone through fold and stem, as the query side does. */
    size_t w = 0;
    while (w < size && w < 200 && data[w] != ' ')
        w++;
    char folded[PL_MAX_TERM + 1], stem[PL_MAX_TERM + 1], tiny[4];
    size_t fn = pl_analyzer_fold(an, (const char *)data, w, folded, sizeof folded);
    FUZZ_CHECK(fn <= PL_MAX_TERM && strlen(folded) == fn);
    size_t tn = pl_analyzer_fold(an, (const char *)data, w, tiny, sizeof tiny);
    FUZZ_CHECK(tn < sizeof tiny);
    if (fn) {
        size_t sn = pl_analyzer_stem(an, folded, fn, stem, sizeof stem);
        FUZZ_CHECK(sn <= PL_MAX_TERM && strlen(stem) == sn);
        sn = pl_analyzer_stem(an, folded, fn, tiny, sizeof tiny);
        FUZZ_CHECK(sn < sizeof tiny);
        (void)pl_is_stopword(folded, fn);
    }
    return 0;
}
