/*
 * cmd_search.c — `plumbline search`, `plumbline suggest`, `plumbline
 * similar`: argument parsing and printing only; the work is pl_search,
 * pl_suggest and pl_similar (query/query.h).
 */
#include "cli.h"
#include "web.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char search_usage[] =
    "usage: plumbline search [options] QUERY...\n"
    "\n"
    "Searches the index (query syntax: docs/query-syntax.md), e.g.\n"
    "  plumbline search live migration confidential VM\n"
    "  plumbline search '\"sched_ext\" year:>=2023 kind:talk'\n"
    "  plumbline search rust -android --limit 5\n"
    "\n"
    "The options below may come before, between or after the words of the\n"
    "query; every other argument, including an exclusion such as -android,\n"
    "is query text.  Every argument after -- is query text, even one that\n"
    "looks like an option.\n"
    "\n"
    "options:\n"
    "  --db DIR              index directory (default $PLUMBLINE_DB, then\n"
    "                        ~/.local/share/plumbline/index)\n"
    "  --limit N             hits per page, 1 to 100 (default 10)\n"
    "  --offset N            skip the first N hits, 0 to 10000 (default 0)\n"
    "  --sort relevance|date order of hits (default relevance)\n"
    "  --json                print the API's JSON\n"
    "  --explain             show the parsed query and why each hit scored\n"
    "  --and                 juxtaposed words must all match (no relaxation)\n"
    "  -h, --help            this help\n"
    "  --                    the end of the options\n"
    "\n"
    "An option that takes a value may also be written --limit=5.\n";

static const char suggest_usage[] =
    "usage: plumbline suggest [--db DIR] [--limit N] [--json] [--] PREFIX\n"
    "\n"
    "Completes the last word of PREFIX from the index vocabulary, most\n"
    "documents first (docs/api.md, /api/suggest, says how they are counted).\n"
    "--limit is 1 to 50 (default 10).  Options may come before or after\n"
    "PREFIX, also as --limit=5; -- ends them.\n";

static const char similar_usage[] =
    "usage: plumbline similar [--db DIR] [--limit N] [--json] [--] ID\n"
    "\n"
    "Documents similar to the document with record id ID.\n"
    "--limit is 1 to 100 (default 10).  Options may come before or after\n"
    "ID, also as --limit=5; -- ends them.\n";

typedef struct ctx {
    pl_store *store;
    pl_snap *snap;
    pl_synonyms *syn;
    pl_qctx *q;
} ctx;

static void ctx_close(ctx *c)
{
    pl_qctx_free(c->q);
    pl_synonyms_free(c->syn);
    pl_snap_end(c->snap);
    pl_store_close(c->store);
}

static int ctx_open(ctx *c, const char *db)
{
    memset(c, 0, sizeof *c);
    pl_error err = {0};
    const char *dir = pl_cli_db_dir(db);
    if (pl_store_open(&c->store, dir, PL_STORE_READONLY, &err) != PL_OK) {
        pl_cli_err("cannot open index %s: %s (build it with 'plumbline index')", dir, err.msg);
        return PL_EXIT_FAIL;
    }
    if (pl_snap_begin(c->store, &c->snap, &err) != PL_OK)
        goto fail;
    pl_analyzer *an = NULL;
    if (pl_analyzer_new(&an, &err) != PL_OK)
        goto fail;
    int rc = pl_synonyms_load_default(an, &c->syn, &err);
    pl_analyzer_free(an);
    if (rc != PL_OK || pl_qctx_new(c->syn, &c->q, &err) != PL_OK)
        goto fail;
    return PL_EXIT_OK;
fail:
    ctx_close(c);
    return pl_cli_fail("search", &err);
}

static int print_json(json_t *j)
{
    if (!j) {
        pl_cli_err("out of memory");
        return PL_EXIT_FAIL;
    }
    int rc = json_dumpf(j, stdout, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    json_decref(j);
    fputc('\n', stdout);
    return rc ? PL_EXIT_FAIL : PL_EXIT_OK;
}

/* s with the spans hl (ascending, disjoint) bold on a TTY; with `flat`,
 * newlines and tabs become spaces.  Not on a TTY the bytes of s are
 * written as they are (flattened or not), nothing added. */
static void print_marked(const char *s, const pl_span *hl, size_t nh, int tty, int flat)
{
    size_t n = strlen(s), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (tty && k < nh && hl[k].start == i)
            fputs("\033[1m", stdout);
        char c = s[i];
        fputc(flat && (c == '\n' || c == '\r' || c == '\t') ? ' ' : c, stdout);
        if (tty && k < nh && hl[k].end == i + 1) {
            fputs("\033[0m", stdout);
            k++;
        }
    }
}

/* One line of snippet: newlines become spaces; matches bold on a TTY. */
static void print_snippet(const pl_hit *h, int tty)
{
    fputs("     ", stdout);
    print_marked(h->snippet_text ? h->snippet_text : "", h->highlights, h->n_highlights, tty, 1);
    fputc('\n', stdout);
}

static void print_results(const pl_results *r, int explain)
{
    int tty = isatty(STDOUT_FILENO);
    if (explain)
        printf("query: %s\n", r->query_desc ? r->query_desc : "");
    unsigned long long total = r->total, all = r->all_words;
    const char *s = total == 1 ? "" : "s";
    /* a relaxed query says so: its hits need not have every word */
    if (r->relaxed && all == 0)
        printf("no document has all the words; %llu result%s with some of them", total, s);
    else if (r->relaxed && all < total)
        printf("%llu result%s: %llu with all the words, the others with some of them", total, s,
               all);
    else
        printf("%llu result%s", total, s);
    printf(" (%.1f ms)\n", r->took_ms);
    if (r->suggestion)
        printf("did you mean: %s\n", r->suggestion);
    for (size_t i = 0; i < r->n_hits; i++) {
        const pl_hit *h = &r->hits[i];
        const pl_record *rec = &h->doc->rec;
        printf("%3zu. %d %-5s ", r->offset + i + 1, rec->year, pl_kind_name(rec->kind));
        /* the title's matches bold too, as in the snippet; unflattened, so
         * the listing without a TTY is the title's bytes as before */
        print_marked(rec->title ? rec->title : "", h->title_highlights, h->n_title_highlights, tty,
                     0);
        if (rec->track && rec->track[0])
            printf("  [%s]", rec->track);
        printf("  (%s)\n", rec->id);
        if (h->snippet_text && h->snippet_text[0])
            print_snippet(h, tty);
        if (explain && h->explain)
            fputs(h->explain, stdout);
    }
}

/* The option at argv[i]: its name and, when written --NAME=VALUE, the
 * value after '='. */
typedef struct opt {
    const char *name;
    const char *value; /* NULL: none given with '=' */
    char buf[32];
} opt;

static void opt_split(opt *o, const char *arg)
{
    o->value = pl_cli_split_opt(arg, o->buf, sizeof o->buf);
    o->name = o->value ? o->buf : arg;
}

/* The value of an option that takes one: after '=' or the next argument
 * (then *i moves past it); NULL (reported) when there is none. */
static const char *take_value(int argc, char **argv, int *i, const opt *o)
{
    if (o->value && *o->value)
        return o->value;
    if (o->value || *i + 1 >= argc) {
        pl_cli_err("%s needs a value", o->name);
        return NULL;
    }
    return argv[++*i];
}

/* An integer value from min to max: the API's bounds for the parameter of
 * the same name, refused with the API's words. */
static int take_uint(int argc, char **argv, int *i, const opt *o, unsigned long min,
                     unsigned long max, unsigned long *out)
{
    if ((o->value && !*o->value) || (!o->value && *i + 1 >= argc)) {
        pl_cli_err("%s needs a number (an integer from %lu to %lu)", o->name, min, max);
        return -1;
    }
    const char *v = take_value(argc, argv, i, o);
    if (!v || pl_cli_parse_uint(v, max, out) || *out < min) {
        pl_cli_err("%s must be an integer from %lu to %lu, got '%.40s'", o->name, min, max, v);
        return -1;
    }
    return 0;
}

/* An option that takes no value, given one with '='. */
static int no_value(const opt *o)
{
    if (!o->value)
        return 0;
    pl_cli_err("%s takes no value", o->name);
    return -1;
}

int pl_cmd_search(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        fputs(search_usage, stdout);
        return PL_EXIT_OK;
    }
    const char *db = NULL;
    unsigned long limit = 10, offset = 0;
    int json = 0, explain = 0, sort = PL_SORT_RELEVANCE, pure_and = 0;
    pl_buf q = {0};
    int rc = PL_EXIT_USAGE;
    /* Options are recognised anywhere up to "--", not only before the
     * first word: `search bpf --limit 3` is how people type a query and
     * then narrow it.  Only whole arguments that are one of these options
     * count, so "-android" (an exclusion) stays query text. */
    int options = 1;
    for (int i = 1; i < argc; i++) {
        opt o;
        opt_split(&o, argv[i]);
        const char *a = o.name;
        if (options && !strcmp(argv[i], "--")) {
            options = 0;
        } else if (options && !strcmp(a, "--db")) {
            if (!(db = take_value(argc, argv, &i, &o)))
                goto done;
        } else if (options && !strcmp(a, "--limit")) {
            if (take_uint(argc, argv, &i, &o, 1, PL_SEARCH_MAX_LIMIT, &limit))
                goto done;
        } else if (options && !strcmp(a, "--offset")) {
            if (take_uint(argc, argv, &i, &o, 0, PL_MAX_OFFSET, &offset))
                goto done;
        } else if (options && !strcmp(a, "--sort")) {
            const char *s = take_value(argc, argv, &i, &o);
            if (!s)
                goto done;
            if (!strcmp(s, "date"))
                sort = PL_SORT_DATE;
            else if (strcmp(s, "relevance")) {
                pl_cli_err("--sort must be relevance or date, got '%.40s'", s);
                goto done;
            }
        } else if (options && !strcmp(a, "--json")) {
            if (no_value(&o))
                goto done;
            json = 1;
        } else if (options && !strcmp(a, "--explain")) {
            if (no_value(&o))
                goto done;
            explain = 1;
        } else if (options && !strcmp(a, "--and")) {
            if (no_value(&o))
                goto done;
            pure_and = 1;
        } else if (options && pl_cli_is_long_option(a)) {
            /* A misspelt option must not silently become query text. */
            pl_cli_err("search: unknown option %s (see plumbline search --help; "
                       "query text that starts with -- goes after --)",
                       argv[i]);
            goto done;
        } else {
            if (q.n)
                pl_buf_putc(&q, ' ');
            pl_buf_puts(&q, argv[i]);
        }
    }
    if (!q.p || q.oom) {
        fputs(search_usage, stderr);
        goto done;
    }
    ctx c;
    rc = ctx_open(&c, db);
    if (rc != PL_EXIT_OK)
        goto done;
    pl_search_opts o = {.q = q.p,
                        .q_len = q.n,
                        .offset = (uint32_t)offset,
                        .limit = (uint32_t)limit,
                        .sort = sort,
                        .kind = -1};
    if (explain)
        o.flags |= PL_SEARCH_EXPLAIN;
    if (pure_and)
        o.flags |= PL_SEARCH_PURE_AND;
    pl_results *r = NULL;
    pl_error err = {0};
    if (pl_search(c.q, c.snap, &o, &r, &err) != PL_OK) {
        rc = err.code == PL_EPARSE || err.code == PL_ELIMIT || err.code == PL_EUSAGE
                 ? (pl_cli_err("query: %s", err.msg), PL_EXIT_USAGE)
                 : pl_cli_fail("search", &err);
    } else if (json) {
        rc = print_json(pl_json_search_results(r, q.p));
    } else {
        print_results(r, explain);
        rc = PL_EXIT_OK;
    }
    pl_results_free(r);
    ctx_close(&c);
done:
    pl_buf_free(&q);
    return rc;
}

/* The options suggest and similar share: --db, --limit (1 to max), --json
 * and one operand, anywhere before `--`.  PL_EXIT_OK, or PL_EXIT_USAGE
 * once the problem has been said. */
static int parse_one_operand(int argc, char **argv, const char *cmd, const char *usage,
                             unsigned long max, const char **db, unsigned long *limit, int *json,
                             const char **operand)
{
    int options = 1;
    for (int i = 1; i < argc; i++) {
        opt o;
        opt_split(&o, argv[i]);
        const char *a = o.name;
        if (options && !strcmp(argv[i], "--")) {
            options = 0;
        } else if (options && !strcmp(a, "--db")) {
            if (!(*db = take_value(argc, argv, &i, &o)))
                return PL_EXIT_USAGE;
        } else if (options && !strcmp(a, "--limit")) {
            if (take_uint(argc, argv, &i, &o, 1, max, limit))
                return PL_EXIT_USAGE;
        } else if (options && !strcmp(a, "--json")) {
            if (no_value(&o))
                return PL_EXIT_USAGE;
            *json = 1;
        } else if (options && pl_cli_is_long_option(a)) {
            pl_cli_err("%s: unknown option %s (see plumbline %s --help)", cmd, argv[i], cmd);
            return PL_EXIT_USAGE;
        } else if (!*operand) {
            *operand = argv[i];
        } else {
            fputs(usage, stderr);
            return PL_EXIT_USAGE;
        }
    }
    if (!*operand || !(*operand)[0]) {
        fputs(usage, stderr);
        return PL_EXIT_USAGE;
    }
    return PL_EXIT_OK;
}

int pl_cmd_suggest(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        fputs(suggest_usage, stdout);
        return PL_EXIT_OK;
    }
    const char *db = NULL, *prefix = NULL;
    unsigned long limit = 10;
    int json = 0;
    if (parse_one_operand(argc, argv, "suggest", suggest_usage, PL_SUGGEST_MAX, &db, &limit, &json,
                          &prefix) != PL_EXIT_OK)
        return PL_EXIT_USAGE;
    ctx c;
    int rc = ctx_open(&c, db);
    if (rc != PL_EXIT_OK)
        return rc;
    pl_suggestion *s = NULL;
    size_t n = 0;
    pl_error err = {0};
    if (pl_suggest(c.q, c.snap, prefix, strlen(prefix), limit, &s, &n, &err) != PL_OK) {
        rc = pl_cli_fail("suggest", &err);
    } else if (json) {
        rc = print_json(pl_json_suggestions(prefix, strlen(prefix), s, n));
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s\t%u\n", s[i].text, s[i].df);
    }
    pl_suggestions_free(s, n);
    ctx_close(&c);
    return rc;
}

int pl_cmd_similar(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        fputs(similar_usage, stdout);
        return PL_EXIT_OK;
    }
    const char *db = NULL, *id = NULL;
    unsigned long limit = 10;
    int json = 0;
    if (parse_one_operand(argc, argv, "similar", similar_usage, PL_SEARCH_MAX_LIMIT, &db, &limit,
                          &json, &id) != PL_EXIT_OK)
        return PL_EXIT_USAGE;
    ctx c;
    int rc = ctx_open(&c, db);
    if (rc != PL_EXIT_OK)
        return rc;
    pl_error err = {0};
    uint32_t docid = 0;
    pl_results *r = NULL;
    int s = pl_snap_docid(c.snap, id, strlen(id), &docid, &err);
    if (s == PL_ENOTFOUND) {
        pl_cli_err("similar: no document with id '%s'", id);
        rc = PL_EXIT_FAIL;
    } else if (s != PL_OK) {
        rc = pl_cli_fail("similar", &err);
    } else if (pl_similar(c.q, c.snap, docid, (uint32_t)limit, &r, &err) != PL_OK) {
        rc = pl_cli_fail("similar", &err);
    } else if (json) {
        rc = print_json(pl_json_search_results(r, NULL));
    } else {
        print_results(r, 0);
    }
    pl_results_free(r);
    ctx_close(&c);
    return rc;
}
