/*
 * query_golden — checks tests/golden/queries.txt: one "query<TAB>description"
 * per line ('#' comments), the description being pl_query_describe of the
 * parsed query, or "!CODE" for a query that must fail with that status
 * (PL_EPARSE -> !parse, PL_ELIMIT -> !limit).  Synonyms: the bundled file.
 * Prints TAP.  `query_golden FILE` without --check prints the table.
 */
#include "query/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int check = argc > 2 && !strcmp(argv[1], "--check");
    const char *path = argv[argc - 1];
    if (argc < 2)
        return 2;
    pl_error err = {0};
    pl_analyzer *an = NULL;
    pl_synonyms *syn = NULL;
    pl_qctx *q = NULL;
    if (pl_analyzer_new(&an, &err) || pl_synonyms_load_default(an, &syn, &err) ||
        pl_qctx_new(syn, &q, &err)) {
        printf("Bail out! %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("Bail out! cannot open %s\n", path);
        return 1;
    }
    char line[8192];
    int n = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        const char *want = tab + 1;
        pl_query *query = NULL;
        pl_error e = {0};
        int rc = pl_query_parse(q, line, strlen(line), &query, &e);
        char got[4096];
        if (rc != PL_OK) {
            snprintf(got, sizeof got, "!%s",
                     rc == PL_EPARSE   ? "parse"
                     : rc == PL_ELIMIT ? "limit"
                                       : "other");
        } else {
            char *d = pl_query_describe(query);
            snprintf(got, sizeof got, "%s", d ? d : "(null)");
            pl_free(d);
        }
        pl_query_free(query);
        n++;
        if (!check) {
            printf("%s\t%s\n", line, got);
            continue;
        }
        int ok = !strcmp(got, want);
        failed += !ok;
        printf("%s %d - %s\n", ok ? "ok" : "not ok", n, line);
        if (!ok)
            printf("# want: %s\n#  got: %s\n", want, got);
    }
    fclose(f);
    if (check)
        printf("1..%d\n", n);
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(an);
    return failed ? 1 : 0;
}
