/*
 * snippet.c — the best window of a body for a query, with highlights;
 * and the same highlights over a whole title (pl_snippet_spans).
 *
 * Matching uses the shared analyzer, so a token matches exactly when the
 * index would have matched it, and the analyzer's byte offsets point into
 * the original text.  Phrases are highlighted only where the whole phrase
 * occurs (from its first token's start to its last token's end); isolated
 * words of a phrase are not marked.
 *
 * Only the parts of the body that can match are analysed.  An analysed
 * term starts with the folded first byte of its token (Snowball English
 * only rewrites endings; folding ASCII is lower-casing), and tokens never
 * cross ASCII blanks.  So one pass over the body finds the blank-separated
 * chunks holding a token start whose byte (lower-cased) begins a query
 * term, phrase or prefix, or holding any non-ASCII byte (NFKC may fold it
 * to anything); each such chunk, extended by as many chunks as the longest
 * phrase spans, is analysed on its own.  On prose, a few percent of the
 * body goes through the analyzer instead of all of it.
 *
 * Window choice: every match may anchor a window starting a little before
 * it; the window holding the most distinct query words wins, then the most
 * matches, then the earliest.  The window then starts at the sentence,
 * line or bullet holding the first match when that is near, else at a word,
 * and ends at a word.  Costs: one byte scan of the body, the analysis of
 * the candidate chunks, O(matches^2) for the window choice (matches capped
 * at MAX_SPANS).
 */
#include "query_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SPANS 512
#define LEAD 40      /* bytes of context before the first match */
#define LEAD_MAX 100 /* furthest a sentence or line start may be before it */

typedef struct stok {
    uint32_t pos, start, end;
    uint32_t term_off, term_len; /* into terms buffer */
} stok;

typedef struct span {
    uint32_t start, end;
    uint32_t key; /* which query word or phrase */
} span;

typedef struct sctx {
    const pl_snip_terms *t;
    stok *toks;
    size_t n, cap;
    pl_buf terms;
    size_t n_spans;
    uint32_t base; /* offset of the analysed chunk in the body */
    int oom;
    span spans[MAX_SPANS]; /* last: not zeroed (6 KB) */
} sctx;

static void add_span(sctx *c, uint32_t s, uint32_t e, uint32_t key)
{
    if (c->n_spans < MAX_SPANS)
        c->spans[c->n_spans++] = (span){s, e, key};
}

static int snip_tok(void *ctx, const pl_token *tok)
{
    sctx *c = ctx;
    if (tok->flags & PL_TOK_STOP)
        return PL_OK;
    for (size_t i = 0; i < c->t->n_terms; i++)
        if (strlen(c->t->terms[i]) == tok->term_len &&
            !memcmp(c->t->terms[i], tok->term, tok->term_len)) {
            add_span(c, c->base + tok->start, c->base + tok->end, (uint32_t)i);
            break;
        }
    for (size_t i = 0; i < c->t->n_prefixes; i++) {
        size_t pl = strlen(c->t->prefixes[i]);
        if (tok->surface_len >= pl && !memcmp(tok->surface, c->t->prefixes[i], pl)) {
            add_span(c, c->base + tok->start, c->base + tok->end, (uint32_t)(1000 + i));
            break;
        }
    }
    if (c->t->n_phrases == 0 && c->t->n_nears == 0)
        return PL_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        stok *n = pl_realloc(c->toks, cap * sizeof *n);
        if (!n)
            return PL_ENOMEM;
        c->toks = n;
        c->cap = cap;
    }
    c->toks[c->n] = (stok){tok->pos, c->base + tok->start, c->base + tok->end, (uint32_t)c->terms.n,
                           (uint32_t)tok->term_len};
    pl_buf_put(&c->terms, tok->term, tok->term_len);
    if (c->terms.oom)
        return PL_ENOMEM;
    c->n++;
    return PL_OK;
}

static int tok_is(const sctx *c, const stok *t, const pl_qnode *term)
{
    return t->term_len == term->term_len &&
           !memcmp(c->terms.p + t->term_off, term->term, term->term_len);
}

/* Phrase occurrences: tokens are in position order, a compound's parts
 * share positions with its whole, so look a few tokens ahead. */
static void find_phrases(sctx *c)
{
    for (size_t ph = 0; ph < c->t->n_phrases; ph++) {
        const pl_qnode *p = c->t->phrases[ph];
        for (size_t i = 0; i < c->n; i++) {
            if (!tok_is(c, &c->toks[i], p->kids[0]))
                continue;
            uint32_t end = c->toks[i].end;
            size_t j = i;
            int ok = 1;
            for (size_t k = 1; k < p->n_kids && ok; k++) {
                uint32_t want = c->toks[i].pos + p->offs[k];
                ok = 0;
                while (j + 1 < c->n && c->toks[j + 1].pos <= want) {
                    j++;
                    if (c->toks[j].pos == want && tok_is(c, &c->toks[j], p->kids[k])) {
                        ok = 1;
                        end = c->toks[j].end;
                        break;
                    }
                }
            }
            if (ok)
                add_span(c, c->toks[i].start, end, (uint32_t)(2000 + ph));
        }
    }
}

/* NEAR occurrences: a token of one of a NEAR's words is marked when every
 * other word of it has a token within the NEAR's span (near * (k - 1)
 * positions) on another position, as the index's NEAR counts them (a
 * looser test for k > 2, where the others need not fit one window).
 * Tokens of different analysed regions are further apart than any span
 * (analyze_candidates leaves that gap), so they never pair up.  Cost:
 * O(tokens * words * tokens in reach). */
static void find_nears(sctx *c)
{
    for (size_t ni = 0; ni < c->t->n_nears; ni++) {
        const pl_qnode *q = c->t->nears[ni];
        uint32_t limit = q->near * (uint32_t)(q->n_kids - 1);
        for (size_t i = 0; i < c->n; i++) {
            const stok *t = &c->toks[i];
            size_t a = 0;
            while (a < q->n_kids && !tok_is(c, t, q->kids[a]))
                a++;
            if (a == q->n_kids)
                continue;
            int ok = 1;
            for (size_t b = 0; b < q->n_kids && ok; b++) {
                if (b == a)
                    continue;
                ok = 0;
                /* tokens are in position order: look both ways from i */
                for (size_t j = i; j-- > 0 && t->pos - c->toks[j].pos <= limit && !ok;)
                    ok = c->toks[j].pos != t->pos && tok_is(c, &c->toks[j], q->kids[b]);
                for (size_t j = i + 1; j < c->n && c->toks[j].pos - t->pos <= limit && !ok; j++)
                    ok = c->toks[j].pos != t->pos && tok_is(c, &c->toks[j], q->kids[b]);
            }
            if (ok)
                add_span(c, t->start, t->end, (uint32_t)(3000 + ni));
        }
    }
}

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end;
}

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Byte classes of the pre-scan (one table lookup per byte). */
enum {
    B_OTHER = 0,  /* punctuation and ASCII controls */
    B_LETTER = 1, /* ASCII letter */
    B_DIGIT = 2,  /* ASCII digit */
    B_HIGH = 3,   /* a byte of a non-ASCII character */
    B_CLASS = 3,
    B_WANT = 4,  /* a token starting with this byte may match */
    B_BLANK = 8, /* ASCII blank: ends a chunk */
};

/* Second bytes of the wanted terms, to reject most token starts whose first
 * byte alone is wanted ("e" of every "each" for the query eBPF).  Stemming
 * and folding keep the first two bytes of an ASCII word, except Snowball's
 * dying/lying/tying -> die/lie/tie: a second byte 'i' also admits 'y'. */
#define MAX_PAIRS 64
typedef struct pairs {
    unsigned char a[MAX_PAIRS][2];
    size_t n;
    uint8_t any[256]; /* first bytes admitting any second byte */
} pairs;

static void add_pair(pairs *pr, unsigned char b0, unsigned char b1)
{
    if (pr->n < MAX_PAIRS) {
        pr->a[pr->n][0] = b0;
        pr->a[pr->n][1] = b1;
        pr->n++;
    } else {
        pr->any[b0] = 1;
    }
}

static void want_term(uint8_t tab[256], pairs *pr, const char *term)
{
    unsigned char b0 = lower((unsigned char)term[0]),
                  b1 = lower((unsigned char)term[0] ? (unsigned char)term[1] : 0);
    if (!(tab[b0] & B_CLASS))
        return; /* empty term or punctuation: no token starts so */
    tab[b0] |= B_WANT;
    if (b0 >= 'a' && b0 <= 'z')
        tab[b0 - 32] |= B_WANT;
    if (b0 >= 0x80 || !((tab[b1] & B_CLASS) == B_LETTER || (tab[b1] & B_CLASS) == B_DIGIT)) {
        pr->any[b0] = 1;
        return;
    }
    add_pair(pr, b0, b1);
    if (b1 == 'i')
        add_pair(pr, b0, 'y');
}

/* May the token starting at p (a wanted first byte) match?  A second byte
 * that is not an ASCII letter or digit (a joiner, an apostrophe, non-ASCII,
 * the end) may vanish or fold: yes. */
static int start_wanted(const uint8_t tab[256], const pairs *pr, const unsigned char *p,
                        const unsigned char *end)
{
    unsigned char b0 = lower(*p);
    if (b0 >= 0x80 || pr->any[b0] || p + 1 == end)
        return 1;
    unsigned k1 = tab[p[1]] & B_CLASS;
    if (k1 != B_LETTER && k1 != B_DIGIT)
        return 1;
    unsigned char b1 = lower(p[1]);
    for (size_t i = 0; i < pr->n; i++)
        if (pr->a[i][0] == b0 && pr->a[i][1] == b1)
            return 1;
    return 0;
}

/* Runs the analyzer over the candidate regions of the body (see the top of
 * the file).  A chunk is a candidate when a token (or compound part) may
 * start in it with a wanted byte: an ASCII alnum where the class changes
 * (after punctuation, or where letters and digits meet: x86 -> x, 86), or
 * any non-ASCII byte.  Regions get position ranges far apart, so a phrase
 * is never found across two of them.  Cost: one table lookup per byte,
 * plus the analysis of the candidates. */
static int analyze_candidates(pl_analyzer *an, sctx *c, const char *body, size_t n, pl_error *err)
{
    const pl_snip_terms *t = c->t;
    uint8_t tab[256];
    for (unsigned i = 0; i < 256; i++)
        tab[i] = i >= 0x80                ? B_HIGH | B_WANT
                 : (i >= '0' && i <= '9') ? B_DIGIT
                 : (lower((unsigned char)i) >= 'a' && lower((unsigned char)i) <= 'z') ? B_LETTER
                 : is_blank((char)i)                                                  ? B_BLANK
                                                                                      : B_OTHER;
    pairs pr = {0};
    for (size_t i = 0; i < t->n_terms; i++)
        want_term(tab, &pr, t->terms[i]);
    for (size_t i = 0; i < t->n_prefixes; i++)
        want_term(tab, &pr, t->prefixes[i]);
    uint32_t ext = 0; /* chunks a phrase may need after its first one */
    for (size_t i = 0; i < t->n_phrases; i++) {
        const pl_qnode *p = t->phrases[i];
        if (p->n_kids && p->kids[0]->term_len)
            want_term(tab, &pr, p->kids[0]->term);
        if (p->n_kids && p->offs[p->n_kids - 1] > ext)
            ext = p->offs[p->n_kids - 1];
    }
    for (size_t i = 0; i < t->n_nears; i++) {
        const pl_qnode *q = t->nears[i];
        for (size_t k = 0; k < q->n_kids; k++)
            if (q->kids[k]->term_len)
                want_term(tab, &pr, q->kids[k]->term);
        if (q->n_kids && q->near * (uint32_t)(q->n_kids - 1) > ext)
            ext = q->near * (uint32_t)(q->n_kids - 1);
    }
    const unsigned char *b = (const unsigned char *)body, *end = b + n, *p = b;
    const unsigned char *rs = NULL, *re = NULL; /* region under way */
    uint32_t left = 0, pos = 0;
    for (;;) {
        while (p < end && tab[*p] == B_BLANK)
            p++;
        const unsigned char *cs = p;
        unsigned prev = B_OTHER, wanted = 0, alnum = 0;
        for (; p < end; p++) {
            unsigned k = tab[*p];
            if (k == B_BLANK)
                break;
            if ((k & B_CLASS) != prev) {
                if ((k & B_WANT) && !wanted)
                    wanted = start_wanted(tab, &pr, p, end);
                prev = k & B_CLASS;
                alnum |= prev == B_LETTER || prev == B_DIGIT;
            }
        }
        int last = cs == end;
        if (!last && wanted) {
            if (!rs)
                rs = cs;
            re = p;
            left = ext;
            continue;
        }
        if (rs && !last && left) {
            re = p;
            left -= alnum ? 1 : 0;
            continue;
        }
        if (rs) {
            c->base = (uint32_t)(rs - b);
            uint32_t next = pos;
            int rc =
                pl_analyze(an, (const char *)rs, (size_t)(re - rs), pos, snip_tok, c, &next, err);
            if (rc != PL_OK)
                return rc;
            pos = next + ext + 2 * PL_MAX_PARTS;
            rs = NULL;
        }
        if (last)
            return PL_OK;
    }
}

/* A bullet marker at p (before end): "-", "*", "+", ">", "•", "–", "—"
 * or "·" followed by a blank; its length, else 0. */
static size_t bullet_len(const char *p, const char *end)
{
    size_t k = 0;
    if (p < end && (*p == '-' || *p == '*' || *p == '+' || *p == '>'))
        k = 1;
    else if (end - p >= 3 && !memcmp(p, "\xe2\x80", 2) &&
             ((unsigned char)p[2] == 0xa2 || (unsigned char)p[2] == 0x93 ||
              (unsigned char)p[2] == 0x94))
        k = 3;
    else if (end - p >= 2 && !memcmp(p, "\xc2\xb7", 2))
        k = 2;
    return k && p + k < end && is_blank(p[k]) ? k : 0;
}

/* Where a window showing the match at s0 starts: the start of its
 * sentence, line or bullet item when that is at most LEAD_MAX bytes back
 * (bullet markers and blanks skipped), else the first word starting at
 * most LEAD bytes back, else the start of the match's own blank-separated
 * chunk when near, else the match.  Never mid-word unless a single word is
 * longer than LEAD_MAX.  Cost O(LEAD_MAX). */
static size_t window_start(const char *body, size_t s0)
{
    size_t lo = s0 > LEAD_MAX ? s0 - LEAD_MAX : 0;
    for (size_t b = s0;; b--) {
        int start = b == 0 || body[b - 1] == '\n' ||
                    (b >= 2 && is_blank(body[b - 1]) &&
                     (body[b - 2] == '.' || body[b - 2] == '!' || body[b - 2] == '?'));
        if (start) {
            size_t w = b;
            for (;;) {
                while (w < s0 && is_blank(body[w]))
                    w++;
                size_t k = w < s0 ? bullet_len(body + w, body + s0) : 0;
                if (!k)
                    break;
                w += k;
            }
            return w;
        }
        if (b == lo)
            break;
    }
    size_t cs = s0; /* start of the match's chunk */
    while (cs > lo && !is_blank(body[cs - 1]))
        cs--;
    if (cs > 0 && !is_blank(body[cs - 1]))
        return s0; /* a word longer than LEAD_MAX */
    size_t b = s0 > LEAD ? s0 - LEAD : 0;
    if (b >= cs)
        return cs;
    while (b > 0 && b < cs && !is_blank(body[b - 1]))
        b++;
    while (b < cs && is_blank(body[b]))
        b++;
    return b;
}

/* End of a window of about `window` bytes from ws: at a blank (trailing
 * blanks dropped), looking back at most half the window and then forward
 * at most LEAD bytes; on a UTF-8 boundary. */
static size_t window_end(const char *body, size_t n, size_t ws, size_t window)
{
    size_t we = ws + window < n ? ws + window : n;
    if (we < n) {
        size_t b = we;
        while (b > ws + window / 2 && !is_blank(body[b]))
            b--;
        if (b > ws + window / 2) {
            we = b;
        } else {
            b = we;
            while (b < n && b < we + LEAD && !is_blank(body[b]))
                b++;
            if (b == n || is_blank(body[b]))
                we = b;
        }
        while (we > ws && we < n && is_cont((unsigned char)body[we]))
            we--;
    }
    while (we > ws && is_blank(body[we - 1]))
        we--;
    return we;
}

void pl_html_escape(pl_buf *out, const char *p, size_t n)
{
    /* runs of plain bytes are copied at once: most of a snippet */
    pl_buf_reserve(out, n + 16);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e;
        switch (p[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: continue;
        }
        pl_buf_put(out, p + at, i - at);
        pl_buf_puts(out, e);
        at = i + 1;
    }
    pl_buf_put(out, p + at, n - at);
}

/* Every match of c->t in text[0..n) into c->spans: ascending, a span
 * overlapping an earlier one (a compound's whole and its parts, a phrase
 * and its words) merged into it.  What both the body's snippet and the
 * title's marks are made of, so a title is marked exactly as a body is. */
static int find_spans(pl_analyzer *an, sctx *c, const char *text, size_t n, pl_error *err)
{
    int rc = analyze_candidates(an, c, text, n, err);
    if (rc != PL_OK)
        return rc;
    find_phrases(c);
    find_nears(c);
    qsort(c->spans, c->n_spans, sizeof *c->spans, cmp_span);
    size_t k = 0;
    for (size_t i = 0; i < c->n_spans; i++) {
        if (k && c->spans[i].start < c->spans[k - 1].end) {
            if (c->spans[i].end > c->spans[k - 1].end)
                c->spans[k - 1].end = c->spans[i].end;
            continue;
        }
        c->spans[k++] = c->spans[i];
    }
    c->n_spans = k;
    return PL_OK;
}

static sctx *sctx_new(const pl_snip_terms *t)
{
    sctx *c = pl_malloc(sizeof *c);
    if (c) {
        memset(c, 0, offsetof(sctx, spans));
        c->t = t;
    }
    return c;
}

static void sctx_free(sctx *c)
{
    pl_free(c->toks);
    pl_buf_free(&c->terms);
    pl_free(c);
}

int pl_snippet_spans(pl_analyzer *an, const char *text, size_t n, const pl_snip_terms *t,
                     pl_span **out, size_t *n_out, pl_error *err)
{
    *out = NULL;
    *n_out = 0;
    /* nothing to look for (a query of only other fields' words): no
     * analysis, no allocation */
    if (!n || !(t->n_terms || t->n_phrases || t->n_prefixes))
        return PL_OK;
    sctx *c = sctx_new(t);
    if (!c)
        return pl_error_set(err, PL_ENOMEM, "snippet: out of memory");
    int rc = find_spans(an, c, text, n, err);
    if (rc == PL_OK && c->n_spans) {
        *out = pl_malloc(c->n_spans * sizeof **out);
        if (!*out) {
            rc = pl_error_set(err, PL_ENOMEM, "snippet: out of memory");
        } else {
            for (size_t i = 0; i < c->n_spans; i++)
                (*out)[i] = (pl_span){c->spans[i].start, c->spans[i].end};
            *n_out = c->n_spans;
        }
    }
    sctx_free(c);
    return rc;
}

int pl_snippet_make(pl_analyzer *an, const char *body, size_t n, const pl_snip_terms *t,
                    size_t window, pl_hit *hit, pl_error *err)
{
    hit->snippet_html = hit->snippet_text = NULL;
    hit->highlights = NULL;
    hit->n_highlights = 0;
    hit->snippet_offset = 0;
    sctx *c = sctx_new(t);
    if (!c)
        return pl_error_set(err, PL_ENOMEM, "snippet: out of memory");
    int rc = find_spans(an, c, body, n, err);
    if (rc != PL_OK)
        goto done;

    size_t ws = 0, best_i = 0;
    if (c->n_spans) {
        int best = -1;
        for (size_t i = 0; i < c->n_spans; i++) {
            uint32_t keys[64];
            size_t nk = 0, cnt = 0;
            size_t lim = c->spans[i].start + window - (c->spans[i].start > LEAD ? LEAD : 0);
            for (size_t j = i; j < c->n_spans && c->spans[j].end <= lim; j++) {
                cnt++;
                size_t q = 0;
                while (q < nk && keys[q] != c->spans[j].key)
                    q++;
                if (q == nk && nk < 64)
                    keys[nk++] = c->spans[j].key;
            }
            int score = (int)(nk * 1000 + (cnt > 999 ? 999 : cnt));
            if (score > best) {
                best = score;
                best_i = i;
            }
        }
        ws = window_start(body, c->spans[best_i].start);
    }
    while (ws > 0 && ws < n && is_cont((unsigned char)body[ws]))
        ws--;
    size_t we = window_end(body, n, ws, window);
    /* the text */
    hit->snippet_offset = (uint32_t)ws;
    hit->snippet_text = pl_strndup(body + ws, we - ws);
    size_t nh = 0;
    for (size_t i = 0; i < c->n_spans; i++)
        nh += c->spans[i].start >= ws && c->spans[i].end <= we;
    hit->highlights = pl_calloc(nh ? nh : 1, sizeof *hit->highlights);
    if (!hit->snippet_text || !hit->highlights) {
        rc = pl_error_set(err, PL_ENOMEM, "snippet: out of memory");
        goto done;
    }
    pl_buf html = {0};
    size_t at = ws;
    for (size_t i = 0; i < c->n_spans; i++) {
        const span *s = &c->spans[i];
        if (s->start < ws || s->end > we)
            continue;
        hit->highlights[hit->n_highlights++] =
            (pl_span){(uint32_t)(s->start - ws), (uint32_t)(s->end - ws)};
        pl_html_escape(&html, body + at, s->start - at);
        pl_buf_puts(&html, "<mark>");
        pl_html_escape(&html, body + s->start, s->end - s->start);
        pl_buf_puts(&html, "</mark>");
        at = s->end;
    }
    pl_html_escape(&html, body + at, we - at);
    if (html.oom) {
        pl_buf_free(&html);
        rc = pl_error_set(err, PL_ENOMEM, "snippet: out of memory");
        goto done;
    }
    hit->snippet_html = pl_buf_take(&html, NULL);
done:
    sctx_free(c);
    return rc;
}
