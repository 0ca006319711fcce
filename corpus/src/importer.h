/*
 * importer.h — internal to corpus/: what the Indico, iCalendar and frab
 * importers share.  Not a public header.
 *
 * An importer never calls the sink while it is still reading its file: it
 * collects every record into a pl_imp first (strings copied into one
 * arena), and only when the whole file has been validated does
 * pl_imp_emit hand them to the sink.  So a malformed or truncated file
 * imports nothing.  Records with the same source id inside one file are collapsed
 * (the last wins, with a warning): Indico and frab ids and iCalendar UIDs
 * are meant to be unique, and a duplicate is a re-export artefact.
 */
#ifndef PL_IMPORTER_H
#define PL_IMPORTER_H

#include "record.h"

typedef struct pl_imp pl_imp;

int pl_imp_new(const char *path, const pl_parse_opts *o, pl_imp **out);
void pl_imp_free(pl_imp *im);

/* "path:line: what" to the warning callback (line 0: "path: what"). */
void pl_imp_warn(pl_imp *im, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Single-line display text (titles, names, tracks): whitespace of any kind
 * collapses to one space, HTML character references are decoded (Indico
 * and frab JSON exports carry titles such as "BPF&#39;s &amp; more"), then
 * pl_text_clean.  Returns an arena string ("" for NULL input), NULL only
 * when out of memory. */
const char *pl_imp_line(pl_imp *im, const char *s, size_t n);
/* The same for a URL, without decoding references. */
const char *pl_imp_url(pl_imp *im, const char *s, size_t n);
/* Multi-line body text: pl_html_to_text, then pl_text_clean.  Same
 * ownership. */
const char *pl_imp_body(pl_imp *im, const char *s, size_t n);
/* Copies n bytes into the arena. */
const char *pl_imp_strndup(pl_imp *im, const char *s, size_t n);

/* Queues a record.  rec->id is ignored: the id is made from
 * (year, kind, prefix, source_id).  The record is skipped with a warning
 * naming `what` when it has no title, no plausible year or no source id.
 * Strings are copied.  Returns PL_OK (also when skipped) or PL_ENOMEM. */
int pl_imp_add(pl_imp *im, const pl_record *rec, const char *prefix, const char *source_id,
               const char *what);
size_t pl_imp_count(const pl_imp *im);
/* Whether a record with this source id is queued. */
int pl_imp_has(const pl_imp *im, const char *prefix, const char *source_id);

/* Hands every live record to sink in file order (a record that replaced
 * a duplicate sits where the last occurrence was). */
int pl_imp_emit(pl_imp *im, pl_record_sink sink, void *ctx);

/* Parses "YYYY-MM-DD" at the start of s into day (and year); 0 on success. */
int pl_imp_parse_day(const char *s, char day[11], int *year);
/* Parses "HH:MM" (optionally ":SS" after) into start; 0 on success. */
int pl_imp_parse_hhmm(const char *s, char start[6]);

#endif
