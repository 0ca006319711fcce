/*
 * writer.h — the low-level index writer: one generation (rebuild) or the
 * live environment (add), written through LMDB.  Used by indexer/; the
 * inversion (analysis, term tables, runs) lives there.
 *
 * Order of calls: open; then any number of put_doc / delete_source; then
 * the postings in ascending term order (term_begin, term_doc..., term_end);
 * then the surfaces (put_surface, ascending in a rebuild); then commit.
 * One writer per index root at a time (flock on DIR/write.lock).
 */
#ifndef PL_WRITER_H
#define PL_WRITER_H

#include "store.h"

typedef struct pl_writer pl_writer;

enum pl_write_mode { PL_WRITE_REBUILD = 0, PL_WRITE_ADD = 1 };

int pl_writer_open(pl_writer **out, const char *dir, int mode, pl_error *err);
/* Aborts if not committed; a rebuild's new generation is removed. */
void pl_writer_free(pl_writer *w);

/* The docid the next put_doc will get. */
uint32_t pl_writer_next_docid(const pl_writer *w);
/* Track id of a name ("" -> 0), assigning a new one if needed. */
int pl_writer_track(pl_writer *w, const char *name, uint16_t *id, pl_error *err);
/* Source id of a path (with its content checksum, 16 hex digits);
 * *existed tells whether the index already had it (an --add of a source
 * indexed before replaces its documents: see delete_source). */
int pl_writer_source(pl_writer *w, const char *path, const char *checksum, uint16_t *id,
                     int *existed, pl_error *err);
/* Checksum recorded for a source path, or PL_ENOTFOUND. */
int pl_writer_source_checksum(pl_writer *w, const char *path, char out[17], pl_error *err);

/* Stores one document under the next docid.  A live document with the
 * same record id is tombstoned first (*replaced = 1). */
int pl_writer_put_doc(pl_writer *w, const char *id, size_t idn, const char *rec, size_t n,
                      const pl_docmeta *m, uint32_t *docid, int *replaced, pl_error *err);
/* Tombstones every live document of a source; *n receives how many. */
int pl_writer_delete_source(pl_writer *w, uint16_t source, size_t *n, pl_error *err);
/* Tombstones every live document of the source with this path. */
int pl_writer_remove_path(pl_writer *w, const char *path, size_t *n, pl_error *err);

/* Postings of one term, docs ascending, all above the docids already in
 * the index.  pos/posn: the document's encoded positions (pl_pos_encode). */
int pl_writer_term_begin(pl_writer *w, const char *term, size_t n, pl_error *err);
int pl_writer_term_doc(pl_writer *w, uint32_t docid, const uint32_t tf[PL_NFIELDS],
                       const uint8_t *pos, size_t posn, pl_error *err);
/* display: the most common surface form seen (may be NULL/0). */
int pl_writer_term_end(pl_writer *w, const char *display, size_t dn, pl_error *err);

/* A surface form with the number of (new) documents it appeared in. */
int pl_writer_put_surface(pl_writer *w, const char *surface, size_t n, const char *term, size_t tn,
                          uint32_t df, pl_error *err);

int pl_writer_set_meta(pl_writer *w, const char *key, const char *value, pl_error *err);
/* Meta value of the live index (add mode) or NULL. */
const char *pl_writer_old_meta(pl_writer *w, const char *key);

/* Writes docmeta, years, tracks, sources and meta, commits, syncs, and (in
 * a rebuild) switches `current` to the new generation. */
int pl_writer_commit(pl_writer *w, pl_error *err);

/* The write transaction is bound to the thread that began it.  A rebuild
 * may hand the writer to another thread between documents: end the
 * transaction in one thread (commit), begin one in the other.  Only in a
 * rebuild (an add is one transaction). */
int pl_writer_txn_end(pl_writer *w, int commit, pl_error *err);
int pl_writer_txn_begin(pl_writer *w, pl_error *err);

/* Path of the generation being written (for temporary files). */
const char *pl_writer_gen_path(const pl_writer *w);
uint32_t pl_writer_live_docs(const pl_writer *w);

#endif
