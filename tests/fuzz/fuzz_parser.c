/*
 * fuzz_parser.c — one corpus parser or importer over arbitrary bytes,
 * chosen at build time with -DFUZZ_PARSER=<function>.
 *
 * Every record a parser emits is checked the way the indexer relies on
 * it: a title, NUL-terminated strings, a bounded people list, and a
 * canonical JSON form that decodes back to the same JSON (the index
 * stores that JSON and the query side decodes it at search time, so a
 * record that does not survive the round trip would break search later).
 */
#include "fuzz.h"

#include "../../corpus/src/record.h"

#include <string.h>

#ifndef FUZZ_PARSER
#error "build with -DFUZZ_PARSER=pl_parse_..."
#endif

static void check_record(const pl_record *r)
{
    FUZZ_CHECK(r->title && r->body && r->id);
    FUZZ_CHECK(r->n_people <= PL_MAX_PEOPLE);
    (void)strlen(r->title);
    (void)strlen(r->body);
    (void)strlen(r->id);
    for (size_t i = 0; i < r->n_people; i++)
        FUZZ_CHECK(r->people[i] && strlen(r->people[i]) < (1u << 20));
    FUZZ_CHECK(memchr(r->day, 0, sizeof r->day) && memchr(r->start, 0, sizeof r->start));
    FUZZ_CHECK((unsigned)r->kind < PL_KIND_COUNT);
}

int pl_fuzz_roundtrip(const pl_record *r);
int pl_fuzz_roundtrip(const pl_record *r)
{
    pl_buf a = {0}, b = {0};
    pl_error err = {0};
    pl_record_owned *o = NULL;
    FUZZ_CHECK(pl_record_to_json(&a, r, &err) == PL_OK);
    int rc = pl_record_from_json(a.p, a.n, &o, &err);
    if (rc != PL_OK) {
        fprintf(stderr, "record does not decode back (%s): %s\n", err.msg, a.p);
        abort();
    }
    FUZZ_CHECK(pl_record_to_json(&b, &o->rec, &err) == PL_OK);
    if (a.n != b.n || memcmp(a.p, b.p, a.n)) {
        fprintf(stderr, "round trip differs:\n%s\n%s\n", a.p, b.p);
        abort();
    }
    pl_record_owned_free(o);
    pl_buf_free(&a);
    pl_buf_free(&b);
    return 0;
}

static int sink(void *ctx, const pl_record *r)
{
    size_t *count = ctx;
    check_record(r);
    pl_fuzz_roundtrip(r);
    (*count)++;
    return PL_OK;
}

static void warn(void *ctx, const char *msg)
{
    (void)ctx;
    FUZZ_CHECK(msg && strlen(msg) < 4096);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_error err = {0};
    size_t count = 0;
    pl_parse_opts o = {warn, NULL};
    int rc = FUZZ_PARSER("fuzz-input", (const char *)data, size, &o, sink, &count, &err);
    /* A failure always says why; success leaves no error behind. */
    if (rc != PL_OK)
        FUZZ_CHECK(err.code != PL_OK && err.msg[0]);
    else
        FUZZ_CHECK(err.code == PL_OK);
    return 0;
}
