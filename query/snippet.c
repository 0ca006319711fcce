/*
 * snippet.c — the best window of a body for a query, with highlights.
 *
 * The stored body is re-analysed with the shared analyzer, so a token
 * matches exactly when the index would have matched it, and the analyzer's
 * byte offsets point into the original text.  Phrases are highlighted only
 * where the whole phrase occurs (from its first token's start to its last
 * token's end); isolated words of a phrase are not marked.
 *
 * Window choice: every match may anchor a window starting a little before
 * it; the window holding the most distinct query words wins, then the most
 * matches, then the earliest.  Costs: one analysis of the body plus
 * O(matches^2) for the window choice, with matches capped at MAX_SPANS.
 */
#include "query_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SPANS 512
#define LEAD 40 /* bytes of context before the first match */

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
    span spans[MAX_SPANS];
    size_t n_spans;
    int oom;
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
            add_span(c, tok->start, tok->end, (uint32_t)i);
            break;
        }
    for (size_t i = 0; i < c->t->n_prefixes; i++) {
        size_t pl = strlen(c->t->prefixes[i]);
        if (tok->surface_len >= pl && !memcmp(tok->surface, c->t->prefixes[i], pl)) {
            add_span(c, tok->start, tok->end, (uint32_t)(1000 + i));
            break;
        }
    }
    if (c->t->n_phrases == 0)
        return PL_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        stok *n = pl_realloc(c->toks, cap * sizeof *n);
        if (!n)
            return PL_ENOMEM;
        c->toks = n;
        c->cap = cap;
    }
    c->toks[c->n] =
        (stok){tok->pos, tok->start, tok->end, (uint32_t)c->terms.n, (uint32_t)tok->term_len};
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

void pl_html_escape(pl_buf *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (p[i]) {
        case '&': pl_buf_puts(out, "&amp;"); break;
        case '<': pl_buf_puts(out, "&lt;"); break;
        case '>': pl_buf_puts(out, "&gt;"); break;
        case '"': pl_buf_puts(out, "&quot;"); break;
        case '\'': pl_buf_puts(out, "&#39;"); break;
        default: pl_buf_putc(out, p[i]); break;
        }
    }
}

int pl_snippet_make(pl_analyzer *an, const char *body, size_t n, const pl_snip_terms *t,
                    size_t window, pl_hit *hit, pl_error *err)
{
    hit->snippet_html = hit->snippet_text = NULL;
    hit->highlights = NULL;
    hit->n_highlights = 0;
    hit->snippet_offset = 0;
    sctx *c = pl_calloc(1, sizeof *c);
    if (!c)
        return pl_error_set(err, PL_ENOMEM, "snippet: out of memory");
    c->t = t;
    int rc = pl_analyze(an, body, n, 0, snip_tok, c, NULL, err);
    if (rc != PL_OK)
        goto done;
    find_phrases(c);
    qsort(c->spans, c->n_spans, sizeof *c->spans, cmp_span);
    /* drop spans inside an earlier one (a whole and its parts) */
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
        uint32_t s0 = c->spans[best_i].start;
        ws = s0 > LEAD ? s0 - LEAD : 0;
        /* start at a word: skip forward to after a blank if one is near */
        if (ws > 0) {
            size_t b = ws;
            while (b < s0 && !is_blank(body[b - 1]))
                b++;
            ws = b < s0 ? b : s0;
        }
    }
    while (ws > 0 && ws < n && is_cont((unsigned char)body[ws]))
        ws--;
    size_t we = ws + window < n ? ws + window : n;
    if (we < n) {
        size_t b = we;
        while (b > ws + window / 2 && !is_blank(body[b]))
            b--;
        if (b > ws + window / 2)
            we = b;
        while (we > ws && is_cont((unsigned char)body[we]))
            we--;
    }
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
    pl_free(c->toks);
    pl_buf_free(&c->terms);
    pl_free(c);
    return rc;
}
