/*
 * json.c — JSON shapes shared by the CLI's --json output and the server:
 * the error envelope, one record, suggestions.  Search results and trends
 * have their own files (json_search.c, json_trends.c).
 *
 * Every string handed to jansson must be valid UTF-8 or json_string()
 * returns NULL; pl_json_str() replaces invalid bytes with U+FFFD so that a
 * record with a stray byte still renders instead of failing the request.
 */
#include "web.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < need)
        return 0;
    unsigned cp = c & (0x3f >> (need - 1));
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

int pl_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p, *end = s + n;
    while (s < end) {
        size_t k = utf8_seq(s, end);
        if (!k)
            return 0;
        s += k;
    }
    return 1;
}

json_t *pl_json_strn(const char *p, size_t n)
{
    if (!p)
        return json_string("");
    if (pl_utf8_valid(p, n))
        return json_stringn(p, n);
    /* Repair: at most 3 output bytes per input byte. */
    pl_buf b = {0};
    const unsigned char *s = (const unsigned char *)p, *end = s + n;
    while (s < end) {
        size_t k = utf8_seq(s, end);
        if (k) {
            pl_buf_put(&b, s, k);
            s += k;
        } else {
            pl_buf_put(&b, "\xef\xbf\xbd", 3);
            s++;
        }
    }
    json_t *j = b.oom ? NULL : json_stringn(b.p ? b.p : "", b.n);
    pl_buf_free(&b);
    return j;
}

json_t *pl_json_str(const char *s)
{
    return pl_json_strn(s, s ? strlen(s) : 0);
}

json_t *pl_json_error(const char *code, const char *message)
{
    json_t *inner = json_object();
    json_t *outer = json_object();
    if (!inner || !outer)
        goto fail;
    if (json_object_set_new(inner, "code", pl_json_str(code)) ||
        json_object_set_new(inner, "message", pl_json_str(message)))
        goto fail;
    if (json_object_set_new(outer, "error", inner)) {
        inner = NULL; /* set_new consumed it even on failure */
        goto fail;
    }
    return outer;
fail:
    json_decref(inner);
    json_decref(outer);
    return NULL;
}

/* The file name without its directories: the server never reveals where
 * on the indexing machine a file lived. */
static const char *base_name(const char *path)
{
    if (!path)
        return "";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

json_t *pl_json_record(const pl_record *rec)
{
    json_t *o = json_object();
    json_t *people = json_array();
    if (!o || !people || !rec)
        goto fail;
    for (size_t i = 0; i < rec->n_people && i < PL_MAX_PEOPLE; i++)
        if (json_array_append_new(people, pl_json_str(rec->people[i])))
            goto fail;
    int bad = 0;
    bad |= json_object_set_new(o, "id", pl_json_str(rec->id));
    bad |= json_object_set_new(o, "year", json_integer(rec->year));
    bad |= json_object_set_new(o, "kind", pl_json_str(pl_kind_name(rec->kind)));
    bad |= json_object_set_new(o, "title", pl_json_str(rec->title));
    bad |= json_object_set_new(o, "body", pl_json_str(rec->body));
    bad |= json_object_set_new(o, "people", people);
    people = NULL;
    bad |= json_object_set_new(o, "track", pl_json_str(rec->track));
    bad |= json_object_set_new(o, "day", pl_json_str(rec->day));
    bad |= json_object_set_new(o, "start", pl_json_str(rec->start));
    bad |= json_object_set_new(o, "duration_min", json_integer(rec->duration_min));
    bad |= json_object_set_new(o, "url", pl_json_str(rec->url));
    bad |= json_object_set_new(o, "source", pl_json_str(base_name(rec->source_file)));
    bad |= json_object_set_new(o, "title_inferred", json_boolean(rec->title_inferred));
    if (bad)
        goto fail;
    return o;
fail:
    json_decref(people);
    json_decref(o);
    return NULL;
}

json_t *pl_json_suggestions(const char *prefix, size_t prefix_n, const pl_suggestion *s, size_t n)
{
    json_t *o = json_object();
    json_t *arr = json_array();
    if (!o || !arr)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_object();
        if (!it || json_array_append_new(arr, it))
            goto fail;
        if (json_object_set_new(it, "text", pl_json_str(s[i].text)) ||
            json_object_set_new(it, "df", json_integer(s[i].df)))
            goto fail;
    }
    if (json_object_set_new(o, "prefix", pl_json_strn(prefix, prefix_n)))
        goto fail;
    if (json_object_set_new(o, "suggestions", arr)) {
        arr = NULL;
        goto fail;
    }
    return o;
fail:
    json_decref(arr);
    json_decref(o);
    return NULL;
}
