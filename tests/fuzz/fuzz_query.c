/*
 * fuzz_query.c — pl_query_parse + pl_query_describe on arbitrary bytes,
 * with the bundled synonym groups loaded.  A failed parse says why (and
 * only with PL_EPARSE, PL_ELIMIT or PL_ENOMEM); a parsed query always has
 * a description, and describing is deterministic.
 */
#include "fuzz.h"

#include "../../query/query.h"

#include <string.h>

static pl_analyzer *syn_an;
static pl_synonyms *syn;
static pl_qctx *q;

static void cleanup(void)
{
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(syn_an);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pl_error err = {0};
    if (pl_analyzer_new(&syn_an, &err) || pl_synonyms_load_default(syn_an, &syn, &err) ||
        pl_qctx_new(syn, &q, &err)) {
        fprintf(stderr, "query: %s\n", err.msg);
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_error err = {0};
    pl_query *query = NULL;
    int rc = pl_query_parse(q, (const char *)data, size, &query, &err);
    if (rc != PL_OK) {
        FUZZ_CHECK(query == NULL);
        FUZZ_CHECK(rc == PL_EPARSE || rc == PL_ELIMIT || rc == PL_ENOMEM);
        FUZZ_CHECK(err.code == rc && err.msg[0]);
        if (size > PL_QUERY_MAX_BYTES)
            return 0;
        return 0;
    }
    FUZZ_CHECK(size <= PL_QUERY_MAX_BYTES);
    FUZZ_CHECK(query != NULL);
    char *d1 = pl_query_describe(query);
    char *d2 = pl_query_describe(query);
    FUZZ_CHECK(d1 && d2 && !strcmp(d1, d2));
    pl_free(d1);
    pl_free(d2);
    pl_query_free(query);
    return 0;
}
