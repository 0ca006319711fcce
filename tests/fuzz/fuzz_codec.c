/*
 * fuzz_codec.c — every decoder of stored bytes (store/codec.h) on
 * arbitrary bytes; the first input byte picks the decoder.  What a decoder
 * accepts must satisfy the format's rules (docids ascend and end on the
 * key's, tfs under the block max, positions ascend within their field) and
 * survive re-encoding: encode(decode(x)) decodes to the same value.
 * Selector 6 stores a record and reads it back; 7 goes the other way: a chunk and positions built
 * from the input are encoded, then must decode to exactly what was encoded.
 */
#include "fuzz.h"

#include "../../store/codec.h"

#include <string.h>

static pl_chunk c1, c2;
static pl_zip *zip;

static void free_zip(void)
{
    pl_zip_free(zip);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    zip = pl_zip_new();
    FUZZ_CHECK(zip != NULL);
    atexit(free_zip);
    return 0;
}

static void fuzz_chunk(const uint8_t *p, size_t n)
{
    if (n < 4)
        return;
    pl_error err = {0};
    uint32_t last = pl_be32_get(p);
    if (pl_chunk_decode(p + 4, p + n, last, &c1, &err) != PL_OK) {
        FUZZ_CHECK(err.code == PL_ECORRUPT && err.msg[0]);
        return;
    }
    FUZZ_CHECK(c1.n >= 1 && c1.n <= PL_CHUNK_DOCS && c1.docid[c1.n - 1] == last);
    for (uint32_t i = 0; i < c1.n; i++) {
        FUZZ_CHECK(i == 0 || c1.docid[i] > c1.docid[i - 1]);
        FUZZ_CHECK(c1.docid[i] > 0);
        uint32_t sum = 0;
        for (int f = 0; f < PL_NFIELDS; f++) {
            FUZZ_CHECK(c1.tf[i][f] <= c1.max_tf[f]);
            sum |= c1.tf[i][f];
        }
        FUZZ_CHECK(sum != 0);
    }
    for (int f = 0; f < PL_NFIELDS; f++) {
        FUZZ_CHECK((c1.imp.n[f] > 0) == (c1.max_tf[f] > 0) && c1.imp.n[f] <= PL_IMPACTS_MAX);
        for (uint32_t i = 1; i < c1.imp.n[f]; i++)
            FUZZ_CHECK(c1.imp.len[f][i] > c1.imp.len[f][i - 1] &&
                       c1.imp.tf[f][i] > c1.imp.tf[f][i - 1]);
        FUZZ_CHECK(!c1.imp.n[f] || c1.imp.tf[f][c1.imp.n[f] - 1] == c1.max_tf[f]);
    }
    pl_buf b = {0};
    FUZZ_CHECK(pl_chunk_encode_impacts(&b, c1.docid, (const uint32_t(*)[PL_NFIELDS])c1.tf, &c1.imp,
                                       c1.n) == PL_OK);
    FUZZ_CHECK(pl_chunk_decode((const uint8_t *)b.p, (const uint8_t *)b.p + b.n, last, &c2, &err) ==
               PL_OK);
    FUZZ_CHECK(c2.n == c1.n && !memcmp(c2.docid, c1.docid, c1.n * sizeof c1.docid[0]) &&
               !memcmp(c2.tf, c1.tf, c1.n * sizeof c1.tf[0]) &&
               !memcmp(&c2.imp, &c1.imp, sizeof c1.imp));
    pl_buf_free(&b);
}

static void fuzz_pos(const uint8_t *p, size_t n)
{
    if (n < 3)
        return;
    /* tf per field from the first bytes, small so the output array is. */
    uint32_t tf[PL_NFIELDS] = {p[0] % 64u, p[1] % 64u, p[2] % 64u};
    size_t total = tf[0] + tf[1] + tf[2];
    uint32_t out[192], again[192];
    pl_error err = {0};
    const uint8_t *q = p + 3, *end = p + n, *s = p + 3;
    if (pl_pos_decode(&q, end, tf, out, &err) != PL_OK) {
        FUZZ_CHECK(err.code == PL_ECORRUPT);
        /* skip only counts varints: it may accept what decode refuses,
         * never the other way round. */
        return;
    }
    FUZZ_CHECK(q >= p + 3 && q <= end);
    const uint8_t *r = s;
    FUZZ_CHECK(pl_pos_skip(&r, end, tf, &err) == PL_OK && r == q);
    size_t i = 0;
    for (int f = 0; f < PL_NFIELDS; f++)
        for (uint32_t k = 0; k < tf[f]; k++, i++) {
            FUZZ_CHECK(PL_POS_FIELD(out[i]) == (uint32_t)f);
            FUZZ_CHECK(k == 0 || out[i] > out[i - 1]);
        }
    pl_buf b = {0};
    FUZZ_CHECK(pl_pos_encode(&b, tf, out, total) == PL_OK);
    const uint8_t *bp = (const uint8_t *)b.p, *be = bp + b.n;
    if (total)
        FUZZ_CHECK(pl_pos_decode(&bp, be, tf, again, &err) == PL_OK && bp == be);
    FUZZ_CHECK(!memcmp(out, again, total * sizeof out[0]) || total == 0);
    pl_buf_free(&b);
}

static void fuzz_terminfo(const uint8_t *p, size_t n)
{
    pl_terminfo ti, t2;
    const char *d = NULL, *d2 = NULL;
    size_t dn = 0, dn2 = 0;
    pl_error err = {0};
    if (pl_terminfo_decode(p, p + n, &ti, &d, &dn, &err) != PL_OK) {
        FUZZ_CHECK(err.code == PL_ECORRUPT);
        return;
    }
    FUZZ_CHECK(d >= (const char *)p && d + dn == (const char *)p + n);
    pl_buf b = {0};
    FUZZ_CHECK(pl_terminfo_encode(&b, &ti, d, dn) == PL_OK);
    FUZZ_CHECK(pl_terminfo_decode((const uint8_t *)b.p, (const uint8_t *)b.p + b.n, &t2, &d2, &dn2,
                                  &err) == PL_OK);
    FUZZ_CHECK(!memcmp(&ti, &t2, sizeof ti) && dn == dn2 && !memcmp(d, d2, dn));
    pl_buf_free(&b);
}

static void fuzz_docmeta(const uint8_t *p, size_t n)
{
    pl_docmeta m, m2;
    pl_error err = {0};
    if (pl_docmeta_decode(p, p + n, &m, &err) != PL_OK) {
        FUZZ_CHECK(err.code == PL_ECORRUPT);
        return;
    }
    pl_buf b = {0};
    FUZZ_CHECK(pl_docmeta_encode(&b, &m) == PL_OK);
    FUZZ_CHECK(pl_docmeta_decode((const uint8_t *)b.p, (const uint8_t *)b.p + b.n, &m2, &err) ==
               PL_OK);
    FUZZ_CHECK(!memcmp(&m, &m2, sizeof m));
    pl_buf_free(&b);
}

static void fuzz_surface_doc(const uint8_t *p, size_t n)
{
    pl_error err = {0};
    uint32_t df;
    const char *t;
    size_t tn;
    if (pl_surface_decode(p, p + n, &df, &t, &tn, &err) == PL_OK)
        FUZZ_CHECK(tn > 0 && t + tn == (const char *)p + n);
    /* Stored documents: raw or deflated (inflating untrusted bytes). */
    const char *rec;
    size_t rn, hn;
    pl_buf out = {0};
    char head[64];
    if (pl_doc_decode(p, p + n, zip, &out, &rec, &rn, &err) == PL_OK) {
        FUZZ_CHECK(rn <= PL_DOC_MAX);
        if (p[0] == PL_DOC_RAW)
            FUZZ_CHECK(rec == (const char *)p + 1 && rn == n - 1);
        pl_error e2 = {0};
        /* the head of an accepted record is its first bytes (of a record
         * with an uncompressed head, at most that head) */
        if (pl_doc_decode_head(p, p + n, zip, head, sizeof head, &hn, &e2) == PL_OK) {
            size_t want = rn < sizeof head ? rn : sizeof head;
            FUZZ_CHECK(p[0] == PL_DOC_ZSTD_HEAD ? hn >= 1 && hn <= want : hn == want);
            FUZZ_CHECK(!memcmp(head, rec, hn));
        }
    }
    pl_buf_free(&out);
}

static void fuzz_varints(const uint8_t *p, size_t n)
{
    const uint8_t *q = p, *end = p + n;
    uint64_t v;
    while (q < end) {
        const uint8_t *before = q;
        if (pl_varint_get(&q, end, &v) != PL_OK)
            break;
        FUZZ_CHECK(q > before && q <= end && (size_t)(q - before) <= 10);
        uint8_t buf[10];
        size_t len = pl_varint_put(buf, v);
        /* Over-long encodings are refused, so the one accepted is the
         * shortest: re-encoding gives the same bytes. */
        FUZZ_CHECK(len == (size_t)(q - before) && !memcmp(buf, before, len));
        FUZZ_CHECK(len == pl_varint_len(v));
    }
    size_t tn;
    uint32_t docid;
    if (pl_key_postings_split(p, n, &tn, &docid) == PL_OK) {
        FUZZ_CHECK(tn + PL_KEY_SUFFIX == n);
        if (tn <= PL_MAX_TERM_BYTES) {
            uint8_t key[PL_KEY_MAX];
            FUZZ_CHECK(pl_key_postings(key, (const char *)p, tn, docid) == n && !memcmp(key, p, n));
        }
    }
}

/* A record stored and read back (deflated when that is smaller). */
static void fuzz_doc_roundtrip(const uint8_t *p, size_t n)
{
    pl_buf enc = {0}, out = {0};
    pl_error err = {0};
    const char *rec;
    size_t rn;
    /* the uncompressed head's length from the first byte (0: none) */
    size_t head_n = n ? p[0] % 80 : 0;
    FUZZ_CHECK(pl_doc_encode(&enc, (const char *)p, n, head_n, zip) == PL_OK);
    FUZZ_CHECK(pl_doc_decode((const uint8_t *)enc.p, (const uint8_t *)enc.p + enc.n, zip, &out,
                             &rec, &rn, &err) == PL_OK);
    FUZZ_CHECK(rn == n && (n == 0 || !memcmp(rec, p, n)));
    pl_buf_free(&enc);
    pl_buf_free(&out);
}

/* Encoder side: docids and tfs (and positions) derived from the input. */
static void fuzz_encode(const uint8_t *p, size_t n)
{
    uint32_t docid[PL_CHUNK_DOCS], tf[PL_CHUNK_DOCS][PL_NFIELDS];
    size_t k = 0;
    uint32_t d = 0;
    for (size_t i = 0; i + 4 <= n && k < PL_CHUNK_DOCS; i += 4) {
        uint32_t gap = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | 1;
        if (d > UINT32_MAX - gap)
            break;
        d += gap;
        docid[k] = d;
        tf[k][0] = p[i + 2] & 7;
        tf[k][1] = p[i + 2] >> 5;
        tf[k][2] = p[i + 3];
        if (!tf[k][0] && !tf[k][1] && !tf[k][2])
            tf[k][2] = 1;
        k++;
    }
    if (!k)
        return;
    /* Field lengths from the input too, at least the tf (as in an index). */
    uint32_t len[PL_CHUNK_DOCS][PL_NFIELDS];
    for (size_t i = 0; i < k; i++)
        for (int f = 0; f < PL_NFIELDS; f++)
            len[i][f] = tf[i][f] + (uint32_t)p[(4 * i + (size_t)f) % n] * (f + 1);
    pl_buf b = {0};
    pl_error err = {0};
    FUZZ_CHECK(pl_chunk_encode(&b, docid, (const uint32_t(*)[PL_NFIELDS])tf,
                               (const uint32_t(*)[PL_NFIELDS])len, k) == PL_OK);
    FUZZ_CHECK(pl_chunk_decode((const uint8_t *)b.p, (const uint8_t *)b.p + b.n, docid[k - 1], &c1,
                               &err) == PL_OK);
    FUZZ_CHECK(c1.n == k && !memcmp(c1.docid, docid, k * sizeof docid[0]) &&
               !memcmp(c1.tf, tf, k * sizeof tf[0]));
    /* The impacts bound every document: some pair has at least its tf and
     * at most its length, in every field where it occurs. */
    for (size_t i = 0; i < k; i++)
        for (int f = 0; f < PL_NFIELDS; f++) {
            if (!tf[i][f])
                continue;
            uint32_t j = 0;
            while (j < c1.imp.n[f] && c1.imp.tf[f][j] < tf[i][f])
                j++;
            FUZZ_CHECK(j < c1.imp.n[f] && c1.imp.len[f][j] <= len[i][f]);
        }
    /* Positions of the first doc: ascending per field, gaps from input. */
    uint32_t pos[7 + 7 + 255], out[7 + 7 + 255];
    size_t np = 0;
    for (int f = 0; f < PL_NFIELDS; f++) {
        uint32_t cur = (uint32_t)f * PL_FIELD_POS_BASE;
        for (uint32_t j = 0; j < tf[0][f]; j++) {
            cur += (j ? 1u : 0u) + (np < n ? p[np] : 0);
            pos[np++] = cur;
        }
    }
    pl_buf_reset(&b);
    FUZZ_CHECK(pl_pos_encode(&b, tf[0], pos, np) == PL_OK);
    const uint8_t *q = (const uint8_t *)b.p;
    FUZZ_CHECK(pl_pos_decode(&q, q + b.n, tf[0], out, &err) == PL_OK);
    FUZZ_CHECK(q == (const uint8_t *)b.p + b.n && !memcmp(pos, out, np * sizeof pos[0]));
    pl_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 8) {
    case 0: fuzz_chunk(p, n); break;
    case 1: fuzz_pos(p, n); break;
    case 2: fuzz_terminfo(p, n); break;
    case 3: fuzz_docmeta(p, n); break;
    case 4: fuzz_surface_doc(p, n); break;
    case 5: fuzz_varints(p, n); break;
    case 6: fuzz_doc_roundtrip(p, n); break;
    default: fuzz_encode(p, n); break;
    }
    return 0;
}
