/*
 * store.h — the on-disk index: LMDB environments, one per generation, and
 * the read API the query side uses.  The byte formats are written down at
 * the top of store/codec.c; the directory layout and the atomic switch at
 * the top of store/store.c.
 *
 * Layering: store knows nothing of HTTP, JSON building or ranking.  It
 * stores the canonical record of each document as opaque bytes (the
 * record's JSON, decoded by corpus/ when needed).
 *
 * Threads: a pl_store may be shared by threads (the server's pool); each
 * pl_snap is used by one thread at a time.  A snapshot is one LMDB read
 * transaction: everything read through it is consistent, and pointers it
 * hands out are borrowed until pl_snap_end.
 */
#ifndef PL_STORE_H
#define PL_STORE_H

#include "base.h"

#include <stdio.h>

/* Bumped on any incompatible change of the on-disk format; checked at open. */
#define PL_FORMAT_VERSION 3

/* Fields of a document, in BM25F weight order.  Positions of a field start
 * at field * PL_FIELD_POS_BASE so that phrases never match across fields. */
enum pl_field { PL_FIELD_TITLE = 0, PL_FIELD_PEOPLE = 1, PL_FIELD_BODY = 2, PL_NFIELDS = 3 };
#define PL_FIELD_POS_BASE (1u << 24)
#define PL_POS_FIELD(pos) ((pos) >> 24)

enum pl_doc_flags { PL_DOC_DELETED = 1u << 0, PL_DOC_TITLE_INFERRED = 1u << 1 };

/* Per-document metadata kept in memory for every snapshot generation:
 * filters, facets and BM25F lengths never touch the stored records. */
typedef struct pl_docmeta {
    uint16_t year;            /* 0 for a free docid slot */
    uint8_t kind;             /* pl_kind */
    uint8_t flags;            /* pl_doc_flags */
    uint16_t track;           /* 0 = none, else id for pl_snap_track_name */
    uint16_t source;          /* id for pl_snap_source_name */
    uint32_t len[PL_NFIELDS]; /* indexed (non-stopword) tokens per field */
    uint32_t start_min;       /* minutes since 00:00 + 1, 0 unknown */
    uint32_t day;             /* YYYYMMDD or 0 */
} pl_docmeta;

typedef struct pl_terminfo {
    uint32_t df;                 /* documents containing the term (deleted
                                    documents still count until a rebuild) */
    uint64_t cf;                 /* occurrences in the collection */
    uint32_t max_tf[PL_NFIELDS]; /* largest per-document tf of each field,
                                  for score upper bounds */
} pl_terminfo;

typedef struct pl_store pl_store;
typedef struct pl_snap pl_snap;
typedef struct pl_postings pl_postings;

enum pl_store_open_flags { PL_STORE_READONLY = 1u << 0 };

/* Opens the index root `dir` (the directory that holds the generations,
 * see store.c).  Missing index, another format or analyzer version, or a
 * corrupt file give a clear error naming the path and what to do; the live
 * data.mdb is verified against its checksum before LMDB reads it. */
int pl_store_open(pl_store **out, const char *dir, unsigned flags, pl_error *err);
void pl_store_close(pl_store *s);
const char *pl_store_path(const pl_store *s);

/* Begins a read snapshot.  If a writer (rebuild, --add, --remove) has
 * switched the live generation since the last snapshot, this one sees the
 * new index (verified first, as at open); snapshots already begun keep the
 * old one until they end. */
int pl_snap_begin(pl_store *s, pl_snap **out, pl_error *err);
void pl_snap_end(pl_snap *snap);

uint64_t pl_snap_generation(const pl_snap *snap); /* changes on every commit */
/* 1: the snapshot's data.mdb matched the checksum its writer recorded when
 * the generation was opened (pl_snap_check hashes it again).  0: it has no
 * checksum (written by an older plumbline) and was opened unverified. */
int pl_snap_verified(const pl_snap *snap);
uint32_t pl_snap_max_docid(const pl_snap *snap); /* docids are 1..max */
uint32_t pl_snap_doc_count(const pl_snap *snap); /* live documents */
/* NULL for a docid out of range; check PL_DOC_DELETED in flags. */
const pl_docmeta *pl_snap_docmeta(const pl_snap *snap, uint32_t docid);
/* Every document's field lengths as one byte each (pl_len_code), at
 * [docid * PL_NFIELDS + field] for docids 0..max: 3 bytes a document
 * where its docmeta takes 32, so that a score bound over a dense run of
 * candidates stays in cache.  Built from docmeta at open. */
const uint8_t *pl_snap_len_codes(const pl_snap *snap);
/* A length as one byte: lengths below 128 exactly, longer ones by their 5
 * leading bits, rounded down; codes ascend with the length.
 * pl_len_floor(pl_len_code(n)) <= n, within 1/16 of it up to 2^15. */
uint8_t pl_len_code(uint32_t len);
uint32_t pl_len_floor(uint8_t code);
double pl_snap_avg_len(const pl_snap *snap, int field);              /* over live docs */
const char *pl_snap_track_name(const pl_snap *snap, uint16_t track); /* "" for 0 */
const char *pl_snap_source_name(const pl_snap *snap, uint16_t source);
size_t pl_snap_track_count(const pl_snap *snap); /* ids are 1..count */
/* Metadata values: "format_version", "analyzer_version", "built_at"
 * (ISO 8601 UTC), "corpus_checksum", "generation".  NULL if absent. */
const char *pl_snap_meta(const pl_snap *snap, const char *key);

/* Term statistics.  PL_ENOTFOUND (no error set) when the term is absent. */
int pl_snap_term(pl_snap *snap, const char *term, size_t n, pl_terminfo *out, pl_error *err);

/* Visits terms in byte order starting at `prefix`, while they start with
 * it.  cb returns 0 to go on, 1 to stop (not an error), <0 error. */
typedef int (*pl_term_cb)(void *ctx, const char *term, size_t n, const pl_terminfo *ti);
int pl_snap_terms_prefix(pl_snap *snap, const char *prefix, size_t n, pl_term_cb cb, void *ctx,
                         pl_error *err);

/* Surface forms: the folded, unstemmed words seen in the text (sched_ext,
 * scheduling), each with the term it analyses to and a document count.
 * Visited in byte order from `prefix` (autocomplete, did-you-mean). */
typedef int (*pl_surface_cb)(void *ctx, const char *surface, size_t n, const char *term,
                             size_t term_n, uint32_t df);
int pl_snap_surfaces_prefix(pl_snap *snap, const char *prefix, size_t n, pl_surface_cb cb,
                            void *ctx, pl_error *err);
/* The most common surface form of a term (for display); writes a
 * NUL-terminated string into out, or the term itself if none recorded. */
int pl_snap_term_display(pl_snap *snap, const char *term, size_t n, char *out, size_t cap,
                         pl_error *err);

/* ---- postings ---------------------------------------------------------------
 * Iterates the documents of one term in ascending docid order, deleted
 * documents included (callers filter with pl_snap_docmeta).  Freshly
 * opened iterators are positioned before the first document. */
enum pl_postings_flags { PL_POSTINGS_POSITIONS = 1u << 0 };

/* PL_ENOTFOUND (no error set) when the term is absent. */
int pl_postings_open(pl_snap *snap, const char *term, size_t n, unsigned flags, pl_postings **out,
                     pl_error *err);
void pl_postings_free(pl_postings *it);
/* 1: positioned on a document; 0: exhausted; <0: error (corrupt bytes). */
int pl_postings_next(pl_postings *it);
/* Advances to the first docid >= target (never moves backwards). */
int pl_postings_seek(pl_postings *it, uint32_t target);
uint32_t pl_postings_docid(const pl_postings *it);
/* Term frequency per field of the current document. */
void pl_postings_tf(const pl_postings *it, uint32_t tf[PL_NFIELDS]);
/* Positions of the current document, ascending, field-tagged (see
 * PL_FIELD_POS_BASE).  Only with PL_POSTINGS_POSITIONS.  Borrowed until the
 * iterator moves. */
int pl_postings_positions(pl_postings *it, const uint32_t **pos, size_t *n);
/* The current chunk as it is unpacked: for loops that walk the docids
 * of several lists in step (an AND of terms) without a call per document.
 * docid[0..n) ascend; i is the iterator's entry.  A caller may move i
 * forward while it stays below n; past the chunk it calls
 * pl_postings_seek, which loads the next one into the same struct.  Valid
 * while pl_postings_docid is neither 0 nor past the end; the pointer
 * stays the same for the iterator's life. */
typedef struct pl_block {
    const uint32_t *docid;
    uint32_t n, i;
    uint32_t max_tf[PL_NFIELDS];
    const uint8_t *pk;        /* the packed tfs (PL_BITS_PAD readable after) */
    uint32_t tfo[PL_NFIELDS]; /* bit section of each field's tfs in pk */
    uint32_t tfw[PL_NFIELDS]; /* bits a tf */
} pl_block;
pl_block *pl_postings_block(pl_postings *it);

/* Bytes readable after the last packed value (so that every value is one
 * unaligned 8-byte load) and that load: value i of w bits (w <= 32). */
#define PL_BITS_PAD 8
static inline uint32_t pl_bits_get_padded(const uint8_t *p, size_t i, unsigned w)
{
    size_t bit = i * w;
    uint64_t x;
    __builtin_memcpy(&x, p + bit / 8, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return (uint32_t)((x >> (bit % 8)) & ((UINT64_C(1) << w) - 1));
}
/* The tfs of entry i of a block, as pl_postings_tf gives them (a tf above
 * the block max of a damaged value reads as the block max, so no document
 * scores above the bounds the pruning trusts; `check` reports it). */
static inline void pl_block_tf(const pl_block *b, uint32_t i, uint32_t tf[PL_NFIELDS])
{
    for (int f = 0; f < PL_NFIELDS; f++) {
        /* a field without occurrences in the block has no bits (often the
         * title and people of a frequent word) */
        uint32_t v = b->tfw[f] ? pl_bits_get_padded(b->pk + b->tfo[f], i, b->tfw[f]) : 0;
        tf[f] = v <= b->max_tf[f] ? v : b->max_tf[f];
    }
}

/* Largest per-field tf within the current block, and the last docid of
 * that block. */
void pl_postings_block_max(const pl_postings *it, uint32_t max_tf[PL_NFIELDS], uint32_t *last);

/* Impacts of a postings block: for each field, the (length, tf) pairs of
 * its documents that no other document of the block beats on both counts
 * (at least as many occurrences in a field no longer), ascending in both;
 * a block with more than PL_IMPACTS_MAX such pairs in a field has some
 * merged into (shorter length, larger tf), which still dominates them.  So
 * a score that grows with tf and falls with field length is, for every
 * document of the block, at most its best value over these pairs: the
 * block-max bound, exact per field whatever the ranking parameters.  A
 * field without occurrences in the block has n = 0. */
#define PL_IMPACTS_MAX 16
typedef struct pl_impacts {
    uint32_t n[PL_NFIELDS];
    uint32_t len[PL_NFIELDS][PL_IMPACTS_MAX];
    uint32_t tf[PL_NFIELDS][PL_IMPACTS_MAX];
} pl_impacts;
/* The impacts of the current block and its last docid (*last = 0 when the
 * iterator is not on a block).  PL_ECORRUPT when the bytes do not decode. */
int pl_postings_block_impacts(pl_postings *it, pl_impacts *out, uint32_t *last);
const pl_terminfo *pl_postings_info(const pl_postings *it);

/* ---- stored documents ---------------------------------------------------------- */
/* The stored record bytes (canonical JSON of the record); borrowed until
 * pl_snap_end.  PL_ENOTFOUND for a deleted or unknown docid. */
int pl_snap_doc(pl_snap *snap, uint32_t docid, const char **p, size_t *n, pl_error *err);
/* The first min(cap, size) bytes of a stored record, copied into out (*n
 * of them), decompressing only that far.  PL_ENOTFOUND as pl_snap_doc. */
int pl_snap_doc_head(pl_snap *snap, uint32_t docid, char *out, size_t cap, size_t *n,
                     pl_error *err);
/* Docid of a record id.  PL_ENOTFOUND (no error set) if unknown/deleted. */
int pl_snap_docid(pl_snap *snap, const char *id, size_t n, uint32_t *docid, pl_error *err);

/* Visits the stored records of live documents in docid order (export).
 * cb returns PL_OK to go on, > 0 to stop (not an error), < 0 an error. */
typedef int (*pl_doc_cb)(void *ctx, uint32_t docid, const char *p, size_t n);
int pl_snap_foreach_doc(pl_snap *snap, pl_doc_cb cb, void *ctx, pl_error *err);

/* Integrity check of the whole snapshot: data.mdb against its checksum
 * (hashed again, as it is now), then every structure decodes, postings
 * ascend, dfs match, lengths match positions.  PL_OK or PL_ECORRUPT with
 * what and where. */
int pl_snap_check(pl_snap *snap, pl_error *err);

/* Debug dump of a structure as text ("meta", "terms", "postings:TERM",
 * "doc:ID", "docmeta", "surfaces"), as FTS5's fts5_decode. */
int pl_snap_dump(pl_snap *snap, const char *what, FILE *out, pl_error *err);

#endif
