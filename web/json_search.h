/* json_search.h — search results as the API's JSON (see docs/api.md). */
#ifndef PL_JSON_SEARCH_H
#define PL_JSON_SEARCH_H

#include "../query/query.h"

#include <jansson.h>

#endif
