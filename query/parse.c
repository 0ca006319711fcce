/*
 * parse.c — the query language (docs/query-syntax.md) -> AST, and the
 * canonical description of an AST.
 *
 * Grammar (OR binds tighter than AND, as in web search engines, so that
 * `bpf OR ebpf tracing` means (bpf OR ebpf) AND tracing):
 *
 *   query    := andlist
 *   andlist  := item { ['AND'] item }          juxtaposition = AND
 *   item     := ('-' | 'NOT') orexpr | orexpr    '-' touches its operand
 *   orexpr   := nearexpr { 'OR' nearexpr }
 *   nearexpr := primary { 'NEAR' ['/' n] primary }
 *   primary  := '(' andlist ')' | '"' words '"' | field ':' primary
 *             | kind:K | year:Y | year:[Y]..[Y] | year:(>=|<=|>|<)Y | track:V
 *             | word | word'*'                     no '*' before a word
 *
 * A filter (kind, year, track) takes no field.  `name://` (a URL) and
 * `name::` (a C++ or Rust path, name no field) are words, and so is
 * `word()` (a function call: the empty parentheses are skipped).
 *
 * Every word goes through the shared analyzer, so query terms are index
 * terms.  A compound (sched_ext) matches its WHOLE term or its parts as a
 * phrase (with_parts); a word that
 * analyses to several terms (a/b) becomes a phrase; stopwords are dropped
 * outside phrases and are position gaps inside them.
 *
 * Costs: one pass over the text; recursion depth is capped by
 * PL_QUERY_MAX_DEPTH, length by PL_QUERY_MAX_BYTES and leaves by
 * PL_QUERY_MAX_TERMS, so a hostile query costs O(PL_QUERY_MAX_BYTES).
 * All nodes live in one arena per query.
 */
#include "query_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define PL_STR2(x) #x
#define PL_STR(x) PL_STR2(x)

int pl_qctx_new(const pl_synonyms *syn, pl_qctx **out, pl_error *err)
{
    *out = NULL;
    pl_qctx *q = pl_calloc(1, sizeof *q);
    if (!q)
        return pl_error_set(err, PL_ENOMEM, "query context: out of memory");
    int rc = pl_analyzer_new(&q->an, err);
    if (rc != PL_OK) {
        pl_free(q);
        return rc;
    }
    q->syn = syn;
    *out = q;
    return PL_OK;
}

void pl_qctx_free(pl_qctx *q)
{
    if (!q)
        return;
    pl_analyzer_free(q->an);
    pl_free(q);
}

pl_analyzer *pl_qctx_analyzer(pl_qctx *q)
{
    return q->an;
}

void pl_query_free(pl_query *query)
{
    if (!query)
        return;
    pl_arena_free(query->arena);
    pl_free(query->words);
    pl_free(query->text);
    pl_free(query);
}

/* ---- parser state ----------------------------------------------------------- */
typedef struct parser {
    pl_qctx *q;
    pl_query *query;
    const char *s;
    size_t n, i;
    int depth;
    size_t n_terms;
    size_t words_cap;
    unsigned fields; /* field restriction in force (title:(...)) */
    pl_error *err;
    int rc;
} parser;

static int column(const parser *p, size_t at)
{
    int col = 1;
    for (size_t i = 0; i < at && i < p->n; i++)
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static int fail(parser *p, int code, size_t at, const char *what)
{
    if (p->rc == PL_OK) {
        p->rc = code;
        pl_error_set(p->err, code, "%s at column %d", what, column(p, at));
    }
    return code;
}

static pl_qnode *node_new(parser *p, int op)
{
    pl_qnode *n = pl_arena_alloc(p->query->arena, sizeof *n);
    if (!n) {
        fail(p, PL_ENOMEM, p->i, "out of memory");
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->op = op;
    n->fields = PL_FIELDS_ALL;
    return n;
}

static int set_kids(parser *p, pl_qnode *n, pl_qnode **kids, size_t k)
{
    n->kids = pl_arena_alloc(p->query->arena, (k ? k : 1) * sizeof *kids);
    if (!n->kids)
        return fail(p, PL_ENOMEM, p->i, "out of memory");
    memcpy(n->kids, kids, k * sizeof *kids);
    n->n_kids = k;
    return PL_OK;
}

static pl_qnode *term_node(parser *p, const char *t, size_t len, unsigned fields, size_t at)
{
    if (++p->n_terms > PL_QUERY_MAX_TERMS) {
        fail(p, PL_ELIMIT, at, "more than " PL_STR(PL_QUERY_MAX_TERMS) " terms");
        return NULL;
    }
    pl_qnode *n = node_new(p, PL_Q_TERM);
    if (!n)
        return NULL;
    n->term = pl_arena_strndup(p->query->arena, t, len);
    if (!n->term) {
        fail(p, PL_ENOMEM, at, "out of memory");
        return NULL;
    }
    n->term_len = len;
    n->fields = fields;
    return n;
}

/* ---- analysis of words and phrases --------------------------------------------- */
#define MAX_TOKS PL_QUERY_MAX_TERMS

typedef struct toks {
    char term[MAX_TOKS][PL_MAX_TERM + 1];
    size_t len[MAX_TOKS];
    uint32_t pos[MAX_TOKS];
    size_t n;
    int truncated;
    /* the parts of compounds (stopwords left out, their positions kept),
     * and how many WHOLE tokens there were: see with_parts */
    char part[MAX_TOKS][PL_MAX_TERM + 1];
    size_t part_len[MAX_TOKS];
    uint32_t part_pos[MAX_TOKS];
    size_t n_parts, n_wholes;
} toks;

static int toks_cb(void *ctx, const pl_token *t)
{
    toks *k = ctx;
    if (t->flags & PL_TOK_PART) {
        if (k->n_parts < MAX_TOKS && !pl_is_stopword(t->surface, t->surface_len)) {
            size_t len = t->term_len > PL_MAX_TERM ? PL_MAX_TERM : t->term_len;
            memcpy(k->part[k->n_parts], t->term, len);
            k->part[k->n_parts][len] = '\0';
            k->part_len[k->n_parts] = len;
            k->part_pos[k->n_parts++] = t->pos;
        }
        return PL_OK;
    }
    k->n_wholes += !!(t->flags & PL_TOK_WHOLE);
    if (t->flags & PL_TOK_STOP)
        return PL_OK;
    if (k->n == MAX_TOKS) {
        k->truncated = 1;
        return PL_OK;
    }
    size_t len = t->term_len > PL_MAX_TERM ? PL_MAX_TERM : t->term_len;
    memcpy(k->term[k->n], t->term, len);
    k->term[k->n][len] = '\0';
    k->len[k->n] = len;
    k->pos[k->n] = t->pos;
    k->n++;
    return PL_OK;
}

static int analyze(parser *p, const char *t, size_t len, toks *k, size_t at)
{
    k->n = 0;
    k->truncated = 0;
    k->n_parts = k->n_wholes = 0;
    pl_error e = {0};
    int rc = pl_analyze(p->q->an, t, len, 0, toks_cb, k, NULL, &e);
    if (rc != PL_OK) {
        if (p->rc == PL_OK) {
            p->rc = rc;
            pl_error_set(p->err, rc, "cannot analyse query text at column %d: %s", column(p, at),
                         e.msg);
        }
        return rc;
    }
    if (k->truncated)
        return fail(p, PL_ELIMIT, at, "more than " PL_STR(PL_QUERY_MAX_TERMS) " terms");
    return PL_OK;
}

/* Terms of a phrase (k) -> TERM or PHRASE node; NULL when k is empty. */
static pl_qnode *phrase_node(parser *p, const toks *k, unsigned fields, size_t at)
{
    if (k->n == 0)
        return NULL;
    if (k->n == 1)
        return term_node(p, k->term[0], k->len[0], fields, at);
    pl_qnode *n = node_new(p, PL_Q_PHRASE);
    if (!n)
        return NULL;
    pl_qnode *kids[MAX_TOKS];
    n->fields = fields;
    n->offs = pl_arena_alloc(p->query->arena, k->n * sizeof *n->offs);
    if (!n->offs) {
        fail(p, PL_ENOMEM, at, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < k->n; i++) {
        kids[i] = term_node(p, k->term[i], k->len[i], fields, at);
        if (!kids[i])
            return NULL;
        n->offs[i] = k->pos[i] - k->pos[0];
    }
    if (set_kids(p, n, kids, k->n) != PL_OK)
        return NULL;
    return n;
}

/* Key of a TERM or PHRASE node for the synonym table. */
static int node_key(const pl_qnode *n, pl_buf *key)
{
    if (n->op == PL_Q_TERM) {
        if (key->n)
            pl_buf_putc(key, ' ');
        pl_buf_put(key, n->term, n->term_len);
        return 1;
    }
    if (n->op == PL_Q_PHRASE) {
        for (size_t i = 0; i < n->n_kids; i++)
            node_key(n->kids[i], key);
        return 1;
    }
    return 0;
}

/* If `orig` (a TERM or PHRASE) equals a synonym member, returns
 * (orig SYN other members...), else orig. */
static pl_qnode *expand_syn(parser *p, pl_qnode *orig, const char *key, size_t key_len, size_t at)
{
    size_t g = 0, m = pl_synonyms_group(p->q->syn, key, key_len, &g);
    if (m < 2 || !orig)
        return orig;
    pl_qnode *kids[PL_QUERY_MAX_TERMS];
    size_t k = 0;
    kids[k++] = orig;
    for (size_t i = 0; i < m && k < PL_QUERY_MAX_TERMS; i++) {
        const char *const *terms;
        const uint32_t *offs;
        size_t nt;
        pl_synonyms_member(p->q->syn, g, i, &terms, &offs, &nt);
        pl_buf mk = {0};
        for (size_t j = 0; j < nt; j++) {
            if (j)
                pl_buf_putc(&mk, ' ');
            pl_buf_puts(&mk, terms[j]);
        }
        int same = mk.p && mk.n == key_len && !memcmp(mk.p, key, key_len);
        int oom = mk.oom;
        pl_buf_free(&mk);
        if (oom) {
            fail(p, PL_ENOMEM, at, "out of memory");
            return NULL;
        }
        if (same || nt == 0)
            continue;
        toks tk;
        tk.n = nt > MAX_TOKS ? MAX_TOKS : nt;
        for (size_t j = 0; j < tk.n; j++) {
            size_t len = strlen(terms[j]);
            if (len > PL_MAX_TERM)
                len = PL_MAX_TERM;
            memcpy(tk.term[j], terms[j], len);
            tk.term[j][len] = '\0';
            tk.len[j] = len;
            tk.pos[j] = offs[j];
        }
        pl_qnode *alt = phrase_node(p, &tk, orig->fields, at);
        if (!alt)
            return NULL;
        kids[k++] = alt;
    }
    if (k < 2)
        return orig;
    pl_qnode *s = node_new(p, PL_Q_SYN);
    if (!s || set_kids(p, s, kids, k) != PL_OK)
        return NULL;
    s->fields = orig->fields;
    return s;
}

static pl_qnode *expand_syn_node(parser *p, pl_qnode *n, size_t at)
{
    if (!n || !p->q->syn)
        return n;
    pl_buf key = {0};
    if (!node_key(n, &key) || !key.p) {
        pl_buf_free(&key);
        return n;
    }
    pl_qnode *r = key.oom ? NULL : expand_syn(p, n, key.p, key.n, at);
    if (key.oom)
        fail(p, PL_ENOMEM, at, "out of memory");
    pl_buf_free(&key);
    return r;
}

static int add_word(parser *p, size_t start, size_t end, const pl_qnode *t)
{
    pl_query *q = p->query;
    if (q->n_words == p->words_cap) {
        size_t cap = p->words_cap ? p->words_cap * 2 : 8;
        pl_qword *w = pl_realloc(q->words, cap * sizeof *w);
        if (!w)
            return fail(p, PL_ENOMEM, start, "out of memory");
        q->words = w;
        p->words_cap = cap;
    }
    char folded[PL_MAX_TERM * 4 + 1];
    size_t fl = pl_analyzer_fold(p->q->an, p->s + start, end - start, folded, sizeof folded);
    pl_qword *w = &q->words[q->n_words];
    w->start = (uint32_t)start;
    w->end = (uint32_t)end;
    w->term = t->term;
    w->surface = pl_arena_strndup(q->arena, folded, fl);
    if (!w->surface)
        return fail(p, PL_ENOMEM, start, "out of memory");
    q->n_words++;
    return PL_OK;
}

/* ---- lexing helpers --------------------------------------------------------------- */
/* Bytes of the white space character at s[i] (i < n), 0 if there is none:
 * ASCII white space and the rest of Unicode's White_Space, i.e. the
 * separators (Zs, Zl, Zp: NBSP, U+2000..U+200A, U+202F, U+3000, ...) and
 * NEL.  Text pasted from web pages brings NBSP and thin spaces; the
 * analyzer already separates words at them, so a parser that did not would
 * see `rust<NBSP>kernel` as one word, that is a phrase.  O(1): one UTF-8
 * decode for a non-ASCII byte; invalid UTF-8 is no space. */
static size_t space_len(const char *s, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)s + i;
    if (u[0] < 0x80)
        return u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r');
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(u, (utf8proc_ssize_t)(n - i), &cp);
    if (k <= 0)
        return 0;
    utf8proc_category_t c = utf8proc_category(cp);
    int sp = c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP ||
             cp == 0x85;
    return sp ? (size_t)k : 0;
}

static size_t skip_spaces(const char *s, size_t n, size_t i)
{
    size_t k;
    while (i < n && (k = space_len(s, n, i)) > 0)
        i += k;
    return i;
}

/* Length of s[0..n) without its trailing white space. */
static size_t trim_end(const char *s, size_t n)
{
    for (;;) {
        size_t k = 1;
        while (k <= 3 && k <= n && space_len(s, n, n - k) != k)
            k++;
        if (k > 3 || k > n)
            return n;
        n -= k;
    }
}

static void skip_space(parser *p)
{
    p->i = skip_spaces(p->s, p->n, p->i);
}

/* A word ends at i (i < n): white space, a parenthesis or a quote. */
static int word_end_at(const parser *p, size_t i)
{
    char c = p->s[i];
    return c == '(' || c == ')' || c == '"' || space_len(p->s, p->n, i);
}

/* Upper-case operator keyword at i, followed by a word end. */
static int at_keyword(const parser *p, const char *kw)
{
    size_t k = strlen(kw);
    if (p->n - p->i < k || memcmp(p->s + p->i, kw, k))
        return 0;
    return p->i + k == p->n || word_end_at(p, p->i + k);
}

static int at_near(const parser *p)
{
    if (p->n - p->i < 4 || memcmp(p->s + p->i, "NEAR", 4))
        return 0;
    return p->i + 4 == p->n || word_end_at(p, p->i + 4) || p->s[p->i + 4] == '/';
}

static size_t word_end(const parser *p, size_t i)
{
    while (i < p->n && !word_end_at(p, i))
        i++;
    return i;
}

/* ---- grammar ------------------------------------------------------------------------ */
static pl_qnode *parse_andlist(parser *p, int top);
static pl_qnode *parse_primary(parser *p, unsigned fields, const char *excl);

/* The error for an exclusion ('-' or NOT) found where an operand is
 * expected: the grammar allows one only at the start of an AND item. */
#define EXCL_DOUBLE "double exclusion"
#define EXCL_OR "an exclusion cannot stand inside OR"
#define EXCL_NEAR "an exclusion cannot stand inside NEAR"
#define EXCL_FIELD "a field takes a word, a phrase or a group, not an exclusion"

/* A '-' at i with no operand touching it (space, ')' or the end follows). */
static int lone_dash(const parser *p, size_t i)
{
    return i + 1 >= p->n || space_len(p->s, p->n, i + 1) || p->s[i + 1] == ')';
}

static int enter(parser *p)
{
    if (++p->depth > PL_QUERY_MAX_DEPTH)
        return fail(p, PL_ELIMIT, p->i, "nesting deeper than " PL_STR(PL_QUERY_MAX_DEPTH));
    return PL_OK;
}

static pl_qnode *parse_phrase(parser *p, unsigned fields)
{
    size_t open = p->i++;
    const char *close = memchr(p->s + p->i, '"', p->n - p->i);
    if (!close) {
        fail(p, PL_EPARSE, open, "unbalanced quote");
        return NULL;
    }
    size_t len = (size_t)(close - (p->s + p->i));
    size_t start = p->i;
    p->i += len + 1;
    if (skip_spaces(p->s, start + len, start) == start + len) {
        fail(p, PL_EPARSE, open, "empty phrase");
        return NULL;
    }
    toks *tk = pl_malloc(sizeof *tk);
    if (!tk) {
        fail(p, PL_ENOMEM, open, "out of memory");
        return NULL;
    }
    pl_qnode *n = NULL;
    if (analyze(p, p->s + start, len, tk, open) == PL_OK) {
        n = phrase_node(p, tk, fields, open);
        n = expand_syn_node(p, n, open);
    }
    pl_free(tk);
    return n;
}

/* A bare word (possibly `prefix*`).  Returns NULL with p->rc == PL_OK when
 * the word analyses to nothing (a stopword). */
/* A word that is one compound (`out-of-tree`, `sched_ext`, `x86_64`) matches
 * its WHOLE term, and also its parts as a phrase, so that it finds the same
 * words written apart (`out of tree`, `sched ext`, `x86 64`): the index
 * keeps a compound's parts at consecutive positions, as if written apart.
 * Parts that are stopwords are position gaps, as in any phrase (plain
 * "of" is never indexed).  n (the WHOLE, or its synonym group) becomes
 * (n SYN PHRASE(parts)); the phrase is a member other than the word typed
 * (syn_weight).  Left out when fewer than two parts remain or when the
 * parts would pass the query's term limit: the WHOLE alone still holds. */
static pl_qnode *with_parts(parser *p, pl_qnode *n, toks *tk, size_t at)
{
    if (tk->n_parts < 2 || p->n_terms + tk->n_parts > PL_QUERY_MAX_TERMS)
        return n;
    if (n->op == PL_Q_SYN && n->n_kids >= PL_QUERY_MAX_TERMS)
        return n;
    for (size_t i = 0; i < tk->n_parts; i++) {
        memcpy(tk->term[i], tk->part[i], tk->part_len[i] + 1);
        tk->len[i] = tk->part_len[i];
        tk->pos[i] = tk->part_pos[i];
    }
    tk->n = tk->n_parts;
    pl_qnode *parts = phrase_node(p, tk, n->fields, at);
    if (!parts)
        return NULL;
    pl_qnode *kids[PL_QUERY_MAX_TERMS];
    size_t k = 0;
    if (n->op == PL_Q_SYN)
        for (size_t i = 0; i < n->n_kids; i++)
            kids[k++] = n->kids[i];
    else
        kids[k++] = n;
    kids[k++] = parts;
    pl_qnode *s = node_new(p, PL_Q_SYN);
    if (!s || set_kids(p, s, kids, k) != PL_OK)
        return NULL;
    s->fields = n->fields;
    return s;
}

static pl_qnode *parse_word(parser *p, unsigned fields)
{
    size_t start = p->i, end = word_end(p, p->i);
    p->i = end;
    /* `printk()`, `kmalloc()`: empty parentheses right after a word are a
     * function call pasted from code, not an empty group */
    if (end > start && end < p->n && p->s[end] == '(') {
        size_t k = skip_spaces(p->s, p->n, end + 1);
        if (k < p->n && p->s[k] == ')')
            p->i = k + 1;
    }
    /* '*' is a wildcard only at the end of a word.  Before one it asks for
     * a suffix search (`*alloc`), which the index cannot answer: searching
     * `alloc` instead would answer another question, so it is an error.
     * Between two words it is punctuation like '/' (`rust*kernel` is the
     * phrase rust kernel, as `2*n` pasted from code is). */
    size_t lead = start;
    while (lead < end && p->s[lead] == '*')
        lead++;
    if (lead > start && lead < end &&
        (isalnum((unsigned char)p->s[lead]) || p->s[lead] == '_' ||
         (unsigned char)p->s[lead] >= 0x80)) {
        fail(p, PL_EPARSE, start, "no suffix search: '*' only ends a prefix (sched*)");
        return NULL;
    }
    if (end > start && p->s[end - 1] == '*') {
        char folded[PL_MAX_TERM * 4 + 1];
        size_t fl = 0;
        size_t wl = end - 1 - start;
        while (wl && p->s[start + wl - 1] == '*')
            wl--;
        /* folding would drop an inner '*' and glue the pieces together
         * (`sched*ext*` would be the prefix schedext) */
        const char *inner = wl ? memchr(p->s + start, '*', wl) : NULL;
        if (inner) {
            fail(p, PL_EPARSE, (size_t)(inner - p->s), "'*' only ends a prefix (sched*)");
            return NULL;
        }
        if (wl)
            fl = pl_analyzer_fold(p->q->an, p->s + start, wl, folded, sizeof folded);
        if (fl < 2) {
            fail(p, PL_EPARSE, start, "prefix needs at least two letters before '*'");
            return NULL;
        }
        if (++p->n_terms > PL_QUERY_MAX_TERMS) {
            fail(p, PL_ELIMIT, start, "more than " PL_STR(PL_QUERY_MAX_TERMS) " terms");
            return NULL;
        }
        pl_qnode *n = node_new(p, PL_Q_PREFIX);
        if (!n)
            return NULL;
        n->fields = fields;
        n->term = pl_arena_strndup(p->query->arena, folded, fl);
        n->term_len = fl;
        if (!n->term) {
            fail(p, PL_ENOMEM, start, "out of memory");
            return NULL;
        }
        return n;
    }
    toks *tk = pl_malloc(sizeof *tk);
    if (!tk) {
        fail(p, PL_ENOMEM, start, "out of memory");
        return NULL;
    }
    pl_qnode *n = NULL;
    if (analyze(p, p->s + start, end - start, tk, start) == PL_OK) {
        n = phrase_node(p, tk, fields, start);
        if (n && n->op == PL_Q_TERM && fields == PL_FIELDS_ALL && add_word(p, start, end, n))
            n = NULL;
        n = expand_syn_node(p, n, start);
        if (n && tk->n == 1 && tk->n_wholes == 1)
            n = with_parts(p, n, tk, start);
    }
    pl_free(tk);
    return n;
}

static int parse_int(const char *s, size_t n, int *out)
{
    if (n == 0 || n > 6)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int valid_year(int y)
{
    return y >= 1900 && y <= 2999;
}

static pl_qnode *parse_year(parser *p, size_t at)
{
    size_t start = p->i, end = word_end(p, p->i);
    const char *s = p->s + start;
    size_t n = end - start;
    p->i = end;
    int from = 0, to = 0;
    const char *dots = n >= 2 ? memmem(s, n, "..", 2) : NULL;
    int ok = 0;
    if (n >= 2 && (s[0] == '>' || s[0] == '<')) {
        int incl = s[1] == '=';
        int y;
        if (parse_int(s + 1 + incl, n - 1 - (size_t)incl, &y) == 0 && valid_year(y)) {
            ok = 1;
            if (s[0] == '>')
                from = incl ? y : y + 1;
            else
                to = incl ? y : y - 1;
        }
    } else if (dots) {
        /* either end may be open (0), as the description prints
         * year:>=2023 (`year:2023..`), so that it can be typed back */
        size_t a = (size_t)(dots - s), b = n - a - 2;
        ok = (a || b) && (!a || (parse_int(s, a, &from) == 0 && valid_year(from))) &&
             (!b || (parse_int(dots + 2, b, &to) == 0 && valid_year(to)));
        if (ok && from && to && from > to) {
            fail(p, PL_EPARSE, at, "year range goes backwards");
            return NULL;
        }
    } else {
        ok = parse_int(s, n, &from) == 0 && valid_year(from);
        to = from;
    }
    if (!ok) {
        fail(p, PL_EPARSE, at,
             "bad year (use year:2019, year:2019..2023, year:2019.., year:..2019, year:>=2023, "
             "year:<2020)");
        return NULL;
    }
    pl_qnode *f = node_new(p, PL_Q_FILTER);
    if (!f)
        return NULL;
    f->filter = PL_QF_YEAR;
    f->year_from = from;
    f->year_to = to;
    return f;
}

#define FIELD_UNKNOWN (-100)

/* The field named name[0..name_len): a pl_field, or -1 kind, -2 year,
 * -3 track, FIELD_UNKNOWN. */
static int field_id(const char *name, size_t name_len)
{
    static const struct {
        const char *name;
        int field; /* pl_field, or -1 kind, -2 year, -3 track */
    } known[] = {
        {"title", PL_FIELD_TITLE},
        {"body", PL_FIELD_BODY},
        {"speaker", PL_FIELD_PEOPLE},
        {"lead", PL_FIELD_PEOPLE},
        {"people", PL_FIELD_PEOPLE},
        {"kind", -1},
        {"year", -2},
        {"track", -3},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == name_len && !memcmp(known[i].name, name, name_len))
            return known[i].field;
    return FIELD_UNKNOWN;
}

static pl_qnode *parse_field(parser *p, const char *name, size_t name_len, size_t at,
                             unsigned fields)
{
    int f = field_id(name, name_len);
    if (f == FIELD_UNKNOWN) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "unknown field '%.*s' (fields: title, body, speaker, lead, kind, track, year)",
                 (int)(name_len > 40 ? 40 : name_len), name);
        fail(p, PL_EPARSE, at, msg);
        return NULL;
    }
    if (p->i >= p->n || space_len(p->s, p->n, p->i) || p->s[p->i] == ')') {
        fail(p, PL_EPARSE, at, "field without a value");
        return NULL;
    }
    if (f >= 0) {
        if (fields != PL_FIELDS_ALL && fields != (1u << f)) {
            fail(p, PL_EPARSE, at, "conflicting fields");
            return NULL;
        }
        if (enter(p) != PL_OK)
            return NULL;
        unsigned saved = p->fields;
        p->fields = 1u << f;
        pl_qnode *n = parse_primary(p, 1u << f, EXCL_FIELD);
        p->fields = saved;
        p->depth--;
        return n;
    }
    /* a filter looks at a document's year, kind or track, never at the
     * words of a field, so a field over it (`title:year:2019`, also
     * through a group) could only be dropped without a word */
    if (fields != PL_FIELDS_ALL) {
        fail(p, PL_EPARSE, at, "year:/kind:/track: filters cannot take a field");
        return NULL;
    }
    if (f == -2)
        return parse_year(p, at);
    /* kind or track: a word or a quoted value */
    const char *v;
    size_t vn;
    if (p->s[p->i] == '"') {
        const char *close = memchr(p->s + p->i + 1, '"', p->n - p->i - 1);
        if (!close) {
            fail(p, PL_EPARSE, p->i, "unbalanced quote");
            return NULL;
        }
        v = p->s + p->i + 1;
        vn = (size_t)(close - v);
        p->i = (size_t)(close - p->s) + 1;
    } else {
        size_t e = word_end(p, p->i);
        v = p->s + p->i;
        vn = e - p->i;
        p->i = e;
    }
    pl_qnode *n = node_new(p, PL_Q_FILTER);
    if (!n)
        return NULL;
    if (f == -1) {
        char kind[32];
        if (vn >= sizeof kind) {
            fail(p, PL_EPARSE, at, "unknown kind (kinds: mc, talk, cfp, news, event)");
            return NULL;
        }
        for (size_t i = 0; i < vn; i++)
            kind[i] = (char)tolower((unsigned char)v[i]);
        kind[vn] = '\0';
        pl_kind k;
        if (pl_kind_parse(kind, &k) != PL_OK) {
            fail(p, PL_EPARSE, at, "unknown kind (kinds: mc, talk, cfp, news, event)");
            return NULL;
        }
        n->filter = PL_QF_KIND;
        n->kind = (int)k;
        return n;
    }
    size_t lead = skip_spaces(v, vn, 0);
    v += lead;
    vn = trim_end(v, vn - lead);
    if (vn == 0) {
        fail(p, PL_EPARSE, at, "empty track name");
        return NULL;
    }
    n->filter = PL_QF_TRACK;
    n->track = pl_arena_strndup(p->query->arena, v, vn);
    if (!n->track) {
        fail(p, PL_ENOMEM, at, "out of memory");
        return NULL;
    }
    return n;
}

/* excl: the error for an exclusion standing here (see EXCL_*). */
static pl_qnode *parse_primary(parser *p, unsigned fields, const char *excl)
{
    skip_space(p);
    size_t at = p->i;
    if (p->i >= p->n) {
        fail(p, PL_EPARSE, at, "missing word at end of query");
        return NULL;
    }
    char c = p->s[p->i];
    if (c == '(') {
        if (enter(p) != PL_OK)
            return NULL;
        p->i++;
        pl_qnode *n = parse_andlist(p, 0);
        if (p->rc != PL_OK)
            return NULL;
        skip_space(p);
        if (p->i >= p->n || p->s[p->i] != ')') {
            fail(p, PL_EPARSE, at, "unbalanced parenthesis");
            return NULL;
        }
        p->i++;
        p->depth--;
        if (!n && p->rc == PL_OK)
            fail(p, PL_EPARSE, at, "nothing to search for inside parentheses");
        return n;
    }
    if (c == ')') {
        fail(p, PL_EPARSE, at, "unbalanced parenthesis");
        return NULL;
    }
    if (c == '"')
        return parse_phrase(p, fields);
    if (at_keyword(p, "OR") || at_keyword(p, "AND") || at_near(p)) {
        fail(p, PL_EPARSE, at, "operator without a left operand");
        return NULL;
    }
    /* A word never starts with '-' (the analyzer drops a leading joiner),
     * so a '-' here is an exclusion sign, never part of a word. */
    if (c == '-' || at_keyword(p, "NOT")) {
        fail(p, PL_EPARSE, at, c == '-' && lone_dash(p, at) ? "'-' without an operand" : excl);
        return NULL;
    }
    /* field:value — letters then ':' then something */
    size_t j = p->i;
    while (j < p->n && isalpha((unsigned char)p->s[j]))
        j++;
    if (j > p->i && j < p->n && p->s[j] == ':') {
        const char *name = p->s + p->i;
        size_t name_len = j - p->i;
        /* `name://` is a URL (https://lore.kernel.org/...) and `name::` a
         * C++ or Rust path (kernel::sync::Arc) unless name is a field: the
         * words the analyzer makes of them (it drops a URL's scheme) */
        int url = p->n - j >= 3 && !memcmp(p->s + j, "://", 3);
        int path = j + 1 < p->n && p->s[j + 1] == ':';
        /* `mm: fix ...` (a pasted commit subject): an unknown name whose
         * ':' ends the word is a word and punctuation */
        int prose = j + 1 == p->n || space_len(p->s, p->n, j + 1) || p->s[j + 1] == ')';
        if (url || ((path || prose) && field_id(name, name_len) == FIELD_UNKNOWN))
            return parse_word(p, fields);
        if (path) {
            fail(p, PL_EPARSE, j + 1, "a field name takes one ':' (title:rust)");
            return NULL;
        }
        p->i = j + 1;
        return parse_field(p, name, name_len, at, fields);
    }
    return parse_word(p, fields);
}

static int parse_near_window(parser *p, uint32_t *win)
{
    size_t at = p->i;
    p->i += 4;
    *win = PL_NEAR_DEFAULT;
    if (p->i < p->n && p->s[p->i] == '/') {
        p->i++;
        size_t e = word_end(p, p->i);
        int v;
        if (parse_int(p->s + p->i, e - p->i, &v) != 0 || v < 1 || v > 1000)
            return fail(p, PL_EPARSE, at, "NEAR/n needs a window n between 1 and 1000");
        *win = (uint32_t)v;
        p->i = e;
    }
    return PL_OK;
}

/* A NEAR operand: a word, or a word with its synonym group (whose
 * one-word members stand in for it, see near_node). */
static int near_operand(const pl_qnode *n)
{
    if (n && n->op == PL_Q_SYN)
        n = n->kids[0];
    return n && n->op == PL_Q_TERM;
}

/* The one-word alternatives of a NEAR operand: the word itself, then the
 * one-word members of its synonym group (a member of several words cannot
 * take one position, so it is left out). */
static size_t near_alts(pl_qnode *n, pl_qnode **alts)
{
    if (n->op != PL_Q_SYN) {
        alts[0] = n;
        return 1;
    }
    size_t a = 0;
    for (size_t i = 0; i < n->n_kids && a < PL_NEAR_MAX_ALTS; i++)
        if (n->kids[i]->op == PL_Q_TERM)
            alts[a++] = n->kids[i];
    return a;
}

/* Whether NEAR node a holds the words w[0..k) in some order (the same
 * multiset of terms).  O(k^2); k is a handful. */
static int same_words(const pl_qnode *a, pl_qnode *const *w, size_t k)
{
    int used[PL_QUERY_MAX_TERMS] = {0};
    for (size_t i = 0; i < k; i++) {
        size_t j = 0;
        while (j < k && (used[j] || a->kids[j]->term_len != w[i]->term_len ||
                         memcmp(a->kids[j]->term, w[i]->term, w[i]->term_len)))
            j++;
        if (j == k)
            return 0;
        used[j] = 1;
    }
    return 1;
}

/* NEAR over kids[0..k): with plain words, one NEAR node.  A word with a
 * synonym group makes the NEAR a synonym group of NEARs, one for each
 * choice of one-word alternatives (`bpf NEAR verifier` is
 * NEAR(bpf verifi) SYN NEAR(ebpf verifi)), scored as its best choice.  When
 * the choices would exceed PL_NEAR_MAX_ALTS, only the words as typed are
 * used.  The words are looked for in the fields all of them allow
 * (`title:bpf NEAR title:verifier` in titles).  The TERM nodes are shared
 * between the choices (the tree is read-only once parsed). */
static pl_qnode *near_node(parser *p, pl_qnode **kids, size_t k, uint32_t win, size_t at)
{
    pl_qnode *alts[PL_QUERY_MAX_TERMS][PL_NEAR_MAX_ALTS];
    size_t n_alts[PL_QUERY_MAX_TERMS];
    size_t combos = 1;
    unsigned fields = p->fields;
    for (size_t i = 0; i < k; i++)
        fields &= kids[i]->fields;
    if (!fields) {
        fail(p, PL_EPARSE, at, "NEAR joins words of different fields");
        return NULL;
    }
    for (size_t i = 0; i < k; i++) {
        n_alts[i] = near_alts(kids[i], alts[i]);
        combos = combos * n_alts[i] > PL_NEAR_MAX_ALTS ? PL_NEAR_MAX_ALTS + 1 : combos * n_alts[i];
    }
    if (combos > PL_NEAR_MAX_ALTS)
        for (size_t i = 0; i < k; i++)
            n_alts[i] = 1;
    pl_qnode *choice[PL_NEAR_MAX_ALTS];
    size_t n_choice = 0;
    size_t pick[PL_QUERY_MAX_TERMS] = {0};
    for (;;) {
        pl_qnode *words[PL_QUERY_MAX_TERMS];
        for (size_t i = 0; i < k; i++)
            words[i] = alts[i][pick[i]];
        /* NEAR ignores order: a choice that repeats an earlier one's
         * words in another order adds nothing */
        int seen = 0;
        for (size_t c = 0; c < n_choice && !seen; c++)
            seen = same_words(choice[c], words, k);
        if (!seen) {
            pl_qnode *n = node_new(p, PL_Q_NEAR);
            if (!n || set_kids(p, n, words, k) != PL_OK)
                return NULL;
            n->near = win;
            n->fields = fields;
            choice[n_choice++] = n;
        }
        size_t i = k;
        while (i > 0 && ++pick[i - 1] == n_alts[i - 1])
            pick[--i] = 0;
        if (i == 0)
            break;
    }
    if (n_choice == 1)
        return choice[0];
    pl_qnode *s = node_new(p, PL_Q_SYN);
    if (!s || set_kids(p, s, choice, n_choice) != PL_OK) {
        fail(p, PL_ENOMEM, at, "out of memory");
        return NULL;
    }
    s->fields = fields;
    return s;
}

static pl_qnode *parse_near(parser *p, const char *excl)
{
    pl_qnode *first = parse_primary(p, p->fields, excl);
    if (p->rc != PL_OK)
        return NULL;
    skip_space(p);
    if (!at_near(p))
        return first;
    pl_qnode *kids[PL_QUERY_MAX_TERMS];
    size_t k = 0;
    uint32_t win = PL_NEAR_DEFAULT;
    size_t at = p->i;
    if (!near_operand(first)) {
        fail(p, PL_EPARSE, at, "NEAR joins single words");
        return NULL;
    }
    kids[k++] = first;
    while (at_near(p)) {
        at = p->i;
        uint32_t w;
        if (parse_near_window(p, &w) != PL_OK)
            return NULL;
        if (k == 1 || w > win)
            win = w;
        skip_space(p);
        if (p->i >= p->n) {
            fail(p, PL_EPARSE, at, "NEAR without a right operand");
            return NULL;
        }
        pl_qnode *n = parse_primary(p, p->fields, EXCL_NEAR);
        if (p->rc != PL_OK)
            return NULL;
        if (!near_operand(n)) {
            fail(p, PL_EPARSE, at, "NEAR joins single words");
            return NULL;
        }
        if (k == PL_QUERY_MAX_TERMS) {
            fail(p, PL_ELIMIT, at, "more than " PL_STR(PL_QUERY_MAX_TERMS) " terms");
            return NULL;
        }
        kids[k++] = n;
        skip_space(p);
    }
    return near_node(p, kids, k, win, at);
}

static pl_qnode *parse_or(parser *p, const char *excl)
{
    size_t at = p->i;
    pl_qnode *first = parse_near(p, excl);
    if (p->rc != PL_OK)
        return NULL;
    skip_space(p);
    if (!at_keyword(p, "OR"))
        return first;
    pl_qnode *kids[PL_QUERY_MAX_TERMS];
    size_t k = 0;
    if (first)
        kids[k++] = first;
    while (at_keyword(p, "OR")) {
        at = p->i;
        p->i += 2;
        skip_space(p);
        if (p->i >= p->n || p->s[p->i] == ')' || at_keyword(p, "OR") || at_keyword(p, "AND")) {
            fail(p, PL_EPARSE, at, "OR without a right operand");
            return NULL;
        }
        pl_qnode *n = parse_near(p, EXCL_OR);
        if (p->rc != PL_OK)
            return NULL;
        if (n) {
            if (k == PL_QUERY_MAX_TERMS) {
                fail(p, PL_ELIMIT, at, "more than " PL_STR(PL_QUERY_MAX_TERMS) " terms");
                return NULL;
            }
            /* flatten a OR (b OR c) */
            if (n->op == PL_Q_OR && n->n_kids + k <= PL_QUERY_MAX_TERMS) {
                for (size_t i = 0; i < n->n_kids; i++)
                    kids[k++] = n->kids[i];
            } else {
                kids[k++] = n;
            }
        }
        skip_space(p);
    }
    if (k == 0)
        return NULL; /* stopwords only */
    if (k == 1)
        return kids[0];
    pl_qnode *n = node_new(p, PL_Q_OR);
    if (!n || set_kids(p, n, kids, k) != PL_OK)
        return NULL;
    return n;
}

/* Runs of plain words equal to a multi-word synonym member
 * (`virtual machine`) become a SYN node. */
static size_t syn_runs(parser *p, pl_qnode **items, int *plain, size_t k)
{
    size_t maxt = pl_synonyms_max_terms(p->q->syn);
    if (maxt < 2)
        return k;
    size_t out = 0;
    for (size_t i = 0; i < k;) {
        size_t used = 1;
        for (size_t len = maxt; len >= 2; len--) {
            if (i + len > k)
                continue;
            int ok = 1;
            for (size_t j = i; j < i + len; j++)
                ok &= plain[j];
            if (!ok)
                continue;
            pl_buf key = {0};
            for (size_t j = i; j < i + len; j++)
                node_key(items[j], &key);
            size_t g;
            int found = key.p && !key.oom && pl_synonyms_group(p->q->syn, key.p, key.n, &g) >= 2;
            if (found) {
                /* the run itself becomes a phrase, then its group */
                toks *tk = pl_malloc(sizeof *tk);
                pl_qnode *ph = NULL;
                if (tk) {
                    tk->n = 0;
                    uint32_t pos = 0;
                    for (size_t j = i; j < i + len && tk->n < MAX_TOKS; j++) {
                        memcpy(tk->term[tk->n], items[j]->term, items[j]->term_len + 1);
                        tk->len[tk->n] = items[j]->term_len;
                        tk->pos[tk->n] = pos++;
                        tk->n++;
                    }
                    ph = phrase_node(p, tk, PL_FIELDS_ALL, 0);
                    pl_free(tk);
                } else {
                    fail(p, PL_ENOMEM, 0, "out of memory");
                }
                pl_qnode *s = ph ? expand_syn(p, ph, key.p, key.n, 0) : NULL;
                pl_buf_free(&key);
                if (!s)
                    return 0;
                items[out] = s;
                plain[out] = 0;
                out++;
                used = len;
                goto next;
            }
            pl_buf_free(&key);
        }
        items[out] = items[i];
        plain[out] = plain[i];
        out++;
    next:
        i += used;
    }
    return out;
}

static pl_qnode *parse_andlist(parser *p, int top)
{
    pl_qnode *pos[PL_QUERY_MAX_TERMS], *neg[PL_QUERY_MAX_TERMS];
    int plain[PL_QUERY_MAX_TERMS];
    size_t np = 0, nn = 0, n_words = 0;
    int explicit_and = 0;
    for (;;) {
        skip_space(p);
        if (p->i >= p->n || p->s[p->i] == ')')
            break;
        size_t at = p->i;
        if (at_keyword(p, "AND")) {
            if (np + nn == 0) {
                fail(p, PL_EPARSE, at, "AND without a left operand");
                return NULL;
            }
            p->i += 3;
            skip_space(p);
            if (p->i >= p->n || p->s[p->i] == ')' || at_keyword(p, "AND") || at_keyword(p, "OR")) {
                fail(p, PL_EPARSE, at, "AND without a right operand");
                return NULL;
            }
            explicit_and = 1;
            continue;
        }
        /* '-' excludes whatever touches it: a word, a phrase, a group or a
         * field (`-"memory model"`, `-(a OR b)`, `-title:x`). */
        int negated = 0;
        if (p->s[p->i] == '-') {
            if (lone_dash(p, at)) {
                fail(p, PL_EPARSE, at, "'-' without an operand");
                return NULL;
            }
            negated = 1;
            p->i++;
        } else if (at_keyword(p, "NOT")) {
            negated = 1;
            p->i += 3;
            skip_space(p);
            if (p->i >= p->n || p->s[p->i] == ')') {
                fail(p, PL_EPARSE, at, "NOT without an operand");
                return NULL;
            }
        }
        size_t words_before = p->query->n_words;
        /* not negated, the item cannot start with an exclusion (taken
         * above), so the second message is only a safe default */
        pl_qnode *n = parse_or(p, negated ? EXCL_DOUBLE : "misplaced exclusion");
        if (p->rc != PL_OK)
            return NULL;
        if (!n)
            continue; /* a stopword */
        if (np + nn == PL_QUERY_MAX_TERMS) {
            fail(p, PL_ELIMIT, at, "more than " PL_STR(PL_QUERY_MAX_TERMS) " terms");
            return NULL;
        }
        if (negated) {
            neg[nn++] = n;
            /* an excluded word is no candidate for did-you-mean */
            p->query->n_words = words_before;
        } else {
            plain[np] = n->op == PL_Q_TERM && n->fields == PL_FIELDS_ALL &&
                        p->query->n_words == words_before + 1;
            n_words += n->op != PL_Q_FILTER;
            pos[np++] = n;
        }
    }
    if (p->q->syn)
        np = syn_runs(p, pos, plain, np);
    if (p->rc != PL_OK)
        return NULL;
    pl_qnode *root = NULL;
    if (np == 1) {
        root = pos[0];
    } else if (np > 1) {
        root = node_new(p, PL_Q_AND);
        if (!root || set_kids(p, root, pos, np) != PL_OK)
            return NULL;
        root->relax = top && !explicit_and && n_words >= 2;
    } else if (nn > 0) {
        root = node_new(p, PL_Q_ALL);
        if (!root)
            return NULL;
    }
    for (size_t i = 0; i < nn; i++) {
        pl_qnode *a = node_new(p, PL_Q_AND_NOT);
        pl_qnode *kids[2] = {root, neg[i]};
        if (!a || set_kids(p, a, kids, 2) != PL_OK)
            return NULL;
        root = a;
    }
    return root;
}

int pl_query_parse(pl_qctx *q, const char *text, size_t n, pl_query **out, pl_error *err)
{
    *out = NULL;
    if (!text)
        n = 0;
    if (n > PL_QUERY_MAX_BYTES)
        return pl_error_set(err, PL_ELIMIT, "query longer than %d bytes", PL_QUERY_MAX_BYTES);
    pl_query *query = pl_calloc(1, sizeof *query);
    if (!query)
        return pl_error_set(err, PL_ENOMEM, "query: out of memory");
    query->arena = pl_arena_new();
    query->text = pl_strndup(text ? text : "", n);
    if (!query->arena || !query->text) {
        pl_query_free(query);
        return pl_error_set(err, PL_ENOMEM, "query: out of memory");
    }
    query->text_len = n;
    parser p = {
        .q = q, .query = query, .s = query->text, .n = n, .err = err, .fields = PL_FIELDS_ALL};
    pl_qnode *root = parse_andlist(&p, 1);
    if (p.rc == PL_OK && p.i < p.n)
        fail(&p, PL_EPARSE, p.i, "unbalanced parenthesis");
    if (p.rc == PL_OK && !root) {
        if (skip_spaces(text, n, 0) == n)
            pl_error_set(err, PL_EPARSE, "empty query");
        else
            pl_error_set(err, PL_EPARSE,
                         "nothing to search for: the query has only stopwords "
                         "or punctuation");
        p.rc = PL_EPARSE;
    }
    if (p.rc != PL_OK) {
        pl_query_free(query);
        return p.rc;
    }
    query->root = root;
    *out = query;
    return PL_OK;
}

/* ---- description ----------------------------------------------------------------- */
static void describe_fields(pl_buf *b, unsigned fields)
{
    static const char *const names[PL_NFIELDS] = {"title", "people", "body"};
    if (fields == PL_FIELDS_ALL)
        return;
    int first = 1;
    for (int f = 0; f < PL_NFIELDS; f++) {
        if (!(fields & (1u << f)))
            continue;
        if (!first)
            pl_buf_putc(b, ',');
        pl_buf_puts(b, names[f]);
        first = 0;
    }
    pl_buf_putc(b, ':');
}

static void describe(pl_buf *b, const pl_qnode *n)
{
    static const char *const ops[] = {[PL_Q_AND] = " AND ",
                                      [PL_Q_OR] = " OR ",
                                      [PL_Q_SYN] = " SYN ",
                                      [PL_Q_AND_NOT] = " AND_NOT "};
    switch (n->op) {
    case PL_Q_TERM:
        describe_fields(b, n->fields);
        pl_buf_put(b, n->term, n->term_len);
        break;
    case PL_Q_PREFIX:
        describe_fields(b, n->fields);
        pl_buf_put(b, n->term, n->term_len);
        pl_buf_putc(b, '*');
        break;
    case PL_Q_PHRASE:
    case PL_Q_NEAR:
        describe_fields(b, n->fields);
        if (n->op == PL_Q_PHRASE)
            pl_buf_puts(b, "PHRASE(");
        else
            pl_buf_printf(b, "NEAR/%u(", n->near);
        for (size_t i = 0; i < n->n_kids; i++) {
            if (i)
                pl_buf_putc(b, ' ');
            pl_buf_put(b, n->kids[i]->term, n->kids[i]->term_len);
        }
        pl_buf_putc(b, ')');
        break;
    case PL_Q_AND:
    case PL_Q_OR:
    case PL_Q_SYN:
    case PL_Q_AND_NOT:
        pl_buf_putc(b, '(');
        for (size_t i = 0; i < n->n_kids; i++) {
            if (i)
                pl_buf_puts(b, ops[n->op]);
            describe(b, n->kids[i]);
        }
        pl_buf_putc(b, ')');
        break;
    case PL_Q_FILTER:
        if (n->filter == PL_QF_KIND) {
            pl_buf_printf(b, "kind:%s", pl_kind_name((pl_kind)n->kind));
        } else if (n->filter == PL_QF_TRACK) {
            pl_buf_printf(b, "track:\"%s\"", n->track);
        } else if (n->year_from == n->year_to) {
            pl_buf_printf(b, "year:%d", n->year_from);
        } else {
            pl_buf_puts(b, "year:");
            if (n->year_from)
                pl_buf_printf(b, "%d", n->year_from);
            pl_buf_puts(b, "..");
            if (n->year_to)
                pl_buf_printf(b, "%d", n->year_to);
        }
        break;
    case PL_Q_ALL: pl_buf_puts(b, "<alldocuments>"); break;
    }
}

char *pl_query_describe(const pl_query *query)
{
    if (!query || !query->root)
        return pl_strdup("<empty>");
    pl_buf b = {0};
    describe(&b, query->root);
    if (b.oom) {
        pl_buf_free(&b);
        return NULL;
    }
    return pl_buf_take(&b, NULL);
}

void pl_query_visit_terms(const pl_qnode *n, int negated, pl_term_visit cb, void *ctx)
{
    switch (n->op) {
    case PL_Q_TERM:
        if (!negated)
            cb(ctx, n, NULL);
        break;
    case PL_Q_PHRASE:
        if (!negated)
            for (size_t i = 0; i < n->n_kids; i++)
                cb(ctx, n->kids[i], n);
        break;
    case PL_Q_AND_NOT:
        pl_query_visit_terms(n->kids[0], negated, cb, ctx);
        pl_query_visit_terms(n->kids[1], !negated, cb, ctx);
        break;
    default:
        for (size_t i = 0; i < n->n_kids; i++)
            pl_query_visit_terms(n->kids[i], negated, cb, ctx);
        break;
    }
}

int pl_query_from_terms(const char *const *terms, const size_t *lens, const double *boosts,
                        size_t n, pl_query **out)
{
    *out = NULL;
    pl_query *q = pl_calloc(1, sizeof *q);
    if (!q)
        return PL_ENOMEM;
    q->arena = pl_arena_new();
    q->text = pl_strdup("");
    if (!q->arena || !q->text)
        goto oom;
    pl_qnode *root = pl_arena_alloc(q->arena, sizeof *root);
    pl_qnode **kids = pl_arena_alloc(q->arena, (n ? n : 1) * sizeof *kids);
    if (!root || !kids)
        goto oom;
    memset(root, 0, sizeof *root);
    root->op = PL_Q_OR;
    root->fields = PL_FIELDS_ALL;
    for (size_t i = 0; i < n; i++) {
        pl_qnode *t = pl_arena_alloc(q->arena, sizeof *t);
        if (!t)
            goto oom;
        memset(t, 0, sizeof *t);
        t->op = PL_Q_TERM;
        t->fields = PL_FIELDS_ALL;
        t->term = pl_arena_strndup(q->arena, terms[i], lens[i]);
        t->term_len = lens[i];
        t->boost = boosts ? boosts[i] : 0;
        if (!t->term)
            goto oom;
        kids[i] = t;
    }
    root->kids = kids;
    root->n_kids = n;
    q->root = n == 1 ? kids[0] : root;
    *out = q;
    return PL_OK;
oom:
    pl_query_free(q);
    return PL_ENOMEM;
}
