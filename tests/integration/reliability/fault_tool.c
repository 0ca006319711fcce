/*
 * fault_tool.c — damages a plumbline index on purpose, for the fault tests
 * (test_faults.py).  It writes through LMDB, so the damage is in the
 * values the engine decodes, not in LMDB's own pages (those are covered by
 * byte-level corruption of data.mdb in the test itself), and then writes
 * the generation's checksum again: what it makes is an index whose writer
 * went wrong, which the decoders must catch, not a damaged file, which the
 * checksum catches before any decoder runs.
 *
 *   fault_tool setmeta DIR KEY VALUE   set a meta value of the live generation
 *   fault_tool corrupt DIR DB SEED N   overwrite bytes in N values of database
 *                                      DB (by name), chosen by SEED
 *   fault_tool truncate DIR DB SEED N  cut N values of DB short
 *   fault_tool ids DIR                 print the record id of every live
 *                                      document, read through store.h
 *
 * Exit 0 on success, 1 on failure (with a message).
 */
#include "../../../corpus/src/record.h"
#include "../../../store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr,
            "usage: fault_tool setmeta DIR KEY VALUE | corrupt|truncate DIR DB SEED N | ids DIR\n");
    return 2;
}

static uint64_t rng;
static uint64_t next_rand(void)
{
    /* xorshift64*: reproducible from the seed, no libc state. */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static int print_id(void *ctx, uint32_t docid, const char *p, size_t n)
{
    (void)ctx;
    (void)docid;
    pl_record_owned *r = NULL;
    pl_error err = {0};
    if (pl_record_from_json(p, n, &r, &err)) {
        fprintf(stderr, "fault_tool: document %u: %s\n", docid, err.msg);
        return PL_ECORRUPT;
    }
    printf("%s\n", r->rec.id);
    pl_record_owned_free(r);
    return PL_OK;
}

static int list_ids(const char *dir)
{
    pl_error err = {0};
    pl_store *s = NULL;
    pl_snap *snap = NULL;
    int rc = pl_store_open(&s, dir, PL_STORE_READONLY, &err);
    if (!rc)
        rc = pl_snap_begin(s, &snap, &err);
    if (!rc)
        rc = pl_snap_foreach_doc(snap, print_id, NULL, &err);
    if (rc && err.msg[0])
        fprintf(stderr, "fault_tool: %s\n", err.msg);
    pl_snap_end(snap);
    pl_store_close(s);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "ids"))
        return list_ids(argv[2]);
    if (argc < 5)
        return usage();
    const char *cmd = argv[1], *dir = argv[2];
    char name[256], path[4096];
    pl_error err = {0};
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi[PL_DB_COUNT];
    int rc;
    if (pl_store_current(dir, name, sizeof name, &err)) {
        fprintf(stderr, "fault_tool: %s\n", err.msg);
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, PL_DB_COUNT + 2)) ||
        (rc = mdb_env_set_mapsize(env, pl_store_mapsize())) ||
        (rc = mdb_env_open(env, path, 0, 0644)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)))
        goto lmdb_fail;
    if (pl_dbis_open(txn, dbi, 0, path, &err)) {
        fprintf(stderr, "fault_tool: %s\n", err.msg);
        goto fail;
    }
    if (!strcmp(cmd, "setmeta") && argc == 5) {
        MDB_val k = {strlen(argv[3]), argv[3]}, v = {strlen(argv[4]), argv[4]};
        if ((rc = mdb_put(txn, dbi[PL_DB_META], &k, &v, 0)))
            goto lmdb_fail;
    } else if ((!strcmp(cmd, "corrupt") || !strcmp(cmd, "truncate")) && argc == 6) {
        int db = -1;
        for (int i = 0; i < PL_DB_COUNT; i++)
            if (!strcmp(pl_db_names[i], argv[3]))
                db = i;
        if (db < 0)
            return usage();
        rng = strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
        long n = atol(argv[5]);
        MDB_stat st;
        if ((rc = mdb_stat(txn, dbi[db], &st)))
            goto lmdb_fail;
        if (st.ms_entries == 0) {
            fprintf(stderr, "fault_tool: database %s is empty\n", argv[3]);
            goto fail;
        }
        for (long i = 0; i < n; i++) {
            size_t target = (size_t)(next_rand() % st.ms_entries);
            MDB_cursor *cur;
            MDB_val k, v;
            if ((rc = mdb_cursor_open(txn, dbi[db], &cur)))
                goto lmdb_fail;
            rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
            for (size_t j = 0; !rc && j < target; j++)
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            if (rc) {
                mdb_cursor_close(cur);
                goto lmdb_fail;
            }
            char key[512];
            size_t kn = k.mv_size < sizeof key ? k.mv_size : sizeof key;
            memcpy(key, k.mv_data, kn);
            size_t vn = v.mv_size;
            unsigned char *copy = malloc(vn + 1);
            if (!copy) {
                mdb_cursor_close(cur);
                goto fail;
            }
            memcpy(copy, v.mv_data, vn);
            mdb_cursor_close(cur);
            if (!strcmp(cmd, "corrupt")) {
                /* a few bytes, at least one of them changed */
                int flips = 1 + (int)(next_rand() % 4);
                for (int f = 0; f < flips && vn; f++)
                    copy[next_rand() % vn] ^= (unsigned char)(1 + next_rand() % 255);
            } else {
                vn = vn ? (size_t)(next_rand() % vn) : 0;
            }
            MDB_val nk = {kn, key}, nv = {vn, copy};
            rc = mdb_put(txn, dbi[db], &nk, &nv, 0);
            free(copy);
            if (rc)
                goto lmdb_fail;
        }
    } else {
        mdb_txn_abort(txn);
        mdb_env_close(env);
        return usage();
    }
    if ((rc = mdb_txn_commit(txn))) {
        txn = NULL;
        goto lmdb_fail;
    }
    mdb_env_close(env);
    if (pl_checksum_write(path, &err)) {
        fprintf(stderr, "fault_tool: %s\n", err.msg);
        return 1;
    }
    return 0;
lmdb_fail:
    fprintf(stderr, "fault_tool: %s: %s\n", path, mdb_strerror(rc));
fail:
    if (txn)
        mdb_txn_abort(txn);
    mdb_env_close(env);
    return 1;
}
