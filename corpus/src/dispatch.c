/*
 * dispatch.c — pl_parse_file: detect a file's format and hand it to its
 * parser.  Kept apart from detect.c so that programs needing only the
 * detection do not link every importer.
 *
 * Canonical JSONL is streamed (bounded memory); every other format is read
 * whole, since those parsers need the complete document.
 */
#include "corpus_internal.h"

#include <errno.h>
#include <string.h>

#define FORMATS "lpc2019, lpc2023, lpc2024, jsonl, indico JSON, iCalendar, frab XML/JSON"

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
    default:
        rc = pl_error_set(err, PL_EPARSE, "%s: unrecognised format (expected one of %s)", path,
                          FORMATS);
        break;
    }
    pl_free(p);
    return rc;
}
