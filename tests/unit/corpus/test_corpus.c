/*
 * Unit tests of corpus/: the three bundled captures, canonical JSONL,
 * format detection, text cleaning.  Every expectation below was read off
 * the source files by hand (line numbers are those of the bundled files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../../corpus/src/corpus_internal.h"

/* ---- collecting records ---------------------------------------------------- */

typedef struct coll {
    pl_record_owned **r;
    size_t n, cap;
    int warnings;
    char last_warning[1024];
} coll;

static int collect(void *ctx, const pl_record *rec)
{
    coll *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->r = realloc(c->r, c->cap * sizeof *c->r);
        assert_non_null(c->r);
    }
    int rc = pl_record_copy(rec, &c->r[c->n]);
    if (rc)
        return rc;
    c->n++;
    return PL_OK;
}

static void on_warn(void *ctx, const char *msg)
{
    coll *c = ctx;
    c->warnings++;
    snprintf(c->last_warning, sizeof c->last_warning, "%s", msg);
}

static void coll_free(coll *c)
{
    for (size_t i = 0; i < c->n; i++)
        pl_record_owned_free(c->r[i]);
    free(c->r);
    memset(c, 0, sizeof *c);
}

static char *corpus_path(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", pl_corpus_dir(), name);
    return buf;
}

static void parse_bundled(const char *name, coll *c)
{
    pl_error err = {0};
    pl_parse_opts o = {on_warn, c};
    pl_format f;
    int rc = pl_parse_file(corpus_path(name), &o, collect, c, &f, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, PL_OK);
}

static const pl_record *find(const coll *c, const char *title)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->r[i]->rec.title, title))
            return &c->r[i]->rec;
    return NULL;
}

static const pl_record *must(const coll *c, const char *title)
{
    const pl_record *r = find(c, title);
    if (!r)
        print_error("no record titled \"%s\"\n", title);
    assert_non_null(r);
    return r;
}

static size_t count_kind(const coll *c, pl_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->r[i]->rec.kind == k;
    return n;
}

static void assert_people(const pl_record *r, const char *const *names, size_t n)
{
    assert_int_equal(r->n_people, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(r->people[i], names[i]);
}

/* ---- the bundled files are the ones the expectations were read from ------- */

static void bundled_files_unchanged(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t size;
        uint64_t hash;
    } f[] = {{"lpc2019-schedule.txt", 69488, 0xe7b1b768a557aae6ULL},
             {"lpc2023-blog.txt", 18743, 0x9f475e3d51ae2e1aULL},
             {"lpc2024-mcs.txt", 54794, 0x29ff40fbc4889649ULL}};
    char **paths;
    size_t n;
    pl_error err = {0};
    assert_int_equal(pl_corpus_files(pl_corpus_dir(), &paths, &n, &err), PL_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        char *p;
        size_t len;
        assert_non_null(strstr(paths[i], f[i].name));
        assert_int_equal(pl_read_file(paths[i], &p, &len, &err), PL_OK);
        assert_int_equal(len, f[i].size);
        assert_true(pl_hash64(p, len) == f[i].hash);
        pl_free(p);
        pl_free(paths[i]);
    }
    pl_free(paths);
}

/* ---- 2019 ---------------------------------------------------------------- */

static void lpc2019_counts_and_fillers(void **state)
{
    (void)state;
    coll c = {0};
    parse_bundled("lpc2019-schedule.txt", &c);
    /* 18 MC blocks, 7 + 8 + 4 refereed talks (the "To be announced"
     * slots are not talks), the intro paragraph. */
    assert_int_equal(count_kind(&c, PL_KIND_MC), 18);
    assert_int_equal(count_kind(&c, PL_KIND_TALK), 19);
    assert_int_equal(count_kind(&c, PL_KIND_EVENT), 1);
    assert_int_equal(c.n, 38);
    static const char *const fillers[] = {"Break",
                                          "Lunch",
                                          "TAB Elections",
                                          "To be announced",
                                          "Closing Plenary",
                                          "Closing Party",
                                          "Kernel Summit Track",
                                          "Networking Summit Track",
                                          "LPC Refereed Track"};
    for (size_t i = 0; i < sizeof fillers / sizeof fillers[0]; i++)
        assert_null(find(&c, fillers[i]));
    for (size_t i = 0; i < c.n; i++) {
        assert_null(strstr(c.r[i]->rec.body, "Your browser is out of date"));
        assert_int_equal(c.r[i]->rec.year, 2019);
    }
    coll_free(&c);
}

static void lpc2019_talks_days_and_times(void **state)
{
    (void)state;
    coll c = {0};
    parse_bundled("lpc2019-schedule.txt", &c);
    /* Day 1 (9 Sept): the first refereed track, lines 43-139. */
    const pl_record *r = must(&c, "Maintaining out of tree patches over the long term");
    assert_int_equal(r->kind, PL_KIND_TALK);
    assert_string_equal(r->day, "2019-09-09");
    assert_string_equal(r->start, "10:00");
    assert_int_equal(r->duration_min, 45);
    assert_string_equal(r->track, "LPC Refereed Track");
    assert_int_equal(r->line_first, 45);
    assert_true(pl_str_has_prefix(r->body, "The PREEMPT_RT patchset is the longest"));
    r = must(&c, "Red Hat joins CI party, brings cookies");
    assert_string_equal(r->day, "2019-09-09");
    assert_string_equal(r->start, "17:00");
    /* Day 2 starts with the Databases MC at 10:00 after the 15:00 MCs. */
    r = must(&c, "Kernel Address Space Isolation");
    assert_string_equal(r->day, "2019-09-10");
    assert_string_equal(r->start, "12:45");
    assert_int_equal(r->duration_min, 45);
    static const char *const speakers[] = {"Alexandre Chartre", "James Bottomley", "Mike Rapoport",
                                           "Joel Nider"};
    assert_people(r, speakers, 4);
    assert_null(strstr(r->body, "Speakers:"));
    r = must(&c, "Formal verification made easy (and fast)!");
    assert_string_equal(r->day, "2019-09-10");
    assert_string_equal(r->start, "17:45");
    /* Day 3. */
    r = must(&c, "Finding more DRAM");
    assert_string_equal(r->day, "2019-09-11");
    assert_string_equal(r->start, "10:00");
    r = must(&c, "Linux Gen-Z Sub-system");
    assert_string_equal(r->day, "2019-09-11");
    assert_string_equal(r->start, "15:45");
    assert_int_equal(r->line_first, 690);
    /* "printk()" keeps its parentheses (only e-mail brackets go). */
    r = must(&c, "printk: Why is it so complicated?");
    assert_true(pl_str_has_prefix(r->body, "The printk() function"));
    coll_free(&c);
}

static void lpc2019_mcs(void **state)
{
    (void)state;
    coll c = {0};
    parse_bundled("lpc2019-schedule.txt", &c);
    const pl_record *r = must(&c, "Databases MC");
    assert_int_equal(r->kind, PL_KIND_MC);
    assert_string_equal(r->day, "2019-09-10");
    assert_string_equal(r->start, "10:00");
    assert_int_equal(r->duration_min, 210);
    static const char *const black[] = {"Daniel Black"};
    assert_people(r, black, 1);
    assert_null(strstr(r->body, "MC lead"));
    /* The block at line 176 has no name line. */
    r = must(&c, "VFIO/IOMMU/PCI MC");
    assert_int_equal(r->title_inferred, 1);
    assert_int_equal(r->line_first, 176);
    assert_string_equal(r->day, "2019-09-09");
    static const char *const vfio[] = {"Bjorn Helgaas", "Lorenzo Pieralisi", "Joerg Roedel",
                                       "Alex Williamson"};
    assert_people(r, vfio, 4);
    /* Line 250: a name and nothing else. */
    r = must(&c, "System Boot and Security MC");
    assert_string_equal(r->body, "");
    assert_int_equal(r->n_people, 0);
    assert_string_equal(r->start, "15:00");
    /* Leads whose addresses the capture dropped: "Till Kamppeter ( ) or
     * Aveek Basu (", "Rafael J. Wysocki ( and Eduardo Valentin (". */
    static const char *const op[] = {"Till Kamppeter", "Aveek Basu"};
    assert_people(must(&c, "Open Printing MC"), op, 2);
    static const char *const pm[] = {"Rafael J. Wysocki", "Eduardo Valentin"};
    assert_people(must(&c, "Power Management and Thermal Control MC"), pm, 2);
    static const char *const sched[] = {"Juri Lelli", "Vincent Guittot",
                                        "Daniel Bristot de Oliveira", "Subhra Mazumdar",
                                        "Dhaval Giani"};
    assert_people(must(&c, "Scheduler MC"), sched, 5);
    r = must(&c, "Testing and Fuzzing MC");
    assert_string_equal(r->day, "2019-09-11");
    /* The intro paragraph is the event record. */
    r = must(&c, "Linux Plumbers Conference 2019");
    assert_int_equal(r->kind, PL_KIND_EVENT);
    assert_true(pl_str_has_prefix(r->body, "September 9-11, Lisbon, Portugal\n\nThe Linux"));
    assert_null(strstr(r->body, "\xc2\xa0")); /* NBSPs of line 7 */
    assert_non_null(strstr(r->body, "beyond. LPC 2019 will"));
    coll_free(&c);
}

/* ---- 2023 ---------------------------------------------------------------- */

static void lpc2023_posts(void **state)
{
    (void)state;
    coll c = {0};
    parse_bundled("lpc2023-blog.txt", &c);
    assert_int_equal(count_kind(&c, PL_KIND_NEWS), 3);
    assert_int_equal(count_kind(&c, PL_KIND_CFP), 7);
    assert_int_equal(c.n, 10);
    /* Lines 1-5 are the body of the title on line 6. */
    const pl_record *r = &c.r[0]->rec;
    assert_string_equal(r->title, "LPC 2023 Schedule is now posted!");
    assert_int_equal(r->kind, PL_KIND_NEWS);
    assert_int_equal(r->line_first, 1);
    assert_int_equal(r->line_last, 6);
    assert_true(pl_str_has_prefix(r->body, "The schedule for when the miniconferences"));
    assert_non_null(strstr(r->body, "We're looking forward")); /* smart quote folded */
    r = &c.r[1]->rec;
    assert_string_equal(r->title, "Linux Plumbers Conference General Registration Reopened");
    assert_int_equal(r->line_first, 7);
    r = must(&c, "Registration Currently Sold Out, We're Trying to Add More Places");
    assert_int_equal(r->kind, PL_KIND_NEWS);
    r = must(&c, "IoT MC CFP");
    assert_int_equal(r->kind, PL_KIND_CFP);
    assert_string_equal(r->track, "IoT MC");
    /* Line 78 is cut off; it is the end of the IoT post, not a title. */
    assert_int_equal(r->line_last, 78);
    assert_non_null(strstr(r->body, "by selecting Inter"));
    assert_int_equal(r->n_people, 0);
    /* Leads with addresses, one cut short (line 191). */
    r = must(&c, "Kernel Testing & Dependability MC CFP");
    static const char *const leads[] = {"Shuah Khan", "Sasha Levin", "Guillaume Tucker"};
    assert_people(r, leads, 3);
    assert_null(strchr(r->body, '@'));
    assert_int_equal(r->line_last, 191);
    for (size_t i = 0; i < c.n; i++) {
        assert_null(strstr(c.r[i]->rec.title, "\xe2\x80\x99"));
        assert_null(strstr(c.r[i]->rec.body, "\xe2\x80\x99"));
        assert_null(strstr(c.r[i]->rec.body, "\xe2\x80\x9c"));
    }
    coll_free(&c);
}

/* ---- 2024 ---------------------------------------------------------------- */

static void lpc2024_mcs(void **state)
{
    (void)state;
    coll c = {0};
    parse_bundled("lpc2024-mcs.txt", &c);
    assert_int_equal(c.n, 26);
    assert_int_equal(count_kind(&c, PL_KIND_MC), 26);
    /* The page header (lines 1-9) is not a record. */
    const pl_record *r = &c.r[0]->rec;
    assert_string_equal(r->title, "Android");
    assert_int_equal(r->line_first, 11);
    assert_int_equal(r->line_last, 37);
    assert_null(find(&c, "18\xe2\x80\x93"
                         "20 Sept 2024"));
    assert_null(find(&c, "Europe/Vienna timezone"));
    assert_null(find(&c, "Microconferences proposed for LPC 2024"));
    static const char *const android[] = {"Lukasz Luba", "Amit Pundir", "Sumit Semwal",
                                          "John Stultz", "Fuad Tabba",  "Karim Yaghmour"};
    assert_people(r, android, 6);
    /* "in" (line 104) / "dustry." (line 106): one word. */
    r = must(&c, "Compute Express Link (CXL)");
    assert_non_null(strstr(r->body, "momentum in the industry. Whilst"));
    /* "Overview" is a heading, not half a word. */
    r = must(&c, "Sched-Ext: The BPF extensible scheduler class");
    assert_true(pl_str_has_prefix(r->body, "Overview\n\nsched_ext is"));
    assert_non_null(strstr(r->body, "David Vernet: The current status"));
    assert_null(strchr(r->body, '@'));
    /* "MC Lead:" with two names. */
    static const char *const kup[] = {"Luca Boccassi", "Lennart Poettering"};
    assert_people(must(&c, "Kernel <-> Userspace/Init/System Management boundaries and APIs"), kup,
                  2);
    static const char *const vfio[] = {"Bjorn Helgaas", "Lorenzo Pieralisi", "Joerg Roedel",
                                       "Krzysztof Wilczy\xc5\x84ski", "Alex Williamson"};
    assert_people(must(&c, "VFIO/IOMMU/PCI"), vfio, 5);
    /* The last line has no newline. */
    r = &c.r[25]->rec;
    assert_string_equal(r->title,
                        "Zoned Storage Devices - SMR HDDs, ZNS SSDs, Zoned mobile flash (UFS)");
    assert_int_equal(r->line_last, 837);
    static const char *const zoned[] = {"Hans Holmberg"};
    assert_people(r, zoned, 1);
    for (size_t i = 0; i < c.n; i++) {
        assert_int_equal(c.r[i]->rec.year, 2024);
        assert_int_equal(c.r[i]->rec.title_inferred, 0);
        assert_null(strstr(c.r[i]->rec.body, "\xc2\xa0"));
        assert_null(strstr(c.r[i]->rec.body, "MC Lead"));
        for (size_t k = 0; k < c.r[i]->rec.n_people; k++)
            assert_null(strstr(c.r[i]->rec.people[k], "\xc2\xa0"));
    }
    coll_free(&c);
}

static int parse_text(int (*fn)(const char *, const char *, size_t, const pl_parse_opts *,
                                pl_record_sink, void *, pl_error *),
                      const char *text, coll *c, pl_error *err)
{
    pl_parse_opts o = {on_warn, c};
    return fn("mem.txt", text, strlen(text), &o, collect, c, err);
}

static void lpc2024_untitled_and_empty_blocks(void **state)
{
    (void)state;
    const char *text = "18\xe2\x80\x93"
                       "20 Sept 2024\nEurope/Vienna timezone\n\n"
                       "Storage\n\nAll about disks.\n\nMC Leads: Ann Example \n\n\n"
                       "The Linux Plumbers 2024 Frobnication microconference is new. It is.\n\n"
                       "MC leads: Bob Example (bob@example.org), Cy Example\n\n\n"
                       "Empty\n\nMC Lead: Di Example";
    coll c = {0};
    pl_error err = {0};
    assert_int_equal(parse_text(pl_parse_lpc2024, text, &c, &err), PL_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.r[0]->rec.title, "Storage");
    assert_string_equal(c.r[0]->rec.body, "All about disks.");
    assert_string_equal(c.r[1]->rec.title, "Frobnication MC");
    assert_int_equal(c.r[1]->rec.title_inferred, 1);
    static const char *const two[] = {"Bob Example", "Cy Example"};
    assert_people(&c.r[1]->rec, two, 2);
    assert_string_equal(c.r[2]->rec.title, "Empty");
    assert_string_equal(c.r[2]->rec.body, "");
    assert_int_equal(c.r[2]->rec.line_last, 18);
    assert_true(c.warnings >= 1);
    coll_free(&c);
}

static void lpc2019_synthetic_days_and_ids(void **state)
{
    (void)state;
    /* Two MCs of one title on two days: ids must differ (suffix "-2"). */
    const char *text = "Linux Plumbers Conference 2019\n\nSeptember 30-31, Somewhere\n\n"
                       "    \xe2\x80\xa2 15:00 18:30\n      Same MC\n\n      Text one.\n\n"
                       "    \xe2\x80\xa2 10:00 18:30\n      Talks Track\n"
                       "      \xe2\x80\xa2 10:00\n        Short 1h 30m\n\n        Abstract.\n"
                       "      \xe2\x80\xa2 11:30\n        Break 30m\n"
                       "    \xe2\x80\xa2 15:00 18:30\n      Same MC\n\n      Text two.\n";
    coll c = {0};
    pl_error err = {0};
    assert_int_equal(parse_text(pl_parse_lpc2019, text, &c, &err), PL_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.r[0]->rec.kind, PL_KIND_EVENT);
    assert_string_equal(c.r[1]->rec.day, "2019-09-30");
    /* September has 30 days: the next day is 1 October. */
    assert_string_equal(c.r[2]->rec.title, "Short");
    assert_string_equal(c.r[2]->rec.day, "2019-10-01");
    assert_int_equal(c.r[2]->rec.duration_min, 90);
    assert_string_equal(c.r[2]->rec.track, "Talks Track");
    assert_string_equal(c.r[3]->rec.title, "Same MC");
    assert_string_equal(c.r[3]->rec.day, "2019-10-01");
    size_t l = strlen(c.r[1]->rec.id);
    assert_string_equal(c.r[3]->rec.id + l, "-2");
    assert_memory_equal(c.r[3]->rec.id, c.r[1]->rec.id, l);
    coll_free(&c);
}

/* ---- ids ------------------------------------------------------------------- */

static void ids_stable_and_unique(void **state)
{
    (void)state;
    const char *files[] = {"lpc2019-schedule.txt", "lpc2023-blog.txt", "lpc2024-mcs.txt"};
    coll a = {0}, b = {0};
    for (int i = 0; i < 3; i++) {
        parse_bundled(files[i], &a);
        parse_bundled(files[i], &b);
        parse_bundled(files[i], &b);
    }
    assert_int_equal(a.n, 38 + 10 + 26);
    assert_int_equal(b.n, 2 * a.n);
    /* a holds each file once; b holds each file twice, in a row. */
    size_t off = 0, boff = 0;
    size_t per[3] = {38, 10, 26};
    for (int f = 0; f < 3; f++) {
        for (size_t i = 0; i < per[f]; i++) {
            assert_string_equal(a.r[off + i]->rec.id, b.r[boff + i]->rec.id);
            assert_string_equal(a.r[off + i]->rec.id, b.r[boff + per[f] + i]->rec.id);
        }
        off += per[f];
        boff += 2 * per[f];
    }
    for (size_t i = 0; i < a.n; i++)
        for (size_t j = i + 1; j < a.n; j++)
            assert_string_not_equal(a.r[i]->rec.id, a.r[j]->rec.id);
    char id[96];
    pl_record_make_id(2019, PL_KIND_MC, "Databases MC", id);
    assert_true(pl_str_has_prefix(id, "2019-mc-databases-mc-"));
    assert_int_equal(strlen(id), strlen("2019-mc-databases-mc-") + 8);
    assert_string_equal(must(&a, "Databases MC")->id, id);
    coll_free(&a);
    coll_free(&b);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_round_trip_every_record(void **state)
{
    (void)state;
    const char *files[] = {"lpc2019-schedule.txt", "lpc2023-blog.txt", "lpc2024-mcs.txt"};
    coll c = {0};
    for (int i = 0; i < 3; i++)
        parse_bundled(files[i], &c);
    for (size_t i = 0; i < c.n; i++) {
        const pl_record *r = &c.r[i]->rec;
        pl_buf b = {0};
        pl_error err = {0};
        assert_int_equal(pl_record_to_json(&b, r, &err), PL_OK);
        assert_true(pl_str_has_prefix(b.p, "{\"schema\":1,\"id\":"));
        assert_null(strchr(b.p, '\n'));
        pl_record_owned *o = NULL;
        assert_int_equal(pl_record_from_json(b.p, b.n, &o, &err), PL_OK);
        const pl_record *q = &o->rec;
        assert_string_equal(q->id, r->id);
        assert_int_equal(q->year, r->year);
        assert_int_equal(q->kind, r->kind);
        assert_string_equal(q->title, r->title);
        assert_string_equal(q->body, r->body);
        assert_int_equal(q->n_people, r->n_people);
        for (size_t k = 0; k < r->n_people; k++)
            assert_string_equal(q->people[k], r->people[k]);
        assert_string_equal(q->track, r->track);
        assert_string_equal(q->day, r->day);
        assert_string_equal(q->start, r->start);
        assert_int_equal(q->duration_min, r->duration_min);
        assert_string_equal(q->url, r->url);
        assert_string_equal(q->source_file, r->source_file);
        assert_int_equal(q->line_first, r->line_first);
        assert_int_equal(q->line_last, r->line_last);
        assert_int_equal(q->title_inferred, r->title_inferred);
        pl_record_owned_free(o);
        pl_buf_free(&b);
    }
    coll_free(&c);
}

/* ---- the hand-written JSON writer against jansson ---------------------------
 * pl_record_to_json writes JSON by hand; the reference below builds the
 * same object with jansson and dumps it with JSON_COMPACT |
 * JSON_PRESERVE_ORDER (what the writer did before).  Both must give the
 * same bytes, and refuse the same invalid UTF-8. */
static char *jansson_record(const pl_record *r)
{
    json_t *o = json_object(), *people = json_array();
#define S(k, v)                                                                                    \
    do {                                                                                           \
        json_t *s_ = json_string((v) ? (v) : "");                                                  \
        if (!s_) {                                                                                 \
            json_decref(people);                                                                   \
            json_decref(o);                                                                        \
            return NULL;                                                                           \
        }                                                                                          \
        json_object_set_new(o, k, s_);                                                             \
    } while (0)
    json_object_set_new(o, "schema", json_integer(PL_RECORD_SCHEMA));
    S("id", r->id);
    json_object_set_new(o, "year", json_integer(r->year));
    json_object_set_new(o, "kind", json_string(pl_kind_name(r->kind)));
    S("title", r->title);
    S("body", r->body);
    for (size_t i = 0; i < r->n_people; i++) {
        json_t *s = json_string(r->people[i]);
        if (!s) {
            json_decref(people);
            json_decref(o);
            return NULL;
        }
        json_array_append_new(people, s);
    }
    json_object_set_new(o, "people", people);
    people = NULL;
    S("track", r->track);
    S("day", r->day);
    S("start", r->start);
    json_object_set_new(o, "duration_min", json_integer(r->duration_min));
    S("url", r->url);
    S("source_file", r->source_file);
    json_object_set_new(o, "line_first", json_integer(r->line_first));
    json_object_set_new(o, "line_last", json_integer(r->line_last));
    json_object_set_new(o, "title_inferred", json_boolean(r->title_inferred));
#undef S
    char *d = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return d;
}

static void check_same_json(const pl_record *r)
{
    char *want = jansson_record(r);
    pl_buf b = {0};
    pl_error err = {0};
    pl_buf_puts(&b, "x"); /* appends, and leaves what was there on failure */
    int rc = pl_record_to_json(&b, r, &err);
    if (!want) {
        assert_int_equal(rc, PL_EPARSE);
        assert_non_null(strstr(err.msg, "not valid UTF-8"));
        assert_int_equal(b.n, 1);
        assert_string_equal(b.p, "x");
    } else {
        assert_int_equal(rc, PL_OK);
        assert_string_equal(b.p + 1, want);
    }
    free(want);
    pl_buf_free(&b);
}

static void json_writer_matches_jansson(void **state)
{
    (void)state;
    pl_record r;
    memset(&r, 0, sizeof r);
    r.id = "2024-talk-x-0000abcd";
    r.year = 2024;
    r.kind = PL_KIND_MC;
    r.title = "Quotes \" and \\ back/slash\tTab\x01\x1f\x7f end";
    r.body = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7 \b\f\n\r";
    r.people[0] = "Ana \"Q\"";
    r.people[1] = "";
    r.n_people = 2;
    r.track = "Kernel";
    memcpy(r.day, "2024-09-18", 11);
    memcpy(r.start, "10:30", 6);
    r.duration_min = -45;
    r.url = "https://lpc.events/e/2024/?a=1&b=<2>";
    r.source_file = NULL;
    r.line_first = 12;
    r.line_last = 2147483647;
    r.title_inferred = 1;
    check_same_json(&r);
    r.n_people = 0;
    r.title_inferred = 0;
    check_same_json(&r);
    /* invalid UTF-8 in each kind of field: refused by both */
    const char *bad[] = {"\x80",
                         "\xc0\x80",
                         "\xc1\xbf",
                         "\xe0\x80\x80",
                         "\xed\xa0\x80",
                         "\xf4\x90\x80\x80",
                         "\xf5\x80\x80\x80",
                         "\xc3",
                         "a\xe2\x82",
                         "\xff",
                         "\xf0\x8f\xbf\xbf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pl_record q = r;
        q.body = bad[i];
        check_same_json(&q);
        q = r;
        q.people[0] = bad[i];
        q.n_people = 1;
        check_same_json(&q);
        q = r;
        q.source_file = bad[i];
        check_same_json(&q);
    }
    /* random strings over the bytes that matter */
    const unsigned char alphabet[] = {'a',  ' ',  '"',  '\\', '/',  1,    0x1f,
                                      '\n', 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0,
                                      0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f};
    srand(7);
    for (int iter = 0; iter < 3000; iter++) {
        char s[24];
        size_t n = (size_t)(rand() % 23);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)alphabet[rand() % (int)sizeof alphabet];
        s[n] = 0;
        pl_record q = r;
        q.title = s;
        check_same_json(&q);
    }
}

static void jsonl_errors_name_file_and_line(void **state)
{
    (void)state;
    coll c = {0};
    pl_error err = {0};
    const char *text = "{\"id\":\"a\",\"year\":2020,\"title\":\"One\",\"body\":\"b\"}\n"
                       "\n"
                       "{\"year\":2021,\"title\":\"Two\",\"kind\":\"mc\",\"people\":[\"X\"]}\n"
                       "{\"id\":\"c\",\"title\":\"No year\"}\n"
                       "{\"id\":\"d\",\"year\":2022,\"title\":\"Bad\" \n";
    pl_parse_opts o = {on_warn, &c};
    int rc = pl_parse_jsonl("x.jsonl", text, strlen(text), &o, collect, &c, &err);
    assert_int_equal(rc, PL_EPARSE);
    assert_true(pl_str_has_prefix(err.msg, "x.jsonl:5: "));
    assert_int_equal(c.n, 2);
    /* The bench shape: no kind means talk. */
    assert_string_equal(c.r[0]->rec.id, "a");
    assert_int_equal(c.r[0]->rec.kind, PL_KIND_TALK);
    assert_int_equal(c.r[0]->rec.line_first, 1);
    assert_int_equal(c.r[1]->rec.kind, PL_KIND_MC);
    assert_true(pl_str_has_prefix(c.r[1]->rec.id, "2021-mc-two-"));
    assert_int_equal(c.r[1]->rec.line_first, 3);
    assert_int_equal(c.warnings, 1);
    assert_true(pl_str_has_prefix(c.last_warning, "x.jsonl:4: "));
    assert_non_null(strstr(c.last_warning, "year"));
    coll_free(&c);

    /* Wrong types and kinds are errors. */
    static const char *const bad[] = {"{\"year\":\"2020\",\"title\":\"t\"}",
                                      "{\"year\":2020,\"title\":5}",
                                      "{\"year\":2020,\"title\":\"t\",\"kind\":\"poem\"}",
                                      "{\"year\":2020,\"title\":\"t\",\"people\":\"A\"}",
                                      "{\"year\":2020,\"title\":\"t\",\"day\":\"9 Sept\"}",
                                      "{\"schema\":2,\"year\":2020,\"title\":\"t\"}",
                                      "[1,2]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_error e = {0};
        coll d = {0};
        pl_parse_opts od = {on_warn, &d};
        assert_int_not_equal(
            pl_parse_jsonl("y.jsonl", bad[i], strlen(bad[i]), &od, collect, &d, &e), PL_OK);
        assert_true(pl_str_has_prefix(e.msg, "y.jsonl:1: "));
        assert_int_equal(d.n, 0);
    }
}

static void jsonl_file_streams_and_detects(void **state)
{
    (void)state;
    char path[] = "/tmp/pl_corpus_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    /* 3000 records, one of them with a body longer than the 64 KiB chunk. */
    for (int i = 0; i < 3000; i++) {
        fprintf(f, "{\"id\":\"r%d\",\"year\":%d,\"title\":\"Title %d\",\"body\":\"", i,
                2000 + i % 25, i);
        for (int k = 0; k < (i == 1500 ? 100000 : 3); k++)
            fputs("word ", f);
        fputs("\"}\n", f);
    }
    fputs("{\"year\":2001,\"title\":\"no newline at the end\"}", f);
    fclose(f);
    coll c = {0};
    pl_error err = {0};
    pl_format fmt;
    pl_parse_opts o = {on_warn, &c};
    assert_int_equal(pl_parse_file(path, &o, collect, &c, &fmt, &err), PL_OK);
    assert_int_equal(fmt, PL_FMT_JSONL);
    assert_int_equal(c.n, 3001);
    assert_string_equal(c.r[1500]->rec.id, "r1500");
    assert_int_equal(strlen(c.r[1500]->rec.body), 500000);
    assert_int_equal(c.r[2999]->rec.line_first, 3000);
    assert_string_equal(c.r[3000]->rec.title, "no newline at the end");
    coll_free(&c);
    unlink(path);
}

/* ---- detection ---------------------------------------------------------------- */

static void format_detection(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        pl_format f;
    } t[] = {
        {"\xef\xbb\xbf\r\n BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", PL_FMT_ICAL},
        {"<?xml version=\"1.0\"?>\n<!-- x -->\n<schedule><conference/></schedule>",
         PL_FMT_FRAB_XML},
        {"{\"id\":\"x\",\"year\":2020,\"title\":\"T\"}\n{\"year\":2021}\n", PL_FMT_JSONL},
        {"{\"results\":{\"17\":{\"20230913\":{}}}}", PL_FMT_INDICO_TT},
        {"{\"results\":[{\"id\":1,\"contributions\":[]}]}", PL_FMT_INDICO_EVENT},
        {"{\"schedule\":{\"conference\":{}}}", PL_FMT_FRAB_JSON},
        {"{\"nothing\":1}", PL_FMT_UNKNOWN},
        {"hello\nworld\n", PL_FMT_UNKNOWN},
        {"Some MC CFP\nText.\n", PL_FMT_LPC2023},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(pl_format_detect("file", t[i].text, strlen(t[i].text)), t[i].f);
    /* Content wins over the name; the name decides only when content is
     * silent. */
    assert_int_equal(pl_format_detect("x.ics", "{\"schedule\":{}}", 15), PL_FMT_FRAB_JSON);
    assert_int_equal(pl_format_detect("x.jsonl", "", 0), PL_FMT_JSONL);
    static const char *const names[] = {"lpc2019-schedule.txt", "lpc2023-blog.txt",
                                        "lpc2024-mcs.txt"};
    static const pl_format want[] = {PL_FMT_LPC2019, PL_FMT_LPC2023, PL_FMT_LPC2024};
    for (int i = 0; i < 3; i++) {
        char *p;
        size_t n;
        pl_error err = {0};
        assert_int_equal(pl_read_file(corpus_path(names[i]), &p, &n, &err), PL_OK);
        assert_int_equal(pl_format_detect("renamed.txt", p, n), want[i]);
        pl_free(p);
    }
    assert_string_equal(pl_format_name(PL_FMT_INDICO_TT), "indico-timetable");

    char path[] = "/tmp/pl_corpus_unknown_XXXXXX";
    int fd = mkstemp(path);
    assert_true(write(fd, "just words\n", 11) == 11);
    close(fd);
    coll c = {0};
    pl_error err = {0};
    assert_int_equal(pl_parse_file(path, NULL, collect, &c, NULL, &err), PL_EPARSE);
    assert_non_null(strstr(err.msg, "unrecognised format (expected one of"));
    assert_true(pl_str_has_prefix(err.msg, path));
    unlink(path);
}

/* ---- text ---------------------------------------------------------------------- */

static void check_clean(const char *in, const char *want)
{
    pl_buf b = {0};
    assert_int_equal(pl_text_clean(&b, in, strlen(in)), PL_OK);
    assert_string_equal(b.p ? b.p : "", want);
    pl_buf_free(&b);
}

static void text_clean(void **state)
{
    (void)state;
    check_clean("  a\xc2\xa0\xc2\xa0 b  ", "a b");
    check_clean("\xe2\x80\x9cquoted\xe2\x80\x9d and \xe2\x80\x98it\xe2\x80\x99s\xe2\x80\x99",
                "\"quoted\" and 'it's'");
    check_clean("line one  \n   line\ttwo\n\n", "line one\nline two");
    check_clean("Caf"
                "e\xcc\x81",
                "Caf\xc3\xa9"); /* NFC */
    check_clean("bad \xff byte", "bad \xef\xbf\xbd byte");
    check_clean("trunc \xe2\x80", "trunc \xef\xbf\xbd\xef\xbf\xbd");
    check_clean("", "");
    check_clean("zero\xe2\x80\x8bwidth", "zerowidth");

    static const struct {
        const char *in, *want;
    } e[] = {
        {"Shuah Khan (shuah@kernel.org)", "Shuah Khan"},
        {"Sasha Levin <sashal@kernel.org>", "Sasha Levin"},
        {"Guillaume Tucker <guillaume.tucker@collabora.co", "Guillaume Tucker"},
        {"David Vernet (void@manifault.com): The status", "David Vernet: The status"},
        {"see https://lore.kernel.org/x/123.abc@kreacher/ now",
         "see https://lore.kernel.org/x/123.abc@kreacher/ now"},
        {"at @linux-pci and printk()", "at @linux-pci and printk()"},
        {"mail a.b@c.de or x", "mail  or x"},
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
        pl_buf b = {0};
        assert_int_equal(pl_text_strip_emails(&b, e[i].in, strlen(e[i].in)), PL_OK);
        assert_string_equal(b.p ? b.p : "", e[i].want);
        pl_buf_free(&b);
    }
}

/* ---- allocation failures ------------------------------------------------------ */

static void survives_allocation_failures(void **state)
{
    (void)state;
    char *p;
    size_t n;
    pl_error err = {0};
    static const char *const names[] = {"lpc2019-schedule.txt", "lpc2023-blog.txt",
                                        "lpc2024-mcs.txt"};
    int (*fn[])(const char *, const char *, size_t, const pl_parse_opts *, pl_record_sink, void *,
                pl_error *) = {pl_parse_lpc2019, pl_parse_lpc2023, pl_parse_lpc2024};
    for (int f = 0; f < 3; f++) {
        assert_int_equal(pl_read_file(corpus_path(names[f]), &p, &n, &err), PL_OK);
        int ok_seen = 0;
        /* Every failure point up to the first one that lets the parse
         * through, in strides so the test stays fast. */
        for (long k = 0; k < 200000 && !ok_seen; k += 1 + k / 8) {
            coll c = {0};
            pl_error e = {0};
            pl_alloc_fail_after(k);
            int rc = fn[f]("f", p, n, NULL, collect, &c, &e);
            pl_alloc_fail_after(-1);
            if (rc == PL_OK)
                ok_seen = 1;
            else
                assert_int_equal(rc, PL_ENOMEM);
            coll_free(&c);
        }
        assert_true(ok_seen);
        pl_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundled_files_unchanged),
        cmocka_unit_test(lpc2019_counts_and_fillers),
        cmocka_unit_test(lpc2019_talks_days_and_times),
        cmocka_unit_test(lpc2019_mcs),
        cmocka_unit_test(lpc2019_synthetic_days_and_ids),
        cmocka_unit_test(lpc2023_posts),
        cmocka_unit_test(lpc2024_mcs),
        cmocka_unit_test(lpc2024_untitled_and_empty_blocks),
        cmocka_unit_test(ids_stable_and_unique),
        cmocka_unit_test(json_round_trip_every_record),
        cmocka_unit_test(json_writer_matches_jansson),
        cmocka_unit_test(jsonl_errors_name_file_and_line),
        cmocka_unit_test(jsonl_file_streams_and_detects),
        cmocka_unit_test(format_detection),
        cmocka_unit_test(text_clean),
        cmocka_unit_test(survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
