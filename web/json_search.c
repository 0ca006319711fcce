/*
 * json_search.c — pl_results -> the search API's JSON (json_search.h).
 * Shared by `plumbline search --json` and the server, so both print the
 * same document.  Facet objects keep the engine's order (years newest
 * first, kinds and tracks by count): dump with JSON_PRESERVE_ORDER.
 */
#include "web.h"

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

static json_t *hit_json(const pl_hit *h)
{
    const pl_record *rec = h->doc ? &h->doc->rec : NULL;
    json_t *o = json_object();
    json_t *people = json_array();
    json_t *hl = json_array();
    if (!o || !people || !hl)
        goto fail;
    for (size_t i = 0; rec && i < rec->n_people; i++)
        if (json_array_append_new(people, pl_json_str(rec->people[i])))
            goto fail;
    for (size_t i = 0; i < h->n_highlights; i++) {
        json_t *s = json_pack("{s:I,s:I}", "start", (json_int_t)h->highlights[i].start, "end",
                              (json_int_t)h->highlights[i].end);
        if (!s || json_array_append_new(hl, s))
            goto fail;
    }
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
    if (h->explain)
        bad |= json_object_set_new(o, "explain", pl_json_str(h->explain));
    if (bad)
        goto fail;
    return o;
fail:
    json_decref(o);
    json_decref(people);
    json_decref(hl);
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
