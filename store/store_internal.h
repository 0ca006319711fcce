/*
 * store_internal.h — what store.c (reader) and writer.c share: database
 * names, the generation directory layout, LMDB error mapping.
 */
#ifndef PL_STORE_INTERNAL_H
#define PL_STORE_INTERNAL_H

#include "../indexer/analyzer.h" /* PL_ANALYZER_VERSION, checked at open */
#include "codec.h"

#include <lmdb.h>

enum pl_db {
    PL_DB_META,
    PL_DB_TERMS,
    PL_DB_POSTINGS,
    PL_DB_POSITIONS,
    PL_DB_DOCS,
    PL_DB_IDS,
    PL_DB_DOCMETA,
    PL_DB_TRACKS,
    PL_DB_SOURCES,
    PL_DB_SURFACES,
    PL_DB_YEARS,
    PL_DB_COUNT
};

extern const char *const pl_db_names[PL_DB_COUNT];

#define PL_CURRENT_LINK "current"
#define PL_GEN_PREFIX "gen-"
#define PL_WRITER_LOCK "write.lock"
/* Default size of the LMDB map: address space only (the file grows with
 * the pages written), so generous; PLUMBLINE_MAX_MAPSIZE lowers it. */
#define PL_DEFAULT_MAPSIZE ((size_t)64 << 30)

/* Maps an LMDB return code to a PL_E* status with a message. */
int pl_lmdb_error(pl_error *err, int rc, const char *what, const char *path);
/* Name of the live generation ("gen-000001"), read from DIR/current.
 * PL_ENOTFOUND when there is no index. */
int pl_store_current(const char *dir, char *name, size_t cap, pl_error *err);
/* Parses "gen-NNNNNN"; 0 when the name is not a generation. */
uint32_t pl_gen_number(const char *name);
size_t pl_store_mapsize(void);
/* Reads meta key into out (NUL-terminated); PL_ENOTFOUND if absent. */
int pl_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *key, char *out, size_t cap);
/* Opens all named databases of an env in txn (which must then commit). */
int pl_dbis_open(MDB_txn *txn, MDB_dbi dbi[PL_DB_COUNT], unsigned flags, const char *path,
                 pl_error *err);
/* Checks format and analyzer versions in meta. */
int pl_meta_check_versions(MDB_txn *txn, MDB_dbi meta, const char *path, pl_error *err);

/* ---- the checksum of data.mdb (checksum.c; protocol at the top of store.c,
 * file format at the top of codec.c) ---- */
#define PL_CHECKSUM_FILE "data.mdb.xxh3"

typedef struct pl_checksum {
    uint64_t hash; /* XXH3-64 of the whole file */
    uint64_t size; /* its size in bytes */
    int present;   /* 0: no checksum file (a generation of an older plumbline) */
} pl_checksum;

/* XXH3-64 and size of everything fd holds (read with pread from offset 0,
 * so the fd may be shared).  `what` names the file in errors. */
int pl_checksum_fd(int fd, const char *what, uint64_t *hash, uint64_t *size, pl_error *err);
/* Reads gen_path/data.mdb.xxh3.  A missing file is PL_OK with present = 0;
 * a malformed one PL_ECORRUPT. */
int pl_checksum_read(const char *gen_path, pl_checksum *out, pl_error *err);
/* Compares the file behind fd (data_path, for messages) with want: size,
 * then hash.  PL_ECORRUPT "<data_path>: checksum mismatch: ..." on a
 * difference. */
int pl_checksum_check_fd(int fd, const char *data_path, const pl_checksum *want, pl_error *err);
/* Both of the above for gen_path/data.mdb; *present = 1 when a checksum
 * file was there and matched, 0 when there was none. */
int pl_checksum_verify(const char *gen_path, int *present, pl_error *err);
/* Hashes gen_path/data.mdb as it is now and writes (replaces) its checksum
 * file, fsynced; the caller fsyncs the directory.  Only for a generation
 * nobody writes any more: the writer at commit, and test tools that edit
 * values through LMDB on purpose. */
int pl_checksum_write(const char *gen_path, pl_error *err);

#endif
