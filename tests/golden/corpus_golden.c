/*
 * corpus_golden.c — prints one line per record of the given archive files,
 * "year|kind|title|people (joined with "; ")", or with --check GOLDEN
 * compares those lines for the bundled corpus to the golden file and
 * reports the first difference (TAP).
 */
#include "corpus/src/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int line_sink(void *ctx, const pl_record *r)
{
    pl_buf *b = ctx;
    pl_buf_printf(b, "%d|%s|%s|", r->year, pl_kind_name(r->kind), r->title);
    for (size_t i = 0; i < r->n_people; i++)
        pl_buf_printf(b, "%s%s", i ? "; " : "", r->people[i]);
    pl_buf_putc(b, '\n');
    return b->oom ? PL_ENOMEM : PL_OK;
}

static void warn(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "# warning: %s\n", msg);
}

int main(int argc, char **argv)
{
    const char *golden = NULL;
    int a = 1;
    if (argc > 2 && !strcmp(argv[1], "--check")) {
        golden = argv[2];
        a = 3;
    }
    pl_buf out = {0};
    pl_error err = {0};
    pl_parse_opts o = {warn, NULL};
    char **files = NULL;
    size_t nf = 0;
    if (a < argc) {
        files = argv + a;
        nf = (size_t)(argc - a);
    } else if (pl_corpus_files(pl_corpus_dir(), &files, &nf, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < nf && !rc; i++) {
        char *p;
        size_t n;
        pl_format f;
        if (pl_read_file(files[i], &p, &n, &err)) {
            rc = 1;
            break;
        }
        f = pl_format_detect(files[i], p, n);
        int r = f == PL_FMT_LPC2019   ? pl_parse_lpc2019(files[i], p, n, &o, line_sink, &out, &err)
                : f == PL_FMT_LPC2023 ? pl_parse_lpc2023(files[i], p, n, &o, line_sink, &out, &err)
                : f == PL_FMT_LPC2024 ? pl_parse_lpc2024(files[i], p, n, &o, line_sink, &out, &err)
                : f == PL_FMT_JSONL
                    ? pl_parse_jsonl(files[i], p, n, &o, line_sink, &out, &err)
                    : pl_error_set(&err, PL_EPARSE, "%s: not a corpus file", files[i]);
        pl_free(p);
        if (r)
            rc = 1;
    }
    if (a >= argc) {
        for (size_t i = 0; i < nf; i++)
            pl_free(files[i]);
        pl_free(files);
    }
    if (rc) {
        fprintf(stderr, "corpus_golden: %s\n", err.msg);
        pl_buf_free(&out);
        return 1;
    }
    if (!golden) {
        fwrite(out.p ? out.p : "", 1, out.n, stdout);
        pl_buf_free(&out);
        return 0;
    }
    char *g;
    size_t gn;
    if (pl_read_file(golden, &g, &gn, &err)) {
        printf("1..1\nnot ok 1 - read golden file # %s\n", err.msg);
        pl_buf_free(&out);
        return 1;
    }
    /* Line by line, so that a failure names the first record that moved. */
    const char *x = out.p ? out.p : "", *y = g;
    int line = 1, ok = 1;
    while (*x || *y) {
        const char *xe = strchr(x, '\n'), *ye = strchr(y, '\n');
        size_t xl = xe ? (size_t)(xe - x) : strlen(x), yl = ye ? (size_t)(ye - y) : strlen(y);
        if (xl != yl || memcmp(x, y, xl)) {
            printf("# line %d differs\n#   got:      %.*s\n#   expected: %.*s\n", line, (int)xl, x,
                   (int)yl, y);
            ok = 0;
            break;
        }
        x += xl + (xe ? 1 : 0);
        y += yl + (ye ? 1 : 0);
        line++;
    }
    printf("1..1\n%s 1 - bundled corpus matches %s (%d lines)\n", ok ? "ok" : "not ok", golden,
           line - 1);
    pl_free(g);
    pl_buf_free(&out);
    return ok ? 0 : 1;
}
