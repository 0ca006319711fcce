/*
 * codec.c — the on-disk format of a plumbline index generation.
 *
 * One LMDB environment per generation (see store.c for the directory
 * layout) with these named databases.  "varint" is unsigned LEB128; BE32 is
 * a 4-byte big-endian integer (so LMDB's bytewise key order is numeric).
 *
 *   meta      ASCII key -> ASCII value: format_version, analyzer_version,
 *             built_at (ISO 8601 UTC), corpus_checksum (16 hex), generation
 *             (decimal u64, changes on every commit), max_docid, doc_count.
 *   terms     term bytes -> varint df, varint cf, varint max_tf[3],
 *             varint dn, dn bytes of the most common surface form (dn may
 *             be 0: display the term itself).
 *   postings  term '\0' BE32(last docid of chunk) -> chunk:
 *               varint n (1..128), varint max_tf[3] (block max),
 *               varint ilen, ilen bytes of impacts: for each field whose
 *                 max_tf > 0, varint k (1..PL_IMPACTS_MAX), then k pairs
 *                 varint len, varint tf (the first absolute, then gaps
 *                 >= 1 in both; the last tf is the field's max_tf): the
 *                 (field length, tf) pairs no document of the chunk beats
 *                 on both (pl_impacts in store.h), which bound any BM25
 *                 score of the block whatever its parameters,
 *               byte g (0..32), varint first docid (>= 1),
 *               then four bit-packed sections, each of fixed-width values
 *               packed from bit 0 least significant bit first and padded
 *               with zero bits to a whole byte (pl_bits_get):
 *                 n - 1 values of g bits: docid gaps minus 1,
 *                 for each field f (title, people, body) n values of
 *                 bits(max_tf[f]) bits: the tfs (0 bits when max_tf is 0).
 *             The value ends with the last section.  Every docid and every
 *             tf is at a computed bit offset: a reader unpacks the docids
 *             of a chunk without touching its tfs, and reads the tfs of
 *             the documents it stops on only.  Each document has a tf > 0
 *             in some field, the block max is the largest tf of each
 *             field, and the last docid must equal the key's.  Terms never
 *             contain '\0', so keys sort by term then by docid, and
 *             seek(target) is one MDB_SET_RANGE on term '\0' BE32(target).
 *   positions same keys as postings -> for each doc of the chunk, for each
 *             field with tf > 0: tf varints, the first the position within
 *             the field, then gaps >= 1.  A position in the API is
 *             field * PL_FIELD_POS_BASE + position within the field.
 *             Queries without phrases never read this database.
 *   docs      BE32 docid -> byte 0, canonical record JSON
 *             (pl_record_to_json); or byte 3, varint h (1..255), the first
 *             h bytes of that JSON as they are (through the record's id),
 *             varint length of the rest, one zstd frame of the rest (level
 *             1, no content size, no checksum, one frame per document so
 *             that fetching one hit decodes ~1.4 KB); a hit that needs only
 *             its id reads the head and decompresses nothing (a small
 *             frame's decode is ~10 us of fixed cost).  Byte 2 is the same
 *             without the head (a record whose id the writer did not find
 *             at the start); byte 1, varint length, a raw deflate stream
 *             (zlib level 1) is what builds before zstd wrote: both are
 *             still read.
 *   ids       record id -> BE32 docid (may name a deleted docid after
             --remove: readers check PL_DOC_DELETED).
 *   docmeta   BE32 docid -> varint year, kind, flags, track, source, len[3],
 *             start_min, day (see pl_docmeta).
 *   tracks    BE16 track id (1..) -> track name.
 *   sources   BE16 source id (1..) -> 16 hex checksum, ' ', path.
 *   surfaces  folded surface form -> varint df, term bytes.
 *   years     BE16 year -> varint live docs, varint indexed tokens.
 *
 * Deleted documents (re-added or removed sources) keep their docid in the
 * postings and have PL_DOC_DELETED in docmeta; df and cf count them until
 * the next full rebuild.
 *
 * Beside data.mdb, in the generation directory, data.mdb.xxh3 is one line
 * of ASCII, exactly
 *
 *   xxh3-64 <16 lowercase hex digits> <decimal size in bytes>\n
 *
 * the XXH3-64 hash (seed 0, libxxhash's XXH3_64bits) of the whole of
 * data.mdb and its size, taken by the writer after its last commit (when
 * and how it is checked: top of store.c).  Anything else in that file is
 * damage.  It is not part of the LMDB format and did not change
 * PL_FORMAT_VERSION: a generation without it (an older plumbline's) is
 * read unverified.
 */
#include "codec.h"

#include <string.h>
#include <zlib.h>
/* For ZSTD_customMem: zstd's allocations go through pl_malloc like every
 * other engine allocation (the OOM-injection hook).  Debian 12's libzstd
 * exports these functions; they have kept their signatures since 1.3. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

void pl_be32_put(uint8_t *out, uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

uint32_t pl_be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t pl_key_postings(uint8_t *out, const char *term, size_t n, uint32_t docid)
{
    memcpy(out, term, n);
    out[n] = 0;
    pl_be32_put(out + n + 1, docid);
    return n + PL_KEY_SUFFIX;
}

int pl_key_postings_split(const uint8_t *p, size_t n, size_t *term_n, uint32_t *docid)
{
    *term_n = 0;
    *docid = 0;
    if (n < PL_KEY_SUFFIX || p[n - PL_KEY_SUFFIX] != 0)
        return PL_ECORRUPT;
    *term_n = n - PL_KEY_SUFFIX;
    *docid = pl_be32_get(p + n - 4);
    return PL_OK;
}

/* LEB128 writer inlined into the chunk and position encoders (a call per
 * varint was 5% of a build). */
static inline uint8_t *put_v(uint8_t *w, uint64_t v)
{
    while (v >= 0x80) {
        *w++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *w++ = (uint8_t)v;
    return w;
}

static int get32(const uint8_t **p, const uint8_t *end, uint32_t *v, const char *what,
                 pl_error *err)
{
    if (*p < end && **p < 0x80) { /* most values: one byte */
        *v = *(*p)++;
        return PL_OK;
    }
    *v = 0;
    uint64_t x;
    if (pl_varint_get(p, end, &x) != PL_OK || x > UINT32_MAX)
        return pl_error_set(err, PL_ECORRUPT, "%s: bad or truncated varint", what);
    *v = (uint32_t)x;
    return PL_OK;
}

/* Per field: the smallest length among the documents with each tf (a
 * table of the tfs up to IMP_TABLE; a rarer larger tf is placed by
 * insertion), then the tfs from the largest down, keeping a pair when its
 * length is below every length kept so far.  O(n + max tf) per field. */
#define IMP_TABLE 1024

static void frontier_cap(uint32_t *len, uint32_t *tf, uint32_t *k)
{
    /* Merging neighbours (len_i, tf_i), (len_i+1, tf_i+1) into
     * (len_i, tf_i+1) keeps a pair that dominates both; the closest tfs
     * first, so the bound loosens least. */
    while (*k > PL_IMPACTS_MAX) {
        uint32_t best = 0;
        for (uint32_t i = 1; i + 1 < *k; i++)
            if (tf[i + 1] - tf[i] < tf[best + 1] - tf[best])
                best = i;
        tf[best] = tf[best + 1];
        memmove(len + best + 1, len + best + 2, (*k - best - 2) * sizeof *len);
        memmove(tf + best + 1, tf + best + 2, (*k - best - 2) * sizeof *tf);
        (*k)--;
    }
}

void pl_impacts_compute(const uint32_t (*tf)[PL_NFIELDS], const uint32_t (*len)[PL_NFIELDS],
                        size_t n, pl_impacts *out)
{
    static const uint32_t none = UINT32_MAX;
    memset(out, 0, sizeof *out);
    for (int f = 0; f < PL_NFIELDS; f++) {
        uint32_t minlen[IMP_TABLE + 1], mx = 0;
        /* pairs with tf > IMP_TABLE, kept sorted by tf descending */
        uint32_t big_tf[PL_CHUNK_DOCS], big_len[PL_CHUNK_DOCS], nbig = 0;
        for (size_t i = 0; i < n; i++)
            if (tf[i][f] > mx)
                mx = tf[i][f];
        uint32_t top = mx < IMP_TABLE ? mx : IMP_TABLE;
        for (uint32_t t = 1; t <= top; t++)
            minlen[t] = none;
        for (size_t i = 0; i < n && i < PL_CHUNK_DOCS; i++) {
            uint32_t t = tf[i][f], l = len ? len[i][f] : t;
            if (!t)
                continue;
            if (l < t) /* a field holds at least tf tokens */
                l = t;
            if (t <= IMP_TABLE) {
                if (l < minlen[t])
                    minlen[t] = l;
                continue;
            }
            uint32_t j = nbig++;
            while (j > 0 && (big_tf[j - 1] < t || (big_tf[j - 1] == t && big_len[j - 1] > l))) {
                big_tf[j] = big_tf[j - 1];
                big_len[j] = big_len[j - 1];
                j--;
            }
            big_tf[j] = t;
            big_len[j] = l;
        }
        /* Walk tfs downwards: descending tf, so a pair is kept when it is
         * shorter than everything with more occurrences. */
        uint32_t rl[PL_CHUNK_DOCS], rt[PL_CHUNK_DOCS], k = 0, shortest = none;
        for (uint32_t j = 0; j < nbig; j++)
            if (big_len[j] < shortest) {
                shortest = big_len[j];
                rl[k] = big_len[j];
                rt[k++] = big_tf[j];
            }
        for (uint32_t t = top; t >= 1; t--)
            if (minlen[t] < shortest) {
                shortest = minlen[t];
                rl[k] = minlen[t];
                rt[k++] = t;
            }
        /* ascending order for the encoding */
        uint32_t al[PL_CHUNK_DOCS], at[PL_CHUNK_DOCS];
        for (uint32_t i = 0; i < k; i++) {
            al[i] = rl[k - 1 - i];
            at[i] = rt[k - 1 - i];
        }
        frontier_cap(al, at, &k);
        out->n[f] = k;
        memcpy(out->len[f], al, k * sizeof *al);
        memcpy(out->tf[f], at, k * sizeof *at);
    }
}

/* Packs count values of width bits (each below 2^width) at w, zero bits
 * padding the last byte; returns the end. */
static uint8_t *bits_put(uint8_t *w, const uint32_t *v, size_t count, unsigned width)
{
    uint64_t acc = 0;
    unsigned have = 0;
    if (!width)
        return w;
    for (size_t i = 0; i < count; i++) {
        acc |= (uint64_t)v[i] << have;
        for (have += width; have >= 8; have -= 8) {
            *w++ = (uint8_t)acc;
            acc >>= 8;
        }
    }
    if (have)
        *w++ = (uint8_t)acc;
    return w;
}

int pl_chunk_encode_impacts(pl_buf *out, const uint32_t *docid, const uint32_t (*tf)[PL_NFIELDS],
                            const pl_impacts *imp, size_t n)
{
    uint32_t mx[PL_NFIELDS] = {0};
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < PL_NFIELDS; f++)
            if (tf[i][f] > mx[f])
                mx[f] = tf[i][f];
    /* The impacts section first, so that its length can precede it. */
    uint8_t ibuf[PL_NFIELDS * (5 + PL_IMPACTS_MAX * 10)], *iw = ibuf;
    for (int f = 0; f < PL_NFIELDS; f++) {
        if (!mx[f])
            continue;
        uint32_t k = imp->n[f];
        if (k == 0 || k > PL_IMPACTS_MAX || imp->tf[f][k - 1] != mx[f])
            return PL_EUSAGE;
        iw = put_v(iw, k);
        for (uint32_t i = 0; i < k; i++) {
            uint32_t l = imp->len[f][i], t = imp->tf[f][i];
            if (i && (l <= imp->len[f][i - 1] || t <= imp->tf[f][i - 1]))
                return PL_EUSAGE;
            iw = put_v(iw, i ? l - imp->len[f][i - 1] : l);
            iw = put_v(iw, i ? t - imp->tf[f][i - 1] : t);
        }
    }
    size_t ilen = (size_t)(iw - ibuf);
    uint32_t maxgap = 0;
    for (size_t i = 1; i < n; i++) {
        if (docid[i] <= docid[i - 1])
            return PL_EUSAGE;
        if (docid[i] - docid[i - 1] - 1 > maxgap)
            maxgap = docid[i] - docid[i - 1] - 1;
    }
    if (n == 0 || n > PL_CHUNK_DOCS || docid[0] == 0)
        return PL_EUSAGE;
    unsigned g = pl_bits_width(maxgap);
    /* header varints, the impacts, g and the first docid, 4 sections of at
     * most 32 bits a value (and their padding bytes) */
    if (pl_buf_reserve(out, 32 + ilen + 6 + n * 16 + 4) != PL_OK)
        return PL_ENOMEM;
    uint8_t *w = (uint8_t *)out->p + out->n, *w0 = w;
    w = put_v(w, n);
    for (int f = 0; f < PL_NFIELDS; f++)
        w = put_v(w, mx[f]);
    w = put_v(w, ilen);
    memcpy(w, ibuf, ilen);
    w += ilen;
    *w++ = (uint8_t)g;
    w = put_v(w, docid[0]);
    uint32_t vals[PL_CHUNK_DOCS];
    for (size_t i = 1; i < n; i++)
        vals[i - 1] = docid[i] - docid[i - 1] - 1;
    w = bits_put(w, vals, n - 1, g);
    for (int f = 0; f < PL_NFIELDS; f++) {
        for (size_t i = 0; i < n; i++)
            vals[i] = tf[i][f];
        w = bits_put(w, vals, n, pl_bits_width(mx[f]));
    }
    out->n += (size_t)(w - w0);
    out->p[out->n] = 0;
    return PL_OK;
}

int pl_chunk_encode(pl_buf *out, const uint32_t *docid, const uint32_t (*tf)[PL_NFIELDS],
                    const uint32_t (*len)[PL_NFIELDS], size_t n)
{
    pl_impacts imp;
    pl_impacts_compute(tf, len, n, &imp);
    return pl_chunk_encode_impacts(out, docid, tf, &imp, n);
}

int pl_impacts_decode(const uint8_t *p, const uint8_t *end, const uint32_t max_tf[PL_NFIELDS],
                      pl_impacts *out, pl_error *err)
{
    memset(out, 0, sizeof *out); /* so that decoded impacts compare whole */
    for (int f = 0; f < PL_NFIELDS; f++) {
        if (!max_tf[f])
            continue;
        uint32_t k;
        if (get32(&p, end, &k, "postings impacts", err))
            return PL_ECORRUPT;
        if (k == 0 || k > PL_IMPACTS_MAX)
            return pl_error_set(err, PL_ECORRUPT, "postings impacts: %u pairs", k);
        uint64_t l = 0, t = 0;
        for (uint32_t i = 0; i < k; i++) {
            uint32_t dl, dt;
            if (get32(&p, end, &dl, "postings impacts", err) ||
                get32(&p, end, &dt, "postings impacts", err))
                return PL_ECORRUPT;
            if ((i && (dl == 0 || dt == 0)) || (!i && dt == 0) || l + dl > UINT32_MAX ||
                t + dt > UINT32_MAX)
                return pl_error_set(err, PL_ECORRUPT, "postings impacts: pairs do not ascend");
            l += dl;
            t += dt;
            out->len[f][i] = (uint32_t)l;
            out->tf[f][i] = (uint32_t)t;
        }
        if (t != max_tf[f])
            return pl_error_set(err, PL_ECORRUPT,
                                "postings impacts: largest tf is not the block max");
        out->n[f] = k;
    }
    if (p != end)
        return pl_error_set(err, PL_ECORRUPT, "postings impacts: %zu trailing bytes",
                            (size_t)(end - p));
    return PL_OK;
}

int pl_chunk_decode(const uint8_t *p, const uint8_t *end, uint32_t last, pl_chunk *c, pl_error *err)
{
    c->n = 0;
    uint32_t n = 0;
    if (get32(&p, end, &n, "postings chunk", err))
        return PL_ECORRUPT;
    if (n == 0 || n > PL_CHUNK_DOCS)
        return pl_error_set(err, PL_ECORRUPT, "postings chunk: %u documents", n);
    for (int f = 0; f < PL_NFIELDS; f++)
        if (get32(&p, end, &c->max_tf[f], "postings chunk", err))
            return PL_ECORRUPT;
    uint32_t ilen;
    if (get32(&p, end, &ilen, "postings chunk", err))
        return PL_ECORRUPT;
    if (ilen > (size_t)(end - p))
        return pl_error_set(err, PL_ECORRUPT, "postings chunk: impacts run past the value");
    if (pl_impacts_decode(p, p + ilen, c->max_tf, &c->imp, err))
        return PL_ECORRUPT;
    p += ilen;
    uint32_t g, first;
    if (p >= end)
        return pl_error_set(err, PL_ECORRUPT, "postings chunk: truncated before the docids");
    g = *p++;
    if (g > 32)
        return pl_error_set(err, PL_ECORRUPT, "postings chunk: docid gaps of %u bits", g);
    if (get32(&p, end, &first, "postings chunk", err))
        return PL_ECORRUPT;
    if (first == 0)
        return pl_error_set(err, PL_ECORRUPT, "postings chunk: docid 0");
    const uint8_t *sec[PL_NFIELDS + 1];
    unsigned wid[PL_NFIELDS + 1] = {g};
    size_t need = pl_bits_bytes(n - 1, g);
    sec[0] = p;
    for (int f = 0; f < PL_NFIELDS; f++) {
        wid[f + 1] = pl_bits_width(c->max_tf[f]);
        sec[f + 1] = p + need;
        need += pl_bits_bytes(n, wid[f + 1]);
    }
    if ((size_t)(end - p) != need)
        return pl_error_set(err, PL_ECORRUPT,
                            "postings chunk: %zu bytes of docids and tfs, %zu expected",
                            (size_t)(end - p), need);
    uint64_t d = first;
    uint32_t seen[PL_NFIELDS] = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i) {
            d += (uint64_t)pl_bits_get(sec[0], sec[1], i - 1, g) + 1;
            if (d > UINT32_MAX)
                return pl_error_set(err, PL_ECORRUPT, "postings chunk: docids do not ascend");
        }
        uint32_t *tf = c->tf[i];
        for (int f = 0; f < PL_NFIELDS; f++)
            tf[f] = pl_bits_get(sec[f + 1], f + 2 <= PL_NFIELDS ? sec[f + 2] : end, i, wid[f + 1]);
        if (!tf[0] && !tf[1] && !tf[2])
            return pl_error_set(err, PL_ECORRUPT, "postings chunk: doc %u has no occurrence",
                                (unsigned)d);
        for (int f = 0; f < PL_NFIELDS; f++) {
            if (tf[f] > c->max_tf[f])
                return pl_error_set(err, PL_ECORRUPT, "postings chunk: tf above block max");
            if (tf[f] > seen[f])
                seen[f] = tf[f];
        }
        c->docid[i] = (uint32_t)d;
    }
    /* the block max is exact (the impacts end on it): a larger one would be
     * a bound no document reaches */
    for (int f = 0; f < PL_NFIELDS; f++)
        if (seen[f] != c->max_tf[f])
            return pl_error_set(err, PL_ECORRUPT, "postings chunk: block max %u, largest tf %u",
                                c->max_tf[f], seen[f]);
    if (d != last)
        return pl_error_set(err, PL_ECORRUPT, "postings chunk: ends at %u, key says %u",
                            (unsigned)d, last);
    c->n = n;
    return PL_OK;
}

int pl_pos_encode(pl_buf *out, const uint32_t tf[PL_NFIELDS], const uint32_t *pos, size_t n)
{
    if (pl_buf_reserve(out, n * 5) != PL_OK)
        return PL_ENOMEM;
    uint8_t *w = (uint8_t *)out->p + out->n, *w0 = w;
    size_t i = 0;
    for (int f = 0; f < PL_NFIELDS; f++) {
        uint32_t base = (uint32_t)f * PL_FIELD_POS_BASE, prev = 0;
        for (uint32_t k = 0; k < tf[f]; k++, i++) {
            if (i >= n || PL_POS_FIELD(pos[i]) != (uint32_t)f || (k && pos[i] <= prev))
                return PL_EUSAGE;
            w = put_v(w, k ? pos[i] - prev : pos[i] - base);
            prev = pos[i];
        }
    }
    if (i != n)
        return PL_EUSAGE;
    out->n += (size_t)(w - w0);
    out->p[out->n] = 0;
    return PL_OK;
}

int pl_pos_decode(const uint8_t **p, const uint8_t *end, const uint32_t tf[PL_NFIELDS],
                  uint32_t *out, pl_error *err)
{
    size_t i = 0;
    for (int f = 0; f < PL_NFIELDS; f++) {
        uint64_t cur = 0;
        for (uint32_t k = 0; k < tf[f]; k++) {
            uint64_t v;
            if (pl_varint_get(p, end, &v))
                return pl_error_set(err, PL_ECORRUPT, "positions: truncated");
            if (k && v == 0)
                return pl_error_set(err, PL_ECORRUPT, "positions: do not ascend");
            /* Checked before adding: a gap near 2^64 would wrap cur back
             * below the previous position. */
            if (v >= PL_FIELD_POS_BASE)
                return pl_error_set(err, PL_ECORRUPT, "positions: beyond the field");
            cur = k ? cur + v : v;
            if (cur >= PL_FIELD_POS_BASE)
                return pl_error_set(err, PL_ECORRUPT, "positions: beyond the field");
            out[i++] = (uint32_t)f * PL_FIELD_POS_BASE + (uint32_t)cur;
        }
    }
    return PL_OK;
}

int pl_pos_skip(const uint8_t **p, const uint8_t *end, const uint32_t tf[PL_NFIELDS], pl_error *err)
{
    uint64_t total = (uint64_t)tf[0] + tf[1] + tf[2];
    const uint8_t *q = *p;
    /* Each varint ends on a byte below 0x80: count those. */
    while (total && q < end) {
        if (!(*q++ & 0x80))
            total--;
    }
    if (total)
        return pl_error_set(err, PL_ECORRUPT, "positions: truncated");
    *p = q;
    return PL_OK;
}

int pl_terminfo_encode(pl_buf *out, const pl_terminfo *ti, const char *display, size_t dn)
{
    pl_buf_put_varint(out, ti->df);
    pl_buf_put_varint(out, ti->cf);
    for (int f = 0; f < PL_NFIELDS; f++)
        pl_buf_put_varint(out, ti->max_tf[f]);
    pl_buf_put_varint(out, dn);
    pl_buf_put(out, display, dn);
    return out->oom ? PL_ENOMEM : PL_OK;
}

int pl_terminfo_decode(const uint8_t *p, const uint8_t *end, pl_terminfo *ti, const char **display,
                       size_t *dn, pl_error *err)
{
    memset(ti, 0, sizeof *ti);
    uint32_t n = 0;
    if (get32(&p, end, &ti->df, "term", err) || pl_varint_get(&p, end, &ti->cf))
        return pl_error_set(err, PL_ECORRUPT, "term: truncated");
    for (int f = 0; f < PL_NFIELDS; f++)
        if (get32(&p, end, &ti->max_tf[f], "term", err))
            return PL_ECORRUPT;
    if (get32(&p, end, &n, "term", err))
        return PL_ECORRUPT;
    if ((size_t)(end - p) != n)
        return pl_error_set(err, PL_ECORRUPT, "term: display form length %u does not fit", n);
    if (display)
        *display = (const char *)p;
    if (dn)
        *dn = n;
    return PL_OK;
}

int pl_docmeta_encode(pl_buf *out, const pl_docmeta *m)
{
    pl_buf_put_varint(out, m->year);
    pl_buf_put_varint(out, m->kind);
    pl_buf_put_varint(out, m->flags);
    pl_buf_put_varint(out, m->track);
    pl_buf_put_varint(out, m->source);
    for (int f = 0; f < PL_NFIELDS; f++)
        pl_buf_put_varint(out, m->len[f]);
    pl_buf_put_varint(out, m->start_min);
    pl_buf_put_varint(out, m->day);
    return out->oom ? PL_ENOMEM : PL_OK;
}

int pl_docmeta_decode(const uint8_t *p, const uint8_t *end, pl_docmeta *m, pl_error *err)
{
    memset(m, 0, sizeof *m);
    uint32_t v[5];
    for (int i = 0; i < 5; i++)
        if (get32(&p, end, &v[i], "docmeta", err))
            return PL_ECORRUPT;
    if (v[0] > UINT16_MAX || v[1] > UINT8_MAX || v[2] > UINT8_MAX || v[3] > UINT16_MAX ||
        v[4] > UINT16_MAX)
        return pl_error_set(err, PL_ECORRUPT, "docmeta: value out of range");
    m->year = (uint16_t)v[0];
    m->kind = (uint8_t)v[1];
    m->flags = (uint8_t)v[2];
    m->track = (uint16_t)v[3];
    m->source = (uint16_t)v[4];
    for (int f = 0; f < PL_NFIELDS; f++)
        if (get32(&p, end, &m->len[f], "docmeta", err))
            return PL_ECORRUPT;
    if (get32(&p, end, &m->start_min, "docmeta", err) || get32(&p, end, &m->day, "docmeta", err))
        return PL_ECORRUPT;
    if (p != end)
        return pl_error_set(err, PL_ECORRUPT, "docmeta: trailing bytes");
    return PL_OK;
}

int pl_surface_encode(pl_buf *out, uint32_t df, const char *term, size_t n)
{
    pl_buf_put_varint(out, df);
    pl_buf_put(out, term, n);
    return out->oom ? PL_ENOMEM : PL_OK;
}

int pl_surface_decode(const uint8_t *p, const uint8_t *end, uint32_t *df, const char **term,
                      size_t *n, pl_error *err)
{
    if (get32(&p, end, df, "surface", err))
        return PL_ECORRUPT;
    if (p == end)
        return pl_error_set(err, PL_ECORRUPT, "surface: no term");
    *term = (const char *)p;
    *n = (size_t)(end - p);
    return PL_OK;
}

struct pl_zip {
    z_stream inf; /* inflate of pre-zstd records */
    int inf_ok;
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    pl_buf head; /* pl_doc_decode_head's scratch: the whole record */
};

static voidpf zalloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return pl_calloc(items, size);
}

static void zfree(voidpf opaque, voidpf p)
{
    (void)opaque;
    pl_free(p);
}

static void *zs_alloc(void *opaque, size_t n)
{
    (void)opaque;
    return pl_malloc(n);
}

static void zs_free(void *opaque, void *p)
{
    (void)opaque;
    pl_free(p);
}

static const ZSTD_customMem zs_mem = {zs_alloc, zs_free, NULL};

pl_zip *pl_zip_new(void)
{
    return pl_calloc(1, sizeof(pl_zip));
}

void pl_zip_free(pl_zip *z)
{
    if (!z)
        return;
    if (z->inf_ok)
        inflateEnd(&z->inf);
    ZSTD_freeCCtx(z->cctx);
    ZSTD_freeDCtx(z->dctx);
    pl_buf_free(&z->head);
    pl_free(z);
}

/* zstd level 1 rather than deflate: on kdocs-100k (1.4 KB records) it
 * compresses at about 3x deflate's speed (deflate was 2.4 s of a 9 s
 * build) for a slightly lower ratio (about 2.0x against 2.1x).  The frame
 * carries no content size (the varint before it does) and no checksum. */
int pl_doc_encode(pl_buf *out, const char *rec, size_t n, size_t head_n, pl_zip *z)
{
    size_t start = out->n;
    if (head_n > PL_DOC_HEAD_MAX || head_n >= n)
        head_n = 0;
    if (z && n >= 64 && n <= PL_DOC_MAX) {
        if (!z->cctx) {
            z->cctx = ZSTD_createCCtx_advanced(zs_mem);
            if (!z->cctx ||
                ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, 1)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, 0)) ||
                ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 0))) {
                ZSTD_freeCCtx(z->cctx);
                z->cctx = NULL;
                return PL_ENOMEM;
            }
        }
        /* Only a gain is kept: room for n bytes of output, and a frame
         * that does not fit is stored raw. */
        if (pl_buf_reserve(out, 11 + n) != PL_OK)
            return PL_ENOMEM;
        uint8_t *w = (uint8_t *)out->p + out->n;
        size_t h = 1;
        w[0] = head_n ? PL_DOC_ZSTD_HEAD : PL_DOC_ZSTD;
        if (head_n) {
            h += pl_varint_put(w + h, head_n);
            memcpy(w + h, rec, head_n);
            h += head_n;
        }
        h += pl_varint_put(w + h, n - head_n);
        size_t clen =
            h < n ? ZSTD_compress2(z->cctx, w + h, n - h, rec + head_n, n - head_n) : (size_t)-1;
        if (!ZSTD_isError(clen) && h + clen < n + 1) {
            out->n += h + clen;
            out->p[out->n] = 0;
            return PL_OK;
        }
        out->n = start; /* incompressible (or no memory for zstd): store raw */
    }
    pl_buf_putc(out, PL_DOC_RAW);
    pl_buf_put(out, rec, n);
    return out->oom ? PL_ENOMEM : PL_OK;
}

static int inflate_into(pl_zip *z, const uint8_t *p, const uint8_t *end, char *dst, size_t len,
                        pl_error *err)
{
    if (!z->inf_ok) {
        z->inf.zalloc = zalloc;
        z->inf.zfree = zfree;
        if (inflateInit2(&z->inf, -15) != Z_OK)
            return pl_error_set(err, PL_ENOMEM, "out of memory (inflate)");
        z->inf_ok = 1;
    } else {
        inflateReset(&z->inf);
    }
    z->inf.next_in = (Bytef *)p;
    z->inf.avail_in = (uInt)(end - p);
    z->inf.next_out = (Bytef *)dst;
    z->inf.avail_out = (uInt)len;
    int zr = inflate(&z->inf, Z_FINISH);
    if (zr != Z_STREAM_END || z->inf.avail_out != 0 || z->inf.avail_in != 0)
        return pl_error_set(err, PL_ECORRUPT, "stored document: deflate stream does not decode");
    return PL_OK;
}

/* One-shot decode into dst (exactly len bytes expected).  One-shot mode
 * decodes straight into dst, so a hostile frame header cannot make zstd
 * allocate a large window. */
static int unzstd_into(pl_zip *z, const uint8_t *p, const uint8_t *end, char *dst, size_t len,
                       pl_error *err)
{
    if (!z->dctx && !(z->dctx = ZSTD_createDCtx_advanced(zs_mem)))
        return pl_error_set(err, PL_ENOMEM, "out of memory (zstd)");
    size_t r = ZSTD_decompressDCtx(z->dctx, dst, len, p, (size_t)(end - p));
    if (ZSTD_isError(r) && ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
        return pl_error_set(err, PL_ENOMEM, "out of memory (zstd)");
    if (ZSTD_isError(r) || r != len)
        return pl_error_set(err, PL_ECORRUPT, "stored document: zstd frame does not decode");
    return PL_OK;
}

/* The uncompressed head of a PL_DOC_ZSTD_HEAD record (p after the format
 * byte): *head, *hn, and p moved past it. */
static int doc_head(const uint8_t **p, const uint8_t *end, const uint8_t **head, size_t *hn,
                    pl_error *err)
{
    uint64_t n;
    if (pl_varint_get(p, end, &n) || n == 0 || n > PL_DOC_HEAD_MAX || n > (size_t)(end - *p))
        return pl_error_set(err, PL_ECORRUPT, "stored document: bad head");
    *head = *p;
    *hn = (size_t)n;
    *p += n;
    return PL_OK;
}

/* Decodes the compressed record at p (after the format byte) into dst. */
static int decode_body(pl_zip *z, uint8_t fmt, const uint8_t *p, const uint8_t *end, pl_buf *dst,
                       pl_error *err)
{
    const uint8_t *head = NULL;
    size_t hn = 0;
    if (fmt == PL_DOC_ZSTD_HEAD && doc_head(&p, end, &head, &hn, err))
        return PL_ECORRUPT;
    uint64_t len;
    if (pl_varint_get(&p, end, &len) || len == 0 || len > PL_DOC_MAX - hn)
        return pl_error_set(err, PL_ECORRUPT, "stored document: bad length");
    pl_buf_reset(dst);
    if (pl_buf_reserve(dst, hn + (size_t)len + 1) != PL_OK)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (hn)
        memcpy(dst->p, head, hn);
    int rc = fmt == PL_DOC_DEFLATE ? inflate_into(z, p, end, dst->p + hn, (size_t)len, err)
                                   : unzstd_into(z, p, end, dst->p + hn, (size_t)len, err);
    if (rc)
        return rc;
    dst->n = hn + (size_t)len;
    dst->p[dst->n] = 0;
    return PL_OK;
}

int pl_doc_decode(const uint8_t *p, const uint8_t *end, pl_zip *z, pl_buf *buf, const char **rec,
                  size_t *n, pl_error *err)
{
    *rec = NULL;
    *n = 0;
    if (p >= end)
        return pl_error_set(err, PL_ECORRUPT, "stored document: empty");
    if (*p == PL_DOC_RAW) {
        *rec = (const char *)p + 1;
        *n = (size_t)(end - p - 1);
        return PL_OK;
    }
    if ((*p != PL_DOC_DEFLATE && *p != PL_DOC_ZSTD && *p != PL_DOC_ZSTD_HEAD) || !z || !buf)
        return pl_error_set(err, PL_ECORRUPT, "stored document: unknown format byte %u", *p);
    if (decode_body(z, *p, p + 1, end, buf, err))
        return err->code ? err->code : PL_ECORRUPT;
    *rec = buf->p;
    *n = buf->n;
    return PL_OK;
}

int pl_doc_decode_head(const uint8_t *p, const uint8_t *end, pl_zip *z, char *out, size_t cap,
                       size_t *n, pl_error *err)
{
    *n = 0;
    if (p >= end)
        return pl_error_set(err, PL_ECORRUPT, "stored document: empty");
    if (*p == PL_DOC_RAW) {
        size_t len = (size_t)(end - p - 1);
        *n = len < cap ? len : cap;
        memcpy(out, p + 1, *n);
        return PL_OK;
    }
    if (*p == PL_DOC_ZSTD_HEAD) {
        /* the head is stored as it is: no decompression (the frame after it
         * is checked when the whole record is read) */
        const uint8_t *q = p + 1, *head = NULL;
        size_t hn = 0;
        if (doc_head(&q, end, &head, &hn, err))
            return PL_ECORRUPT;
        *n = hn < cap ? hn : cap;
        memcpy(out, head, *n);
        return PL_OK;
    }
    if (!z)
        return pl_error_set(err, PL_ECORRUPT, "stored document: unknown format byte %u", *p);
    if (*p == PL_DOC_DEFLATE) {
        p++;
        uint64_t len;
        if (pl_varint_get(&p, end, &len) || len == 0 || len > PL_DOC_MAX)
            return pl_error_set(err, PL_ECORRUPT, "stored document: bad length");
        if (!z->inf_ok) {
            z->inf.zalloc = zalloc;
            z->inf.zfree = zfree;
            if (inflateInit2(&z->inf, -15) != Z_OK)
                return pl_error_set(err, PL_ENOMEM, "out of memory (inflate)");
            z->inf_ok = 1;
        } else {
            inflateReset(&z->inf);
        }
        size_t want = len < cap ? (size_t)len : cap;
        z->inf.next_in = (Bytef *)p;
        z->inf.avail_in = (uInt)(end - p);
        z->inf.next_out = (Bytef *)out;
        z->inf.avail_out = (uInt)want;
        /* stops once out is full: the rest of the stream is never inflated */
        int zr = inflate(&z->inf, Z_SYNC_FLUSH);
        if ((zr != Z_OK && zr != Z_STREAM_END) || z->inf.avail_out != 0)
            return pl_error_set(err, PL_ECORRUPT,
                                "stored document: deflate stream does not decode");
        *n = want;
        return PL_OK;
    }
    if (*p != PL_DOC_ZSTD)
        return pl_error_set(err, PL_ECORRUPT, "stored document: unknown format byte %u", *p);
    /* A zstd block decodes as a whole (records are one block, ~1.4 KB:
     * about 2 us), so the head costs a full decode into scratch. */
    if (decode_body(z, *p, p + 1, end, &z->head, err))
        return err->code ? err->code : PL_ECORRUPT;
    *n = z->head.n < cap ? z->head.n : cap;
    memcpy(out, z->head.p, *n);
    if (z->head.cap > ((size_t)1 << 20))
        pl_buf_free(&z->head); /* a rare huge record: do not keep its size */
    return PL_OK;
}
