/*
 * record.h — the archive as structured records.
 *
 * Every source format (the three bundled LPC captures, canonical JSONL,
 * Indico JSON, iCalendar, frab XML/JSON) is parsed into pl_record values
 * that are handed one at a time to a sink callback.  The record and all the
 * strings it points to are borrowed: valid only during the callback; a sink
 * that keeps one copies it (pl_record_copy).
 *
 * The canonical interchange format is JSON Lines, one record per line, see
 * corpus/README.md ("schema": 1).
 */
#ifndef PL_RECORD_H
#define PL_RECORD_H

#include "../../store/base.h"

#include <stdio.h>

typedef enum pl_kind {
    PL_KIND_MC = 0,
    PL_KIND_TALK = 1,
    PL_KIND_CFP = 2,
    PL_KIND_NEWS = 3,
    PL_KIND_EVENT = 4,
    PL_KIND_COUNT
} pl_kind;

const char *pl_kind_name(pl_kind k);            /* "mc", "talk", ... */
int pl_kind_parse(const char *s, pl_kind *out); /* PL_OK or PL_EPARSE */

#define PL_RECORD_SCHEMA 1
#define PL_MAX_PEOPLE 64

typedef struct pl_record {
    const char *id; /* stable id, see pl_record_make_id */
    int year;       /* e.g. 2019 */
    pl_kind kind;
    const char *title;                 /* never NULL in a valid record */
    const char *body;                  /* may be "" (an MC with an empty body is a record) */
    const char *people[PL_MAX_PEOPLE]; /* names only, no e-mail */
    size_t n_people;
    const char *track;         /* "" when none */
    char day[11];              /* "YYYY-MM-DD" or "" */
    char start[6];             /* "HH:MM" or "" */
    int duration_min;          /* 0 when unknown */
    const char *url;           /* "" when none */
    const char *source_file;   /* as given to the parser (path) */
    int line_first, line_last; /* 1-based lines in source_file; 0 unknown */
    int title_inferred;        /* 1: no title line, inferred from the body */
} pl_record;

/* Called once per record.  Return PL_OK to go on; any other value stops
 * the parse and is returned by the parser. */
typedef int (*pl_record_sink)(void *ctx, const pl_record *rec);

/* Stable id from year, kind and title: "<year>-<kind>-<slug>" where slug is
 * pl_slugify(title) cut to 48 bytes, then "-" and 8 hex digits of
 * pl_hash64 over "<year>\x1f<kind>\x1f<title>".  out must hold 96 bytes.
 * Importers that know the source's own id use pl_record_make_source_id. */
void pl_record_make_id(int year, pl_kind kind, const char *title, char out[96]);
/* "<year>-<kind>-<prefix>-<slug of source id>" for sources with ids of
 * their own (Indico contribution ids, iCalendar UIDs, frab guids). */
void pl_record_make_source_id(int year, pl_kind kind, const char *prefix, const char *source_id,
                              char out[96]);

/* ---- canonical JSONL ------------------------------------------------------
 * Writes one record as one JSON line (with the trailing newline). */
int pl_record_write_jsonl(FILE *out, const pl_record *rec, pl_error *err);
/* Appends the JSON object (no newline) to buf. */
int pl_record_to_json(pl_buf *buf, const pl_record *rec, pl_error *err);

/* An owned record: one allocation holding the struct and its strings. */
typedef struct pl_record_owned {
    pl_record rec;
    char *storage; /* internal */
} pl_record_owned;

/* Decodes one JSON object (as written by pl_record_to_json) into an owned
 * record.  Used by the JSONL reader and by the query side to read stored
 * records.  Errors name what is missing or wrong. */
int pl_record_from_json(const char *p, size_t n, pl_record_owned **out, pl_error *err);
int pl_record_copy(const pl_record *rec, pl_record_owned **out);
void pl_record_owned_free(pl_record_owned *r);

/* ---- parsers ---------------------------------------------------------------
 * Each parser reads the bytes of one file and calls sink per record.
 * `path` is used for messages and pl_record.source_file.  A malformed file
 * gives PL_EPARSE with "path:line: what" in err.  Warnings (a skipped
 * entry) go to `warn` if non-NULL, one line each "path:line: what". */
typedef void (*pl_warn_fn)(void *ctx, const char *msg);

typedef struct pl_parse_opts {
    pl_warn_fn warn;
    void *warn_ctx;
} pl_parse_opts;

typedef enum pl_format {
    PL_FMT_UNKNOWN = 0,
    PL_FMT_LPC2019,      /* 2019 schedule page capture */
    PL_FMT_LPC2023,      /* 2023 blog capture */
    PL_FMT_LPC2024,      /* 2024 MC list capture */
    PL_FMT_JSONL,        /* canonical JSON Lines */
    PL_FMT_INDICO_TT,    /* Indico timetable export JSON */
    PL_FMT_INDICO_EVENT, /* Indico event export JSON */
    PL_FMT_ICAL,         /* iCalendar */
    PL_FMT_FRAB_XML,     /* frab / pentabarf schedule XML */
    PL_FMT_FRAB_JSON,    /* frab schedule JSON */
} pl_format;

const char *pl_format_name(pl_format f);
/* Sniffs the content (not only the file name). */
pl_format pl_format_detect(const char *path, const char *p, size_t n);

int pl_parse_lpc2019(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                     pl_record_sink sink, void *ctx, pl_error *err);
int pl_parse_lpc2023(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                     pl_record_sink sink, void *ctx, pl_error *err);
int pl_parse_lpc2024(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                     pl_record_sink sink, void *ctx, pl_error *err);
int pl_parse_jsonl(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                   pl_record_sink sink, void *ctx, pl_error *err);
int pl_parse_indico(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                    pl_record_sink sink, void *ctx, pl_error *err);
int pl_parse_ical(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                  pl_record_sink sink, void *ctx, pl_error *err);
int pl_parse_frab(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                  pl_record_sink sink, void *ctx, pl_error *err);
/* Streams a canonical JSONL file line by line: memory is bounded by the
 * longest line (at most 64 MiB), not by the file, so a corpus of millions
 * of records can be read.  Same records, warnings and errors as
 * pl_parse_jsonl. */
int pl_parse_jsonl_file(const char *path, const pl_parse_opts *o, pl_record_sink sink, void *ctx,
                        pl_error *err);

/* Detects the format and dispatches.  Reads the whole file (the JSONL
 * reader streams instead, so large canonical files stay in bounded
 * memory).  *fmt_out (may be NULL) receives the detected format. */
int pl_parse_file(const char *path, const pl_parse_opts *o, pl_record_sink sink, void *ctx,
                  pl_format *fmt_out, pl_error *err);

/* The bundled corpus directory: $PLUMBLINE_CORPUS, else the build tree's
 * corpus/ (compiled in), else the installed data directory.  Returns a
 * static string. */
const char *pl_corpus_dir(void);
/* Lists the bundled archive files (in a fixed order) into paths (caller
 * frees each and the array). */
int pl_corpus_files(const char *dir, char ***paths, size_t *n, pl_error *err);

/* ---- text helpers shared by the parsers -------------------------------------
 * Normalises display text: NBSP -> space, smart quotes -> ASCII quotes,
 * runs of spaces collapsed, trimmed.  Appends to out. */
int pl_text_clean(pl_buf *out, const char *p, size_t n);
/* Reduces HTML (or Markdown-ish) to plain text: tags dropped, block tags
 * become newlines, entities decoded, scripts and styles removed. */
int pl_html_to_text(pl_buf *out, const char *p, size_t n);
/* Decodes only the character references of pl_html_to_text ("&amp;",
 * "&#39;", "&nbsp;" becomes a space); tags and everything else are copied
 * unchanged.  For single-line fields that exports HTML-escape. */
int pl_html_decode_entities(pl_buf *out, const char *p, size_t n);

#endif
