/*
 * analyzer.h — the one text analyzer of plumbline, shared by the indexer
 * and the query parser so that index text and query text go through the
 * same code path (as Xapian's TermGenerator/QueryParser pair).
 *
 * Built as its own static library (pl_analysis) so that query/ links it
 * without depending on the index writer.
 *
 * UTF-8 in; NFKC normalisation and case folding with utf8proc; technical
 * tokenisation (compounds such as sched_ext, RISC-V, x86_64, versions such
 * as 6.9-rc, e-mail addresses, URLs, paths); Snowball English stemming via
 * libstemmer; stopwords flagged (not dropped) so phrases keep positions.
 * The rules are written down in docs/analysis.md.
 */
#ifndef PL_ANALYZER_H
#define PL_ANALYZER_H

#include "../store/base.h"

/* Bumped whenever the terms produced for a text change; stored in the index
 * and checked at open, since an index built by another analyzer version
 * would not match queries analysed by this one. */
#define PL_ANALYZER_VERSION 4

/* Longest term emitted, in bytes; longer tokens are cut at a UTF-8
 * boundary.  Keeps LMDB keys (term + suffix) far below the 511-byte limit. */
#define PL_MAX_TERM 64

/* Most pieces in one compound; a longer chain (a_b_c_...) starts a new
 * compound after this many parts, so one token group spans at most this
 * many positions. */
#define PL_MAX_PARTS 32

enum pl_token_flags {
    PL_TOK_STOP = 1u << 0,  /* a stopword: not indexed, its position is kept */
    PL_TOK_WHOLE = 1u << 1, /* the whole of a compound (sched_ext -> schedext) */
    PL_TOK_PART = 1u << 2,  /* one part of a compound (sched, ext) */
    PL_TOK_NUM = 1u << 3,   /* number or version (6.9, 3.1, x86_64 is not) */
};

typedef struct pl_token {
    const char *term; /* analysed term (folded, stemmed), NUL-terminated;
                         borrowed until the callback returns */
    size_t term_len;
    const char *surface; /* folded but unstemmed form, for display and for
                            prefix queries; borrowed likewise */
    size_t surface_len;
    uint32_t pos;        /* token position; parts of a compound take
                            consecutive positions starting at the whole's */
    uint32_t start, end; /* byte offsets [start, end) in the input text */
    unsigned flags;      /* pl_token_flags */
} pl_token;

/* Return PL_OK to go on; anything else stops pl_analyze and is returned. */
typedef int (*pl_token_cb)(void *ctx, const pl_token *tok);

typedef struct pl_analyzer pl_analyzer; /* not thread-safe: one per thread */

int pl_analyzer_new(pl_analyzer **out, pl_error *err);
void pl_analyzer_free(pl_analyzer *a);

/* Tokenises text[0..n) and calls cb for every token in order of position
 * (a compound's whole comes first, then its parts).  Positions start at
 * pos0, so one document's fields can share a position space; *next_pos
 * (may be NULL) receives the position after the last token.  Invalid UTF-8
 * bytes are treated as separators, never an error. */
int pl_analyze(pl_analyzer *a, const char *text, size_t n, uint32_t pos0, pl_token_cb cb, void *ctx,
               uint32_t *next_pos, pl_error *err);

/* Analyses a single query word the way pl_analyze would (for prefix
 * queries: folded, not stemmed).  Writes a NUL-terminated folded form into
 * out (size cap).  Returns its length, or 0 if nothing is left.
 * Joiners (_ - . @) inside and at the end are kept, leading ones dropped,
 * so the result is a prefix of the surfaces pl_analyze emits for the same
 * text ("Sched_" -> "sched_", a prefix of "sched_ext"); other punctuation
 * is dropped.  Output is cut at min(cap - 1, PL_MAX_TERM) bytes. */
size_t pl_analyzer_fold(pl_analyzer *a, const char *word, size_t n, char *out, size_t cap);

/* Stems one folded word (Snowball English).  Returns length written
 * (NUL-terminated, cut at a UTF-8 boundary to fit cap). */
size_t pl_analyzer_stem(pl_analyzer *a, const char *folded, size_t n, char *out, size_t cap);

/* 1 if folded[0..n) is one of the 30 stopwords of docs/analysis.md. */
int pl_is_stopword(const char *folded, size_t n);

#endif
