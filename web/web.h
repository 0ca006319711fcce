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

/* Bounds of the API's parameters that the CLI shares (same range, same
 * message): offset of /api/search, limit of /api/suggest. */
#define PL_MAX_OFFSET 10000
#define PL_SUGGEST_MAX 50

/* {"error":{"code":code,"message":message}} */
json_t *pl_json_error(const char *code, const char *message);
/* One record as the API shows it (id, year, kind, title, body, people,
 * track, day, start, duration_min, url, source). */
json_t *pl_json_record(const pl_record *rec);
/* {"prefix":..., "suggestions":[{"text":..., "df":N}...]} */
json_t *pl_json_suggestions(const char *prefix, size_t prefix_n, const pl_suggestion *s, size_t n);

/* Strings for jansson: invalid UTF-8 bytes become U+FFFD (jansson rejects
 * them); NULL becomes "". */
json_t *pl_json_str(const char *s);
json_t *pl_json_strn(const char *p, size_t n);
/* 1 if p[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int pl_utf8_valid(const char *p, size_t n);

#endif
