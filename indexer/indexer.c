/*
 * indexer.c — in-memory inversion, sorted runs, and the merge into the
 * store (see indexer.h for the contract, store/codec.c for the format).
 *
 * Per document: the analyzer's tokens go to a term table (open addressing
 * over an array of entries).  Each entry holds the term's postings of the
 * current run already encoded: per document a docid gap and packed tfs
 * (as in a chunk), and the positions in their final on-disk encoding, so
 * the merge copies position bytes without decoding them.  Surface forms
 * go to a second table that lives for the whole build; a surface entry
 * caches the term entry it analyses to, so a token costs one hash probe.
 *
 * When the encoded postings exceed the memory budget, the run is written
 * to a temporary file sorted by term and the term table is emptied.  At
 * commit, the runs (files plus the last run, still in memory) are merged
 * term by term in docid order into the writer, which cuts them into
 * 128-document chunks.  Cost: each posting is encoded twice and each
 * position byte copied twice, all sequential.
 *
 * Threads of a rebuild: the caller parses and analyses each record into a
 * token buffer; the inverter thread (inv_worker) applies the tokens to
 * the tables and passes the record on; the document thread (doc_worker)
 * stores it.  Both queues keep document order, so docids agree.  An --add
 * runs all of it on the calling thread.
 */
#include "indexer.h"

#include "../store/codec.h"
#include "../store/writer.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 56 MiB: kdocs-1m peaks at 253 MiB with it (64 MiB gave 260 MiB once the
 * spill sorts by key prefix: 16 bytes of key per term, twice, at the
 * moment memory is fullest). */
#define DEFAULT_BUDGET ((size_t)56 << 20)

typedef struct bbuf {
    uint8_t *p;
    uint32_t n, cap;
} bbuf;

typedef struct tent {
    const char *term; /* in the run arena */
    uint64_t hash;
    uint32_t tn;
    uint32_t doc;      /* document being built, 0 none */
    uint32_t prevdoc;  /* last document in post (gap base) */
    uint32_t lastpos;  /* last position in doc */
    int32_t lastfield; /* field of lastpos, -1 none in doc */
    uint32_t tf[PL_NFIELDS];
    uint32_t df;
    uint64_t cf;
    uint32_t max_tf[PL_NFIELDS];
    bbuf post, pos;
} tent;

/* 64 bytes: a probe that hits touches the slot and this entry only (most
 * surface forms fit in inl, so the compare needs no arena access). */
typedef struct sent {
    uint64_t hash;
    uint32_t sn, tn;
    uint32_t df, lastdoc;
    uint32_t tent_idx, tent_run; /* cached term entry of run tent_run */
    const char *surface, *term;  /* in the persistent arena */
    char inl[16];                /* the first bytes of surface */
} sent;

/* A record on its way to the document thread. */
typedef struct docq_item {
    pl_record_owned *r;
    pl_docmeta m;
} docq_item;
#define DOCQ 256

/* A document on its way to the inverter thread: its tokens (see
 * collect_token) and the record, which goes on to the document thread. */
typedef struct invq_item {
    pl_record_owned *r;
    pl_docmeta m;
    uint32_t doc;
    pl_buf toks;
} invq_item;
#define INVQ 64

typedef struct run_file {
    FILE *f;
    char path[PATH_MAX];
} run_file;

struct pl_indexer {
    pl_writer *w;
    pl_analyzer *an;
    int mode;
    pl_indexer_opts opts;
    size_t budget;
    /* term table of the current run */
    tent *tents;
    uint32_t ntents, tents_cap;
    uint32_t *thash; /* index+1, 0 empty */
    uint32_t thash_cap;
    pl_arena *run_arena;
    size_t mem; /* bytes held by post/pos buffers */
    uint32_t run_no;
    /* surface table */
    sent *sents;
    uint32_t nsents, sents_cap;
    uint64_t *shash; /* high 32 bits of the hash << 32 | index+1; 0 empty */
    uint32_t shash_cap;
    pl_arena *surf_arena;
    /* current document */
    uint32_t doc;
    uint32_t *touched;
    size_t ntouched, touched_cap;
    uint32_t len[PL_NFIELDS];
    int field;
    pl_error *err;
    /* runs on disk */
    run_file *runs;
    size_t nruns, total_runs;
    uint16_t cur_source;
    size_t docs;
    pl_buf json, people;
    /* the document thread of a rebuild (see doc_worker) */
    int async;
    uint32_t next_docid;
    pthread_t th;
    int th_running;
    pthread_mutex_t mu;
    pthread_cond_t cv_put, cv_get, cv_idle;
    docq_item q[DOCQ];
    size_t qhead, qcount;
    int stop, busy, afail;
    pl_error aerr;
    size_t areplaced;
    pl_buf ajson;
    /* the inverter thread of a rebuild (see inv_worker) */
    int inv_running;
    pthread_t ith;
    pthread_mutex_t imu;
    pthread_cond_t icv_put, icv_get, icv_idle;
    invq_item iq[INVQ];
    size_t ihead, icount;
    int istop, ifail;
    pl_error ierr;
    pl_buf toks; /* the synchronous path's token buffer */
    /* progress */
    int tty;
    double t0, last_progress;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bb_reserve(pl_indexer *ix, bbuf *b, size_t extra)
{
    if ((size_t)b->n + extra <= b->cap)
        return PL_OK;
    size_t nc = b->cap ? (size_t)b->cap * 2 : 16;
    while (nc < (size_t)b->n + extra)
        nc *= 2;
    if (nc > UINT32_MAX)
        return PL_ELIMIT;
    uint8_t *np = pl_realloc(b->p, nc);
    if (!np)
        return PL_ENOMEM;
    /* count malloc's chunk header too: most buffers are small */
    ix->mem += nc - b->cap + (b->cap ? 0 : 16);
    b->p = np;
    b->cap = (uint32_t)nc;
    return PL_OK;
}

/* Inlined LEB128 (the base one is a call per varint: 3-8% of a build). */
static inline void bb_varint(bbuf *b, uint64_t v)
{
    uint8_t *w = b->p + b->n;
    while (v >= 0x80) {
        *w++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *w++ = (uint8_t)v;
    b->n = (uint32_t)(w - b->p);
}

/* ---- tables ---------------------------------------------------------------- */

static int thash_grow(pl_indexer *ix)
{
    uint32_t nc = ix->thash_cap ? ix->thash_cap * 2 : 1u << 16;
    uint32_t *nh = pl_calloc(nc, sizeof *nh);
    if (!nh)
        return PL_ENOMEM;
    for (uint32_t i = 0; i < ix->ntents; i++) {
        uint32_t s = (uint32_t)ix->tents[i].hash & (nc - 1);
        while (nh[s])
            s = (s + 1) & (nc - 1);
        nh[s] = i + 1;
    }
    pl_free(ix->thash);
    ix->thash = nh;
    ix->thash_cap = nc;
    return PL_OK;
}

/* Term entry for term (creating it); UINT32_MAX on allocation failure. */
static uint32_t term_lookup(pl_indexer *ix, const char *term, size_t tn, uint64_t h)
{
    if ((ix->ntents + 1) * 2 > ix->thash_cap && thash_grow(ix))
        return UINT32_MAX;
    uint32_t s = (uint32_t)h & (ix->thash_cap - 1);
    for (;;) {
        uint32_t e = ix->thash[s];
        if (!e)
            break;
        tent *t = &ix->tents[e - 1];
        if (t->hash == h && t->tn == tn && !memcmp(t->term, term, tn))
            return e - 1;
        s = (s + 1) & (ix->thash_cap - 1);
    }
    if (ix->ntents == ix->tents_cap) {
        uint32_t nc = ix->tents_cap ? ix->tents_cap * 2 : 1u << 14;
        tent *nt = pl_realloc(ix->tents, (size_t)nc * sizeof *nt);
        if (!nt)
            return UINT32_MAX;
        ix->mem += (size_t)(nc - ix->tents_cap) * sizeof *nt;
        ix->tents = nt;
        ix->tents_cap = nc;
    }
    char *copy = pl_arena_strndup(ix->run_arena, term, tn);
    if (!copy)
        return UINT32_MAX;
    tent *t = &ix->tents[ix->ntents];
    memset(t, 0, sizeof *t);
    t->term = copy;
    t->tn = (uint32_t)tn;
    t->hash = h;
    t->lastfield = -1;
    ix->thash[s] = ++ix->ntents;
    return ix->ntents - 1;
}

static int shash_grow(pl_indexer *ix)
{
    uint32_t nc = ix->shash_cap ? ix->shash_cap * 2 : 1u << 16;
    uint64_t *nh = pl_calloc(nc, sizeof *nh);
    if (!nh)
        return PL_ENOMEM;
    for (uint32_t i = 0; i < ix->nsents; i++) {
        uint64_t h = ix->sents[i].hash;
        uint32_t s = (uint32_t)h & (nc - 1);
        while (nh[s])
            s = (s + 1) & (nc - 1);
        nh[s] = (h >> 32) << 32 | (i + 1);
    }
    pl_free(ix->shash);
    ix->shash = nh;
    ix->shash_cap = nc;
    return PL_OK;
}

/* h: pl_hash64 of the surface (computed ahead for prefetching). */
static sent *surface_lookup(pl_indexer *ix, const pl_token *tok, uint64_t h)
{
    size_t n = tok->surface_len;
    if ((ix->nsents + 1) * 2 > ix->shash_cap && shash_grow(ix))
        return NULL;
    uint32_t s = (uint32_t)h & (ix->shash_cap - 1);
    for (;;) {
        uint64_t e = ix->shash[s];
        if (!e)
            break;
        if (e >> 32 == h >> 32) {
            sent *se = &ix->sents[(uint32_t)e - 1];
            if (se->hash == h && se->sn == n &&
                !memcmp(n <= sizeof se->inl ? se->inl : se->surface, tok->surface, n))
                return se;
        }
        s = (s + 1) & (ix->shash_cap - 1);
    }
    if (ix->nsents == ix->sents_cap) {
        uint32_t nc = ix->sents_cap ? ix->sents_cap * 2 : 1u << 14;
        sent *ns = pl_realloc(ix->sents, (size_t)nc * sizeof *ns);
        if (!ns)
            return NULL;
        ix->sents = ns;
        ix->sents_cap = nc;
    }
    sent *se = &ix->sents[ix->nsents];
    memset(se, 0, sizeof *se);
    se->surface = pl_arena_strndup(ix->surf_arena, tok->surface, n);
    se->term = pl_arena_strndup(ix->surf_arena, tok->term, tok->term_len);
    if (!se->surface || !se->term)
        return NULL;
    memcpy(se->inl, tok->surface, n < sizeof se->inl ? n : sizeof se->inl);
    se->sn = (uint32_t)n;
    se->tn = (uint32_t)tok->term_len;
    se->hash = h;
    se->tent_run = UINT32_MAX;
    ix->nsents++;
    ix->shash[s] = (h >> 32) << 32 | ix->nsents;
    return se;
}

/* ---- per document ------------------------------------------------------------ */

static int on_token(pl_indexer *ix, const pl_token *tok, uint64_t sh)
{
    if (tok->flags & PL_TOK_STOP)
        return PL_OK;
    if (tok->term_len == 0 || tok->term_len > PL_MAX_TERM_BYTES)
        return PL_OK;
    uint32_t f = (uint32_t)ix->field;
    uint32_t base = f * PL_FIELD_POS_BASE;
    if (tok->pos < base || tok->pos - base >= PL_FIELD_POS_BASE)
        return PL_OK; /* a field of more than 16M tokens: the rest is not indexed */
    sent *se = tok->surface_len ? surface_lookup(ix, tok, sh) : NULL;
    if (tok->surface_len && !se)
        return pl_error_set(ix->err, PL_ENOMEM, "out of memory (surface table)");
    uint32_t ti;
    /* The analyzer maps a surface form to one term, so a cached entry of
     * this run is the term's (checked when the cache is filled). */
    if (se && se->tent_run == ix->run_no) {
        ti = se->tent_idx;
    } else {
        ti = term_lookup(ix, tok->term, tok->term_len, pl_hash64(tok->term, tok->term_len));
        if (ti == UINT32_MAX)
            return pl_error_set(ix->err, PL_ENOMEM, "out of memory (term table)");
        if (se && se->tn == tok->term_len && !memcmp(se->term, tok->term, tok->term_len)) {
            se->tent_idx = ti;
            se->tent_run = ix->run_no;
        }
    }
    if (se && se->lastdoc != ix->doc) {
        se->lastdoc = ix->doc;
        se->df++;
    }
    tent *t = &ix->tents[ti];
    if (t->doc != ix->doc) {
        if (ix->ntouched == ix->touched_cap) {
            size_t nc = ix->touched_cap ? ix->touched_cap * 2 : 1024;
            uint32_t *n = pl_realloc(ix->touched, nc * sizeof *n);
            if (!n)
                return pl_error_set(ix->err, PL_ENOMEM, "out of memory");
            ix->touched = n;
            ix->touched_cap = nc;
        }
        ix->touched[ix->ntouched++] = ti;
        t->doc = ix->doc;
        t->lastfield = -1;
        t->tf[0] = t->tf[1] = t->tf[2] = 0;
    } else if (t->lastfield == (int32_t)f && tok->pos <= t->lastpos) {
        return PL_OK; /* same term at the same position (compound parts) */
    }
    if (bb_reserve(ix, &t->pos, 5))
        return pl_error_set(ix->err, PL_ENOMEM, "out of memory (positions)");
    bb_varint(&t->pos, t->lastfield == (int32_t)f ? tok->pos - t->lastpos : tok->pos - base);
    t->lastpos = tok->pos;
    t->lastfield = (int32_t)f;
    t->tf[f]++;
    ix->len[f]++;
    return PL_OK;
}

/* Appends the postings of the finished document to its terms. */
static int end_doc(pl_indexer *ix)
{
    for (size_t i = 0; i < ix->ntouched; i++) {
        tent *t = &ix->tents[ix->touched[i]];
        if (bb_reserve(ix, &t->post, 20))
            return pl_error_set(ix->err, PL_ENOMEM, "out of memory (postings)");
        bb_varint(&t->post, ix->doc - t->prevdoc);
        bb_varint(&t->post, (uint64_t)t->tf[PL_FIELD_BODY] << 2 | (t->tf[PL_FIELD_TITLE] > 0) << 1 |
                                (t->tf[PL_FIELD_PEOPLE] > 0));
        if (t->tf[PL_FIELD_TITLE])
            bb_varint(&t->post, t->tf[PL_FIELD_TITLE]);
        if (t->tf[PL_FIELD_PEOPLE])
            bb_varint(&t->post, t->tf[PL_FIELD_PEOPLE]);
        t->prevdoc = ix->doc;
        t->df++;
        for (int f = 0; f < PL_NFIELDS; f++) {
            t->cf += t->tf[f];
            if (t->tf[f] > t->max_tf[f])
                t->max_tf[f] = t->tf[f];
        }
    }
    ix->ntouched = 0;
    return PL_OK;
}

/* Analysis and inversion are split so that a rebuild can run them on two
 * threads: the analyzer's tokens are written to a buffer (collect_token),
 * which invert_doc replays into the tables.  A buffered token is a packed
 * header (position, field, term and surface lengths) then the term and
 * surface bytes: about 20 bytes a token, written and read sequentially.
 * Tokens the inverter would skip are not buffered. */
typedef struct tok_hdr {
    uint32_t pos;
    uint16_t tn, sn;
    uint8_t field;
} tok_hdr;
#define TOK_HDR 9

struct collect_ctx {
    pl_buf *b;
    uint32_t field;
};

static int collect_token(void *ctx, const pl_token *tok)
{
    struct collect_ctx *c = ctx;
    if (tok->flags & PL_TOK_STOP)
        return PL_OK;
    if (tok->term_len == 0 || tok->term_len > PL_MAX_TERM_BYTES ||
        tok->surface_len > PL_MAX_TERM_BYTES)
        return PL_OK;
    uint32_t base = c->field * PL_FIELD_POS_BASE;
    if (tok->pos < base || tok->pos - base >= PL_FIELD_POS_BASE)
        return PL_OK; /* a field of more than 16M tokens: the rest is not indexed */
    pl_buf *b = c->b;
    size_t need = TOK_HDR + tok->term_len + tok->surface_len;
    if (pl_buf_reserve(b, need) != PL_OK)
        return PL_ENOMEM;
    uint8_t *w = (uint8_t *)b->p + b->n;
    uint16_t tn = (uint16_t)tok->term_len, sn = (uint16_t)tok->surface_len;
    memcpy(w, &tok->pos, 4);
    memcpy(w + 4, &tn, 2);
    memcpy(w + 6, &sn, 2);
    w[8] = (uint8_t)c->field;
    memcpy(w + TOK_HDR, tok->term, tn);
    if (sn)
        memcpy(w + TOK_HDR + tn, tok->surface, sn);
    b->n += need;
    return PL_OK;
}

/* A block of decoded tokens and what invert_doc prefetches for them. */
#define INV_BLOCK 128
typedef struct inv_tok {
    pl_token tk;
    uint64_t h; /* pl_hash64 of the surface */
    uint32_t field;
    uint32_t se; /* guessed surface entry + 1, 0 none */
} inv_tok;

/* Replays one document's buffered tokens into the tables; len receives
 * the indexed tokens per field.
 *
 * Each token costs three dependent loads that mostly miss the cache (the
 * surface slot, the surface entry, the term entry), 60 % of the inversion
 * time when taken one token at a time.  So tokens go in blocks of
 * INV_BLOCK: one pass hashes the surfaces and prefetches their slots, the
 * next reads the slots and prefetches the entries, the next prefetches
 * the cached term entries, and only then are the tokens applied in order.
 * The guesses only steer prefetches: the last pass looks everything up
 * again (tables may grow or move meanwhile). */
static int invert_doc(pl_indexer *ix, uint32_t doc, const pl_buf *toks, uint32_t len[PL_NFIELDS],
                      pl_error *err)
{
    inv_tok blk[INV_BLOCK];
    ix->doc = doc;
    ix->err = err;
    memset(ix->len, 0, sizeof ix->len);
    const uint8_t *p = (const uint8_t *)toks->p, *end = p + toks->n;
    while (p < end) {
        size_t nb = 0;
        for (; nb < INV_BLOCK && p < end; nb++) {
            inv_tok *it = &blk[nb];
            uint16_t tn, sn;
            uint32_t pos;
            memcpy(&pos, p, 4);
            memcpy(&tn, p + 4, 2);
            memcpy(&sn, p + 6, 2);
            it->field = p[8];
            memset(&it->tk, 0, sizeof it->tk);
            it->tk.term = (const char *)p + TOK_HDR;
            it->tk.term_len = tn;
            it->tk.surface = it->tk.term + tn;
            it->tk.surface_len = sn;
            it->tk.pos = pos;
            p += TOK_HDR + tn + sn;
            it->h = pl_hash64(it->tk.surface, sn);
            it->se = 0;
            if (ix->shash_cap)
                __builtin_prefetch(&ix->shash[(uint32_t)it->h & (ix->shash_cap - 1)]);
        }
        if (ix->shash_cap) {
            for (size_t i = 0; i < nb; i++) {
                uint64_t e = ix->shash[(uint32_t)blk[i].h & (ix->shash_cap - 1)];
                if (e && e >> 32 == blk[i].h >> 32 && (uint32_t)e <= ix->nsents) {
                    blk[i].se = (uint32_t)e;
                    __builtin_prefetch(&ix->sents[(uint32_t)e - 1]);
                }
            }
            for (size_t i = 0; i < nb; i++) {
                if (!blk[i].se)
                    continue;
                const sent *se = &ix->sents[blk[i].se - 1];
                if (se->tent_run == ix->run_no && se->tent_idx < ix->ntents) {
                    const tent *t = &ix->tents[se->tent_idx];
                    __builtin_prefetch(t);
                    __builtin_prefetch((const char *)t + 64);
                } else {
                    blk[i].se = 0;
                }
            }
            /* and where each term's positions will be appended */
            for (size_t i = 0; i < nb; i++) {
                if (!blk[i].se)
                    continue;
                const tent *t = &ix->tents[ix->sents[blk[i].se - 1].tent_idx];
                if (t->pos.p)
                    __builtin_prefetch(t->pos.p + t->pos.n, 1);
            }
        }
        for (size_t i = 0; i < nb; i++) {
            ix->field = (int)blk[i].field;
            int rc = on_token(ix, &blk[i].tk, blk[i].h);
            if (rc)
                return err->code ? err->code : rc;
        }
    }
    if (end_doc(ix))
        return err->code;
    memcpy(len, ix->len, sizeof ix->len);
    return PL_OK;
}

/* ---- runs ---------------------------------------------------------------------- */

static int cmp_term(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

/* ---- sorting by key prefix --------------------------------------------------
 * Terms and surfaces are sorted at every spill and at commit (150 K of
 * each on kdocs-100k).  A comparison sort through pointers into the arena
 * was a memcmp and two cache misses per comparison, 0.15 s of the commit.
 * Instead: an LSD radix sort of (first 8 bytes big-endian, index) pairs,
 * then a comparison sort of each run of equal prefixes only.  Terms never
 * hold a NUL byte, so zero padding sorts a prefix before its extensions,
 * as memcmp order does. */
typedef struct skey {
    uint64_t k;
    uint32_t i, pad;
} skey;

static uint64_t key8(const char *s, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (i < n ? (uint8_t)s[i] : 0);
    return k;
}

typedef int (*skey_cmp)(uint32_t a, uint32_t b, const void *ctx);

struct skey_ctx {
    skey_cmp cmp;
    const void *ctx;
};

static int skey_tie(const void *a, const void *b, void *ctx)
{
    const struct skey_ctx *c = ctx;
    return c->cmp(((const skey *)a)->i, ((const skey *)b)->i, c->ctx);
}

/* Sorts a[0..n) by k then cmp; PL_ENOMEM if the scratch array fails. */
static int skey_sort(skey *a, size_t n, skey_cmp cmp, const void *ctx)
{
    if (n < 2)
        return PL_OK;
    skey *tmp = pl_malloc(n * sizeof *tmp);
    if (!tmp)
        return PL_ENOMEM;
    size_t *cnt = pl_malloc(65536 * sizeof *cnt);
    if (!cnt) {
        pl_free(tmp);
        return PL_ENOMEM;
    }
    skey *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 16) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(src[i].k >> shift) & 0xffff]++;
        if (cnt[(src[0].k >> shift) & 0xffff] == n)
            continue; /* every key has this digit: nothing moves */
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i].k >> shift) & 0xffff]++] = src[i];
        skey *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    pl_free(cnt);
    pl_free(tmp);
    struct skey_ctx c = {cmp, ctx};
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].k == a[i].k)
            j++;
        if (j - i > 1)
            qsort_r(a + i, j - i, sizeof *a, skey_tie, &c);
        i = j;
    }
    return PL_OK;
}

static int cmp_tent(uint32_t a, uint32_t b, const void *ctx)
{
    const tent *x = (const tent *)ctx + a, *y = (const tent *)ctx + b;
    return cmp_term(x->term, x->tn, y->term, y->tn);
}

/* Indexes of the run's terms in term order (caller frees). */
static uint32_t *sorted_tents(pl_indexer *ix)
{
    size_t n = ix->ntents;
    uint32_t *idx = pl_malloc((n + 1) * sizeof *idx);
    skey *k = pl_malloc((n + 1) * sizeof *k);
    if (!idx || !k)
        goto fail;
    for (uint32_t i = 0; i < n; i++) {
        k[i].k = key8(ix->tents[i].term, ix->tents[i].tn);
        k[i].i = i;
    }
    if (skey_sort(k, n, cmp_tent, ix->tents))
        goto fail;
    for (size_t i = 0; i < n; i++)
        idx[i] = k[i].i;
    pl_free(k);
    return idx;
fail:
    pl_free(k);
    pl_free(idx);
    return NULL;
}

static void clear_run(pl_indexer *ix)
{
    for (uint32_t i = 0; i < ix->ntents; i++) {
        pl_free(ix->tents[i].post.p);
        pl_free(ix->tents[i].pos.p);
    }
    ix->ntents = 0;
    if (ix->thash)
        memset(ix->thash, 0, (size_t)ix->thash_cap * sizeof *ix->thash);
    if (ix->run_arena)
        pl_arena_reset(ix->run_arena);
    ix->mem = (size_t)ix->tents_cap * sizeof *ix->tents;
    ix->run_no++;
}

static int put_v(FILE *f, uint64_t v)
{
    uint8_t b[10];
    size_t n = pl_varint_put(b, v);
    return fwrite(b, 1, n, f) == n ? 0 : -1;
}

/* Writes the current run to a temporary file, sorted by term. */
static int spill(pl_indexer *ix, pl_error *err)
{
    uint32_t *idx = sorted_tents(ix);
    if (!idx)
        return pl_error_set(err, PL_ENOMEM, "out of memory (sorting a run)");
    run_file *nr = pl_realloc(ix->runs, (ix->nruns + 1) * sizeof *nr);
    if (!nr) {
        pl_free(idx);
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    }
    ix->runs = nr;
    run_file *r = &ix->runs[ix->nruns];
    snprintf(r->path, sizeof r->path, "%s/run-%06zu.tmp", pl_writer_gen_path(ix->w), ix->nruns);
    r->f = fopen(r->path, "w+");
    if (!r->f) {
        pl_free(idx);
        return pl_error_set(err, errno == ENOSPC ? PL_EFULL : PL_EIO, "%s: %s", r->path,
                            strerror(errno));
    }
    ix->nruns++;
    ix->total_runs++;
    int bad = 0;
    for (uint32_t k = 0; k < ix->ntents && !bad; k++) {
        const tent *t = &ix->tents[idx[k]];
        bad |= put_v(r->f, t->tn) || fwrite(t->term, 1, t->tn, r->f) != t->tn;
        bad |= put_v(r->f, t->df) || put_v(r->f, t->cf);
        for (int f = 0; f < PL_NFIELDS; f++)
            bad |= put_v(r->f, t->max_tf[f]);
        bad |= put_v(r->f, t->post.n) || fwrite(t->post.p, 1, t->post.n, r->f) != t->post.n;
        bad |= put_v(r->f, t->pos.n) || fwrite(t->pos.p, 1, t->pos.n, r->f) != t->pos.n;
    }
    pl_free(idx);
    if (bad || fflush(r->f) != 0 || fseek(r->f, 0, SEEK_SET) != 0)
        return pl_error_set(err, errno == ENOSPC ? PL_EFULL : PL_EIO, "%s: %s", r->path,
                            strerror(errno));
    clear_run(ix);
    return PL_OK;
}

/* ---- records ------------------------------------------------------------------------ */

static uint32_t parse_day(const char *d)
{
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    uint32_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (d[i] < '0' || d[i] > '9')
            return 0;
        v = v * 10 + (uint32_t)(d[i] - '0');
    }
    return v;
}

static uint32_t parse_start(const char *s)
{
    if (strlen(s) != 5 || s[2] != ':')
        return 0;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return 0;
    uint32_t h = (uint32_t)(s[0] - '0') * 10 + (uint32_t)(s[1] - '0');
    uint32_t m = (uint32_t)(s[3] - '0') * 10 + (uint32_t)(s[4] - '0');
    if (h > 23 || m > 59)
        return 0;
    return h * 60 + m + 1;
}

static void progress(pl_indexer *ix, int final)
{
    if (!ix->tty)
        return;
    double t = now_s();
    if (!final && t - ix->last_progress < 0.25)
        return;
    ix->last_progress = t;
    double el = t - ix->t0;
    fprintf(stderr, "\r  %zu documents, %.0f docs/s%s", ix->docs, el > 0 ? ix->docs / el : 0.0,
            final ? "\n" : "");
    fflush(stderr);
}

/* ---- the document thread ----------------------------------------------------------
 * In a rebuild, turning a record into its stored form (canonical JSON,
 * deflate) and writing it to LMDB costs about as much as analysing and
 * inverting it, so a second thread does it while the calling thread
 * analyses the next records.  The queue holds DOCQ owned copies; the
 * writer (its transaction, docmeta table, ids) belongs to the document
 * thread until doc_stop.  Replacements by id are counted there
 * (areplaced). */
static void *doc_worker(void *arg)
{
    pl_indexer *ix = arg;
    pl_error *e = &ix->aerr;
    int fail = pl_writer_txn_begin(ix->w, e) != PL_OK;
    pthread_mutex_lock(&ix->mu);
    if (fail)
        ix->afail = 1;
    for (;;) {
        while (ix->qcount == 0 && !ix->stop)
            pthread_cond_wait(&ix->cv_get, &ix->mu);
        if (ix->qcount == 0)
            break;
        docq_item it = ix->q[ix->qhead];
        ix->qhead = (ix->qhead + 1) % DOCQ;
        ix->qcount--;
        ix->busy = 1;
        int failed = ix->afail;
        pthread_cond_signal(&ix->cv_put);
        pthread_mutex_unlock(&ix->mu);
        int rc = PL_OK, rep = 0;
        if (!failed) {
            uint32_t docid;
            const pl_record *r = &it.r->rec;
            pl_buf_reset(&ix->ajson);
            rc = pl_record_to_json(&ix->ajson, r, e);
            if (!rc)
                rc = pl_writer_put_doc(ix->w, r->id, strlen(r->id), ix->ajson.p, ix->ajson.n, &it.m,
                                       &docid, &rep, e);
        }
        pl_record_owned_free(it.r);
        pthread_mutex_lock(&ix->mu);
        if (rc) {
            if (!e->code)
                pl_error_set(e, rc, "storing a document failed");
            ix->afail = 1;
            pthread_cond_broadcast(&ix->cv_put);
        }
        ix->areplaced += (size_t)rep;
        ix->busy = 0;
        if (ix->qcount == 0)
            pthread_cond_broadcast(&ix->cv_idle);
    }
    pthread_mutex_unlock(&ix->mu);
    pl_error ce = {0};
    if (pl_writer_txn_end(ix->w, !ix->afail, &ce) && !ix->afail) {
        pthread_mutex_lock(&ix->mu);
        *e = ce;
        ix->afail = 1;
        pthread_mutex_unlock(&ix->mu);
    }
    return NULL;
}

static int doc_error(pl_indexer *ix, pl_error *err)
{
    return pl_error_set(err, ix->aerr.code ? ix->aerr.code : PL_EIO, "%s",
                        ix->aerr.msg[0] ? ix->aerr.msg : "storing documents failed");
}

static int doc_start(pl_indexer *ix, pl_error *err)
{
    if (pthread_mutex_init(&ix->mu, NULL) || pthread_cond_init(&ix->cv_put, NULL) ||
        pthread_cond_init(&ix->cv_get, NULL) || pthread_cond_init(&ix->cv_idle, NULL))
        return pl_error_set(err, PL_ENOMEM, "cannot create a lock");
    ix->async = 1;
    /* hand the writer's transaction over: committed here, begun there */
    if (pl_writer_txn_end(ix->w, 1, err))
        return err->code;
    if (pthread_create(&ix->th, NULL, doc_worker, ix) != 0)
        return pl_error_set(err, PL_EIO, "cannot start the document thread");
    ix->th_running = 1;
    return PL_OK;
}

/* Waits until every queued document is stored. */
static int doc_wait(pl_indexer *ix, pl_error *err)
{
    if (!ix->th_running)
        return PL_OK;
    pthread_mutex_lock(&ix->mu);
    while ((ix->qcount || ix->busy) && !ix->afail)
        pthread_cond_wait(&ix->cv_idle, &ix->mu);
    int fail = ix->afail;
    pthread_mutex_unlock(&ix->mu);
    return fail ? doc_error(ix, err) : PL_OK;
}

/* Stops the thread; the writer is the calling thread's again. */
static int doc_stop(pl_indexer *ix, pl_error *err)
{
    if (!ix->th_running)
        return PL_OK;
    pthread_mutex_lock(&ix->mu);
    ix->stop = 1;
    pthread_cond_signal(&ix->cv_get);
    pthread_mutex_unlock(&ix->mu);
    pthread_join(ix->th, NULL);
    ix->th_running = 0;
    if (ix->afail)
        return err ? doc_error(ix, err) : PL_EIO;
    return err ? pl_writer_txn_begin(ix->w, err) : PL_OK;
}

/* Queues an owned record for the document thread (takes it, also on
 * failure). */
static int doc_push(pl_indexer *ix, pl_record_owned *r, const pl_docmeta *m, pl_error *err)
{
    docq_item it = {r, *m};
    pthread_mutex_lock(&ix->mu);
    while (ix->qcount == DOCQ && !ix->afail)
        pthread_cond_wait(&ix->cv_put, &ix->mu);
    if (ix->afail) {
        pthread_mutex_unlock(&ix->mu);
        pl_record_owned_free(it.r);
        return doc_error(ix, err);
    }
    ix->q[(ix->qhead + ix->qcount) % DOCQ] = it;
    ix->qcount++;
    pthread_cond_signal(&ix->cv_get);
    pthread_mutex_unlock(&ix->mu);
    return PL_OK;
}

/* ---- the inverter thread -----------------------------------------------------------
 * In a rebuild the calling thread parses and analyses; this thread replays
 * the tokens into the term and surface tables (hash probes that mostly
 * miss the cache: about half of the analyse + invert cost), spills runs,
 * and hands the record on to the document thread.  So a build keeps two
 * cores busy even though inversion itself is serial.  The queue holds
 * INVQ documents; an item stays in its slot (and owns its token buffer)
 * until the inverter is done with it.  The term and surface tables, the
 * runs and ix->doc/len/field belong to this thread until inv_stop. */
static void *inv_worker(void *arg)
{
    pl_indexer *ix = arg;
    pl_error *e = &ix->ierr;
    pthread_mutex_lock(&ix->imu);
    for (;;) {
        while (ix->icount == 0 && !ix->istop)
            pthread_cond_wait(&ix->icv_get, &ix->imu);
        if (ix->icount == 0)
            break;
        invq_item *it = &ix->iq[ix->ihead];
        int failed = ix->ifail;
        pthread_mutex_unlock(&ix->imu);
        int rc = PL_OK;
        if (!failed) {
            rc = invert_doc(ix, it->doc, &it->toks, it->m.len, e);
            if (!rc) {
                pl_record_owned *r = it->r;
                it->r = NULL;
                rc = doc_push(ix, r, &it->m, e);
            }
            if (!rc && ix->mem > ix->budget)
                rc = spill(ix, e);
        }
        pl_record_owned_free(it->r);
        it->r = NULL;
        if (it->toks.cap > ((size_t)1 << 20))
            pl_buf_free(&it->toks); /* one huge document: do not keep its size */
        pthread_mutex_lock(&ix->imu);
        if (rc) {
            if (!e->code)
                pl_error_set(e, rc, "indexing a document failed");
            ix->ifail = 1;
            pthread_cond_broadcast(&ix->icv_put);
        }
        ix->ihead = (ix->ihead + 1) % INVQ;
        ix->icount--;
        pthread_cond_signal(&ix->icv_put);
        if (ix->icount == 0)
            pthread_cond_broadcast(&ix->icv_idle);
    }
    pthread_mutex_unlock(&ix->imu);
    return NULL;
}

static int inv_error(pl_indexer *ix, pl_error *err)
{
    return pl_error_set(err, ix->ierr.code ? ix->ierr.code : PL_EIO, "%s",
                        ix->ierr.msg[0] ? ix->ierr.msg : "indexing failed");
}

static int inv_start(pl_indexer *ix, pl_error *err)
{
    if (pthread_mutex_init(&ix->imu, NULL) || pthread_cond_init(&ix->icv_put, NULL) ||
        pthread_cond_init(&ix->icv_get, NULL) || pthread_cond_init(&ix->icv_idle, NULL))
        return pl_error_set(err, PL_ENOMEM, "cannot create a lock");
    if (pthread_create(&ix->ith, NULL, inv_worker, ix) != 0)
        return pl_error_set(err, PL_EIO, "cannot start the inverter thread");
    ix->inv_running = 1;
    return PL_OK;
}

/* Waits until every queued document is inverted (and handed on). */
static int inv_wait(pl_indexer *ix, pl_error *err)
{
    if (!ix->inv_running)
        return PL_OK;
    pthread_mutex_lock(&ix->imu);
    while (ix->icount && !ix->ifail)
        pthread_cond_wait(&ix->icv_idle, &ix->imu);
    int fail = ix->ifail;
    pthread_mutex_unlock(&ix->imu);
    return fail ? inv_error(ix, err) : PL_OK;
}

static int inv_stop(pl_indexer *ix, pl_error *err)
{
    if (!ix->inv_running)
        return PL_OK;
    pthread_mutex_lock(&ix->imu);
    ix->istop = 1;
    pthread_cond_signal(&ix->icv_get);
    pthread_mutex_unlock(&ix->imu);
    pthread_join(ix->ith, NULL);
    ix->inv_running = 0;
    if (ix->ifail)
        return err ? inv_error(ix, err) : PL_EIO;
    return PL_OK;
}

/* Both threads idle: every document so far is inverted and stored. */
static int threads_wait(pl_indexer *ix, pl_error *err)
{
    if (inv_wait(ix, err))
        return err->code;
    return doc_wait(ix, err);
}

/* Runs the analyzer over the record's fields into toks. */
static int analyze_record(pl_indexer *ix, const pl_record *rec, pl_buf *toks, pl_error *err)
{
    pl_buf_reset(toks);
    pl_buf_reset(&ix->people);
    for (size_t i = 0; i < rec->n_people; i++) {
        if (i)
            pl_buf_puts(&ix->people, "; ");
        pl_buf_puts(&ix->people, rec->people[i]);
    }
    if (ix->people.oom)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    const char *text[PL_NFIELDS] = {rec->title, ix->people.p ? ix->people.p : "",
                                    rec->body ? rec->body : ""};
    size_t tlen[PL_NFIELDS] = {strlen(rec->title), ix->people.n, rec->body ? strlen(rec->body) : 0};
    for (int f = 0; f < PL_NFIELDS; f++) {
        if (!tlen[f])
            continue;
        struct collect_ctx cc = {toks, (uint32_t)f};
        int rc = pl_analyze(ix->an, text[f], tlen[f], (uint32_t)f * PL_FIELD_POS_BASE,
                            collect_token, &cc, NULL, err);
        if (rc)
            return err->code ? err->code
                             : pl_error_set(err, rc, "out of memory (analysing a document)");
    }
    return PL_OK;
}

int pl_indexer_add_record(pl_indexer *ix, const pl_record *rec, int *replaced, pl_error *err)
{
    int rep = 0;
    if (replaced)
        *replaced = 0;
    if (!rec->id || !rec->id[0] || !rec->title)
        return pl_error_set(err, PL_EUSAGE, "record without id or title");
    if (strlen(rec->id) > 480)
        return pl_error_set(err, PL_EUSAGE, "record id of %zu bytes (480 at most)",
                            strlen(rec->id));
    if (rec->year < 1 || rec->year > 65535)
        return pl_error_set(err, PL_EUSAGE, "record %s: year %d out of range", rec->id, rec->year);
    pl_docmeta m = {0};
    m.year = (uint16_t)rec->year;
    m.kind = (uint8_t)rec->kind;
    m.flags = rec->title_inferred ? PL_DOC_TITLE_INFERRED : 0;
    if (pl_writer_track(ix->w, rec->track, &m.track, err))
        return err->code;
    m.source = ix->cur_source;
    m.start_min = parse_start(rec->start);
    m.day = parse_day(rec->day);
    if (ix->inv_running) {
        /* docids are handed out in queue order: the document thread's
         * put_doc gives this record exactly next_docid */
        pthread_mutex_lock(&ix->imu);
        while (ix->icount == INVQ && !ix->ifail)
            pthread_cond_wait(&ix->icv_put, &ix->imu);
        int fail = ix->ifail;
        invq_item *it = &ix->iq[(ix->ihead + ix->icount) % INVQ];
        pthread_mutex_unlock(&ix->imu);
        if (fail)
            return inv_error(ix, err);
        /* the tail slot is ours until icount counts it */
        if (analyze_record(ix, rec, &it->toks, err))
            return err->code;
        if (pl_record_copy(rec, &it->r) != PL_OK)
            return pl_error_set(err, PL_ENOMEM, "out of memory (record copy)");
        it->m = m;
        it->doc = ix->next_docid;
        pthread_mutex_lock(&ix->imu);
        ix->icount++;
        pthread_cond_signal(&ix->icv_get);
        pthread_mutex_unlock(&ix->imu);
        ix->next_docid++;
        ix->docs++;
        progress(ix, 0);
        return PL_OK;
    }
    if (analyze_record(ix, rec, &ix->toks, err) ||
        invert_doc(ix, ix->next_docid, &ix->toks, m.len, err))
        return err->code;
    pl_buf_reset(&ix->json);
    if (pl_record_to_json(&ix->json, rec, err))
        return err->code ? err->code : PL_ENOMEM;
    uint32_t docid;
    if (pl_writer_put_doc(ix->w, rec->id, strlen(rec->id), ix->json.p, ix->json.n, &m, &docid, &rep,
                          err))
        return err->code;
    if (docid != ix->doc)
        return pl_error_set(err, PL_EIO, "internal: docid %u, expected %u", docid, ix->doc);
    ix->next_docid++;
    if (replaced)
        *replaced = rep;
    ix->docs++;
    progress(ix, 0);
    if (ix->mem > ix->budget)
        return spill(ix, err);
    return PL_OK;
}

/* ---- sources -------------------------------------------------------------------------- */

int pl_file_checksum(const char *path, char out[17], pl_error *err)
{
    out[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_error_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: %s", path,
                            strerror(errno));
    uint64_t h = 14695981039346656037ull;
    static __thread unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return pl_error_set(err, PL_EIO, "%s: read error", path);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return PL_OK;
}

struct src_ctx {
    pl_indexer *ix;
    pl_source_report *rep;
    pl_error *err;
};

static int src_sink(void *ctx, const pl_record *rec)
{
    struct src_ctx *sc = ctx;
    int replaced = 0;
    int rc = pl_indexer_add_record(sc->ix, rec, &replaced, sc->err);
    if (rc == PL_EUSAGE) {
        /* a record the index cannot hold: skipped, the build goes on */
        if (sc->ix->opts.warn)
            sc->ix->opts.warn(sc->ix->opts.warn_ctx, sc->err->msg);
        pl_error_clear(sc->err);
        sc->rep->skipped++;
        return PL_OK;
    }
    if (rc)
        return rc;
    sc->rep->records++;
    sc->rep->replaced += (size_t)replaced;
    return PL_OK;
}

struct warn_ctx {
    pl_indexer *ix;
    pl_source_report *rep;
};

static void src_warn(void *ctx, const char *msg)
{
    struct warn_ctx *wc = ctx;
    wc->rep->skipped++;
    if (wc->ix->opts.warn)
        wc->ix->opts.warn(wc->ix->opts.warn_ctx, msg);
}

int pl_indexer_add_source(pl_indexer *ix, const char *path, pl_source_report *rep, pl_error *err)
{
    memset(rep, 0, sizeof *rep);
    char abs[PATH_MAX], sum[17];
    if (!realpath(path, abs))
        return pl_error_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: %s", path,
                            strerror(errno));
    if (pl_file_checksum(abs, sum, err))
        return err->code;
    uint16_t sid;
    int existed;
    if (pl_writer_source(ix->w, abs, sum, &sid, &existed, err))
        return err->code;
    if (existed) {
        size_t n;
        if (pl_writer_delete_source(ix->w, sid, &n, err))
            return err->code;
        rep->replaced += n;
    }
    ix->cur_source = sid;
    size_t replaced_before = rep->replaced;
    struct src_ctx sc = {ix, rep, err};
    struct warn_ctx wc = {ix, rep};
    pl_parse_opts po = {src_warn, &wc};
    size_t areplaced0 = 0;
    if (threads_wait(ix, err))
        return err->code;
    areplaced0 = ix->areplaced;
    int rc = pl_parse_file(abs, &po, src_sink, &sc, &rep->format, err);
    ix->cur_source = 0;
    if (!rc && ix->async) {
        if (threads_wait(ix, err))
            return err->code;
        rep->replaced += ix->areplaced - areplaced0;
    }
    (void)replaced_before;
    return rc ? (err->code ? err->code : rc) : PL_OK;
}

int pl_indexer_remove_source(pl_indexer *ix, const char *path, size_t *removed, pl_error *err)
{
    *removed = 0;
    if (ix->mode != PL_INDEX_ADD)
        return pl_error_set(err, PL_EUSAGE, "removing a source needs an existing index (--add)");
    char abs[PATH_MAX];
    const char *p = realpath(path, abs) ? abs : path;
    return pl_writer_remove_path(ix->w, p, removed, err);
}

/* ---- commit: the merge ------------------------------------------------------------------ */

typedef struct rrec {
    /* current term record of a run */
    int done;
    char term[PL_MAX_TERM_BYTES + 1];
    size_t tn;
    uint8_t *post, *pos;
    size_t postn, posn, post_cap, pos_cap;
    /* memory run */
    const tent *t;
} rrec;

static int get_v(FILE *f, uint64_t *v)
{
    uint64_t x = 0;
    for (int s = 0; s < 64; s += 7) {
        int c = getc(f);
        if (c == EOF)
            return -1;
        x |= (uint64_t)(c & 0x7f) << s;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static int read_bytes(FILE *f, uint8_t **buf, size_t *cap, size_t n)
{
    if (n > *cap) {
        size_t nc = n < 256 ? 256 : n;
        uint8_t *nb = pl_realloc(*buf, nc);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = nc;
    }
    return n && fread(*buf, 1, n, f) != n ? -1 : 0;
}

static int run_next(run_file *r, rrec *c, pl_error *err)
{
    uint64_t tn, v;
    int ch = getc(r->f);
    if (ch == EOF) {
        c->done = 1;
        return PL_OK;
    }
    ungetc(ch, r->f);
    if (get_v(r->f, &tn) || tn == 0 || tn > PL_MAX_TERM_BYTES || fread(c->term, 1, tn, r->f) != tn)
        goto bad;
    c->tn = tn;
    for (int i = 0; i < 2 + PL_NFIELDS; i++)
        if (get_v(r->f, &v))
            goto bad;
    if (get_v(r->f, &v) || read_bytes(r->f, &c->post, &c->post_cap, v))
        goto bad;
    c->postn = v;
    if (get_v(r->f, &v) || read_bytes(r->f, &c->pos, &c->pos_cap, v))
        goto bad;
    c->posn = v;
    return PL_OK;
bad:
    return pl_error_set(err, PL_EIO, "%s: temporary run unreadable", r->path);
}

/* Inlined LEB128 reader for the merge; corrupt input only ever comes from
 * our own temporary runs, still bounded by end. */
static inline int getv(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    if (q < end && *q < 0x80) {
        *v = *q;
        *p = q + 1;
        return 0;
    }
    return pl_varint_get(p, end, v);
}

/* Feeds one run's postings of the current term to the writer. */
static int feed(pl_indexer *ix, const uint8_t *post, size_t postn, const uint8_t *pos, size_t posn,
                pl_error *err)
{
    const uint8_t *p = post, *end = post + postn, *pp = pos, *pend = pos + posn;
    uint64_t doc = 0;
    while (p < end) {
        uint64_t gap, h, x;
        uint32_t tf[PL_NFIELDS] = {0};
        if (getv(&p, end, &gap) || getv(&p, end, &h))
            goto bad;
        doc += gap;
        tf[PL_FIELD_BODY] = (uint32_t)(h >> 2);
        if (h & 2) {
            if (getv(&p, end, &x))
                goto bad;
            tf[PL_FIELD_TITLE] = (uint32_t)x;
        }
        if (h & 1) {
            if (getv(&p, end, &x))
                goto bad;
            tf[PL_FIELD_PEOPLE] = (uint32_t)x;
        }
        const uint8_t *ps = pp;
        if (pl_pos_skip(&pp, pend, tf, err))
            goto bad;
        if (pl_writer_term_doc(ix->w, (uint32_t)doc, tf, ps, (size_t)(pp - ps), err))
            return err->code;
    }
    return PL_OK;
bad:
    return pl_error_set(err, PL_EIO, "internal: a run does not decode");
}

static int cmp_sent_term(const void *a, const void *b)
{
    const sent *x = a, *y = b;
    int c = cmp_term(x->term, x->tn, y->term, y->tn);
    if (c)
        return c;
    return (x->df < y->df) - (x->df > y->df); /* most common first */
}

static int cmp_sent_surface(const void *a, const void *b)
{
    const sent *x = a, *y = b;
    return cmp_term(x->surface, x->sn, y->surface, y->sn);
}

/* Ties (same term, same df) keep the order of first appearance. */
static int cmp_sent_term_i(uint32_t a, uint32_t b, const void *ctx)
{
    int c = cmp_sent_term((const sent *)ctx + a, (const sent *)ctx + b);
    return c ? c : (a > b) - (a < b);
}

static int cmp_sent_surface_i(uint32_t a, uint32_t b, const void *ctx)
{
    return cmp_sent_surface((const sent *)ctx + a, (const sent *)ctx + b);
}

/* Reorders ix->sents by term (most common surface first) or by surface.
 * The surface table's slots are stale afterwards: only the merge sorts. */
static int sort_sents(pl_indexer *ix, int by_surface)
{
    size_t n = ix->nsents;
    if (n < 2)
        return PL_OK;
    skey *k = pl_malloc(n * sizeof *k);
    sent *ns = pl_malloc(n * sizeof *ns);
    int rc = k && ns ? PL_OK : PL_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        const sent *se = &ix->sents[i];
        k[i].k = by_surface ? key8(se->surface, se->sn) : key8(se->term, se->tn);
        k[i].i = (uint32_t)i;
    }
    if (!rc)
        rc = skey_sort(k, n, by_surface ? cmp_sent_surface_i : cmp_sent_term_i, ix->sents);
    if (!rc) {
        for (size_t i = 0; i < n; i++)
            ns[i] = ix->sents[k[i].i];
        pl_free(ix->sents);
        ix->sents = ns;
        ix->sents_cap = (uint32_t)n;
        ns = NULL;
    }
    pl_free(ns);
    pl_free(k);
    return rc;
}

static int merge(pl_indexer *ix, pl_error *err)
{
    int ret = PL_OK;
    uint32_t *idx = sorted_tents(ix);
    size_t nr = ix->nruns + 1; /* file runs, then the memory run */
    rrec *c = pl_calloc(nr, sizeof *c);
    if (!idx || !c) {
        ret = pl_error_set(err, PL_ENOMEM, "out of memory (merge)");
        goto done;
    }
    /* display forms: surfaces sorted by term, most common first */
    if ((ret = sort_sents(ix, 0))) {
        pl_error_set(err, ret, "out of memory (merge)");
        goto done;
    }
    uint32_t si = 0, mi = 0;
    for (size_t r = 0; r < ix->nruns; r++) {
        if (fseek(ix->runs[r].f, 0, SEEK_SET) || run_next(&ix->runs[r], &c[r], err)) {
            ret = err->code ? err->code : PL_EIO;
            goto done;
        }
    }
    rrec *m = &c[nr - 1];
    for (;;) {
        /* the memory run's current term */
        if (mi < ix->ntents) {
            m->t = &ix->tents[idx[mi]];
            m->done = 0;
        } else {
            m->done = 1;
        }
        const char *mt = NULL;
        size_t mn = 0;
        for (size_t r = 0; r < nr; r++) {
            if (c[r].done)
                continue;
            const char *t = r == nr - 1 ? c[r].t->term : c[r].term;
            size_t tn = r == nr - 1 ? c[r].t->tn : c[r].tn;
            if (!mt || cmp_term(t, tn, mt, mn) < 0) {
                mt = t;
                mn = tn;
            }
        }
        if (!mt)
            break;
        char term[PL_MAX_TERM_BYTES + 1];
        memcpy(term, mt, mn);
        if ((ret = pl_writer_term_begin(ix->w, term, mn, err)))
            goto done;
        for (size_t r = 0; r < nr; r++) {
            if (c[r].done)
                continue;
            if (r == nr - 1) {
                const tent *t = c[r].t;
                if (t->tn != mn || memcmp(t->term, term, mn))
                    continue;
                if ((ret = feed(ix, t->post.p, t->post.n, t->pos.p, t->pos.n, err)))
                    goto done;
                mi++;
            } else {
                if (c[r].tn != mn || memcmp(c[r].term, term, mn))
                    continue;
                if ((ret = feed(ix, c[r].post, c[r].postn, c[r].pos, c[r].posn, err)) ||
                    (ret = run_next(&ix->runs[r], &c[r], err)))
                    goto done;
            }
        }
        /* most common surface of this term */
        while (si < ix->nsents && cmp_term(ix->sents[si].term, ix->sents[si].tn, term, mn) < 0)
            si++;
        const char *disp = NULL;
        size_t dn = 0;
        if (si < ix->nsents && !cmp_term(ix->sents[si].term, ix->sents[si].tn, term, mn)) {
            disp = ix->sents[si].surface;
            dn = ix->sents[si].sn;
        }
        if ((ret = pl_writer_term_end(ix->w, disp, dn, err)))
            goto done;
    }
    /* surfaces, in surface order */
    if ((ret = sort_sents(ix, 1))) {
        pl_error_set(err, ret, "out of memory (merge)");
        goto done;
    }
    for (uint32_t i = 0; i < ix->nsents; i++) {
        const sent *s = &ix->sents[i];
        if (s->df &&
            (ret = pl_writer_put_surface(ix->w, s->surface, s->sn, s->term, s->tn, s->df, err)))
            goto done;
    }
done:
    if (c)
        for (size_t r = 0; r < nr; r++) {
            pl_free(c[r].post);
            pl_free(c[r].pos);
        }
    pl_free(c);
    pl_free(idx);
    return ret;
}

static void close_runs(pl_indexer *ix)
{
    for (size_t r = 0; r < ix->nruns; r++) {
        if (ix->runs[r].f)
            fclose(ix->runs[r].f);
        unlink(ix->runs[r].path);
    }
    pl_free(ix->runs);
    ix->runs = NULL;
    ix->nruns = 0;
}

int pl_indexer_commit(pl_indexer *ix, pl_error *err)
{
    progress(ix, 1);
    /* the tables are this thread's again once the inverter has stopped */
    int rc = inv_stop(ix, err);
    if (getenv("PLUMBLINE_INDEX_DEBUG")) {
        struct mallinfo2 mi = mallinfo2();
        fprintf(stderr,
                "indexer: postings %zu B, %u terms in the last run, %zu runs, %u surfaces, "
                "heap in use %zu B\n",
                ix->mem, ix->ntents, ix->total_runs, ix->nsents, mi.uordblks + mi.hblkhd);
        fprintf(stderr, "indexer: heap %zu B, mmapped %zu B, free in heap %zu B\n", mi.arena,
                mi.hblkhd, mi.fordblks);
        char l[256];
        FILE *f = fopen("/proc/self/status", "r");
        while (f && fgets(l, sizeof l, f))
            if (!strncmp(l, "Rss", 3) || !strncmp(l, "VmHWM", 5))
                fprintf(stderr, "indexer: %s", l);
        if (f)
            fclose(f);
    }
    if (!rc)
        rc = doc_stop(ix, err);
    else
        doc_stop(ix, NULL);
    if (!rc)
        rc = merge(ix, err);
    close_runs(ix);
    clear_run(ix);
    if (rc)
        return rc;
    if (ix->opts.corpus_checksum &&
        pl_writer_set_meta(ix->w, "corpus_checksum", ix->opts.corpus_checksum, err))
        return err->code;
    return pl_writer_commit(ix->w, err);
}

int pl_indexer_new(pl_indexer **out, const char *dbroot, pl_index_mode mode,
                   const pl_indexer_opts *opts, pl_error *err)
{
    *out = NULL;
    pl_indexer *ix = pl_calloc(1, sizeof *ix);
    if (!ix)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    if (opts)
        ix->opts = *opts;
    ix->mode = mode;
    ix->budget = ix->opts.mem_budget ? ix->opts.mem_budget : DEFAULT_BUDGET;
    /* PLUMBLINE_INDEX_MEM (KiB) overrides: tests use it to force spills. */
    const char *env = getenv("PLUMBLINE_INDEX_MEM");
    if (env && *env && atol(env) > 0)
        ix->budget = (size_t)atol(env) << 10;
    ix->run_arena = pl_arena_new();
    ix->surf_arena = pl_arena_new();
    if (!ix->run_arena || !ix->surf_arena) {
        pl_error_set(err, PL_ENOMEM, "out of memory");
        goto fail;
    }
    if (pl_analyzer_new(&ix->an, err))
        goto fail;
    if (pl_writer_open(&ix->w, dbroot, mode == PL_INDEX_ADD ? PL_WRITE_ADD : PL_WRITE_REBUILD, err))
        goto fail;
    ix->next_docid = pl_writer_next_docid(ix->w);
    if (mode == PL_INDEX_REBUILD && (doc_start(ix, err) || inv_start(ix, err)))
        goto fail;
    ix->tty = ix->opts.progress && isatty(2);
    ix->t0 = now_s();
    *out = ix;
    return PL_OK;
fail:
    pl_indexer_free(ix);
    return err->code ? err->code : PL_ENOMEM;
}

void pl_indexer_free(pl_indexer *ix)
{
    if (!ix)
        return;
    int had_inv = ix->inv_running;
    inv_stop(ix, NULL);
    doc_stop(ix, NULL);
    pl_buf_free(&ix->ajson);
    pl_buf_free(&ix->toks);
    for (size_t i = 0; i < INVQ; i++) {
        pl_record_owned_free(ix->iq[i].r); /* a slot filled but never queued */
        pl_buf_free(&ix->iq[i].toks);
    }
    if (had_inv) {
        pthread_mutex_destroy(&ix->imu);
        pthread_cond_destroy(&ix->icv_put);
        pthread_cond_destroy(&ix->icv_get);
        pthread_cond_destroy(&ix->icv_idle);
    }
    if (ix->async) {
        pthread_mutex_destroy(&ix->mu);
        pthread_cond_destroy(&ix->cv_put);
        pthread_cond_destroy(&ix->cv_get);
        pthread_cond_destroy(&ix->cv_idle);
        /* records left in the queue after a failure */
        for (size_t i = 0; i < ix->qcount; i++)
            pl_record_owned_free(ix->q[(ix->qhead + i) % DOCQ].r);
    }
    close_runs(ix);
    clear_run(ix);
    pl_free(ix->tents);
    pl_free(ix->thash);
    pl_free(ix->sents);
    pl_free(ix->shash);
    pl_free(ix->touched);
    pl_arena_free(ix->run_arena);
    pl_arena_free(ix->surf_arena);
    pl_buf_free(&ix->json);
    pl_buf_free(&ix->people);
    pl_analyzer_free(ix->an);
    pl_writer_free(ix->w);
    pl_free(ix);
}

size_t pl_indexer_docs(const pl_indexer *ix)
{
    return ix->docs;
}
size_t pl_indexer_runs(const pl_indexer *ix)
{
    return ix->total_runs;
}
