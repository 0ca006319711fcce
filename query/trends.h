/*
 * trends.h — how topics moved between years, with the statistics to judge
 * whether a move is real (formulas and sources: docs/trends.md; the
 * numbers themselves: query/stats.h).
 *
 * A topic is a query (query/query.h): synonyms, phrases and field filters
 * apply, so `BPF` also counts eBPF and `CXL` counts "Compute Express Link".
 * Every year that has a live document in the index (within the year
 * filter) gets a point, with 0 where the topic is absent.  Units:
 *  - docs: live documents matching the topic and the filters that year;
 *    docs_total: live documents passing the filters that year;
 *    share = docs / docs_total with a Wilson score interval;
 *  - mentions: occurrences of the topic's positive terms/phrases in the
 *    matching documents; tokens_total: indexed tokens (all fields, from
 *    docmeta) of the documents passing the filters that year;
 *    per_1k = 1000 * mentions / tokens_total with an exact (Garwood)
 *    Poisson interval;
 *  - low_count: docs < PL_TREND_LOW_DOCS or mentions < PL_TREND_LOW_MENTIONS
 *    (too few to read a change from; the interval says how wide);
 *  - no_docs: no document of that year passes the kind / track filter
 *    (docs_total == 0).  Such a year has no share and no rate: share,
 *    per_1k and their intervals are NaN (JSON null), never a 0 that would
 *    read as "the topic vanished".
 *
 * Ownership: every result struct is allocated here and freed with its
 * _free (which accepts NULL); strings in it are owned by it.  Threads: as
 * pl_qctx, one caller at a time per context and snapshot.
 */
#ifndef PL_TRENDS_H
#define PL_TRENDS_H

#include "query.h"

#define PL_TREND_LOW_DOCS 5
#define PL_TREND_LOW_MENTIONS 10
#define PL_TRENDS_MAX_TOPICS 16
#define PL_TRENDS_MAX_TOP 20
/* The bounds the front ends (CLI and API) apply to what they pass in, so
 * that both refuse the same values with the same message: terms per list
 * of a term shift, the length of a track name, and the years of a record
 * and of the query language (year:1900..2999). */
#define PL_TRENDS_MAX_LIMIT 100
#define PL_TRENDS_MAX_TRACK 256
#define PL_TRENDS_YEAR_MIN 1900
#define PL_TRENDS_YEAR_MAX 2999

typedef struct pl_trend_opts {
    int year_from, year_to; /* 0 = open */
    int kind;               /* -1 = any, else pl_kind */
    const char *track;      /* NULL or "" = any; exact track name */
    uint32_t top_k;         /* top documents per point (BM25 via pl_search), <= PL_TRENDS_MAX_TOP */
    double level;           /* confidence level of every interval, default 0.95 */
    double burst_s;         /* Kleinberg burst rate ratio, default 2 */
    double burst_gamma;     /* Kleinberg entry cost factor, default 1 */
    /* term shifts (rising/falling, co-occurring): */
    uint32_t limit;    /* terms per list (each of the two lists), default 20 */
    uint32_t min_docs; /* a term must be in >= min_docs documents of the two groups, default 3 */
    double alpha0;     /* total Dirichlet prior mass, default 1000 */
} pl_trend_opts;

/* Fills the defaults above (kind -1, top_k 3, no filters). */
void pl_trend_opts_init(pl_trend_opts *o);

typedef struct pl_trend_doc {
    uint32_t docid;
    char *id, *title, *track;
    int kind; /* pl_kind */
    double score;
    uint32_t mentions;
    char *snippet;      /* plain text window */
    char *snippet_html; /* escaped, with <mark> */
} pl_trend_doc;

typedef struct pl_trend_point {
    int year;
    uint32_t docs, docs_total;
    double share, share_lo, share_hi;
    uint64_t mentions, tokens_total;
    double per_1k, per_1k_lo, per_1k_hi;
    int low_count;
    int no_docs; /* docs_total == 0: share, per_1k and intervals are NaN */
    pl_trend_doc *top;
    size_t n_top;
} pl_trend_point;

typedef struct pl_trend_burst {
    int start, end; /* years, inclusive */
    double weight;
} pl_trend_burst;

typedef struct pl_trend_series {
    char *topic;            /* as given */
    char *query_desc;       /* pl_query_describe of it */
    pl_trend_point *points; /* one per year of pl_trends.totals, same order */
    size_t n_points;
    pl_trend_burst *bursts;
    size_t n_bursts;
} pl_trend_series;

typedef struct pl_trend_total {
    int year;
    uint32_t docs;   /* documents passing the filters */
    uint64_t tokens; /* their indexed tokens */
} pl_trend_total;

typedef struct pl_trends {
    pl_trend_opts opts;                   /* as used (track not kept: see track below) */
    char *track;                          /* the track filter, NULL if none */
    char *analyzer_version, *index_built; /* from the index metadata, may be NULL */
    pl_trend_total *totals;               /* ascending years */
    size_t n_years;
    pl_trend_series *series;
    size_t n_series;
    /* Sentences for a person reading an empty answer: no year in the range,
     * no document passing the filters, a topic that matches nothing (with
     * a hint when it holds a comma).  Empty when all is well. */
    char **warnings;
    size_t n_warnings;
    double took_ms;
} pl_trends;

/* One series per topic (1..PL_TRENDS_MAX_TOPICS).  A topic that does not
 * parse is a PL_EPARSE error naming it.  o may be NULL (defaults).  In
 * every function of this file a track filter naming no track of the index
 * is a PL_ENOTFOUND error naming it. */
int pl_trends_compute(pl_qctx *q, pl_snap *snap, const char *const *topics, size_t n_topics,
                      const pl_trend_opts *o, pl_trends **out, pl_error *err);
void pl_trends_free(pl_trends *t);

/* ---- two years of one topic ------------------------------------------------------ */
typedef struct pl_trend_compare {
    char *topic, *query_desc;
    int year_a, year_b;
    uint32_t docs_a, total_a, docs_b, total_b;
    double share_a, share_a_lo, share_a_hi;
    double share_b, share_b_lo, share_b_hi;
    double diff, diff_lo, diff_hi; /* share_b - share_a, Newcombe method 10 */
    double level;
} pl_trend_compare;

int pl_trends_compare(pl_qctx *q, pl_snap *snap, const char *topic, int year_a, int year_b,
                      const pl_trend_opts *o, pl_trend_compare **out, pl_error *err);
void pl_trend_compare_free(pl_trend_compare *c);

/* ---- terms that moved -----------------------------------------------------------
 * Term counts are occurrences of words in the title and body fields
 * (speaker names are left out) of live documents passing the filters,
 * counted by analysing their stored text again (O(their text) per call): a
 * compound counts once, as a whole (RISC-V, not risc + v), spelled with or
 * without its joiners (micro-conference = microconference); links, e-mail
 * addresses and stopwords count nothing; numbers, single letters and
 * function words (query/words.c) count but are never listed.  Log-odds
 * with an informative Dirichlet prior (pl_stat_log_odds), prior from the
 * background named below.  Rules and reasons: docs/trends.md. */
typedef struct pl_term_score {
    char *term;                /* the word's key: the stem of a word, or of a compound's pieces
                                  written together (riscv, microconfer) */
    char *display;             /* its commonest spelling in the documents compared */
    uint64_t count_1, count_2; /* occurrences in group 1 and group 2 */
    uint32_t docs_1, docs_2;
    double delta, z; /* positive: more in group 1 */
} pl_term_score;

typedef struct pl_term_shift {
    /* rising: group 1 = year_b, group 2 = year_a, background = every
     * document passing the filters (all years).
     * co-occurring: group 1 = documents of topic in year_a, group 2 = the
     * other documents of that year, background = all documents of that
     * year (the two groups are disjoint, as the variance assumes). */
    int year_a, year_b;
    char *topic, *query_desc; /* co-occurring only, else NULL */
    uint32_t docs_1, docs_2;
    uint64_t tokens_1, tokens_2; /* sums of the term counts of each group */
    double alpha0;
    uint32_t min_docs;
    uint32_t limit;    /* most terms in each of up and down */
    pl_term_score *up; /* highest z first (rising / most associated) */
    size_t n_up;
    pl_term_score *down; /* lowest z first (falling / least associated) */
    size_t n_down;
} pl_term_shift;

/* year_a before year_b (PL_EUSAGE otherwise, as a from/to range). */
int pl_trends_rising(pl_qctx *q, pl_snap *snap, int year_a, int year_b, const pl_trend_opts *o,
                     pl_term_shift **out, pl_error *err);
/* Co-occurring terms need documents on both sides: PL_ENOTFOUND when no
 * document of the year (passing the filters) matches the topic, PL_EUSAGE
 * when every one does. */
int pl_trends_cooccur(pl_qctx *q, pl_snap *snap, const char *topic, int year,
                      const pl_trend_opts *o, pl_term_shift **out, pl_error *err);
void pl_term_shift_free(pl_term_shift *s);

#endif
