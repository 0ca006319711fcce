/*
 * query_internal.h — what the files of query/ share: the query AST, the
 * ranking parameters and the iterator tree.  Not part of the public API.
 */
#ifndef PL_QUERY_INTERNAL_H
#define PL_QUERY_INTERNAL_H

#include "query.h"

#define PL_DOC_END UINT32_MAX
#define PL_FIELDS_ALL ((1u << PL_NFIELDS) - 1)
/* Largest number of terms a prefix (`sched*`) expands to, by df. */
#define PL_PREFIX_MAX_TERMS 64
/* Default window of a bare NEAR. */
#define PL_NEAR_DEFAULT 10
/* Most choices of synonyms a NEAR expands to (near_node in parse.c). */
#define PL_NEAR_MAX_ALTS 16

/* ---- AST ------------------------------------------------------------------ */
enum pl_qop {
    PL_Q_TERM,    /* one index term */
    PL_Q_PREFIX,  /* surfaces starting with `term`, expanded at execution */
    PL_Q_PHRASE,  /* kids are TERMs at relative positions offs[] */
    PL_Q_NEAR,    /* kids are TERMs within `near` positions of each other */
    PL_Q_AND,     /* all kids */
    PL_Q_OR,      /* any kid, scores add up */
    PL_Q_SYN,     /* any kid, counted as one word: the best kid's score */
    PL_Q_AND_NOT, /* kids[0] and none of kids[1] */
    PL_Q_FILTER,  /* docmeta predicate (kind, year, track) */
    PL_Q_ALL,     /* every live document (a query of only exclusions) */
};

enum pl_qfilter { PL_QF_KIND, PL_QF_YEAR, PL_QF_TRACK };

typedef struct pl_qnode pl_qnode;
struct pl_qnode {
    int op;           /* pl_qop */
    unsigned fields;  /* mask of pl_field the words may match in */
    const char *term; /* TERM: analysed term; PREFIX: folded prefix */
    size_t term_len;
    uint32_t *offs; /* PHRASE: position of kid i relative to kid 0 */
    uint32_t near;  /* NEAR: window */
    pl_qnode **kids;
    size_t n_kids;
    int relax;    /* AND built from juxtaposed words: may relax to OR */
    double boost; /* TERM: weight of its scores, 0 meaning 1 (more-like-this) */
    /* FILTER */
    int filter;
    int kind;
    int year_from, year_to; /* inclusive, 0 = open */
    const char *track;
};

/* A free word of the query text, for did-you-mean. */
typedef struct pl_qword {
    uint32_t start, end; /* byte offsets in the query text */
    const char *term;    /* analysed term (NUL-terminated) */
    const char *surface; /* folded surface form */
} pl_qword;

struct pl_query {
    pl_arena *arena;
    pl_qnode *root;
    char *text; /* copy of the query text */
    size_t text_len;
    pl_qword *words;
    size_t n_words;
};

struct pl_qctx {
    pl_analyzer *an;
    const pl_synonyms *syn;
};

/* Synonym lookup: the group of a key (analysed terms joined by ' ').
 * Returns the number of members (0 if none) and each member's terms and
 * relative positions through pl_synonyms_member. */
size_t pl_synonyms_group(const pl_synonyms *s, const char *key, size_t n, size_t *group);
size_t pl_synonyms_group_size(const pl_synonyms *s, size_t group);
/* Member m of a group: n_terms terms, terms[i] at position offs[i]. */
void pl_synonyms_member(const pl_synonyms *s, size_t group, size_t m, const char *const **terms,
                        const uint32_t **offs, size_t *n_terms);
/* Longest member of any group, in terms. */
size_t pl_synonyms_max_terms(const pl_synonyms *s);

/* ---- ranking parameters (values in search.c, documented in docs/relevance.md) */
typedef struct pl_rank_params {
    double k1;
    double w[PL_NFIELDS]; /* field weights: title, people, body */
    double b[PL_NFIELDS]; /* length normalisation per field */
    double prox_weight;   /* largest proximity bonus */
    double relax_below;   /* an implicit AND with fewer matches relaxes to OR */
    double syn_weight;    /* a synonym group's other members, against the word typed */
} pl_rank_params;
extern const pl_rank_params pl_rank_default;

/* ---- iterator tree ------------------------------------------------------- */
typedef struct pl_it pl_it;
typedef struct pl_it_vt {
    /* 1 positioned, 0 exhausted (docid = PL_DOC_END), <0 error */
    int (*next)(pl_it *it);
    int (*seek)(pl_it *it, uint32_t target); /* first docid >= target */
    double (*score)(pl_it *it);              /* of the current document */
    double (*bound)(pl_it *it);              /* upper bound, current doc */
    uint32_t (*mentions)(pl_it *it);
    void (*explain)(pl_it *it, pl_buf *out, int depth);
    void (*free)(pl_it *it);
} pl_it_vt;

struct pl_it {
    const pl_it_vt *vt;
    uint32_t docid;   /* 0 before the first next, PL_DOC_END at the end */
    double max_score; /* upper bound over all documents */
    uint64_t cost;    /* estimated number of documents (df) */
};

typedef struct pl_exec {
    pl_snap *snap;
    const pl_rank_params *rp;
    double n_docs;
    double avg[PL_NFIELDS];
    pl_error *err;
    uint32_t explain_doc; /* the document explain() reports on */
    /* Score bounds from the one-byte field lengths (pl_snap_len_codes):
     * normf[f][code] is field f's weight over its length norm at the
     * shortest length of the code, filled on first use. */
    const uint8_t *lq;
    uint32_t max_docid;
    int normf_ready;
    double normf[PL_NFIELDS][256];
    /* The node whose iterator counts a relaxed query's words present
     * (pl_it_or_matched), and that iterator once built. */
    const pl_qnode *coord_node;
    pl_it *coord_it;
} pl_exec;

int pl_exec_init(pl_exec *x, pl_snap *snap, const pl_rank_params *rp, pl_error *err);
/* Builds the iterator of a node.  Never NULL on PL_OK. */
int pl_exec_build(pl_exec *x, const pl_qnode *n, pl_it **out);
/* Top-k without exact totals: documents whose score is at most floor will
 * be thrown away, so phrase nodes may skip their position checks.  Raise
 * it as the threshold rises; never lower it. */
void pl_it_set_floor(pl_it *it, double floor);
/* Upper bound of the current document's score from its tfs and its
 * one-byte field lengths (pl_snap_len_codes), no document metadata read:
 * at least the score; for a term or an AND of terms within a few percent
 * of it. */
double pl_it_doc_bound(pl_it *it);
void pl_it_free(pl_it *it);
/* Number of kids of an OR iterator matching its current document. */
unsigned pl_it_or_matched(pl_it *it);
int pl_it_is_empty(const pl_it *it);

/* Every positive term of a node (for snippets and proximity): calls cb
 * for each TERM leaf; phrase kids come with their phrase. */
typedef void (*pl_term_visit)(void *ctx, const pl_qnode *term, const pl_qnode *phrase);
void pl_query_visit_terms(const pl_qnode *n, int negated, pl_term_visit cb, void *ctx);

/* ---- snippets ------------------------------------------------------------- */
typedef struct pl_snip_terms {
    const char **terms; /* single terms to mark */
    size_t n_terms;
    const pl_qnode **phrases; /* phrases to mark as a whole */
    size_t n_phrases;
    const char **prefixes; /* folded prefixes: surfaces starting with one */
    size_t n_prefixes;
    const pl_qnode **nears; /* NEARs: their words marked only within the window */
    size_t n_nears;
} pl_snip_terms;

int pl_snippet_make(pl_analyzer *an, const char *body, size_t n, const pl_snip_terms *t,
                    size_t window, pl_hit *hit, pl_error *err);
/* Every match of t over the whole of text[0..n) (no window: for a title),
 * found as pl_snippet_make finds them (phrases only where the whole phrase
 * occurs; overlapping matches merged), ascending byte offsets into text.
 * *out is NULL when there is none, else caller-freed.  Cost: one analysis
 * of the candidate chunks of text and one 6 KB scratch allocation; none
 * when t is empty. */
int pl_snippet_spans(pl_analyzer *an, const char *text, size_t n, const pl_snip_terms *t,
                     pl_span **out, size_t *n_out, pl_error *err);
/* HTML-escapes p[0..n) into out. */
void pl_html_escape(pl_buf *out, const char *p, size_t n);

/* ---- search internals shared with suggest.c --------------------------------- */
int pl_search_query(pl_qctx *q, pl_snap *snap, const pl_query *query, const pl_search_opts *opts,
                    uint32_t exclude, pl_results **out, pl_error *err);
/* Exact number of live matches of a query text, strict (never relaxed),
 * for did-you-mean.  A text that does not parse has 0 matches; running out
 * of memory is an error (PL_ENOMEM). */
int pl_count_text(pl_qctx *q, pl_snap *snap, const char *text, size_t n, uint64_t *count,
                  pl_error *err);
/* Did-you-mean: a corrected query text with more strict matches than
 * `total` (the query's strict, unrelaxed count), or NULL. */
int pl_did_you_mean(pl_qctx *q, pl_snap *snap, const pl_query *query, uint64_t total, char **out,
                    pl_error *err);
/* Builds an AST-only query (no text) whose root is an OR of terms, term i
 * weighted by boosts[i] (NULL: all 1).  PL_ENOMEM or PL_OK. */
int pl_query_from_terms(const char *const *terms, const size_t *lens, const double *boosts,
                        size_t n, pl_query **out);

#endif
