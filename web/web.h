/*
 * web.h — JSON building (shared by the CLI's --json and the server) and the
 * HTTP server.  JSON values are jansson json_t, caller owns the reference
 * returned by every pl_json_* function.
 */
#ifndef PL_WEB_H
#define PL_WEB_H

#include "../query/query.h"
#include "../query/trends.h"

#include <jansson.h>

#include "json_search.h"
#include "json_trends.h"

/* {"error":{"code":code,"message":message}} */
json_t *pl_json_error(const char *code, const char *message);
/* One record as the API shows it (id, year, kind, title, body, people,
 * track, day, start, duration_min, url, source). */
json_t *pl_json_record(const pl_record *rec);

#endif
