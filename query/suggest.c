/*
 * suggest.c — autocomplete (surfaces by prefix, by df), did-you-mean
 * (close vocabulary words, under strict rules) and more-like-this.
 *
 * Autocomplete completes the last word of the prefix.  Stopwords are never
 * offered (a query of one fails).  With words before it, the 64 most
 * frequent completions are each counted as the documents having every
 * word of the completed text (the strict count, never relaxed; an open
 * quote or parenthesis closed, an excluded last word made positive), and
 * those that find nothing, or whose text does not parse, are dropped.
 *
 * Did-you-mean (the rules and their reasons: docs/query-syntax.md) looks
 * at the query's free words.  A word is a candidate only if it has at
 * least 6 characters, no digit and, when ASCII, a vowel.  An absent word
 * becomes the closest vocabulary word within one edit (two from 11
 * characters), most frequent first; a word the index has is replaced only
 * when results are few, by a word one edit away in ten times as many
 * documents.  Candidates share the word's first character (the scan is
 * bounded by that slice of the vocabulary; a typo in the first letter is
 * not corrected).  Two adjacent words are joined ("risc v" -> "risc-v")
 * when the index mostly writes them joined.  A correction is offered only
 * when the corrected query matches more documents than the original.
 *
 * More-like-this (docs/relevance.md) searches with the document's 25 most
 * distinctive content words by tf * idf, each weighted by its score.
 */
#include "query_internal.h"
#include "words.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SURFACE_SCAN_MAX 200000

/* ---- autocomplete ----------------------------------------------------------- */
/* Completions of the last word counted with the words before it: each is a
 * strict count of the completed text, so this bounds the counts. */
#define COMPLETE_COUNTED 64

/* The words of a prefix: where the last one starts, and the terms of those
 * before it (NUL-separated in `terms`, up to `head_terms` bytes).  A
 * compound's parts belong to its whole. */
typedef struct prefix_words {
    pl_buf terms;
    size_t head_terms, last_terms;
    uint32_t start;
    int seen, before;
} prefix_words;

static int prefix_words_cb(void *ctx, const pl_token *t)
{
    prefix_words *w = ctx;
    if (t->flags & PL_TOK_PART)
        return PL_OK;
    w->before |= w->seen;
    w->seen = 1;
    w->start = t->start;
    w->head_terms = w->last_terms;
    w->last_terms = w->terms.n;
    if (!(t->flags & PL_TOK_STOP)) {
        pl_buf_put(&w->terms, t->term, t->term_len);
        pl_buf_putc(&w->terms, '\0');
        w->last_terms = w->terms.n;
    }
    return w->terms.oom ? PL_ENOMEM : PL_OK;
}

static int has_term(const prefix_words *w, const char *term, size_t n)
{
    for (size_t i = 0; i < w->head_terms; i += strlen(w->terms.p + i) + 1)
        if (!strncmp(w->terms.p + i, term, n) && w->terms.p[i + n] == '\0')
            return 1;
    return 0;
}

typedef struct sugg_collect {
    pl_suggestion *s;
    char (*term)[PL_MAX_TERM + 1]; /* by_term: the term of s[i] */
    const prefix_words *head;      /* words before the one completed, or NULL */
    size_t n, cap;
    size_t visited;
    int by_term; /* one surface per term, the most frequent */
    int oom;
} sugg_collect;

static int sugg_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                   uint32_t df)
{
    sugg_collect *c = ctx;
    if (++c->visited > SURFACE_SCAN_MAX)
        return 1;
    /* a stopword is in the vocabulary only as part of a compound
     * (state-of-the-art); as a query word it is dropped */
    if (pl_is_stopword(surface, n))
        return 0;
    /* `confidential co` -> `confidential confidential` finds nothing new */
    if (c->head && has_term(c->head, term, term_n))
        return 0;
    if (term_n > PL_MAX_TERM)
        term_n = PL_MAX_TERM;
    size_t slot = c->n;
    if (c->by_term) {
        for (size_t i = 0; i < c->n && slot == c->n; i++)
            if (!strncmp(c->term[i], term, term_n) && c->term[i][term_n] == '\0')
                slot = i;
        if (slot < c->n && c->s[slot].df >= df)
            return 0;
    }
    if (slot < c->n) {
        pl_free(c->s[slot].text);
    } else if (c->n == c->cap) {
        slot = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->s[i].df < c->s[slot].df)
                slot = i;
        if (c->s[slot].df >= df)
            return 0;
        pl_free(c->s[slot].text);
    } else {
        c->n++;
    }
    c->s[slot].text = pl_strndup(surface, n);
    c->s[slot].df = df;
    if (c->by_term) {
        memcpy(c->term[slot], term, term_n);
        c->term[slot][term_n] = '\0';
    }
    if (!c->s[slot].text) {
        /* the slot is the last or a kept one: move the last into it */
        c->oom = 1;
        c->n--;
        if (slot != c->n) {
            c->s[slot] = c->s[c->n];
            if (c->by_term)
                memcpy(c->term[slot], c->term[c->n], sizeof c->term[slot]);
        }
        return -1;
    }
    return 0;
}

static int cmp_sugg(const void *a, const void *b)
{
    const pl_suggestion *x = a, *y = b;
    if (x->df != y->df)
        return x->df > y->df ? -1 : 1;
    return strcmp(x->text, y->text);
}

void pl_suggestions_free(pl_suggestion *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        pl_free(s[i].text);
    pl_free(s);
}

typedef struct ranked {
    uint64_t count;
    size_t i; /* rank by the word's own df */
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Appends what closes the text in b: a '"' when a quote is open, then a
 * ')' per open parenthesis (outside quotes; the query language has no
 * escapes).  A ')' without its '(' cannot be closed: the text stays
 * unbalanced and does not parse. */
static void close_open(pl_buf *b)
{
    int quote = 0;
    size_t depth = 0;
    for (size_t i = 0; i < b->n; i++) {
        char ch = b->p[i];
        if (ch == '"')
            quote = !quote;
        else if (!quote && ch == '(')
            depth++;
        else if (!quote && ch == ')' && depth)
            depth--;
    }
    if (quote)
        pl_buf_putc(b, '"');
    while (depth--)
        pl_buf_putc(b, ')');
}

/* The completions of the last of several words: text = head + surface,
 * df = the strict count (every word, never relaxed) of the text as a
 * query, most first (ties: the word's own df).  The text counted is the
 * one shown with an open quote or parenthesis closed (`"rust ke` counts
 * `"rust kernel"`) and an excluded last word made positive (`rust -ke`
 * counts `rust kernel`: the documents the exclusion would take away);
 * `cut` is where the head ends in that text.  A completion whose text
 * still does not parse, or that counts nothing, is left out.  At most
 * COMPLETE_COUNTED counts. */
static int complete_in_context(pl_qctx *q, pl_snap *snap, const char *head, size_t head_n,
                               size_t cut, sugg_collect *c, pl_error *err)
{
    qsort(c->s, c->n, sizeof *c->s, cmp_sugg); /* c->term is not needed from here */
    ranked *r = pl_calloc(c->n ? c->n : 1, sizeof *r);
    pl_suggestion *s = pl_calloc(c->n ? c->n : 1, sizeof *s);
    pl_buf b = {0};
    int rc = PL_OK;
    size_t k = 0;
    if (!r || !s)
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    for (size_t i = 0; i < c->n && rc == PL_OK; i++) {
        pl_buf_reset(&b);
        pl_buf_put(&b, head, cut);
        pl_buf_puts(&b, c->s[i].text);
        close_open(&b);
        if (b.oom) {
            rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
            break;
        }
        uint64_t cnt = 0; /* 0 also when the text does not parse */
        if ((rc = pl_count_text(q, snap, b.p, b.n, &cnt, err)) != PL_OK)
            break;
        if (cnt == 0) /* leads nowhere */
            continue;
        pl_buf_reset(&b);
        pl_buf_put(&b, head, head_n);
        pl_buf_puts(&b, c->s[i].text);
        s[k].text = b.oom ? NULL : pl_strndup(b.p, b.n);
        if (!s[k].text) {
            rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
            break;
        }
        s[k].df = cnt > UINT32_MAX ? UINT32_MAX : (uint32_t)cnt;
        r[k] = (ranked){cnt, k};
        k++;
    }
    pl_buf_free(&b);
    for (size_t i = 0; i < c->n; i++)
        pl_free(c->s[i].text);
    c->n = 0;
    if (rc != PL_OK) {
        pl_suggestions_free(s, k);
        pl_free(r);
        return rc;
    }
    qsort(r, k, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < k; i++) {
        c->s[i] = s[r[i].i];
        c->n++;
    }
    pl_free(s);
    pl_free(r);
    return PL_OK;
}

/* Where the head of the counted text ends: before the '-' or "NOT " that
 * excludes the last word (at w.start), else at w.start. */
static size_t exclusion_cut(const char *prefix, size_t start)
{
#define GAP(i) ((i) == 0 || prefix[(i)-1] == ' ' || prefix[(i)-1] == '\t' || prefix[(i)-1] == '(')
    if (start >= 1 && prefix[start - 1] == '-' && GAP(start - 1))
        return start - 1;
    if (start >= 4 && !memcmp(prefix + start - 4, "NOT ", 4) && GAP(start - 4))
        return start - 4;
#undef GAP
    return start;
}

int pl_suggest(pl_qctx *q, pl_snap *snap, const char *prefix, size_t n, size_t limit,
               pl_suggestion **out, size_t *n_out, pl_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (limit == 0)
        limit = 10;
    if (limit > PL_SEARCH_MAX_LIMIT)
        limit = PL_SEARCH_MAX_LIMIT;
    /* a prefix that ends in a blank has no unfinished word */
    if (n == 0 || n > PL_QUERY_MAX_BYTES || prefix[n - 1] == ' ' || prefix[n - 1] == '\t' ||
        prefix[n - 1] == '\n' || prefix[n - 1] == '\r')
        return PL_OK;
    prefix_words w = {0};
    int rc = pl_analyze(q->an, prefix, n, 0, prefix_words_cb, &w, NULL, err);
    if (rc == PL_ENOMEM)
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    sugg_collect c = {0};
    if (rc != PL_OK || !w.seen)
        goto done;
    const char *word = prefix + w.start;
    size_t wn = n - w.start;
    char folded[PL_MAX_TERM * 4 + 1];
    size_t fl = pl_analyzer_fold(q->an, word, wn, folded, sizeof folded);
    /* keep a trailing '_' or '-' the folding dropped: `sched_` narrows to
     * the compounds */
    if (fl && (word[wn - 1] == '_' || word[wn - 1] == '-') && folded[fl - 1] != word[wn - 1] &&
        fl + 1 < sizeof folded) {
        folded[fl++] = word[wn - 1];
        folded[fl] = '\0';
    }
    if (fl == 0)
        goto done;
    c.by_term = w.before;
    c.head = w.before ? &w : NULL;
    c.cap = w.before && limit < COMPLETE_COUNTED ? COMPLETE_COUNTED : limit;
    c.s = pl_calloc(c.cap, sizeof *c.s);
    c.term = w.before ? pl_calloc(c.cap, sizeof *c.term) : NULL;
    if (!c.s || (w.before && !c.term)) {
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
        goto done;
    }
    rc = pl_snap_surfaces_prefix(snap, folded, fl, sugg_cb, &c, err);
    if (c.oom)
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    if (rc == PL_ENOTFOUND || rc == 1)
        rc = PL_OK;
    if (rc != PL_OK)
        goto done;
    if (w.before)
        rc = complete_in_context(q, snap, prefix, w.start, exclusion_cut(prefix, w.start), &c, err);
    else
        qsort(c.s, c.n, sizeof *c.s, cmp_sugg);
    if (rc != PL_OK)
        goto done;
    for (size_t i = limit; i < c.n; i++)
        pl_free(c.s[i].text);
    *out = c.s;
    *n_out = c.n < limit ? c.n : limit;
    c.s = NULL;
    c.n = 0;
done:
    pl_suggestions_free(c.s, c.n);
    pl_free(c.term);
    pl_buf_free(&w.terms);
    return rc;
}

/* ---- did-you-mean ------------------------------------------------------------------ */
/* A word shorter than this (in characters) is never corrected: a short
 * word has many neighbours one edit away, so a near vocabulary word is
 * no evidence of a typo (uring -> using, gcc -> get, snp -> so). */
#define DYM_MIN_CHARS 6
/* From this length two edits are allowed (1 - edits/length stays above
 * 0.8, as for one edit at 6). */
#define DYM_TWO_EDITS_CHARS 11
/* A word the index has is replaced only by one in this many times as many
 * documents (Lucene's SUGGEST_MORE_POPULAR, made strict). */
#define DYM_MORE_POPULAR 10
/* Longest word compared, in characters. */
#define DYM_MAX_CHARS 64

/* Decodes UTF-8 into code points (at most DYM_MAX_CHARS; more gives
 * DYM_MAX_CHARS + 1).  Invalid bytes count as one character each. */
static size_t to_chars(const char *s, size_t n, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        if (k == DYM_MAX_CHARS)
            return DYM_MAX_CHARS + 1;
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + len > n)
            len = 1;
        uint32_t cp = len == 1 ? c : c & (0x3Fu >> (len - 1));
        for (size_t j = 1; j < len; j++)
            cp = cp << 6 | ((unsigned char)s[i + j] & 0x3Fu);
        out[k] = cp;
        i += len;
    }
    return k;
}

/* Damerau-Levenshtein (optimal string alignment) over code points, giving
 * up past max.  At most 64 x 64 cells. */
static int edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int max)
{
    if (na > DYM_MAX_CHARS || nb > DYM_MAX_CHARS)
        return max + 1;
    if ((na > nb ? na - nb : nb - na) > (size_t)max)
        return max + 1;
    int d[DYM_MAX_CHARS + 1][DYM_MAX_CHARS + 1];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int row_min = max + 1;
        for (size_t j = 1; j <= nb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > max)
            return max + 1;
    }
    return d[na][nb];
}

/* Edits allowed to correct a folded word: 0 when it must be left alone
 * (too short, a digit, an ASCII word without a vowel: versions, acronyms
 * and names such as gcc, snp, x86-64, cgroupv2). */
static int dym_max_edits(const char *w, size_t n, size_t chars)
{
    int ascii = 1, vowel = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= '0' && c <= '9')
            return 0;
        ascii &= c < 0x80;
        vowel |= c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
    }
    if (chars < DYM_MIN_CHARS || (ascii && !vowel))
        return 0;
    return chars >= DYM_TWO_EDITS_CHARS ? 2 : 1;
}

typedef struct fix_ctx {
    const char *word;
    size_t n;
    const char *term; /* the word's own term: respelling it changes nothing */
    uint32_t chars[DYM_MAX_CHARS + 1];
    size_t nchars;
    int max_d;
    uint32_t min_df;
    char best[PL_MAX_TERM * 4 + 1];
    int best_d;
    uint32_t best_df;
    size_t visited;
} fix_ctx;

static int fix_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                  uint32_t df)
{
    fix_ctx *f = ctx;
    if (++f->visited > SURFACE_SCAN_MAX)
        return 1;
    if (df < f->min_df || n >= sizeof f->best || (n == f->n && !memcmp(surface, f->word, n)))
        return 0;
    if ((strlen(f->term) == term_n && !memcmp(term, f->term, term_n)) || pl_is_stopword(surface, n))
        return 0;
    uint32_t chars[DYM_MAX_CHARS + 1];
    size_t nc = to_chars(surface, n, chars);
    int d = edit_distance(f->chars, f->nchars, chars, nc, f->max_d);
    if (d > f->max_d)
        return 0;
    if (d < f->best_d || (d == f->best_d && df > f->best_df)) {
        f->best_d = d;
        f->best_df = df;
        memcpy(f->best, surface, n);
        f->best[n] = '\0';
    }
    return 0;
}

/* Exact surface lookup: df of `s` (0 if absent) and its term. */
typedef struct exact_ctx {
    const char *s;
    size_t n;
    uint32_t df;
    char term[PL_MAX_TERM + 1];
} exact_ctx;

static int exact_cb(void *ctx, const char *surface, size_t n, const char *term, size_t term_n,
                    uint32_t df)
{
    exact_ctx *e = ctx;
    if (n == e->n && !memcmp(surface, e->s, n)) {
        e->df = df;
        if (term_n >= sizeof e->term)
            term_n = sizeof e->term - 1;
        memcpy(e->term, term, term_n);
        e->term[term_n] = '\0';
        return 1;
    }
    return n > e->n ? 1 : 0;
}

static uint32_t surface_df(pl_snap *snap, const char *s, size_t n, char *term_out)
{
    exact_ctx e = {.s = s, .n = n};
    pl_error err = {0};
    pl_snap_surfaces_prefix(snap, s, n, exact_cb, &e, &err);
    if (term_out)
        memcpy(term_out, e.term, sizeof e.term);
    return e.df;
}

static uint32_t term_df(pl_snap *snap, const char *t)
{
    pl_terminfo ti;
    pl_error e = {0};
    if (pl_snap_term(snap, t, strlen(t), &ti, &e) != PL_OK)
        return 0;
    return ti.df;
}

/* "w1 w2" written apart where the index has w1-w2, w1_w2 or w1w2 (the
 * most frequent of them): the joined form (in fix) when its term is in
 * at least half of the `total` documents that have both words (a joined
 * form's parts are indexed, so those include its documents): the archive
 * mostly writes the pair joined, and the suggestion keeps most of what
 * the words found.  `risc v` -> `risc-v` (5 of 5); `live patch` stays
 * (livepatch in 1 of 4).  Costs three surface lookups. */
static int try_join(pl_snap *snap, const pl_qword *w, const pl_qword *v, uint64_t total, char **fix,
                    pl_error *err)
{
    *fix = NULL;
    char buf[PL_MAX_TERM * 8 + 2], best[sizeof buf], term[PL_MAX_TERM + 1];
    size_t a = strlen(w->surface), b = strlen(v->surface);
    if (a + b + 2 > sizeof buf)
        return PL_OK;
    static const char *const glue[] = {"-", "_", ""};
    uint32_t best_sdf = 0, joined = 0;
    for (int g = 0; g < 3; g++) {
        size_t gl = strlen(glue[g]);
        memcpy(buf, w->surface, a);
        memcpy(buf + a, glue[g], gl);
        memcpy(buf + a + gl, v->surface, b);
        buf[a + gl + b] = '\0';
        uint32_t sdf = surface_df(snap, buf, a + gl + b, term);
        if (sdf > best_sdf) {
            best_sdf = sdf;
            joined = term_df(snap, term);
            memcpy(best, buf, a + gl + b + 1);
        }
    }
    if (joined == 0 || 2 * (uint64_t)joined < total)
        return PL_OK;
    *fix = pl_strdup(best);
    return *fix ? PL_OK : pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
}

/* The correction of one word (in *fix), or none. */
static int fix_word(pl_snap *snap, const pl_qword *w, int few, char **fix, pl_error *err)
{
    *fix = NULL;
    fix_ctx f = {.word = w->surface, .n = strlen(w->surface), .term = w->term, .best_d = 3};
    f.nchars = to_chars(f.word, f.n, f.chars);
    f.max_d = dym_max_edits(f.word, f.n, f.nchars);
    if (f.max_d == 0)
        return PL_OK;
    uint32_t df = surface_df(snap, f.word, f.n, NULL);
    if (df > 0) {
        /* a word the index has: only when results are few, one edit, to a
         * word in ten times as many documents (printk, miguel stay) */
        if (!few)
            return PL_OK;
        f.max_d = 1;
        f.min_df = df * DYM_MORE_POPULAR;
    }
    /* first UTF-8 character as the scan prefix */
    size_t p1 = 1;
    while (p1 < f.n && ((unsigned char)f.word[p1] & 0xC0) == 0x80)
        p1++;
    int rc = pl_snap_surfaces_prefix(snap, f.word, p1, fix_cb, &f, err);
    if (rc < 0 && rc != PL_ENOTFOUND)
        return rc;
    if (f.best_d > f.max_d)
        return PL_OK;
    *fix = pl_strdup(f.best);
    return *fix ? PL_OK : pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
}

int pl_did_you_mean(pl_qctx *q, pl_snap *snap, const pl_query *query, uint64_t total, char **out,
                    pl_error *err)
{
    *out = NULL;
    if (query->n_words == 0)
        return PL_OK;
    int few = (double)total < pl_rank_default.relax_below;
    size_t nw = query->n_words;
    char **fix = pl_calloc(nw, sizeof *fix);
    int *joined = pl_calloc(nw, sizeof *joined); /* word i merged into i-1 */
    if (!fix || !joined) {
        pl_free(fix);
        pl_free(joined);
        return pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
    }
    int replaced = 0, rc = PL_OK;
    for (size_t i = 0; i < nw; i++) {
        const pl_qword *w = &query->words[i];
        if (few && i + 1 < nw) {
            const pl_qword *v = &query->words[i + 1];
            int adjacent = w->end < v->start;
            for (uint32_t k = w->end; k < v->start; k++)
                adjacent &= query->text[k] == ' ';
            if (adjacent) {
                rc = try_join(snap, w, v, total, &fix[i], err);
                if (rc != PL_OK)
                    goto done;
                if (fix[i]) {
                    joined[++i] = 1;
                    continue;
                }
            }
        }
        rc = fix_word(snap, w, few, &fix[i], err);
        if (rc != PL_OK)
            goto done;
        replaced |= fix[i] != NULL;
    }
    int changed = replaced;
    for (size_t i = 0; i < nw; i++)
        changed |= joined[i];
    if (!changed)
        goto done;
    pl_buf b = {0};
    size_t at = 0;
    for (size_t i = 0; i < nw; i++) {
        const pl_qword *w = &query->words[i];
        if (!fix[i] && !joined[i])
            continue;
        if (joined[i]) {
            at = w->end;
            continue;
        }
        pl_buf_put(&b, query->text + at, w->start - at);
        pl_buf_puts(&b, fix[i]);
        at = w->end;
    }
    pl_buf_put(&b, query->text + at, query->text_len - at);
    if (b.oom) {
        pl_buf_free(&b);
        rc = pl_error_set(err, PL_ENOMEM, "suggest: out of memory");
        goto done;
    }
    /* A replaced word must find more than the original; a join only
     * narrows (its parts are indexed), so it must find something. */
    uint64_t n2 = 0;
    rc = pl_count_text(q, snap, b.p, b.n, &n2, err);
    if (rc == PL_OK && n2 > (replaced ? total : 0))
        *out = pl_buf_take(&b, NULL);
    pl_buf_free(&b);
done:
    for (size_t i = 0; i < nw; i++)
        pl_free(fix[i]);
    pl_free(fix);
    pl_free(joined);
    return rc;
}

/* ---- more like this ------------------------------------------------------------------ */
/* The document's words, as Lucene's MoreLikeThis picks them: every
 * indexed term of the title and body (a compound's parts too: `NMI-safe`
 * is about NMIs) but numbers, terms under 3 bytes and the function words
 * of words.c, counted (a title word TITLE_WEIGHT times: titles say what a
 * document is about) and scored tf * idf.  A term must be in at least
 * MIN_DF documents (or it finds nothing else) and in at most MAX_DF_SHARE
 * of them, but never fewer than MIN_DF (kernel, linux, discuss, issue: too
 * common to say what a document is about).  The SIMILAR_TERMS best make
 * an OR query, each weighted by its score over the best one's, so that
 * the topic's word outweighs a stray generic match (the Rust MC: rust 1.0,
 * language 0.2, abstractions 0.1).  Costs one analysis of the document
 * and one term lookup per distinct word. */
#define SIMILAR_TERMS 25
#define TITLE_WEIGHT 2
#define MIN_DF 2
#define MAX_DF_SHARE 0.25

typedef struct tf_ent {
    char term[PL_MAX_TERM + 1];
    uint32_t len;
    uint32_t tf;
} tf_ent;

typedef struct tf_collect {
    tf_ent *e;
    size_t n, cap;
    uint32_t weight;
} tf_collect;

static int tf_cb(void *ctx, const pl_token *t)
{
    tf_collect *c = ctx;
    if (t->flags & (PL_TOK_STOP | PL_TOK_NUM) || t->term_len < 3 || t->term_len > PL_MAX_TERM ||
        pl_is_function_word(t->surface, t->surface_len))
        return PL_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        tf_ent *e = pl_realloc(c->e, cap * sizeof *e);
        if (!e)
            return PL_ENOMEM;
        c->e = e;
        c->cap = cap;
    }
    memcpy(c->e[c->n].term, t->term, t->term_len);
    c->e[c->n].term[t->term_len] = '\0';
    c->e[c->n].len = (uint32_t)t->term_len;
    c->e[c->n].tf = c->weight;
    c->n++;
    return PL_OK;
}

static int cmp_term(const void *a, const void *b)
{
    return strcmp(((const tf_ent *)a)->term, ((const tf_ent *)b)->term);
}

typedef struct scored {
    double w;
    size_t i;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int pl_similar(pl_qctx *q, pl_snap *snap, uint32_t docid, uint32_t limit, pl_results **out,
               pl_error *err)
{
    *out = NULL;
    const char *p;
    size_t n;
    int rc = pl_snap_doc(snap, docid, &p, &n, err);
    if (rc == PL_ENOTFOUND)
        return pl_error_set(err, PL_ENOTFOUND, "document %u not found", docid);
    if (rc != PL_OK)
        return rc;
    pl_record_owned *doc = NULL;
    rc = pl_record_from_json(p, n, &doc, err);
    if (rc != PL_OK)
        return rc;
    tf_collect c = {0};
    scored *sc = NULL;
    pl_query *query = NULL;
    /* title words count more: they say what the document is about */
    c.weight = TITLE_WEIGHT;
    rc = pl_analyze(q->an, doc->rec.title, strlen(doc->rec.title), 0, tf_cb, &c, NULL, err);
    c.weight = 1;
    if (rc == PL_OK && doc->rec.body)
        rc = pl_analyze(q->an, doc->rec.body, strlen(doc->rec.body), 0, tf_cb, &c, NULL, err);
    if (rc == PL_ENOMEM)
        rc = pl_error_set(err, PL_ENOMEM, "similar: out of memory");
    if (rc != PL_OK)
        goto done;
    qsort(c.e, c.n, sizeof *c.e, cmp_term);
    size_t k = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (k && !strcmp(c.e[k - 1].term, c.e[i].term)) {
            c.e[k - 1].tf += c.e[i].tf;
            continue;
        }
        c.e[k++] = c.e[i];
    }
    c.n = k;
    sc = pl_calloc(k ? k : 1, sizeof *sc);
    if (!sc) {
        rc = pl_error_set(err, PL_ENOMEM, "similar: out of memory");
        goto done;
    }
    double nd = pl_snap_doc_count(snap);
    /* never below MIN_DF: in a handful of documents a quarter is less
     * than two, and every term would be cut */
    double max_df = MAX_DF_SHARE * nd < MIN_DF ? MIN_DF : MAX_DF_SHARE * nd;
    size_t ns = 0;
    for (size_t i = 0; i < k; i++) {
        uint32_t df = term_df(snap, c.e[i].term);
        if (df < MIN_DF || df > max_df)
            continue;
        double idf = log(1 + (nd - df + 0.5) / (df + 0.5));
        sc[ns++] = (scored){c.e[i].tf * idf, i};
    }
    qsort(sc, ns, sizeof *sc, cmp_scored);
    if (ns > SIMILAR_TERMS)
        ns = SIMILAR_TERMS;
    const char *terms[SIMILAR_TERMS];
    size_t lens[SIMILAR_TERMS];
    double boosts[SIMILAR_TERMS];
    for (size_t i = 0; i < ns; i++) {
        terms[i] = c.e[sc[i].i].term;
        lens[i] = c.e[sc[i].i].len;
        boosts[i] = sc[i].w / sc[0].w;
    }
    if (ns == 0) {
        /* nothing distinctive: an empty result, not an error */
        pl_results *r = pl_calloc(1, sizeof *r);
        if (!r) {
            rc = pl_error_set(err, PL_ENOMEM, "similar: out of memory");
            goto done;
        }
        r->query_desc = pl_strdup("<empty>");
        r->limit = limit ? limit : 10;
        *out = r;
        goto done;
    }
    /* an OR of the terms, each weighted by its score (Lucene's
     * MoreLikeThis with boost on: a term counts in proportion to how much
     * it says about the document, so one generic match cannot outrank the
     * topic's word) */
    rc = pl_query_from_terms(terms, lens, boosts, ns, &query);
    if (rc != PL_OK) {
        rc = pl_error_set(err, rc, "similar: out of memory");
        goto done;
    }
    pl_search_opts o = {
        .limit = limit, .kind = -1, .flags = PL_SEARCH_NO_SUGGEST | PL_SEARCH_NO_PROXIMITY};
    rc = pl_search_query(q, snap, query, &o, docid, out, err);
done:
    pl_query_free(query);
    pl_free(sc);
    pl_free(c.e);
    pl_record_owned_free(doc);
    return rc;
}
