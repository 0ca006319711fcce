/*
 * lpc2023.c — the 2023 blog capture (corpus/lpc2023-blog.txt).
 *
 * One line per paragraph.  A post is a title line and the paragraphs up to
 * the next title line.  Titles are recognised by shape (rules in
 * corpus/README.md, "2023 blog"):
 *   - "<name> MC CFP" (any line ending in " CFP"): a call for proposals,
 *     kind `cfp`, track "<name> MC";
 *   - a news headline: short, no sentence ending, headline capitalisation,
 *     not inside a list, and followed by a paragraph of its own: kind `news`.
 * The capture starts in the middle of the page: the first post's text comes
 * before its title.  When the file opens with paragraphs and the first
 * headline has no paragraph of its own, that headline titles the opening
 * paragraphs.
 * Lines that follow "MC leads ...:" are names (with addresses) -> people.
 * Cost: two passes over the line table (one entry per line).
 */
#include "corpus_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct span {
    const char *p;
    size_t n;
    int no;
} span;

static int is_bullet(span s)
{
    return s.n >= 2 && s.p[0] == '-' && s.p[1] == ' ';
}

static int has(span s, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= s.n; i++)
        if (!memcmp(s.p + i, w, k))
            return 1;
    return 0;
}

static int is_cfp(span s)
{
    return !is_bullet(s) && s.n >= 6 && s.n <= 100 && !memcmp(s.p + s.n - 4, " CFP", 4);
}

/* A headline, judged on the line alone. */
static int headline(span s)
{
    if (is_bullet(s) || s.n < 8 || s.n > 90)
        return 0;
    unsigned char c0 = (unsigned char)s.p[0], last = (unsigned char)s.p[s.n - 1];
    if (!(isupper(c0) || isdigit(c0)))
        return 0;
    if (strchr(".:,;", last))
        return 0;
    if (has(s, "@") || has(s, "<") || has(s, "://") || has(s, ": "))
        return 0;
    /* Headline capitalisation: at least half of the words of four bytes or
     * more start with a capital or a digit ("LPC 2023 Schedule is now
     * posted!"), unlike a sentence ("We are pleased to announce ..."). */
    int words = 0, caps = 0;
    for (size_t i = 0; i < s.n;) {
        while (i < s.n && s.p[i] == ' ')
            i++;
        size_t a = i;
        while (i < s.n && s.p[i] != ' ')
            i++;
        if (i - a >= 4) {
            words++;
            unsigned char c = (unsigned char)s.p[a];
            caps += isupper(c) || isdigit(c);
        }
    }
    return words > 0 && caps * 2 >= words;
}

static int ends_with_colon(span s)
{
    return s.n && s.p[s.n - 1] == ':';
}

/* "MC leads can be reached ...:" / "MC lead(s): names". */
static int leads_intro(span s, size_t *names_at)
{
    *names_at = 0;
    if (s.n < 7 || strncasecmp(s.p, "MC lead", 7))
        return 0;
    size_t i = 7;
    if (i < s.n && (s.p[i] == 's' || s.p[i] == 'S'))
        i++;
    if (i < s.n && s.p[i] == ':') {
        size_t k = i + 1;
        while (k < s.n && s.p[k] == ' ')
            k++;
        *names_at = k < s.n && s.p[k] != ':' ? k : 0;
        return 1;
    }
    return ends_with_colon(s);
}

int pl_parse_lpc2023(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                     pl_record_sink sink, void *ctx, pl_error *err)
{
    span *v = NULL;
    char *kind = NULL; /* per line: 0 body, 'c' cfp title, 'n' news title */
    size_t nv = 0, cap = 0;
    int rc = PL_OK;
    pl_recb b;
    if (pl_recb_init(&b, path, o)) {
        rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    pl_lines L;
    pl_lines_init(&L, p, n);
    const char *ln;
    size_t len;
    while (pl_lines_next(&L, &ln, &len)) {
        if (pl_line_blank(ln, len))
            continue;
        while (len && (ln[len - 1] == ' '))
            len--;
        while (len && ln[0] == ' ') {
            ln++;
            len--;
        }
        if (nv == cap) {
            size_t nc = cap ? cap * 2 : 256;
            span *nvp = pl_realloc(v, nc * sizeof *v);
            if (!nvp) {
                rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
                goto done;
            }
            v = nvp;
            cap = nc;
        }
        v[nv++] = (span){ln, len, L.no};
    }
    kind = pl_calloc(nv + 1, 1);
    if (!kind) {
        rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    /* Titles.  A headline inside a list (after a line ending in ':') is a
     * list item; one with no paragraph after it is a cut sentence. */
    for (size_t i = 0; i < nv; i++) {
        if (is_cfp(v[i])) {
            kind[i] = 'c';
            continue;
        }
        if (!headline(v[i]) || (i > 0 && ends_with_colon(v[i - 1])))
            continue;
        if (i + 1 < nv && !is_bullet(v[i + 1]) && !is_cfp(v[i + 1]) && !headline(v[i + 1]))
            kind[i] = 'n';
    }
    /* The title that follows its body. */
    size_t start = 0;
    while (start < nv && !kind[start])
        start++;
    if (start > 0) {
        size_t t = 0;
        int found = 0;
        for (; t < nv && !kind[t]; t++)
            if (headline(v[t]) && !(t > 0 && ends_with_colon(v[t - 1])) && t + 1 < nv &&
                kind[t + 1]) {
                found = 1;
                break;
            }
        if (found && t > 0) {
            pl_recb_title(&b, v[t].p, v[t].n);
            for (size_t i = 0; i < t; i++)
                pl_recb_body_line(&b, v[i].p, v[i].n);
            pl_recb_meta m = {2023, PL_KIND_NEWS, NULL, NULL, 0, v[0].no, v[t].no};
            if ((rc = pl_recb_emit(&b, &m, sink, ctx, err)))
                goto done;
            start = t + 1;
        } else {
            /* Opening paragraphs with no title anywhere: one untitled post. */
            for (size_t i = 0; i < start; i++)
                pl_recb_body_line(&b, v[i].p, v[i].n);
            pl_recb_infer_title(&b);
            pl_parse_warn(o, path, v[0].no, "post without a title; title inferred as \"%s\"",
                          b.title.p ? b.title.p : "");
            pl_recb_meta m = {2023, PL_KIND_NEWS, NULL, NULL, 0, v[0].no, v[start - 1].no};
            if ((rc = pl_recb_emit(&b, &m, sink, ctx, err)))
                goto done;
        }
    }
    for (size_t i = start; i < nv;) {
        size_t t = i, j = i + 1;
        while (j < nv && !kind[j])
            j++;
        pl_recb_title(&b, v[t].p, v[t].n);
        pl_kind k = kind[t] == 'c' ? PL_KIND_CFP : PL_KIND_NEWS;
        if (k == PL_KIND_CFP)
            pl_recb_track(&b, v[t].p, v[t].n - 4);
        int in_leads = 0;
        for (size_t q = t + 1; q < j; q++) {
            size_t at;
            if (in_leads) {
                pl_recb_people_line(&b, v[q].p, v[q].n);
                continue;
            }
            if (leads_intro(v[q], &at)) {
                in_leads = 1;
                if (at) {
                    pl_recb_people_line(&b, v[q].p + at, v[q].n - at);
                    continue;
                }
            }
            pl_recb_body_line(&b, v[q].p, v[q].n);
        }
        pl_recb_meta m = {2023, k, NULL, NULL, 0, v[t].no, v[j - 1].no};
        if ((rc = pl_recb_emit(&b, &m, sink, ctx, err)))
            goto done;
        i = j;
    }
done:
    pl_free(v);
    pl_free(kind);
    pl_recb_free(&b);
    return rc;
}
