/*
 * cmd_export.c — `plumbline export`: records as canonical JSON Lines on
 * stdout (schema in corpus/README.md).
 *
 *   plumbline export                 the bundled corpus
 *   plumbline export FILE...         those files (any supported format)
 *   plumbline export --db DIR        the records stored in an index
 *
 * With --db the stored records of the live documents are printed in docid
 * order (pl_snap_foreach_doc); they are stored as canonical JSON already.
 */
#include "../corpus/src/record.h"
#include "../store/store.h"
#include "cli.h"

#include <errno.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: plumbline export [--db DIR] [SOURCE...]\n\n"
            "Print records as canonical JSON Lines (one JSON object per line, \"schema\": 1).\n\n"
            "  SOURCE...   archive files to read (LPC captures, JSONL, Indico JSON,\n"
            "              iCalendar, frab XML/JSON; the format is detected from the\n"
            "              content); '--' ends the options\n"
            "  --db DIR    export the records stored in the index at DIR\n"
            "  -h, --help  this help\n\n"
            "With no SOURCE and no --db, the bundled corpus is exported (%s).\n"
            "Warnings about skipped entries go to stderr.  Exit status: 0 ok,\n"
            "1 unreadable or malformed input, 2 usage error.\n",
            pl_corpus_dir());
}

static int sink(void *ctx, const pl_record *rec)
{
    pl_error *err = ctx;
    return pl_record_write_jsonl(stdout, rec, err);
}

static void warn(void *ctx, const char *msg)
{
    (void)ctx;
    pl_cli_err("warning: %s", msg);
}

/* The stored records are already canonical JSON (pl_record_to_json). */
static int put_doc(void *ctx, uint32_t docid, const char *p, size_t n)
{
    (void)ctx;
    (void)docid;
    if (fwrite(p, 1, n, stdout) != n || putchar('\n') == EOF)
        return PL_EIO;
    return PL_OK;
}

static int export_db(const char *dir)
{
    pl_error err = {0};
    pl_store *s = NULL;
    pl_snap *sn = NULL;
    int code = PL_EXIT_OK;
    if (pl_store_open(&s, dir, PL_STORE_READONLY, &err) || pl_snap_begin(s, &sn, &err) ||
        pl_snap_foreach_doc(sn, put_doc, NULL, &err))
        code = pl_cli_fail("export", &err);
    pl_snap_end(sn);
    pl_store_close(s);
    if (fflush(stdout) != 0 && code == PL_EXIT_OK) {
        pl_cli_err("export: writing to stdout: %s", strerror(errno));
        code = PL_EXIT_FAIL;
    }
    return code;
}

int pl_cmd_export(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        usage(stdout);
        return PL_EXIT_OK;
    }
    const char *db = NULL;
    int first, i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "--db")) {
            if (i + 1 >= argc) {
                pl_cli_err("export: --db needs a directory");
                return PL_EXIT_USAGE;
            }
            db = argv[++i];
        } else if (!strncmp(argv[i], "--db=", 5)) {
            db = argv[i] + 5;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            pl_cli_err("export: unknown option '%s' (see 'plumbline export --help')", argv[i]);
            return PL_EXIT_USAGE;
        } else {
            break;
        }
    }
    first = i;
    if (db && first < argc) {
        pl_cli_err("export: give either --db or sources, not both");
        return PL_EXIT_USAGE;
    }
    if (db)
        return export_db(pl_cli_db_dir(db));

    pl_error err = {0};
    char **bundled = NULL;
    size_t nb = 0;
    char **files = argv + first;
    size_t nf = (size_t)(argc - first);
    if (nf == 0) {
        if (pl_corpus_files(pl_corpus_dir(), &bundled, &nb, &err))
            return pl_cli_fail("export", &err);
        files = bundled;
        nf = nb;
    }
    pl_parse_opts o = {warn, NULL};
    int code = PL_EXIT_OK;
    for (size_t k = 0; k < nf && code == PL_EXIT_OK; k++) {
        if (pl_parse_file(files[k], &o, sink, &err, NULL, &err) != PL_OK) {
            /* Parser messages already start with "path:line:". */
            pl_cli_err("%s", err.msg[0] ? err.msg : pl_status_name(err.code));
            code = PL_EXIT_FAIL;
        }
    }
    for (size_t k = 0; k < nb; k++)
        pl_free(bundled[k]);
    pl_free(bundled);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (code == PL_EXIT_OK)
            pl_cli_err("export: writing to stdout: %s", strerror(errno));
        code = PL_EXIT_FAIL;
    }
    return code;
}
