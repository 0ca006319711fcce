/*
 * json_search.c — pl_results -> the search API's JSON (json_search.h).
 * Shared by `plumbline search --json` and the server, so both print the
 * same document.  Facet objects keep the engine's order (years newest
 * first, kinds and tracks by count): dump with JSON_PRESERVE_ORDER.
 */
#include "web.h"

#include <stdio.h>
#include <string.h>

static json_t *facet_json(const pl_facet *f, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        if (json_object_set_new(o, f[i].value ? f[i].value : "", json_integer(f[i].count))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* [{start, end}, ...]; NULL on allocation failure. */
static json_t *spans_json(const pl_span *sp, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *s =
            json_pack("{s:I,s:I}", "start", (json_int_t)sp[i].start, "end", (json_int_t)sp[i].end);
        if (!s || json_array_append_new(a, s)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *hit_json(const pl_hit *h)
{
    const pl_record *rec = h->doc ? &h->doc->rec : NULL;
    json_t *o = json_object();
    json_t *people = json_array();
    json_t *hl = spans_json(h->highlights, h->n_highlights);
    json_t *thl = spans_json(h->title_highlights, h->n_title_highlights);
    if (!o || !people || !hl || !thl)
        goto fail;
    for (size_t i = 0; rec && i < rec->n_people; i++)
        if (json_array_append_new(people, pl_json_str(rec->people[i])))
            goto fail;
    int bad = 0;
    bad |= json_object_set_new(o, "id", pl_json_str(rec ? rec->id : ""));
    bad |= json_object_set_new(o, "year", json_integer(rec ? rec->year : 0));
    bad |= json_object_set_new(o, "kind", pl_json_str(rec ? pl_kind_name(rec->kind) : ""));
    bad |= json_object_set_new(o, "title", pl_json_str(rec ? rec->title : ""));
    bad |= json_object_set_new(o, "track", pl_json_str(rec ? rec->track : ""));
    bad |= json_object_set_new(o, "people", people);
    people = NULL;
    bad |= json_object_set_new(o, "score", json_real(h->score));
    bad |= json_object_set_new(o, "snippet", pl_json_str(h->snippet_html));
    bad |= json_object_set_new(o, "snippet_text", pl_json_str(h->snippet_text));
    bad |= json_object_set_new(o, "snippet_offset", json_integer(h->snippet_offset));
    bad |= json_object_set_new(o, "highlights", hl);
    hl = NULL;
    bad |= json_object_set_new(o, "title_highlights", thl);
    thl = NULL;
    if (h->explain)
        bad |= json_object_set_new(o, "explain", pl_json_str(h->explain));
    if (bad)
        goto fail;
    return o;
fail:
    json_decref(o);
    json_decref(people);
    json_decref(hl);
    json_decref(thl);
    return NULL;
}

json_t *pl_json_search_results(const pl_results *r, const char *query)
{
    json_t *o = json_object();
    json_t *hits = json_array();
    json_t *facets = json_object();
    if (!o || !hits || !facets)
        goto fail;
    for (size_t i = 0; i < r->n_hits; i++) {
        json_t *h = hit_json(&r->hits[i]);
        if (!h || json_array_append_new(hits, h))
            goto fail;
    }
    json_t *fy = facet_json(r->facet_year, r->n_facet_year);
    json_t *fk = facet_json(r->facet_kind, r->n_facet_kind);
    json_t *ft = facet_json(r->facet_track, r->n_facet_track);
    int bad = json_object_set_new(facets, "year", fy ? fy : json_object());
    bad |= json_object_set_new(facets, "kind", fk ? fk : json_object());
    bad |= json_object_set_new(facets, "track", ft ? ft : json_object());
    bad |= json_object_set_new(o, "query", pl_json_str(query ? query : r->query_desc));
    bad |= json_object_set_new(o, "description", pl_json_str(r->query_desc));
    bad |= json_object_set_new(o, "total", json_integer((json_int_t)r->total));
    bad |= json_object_set_new(o, "relaxed", json_boolean(r->relaxed));
    if (r->relaxed)
        bad |= json_object_set_new(o, "all_words", json_integer((json_int_t)r->all_words));
    bad |= json_object_set_new(o, "offset", json_integer(r->offset));
    bad |= json_object_set_new(o, "limit", json_integer(r->limit));
    bad |= json_object_set_new(o, "took_ms", json_real(r->took_ms));
    bad |= json_object_set_new(o, "hits", hits);
    hits = NULL;
    bad |= json_object_set_new(o, "facets", facets);
    facets = NULL;
    bad |= json_object_set_new(o, "suggestion",
                               r->suggestion ? pl_json_str(r->suggestion) : json_null());
    if (bad || !fy || !fk || !ft)
        goto fail;
    return o;
fail:
    json_decref(o);
    json_decref(hits);
    json_decref(facets);
    return NULL;
}

/* ---- the same document written directly ----------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid (as
 * pl_json_strn judges it). */
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
    unsigned v = c & (0x3f >> (need - 1));
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return need;
}

/* A JSON string as jansson dumps it (", \ and control characters escaped,
 * UTF-8 kept) plus the server's escaping of < > &; invalid UTF-8 becomes
 * U+FFFD as in pl_json_strn.  NULL is "". */
static void put_str(pl_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF"; /* jansson writes \u%04X */
    const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + (s ? n : 0);
    pl_buf_reserve(b, n + 2);
    pl_buf_putc(b, '"');
    while (p < end) {
        const unsigned char *q = p;
        while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\' && *q != '<' &&
               *q != '>' && *q != '&')
            q++;
        pl_buf_put(b, p, (size_t)(q - p));
        p = q;
        if (p == end)
            break;
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t k = utf8_seq(p, end);
            if (k)
                pl_buf_put(b, p, k);
            else
                pl_buf_put(b, "\xef\xbf\xbd", 3);
            p += k ? k : 1;
            continue;
        }
        p++;
        switch (c) {
        case '"': pl_buf_put(b, "\\\"", 2); break;
        case '\\': pl_buf_put(b, "\\\\", 2); break;
        case '\b': pl_buf_put(b, "\\b", 2); break;
        case '\f': pl_buf_put(b, "\\f", 2); break;
        case '\n': pl_buf_put(b, "\\n", 2); break;
        case '\r': pl_buf_put(b, "\\r", 2); break;
        case '\t': pl_buf_put(b, "\\t", 2); break;
        case '<': pl_buf_put(b, "\\u003c", 6); break; /* the server's own, lower case */
        case '>': pl_buf_put(b, "\\u003e", 6); break;
        case '&': pl_buf_put(b, "\\u0026", 6); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            pl_buf_put(b, e, 6);
            break;
        }
        }
    }
    pl_buf_putc(b, '"');
}

/* A real as jansson dumps it: %.17g, ".0" added to an integral value, no
 * '+' and no leading zeros in the exponent. */
static void put_real(pl_buf *b, double v)
{
    char t[64];
    int n = snprintf(t, sizeof t, "%.17g", v);
    if (n <= 0 || (size_t)n >= sizeof t - 2)
        return;
    if (!strchr(t, '.') && !strchr(t, 'e')) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(t, 'e');
    if (e) {
        char *s = e + 1, *z = e + 2;
        if (*s == '-')
            s++;
        while (*z == '0')
            z++;
        if (z != s) {
            memmove(s, z, strlen(z) + 1);
            n = (int)strlen(t);
        }
    }
    pl_buf_put(b, t, (size_t)n);
}

static void put_key(pl_buf *b, const char *k)
{
    pl_buf_puts(b, k); /* keys here are literals: ",\"name\":" */
}

static void facet_text(pl_buf *b, const pl_facet *f, size_t n)
{
    pl_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            pl_buf_putc(b, ',');
        const char *v = f[i].value ? f[i].value : "";
        put_str(b, v, strlen(v));
        pl_buf_printf(b, ":%u", (unsigned)f[i].count);
    }
    pl_buf_putc(b, '}');
}

static void spans_text(pl_buf *b, const pl_span *sp, size_t n)
{
    pl_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++)
        pl_buf_printf(b, "%s{\"start\":%u,\"end\":%u}", i ? "," : "", (unsigned)sp[i].start,
                      (unsigned)sp[i].end);
    pl_buf_putc(b, ']');
}

static void hit_text(pl_buf *b, const pl_hit *h)
{
    const pl_record *rec = h->doc ? &h->doc->rec : NULL;
    const char *s;
#define STR(x) (s = (x) ? (x) : "", put_str(b, s, strlen(s)))
    put_key(b, "{\"id\":");
    STR(rec ? rec->id : "");
    pl_buf_printf(b, ",\"year\":%d,\"kind\":", rec ? rec->year : 0);
    STR(rec ? pl_kind_name(rec->kind) : "");
    put_key(b, ",\"title\":");
    STR(rec ? rec->title : "");
    put_key(b, ",\"track\":");
    STR(rec ? rec->track : "");
    put_key(b, ",\"people\":[");
    for (size_t i = 0; rec && i < rec->n_people; i++) {
        if (i)
            pl_buf_putc(b, ',');
        STR(rec->people[i]);
    }
    put_key(b, "],\"score\":");
    put_real(b, h->score);
    put_key(b, ",\"snippet\":");
    STR(h->snippet_html);
    put_key(b, ",\"snippet_text\":");
    STR(h->snippet_text);
    pl_buf_printf(b, ",\"snippet_offset\":%u,\"highlights\":", (unsigned)h->snippet_offset);
    spans_text(b, h->highlights, h->n_highlights);
    put_key(b, ",\"title_highlights\":");
    spans_text(b, h->title_highlights, h->n_title_highlights);
    if (h->explain) {
        put_key(b, ",\"explain\":");
        STR(h->explain);
    }
    pl_buf_putc(b, '}');
#undef STR
}

int pl_json_search_text(const pl_results *r, const char *query, pl_buf *out)
{
    const char *q = query ? query : r->query_desc;
    const char *d = r->query_desc;
    put_key(out, "{\"query\":");
    put_str(out, q, q ? strlen(q) : 0);
    put_key(out, ",\"description\":");
    put_str(out, d, d ? strlen(d) : 0);
    pl_buf_printf(out, ",\"total\":%llu,\"relaxed\":%s", (unsigned long long)r->total,
                  r->relaxed ? "true" : "false");
    if (r->relaxed)
        pl_buf_printf(out, ",\"all_words\":%llu", (unsigned long long)r->all_words);
    pl_buf_printf(out, ",\"offset\":%u,\"limit\":%u,\"took_ms\":", (unsigned)r->offset,
                  (unsigned)r->limit);
    put_real(out, r->took_ms);
    put_key(out, ",\"hits\":[");
    for (size_t i = 0; i < r->n_hits; i++) {
        if (i)
            pl_buf_putc(out, ',');
        hit_text(out, &r->hits[i]);
    }
    put_key(out, "],\"facets\":{\"year\":");
    facet_text(out, r->facet_year, r->n_facet_year);
    put_key(out, ",\"kind\":");
    facet_text(out, r->facet_kind, r->n_facet_kind);
    put_key(out, ",\"track\":");
    facet_text(out, r->facet_track, r->n_facet_track);
    put_key(out, "},\"suggestion\":");
    if (r->suggestion)
        put_str(out, r->suggestion, strlen(r->suggestion));
    else
        pl_buf_puts(out, "null");
    pl_buf_putc(out, '}');
    return out->oom ? PL_ENOMEM : PL_OK;
}
