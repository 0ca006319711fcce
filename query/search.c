/*
 * search.c — one search: parse, run the iterator tree, count every match
 * exactly, score only what can still enter the top k, facets, then fetch
 * the stored records of the returned hits only.
 *
 * Top-k: the collector keeps a min-heap of the best offset+limit hits.
 * Once it is full, a candidate whose upper bound (the tree's block-max
 * bound plus the largest proximity bonus) cannot beat the heap's weakest
 * entry is counted for total and facets but never scored — counting is a
 * docid walk, scoring reads tfs, lengths and positions.
 *
 * Default operator: juxtaposed words are an AND; when the words alone
 * (without filters) match fewer than relax_below documents, the query is
 * relaxed to an OR of the same words, its filters and exclusions kept, and
 * ranked by the number of words a document has first, then by BM25F or
 * date (docs/relevance.md says why; struct relaxed below).
 */
#include "query_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Every ranking constant, documented in docs/relevance.md. */
const pl_rank_params pl_rank_default = {
    .k1 = 1.2,
    .w = {3.0, 2.0, 1.0}, /* title, people, body */
    .b = {0.5, 0.3, 0.75},
    .prox_weight = 1.5,
    .relax_below = 10,
    .syn_weight = 0.7,
};

/* Proximity looks at the first few distinct single terms only. */
#define PROX_MAX_TERMS 8
/* Snippet window in bytes. */
#define SNIPPET_WINDOW 200
/* Deepest offset+limit a search may ask for (the heap holds that many). */
#define MAX_DEPTH_HITS 100000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- filters from the API parameters ------------------------------------------ */
typedef struct docfilter {
    int year_from, year_to, kind;
    uint8_t *track_ok;
    size_t n_tracks;
    int track; /* a track filter is active */
    uint32_t exclude;
} docfilter;

static int docfilter_init(docfilter *f, pl_snap *snap, const pl_search_opts *o, uint32_t exclude,
                          pl_error *err)
{
    memset(f, 0, sizeof *f);
    f->kind = -1;
    f->exclude = exclude;
    if (!o)
        return PL_OK;
    f->year_from = o->year_from;
    f->year_to = o->year_to;
    f->kind = o->kind;
    if (o->track && o->track[0]) {
        f->track = 1;
        f->n_tracks = pl_snap_track_count(snap);
        f->track_ok = pl_calloc(f->n_tracks + 1, 1);
        if (!f->track_ok)
            return pl_error_set(err, PL_ENOMEM, "search: out of memory");
        for (size_t i = 1; i <= f->n_tracks; i++) {
            const char *name = pl_snap_track_name(snap, (uint16_t)i);
            f->track_ok[i] = name && !strcasecmp(name, o->track);
        }
    }
    return PL_OK;
}

static int docfilter_active(const docfilter *f)
{
    return f->year_from || f->year_to || f->kind >= 0 || f->track || f->exclude;
}

static int docfilter_ok(const docfilter *f, uint32_t d, const pl_docmeta *dm)
{
    if (!dm || dm->year == 0 || (dm->flags & PL_DOC_DELETED) || d == f->exclude)
        return 0;
    if (f->year_from && dm->year < f->year_from)
        return 0;
    if (f->year_to && dm->year > f->year_to)
        return 0;
    if (f->kind >= 0 && dm->kind != f->kind)
        return 0;
    if (f->track && (!dm->track || dm->track > f->n_tracks || !f->track_ok[dm->track]))
        return 0;
    return 1;
}

/* ---- proximity -------------------------------------------------------------------- */
typedef struct prox {
    pl_postings *p[PROX_MAX_TERMS];
    size_t n;     /* words with postings */
    size_t words; /* words considered, with postings or not */
    double weight;
} prox;

typedef struct term_list {
    const char *t[PL_QUERY_MAX_TERMS * 4];
    size_t len[PL_QUERY_MAX_TERMS * 4];
    size_t n;
    const pl_qnode *phrases[PL_QUERY_MAX_TERMS];
    size_t n_phrases;
    const char *prefixes[PL_QUERY_MAX_TERMS];
    size_t n_prefixes;
    const pl_qnode *nears[PL_QUERY_MAX_TERMS];
    size_t n_nears;
} term_list;

static void add_term(term_list *l, const char *t, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->len[i] == len && !memcmp(l->t[i], t, len))
            return;
    if (l->n < sizeof l->t / sizeof l->t[0]) {
        l->t[l->n] = t;
        l->len[l->n++] = len;
    }
}

/* Positive terms, phrases and prefixes of a tree (exclusions skipped)
 * that may match in `field`: the body's snippet and the title's marks each
 * show only the words that can match there (`title:rust` marks no body,
 * `body:rust` no title). */
static void collect_terms(const pl_qnode *n, int field, term_list *l)
{
    if (!(n->fields & (1u << field)))
        return;
    switch (n->op) {
    case PL_Q_TERM: add_term(l, n->term, n->term_len); break;
    case PL_Q_PREFIX:
        if (l->n_prefixes < PL_QUERY_MAX_TERMS)
            l->prefixes[l->n_prefixes++] = n->term;
        break;
    case PL_Q_PHRASE:
        if (l->n_phrases < PL_QUERY_MAX_TERMS)
            l->phrases[l->n_phrases++] = n;
        break;
    case PL_Q_NEAR:
        if (l->n_nears < PL_QUERY_MAX_TERMS)
            l->nears[l->n_nears++] = n;
        break;
    case PL_Q_AND_NOT: collect_terms(n->kids[0], field, l); break;
    default:
        for (size_t i = 0; i < n->n_kids; i++)
            collect_terms(n->kids[i], field, l);
        break;
    }
}

/* Proximity runs over the top-level words: the AND's (or OR's) kids that
 * are single terms, or the first term of a SYN group. */
static void prox_close(prox *px);

static int prox_open(prox *px, pl_snap *snap, const pl_qnode *root, double weight, pl_error *err)
{
    memset(px, 0, sizeof *px);
    px->weight = weight;
    if (weight <= 0)
        return PL_OK;
    while (root->op == PL_Q_AND_NOT)
        root = root->kids[0];
    if (root->op != PL_Q_AND && root->op != PL_Q_OR)
        return PL_OK;
    for (size_t i = 0; i < root->n_kids && px->n < PROX_MAX_TERMS; i++) {
        const pl_qnode *k = root->kids[i];
        if (k->op == PL_Q_SYN)
            k = k->kids[0];
        if (k->op != PL_Q_TERM)
            continue;
        px->words++; /* a word the index lacks is still a word missing */
        pl_postings *p = NULL;
        int rc = pl_postings_open(snap, k->term, k->term_len, PL_POSTINGS_POSITIONS, &p, err);
        if (rc == PL_ENOTFOUND)
            continue;
        if (rc != PL_OK) {
            prox_close(px); /* the ones opened so far */
            return rc;
        }
        px->p[px->n++] = p;
    }
    if (px->n < 2) {
        for (size_t i = 0; i < px->n; i++)
            pl_postings_free(px->p[i]);
        px->n = 0;
    }
    return PL_OK;
}

static void prox_close(prox *px)
{
    for (size_t i = 0; i < px->n; i++)
        pl_postings_free(px->p[i]);
    px->n = 0;
}

static double prox_max(const prox *px)
{
    return px->n >= 2 ? px->weight : 0;
}

/* Bonus for the smallest window (within one field) holding one position
 * of every query word the document has: weight * (present-1)/(n-1) *
 * present/span.  Iterators only move forward: documents are scored in
 * ascending docid order.  Cost O(positions * words) per scored document. */
static double prox_score(prox *px, uint32_t d)
{
    if (px->n < 2)
        return 0;
    const uint32_t *pos[PROX_MAX_TERMS];
    size_t np[PROX_MAX_TERMS], k = 0;
    for (size_t i = 0; i < px->n; i++) {
        pl_postings *p = px->p[i];
        uint32_t cur = pl_postings_docid(p);
        if (cur < d || cur == 0) {
            if (pl_postings_seek(p, d) <= 0)
                continue;
            cur = pl_postings_docid(p);
        }
        if (cur != d)
            continue;
        const uint32_t *pp;
        size_t n;
        if (pl_postings_positions(p, &pp, &n) != PL_OK || n == 0)
            continue;
        pos[k] = pp;
        np[k] = n;
        k++;
    }
    if (k < 2)
        return 0;
    size_t at[PROX_MAX_TERMS] = {0};
    uint32_t best = UINT32_MAX;
    for (;;) {
        size_t lo = 0;
        uint32_t mn = UINT32_MAX, mx = 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t v = pos[i][at[i]];
            if (v < mn) {
                mn = v;
                lo = i;
            }
            if (v > mx)
                mx = v;
        }
        if (PL_POS_FIELD(mn) == PL_POS_FIELD(mx) && mx - mn + 1 < best)
            best = mx - mn + 1;
        if (++at[lo] == np[lo])
            break;
    }
    if (best == UINT32_MAX)
        return 0;
    double closeness = (double)k / best;
    if (closeness > 1)
        closeness = 1;
    return px->weight * closeness * (double)(k - 1) / (double)(px->words - 1);
}

/* ---- the collector ------------------------------------------------------------------ */
typedef struct entry {
    double score;
    uint64_t date;
    uint32_t docid;
    uint32_t matched; /* relaxed mode: words present */
} entry;

typedef struct collector {
    entry *heap;
    size_t n, cap;
    int sort;
    int coord;
    uint64_t total;
    uint32_t *years; /* index year - YEAR_BASE */
    uint32_t kinds[PL_KIND_COUNT];
    uint32_t *tracks;
    size_t n_tracks;
} collector;

#define YEAR_BASE 1900
#define YEAR_SPAN 1100

/* a better than b? */
static int better(const collector *c, const entry *a, const entry *b)
{
    /* a relaxed query lists the documents with more of its words first,
     * whatever the order asked for within them */
    if (c->coord && a->matched != b->matched)
        return a->matched > b->matched;
    if (c->sort == PL_SORT_DATE && a->date != b->date)
        return a->date > b->date;
    if (a->score != b->score)
        return a->score > b->score;
    return a->docid < b->docid;
}

static void sift_down(collector *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < c->n && better(c, &c->heap[w], &c->heap[l]))
            w = l;
        if (r < c->n && better(c, &c->heap[w], &c->heap[r]))
            w = r;
        if (w == i)
            return;
        entry t = c->heap[i];
        c->heap[i] = c->heap[w];
        c->heap[w] = t;
        i = w;
    }
}

static void push(collector *c, const entry *e)
{
    if (c->cap == 0)
        return;
    if (c->n < c->cap) {
        size_t i = c->n++;
        c->heap[i] = *e;
        while (i) {
            size_t parent = (i - 1) / 2;
            if (!better(c, &c->heap[parent], &c->heap[i]))
                break;
            entry t = c->heap[i];
            c->heap[i] = c->heap[parent];
            c->heap[parent] = t;
            i = parent;
        }
        return;
    }
    if (better(c, e, &c->heap[0])) {
        c->heap[0] = *e;
        sift_down(c, 0);
    }
}

static void collector_reset(collector *c)
{
    c->n = 0;
    c->total = 0;
    if (c->years)
        memset(c->years, 0, YEAR_SPAN * sizeof *c->years);
    memset(c->kinds, 0, sizeof c->kinds);
    if (c->tracks)
        memset(c->tracks, 0, (c->n_tracks + 1) * sizeof *c->tracks);
}

static uint64_t date_key(const pl_docmeta *dm)
{
    return ((uint64_t)dm->year << 40) | ((uint64_t)(dm->day % 10000) << 16) |
           (dm->start_min & 0xFFFF);
}

typedef struct run {
    pl_exec *x;
    pl_it *root;
    prox *px;
    collector *c;
    const docfilter *f;
    unsigned n_words; /* coord mode: words of the relaxed query */
    int count_only;
    int facets;
    int no_total;   /* PL_SEARCH_NO_TOTAL: prune before counting */
    int exhaustive; /* PL_SEARCH_EXHAUSTIVE: never consult a bound */
} run;

static int run_pass(run *r)
{
    pl_it *it = r->root;
    collector *c = r->c;
    double pmax = prox_max(r->px);
    /* Without exact totals a document that cannot beat the weakest kept
     * hit is dropped before anything else is read about it, and phrase
     * nodes learn the threshold so they skip their position checks. */
    int prune = r->no_total && !r->exhaustive && !r->count_only && c->cap &&
                c->sort == PL_SORT_RELEVANCE && !c->coord;
    double floor = -HUGE_VAL;
    int rc;
    while ((rc = it->vt->next(it)) == 1) {
        uint32_t d = it->docid;
        if (prune && c->n == c->cap && pl_it_doc_bound(it) + pmax <= c->heap[0].score)
            continue;
        const pl_docmeta *dm = pl_snap_docmeta(r->x->snap, d);
        if (!docfilter_ok(r->f, d, dm))
            continue;
        c->total++;
        if (r->facets) {
            if (dm->year >= YEAR_BASE && dm->year < YEAR_BASE + YEAR_SPAN)
                c->years[dm->year - YEAR_BASE]++;
            if (dm->kind < PL_KIND_COUNT)
                c->kinds[dm->kind]++;
            if (dm->track && dm->track <= c->n_tracks)
                c->tracks[dm->track]++;
        }
        if (r->count_only)
            continue;
        entry e = {0};
        e.docid = d;
        e.date = date_key(dm);
        if (r->c->coord)
            e.matched = pl_it_or_matched(r->x->coord_it ? r->x->coord_it : it);
        if (c->n == c->cap) {
            const entry *w = &c->heap[0];
            if (c->coord && e.matched != w->matched) {
                if (e.matched < w->matched)
                    continue;
            } else if (c->sort == PL_SORT_DATE && e.date != w->date) {
                if (e.date < w->date)
                    continue;
            } else if (!prune && c->cap && !r->exhaustive &&
                       pl_it_doc_bound(it) + pmax <= w->score) {
                /* (with prune the same bound was checked above, against the
                 * same heap) */
                continue; /* cannot win: ties go to the lower docid, already in */
            }
        }
        e.score = it->vt->score(it) + prox_score(r->px, d);
        if (c->coord && r->n_words)
            e.score *= (double)e.matched / r->n_words;
        push(c, &e);
        if (prune && c->n == c->cap && c->heap[0].score - pmax > floor) {
            floor = c->heap[0].score - pmax;
            pl_it_set_floor(it, floor);
        }
    }
    return rc;
}

static int cmp_entries_ctx(const entry *a, const entry *b, const collector *c)
{
    if (better(c, a, b))
        return -1;
    if (better(c, b, a))
        return 1;
    return 0;
}

static void sort_entries(collector *c)
{
    /* insertion sort: at most offset+limit entries, usually 10 */
    for (size_t i = 1; i < c->n; i++) {
        entry e = c->heap[i];
        size_t j = i;
        while (j > 0 && cmp_entries_ctx(&e, &c->heap[j - 1], c) < 0) {
            c->heap[j] = c->heap[j - 1];
            j--;
        }
        c->heap[j] = e;
    }
}

/* ---- results -------------------------------------------------------------------------- */
void pl_results_free(pl_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_hits; i++) {
        pl_hit *h = &r->hits[i];
        pl_record_owned_free(h->doc);
        pl_free(h->snippet_html);
        pl_free(h->snippet_text);
        pl_free(h->highlights);
        pl_free(h->title_highlights);
        pl_free(h->explain);
    }
    pl_free(r->hits);
    pl_facet *fs[3] = {r->facet_year, r->facet_kind, r->facet_track};
    size_t ns[3] = {r->n_facet_year, r->n_facet_kind, r->n_facet_track};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < ns[k]; i++)
            pl_free(fs[k][i].value);
        pl_free(fs[k]);
    }
    pl_free(r->suggestion);
    pl_free(r->query_desc);
    pl_free(r);
}

static int cmp_facet(const void *a, const void *b)
{
    const pl_facet *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

static int facet_add(pl_facet **arr, size_t *n, const char *value, uint32_t count)
{
    pl_facet *a = pl_realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return PL_ENOMEM;
    *arr = a;
    a[*n].value = pl_strdup(value);
    if (!a[*n].value)
        return PL_ENOMEM;
    a[*n].count = count;
    (*n)++;
    return PL_OK;
}

static int make_facets(pl_results *r, const collector *c, pl_snap *snap)
{
    char buf[16];
    /* years newest first; kinds and tracks by count */
    for (int y = YEAR_SPAN - 1; y >= 0; y--) {
        if (!c->years[y])
            continue;
        snprintf(buf, sizeof buf, "%d", y + YEAR_BASE);
        if (facet_add(&r->facet_year, &r->n_facet_year, buf, c->years[y]))
            return PL_ENOMEM;
    }
    for (int k = 0; k < PL_KIND_COUNT; k++)
        if (c->kinds[k] &&
            facet_add(&r->facet_kind, &r->n_facet_kind, pl_kind_name((pl_kind)k), c->kinds[k]))
            return PL_ENOMEM;
    for (size_t t = 1; t <= c->n_tracks; t++)
        if (c->tracks[t] && facet_add(&r->facet_track, &r->n_facet_track,
                                      pl_snap_track_name(snap, (uint16_t)t), c->tracks[t]))
            return PL_ENOMEM;
    if (r->n_facet_kind)
        qsort(r->facet_kind, r->n_facet_kind, sizeof *r->facet_kind, cmp_facet);
    if (r->n_facet_track)
        qsort(r->facet_track, r->n_facet_track, sizeof *r->facet_track, cmp_facet);
    return PL_OK;
}

static int count_root(pl_snap *snap, const pl_qnode *root, uint64_t *count, pl_error *err);

/* ---- the relaxed query ------------------------------------------------------------ */
/* A query whose root is an AND of juxtaposed words, maybe under
 * exclusions (`rust linux -kernel` is ((rust AND linux) AND_NOT kernel)),
 * relaxes to the same tree with the words OR-ed: its filters (year:,
 * kind:, track:) and exclusions still hold, so a relaxed query never
 * finds a document that the filters leave out.  Whether to relax is
 * decided on the words alone (`words`, unfiltered): a filter, from the
 * query or from the API's parameters, narrows a result list and never
 * turns it into another kind of list, so a facet's count is what a click
 * on it finds.  The nodes are copies on the heap; the words, filters and
 * exclusions are the parsed query's own. */
typedef struct relaxed {
    pl_qnode chain[PL_QUERY_MAX_TERMS]; /* copies of the AND_NOT nodes */
    pl_qnode *chain_kids[PL_QUERY_MAX_TERMS][2];
    pl_qnode core;  /* filters AND any, when the query has filters */
    pl_qnode any;   /* the words, OR-ed: its iterator counts words present */
    pl_qnode words; /* the words, AND-ed, without filters or exclusions */
    pl_qnode *core_kids[PL_QUERY_MAX_TERMS + 1];
    pl_qnode *word_kids[PL_QUERY_MAX_TERMS];
    const pl_qnode *root; /* the relaxed tree */
    unsigned n_words;
    int filtered; /* the words are not the whole query */
} relaxed;

/* The AND of juxtaposed words under a query's exclusions, or NULL. */
static const pl_qnode *relax_core(const pl_qnode *root, size_t *depth)
{
    size_t d = 0;
    while (root->op == PL_Q_AND_NOT && d < PL_QUERY_MAX_TERMS) {
        root = root->kids[0];
        d++;
    }
    *depth = d;
    return root->op == PL_Q_AND && root->relax ? root : NULL;
}

static relaxed *relaxed_new(const pl_qnode *qroot)
{
    size_t depth;
    const pl_qnode *and = relax_core(qroot, &depth);
    if (!and)
        return NULL;
    relaxed *rx = pl_calloc(1, sizeof *rx);
    if (!rx)
        return NULL;
    size_t nw = 0, nc = 0;
    for (size_t i = 0; i < and->n_kids; i++) {
        if (and->kids[i]->op == PL_Q_FILTER)
            rx->core_kids[nc++] = and->kids[i];
        else
            rx->word_kids[nw++] = and->kids[i];
    }
    rx->n_words = (unsigned)nw;
    rx->filtered = nc > 0 || depth > 0;
    rx->words = *and;
    rx->words.kids = rx->word_kids;
    rx->words.n_kids = nw;
    rx->words.relax = 0;
    rx->any = rx->words;
    rx->any.op = PL_Q_OR;
    pl_qnode *core = &rx->any;
    if (nc) {
        rx->core_kids[nc++] = &rx->any;
        rx->core = *and;
        rx->core.kids = rx->core_kids;
        rx->core.n_kids = nc;
        rx->core.relax = 0;
        core = &rx->core;
    }
    /* the AND_NOT chain, outermost first, over the new core */
    const pl_qnode *n = qroot;
    for (size_t i = 0; i < depth; i++) {
        rx->chain[i] = *n;
        rx->chain[i].kids = rx->chain_kids[i];
        rx->chain_kids[i][1] = n->kids[1];
        rx->chain_kids[i][0] = i + 1 < depth ? &rx->chain[i + 1] : core;
        n = n->kids[0];
    }
    rx->root = depth ? &rx->chain[0] : core;
    return rx;
}

static int explain_hit(pl_exec *x, const pl_qnode *root, const relaxed *rx, const entry *e,
                       prox *pxe, char **out)
{
    *out = NULL;
    pl_it *it = NULL;
    const pl_qnode *use = rx ? rx->root : root;
    int coord = rx != NULL;
    int rc = pl_exec_build(x, use, &it);
    if (rc != PL_OK)
        return rc;
    pl_buf b = {0};
    rc = it->vt->seek(it, e->docid);
    if (rc < 0)
        goto done;
    rc = PL_OK;
    pl_buf_printf(&b, "%.4f total\n", e->score);
    x->explain_doc = e->docid;
    if (it->docid == e->docid) {
        it->vt->explain(it, &b, 1);
        double p = prox_score(pxe, e->docid);
        if (p > 0)
            pl_buf_printf(&b, "  %.4f proximity bonus\n", p);
        if (coord)
            pl_buf_printf(&b, "  x %u/%u words present (relaxed query)\n", e->matched, rx->n_words);
    }
    if (b.oom)
        rc = pl_error_set(x->err, PL_ENOMEM, "explain: out of memory");
    else
        *out = pl_buf_take(&b, NULL);
done:
    pl_buf_free(&b);
    pl_it_free(it);
    return rc;
}

/* Skips one JSON string starting at its opening quote; NULL if unterminated.
 * *plain is cleared when the string has an escape. */
static const char *skip_json_string(const char *p, const char *end, int *plain)
{
    for (p++; p < end; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\') {
            *plain = 0;
            p++;
        }
    }
    return NULL;
}

/* The "id" member of a stored record's top-level object, when it is a
 * string without escapes (every id the importers make): [*id, *id + *n).
 * Scans only up to that member — the canonical writer puts it second, after
 * "schema" — so a hit costs a few dozen bytes, not a decode of its body.
 * 0 when not found that way: the caller then decodes the whole record, so
 * odd bytes get the full parser's checks and messages. */
static int stored_id(const char *p, size_t n, const char **id, size_t *idn)
{
    const char *end = p + n;
    int depth = 0;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    if (p == end || *p != '{')
        return 0;
    p++;
    int want_key = 1;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            int plain = 1;
            const char *s = p, *q = skip_json_string(p, end, &plain);
            if (!q)
                return 0;
            if (depth == 0 && want_key && plain && q - s == 4 && !memcmp(s, "\"id\"", 4)) {
                while (q < end && (*q == ' ' || *q == ':'))
                    q++;
                if (q == end || *q != '"')
                    return 0;
                const char *v = q;
                q = skip_json_string(v, end, &plain);
                if (!q || !plain || q - v < 3)
                    return 0;
                *id = v + 1;
                *idn = (size_t)(q - v - 2);
                return 1;
            }
            want_key = 0;
            p = q;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']') {
            if (--depth < 0)
                return 0;
        } else if (c == ',' && depth == 0)
            want_key = 1;
        p++;
    }
    return 0;
}

/* PL_SEARCH_IDS_ONLY: a record holding the id, year and kind, from the
 * first bytes of the stored record (a stored record may be compressed:
 * only those bytes are inflated).  0 with *out NULL when the id is not in
 * them: the caller decodes the whole record. */
static int id_record(pl_snap *snap, uint32_t docid, pl_record_owned **out, pl_error *err)
{
    *out = NULL;
    char head[128];
    size_t n;
    const char *id;
    size_t idn;
    const pl_docmeta *dm = pl_snap_docmeta(snap, docid);
    int rc = pl_snap_doc_head(snap, docid, head, sizeof head - 1, &n, err);
    if (rc != PL_OK || !dm)
        return rc == PL_ENOTFOUND ? PL_OK : rc;
    if (!stored_id(head, n, &id, &idn))
        return PL_OK;
    char buf[sizeof head];
    memcpy(buf, id, idn);
    buf[idn] = '\0';
    pl_record r;
    memset(&r, 0, sizeof r);
    r.id = buf;
    r.year = dm->year;
    r.kind = (pl_kind)dm->kind;
    if (pl_record_copy(&r, out) != PL_OK)
        return pl_error_set(err, PL_ENOMEM, "search: out of memory");
    return PL_OK;
}

/* ---- stored records without jansson --------------------------------------------- */

/* A stored record is the canonical writer's object (pl_record_to_json):
 * known keys, strings, small integers, a boolean and one array of strings.
 * fast_record reads exactly that shape in one pass over [p, end) with the
 * strings unescaped straight into the block of the owned record.  Anything else — an unknown or
 * repeated key, a null, a real number, invalid UTF-8, \u0000, a value out of range — makes it
 * return 0 so the caller falls back to pl_record_from_json, which then gives the exact error and
 * message.  Cost: ~a few instructions per byte against jansson's tree of objects (~70 per byte on
 * these records). */

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF), as jansson checks. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned v;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            v = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            v = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            v = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            v = (v << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
            (k == 3 && (v < 0x10000 || v > 0x10FFFF)))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
    if (end - p < 4)
        return 0;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return 0;
        *v = *v << 4 | d;
    }
    return 1;
}

/* Reads the string at *pp (its opening quote) into *o, NUL-terminated;
 * moves *pp past it and *o past the NUL.  0 on anything jansson would
 * refuse or this reader does not handle. */
static int fr_string(const char **pp, const char *end, char **o, const char **out)
{
    const char *p = *pp + 1;
    char *w = *o;
    *out = w;
    int high = 0; /* any byte >= 0x80 copied: validate at the end */
    for (;;) {
        const char *q = p;
        unsigned char acc = 0;
        while (q < end) {
            unsigned char b = (unsigned char)*q;
            if (b == '"' || b == '\\' || b < 0x20)
                break;
            acc |= b;
            q++;
        }
        high |= acc >> 7;
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        p = q;
        if (p == end || (unsigned char)*p < 0x20)
            return 0;
        if (*p == '"')
            break;
        if (++p == end)
            return 0;
        char c = *p++;
        switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned v, lo;
            if (!hex4(p, end, &v) || v == 0)
                return 0;
            p += 4;
            if (v >= 0xDC00 && v <= 0xDFFF)
                return 0;
            if (v >= 0xD800 && v <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return 0;
                p += 6;
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* escapes make well-formed UTF-8 of the code point; the
             * unescaped bytes are needed only in ASCII for the checks */
            if (v < 0x80) {
                *w++ = (char)v;
            } else if (v < 0x800) {
                *w++ = (char)(0xC0 | v >> 6);
                *w++ = (char)(0x80 | (v & 0x3F));
            } else if (v < 0x10000) {
                *w++ = (char)(0xE0 | v >> 12);
                *w++ = (char)(0x80 | (v >> 6 & 0x3F));
                *w++ = (char)(0x80 | (v & 0x3F));
            } else {
                *w++ = (char)(0xF0 | v >> 18);
                *w++ = (char)(0x80 | (v >> 12 & 0x3F));
                *w++ = (char)(0x80 | (v >> 6 & 0x3F));
                *w++ = (char)(0x80 | (v & 0x3F));
            }
            break;
        }
        default: return 0;
        }
    }
    if (high && !utf8_ok((const unsigned char *)*out, (size_t)(w - *out)))
        return 0;
    *w++ = '\0';
    *o = w;
    *pp = p + 1;
    return 1;
}

/* A JSON integer (no fraction, no exponent) in [lo, hi]. */
static int fr_int(const char **pp, const char *end, long lo, long hi, long *out)
{
    const char *p = *pp;
    int neg = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    if (p == end || *p < '0' || *p > '9' ||
        (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
        return 0;
    long v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (1L << 40))
            return 0;
        v = v * 10 + (*p - '0');
    }
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
        return 0;
    v = neg ? -v : v;
    if (v < lo || v > hi)
        return 0;
    *out = v;
    *pp = p;
    return 1;
}

static const char *fr_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

enum {
    FR_SCHEMA,
    FR_ID,
    FR_YEAR,
    FR_KIND,
    FR_TITLE,
    FR_BODY,
    FR_PEOPLE,
    FR_TRACK,
    FR_DAY,
    FR_START,
    FR_DURATION,
    FR_URL,
    FR_SOURCE,
    FR_LFIRST,
    FR_LLAST,
    FR_INFERRED,
    FR_NKEYS
};
static const char *const fr_keys[FR_NKEYS] = {
    "schema",      "id",         "year",      "kind",          "title",        "body",
    "people",      "track",      "day",       "start",         "duration_min", "url",
    "source_file", "line_first", "line_last", "title_inferred"};

static int shape_ok(const char *s, const char *shape)
{
    size_t i = 0;
    for (; shape[i]; i++) {
        if (!s[i] || (shape[i] == '9' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]))
            return 0;
    }
    return s[i] == '\0';
}

/* 1 with *out set, 0 "use the full parser", <0 out of memory. */
static int fast_record(const char *p, size_t n, pl_record_owned **out)
{
    *out = NULL;
    const char *end = p + n;
    /* unescaped strings never outgrow their escaped form plus the NUL that
     * replaces the closing quote */
    /* the record and its strings in one block, as pl_record_copy makes it
     * (pl_record_owned_free is one pl_free): no second copy of the body */
    pl_record_owned *o = pl_malloc(sizeof *o + n + 1);
    if (!o)
        return -1;
    char *scratch = (char *)(o + 1), *w = scratch;
    pl_record r;
    memset(&r, 0, sizeof r);
    r.title = r.body = r.id = r.track = r.url = r.source_file = "";
    const char *kind = "", *day = "", *start = "";
    unsigned seen = 0;
    int ok = 0;
    long v;
    p = fr_ws(p, end);
    if (p == end || *p++ != '{')
        goto done;
    p = fr_ws(p, end);
    if (p < end && *p == '}')
        goto done; /* no year: the full parser says so */
    for (;;) {
        const char *key;
        if (p == end || *p != '"' || !fr_string(&p, end, &w, &key))
            goto done;
        int k = 0;
        while (k < FR_NKEYS && strcmp(fr_keys[k], key))
            k++;
        if (k == FR_NKEYS || (seen & (1u << k)))
            goto done;
        seen |= 1u << k;
        p = fr_ws(p, end);
        if (p == end || *p++ != ':')
            goto done;
        p = fr_ws(p, end);
        if (p == end)
            goto done;
        const char **sp = NULL;
        switch (k) {
        case FR_SCHEMA:
            if (!fr_int(&p, end, PL_RECORD_SCHEMA, PL_RECORD_SCHEMA, &v))
                goto done;
            break;
        case FR_YEAR:
            if (!fr_int(&p, end, 1900, 2999, &v))
                goto done;
            r.year = (int)v;
            break;
        case FR_DURATION:
            if (!fr_int(&p, end, 0, 100000, &v))
                goto done;
            r.duration_min = (int)v;
            break;
        case FR_LFIRST:
        case FR_LLAST:
            if (!fr_int(&p, end, 0, 1L << 30, &v))
                goto done;
            *(k == FR_LFIRST ? &r.line_first : &r.line_last) = (int)v;
            break;
        case FR_INFERRED:
            if (end - p >= 4 && !memcmp(p, "true", 4)) {
                r.title_inferred = 1;
                p += 4;
            } else if (end - p >= 5 && !memcmp(p, "false", 5)) {
                p += 5;
            } else {
                goto done;
            }
            break;
        case FR_PEOPLE:
            if (*p++ != '[')
                goto done;
            p = fr_ws(p, end);
            if (p < end && *p == ']') {
                p++;
                break;
            }
            for (;;) {
                const char *s;
                if (p == end || *p != '"' || !fr_string(&p, end, &w, &s))
                    goto done;
                if (r.n_people < PL_MAX_PEOPLE)
                    r.people[r.n_people++] = s;
                p = fr_ws(p, end);
                if (p == end)
                    goto done;
                if (*p == ']') {
                    p++;
                    break;
                }
                if (*p++ != ',')
                    goto done;
                p = fr_ws(p, end);
            }
            break;
        case FR_ID: sp = &r.id; break;
        case FR_KIND: sp = &kind; break;
        case FR_TITLE: sp = &r.title; break;
        case FR_BODY: sp = &r.body; break;
        case FR_TRACK: sp = &r.track; break;
        case FR_DAY: sp = &day; break;
        case FR_START: sp = &start; break;
        case FR_URL: sp = &r.url; break;
        case FR_SOURCE: sp = &r.source_file; break;
        default: goto done;
        }
        if (sp && (*p != '"' || !fr_string(&p, end, &w, sp)))
            goto done;
        p = fr_ws(p, end);
        if (p == end)
            goto done;
        if (*p == '}') {
            p++;
            break;
        }
        if (*p++ != ',')
            goto done;
        p = fr_ws(p, end);
    }
    if (fr_ws(p, end) != end)
        goto done;
    /* the full parser's checks; a record failing one gets its message */
    if (!(seen & (1u << FR_YEAR)) || !r.title[0] || !r.id[0])
        goto done;
    if (!kind[0])
        r.kind = PL_KIND_TALK;
    else if (pl_kind_parse(kind, &r.kind) != PL_OK)
        goto done;
    if ((day[0] && !shape_ok(day, "9999-99-99")) || (start[0] && !shape_ok(start, "99:99")))
        goto done;
    memcpy(r.day, day, strlen(day) + 1);
    memcpy(r.start, start, strlen(start) + 1);
    o->rec = r;
    o->storage = scratch;
    *out = o;
    return 1;
done:
    pl_free(o);
    return ok;
}

static pl_snip_terms snip_terms(const term_list *tl)
{
    return (pl_snip_terms){
        .terms = (const char **)tl->t,
        .n_terms = tl->n,
        .phrases = (const pl_qnode **)tl->phrases,
        .n_phrases = tl->n_phrases,
        .prefixes = (const char **)tl->prefixes,
        .n_prefixes = tl->n_prefixes,
        .nears = (const pl_qnode **)tl->nears,
        .n_nears = tl->n_nears,
    };
}

/* tl[0]: the words that may match in the body, tl[1]: in the title. */
static int fill_hit(pl_qctx *q, pl_snap *snap, const entry *e, const term_list *tl, unsigned flags,
                    pl_hit *h, pl_error *err)
{
    h->docid = e->docid;
    h->score = e->score;
    if (flags & PL_SEARCH_IDS_ONLY) {
        int rc = id_record(snap, e->docid, &h->doc, err);
        if (rc != PL_OK || h->doc)
            return rc;
    }
    const char *p;
    size_t n;
    int rc = pl_snap_doc(snap, e->docid, &p, &n, err);
    if (rc != PL_OK)
        return rc == PL_ENOTFOUND
                   ? pl_error_set(err, PL_ECORRUPT, "document %u has no stored record", e->docid)
                   : rc;
    int fr = fast_record(p, n, &h->doc);
    if (fr < 0)
        return pl_error_set(err, PL_ENOMEM, "search: out of memory");
    rc = fr ? PL_OK : pl_record_from_json(p, n, &h->doc, err);
    if (rc != PL_OK || (flags & PL_SEARCH_IDS_ONLY))
        return rc;
    if (flags & PL_SEARCH_NO_SNIPPETS)
        return PL_OK;
    pl_snip_terms st = snip_terms(&tl[0]);
    const char *body = h->doc->rec.body ? h->doc->rec.body : "";
    rc = pl_snippet_make(q->an, body, strlen(body), &st, SNIPPET_WINDOW, h, err);
    if (rc != PL_OK)
        return rc;
    /* the whole title, no window: titles are a line long, so this costs
     * one analysis of a few dozen bytes per returned hit */
    pl_snip_terms tt = snip_terms(&tl[1]);
    const char *title = h->doc->rec.title ? h->doc->rec.title : "";
    return pl_snippet_spans(q->an, title, strlen(title), &tt, &h->title_highlights,
                            &h->n_title_highlights, err);
}

int pl_search_query(pl_qctx *q, pl_snap *snap, const pl_query *query, const pl_search_opts *opts,
                    uint32_t exclude, pl_results **out, pl_error *err)
{
    *out = NULL;
    double t0 = now_ms();
    uint32_t limit = opts->limit ? opts->limit : 10;
    if (limit > PL_SEARCH_MAX_LIMIT)
        return pl_error_set(err, PL_EUSAGE, "limit %u is above the maximum of %d", limit,
                            PL_SEARCH_MAX_LIMIT);
    if ((uint64_t)opts->offset + limit > MAX_DEPTH_HITS)
        return pl_error_set(err, PL_EUSAGE, "offset %u is too deep (offset + limit <= %d)",
                            opts->offset, MAX_DEPTH_HITS);
    unsigned flags = opts->flags;
    pl_results *r = pl_calloc(1, sizeof *r);
    if (!r)
        return pl_error_set(err, PL_ENOMEM, "search: out of memory");
    r->offset = opts->offset;
    r->limit = limit;
    r->query_desc = pl_query_describe(query);
    collector c = {0};
    docfilter f;
    prox px = {0};
    pl_it *root = NULL;
    pl_exec x;
    term_list *tl = NULL;
    relaxed *rx = NULL;
    int rc = docfilter_init(&f, snap, opts, exclude, err);
    if (rc != PL_OK)
        goto fail;
    c.sort = opts->sort == PL_SORT_DATE ? PL_SORT_DATE : PL_SORT_RELEVANCE;
    c.cap = (size_t)opts->offset + limit;
    c.heap = pl_calloc(c.cap, sizeof *c.heap);
    /* facet counters only when facets are wanted (4.4 KB zeroed per search) */
    int want_facets = !(flags & (PL_SEARCH_NO_FACETS | PL_SEARCH_NO_TOTAL));
    c.years = want_facets ? pl_calloc(YEAR_SPAN, sizeof *c.years) : NULL;
    c.n_tracks = want_facets ? pl_snap_track_count(snap) : 0;
    c.tracks = want_facets ? pl_calloc(c.n_tracks + 1, sizeof *c.tracks) : NULL;
    tl = pl_calloc(2, sizeof *tl); /* body, title (fill_hit) */
    if (!r->query_desc || !c.heap || (want_facets && (!c.years || !c.tracks)) || !tl) {
        rc = pl_error_set(err, PL_ENOMEM, "search: out of memory");
        goto fail;
    }
    pl_exec_init(&x, snap, &pl_rank_default, err);
    const pl_qnode *qroot = query->root;
    rc = pl_exec_build(&x, qroot, &root);
    if (rc != PL_OK)
        goto fail;
    double pw = (flags & PL_SEARCH_NO_PROXIMITY) ? 0 : x.rp->prox_weight;
    rc = prox_open(&px, snap, qroot, pw, err);
    if (rc != PL_OK)
        goto fail;
    run rn = {.x = &x,
              .root = root,
              .px = &px,
              .c = &c,
              .f = &f,
              .facets = want_facets,
              .no_total = !!(flags & PL_SEARCH_NO_TOTAL),
              .exhaustive = !!(flags & PL_SEARCH_EXHAUSTIVE)};
    size_t depth;
    int relaxable = !(flags & PL_SEARCH_PURE_AND) && relax_core(qroot, &depth);
    /* Relaxation needs to know whether the AND has relax_below matches:
     * prune only when the heap alone proves it (or relaxing is off). */
    if (relaxable && (double)c.cap < x.rp->relax_below)
        rn.no_total = 0;
    rc = run_pass(&rn);
    if (rc < 0)
        goto fail;
    uint64_t strict_total = c.total;
    if (relaxable && (double)c.total < x.rp->relax_below) {
        rx = relaxed_new(qroot);
        if (!rx) {
            rc = pl_error_set(err, PL_ENOMEM, "search: out of memory");
            goto fail;
        }
        /* the words alone decide (see struct relaxed); counted only when
         * filters could have made the difference */
        uint64_t words_total = c.total;
        if (rx->filtered || docfilter_active(&f)) {
            rc = count_root(snap, &rx->words, &words_total, err);
            if (rc != PL_OK)
                goto fail;
        }
        if ((double)words_total >= x.rp->relax_below) {
            pl_free(rx);
            rx = NULL;
        }
    }
    if (rx) {
        /* relax: the same words, OR-ed, ranked by words present first */
        pl_it_free(root);
        root = NULL;
        prox_close(&px);
        x.coord_node = &rx->any;
        rc = pl_exec_build(&x, rx->root, &root);
        if (rc != PL_OK)
            goto fail;
        rc = prox_open(&px, snap, qroot, pw, err);
        if (rc != PL_OK)
            goto fail;
        collector_reset(&c);
        c.coord = 1;
        rn.root = root;
        rn.n_words = rx->n_words;
        rc = run_pass(&rn);
        if (rc < 0)
            goto fail;
    }
    r->total = c.total;
    if (rx) {
        r->relaxed = 1;
        r->all_words = strict_total;
    }
    if (rn.facets && make_facets(r, &c, snap) != PL_OK) {
        rc = pl_error_set(err, PL_ENOMEM, "search: out of memory");
        goto fail;
    }
    sort_entries(&c);
    collect_terms(qroot, PL_FIELD_BODY, &tl[0]);
    collect_terms(qroot, PL_FIELD_TITLE, &tl[1]);
    if (c.n > opts->offset) {
        size_t nh = c.n - opts->offset;
        r->hits = pl_calloc(nh, sizeof *r->hits);
        if (!r->hits) {
            rc = pl_error_set(err, PL_ENOMEM, "search: out of memory");
            goto fail;
        }
        prox pxe = {0};
        if (flags & PL_SEARCH_EXPLAIN) {
            rc = prox_open(&pxe, snap, qroot, pw, err);
            if (rc != PL_OK)
                goto fail;
        }
        for (size_t i = 0; i < nh; i++) {
            const entry *e = &c.heap[opts->offset + i];
            pl_hit *h = &r->hits[i];
            r->n_hits++;
            rc = fill_hit(q, snap, e, tl, flags, h, err);
            if (rc == PL_OK && (flags & PL_SEARCH_EXPLAIN)) {
                pl_exec xe;
                pl_exec_init(&xe, snap, &pl_rank_default, err);
                if (rx)
                    xe.coord_node = &rx->any;
                rc = explain_hit(&xe, qroot, rx, e, &pxe, &h->explain);
            }
            if (rc != PL_OK)
                break;
        }
        prox_close(&pxe);
        if (rc != PL_OK)
            goto fail;
    }
    if (!(flags & PL_SEARCH_NO_SUGGEST) && query->n_words) {
        rc = pl_did_you_mean(q, snap, query, strict_total, &r->suggestion, err);
        if (rc != PL_OK)
            goto fail;
    }
    prox_close(&px);
    pl_it_free(root);
    pl_free(rx);
    pl_free(c.heap);
    pl_free(c.years);
    pl_free(c.tracks);
    pl_free(f.track_ok);
    pl_free(tl);
    r->took_ms = now_ms() - t0;
    *out = r;
    return PL_OK;
fail:
    prox_close(&px);
    pl_it_free(root);
    pl_free(rx);
    pl_free(c.heap);
    pl_free(c.years);
    pl_free(c.tracks);
    pl_free(f.track_ok);
    pl_free(tl);
    pl_results_free(r);
    return rc < 0 ? rc : PL_ECORRUPT;
}

int pl_search(pl_qctx *q, pl_snap *snap, const pl_search_opts *opts, pl_results **out,
              pl_error *err)
{
    *out = NULL;
    if (!opts)
        return pl_error_set(err, PL_EUSAGE, "search: no options");
    pl_query *query = NULL;
    int rc = pl_query_parse(q, opts->q, opts->q ? opts->q_len : 0, &query, err);
    if (rc != PL_OK)
        return rc;
    rc = pl_search_query(q, snap, query, opts, 0, out, err);
    pl_query_free(query);
    return rc;
}

/* ---- counting (did-you-mean) and every match (trends) --------------------------------- */
static int count_root(pl_snap *snap, const pl_qnode *root, uint64_t *count, pl_error *err)
{
    *count = 0;
    pl_exec x;
    pl_exec_init(&x, snap, &pl_rank_default, err);
    pl_it *it = NULL;
    int rc = pl_exec_build(&x, root, &it);
    if (rc != PL_OK)
        return rc;
    docfilter f;
    docfilter_init(&f, snap, NULL, 0, err);
    while ((rc = it->vt->next(it)) == 1)
        if (docfilter_ok(&f, it->docid, pl_snap_docmeta(snap, it->docid)))
            (*count)++;
    pl_it_free(it);
    return rc < 0 ? rc : PL_OK;
}

int pl_count_text(pl_qctx *q, pl_snap *snap, const char *text, size_t n, uint64_t *count,
                  pl_error *err)
{
    *count = 0;
    pl_query *query = NULL;
    pl_error e = {0};
    int prc = pl_query_parse(q, text, n, &query, &e);
    if (prc == PL_ENOMEM)
        return pl_error_set(err, PL_ENOMEM, "%s", e.msg);
    if (prc != PL_OK)
        return PL_OK; /* a correction that does not parse has no matches */
    int rc = count_root(snap, query->root, count, err);
    pl_query_free(query);
    return rc;
}

int pl_query_foreach_match(pl_qctx *q, pl_snap *snap, const pl_query *query, pl_match_cb cb,
                           void *ctx, pl_error *err)
{
    (void)q;
    pl_exec x;
    pl_exec_init(&x, snap, &pl_rank_default, err);
    pl_it *it = NULL;
    int rc = pl_exec_build(&x, query->root, &it);
    if (rc != PL_OK)
        return rc;
    while ((rc = it->vt->next(it)) == 1) {
        const pl_docmeta *dm = pl_snap_docmeta(snap, it->docid);
        if (!dm || dm->year == 0 || (dm->flags & PL_DOC_DELETED))
            continue;
        if (cb(ctx, it->docid, it->vt->mentions(it)))
            break;
    }
    pl_it_free(it);
    return rc < 0 ? rc : PL_OK;
}
