/*
 * cmd_index.c — `plumbline index`, `stats`, `dump` and `check`: thin
 * wrappers over indexer/indexer.h and store/store.h.
 */
#include "../indexer/indexer.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char index_usage[] =
    "usage: plumbline index [--db DIR] [--add] [--remove SOURCE]... [--if-stale]\n"
    "                       [--quiet] [--print-db] [SOURCE...]\n"
    "\n"
    "Build the index from archive files.  SOURCE is a file in any supported\n"
    "format (LPC captures, canonical JSONL, Indico JSON, iCalendar, frab XML or\n"
    "JSON: detected from the content) or a folder (its files).  With no SOURCE\n"
    "the bundled corpus is indexed.\n"
    "\n"
    "A full build writes a new generation beside the live index and switches to\n"
    "it atomically when done: searches keep working meanwhile, and an\n"
    "interrupted build leaves the previous index intact.\n"
    "\n"
    "options:\n"
    "  --db DIR         index directory (default $PLUMBLINE_DB, then\n"
    "                   $XDG_DATA_HOME/plumbline/index, ~/.local/share/plumbline/index)\n"
    "  --add            add SOURCEs to the existing index instead of rebuilding;\n"
    "                   a source added again replaces its earlier documents\n"
    "  --remove SOURCE  delete the documents of SOURCE from the index (repeatable)\n"
    "  --if-stale       rebuild only if there is no index or the bundled corpus\n"
    "                   changed since it was built\n"
    "  --quiet          no per-file report and no progress line\n"
    "  --print-db       print the index directory that would be used and exit\n"
    "  -h, --help       this help\n"
    "\n"
    "Prints, per file: records indexed, entries skipped, documents replaced.\n"
    "Exit status: 0 ok, 1 failure (the previous index is left as it was), 2 usage.\n";

static void warn_cb(void *ctx, const char *msg)
{
    int quiet = *(int *)ctx;
    if (!quiet)
        pl_cli_err("warning: %s", msg);
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static int strv_add(strv *s, const char *p)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        char **nv = pl_realloc(s->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = nc;
    }
    if (!(s->v[s->n] = pl_strdup(p)))
        return -1;
    s->n++;
    return 0;
}

static void strv_free(strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        pl_free(s->v[i]);
    pl_free(s->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder source: its regular, non-hidden files in name order. */
static int expand_source(const char *src, strv *out, pl_error *err)
{
    struct stat st;
    if (stat(src, &st) != 0)
        return pl_error_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: %s", src,
                            strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return strv_add(out, src) ? pl_error_set(err, PL_ENOMEM, "out of memory") : PL_OK;
    DIR *d = opendir(src);
    if (!d)
        return pl_error_set(err, PL_EIO, "%s: %s", src, strerror(errno));
    strv files = {0};
    struct dirent *e;
    char p[PATH_MAX + 256];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", src, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && strv_add(&files, p)) {
            closedir(d);
            strv_free(&files);
            return pl_error_set(err, PL_ENOMEM, "out of memory");
        }
    }
    closedir(d);
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
    int rc = PL_OK;
    for (size_t i = 0; i < files.n && !rc; i++)
        if (strv_add(out, files.v[i]))
            rc = pl_error_set(err, PL_ENOMEM, "out of memory");
    strv_free(&files);
    return rc;
}

/* Checksum of a list of files: FNV-1a over their names and checksums. */
static int files_checksum(const strv *files, char out[17], pl_error *err)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < files->n; i++) {
        char sum[17];
        if (pl_file_checksum(files->v[i], sum, err))
            return err->code;
        const char *base = strrchr(files->v[i], '/');
        base = base ? base + 1 : files->v[i];
        for (const char *p = base; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        for (const char *p = sum; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return PL_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int pl_cmd_index(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        fputs(index_usage, stdout);
        return PL_EXIT_OK;
    }
    const char *db_opt = NULL;
    int add = 0, if_stale = 0, quiet = 0, print_db = 0;
    strv sources = {0}, removes = {0}, files = {0};
    pl_indexer *ix = NULL;
    pl_error err = {0};
    int code = PL_EXIT_FAIL, i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--db") || !strcmp(a, "--remove")) {
            if (i + 1 >= argc) {
                pl_cli_err("index: %s needs a value", a);
                code = PL_EXIT_USAGE;
                goto done;
            }
            if (a[2] == 'd')
                db_opt = argv[++i];
            else if (strv_add(&removes, argv[++i]))
                goto oom;
        } else if (!strncmp(a, "--db=", 5)) {
            db_opt = a + 5;
        } else if (!strncmp(a, "--remove=", 9)) {
            if (strv_add(&removes, a + 9))
                goto oom;
        } else if (!strcmp(a, "--add")) {
            add = 1;
        } else if (!strcmp(a, "--if-stale")) {
            if_stale = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--print-db")) {
            print_db = 1;
        } else if (a[0] == '-' && a[1]) {
            pl_cli_err("index: unknown option '%s' (see 'plumbline index --help')", a);
            code = PL_EXIT_USAGE;
            goto done;
        } else {
            break;
        }
    }
    for (; i < argc; i++)
        if (strv_add(&sources, argv[i]))
            goto oom;
    const char *db = pl_cli_db_dir(db_opt);
    if (print_db) {
        printf("%s\n", db);
        code = PL_EXIT_OK;
        goto done;
    }
    if (if_stale && (add || removes.n || sources.n)) {
        pl_cli_err("index: --if-stale rebuilds the bundled corpus; it takes no SOURCE, "
                   "--add or --remove");
        code = PL_EXIT_USAGE;
        goto done;
    }
    int bundled = sources.n == 0 && removes.n == 0;
    if (bundled) {
        char **paths = NULL;
        size_t n = 0;
        if (pl_corpus_files(pl_corpus_dir(), &paths, &n, &err)) {
            code = pl_cli_fail("index", &err);
            goto done;
        }
        for (size_t k = 0; k < n; k++) {
            if (strv_add(&files, paths[k]))
                err.code = PL_ENOMEM;
            pl_free(paths[k]);
        }
        pl_free(paths);
        if (err.code)
            goto oom;
    } else {
        for (size_t k = 0; k < sources.n; k++)
            if (expand_source(sources.v[k], &files, &err)) {
                code = pl_cli_fail("index", &err);
                goto done;
            }
    }
    char checksum[17] = "";
    if (!add && !removes.n && files_checksum(&files, checksum, &err)) {
        code = pl_cli_fail("index", &err);
        goto done;
    }
    if (if_stale) {
        pl_store *s = NULL;
        pl_snap *sn = NULL;
        pl_error e2 = {0};
        int fresh = 0;
        if (pl_store_open(&s, db, PL_STORE_READONLY, &e2) == PL_OK &&
            pl_snap_begin(s, &sn, &e2) == PL_OK) {
            const char *old = pl_snap_meta(sn, "corpus_checksum");
            fresh = old && !strcmp(old, checksum);
        }
        pl_snap_end(sn);
        pl_store_close(s);
        if (fresh) {
            if (!quiet)
                printf("index at %s is up to date\n", db);
            code = PL_EXIT_OK;
            goto done;
        }
    }
    pl_indexer_opts o = {0};
    o.progress = !quiet;
    o.corpus_checksum = checksum[0] ? checksum : NULL;
    o.warn = warn_cb;
    o.warn_ctx = &quiet;
    double t0 = now_s();
    if (pl_indexer_new(&ix, db, add || removes.n ? PL_INDEX_ADD : PL_INDEX_REBUILD, &o, &err)) {
        code = pl_cli_fail("index", &err);
        goto done;
    }
    for (size_t k = 0; k < removes.n; k++) {
        size_t n;
        if (pl_indexer_remove_source(ix, removes.v[k], &n, &err)) {
            code = pl_cli_fail("index", &err);
            goto done;
        }
        if (!quiet)
            printf("%s: %zu documents removed\n", removes.v[k], n);
    }
    if (bundled || sources.n) {
        for (size_t k = 0; k < files.n; k++) {
            pl_source_report rep;
            if (pl_indexer_add_source(ix, files.v[k], &rep, &err)) {
                code = pl_cli_fail("index", &err);
                goto done;
            }
            if (!quiet)
                printf("%s: %zu records, %zu skipped, %zu replaced (%s)\n", files.v[k], rep.records,
                       rep.skipped, rep.replaced, pl_format_name(rep.format));
            /* a file read without error that gave nothing (a calendar with
             * no events, a schedule with no talks) is worth saying: the
             * user expected talks from it */
            if (!quiet && rep.records == 0 && rep.skipped == 0)
                pl_cli_err("warning: %s: no talks or descriptions found in it (%s)", files.v[k],
                           pl_format_name(rep.format));
        }
    }
    if (pl_indexer_commit(ix, &err)) {
        code = pl_cli_fail("index", &err);
        goto done;
    }
    if (!quiet)
        printf("indexed %zu documents into %s in %.2f s\n", pl_indexer_docs(ix), db, now_s() - t0);
    code = PL_EXIT_OK;
    goto done;
oom:
    pl_cli_err("index: out of memory");
    code = PL_EXIT_FAIL;
done:
    pl_indexer_free(ix);
    strv_free(&sources);
    strv_free(&removes);
    strv_free(&files);
    return code;
}

/* ---- stats, dump, check ------------------------------------------------------ */

/* Parses [--db DIR] [--json] and at most one positional argument. */
static int common_args(int argc, char **argv, const char **db, int *json, const char **what,
                       const char *cmd)
{
    *db = NULL;
    if (json)
        *json = 0;
    if (what)
        *what = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db")) {
            if (i + 1 >= argc) {
                pl_cli_err("%s: --db needs a directory", cmd);
                return -1;
            }
            *db = argv[++i];
        } else if (!strncmp(argv[i], "--db=", 5)) {
            *db = argv[i] + 5;
        } else if (json && !strcmp(argv[i], "--json")) {
            *json = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            pl_cli_err("%s: unknown option '%s' (see 'plumbline %s --help')", cmd, argv[i], cmd);
            return -1;
        } else if (what && !*what) {
            *what = argv[i];
        } else {
            pl_cli_err("%s: unexpected argument '%s'", cmd, argv[i]);
            return -1;
        }
    }
    return 0;
}

static int open_snap(const char *db, pl_store **s, pl_snap **sn, const char *cmd)
{
    pl_error err = {0};
    *sn = NULL;
    if (pl_store_open(s, pl_cli_db_dir(db), PL_STORE_READONLY, &err) ||
        pl_snap_begin(*s, sn, &err)) {
        pl_store_close(*s);
        *s = NULL;
        return pl_cli_fail(cmd, &err);
    }
    return PL_EXIT_OK;
}

static int count_term(void *ctx, const char *t, size_t n, const pl_terminfo *ti)
{
    (void)t;
    (void)n;
    (void)ti;
    (*(uint64_t *)ctx)++;
    return 0;
}

static uint64_t dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    uint64_t total = 0;
    if (!d)
        return 0;
    struct dirent *e;
    char p[PATH_MAX + 256];
    struct stat st;
    while ((e = readdir(d))) {
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    closedir(d);
    return total;
}

int pl_cmd_stats(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        printf("usage: plumbline stats [--db DIR] [--json]\n\n"
               "Documents per year and kind, terms, index size, build time and versions.\n");
        return PL_EXIT_OK;
    }
    const char *db;
    int json;
    if (common_args(argc, argv, &db, &json, NULL, "stats"))
        return PL_EXIT_USAGE;
    pl_store *s;
    pl_snap *sn;
    int code = open_snap(db, &s, &sn, "stats");
    if (code)
        return code;
    pl_error err = {0};
    uint64_t nterms = 0;
    if (pl_snap_terms_prefix(sn, "", 0, count_term, &nterms, &err)) {
        code = pl_cli_fail("stats", &err);
        goto done;
    }
    /* years x kinds from the in-memory docmeta */
    enum { NK = PL_KIND_COUNT };
    uint32_t(*cnt)[NK] = pl_calloc(65536, sizeof *cnt);
    if (!cnt) {
        pl_cli_err("stats: out of memory");
        code = PL_EXIT_FAIL;
        goto done;
    }
    uint32_t kinds[NK] = {0}, deleted = 0;
    uint64_t tokens = 0;
    for (uint32_t d = 1; d <= pl_snap_max_docid(sn); d++) {
        const pl_docmeta *m = pl_snap_docmeta(sn, d);
        if (!m->year)
            continue;
        if (m->flags & PL_DOC_DELETED) {
            deleted++;
            continue;
        }
        int k = m->kind < NK ? m->kind : 0;
        cnt[m->year][k]++;
        kinds[k]++;
        tokens += (uint64_t)m->len[0] + m->len[1] + m->len[2];
    }
    char gen[PATH_MAX];
    snprintf(gen, sizeof gen, "%s/current", pl_store_path(s));
    uint64_t bytes = dir_bytes(gen);
    const char *built = pl_snap_meta(sn, "built_at");
    const char *updated = pl_snap_meta(sn, "updated_at");
    const char *fv = pl_snap_meta(sn, "format_version");
    const char *av = pl_snap_meta(sn, "analyzer_version");
    if (json) {
        printf("{\"db\":\"");
        for (const char *p = pl_store_path(s); *p; p++)
            if (*p == '"' || *p == '\\')
                printf("\\%c", *p);
            else if ((unsigned char)*p < 0x20)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        printf("\",\"documents\":%u,\"deleted\":%u,\"terms\":%llu,\"tokens\":%llu,"
               "\"index_bytes\":%llu,\"generation\":%llu,\"built_at\":\"%s\",\"updated_at\":%s%s%s,"
               "\"format_version\":%s,\"analyzer_version\":%s,\"checksum\":\"%s\",\"kinds\":{",
               pl_snap_doc_count(sn), deleted, (unsigned long long)nterms,
               (unsigned long long)tokens, (unsigned long long)bytes,
               (unsigned long long)pl_snap_generation(sn), built ? built : "", updated ? "\"" : "",
               updated ? updated : "null", updated ? "\"" : "", fv ? fv : "0", av ? av : "0",
               pl_snap_verified(sn) ? "verified" : "none");
        int first = 1;
        for (int k = 0; k < NK; k++)
            if (kinds[k]) {
                printf("%s\"%s\":%u", first ? "" : ",", pl_kind_name((pl_kind)k), kinds[k]);
                first = 0;
            }
        printf("},\"years\":[");
        first = 1;
        for (int y = 0; y < 65536; y++) {
            uint32_t tot = 0;
            for (int k = 0; k < NK; k++)
                tot += cnt[y][k];
            if (!tot)
                continue;
            printf("%s{\"year\":%d,\"documents\":%u", first ? "" : ",", y, tot);
            for (int k = 0; k < NK; k++)
                if (cnt[y][k])
                    printf(",\"%s\":%u", pl_kind_name((pl_kind)k), cnt[y][k]);
            printf("}");
            first = 0;
        }
        printf("]}\n");
    } else {
        printf("index       %s\n", pl_store_path(s));
        printf("documents   %u (%u deleted, kept until the next rebuild)\n", pl_snap_doc_count(sn),
               deleted);
        printf("terms       %llu\n", (unsigned long long)nterms);
        printf("tokens      %llu\n", (unsigned long long)tokens);
        printf("size        %.1f MB\n", bytes / 1e6);
        printf("built       %s%s%s\n", built ? built : "?", updated ? ", updated " : "",
               updated ? updated : "");
        printf("versions    format %s, analyzer %s, generation %llu\n", fv ? fv : "?",
               av ? av : "?", (unsigned long long)pl_snap_generation(sn));
        printf("checksum    %s\n", pl_snap_verified(sn)
                                       ? "xxh3-64 of data.mdb, verified at open"
                                       : "none (an older index: rebuild it to add one)");
        printf("\n%-6s %7s", "year", "total");
        for (int k = 0; k < NK; k++)
            printf(" %6s", pl_kind_name((pl_kind)k));
        printf("\n");
        for (int y = 0; y < 65536; y++) {
            uint32_t tot = 0;
            for (int k = 0; k < NK; k++)
                tot += cnt[y][k];
            if (!tot)
                continue;
            printf("%-6d %7u", y, tot);
            for (int k = 0; k < NK; k++)
                printf(" %6u", cnt[y][k]);
            printf("\n");
        }
    }
    pl_free(cnt);
done:
    pl_snap_end(sn);
    pl_store_close(s);
    return code;
}

int pl_cmd_dump(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        printf("usage: plumbline dump [--db DIR] WHAT\n\n"
               "Decode a stored structure as text (debugging).  WHAT is one of:\n"
               "  meta, terms, surfaces, docmeta, postings:TERM, doc:ID (record id or docid)\n");
        return PL_EXIT_OK;
    }
    const char *db, *what;
    if (common_args(argc, argv, &db, NULL, &what, "dump"))
        return PL_EXIT_USAGE;
    if (!what) {
        pl_cli_err("dump: what to dump? (see 'plumbline dump --help')");
        return PL_EXIT_USAGE;
    }
    pl_store *s;
    pl_snap *sn;
    int code = open_snap(db, &s, &sn, "dump");
    if (code)
        return code;
    pl_error err = {0};
    if (pl_snap_dump(sn, what, stdout, &err))
        code = pl_cli_fail("dump", &err);
    pl_snap_end(sn);
    pl_store_close(s);
    return code;
}

int pl_cmd_check(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        printf("usage: plumbline check [--db DIR]\n\n"
               "Verify the integrity of the index: every structure decodes, postings\n"
               "ascend, document frequencies and lengths match.  Exit 1 on corruption.\n");
        return PL_EXIT_OK;
    }
    const char *db;
    if (common_args(argc, argv, &db, NULL, NULL, "check"))
        return PL_EXIT_USAGE;
    pl_store *s;
    pl_snap *sn;
    int code = open_snap(db, &s, &sn, "check");
    if (code)
        return code;
    pl_error err = {0};
    if (pl_snap_check(sn, &err)) {
        code = pl_cli_fail("check", &err);
    } else {
        printf("ok: %u documents, generation %llu, %s\n", pl_snap_doc_count(sn),
               (unsigned long long)pl_snap_generation(sn),
               pl_snap_verified(sn) ? "checksum verified" : "no checksum");
        if (!pl_snap_verified(sn))
            pl_cli_err("check: %s/current/data.mdb has no checksum (written by an older "
                       "plumbline): its pages could not be verified; rebuild it with "
                       "'plumbline index' to add one",
                       pl_store_path(s));
    }
    pl_snap_end(sn);
    pl_store_close(s);
    return code;
}
