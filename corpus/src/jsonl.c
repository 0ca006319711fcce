/*
 * jsonl.c — reading canonical JSON Lines (one record per line, see
 * corpus/README.md).
 *
 * Blank lines are skipped.  A line that is not a JSON object, or has a
 * field of the wrong type, is an error "path:line: what" that stops the
 * parse.  A record without "year" or "title" is skipped with a warning
 * (bulk exports of other tools carry such stubs).  The file reader streams:
 * one line in memory at a time, at most PL_JSONL_MAX_LINE bytes.
 */
#include "corpus_internal.h"

#include <errno.h>
#include <string.h>

#define PL_JSONL_MAX_LINE ((size_t)64 << 20)

typedef struct jl {
    const char *path;
    const pl_parse_opts *o;
    pl_record_sink sink;
    void *ctx;
    pl_error *err;
} jl;

static int one_line(jl *j, const char *s, size_t n, long no)
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t a = 0;
    if (no == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
        a = 3; /* a BOM on the first line */
    while (a < n && (s[a] == ' ' || s[a] == '\t'))
        a++;
    if (a == n)
        return PL_OK;
    pl_record_owned *r = NULL;
    pl_error e = {0};
    int rc = pl_record_from_json(s + a, n - a, &r, &e);
    if (rc == PL_ENOTFOUND) {
        pl_parse_warn(j->o, j->path, (int)no, "%s; skipped", e.msg);
        return PL_OK;
    }
    if (rc)
        return pl_error_set(j->err, rc, "%s:%ld: %s", j->path, no, e.msg);
    if (!r->rec.source_file[0])
        r->rec.source_file = j->path;
    if (!r->rec.line_first) {
        r->rec.line_first = (int)no;
        r->rec.line_last = (int)no;
    }
    rc = j->sink(j->ctx, &r->rec);
    pl_record_owned_free(r);
    return rc;
}

int pl_parse_jsonl(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                   pl_record_sink sink, void *ctx, pl_error *err)
{
    jl j = {path, o, sink, ctx, err};
    const char *s = p, *end = p + n;
    long no = 0;
    while (s < end) {
        const char *e = memchr(s, '\n', (size_t)(end - s));
        if (!e)
            e = end;
        no++;
        int rc = one_line(&j, s, (size_t)(e - s), no);
        if (rc)
            return rc;
        s = e + 1;
    }
    return PL_OK;
}

int pl_parse_jsonl_file(const char *path, const pl_parse_opts *o, pl_record_sink sink, void *ctx,
                        pl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pl_error_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: %s", path,
                            strerror(errno));
    jl j = {path, o, sink, ctx, err};
    pl_buf line = {0};
    char chunk[65536];
    long no = 0;
    int rc = PL_OK;
    for (;;) {
        /* fgets stops at a newline or a full chunk; a line longer than the
         * chunk arrives in pieces that are appended until its newline. */
        if (!fgets(chunk, sizeof chunk, f)) {
            if (ferror(f))
                rc = pl_error_set(err, PL_EIO, "%s: read failed", path);
            else if (line.n)
                rc = one_line(&j, line.p, line.n, ++no);
            break;
        }
        size_t k = strlen(chunk);
        int nl = k && chunk[k - 1] == '\n';
        if (pl_buf_put(&line, chunk, nl ? k - 1 : k)) {
            rc = pl_error_set(err, PL_ENOMEM, "%s:%ld: out of memory", path, no + 1);
            break;
        }
        if (line.n > PL_JSONL_MAX_LINE) {
            rc = pl_error_set(err, PL_ELIMIT, "%s:%ld: line longer than %zu bytes", path, no + 1,
                              PL_JSONL_MAX_LINE);
            break;
        }
        if (!nl)
            continue;
        rc = one_line(&j, line.p, line.n, ++no);
        pl_buf_reset(&line);
        if (rc)
            break;
    }
    pl_buf_free(&line);
    fclose(f);
    return rc;
}
