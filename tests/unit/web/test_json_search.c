/* Unit tests of pl_json_search_text (web/json_search.c): the search answer
 * written directly must be byte for byte what the server sent when it
 * dumped pl_json_search_results with jansson and then wrote '<', '>' and
 * '&' as \u003c, \u003e, \u0026 — for ordinary and awkward strings
 * (control characters, quotes, backslashes, invalid UTF-8, markup) and
 * for reals of every shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../web/web.h"

/* The reference: jansson's compact dump, then the server's escaping of
 * < > & (web/server.c json_text). */
static char *reference(const pl_results *r, const char *query)
{
    json_t *j = pl_json_search_results(r, query);
    assert_non_null(j);
    char *t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_non_null(t);
    pl_buf b = {0};
    for (const char *p = t; *p; p++) {
        if (*p == '<' || *p == '>' || *p == '&')
            pl_buf_printf(&b, "\\u%04x", (unsigned)*p);
        else
            pl_buf_putc(&b, *p);
    }
    free(t);
    pl_buf_putc(&b, '\0');
    return pl_buf_take(&b, NULL);
}

static char *direct(const pl_results *r, const char *query)
{
    pl_buf b = {0};
    assert_int_equal(pl_json_search_text(r, query, &b), PL_OK);
    pl_buf_putc(&b, '\0');
    return pl_buf_take(&b, NULL);
}

static void same_bytes(const pl_results *r, const char *query)
{
    char *a = reference(r, query), *b = direct(r, query);
    if (strcmp(a, b)) {
        size_t k = 0;
        while (a[k] == b[k])
            k++;
        fprintf(stderr, "# differ at byte %zu:\n# jansson: %.60s\n# direct:  %.60s\n", k, a + k,
                b + k);
    }
    assert_string_equal(a, b);
    pl_free(a);
    pl_free(b);
}

static pl_record_owned *record(const char *id, const char *title, const char *track, const char *p1,
                               const char *p2)
{
    pl_record r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.year = 2021;
    r.kind = PL_KIND_MC;
    r.title = title;
    r.body = "";
    r.track = track;
    r.url = r.source_file = "";
    r.people[0] = p1;
    r.people[1] = p2;
    r.n_people = p2 ? 2 : p1 ? 1 : 0;
    pl_record_owned *o = NULL;
    assert_int_equal(pl_record_copy(&r, &o), PL_OK);
    return o;
}

static void empty_results(void **state)
{
    (void)state;
    pl_results r;
    memset(&r, 0, sizeof r);
    r.limit = 10;
    r.query_desc = (char *)"nothing";
    same_bytes(&r, "nothing at all");
    same_bytes(&r, NULL); /* query NULL: the description is echoed */
    char *t = direct(&r, "q");
    /* hand-checked: the whole document for no hits */
    assert_string_equal(
        t, "{\"query\":\"q\",\"description\":\"nothing\",\"total\":0,\"relaxed\":false,"
           "\"offset\":0,\"limit\":10,\"took_ms\":0.0,\"hits\":[],\"facets\":{\"year\":{},"
           "\"kind\":{},\"track\":{}},\"suggestion\":null}");
    pl_free(t);
}

static void awkward_strings_and_numbers(void **state)
{
    (void)state;
    pl_results r;
    memset(&r, 0, sizeof r);
    pl_hit hits[3];
    memset(hits, 0, sizeof hits);
    pl_span hl[2] = {{0, 4}, {10, 15}};
    hits[0].docid = 1;
    hits[0].score = 4.3297010604523436;
    hits[0].doc = record("2021-mc-a", "Quotes \" and \\ back\x01slash\x1f\x7f", "Track <1> & 2",
                         "Ann \xc3\xa9 \xf0\x9f\x90\xa7", "Bad \xff byte \xe2\x82");
    hits[0].snippet_html = pl_strdup("<mark>BPF</mark> &amp; more\n\ttabs\r\b\f");
    hits[0].snippet_text = pl_strdup("BPF & more\n\ttabs\r\b\f");
    hits[0].snippet_offset = 1148;
    hits[0].highlights = hl;
    hits[0].n_highlights = 2;
    pl_span thl[2] = {{0, 6}, {15, 25}}; /* "Quotes", "back\x01slash" */
    hits[0].title_highlights = thl;
    hits[0].n_title_highlights = 2;
    hits[1].score = 3.0; /* integral: jansson writes 3.0 */
    hits[1].doc = record("2021-mc-b", "T", "", NULL, NULL);
    hits[1].explain = pl_strdup("1.0 total\n  x 2/3 words </script>");
    hits[2].score = 0x1p-20; /* 9.5367431640625e-07, exact: written 9.5367431640625e-7 */
    hits[2].doc = NULL;      /* no record: empty strings and 0 */
    r.hits = hits;
    r.n_hits = 3;
    r.total = 123456789012ull;
    r.offset = 20;
    r.limit = 3;
    r.took_ms = 1e21;
    r.query_desc = (char *)"(bpf SYN ebpf) \xc3\xa9";
    pl_facet fy[2] = {{(char *)"2024", 3}, {(char *)"2019", 1}};
    pl_facet fk[1] = {{(char *)"mc", 4}};
    pl_facet ft[2] = {{(char *)"Kernel <Summit>", 2}, {(char *)"\xff", 1}};
    r.facet_year = fy;
    r.n_facet_year = 2;
    r.facet_kind = fk;
    r.n_facet_kind = 1;
    r.facet_track = ft;
    r.n_facet_track = 1; /* the invalid-UTF-8 key would make jansson fail */
    r.suggestion = (char *)"b\"p\"f";
    same_bytes(&r, "BPF <b> & \x02");
    char *t = direct(&r, "q");
    assert_non_null(strstr(t, "\"title\":\"Quotes \\\" and \\\\ back\\u0001slash\\u001F\x7f\""));
    assert_non_null(strstr(t,
                           "\"people\":[\"Ann \xc3\xa9 \xf0\x9f\x90\xa7\",\"Bad \xef\xbf\xbd byte "
                           "\xef\xbf\xbd\xef\xbf\xbd\"]"));
    assert_non_null(strstr(t, "\"score\":3.0,"));
    assert_non_null(strstr(t, "\"score\":9.5367431640625e-7,"));
    assert_non_null(strstr(t, "\"took_ms\":1e21,"));
    assert_non_null(
        strstr(t, "\"highlights\":[{\"start\":0,\"end\":4},{\"start\":10,\"end\":15}],"
                  "\"title_highlights\":[{\"start\":0,\"end\":6},{\"start\":15,\"end\":25}]"));
    /* every hit has title_highlights, empty when nothing is marked */
    assert_non_null(strstr(t, "\"highlights\":[],\"title_highlights\":[],\"explain\":"));
    assert_null(strchr(t, '<'));
    assert_null(strchr(t, '&'));
    pl_free(t);
    for (int i = 0; i < 3; i++) {
        pl_record_owned_free(hits[i].doc);
        pl_free(hits[i].snippet_html);
        pl_free(hits[i].snippet_text);
        pl_free(hits[i].explain);
    }
}

/* A relaxed answer says so and carries all_words (0 included); a plain
 * one has relaxed false and no all_words. */
static void relaxed_flag(void **state)
{
    (void)state;
    pl_results r;
    memset(&r, 0, sizeof r);
    r.limit = 10;
    r.total = 20;
    r.query_desc = (char *)"(secur AND lsm AND landlock)";
    r.relaxed = 1;
    r.all_words = 0;
    same_bytes(&r, "security LSM landlock");
    char *t = direct(&r, "q");
    assert_non_null(strstr(t, "\"total\":20,\"relaxed\":true,\"all_words\":0,\"offset\":0,"));
    pl_free(t);
    r.all_words = 6;
    r.total = 64;
    same_bytes(&r, "rust kernel");
    t = direct(&r, "q");
    assert_non_null(strstr(t, "\"total\":64,\"relaxed\":true,\"all_words\":6,"));
    pl_free(t);
    r.relaxed = 0;
    r.all_words = 0;
    same_bytes(&r, "bpf");
    t = direct(&r, "q");
    assert_non_null(strstr(t, "\"total\":64,\"relaxed\":false,\"offset\":0,"));
    assert_null(strstr(t, "all_words"));
    pl_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_results),
        cmocka_unit_test(awkward_strings_and_numbers),
        cmocka_unit_test(relaxed_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
