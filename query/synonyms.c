/*
 * synonyms.c — synonym and acronym groups, applied at query time.
 *
 * File format (also at the top of corpus/synonyms.txt): one group per
 * line, members separated by '|', a member may be several words (a
 * phrase); '#' starts a comment line; blank lines are skipped.  Every
 * member is analysed with the shared analyzer, so a member matches a query
 * word exactly when both analyse to the same terms.  Members that analyse
 * to nothing (stopwords only) are dropped; duplicates within a group too.
 *
 * Lookup is a linear scan over the members: the files hold tens of groups,
 * and it runs once per query word, so a hash table would buy nothing.
 */
#include "query_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct syn_member {
    size_t group;
    char *key; /* terms joined by ' ' */
    size_t key_len;
    char **terms;
    uint32_t *offs;
    size_t n_terms;
} syn_member;

struct pl_synonyms {
    syn_member *m;
    size_t n, cap;
    size_t n_groups;
    size_t max_terms;
};

typedef struct collect {
    pl_buf key;
    char *terms[PL_QUERY_MAX_TERMS];
    uint32_t offs[PL_QUERY_MAX_TERMS];
    size_t n;
    uint32_t first;
    int oom;
} collect;

static int collect_tok(void *ctx, const pl_token *t)
{
    collect *c = ctx;
    if (t->flags & (PL_TOK_STOP | PL_TOK_PART))
        return PL_OK;
    if (c->n == PL_QUERY_MAX_TERMS)
        return PL_OK;
    if (c->n == 0)
        c->first = t->pos;
    c->terms[c->n] = pl_strndup(t->term, t->term_len);
    if (!c->terms[c->n])
        return PL_ENOMEM;
    c->offs[c->n] = t->pos - c->first;
    if (c->n)
        pl_buf_putc(&c->key, ' ');
    pl_buf_put(&c->key, t->term, t->term_len);
    c->n++;
    return PL_OK;
}

static void member_clear(syn_member *m)
{
    for (size_t i = 0; i < m->n_terms; i++)
        pl_free(m->terms[i]);
    pl_free(m->terms);
    pl_free(m->offs);
    pl_free(m->key);
}

void pl_synonyms_free(pl_synonyms *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        member_clear(&s->m[i]);
    pl_free(s->m);
    pl_free(s);
}

static int find_key(const pl_synonyms *s, const char *key, size_t n, size_t from)
{
    for (size_t i = from; i < s->n; i++)
        if (s->m[i].key_len == n && !memcmp(s->m[i].key, key, n))
            return (int)i;
    return -1;
}

/* Analyses one member and appends it to group g (skips duplicates). */
static int add_member(pl_synonyms *s, pl_analyzer *an, size_t g, size_t group_first, const char *p,
                      size_t n, pl_error *err)
{
    collect c;
    memset(&c, 0, sizeof c);
    int rc = pl_analyze(an, p, n, 0, collect_tok, &c, NULL, err);
    if (rc == PL_OK && c.key.oom)
        rc = pl_error_set(err, PL_ENOMEM, "synonyms: out of memory");
    if (rc != PL_OK || c.n == 0 || find_key(s, c.key.p, c.key.n, group_first) >= 0)
        goto done;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        syn_member *m = pl_realloc(s->m, cap * sizeof *m);
        if (!m) {
            rc = pl_error_set(err, PL_ENOMEM, "synonyms: out of memory");
            goto done;
        }
        s->m = m;
        s->cap = cap;
    }
    syn_member *m = &s->m[s->n];
    memset(m, 0, sizeof *m);
    m->terms = pl_calloc(c.n, sizeof *m->terms);
    m->offs = pl_calloc(c.n, sizeof *m->offs);
    if (!m->terms || !m->offs) {
        pl_free(m->terms);
        pl_free(m->offs);
        rc = pl_error_set(err, PL_ENOMEM, "synonyms: out of memory");
        goto done;
    }
    m->group = g;
    m->n_terms = c.n;
    for (size_t i = 0; i < c.n; i++) {
        m->terms[i] = c.terms[i];
        c.terms[i] = NULL;
        m->offs[i] = c.offs[i];
    }
    m->key_len = c.key.n;
    m->key = pl_buf_take(&c.key, NULL);
    s->n++;
    if (c.n > s->max_terms)
        s->max_terms = c.n;
done:
    for (size_t i = 0; i < c.n; i++)
        pl_free(c.terms[i]);
    pl_buf_free(&c.key);
    return rc;
}

static int load_text(pl_synonyms *s, pl_analyzer *an, const char *path, const char *text,
                     size_t len, pl_error *err)
{
    const char *p = text, *end = text + len;
    int line = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t'))
            q++;
        if (q < eol && *q != '#' && *q != '\r') {
            size_t g = s->n_groups, first = s->n;
            const char *m = q;
            while (m <= eol) {
                const char *bar = memchr(m, '|', (size_t)(eol - m));
                if (!bar)
                    bar = eol;
                int rc = add_member(s, an, g, first, m, (size_t)(bar - m), err);
                if (rc != PL_OK) {
                    pl_error_set(err, rc, "%s:%d: cannot read synonym group", path, line);
                    return rc;
                }
                m = bar + 1;
            }
            /* A group needs two distinct members to mean anything. */
            if (s->n - first < 2) {
                while (s->n > first)
                    member_clear(&s->m[--s->n]);
            } else {
                s->n_groups++;
            }
        }
        p = eol + 1;
    }
    return PL_OK;
}

static int load_path(pl_synonyms *s, pl_analyzer *an, const char *path, pl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = pl_read_file(path, &text, &len, err);
    if (rc != PL_OK)
        return rc;
    rc = load_text(s, an, path, text, len, err);
    pl_free(text);
    return rc;
}

int pl_synonyms_load(const char *path, pl_analyzer *an, pl_synonyms **out, pl_error *err)
{
    *out = NULL;
    pl_synonyms *s = pl_calloc(1, sizeof *s);
    if (!s)
        return pl_error_set(err, PL_ENOMEM, "synonyms: out of memory");
    int rc = load_path(s, an, path, err);
    if (rc != PL_OK) {
        pl_synonyms_free(s);
        return rc;
    }
    *out = s;
    return PL_OK;
}

int pl_synonyms_load_default(pl_analyzer *an, pl_synonyms **out, pl_error *err)
{
    *out = NULL;
    pl_synonyms *s = pl_calloc(1, sizeof *s);
    if (!s)
        return pl_error_set(err, PL_ENOMEM, "synonyms: out of memory");
    char path[4096];
    const char *dir = pl_corpus_dir();
    int rc = PL_OK;
    /* The bundled file is optional (an installation without it simply has
     * no synonyms); a file the user names must exist. */
    if (dir) {
        snprintf(path, sizeof path, "%s/synonyms.txt", dir);
        pl_error e = {0};
        char *text = NULL;
        size_t len = 0;
        if (pl_read_file(path, &text, &len, &e) == PL_OK) {
            rc = load_text(s, an, path, text, len, err);
            pl_free(text);
        }
    }
    const char *user = getenv("PLUMBLINE_SYNONYMS");
    if (rc == PL_OK && user && user[0])
        rc = load_path(s, an, user, err);
    if (rc != PL_OK) {
        pl_synonyms_free(s);
        return rc;
    }
    *out = s;
    return PL_OK;
}

size_t pl_synonyms_group(const pl_synonyms *s, const char *key, size_t n, size_t *group)
{
    if (!s)
        return 0;
    int i = find_key(s, key, n, 0);
    if (i < 0)
        return 0;
    *group = s->m[i].group;
    return pl_synonyms_group_size(s, *group);
}

size_t pl_synonyms_group_size(const pl_synonyms *s, size_t group)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += s->m[i].group == group;
    return k;
}

void pl_synonyms_member(const pl_synonyms *s, size_t group, size_t m, const char *const **terms,
                        const uint32_t **offs, size_t *n_terms)
{
    *terms = NULL;
    *offs = NULL;
    *n_terms = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->m[i].group != group)
            continue;
        if (m-- == 0) {
            *terms = (const char *const *)s->m[i].terms;
            *offs = s->m[i].offs;
            *n_terms = s->m[i].n_terms;
            return;
        }
    }
}

size_t pl_synonyms_max_terms(const pl_synonyms *s)
{
    return s ? s->max_terms : 0;
}
