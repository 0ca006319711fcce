/*
 * builder.c — the pieces the bundled-capture parsers share: line
 * iteration, per-file unique ids, and a record builder that cleans titles,
 * assembles bodies, splits lists of names and infers missing titles.
 */
#include "corpus_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

/* ---- lines ------------------------------------------------------------- */

int pl_lines_next(pl_lines *l, const char **s, size_t *n)
{
    if (l->p >= l->end)
        return 0;
    const char *a = l->p;
    const char *e = memchr(a, '\n', (size_t)(l->end - a));
    if (!e)
        e = l->end;
    l->p = e < l->end ? e + 1 : e;
    while (e > a && e[-1] == '\r')
        e--;
    *s = a;
    *n = (size_t)(e - a);
    l->no++;
    return 1;
}

size_t pl_line_indent(const char *s, size_t n)
{
    size_t i = 0, cols = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            i++;
        } else if (i + 1 < n && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
            i += 2;
        } else {
            break;
        }
        cols++;
    }
    return cols;
}

/* Byte offset after the indentation. */
static size_t indent_bytes(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t')
            i++;
        else if (i + 1 < n && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA0)
            i += 2;
        else
            break;
    }
    return i;
}

int pl_line_blank(const char *s, size_t n)
{
    return indent_bytes(s, n) == n;
}

void pl_parse_warn(const pl_parse_opts *o, const char *path, int line, const char *fmt, ...)
{
    if (!o || !o->warn)
        return;
    char msg[1024];
    int k = line > 0 ? snprintf(msg, sizeof msg, "%s:%d: ", path, line)
                     : snprintf(msg, sizeof msg, "%s: ", path);
    if (k < 0 || (size_t)k >= sizeof msg)
        k = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    va_end(ap);
    o->warn(o->warn_ctx, msg);
}

/* ---- unique ids ---------------------------------------------------------
 * Open addressing over owned strings; grows at 1/2 load.  A file of n
 * records costs O(n) expected time and n small allocations. */
struct pl_idset {
    char **slot;
    size_t cap, n;
};

pl_idset *pl_idset_new(void)
{
    pl_idset *s = pl_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cap = 64;
    s->slot = pl_calloc(s->cap, sizeof *s->slot);
    if (!s->slot) {
        pl_free(s);
        return NULL;
    }
    return s;
}

void pl_idset_free(pl_idset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        pl_free(s->slot[i]);
    pl_free(s->slot);
    pl_free(s);
}

static char **idset_find(char **slot, size_t cap, const char *id)
{
    size_t i = pl_hash64(id, strlen(id)) & (cap - 1);
    while (slot[i] && strcmp(slot[i], id))
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

static int idset_grow(pl_idset *s)
{
    size_t cap = s->cap * 2;
    char **slot = pl_calloc(cap, sizeof *slot);
    if (!slot)
        return PL_ENOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i])
            *idset_find(slot, cap, s->slot[i]) = s->slot[i];
    pl_free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return PL_OK;
}

int pl_idset_claim(pl_idset *s, char id[96])
{
    if ((s->n + 1) * 2 > s->cap && idset_grow(s))
        return PL_ENOMEM;
    char base[96];
    memcpy(base, id, 96);
    base[80] = '\0'; /* room for "-NNNN..." */
    for (unsigned k = 2; *idset_find(s->slot, s->cap, id); k++)
        snprintf(id, 96, "%s-%u", base, k);
    char *copy = pl_strdup(id);
    if (!copy)
        return PL_ENOMEM;
    *idset_find(s->slot, s->cap, id) = copy;
    s->n++;
    return PL_OK;
}

/* ---- the record builder ---------------------------------------------------- */

int pl_recb_init(pl_recb *b, const char *path, const pl_parse_opts *o)
{
    memset(b, 0, sizeof *b);
    b->path = path;
    b->opts = o;
    b->ids = pl_idset_new();
    return b->ids ? PL_OK : PL_ENOMEM;
}

void pl_recb_reset(pl_recb *b)
{
    pl_buf_reset(&b->title);
    pl_buf_reset(&b->body);
    pl_buf_reset(&b->track);
    pl_buf_reset(&b->url);
    pl_buf_reset(&b->people);
    b->n_people = 0;
    b->pending_blank = 0;
    b->last_line_n = 0;
    b->title_inferred = 0;
}

void pl_recb_free(pl_recb *b)
{
    if (!b)
        return;
    pl_buf_free(&b->title);
    pl_buf_free(&b->body);
    pl_buf_free(&b->track);
    pl_buf_free(&b->url);
    pl_buf_free(&b->people);
    pl_idset_free(b->ids);
    b->ids = NULL;
}

/* Cleans s into out: e-mails removed, then pl_text_clean. */
static int clean_into(pl_buf *out, const char *s, size_t n)
{
    pl_buf t = {0};
    pl_text_strip_emails(&t, s, n);
    int rc = t.oom ? PL_ENOMEM : pl_text_clean(out, t.p ? t.p : "", t.n);
    pl_buf_free(&t);
    return rc;
}

int pl_recb_title(pl_recb *b, const char *s, size_t n)
{
    pl_buf_reset(&b->title);
    return clean_into(&b->title, s, n);
}

int pl_recb_track(pl_recb *b, const char *s, size_t n)
{
    pl_buf_reset(&b->track);
    return clean_into(&b->track, s, n);
}

static int is_letter_end(const pl_buf *b)
{
    if (!b->n)
        return 0;
    unsigned char c = (unsigned char)b->p[b->n - 1];
    return isalpha(c);
}

int pl_recb_body_line(pl_recb *b, const char *s, size_t n)
{
    if (pl_line_blank(s, n)) {
        b->pending_blank = b->body.n > 0;
        return PL_OK;
    }
    pl_buf line = {0};
    int rc = clean_into(&line, s, n);
    if (rc || !line.n) {
        pl_buf_free(&line);
        return rc;
    }
    if (b->body.n) {
        unsigned char first = (unsigned char)line.p[0];
        if (b->pending_blank && b->join_split_words && b->last_line_n >= 40 &&
            is_letter_end(&b->body) && first >= 'a' && first <= 'z')
            ; /* a word cut in two across a paragraph break: no separator */
        else
            pl_buf_puts(&b->body, b->pending_blank ? "\n\n" : "\n");
    }
    pl_buf_put(&b->body, line.p, line.n);
    b->last_line_n = line.n;
    b->pending_blank = 0;
    pl_buf_free(&line);
    return b->body.oom ? PL_ENOMEM : PL_OK;
}

int pl_recb_person(pl_recb *b, const char *s, size_t n)
{
    pl_buf t = {0};
    int rc = pl_text_clean(&t, s, n);
    /* Trailing punctuation of a list ("Name." / "Name:") is not the name. */
    while (t.n && strchr(".:;,-", t.p[t.n - 1]))
        t.p[--t.n] = '\0';
    while (t.n && t.p[t.n - 1] == ' ')
        t.p[--t.n] = '\0';
    if (rc || !t.n || !strcmp(t.p, "TBD") || !strcmp(t.p, "TBA"))
        goto done;
    const char *have = b->people.p;
    for (size_t i = 0; i < b->n_people; i++)
        if (!strcmp(have + b->people_off[i], t.p))
            goto done; /* listed twice */
    if (b->n_people == PL_MAX_PEOPLE) {
        pl_parse_warn(b->opts, b->path, 0, "more than %d people on one record; \"%s\" dropped",
                      PL_MAX_PEOPLE, t.p);
        goto done;
    }
    b->people_off[b->n_people++] = b->people.n;
    pl_buf_put(&b->people, t.p, t.n + 1); /* with its NUL */
    rc = b->people.oom ? PL_ENOMEM : PL_OK;
done:
    pl_buf_free(&t);
    return rc;
}

/* Is the word at s[i..] the separator word w ("and", "or")? */
static int word_at(const char *s, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    if (i + k > n || strncmp(s + i, w, k))
        return 0;
    int before = i == 0 || s[i - 1] == ' ';
    int after = i + k == n || s[i + k] == ' ';
    return before && after;
}

int pl_recb_people_line(pl_recb *b, const char *s, size_t n)
{
    pl_buf t = {0};
    int rc = pl_text_strip_emails(&t, s, n);
    if (rc)
        goto done;
    /* Closed bracket groups are affiliations ("(IBM)") or leftovers: drop
     * them; an unclosed bracket is only noise. */
    pl_buf u = {0};
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i];
        char close = c == '(' ? ')' : c == '<' ? '>' : c == '[' ? ']' : 0;
        if (close) {
            const char *e = memchr(t.p + i, close, t.n - i);
            if (e)
                i = (size_t)(e - t.p);
            pl_buf_putc(&u, ' ');
            continue;
        }
        if (c == ')' || c == '>' || c == ']') {
            pl_buf_putc(&u, ' ');
            continue;
        }
        pl_buf_putc(&u, c);
    }
    /* Split on , ; & and the words "and" / "or". */
    size_t a = 0;
    const char *p = u.p ? u.p : "";
    for (size_t i = 0; i <= u.n && rc == PL_OK; i++) {
        size_t skip = 0;
        if (i == u.n || p[i] == ',' || p[i] == ';' || p[i] == '&')
            skip = 1;
        else if (word_at(p, u.n, i, "and"))
            skip = 3;
        else if (word_at(p, u.n, i, "or"))
            skip = 2;
        if (!skip)
            continue;
        rc = pl_recb_person(b, p + a, i - a);
        a = i + skip;
        i = a - 1;
    }
    if (u.oom)
        rc = PL_ENOMEM;
    pl_buf_free(&u);
done:
    pl_buf_free(&t);
    return rc;
}

/* ---- title inference --------------------------------------------------------- */

typedef struct word {
    const char *p;
    size_t n;
} word;

static int name_like(word w)
{
    unsigned char c = (unsigned char)w.p[0];
    if (isupper(c) || isdigit(c))
        return 1;
    return memchr(w.p, '/', w.n) != NULL && w.n > 1;
}

static int is_word(word w, const char *s)
{
    return w.n == strlen(s) && !strncasecmp(w.p, s, w.n);
}

static int year_like(word w)
{
    if (w.n != 4)
        return 0;
    for (size_t i = 0; i < 4; i++)
        if (!isdigit((unsigned char)w.p[i]))
            return 0;
    return 1;
}

int pl_recb_infer_title(pl_recb *b)
{
    b->title_inferred = 1;
    pl_buf_reset(&b->title);
    const char *s = b->body.p ? b->body.p : "";
    size_t n = b->body.n;
    /* Words of the first 4 KiB are enough: the phrase naming an MC sits in
     * its first paragraphs.  Bounded: at most 1024 words are looked at. */
    word w[1024];
    size_t nw = 0;
    for (size_t i = 0; i < n && i < 4096 && nw < 1024;) {
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        size_t a = i;
        while (i < n && !isspace((unsigned char)s[i]))
            i++;
        if (i > a)
            w[nw++] = (word){s + a, i - a};
    }
    for (size_t i = 1; i < nw; i++) {
        word k = w[i];
        while (k.n && strchr(",.;:)", k.p[k.n - 1]))
            k.n--;
        if (!is_word(k, "microconference") && !is_word(k, "micro-conference") &&
            !is_word(k, "MC") && !is_word(k, "track"))
            continue;
        size_t j = i;
        while (j > 0 && name_like(w[j - 1]) && !strchr(",.;:", w[j - 1].p[w[j - 1].n - 1]))
            j--;
        /* "LPC 2017", "Linux Plumbers (Conference) 2019", "The" are not
         * part of the MC's name. */
        while (j < i &&
               (is_word(w[j], "LPC") || is_word(w[j], "Linux") || is_word(w[j], "Plumbers") ||
                is_word(w[j], "Conference") || is_word(w[j], "The") || year_like(w[j])))
            j++;
        if (j == i)
            continue;
        for (size_t m = j; m < i; m++) {
            if (m > j)
                pl_buf_putc(&b->title, ' ');
            pl_buf_put(&b->title, w[m].p, w[m].n);
        }
        pl_buf_puts(&b->title, " MC");
        return b->title.oom ? PL_ENOMEM : PL_OK;
    }
    /* No such phrase: the first words of the body, cut at a word boundary
     * before 60 bytes, with an ellipsis. */
    size_t len = 0;
    for (size_t i = 0; i < nw; i++) {
        if (len + w[i].n + 1 > 60)
            break;
        if (i)
            pl_buf_putc(&b->title, ' ');
        pl_buf_put(&b->title, w[i].p, w[i].n);
        len += w[i].n + 1;
    }
    if (!b->title.n)
        pl_buf_puts(&b->title, "Untitled");
    else if (len < n)
        pl_buf_puts(&b->title, "...");
    return b->title.oom ? PL_ENOMEM : PL_OK;
}

int pl_recb_emit(pl_recb *b, const pl_recb_meta *m, pl_record_sink sink, void *ctx, pl_error *err)
{
    if (b->title.oom || b->body.oom || b->track.oom || b->url.oom || b->people.oom)
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory", b->path);
    /* A title line that cleans to nothing (control bytes, invalid UTF-8)
     * leaves no title: infer one, since a record without a title cannot
     * be read back from the index. */
    if (!b->title.n && pl_recb_infer_title(b))
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory", b->path);
    pl_record r;
    memset(&r, 0, sizeof r);
    char id[96];
    r.title = b->title.p ? b->title.p : "";
    r.year = m->year;
    r.kind = m->kind;
    pl_record_make_id(r.year, r.kind, r.title, id);
    if (pl_idset_claim(b->ids, id))
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory", b->path);
    r.id = id;
    r.body = b->body.p ? b->body.p : "";
    r.track = b->track.p ? b->track.p : "";
    r.url = b->url.p ? b->url.p : "";
    for (size_t i = 0; i < b->n_people; i++)
        r.people[i] = b->people.p + b->people_off[i];
    r.n_people = b->n_people;
    if (m->day)
        snprintf(r.day, sizeof r.day, "%s", m->day);
    if (m->start)
        snprintf(r.start, sizeof r.start, "%s", m->start);
    r.duration_min = m->duration_min;
    r.source_file = b->path;
    r.line_first = m->line_first;
    r.line_last = m->line_last;
    r.title_inferred = b->title_inferred;
    int rc = sink(ctx, &r);
    pl_recb_reset(b);
    return rc;
}
