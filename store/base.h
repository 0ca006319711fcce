/*
 * base.h — the few things every room of plumbline shares: the error struct,
 * the allocation hook, a growable buffer, a bump arena, LEB128 varints and a
 * 64-bit hash.  Nothing here knows about records, LMDB, queries or HTTP.
 *
 * Conventions used across the project (see ARCHITECTURE.md):
 *  - functions return an int status (PL_OK or a negative PL_E* code) and put
 *    results in trailing out-parameters, zeroed on entry;
 *  - errors carry a message in a caller-supplied pl_error; the first error
 *    set wins, later ones are dropped so the root cause is what users see;
 *  - every _free(NULL) / _close(NULL) is a no-op.
 */
#ifndef PL_BASE_H
#define PL_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PL_VERSION_STRING "0.1.0"

enum pl_status {
    PL_OK = 0,
    PL_EIO = -1,       /* the operating system said no (open, write, fsync) */
    PL_ECORRUPT = -2,  /* bytes read from disk or input do not decode */
    PL_EVERSION = -3,  /* an index of another format version */
    PL_ENOTFOUND = -4, /* missing index, term, document */
    PL_ENOMEM = -5,    /* allocation failed (real or injected) */
    PL_EPARSE = -6,    /* malformed corpus file or query */
    PL_EUSAGE = -7,    /* bad argument from the caller */
    PL_EFULL = -8,     /* disk or LMDB map full */
    PL_ELIMIT = -9,    /* a configured limit was exceeded */
};

typedef struct pl_error {
    int code;       /* PL_OK while no error was set */
    char msg[1024]; /* "<what>: <why>", no trailing newline */
} pl_error;

/* Sets the error unless one is already set (first error wins).  Returns
 * code, so callers can write `return pl_error_set(err, PL_EIO, ...)`.
 * err may be NULL. */
int pl_error_set(pl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pl_error_clear(pl_error *err);
const char *pl_status_name(int code);

/* ---- allocation -------------------------------------------------------
 * Every allocation of the engine goes through these so that tests can
 * inject failures: after pl_alloc_fail_after(n), the (n+1)-th allocation
 * and all later ones fail until pl_alloc_fail_after(-1).  Process-global by
 * design (it is a test hook, not state of the engine). */
void *pl_malloc(size_t n);
void *pl_calloc(size_t count, size_t size);
void *pl_realloc(void *p, size_t n);
char *pl_strndup(const char *s, size_t n);
char *pl_strdup(const char *s);
void pl_free(void *p);
void pl_alloc_fail_after(long n);

/* ---- growable byte buffer --------------------------------------------
 * Always NUL-terminated past n when p != NULL.  After an allocation
 * failure `oom` is set and further appends are ignored, so a caller may
 * append many times and check once. */
typedef struct pl_buf {
    char *p;
    size_t n, cap;
    int oom;
} pl_buf;

int pl_buf_reserve(pl_buf *b, size_t extra);
int pl_buf_put(pl_buf *b, const void *p, size_t n);
int pl_buf_putc(pl_buf *b, char c);
int pl_buf_puts(pl_buf *b, const char *s);
int pl_buf_printf(pl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pl_buf_put_varint(pl_buf *b, uint64_t v);
void pl_buf_reset(pl_buf *b); /* n = 0, keeps the memory */
void pl_buf_free(pl_buf *b);  /* frees and zeroes */
/* Hands the bytes to the caller (caller pl_free()s) and zeroes b. */
char *pl_buf_take(pl_buf *b, size_t *n);

/* ---- arena -------------------------------------------------------------
 * Bump allocator in 64 KiB+ blocks; everything is freed in one call.  Used
 * per indexing batch and per query.  Allocations are 8-byte aligned. */
typedef struct pl_arena pl_arena;

pl_arena *pl_arena_new(void);
void *pl_arena_alloc(pl_arena *a, size_t n); /* NULL on failure */
char *pl_arena_strndup(pl_arena *a, const char *s, size_t n);
void pl_arena_reset(pl_arena *a); /* frees all but the first block */
size_t pl_arena_used(const pl_arena *a);
void pl_arena_free(pl_arena *a);

/* ---- LEB128 varints ------------------------------------------------------
 * pl_varint_put writes at most 10 bytes.  pl_varint_get reads from *p,
 * never past end, advances *p; returns PL_OK or PL_ECORRUPT on overrun or an
 * over-long encoding. */
size_t pl_varint_put(uint8_t *out, uint64_t v);
int pl_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);
size_t pl_varint_len(uint64_t v);

/* ---- hashing ------------------------------------------------------------ */
uint64_t pl_hash64(const void *p, size_t n); /* FNV-1a 64 with a final mix */

/* ---- small string helpers ------------------------------------------------ */
int pl_str_has_prefix(const char *s, const char *prefix);
/* Reads a whole file into a NUL-terminated buffer (caller frees). */
int pl_read_file(const char *path, char **out, size_t *n, pl_error *err);
/* Lowercase ASCII slug: letters and digits kept, runs of anything else
 * become one '-', at most max bytes.  Writes into out (size >= max+1). */
size_t pl_slugify(const char *s, size_t n, char *out, size_t max);

#endif
