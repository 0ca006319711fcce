/*
 * importer.c — the collect-then-emit queue shared by the importers (see
 * importer.h).  Memory: one arena for every string of the file plus an
 * array of records and an open-addressing id table (load <= 1/2), so
 * adding n records costs O(n) expected time and O(total text) memory.
 */
#include "importer.h"

#include <stdio.h>
#include <string.h>

typedef struct qrec {
    pl_record rec;
    const char *key; /* "<prefix>\x1f<source id>": duplicates are found by
                      * the source's id, whatever year or kind they carry */
    int live;        /* 0 once replaced by a later record with the same id */
} qrec;

struct pl_imp {
    const char *path;
    const pl_parse_opts *opts;
    pl_arena *arena;
    qrec *recs;
    size_t n, cap;
    size_t *slots; /* index+1 into recs, 0 = empty */
    size_t nslots;
    size_t live;
};

int pl_imp_new(const char *path, const pl_parse_opts *o, pl_imp **out)
{
    *out = NULL;
    pl_imp *im = pl_calloc(1, sizeof *im);
    if (!im)
        return PL_ENOMEM;
    im->path = path ? path : "(input)";
    im->opts = o;
    im->arena = pl_arena_new();
    if (!im->arena) {
        pl_free(im);
        return PL_ENOMEM;
    }
    *out = im;
    return PL_OK;
}

void pl_imp_free(pl_imp *im)
{
    if (!im)
        return;
    pl_arena_free(im->arena);
    pl_free(im->recs);
    pl_free(im->slots);
    pl_free(im);
}

void pl_imp_warn(pl_imp *im, int line, const char *fmt, ...)
{
    if (!im->opts || !im->opts->warn)
        return;
    char what[768], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(msg, sizeof msg, "%s:%d: %s", im->path, line, what);
    else
        snprintf(msg, sizeof msg, "%s: %s", im->path, what);
    im->opts->warn(im->opts->warn_ctx, msg);
}

const char *pl_imp_strndup(pl_imp *im, const char *s, size_t n)
{
    return pl_arena_strndup(im->arena, s ? s : "", s ? n : 0);
}

/* decode: HTML character references too (titles, names, tracks); not for
 * URLs, where "&lang=" is a query parameter, not an entity. */
static const char *one_line(pl_imp *im, const char *s, size_t n, int decode)
{
    if (!s)
        return pl_imp_strndup(im, "", 0);
    pl_buf flat = {0}, dec = {0}, clean = {0};
    const char *res = NULL;
    /* flatten every kind of whitespace first: pl_text_clean works on one
     * line of display text */
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = 1;
            continue;
        }
        if ((unsigned char)c < 0x20 || c == 0x7f)
            continue;
        if (space && flat.n)
            pl_buf_putc(&flat, ' ');
        space = 0;
        pl_buf_putc(&flat, c);
    }
    if (flat.oom)
        goto done;
    pl_buf *in = &flat;
    if (decode) {
        if (pl_html_decode_entities(&dec, flat.p ? flat.p : "", flat.n) != PL_OK)
            goto done;
        in = &dec;
    }
    if (pl_text_clean(&clean, in->p ? in->p : "", in->n) != PL_OK || clean.oom)
        goto done;
    res = pl_imp_strndup(im, clean.p ? clean.p : "", clean.n);
done:
    pl_buf_free(&flat);
    pl_buf_free(&dec);
    pl_buf_free(&clean);
    return res;
}

const char *pl_imp_line(pl_imp *im, const char *s, size_t n)
{
    return one_line(im, s, n, 1);
}

const char *pl_imp_url(pl_imp *im, const char *s, size_t n)
{
    return one_line(im, s, n, 0);
}

const char *pl_imp_body(pl_imp *im, const char *s, size_t n)
{
    if (!s)
        return pl_imp_strndup(im, "", 0);
    pl_buf b = {0}, clean = {0};
    const char *res = NULL;
    /* markup first, then the one spelling every parser uses (quotes, NFC) */
    if (pl_html_to_text(&b, s, n) == PL_OK && pl_text_clean(&clean, b.p ? b.p : "", b.n) == PL_OK &&
        !clean.oom)
        res = pl_imp_strndup(im, clean.p ? clean.p : "", clean.n);
    pl_buf_free(&b);
    pl_buf_free(&clean);
    return res;
}

size_t pl_imp_count(const pl_imp *im)
{
    return im->live;
}

int pl_imp_has(const pl_imp *im, const char *prefix, const char *source_id)
{
    if (!im->nslots || !source_id)
        return 0;
    size_t pn = strlen(prefix), sn = strlen(source_id);
    pl_buf key = {0};
    pl_buf_put(&key, prefix, pn);
    pl_buf_putc(&key, '\x1f');
    pl_buf_put(&key, source_id, sn);
    int found = 0;
    if (!key.oom) {
        uint64_t h = pl_hash64(key.p, key.n);
        for (size_t j = (size_t)h & (im->nslots - 1); im->slots[j]; j = (j + 1) & (im->nslots - 1))
            if (strcmp(im->recs[im->slots[j] - 1].key, key.p) == 0) {
                found = 1;
                break;
            }
    }
    pl_buf_free(&key);
    return found;
}

static int grow_slots(pl_imp *im)
{
    size_t ns = im->nslots ? im->nslots * 2 : 64;
    size_t *slots = pl_calloc(ns, sizeof *slots);
    if (!slots)
        return PL_ENOMEM;
    for (size_t i = 0; i < im->n; i++) {
        if (!im->recs[i].live)
            continue;
        uint64_t h = pl_hash64(im->recs[i].key, strlen(im->recs[i].key));
        size_t j = (size_t)h & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = i + 1;
    }
    pl_free(im->slots);
    im->slots = slots;
    im->nslots = ns;
    return PL_OK;
}

static int valid_year(int y)
{
    return y >= 1900 && y <= 2200;
}

int pl_imp_add(pl_imp *im, const pl_record *in, const char *prefix, const char *source_id,
               const char *what)
{
    if (!in->title || !*in->title) {
        pl_imp_warn(im, in->line_first, "%s: no title, skipped", what);
        return PL_OK;
    }
    if (!valid_year(in->year)) {
        pl_imp_warn(im, in->line_first, "%s (\"%s\"): no date, so no year; skipped", what,
                    in->title);
        return PL_OK;
    }
    if (!source_id || !*source_id) {
        pl_imp_warn(im, in->line_first, "%s (\"%s\"): no id, skipped", what, in->title);
        return PL_OK;
    }
    char id[96];
    pl_record_make_source_id(in->year, in->kind, prefix, source_id, id);
    size_t pn = strlen(prefix), sn = strlen(source_id);
    char *key = pl_arena_alloc(im->arena, pn + sn + 2);
    if (!key)
        return PL_ENOMEM;
    memcpy(key, prefix, pn);
    key[pn] = '\x1f';
    memcpy(key + pn + 1, source_id, sn + 1);

    if ((im->live + 1) * 2 > im->nslots && grow_slots(im) != PL_OK)
        return PL_ENOMEM;
    if (im->n == im->cap) {
        size_t nc = im->cap ? im->cap * 2 : 32;
        qrec *r = pl_realloc(im->recs, nc * sizeof *r);
        if (!r)
            return PL_ENOMEM;
        im->recs = r;
        im->cap = nc;
    }
    qrec *q = &im->recs[im->n];
    memset(q, 0, sizeof *q);
    pl_record *r = &q->rec;
    *r = *in;
    r->id = pl_imp_strndup(im, id, strlen(id));
    r->title = pl_imp_strndup(im, in->title, strlen(in->title));
    r->body = pl_imp_strndup(im, in->body ? in->body : "", in->body ? strlen(in->body) : 0);
    r->track = pl_imp_strndup(im, in->track ? in->track : "", in->track ? strlen(in->track) : 0);
    r->url = pl_imp_strndup(im, in->url ? in->url : "", in->url ? strlen(in->url) : 0);
    r->source_file = im->path;
    if (!r->id || !r->title || !r->body || !r->track || !r->url)
        return PL_ENOMEM;
    for (size_t i = 0; i < in->n_people; i++) {
        r->people[i] = pl_imp_strndup(im, in->people[i], strlen(in->people[i]));
        if (!r->people[i])
            return PL_ENOMEM;
    }
    q->live = 1;
    q->key = key;

    uint64_t h = pl_hash64(key, pn + sn + 1);
    size_t j = (size_t)h & (im->nslots - 1);
    while (im->slots[j]) {
        qrec *old = &im->recs[im->slots[j] - 1];
        if (strcmp(old->key, key) == 0) {
            if (old->rec.line_first > 0)
                pl_imp_warn(im, in->line_first,
                            "%s: duplicate id %s (also at line %d), keeping the last", what,
                            source_id, old->rec.line_first);
            else
                pl_imp_warn(im, in->line_first, "%s: duplicate id %s, keeping the last", what,
                            source_id);
            old->live = 0;
            im->slots[j] = im->n + 1;
            im->n++;
            return PL_OK;
        }
        j = (j + 1) & (im->nslots - 1);
    }
    im->slots[j] = im->n + 1;
    im->n++;
    im->live++;
    return PL_OK;
}

int pl_imp_emit(pl_imp *im, pl_record_sink sink, void *ctx)
{
    for (size_t i = 0; i < im->n; i++) {
        if (!im->recs[i].live)
            continue;
        int rc = sink(ctx, &im->recs[i].rec);
        if (rc != PL_OK)
            return rc;
    }
    return PL_OK;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int pl_imp_parse_day(const char *s, char day[11], int *year)
{
    if (!s || strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return -1;
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    memcpy(day, s, 10);
    day[10] = '\0';
    *year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    return 0;
}

int pl_imp_parse_hhmm(const char *s, char start[6])
{
    if (!s)
        return -1;
    size_t len = strlen(s);
    /* "9:30" as well as "09:30" */
    char tmp[6];
    if (len >= 4 && digits(s, 1) && s[1] == ':' && digits(s + 2, 2)) {
        tmp[0] = '0';
        memcpy(tmp + 1, s, 4);
    } else if (len >= 5 && digits(s, 2) && s[2] == ':' && digits(s + 3, 2)) {
        memcpy(tmp, s, 5);
    } else {
        return -1;
    }
    tmp[5] = '\0';
    if ((tmp[0] - '0') * 10 + (tmp[1] - '0') > 23 || tmp[3] > '5')
        return -1;
    memcpy(start, tmp, 6);
    return 0;
}
