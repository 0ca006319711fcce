/* json_search.h — search results as the API's JSON (see docs/api.md). */
#ifndef PL_JSON_SEARCH_H
#define PL_JSON_SEARCH_H

#include "../query/query.h"

#include <jansson.h>

/* {query, total, offset, limit, took_ms, hits:[{id, year, kind, title,
 * track, people, score, snippet, snippet_text, snippet_offset, highlights,
 * explain?}], facets:{year, kind, track}, suggestion}.  snippet is the
 * HTML snippet with <mark>; highlights are [{start,end}] byte offsets into
 * snippet_text.  query = the text searched for (NULL: r->query_desc).
 * New reference; NULL on allocation failure. */
json_t *pl_json_search_results(const pl_results *r, const char *query);

#endif
