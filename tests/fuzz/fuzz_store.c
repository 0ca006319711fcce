/*
 * fuzz_store.c — the index reader on damaged values: one value of one
 * database of a real index (bundled corpus) is replaced with the input's
 * bytes through LMDB, then the index is opened and read every way the
 * engine reads it (integrity check, search with snippets, suggest, every
 * stored document, term and surface walks, dumps), and the value is put
 * back.  Only the values are damaged, never LMDB's own pages (LMDB trusts
 * those: docs/reliability.md), so any crash here is plumbline's.  The
 * generation's checksum is written again after each change, or the open
 * would stop at "checksum mismatch" before any decoder ran.
 *
 * Input: byte 0 picks the database, bytes 1-2 the entry (modulo the
 * count), the rest is the new value.
 *
 * Invariant: every read either succeeds or fails with a message; nothing
 * crashes, leaks or reads out of bounds (the sanitizers).
 */
#include "fuzz.h"

#include "../../query/query.h"
#include "../../store/store_internal.h"

#include <string.h>

static char db[512], gen[700];
static pl_analyzer *syn_an;
static pl_synonyms *syn;
static pl_qctx *q;
static FILE *devnull;

static void cleanup(void)
{
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(syn_an);
    if (devnull)
        fclose(devnull);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pl_error err = {0};
    char name[128];
    snprintf(db, sizeof db, "%s/db", fuzz_tmpdir());
    fuzz_build_index(db, NULL);
    if (pl_store_current(db, name, sizeof name, &err) || pl_analyzer_new(&syn_an, &err) ||
        pl_synonyms_load_default(syn_an, &syn, &err) || pl_qctx_new(syn, &q, &err)) {
        fprintf(stderr, "store: %s\n", err.msg);
        abort();
    }
    snprintf(gen, sizeof gen, "%s/%s", db, name);
    devnull = fopen("/dev/null", "w");
    atexit(cleanup);
    return 0;
}

/* Replaces (or restores) one value; *old receives a copy of the previous
 * one when old is not NULL.  Returns 0 on success. */
static int put_value(int dbi_i, size_t pick, const uint8_t *val, size_t n, uint8_t **old,
                     size_t *old_n, uint8_t *key, size_t *key_n)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi[PL_DB_COUNT];
    MDB_cursor *c = NULL;
    pl_error err = {0};
    int rc = mdb_env_create(&env);
    if (!rc)
        rc = mdb_env_set_maxdbs(env, PL_DB_COUNT + 2);
    if (!rc)
        rc = mdb_env_set_mapsize(env, pl_store_mapsize());
    if (!rc)
        rc = mdb_env_open(env, gen, MDB_NOSYNC, 0644);
    if (!rc)
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (!rc && pl_dbis_open(txn, dbi, 0, gen, &err))
        rc = -1;
    MDB_val k, v;
    if (!rc && old) {
        /* find the entry and remember key and value */
        MDB_stat st;
        rc = mdb_stat(txn, dbi[dbi_i], &st);
        if (!rc && st.ms_entries == 0)
            rc = -1;
        if (!rc)
            rc = mdb_cursor_open(txn, dbi[dbi_i], &c);
        if (!rc)
            rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
        for (size_t i = 0; !rc && i < pick % st.ms_entries; i++)
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        if (!rc && k.mv_size <= 511) {
            memcpy(key, k.mv_data, k.mv_size);
            *key_n = k.mv_size;
            *old = malloc(v.mv_size ? v.mv_size : 1);
            FUZZ_CHECK(*old);
            memcpy(*old, v.mv_data, v.mv_size);
            *old_n = v.mv_size;
        } else if (!rc) {
            rc = -1;
        }
        if (c)
            mdb_cursor_close(c);
    }
    if (!rc) {
        k.mv_data = key;
        k.mv_size = *key_n;
        v.mv_data = (void *)val;
        v.mv_size = n;
        rc = mdb_put(txn, dbi[dbi_i], &k, &v, 0);
    }
    if (!rc) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort(txn);
    mdb_env_close(env);
    if (!rc && pl_checksum_write(gen, &err))
        rc = -1;
    return rc;
}

static int on_doc(void *ctx, uint32_t docid, const char *p, size_t n)
{
    (void)ctx;
    (void)docid;
    pl_record_owned *r = NULL;
    pl_error err = {0};
    if (pl_record_from_json(p, n, &r, &err) == PL_OK)
        pl_record_owned_free(r);
    return PL_OK;
}

static int on_term(void *ctx, const char *t, size_t n, const pl_terminfo *ti)
{
    (void)ctx;
    (void)t;
    (void)n;
    (void)ti;
    return 0;
}

static int on_surface(void *ctx, const char *s, size_t n, const char *t, size_t tn, uint32_t df)
{
    (void)ctx;
    (void)s;
    (void)n;
    (void)t;
    (void)tn;
    (void)df;
    return 0;
}

static void read_all(void)
{
    pl_error err = {0};
    pl_store *s = NULL;
    pl_snap *snap = NULL;
    if (pl_store_open(&s, db, PL_STORE_READONLY, &err)) {
        FUZZ_CHECK(err.msg[0]);
        return;
    }
    if (pl_snap_begin(s, &snap, &err)) {
        FUZZ_CHECK(err.msg[0]);
        pl_store_close(s);
        return;
    }
    pl_error e1 = {0};
    if (pl_snap_check(snap, &e1) != PL_OK)
        FUZZ_CHECK(e1.msg[0]);
    static const char *const queries[] = {"kernel scheduler", "\"live migration\"", "sched*",
                                          "bpf -rust", "memory OR tracing"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        pl_search_opts o = {0};
        o.q = queries[i];
        o.q_len = strlen(queries[i]);
        o.kind = -1;
        o.flags = i == 0 ? PL_SEARCH_EXPLAIN : 0;
        pl_results *r = NULL;
        pl_error e2 = {0};
        if (pl_search(q, snap, &o, &r, &e2) != PL_OK)
            FUZZ_CHECK(e2.msg[0]);
        pl_results_free(r);
    }
    pl_error e3 = {0};
    pl_suggestion *sg = NULL;
    size_t ns = 0;
    if (pl_suggest(q, snap, "s", 1, 10, &sg, &ns, &e3) == PL_OK)
        pl_suggestions_free(sg, ns);
    pl_error e4 = {0};
    (void)pl_snap_foreach_doc(snap, on_doc, NULL, &e4);
    pl_error e5 = {0};
    (void)pl_snap_terms_prefix(snap, "", 0, on_term, NULL, &e5);
    pl_error e6 = {0};
    (void)pl_snap_surfaces_prefix(snap, "", 0, on_surface, NULL, &e6);
    for (uint32_t d = 0; d <= pl_snap_max_docid(snap) + 1; d++) {
        const char *p;
        size_t n;
        pl_error e7 = {0};
        (void)pl_snap_docmeta(snap, d);
        (void)pl_snap_doc(snap, d, &p, &n, &e7);
    }
    pl_results *sim = NULL;
    pl_error e8 = {0};
    if (pl_similar(q, snap, 1, 5, &sim, &e8) == PL_OK)
        pl_results_free(sim);
    static const char *const dumps[] = {"meta", "terms", "docmeta", "surfaces", "postings:kernel"};
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++) {
        pl_error e9 = {0};
        (void)pl_snap_dump(snap, dumps[i], devnull, &e9);
    }
    pl_snap_end(snap);
    pl_store_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 4096)
        return 0;
    int which = data[0] % PL_DB_COUNT;
    size_t pick = (size_t)data[1] << 8 | data[2];
    uint8_t key[512], *old = NULL;
    size_t key_n = 0, old_n = 0;
    if (put_value(which, pick, data + 3, size - 3, &old, &old_n, key, &key_n))
        return 0;
    read_all();
    FUZZ_CHECK(put_value(which, 0, old, old_n, NULL, NULL, key, &key_n) == 0);
    free(old);
    return 0;
}
