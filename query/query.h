/*
 * query.h — parse, execute, score; snippets, facets, suggestions.
 *
 * Query language: docs/query-syntax.md.  Ranking: docs/relevance.md.
 * Pipeline: text -> pl_query (AST, via the shared analyzer and the synonym
 * groups) -> iterator tree over store postings -> BM25F + proximity with
 * top-k pruning -> stored records fetched for the returned hits only ->
 * snippets and highlights.
 *
 * Threads: a pl_qctx belongs to one thread (it owns an analyzer, whose
 * stemmer is not thread-safe).  pl_synonyms is immutable once loaded and
 * may be shared.
 */
#ifndef PL_QUERY_H
#define PL_QUERY_H

#include "../corpus/src/record.h"
#include "../indexer/analyzer.h"
#include "../store/store.h"

/* Limits on what one query may ask for (a longer or deeper query is a
 * PL_ELIMIT error that says which limit). */
#define PL_QUERY_MAX_BYTES 4096
#define PL_QUERY_MAX_DEPTH 32
#define PL_QUERY_MAX_TERMS 64
#define PL_SEARCH_MAX_LIMIT 100

/* ---- synonyms ------------------------------------------------------------------
 * Groups of equivalent words and phrases, one group per line, members
 * separated by '|' (corpus/synonyms.txt documents the format).  Applied at
 * query time, so editing the file needs no rebuild. */
typedef struct pl_synonyms pl_synonyms;
int pl_synonyms_load(const char *path, pl_analyzer *an, pl_synonyms **out, pl_error *err);
/* The bundled file (corpus/synonyms.txt), plus $PLUMBLINE_SYNONYMS if set. */
int pl_synonyms_load_default(pl_analyzer *an, pl_synonyms **out, pl_error *err);
void pl_synonyms_free(pl_synonyms *s);

/* ---- per-thread query context ------------------------------------------------------ */
typedef struct pl_qctx pl_qctx;
/* syn may be NULL (no synonyms); borrowed, must outlive the context. */
int pl_qctx_new(const pl_synonyms *syn, pl_qctx **out, pl_error *err);
void pl_qctx_free(pl_qctx *q);
pl_analyzer *pl_qctx_analyzer(pl_qctx *q);

/* ---- parsed queries ----------------------------------------------------------------- */
typedef struct pl_query pl_query;

/* Parses q[0..n).  A malformed query gives PL_EPARSE (or PL_ELIMIT) with a
 * message saying what and where ("unbalanced quote at column 7"). */
int pl_query_parse(pl_qctx *q, const char *text, size_t n, pl_query **out, pl_error *err);
void pl_query_free(pl_query *query);
/* Canonical description, as Xapian's Query::get_description:
 * e.g. `"live migration" -foo` -> (PHRASE(live migrat) AND_NOT foo).  Caller frees. */
char *pl_query_describe(const pl_query *query);

/* Every matching live document, ascending docid, with its number of
 * mentions (occurrences of the query's positive terms or phrases).  Used by
 * trends.  cb returns 0 to go on, non-zero to stop. */
typedef int (*pl_match_cb)(void *ctx, uint32_t docid, uint32_t mentions);
int pl_query_foreach_match(pl_qctx *q, pl_snap *snap, const pl_query *query, pl_match_cb cb,
                           void *ctx, pl_error *err);

/* ---- search ---------------------------------------------------------------------- */
enum pl_sort { PL_SORT_RELEVANCE = 0, PL_SORT_DATE = 1 };

enum pl_search_flags {
    PL_SEARCH_EXPLAIN = 1u << 0, /* fill pl_hit.explain */
    PL_SEARCH_NO_FACETS = 1u << 1,
    PL_SEARCH_NO_SUGGEST = 1u << 2,
    PL_SEARCH_PURE_AND = 1u << 3,     /* juxtaposed words: strict AND, never relaxed */
    PL_SEARCH_NO_SNIPPETS = 1u << 4,  /* hits carry the record only */
    PL_SEARCH_NO_PROXIMITY = 1u << 5, /* plain BM25F, no proximity bonus */
    /* total is then a lower bound (the matches the search happened to
     * visit): top-k may skip whole postings blocks that cannot enter the
     * top k (block-max bounds) instead of counting every match.  Hits and
     * their order are the same as without it.  Implies NO_FACETS. */
    PL_SEARCH_NO_TOTAL = 1u << 6,
    /* hits carry a record with id, year and kind only (read from the
     * stored bytes without decoding the whole record); implies
     * NO_SNIPPETS.  For callers that only list ids. */
    PL_SEARCH_IDS_ONLY = 1u << 7,
    /* score every match: no upper bound is consulted (the reference the
     * pruned paths are tested against; slower, same hits).  Overrides
     * NO_TOTAL's pruning. */
    PL_SEARCH_EXHAUSTIVE = 1u << 8,
};

typedef struct pl_search_opts {
    const char *q; /* the query text */
    size_t q_len;
    uint32_t offset, limit; /* limit 0 means 10; above PL_SEARCH_MAX_LIMIT: PL_EUSAGE */
    int sort;               /* pl_sort */
    /* Filters from API parameters, ANDed with the query's own: */
    int year_from, year_to; /* 0 = open */
    int kind;               /* -1 = any, else pl_kind */
    const char *track;      /* NULL = any */
    unsigned flags;         /* pl_search_flags */
} pl_search_opts;

typedef struct pl_span {
    uint32_t start, end; /* byte offsets [start, end) */
} pl_span;

typedef struct pl_hit {
    uint32_t docid;
    double score;
    pl_record_owned *doc; /* the stored record */
    char *snippet_html;   /* HTML-escaped window of the body with <mark> */
    char *snippet_text;   /* the same window as plain text */
    pl_span *highlights;  /* spans in snippet_text */
    size_t n_highlights;
    uint32_t snippet_offset; /* byte offset of snippet_text within the body */
    /* The query's words that may match in the title (unrestricted or
     * title:) marked over the whole title: spans in doc->rec.title.  NULL
     * and 0 when none, and under PL_SEARCH_NO_SNIPPETS / IDS_ONLY. */
    pl_span *title_highlights;
    size_t n_title_highlights;
    char *explain; /* with PL_SEARCH_EXPLAIN, else NULL */
} pl_hit;

typedef struct pl_facet {
    char *value; /* "2019", "talk", a track name */
    uint32_t count;
} pl_facet;

typedef struct pl_results {
    char *query_desc;
    uint64_t total; /* exact number of matching live documents (a lower
                       bound with PL_SEARCH_NO_TOTAL) */
    /* The default operator was relaxed (docs/query-syntax.md): the words
     * together found fewer than 10 documents, so the hits are those with
     * any of them, the ones with all words first.  all_words is then the
     * number of documents with every word (filters and exclusions
     * applied), which may be 0; it is 0 when not relaxed. */
    int relaxed;
    uint64_t all_words;
    uint32_t offset, limit;
    pl_hit *hits;
    size_t n_hits;
    pl_facet *facet_year, *facet_kind, *facet_track; /* by value; counts > 0 */
    size_t n_facet_year, n_facet_kind, n_facet_track;
    char *suggestion; /* did-you-mean, NULL if none */
    double took_ms;
} pl_results;

int pl_search(pl_qctx *q, pl_snap *snap, const pl_search_opts *opts, pl_results **out,
              pl_error *err);
void pl_results_free(pl_results *r);

/* Autocomplete: up to `limit` surface forms starting with prefix, by
 * document frequency.  out[i] are caller-freed (pl_free each, then the array). */
typedef struct pl_suggestion {
    char *text;
    uint32_t df;
} pl_suggestion;
int pl_suggest(pl_qctx *q, pl_snap *snap, const char *prefix, size_t n, size_t limit,
               pl_suggestion **out, size_t *n_out, pl_error *err);
void pl_suggestions_free(pl_suggestion *s, size_t n);

/* More-like-this from a document's distinctive terms. */
int pl_similar(pl_qctx *q, pl_snap *snap, uint32_t docid, uint32_t limit, pl_results **out,
               pl_error *err);

#endif
