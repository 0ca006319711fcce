/*
 * fixture.h — the index fixture the query unit tests share: a fresh
 * directory under /tmp, an indexer rebuilding into it, then the store, a
 * snapshot and a query context over the committed index; the close
 * removes the directory.  Each test adds its own records between
 * qfx_begin and qfx_open.  Header-only: every function is static.
 */
#ifndef PL_TEST_QUERY_FIXTURE_H
#define PL_TEST_QUERY_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../../indexer/indexer.h"
#include "../../../query/query.h"

typedef struct fx {
    char dir[64];
    pl_store *store;
    pl_snap *snap;
    pl_qctx *q;
} fx;

/* A new fx with its directory (/tmp/pl-<tag>-XXXXXX) and an indexer
 * rebuilding into it; NULL (the reason on stderr) on failure. */
static fx *qfx_begin(const char *tag, pl_indexer **ix)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/pl-%s-XXXXXX", tag);
    pl_error err = {0};
    if (!mkdtemp(f->dir)) {
        free(f);
        return NULL;
    }
    if (pl_indexer_new(ix, f->dir, PL_INDEX_REBUILD, NULL, &err) != PL_OK) {
        fprintf(stderr, "# %s\n", err.msg);
        free(f);
        return NULL;
    }
    return f;
}

/* Commits and frees ix, then opens the store, a snapshot and a query
 * context (no synonyms).  0, or -1 with the reason on stderr. */
static int qfx_open(fx *f, pl_indexer *ix)
{
    pl_error err = {0};
    int rc = pl_indexer_commit(ix, &err);
    pl_indexer_free(ix);
    if (rc != PL_OK || pl_store_open(&f->store, f->dir, PL_STORE_READONLY, &err) ||
        pl_snap_begin(f->store, &f->snap, &err) || pl_qctx_new(NULL, &f->q, &err)) {
        fprintf(stderr, "# %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* cmocka teardown: closes what qfx_open opened and removes the directory. */
static int qfx_close(void **state)
{
    fx *f = *state;
    pl_qctx_free(f->q);
    pl_snap_end(f->snap);
    pl_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

#endif
