/*
 * test_store.c — the index format, writer and reader: codec round trips and
 * malformed bytes, a synthetic index written and read back, seek across
 * chunk borders, tombstones, spills, integrity check, version mismatch,
 * truncated files, a full map, a rebuild under a live snapshot, and the
 * checksum of data.mdb (written, verified, a flipped bit found, none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <zlib.h>

#include "indexer/indexer.h"
#include "store/codec.h"
#include "store/store_internal.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static void make_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pl-test-store-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

static void rm_rf(const char *p)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    assert_int_equal(system(cmd), 0);
}

/* ---- codec ------------------------------------------------------------------ */

static void test_chunk_roundtrip_boundaries(void **state)
{
    (void)state;
    uint32_t docs[] = {1, 2, 1000, UINT32_MAX - 1, UINT32_MAX};
    uint32_t tf[5][PL_NFIELDS] = {{1, 0, 0}, {0, 3, 0}, {0, 0, 200}, {2, 1, 5}, {0, 0, 1}};
    pl_buf b = {0};
    assert_int_equal(pl_chunk_encode(&b, docs, (const uint32_t(*)[PL_NFIELDS])tf, NULL, 5), PL_OK);
    pl_chunk c;
    pl_error err = {0};
    assert_int_equal(pl_chunk_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, UINT32_MAX, &c, &err),
                     PL_OK);
    assert_int_equal(c.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(c.docid[i], docs[i]);
        for (int f = 0; f < PL_NFIELDS; f++)
            assert_int_equal(c.tf[i][f], tf[i][f]);
    }
    assert_int_equal(c.max_tf[0], 2);
    assert_int_equal(c.max_tf[1], 3);
    assert_int_equal(c.max_tf[2], 200);
    /* the key's last docid must match */
    pl_error_clear(&err);
    assert_int_equal(pl_chunk_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, 5, &c, &err),
                     PL_ECORRUPT);
    /* every truncation fails cleanly */
    for (size_t n = 0; n < b.n; n++) {
        pl_error e = {0};
        assert_int_equal(pl_chunk_decode((uint8_t *)b.p, (uint8_t *)b.p + n, UINT32_MAX, &c, &e),
                         PL_ECORRUPT);
        assert_true(e.msg[0] != 0);
    }
    pl_buf_free(&b);
}

static void test_chunk_full_and_malformed(void **state)
{
    (void)state;
    uint32_t docs[PL_CHUNK_DOCS];
    uint32_t tf[PL_CHUNK_DOCS][PL_NFIELDS];
    for (uint32_t i = 0; i < PL_CHUNK_DOCS; i++) {
        docs[i] = 7 + i * 3;
        tf[i][0] = i % 2;
        tf[i][1] = 0;
        tf[i][2] = 1 + i % 5;
    }
    pl_buf b = {0};
    assert_int_equal(
        pl_chunk_encode(&b, docs, (const uint32_t(*)[PL_NFIELDS])tf, NULL, PL_CHUNK_DOCS), PL_OK);
    pl_chunk c;
    pl_error err = {0};
    uint32_t last = docs[PL_CHUNK_DOCS - 1];
    assert_int_equal(pl_chunk_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, last, &c, &err), PL_OK);
    assert_int_equal(c.n, PL_CHUNK_DOCS);
    for (size_t n = 0; n < b.n; n++) {
        pl_error e = {0};
        assert_int_equal(pl_chunk_decode((uint8_t *)b.p, (uint8_t *)b.p + n, last, &c, &e),
                         PL_ECORRUPT);
    }
    /* Hand-made values (codec.c has the layout): one document, docid 5,
     * body tf 1: n, block max 0 0 1, 3 bytes of impacts (one pair 1/1), gap
     * width 0, first docid 5, no gap section, one byte of body tfs. */
    static const struct {
        const char *why;
        uint8_t v[16];
        size_t n;
        uint32_t last;
        const char *msg;
    } bad[] = {
        {"a count above the chunk size",
         {0x81, 0x01, 0, 0, 1, 3, 1, 1, 1, 0, 5, 1},
         12,
         5,
         "129 documents"},
        {"gaps wider than 32 bits", {1, 0, 0, 1, 3, 1, 1, 1, 33, 5, 1}, 11, 5, "33 bits"},
        {"docid 0", {1, 0, 0, 1, 3, 1, 1, 1, 0, 0, 1}, 11, 0, "docid 0"},
        {"a document without any occurrence",
         {1, 0, 0, 1, 3, 1, 1, 1, 0, 5, 0},
         11,
         5,
         "no occurrence"},
        {"a tf above the block max (2 bits for a max of 2)",
         {1, 0, 0, 2, 3, 1, 1, 2, 0, 5, 3},
         11,
         5,
         "above block max"},
        {"a block max no document reaches",
         {1, 0, 0, 2, 3, 1, 1, 2, 0, 5, 1},
         11,
         5,
         "block max 2"},
        {"trailing bytes", {1, 0, 0, 1, 3, 1, 1, 1, 0, 5, 1, 9}, 12, 5, "expected"},
        {"a section cut short", {2, 0, 0, 1, 3, 1, 1, 1, 1, 5, 0}, 11, 6, "expected"},
        {"docids past 2^32 - 1 (first 2^32 - 1, a gap of 1)",
         {2, 0, 0, 1, 3, 1, 1, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 3},
         16,
         0,
         "do not ascend"},
        {"a last docid other than the key's", {1, 0, 0, 1, 3, 1, 1, 1, 0, 5, 1}, 11, 6, "key says"},
    };
    uint8_t good[] = {1, 0, 0, 1, 3, 1, 1, 1, 0, 5, 1};
    assert_int_equal(pl_chunk_decode(good, good + sizeof good, 5, &c, &err), PL_OK);
    assert_true(c.n == 1 && c.docid[0] == 5 && c.tf[0][PL_FIELD_BODY] == 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_error e = {0};
        int rc = pl_chunk_decode(bad[i].v, bad[i].v + bad[i].n, bad[i].last, &c, &e);
        if (rc != PL_ECORRUPT || !strstr(e.msg, bad[i].msg))
            fprintf(stderr, "# %s: rc %d, '%s'\n", bad[i].why, rc, e.msg);
        assert_int_equal(rc, PL_ECORRUPT);
        assert_non_null(strstr(e.msg, bad[i].msg));
    }
    pl_buf_free(&b);
}

/* Every document of a chunk is dominated by one of its impacts: a pair with
 * at least its tf and at most its length in each field where it occurs. */
static void assert_dominated(const pl_impacts *imp, const uint32_t (*tf)[PL_NFIELDS],
                             const uint32_t (*len)[PL_NFIELDS], size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < PL_NFIELDS; f++) {
            if (!tf[i][f])
                continue;
            uint32_t j = 0;
            while (j < imp->n[f] && imp->tf[f][j] < tf[i][f])
                j++;
            assert_true(j < imp->n[f]);
            assert_true(imp->len[f][j] <= len[i][f]);
        }
}

static void test_chunk_impacts(void **state)
{
    (void)state;
    /* body (tf, len): (1,10) (1,5) (3,20) (2,30) (3,25) (5,100); people on
     * two documents; title on none */
    uint32_t docs[] = {3, 4, 9, 10, 11, 40};
    uint32_t tf[6][PL_NFIELDS] = {{0, 0, 1}, {0, 2, 1}, {0, 0, 3}, {0, 0, 2}, {0, 1, 3}, {0, 0, 5}};
    uint32_t len[6][PL_NFIELDS] = {{4, 0, 10}, {2, 3, 5},  {6, 0, 20},
                                   {9, 0, 30}, {1, 2, 25}, {7, 0, 100}};
    pl_impacts imp;
    pl_impacts_compute((const uint32_t(*)[PL_NFIELDS])tf, (const uint32_t(*)[PL_NFIELDS])len, 6,
                       &imp);
    assert_int_equal(imp.n[PL_FIELD_TITLE], 0);
    assert_int_equal(imp.n[PL_FIELD_BODY], 3);
    const uint32_t want_len[] = {5, 20, 100}, want_tf[] = {1, 3, 5};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(imp.len[PL_FIELD_BODY][i], want_len[i]);
        assert_int_equal(imp.tf[PL_FIELD_BODY][i], want_tf[i]);
    }
    /* people: (2,3) and (1,2) are both on the frontier */
    assert_int_equal(imp.n[PL_FIELD_PEOPLE], 2);
    assert_int_equal(imp.len[PL_FIELD_PEOPLE][0], 2);
    assert_int_equal(imp.tf[PL_FIELD_PEOPLE][0], 1);
    assert_int_equal(imp.len[PL_FIELD_PEOPLE][1], 3);
    assert_int_equal(imp.tf[PL_FIELD_PEOPLE][1], 2);
    assert_dominated(&imp, (const uint32_t(*)[PL_NFIELDS])tf, (const uint32_t(*)[PL_NFIELDS])len,
                     6);

    /* encoded with the chunk and decoded back */
    pl_buf b = {0};
    pl_chunk c;
    pl_error err = {0};
    assert_int_equal(pl_chunk_encode(&b, docs, (const uint32_t(*)[PL_NFIELDS])tf,
                                     (const uint32_t(*)[PL_NFIELDS])len, 6),
                     PL_OK);
    assert_int_equal(pl_chunk_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, 40, &c, &err), PL_OK);
    assert_memory_equal(&c.imp, &imp, sizeof imp);
    pl_buf_free(&b);

    /* 40 documents each on the frontier: capped at PL_IMPACTS_MAX pairs
     * that still dominate every document */
    uint32_t tf40[40][PL_NFIELDS], len40[40][PL_NFIELDS];
    for (uint32_t i = 0; i < 40; i++) {
        tf40[i][0] = tf40[i][1] = 0;
        tf40[i][2] = i + 1;
        len40[i][0] = len40[i][1] = 0;
        len40[i][2] = 3 * (i + 1) + (i * i) % 7;
    }
    pl_impacts_compute((const uint32_t(*)[PL_NFIELDS])tf40, (const uint32_t(*)[PL_NFIELDS])len40,
                       40, &imp);
    assert_int_equal(imp.n[PL_FIELD_BODY], PL_IMPACTS_MAX);
    assert_int_equal(imp.tf[PL_FIELD_BODY][PL_IMPACTS_MAX - 1], 40);
    assert_int_equal(imp.len[PL_FIELD_BODY][0], 3);
    assert_dominated(&imp, (const uint32_t(*)[PL_NFIELDS])tf40,
                     (const uint32_t(*)[PL_NFIELDS])len40, 40);
    /* a tf above the table of small tfs takes the other path */
    tf40[5][2] = 5000;
    len40[5][2] = 6000;
    pl_impacts_compute((const uint32_t(*)[PL_NFIELDS])tf40, (const uint32_t(*)[PL_NFIELDS])len40,
                       40, &imp);
    assert_int_equal(imp.tf[PL_FIELD_BODY][imp.n[PL_FIELD_BODY] - 1], 5000);
    assert_dominated(&imp, (const uint32_t(*)[PL_NFIELDS])tf40,
                     (const uint32_t(*)[PL_NFIELDS])len40, 40);

    /* malformed impacts sections (block max 0,0,3) */
    const uint32_t mx[PL_NFIELDS] = {0, 0, 3};
    const uint8_t ok[] = {2, 4, 1, 6, 2};       /* (4,1) (10,3) */
    const uint8_t short_tf[] = {2, 4, 1, 6, 1}; /* last tf 2, not the max */
    const uint8_t zero_gap[] = {2, 4, 1, 0, 2}; /* lengths do not ascend */
    const uint8_t none[] = {0};                 /* no pair */
    const uint8_t many[] = {17};                /* too many pairs */
    const uint8_t tail[] = {1, 4, 3, 9};        /* trailing byte */
    assert_int_equal(pl_impacts_decode(ok, ok + sizeof ok, mx, &imp, &err), PL_OK);
    assert_int_equal(imp.n[2], 2);
    assert_int_equal(imp.len[2][1], 10);
    const uint8_t *bad[] = {short_tf, zero_gap, none, many, tail};
    const size_t badn[] = {sizeof short_tf, sizeof zero_gap, sizeof none, sizeof many, sizeof tail};
    for (size_t i = 0; i < 5; i++) {
        pl_error e = {0};
        assert_int_equal(pl_impacts_decode(bad[i], bad[i] + badn[i], mx, &imp, &e), PL_ECORRUPT);
        assert_true(e.msg[0] != 0);
    }
}

static void test_positions_codec(void **state)
{
    (void)state;
    uint32_t tf[PL_NFIELDS] = {1, 0, 3};
    uint32_t pos[] = {5, 2 * PL_FIELD_POS_BASE + 0, 2 * PL_FIELD_POS_BASE + 9,
                      2 * PL_FIELD_POS_BASE + PL_FIELD_POS_BASE - 1};
    pl_buf b = {0};
    assert_int_equal(pl_pos_encode(&b, tf, pos, 4), PL_OK);
    uint32_t out[4];
    pl_error err = {0};
    const uint8_t *p = (uint8_t *)b.p;
    assert_int_equal(pl_pos_decode(&p, p + b.n, tf, out, &err), PL_OK);
    assert_memory_equal(out, pos, sizeof pos);
    assert_ptr_equal(p, (uint8_t *)b.p + b.n);
    for (size_t n = 0; n < b.n; n++) {
        pl_error e = {0};
        const uint8_t *q = (uint8_t *)b.p;
        assert_int_equal(pl_pos_decode(&q, q + n, tf, out, &e), PL_ECORRUPT);
        q = (uint8_t *)b.p;
        assert_int_equal(pl_pos_skip(&q, q + n, tf, &e), PL_ECORRUPT);
    }
    /* empty positions: nothing written, nothing read */
    uint32_t zero[PL_NFIELDS] = {0, 0, 0};
    pl_buf_reset(&b);
    assert_int_equal(pl_pos_encode(&b, zero, NULL, 0), PL_OK);
    assert_int_equal(b.n, 0);
    /* positions that do not ascend, or a count that does not match tf */
    uint32_t desc[] = {2 * PL_FIELD_POS_BASE + 4, 2 * PL_FIELD_POS_BASE + 4};
    uint32_t tf2[PL_NFIELDS] = {0, 0, 2};
    assert_int_equal(pl_pos_encode(&b, tf2, desc, 2), PL_EUSAGE);
    assert_int_equal(pl_pos_encode(&b, tf2, desc, 1), PL_EUSAGE);
    /* a zero gap on disk is corrupt */
    uint8_t badgap[] = {4, 0};
    p = badgap;
    assert_int_equal(pl_pos_decode(&p, badgap + 2, tf2, out, &err), PL_ECORRUPT);
    pl_buf_free(&b);
}

/* One-byte lengths: exact below 128, a floor within 1/16 above, codes
 * ascending with the length (so a bound from them is never below a score),
 * and every length of docmeta coded in the snapshot's array. */
static void test_len_codes(void **state)
{
    (void)state;
    uint8_t prev = 0;
    for (uint32_t n = 0; n < 200000; n++) {
        uint8_t c = pl_len_code(n);
        uint32_t fl = pl_len_floor(c);
        assert_true(c >= prev);
        prev = c;
        assert_true(fl <= n);
        assert_int_equal(pl_len_code(fl), c); /* the floor is the code's own */
        if (n < 128)
            assert_int_equal(fl, n);
        else if (n < 32768)
            assert_true((double)(n - fl) < n / 16.0);
    }
    assert_int_equal(pl_len_code(UINT32_MAX), 255);
    assert_true(pl_len_floor(255) <= 32768);
    assert_true(pl_len_floor(254) < pl_len_floor(255));
}

static void test_small_codecs(void **state)
{
    (void)state;
    pl_buf b = {0};
    pl_error err = {0};
    pl_terminfo ti = {.df = 3, .cf = 1ull << 40, .max_tf = {1, 0, 77}}, t2;
    assert_int_equal(pl_terminfo_encode(&b, &ti, "sched_ext", 9), PL_OK);
    const char *d;
    size_t dn;
    assert_int_equal(pl_terminfo_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, &t2, &d, &dn, &err),
                     PL_OK);
    assert_int_equal(t2.df, 3);
    assert_true(t2.cf == 1ull << 40);
    assert_int_equal(t2.max_tf[2], 77);
    assert_int_equal(dn, 9);
    assert_memory_equal(d, "sched_ext", 9);
    for (size_t n = 0; n < b.n; n++)
        assert_int_equal(pl_terminfo_decode((uint8_t *)b.p, (uint8_t *)b.p + n, &t2, &d, &dn, &err),
                         PL_ECORRUPT);

    pl_docmeta m = {.year = 2024,
                    .kind = 2,
                    .flags = PL_DOC_TITLE_INFERRED,
                    .track = 65535,
                    .source = 3,
                    .len = {4, 0, 100000},
                    .start_min = 601,
                    .day = 20240918},
               m2;
    pl_buf_reset(&b);
    assert_int_equal(pl_docmeta_encode(&b, &m), PL_OK);
    assert_int_equal(pl_docmeta_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, &m2, &err), PL_OK);
    assert_memory_equal(&m, &m2, sizeof m);
    for (size_t n = 0; n < b.n; n++)
        assert_int_equal(pl_docmeta_decode((uint8_t *)b.p, (uint8_t *)b.p + n, &m2, &err),
                         PL_ECORRUPT);
    uint8_t bigyear[] = {0x80, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(pl_docmeta_decode(bigyear, bigyear + sizeof bigyear, &m2, &err), PL_ECORRUPT);

    uint32_t df;
    const char *t;
    size_t tn;
    pl_buf_reset(&b);
    assert_int_equal(pl_surface_encode(&b, 12, "schedul", 7), PL_OK);
    assert_int_equal(pl_surface_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, &df, &t, &tn, &err),
                     PL_OK);
    assert_int_equal(df, 12);
    assert_int_equal(tn, 7);
    assert_int_equal(pl_surface_decode((uint8_t *)b.p, (uint8_t *)b.p + 1, &df, &t, &tn, &err),
                     PL_ECORRUPT);

    const char *r;
    size_t rn;
    pl_zip *z = pl_zip_new();
    pl_buf out = {0};
    pl_buf_reset(&b);
    assert_int_equal(pl_doc_encode(&b, "{}", 2, 0, z), PL_OK);
    assert_int_equal(b.p[0], PL_DOC_RAW); /* too short to deflate */
    assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, &out, &r, &rn, &err),
                     PL_OK);
    assert_int_equal(rn, 2);
    assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p, z, &out, &r, &rn, &err),
                     PL_ECORRUPT);
    uint8_t badfmt[] = {9, '{', '}'};
    assert_int_equal(pl_doc_decode(badfmt, badfmt + 3, z, &out, &r, &rn, &err), PL_ECORRUPT);
    /* a compressible record is deflated, and every truncation fails */
    char text[2000];
    for (size_t i = 0; i < sizeof text - 1; i++)
        text[i] = "the scheduler runs tasks "[i % 25];
    text[sizeof text - 1] = 0;
    pl_buf_reset(&b);
    assert_int_equal(pl_doc_encode(&b, text, sizeof text - 1, 0, z), PL_OK);
    assert_int_equal(b.p[0], PL_DOC_ZSTD);
    assert_true(b.n < 200);
    assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, &out, &r, &rn, &err),
                     PL_OK);
    assert_int_equal(rn, sizeof text - 1);
    assert_memory_equal(r, text, rn);
    for (size_t k = 0; k < b.n; k++) {
        pl_error e = {0};
        assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + k, z, &out, &r, &rn, &e),
                         PL_ECORRUPT);
    }
    /* a flipped byte in the stream or the length never decodes silently */
    b.p[1] ^= 0x01;
    assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, &out, &r, &rn, &err),
                     PL_ECORRUPT);
    b.p[1] ^= 0x01;
    /* the head of a zstd record: only cap bytes, the same as the record's */
    char head[16];
    size_t hn;
    assert_int_equal(
        pl_doc_decode_head((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, head, sizeof head, &hn, &err),
        PL_OK);
    assert_int_equal(hn, sizeof head);
    assert_memory_equal(head, text, sizeof head);
    /* with an uncompressed head: the head is read without decompressing
     * (no more than the head, however large cap is), the whole record is
     * the head and the rest, and a damaged head length is refused */
    pl_buf_reset(&b);
    assert_int_equal(pl_doc_encode(&b, text, sizeof text - 1, 30, z), PL_OK);
    assert_int_equal(b.p[0], PL_DOC_ZSTD_HEAD);
    assert_int_equal(b.p[1], 30);
    assert_memory_equal(b.p + 2, text, 30);
    assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, &out, &r, &rn, &err),
                     PL_OK);
    assert_int_equal(rn, sizeof text - 1);
    assert_memory_equal(r, text, rn);
    char big[64];
    assert_int_equal(
        pl_doc_decode_head((uint8_t *)b.p, (uint8_t *)b.p + b.n, NULL, big, sizeof big, &hn, &err),
        PL_OK);
    assert_int_equal(hn, 30);
    assert_memory_equal(big, text, 30);
    assert_int_equal(
        pl_doc_decode_head((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, head, sizeof head, &hn, &err),
        PL_OK);
    assert_int_equal(hn, sizeof head);
    for (size_t k = 0; k < b.n; k++) {
        pl_error e = {0};
        assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + k, z, &out, &r, &rn, &e),
                         PL_ECORRUPT);
    }
    b.p[1] = 0; /* a head of no bytes */
    pl_error_clear(&err);
    assert_int_equal(pl_doc_decode((uint8_t *)b.p, (uint8_t *)b.p + b.n, z, &out, &r, &rn, &err),
                     PL_ECORRUPT);
    b.p[1] = (char)200; /* a head longer than the value */
    assert_int_equal(
        pl_doc_decode_head((uint8_t *)b.p, (uint8_t *)b.p + 40, z, head, sizeof head, &hn, &err),
        PL_ECORRUPT);
    /* a head as long as the record, or above the maximum: no head kept */
    pl_buf_reset(&b);
    assert_int_equal(pl_doc_encode(&b, text, sizeof text - 1, sizeof text - 1, z), PL_OK);
    assert_int_equal(b.p[0], PL_DOC_ZSTD);
    pl_buf_reset(&b);
    assert_int_equal(pl_doc_encode(&b, text, sizeof text - 1, PL_DOC_HEAD_MAX + 1, z), PL_OK);
    assert_int_equal(b.p[0], PL_DOC_ZSTD);
    /* records deflated by older builds (format byte 1) still decode */
    {
        z_stream zs = {0};
        uint8_t old[256] = {PL_DOC_DEFLATE, 0xcf, 0x0f}; /* varint 1999 */
        assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
        zs.next_in = (Bytef *)text;
        zs.avail_in = sizeof text - 1;
        zs.next_out = old + 3;
        zs.avail_out = sizeof old - 3;
        assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
        size_t on = sizeof old - zs.avail_out;
        deflateEnd(&zs);
        assert_int_equal(pl_doc_decode(old, old + on, z, &out, &r, &rn, &err), PL_OK);
        assert_int_equal(rn, sizeof text - 1);
        assert_memory_equal(r, text, rn);
        assert_int_equal(pl_doc_decode_head(old, old + on, z, head, sizeof head, &hn, &err), PL_OK);
        assert_memory_equal(head, text, sizeof head);
    }
    pl_buf_free(&out);
    pl_zip_free(z);
    pl_buf_free(&b);
}

/* ---- synthetic index ------------------------------------------------------------ */

static pl_record rec(const char *id, int year, const char *title, const char *body)
{
    pl_record r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.year = year;
    r.kind = PL_KIND_TALK;
    r.title = title;
    r.body = body;
    r.track = "";
    r.url = "";
    r.source_file = "";
    return r;
}

/* 300 documents: "common" in all, "odd" in odd docids, plus two special. */
static void build(const char *dir, pl_index_mode mode, size_t budget, size_t n, int with_special)
{
    pl_indexer *ix;
    pl_error err = {0};
    pl_indexer_opts o = {.mem_budget = budget};
    assert_int_equal(pl_indexer_new(&ix, dir, mode, &o, &err), PL_OK);
    char id[32], body[64];
    for (size_t i = 1; i <= n; i++) {
        snprintf(id, sizeof id, "doc-%zu", i);
        snprintf(body, sizeof body, "common%s", i % 2 ? " odd" : "");
        pl_record r = rec(id, 2000 + (int)(i % 3), "zebra", body);
        assert_int_equal(pl_indexer_add_record(ix, &r, NULL, &err), PL_OK);
    }
    if (with_special) {
        pl_record r = rec("special", 2019, "Rust kernel", "rust the bpf rust");
        r.people[0] = "Ada Lovelace";
        r.n_people = 1;
        r.track = "Rust MC";
        assert_int_equal(pl_indexer_add_record(ix, &r, NULL, &err), PL_OK);
    }
    assert_int_equal(pl_indexer_commit(ix, &err), PL_OK);
    pl_indexer_free(ix);
}

static void open_snap(const char *dir, pl_store **s, pl_snap **sn)
{
    pl_error err = {0};
    assert_int_equal(pl_store_open(s, dir, PL_STORE_READONLY, &err), PL_OK);
    assert_int_equal(pl_snap_begin(*s, sn, &err), PL_OK);
}

static int collect_term(void *ctx, const char *t, size_t n, const pl_terminfo *ti)
{
    struct {
        char seen[8][32];
        int n;
    } *pf = ctx;
    assert_true(ti->df > 0);
    assert_int_equal(strlen(t), n);
    snprintf(pf->seen[pf->n], sizeof pf->seen[0], "%s", t);
    return ++pf->n == 8 ? 1 : 0;
}

static int collect_surface(void *ctx, const char *s, size_t n, const char *term, size_t tn,
                           uint32_t df)
{
    struct {
        char seen[8][32];
        int n;
    } *pf = ctx;
    assert_int_equal(strlen(s), n);
    assert_int_equal(df, 1);
    assert_true(tn == 7 && !memcmp(term, "lovelac", 7));
    snprintf(pf->seen[pf->n], sizeof pf->seen[0], "%s", s);
    return ++pf->n == 8 ? 1 : 0;
}

static void test_roundtrip(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 300, 1);
    pl_store *s;
    pl_snap *sn;
    pl_error err = {0};
    open_snap(tmpdir, &s, &sn);
    assert_int_equal(pl_snap_doc_count(sn), 301);
    assert_int_equal(pl_snap_max_docid(sn), 301);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    const uint8_t *lq = pl_snap_len_codes(sn);
    for (uint32_t d = 1; d <= 301; d++)
        for (int f = 0; f < PL_NFIELDS; f++)
            assert_int_equal(lq[d * PL_NFIELDS + f], pl_len_code(pl_snap_docmeta(sn, d)->len[f]));
    pl_terminfo ti;
    assert_int_equal(pl_snap_term(sn, "common", 6, &ti, &err), PL_OK);
    assert_int_equal(ti.df, 300);
    assert_int_equal(ti.cf, 300);
    assert_int_equal(pl_snap_term(sn, "odd", 3, &ti, &err), PL_OK);
    assert_int_equal(ti.df, 150);
    assert_int_equal(pl_snap_term(sn, "nosuchterm", 10, &ti, &err), PL_ENOTFOUND);
    assert_int_equal(err.code, PL_OK);
    /* "the" is a stopword: not indexed */
    assert_int_equal(pl_snap_term(sn, "the", 3, &ti, &err), PL_ENOTFOUND);

    /* the special doc: title "Rust kernel", people "Ada Lovelace",
     * body "rust the bpf rust" (positions 0..3, "the" at 1 not indexed) */
    uint32_t d;
    assert_int_equal(pl_snap_docid(sn, "special", 7, &d, &err), PL_OK);
    assert_int_equal(d, 301);
    const pl_docmeta *m = pl_snap_docmeta(sn, d);
    assert_int_equal(m->year, 2019);
    assert_int_equal(m->kind, PL_KIND_TALK);
    assert_int_equal(m->len[PL_FIELD_TITLE], 2);
    assert_int_equal(m->len[PL_FIELD_PEOPLE], 2);
    assert_int_equal(m->len[PL_FIELD_BODY], 3);
    assert_string_equal(pl_snap_track_name(sn, m->track), "Rust MC");
    assert_int_equal(pl_snap_track_count(sn), 1);
    pl_postings *it;
    assert_int_equal(pl_postings_open(sn, "rust", 4, PL_POSTINGS_POSITIONS, &it, &err), PL_OK);
    assert_int_equal(pl_postings_info(it)->df, 1);
    assert_int_equal(pl_postings_docid(it), 0);
    assert_int_equal(pl_postings_next(it), 1);
    assert_int_equal(pl_postings_docid(it), 301);
    uint32_t tf[PL_NFIELDS];
    pl_postings_tf(it, tf);
    assert_int_equal(tf[0], 1);
    assert_int_equal(tf[1], 0);
    assert_int_equal(tf[2], 2);
    const uint32_t *pos;
    size_t np;
    assert_int_equal(pl_postings_positions(it, &pos, &np), PL_OK);
    assert_int_equal(np, 3);
    assert_int_equal(pos[0], 0);
    assert_int_equal(pos[1], 2 * PL_FIELD_POS_BASE + 0);
    assert_int_equal(pos[2], 2 * PL_FIELD_POS_BASE + 3);
    assert_int_equal(pl_postings_next(it), 0);
    pl_postings_free(it);
    assert_int_equal(pl_postings_open(sn, "bpf", 3, PL_POSTINGS_POSITIONS, &it, &err), PL_OK);
    assert_int_equal(pl_postings_next(it), 1);
    assert_int_equal(pl_postings_positions(it, &pos, &np), PL_OK);
    assert_int_equal(np, 1);
    assert_int_equal(pos[0], 2 * PL_FIELD_POS_BASE + 2);
    pl_postings_free(it);
    /* stored record */
    const char *p;
    size_t n;
    assert_int_equal(pl_snap_doc(sn, d, &p, &n, &err), PL_OK);
    pl_record_owned *ro;
    assert_int_equal(pl_record_from_json(p, n, &ro, &err), PL_OK);
    assert_string_equal(ro->rec.id, "special");
    assert_string_equal(ro->rec.body, "rust the bpf rust");
    pl_record_owned_free(ro);
    /* prefixes and display forms */
    struct pfx {
        char seen[8][32];
        int n;
    } pf = {0};
    assert_int_equal(pl_snap_terms_prefix(sn, "ru", 2, collect_term, &pf, &err), PL_OK);
    assert_int_equal(pf.n, 1);
    assert_string_equal(pf.seen[0], "rust");
    memset(&pf, 0, sizeof pf);
    assert_int_equal(pl_snap_terms_prefix(sn, "", 0, collect_term, &pf, &err), PL_OK);
    assert_int_equal(pf.n, 8);              /* ada bpf common kernel lovelac odd rust zebra */
    assert_string_equal(pf.seen[0], "ada"); /* byte order */
    memset(&pf, 0, sizeof pf);
    assert_int_equal(pl_snap_surfaces_prefix(sn, "lov", 3, collect_surface, &pf, &err), PL_OK);
    assert_int_equal(pf.n, 1);
    assert_string_equal(pf.seen[0], "lovelace"); /* and its term, checked in the callback */
    char disp[32];
    assert_int_equal(pl_snap_term_display(sn, "lovelac", 7, disp, sizeof disp, &err), PL_OK);
    assert_string_equal(disp, "lovelace");
    assert_int_equal(pl_snap_term_display(sn, "absent", 6, disp, sizeof disp, &err), PL_OK);
    assert_string_equal(disp, "absent");
    /* meta */
    assert_string_equal(pl_snap_meta(sn, "format_version"), "3");
    assert_non_null(pl_snap_meta(sn, "built_at"));
    /* avg length of the body: 300 docs of 1 or 2 words + 3 */
    double want = (150 * 1 + 150 * 2 + 3) / 301.0;
    assert_true(pl_snap_avg_len(sn, PL_FIELD_BODY) > want - 1e-9 &&
                pl_snap_avg_len(sn, PL_FIELD_BODY) < want + 1e-9);
    pl_snap_end(sn);
    pl_store_close(s);
    rm_rf(tmpdir);
}

static void test_seek(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 300, 0);
    pl_store *s;
    pl_snap *sn;
    pl_error err = {0};
    open_snap(tmpdir, &s, &sn);
    pl_postings *it;
    assert_int_equal(pl_postings_open(sn, "common", 6, 0, &it, &err), PL_OK);
    /* chunks end at 128, 256, 300 */
    assert_int_equal(pl_postings_seek(it, 128), 1);
    assert_int_equal(pl_postings_docid(it), 128);
    uint32_t mx[PL_NFIELDS], last;
    pl_postings_block_max(it, mx, &last);
    assert_int_equal(last, 128);
    assert_int_equal(mx[2], 1);
    assert_int_equal(pl_postings_next(it), 1);
    assert_int_equal(pl_postings_docid(it), 129);
    pl_postings_block_max(it, mx, &last);
    assert_int_equal(last, 256);
    /* never backwards */
    assert_int_equal(pl_postings_seek(it, 5), 1);
    assert_int_equal(pl_postings_docid(it), 129);
    assert_int_equal(pl_postings_seek(it, 257), 1);
    assert_int_equal(pl_postings_docid(it), 257);
    pl_postings_block_max(it, mx, &last);
    assert_int_equal(last, 300);
    assert_int_equal(pl_postings_seek(it, 301), 0);
    assert_int_equal(pl_postings_next(it), 0);
    pl_postings_free(it);
    /* odd docids: seek to an even lands on the next odd */
    assert_int_equal(pl_postings_open(sn, "odd", 3, 0, &it, &err), PL_OK);
    assert_int_equal(pl_postings_seek(it, 256), 1);
    assert_int_equal(pl_postings_docid(it), 257);
    size_t count = 1;
    while (pl_postings_next(it) > 0)
        count++;
    assert_int_equal(count, 22); /* 257, 259, ..., 299 */
    pl_postings_free(it);
    assert_int_equal(pl_postings_open(sn, "absent", 6, 0, &it, &err), PL_ENOTFOUND);
    pl_snap_end(sn);
    pl_store_close(s);
    rm_rf(tmpdir);
}

static void test_spill_same_index(void **state)
{
    (void)state;
    char a[300], b[300];
    make_tmp();
    snprintf(a, sizeof a, "%s/a", tmpdir);
    snprintf(b, sizeof b, "%s/b", tmpdir);
    build(a, PL_INDEX_REBUILD, 0, 300, 1);
    build(b, PL_INDEX_REBUILD, 2048, 300, 1); /* spills every few docs */
    pl_store *s1, *s2;
    pl_snap *n1, *n2;
    open_snap(a, &s1, &n1);
    open_snap(b, &s2, &n2);
    pl_error err = {0};
    assert_int_equal(pl_snap_check(n2, &err), PL_OK);
    const char *terms[] = {"common", "odd", "zebra", "rust", "bpf"};
    for (size_t k = 0; k < 5; k++) {
        pl_postings *i1, *i2;
        assert_int_equal(pl_postings_open(n1, terms[k], strlen(terms[k]), 0, &i1, &err), PL_OK);
        assert_int_equal(pl_postings_open(n2, terms[k], strlen(terms[k]), 0, &i2, &err), PL_OK);
        int r1, r2;
        do {
            r1 = pl_postings_next(i1);
            r2 = pl_postings_next(i2);
            assert_int_equal(r1, r2);
            assert_int_equal(pl_postings_docid(i1), pl_postings_docid(i2));
        } while (r1 > 0);
        pl_postings_free(i1);
        pl_postings_free(i2);
    }
    pl_snap_end(n1);
    pl_snap_end(n2);
    pl_store_close(s1);
    pl_store_close(s2);
    rm_rf(tmpdir);
}

static void test_add_replace_and_remove(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 10, 1);
    pl_store *s;
    pl_snap *sn, *old;
    pl_error err = {0};
    open_snap(tmpdir, &s, &old);
    uint64_t g0 = pl_snap_generation(old);
    /* add: a new version of "special" and one new doc */
    pl_indexer *ix;
    assert_int_equal(pl_indexer_new(&ix, tmpdir, PL_INDEX_ADD, NULL, &err), PL_OK);
    pl_record r = rec("special", 2020, "Rust again", "cxl");
    int replaced;
    assert_int_equal(pl_indexer_add_record(ix, &r, &replaced, &err), PL_OK);
    assert_int_equal(replaced, 1);
    r = rec("new", 2021, "fresh", "cxl memory");
    assert_int_equal(pl_indexer_add_record(ix, &r, &replaced, &err), PL_OK);
    assert_int_equal(replaced, 0);
    assert_int_equal(pl_indexer_commit(ix, &err), PL_OK);
    pl_indexer_free(ix);
    /* the old snapshot still sees the old state */
    assert_int_equal(pl_snap_doc_count(old), 11);
    uint32_t d;
    assert_int_equal(pl_snap_docid(old, "special", 7, &d, &err), PL_OK);
    assert_int_equal(d, 11);
    assert_int_equal(pl_snap_begin(s, &sn, &err), PL_OK);
    assert_true(pl_snap_generation(sn) != g0);
    assert_int_equal(pl_snap_doc_count(sn), 12);
    assert_int_equal(pl_snap_max_docid(sn), 13);
    assert_int_equal(pl_snap_docid(sn, "special", 7, &d, &err), PL_OK);
    assert_int_equal(d, 12);
    assert_true(pl_snap_docmeta(sn, 11)->flags & PL_DOC_DELETED);
    const char *p;
    size_t n;
    assert_int_equal(pl_snap_doc(sn, 11, &p, &n, &err), PL_ENOTFOUND);
    /* the postings keep the deleted docid; df counts it until a rebuild */
    pl_terminfo ti;
    assert_int_equal(pl_snap_term(sn, "rust", 4, &ti, &err), PL_OK);
    assert_int_equal(ti.df, 2);
    assert_int_equal(pl_snap_term(sn, "cxl", 3, &ti, &err), PL_OK);
    assert_int_equal(ti.df, 2);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    pl_snap_end(sn);
    pl_snap_end(old);
    pl_store_close(s);
    rm_rf(tmpdir);
}

static void test_rebuild_under_snapshot(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 20, 0);
    pl_store *s;
    pl_snap *old, *sn;
    pl_error err = {0};
    open_snap(tmpdir, &s, &old);
    build(tmpdir, PL_INDEX_REBUILD, 0, 40, 1);
    build(tmpdir, PL_INDEX_REBUILD, 0, 30, 0); /* deletes generation 1 */
    /* generation 1's files are gone from the directory, its snapshot reads on */
    char p[400];
    snprintf(p, sizeof p, "%s/gen-000001", tmpdir);
    struct stat st;
    assert_int_not_equal(stat(p, &st), 0);
    snprintf(p, sizeof p, "%s/gen-000002", tmpdir);
    assert_int_equal(stat(p, &st), 0); /* the previous one is kept */
    assert_int_equal(pl_snap_doc_count(old), 20);
    assert_int_equal(pl_snap_check(old, &err), PL_OK);
    assert_int_equal(pl_snap_begin(s, &sn, &err), PL_OK);
    assert_int_equal(pl_snap_doc_count(sn), 30);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    pl_snap_end(old);
    pl_snap_end(sn);
    pl_store_close(s);
    rm_rf(tmpdir);
}

static void test_open_errors(void **state)
{
    (void)state;
    make_tmp();
    pl_store *s;
    pl_error err = {0};
    char p[400];
    snprintf(p, sizeof p, "%s/none", tmpdir);
    assert_int_equal(pl_store_open(&s, p, 0, &err), PL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no index at"));
    assert_non_null(strstr(err.msg, "plumbline index"));
    build(tmpdir, PL_INDEX_REBUILD, 0, 5, 0);
    /* another format version: patch meta */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    snprintf(p, sizeof p, "%s/current", tmpdir);
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    assert_int_equal(mdb_env_open(env, p, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    MDB_val k = {14, "format_version"}, v = {3, "999"};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    /* as if its writer had written it so (else: a checksum mismatch) */
    assert_int_equal(pl_checksum_write(p, &err), PL_OK);
    pl_error_clear(&err);
    assert_int_equal(pl_store_open(&s, tmpdir, 0, &err), PL_EVERSION);
    assert_non_null(strstr(err.msg, "999"));
    assert_non_null(strstr(err.msg, "version 3"));
    assert_non_null(strstr(err.msg, "rebuild"));
    /* the writer of an --add refuses it too */
    pl_indexer *ix;
    pl_error_clear(&err);
    assert_int_equal(pl_indexer_new(&ix, tmpdir, PL_INDEX_ADD, NULL, &err), PL_EVERSION);
    /* a rebuild fixes it */
    build(tmpdir, PL_INDEX_REBUILD, 0, 5, 0);
    pl_error_clear(&err);
    assert_int_equal(pl_store_open(&s, tmpdir, 0, &err), PL_OK);
    pl_store_close(s);
    /* a truncated data file: a clear error naming it, no crash */
    char cur[64];
    ssize_t ln = readlink(p, cur, sizeof cur - 1);
    assert_true(ln > 0);
    cur[ln] = 0;
    snprintf(p, sizeof p, "%s/%s/data.mdb", tmpdir, cur);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(truncate(p, st.st_size / 2), 0);
    pl_error_clear(&err);
    assert_int_equal(pl_store_open(&s, tmpdir, 0, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, "data.mdb"));
    /* garbage instead of an LMDB file */
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    for (int i = 0; i < 20000; i++)
        fputc(i * 7, f);
    fclose(f);
    pl_error_clear(&err);
    assert_int_equal(pl_store_open(&s, tmpdir, 0, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, "data.mdb"));
    rm_rf(tmpdir);
}

static void test_map_full_keeps_old(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 5, 0);
    setenv("PLUMBLINE_MAX_MAPSIZE", "131072", 1);
    pl_indexer *ix;
    pl_error err = {0};
    assert_int_equal(pl_indexer_new(&ix, tmpdir, PL_INDEX_REBUILD, NULL, &err), PL_OK);
    char id[32], body[4096];
    int rc = PL_OK;
    uint32_t seed = 12345;
    for (int i = 0; i < 200 && rc == PL_OK; i++) {
        snprintf(id, sizeof id, "big-%d", i);
        /* random letters: neither deflate nor the term table shrink them */
        for (size_t k = 0; k < sizeof body - 1; k++) {
            seed = seed * 1103515245u + 12345u;
            body[k] = k % 7 == 6 ? ' ' : (char)('a' + (seed >> 16) % 26);
        }
        body[sizeof body - 1] = 0;
        pl_record r = rec(id, 2020, "big", body);
        rc = pl_indexer_add_record(ix, &r, NULL, &err);
    }
    if (rc == PL_OK)
        rc = pl_indexer_commit(ix, &err);
    assert_int_equal(rc, PL_EFULL);
    assert_non_null(strstr(err.msg, "full"));
    pl_indexer_free(ix);
    unsetenv("PLUMBLINE_MAX_MAPSIZE");
    char p[400];
    struct stat st;
    snprintf(p, sizeof p, "%s/gen-000002", tmpdir);
    assert_int_not_equal(stat(p, &st), 0); /* removed */
    pl_store *s;
    pl_snap *sn;
    open_snap(tmpdir, &s, &sn);
    assert_int_equal(pl_snap_doc_count(sn), 5);
    pl_error_clear(&err);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    pl_snap_end(sn);
    pl_store_close(s);
    rm_rf(tmpdir);
}

static void test_dump(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 3, 1);
    pl_store *s;
    pl_snap *sn;
    pl_error err = {0};
    open_snap(tmpdir, &s, &sn);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pl_snap_dump(sn, "postings:rust", f, &err), PL_OK);
    assert_int_equal(pl_snap_dump(sn, "doc:special", f, &err), PL_OK);
    assert_int_equal(pl_snap_dump(sn, "meta", f, &err), PL_OK);
    fclose(f);
    assert_non_null(strstr(buf, "doc 4 tf=1,0,2 pos=0:0,2:0,2:3"));
    assert_non_null(strstr(buf, "\"id\":\"special\""));
    assert_non_null(strstr(buf, "format_version=3"));
    free(buf);
    f = fopen("/dev/null", "w");
    assert_int_equal(pl_snap_dump(sn, "bogus", f, &err), PL_EUSAGE);
    fclose(f);
    pl_snap_end(sn);
    pl_store_close(s);
    rm_rf(tmpdir);
}

/* ---- the checksum of data.mdb ------------------------------------------------- */

static void live_data(char *out, size_t cap)
{
    char link[400], name[64];
    snprintf(link, sizeof link, "%s/current", tmpdir);
    ssize_t n = readlink(link, name, sizeof name - 1);
    assert_true(n > 0);
    name[n] = 0;
    snprintf(out, cap, "%s/%s/data.mdb", tmpdir, name);
}

/* XORs one byte of a file at off with x. */
static void flip(const char *path, long off, int x)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    int c = fgetc(f);
    assert_true(c != EOF);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputc(c ^ x, f);
    assert_int_equal(fclose(f), 0);
}

static void test_checksum(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 50, 1);
    char data[600], sum[640], gen[600];
    live_data(data, sizeof data);
    snprintf(sum, sizeof sum, "%s.xxh3", data);
    snprintf(gen, sizeof gen, "%.*s", (int)(strlen(data) - strlen("/data.mdb")), data);
    /* written by the writer: "xxh3-64 <16 hex> <size>\n", the size the file's */
    struct stat st;
    assert_int_equal(stat(data, &st), 0);
    FILE *f = fopen(sum, "r");
    assert_non_null(f);
    char line[128] = "", hex[32];
    unsigned long long size = 0;
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_int_equal(sscanf(line, "xxh3-64 %16[0-9a-f] %llu", hex, &size), 2);
    assert_int_equal(strlen(hex), 16);
    assert_int_equal(size, (unsigned long long)st.st_size);
    pl_error err = {0};
    int present = -1;
    assert_int_equal(pl_checksum_verify(gen, &present, &err), PL_OK);
    assert_int_equal(present, 1);
    pl_store *s;
    pl_snap *sn, *sn2;
    open_snap(tmpdir, &s, &sn);
    assert_int_equal(pl_snap_verified(sn), 1);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    /* one flipped bit in a page LMDB has mapped: check hashes the file
     * again before it walks the pages */
    long off = (long)st.st_size / 2;
    flip(data, off, 0x04);
    pl_error_clear(&err);
    assert_int_equal(pl_snap_check(sn, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, data));
    assert_non_null(strstr(err.msg, "checksum mismatch"));
    assert_non_null(strstr(err.msg, "rebuild it with 'plumbline index'"));
    pl_snap_end(sn);
    pl_store_close(s);
    /* ... and an open fails before LMDB reads a page */
    pl_error_clear(&err);
    assert_int_equal(pl_store_open(&s, tmpdir, 0, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, data));
    assert_non_null(strstr(err.msg, "checksum mismatch"));
    pl_error_clear(&err);
    assert_int_equal(pl_checksum_verify(gen, &present, &err), PL_ECORRUPT);
    /* an --add refuses to copy it, and leaves no new generation */
    pl_indexer *ix = NULL;
    pl_error_clear(&err);
    assert_int_equal(pl_indexer_new(&ix, tmpdir, PL_INDEX_ADD, NULL, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, "checksum mismatch"));
    char p[700];
    snprintf(p, sizeof p, "%s/gen-000002", tmpdir);
    assert_int_not_equal(stat(p, &st), 0);
    flip(data, off, 0x04); /* put back: whole again */
    open_snap(tmpdir, &s, &sn);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    /* A running reader moving to a damaged generation: a clear error, the
     * same one on the next snapshot (not hashed again), and the snapshot
     * it already had reads on. */
    build(tmpdir, PL_INDEX_REBUILD, 0, 60, 0);
    char data2[600];
    live_data(data2, sizeof data2);
    assert_string_not_equal(data, data2);
    flip(data2, 3 * 4096 + 100, 0xff);
    pl_error_clear(&err);
    assert_int_equal(pl_snap_begin(s, &sn2, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, data2));
    assert_non_null(strstr(err.msg, "checksum mismatch"));
    pl_error e2 = {0};
    assert_int_equal(pl_snap_begin(s, &sn2, &e2), PL_ECORRUPT);
    assert_string_equal(e2.msg, err.msg);
    assert_int_equal(pl_snap_doc_count(sn), 51);
    pl_error_clear(&err);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    pl_snap_end(sn);
    pl_store_close(s);
    /* a garbled checksum file is damage too */
    flip(data2, 3 * 4096 + 100, 0xff);
    live_data(data, sizeof data);
    snprintf(sum, sizeof sum, "%s.xxh3", data);
    f = fopen(sum, "r+");
    assert_non_null(f);
    fputs("xxh3-64 NOT-HEX", f);
    fclose(f);
    pl_error_clear(&err);
    assert_int_equal(pl_store_open(&s, tmpdir, 0, &err), PL_ECORRUPT);
    assert_non_null(strstr(err.msg, "data.mdb.xxh3: not a checksum file"));
    /* No checksum file: a generation of an older plumbline, opened and
     * read unverified; the next writer's generation has one. */
    assert_int_equal(unlink(sum), 0);
    open_snap(tmpdir, &s, &sn);
    assert_int_equal(pl_snap_verified(sn), 0);
    assert_int_equal(pl_snap_doc_count(sn), 60);
    pl_error_clear(&err);
    assert_int_equal(pl_snap_check(sn, &err), PL_OK);
    assert_int_equal(pl_indexer_new(&ix, tmpdir, PL_INDEX_ADD, NULL, &err), PL_OK);
    pl_record r = rec("after", 2024, "checksummed", "again");
    assert_int_equal(pl_indexer_add_record(ix, &r, NULL, &err), PL_OK);
    assert_int_equal(pl_indexer_commit(ix, &err), PL_OK);
    pl_indexer_free(ix);
    assert_int_equal(pl_snap_begin(s, &sn2, &err), PL_OK);
    assert_int_equal(pl_snap_verified(sn2), 1);
    assert_int_equal(pl_snap_doc_count(sn2), 61);
    assert_int_equal(pl_snap_check(sn2, &err), PL_OK);
    pl_snap_end(sn2);
    pl_snap_end(sn);
    pl_store_close(s);
    rm_rf(tmpdir);
}

/* Every allocation failing in turn during a build, an add and a read:
 * a clean error each time (ASan checks leaks), and the index stays whole. */
static void test_alloc_failures(void **state)
{
    (void)state;
    make_tmp();
    build(tmpdir, PL_INDEX_REBUILD, 0, 3, 1);
    for (int mode = 0; mode < 2; mode++) {
        int succeeded = 0;
        for (long n = 0; n < 5000 && !succeeded; n++) {
            pl_error err = {0};
            pl_indexer *ix = NULL;
            pl_alloc_fail_after(n);
            int rc =
                pl_indexer_new(&ix, tmpdir, mode ? PL_INDEX_ADD : PL_INDEX_REBUILD, NULL, &err);
            for (int i = 0; i < 4 && rc == PL_OK; i++) {
                char id[16];
                snprintf(id, sizeof id, "oom-%d", i);
                pl_record r = rec(id, 2022, "memory pressure", "allocation fails here and there");
                rc = pl_indexer_add_record(ix, &r, NULL, &err);
            }
            if (rc == PL_OK)
                rc = pl_indexer_commit(ix, &err);
            pl_indexer_free(ix);
            pl_store *s = NULL;
            pl_snap *sn = NULL;
            int rrc = pl_store_open(&s, tmpdir, 0, &err);
            if (rrc == PL_OK)
                rrc = pl_snap_begin(s, &sn, &err);
            if (rrc == PL_OK)
                rrc = pl_snap_check(sn, &err);
            pl_snap_end(sn);
            pl_store_close(s);
            pl_alloc_fail_after(-1);
            if (rc != PL_OK)
                assert_true(err.code != PL_OK && err.msg[0]);
            succeeded = rc == PL_OK && rrc == PL_OK;
            if (succeeded)
                print_message("# allocation failures (%s): succeeded once %ld were allowed\n",
                              mode ? "add" : "rebuild", n);
            /* whatever failed, the index on disk opens and checks */
            pl_error e2 = {0};
            assert_int_equal(pl_store_open(&s, tmpdir, 0, &e2), PL_OK);
            assert_int_equal(pl_snap_begin(s, &sn, &e2), PL_OK);
            assert_int_equal(pl_snap_check(sn, &e2), PL_OK);
            pl_snap_end(sn);
            pl_store_close(s);
        }
        assert_true(succeeded);
    }
    rm_rf(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_roundtrip_boundaries),
        cmocka_unit_test(test_chunk_full_and_malformed),
        cmocka_unit_test(test_chunk_impacts),
        cmocka_unit_test(test_positions_codec),
        cmocka_unit_test(test_small_codecs),
        cmocka_unit_test(test_len_codes),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_spill_same_index),
        cmocka_unit_test(test_add_replace_and_remove),
        cmocka_unit_test(test_rebuild_under_snapshot),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_map_full_keeps_old),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
