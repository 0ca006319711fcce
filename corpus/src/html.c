/*
 * html.c — pl_html_to_text: HTML (or Markdown-ish plain text) reduced to the
 * plain text that is indexed and displayed.
 *
 * A small state machine rather than libxml2's HTML parser: the goal is text
 * extraction, not a tree, and descriptions pasted into Indico are fragments
 * ("<p>a</p><p>b" with no <html>, unclosed tags, stray '<' in prose) that a
 * tree builder repairs in ways that move text around.  One pass, O(n) time,
 * output at most ~3 bytes per input byte (an entity or an invalid byte may
 * become a 3-byte U+FFFD; "<li>" becomes "\n- ").
 *
 * Rules:
 *  - If the input contains no tag-looking "<x", "</", "<!" it is treated as
 *    plain text / Markdown: line breaks are kept (a blank line stays one
 *    blank line), runs of spaces and tabs collapse, entities are decoded.
 *  - Otherwise it is HTML: all whitespace collapses as a browser would;
 *    <br> is a line break; <p>, <div>, headings, lists, tables, <pre>,
 *    <blockquote>, <hr> separate paragraphs; <li> starts a line "- ";
 *    <td>/<th> are separated by a space; <script>, <style> (and comments)
 *    disappear with their content; <pre> keeps its whitespace.
 *  - Named entities from a common table and all numeric ones (&#39; &#x2014;)
 *    are decoded to UTF-8; &nbsp; is an ordinary space; an unknown entity is
 *    kept literally.  Invalid code points and invalid UTF-8 become U+FFFD,
 *    control characters other than newline and tab are dropped, so the
 *    output is always valid UTF-8 (JSON encoders depend on it).
 *  - Leading and trailing whitespace is trimmed.  The output carries no
 *    markup at all: '<' only appears where the source had a literal one.
 */
#include "record.h"

#include <string.h>

enum { BRK_NONE = 0, BRK_SPACE = 1, BRK_LINE = 2, BRK_PARA = 3 };

typedef struct hstate {
    pl_buf *out;
    size_t start; /* out->n on entry: "nothing emitted yet" means n == start */
    int pending;  /* BRK_*: the strongest break seen since the last text */
    int in_pre;
    int after_bullet; /* swallow breaks between "- " and the item's text */
} hstate;

static void brk(hstate *h, int level)
{
    if (h->after_bullet)
        return;
    if (level > h->pending)
        h->pending = level;
}

/* Emits pending whitespace (never at the start) before visible text. */
static void flush(hstate *h)
{
    if (h->out->n > h->start && !h->after_bullet) {
        if (h->pending == BRK_SPACE)
            pl_buf_putc(h->out, ' ');
        else if (h->pending == BRK_LINE)
            pl_buf_putc(h->out, '\n');
        else if (h->pending == BRK_PARA)
            pl_buf_put(h->out, "\n\n", 2);
    }
    h->pending = BRK_NONE;
    h->after_bullet = 0;
}

static void emit(hstate *h, const char *s, size_t n)
{
    flush(h);
    pl_buf_put(h->out, s, n);
}

static void emit_cp(hstate *h, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    emit(h, b, n);
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t need;
    unsigned long cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need;
}

static const struct {
    const char *name;
    unsigned cp;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},     {"ensp", ' '},      {"emsp", ' '},     {"thinsp", ' '},   {"ndash", 0x2013},
    {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
    {"ldquo", 0x201C}, {"rdquo", 0x201D},  {"bdquo", 0x201E}, {"laquo", 0xAB},   {"raquo", 0xBB},
    {"copy", 0xA9},    {"reg", 0xAE},      {"trade", 0x2122}, {"deg", 0xB0},     {"middot", 0xB7},
    {"bull", 0x2022},  {"times", 0xD7},    {"divide", 0xF7},  {"minus", 0x2212}, {"plusmn", 0xB1},
    {"le", 0x2264},    {"ge", 0x2265},     {"ne", 0x2260},    {"larr", 0x2190},  {"rarr", 0x2192},
    {"harr", 0x2194},  {"euro", 0x20AC},   {"pound", 0xA3},   {"yen", 0xA5},     {"cent", 0xA2},
    {"sect", 0xA7},    {"para", 0xB6},     {"micro", 0xB5},   {"iexcl", 0xA1},   {"iquest", 0xBF},
    {"Agrave", 0xC0},  {"Aacute", 0xC1},   {"Acirc", 0xC2},   {"Atilde", 0xC3},  {"Auml", 0xC4},
    {"Aring", 0xC5},   {"AElig", 0xC6},    {"Ccedil", 0xC7},  {"Egrave", 0xC8},  {"Eacute", 0xC9},
    {"Ecirc", 0xCA},   {"Euml", 0xCB},     {"Igrave", 0xCC},  {"Iacute", 0xCD},  {"Icirc", 0xCE},
    {"Iuml", 0xCF},    {"Ntilde", 0xD1},   {"Ograve", 0xD2},  {"Oacute", 0xD3},  {"Ocirc", 0xD4},
    {"Otilde", 0xD5},  {"Ouml", 0xD6},     {"Oslash", 0xD8},  {"Ugrave", 0xD9},  {"Uacute", 0xDA},
    {"Ucirc", 0xDB},   {"Uuml", 0xDC},     {"Yacute", 0xDD},  {"szlig", 0xDF},   {"agrave", 0xE0},
    {"aacute", 0xE1},  {"acirc", 0xE2},    {"atilde", 0xE3},  {"auml", 0xE4},    {"aring", 0xE5},
    {"aelig", 0xE6},   {"ccedil", 0xE7},   {"egrave", 0xE8},  {"eacute", 0xE9},  {"ecirc", 0xEA},
    {"euml", 0xEB},    {"igrave", 0xEC},   {"iacute", 0xED},  {"icirc", 0xEE},   {"iuml", 0xEF},
    {"ntilde", 0xF1},  {"ograve", 0xF2},   {"oacute", 0xF3},  {"ocirc", 0xF4},   {"otilde", 0xF5},
    {"ouml", 0xF6},    {"oslash", 0xF8},   {"ugrave", 0xF9},  {"uacute", 0xFA},  {"ucirc", 0xFB},
    {"uuml", 0xFC},    {"yacute", 0xFD},   {"yuml", 0xFF},    {"alpha", 0x3B1},  {"beta", 0x3B2},
    {"gamma", 0x3B3},  {"delta", 0x3B4},   {"lambda", 0x3BB}, {"mu", 0x3BC},     {"pi", 0x3C0},
    {"sigma", 0x3C3},  {"omega", 0x3C9},
};

/* Decodes the entity at p ('&'); returns bytes consumed, 0 if not one.
 * Bounded: names are at most 31 bytes, numbers at most 8 digits. */
static size_t entity(hstate *h, const char *p, const char *end)
{
    const char *q = p + 1;
    if (q < end && *q == '#') {
        q++;
        int hex = 0;
        if (q < end && (*q == 'x' || *q == 'X')) {
            hex = 1;
            q++;
        }
        unsigned long cp = 0;
        size_t digits = 0;
        while (q < end && digits < 9) {
            char c = *q;
            int v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
            else
                break;
            cp = cp * (hex ? 16u : 10u) + (unsigned long)v;
            digits++;
            q++;
        }
        if (digits == 0 || digits > 8 || q >= end || *q != ';')
            return 0;
        if (cp == 0xA0 || cp == 0x20 || cp == 0x09 || cp == 0x0A || cp == 0x0D)
            brk(h, BRK_SPACE);
        else if (cp < 0x20 || cp == 0x7F)
            ; /* a control character by number: dropped, as raw ones are */
        else
            emit_cp(h, cp);
        return (size_t)(q + 1 - p);
    }
    size_t len = 0;
    while (q + len < end && len < 32 &&
           ((q[len] >= 'a' && q[len] <= 'z') || (q[len] >= 'A' && q[len] <= 'Z') ||
            (q[len] >= '0' && q[len] <= '9')))
        len++;
    if (len == 0 || q + len >= end || q[len] != ';')
        return 0;
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        if (strlen(entities[i].name) == len && memcmp(entities[i].name, q, len) == 0) {
            if (entities[i].cp == ' ')
                brk(h, BRK_SPACE);
            else
                emit_cp(h, entities[i].cp);
            return len + 2;
        }
    }
    return 0;
}

/* One character of text content (not a tag), at p.  Returns bytes used. */
static size_t text_char(hstate *h, const char *p, const char *end, int markup)
{
    unsigned char c = (unsigned char)*p;
    if (c == '&') {
        size_t used = entity(h, p, end);
        if (used)
            return used;
        emit(h, "&", 1);
        return 1;
    }
    if (c == '\r' || c == '\n') {
        size_t used = (c == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
        if (h->in_pre) {
            flush(h);
            pl_buf_putc(h->out, '\n');
        } else if (!markup) {
            /* plain text: one newline is a line break, two a paragraph */
            brk(h, h->pending >= BRK_LINE ? BRK_PARA : BRK_LINE);
        } else {
            brk(h, BRK_SPACE);
        }
        return used;
    }
    if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
        if (h->in_pre)
            emit(h, (const char *)p, 1);
        else
            brk(h, BRK_SPACE);
        return 1;
    }
    if (c < 0x20 || c == 0x7F)
        return 1;
    size_t len = utf8_len((const unsigned char *)p, (const unsigned char *)end);
    if (len == 0) {
        emit_cp(h, 0xFFFD);
        return 1;
    }
    if (len == 2 && c == 0xC2 && (unsigned char)p[1] == 0xA0) { /* NBSP */
        brk(h, BRK_SPACE);
        return 2;
    }
    emit(h, p, len);
    return len;
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int looks_like_tag(const char *p, const char *end)
{
    return p + 1 < end && p[0] == '<' && (is_alpha(p[1]) || p[1] == '/' || p[1] == '!');
}

static const char *find_ci(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; (size_t)(end - p) >= n; p++) {
        size_t i = 0;
        while (i < n && (p[i] | 0x20) == needle[i])
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

static int name_is(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

static const char *const para_tags[] = {
    "p",      "div", "h1",    "h2",     "h3",   "h4",      "h5",      "h6",         "ul",
    "ol",     "dl",  "table", "pre",    "hr",   "section", "article", "blockquote", "header",
    "footer", "nav", "aside", "figure", "form", "address", "main",    "details",    NULL};
static const char *const line_tags[] = {"br",      "tr",         "dt",     "dd", "summary",
                                        "caption", "figcaption", "option", NULL};

/* Handles the tag starting at p ('<'); returns bytes consumed (> 0). */
static size_t tag(hstate *h, const char *p, const char *end)
{
    const char *q = p + 1;
    if (q + 2 < end && q[0] == '!' && q[1] == '-' && q[2] == '-') {
        const char *e = NULL;
        for (const char *s = q + 3; s + 2 < end && !e; s++)
            if (s[0] == '-' && s[1] == '-' && s[2] == '>')
                e = s;
        return e ? (size_t)(e + 3 - p) : (size_t)(end - p);
    }
    int closing = 0;
    if (q < end && *q == '/') {
        closing = 1;
        q++;
    }
    char name[16];
    size_t nl = 0;
    while (q < end && (is_alpha(*q) || (*q >= '0' && *q <= '9'))) {
        if (nl < sizeof name - 1)
            name[nl++] = (char)(*q | 0x20);
        q++;
    }
    name[nl] = '\0';
    /* skip attributes; a '>' inside a quoted value does not end the tag */
    char quote = 0;
    while (q < end) {
        if (quote) {
            if (*q == quote)
                quote = 0;
        } else if (*q == '"' || *q == '\'') {
            quote = *q;
        } else if (*q == '>') {
            break;
        }
        q++;
    }
    size_t used = q < end ? (size_t)(q + 1 - p) : (size_t)(end - p);
    if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)) {
        const char *close =
            find_ci(p + used, end, strcmp(name, "script") == 0 ? "</script" : "</style");
        if (!close)
            return (size_t)(end - p);
        const char *gt = memchr(close, '>', (size_t)(end - close));
        return gt ? (size_t)(gt + 1 - p) : (size_t)(end - p);
    }
    if (strcmp(name, "pre") == 0)
        h->in_pre = !closing;
    if (strcmp(name, "li") == 0) {
        brk(h, BRK_LINE);
        if (!closing && !h->after_bullet) {
            emit(h, "- ", 2);
            h->after_bullet = 1;
        }
    } else if (name_is(name, para_tags)) {
        brk(h, BRK_PARA);
    } else if (name_is(name, line_tags)) {
        brk(h, BRK_LINE);
    } else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
        brk(h, BRK_SPACE);
    }
    return used;
}

int pl_html_decode_entities(pl_buf *out, const char *p, size_t n)
{
    /* Same entity table and rules as the HTML reduction, but nothing else:
     * a title such as "Using <linux/bpf.h>" must keep its '<'. */
    hstate h = {.out = out, .start = out->n};
    const char *end = p + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p)
            emit(&h, p, (size_t)(stop - p));
        p = stop;
        if (p < end) {
            size_t used = entity(&h, p, end);
            if (!used) {
                emit(&h, "&", 1);
                used = 1;
            }
            p += used;
        }
    }
    if (out->p == NULL && !out->oom)
        pl_buf_put(out, "", 0);
    return out->oom ? PL_ENOMEM : PL_OK;
}

int pl_html_to_text(pl_buf *out, const char *p, size_t n)
{
    hstate h = {.out = out, .start = out->n};
    const char *end = p + n;
    int markup = 0;
    for (const char *s = p; s < end; s++) {
        s = memchr(s, '<', (size_t)(end - s));
        if (!s)
            break;
        if (looks_like_tag(s, end)) {
            markup = 1;
            break;
        }
    }
    while (p < end) {
        if (markup && looks_like_tag(p, end))
            p += tag(&h, p, end);
        else
            p += text_char(&h, p, end, markup);
    }
    if (out->p == NULL && !out->oom)
        pl_buf_put(out, "", 0); /* a NUL-terminated "" even for empty input */
    return out->oom ? PL_ENOMEM : PL_OK;
}
