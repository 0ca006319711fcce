/* json_search.h — search results as the API's JSON (see docs/api.md). */
#ifndef PL_JSON_SEARCH_H
#define PL_JSON_SEARCH_H

#include "../query/query.h"

#include <jansson.h>

/* {query, total, offset, limit, took_ms, hits:[{id, year, kind, title,
 * track, people, score, snippet, snippet_text, snippet_offset, highlights,
 * title_highlights, explain?}], facets:{year, kind, track}, suggestion}.
 * snippet is the HTML snippet with <mark>; highlights are [{start,end}]
 * byte offsets into snippet_text, title_highlights into title.  query = the text searched for
 * (NULL: r->query_desc). New reference; NULL on allocation failure. */
json_t *pl_json_search_results(const pl_results *r, const char *query);

/* The same document as compact text, byte for byte what the server sends
 * for pl_json_search_results (jansson's compact dump, object members in
 * order, with '<', '>' and '&' written as \u003c, \u003e, \u0026), written
 * straight into out without building a tree: the per-request path.
 * PL_OK or PL_ENOMEM (out->oom). */
int pl_json_search_text(const pl_results *r, const char *query, pl_buf *out);

#endif
