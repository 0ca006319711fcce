/*
 * indexer.h — inverts records into the store.
 *
 *   pl_indexer_new(dbroot, REBUILD or ADD)
 *   pl_indexer_add_source(path) / pl_indexer_add_record(rec) / _remove_source
 *   pl_indexer_commit()          (or pl_indexer_free() alone to abort)
 *
 * REBUILD writes a new generation and switches to it at commit; until then
 * readers see the old index, and a crash or kill leaves it whole.  ADD
 * does the same from a copy of the live generation, changed in one
 * transaction: a source added again replaces its documents, a record whose
 * id is already live replaces it (the old docid is tombstoned).
 *
 * Memory is bounded by opts.mem_budget (default 56 MiB) plus the vocabulary
 * (surface forms are kept for the whole build) plus about 28 bytes of
 * document metadata per document: postings beyond the budget are spilled
 * as sorted runs to temporary files in the generation directory and merged
 * at commit.  Single writer per index root (a lock file), not thread-safe.
 *
 * An ADD opens the live LMDB environment (read-only, to copy it).  LMDB's
 * lock file does not tell apart two opens by one process, so run
 * --add/--remove in a process that does not also hold that index open with
 * pl_store_open (the CLI and a separate server process are fine; a rebuild
 * is always fine, it opens no existing environment).
 */
#ifndef PL_INDEXER_H
#define PL_INDEXER_H

#include "../corpus/src/record.h"
#include "../store/store.h"
#include "analyzer.h"

typedef struct pl_indexer pl_indexer;

typedef enum pl_index_mode { PL_INDEX_REBUILD = 0, PL_INDEX_ADD = 1 } pl_index_mode;

typedef struct pl_indexer_opts {
    size_t mem_budget;           /* bytes of postings in memory before a spill; 0 = 56 MiB */
    int progress;                /* a progress line on stderr (only if it is a TTY) */
    const char *corpus_checksum; /* stored as meta corpus_checksum (may be NULL) */
    pl_warn_fn warn;             /* parser warnings (skipped entries), may be NULL */
    void *warn_ctx;
} pl_indexer_opts;

typedef struct pl_source_report {
    pl_format format;
    size_t records;  /* documents indexed from the source */
    size_t skipped;  /* entries the parser skipped (warnings) */
    size_t replaced; /* live documents replaced: same source again or same id */
} pl_source_report;

int pl_indexer_new(pl_indexer **out, const char *dbroot, pl_index_mode mode,
                   const pl_indexer_opts *opts, pl_error *err);
/* Aborts an uncommitted build (a rebuild's new generation is removed). */
void pl_indexer_free(pl_indexer *ix);

/* Parses a file (format detected from its content) and indexes its
 * records.  In ADD mode, documents of an earlier version of the same
 * source (same absolute path) are replaced. */
int pl_indexer_add_source(pl_indexer *ix, const char *path, pl_source_report *rep, pl_error *err);
/* Indexes one record (borrowed for the call).  It belongs to the source of
 * the enclosing add_source, else to no source.  *replaced (may be NULL) is
 * set when a live document with the same id was replaced; in a REBUILD the
 * records are stored by a second thread, so *replaced is always 0 there
 * and replacements show in the source report of add_source. */
int pl_indexer_add_record(pl_indexer *ix, const pl_record *rec, int *replaced, pl_error *err);
/* ADD mode: tombstones every document of a source (path as indexed, or
 * the same file under another spelling). */
int pl_indexer_remove_source(pl_indexer *ix, const char *path, size_t *removed, pl_error *err);

int pl_indexer_commit(pl_indexer *ix, pl_error *err);

/* Documents indexed so far by this indexer. */
size_t pl_indexer_docs(const pl_indexer *ix);
/* Number of runs spilled to disk so far (memory bound at work). */
size_t pl_indexer_runs(const pl_indexer *ix);

/* 16 hex digits of a 64-bit FNV-1a hash of a file's bytes (streamed). */
int pl_file_checksum(const char *path, char out[17], pl_error *err);

#endif
