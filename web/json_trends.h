/*
 * json_trends.h — trends as the API's JSON shapes (see docs/trends.md).
 *
 * Every pl_json_* function returns a new reference (caller json_decref()s)
 * or NULL when out of memory.  Non-finite numbers (an interval bound with
 * no exposure; share and per_1k of a point with no_docs) become JSON null,
 * and empty cells in CSV.
 */
#ifndef PL_JSON_TRENDS_H
#define PL_JSON_TRENDS_H

#include "../query/trends.h"

#include <jansson.h>

/* Significant digits of every real in the trends outputs (JSON of the API
 * and of the CLI, Grafana / Vega rows, CSV): one precision everywhere, so
 * that a number reads the same in each.  jansson 2.14 (Debian's) writes
 * reals with %.17g unless told otherwise (0.95 as 0.94999999999999996)
 * and has no shortest round-trip form (JSON_REAL_PRECISION(0) gets it only
 * from 2.15); 10 digits are past every statistic's accuracy (the normal
 * quantile is good to 1e-12 relative, the counts are exact) yet short. */
#define PL_TRENDS_REAL_DIGITS 10
#define PL_TRENDS_JSON_REALS JSON_REAL_PRECISION(PL_TRENDS_REAL_DIGITS)

/* {meta:{unit, ci:{method, per_1k_method, level}, low_count_rule, filters,
 *  analyzer_version, index_built, took_ms, warnings:[string]},
 *  totals:[{year, docs, tokens}],
 *  series:[{topic, query, points:[{year, docs, docs_total, share,
 *  share_ci:[lo,hi], mentions, tokens_total, per_1k, per_1k_ci:[lo,hi],
 *  low_count, no_docs, top:[{id, title, kind, track, score, mentions,
 *  snippet, snippet_html}]}], bursts:[{topic, start, end, weight}]}]} */
json_t *pl_json_trends(const pl_trends *t);
/* Flat rows for Grafana (Infinity / JSON API datasources): one object per
 * (topic, year), time in epoch milliseconds at 1 January 00:00 UTC. */
json_t *pl_json_trends_grafana(const pl_trends *t);
/* Flat rows for Vega-Lite data.values: year as a string ("2019"). */
json_t *pl_json_trends_vega(const pl_trends *t);
/* {meta, topic, query, a:{year, docs, docs_total, share, share_ci},
 *  b:{...}, diff, diff_ci:[lo,hi], ci:{method, level}} */
json_t *pl_json_trend_compare(const pl_trend_compare *c);
/* {meta:{mode, alpha0, min_docs, limit (per list), ...}, year_a, year_b, [topic, query,]
 *  groups:{...}, rising|associated:[{term, display, count_1, count_2,
 *  docs_1, docs_2, delta, z}], falling|dissociated:[...]}.
 * mode is "rising" or "cooccur" (names the lists accordingly). */
json_t *pl_json_term_shift(const pl_term_shift *s, const char *mode);

/* RFC 4180 CSV of the series: header row, one row per (topic, year), CRLF
 * line ends.  Appends to out; PL_OK or PL_ENOMEM. */
int pl_trends_csv(const pl_trends *t, pl_buf *out);
/* One CSV text field: quoted when it holds a comma, quote, CR or LF
 * (quotes doubled); a field starting with = + - @ (or tab / CR) gets a
 * leading ' so spreadsheets do not run it as a formula. */
void pl_csv_put_field(pl_buf *out, const char *s);

/* Epoch milliseconds of 1 January 00:00 UTC of year (proleptic Gregorian). */
int64_t pl_year_epoch_ms(int year);

#endif
