/*
 * writer.c — writes a new generation: from nothing (rebuild) or from a copy
 * of the live one (add, remove).  Layout, the checksum and the atomic
 * switch: top of store.c; byte format: top of codec.c.
 *
 * Memory: LMDB keeps the dirty pages of a write transaction in memory until
 * it commits.  A rebuild's generation is invisible until `current` names
 * it, so the rebuild commits every PL_WRITER_COMMIT_BYTES of writes (with
 * MDB_NOSYNC; one mdb_env_sync at the end) to bound that memory; atomicity
 * comes from the switch, not from one transaction.  An --add is one
 * transaction into the copy (its size is the added sources').
 *
 * An --add first verifies the live generation's checksum and copies its
 * environment into the new directory with mdb_env_copyfd2(MDB_CP_COMPACT):
 * a walk of the B-trees writing only the pages in use, so the pages the
 * previous --add rewrote are not carried along (three 10-record adds to
 * the 169 MB kdocs-100k index: 177, 180, 181 MB compacted; 177, 187,
 * 189 MB with a plain page copy, which was no faster).  Cost: the index's
 * size in writing (about 0.5-1 s for 169 MB) and, until the next writer
 * removes the generation before it, in disk space.
 *
 * Rebuild keys arrive in ascending order in every database except ids, so
 * they are written with MDB_APPEND: no search per put and full pages.
 */
#include "writer.h"

#include "store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PL_WRITER_COMMIT_BYTES ((size_t)16 << 20)

struct pl_writer {
    char *dir;
    int mode;
    int lockfd;
    char gen_name[32], old_name[32];
    char gen_path[PATH_MAX];
    uint32_t gen_no;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi[PL_DB_COUNT];
    unsigned put_flags; /* MDB_APPEND in a rebuild */
    size_t since_commit;
    void *map; /* LMDB's map of data.mdb (found in /proc/self/maps) */
    size_t map_len;
    int committed, created;
    /* documents */
    pl_docmeta *dm; /* [0..max_docid] */
    uint32_t max_docid, dm_cap, first_new;
    uint32_t *changed; /* add mode: old docids tombstoned */
    size_t nchanged, changed_cap;
    /* tracks and sources, ids 1..n */
    char **tracks;
    size_t ntracks, tracks_cap;
    char **srcs;
    char (*sums)[17];
    size_t nsrcs, srcs_cap;
    /* meta */
    char **mk, **mv, **ok, **ov;
    size_t nmeta, nold;
    uint64_t generation;
    /* term in progress */
    char term[PL_MAX_TERM_BYTES + 1];
    size_t tn;
    int in_term;
    pl_terminfo ti;
    uint32_t tlast;
    uint32_t cdoc[PL_CHUNK_DOCS];
    uint32_t ctf[PL_CHUNK_DOCS][PL_NFIELDS];
    size_t cn;
    pl_buf cpos, val;
    pl_zip *zip;
};

static int put(pl_writer *w, int db, const void *k, size_t kn, const void *v, size_t vn,
               unsigned flags, pl_error *err)
{
    MDB_val key = {kn, (void *)k}, val = {vn, (void *)v};
    int rc = mdb_put(w->txn, w->dbi[db], &key, &val, flags);
    if (rc)
        return pl_lmdb_error(err, rc, pl_db_names[db], w->gen_path);
    w->since_commit += kn + vn + 16;
    return PL_OK;
}

/* Rebuild only: commits what was written so far to bound dirty memory. */
static int maybe_flush(pl_writer *w, pl_error *err)
{
    if (w->mode != PL_WRITE_REBUILD || w->since_commit < PL_WRITER_COMMIT_BYTES)
        return PL_OK;
    int rc = mdb_txn_commit(w->txn);
    w->txn = NULL;
    if (!rc)
        rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
    if (rc)
        return pl_lmdb_error(err, rc, "intermediate commit", w->gen_path);
    w->since_commit = 0;
    /* LMDB reads pages through its shared map; the pages a long build
     * touched stay mapped and count as resident memory.  Unmapping them
     * here (they remain in the page cache) keeps RSS to the budget. */
    if (w->map)
        madvise(w->map, w->map_len, MADV_DONTNEED);
    return PL_OK;
}

/* LMDB does not tell where it mapped the file (mdb_env_info gives the
 * address only with MDB_FIXEDMAP): look it up by inode. */
static void find_map(pl_writer *w)
{
    char p[PATH_MAX + 16], l[PATH_MAX + 128];
    struct stat st;
    snprintf(p, sizeof p, "%s/data.mdb", w->gen_path);
    if (stat(p, &st) != 0)
        return;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    while (fgets(l, sizeof l, f)) {
        unsigned long long a, b, off, ino;
        char perm[8];
        unsigned maj, min;
        if (sscanf(l, "%llx-%llx %7s %llx %x:%x %llu", &a, &b, perm, &off, &maj, &min, &ino) == 7 &&
            ino == (unsigned long long)st.st_ino && off == 0) {
            w->map = (void *)(uintptr_t)a;
            w->map_len = (size_t)(b - a);
            break;
        }
    }
    fclose(f);
}

static int rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    char p[PATH_MAX + 256];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        unlink(p);
    }
    closedir(d);
    return rmdir(path);
}

static void fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Removes generations other than keep1 and keep2 (numbers; 0 = none). */
static void remove_generations(const char *dir, uint32_t keep1, uint32_t keep2, uint32_t above)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[PATH_MAX + 256];
    while ((e = readdir(d))) {
        uint32_t g = pl_gen_number(e->d_name);
        if (!g || g == keep1 || g == keep2 || g <= above)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        rm_tree(p);
    }
    closedir(d);
}

static uint32_t max_generation(const char *dir)
{
    DIR *d = opendir(dir);
    uint32_t mx = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint32_t g = pl_gen_number(e->d_name);
        if (g > mx)
            mx = g;
    }
    closedir(d);
    return mx;
}

static int mkdir_p(const char *path, pl_error *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return pl_error_set(err, PL_EIO, "%s: %s", tmp, strerror(errno));
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return pl_error_set(err, PL_EIO, "%s: %s", tmp, strerror(errno));
    return PL_OK;
}

static int grow_dm(pl_writer *w, uint32_t need, pl_error *err)
{
    if (need < w->dm_cap)
        return PL_OK;
    size_t nc = w->dm_cap ? w->dm_cap : 1024;
    while (nc <= need)
        nc *= 2;
    pl_docmeta *n = pl_realloc(w->dm, nc * sizeof *n);
    if (!n)
        return pl_error_set(err, PL_ENOMEM, "out of memory (document table)");
    memset(n + w->dm_cap, 0, (nc - w->dm_cap) * sizeof *n);
    w->dm = n;
    w->dm_cap = (uint32_t)nc;
    return PL_OK;
}

static int load_live(pl_writer *w, pl_error *err)
{
    MDB_cursor *c;
    MDB_val k, v;
    char buf[64];
    pl_meta_get(w->txn, w->dbi[PL_DB_META], "max_docid", buf, sizeof buf);
    unsigned long long md = strtoull(buf, NULL, 10);
    if (md >= UINT32_MAX - 1)
        return pl_error_set(err, PL_ECORRUPT, "%s: bad max_docid", w->gen_path);
    w->max_docid = (uint32_t)md;
    w->first_new = w->max_docid + 1;
    if (grow_dm(w, w->max_docid + 1, err))
        return err->code;
    int rc = mdb_cursor_open(w->txn, w->dbi[PL_DB_DOCMETA], &c);
    for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint32_t d = k.mv_size == 4 ? pl_be32_get(k.mv_data) : 0;
        if (!d || d > w->max_docid ||
            pl_docmeta_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, &w->dm[d], err)) {
            mdb_cursor_close(c);
            return pl_error_set(err, PL_ECORRUPT, "%s: docmeta", w->gen_path);
        }
    }
    mdb_cursor_close(c);
    /* tracks, sources, meta */
    for (int which = 0; which < 3; which++) {
        int db = which == 0 ? PL_DB_TRACKS : which == 1 ? PL_DB_SOURCES : PL_DB_META;
        if ((rc = mdb_cursor_open(w->txn, w->dbi[db], &c)))
            return pl_lmdb_error(err, rc, "cursor", w->gen_path);
        for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc;
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            if (which == 2) {
                char **nk = pl_realloc(w->ok, (w->nold + 1) * sizeof *nk);
                if (nk)
                    w->ok = nk;
                char **nv = pl_realloc(w->ov, (w->nold + 1) * sizeof *nv);
                if (nv)
                    w->ov = nv;
                if (!nk || !nv)
                    goto oom;
                w->ok[w->nold] = pl_strndup(k.mv_data, k.mv_size);
                w->ov[w->nold] = pl_strndup(v.mv_data, v.mv_size);
                w->nold++;
                continue;
            }
            size_t id = k.mv_size == 2
                            ? (size_t)((uint8_t *)k.mv_data)[0] << 8 | ((uint8_t *)k.mv_data)[1]
                            : 0;
            uint16_t got;
            int existed;
            char *s = pl_strndup(v.mv_data, v.mv_size);
            if (!s)
                goto oom;
            int r;
            if (which == 0) {
                r = id == w->ntracks + 1 ? pl_writer_track(w, s, &got, err) : PL_ECORRUPT;
            } else {
                char sum[17];
                r = PL_ECORRUPT;
                if (id == w->nsrcs + 1 && v.mv_size >= 17 && s[16] == ' ') {
                    memcpy(sum, s, 16);
                    sum[16] = 0;
                    r = pl_writer_source(w, s + 17, sum, &got, &existed, err);
                }
            }
            pl_free(s);
            if (r) {
                mdb_cursor_close(c);
                return pl_error_set(err, PL_ECORRUPT, "%s: %s table", w->gen_path,
                                    which ? "source" : "track");
            }
        }
        mdb_cursor_close(c);
    }
    return PL_OK;
oom:
    mdb_cursor_close(c);
    return pl_error_set(err, PL_ENOMEM, "out of memory");
}

/* Add mode: the live generation, verified, copied into the new directory. */
static int copy_live(pl_writer *w, pl_error *err)
{
    char src_path[PATH_MAX], data[PATH_MAX + 16];
    snprintf(src_path, sizeof src_path, "%s/%s", w->dir, w->old_name);
    snprintf(data, sizeof data, "%s/data.mdb", w->gen_path);
    int verified, fd = -1;
    if (pl_checksum_verify(src_path, &verified, err))
        return err->code;
    MDB_env *src = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi meta;
    int rc = mdb_env_create(&src);
    if (!rc)
        rc = mdb_env_set_maxdbs(src, PL_DB_COUNT + 2);
    if (!rc)
        rc = mdb_env_set_maxreaders(src, 1024);
    if (!rc)
        rc = mdb_env_open(src, src_path, MDB_RDONLY | MDB_NOTLS, 0644);
    if (!rc)
        rc = mdb_txn_begin(src, NULL, MDB_RDONLY, &txn);
    if (rc) {
        pl_lmdb_error(err, rc, "cannot open the index (damaged or not an index?)", src_path);
        goto done;
    }
    /* refuse another version before copying it */
    if (mdb_dbi_open(txn, "meta", 0, &meta) != 0) {
        pl_error_set(err, PL_ECORRUPT, "%s: not a plumbline index", src_path);
        goto done;
    }
    if (pl_meta_check_versions(txn, meta, src_path, err))
        goto done;
    mdb_txn_abort(txn);
    txn = NULL;
    /* Our own descriptor: mdb_env_copy2 would open it O_DIRECT, which
     * leaves the copy out of the page cache the add then reads it from. */
    fd = open(data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        pl_error_set(err, errno == ENOSPC ? PL_EFULL : PL_EIO, "%s: %s", data, strerror(errno));
        goto done;
    }
    rc = mdb_env_copyfd2(src, fd, MDB_CP_COMPACT);
    if (rc)
        pl_lmdb_error(err, rc, "copying the live generation", w->gen_path);
done:
    if (fd >= 0)
        close(fd);
    if (txn)
        mdb_txn_abort(txn);
    mdb_env_close(src);
    return err->code;
}

int pl_writer_open(pl_writer **out, const char *dir, int mode, pl_error *err)
{
    *out = NULL;
    pl_writer *w = pl_calloc(1, sizeof *w);
    if (!w || !(w->dir = pl_strdup(dir))) {
        pl_free(w);
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    }
    w->mode = mode;
    w->lockfd = -1;
    if (mode == PL_WRITE_REBUILD) {
        if (mkdir_p(dir, err))
            goto fail;
    }
    char p[PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/" PL_WRITER_LOCK, dir);
    w->lockfd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lockfd < 0) {
        if (errno == ENOENT)
            pl_error_set(err, PL_ENOTFOUND, "no index at %s: run 'plumbline index' first", dir);
        else
            pl_error_set(err, PL_EIO, "%s: %s", p, strerror(errno));
        goto fail;
    }
    if (flock(w->lockfd, LOCK_EX | LOCK_NB) != 0) {
        pl_error_set(err, PL_EIO, "%s: another 'plumbline index' is writing this index", dir);
        goto fail;
    }
    pl_error cerr = {0};
    int have_current = pl_store_current(dir, w->old_name, sizeof w->old_name, &cerr) == PL_OK;
    if (mode == PL_WRITE_ADD && !have_current) {
        pl_error_set(err, cerr.code, "%s", cerr.msg);
        goto fail;
    }
    uint32_t cur = have_current ? pl_gen_number(w->old_name) : 0;
    /* Numbers are never reused (a reader notices a switch by name), so
     * count the leftovers of interrupted writers before removing them. */
    w->gen_no = max_generation(dir) + 1;
    remove_generations(dir, cur, 0, cur);
    snprintf(w->gen_name, sizeof w->gen_name, PL_GEN_PREFIX "%06u", w->gen_no);
    /* generation directories are never rewritten, so the number names
     * the index state: readers, caches and /healthz report it */
    w->generation = w->gen_no;
    if (mode == PL_WRITE_REBUILD)
        w->put_flags = MDB_APPEND;
    snprintf(w->gen_path, sizeof w->gen_path, "%s/%s", dir, w->gen_name);
    if (mkdir(w->gen_path, 0755) != 0) {
        pl_error_set(err, PL_EIO, "%s: %s", w->gen_path, strerror(errno));
        goto fail;
    }
    w->created = 1;
    if (mode == PL_WRITE_ADD && copy_live(w, err))
        goto fail;
    int rc = mdb_env_create(&w->env);
    if (!rc)
        rc = mdb_env_set_maxdbs(w->env, PL_DB_COUNT + 2);
    if (!rc)
        rc = mdb_env_set_mapsize(w->env, pl_store_mapsize());
    if (!rc)
        rc = mdb_env_set_maxreaders(w->env, 1024);
    if (!rc)
        rc = mdb_env_open(w->env, w->gen_path, MDB_NOSYNC | MDB_NORDAHEAD, 0644);
    if (rc) {
        pl_lmdb_error(err, rc, "open", w->gen_path);
        goto fail;
    }
    find_map(w);
    if ((rc = mdb_txn_begin(w->env, NULL, 0, &w->txn))) {
        pl_lmdb_error(err, rc, "begin", w->gen_path);
        goto fail;
    }
    if (mode == PL_WRITE_ADD) {
        MDB_dbi meta;
        if (mdb_dbi_open(w->txn, "meta", 0, &meta) != 0) {
            pl_error_set(err, PL_ECORRUPT, "%s: not a plumbline index", w->gen_path);
            goto fail;
        }
        if (pl_meta_check_versions(w->txn, meta, w->gen_path, err))
            goto fail;
    }
    if (pl_dbis_open(w->txn, w->dbi, mode == PL_WRITE_REBUILD ? MDB_CREATE : 0, w->gen_path, err))
        goto fail;
    if (mode == PL_WRITE_ADD) {
        if (load_live(w, err))
            goto fail;
    } else if (grow_dm(w, 1024, err)) {
        goto fail;
    }
    if (mode == PL_WRITE_REBUILD)
        w->first_new = 1;
    *out = w;
    return PL_OK;
fail:
    pl_writer_free(w);
    return err->code ? err->code : PL_EIO;
}

void pl_writer_free(pl_writer *w)
{
    if (!w)
        return;
    if (w->txn)
        mdb_txn_abort(w->txn);
    if (w->env)
        mdb_env_close(w->env);
    if (w->created && !w->committed)
        rm_tree(w->gen_path);
    if (w->lockfd >= 0)
        close(w->lockfd);
    pl_free(w->dm);
    pl_free(w->changed);
    for (size_t i = 1; i <= w->ntracks; i++)
        pl_free(w->tracks[i]);
    pl_free(w->tracks);
    for (size_t i = 1; i <= w->nsrcs; i++)
        pl_free(w->srcs[i]);
    pl_free(w->srcs);
    pl_free(w->sums);
    for (size_t i = 0; i < w->nmeta; i++) {
        pl_free(w->mk[i]);
        pl_free(w->mv[i]);
    }
    for (size_t i = 0; i < w->nold; i++) {
        pl_free(w->ok[i]);
        pl_free(w->ov[i]);
    }
    pl_free(w->mk);
    pl_free(w->mv);
    pl_free(w->ok);
    pl_free(w->ov);
    pl_zip_free(w->zip);
    pl_buf_free(&w->cpos);
    pl_buf_free(&w->val);
    pl_free(w->dir);
    pl_free(w);
}

int pl_writer_txn_end(pl_writer *w, int commit, pl_error *err)
{
    if (!w->txn)
        return PL_OK;
    int rc = 0;
    if (commit)
        rc = mdb_txn_commit(w->txn);
    else
        mdb_txn_abort(w->txn);
    w->txn = NULL;
    w->since_commit = 0;
    return rc ? pl_lmdb_error(err, rc, "commit", w->gen_path) : PL_OK;
}

int pl_writer_txn_begin(pl_writer *w, pl_error *err)
{
    if (w->mode != PL_WRITE_REBUILD)
        return pl_error_set(err, PL_EUSAGE, "an add is one transaction");
    if (w->txn)
        return PL_OK;
    int rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
    return rc ? pl_lmdb_error(err, rc, "begin", w->gen_path) : PL_OK;
}

uint32_t pl_writer_next_docid(const pl_writer *w)
{
    return w->max_docid + 1;
}
const char *pl_writer_gen_path(const pl_writer *w)
{
    return w->gen_path;
}

uint32_t pl_writer_live_docs(const pl_writer *w)
{
    uint32_t n = 0;
    for (uint32_t d = 1; d <= w->max_docid; d++)
        n += w->dm[d].year && !(w->dm[d].flags & PL_DOC_DELETED);
    return n;
}

int pl_writer_track(pl_writer *w, const char *name, uint16_t *id, pl_error *err)
{
    *id = 0;
    if (!name || !*name)
        return PL_OK;
    for (size_t i = 1; i <= w->ntracks; i++)
        if (!strcmp(w->tracks[i], name)) {
            *id = (uint16_t)i;
            return PL_OK;
        }
    if (w->ntracks >= 65535)
        return pl_error_set(err, PL_ELIMIT, "more than 65535 tracks");
    if (w->ntracks + 2 > w->tracks_cap) {
        size_t nc = w->tracks_cap ? w->tracks_cap * 2 : 64;
        char **n = pl_realloc(w->tracks, nc * sizeof *n);
        if (!n)
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        w->tracks = n;
        w->tracks_cap = nc;
    }
    char *s = pl_strdup(name);
    if (!s)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    w->tracks[++w->ntracks] = s;
    *id = (uint16_t)w->ntracks;
    return PL_OK;
}

int pl_writer_source(pl_writer *w, const char *path, const char *checksum, uint16_t *id,
                     int *existed, pl_error *err)
{
    *id = 0;
    *existed = 0;
    for (size_t i = 1; i <= w->nsrcs; i++)
        if (!strcmp(w->srcs[i], path)) {
            *id = (uint16_t)i;
            *existed = 1;
            snprintf(w->sums[i], sizeof w->sums[i], "%.16s", checksum);
            return PL_OK;
        }
    if (w->nsrcs >= 65535)
        return pl_error_set(err, PL_ELIMIT, "more than 65535 sources");
    if (w->nsrcs + 2 > w->srcs_cap) {
        size_t nc = w->srcs_cap ? w->srcs_cap * 2 : 64;
        char **n = pl_realloc(w->srcs, nc * sizeof *n);
        if (!n)
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        w->srcs = n;
        char(*ns)[17] = pl_realloc(w->sums, nc * sizeof *ns);
        if (!ns)
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        w->sums = ns;
        w->srcs_cap = nc;
    }
    char *s = pl_strdup(path);
    if (!s)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    w->srcs[++w->nsrcs] = s;
    snprintf(w->sums[w->nsrcs], sizeof w->sums[0], "%.16s", checksum);
    *id = (uint16_t)w->nsrcs;
    return PL_OK;
}

int pl_writer_source_checksum(pl_writer *w, const char *path, char out[17], pl_error *err)
{
    (void)err;
    out[0] = 0;
    for (size_t i = 1; i <= w->nsrcs; i++)
        if (!strcmp(w->srcs[i], path)) {
            memcpy(out, w->sums[i], 17);
            return PL_OK;
        }
    return PL_ENOTFOUND;
}

static int tombstone(pl_writer *w, uint32_t d, pl_error *err)
{
    if (!d || d > w->max_docid || !w->dm[d].year || (w->dm[d].flags & PL_DOC_DELETED))
        return PL_OK;
    w->dm[d].flags |= PL_DOC_DELETED;
    uint8_t key[4];
    pl_be32_put(key, d);
    MDB_val k = {4, key};
    int rc = mdb_del(w->txn, w->dbi[PL_DB_DOCS], &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        return pl_lmdb_error(err, rc, "delete document", w->gen_path);
    if (d < w->first_new) {
        if (w->nchanged == w->changed_cap) {
            size_t nc = w->changed_cap ? w->changed_cap * 2 : 256;
            uint32_t *n = pl_realloc(w->changed, nc * sizeof *n);
            if (!n)
                return pl_error_set(err, PL_ENOMEM, "out of memory");
            w->changed = n;
            w->changed_cap = nc;
        }
        w->changed[w->nchanged++] = d;
    }
    return PL_OK;
}

/* Bytes of a canonical record (pl_record_to_json) through its id:
 * `{"schema":1,"id":"..."`, the id's closing quote included; 0 when the
 * record does not start that way.  They stay uncompressed in the stored
 * value, so a hit that needs only its id decompresses nothing. */
static size_t id_head_len(const char *rec, size_t n)
{
    static const char lead[] = "{\"schema\":1,\"id\":\"";
    size_t i = sizeof lead - 1;
    if (n <= i || memcmp(rec, lead, i) != 0)
        return 0;
    for (; i < n && i < PL_DOC_HEAD_MAX; i++) {
        if (rec[i] == '\\')
            i++;
        else if (rec[i] == '"')
            return i + 1;
    }
    return 0;
}

int pl_writer_put_doc(pl_writer *w, const char *id, size_t idn, const char *rec, size_t n,
                      const pl_docmeta *m, uint32_t *docid, int *replaced, pl_error *err)
{
    *docid = 0;
    *replaced = 0;
    if (idn == 0 || idn > 480)
        return pl_error_set(err, PL_EUSAGE, "record id of %zu bytes (1..480 allowed)", idn);
    if (w->max_docid >= UINT32_MAX - 1)
        return pl_error_set(err, PL_ELIMIT, "too many documents");
    uint32_t d = w->max_docid + 1;
    if (grow_dm(w, d, err))
        return err->code;
    MDB_val k = {idn, (void *)id}, v;
    int rc = mdb_get(w->txn, w->dbi[PL_DB_IDS], &k, &v);
    if (!rc && v.mv_size == 4) {
        uint32_t old = pl_be32_get(v.mv_data);
        if (old <= w->max_docid && w->dm[old].year && !(w->dm[old].flags & PL_DOC_DELETED)) {
            if (tombstone(w, old, err))
                return err->code;
            *replaced = 1;
        }
    } else if (rc && rc != MDB_NOTFOUND) {
        return pl_lmdb_error(err, rc, "ids", w->gen_path);
    }
    uint8_t key[4];
    pl_be32_put(key, d);
    pl_buf_reset(&w->val);
    if (!w->zip && !(w->zip = pl_zip_new()))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (pl_doc_encode(&w->val, rec, n, id_head_len(rec, n), w->zip))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (put(w, PL_DB_DOCS, key, 4, w->val.p, w->val.n, w->put_flags, err) ||
        put(w, PL_DB_IDS, id, idn, key, 4, 0, err))
        return err->code;
    /* The id lookups above touch ids pages all over the map; release them
     * every 1024 documents so resident memory does not grow with the
     * index (dropping the mapping of clean file pages is always safe). */
    if (w->map && (d & 1023) == 0)
        madvise(w->map, w->map_len, MADV_DONTNEED);
    w->dm[d] = *m;
    if (!w->dm[d].year)
        w->dm[d].year = 1; /* year 0 marks a free slot */
    w->max_docid = d;
    *docid = d;
    return maybe_flush(w, err);
}

int pl_writer_delete_source(pl_writer *w, uint16_t source, size_t *n, pl_error *err)
{
    *n = 0;
    for (uint32_t d = 1; d <= w->max_docid; d++) {
        if (w->dm[d].source == source && w->dm[d].year && !(w->dm[d].flags & PL_DOC_DELETED)) {
            if (tombstone(w, d, err))
                return err->code;
            (*n)++;
        }
    }
    return PL_OK;
}

int pl_writer_remove_path(pl_writer *w, const char *path, size_t *n, pl_error *err)
{
    *n = 0;
    for (size_t i = 1; i <= w->nsrcs; i++)
        if (!strcmp(w->srcs[i], path))
            return pl_writer_delete_source(w, (uint16_t)i, n, err);
    return pl_error_set(err, PL_ENOTFOUND, "%s: not a source of this index", path);
}

/* ---- postings ------------------------------------------------------------------ */

int pl_writer_term_begin(pl_writer *w, const char *term, size_t n, pl_error *err)
{
    if (n == 0 || n > PL_MAX_TERM_BYTES || memchr(term, 0, n))
        return pl_error_set(err, PL_EUSAGE, "bad term of %zu bytes", n);
    memcpy(w->term, term, n);
    w->term[n] = 0;
    w->tn = n;
    w->in_term = 1;
    w->cn = 0;
    w->tlast = 0;
    memset(&w->ti, 0, sizeof w->ti);
    pl_buf_reset(&w->cpos);
    return PL_OK;
}

static int flush_chunk(pl_writer *w, pl_error *err)
{
    if (!w->cn)
        return PL_OK;
    uint8_t key[PL_KEY_MAX];
    size_t kn = pl_key_postings(key, w->term, w->tn, w->cdoc[w->cn - 1]);
    /* Field lengths of the chunk's documents for its impacts; a document
     * the writer has no metadata for (none should be) counts as short as
     * its tf allows, which keeps the bound safe. */
    uint32_t len[PL_CHUNK_DOCS][PL_NFIELDS];
    for (uint32_t i = 0; i < w->cn; i++) {
        uint32_t d = w->cdoc[i];
        if (d <= w->max_docid && w->dm[d].year)
            memcpy(len[i], w->dm[d].len, sizeof len[i]);
        else
            memset(len[i], 0, sizeof len[i]);
    }
    pl_buf_reset(&w->val);
    if (pl_chunk_encode(&w->val, w->cdoc, (const uint32_t(*)[PL_NFIELDS])w->ctf,
                        (const uint32_t(*)[PL_NFIELDS])len, w->cn))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (put(w, PL_DB_POSTINGS, key, kn, w->val.p, w->val.n, w->put_flags, err) ||
        put(w, PL_DB_POSITIONS, key, kn, w->cpos.p ? w->cpos.p : "", w->cpos.n, w->put_flags, err))
        return err->code;
    w->cn = 0;
    pl_buf_reset(&w->cpos);
    return PL_OK;
}

int pl_writer_term_doc(pl_writer *w, uint32_t docid, const uint32_t tf[PL_NFIELDS],
                       const uint8_t *pos, size_t posn, pl_error *err)
{
    if (!w->in_term || docid <= w->tlast || (docid < w->first_new))
        return pl_error_set(err, PL_EUSAGE, "term '%s': docid %u out of order", w->term, docid);
    if (!tf[0] && !tf[1] && !tf[2])
        return pl_error_set(err, PL_EUSAGE, "term '%s': docid %u without occurrence", w->term,
                            docid);
    w->cdoc[w->cn] = docid;
    memcpy(w->ctf[w->cn], tf, sizeof w->ctf[0]);
    w->cn++;
    if (pl_buf_put(&w->cpos, pos, posn))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    w->tlast = docid;
    w->ti.df++;
    for (int f = 0; f < PL_NFIELDS; f++) {
        w->ti.cf += tf[f];
        if (tf[f] > w->ti.max_tf[f])
            w->ti.max_tf[f] = tf[f];
    }
    if (w->cn == PL_CHUNK_DOCS)
        return flush_chunk(w, err);
    return PL_OK;
}

int pl_writer_term_end(pl_writer *w, const char *display, size_t dn, pl_error *err)
{
    if (!w->in_term)
        return pl_error_set(err, PL_EUSAGE, "term_end without term_begin");
    w->in_term = 0;
    if (flush_chunk(w, err))
        return err->code;
    if (!w->ti.df)
        return PL_OK;
    pl_terminfo ti = w->ti;
    unsigned flags = w->put_flags;
    char dbuf[PL_MAX_TERM_BYTES + 1];
    if (w->mode == PL_WRITE_ADD) {
        pl_terminfo old;
        const char *od;
        size_t odn;
        MDB_val k = {w->tn, w->term}, v;
        int rc = mdb_get(w->txn, w->dbi[PL_DB_TERMS], &k, &v);
        if (!rc) {
            if (pl_terminfo_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, &old, &od,
                                   &odn, err))
                return pl_error_set(err, PL_ECORRUPT, "%s: term '%s'", w->gen_path, w->term);
            ti.df += old.df;
            ti.cf += old.cf;
            for (int f = 0; f < PL_NFIELDS; f++)
                if (old.max_tf[f] > ti.max_tf[f])
                    ti.max_tf[f] = old.max_tf[f];
            if (odn && odn <= PL_MAX_TERM_BYTES) {
                memcpy(dbuf, od, odn);
                display = dbuf;
                dn = odn;
            }
        } else if (rc != MDB_NOTFOUND) {
            return pl_lmdb_error(err, rc, "terms", w->gen_path);
        }
    }
    /* Store the display form only when it differs from the term itself. */
    if (dn == w->tn && display && !memcmp(display, w->term, dn))
        dn = 0;
    pl_buf_reset(&w->val);
    if (pl_terminfo_encode(&w->val, &ti, display, dn))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (put(w, PL_DB_TERMS, w->term, w->tn, w->val.p, w->val.n, flags, err))
        return err->code;
    return maybe_flush(w, err);
}

int pl_writer_put_surface(pl_writer *w, const char *surface, size_t n, const char *term, size_t tn,
                          uint32_t df, pl_error *err)
{
    if (n == 0 || n > PL_MAX_TERM_BYTES || tn == 0)
        return PL_OK; /* nothing useful to complete */
    if (w->mode == PL_WRITE_ADD) {
        MDB_val k = {n, (void *)surface}, v;
        uint32_t odf;
        const char *ot;
        size_t otn;
        if (!mdb_get(w->txn, w->dbi[PL_DB_SURFACES], &k, &v) &&
            !pl_surface_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, &odf, &ot, &otn,
                               NULL))
            df += odf;
    }
    pl_buf_reset(&w->val);
    if (pl_surface_encode(&w->val, df, term, tn))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (put(w, PL_DB_SURFACES, surface, n, w->val.p, w->val.n, w->put_flags, err))
        return err->code;
    return maybe_flush(w, err);
}

int pl_writer_set_meta(pl_writer *w, const char *key, const char *value, pl_error *err)
{
    for (size_t i = 0; i < w->nmeta; i++)
        if (!strcmp(w->mk[i], key)) {
            char *v = pl_strdup(value);
            if (!v)
                return pl_error_set(err, PL_ENOMEM, "out of memory");
            pl_free(w->mv[i]);
            w->mv[i] = v;
            return PL_OK;
        }
    char **nk = pl_realloc(w->mk, (w->nmeta + 1) * sizeof *nk);
    if (nk)
        w->mk = nk;
    char **nv = pl_realloc(w->mv, (w->nmeta + 1) * sizeof *nv);
    if (nv)
        w->mv = nv;
    if (!nk || !nv)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    w->mk[w->nmeta] = pl_strdup(key);
    w->mv[w->nmeta] = pl_strdup(value);
    w->nmeta++;
    if (!w->mk[w->nmeta - 1] || !w->mv[w->nmeta - 1])
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    return PL_OK;
}

const char *pl_writer_old_meta(pl_writer *w, const char *key)
{
    for (size_t i = 0; i < w->nold; i++)
        if (!strcmp(w->ok[i], key))
            return w->ov[i];
    return NULL;
}

static int put_docmeta(pl_writer *w, uint32_t d, unsigned flags, pl_error *err)
{
    uint8_t key[4];
    pl_be32_put(key, d);
    pl_buf_reset(&w->val);
    if (pl_docmeta_encode(&w->val, &w->dm[d]))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    return put(w, PL_DB_DOCMETA, key, 4, w->val.p, w->val.n, flags, err);
}

static int put_meta(pl_writer *w, const char *k, const char *v, pl_error *err)
{
    return put(w, PL_DB_META, k, strlen(k), v, strlen(v), 0, err);
}

static int write_tables(pl_writer *w, pl_error *err)
{
    /* docmeta: all in a rebuild (appending), new and tombstoned in an add */
    uint32_t from = w->mode == PL_WRITE_REBUILD ? 1 : w->first_new;
    for (uint32_t d = from; d <= w->max_docid; d++)
        if (w->dm[d].year && put_docmeta(w, d, w->put_flags, err))
            return err->code;
    for (size_t i = 0; i < w->nchanged; i++)
        if (put_docmeta(w, w->changed[i], 0, err))
            return err->code;
    /* years: recomputed from docmeta (live docs and their tokens) */
    int rc = mdb_drop(w->txn, w->dbi[PL_DB_YEARS], 0);
    if (rc)
        return pl_lmdb_error(err, rc, "years", w->gen_path);
    uint32_t *ydocs = pl_calloc(65536, sizeof *ydocs);
    uint64_t *ytok = pl_calloc(65536, sizeof *ytok);
    if (!ydocs || !ytok) {
        pl_free(ydocs);
        pl_free(ytok);
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    }
    uint32_t live = 0;
    for (uint32_t d = 1; d <= w->max_docid; d++) {
        const pl_docmeta *m = &w->dm[d];
        if (!m->year || (m->flags & PL_DOC_DELETED))
            continue;
        live++;
        ydocs[m->year]++;
        ytok[m->year] += (uint64_t)m->len[0] + m->len[1] + m->len[2];
    }
    int ret = PL_OK;
    for (uint32_t y = 0; y < 65536 && !ret; y++) {
        if (!ydocs[y])
            continue;
        uint8_t key[2] = {(uint8_t)(y >> 8), (uint8_t)y};
        pl_buf_reset(&w->val);
        pl_buf_put_varint(&w->val, ydocs[y]);
        pl_buf_put_varint(&w->val, ytok[y]);
        ret = w->val.oom ? pl_error_set(err, PL_ENOMEM, "out of memory")
                         : put(w, PL_DB_YEARS, key, 2, w->val.p, w->val.n, 0, err);
    }
    pl_free(ydocs);
    pl_free(ytok);
    if (ret)
        return ret;
    for (size_t i = 1; i <= w->ntracks; i++) {
        uint8_t key[2] = {(uint8_t)(i >> 8), (uint8_t)i};
        if (put(w, PL_DB_TRACKS, key, 2, w->tracks[i], strlen(w->tracks[i]), 0, err))
            return err->code;
    }
    for (size_t i = 1; i <= w->nsrcs; i++) {
        uint8_t key[2] = {(uint8_t)(i >> 8), (uint8_t)i};
        pl_buf_reset(&w->val);
        pl_buf_printf(&w->val, "%-16.16s %s", w->sums[i], w->srcs[i]);
        if (w->val.oom)
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        if (put(w, PL_DB_SOURCES, key, 2, w->val.p, w->val.n, 0, err))
            return err->code;
    }
    /* meta */
    char buf[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (put_meta(w, w->mode == PL_WRITE_REBUILD ? "built_at" : "updated_at", buf, err))
        return err->code;
    snprintf(buf, sizeof buf, "%d", PL_FORMAT_VERSION);
    if (put_meta(w, "format_version", buf, err))
        return err->code;
    snprintf(buf, sizeof buf, "%d", PL_ANALYZER_VERSION);
    if (put_meta(w, "analyzer_version", buf, err))
        return err->code;
    snprintf(buf, sizeof buf, "%" PRIu64, w->generation);
    if (put_meta(w, "generation", buf, err))
        return err->code;
    snprintf(buf, sizeof buf, "%u", w->max_docid);
    if (put_meta(w, "max_docid", buf, err))
        return err->code;
    snprintf(buf, sizeof buf, "%u", live);
    if (put_meta(w, "doc_count", buf, err))
        return err->code;
    for (size_t i = 0; i < w->nmeta; i++)
        if (put_meta(w, w->mk[i], w->mv[i], err))
            return err->code;
    return PL_OK;
}

int pl_writer_commit(pl_writer *w, pl_error *err)
{
    if (w->in_term)
        return pl_error_set(err, PL_EUSAGE, "commit inside a term");
    if (write_tables(w, err))
        return err->code;
    int rc = mdb_txn_commit(w->txn);
    w->txn = NULL;
    if (rc)
        return pl_lmdb_error(err, rc, "commit", w->gen_path);
    rc = mdb_env_sync(w->env, 1);
    if (rc)
        return pl_lmdb_error(err, rc, "sync", w->gen_path);
    mdb_env_close(w->env);
    w->env = NULL;
    /* data.mdb is final: nothing writes it again (readers open it
     * read-only), so its checksum stays true for the generation's life. */
    if (pl_checksum_write(w->gen_path, err))
        return err->code;
    fsync_dir(w->gen_path);
    /* The switch: a new symlink renamed over `current`. */
    char tmp[PATH_MAX], cur[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/" PL_CURRENT_LINK ".tmp", w->dir);
    snprintf(cur, sizeof cur, "%s/" PL_CURRENT_LINK, w->dir);
    unlink(tmp);
    if (symlink(w->gen_name, tmp) != 0 || rename(tmp, cur) != 0) {
        int e = errno;
        unlink(tmp);
        return pl_error_set(err, e == ENOSPC ? PL_EFULL : PL_EIO, "%s: switching to %s: %s", w->dir,
                            w->gen_name, strerror(e));
    }
    fsync_dir(w->dir);
    w->committed = 1;
    remove_generations(w->dir, w->gen_no, pl_gen_number(w->old_name), 0);
    return PL_OK;
}
