/*
 * fuzz_index.c — the on-disk fixtures of the targets that need an index
 * (search, HTTP, stored bytes): a scratch directory removed at exit and an
 * index of the bundled corpus plus a few hostile records.
 */
#include "fuzz.h"

#include "../../corpus/src/record.h"
#include "../../indexer/indexer.h"

#include <ftw.h>
#include <string.h>
#include <unistd.h>

static char tmp_path[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tmp(void)
{
    if (tmp_path[0])
        nftw(tmp_path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
    if (!tmp_path[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmp_path, sizeof tmp_path, "%s/plfuzz-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmp_path)) {
            perror("mkdtemp");
            abort();
        }
        atexit(rm_tmp);
    }
    return tmp_path;
}

/* Records whose text is markup and odd bytes: snippets and echoed text
 * built from them must come out escaped. */
static void write_hostile(const char *path)
{
    FILE *f = fopen(path, "w");
    FUZZ_CHECK(f);
    static const struct {
        const char *title, *body;
    } docs[] = {
        {"<script>alert(1)</script> scheduler",
         "The <b>scheduler</b> & <img src=x onerror=alert(1)> eBPF \"quoted\" 'single' "
         "sched_ext <mark>fake</mark> </mark> &amp; &lt;tag&gt;"},
        {"Ünïcödé tracing ﬁle", "ﬁnding tracing in x86_64 with RISC-V 6.9-rc1 user@example.org "
                                "https://example.org/a?b=c&d=<e> /usr/lib/x.so"},
        {"memory cgroup", "memory memory memory cgroup <style>body{}</style> numa"},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        pl_record r = {0};
        char id[96];
        r.year = 2022;
        r.kind = PL_KIND_TALK;
        r.title = docs[i].title;
        r.body = docs[i].body;
        r.track = "<i>Track</i>";
        r.url = "";
        r.source_file = path;
        pl_record_make_id(r.year, r.kind, r.title, id);
        r.id = id;
        FUZZ_CHECK(pl_record_write_jsonl(f, &r, NULL) == PL_OK);
    }
    fclose(f);
}

void fuzz_build_index(const char *dir, const char *extra_jsonl)
{
    pl_error err = {0};
    pl_indexer *ix = NULL;
    char **paths = NULL;
    size_t n = 0;
    char hostile[512];
    pl_source_report rep;
    snprintf(hostile, sizeof hostile, "%s/hostile.jsonl", fuzz_tmpdir());
    write_hostile(hostile);
    if (pl_indexer_new(&ix, dir, PL_INDEX_REBUILD, NULL, &err) ||
        pl_corpus_files(pl_corpus_dir(), &paths, &n, &err))
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (pl_indexer_add_source(ix, paths[i], &rep, &err))
            goto fail;
    if (pl_indexer_add_source(ix, hostile, &rep, &err))
        goto fail;
    if (extra_jsonl && pl_indexer_add_source(ix, extra_jsonl, &rep, &err))
        goto fail;
    if (pl_indexer_commit(ix, &err))
        goto fail;
    pl_indexer_free(ix);
    for (size_t i = 0; i < n; i++)
        pl_free(paths[i]);
    pl_free(paths);
    return;
fail:
    fprintf(stderr, "fuzz: cannot build the index in %s: %s\n", dir, err.msg);
    abort();
}
