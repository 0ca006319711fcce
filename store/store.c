/*
 * store.c — opening an index, snapshots, and the read API of store.h.
 *
 * Directory layout of an index root DIR:
 *
 *   DIR/gen-000001/        one LMDB environment per generation
 *       data.mdb, lock.mdb   (the byte format is at the top of codec.c)
 *       data.mdb.xxh3        checksum of data.mdb (format: top of codec.c)
 *   DIR/gen-000002/
 *   DIR/current -> gen-000002   symlink naming the live generation
 *   DIR/write.lock          flock()ed by the one writer at a time
 *
 * Generations are immutable once live.  Every writer makes a new one: a
 * full rebuild from nothing, `plumbline index --add/--remove` from a copy
 * of the live environment (mdb_env_copyfd2 with MDB_CP_COMPACT, after
 * verifying its checksum), with the change applied to the copy in one write
 * transaction.  Either way the writer syncs the environment
 * (mdb_env_sync), closes it, hashes the finished data.mdb into
 * data.mdb.xxh3 (written, fsynced, renamed into place), fsyncs the
 * generation directory, then points `current` at it with
 * symlink(current.tmp) + rename(2) over `current`, and fsyncs DIR.  A kill
 * at any moment leaves `current` naming a whole generation: either the old
 * one (the new directory is a leftover, removed by the next writer) or the
 * new one.  The next writer deletes every generation except the live one
 * and the one before it (snapshots still open on an older one read on from
 * its unlinked files).  Each generation has its own meta "generation".
 *
 * Checksums.  LMDB keeps none and trusts its B-tree pages: a damaged
 * branch page makes liblmdb follow a bad pointer.  So data.mdb is checked
 * before LMDB reads a page of it: when a reader opens a generation
 * (pl_store_open, and pl_snap_begin's switch to a new one), when an --add
 * copies one, and again by pl_snap_check (`plumbline check`).  The size
 * comes first (a truncated file is named as such), then XXH3-64 over the
 * whole file (checksum.c).  A difference is PL_ECORRUPT "<gen>/data.mdb:
 * checksum mismatch: the index is damaged; rebuild it with 'plumbline
 * index'"; a store remembers the last generation that failed, so a server
 * answers every later snapshot with that error at once instead of hashing
 * the file per request.
 *   No false positives: data.mdb is hashed after its writer closed it, and
 * nothing writes it again — readers open it MDB_RDONLY (LMDB then writes
 * only lock.mdb), and no writer opens a live generation for writing.  That
 * is why an --add copies instead of writing in place: a file that a writer
 * changes while readers verify it has no stable checksum.
 *   Cost: one sequential read of data.mdb per open of a generation (the
 * pages are then in the page cache LMDB maps); figures in
 * docs/performance.md.  The switch holds the store mutex meanwhile, as it
 * does while the docmeta view loads.
 *   A generation without data.mdb.xxh3 was written by an older plumbline:
 * it is opened unverified, as before (pl_snap_verified() is 0 and `plumbline
 * check` says so); the next --add or rebuild writes one with a checksum.
 * An older plumbline's --add would still write a live generation of this
 * version in place and so break its checksum: a mismatch, "rebuild it".
 *
 * Readers: pl_snap_begin does one readlink() of `current` (about a
 * microsecond).  When it names another generation, that environment is
 * verified and opened and its per-generation view loaded.  The view
 * (docmeta of every document, tracks, sources, meta) is shared by all the
 * snapshots that began on it and freed with the last of them (refcounts
 * under the store mutex); an environment is closed when its last view goes.
 * Environments are opened MDB_RDONLY | MDB_NOTLS: snapshots may move
 * between threads and a thread may hold several.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

const char *const pl_db_names[PL_DB_COUNT] = {
    "meta",    "terms",  "postings", "positions", "docs",  "ids",
    "docmeta", "tracks", "sources",  "surfaces",  "years",
};

/* Sets a PL_ECORRUPT error saying where, keeping what a decoder already
 * said as the reason ("<where>: <decoder message>"): with first-error-wins
 * the context would otherwise be dropped. */
static int corrupt_at(pl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int corrupt_at(pl_error *err, const char *fmt, ...)
{
    char where[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(where, sizeof where, fmt, ap);
    va_end(ap);
    if (!err)
        return PL_ECORRUPT;
    if (!err->code)
        return pl_error_set(err, PL_ECORRUPT, "%s", where);
    char why[sizeof err->msg];
    memcpy(why, err->msg, sizeof why);
    err->code = PL_ECORRUPT;
    snprintf(err->msg, sizeof err->msg, "%.400s: %.600s", where, why);
    return PL_ECORRUPT;
}

/* 1 if the filesystem holding path has under 1 MiB left for us. */
static int nearly_full(const char *path)
{
    struct statvfs v;
    return statvfs(path, &v) == 0 && (uint64_t)v.f_bavail * v.f_frsize < ((uint64_t)1 << 20);
}

int pl_lmdb_error(pl_error *err, int rc, const char *what, const char *path)
{
    int code = PL_EIO;
    const char *why = mdb_strerror(rc);
    if (rc == MDB_MAP_FULL) {
        code = PL_EFULL;
        why = "the index map is full (raise PLUMBLINE_MAX_MAPSIZE or free space)";
    } else if (rc == ENOSPC || (rc == EIO && path && nearly_full(path))) {
        /* LMDB turns a short write (the disk filled mid-page) into EIO. */
        code = PL_EFULL;
        why = "no space left on device";
    } else if (rc == MDB_CORRUPTED || rc == MDB_INVALID || rc == MDB_PAGE_NOTFOUND ||
               rc == MDB_VERSION_MISMATCH || rc == MDB_BAD_VALSIZE) {
        code = PL_ECORRUPT;
    } else if (rc == ENOMEM) {
        code = PL_ENOMEM;
    } else if (rc == MDB_NOTFOUND) {
        code = PL_ENOTFOUND;
    }
    return pl_error_set(err, code, "%s: %s: %s", path ? path : "index", what, why);
}

int pl_store_current(const char *dir, char *name, size_t cap, pl_error *err)
{
    char link[PATH_MAX];
    name[0] = 0;
    snprintf(link, sizeof link, "%s/" PL_CURRENT_LINK, dir);
    ssize_t n = readlink(link, name, cap - 1);
    if (n < 0) {
        if (errno == ENOENT)
            return pl_error_set(err, PL_ENOTFOUND, "no index at %s: run 'plumbline index' first",
                                dir);
        return pl_error_set(err, PL_EIO, "%s: %s", link, strerror(errno));
    }
    name[n] = 0;
    if (!pl_gen_number(name))
        return pl_error_set(err, PL_ECORRUPT, "%s: names '%s', not a generation", link, name);
    return PL_OK;
}

uint32_t pl_gen_number(const char *name)
{
    if (strncmp(name, PL_GEN_PREFIX, 4) != 0)
        return 0;
    const char *p = name + 4;
    uint64_t v = 0;
    if (!*p)
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > UINT32_MAX / 10)
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return v <= UINT32_MAX ? (uint32_t)v : 0;
}

size_t pl_store_mapsize(void)
{
    const char *e = getenv("PLUMBLINE_MAX_MAPSIZE");
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (!*end && v >= 65536)
            return (size_t)v;
    }
    return PL_DEFAULT_MAPSIZE;
}

int pl_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *key, char *out, size_t cap)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    out[0] = 0;
    if (mdb_get(txn, dbi, &k, &v) != 0)
        return PL_ENOTFOUND;
    size_t n = v.mv_size < cap - 1 ? v.mv_size : cap - 1;
    memcpy(out, v.mv_data, n);
    out[n] = 0;
    return PL_OK;
}

int pl_dbis_open(MDB_txn *txn, MDB_dbi dbi[PL_DB_COUNT], unsigned flags, const char *path,
                 pl_error *err)
{
    for (int i = 0; i < PL_DB_COUNT; i++) {
        int rc = mdb_dbi_open(txn, pl_db_names[i], flags, &dbi[i]);
        if (rc == MDB_NOTFOUND)
            return pl_error_set(err, PL_ECORRUPT, "%s: database '%s' is missing", path,
                                pl_db_names[i]);
        if (rc)
            return pl_lmdb_error(err, rc, pl_db_names[i], path);
    }
    return PL_OK;
}

int pl_meta_check_versions(MDB_txn *txn, MDB_dbi meta, const char *path, pl_error *err)
{
    char v[64];
    if (pl_meta_get(txn, meta, "format_version", v, sizeof v) != PL_OK)
        return pl_error_set(err, PL_ECORRUPT, "%s: no format_version in meta", path);
    if (atoi(v) != PL_FORMAT_VERSION)
        return pl_error_set(err, PL_EVERSION,
                            "%s: index format version %s, this plumbline reads version %d: "
                            "rebuild it with 'plumbline index'",
                            path, v, PL_FORMAT_VERSION);
    if (pl_meta_get(txn, meta, "analyzer_version", v, sizeof v) != PL_OK)
        return pl_error_set(err, PL_ECORRUPT, "%s: no analyzer_version in meta", path);
    if (atoi(v) != PL_ANALYZER_VERSION)
        return pl_error_set(err, PL_EVERSION,
                            "%s: index built by analyzer version %s, this plumbline has "
                            "version %d: rebuild it with 'plumbline index'",
                            path, v, PL_ANALYZER_VERSION);
    return PL_OK;
}

/* ---- generations and views -------------------------------------------------- */

typedef struct genenv {
    MDB_env *env;
    MDB_dbi dbi[PL_DB_COUNT];
    char name[32];
    char path[PATH_MAX];
    int refs;        /* views holding it */
    int data_fd;     /* data.mdb, for pl_snap_check to hash it again (the
                        directory may be gone by then) */
    pl_checksum sum; /* what the writer recorded; sum.present 0 = none */
} genenv;

typedef struct view {
    genenv *ge;
    int refs; /* the store's current pointer + snapshots */
    uint64_t generation;
    uint32_t max_docid, live;
    pl_docmeta *dm; /* [0..max_docid] */
    uint8_t *lq;    /* [(max_docid + 1) * PL_NFIELDS]: pl_len_code of dm's len */
    double avg[PL_NFIELDS];
    char **tracks; /* [1..ntracks] */
    size_t ntracks;
    char **sources; /* [1..nsources], the path part */
    size_t nsources;
    char **mkeys, **mvals;
    size_t nmeta;
} view;

struct pl_store {
    char *dir;
    unsigned flags;
    pthread_mutex_t mu;
    view *cur;
    /* The last generation that failed to open as damaged, and why: every
     * later snapshot gets the same error at once instead of hashing the
     * file again (generations never change once written). */
    char bad_name[64];
    pl_error bad_err;
};

struct pl_snap {
    pl_store *s;
    view *v;
    MDB_txn *txn;
    MDB_dbi *dbi;
    pl_zip *zip; /* inflate stream, created on the first stored document */
    char **docs; /* inflated records handed out, freed at pl_snap_end */
    size_t ndocs, docs_cap;
    pl_buf scratch;
};

static void genenv_unref(genenv *ge)
{
    if (ge && --ge->refs == 0) {
        mdb_env_close(ge->env);
        close(ge->data_fd);
        pl_free(ge);
    }
}

static void view_unref(view *v)
{
    if (!v || --v->refs > 0)
        return;
    pl_free(v->dm);
    pl_free(v->lq);
    for (size_t i = 0; i <= v->ntracks && v->tracks; i++)
        pl_free(v->tracks[i]);
    pl_free(v->tracks);
    for (size_t i = 0; i <= v->nsources && v->sources; i++)
        pl_free(v->sources[i]);
    pl_free(v->sources);
    for (size_t i = 0; i < v->nmeta; i++) {
        pl_free(v->mkeys[i]);
        pl_free(v->mvals[i]);
    }
    pl_free(v->mkeys);
    pl_free(v->mvals);
    genenv_unref(v->ge);
    pl_free(v);
}

static int genenv_open(const char *dir, const char *name, genenv **out, pl_error *err)
{
    *out = NULL;
    genenv *ge = pl_calloc(1, sizeof *ge);
    MDB_txn *txn = NULL;
    if (!ge)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    ge->data_fd = -1;
    snprintf(ge->name, sizeof ge->name, "%s", name);
    snprintf(ge->path, sizeof ge->path, "%s/%s", dir, name);
    char data[PATH_MAX + 16];
    snprintf(data, sizeof data, "%s/data.mdb", ge->path);
    struct stat st;
    ge->data_fd = open(data, O_RDONLY | O_CLOEXEC);
    if (ge->data_fd < 0 || fstat(ge->data_fd, &st) != 0) {
        pl_error_set(err, errno == ENOENT ? PL_ECORRUPT : PL_EIO, "%s: %s", data, strerror(errno));
        goto fail;
    }
    /* Before LMDB reads a page: the whole file against its checksum. */
    if (pl_checksum_read(ge->path, &ge->sum, err) ||
        (ge->sum.present && pl_checksum_check_fd(ge->data_fd, data, &ge->sum, err)))
        goto fail;
    int rc = mdb_env_create(&ge->env);
    if (!rc)
        rc = mdb_env_set_maxdbs(ge->env, PL_DB_COUNT + 2);
    if (!rc)
        rc = mdb_env_set_maxreaders(ge->env, 1024);
    if (!rc)
        rc = mdb_env_open(ge->env, ge->path, MDB_RDONLY | MDB_NOTLS, 0644);
    if (rc) {
        pl_lmdb_error(err, rc, "cannot open the index (damaged or not an index?)", data);
        goto fail;
    }
    /* A truncated data.mdb would SIGBUS on the first page past its end:
     * compare the size with the last page the meta page claims. */
    MDB_envinfo info;
    MDB_stat ms;
    mdb_env_info(ge->env, &info);
    mdb_env_stat(ge->env, &ms);
    if ((uint64_t)st.st_size < ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize) {
        pl_error_set(err, PL_ECORRUPT, "%s: truncated (%lld bytes, needs %llu)", data,
                     (long long)st.st_size,
                     (unsigned long long)((uint64_t)info.me_last_pgno + 1) * ms.ms_psize);
        goto fail;
    }
    rc = mdb_txn_begin(ge->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        pl_lmdb_error(err, rc, "begin", data);
        goto fail;
    }
    MDB_dbi meta;
    rc = mdb_dbi_open(txn, "meta", 0, &meta);
    if (rc) {
        pl_error_set(err, PL_ECORRUPT, "%s: not a plumbline index (no meta database)", data);
        goto fail;
    }
    if (pl_meta_check_versions(txn, meta, ge->path, err) ||
        pl_dbis_open(txn, ge->dbi, 0, ge->path, err))
        goto fail;
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc) {
        pl_lmdb_error(err, rc, "open databases", data);
        goto fail;
    }
    *out = ge;
    return PL_OK;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (ge->env)
        mdb_env_close(ge->env);
    if (ge->data_fd >= 0)
        close(ge->data_fd);
    pl_free(ge);
    return err && err->code ? err->code : PL_EIO;
}

static char *dup_val(const MDB_val *v)
{
    return pl_strndup(v->mv_data, v->mv_size);
}

/* Loads names of a BE16-keyed database into arr[1..n]. */
static int load_names(MDB_txn *txn, MDB_dbi dbi, char ***arr, size_t *n, int skip_checksum,
                      const char *path, pl_error *err)
{
    MDB_cursor *c = NULL;
    MDB_val k, v;
    size_t cap = 0;
    *arr = NULL;
    *n = 0;
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc)
        return pl_lmdb_error(err, rc, "cursor", path);
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 2) {
            mdb_cursor_close(c);
            return pl_error_set(err, PL_ECORRUPT, "%s: bad name key", path);
        }
        size_t id = (size_t)((const uint8_t *)k.mv_data)[0] << 8 | ((const uint8_t *)k.mv_data)[1];
        if (id == 0 || id > 65535) {
            mdb_cursor_close(c);
            return pl_error_set(err, PL_ECORRUPT, "%s: bad name id", path);
        }
        if (id + 1 > cap) {
            size_t nc = cap ? cap : 16;
            while (nc < id + 1)
                nc *= 2;
            char **na = pl_realloc(*arr, nc * sizeof *na);
            if (!na) {
                mdb_cursor_close(c);
                return pl_error_set(err, PL_ENOMEM, "out of memory");
            }
            memset(na + cap, 0, (nc - cap) * sizeof *na);
            *arr = na;
            cap = nc;
        }
        MDB_val vv = v;
        if (skip_checksum) {
            /* "<16 hex> <path>" */
            if (vv.mv_size < 17) {
                mdb_cursor_close(c);
                return pl_error_set(err, PL_ECORRUPT, "%s: bad source entry", path);
            }
            vv.mv_data = (char *)vv.mv_data + 17;
            vv.mv_size -= 17;
        }
        pl_free((*arr)[id]);
        (*arr)[id] = dup_val(&vv);
        if (id > *n)
            *n = id;
    }
    mdb_cursor_close(c);
    if (!*arr) {
        *arr = pl_calloc(1, sizeof **arr);
        if (!*arr)
            return pl_error_set(err, PL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i <= *n; i++)
        if (!(*arr)[i] && !((*arr)[i] = pl_strdup("")))
            return pl_error_set(err, PL_ENOMEM, "out of memory");
    return PL_OK;
}

static int view_load(genenv *ge, MDB_txn *txn, view **out, pl_error *err)
{
    *out = NULL;
    view *v = pl_calloc(1, sizeof *v);
    MDB_cursor *c = NULL;
    if (!v)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    char buf[64];
    pl_meta_get(txn, ge->dbi[PL_DB_META], "generation", buf, sizeof buf);
    v->generation = strtoull(buf, NULL, 10);
    pl_meta_get(txn, ge->dbi[PL_DB_META], "max_docid", buf, sizeof buf);
    unsigned long long md = strtoull(buf, NULL, 10);
    if (md >= UINT32_MAX) {
        pl_error_set(err, PL_ECORRUPT, "%s: bad max_docid", ge->path);
        goto fail;
    }
    v->max_docid = (uint32_t)md;
    /* meta */
    MDB_val k, d;
    size_t mcap = 0;
    int rc = mdb_cursor_open(txn, ge->dbi[PL_DB_META], &c);
    for (rc = rc ? rc : mdb_cursor_get(c, &k, &d, MDB_FIRST); !rc;
         rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
        if (v->nmeta == mcap) {
            mcap = mcap ? mcap * 2 : 16;
            char **nk = pl_realloc(v->mkeys, mcap * sizeof *nk);
            if (nk)
                v->mkeys = nk;
            char **nv = pl_realloc(v->mvals, mcap * sizeof *nv);
            if (nv)
                v->mvals = nv;
            if (!nk || !nv)
                goto oom;
        }
        v->mkeys[v->nmeta] = dup_val(&k);
        v->mvals[v->nmeta] = dup_val(&d);
        v->nmeta++;
        if (!v->mkeys[v->nmeta - 1] || !v->mvals[v->nmeta - 1])
            goto oom;
    }
    mdb_cursor_close(c);
    c = NULL;
    /* docmeta: one cursor pass, O(docs) once per generation. */
    v->dm = pl_calloc((size_t)v->max_docid + 1, sizeof *v->dm);
    v->lq = pl_calloc((size_t)v->max_docid + 1, PL_NFIELDS);
    if (!v->dm || !v->lq)
        goto oom;
    double sum[PL_NFIELDS] = {0};
    rc = mdb_cursor_open(txn, ge->dbi[PL_DB_DOCMETA], &c);
    for (rc = rc ? rc : mdb_cursor_get(c, &k, &d, MDB_FIRST); !rc;
         rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
        uint32_t id = k.mv_size == 4 ? pl_be32_get(k.mv_data) : 0;
        if (id == 0 || id > v->max_docid) {
            pl_error_set(err, PL_ECORRUPT, "%s: docmeta key out of range", ge->path);
            goto fail;
        }
        pl_docmeta *m = &v->dm[id];
        if (pl_docmeta_decode(d.mv_data, (const uint8_t *)d.mv_data + d.mv_size, m, err)) {
            corrupt_at(err, "%s: docmeta of docid %u", ge->path, id);
            goto fail;
        }
        for (int f = 0; f < PL_NFIELDS; f++)
            v->lq[(size_t)id * PL_NFIELDS + f] = pl_len_code(m->len[f]);
        if (!(m->flags & PL_DOC_DELETED)) {
            v->live++;
            for (int f = 0; f < PL_NFIELDS; f++)
                sum[f] += m->len[f];
        }
    }
    mdb_cursor_close(c);
    c = NULL;
    for (int f = 0; f < PL_NFIELDS; f++)
        v->avg[f] = v->live ? sum[f] / v->live : 0;
    if (load_names(txn, ge->dbi[PL_DB_TRACKS], &v->tracks, &v->ntracks, 0, ge->path, err) ||
        load_names(txn, ge->dbi[PL_DB_SOURCES], &v->sources, &v->nsources, 1, ge->path, err))
        goto fail;
    v->ge = ge;
    ge->refs++;
    v->refs = 1;
    *out = v;
    return PL_OK;
oom:
    pl_error_set(err, PL_ENOMEM, "out of memory");
fail:
    if (c)
        mdb_cursor_close(c);
    view_unref(v); /* refs 0 -> frees; ge is NULL so not unreffed */
    return err && err->code ? err->code : PL_ENOMEM;
}

/* Opens generation `name` and loads its view. */
static int open_generation(pl_store *s, const char *name, view **out, pl_error *err)
{
    genenv *ge;
    MDB_txn *txn = NULL;
    *out = NULL;
    if (genenv_open(s->dir, name, &ge, err))
        return err->code;
    ge->refs = 1; /* ours until the view takes one */
    int rc = mdb_txn_begin(ge->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        genenv_unref(ge);
        return pl_lmdb_error(err, rc, "begin", ge->path);
    }
    rc = view_load(ge, txn, out, err);
    mdb_txn_abort(txn);
    genenv_unref(ge);
    return rc;
}

int pl_store_open(pl_store **out, const char *dir, unsigned flags, pl_error *err)
{
    *out = NULL;
    char name[64];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pl_error_set(err, PL_ENOTFOUND, "no index at %s: run 'plumbline index' first", dir);
    if (pl_store_current(dir, name, sizeof name, err))
        return err->code;
    pl_store *s = pl_calloc(1, sizeof *s);
    if (!s || !(s->dir = pl_strdup(dir))) {
        pl_free(s);
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    }
    s->flags = flags;
    pthread_mutex_init(&s->mu, NULL);
    if (open_generation(s, name, &s->cur, err)) {
        pl_store_close(s);
        return err->code;
    }
    *out = s;
    return PL_OK;
}

void pl_store_close(pl_store *s)
{
    if (!s)
        return;
    view_unref(s->cur);
    pthread_mutex_destroy(&s->mu);
    pl_free(s->dir);
    pl_free(s);
}

const char *pl_store_path(const pl_store *s)
{
    return s->dir;
}

int pl_snap_begin(pl_store *s, pl_snap **out, pl_error *err)
{
    *out = NULL;
    char name[64];
    MDB_txn *txn = NULL;
    pl_snap *sn = pl_calloc(1, sizeof *sn);
    if (!sn)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    pthread_mutex_lock(&s->mu);
    if (pl_store_current(s->dir, name, sizeof name, err))
        goto fail;
    if (strcmp(name, s->cur->ge->name) != 0) {
        view *nv;
        if (!strcmp(name, s->bad_name)) {
            pl_error_set(err, s->bad_err.code, "%s", s->bad_err.msg);
            goto fail;
        }
        if (open_generation(s, name, &nv, err)) {
            if (err->code == PL_ECORRUPT) {
                snprintf(s->bad_name, sizeof s->bad_name, "%s", name);
                s->bad_err = *err;
            }
            goto fail;
        }
        view_unref(s->cur);
        s->cur = nv;
    }
    view *v = s->cur;
    int rc = mdb_txn_begin(v->ge->env, NULL, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
        /* another process grew the map (an older plumbline's --add into
         * the live generation): open the environment again; older
         * snapshots keep theirs */
        view *nv;
        if (open_generation(s, name, &nv, err))
            goto fail;
        view_unref(s->cur);
        s->cur = v = nv;
        rc = mdb_txn_begin(v->ge->env, NULL, MDB_RDONLY, &txn);
    }
    if (rc) {
        pl_lmdb_error(err, rc, "begin snapshot", v->ge->path);
        goto fail;
    }
    v->refs++;
    pthread_mutex_unlock(&s->mu);
    sn->s = s;
    sn->v = v;
    sn->txn = txn;
    sn->dbi = v->ge->dbi;
    *out = sn;
    return PL_OK;
fail:
    pthread_mutex_unlock(&s->mu);
    if (txn)
        mdb_txn_abort(txn);
    pl_free(sn);
    return err->code ? err->code : PL_EIO;
}

void pl_snap_end(pl_snap *snap)
{
    if (!snap)
        return;
    mdb_txn_abort(snap->txn);
    for (size_t i = 0; i < snap->ndocs; i++)
        pl_free(snap->docs[i]);
    pl_free(snap->docs);
    pl_buf_free(&snap->scratch);
    pl_zip_free(snap->zip);
    pthread_mutex_lock(&snap->s->mu);
    view_unref(snap->v);
    pthread_mutex_unlock(&snap->s->mu);
    pl_free(snap);
}

uint64_t pl_snap_generation(const pl_snap *snap)
{
    return snap->v->generation;
}
int pl_snap_verified(const pl_snap *snap)
{
    return snap->v->ge->sum.present;
}
uint32_t pl_snap_max_docid(const pl_snap *snap)
{
    return snap->v->max_docid;
}
uint32_t pl_snap_doc_count(const pl_snap *snap)
{
    return snap->v->live;
}

const pl_docmeta *pl_snap_docmeta(const pl_snap *snap, uint32_t docid)
{
    if (docid == 0 || docid > snap->v->max_docid)
        return NULL;
    return &snap->v->dm[docid];
}

const uint8_t *pl_snap_len_codes(const pl_snap *snap)
{
    return snap->v->lq;
}

/* Codes 0..127 are the lengths themselves; from 128 on, 16 codes for each
 * power of two from 2^7 to 2^14, the 4 bits after the leading one
 * (rounded down); 255 also stands for every length above its floor. */
uint8_t pl_len_code(uint32_t len)
{
    if (len < 128)
        return (uint8_t)len;
    int e = 31 - __builtin_clz(len); /* 2^e <= len < 2^(e+1), e >= 7 */
    if (e > 14)
        return 255;
    return (uint8_t)(128 + (e - 7) * 16 + ((len >> (e - 4)) & 15));
}

uint32_t pl_len_floor(uint8_t code)
{
    if (code < 128)
        return code;
    uint32_t e = 7 + (uint32_t)(code - 128) / 16, m = (code - 128) % 16;
    return (16 + m) << (e - 4);
}

double pl_snap_avg_len(const pl_snap *snap, int field)
{
    return field >= 0 && field < PL_NFIELDS ? snap->v->avg[field] : 0;
}

const char *pl_snap_track_name(const pl_snap *snap, uint16_t track)
{
    return track && track <= snap->v->ntracks ? snap->v->tracks[track] : "";
}

const char *pl_snap_source_name(const pl_snap *snap, uint16_t source)
{
    return source && source <= snap->v->nsources ? snap->v->sources[source] : "";
}

size_t pl_snap_track_count(const pl_snap *snap)
{
    return snap->v->ntracks;
}

const char *pl_snap_meta(const pl_snap *snap, const char *key)
{
    for (size_t i = 0; i < snap->v->nmeta; i++)
        if (!strcmp(snap->v->mkeys[i], key))
            return snap->v->mvals[i];
    return NULL;
}

/* ---- terms ------------------------------------------------------------------- */

int pl_snap_term(pl_snap *snap, const char *term, size_t n, pl_terminfo *out, pl_error *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > PL_MAX_TERM_BYTES)
        return PL_ENOTFOUND;
    MDB_val k = {n, (void *)term}, v;
    int rc = mdb_get(snap->txn, snap->dbi[PL_DB_TERMS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return PL_ENOTFOUND;
    if (rc)
        return pl_lmdb_error(err, rc, "terms", snap->v->ge->path);
    if (pl_terminfo_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, out, NULL, NULL, err))
        return corrupt_at(err, "%s: term '%.*s'", snap->v->ge->path, (int)n, term);
    return PL_OK;
}

/* Visits keys of dbi from prefix while they start with it. */
typedef int (*kv_cb)(void *ctx, const MDB_val *k, const MDB_val *v);

static int prefix_scan(pl_snap *snap, MDB_dbi dbi, const char *prefix, size_t n, kv_cb cb,
                       void *ctx, pl_error *err)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(snap->txn, dbi, &c);
    if (rc)
        return pl_lmdb_error(err, rc, "cursor", snap->v->ge->path);
    MDB_val k = {n, (void *)prefix}, v;
    int ret = PL_OK;
    rc = n ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
    for (; !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size < n || memcmp(k.mv_data, prefix, n) != 0)
            break;
        int r = cb(ctx, &k, &v);
        if (r < 0) {
            ret = r;
            break;
        }
        if (r > 0)
            break;
    }
    if (rc && rc != MDB_NOTFOUND && ret == PL_OK)
        ret = pl_lmdb_error(err, rc, "scan", snap->v->ge->path);
    mdb_cursor_close(c);
    return ret;
}

struct term_scan {
    pl_term_cb cb;
    pl_surface_cb scb;
    void *ctx;
    pl_error *err;
    char buf[PL_MAX_TERM_BYTES + 1];
};

static int term_scan_cb(void *ctx, const MDB_val *k, const MDB_val *v)
{
    struct term_scan *ts = ctx;
    pl_terminfo ti;
    if (pl_terminfo_decode(v->mv_data, (const uint8_t *)v->mv_data + v->mv_size, &ti, NULL, NULL,
                           ts->err) ||
        k->mv_size > PL_MAX_TERM_BYTES)
        return pl_error_set(ts->err, PL_ECORRUPT, "terms: bad entry");
    memcpy(ts->buf, k->mv_data, k->mv_size);
    ts->buf[k->mv_size] = 0;
    return ts->cb(ts->ctx, ts->buf, k->mv_size, &ti);
}

int pl_snap_terms_prefix(pl_snap *snap, const char *prefix, size_t n, pl_term_cb cb, void *ctx,
                         pl_error *err)
{
    struct term_scan ts = {.cb = cb, .ctx = ctx, .err = err};
    return prefix_scan(snap, snap->dbi[PL_DB_TERMS], prefix, n, term_scan_cb, &ts, err);
}

static int surface_scan_cb(void *ctx, const MDB_val *k, const MDB_val *v)
{
    struct term_scan *ts = ctx;
    uint32_t df;
    const char *term;
    size_t tn;
    if (pl_surface_decode(v->mv_data, (const uint8_t *)v->mv_data + v->mv_size, &df, &term, &tn,
                          ts->err) ||
        k->mv_size > PL_MAX_TERM_BYTES)
        return pl_error_set(ts->err, PL_ECORRUPT, "surfaces: bad entry");
    char tbuf[PL_MAX_TERM_BYTES + 1];
    size_t tcopy = tn < PL_MAX_TERM_BYTES ? tn : PL_MAX_TERM_BYTES;
    memcpy(tbuf, term, tcopy);
    tbuf[tcopy] = 0;
    memcpy(ts->buf, k->mv_data, k->mv_size);
    ts->buf[k->mv_size] = 0;
    return ts->scb(ts->ctx, ts->buf, k->mv_size, tbuf, tcopy, df);
}

int pl_snap_surfaces_prefix(pl_snap *snap, const char *prefix, size_t n, pl_surface_cb cb,
                            void *ctx, pl_error *err)
{
    struct term_scan ts = {.scb = cb, .ctx = ctx, .err = err};
    return prefix_scan(snap, snap->dbi[PL_DB_SURFACES], prefix, n, surface_scan_cb, &ts, err);
}

int pl_snap_term_display(pl_snap *snap, const char *term, size_t n, char *out, size_t cap,
                         pl_error *err)
{
    if (cap == 0)
        return PL_EUSAGE;
    out[0] = 0;
    const char *src = term;
    size_t sn = n;
    MDB_val k = {n, (void *)term}, v;
    if (n && n <= PL_MAX_TERM_BYTES && !mdb_get(snap->txn, snap->dbi[PL_DB_TERMS], &k, &v)) {
        pl_terminfo ti;
        const char *d;
        size_t dn;
        if (pl_terminfo_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, &ti, &d, &dn,
                               err))
            return err->code;
        if (dn) {
            src = d;
            sn = dn;
        }
    }
    if (sn >= cap)
        sn = cap - 1;
    memcpy(out, src, sn);
    out[sn] = 0;
    return PL_OK;
}

/* ---- postings --------------------------------------------------------------------- */

enum { IT_BEFORE, IT_IN, IT_END };

struct pl_postings {
    pl_snap *snap;
    MDB_cursor *cur;
    unsigned flags;
    int state;
    uint32_t last; /* key's last docid */
    pl_terminfo ti;
    size_t tn;
    uint8_t key[PL_KEY_MAX];
    size_t keyn;
    /* The current chunk: c.n, c.max_tf and every c.docid unpacked at load
     * (a few ns a chunk entry), the tfs left packed in their sections
     * (b.tfo, b.tfw) and read only for the documents the iterator stops
     * on (chunk_tf). */
    pl_chunk c;
    pl_block b; /* b.i is the current entry; b.docid = c.docid, b.pk = pk */
    /* the packed sections, copied with zero padding so that every value
     * is one unaligned 8-byte load */
    uint8_t pk[PL_CHUNK_PACKED_MAX + PL_BITS_PAD];
    /* the chunk's impacts section, decoded only when asked for */
    const uint8_t *ip;
    uint32_t ilen;
    /* positions of the current chunk, decoded lazily */
    const uint8_t *pp, *pend;
    uint32_t pidx;    /* doc index pp points at */
    int pos_loaded;   /* positions value fetched for this chunk */
    uint32_t pos_doc; /* doc index whose positions are in pos (UINT32_MAX none) */
    uint32_t *pos;
    size_t pos_n, pos_cap;
    pl_error err;
};

int pl_postings_open(pl_snap *snap, const char *term, size_t n, unsigned flags, pl_postings **out,
                     pl_error *err)
{
    *out = NULL;
    pl_terminfo ti;
    int rc = pl_snap_term(snap, term, n, &ti, err);
    if (rc)
        return rc;
    pl_postings *it = pl_calloc(1, sizeof *it);
    if (!it)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    rc = mdb_cursor_open(snap->txn, snap->dbi[PL_DB_POSTINGS], &it->cur);
    if (rc) {
        pl_free(it);
        return pl_lmdb_error(err, rc, "cursor", snap->v->ge->path);
    }
    it->snap = snap;
    it->flags = flags;
    it->ti = ti;
    it->tn = n;
    memcpy(it->key, term, n);
    it->pos_doc = UINT32_MAX;
    it->b.docid = it->c.docid;
    it->b.pk = it->pk;
    *out = it;
    return PL_OK;
}

pl_block *pl_postings_block(pl_postings *it)
{
    return &it->b;
}

void pl_postings_free(pl_postings *it)
{
    if (!it)
        return;
    mdb_cursor_close(it->cur);
    pl_free(it->pos);
    pl_free(it);
}

/* One varint of at most 32 bits; the one-byte case (most gaps and tfs)
 * inline, the rest through pl_varint_get and its overlong checks. */
static inline int get_u32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *q = *p;
    if (q < end && !(*q & 0x80)) {
        *v = *q;
        *p = q + 1;
        return 0;
    }
    uint64_t x;
    if (pl_varint_get(p, end, &x) || x > UINT32_MAX)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

/* The tfs of entry i of the current chunk.  A tf above the block max (a
 * damaged value: `check` reports it) is read as the block max, so that no
 * document scores above the bounds the pruning trusts. */
static inline void chunk_tf(const pl_postings *it, uint32_t i, uint32_t tf[PL_NFIELDS])
{
    pl_block_tf(&it->b, i, tf);
}

static int bad_chunk(pl_postings *it, const char *what)
{
    it->state = IT_END;
    return pl_error_set(&it->err, PL_ECORRUPT, "postings chunk ending %u: %s", it->last, what);
}

/* Takes the chunk the cursor returned, if it belongs to the term: its
 * header, every docid (the sections' sizes, the docids' range and the
 * key's last docid checked as pl_chunk_decode does), and where its tfs
 * are (codec.c has the format). */
static int load_chunk(pl_postings *it, int rc, const MDB_val *k, const MDB_val *v)
{
    if (rc == MDB_NOTFOUND || k->mv_size != it->tn + PL_KEY_SUFFIX ||
        memcmp(k->mv_data, it->key, it->tn) != 0 || ((const uint8_t *)k->mv_data)[it->tn] != 0) {
        it->state = IT_END;
        return 0;
    }
    if (rc) {
        it->state = IT_END;
        return pl_lmdb_error(&it->err, rc, "postings", it->snap->v->ge->path);
    }
    it->last = pl_be32_get((const uint8_t *)k->mv_data + it->tn + 1);
    const uint8_t *p = v->mv_data, *end = p + v->mv_size;
    uint32_t n, first;
    pl_chunk *c = &it->c;
    if (get_u32(&p, end, &n) || n == 0 || n > PL_CHUNK_DOCS || get_u32(&p, end, &c->max_tf[0]) ||
        get_u32(&p, end, &c->max_tf[1]) || get_u32(&p, end, &c->max_tf[2]) ||
        get_u32(&p, end, &it->ilen) || it->ilen >= (size_t)(end - p))
        return bad_chunk(it, "bad header");
    it->ip = p;
    p += it->ilen;
    unsigned g = *p++;
    if (g > 32 || get_u32(&p, end, &first) || first == 0)
        return bad_chunk(it, "bad header");
    size_t need = pl_bits_bytes(n - 1, g);
    pl_block *b = &it->b;
    for (int f = 0; f < PL_NFIELDS; f++) {
        b->max_tf[f] = c->max_tf[f];
        b->tfw[f] = pl_bits_width(c->max_tf[f]);
        b->tfo[f] = (uint32_t)need;
        need += pl_bits_bytes(n, b->tfw[f]);
    }
    if (need != (size_t)(end - p)) /* (need is at most PL_CHUNK_PACKED_MAX) */
        return bad_chunk(it, "sections do not fill the value");
    memcpy(it->pk, p, need);
    memset(it->pk + need, 0, PL_BITS_PAD);
    /* the docids, unpacked whole: a branch-free loop of shifts */
    uint64_t d = first;
    c->docid[0] = first;
    if (g == 0) { /* consecutive docids (a very common term) */
        for (uint32_t i = 1; i < n; i++)
            c->docid[i] = (uint32_t)++d;
    } else {
        for (uint32_t i = 1; i < n; i++) {
            d += (uint64_t)pl_bits_get_padded(it->pk, i - 1, g) + 1;
            c->docid[i] = (uint32_t)d;
        }
    }
    if (d != it->last)
        return bad_chunk(it, "does not end on its key");
    /* The caller reads the metadata of the documents it stops on (the
     * length codes for a bound, docmeta for filters and scores): start
     * fetching it now.  A cache miss per document was most of a frequent
     * term's cost, and of a dense AND's, whose leapfrog stops on most
     * documents of its rarest term. */
    const pl_docmeta *dm = it->snap->v->dm;
    const uint8_t *lq = it->snap->v->lq;
    if (it->last <= it->snap->v->max_docid)
        for (uint32_t i = 0; i < n; i++) {
            __builtin_prefetch(&dm[c->docid[i]]);
            __builtin_prefetch(&lq[(size_t)c->docid[i] * PL_NFIELDS]);
        }
    c->n = b->n = n;
    /* the key's suffix is the only part that changes within the term */
    memcpy(it->key + it->tn + 1, (const uint8_t *)k->mv_data + it->tn + 1, PL_KEY_SUFFIX - 1);
    it->keyn = k->mv_size;
    it->state = IT_IN;
    it->b.i = 0;
    it->pos_loaded = 0;
    it->pos_doc = UINT32_MAX;
    return 1;
}

static int seek_chunk(pl_postings *it, uint32_t target)
{
    uint8_t key[PL_KEY_MAX];
    size_t kn = pl_key_postings(key, (const char *)it->key, it->tn, target);
    MDB_val k = {kn, key}, v;
    int rc = mdb_cursor_get(it->cur, &k, &v, MDB_SET_RANGE);
    return load_chunk(it, rc, &k, &v);
}

int pl_postings_next(pl_postings *it)
{
    if (it->state == IT_END)
        return 0;
    int r = 1;
    if (it->state == IT_BEFORE) {
        r = seek_chunk(it, 0);
    } else if (++it->b.i >= it->c.n) {
        MDB_val k, v;
        int rc = mdb_cursor_get(it->cur, &k, &v, MDB_NEXT);
        r = load_chunk(it, rc, &k, &v);
    }
    return r;
}

int pl_postings_seek(pl_postings *it, uint32_t target)
{
    if (it->state == IT_END)
        return 0;
    if (it->state == IT_IN && it->c.docid[it->b.i] >= target)
        return 1;
    if (it->state == IT_BEFORE) {
        int r = seek_chunk(it, target);
        if (r <= 0)
            return r;
    } else if (it->last < target) {
        /* Leapfrogs mostly land in the next chunk: one cursor step is much
         * cheaper than a descent from the root (MDB_SET_RANGE). */
        MDB_val k, v;
        int rc = mdb_cursor_get(it->cur, &k, &v, MDB_NEXT);
        int r = load_chunk(it, rc, &k, &v);
        if (r <= 0)
            return r;
        if (it->last < target && (r = seek_chunk(it, target)) <= 0)
            return r;
    }
    /* The chunk ends at or after target (its last docid is the key's):
     * the first entry at or past it is in the unpacked docids. */
    const uint32_t *dd = it->c.docid;
    uint32_t i = it->b.i;
    while (dd[i] < target)
        i++;
    it->b.i = i;
    return 1;
}

uint32_t pl_postings_docid(const pl_postings *it)
{
    return it->state == IT_IN ? it->c.docid[it->b.i] : 0;
}

void pl_postings_tf(const pl_postings *it, uint32_t tf[PL_NFIELDS])
{
    if (it->state == IT_IN)
        chunk_tf(it, it->b.i, tf);
    else
        memset(tf, 0, PL_NFIELDS * sizeof *tf);
}

int pl_postings_positions(pl_postings *it, const uint32_t **pos, size_t *n)
{
    *pos = NULL;
    *n = 0;
    if (!(it->flags & PL_POSTINGS_POSITIONS) || it->state != IT_IN)
        return PL_EUSAGE;
    if (it->pos_doc == it->b.i) {
        *pos = it->pos;
        *n = it->pos_n;
        return PL_OK;
    }
    if (!it->pos_loaded || it->pidx > it->b.i) {
        MDB_val k = {it->keyn, it->key}, v;
        int rc = mdb_get(it->snap->txn, it->snap->dbi[PL_DB_POSITIONS], &k, &v);
        if (rc)
            return rc == MDB_NOTFOUND
                       ? pl_error_set(&it->err, PL_ECORRUPT, "positions: chunk missing")
                       : pl_lmdb_error(&it->err, rc, "positions", it->snap->v->ge->path);
        it->pp = v.mv_data;
        it->pend = it->pp + v.mv_size;
        it->pidx = 0;
        it->pos_loaded = 1;
    }
    uint32_t tf[PL_NFIELDS];
    for (; it->pidx < it->b.i; it->pidx++) {
        chunk_tf(it, it->pidx, tf);
        if (pl_pos_skip(&it->pp, it->pend, tf, &it->err))
            return PL_ECORRUPT;
    }
    chunk_tf(it, it->b.i, tf);
    size_t total = (size_t)tf[0] + tf[1] + tf[2];
    if (total > it->pos_cap) {
        size_t nc = total < 64 ? 64 : total;
        uint32_t *np = pl_realloc(it->pos, nc * sizeof *np);
        if (!np)
            return pl_error_set(&it->err, PL_ENOMEM, "out of memory");
        it->pos = np;
        it->pos_cap = nc;
    }
    if (pl_pos_decode(&it->pp, it->pend, tf, it->pos, &it->err))
        return PL_ECORRUPT;
    it->pidx++;
    it->pos_doc = it->b.i;
    it->pos_n = total;
    *pos = it->pos;
    *n = total;
    return PL_OK;
}

void pl_postings_block_max(const pl_postings *it, uint32_t max_tf[PL_NFIELDS], uint32_t *last)
{
    for (int f = 0; f < PL_NFIELDS; f++)
        max_tf[f] = it->state == IT_IN ? it->c.max_tf[f] : 0;
    *last = it->state == IT_IN ? it->last : 0;
}

int pl_postings_block_impacts(pl_postings *it, pl_impacts *out, uint32_t *last)
{
    *last = 0;
    memset(out->n, 0, sizeof out->n);
    if (it->state != IT_IN)
        return PL_OK;
    if (pl_impacts_decode(it->ip, it->ip + it->ilen, it->c.max_tf, out, &it->err)) {
        it->state = IT_END;
        return pl_error_set(&it->err, PL_ECORRUPT, "postings chunk ending %u: %s", it->last,
                            it->err.msg);
    }
    *last = it->last;
    return PL_OK;
}

const pl_terminfo *pl_postings_info(const pl_postings *it)
{
    return &it->ti;
}

/* ---- documents ------------------------------------------------------------------ */

int pl_snap_doc(pl_snap *snap, uint32_t docid, const char **p, size_t *n, pl_error *err)
{
    *p = NULL;
    *n = 0;
    const pl_docmeta *m = pl_snap_docmeta(snap, docid);
    if (!m || (m->flags & PL_DOC_DELETED) || !m->year)
        return PL_ENOTFOUND;
    uint8_t key[4];
    pl_be32_put(key, docid);
    MDB_val k = {4, key}, v;
    int rc = mdb_get(snap->txn, snap->dbi[PL_DB_DOCS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return PL_ENOTFOUND;
    if (rc)
        return pl_lmdb_error(err, rc, "docs", snap->v->ge->path);
    if (!snap->zip && !(snap->zip = pl_zip_new()))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (snap->ndocs == snap->docs_cap) {
        size_t nc = snap->docs_cap ? snap->docs_cap * 2 : 16;
        char **nd = pl_realloc(snap->docs, nc * sizeof *nd);
        if (!nd)
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        snap->docs = nd;
        snap->docs_cap = nc;
    }
    pl_buf b = {0};
    int drc =
        pl_doc_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, snap->zip, &b, p, n, err);
    if (drc) {
        pl_buf_free(&b);
        /* inflating may run out of memory: that is not corruption */
        return drc == PL_ENOMEM
                   ? drc
                   : corrupt_at(err, "%s: stored document %u", snap->v->ge->path, docid);
    }
    if (b.p) /* inflated: kept until pl_snap_end, as promised */
        snap->docs[snap->ndocs++] = b.p;
    return PL_OK;
}

int pl_snap_doc_head(pl_snap *snap, uint32_t docid, char *out, size_t cap, size_t *n, pl_error *err)
{
    *n = 0;
    const pl_docmeta *m = pl_snap_docmeta(snap, docid);
    if (!m || (m->flags & PL_DOC_DELETED) || !m->year)
        return PL_ENOTFOUND;
    uint8_t key[4];
    pl_be32_put(key, docid);
    MDB_val k = {4, key}, v;
    int rc = mdb_get(snap->txn, snap->dbi[PL_DB_DOCS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return PL_ENOTFOUND;
    if (rc)
        return pl_lmdb_error(err, rc, "docs", snap->v->ge->path);
    if (!snap->zip && !(snap->zip = pl_zip_new()))
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (pl_doc_decode_head(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, snap->zip, out, cap,
                           n, err))
        return pl_error_set(err, PL_ECORRUPT, "%s: stored document %u", snap->v->ge->path, docid);
    return PL_OK;
}

int pl_snap_docid(pl_snap *snap, const char *id, size_t n, uint32_t *docid, pl_error *err)
{
    *docid = 0;
    if (n == 0 || n > 480)
        return PL_ENOTFOUND;
    MDB_val k = {n, (void *)id}, v;
    int rc = mdb_get(snap->txn, snap->dbi[PL_DB_IDS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return PL_ENOTFOUND;
    if (rc)
        return pl_lmdb_error(err, rc, "ids", snap->v->ge->path);
    if (v.mv_size != 4)
        return pl_error_set(err, PL_ECORRUPT, "%s: ids entry of '%.*s'", snap->v->ge->path, (int)n,
                            id);
    uint32_t d = pl_be32_get(v.mv_data);
    const pl_docmeta *m = pl_snap_docmeta(snap, d);
    if (!m || (m->flags & PL_DOC_DELETED))
        return PL_ENOTFOUND;
    *docid = d;
    return PL_OK;
}

/* ---- integrity check ---------------------------------------------------------------- */

struct check_term {
    uint8_t term[PL_MAX_TERM_BYTES + 1];
    size_t n;
    uint32_t df, max_tf[PL_NFIELDS], last;
    uint64_t cf;
};

static int check_term_end(pl_snap *snap, const struct check_term *t, pl_error *err)
{
    pl_terminfo ti;
    int rc = pl_snap_term(snap, (const char *)t->term, t->n, &ti, err);
    if (rc == PL_ENOTFOUND)
        return pl_error_set(err, PL_ECORRUPT, "check: term '%.*s' has postings but no entry",
                            (int)t->n, t->term);
    if (rc)
        return rc;
    if (ti.df != t->df || ti.cf != t->cf)
        return pl_error_set(err, PL_ECORRUPT,
                            "check: term '%.*s': df %u cf %llu stored, postings give df %u cf %llu",
                            (int)t->n, t->term, ti.df, (unsigned long long)ti.cf, t->df,
                            (unsigned long long)t->cf);
    for (int f = 0; f < PL_NFIELDS; f++)
        if (ti.max_tf[f] != t->max_tf[f])
            return pl_error_set(err, PL_ECORRUPT, "check: term '%.*s': max_tf of field %d",
                                (int)t->n, t->term, f);
    return PL_OK;
}

int pl_snap_check(pl_snap *snap, pl_error *err)
{
    const char *path = snap->v->ge->path;
    /* The file again, as it is now: damage since the open is found before
     * the walk below reads the damaged pages. */
    if (snap->v->ge->sum.present) {
        char data[PATH_MAX + 16];
        snprintf(data, sizeof data, "%s/data.mdb", path);
        if (pl_checksum_check_fd(snap->v->ge->data_fd, data, &snap->v->ge->sum, err))
            return err->code;
    }
    uint32_t maxd = snap->v->max_docid;
    uint64_t *lens = pl_calloc(((size_t)maxd + 1) * PL_NFIELDS, sizeof *lens);
    uint32_t *posbuf = NULL;
    size_t poscap = 0;
    MDB_cursor *c = NULL;
    struct check_term *t = pl_calloc(1, sizeof *t);
    pl_chunk *ch = pl_malloc(sizeof *ch);
    uint64_t nterms_post = 0;
    int ret = PL_OK, rc;
    if (!lens || !t || !ch) {
        ret = pl_error_set(err, PL_ENOMEM, "out of memory");
        goto done;
    }
    MDB_val k, v;
    /* postings + positions, grouped by term */
    if ((rc = mdb_cursor_open(snap->txn, snap->dbi[PL_DB_POSTINGS], &c))) {
        ret = pl_lmdb_error(err, rc, "cursor", path);
        goto done;
    }
    int have = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        size_t tn;
        uint32_t last;
        if (pl_key_postings_split(k.mv_data, k.mv_size, &tn, &last) || tn == 0 ||
            tn > PL_MAX_TERM_BYTES || memchr(k.mv_data, 0, tn)) {
            ret = pl_error_set(err, PL_ECORRUPT, "check: %s: malformed postings key", path);
            goto done;
        }
        if (!have || tn != t->n || memcmp(t->term, k.mv_data, tn) != 0) {
            if (have && (ret = check_term_end(snap, t, err)))
                goto done;
            memset(t, 0, sizeof *t);
            memcpy(t->term, k.mv_data, tn);
            t->n = tn;
            have = 1;
            nterms_post++;
        }
        if (pl_chunk_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, last, ch, err)) {
            ret = corrupt_at(err, "%s: term '%.*s' chunk ending %u", path, (int)tn, t->term, last);
            goto done;
        }
        if (ch->docid[0] <= t->last) {
            ret = pl_error_set(err, PL_ECORRUPT, "check: term '%.*s': chunks do not ascend",
                               (int)tn, t->term);
            goto done;
        }
        t->last = last;
        MDB_val pv;
        if ((rc = mdb_get(snap->txn, snap->dbi[PL_DB_POSITIONS], &k, &pv))) {
            ret = pl_error_set(err, PL_ECORRUPT, "check: term '%.*s': positions of chunk %u: %s",
                               (int)tn, t->term, last, mdb_strerror(rc));
            goto done;
        }
        const uint8_t *pp = pv.mv_data, *pend = pp + pv.mv_size;
        for (uint32_t i = 0; i < ch->n; i++) {
            uint32_t d = ch->docid[i];
            const pl_docmeta *m = pl_snap_docmeta(snap, d);
            if (!m || !m->year) {
                ret = pl_error_set(err, PL_ECORRUPT, "check: term '%.*s': docid %u has no docmeta",
                                   (int)tn, t->term, d);
                goto done;
            }
            size_t total = (size_t)ch->tf[i][0] + ch->tf[i][1] + ch->tf[i][2];
            if (total > poscap) {
                uint32_t *np = pl_realloc(posbuf, total * sizeof *np);
                if (!np) {
                    ret = pl_error_set(err, PL_ENOMEM, "out of memory");
                    goto done;
                }
                posbuf = np;
                poscap = total;
            }
            if (pl_pos_decode(&pp, pend, ch->tf[i], posbuf, err)) {
                ret = corrupt_at(err, "%s: term '%.*s': positions of doc %u", path, (int)tn,
                                 t->term, d);
                goto done;
            }
            /* The block bound must hold for this document: the first pair
             * with at least its tf (pairs ascend in both) is no longer. */
            for (int f = 0; f < PL_NFIELDS; f++) {
                uint32_t j = 0, tf = ch->tf[i][f];
                while (tf && j < ch->imp.n[f] && ch->imp.tf[f][j] < tf)
                    j++;
                if (tf && (j == ch->imp.n[f] || ch->imp.len[f][j] > m->len[f])) {
                    ret =
                        pl_error_set(err, PL_ECORRUPT,
                                     "check: term '%.*s': impacts of chunk %u do not bound doc %u",
                                     (int)tn, t->term, last, d);
                    goto done;
                }
            }
            t->df++;
            for (int f = 0; f < PL_NFIELDS; f++) {
                t->cf += ch->tf[i][f];
                lens[(size_t)d * PL_NFIELDS + f] += ch->tf[i][f];
                if (ch->tf[i][f] > t->max_tf[f])
                    t->max_tf[f] = ch->tf[i][f];
            }
        }
        if (pp != pend) {
            ret = pl_error_set(err, PL_ECORRUPT, "check: term '%.*s': trailing position bytes",
                               (int)tn, t->term);
            goto done;
        }
    }
    if (rc != MDB_NOTFOUND) {
        ret = pl_lmdb_error(err, rc, "postings", path);
        goto done;
    }
    if (have && (ret = check_term_end(snap, t, err)))
        goto done;
    mdb_cursor_close(c);
    c = NULL;
    MDB_stat st;
    mdb_stat(snap->txn, snap->dbi[PL_DB_TERMS], &st);
    if (st.ms_entries != nterms_post) {
        ret = pl_error_set(err, PL_ECORRUPT, "check: %zu terms but %llu have postings",
                           (size_t)st.ms_entries, (unsigned long long)nterms_post);
        goto done;
    }
    mdb_stat(snap->txn, snap->dbi[PL_DB_POSITIONS], &st);
    size_t npos = st.ms_entries;
    mdb_stat(snap->txn, snap->dbi[PL_DB_POSTINGS], &st);
    if (npos != st.ms_entries) {
        ret = pl_error_set(err, PL_ECORRUPT, "check: %zu positions chunks for %zu postings chunks",
                           npos, (size_t)st.ms_entries);
        goto done;
    }
    /* docmeta lengths = what the postings say */
    for (uint32_t d = 1; d <= maxd; d++) {
        const pl_docmeta *m = &snap->v->dm[d];
        for (int f = 0; f < PL_NFIELDS; f++)
            if (m->len[f] != lens[(size_t)d * PL_NFIELDS + f]) {
                ret = pl_error_set(err, PL_ECORRUPT,
                                   "check: docid %u field %d: length %u, postings give %llu", d, f,
                                   m->len[f], (unsigned long long)lens[(size_t)d * PL_NFIELDS + f]);
                goto done;
            }
    }
    /* stored documents: exactly the live ones */
    uint32_t ndocs = 0;
    if ((rc = mdb_cursor_open(snap->txn, snap->dbi[PL_DB_DOCS], &c))) {
        ret = pl_lmdb_error(err, rc, "cursor", path);
        goto done;
    }
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint32_t d = k.mv_size == 4 ? pl_be32_get(k.mv_data) : 0;
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        const char *rp;
        size_t rn;
        if (!m || !m->year || (m->flags & PL_DOC_DELETED)) {
            ret = pl_error_set(err, PL_ECORRUPT, "check: stored document %u is not live", d);
            goto done;
        }
        int drc = !snap->zip && !(snap->zip = pl_zip_new())
                      ? pl_error_set(err, PL_ENOMEM, "out of memory")
                      : pl_doc_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, snap->zip,
                                      &snap->scratch, &rp, &rn, err);
        if (drc) {
            ret = drc == PL_ENOMEM ? drc : corrupt_at(err, "%s: stored document %u", path, d);
            goto done;
        }
        ndocs++;
    }
    mdb_cursor_close(c);
    c = NULL;
    if (ndocs != snap->v->live) {
        ret = pl_error_set(err, PL_ECORRUPT, "check: %u stored documents, %u live in docmeta",
                           ndocs, snap->v->live);
        goto done;
    }
    /* ids point at known docids; every live doc has one */
    uint32_t nids_live = 0;
    if ((rc = mdb_cursor_open(snap->txn, snap->dbi[PL_DB_IDS], &c))) {
        ret = pl_lmdb_error(err, rc, "cursor", path);
        goto done;
    }
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint32_t d = v.mv_size == 4 ? pl_be32_get(v.mv_data) : 0;
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        if (!m || !m->year) {
            ret = pl_error_set(err, PL_ECORRUPT, "check: id '%.*s' names unknown docid %u",
                               (int)k.mv_size, (const char *)k.mv_data, d);
            goto done;
        }
        if (!(m->flags & PL_DOC_DELETED))
            nids_live++;
    }
    mdb_cursor_close(c);
    c = NULL;
    if (nids_live != snap->v->live) {
        ret = pl_error_set(err, PL_ECORRUPT, "check: %u ids name live documents, %u are live",
                           nids_live, snap->v->live);
        goto done;
    }
    /* surfaces decode and name existing terms */
    if ((rc = mdb_cursor_open(snap->txn, snap->dbi[PL_DB_SURFACES], &c))) {
        ret = pl_lmdb_error(err, rc, "cursor", path);
        goto done;
    }
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint32_t df;
        const char *term;
        size_t tn;
        pl_terminfo ti;
        if (pl_surface_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, &df, &term, &tn,
                              err) ||
            pl_snap_term(snap, term, tn, &ti, err) != PL_OK) {
            ret = corrupt_at(err, "%s: surface '%.*s' is bad or names no term", path,
                             (int)k.mv_size, (const char *)k.mv_data);
            goto done;
        }
    }
done:
    if (c)
        mdb_cursor_close(c);
    pl_free(lens);
    pl_free(posbuf);
    pl_free(t);
    pl_free(ch);
    return ret;
}

/* ---- dump --------------------------------------------------------------------------- */

static void put_escaped(FILE *out, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
            fprintf(out, "\\x%02x", s[i]);
        else
            fputc(s[i], out);
    }
}

static void dump_docmeta(FILE *out, uint32_t d, const pl_docmeta *m, const pl_snap *snap)
{
    fprintf(out,
            "%u year=%u kind=%u flags=%u track=%u(%s) source=%u(%s) len=%u,%u,%u start=%u "
            "day=%u\n",
            d, m->year, m->kind, m->flags, m->track, pl_snap_track_name(snap, m->track), m->source,
            pl_snap_source_name(snap, m->source), m->len[0], m->len[1], m->len[2], m->start_min,
            m->day);
}

int pl_snap_dump(pl_snap *snap, const char *what, FILE *out, pl_error *err)
{
    MDB_cursor *c = NULL;
    MDB_val k, v;
    int rc;
    const char *path = snap->v->ge->path;
    if (!strcmp(what, "meta")) {
        for (size_t i = 0; i < snap->v->nmeta; i++)
            fprintf(out, "%s=%s\n", snap->v->mkeys[i], snap->v->mvals[i]);
        return PL_OK;
    }
    if (!strcmp(what, "docmeta")) {
        for (uint32_t d = 1; d <= snap->v->max_docid; d++)
            if (snap->v->dm[d].year)
                dump_docmeta(out, d, &snap->v->dm[d], snap);
        return PL_OK;
    }
    if (!strcmp(what, "terms") || !strcmp(what, "surfaces")) {
        int terms = what[0] == 't';
        if ((rc = mdb_cursor_open(snap->txn, snap->dbi[terms ? PL_DB_TERMS : PL_DB_SURFACES], &c)))
            return pl_lmdb_error(err, rc, "cursor", path);
        for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc;
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            const uint8_t *p = v.mv_data, *end = p + v.mv_size;
            put_escaped(out, k.mv_data, k.mv_size);
            if (terms) {
                pl_terminfo ti;
                const char *d;
                size_t dn;
                if (pl_terminfo_decode(p, end, &ti, &d, &dn, err))
                    goto bad;
                fprintf(out, " df=%u cf=%llu max_tf=%u,%u,%u display=", ti.df,
                        (unsigned long long)ti.cf, ti.max_tf[0], ti.max_tf[1], ti.max_tf[2]);
                put_escaped(out, d, dn);
            } else {
                uint32_t df;
                const char *t;
                size_t tn;
                if (pl_surface_decode(p, end, &df, &t, &tn, err))
                    goto bad;
                fprintf(out, " -> ");
                put_escaped(out, t, tn);
                fprintf(out, " df=%u", df);
            }
            fputc('\n', out);
        }
        mdb_cursor_close(c);
        return PL_OK;
    }
    if (!strncmp(what, "postings:", 9)) {
        const char *term = what + 9;
        pl_postings *it;
        rc = pl_postings_open(snap, term, strlen(term), PL_POSTINGS_POSITIONS, &it, err);
        if (rc == PL_ENOTFOUND)
            return pl_error_set(err, PL_ENOTFOUND, "no term '%s' in the index", term);
        if (rc)
            return rc;
        const pl_terminfo *ti = pl_postings_info(it);
        fprintf(out, "term %s df=%u cf=%llu max_tf=%u,%u,%u\n", term, ti->df,
                (unsigned long long)ti->cf, ti->max_tf[0], ti->max_tf[1], ti->max_tf[2]);
        uint32_t prev_last = 0;
        while ((rc = pl_postings_next(it)) > 0) {
            uint32_t tf[PL_NFIELDS], mx[PL_NFIELDS], last;
            pl_postings_block_max(it, mx, &last);
            if (last != prev_last) {
                fprintf(out, "chunk last=%u n=%u block_max=%u,%u,%u impacts=", last, it->c.n, mx[0],
                        mx[1], mx[2]);
                pl_impacts imp;
                if (pl_postings_block_impacts(it, &imp, &last)) {
                    rc = pl_error_set(err, PL_ECORRUPT, "%s", it->err.msg);
                    break;
                }
                for (int f = 0; f < PL_NFIELDS; f++) {
                    fputs(f ? " " : "", out);
                    if (!imp.n[f])
                        fputc('-', out);
                    for (uint32_t i = 0; i < imp.n[f]; i++)
                        fprintf(out, "%s%u/%u", i ? "," : "", imp.tf[f][i], imp.len[f][i]);
                }
                fputc('\n', out);
                prev_last = last;
            }
            pl_postings_tf(it, tf);
            const uint32_t *pos;
            size_t n;
            if (pl_postings_positions(it, &pos, &n)) {
                rc = pl_error_set(err, PL_ECORRUPT, "%s", it->err.msg);
                break;
            }
            fprintf(out, "  doc %u tf=%u,%u,%u pos=", pl_postings_docid(it), tf[0], tf[1], tf[2]);
            for (size_t i = 0; i < n; i++)
                fprintf(out, "%s%u:%u", i ? "," : "", PL_POS_FIELD(pos[i]),
                        pos[i] & (PL_FIELD_POS_BASE - 1));
            fputc('\n', out);
        }
        if (rc < 0)
            pl_error_set(err, PL_ECORRUPT, "%s", it->err.msg[0] ? it->err.msg : "postings");
        pl_postings_free(it);
        return rc < 0 ? PL_ECORRUPT : PL_OK;
    }
    if (!strncmp(what, "doc:", 4)) {
        const char *id = what + 4;
        uint32_t d = 0;
        rc = pl_snap_docid(snap, id, strlen(id), &d, err);
        if (rc == PL_ENOTFOUND) {
            char *end;
            unsigned long x = strtoul(id, &end, 10);
            if (*id && !*end && x <= UINT32_MAX)
                d = (uint32_t)x;
        } else if (rc) {
            return rc;
        }
        const char *p;
        size_t n;
        const pl_docmeta *m = pl_snap_docmeta(snap, d);
        if (!m || !m->year)
            return pl_error_set(err, PL_ENOTFOUND, "no document '%s'", id);
        dump_docmeta(out, d, m, snap);
        rc = pl_snap_doc(snap, d, &p, &n, err);
        if (rc == PL_ENOTFOUND) {
            fprintf(out, "(deleted)\n");
            return PL_OK;
        }
        if (rc)
            return rc;
        fwrite(p, 1, n, out);
        fputc('\n', out);
        return PL_OK;
    }
    return pl_error_set(err, PL_EUSAGE,
                        "cannot dump '%s' (meta, terms, surfaces, docmeta, postings:TERM, doc:ID)",
                        what);
bad:
    mdb_cursor_close(c);
    return pl_error_set(err, PL_ECORRUPT, "%s: cannot decode '%s'", path, what);
}

int pl_snap_foreach_doc(pl_snap *snap, pl_doc_cb cb, void *ctx, pl_error *err)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(snap->txn, snap->dbi[PL_DB_DOCS], &c);
    if (rc)
        return pl_lmdb_error(err, rc, "cursor", snap->v->ge->path);
    int ret = PL_OK;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const char *p;
        size_t n;
        int drc = k.mv_size != 4 ? PL_ECORRUPT
                  : !snap->zip && !(snap->zip = pl_zip_new())
                      ? pl_error_set(err, PL_ENOMEM, "out of memory")
                      : pl_doc_decode(v.mv_data, (const uint8_t *)v.mv_data + v.mv_size, snap->zip,
                                      &snap->scratch, &p, &n, err);
        if (drc) {
            ret =
                drc == PL_ENOMEM ? drc : corrupt_at(err, "%s: stored document", snap->v->ge->path);
            break;
        }
        if ((ret = cb(ctx, pl_be32_get(k.mv_data), p, n)) != PL_OK)
            break;
    }
    mdb_cursor_close(c);
    return ret > 0 ? PL_OK : ret;
}
