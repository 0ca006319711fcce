/*
 * codec.h — byte encodings of the index values (see the format at the top of
 * store/codec.c).  Internal to store/ and the indexer: the query side uses
 * store.h only.
 *
 * Every decoder takes (p, end), never reads past end, and returns
 * PL_ECORRUPT with what was wrong in err.
 */
#ifndef PL_CODEC_H
#define PL_CODEC_H

#include "store.h"

#include <string.h>

/* Documents per postings chunk: the unit of seek skipping and of the
 * block-max bound.  A chunk of 128 docs decodes in about a microsecond. */
#define PL_CHUNK_DOCS 128
/* Bytes of the postings key suffix: '\0' + big-endian last docid. */
#define PL_KEY_SUFFIX 5
#define PL_KEY_MAX (PL_MAX_TERM_BYTES + PL_KEY_SUFFIX)
/* Terms longer than this are refused by the writer (the analyzer cuts at
 * PL_MAX_TERM, far below; LMDB keys must stay under 511 bytes). */
#define PL_MAX_TERM_BYTES 255

/* Stored-document value: one format byte, then the record bytes, raw or
 * compressed and preceded by the varint length: a zstd frame (written), or
 * a raw deflate stream (older builds; still read). */
enum { PL_DOC_RAW = 0, PL_DOC_DEFLATE = 1, PL_DOC_ZSTD = 2, PL_DOC_ZSTD_HEAD = 3 };
/* Longest uncompressed head of a PL_DOC_ZSTD_HEAD record. */
#define PL_DOC_HEAD_MAX 255
/* Longest stored record accepted by the decoder (a bound for inflate). */
#define PL_DOC_MAX ((size_t)64 << 20)

typedef struct pl_chunk {
    uint32_t n;
    uint32_t max_tf[PL_NFIELDS];
    pl_impacts imp;
    uint32_t docid[PL_CHUNK_DOCS];
    uint32_t tf[PL_CHUNK_DOCS][PL_NFIELDS];
} pl_chunk;

/* ---- bit-packed sections of a postings chunk (format in codec.c) ---- */
/* Bits needed for v: 0 for 0, else the position of its highest bit + 1. */
static inline unsigned pl_bits_width(uint32_t v)
{
    return v ? 32u - (unsigned)__builtin_clz(v) : 0;
}
/* Bytes of a section of count values of w bits. */
static inline size_t pl_bits_bytes(size_t count, unsigned w)
{
    return (count * w + 7) / 8;
}
/* Value i of a section of w-bit values (w <= 32) packed from bit 0 of p,
 * least significant bit first; never reads at or past end. */
static inline uint32_t pl_bits_get(const uint8_t *p, const uint8_t *end, size_t i, unsigned w)
{
    if (!w)
        return 0;
    size_t bit = i * w;
    const uint8_t *q = p + bit / 8;
    uint64_t x = 0;
    if (end - q >= 8) {
        memcpy(&x, q, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x);
#endif
    } else {
        for (unsigned k = 0; q + k < end; k++)
            x |= (uint64_t)q[k] << (8 * k);
    }
    return (uint32_t)((x >> (bit % 8)) & ((UINT64_C(1) << w) - 1));
}

/* Largest packed part of a chunk (docid gaps and three tf sections). */
#define PL_CHUNK_PACKED_MAX (4 * PL_CHUNK_DOCS * 4)

/* Postings keys: term bytes, '\0', big-endian docid.  Returns key length. */
size_t pl_key_postings(uint8_t *out, const char *term, size_t n, uint32_t docid);
/* Splits a postings key; PL_ECORRUPT when it has no suffix. */
int pl_key_postings_split(const uint8_t *p, size_t n, size_t *term_n, uint32_t *docid);
void pl_be32_put(uint8_t *out, uint32_t v);
uint32_t pl_be32_get(const uint8_t *p);

/* Chunk of n (1..PL_CHUNK_DOCS) ascending docids with per-field tfs and
 * the documents' field lengths (len NULL: unknown, each taken as its tf,
 * the smallest length a field with that tf can have), from which the
 * block's impacts are computed. */
int pl_chunk_encode(pl_buf *out, const uint32_t *docid, const uint32_t (*tf)[PL_NFIELDS],
                    const uint32_t (*len)[PL_NFIELDS], size_t n);
/* The same with the impacts given (they must dominate every document). */
int pl_chunk_encode_impacts(pl_buf *out, const uint32_t *docid, const uint32_t (*tf)[PL_NFIELDS],
                            const pl_impacts *imp, size_t n);
/* The impacts of n documents (see pl_impacts in store.h). */
void pl_impacts_compute(const uint32_t (*tf)[PL_NFIELDS], const uint32_t (*len)[PL_NFIELDS],
                        size_t n, pl_impacts *out);
/* Decodes an impacts section (p, end exactly) of a chunk whose block max
 * is max_tf: every field with max_tf > 0 has 1..PL_IMPACTS_MAX pairs,
 * strictly ascending in length and tf, the last tf equal to max_tf. */
int pl_impacts_decode(const uint8_t *p, const uint8_t *end, const uint32_t max_tf[PL_NFIELDS],
                      pl_impacts *out, pl_error *err);
/* last is the docid in the key: the decoded chunk must end on it. */
int pl_chunk_decode(const uint8_t *p, const uint8_t *end, uint32_t last, pl_chunk *c,
                    pl_error *err);

/* Positions of one document: for each field with tf > 0, tf varints (the
 * first relative to the field base, then gaps >= 1).  pos are field-tagged
 * and ascending; their per-field counts must equal tf. */
int pl_pos_encode(pl_buf *out, const uint32_t tf[PL_NFIELDS], const uint32_t *pos, size_t n);
/* Decodes one document's positions into out (room for tf total). */
int pl_pos_decode(const uint8_t **p, const uint8_t *end, const uint32_t tf[PL_NFIELDS],
                  uint32_t *out, pl_error *err);
/* Skips one document's positions. */
int pl_pos_skip(const uint8_t **p, const uint8_t *end, const uint32_t tf[PL_NFIELDS],
                pl_error *err);

/* Term statistics + the most common surface form (may be empty). */
int pl_terminfo_encode(pl_buf *out, const pl_terminfo *ti, const char *display, size_t dn);
int pl_terminfo_decode(const uint8_t *p, const uint8_t *end, pl_terminfo *ti, const char **display,
                       size_t *dn, pl_error *err);

int pl_docmeta_encode(pl_buf *out, const pl_docmeta *m);
int pl_docmeta_decode(const uint8_t *p, const uint8_t *end, pl_docmeta *m, pl_error *err);

/* Surface value: df, then the term bytes. */
int pl_surface_encode(pl_buf *out, uint32_t df, const char *term, size_t n);
int pl_surface_decode(const uint8_t *p, const uint8_t *end, uint32_t *df, const char **term,
                      size_t *n, pl_error *err);

/* Compression and decompression contexts, reused from one document to the
 * next (allocated through pl_malloc on first use).  One per thread. */
typedef struct pl_zip pl_zip;
pl_zip *pl_zip_new(void);
void pl_zip_free(pl_zip *z);

/* Appends the stored form of a record: compressed when that is smaller,
 * else raw (z NULL: always raw).  The first head_n bytes (at most
 * PL_DOC_HEAD_MAX; 0 for none) stay uncompressed in front of the frame, so
 * that a reader of the leading field (the id) decompresses nothing. */
int pl_doc_encode(pl_buf *out, const char *rec, size_t n, size_t head_n, pl_zip *z);
/* A raw record is borrowed from p; a compressed one is decoded into buf
 * (reset first) and *rec points there.  z may be NULL for raw only. */
int pl_doc_decode(const uint8_t *p, const uint8_t *end, pl_zip *z, pl_buf *buf, const char **rec,
                  size_t *n, pl_error *err);
/* The first min(cap, length) bytes of a stored record copied into out
 * (*n of them), inflating only that far: for readers of a leading field
 * (search hits that need only the id); of a record with an uncompressed
 * head, the first min(cap, head length) bytes, with no decompression.  z
 * may be NULL for raw only. */
int pl_doc_decode_head(const uint8_t *p, const uint8_t *end, pl_zip *z, char *out, size_t cap,
                       size_t *n, pl_error *err);

#endif
