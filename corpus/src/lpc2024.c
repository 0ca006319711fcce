/*
 * lpc2024.c — the 2024 list of microconferences (corpus/lpc2024-mcs.txt).
 *
 * Shape (rules in corpus/README.md, "2024 MC list"): a few header lines
 * (dates, time zone, page headings), then blocks of
 *
 *   <MC name>
 *   <description: paragraphs, "  • " bullets, links>
 *   MC Leads: A, B, C            (also "MC leads:", "MC Lead:")
 *
 * A leads line closes its block; the next non-blank line names the next
 * MC.  The last block may have no leads line (it ends at the end of file).
 * Every block is one `mc` record.  Cost: one pass, one record in memory.
 */
#include "corpus_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* "MC Lead:", "MC Leads:", "MC leads:" (any case) -> the names after it. */
static int leads_prefix(const char *s, size_t n, size_t *after)
{
    if (n < 8 || strncasecmp(s, "MC lead", 7))
        return 0;
    size_t i = 7;
    if (i < n && (s[i] == 's' || s[i] == 'S'))
        i++;
    if (i >= n || s[i] != ':')
        return 0;
    *after = i + 1;
    return 1;
}

static int contains(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if (!strncasecmp(s + i, w, k))
            return 1;
    return 0;
}

/* Header lines of the page: "18–20 Sept 2024", "Europe/Vienna timezone",
 * "Proposed microconferences", "Microconferences proposed for LPC 2024". */
static int header_line(const char *s, size_t n, int *year)
{
    int hit = contains(s, n, "timezone") || (n >= 16 && !strncasecmp(s, "Microconferences", 16)) ||
              (n >= 25 && !strncasecmp(s, "Proposed microconferences", 25));
    /* A date line: starts with a digit and ends with a four-digit year. */
    int date = n >= 6 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[n - 1]) &&
               isdigit((unsigned char)s[n - 4]) && n < 40;
    if (hit || date) {
        for (size_t i = 0; i + 4 <= n; i++)
            if ((s[i] == '2' && s[i + 1] == '0') && isdigit((unsigned char)s[i + 2]) &&
                isdigit((unsigned char)s[i + 3]) &&
                (i + 4 == n || !isdigit((unsigned char)s[i + 4])))
                *year = (s[i + 2] - '0') * 10 + (s[i + 3] - '0') + 2000;
        return 1;
    }
    return 0;
}

/* Is this the name line of a block, or already description?  Names are
 * short and do not end like a sentence. */
static int title_like(const char *s, size_t n)
{
    if (n == 0 || n > 100)
        return 0;
    if (n >= 3 && !memcmp(s, "\xe2\x80\xa2", 3))
        return 0;
    if (s[0] == '-' || s[0] == '"')
        return 0;
    char last = s[n - 1];
    return last != '.' && last != ':' && last != ',' && last != ';';
}

int pl_parse_lpc2024(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                     pl_record_sink sink, void *ctx, pl_error *err)
{
    pl_recb b;
    int rc = PL_OK;
    if (pl_recb_init(&b, path, o)) {
        pl_recb_free(&b);
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
    }
    b.join_split_words = 1;
    int year = 2024, in_header = 1, expect_title = 1, open = 0, first = 0, last = 0;
    pl_lines L;
    pl_lines_init(&L, p, n);
    const char *ln;
    size_t len;
    while (pl_lines_next(&L, &ln, &len)) {
        size_t ind = 0;
        while (ind < len && ln[ind] == ' ')
            ind++;
        const char *tx = ln + ind;
        size_t tn = len - ind;
        while (tn && tx[tn - 1] == ' ')
            tn--;
        int blank = pl_line_blank(ln, len);
        if (in_header) {
            if (blank || header_line(tx, tn, &year))
                continue;
            in_header = 0;
        }
        if (blank) {
            if (open)
                pl_recb_body_line(&b, ln, len);
            continue;
        }
        size_t after;
        if (leads_prefix(tx, tn, &after)) {
            if (!open) {
                open = 1;
                first = L.no;
            }
            if ((rc = pl_recb_people_line(&b, tx + after, tn - after)))
                break;
            last = L.no;
            if (!b.title.n) {
                if (!b.body.n) {
                    pl_parse_warn(o, path, L.no, "leads line without an MC; skipped");
                    pl_recb_reset(&b);
                    open = 0;
                    expect_title = 1;
                    continue;
                }
                if ((rc = pl_recb_infer_title(&b)))
                    break;
                pl_parse_warn(o, path, first, "MC without a name line; title inferred as \"%s\"",
                              b.title.p);
            }
            pl_recb_meta m = {year, PL_KIND_MC, NULL, NULL, 0, first, last};
            if ((rc = pl_recb_emit(&b, &m, sink, ctx, err)))
                goto done;
            open = 0;
            expect_title = 1;
            continue;
        }
        if (!open) {
            open = 1;
            first = L.no;
        }
        last = L.no;
        if (expect_title) {
            expect_title = 0;
            if (title_like(tx, tn)) {
                pl_recb_title(&b, tx, tn);
                continue;
            }
        }
        pl_recb_body_line(&b, ln, len);
    }
    if (rc == PL_OK && open && (b.title.n || b.body.n)) {
        if (!b.title.n) {
            rc = pl_recb_infer_title(&b);
            pl_parse_warn(o, path, first, "MC without a name line; title inferred as \"%s\"",
                          b.title.p ? b.title.p : "");
        }
        pl_recb_meta m = {year, PL_KIND_MC, NULL, NULL, 0, first, last};
        if (rc == PL_OK)
            rc = pl_recb_emit(&b, &m, sink, ctx, err);
    }
    if (rc == PL_ENOMEM)
        pl_error_set(err, rc, "%s: out of memory", path);
done:
    pl_recb_free(&b);
    return rc;
}
