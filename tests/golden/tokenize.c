/*
 * tokenize — prints the analyzer's tokens for the cases of a golden file,
 * and checks them against it.
 *
 *   tokenize FILE          prints FILE with every case's token lines
 *                          regenerated (to review and commit as the spec)
 *   tokenize --check FILE  TAP: one test per case, "not ok" when the
 *                          analyzer disagrees with the file
 *   tokenize -             tokens of stdin as one text (for ad-hoc use)
 *   tokenize --bench FILE [REPS]
 *                          analyses FILE (REPS times, default 5), one
 *                          pl_analyze call per line, prints MB/s and tokens
 *
 * File format: lines starting with "> " are inputs (\xNN escapes allowed,
 * \\ for a backslash); each is followed by its token lines
 *   "  term | surface | pos | flags | start-end"
 * Lines starting with '#' and blank lines are comments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../indexer/analyzer.h"

static int put_token(void *ctx, const pl_token *t)
{
    pl_buf *b = ctx;
    char flags[64] = "";
    if (t->flags & PL_TOK_WHOLE)
        strcat(flags, "WHOLE,");
    if (t->flags & PL_TOK_PART)
        strcat(flags, "PART,");
    if (t->flags & PL_TOK_NUM)
        strcat(flags, "NUM,");
    if (t->flags & PL_TOK_STOP)
        strcat(flags, "STOP,");
    size_t fl = strlen(flags);
    if (fl)
        flags[fl - 1] = '\0';
    else
        strcpy(flags, "-");
    pl_buf_printf(b, "  %.*s | %.*s | %u | %s | %u-%u\n", (int)t->term_len, t->term,
                  (int)t->surface_len, t->surface, t->pos, flags, t->start, t->end);
    return PL_OK;
}

/* Decodes \xNN and \\ escapes of an input line into out. */
static void unescape(const char *s, size_t n, pl_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') {
            pl_buf_putc(out, '\\');
            i++;
        } else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x') {
            char hex[3] = {s[i + 2], s[i + 3], 0};
            pl_buf_putc(out, (char)strtol(hex, NULL, 16));
            i += 3;
        } else {
            pl_buf_putc(out, s[i]);
        }
    }
}

static int count_token(void *ctx, const pl_token *t)
{
    (void)t;
    (*(uint64_t *)ctx)++;
    return PL_OK;
}

static int bench(pl_analyzer *a, const char *path, int reps)
{
    pl_error err = {0};
    char *text = NULL;
    size_t n = 0;
    if (pl_read_file(path, &text, &n, &err) != PL_OK) {
        fprintf(stderr, "tokenize: %s\n", err.msg);
        return 1;
    }
    uint64_t ntok = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++) {
        const char *p = text, *end = text + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            pl_analyze(a, p, (size_t)(le - p), 0, count_token, &ntok, NULL, &err);
            p = nl ? nl + 1 : end;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double mb = (double)n * reps / 1e6;
    printf("%.1f MB in %.3f s: %.1f MB/s, %.1f M tokens/s (%llu tokens per pass)\n", mb, sec,
           mb / sec, (double)ntok / sec / 1e6, (unsigned long long)(ntok / (uint64_t)reps));
    pl_free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--bench") == 0) {
        pl_error berr = {0};
        pl_analyzer *ba = NULL;
        if (pl_analyzer_new(&ba, &berr) != PL_OK) {
            fprintf(stderr, "tokenize: %s\n", berr.msg);
            return 1;
        }
        int rc = bench(ba, argv[2], argc >= 4 ? atoi(argv[3]) : 5);
        pl_analyzer_free(ba);
        return rc;
    }
    int check = argc == 3 && strcmp(argv[1], "--check") == 0;
    const char *path = argc == 2 ? argv[1] : check ? argv[2] : NULL;
    if (!path) {
        fprintf(stderr, "usage: tokenize [--check] FILE | tokenize -\n");
        return 2;
    }
    pl_error err = {0};
    pl_analyzer *a = NULL;
    if (pl_analyzer_new(&a, &err) != PL_OK) {
        fprintf(stderr, "tokenize: %s\n", err.msg);
        return 1;
    }
    int status = 0;
    if (strcmp(path, "-") == 0) {
        pl_buf in = {0}, out = {0};
        char chunk[4096];
        size_t r;
        while ((r = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            pl_buf_put(&in, chunk, r);
        pl_analyze(a, in.p ? in.p : "", in.n, 0, put_token, &out, NULL, &err);
        fwrite(out.p ? out.p : "", 1, out.n, stdout);
        pl_buf_free(&in);
        pl_buf_free(&out);
        pl_analyzer_free(a);
        return 0;
    }
    char *text = NULL;
    size_t n = 0;
    if (pl_read_file(path, &text, &n, &err) != PL_OK) {
        fprintf(stderr, "tokenize: %s\n", err.msg);
        pl_analyzer_free(a);
        return 1;
    }
    pl_buf out = {0}, input = {0}, expect = {0}, got = {0};
    int ncase = 0, failed = 0;
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t ll = (size_t)(le - p);
        if (ll >= 2 && p[0] == '>' && p[1] == ' ') {
            pl_buf_put(&out, p, ll);
            pl_buf_putc(&out, '\n');
            pl_buf_reset(&input);
            unescape(p + 2, ll - 2, &input);
            pl_buf_reset(&got);
            pl_buf_reset(&expect);
            pl_analyze(a, input.p ? input.p : "", input.n, 0, put_token, &got, NULL, &err);
            pl_buf_put(&out, got.p ? got.p : "", got.n);
            /* The expected token lines follow the input line. */
            const char *q = nl ? nl + 1 : end;
            while (q < end && q[0] == ' ') {
                const char *qn = memchr(q, '\n', (size_t)(end - q));
                const char *qe = qn ? qn + 1 : end;
                pl_buf_put(&expect, q, (size_t)(qe - q));
                q = qe;
            }
            ncase++;
            if (check) {
                int same = got.n == expect.n && (got.n == 0 || memcmp(got.p, expect.p, got.n) == 0);
                printf("%s %d - %.*s\n", same ? "ok" : "not ok", ncase, (int)(ll - 2), p + 2);
                if (!same) {
                    failed++;
                    printf("# expected:\n%s# got:\n%s", expect.p ? expect.p : "",
                           got.p ? got.p : "");
                }
            }
            p = q;
            continue;
        }
        if (ll == 0 || p[0] == '#') {
            pl_buf_put(&out, p, ll);
            pl_buf_putc(&out, '\n');
        }
        p = nl ? nl + 1 : end;
    }
    if (check)
        printf("1..%d\n", ncase);
    else
        fwrite(out.p ? out.p : "", 1, out.n, stdout);
    status = failed ? 1 : 0;
    pl_buf_free(&out);
    pl_buf_free(&input);
    pl_buf_free(&expect);
    pl_buf_free(&got);
    pl_free(text);
    pl_analyzer_free(a);
    return status;
}
