/*
 * cmd_trends.c — `plumbline trends`: topic series per year as a table a
 * person reads at a glance (or JSON, CSV, Grafana / Vega-Lite rows), terms
 * rising and falling between two years, terms co-occurring with a topic,
 * and a two-year comparison.  All computing is in query/trends.c; this
 * file parses arguments and prints.
 */
#include "cli.h"
#include "web.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: plumbline trends [options] TOPIC...\n"
    "       plumbline trends [options] --rising YEAR_A YEAR_B\n"
    "       plumbline trends [options] --cooccur TOPIC --year YEAR\n"
    "       plumbline trends [options] --compare TOPIC --a YEAR --b YEAR\n"
    "\n"
    "How often topics (queries: synonyms and phrases apply) appear per year:\n"
    "share of documents with a 95% Wilson interval, mentions per 1,000 tokens\n"
    "with an exact Poisson interval, bursts (Kleinberg).  See docs/trends.md.\n"
    "\n"
    "options:\n"
    "  --db DIR           index directory (default $PLUMBLINE_DB, then\n"
    "                     $XDG_DATA_HOME/plumbline/index)\n"
    "  --json             nested JSON (the API's shape)\n"
    "  --csv              RFC 4180 CSV, one row per topic and year\n"
    "  --format F         table (default), json, csv, grafana, vega (one output\n"
    "                     format: --json with --csv is an error)\n"
    "  --kind K           only documents of kind K (mc, talk, cfp, news, event)\n"
    "  --track T          only documents of track T\n"
    "  --from Y, --to Y   year range (years 1900 to 2999)\n"
    "  --top N            top documents per point in JSON (0 to 20, default 3)\n"
    "  --limit N          terms in each list of --rising/--cooccur (1 to 100,\n"
    "                     default 20)\n"
    "  --min-docs N       a listed term is in at least N documents (default 3)\n"
    "  --ascii            ASCII sparklines even on a UTF-8 terminal\n"
    "  -h, --help         this help\n"
    "  --                 the end of the options: every argument after it is a TOPIC\n"
    "\n"
    "Options may come before, between or after the topics.  Any other argument\n"
    "is a topic, including one that starts with a single - (an exclusion).\n";

enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_GRAFANA, FMT_VEGA };

typedef struct args {
    const char *db;
    int fmt;
    int ascii;
    int rising, cooccur, compare;
    int year_a, year_b, year;
    const char *topic;
    const char **topics;
    size_t n_topics;
    pl_trend_opts o;
} args;

static int utf8_terminal(void)
{
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "UTF8") ||
                   strstr(v, "utf-8");
    }
    return 0;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("plumbline: trends: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see plumbline trends --help)\n", stderr);
    return PL_EXIT_USAGE;
}

/* The option checks below take the bounds and the words of the API's
 * parameter checks (web/server_api.c), so that a value one refuses the
 * other refuses too, with the same message. */

/* A year from PL_TRENDS_YEAR_MIN to PL_TRENDS_YEAR_MAX; 0 or a usage error
 * naming the option. */
static int parse_year(const char *opt, const char *s, int *out)
{
    unsigned long v;
    if (pl_cli_parse_uint(s, PL_TRENDS_YEAR_MAX, &v) != 0 || v < PL_TRENDS_YEAR_MIN)
        return usage_error("%s must be a year from %d to %d, got '%.40s'", opt, PL_TRENDS_YEAR_MIN,
                           PL_TRENDS_YEAR_MAX, s);
    *out = (int)v;
    return 0;
}

static int parse_count(const char *opt, const char *s, unsigned long min, unsigned long max,
                       uint32_t *out)
{
    unsigned long v;
    if (pl_cli_parse_uint(s, max, &v) != 0 || v < min)
        return usage_error("%s must be an integer from %lu to %lu, got '%.40s'", opt, min, max, s);
    *out = (uint32_t)v;
    return 0;
}

/* Library errors start with their function's name ("trends: year range
 * ..."); the CLI prefix already says trends. */
static int trends_fail(pl_error *err)
{
    static const char own[] = "trends: ";
    if (!strncmp(err->msg, own, sizeof own - 1))
        memmove(err->msg, err->msg + sizeof own - 1, strlen(err->msg + sizeof own - 1) + 1);
    return pl_cli_fail("trends", err);
}

static int parse_args(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    pl_trend_opts_init(&a->o);
    a->topics = calloc((size_t)argc, sizeof *a->topics);
    if (!a->topics)
        return PL_EXIT_FAIL;
    int have_a = 0, have_b = 0, have_year = 0;
    const char *fmt_opt = NULL; /* the output option that chose a->fmt */
    char fmt_desc[64];
    for (int i = 1; i < argc; i++) {
        /* --NAME VALUE or --NAME=VALUE */
        char name[32];
        const char *inl = pl_cli_split_opt(argv[i], name, sizeof name);
        const char *s = inl ? name : argv[i];
        const char *v = inl ? inl : i + 1 < argc ? argv[i + 1] : NULL;
        int fmt = -1, took = 0;
#define NEED_VALUE                                                                                 \
    do {                                                                                           \
        if (!v || (inl && !*inl))                                                                  \
            return usage_error("%s needs a value", s);                                             \
        took = 1;                                                                                  \
        if (!inl)                                                                                  \
            i++;                                                                                   \
    } while (0)
        if (inl && !strcmp(s, "--rising"))
            return usage_error("--rising takes two years: --rising FROM TO");
        if (!strcmp(argv[i], "--")) {
            for (i++; i < argc; i++)
                a->topics[a->n_topics++] = argv[i];
            break;
        } else if (!strcmp(s, "--db")) {
            NEED_VALUE;
            a->db = v;
        } else if (!strcmp(s, "--json")) {
            fmt = FMT_JSON;
        } else if (!strcmp(s, "--csv")) {
            fmt = FMT_CSV;
        } else if (!strcmp(s, "--format")) {
            NEED_VALUE;
            if (!strcmp(v, "table"))
                fmt = FMT_TABLE;
            else if (!strcmp(v, "json"))
                fmt = FMT_JSON;
            else if (!strcmp(v, "csv"))
                fmt = FMT_CSV;
            else if (!strcmp(v, "grafana"))
                fmt = FMT_GRAFANA;
            else if (!strcmp(v, "vega"))
                fmt = FMT_VEGA;
            else
                return usage_error("unknown format \"%s\" (table, json, csv, grafana, vega)", v);
        } else if (!strcmp(s, "--kind")) {
            NEED_VALUE;
            pl_kind k;
            if (pl_kind_parse(v, &k) != PL_OK)
                return usage_error("unknown kind \"%s\" (mc, talk, cfp, news, event)", v);
            a->o.kind = (int)k;
        } else if (!strcmp(s, "--track")) {
            NEED_VALUE;
            if (!*v || strlen(v) > PL_TRENDS_MAX_TRACK)
                return usage_error("--track must be 1 to %d bytes", PL_TRENDS_MAX_TRACK);
            a->o.track = v;
        } else if (!strcmp(s, "--from") || !strcmp(s, "--to") || !strcmp(s, "--year") ||
                   !strcmp(s, "--a") || !strcmp(s, "--b")) {
            NEED_VALUE;
            int y;
            if (parse_year(s, v, &y))
                return PL_EXIT_USAGE;
            if (!strcmp(s, "--from"))
                a->o.year_from = y;
            else if (!strcmp(s, "--to"))
                a->o.year_to = y;
            else if (!strcmp(s, "--year")) {
                a->year = y;
                have_year = 1;
            } else if (!strcmp(s, "--a")) {
                a->year_a = y;
                have_a = 1;
            } else {
                a->year_b = y;
                have_b = 1;
            }
        } else if (!strcmp(s, "--top")) {
            NEED_VALUE;
            if (parse_count(s, v, 0, PL_TRENDS_MAX_TOP, &a->o.top_k))
                return PL_EXIT_USAGE;
        } else if (!strcmp(s, "--limit")) {
            NEED_VALUE;
            if (parse_count(s, v, 1, PL_TRENDS_MAX_LIMIT, &a->o.limit))
                return PL_EXIT_USAGE;
        } else if (!strcmp(s, "--min-docs")) {
            NEED_VALUE;
            if (parse_count(s, v, 1, 1000, &a->o.min_docs))
                return PL_EXIT_USAGE;
        } else if (!strcmp(s, "--ascii")) {
            a->ascii = 1;
        } else if (!strcmp(s, "--rising")) {
            if (i + 2 >= argc)
                return usage_error("%s needs two years", s);
            /* the API's from and to */
            if (parse_year("--rising's first year (from)", argv[i + 1], &a->year_a) ||
                parse_year("--rising's second year (to)", argv[i + 2], &a->year_b))
                return PL_EXIT_USAGE;
            a->rising = 1;
            i += 2;
        } else if (!strcmp(s, "--cooccur") || !strcmp(s, "--compare")) {
            NEED_VALUE;
            a->topic = v;
            if (!strcmp(s, "--cooccur"))
                a->cooccur = 1;
            else
                a->compare = 1;
        } else if (pl_cli_is_long_option(s)) {
            return usage_error("unknown option %s", argv[i]);
        } else {
            a->topics[a->n_topics++] = s;
        }
#undef NEED_VALUE
        if (inl && !took)
            return usage_error("%s takes no value", s);
        if (fmt >= 0) {
            /* Two output options that disagree are a mistake, not a
             * choice: the last one winning would hide it. */
            char desc[64];
            snprintf(desc, sizeof desc, "%s%s%s", s, strcmp(s, "--format") ? "" : " ",
                     strcmp(s, "--format") ? "" : v);
            if (fmt_opt && fmt != a->fmt)
                return usage_error("%s conflicts with %s: give one output format", desc, fmt_desc);
            a->fmt = fmt;
            fmt_opt = s;
            snprintf(fmt_desc, sizeof fmt_desc, "%s", desc);
        }
    }
    if (a->o.year_from && a->o.year_to && a->o.year_from > a->o.year_to)
        return usage_error("--from (%d) is after --to (%d)", a->o.year_from, a->o.year_to);
    if (a->rising && a->year_a > a->year_b)
        return usage_error("--rising: from (%d) is after to (%d)", a->year_a, a->year_b);
    if (a->rising && a->year_a == a->year_b)
        return usage_error("--rising: give two different years");
    if (a->rising + a->cooccur + a->compare > 1)
        return usage_error("%s", "--rising, --cooccur and --compare exclude each other");
    if ((a->rising || a->cooccur || a->compare) && a->n_topics)
        return usage_error("unexpected topic \"%s\"", a->topics[0]);
    if (a->cooccur && !have_year)
        return usage_error("%s", "--cooccur needs --year");
    if (a->compare && (!have_a || !have_b))
        return usage_error("%s", "--compare needs --a and --b");
    if ((a->rising || a->cooccur || a->compare) && a->fmt != FMT_TABLE && a->fmt != FMT_JSON)
        return usage_error("%s", "--rising, --cooccur and --compare print a table or --json");
    if (!a->rising && !a->cooccur && !a->compare) {
        if (!a->n_topics)
            return usage_error("%s", "give at least one TOPIC");
        if (a->n_topics > PL_TRENDS_MAX_TOPICS)
            return usage_error("%s", "too many topics (at most 16)");
    }
    return PL_EXIT_OK;
}

static int print_json(json_t *j)
{
    if (!j) {
        pl_cli_err("trends: out of memory");
        return PL_EXIT_FAIL;
    }
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | PL_TRENDS_JSON_REALS);
    fputc('\n', stdout);
    json_decref(j);
    return rc ? PL_EXIT_FAIL : PL_EXIT_OK;
}

/* ---- the table --------------------------------------------------------------------- */

/* One character per year; a year with no documents of the kind or track
 * asked for is a gap (a space), not the lowest bar: it was not measured. */
static void sparkline(const pl_trend_series *s, int utf8)
{
    static const char *blocks[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                                   "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
    static const char ascii[] = "_.-:=+*#";
    double max = 0;
    for (size_t i = 0; i < s->n_points; i++)
        if (!s->points[i].no_docs && s->points[i].share > max)
            max = s->points[i].share;
    for (size_t i = 0; i < s->n_points; i++) {
        if (s->points[i].no_docs) {
            putchar(' ');
            continue;
        }
        int lvl = max > 0 ? (int)(s->points[i].share / max * 7 + 0.5) : 0;
        if (lvl > 7)
            lvl = 7;
        if (utf8)
            fputs(blocks[lvl], stdout);
        else
            putchar(ascii[lvl]);
    }
}

static int print_table(const pl_trends *t, int utf8)
{
    int tw = 5;
    for (size_t i = 0; i < t->n_series; i++) {
        int l = (int)strlen(t->series[i].topic);
        if (l > tw)
            tw = l > 40 ? 40 : l;
    }
    if (t->n_years == 0) {
        printf("no documents in the index pass the filters\n");
        return PL_EXIT_OK;
    }
    printf("%-*s", tw, "topic");
    for (size_t y = 0; y < t->n_years; y++)
        printf("  %13d", t->totals[y].year);
    printf("  trend\n");
    int any_low = 0, any_none = 0;
    for (size_t i = 0; i < t->n_series; i++) {
        const pl_trend_series *s = &t->series[i];
        printf("%-*.*s", tw, tw, s->topic);
        for (size_t y = 0; y < s->n_points; y++) {
            const pl_trend_point *p = &s->points[y];
            if (p->no_docs) {
                /* right-aligned under the percentages; the dash is one
                 * column but three bytes, so the padding is counted here */
                printf("  %11s%s ", "", utf8 ? "\xe2\x80\x93" : "-");
                any_none = 1;
                continue;
            }
            char cell[64];
            snprintf(cell, sizeof cell, "%.1f%% (%u)%s", p->share * 100, p->docs,
                     p->low_count ? "~" : " ");
            any_low |= p->low_count;
            printf("  %13s", cell);
        }
        printf("  ");
        sparkline(s, utf8);
        for (size_t b = 0; b < s->n_bursts; b++) {
            if (s->bursts[b].start == s->bursts[b].end)
                printf("  burst %d", s->bursts[b].start);
            else
                printf("  burst %d-%d", s->bursts[b].start, s->bursts[b].end);
        }
        putchar('\n');
    }
    printf("%-*s", tw, "docs");
    for (size_t y = 0; y < t->n_years; y++)
        printf("  %12u ", t->totals[y].docs);
    putchar('\n');
    printf("\nshare of that year's documents (matching documents)");
    if (any_low)
        printf("; ~ low count (fewer than %d documents or %d mentions)", PL_TREND_LOW_DOCS,
               PL_TREND_LOW_MENTIONS);
    if (any_none)
        printf("; %s no document of that kind or track that year", utf8 ? "\xe2\x80\x93" : "-");
    putchar('\n');
    return PL_EXIT_OK;
}

static void print_terms(const char *title, const pl_term_score *sc, size_t n, const char *c1,
                        const char *c2)
{
    printf("%s\n", title);
    if (!n) {
        printf("  (none)\n");
        return;
    }
    printf("  %-24s %7s %8s %8s\n", "term", "z", c2, c1);
    for (size_t i = 0; i < n; i++)
        printf("  %-24.24s %7.2f %8llu %8llu\n", sc[i].display, sc[i].z,
               (unsigned long long)sc[i].count_2, (unsigned long long)sc[i].count_1);
}

static int print_shift(const pl_term_shift *s, int cooccur)
{
    char t1[128], t2[128];
    if (cooccur) {
        printf("Terms of \"%s\" documents in %d (%u documents) against the other %u documents "
               "of the year\n",
               s->topic, s->year_a, s->docs_1, s->docs_2);
        snprintf(t1, sizeof t1, "Associated (z > 1.96 is significant at about 5%%):");
        snprintf(t2, sizeof t2, "Rarer than elsewhere that year:");
        print_terms(t1, s->up, s->n_up, "topic", "others");
        putchar('\n');
        print_terms(t2, s->down, s->n_down, "topic", "others");
    } else {
        char ya[16], yb[16];
        snprintf(ya, sizeof ya, "%d", s->year_a);
        snprintf(yb, sizeof yb, "%d", s->year_b);
        printf("Terms from %d (%u documents) to %d (%u documents)\n", s->year_a, s->docs_2,
               s->year_b, s->docs_1);
        snprintf(t1, sizeof t1, "Rising (z > 1.96 is significant at about 5%%):");
        snprintf(t2, sizeof t2, "Falling:");
        print_terms(t1, s->up, s->n_up, yb, ya);
        putchar('\n');
        print_terms(t2, s->down, s->n_down, yb, ya);
    }
    printf("\nlog-odds ratio with an informative Dirichlet prior (alpha0 %.0f), words of title "
           "and body (a compound once, links not counted), terms in at least %u documents\n",
           s->alpha0, s->min_docs);
    return PL_EXIT_OK;
}

static int print_compare(const pl_trend_compare *c)
{
    printf("%s (%s)\n", c->topic, c->query_desc);
    printf("  %d: %u of %u documents = %.1f%% [%.1f%%, %.1f%%]\n", c->year_a, c->docs_a, c->total_a,
           c->share_a * 100, c->share_a_lo * 100, c->share_a_hi * 100);
    printf("  %d: %u of %u documents = %.1f%% [%.1f%%, %.1f%%]\n", c->year_b, c->docs_b, c->total_b,
           c->share_b * 100, c->share_b_lo * 100, c->share_b_hi * 100);
    printf("  difference %d - %d: %+.1f points, %.0f%% CI [%+.1f, %+.1f] (Newcombe hybrid "
           "score)%s\n",
           c->year_b, c->year_a, c->diff * 100, c->level * 100, c->diff_lo * 100, c->diff_hi * 100,
           c->diff_lo > 0 || c->diff_hi < 0 ? "" : "; the interval includes no change");
    return PL_EXIT_OK;
}

int pl_cmd_trends(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return PL_EXIT_OK;
    }
    args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != PL_EXIT_OK) {
        free(a.topics);
        return rc;
    }
    if (a.fmt == FMT_TABLE && !a.rising && !a.cooccur && !a.compare)
        a.o.top_k = 0; /* the table does not show them */
    pl_error err = {0};
    pl_store *st = NULL;
    pl_snap *snap = NULL;
    pl_analyzer *syn_an = NULL;
    pl_synonyms *syn = NULL;
    pl_qctx *q = NULL;
    pl_trends *t = NULL;
    pl_term_shift *sh = NULL;
    pl_trend_compare *cmp = NULL;
    const char *dir = pl_cli_db_dir(a.db);
    if (pl_store_open(&st, dir, PL_STORE_READONLY, &err) != PL_OK ||
        pl_analyzer_new(&syn_an, &err) != PL_OK ||
        pl_synonyms_load_default(syn_an, &syn, &err) != PL_OK ||
        pl_qctx_new(syn, &q, &err) != PL_OK || pl_snap_begin(st, &snap, &err) != PL_OK) {
        rc = trends_fail(&err);
        goto done;
    }
    if (a.rising || a.cooccur) {
        int r = a.rising ? pl_trends_rising(q, snap, a.year_a, a.year_b, &a.o, &sh, &err)
                         : pl_trends_cooccur(q, snap, a.topic, a.year, &a.o, &sh, &err);
        if (r != PL_OK) {
            rc = trends_fail(&err);
            goto done;
        }
        rc = a.fmt == FMT_JSON ? print_json(pl_json_term_shift(sh, a.rising ? "rising" : "cooccur"))
                               : print_shift(sh, a.cooccur);
    } else if (a.compare) {
        if (pl_trends_compare(q, snap, a.topic, a.year_a, a.year_b, &a.o, &cmp, &err) != PL_OK) {
            rc = trends_fail(&err);
            goto done;
        }
        rc = a.fmt == FMT_JSON ? print_json(pl_json_trend_compare(cmp)) : print_compare(cmp);
    } else {
        if (pl_trends_compute(q, snap, a.topics, a.n_topics, &a.o, &t, &err) != PL_OK) {
            rc = trends_fail(&err);
            goto done;
        }
        /* On stderr whatever the format, so that CSV and the flat rows stay
         * data; --json also carries them in meta.warnings. */
        for (size_t i = 0; i < t->n_warnings; i++)
            pl_cli_err("trends: warning: %s", t->warnings[i]);
        switch (a.fmt) {
        case FMT_JSON: rc = print_json(pl_json_trends(t)); break;
        case FMT_GRAFANA: rc = print_json(pl_json_trends_grafana(t)); break;
        case FMT_VEGA: rc = print_json(pl_json_trends_vega(t)); break;
        case FMT_CSV: {
            pl_buf b = {0};
            if (pl_trends_csv(t, &b) != PL_OK) {
                pl_buf_free(&b);
                pl_cli_err("trends: out of memory");
                rc = PL_EXIT_FAIL;
                break;
            }
            fwrite(b.p, 1, b.n, stdout);
            pl_buf_free(&b);
            rc = PL_EXIT_OK;
            break;
        }
        default: rc = print_table(t, !a.ascii && utf8_terminal()); break;
        }
    }
    if (rc == PL_EXIT_OK && fflush(stdout) != 0) {
        pl_cli_err("trends: writing the output failed");
        rc = PL_EXIT_FAIL;
    }
done:
    pl_trends_free(t);
    pl_term_shift_free(sh);
    pl_trend_compare_free(cmp);
    pl_snap_end(snap);
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(syn_an);
    pl_store_close(st);
    free(a.topics);
    return rc;
}
