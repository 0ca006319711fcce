/* base.c — see base.h. */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pl_error_set(pl_error *err, int code, const char *fmt, ...)
{
    if (!err || err->code != PL_OK)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void pl_error_clear(pl_error *err)
{
    if (err) {
        err->code = PL_OK;
        err->msg[0] = '\0';
    }
}

const char *pl_status_name(int code)
{
    switch (code) {
    case PL_OK: return "ok";
    case PL_EIO: return "i/o error";
    case PL_ECORRUPT: return "corrupt data";
    case PL_EVERSION: return "format version mismatch";
    case PL_ENOTFOUND: return "not found";
    case PL_ENOMEM: return "out of memory";
    case PL_EPARSE: return "parse error";
    case PL_EUSAGE: return "usage error";
    case PL_EFULL: return "disk full";
    case PL_ELIMIT: return "limit exceeded";
    default: return "error";
    }
}

/* ---- allocation ---------------------------------------------------------- */

static long alloc_budget = -1; /* -1: unlimited; test hook only */

static int alloc_allowed(void)
{
    if (alloc_budget < 0)
        return 1;
    if (alloc_budget == 0)
        return 0;
    alloc_budget--;
    return 1;
}

void pl_alloc_fail_after(long n)
{
    alloc_budget = n;
}

void *pl_malloc(size_t n)
{
    return alloc_allowed() ? malloc(n ? n : 1) : NULL;
}

void *pl_calloc(size_t count, size_t size)
{
    return alloc_allowed() ? calloc(count ? count : 1, size ? size : 1) : NULL;
}

void *pl_realloc(void *p, size_t n)
{
    return alloc_allowed() ? realloc(p, n ? n : 1) : NULL;
}

void pl_free(void *p)
{
    free(p);
}

char *pl_strndup(const char *s, size_t n)
{
    char *d = pl_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *pl_strdup(const char *s)
{
    return s ? pl_strndup(s, strlen(s)) : NULL;
}

/* ---- buffer --------------------------------------------------------------- */

int pl_buf_reserve(pl_buf *b, size_t extra)
{
    if (b->oom)
        return PL_ENOMEM;
    if (b->n + extra + 1 <= b->cap)
        return PL_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return PL_ENOMEM;
        }
        cap *= 2;
    }
    char *p = pl_realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return PL_ENOMEM;
    }
    b->p = p;
    b->cap = cap;
    return PL_OK;
}

int pl_buf_put(pl_buf *b, const void *p, size_t n)
{
    if (pl_buf_reserve(b, n) != PL_OK)
        return PL_ENOMEM;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return PL_OK;
}

int pl_buf_putc(pl_buf *b, char c)
{
    return pl_buf_put(b, &c, 1);
}

int pl_buf_puts(pl_buf *b, const char *s)
{
    return pl_buf_put(b, s, strlen(s));
}

int pl_buf_printf(pl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || pl_buf_reserve(b, (size_t)need) != PL_OK)
        return PL_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
    return PL_OK;
}

int pl_buf_put_varint(pl_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    return pl_buf_put(b, tmp, pl_varint_put(tmp, v));
}

void pl_buf_reset(pl_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void pl_buf_free(pl_buf *b)
{
    pl_free(b->p);
    memset(b, 0, sizeof *b);
}

char *pl_buf_take(pl_buf *b, size_t *n)
{
    char *p = b->p;
    if (n)
        *n = b->n;
    if (!p)
        p = pl_strndup("", 0);
    memset(b, 0, sizeof *b);
    return p;
}

/* ---- arena ----------------------------------------------------------------- */

struct block {
    struct block *next;
    size_t cap, used;
    _Alignas(8) unsigned char data[];
};

struct pl_arena {
    struct block *head;  /* current block */
    struct block *first; /* kept across resets */
    size_t total;
};

static struct block *block_new(size_t min)
{
    size_t cap = 64 * 1024;
    while (cap < min)
        cap *= 2;
    struct block *b = pl_malloc(sizeof *b + cap);
    if (b) {
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
    }
    return b;
}

pl_arena *pl_arena_new(void)
{
    pl_arena *a = pl_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->first = a->head = block_new(0);
    if (!a->first) {
        pl_free(a);
        return NULL;
    }
    return a;
}

void *pl_arena_alloc(pl_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (a->head->used + n > a->head->cap) {
        struct block *b = block_new(n);
        if (!b)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    a->total += n;
    return p;
}

char *pl_arena_strndup(pl_arena *a, const char *s, size_t n)
{
    char *d = pl_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void pl_arena_reset(pl_arena *a)
{
    struct block *b = a->head;
    while (b != a->first) {
        struct block *next = b->next;
        pl_free(b);
        b = next;
    }
    a->head = a->first;
    a->first->used = 0;
    a->total = 0;
}

size_t pl_arena_used(const pl_arena *a)
{
    return a->total;
}

void pl_arena_free(pl_arena *a)
{
    if (!a)
        return;
    pl_arena_reset(a);
    pl_free(a->first);
    pl_free(a);
}

/* ---- varints ---------------------------------------------------------------- */

size_t pl_varint_put(uint8_t *out, uint64_t v)
{
    size_t i = 0;
    while (v >= 0x80) {
        out[i++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[i++] = (uint8_t)v;
    return i;
}

int pl_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q >= end)
            return PL_ECORRUPT;
        uint8_t c = *q++;
        if (shift == 63 && (c & 0x7e))
            return PL_ECORRUPT; /* would overflow 64 bits */
        r |= (uint64_t)(c & 0x7f) << shift;
        /* A last byte of 0 after the first is a padded (over-long) form:
         * refused so each value has exactly one encoding. */
        if (c == 0 && shift > 0)
            return PL_ECORRUPT;
        if (!(c & 0x80)) {
            *v = r;
            *p = q;
            return PL_OK;
        }
    }
    return PL_ECORRUPT;
}

size_t pl_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* ---- hash -------------------------------------------------------------------- */

uint64_t pl_hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    /* splitmix64 finaliser: FNV's low bits are weak for hash tables */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

/* ---- strings -------------------------------------------------------------------- */

int pl_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int pl_read_file(const char *path, char **out, size_t *n, pl_error *err)
{
    *out = NULL;
    if (n)
        *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_error_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: %s", path,
                            strerror(errno));
    pl_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        pl_buf_put(&b, chunk, got);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        pl_buf_free(&b);
        return pl_error_set(err, PL_EIO, "%s: read failed", path);
    }
    if (b.oom) {
        pl_buf_free(&b);
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory reading file", path);
    }
    *out = pl_buf_take(&b, n);
    return *out ? PL_OK : pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
}

size_t pl_slugify(const char *s, size_t n, char *out, size_t max)
{
    size_t o = 0;
    int dash = 0;
    for (size_t i = 0; i < n && o < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && o > 0 && o < max)
                out[o++] = '-';
            dash = 0;
            if (o < max)
                out[o++] = (char)c;
        } else if (c >= 'A' && c <= 'Z') {
            if (dash && o > 0 && o < max)
                out[o++] = '-';
            dash = 0;
            if (o < max)
                out[o++] = (char)(c - 'A' + 'a');
        } else {
            dash = 1;
        }
    }
    out[o] = '\0';
    return o;
}
