/*
 * test_oom.c — allocation failures injected with pl_alloc_fail_after(n)
 * for n = 0, 1, 2, ... until the operation no longer meets a failure:
 *
 *   index/rebuild  pl_indexer_new + three records + commit (REBUILD)
 *   index/add      the same in ADD mode over an existing index
 *   query          store open, snapshot, parse, search (plain and relaxed) with snippets and
 *                  facets, suggest, similar, match iteration
 *
 * Each n must end in success or in a clean error (PL_ENOMEM with a
 * message); no crash; and after every failed build the previous index
 * still opens, passes pl_snap_check and holds the same documents.  Leaks
 * on any failure path are reported by LeakSanitizer when the test runs
 * under ASan (as the suite does).  TAP output, one line per phase.
 */
#include "../../../indexer/indexer.h"
#include "../../../query/query.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_STEPS 200000

static int tap_n, tap_failed;

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!ok)
        tap_failed++;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static const char *const titles[] = {"Scheduler latency under sched_ext", "Memory cgroup reclaim",
                                     "RISC-V vector state"};
static const char *const bodies[] = {
    "sched_ext lets BPF programs schedule tasks; latency and fairness measured on x86_64.",
    "Reclaim in the memory cgroup: proactive reclaim, zswap and the OOM killer.",
    "Saving RISC-V vector registers lazily on context switch, 6.9-rc patches."};

/* Indexes the three records (ids vary with `round` so an ADD adds). */
static int build(const char *dir, pl_index_mode mode, int round, pl_error *err)
{
    pl_indexer *ix = NULL;
    int rc = pl_indexer_new(&ix, dir, mode, NULL, err);
    for (int i = 0; !rc && i < 3; i++) {
        char title[128], id[96];
        snprintf(title, sizeof title, "%s %d", titles[i], round);
        pl_record r = {0};
        r.year = 2019 + i;
        r.kind = (pl_kind)(i % 3);
        r.title = title;
        r.body = bodies[i];
        r.people[0] = "Ada Lovelace";
        r.n_people = 1;
        r.track = i ? "Kernel" : "";
        r.url = "";
        r.source_file = "oom";
        pl_record_make_id(r.year, r.kind, title, id);
        r.id = id;
        rc = pl_indexer_add_record(ix, &r, NULL, err);
    }
    if (!rc)
        rc = pl_indexer_commit(ix, err);
    pl_indexer_free(ix);
    return rc;
}

/* Opens the index and returns its live document count, or -1 if it does
 * not open or fails the integrity check. */
static long index_docs(const char *dir)
{
    pl_error err = {0};
    pl_store *s = NULL;
    pl_snap *snap = NULL;
    long n = -1;
    if (pl_store_open(&s, dir, PL_STORE_READONLY, &err) || pl_snap_begin(s, &snap, &err))
        goto done;
    if (pl_snap_check(snap, &err) == PL_OK)
        n = (long)pl_snap_doc_count(snap);
done:
    if (n < 0 && err.code != PL_ENOTFOUND)
        printf("# index %s: %s\n", dir, err.msg);
    pl_snap_end(snap);
    pl_store_close(s);
    return n;
}

static int clean_error(int rc, const pl_error *err, const char *what, long n)
{
    if (rc == PL_ENOMEM && err->code == PL_ENOMEM && err->msg[0])
        return 1;
    printf("# %s, failure after %ld allocations: rc %s, error %s '%s'\n", what, n,
           pl_status_name(rc), pl_status_name(err->code), err->msg);
    return 0;
}

static void run_index(const char *root, pl_index_mode mode, const char *name)
{
    long expect = index_docs(root);
    long n, bad = 0;
    int round = mode == PL_INDEX_ADD ? 100 : 0;
    for (n = 0; n < MAX_STEPS; n++) {
        pl_error err = {0};
        pl_alloc_fail_after(n);
        int rc = build(root, mode, round, &err);
        pl_alloc_fail_after(-1);
        if (rc == PL_OK)
            break;
        if (!clean_error(rc, &err, name, n) && bad++ > 5)
            break;
        long now = index_docs(root);
        if (now != expect) {
            printf("# %s: after a failure at %ld the index has %ld documents, not %ld\n", name, n,
                   now, expect);
            bad++;
            break;
        }
    }
    tap(bad == 0 && n < MAX_STEPS,
        "%s: %ld injected failures, each a clean PL_ENOMEM, index intact", name, n);
    long after = index_docs(root);
    tap(after == (mode == PL_INDEX_ADD ? expect + 3 : 3),
        "%s: the build that met no failure committed (%ld documents)", name, after);
}

static int query_once(const char *root, pl_error *err)
{
    pl_store *s = NULL;
    pl_snap *snap = NULL;
    pl_analyzer *an = NULL;
    pl_synonyms *syn = NULL;
    pl_qctx *q = NULL;
    pl_results *r = NULL, *sim = NULL;
    pl_query *query = NULL;
    pl_suggestion *sg = NULL;
    size_t nsg = 0;
    int rc;
    if ((rc = pl_store_open(&s, root, PL_STORE_READONLY, err)) ||
        (rc = pl_snap_begin(s, &snap, err)) || (rc = pl_analyzer_new(&an, err)) ||
        (rc = pl_synonyms_load_default(an, &syn, err)) || (rc = pl_qctx_new(syn, &q, err)))
        goto done;
    static const char text[] = "\"memory cgroup\" OR sched_ext OR risc-v -nothing";
    pl_search_opts o = {0};
    o.q = text;
    o.q_len = strlen(text);
    o.kind = -1;
    o.flags = PL_SEARCH_EXPLAIN;
    if ((rc = pl_search(q, snap, &o, &r, err)))
        goto done;
    if (r->n_hits == 0) {
        rc = pl_error_set(err, PL_EUSAGE, "search found nothing");
        goto done;
    }
    /* the relaxed path: few documents have both words, so the query is
     * relaxed within its filter and exclusion, with explanations */
    static const char relaxed[] = "scheduler reclaim year:2019..2020 -zswap";
    pl_results_free(r);
    r = NULL;
    o.q = relaxed;
    o.q_len = strlen(relaxed);
    if ((rc = pl_search(q, snap, &o, &r, err)))
        goto done;
    if (r->n_hits == 0 || !r->hits[0].explain || !strstr(r->hits[0].explain, "relaxed")) {
        rc = pl_error_set(err, PL_EUSAGE, "the relaxed search found nothing or did not relax");
        goto done;
    }
    if ((rc = pl_suggest(q, snap, "memory re", 9, 5, &sg, &nsg, err)))
        goto done;
    pl_suggestions_free(sg, nsg);
    sg = NULL;
    nsg = 0;
    if ((rc = pl_suggest(q, snap, "re", 2, 5, &sg, &nsg, err)) ||
        (rc = pl_similar(q, snap, r->hits[0].docid, 5, &sim, err)) ||
        (rc = pl_query_parse(q, text, strlen(text), &query, err)))
        goto done;
    char *desc = pl_query_describe(query);
    rc = desc ? PL_OK : pl_error_set(err, PL_ENOMEM, "describe: out of memory");
    pl_free(desc);
done:
    pl_query_free(query);
    pl_suggestions_free(sg, nsg);
    pl_results_free(sim);
    pl_results_free(r);
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(an);
    pl_snap_end(snap);
    pl_store_close(s);
    return rc;
}

static void run_query(const char *root)
{
    long n, bad = 0;
    for (n = 0; n < MAX_STEPS; n++) {
        pl_error err = {0};
        pl_alloc_fail_after(n);
        int rc = query_once(root, &err);
        pl_alloc_fail_after(-1);
        if (rc == PL_OK)
            break;
        if (!clean_error(rc, &err, "query", n) && bad++ > 5)
            break;
    }
    tap(bad == 0 && n < MAX_STEPS, "query: %ld injected failures, each a clean PL_ENOMEM", n);
    pl_error err = {0};
    tap(query_once(root, &err) == PL_OK, "query: succeeds once allocations do (%s)", err.msg);
}

int main(void)
{
    char root[256];
    const char *base = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/pl-oom-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    printf("TAP version 13\n1..6\n");
    run_index(root, PL_INDEX_REBUILD, "index/rebuild");
    run_index(root, PL_INDEX_ADD, "index/add");
    run_query(root);
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tap_failed ? 1 : 0;
}
