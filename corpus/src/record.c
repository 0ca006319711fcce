/*
 * record.c — kinds, stable ids, the canonical JSON form of a record, owned
 * copies, and where the bundled corpus lives.
 *
 * Canonical JSON (schema 1, see corpus/README.md), keys in this order:
 *   schema, id, year, kind, title, body, people, track, day, start,
 *   duration_min, url, source_file, line_first, line_last, title_inferred
 * Reading is lenient about what may be absent (the bench corpus carries
 * only id, year, title, body) and strict about types.
 */
#include "corpus_internal.h"
#include "pl_config.h"

#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kind_names[PL_KIND_COUNT] = {"mc", "talk", "cfp", "news", "event"};

const char *pl_kind_name(pl_kind k)
{
    return (unsigned)k < PL_KIND_COUNT ? kind_names[k] : "?";
}

int pl_kind_parse(const char *s, pl_kind *out)
{
    *out = PL_KIND_TALK;
    for (int k = 0; s && k < PL_KIND_COUNT; k++)
        if (!strcmp(s, kind_names[k])) {
            *out = (pl_kind)k;
            return PL_OK;
        }
    return PL_EPARSE;
}

/* ---- ids ----------------------------------------------------------------- */

void pl_record_make_id(int year, pl_kind kind, const char *title, char out[96])
{
    char slug[49];
    size_t n = title ? strlen(title) : 0;
    size_t sl = pl_slugify(title ? title : "", n, slug, 48);
    while (sl > 0 && slug[sl - 1] == '-')
        slug[--sl] = '\0'; /* the cut may leave a dangling separator */
    if (sl == 0)
        strcpy(slug, "untitled");
    char key[64];
    int kl = snprintf(key, sizeof key, "%d\x1f%s\x1f", year, pl_kind_name(kind));
    /* Hash of "<year>\x1f<kind>\x1f<title>" without concatenating: FNV
     * needs the bytes in one run, so build them in a small buffer. */
    pl_buf b = {0};
    pl_buf_put(&b, key, (size_t)kl);
    pl_buf_put(&b, title ? title : "", n);
    uint64_t h = b.oom ? pl_hash64(title ? title : "", n) : pl_hash64(b.p, b.n);
    pl_buf_free(&b);
    snprintf(out, 96, "%d-%s-%s-%08x", year, pl_kind_name(kind), slug, (unsigned)(h & 0xffffffffu));
}

void pl_record_make_source_id(int year, pl_kind kind, const char *prefix, const char *source_id,
                              char out[96])
{
    char pre[17], slug[65];
    size_t pl = pl_slugify(prefix ? prefix : "", prefix ? strlen(prefix) : 0, pre, 16);
    size_t sn = source_id ? strlen(source_id) : 0;
    size_t sl = pl_slugify(source_id ? source_id : "", sn, slug, 64);
    if (sl > 56) {
        /* Long ids (iCalendar UIDs) are cut; the hash of the whole id
         * keeps two ids that share a long prefix apart. */
        uint64_t h = pl_hash64(source_id, sn);
        snprintf(slug + 47, sizeof slug - 47, "-%08x", (unsigned)(h & 0xffffffffu));
    }
    if (pl == 0)
        strcpy(pre, "src");
    snprintf(out, 96, "%d-%s-%s-%s", year, pl_kind_name(kind), pre, slug[0] ? slug : "x");
}

/* ---- writing -------------------------------------------------------------
 * Written by hand rather than through a jansson object: a build stores
 * every record in this form, and building then dumping a jansson object
 * cost about 8 us a record (1.4 KB), 9 % of a kdocs-100k build.  The
 * output is byte for byte what json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) gives for the same object (tests/unit/corpus
 * compares the two): '"' and '\\' escaped, \b \f \n \r \t by name, other
 * bytes below 0x20 as \u00XX (upper-case hex), everything else as is.
 * Like json_string(), a string that is not valid UTF-8 is refused. */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), 0 if none:
 * no overlong forms, no surrogates, nothing above U+10FFFF (jansson's
 * utf8_check_full). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

/* 1: the byte needs more than a copy (escape or UTF-8 check). */
static const unsigned char json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Appends "key": (key is plain ASCII) then the quoted, escaped value.
 * Worst case 6 output bytes per input byte, reserved up front so the loop
 * writes without checks.  Returns -1 on invalid UTF-8 (nothing useful
 * written), PL_ENOMEM, or PL_OK. */
static int put_json_str(pl_buf *b, const char *v)
{
    const unsigned char *p = (const unsigned char *)(v ? v : ""),
                        *end = p + strlen((const char *)p);
    size_t n = (size_t)(end - p);
    if (n > (SIZE_MAX - 8) / 6 || pl_buf_reserve(b, n * 6 + 2) != PL_OK)
        return PL_ENOMEM;
    char *w = b->p + b->n;
    *w++ = '"';
    while (p < end) {
        const unsigned char *q = p;
        while (q < end && !json_special[*q])
            q++;
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        p = q;
        if (p == end)
            break;
        unsigned c = *p;
        if (c >= 0x80) {
            size_t k = utf8_seq(p, end);
            if (!k)
                return -1;
            memcpy(w, p, k);
            w += k;
            p += k;
            continue;
        }
        *w++ = '\\';
        switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '\b': *w++ = 'b'; break;
        case '\f': *w++ = 'f'; break;
        case '\n': *w++ = 'n'; break;
        case '\r': *w++ = 'r'; break;
        case '\t': *w++ = 't'; break;
        default:
            *w++ = 'u';
            *w++ = '0';
            *w++ = '0';
            *w++ = "0123456789ABCDEF"[c >> 4];
            *w++ = "0123456789ABCDEF"[c & 15];
        }
        p++;
    }
    *w++ = '"';
    b->n = (size_t)(w - b->p);
    b->p[b->n] = 0;
    return PL_OK;
}

int pl_record_to_json(pl_buf *buf, const pl_record *r, pl_error *err)
{
    size_t start = buf->n;
    const char *bad = NULL;
    int rc;
#define STR(key, v)                                                                                \
    do {                                                                                           \
        pl_buf_puts(buf, "\"" key "\":");                                                          \
        if ((rc = put_json_str(buf, (v))) != PL_OK) {                                              \
            bad = key;                                                                             \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)
    pl_buf_printf(buf, "{\"schema\":%d,", PL_RECORD_SCHEMA);
    STR("id", r->id);
    pl_buf_printf(buf, ",\"year\":%d,\"kind\":\"%s\",", r->year, pl_kind_name(r->kind));
    STR("title", r->title);
    pl_buf_putc(buf, ',');
    STR("body", r->body);
    pl_buf_puts(buf, ",\"people\":[");
    for (size_t i = 0; i < r->n_people && i < PL_MAX_PEOPLE; i++) {
        if (i)
            pl_buf_putc(buf, ',');
        if ((rc = put_json_str(buf, r->people[i])) != PL_OK) {
            bad = "people";
            goto fail;
        }
    }
    pl_buf_puts(buf, "],");
    STR("track", r->track);
    pl_buf_putc(buf, ',');
    STR("day", r->day);
    pl_buf_putc(buf, ',');
    STR("start", r->start);
    pl_buf_printf(buf, ",\"duration_min\":%d,", r->duration_min);
    STR("url", r->url);
    pl_buf_putc(buf, ',');
    STR("source_file", r->source_file);
    pl_buf_printf(buf, ",\"line_first\":%d,\"line_last\":%d,\"title_inferred\":%s}", r->line_first,
                  r->line_last, r->title_inferred ? "true" : "false");
#undef STR
    if (buf->oom)
        goto oom;
    return PL_OK;
fail:
    buf->n = start;
    if (buf->p)
        buf->p[start] = 0;
    if (rc == PL_ENOMEM)
        goto oom;
    return pl_error_set(err, PL_EPARSE, "field \"%s\" is not valid UTF-8", bad);
oom:
    buf->n = start;
    if (buf->p)
        buf->p[start] = 0;
    return pl_error_set(err, PL_ENOMEM, "out of memory writing JSON");
}

int pl_record_write_jsonl(FILE *out, const pl_record *rec, pl_error *err)
{
    pl_buf b = {0};
    int rc = pl_record_to_json(&b, rec, err);
    if (rc == PL_OK) {
        pl_buf_putc(&b, '\n');
        if (b.oom)
            rc = pl_error_set(err, PL_ENOMEM, "out of memory writing JSON");
        else if (fwrite(b.p, 1, b.n, out) != b.n)
            rc = pl_error_set(err, PL_EIO, "write failed");
    }
    pl_buf_free(&b);
    return rc;
}

/* ---- owned records ----------------------------------------------------------
 * One allocation: the pl_record_owned, then every string back to back. */

static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 1;
}

static char *put(char **w, const char *s)
{
    char *r = *w;
    size_t n = slen(s) - 1;
    if (n)
        memcpy(r, s, n);
    r[n] = '\0';
    *w += n + 1;
    return r;
}

int pl_record_copy(const pl_record *rec, pl_record_owned **out)
{
    *out = NULL;
    size_t np = rec->n_people < PL_MAX_PEOPLE ? rec->n_people : PL_MAX_PEOPLE;
    size_t need = sizeof(pl_record_owned) + slen(rec->id) + slen(rec->title) + slen(rec->body) +
                  slen(rec->track) + slen(rec->url) + slen(rec->source_file);
    for (size_t i = 0; i < np; i++)
        need += slen(rec->people[i]);
    pl_record_owned *o = pl_malloc(need);
    if (!o)
        return PL_ENOMEM;
    char *w = (char *)(o + 1);
    o->storage = w;
    o->rec = *rec;
    o->rec.id = put(&w, rec->id);
    o->rec.title = put(&w, rec->title);
    o->rec.body = put(&w, rec->body);
    o->rec.track = put(&w, rec->track);
    o->rec.url = put(&w, rec->url);
    o->rec.source_file = put(&w, rec->source_file);
    o->rec.n_people = np;
    for (size_t i = 0; i < PL_MAX_PEOPLE; i++)
        o->rec.people[i] = i < np ? put(&w, rec->people[i]) : NULL;
    *out = o;
    return PL_OK;
}

void pl_record_owned_free(pl_record_owned *r)
{
    pl_free(r);
}

/* ---- reading ----------------------------------------------------------------- */

static int get_str(json_t *o, const char *key, const char **out, pl_error *err)
{
    json_t *v = json_object_get(o, key);
    *out = "";
    if (!v || json_is_null(v))
        return PL_OK;
    if (!json_is_string(v))
        return pl_error_set(err, PL_EPARSE, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    return PL_OK;
}

static int get_int(json_t *o, const char *key, long lo, long hi, long *out, pl_error *err)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return PL_OK;
    if (!json_is_integer(v))
        return pl_error_set(err, PL_EPARSE, "\"%s\" must be an integer", key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return pl_error_set(err, PL_EPARSE, "\"%s\" out of range (%ld..%ld)", key, lo, hi);
    *out = (long)x;
    return PL_OK;
}

/* "YYYY-MM-DD" / "HH:MM" shapes; anything else is refused. */
static int shaped(const char *s, const char *shape)
{
    size_t i = 0;
    for (; shape[i]; i++) {
        if (!s[i])
            return 0;
        if (shape[i] == '9' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return 0;
    }
    return s[i] == '\0';
}

int pl_record_from_json(const char *p, size_t n, pl_record_owned **out, pl_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return pl_error_set(err, PL_EPARSE, "invalid JSON at column %d: %s", je.column, je.text);
    int rc = PL_OK;
    pl_record r;
    memset(&r, 0, sizeof r);
    if (!json_is_object(o)) {
        rc = pl_error_set(err, PL_EPARSE, "a record must be a JSON object");
        goto done;
    }
    long v;
    json_t *schema = json_object_get(o, "schema");
    if (schema && (!json_is_integer(schema) || json_integer_value(schema) != PL_RECORD_SCHEMA)) {
        rc = pl_error_set(err, PL_EVERSION, "unsupported \"schema\" (this build reads %d)",
                          PL_RECORD_SCHEMA);
        goto done;
    }
    json_t *jy = json_object_get(o, "year"), *jt = json_object_get(o, "title");
    if (!jy || json_is_null(jy)) {
        rc = pl_error_set(err, PL_ENOTFOUND, "record without \"year\"");
        goto done;
    }
    if ((rc = get_int(o, "year", 1900, 2999, &v, err)))
        goto done;
    r.year = (int)v;
    if (!jt || json_is_null(jt) || (json_is_string(jt) && json_string_length(jt) == 0)) {
        rc = pl_error_set(err, PL_ENOTFOUND, "record without \"title\"");
        goto done;
    }
    const char *kind;
    if ((rc = get_str(o, "title", &r.title, err)) || (rc = get_str(o, "body", &r.body, err)) ||
        (rc = get_str(o, "id", &r.id, err)) || (rc = get_str(o, "kind", &kind, err)) ||
        (rc = get_str(o, "track", &r.track, err)) || (rc = get_str(o, "url", &r.url, err)) ||
        (rc = get_str(o, "source_file", &r.source_file, err)))
        goto done;
    /* No kind (the bench corpus): a talk, the commonest kind of document. */
    if (kind[0] && pl_kind_parse(kind, &r.kind) != PL_OK) {
        rc = pl_error_set(err, PL_EPARSE, "unknown \"kind\" \"%s\" (mc, talk, cfp, news, event)",
                          kind);
        goto done;
    } else if (!kind[0]) {
        r.kind = PL_KIND_TALK;
    }
    const char *day, *start;
    if ((rc = get_str(o, "day", &day, err)) || (rc = get_str(o, "start", &start, err)))
        goto done;
    if (day[0] && !shaped(day, "9999-99-99")) {
        rc = pl_error_set(err, PL_EPARSE, "\"day\" must be YYYY-MM-DD");
        goto done;
    }
    if (start[0] && !shaped(start, "99:99")) {
        rc = pl_error_set(err, PL_EPARSE, "\"start\" must be HH:MM");
        goto done;
    }
    memcpy(r.day, day, strlen(day) + 1);
    memcpy(r.start, start, strlen(start) + 1);
    if ((rc = get_int(o, "duration_min", 0, 100000, &v, err)))
        goto done;
    r.duration_min = (int)v;
    if ((rc = get_int(o, "line_first", 0, 1L << 30, &v, err)))
        goto done;
    r.line_first = (int)v;
    if ((rc = get_int(o, "line_last", 0, 1L << 30, &v, err)))
        goto done;
    r.line_last = (int)v;
    json_t *ti = json_object_get(o, "title_inferred");
    if (ti && !json_is_boolean(ti) && !json_is_null(ti)) {
        rc = pl_error_set(err, PL_EPARSE, "\"title_inferred\" must be true or false");
        goto done;
    }
    r.title_inferred = ti && json_is_true(ti);
    json_t *people = json_object_get(o, "people");
    if (people && !json_is_null(people)) {
        if (!json_is_array(people)) {
            rc = pl_error_set(err, PL_EPARSE, "\"people\" must be an array of strings");
            goto done;
        }
        size_t i;
        json_t *e;
        json_array_foreach(people, i, e)
        {
            if (!json_is_string(e)) {
                rc = pl_error_set(err, PL_EPARSE, "\"people\" must be an array of strings");
                goto done;
            }
            if (r.n_people < PL_MAX_PEOPLE)
                r.people[r.n_people++] = json_string_value(e);
        }
    }
    char idbuf[96];
    if (!r.id[0]) {
        pl_record_make_id(r.year, r.kind, r.title, idbuf);
        r.id = idbuf;
    }
    if (pl_record_copy(&r, out) != PL_OK)
        rc = pl_error_set(err, PL_ENOMEM, "out of memory reading a record");
done:
    json_decref(o);
    return rc;
}

/* ---- the bundled corpus ---------------------------------------------------- */

static int is_dir(const char *p)
{
    struct stat st;
    return p && p[0] && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *pl_corpus_dir(void)
{
    const char *env = getenv("PLUMBLINE_CORPUS");
    if (env && env[0])
        return env;
    if (is_dir(PL_SOURCE_CORPUS_DIR))
        return PL_SOURCE_CORPUS_DIR;
    return PL_INSTALL_CORPUS_DIR;
}

static const char *const bundled[] = {"lpc2019-schedule.txt", "lpc2023-blog.txt",
                                      "lpc2024-mcs.txt"};

int pl_corpus_files(const char *dir, char ***paths, size_t *n, pl_error *err)
{
    *paths = NULL;
    *n = 0;
    size_t k = sizeof bundled / sizeof bundled[0];
    char **v = pl_calloc(k, sizeof *v);
    if (!v)
        return pl_error_set(err, PL_ENOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) {
        pl_buf b = {0};
        pl_buf_printf(&b, "%s/%s", dir, bundled[i]);
        if (b.oom) {
            pl_buf_free(&b);
            goto oom;
        }
        v[i] = pl_buf_take(&b, NULL);
        if (access(v[i], R_OK) != 0) {
            pl_error_set(err, PL_ENOTFOUND, "%s: bundled corpus file missing", v[i]);
            for (size_t j = 0; j <= i; j++)
                pl_free(v[j]);
            pl_free(v);
            return PL_ENOTFOUND;
        }
    }
    *paths = v;
    *n = k;
    return PL_OK;
oom:
    for (size_t j = 0; j < k; j++)
        pl_free(v[j]);
    pl_free(v);
    return pl_error_set(err, PL_ENOMEM, "out of memory");
}
