/*
 * dispatch.c — pl_parse_file: detect a file's format and hand it to its
 * parser.  Kept apart from detect.c so that programs needing only the
 * detection do not link every importer.
 *
 * Canonical JSONL is streamed (bounded memory); every other format is read
 * whole, since those parsers need the complete document.
 */
#include "corpus_internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#define FORMATS "lpc2019, lpc2023, lpc2024, jsonl, indico JSON, iCalendar, frab XML/JSON"

/* Why a file is in no known format, as precisely as its content allows:
 * what people download by mistake is a truncated JSON export, Indico's
 * answer for a private event (no results) or the HTML login page the site
 * served instead of the export; each deserves a message that says so. */
static int unknown_format(const char *path, const char *p, size_t n, pl_error *err)
{
    size_t bom = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0, i = bom;
    while (i < n && isspace((unsigned char)p[i]))
        i++;
    if (i == n)
        return pl_error_set(err, PL_EPARSE, "%s: empty file", path);
    if (p[i] == '{' || p[i] == '[') {
        json_error_t je;
        json_t *root = json_loadb(p + bom, n - bom, 0, &je);
        if (!root)
            return pl_error_set(err, PL_EPARSE, "%s:%d: not valid JSON: %s", path, je.line,
                                je.text);
        json_t *res = json_is_object(root) ? json_object_get(root, "results") : NULL;
        int rc;
        if ((json_is_array(res) && json_array_size(res) == 0) ||
            (json_is_object(res) && json_object_size(res) == 0))
            rc = pl_error_set(err, PL_EPARSE,
                              "%s: an Indico export with no results: the event does not exist "
                              "or is not public (the site may want an API token)",
                              path);
        else if (res)
            rc = pl_error_set(err, PL_EPARSE,
                              "%s: \"results\" is neither an Indico timetable (events of "
                              "YYYYMMDD days) nor an event export (events with "
                              "\"contributions\")",
                              path);
        else
            rc = pl_error_set(err, PL_EPARSE,
                              "%s: JSON but no known export: no \"results\" (Indico), no "
                              "\"schedule\" (frab), not JSON Lines records",
                              path);
        json_decref(root);
        return rc;
    }
    if (p[i] == '<' && n - i >= 5 &&
        (!strncasecmp(p + i, "<html", 5) ||
         (n - i >= 14 && !strncasecmp(p + i, "<!doctype html", 14))))
        return pl_error_set(err, PL_EPARSE,
                            "%s: an HTML page, not a schedule export (a login or error page "
                            "saved in its place?)",
                            path);
    if (memchr(p, '\0', n < 4096 ? n : 4096))
        return pl_error_set(err, PL_EPARSE, "%s: binary data, not a schedule export", path);
    return pl_error_set(err, PL_EPARSE, "%s: unrecognised format (expected one of %s)", path,
                        FORMATS);
}

int pl_parse_file(const char *path, const pl_parse_opts *o, pl_record_sink sink, void *ctx,
                  pl_format *fmt_out, pl_error *err)
{
    if (fmt_out)
        *fmt_out = PL_FMT_UNKNOWN;
    /* Sniff the first 64 KiB: enough to see a whole first JSONL line of any
     * ordinary record without reading a huge file into memory. */
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_error_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: %s", path,
                            strerror(errno));
    static const size_t head_max = 65536;
    char *head = pl_malloc(head_max);
    if (!head) {
        fclose(f);
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
    }
    size_t hn = fread(head, 1, head_max, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        pl_free(head);
        return pl_error_set(err, PL_EIO, "%s: read failed", path);
    }
    pl_format fmt = pl_format_detect(path, head, hn);
    pl_free(head);
    if (fmt == PL_FMT_JSONL) {
        if (fmt_out)
            *fmt_out = fmt;
        return pl_parse_jsonl_file(path, o, sink, ctx, err);
    }
    char *p = NULL;
    size_t n = 0;
    int rc = pl_read_file(path, &p, &n, err);
    if (rc)
        return rc;
    if (hn == head_max || fmt == PL_FMT_UNKNOWN)
        fmt = pl_format_detect(path, p, n); /* JSON documents need all of it */
    if (fmt == PL_FMT_UNKNOWN) {
        /* XML that is not recognisably a schedule: the XML reader says
         * where it goes wrong (not well-formed, or the root element) */
        size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
        while (i < n && isspace((unsigned char)p[i]))
            i++;
        if (i + 5 <= n && !memcmp(p + i, "<?xml", 5))
            fmt = PL_FMT_FRAB_XML;
    }
    if (fmt_out)
        *fmt_out = fmt;
    switch (fmt) {
    case PL_FMT_LPC2019: rc = pl_parse_lpc2019(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_LPC2023: rc = pl_parse_lpc2023(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_LPC2024: rc = pl_parse_lpc2024(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_JSONL: rc = pl_parse_jsonl(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_INDICO_TT:
    case PL_FMT_INDICO_EVENT: rc = pl_parse_indico(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_ICAL: rc = pl_parse_ical(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_FRAB_XML:
    case PL_FMT_FRAB_JSON: rc = pl_parse_frab(path, p, n, o, sink, ctx, err); break;
    case PL_FMT_UNKNOWN:
    default: rc = unknown_format(path, p, n, err); break;
    }
    pl_free(p);
    return rc;
}
