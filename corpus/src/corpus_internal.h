/*
 * corpus_internal.h — what the bundled-capture parsers (lpc2019.c,
 * lpc2023.c, lpc2024.c) and the JSONL reader share.  Not a public header.
 */
#ifndef PL_CORPUS_INTERNAL_H
#define PL_CORPUS_INTERNAL_H

#include "record.h"

#include <stdlib.h>

/* ---- lines ------------------------------------------------------------------
 * Iterates the lines of a buffer without copying.  The last line may lack
 * its newline.  `no` is the 1-based number of the line just returned. */
typedef struct pl_lines {
    const char *p, *end;
    int no;
} pl_lines;

static inline void pl_lines_init(pl_lines *l, const char *p, size_t n)
{
    l->p = p;
    l->end = p + n;
    l->no = 0;
}

/* Returns 0 at the end, else 1 with *s, *n the line (no '\n', no '\r'). */
int pl_lines_next(pl_lines *l, const char **s, size_t *n);

/* True when the line holds only whitespace (ASCII or NBSP). */
int pl_line_blank(const char *s, size_t n);
/* Skips ASCII spaces and NBSPs; returns the count of columns skipped. */
size_t pl_line_indent(const char *s, size_t n);

/* ---- text helpers (text.c) --------------------------------------------------
 * Appends s with e-mail addresses removed, and the brackets that held them
 * when left empty or unclosed.  Words that are URLs keep their '@'. */
int pl_text_strip_emails(pl_buf *out, const char *s, size_t n);

/* ---- unique ids within one file --------------------------------------------
 * An open-addressing set of the ids emitted so far; a colliding id gets
 * "-2", "-3"... in emission order, so reruns give the same ids. */
typedef struct pl_idset pl_idset;

pl_idset *pl_idset_new(void);
void pl_idset_free(pl_idset *s);
/* Makes id unique in the set (rewriting it in place) and adds it. */
int pl_idset_claim(pl_idset *s, char id[96]);

/* ---- building one record ----------------------------------------------------
 * The parsers feed lines into a builder, then emit.  Strings live in the
 * builder's buffers and are reused for the next record. */
typedef struct pl_recb {
    pl_buf title, body, track, url, people;
    size_t people_off[PL_MAX_PEOPLE];
    size_t n_people;
    int pending_blank;    /* a blank line was seen since the last body line */
    size_t last_line_n;   /* bytes of the last body line */
    int join_split_words; /* see pl_recb_body_line */
    int title_inferred;
    pl_idset *ids;
    const char *path;
    const pl_parse_opts *opts;
} pl_recb;

int pl_recb_init(pl_recb *b, const char *path, const pl_parse_opts *o);
void pl_recb_reset(pl_recb *b);
void pl_recb_free(pl_recb *b);

/* Cleans and stores the title (pl_text_clean, e-mails removed). */
int pl_recb_title(pl_recb *b, const char *s, size_t n);
int pl_recb_track(pl_recb *b, const char *s, size_t n);
/* Adds one source line to the body.  Blank lines separate paragraphs
 * ("\n\n"); other lines are joined with "\n".  With join_split_words, a
 * paragraph of a sentence-length line (40 bytes or more: not a heading
 * such as "Overview") that ends in a letter, followed by one that starts
 * with a lower-case letter, is a word cut in two by the capture ("in" /
 * "dustry") and is joined without any separator. */
int pl_recb_body_line(pl_recb *b, const char *s, size_t n);
/* Splits a list of names ("A, B, and C", "A or B", "A (Org), B <a@b>")
 * into people: addresses and bracketed affiliations dropped. */
int pl_recb_people_line(pl_recb *b, const char *s, size_t n);
int pl_recb_person(pl_recb *b, const char *s, size_t n);

/* Infers a title from the body: the first "<Name> microconference / MC /
 * track" phrase, with "LPC 2019" / "Linux Plumbers 2019" style prefixes
 * dropped, as "<Name> MC"; failing that the body's first words. */
int pl_recb_infer_title(pl_recb *b);

typedef struct pl_recb_meta {
    int year;
    pl_kind kind;
    const char *day, *start;
    int duration_min;
    int line_first, line_last;
} pl_recb_meta;

/* Fills a pl_record from the builder, makes its unique id, calls sink,
 * then resets the builder. */
int pl_recb_emit(pl_recb *b, const pl_recb_meta *m, pl_record_sink sink, void *ctx, pl_error *err);

/* "path:line: what" to the warning callback. */
void pl_parse_warn(const pl_parse_opts *o, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
