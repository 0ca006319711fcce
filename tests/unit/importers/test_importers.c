/*
 * Unit tests of the importers (corpus/src/indico.c, ical.c, frab.c, html.c).
 * The expected records were worked out by hand from the fixtures in
 * tests/fixtures/importers/ (see the comments next to each expectation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../corpus/src/record.h"

/* ---- a sink that keeps plain copies ---------------------------------------- */

typedef struct rec {
    char *id, *title, *body, *track, *url;
    char *people[PL_MAX_PEOPLE];
    size_t n_people;
    int year, duration, line_first, line_last;
    pl_kind kind;
    char day[11], start[6];
} rec;

typedef struct got {
    rec r[64];
    size_t n;
    char *warn[32];
    size_t n_warn;
    int stop_after; /* >0: the sink fails on that record */
} got;

static char *dup(const char *s)
{
    char *d = strdup(s ? s : "");
    assert_non_null(d);
    return d;
}

static int sink(void *ctx, const pl_record *in)
{
    got *g = ctx;
    assert_true(g->n < 64);
    rec *r = &g->r[g->n++];
    r->id = dup(in->id);
    r->title = dup(in->title);
    r->body = dup(in->body);
    r->track = dup(in->track);
    r->url = dup(in->url);
    r->n_people = in->n_people;
    for (size_t i = 0; i < in->n_people; i++)
        r->people[i] = dup(in->people[i]);
    r->year = in->year;
    r->kind = in->kind;
    r->duration = in->duration_min;
    r->line_first = in->line_first;
    r->line_last = in->line_last;
    memcpy(r->day, in->day, sizeof r->day);
    memcpy(r->start, in->start, sizeof r->start);
    if (g->stop_after && (int)g->n == g->stop_after)
        return PL_EIO;
    return PL_OK;
}

static void on_warn(void *ctx, const char *msg)
{
    got *g = ctx;
    if (g->n_warn < 32)
        g->warn[g->n_warn++] = dup(msg);
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++) {
        rec *r = &g->r[i];
        free(r->id);
        free(r->title);
        free(r->body);
        free(r->track);
        free(r->url);
        for (size_t j = 0; j < r->n_people; j++)
            free(r->people[j]);
    }
    for (size_t i = 0; i < g->n_warn; i++)
        free(g->warn[i]);
    memset(g, 0, sizeof *g);
}

typedef int (*parser)(const char *, const char *, size_t, const pl_parse_opts *, pl_record_sink,
                      void *, pl_error *);

static char *fixture_path(const char *name)
{
    const char *root = getenv("PLUMBLINE_SOURCE_ROOT");
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/importers/%s", root ? root : ".", name);
    return path;
}

static int parse_fixture(parser fn, const char *name, got *g, pl_error *err)
{
    char *buf = NULL;
    size_t n = 0;
    pl_error rerr = {0};
    const char *path = fixture_path(name);
    assert_int_equal(pl_read_file(path, &buf, &n, &rerr), PL_OK);
    pl_parse_opts o = {.warn = on_warn, .warn_ctx = g};
    int rc = fn(name, buf, n, &o, sink, g, err);
    pl_free(buf);
    return rc;
}

static int parse_str(parser fn, const char *s, got *g, pl_error *err)
{
    pl_parse_opts o = {.warn = on_warn, .warn_ctx = g};
    return fn("inline", s, strlen(s), &o, sink, g, err);
}

static const rec *find(const got *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->r[i].id, id) == 0)
            return &g->r[i];
    fail_msg("no record with id %s", id);
    return NULL;
}

static int warned(const got *g, const char *needle)
{
    for (size_t i = 0; i < g->n_warn; i++)
        if (strstr(g->warn[i], needle))
            return 1;
    return 0;
}

/* ---- Indico ------------------------------------------------------------------ */

static void indico_timetable(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_indico, "indico-timetable.json", &g, &err), PL_OK);
    /* c1002, c1003, c1004, c1001 (the day-2 re-export wins), then the two
     * sessions; c1005 (no title), c1006 (no date) and breaks are skipped */
    assert_int_equal(g.n, 6);
    assert_string_equal(g.r[0].id, "2023-talk-indico-17-c1002");
    assert_string_equal(g.r[3].id, "2023-talk-indico-17-c1001");
    assert_string_equal(g.r[4].id, "2023-mc-indico-17-s81");
    assert_string_equal(g.r[5].id, "2023-mc-indico-17-s82");

    const rec *r = find(&g, "2023-talk-indico-17-c1002");
    assert_int_equal(r->kind, PL_KIND_TALK);
    assert_string_equal(r->title, "BPF's trampolines"); /* ’ -> ', spaces collapsed */
    assert_string_equal(r->body, "Trampolines <fast> & safe today.\n\nReally.");
    assert_int_equal(r->n_people, 2);
    assert_string_equal(r->people[0], "Jane Doe");
    assert_string_equal(r->people[1], "John Roe");
    assert_string_equal(r->track, "Tracing MC");
    assert_string_equal(r->day, "2023-11-13");
    assert_string_equal(r->start, "10:45");
    assert_int_equal(r->duration, 45);
    assert_int_equal(r->year, 2023);
    assert_string_equal(r->url, "https://lpc.events/event/17/contributions/1002/");

    r = find(&g, "2023-talk-indico-17-c1003"); /* top level: no track */
    assert_string_equal(r->title, "Opening keynote");
    assert_string_equal(r->body, "");
    assert_string_equal(r->track, "");
    assert_int_equal(r->n_people, 1);
    assert_string_equal(r->people[0], "Linus Example"); /* only "name" given */
    assert_string_equal(r->start, "09:00");

    r = find(&g, "2023-talk-indico-17-c1004"); /* nested in the second block */
    assert_string_equal(r->track, "Tracing MC");
    assert_string_equal(r->day, "2023-11-14");
    assert_int_equal(r->n_people, 0);

    r = find(&g, "2023-talk-indico-17-c1001");
    assert_string_equal(r->title, "Faster function tracing (updated)");
    assert_string_equal(r->body, "Re-exported.");
    assert_string_equal(r->day, "2023-11-14");
    assert_string_equal(r->start, "16:00");

    /* session 81 has two blocks: earliest start, summed duration, conveners
     * of both without repeats, HTML reduced (script gone, list bullets) */
    r = find(&g, "2023-mc-indico-17-s81");
    assert_int_equal(r->kind, PL_KIND_MC);
    assert_string_equal(r->title, "Tracing MC");
    assert_string_equal(r->body, "The tracing & observability microconference.\n\n- BPF\n"
                                 "- ftrace \xE2\x80\x94 kprobes");
    assert_int_equal(r->n_people, 3);
    assert_string_equal(r->people[0], "Ada Lovelace");
    assert_string_equal(r->people[1], "Grace Hopper");
    assert_string_equal(r->people[2], "Alan Turing");
    assert_string_equal(r->day, "2023-11-13");
    assert_string_equal(r->start, "10:00");
    assert_int_equal(r->duration, 150);
    assert_string_equal(r->track, "Tracing MC");

    r = find(&g, "2023-mc-indico-17-s82"); /* an MC with an empty body is kept */
    assert_string_equal(r->body, "");
    assert_int_equal(r->n_people, 0);
    assert_int_equal(r->duration, 45);

    assert_int_equal(g.n_warn, 3);
    assert_true(warned(&g, "contribution 1005"));
    assert_true(warned(&g, "no title"));
    assert_true(warned(&g, "contribution 1006"));
    assert_true(warned(&g, "duplicate id 17-c1001"));
    for (size_t i = 0; i < g.n_warn; i++)
        assert_true(strncmp(g.warn[i], "indico-timetable.json: ", 23) == 0);
    got_free(&g);
}

static void indico_event_export(void **state)
{
    (void)state;
    got g = {0}, t = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_indico, "indico-event.json", &g, &err), PL_OK);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.n_warn, 0);
    const rec *r = find(&g, "2023-talk-indico-17-c1002");
    assert_string_equal(r->title, "BPF's trampolines");
    assert_string_equal(r->track, "Tracing MC");   /* session before track */
    assert_string_equal(r->people[0], "Jane Doe"); /* first/last, not "Doe, Jane" */
    assert_string_equal(r->start, "10:45");

    r = find(&g, "2023-talk-indico-17-c1010");
    assert_string_equal(r->body, "Plain text.\nSecond line."); /* no HTML: lines kept */
    assert_string_equal(r->track, "Scheduler MC");
    assert_int_equal(r->n_people, 1);
    assert_string_equal(r->people[0], "Mononym");
    assert_string_equal(r->day, "2023-11-15");
    assert_int_equal(r->duration, 20);

    r = find(&g, "2023-talk-indico-17-c1011"); /* unscheduled: the event's year */
    assert_int_equal(r->year, 2023);
    assert_string_equal(r->day, "");
    assert_string_equal(r->start, "");
    assert_int_equal(r->duration, 30);

    /* the same talk from the timetable export has the same id and text */
    assert_int_equal(parse_fixture(pl_parse_indico, "indico-timetable.json", &t, &err), PL_OK);
    const rec *a = find(&t, "2023-talk-indico-17-c1002");
    r = find(&g, "2023-talk-indico-17-c1002");
    assert_string_equal(a->title, r->title);
    assert_string_equal(a->body, r->body);
    got_free(&g);
    got_free(&t);
}

static void indico_malformed(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_indico, "bad-noresults.json", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    assert_non_null(strstr(err.msg, "bad-noresults.json"));
    assert_non_null(strstr(err.msg, "results"));

    pl_error_clear(&err);
    /* cut inside a string on line 60, after two complete contributions */
    assert_int_equal(parse_fixture(pl_parse_indico, "bad-truncated.json", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    assert_non_null(strstr(err.msg, "bad-truncated.json:60:"));

    pl_error_clear(&err);
    assert_int_equal(
        parse_str(pl_parse_indico, "{\"results\": {\"17\": {\"20231113\": [1]}}}", &g, &err),
        PL_EPARSE);
    assert_int_equal(g.n, 0);
    assert_non_null(strstr(err.msg, "results.17.20231113"));

    pl_error_clear(&err);
    /* a valid record before a malformed entry still imports nothing */
    assert_int_equal(
        parse_str(pl_parse_indico,
                  "{\"results\": {\"9\": {\"20200101\": {\"c1\": {\"entryType\": "
                  "\"Contribution\", \"contributionId\": 1, \"title\": \"Ok\", \"startDate\": "
                  "{\"date\": \"2020-01-01\", \"time\": \"10:00:00\"}}, \"c2\": 5}}}}",
                  &g, &err),
        PL_EPARSE);
    assert_int_equal(g.n, 0);
    got_free(&g);
}

/* ---- iCalendar ------------------------------------------------------------------ */

static void ical_calendar(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_ical, "calendar.ics", &g, &err), PL_OK);
    /* E1, E3, E5 (replaces E2), E6, E7; E4 has no SUMMARY */
    assert_int_equal(g.n, 5);
    assert_string_equal(g.r[0].id, "2024-talk-ical-indico-contribution-2001-lpc-events");
    assert_string_equal(g.r[1].id, "2024-talk-ical-utc-1-example-org");
    assert_string_equal(g.r[2].id, "2024-mc-ical-nyc-1-example-org");
    assert_string_equal(g.r[3].id, "2024-talk-ical-allday-example-org");
    assert_string_equal(g.r[4].id, "2024-talk-ical-dst-example-org");

    const rec *r = &g.r[0];
    assert_string_equal(r->title, "Kernel live patching \xE2\x80\x94 \xC3\xA9tat de l'art");
    /* folds split inside ë and ä; escaped \, \; \\ and \n decoded; the
     * Speakers line became people and the trailing URL paragraph went */
    assert_int_equal(r->n_people, 2);
    assert_string_equal(r->people[0], "Jane Doe");
    assert_string_equal(r->people[1], "Zo\xC3\xAB \xC3\x91"
                                      "and\xC3\xBA");
    assert_string_equal(r->body,
                        "Live patching needs care; really.\nSecond line with a backslash \\ here.");
    assert_string_equal(r->track, "Live Patching");
    assert_string_equal(r->day, "2024-09-18");
    assert_string_equal(r->start, "14:30"); /* Vienna wall-clock time */
    assert_int_equal(r->duration, 45);
    assert_string_equal(r->url, "https://lpc.events/event/18/contributions/2001/");
    assert_int_equal(r->line_first, 22);
    assert_int_equal(r->line_last, 40);

    r = &g.r[1]; /* UTC kept as UTC; crosses the year end: year of the start */
    assert_string_equal(r->title, "Remote BOF");
    assert_int_equal(r->year, 2024);
    assert_string_equal(r->day, "2024-12-31");
    assert_string_equal(r->start, "23:30");
    assert_int_equal(r->duration, 45);
    assert_string_equal(r->track, "BOF");
    assert_int_equal(r->kind, PL_KIND_TALK);

    r = &g.r[2]; /* Microconference category -> mc, its track is its title */
    assert_string_equal(r->title, "Plumbing in New York (moved)");
    assert_int_equal(r->kind, PL_KIND_MC);
    assert_string_equal(r->track, "Plumbing in New York (moved)");
    assert_string_equal(r->day, "2024-11-06");
    assert_string_equal(r->start, "10:00");
    assert_int_equal(r->duration, 45);
    assert_string_equal(r->body, "Moved to Wednesday.");
    assert_int_equal(r->line_first, 65);

    r = &g.r[3]; /* all-day */
    assert_string_equal(r->day, "2024-09-19");
    assert_string_equal(r->start, "");
    assert_int_equal(r->duration, 0);

    r = &g.r[4]; /* 01:30 to 03:30 on the night the clocks go back is 3 hours */
    assert_string_equal(r->start, "01:30");
    assert_int_equal(r->duration, 180);

    assert_int_equal(g.n_warn, 2);
    assert_true(warned(&g, "calendar.ics:58: VEVENT nosummary@example.org: no title"));
    assert_true(warned(&g, "calendar.ics:65: "));
    assert_true(warned(&g, "duplicate id nyc-1@example.org (also at line 41)"));
    got_free(&g);
}

static const char cal_a[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                            "BEGIN:VEVENT\r\nUID:a@x\r\nSUMMARY:First\r\n"
                            "DTSTART;TZID=America/New_York:20230301T090000\r\n"
                            "DTEND;TZID=America/New_York:20230301T100000\r\nEND:VEVENT\r\n"
                            "BEGIN:VEVENT\r\nUID:b@x\r\nSUMMARY:Second\r\n"
                            "DTSTART:20230302T090000Z\r\nEND:VEVENT\r\n"
                            "END:VCALENDAR\r\n";
static const char cal_b[] = "BEGIN:VCALENDAR\nVERSION:2.0\n" /* LF only, other order */
                            "BEGIN:VEVENT\nUID:b@x\nSUMMARY:Second\n"
                            "DTSTART:20230302T090000Z\nEND:VEVENT\n"
                            "BEGIN:VEVENT\nUID:a@x\nSUMMARY:First\n"
                            "DTSTART;TZID=America/New_York:20230301T090000\n"
                            "DTEND;TZID=America/New_York:20230301T100000\nEND:VEVENT\n"
                            "END:VCALENDAR\n";

static void ical_ids_stable(void **state)
{
    (void)state;
    got a = {0}, a2 = {0}, b = {0};
    pl_error err = {0};
    assert_int_equal(parse_str(pl_parse_ical, cal_a, &a, &err), PL_OK);
    assert_int_equal(parse_str(pl_parse_ical, cal_a, &a2, &err), PL_OK);
    assert_int_equal(parse_str(pl_parse_ical, cal_b, &b, &err), PL_OK);
    assert_int_equal(a.n, 2);
    assert_int_equal(b.n, 2);
    assert_string_equal(a.r[0].id, a2.r[0].id);
    assert_string_equal(a.r[1].id, a2.r[1].id);
    assert_string_equal(a.r[0].id, b.r[1].id);
    assert_string_equal(a.r[1].id, b.r[0].id);
    assert_string_equal(a.r[0].id, "2023-talk-ical-a-x");
    assert_string_equal(b.r[1].start, "09:00"); /* New York wall-clock */
    assert_int_equal(b.r[1].duration, 60);
    got_free(&a);
    got_free(&a2);
    got_free(&b);
}

static void ical_calendar_time_zone(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    /* a UTC time shown in the calendar's X-WR-TIMEZONE: 12:30Z is 14:30 in
     * Vienna in September (CEST, +2) */
    const char *cal = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-TIMEZONE:Europe/Vienna\r\n"
                      "BEGIN:VEVENT\r\nUID:z@x\r\nSUMMARY:Zoned\r\n"
                      "DTSTART:20240918T123000Z\r\nDTEND:20240918T131500Z\r\nEND:VEVENT\r\n"
                      "END:VCALENDAR\r\n";
    assert_int_equal(parse_str(pl_parse_ical, cal, &g, &err), PL_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.r[0].start, "14:30");
    assert_int_equal(g.r[0].duration, 45);
    got_free(&g);
}

static void ical_malformed(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_ical, "bad-truncated.ics", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    assert_string_equal(err.msg,
                        "bad-truncated.ics:75: truncated: BEGIN:VEVENT at line 74 has no END");

    pl_error_clear(&err);
    assert_int_equal(parse_fixture(pl_parse_ical, "bad-novcal.ics", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    assert_non_null(strstr(err.msg, "bad-novcal.ics:1: not iCalendar"));

    pl_error_clear(&err);
    assert_int_equal(parse_fixture(pl_parse_ical, "bad-mismatch.ics", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0); /* the well-formed first event is not emitted */
    assert_string_equal(err.msg,
                        "bad-mismatch.ics:12: END:VTODO does not match BEGIN:VEVENT at line 8");

    pl_error_clear(&err);
    assert_int_equal(parse_str(pl_parse_ical, "", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    got_free(&g);
}

/* ---- frab --------------------------------------------------------------------- */

static void frab_xml(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_frab, "schedule.xml", &g, &err), PL_OK);
    assert_int_equal(g.n, 2); /* 301, 303 (day 2 wins); 302 has no title */
    const rec *r = &g.r[0];
    assert_string_equal(r->id, "2022-talk-frab-6f1c2a9e-4b7d-4a8c-9e43-0d2a1b3c4d5e");
    assert_string_equal(r->title, "io_uring everywhere");
    /* subtitle, abstract (escaped HTML, script dropped), description (CDATA) */
    assert_string_equal(r->body,
                        "Async all the things\n\nRings & queues.\n\nLonger text about io_uring.");
    assert_int_equal(r->n_people, 2);
    assert_string_equal(r->people[0], "Jens Example");
    assert_string_equal(r->people[1], "Pavel Sample");
    assert_string_equal(r->track, "Storage");
    assert_string_equal(r->day, "2022-09-12");
    assert_string_equal(r->start, "10:00");
    assert_int_equal(r->duration, 45);
    assert_string_equal(r->url, "https://example.org/plumbfest22/talk/301");
    assert_int_equal(r->line_first, 16);

    r = &g.r[1];
    assert_string_equal(r->id, "2022-talk-frab-303");
    assert_string_equal(r->title, "Real-time Linux status");
    assert_string_equal(r->body, "Same text."); /* description = abstract: once */
    assert_string_equal(r->day, "2022-09-13");
    assert_string_equal(r->start, "14:00");
    assert_int_equal(r->duration, 50);
    assert_int_equal(r->line_first, 62);

    assert_int_equal(g.n_warn, 2);
    assert_true(
        warned(&g, "schedule.xml:38: event 0a0b0c0d-0000-4000-8000-000000000302: no title"));
    assert_true(warned(&g, "schedule.xml:62: event 303: duplicate id 303 (also at line 50)"));
    got_free(&g);
}

static void frab_json(void **state)
{
    (void)state;
    got g = {0}, x = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_frab, "schedule.json", &g, &err), PL_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.n_warn, 0);
    assert_int_equal(parse_fixture(pl_parse_frab, "schedule.xml", &x, &err), PL_OK);
    /* the same event in both forms: same id and text */
    assert_string_equal(g.r[0].id, x.r[0].id);
    assert_string_equal(g.r[0].body, x.r[0].body);
    assert_string_equal(g.r[0].people[1], "Pavel Sample"); /* "name" when no public_name */
    const rec *r = &g.r[1];
    assert_string_equal(r->id, "2022-talk-frab-303");
    assert_string_equal(r->title, "Real-time Linux status");
    assert_string_equal(r->day, "2022-09-12"); /* no date: the day's */
    assert_string_equal(r->start, "09:30");    /* "9:30" padded */
    assert_int_equal(r->duration, 20);
    got_free(&g);
    got_free(&x);
}

static void frab_malformed(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_frab, "bad-notschedule.xml", &g, &err), PL_EPARSE);
    assert_non_null(strstr(err.msg, "bad-notschedule.xml:2: not a frab schedule"));

    pl_error_clear(&err);
    assert_int_equal(parse_fixture(pl_parse_frab, "bad-xxe.xml", &g, &err), PL_EPARSE);
    assert_non_null(strstr(err.msg, "DOCTYPE"));

    pl_error_clear(&err);
    assert_int_equal(parse_fixture(pl_parse_frab, "bad-broken.xml", &g, &err), PL_EPARSE);
    assert_non_null(strstr(err.msg, "bad-broken.xml:6: not well-formed XML"));

    pl_error_clear(&err);
    assert_int_equal(parse_fixture(pl_parse_frab, "bad-frab-nodays.json", &g, &err), PL_EPARSE);
    assert_non_null(strstr(err.msg, "schedule.conference.days"));

    pl_error_clear(&err);
    assert_int_equal(parse_str(pl_parse_frab, "Hello", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    got_free(&g);
}

/* ---- what real exports carry (entities, recurring events, PHP's [] ) --------- */

static void indico_escaped(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_indico, "indico-escaped.json", &g, &err), PL_OK);
    assert_int_equal(g.n, 2);
    const rec *r = find(&g, "2024-talk-indico-18-c2101");
    /* character references decoded in single-line fields; the '<' they
     * give is text, and "&c." is no reference */
    assert_string_equal(r->title, "Rust & C: O'Reilly's <linux/bpf.h> &c.");
    assert_string_equal(r->track, "Rust & Friends");
    assert_int_equal(r->n_people, 2);
    assert_string_equal(r->people[0], "Se\xc3\xa1"
                                      "n O'Brien");
    /* only fullName, which the event export writes family name first */
    assert_string_equal(r->people[1], "Zo\xc3\xab \xc3\x91"
                                      "and\xc3\xba");
    /* a URL keeps its query: "&lang=" is not a reference */
    assert_string_equal(r->url, "https://lpc.events/event/18/contributions/2101/?a=1&lang=en");
    r = find(&g, "2024-talk-indico-18-c2102"); /* nulls everywhere, no date */
    assert_int_equal(r->year, 2024);
    assert_string_equal(r->day, "");
    assert_int_equal(r->n_people, 0);
    assert_string_equal(r->track, "");
    assert_int_equal(g.n_warn, 0);
    got_free(&g);
}

static void ical_recurring(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_ical, "recurring.ics", &g, &err), PL_OK);
    /* the series, not one of its changed occurrences (before or after it),
     * and no "duplicate id" warning; an occurrence without its series
     * stands for it.  The empty DESCRIPTION is not worth a warning. */
    assert_int_equal(g.n, 2);
    const rec *r = find(&g, "2024-talk-ical-0f3b7c1e9a-google-com");
    assert_string_equal(r->title, "Kernel maintainers breakfast");
    assert_string_equal(r->body, "Coffee and triage, every morning.");
    assert_string_equal(r->day, "2024-09-18");
    assert_string_equal(r->start, "09:00");
    assert_int_equal(r->duration, 30);
    assert_int_equal(r->line_first, 34);
    assert_int_equal(r->line_last, 48);
    r = find(&g, "2024-talk-ical-77aa-google-com");
    assert_string_equal(r->title, "BOF: io_uring & friends");
    assert_string_equal(r->day, "2024-09-19");
    assert_string_equal(r->start, "17:00");
    assert_int_equal(r->line_first, 57);
    for (size_t i = 0; i < g.n_warn; i++)
        fail_msg("unexpected warning: %s", g.warn[i]);
    got_free(&g);
}

static void frab_json_empty_rooms(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_frab, "schedule-empty-rooms.json", &g, &err), PL_OK);
    assert_int_equal(g.n, 1);
    const rec *r = find(&g, "2022-talk-frab-0b0e7d38-4a8e-4f61-9d1a-3c1c7a1e2f11");
    assert_string_equal(r->title, "Containers & cgroups");
    assert_string_equal(r->track, "Containers & Checkpoint");
    assert_int_equal(r->duration, 90); /* "1:30" */
    got_free(&g);
}

static void frab_doctype_refused_before_parsing(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    /* a billion laughs: refused at its DOCTYPE line, not by libxml2 */
    assert_int_equal(parse_fixture(pl_parse_frab, "bad-bomb.xml", &g, &err), PL_EPARSE);
    assert_int_equal(g.n, 0);
    assert_non_null(strstr(err.msg, "bad-bomb.xml:2: a DOCTYPE is not accepted"));
    got_free(&g);
}

/* A JSON export saved by a Windows editor starts with a BOM (and has CRLF
 * line ends): detected and read like any other. */
static void json_with_bom(void **state)
{
    (void)state;
    got g = {0};
    pl_error err = {0};
    pl_parse_opts o = {.warn = on_warn, .warn_ctx = &g};
    pl_format fmt = PL_FMT_UNKNOWN;
    assert_int_equal(pl_parse_file(fixture_path("indico-bom.json"), &o, sink, &g, &fmt, &err),
                     PL_OK);
    assert_int_equal(fmt, PL_FMT_INDICO_EVENT);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.r[0].id, "2025-talk-indico-19-c3005");
    assert_string_equal(g.r[0].track, "Kernel");
    got_free(&g);
    assert_int_equal(parse_str(pl_parse_frab,
                               "\xEF\xBB\xBF{\"schedule\": {\"conference\": {\"days\": []}}}", &g,
                               &err),
                     PL_OK);
    got_free(&g);
}

/* pl_parse_file names what is wrong with a file in no known format. */
static void parse_file_diagnoses(void **state)
{
    (void)state;
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"bad-empty.json", "bad-empty.json: empty file"},
        {"bad-login.json", "bad-login.json: an HTML page"},
        {"bad-private.json", "bad-private.json: an Indico export with no results"},
        {"bad-deep.json", "bad-deep.json:1: not valid JSON: maximum parsing depth"},
        {"bad-latin1.json", "bad-latin1.json:24: not valid JSON: unable to decode byte 0xe9"},
        {"bad-truncated.json", "bad-truncated.json:60: not valid JSON"},
        {"bad-bomb.xml", "bad-bomb.xml:2: a DOCTYPE is not accepted"},
        {"bad-notschedule.xml", "bad-notschedule.xml:2: not a frab schedule"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got g = {0};
        pl_error err = {0};
        pl_parse_opts o = {.warn = on_warn, .warn_ctx = &g};
        assert_int_equal(pl_parse_file(fixture_path(cases[i].file), &o, sink, &g, NULL, &err),
                         PL_EPARSE);
        assert_int_equal(g.n, 0);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("%s: got \"%s\"", cases[i].file, err.msg);
        pl_error_clear(&err);
        got_free(&g);
    }
}

/* ---- the sink's verdict and allocation failures ---------------------------------- */

static void sink_error_stops(void **state)
{
    (void)state;
    got g = {.stop_after = 2};
    pl_error err = {0};
    assert_int_equal(parse_fixture(pl_parse_indico, "indico-timetable.json", &g, &err), PL_EIO);
    assert_int_equal(g.n, 2);
    got_free(&g);
}

static void survives_allocation_failures(void **state)
{
    (void)state;
    const char *files[] = {"indico-timetable.json", "calendar.ics", "schedule.xml"};
    parser fns[] = {pl_parse_indico, pl_parse_ical, pl_parse_frab};
    for (size_t f = 0; f < 3; f++) {
        char *buf = NULL;
        size_t n = 0;
        pl_error e0 = {0};
        assert_int_equal(pl_read_file(fixture_path(files[f]), &buf, &n, &e0), PL_OK);
        int ok = 0;
        for (long k = 0; k < 4000 && !ok; k += 7) {
            got g = {0};
            pl_error err = {0};
            pl_parse_opts o = {.warn = on_warn, .warn_ctx = &g};
            pl_alloc_fail_after(k);
            int rc = fns[f](files[f], buf, n, &o, sink, &g, &err);
            pl_alloc_fail_after(-1);
            assert_true(rc == PL_OK || rc == PL_ENOMEM);
            if (rc == PL_ENOMEM)
                assert_int_equal(g.n, 0); /* nothing half-imported */
            ok = rc == PL_OK;
            got_free(&g);
        }
        assert_true(ok);
        pl_free(buf);
    }
}

/* ---- pl_html_to_text ----------------------------------------------------------- */

static void html_cases(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"<p>One</p><p>Two</p>", "One\n\nTwo"},
        {"a<br>b<br/>c", "a\nb\nc"},
        {"<ul><li>x</li><li>y</li></ul>after", "- x\n- y\n\nafter"},
        {"Tom &amp; Jerry &lt;3 &quot;q&quot; &#39;s&#39;", "Tom & Jerry <3 \"q\" 's'"},
        {"&#x2014;&#8212;&eacute;&euro;", "\xE2\x80\x94\xE2\x80\x94\xC3\xA9\xE2\x82\xAC"},
        {"<p>x</p><script>var a = '<p>no</p>';</script><style>p{}</style>y", "x\n\ny"},
        {"<SCRIPT type=\"text/javascript\">alert(1)</SCRIPT>ok", "ok"},
        {"<a href=\"x>y\" title='>'>link</a> text", "link text"},
        {"  lots   of\n\n  <b>space</b>  ", "lots of space"},
        {"<!-- hidden <p> --><p>shown</p>", "shown"},
        {"<pre>a  b\n  c</pre>d", "a  b\n  c\n\nd"},
        {"plain text\nnext line\n\n\n\nnew para", "plain text\nnext line\n\nnew para"},
        {"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
        {"&bogus; & &#; &#xZZ; &#1114112;", "&bogus; & &#; &#xZZ; \xEF\xBF\xBD"},
        {"bad \xFF byte \xC3", "bad \xEF\xBF\xBD byte \xEF\xBF\xBD"},
        {"a&nbsp;&nbsp;b\xC2\xA0"
         "c",
         "a b c"},
        {"<td>x</td><td>y</td>", "x y"},
        {"<script>never closed", ""},
        {"", ""},
        {"<p>unterminated <b", "unterminated"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_buf b = {0};
        assert_int_equal(pl_html_to_text(&b, cases[i].in, strlen(cases[i].in)), PL_OK);
        assert_non_null(b.p);
        if (strcmp(b.p, cases[i].out) != 0)
            fail_msg("case %zu: \"%s\" gave \"%s\", expected \"%s\"", i, cases[i].in, b.p,
                     cases[i].out);
        pl_buf_free(&b);
    }
    /* appends after what the buffer already holds */
    pl_buf b = {0};
    pl_buf_puts(&b, "head:");
    assert_int_equal(pl_html_to_text(&b, "<p> x </p>", 10), PL_OK);
    assert_string_equal(b.p, "head:x");
    pl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indico_timetable),
        cmocka_unit_test(indico_event_export),
        cmocka_unit_test(indico_malformed),
        cmocka_unit_test(ical_calendar),
        cmocka_unit_test(ical_ids_stable),
        cmocka_unit_test(ical_calendar_time_zone),
        cmocka_unit_test(ical_malformed),
        cmocka_unit_test(frab_xml),
        cmocka_unit_test(frab_json),
        cmocka_unit_test(frab_malformed),
        cmocka_unit_test(sink_error_stops),
        cmocka_unit_test(survives_allocation_failures),
        cmocka_unit_test(html_cases),
        cmocka_unit_test(indico_escaped),
        cmocka_unit_test(ical_recurring),
        cmocka_unit_test(frab_json_empty_rooms),
        cmocka_unit_test(frab_doctype_refused_before_parsing),
        cmocka_unit_test(parse_file_diagnoses),
        cmocka_unit_test(json_with_bom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
