/*
 * text.c — display-text normalisation shared by every parser.
 *
 * pl_text_clean is applied to every title, name and body line the parsers
 * produce, so the index, the JSON and the page all see one spelling:
 *   - invalid UTF-8 bytes become U+FFFD (input bytes are never trusted);
 *   - NBSP, narrow NBSP, figure space, tabs and other Unicode spaces become
 *     an ASCII space, zero-width spaces and BOMs are dropped;
 *   - curly single and double quotes (and their low/reversed forms) become '
 *     and ", the prime marks too;
 *   - runs of spaces collapse to one; every line is trimmed; newlines are
 *     kept (bodies are multi-line) and CR is dropped;
 *   - the result is NFC-normalised by utf8proc (so "e" + combining acute and
 *     precomposed "é" are one string).
 * Cost: one pass over the input plus one NFC pass, O(n) extra memory.
 */
#include "corpus_internal.h"

#include <string.h>
#include <utf8proc.h>

/* Maps one code point: returns the replacement, or -1 to drop it. */
static int32_t map_cp(int32_t c)
{
    switch (c) {
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
    case 0x2035: return '\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
    case 0x2036: return '"';
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
    case 0x00AD: return -1; /* zero-width characters and soft hyphens */
    case '\t':
    case '\v':
    case '\f': return ' ';
    case '\r': return -1;
    default: break;
    }
    if (c == '\n')
        return c;
    /* NBSP, the U+2000 block of spaces, narrow NBSP, ideographic space. */
    if (c != '\n' && utf8proc_category(c) == UTF8PROC_CATEGORY_ZS)
        return ' ';
    /* Other C0/C1 controls carry no text. */
    if (c < 0x20 || (c >= 0x7F && c < 0xA0))
        return -1;
    return c;
}

int pl_text_clean(pl_buf *out, const char *p, size_t n)
{
    pl_buf tmp = {0};
    const uint8_t *s = (const uint8_t *)p, *end = s + n;
    int pending_space = 0, line_start = 1;
    while (s < end) {
        int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s, end - s, &c);
        if (k <= 0) {
            c = 0xFFFD; /* invalid or truncated sequence: one byte at a time */
            k = 1;
        }
        s += k;
        c = map_cp(c);
        if (c < 0)
            continue;
        if (c == ' ') {
            pending_space = !line_start;
            continue;
        }
        if (c == '\n') {
            pl_buf_putc(&tmp, '\n'); /* trailing spaces of the line dropped */
            pending_space = 0;
            line_start = 1;
            continue;
        }
        if (pending_space)
            pl_buf_putc(&tmp, ' ');
        pending_space = 0;
        line_start = 0;
        uint8_t enc[4];
        utf8proc_ssize_t m = utf8proc_encode_char(c, enc);
        pl_buf_put(&tmp, enc, (size_t)m);
    }
    /* Trim: leading blank lines/spaces were never written except newlines. */
    size_t a = 0, b = tmp.n;
    while (a < b && tmp.p[a] == '\n')
        a++;
    while (b > a && tmp.p[b - 1] == '\n')
        b--;
    if (tmp.oom) {
        pl_buf_free(&tmp);
        out->oom = 1;
        return PL_ENOMEM;
    }
    int rc = PL_OK;
    if (b > a) {
        /* utf8proc_NFC needs a NUL-terminated string and allocates with
         * malloc; its result is copied into out and released at once. */
        tmp.p[b] = '\0';
        uint8_t *nfc = utf8proc_NFC((const uint8_t *)tmp.p + a);
        if (nfc) {
            rc = pl_buf_puts(out, (const char *)nfc);
            free(nfc);
        } else {
            rc = pl_buf_put(out, tmp.p + a, b - a);
        }
    }
    pl_buf_free(&tmp);
    return out->oom ? PL_ENOMEM : rc;
}

/* ---- e-mail addresses -------------------------------------------------- */

static int is_local_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-';
}

static int is_domain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

/* Length of an address starting at s[i] (s[i] is the first local char), 0
 * when there is none.  An address is local@domain where domain has a dot
 * (a truncated "x@host.co" still counts: the capture cut some). */
static size_t email_at(const char *s, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && is_local_char((unsigned char)s[j]))
        j++;
    if (j == i || j >= n || s[j] != '@')
        return 0;
    size_t d = j + 1, k = d;
    int dot = 0;
    while (k < n && is_domain_char((unsigned char)s[k])) {
        if (s[k] == '.' && k > d)
            dot = 1;
        k++;
    }
    while (k > d && (s[k - 1] == '.' || s[k - 1] == '-'))
        k--;
    if (!dot || k == d)
        return 0;
    /* "x@y.z/..." is part of a path (lore URLs carry message ids). */
    if (k < n && s[k] == '/')
        return 0;
    return k - i;
}

/* True when the word containing s[i] (back to the last space) is a URL. */
static int inside_url(const char *s, size_t i)
{
    size_t w = i;
    while (w > 0 && s[w - 1] != ' ' && s[w - 1] != '\n' && s[w - 1] != '(' && s[w - 1] != '<')
        w--;
    for (size_t k = w; k + 2 < i + 1; k++)
        if (s[k] == ':' && s[k + 1] == '/' && s[k + 2] == '/')
            return 1;
    return 0;
}

int pl_text_strip_emails(pl_buf *out, const char *s, size_t n)
{
    pl_buf tmp = {0};
    size_t i = 0;
    while (i < n) {
        int start = i == 0 || !is_local_char((unsigned char)s[i - 1]);
        size_t m = start && is_local_char((unsigned char)s[i]) ? email_at(s, n, i) : 0;
        if (!m || inside_url(s, i)) {
            pl_buf_putc(&tmp, s[i]);
            i++;
            continue;
        }
        i += m;
        /* The brackets the address sat in go with it: "Name (a@b)",
         * "Name <a@b>", and "Name <a@b" where the capture cut the line. */
        size_t w = tmp.n;
        while (w > 0 && tmp.p[w - 1] == ' ')
            w--;
        char open = w > 0 ? tmp.p[w - 1] : 0;
        if (open != '(' && open != '<' && open != '[')
            continue;
        char close = open == '(' ? ')' : open == '<' ? '>' : ']';
        size_t k = i;
        while (k < n && s[k] == ' ')
            k++;
        if (k < n && s[k] == close)
            i = k + 1;
        else if (k < n && s[k] != '\n')
            continue; /* something else follows inside: keep the bracket */
        w--;
        while (w > 0 && tmp.p[w - 1] == ' ')
            w--;
        tmp.n = w;
        tmp.p[w] = '\0';
        if (i < n && s[i] != ' ' && s[i] != '\n' && s[i] != ':' && s[i] != ',' && s[i] != '.' &&
            s[i] != ';' && s[i] != ')')
            pl_buf_putc(&tmp, ' ');
    }
    int rc = tmp.oom ? PL_ENOMEM : pl_buf_put(out, tmp.p ? tmp.p : "", tmp.n);
    pl_buf_free(&tmp);
    return rc;
}
