/*
 * detect.c — which format a file is in, judged by its content.
 *
 * Signatures, tried in this order (corpus/README.md, "Format detection"):
 *   iCalendar   first text (after a BOM and whitespace) is BEGIN:VCALENDAR
 *   frab XML    a "<schedule" element within the first 4 KiB, after an
 *               optional <?xml ...?> declaration and comments
 *   JSONL       first non-blank char '{' and the first line alone is a
 *               complete JSON object with a "title"
 *   Indico      a JSON object whose "results" is an object of event ids
 *               -> day keys "YYYYMMDD" (timetable), or an array whose first
 *               item has "contributions" (event export)
 *   frab JSON   a JSON object with "schedule"
 *   LPC 2019    "Linux Plumbers Conference 2019" first line or "• HH:MM HH:MM"
 *               block lines
 *   LPC 2024    "Microconferences proposed for LPC" or "MC Leads:" lines
 *   LPC 2023    lines ending in "MC CFP"
 * Only when the content says nothing does the file name decide.
 * Cost: at most one JSON parse of the file plus a scan of its lines.
 */
#include "corpus_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

const char *pl_format_name(pl_format f)
{
    switch (f) {
    case PL_FMT_LPC2019: return "lpc2019";
    case PL_FMT_LPC2023: return "lpc2023";
    case PL_FMT_LPC2024: return "lpc2024";
    case PL_FMT_JSONL: return "jsonl";
    case PL_FMT_INDICO_TT: return "indico-timetable";
    case PL_FMT_INDICO_EVENT: return "indico-event";
    case PL_FMT_ICAL: return "ical";
    case PL_FMT_FRAB_XML: return "frab-xml";
    case PL_FMT_FRAB_JSON: return "frab-json";
    case PL_FMT_UNKNOWN: break;
    }
    return "unknown";
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
    if (i == 0 && n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
        i = 3;
    while (i < n && isspace((unsigned char)p[i]))
        i++;
    return i;
}

static int is_frab_xml(const char *p, size_t n)
{
    size_t i = skip_ws(p, n, 0), lim = n < 4096 ? n : 4096;
    while (i < lim) {
        if (i + 5 <= lim && !memcmp(p + i, "<?xml", 5)) {
            const char *e = memmem(p + i, lim - i, "?>", 2);
            if (!e)
                return 0;
            i = skip_ws(p, lim, (size_t)(e - p) + 2);
        } else if (i + 4 <= lim && !memcmp(p + i, "<!--", 4)) {
            const char *e = memmem(p + i, lim - i, "-->", 3);
            if (!e)
                return 0;
            i = skip_ws(p, lim, (size_t)(e - p) + 3);
        } else if (i + 9 <= lim && !memcmp(p + i, "<!DOCTYPE", 9)) {
            const char *e = memchr(p + i, '>', lim - i);
            if (!e)
                return 0;
            i = skip_ws(p, lim, (size_t)(e - p) + 1);
        } else {
            return i + 9 <= lim && !memcmp(p + i, "<schedule", 9) &&
                   (i + 9 == lim || p[i + 9] == '>' || isspace((unsigned char)p[i + 9]));
        }
    }
    return 0;
}

static int day_key(const char *k)
{
    if (strlen(k) != 8)
        return 0;
    for (int i = 0; i < 8; i++)
        if (!isdigit((unsigned char)k[i]))
            return 0;
    return 1;
}

static pl_format json_doc(const char *p, size_t n)
{
    json_t *o = json_loadb(p, n, 0, NULL);
    pl_format f = PL_FMT_UNKNOWN;
    if (!json_is_object(o))
        goto done;
    json_t *res = json_object_get(o, "results");
    if (json_is_object(res)) {
        const char *ev;
        json_t *days;
        json_object_foreach(res, ev, days)
        {
            if (json_is_object(days)) {
                const char *dk;
                json_t *dv;
                int all = 1;
                json_object_foreach(days, dk, dv) all &= day_key(dk);
                if (all)
                    f = PL_FMT_INDICO_TT;
            }
            break;
        }
    } else if (json_is_array(res)) {
        json_t *first = json_array_get(res, 0);
        if (json_is_object(first) && json_object_get(first, "contributions"))
            f = PL_FMT_INDICO_EVENT;
    } else if (json_object_get(o, "schedule")) {
        f = PL_FMT_FRAB_JSON;
    }
done:
    json_decref(o);
    return f;
}

/* Counts lines that satisfy pred, stopping early at `enough`. */
static int count_lines(const char *p, size_t n, int (*pred)(const char *, size_t), int enough)
{
    pl_lines L;
    pl_lines_init(&L, p, n);
    const char *s;
    size_t k;
    int c = 0;
    while (c < enough && pl_lines_next(&L, &s, &k))
        c += pred(s, k);
    return c;
}

static int block_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (n - i != 3 + 1 + 5 + 1 + 5 || memcmp(s + i, "\xe2\x80\xa2 ", 4))
        return 0;
    const char *t = s + i + 4;
    return isdigit((unsigned char)t[0]) && t[2] == ':' && t[5] == ' ' &&
           isdigit((unsigned char)t[6]) && t[8] == ':';
}

static int leads_line(const char *s, size_t n)
{
    return (n >= 9 && !strncmp(s, "MC Leads:", 9)) || (n >= 9 && !strncmp(s, "MC leads:", 9)) ||
           (n >= 8 && !strncmp(s, "MC Lead:", 8));
}

static int cfp_line(const char *s, size_t n)
{
    return n >= 7 && n <= 100 && !memcmp(s + n - 7, " MC CFP", 7);
}

static int has_text(const char *p, size_t n, const char *w)
{
    return memmem(p, n, w, strlen(w)) != NULL;
}

static int name_has(const char *path, const char *w)
{
    const char *b = path ? strrchr(path, '/') : NULL;
    b = b ? b + 1 : path;
    return b && strcasestr(b, w) != NULL;
}

pl_format pl_format_detect(const char *path, const char *p, size_t n)
{
    size_t i = skip_ws(p, n, 0);
    if (n - i >= 15 && !memcmp(p + i, "BEGIN:VCALENDAR", 15))
        return PL_FMT_ICAL;
    if (i < n && p[i] == '<' && is_frab_xml(p, n))
        return PL_FMT_FRAB_XML;
    if (i < n && p[i] == '{') {
        const char *e = memchr(p + i, '\n', n - i);
        size_t ln = e ? (size_t)(e - (p + i)) : n - i;
        json_t *first = json_loadb(p + i, ln, 0, NULL);
        int jsonl = json_is_object(first) && json_object_get(first, "title");
        json_decref(first);
        if (jsonl)
            return PL_FMT_JSONL;
        pl_format f = json_doc(p + i, n - i); /* a BOM is not JSON */
        if (f != PL_FMT_UNKNOWN)
            return f;
    }
    /* The bundled captures. */
    if (n - i >= 30 && !memcmp(p + i, "Linux Plumbers Conference 2019", 30))
        return PL_FMT_LPC2019;
    if (count_lines(p, n, block_line, 3) >= 3)
        return PL_FMT_LPC2019;
    if (has_text(p, n, "Microconferences proposed for LPC") ||
        count_lines(p, n, leads_line, 2) >= 2)
        return PL_FMT_LPC2024;
    if (count_lines(p, n, cfp_line, 1) >= 1)
        return PL_FMT_LPC2023;
    /* Ambiguous content: the name decides. */
    if (name_has(path, ".jsonl") || name_has(path, ".ndjson"))
        return PL_FMT_JSONL;
    if (name_has(path, ".ics"))
        return PL_FMT_ICAL;
    if (name_has(path, ".xml"))
        return PL_FMT_FRAB_XML;
    if (name_has(path, "lpc2019"))
        return PL_FMT_LPC2019;
    if (name_has(path, "lpc2023"))
        return PL_FMT_LPC2023;
    if (name_has(path, "lpc2024"))
        return PL_FMT_LPC2024;
    return PL_FMT_UNKNOWN;
}
