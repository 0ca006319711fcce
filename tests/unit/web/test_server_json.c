/* Unit tests of web/json.c (error envelope, record, UTF-8 checks and
 * repair) and web/server_cache.c (the answer cache). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../web/server_impl.h"

static void utf8_validation(void **state)
{
    (void)state;
    assert_true(pl_utf8_valid("", 0));
    assert_true(pl_utf8_valid("plain ascii", 11));
    assert_true(pl_utf8_valid("\xc3\xa9", 2));         /* é */
    assert_true(pl_utf8_valid("\xe2\x82\xac", 3));     /* € */
    assert_true(pl_utf8_valid("\xf0\x9f\x90\xa7", 4)); /* penguin, U+1F427 */
    assert_true(pl_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF, the last */
    assert_false(pl_utf8_valid("\xff", 1));
    assert_false(pl_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(pl_utf8_valid("\xe0\x80\xaf", 3));     /* overlong '/' */
    assert_false(pl_utf8_valid("\xed\xa0\x80", 3));     /* surrogate U+D800 */
    assert_false(pl_utf8_valid("\xf4\x90\x80\x80", 4)); /* U+110000 */
    assert_false(pl_utf8_valid("\xe2\x82", 2));         /* truncated */
    assert_false(pl_utf8_valid("a\x80", 2));            /* lone continuation */
}

static void strings_are_repaired_not_dropped(void **state)
{
    (void)state;
    json_t *j = pl_json_strn("a\xff"
                             "b\xe2\x82",
                             5);
    assert_non_null(j);
    /* Each invalid byte becomes U+FFFD (EF BF BD). */
    assert_string_equal(json_string_value(j), "a\xef\xbf\xbd"
                                              "b\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(j);
    j = pl_json_str(NULL);
    assert_string_equal(json_string_value(j), "");
    json_decref(j);
}

static void error_envelope(void **state)
{
    (void)state;
    json_t *e = pl_json_error("bad_parameter", "limit must be \xff");
    assert_non_null(e);
    assert_int_equal(json_object_size(e), 1);
    json_t *inner = json_object_get(e, "error");
    assert_string_equal(json_string_value(json_object_get(inner, "code")), "bad_parameter");
    assert_string_equal(json_string_value(json_object_get(inner, "message")),
                        "limit must be \xef\xbf\xbd");
    json_decref(e);
}

static void record_fields(void **state)
{
    (void)state;
    pl_record r;
    memset(&r, 0, sizeof r);
    r.id = "2019-mc-bpf-mc-7cf4f75a";
    r.year = 2019;
    r.kind = PL_KIND_MC;
    r.title = "BPF MC";
    r.body = "body";
    r.people[0] = "Alexei Starovoitov";
    r.people[1] = "Daniel Borkmann";
    r.n_people = 2;
    r.track = "";
    strcpy(r.day, "2019-09-10");
    strcpy(r.start, "10:00");
    r.duration_min = 90;
    r.url = "";
    r.source_file = "/home/someone/corpus/lpc2019-schedule.txt";
    json_t *o = pl_json_record(&r);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "id")), r.id);
    assert_int_equal(json_integer_value(json_object_get(o, "year")), 2019);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "mc");
    assert_int_equal(json_array_size(json_object_get(o, "people")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "people"), 1)),
                        "Daniel Borkmann");
    assert_string_equal(json_string_value(json_object_get(o, "day")), "2019-09-10");
    assert_int_equal(json_integer_value(json_object_get(o, "duration_min")), 90);
    /* The file name only: where it lived on the indexing machine is not
     * the client's business. */
    assert_string_equal(json_string_value(json_object_get(o, "source")), "lpc2019-schedule.txt");
    json_decref(o);
}

static void suggestions_shape(void **state)
{
    (void)state;
    pl_suggestion s[2] = {{"sched_ext", 4}, {"scheduler", 9}};
    json_t *o = pl_json_suggestions("sch", 3, s, 2);
    assert_string_equal(json_string_value(json_object_get(o, "prefix")), "sch");
    json_t *a = json_object_get(o, "suggestions");
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "text")),
                        "sched_ext");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "df")), 9);
    json_decref(o);
}

static void cache_hits_only_same_key_and_generation(void **state)
{
    (void)state;
    pl_rcache *c = NULL;
    assert_int_equal(pl_rcache_new(1 << 20, 128, &c), PL_OK);
    const char *type = NULL;
    size_t n = 0;
    assert_null(pl_rcache_get(c, 1, "k1", 2, &n, &type));
    pl_rcache_put(c, 1, "k1", 2, "{\"a\":1}", 7, "application/json");
    char *b = pl_rcache_get(c, 1, "k1", 2, &n, &type);
    assert_non_null(b);
    assert_int_equal(n, 7);
    assert_memory_equal(b, "{\"a\":1}", 7);
    assert_string_equal(type, "application/json");
    free(b);
    assert_int_equal(pl_rcache_used(c), 2 + 7);
    /* Another generation (a rebuilt index) or another key: a miss. */
    assert_null(pl_rcache_get(c, 2, "k1", 2, &n, &type));
    assert_null(pl_rcache_get(c, 1, "k2", 2, &n, &type));
    assert_null(pl_rcache_get(c, 1, "k", 1, &n, &type));
    /* Same key again replaces, and the byte count follows. */
    pl_rcache_put(c, 2, "k1", 2, "xyz", 3, "text/csv");
    assert_int_equal(pl_rcache_used(c), 2 + 3);
    assert_null(pl_rcache_get(c, 1, "k1", 2, &n, &type));
    b = pl_rcache_get(c, 2, "k1", 2, &n, &type);
    assert_non_null(b);
    assert_int_equal(n, 3);
    free(b);
    pl_rcache_free(c);
    pl_rcache_free(NULL);
}

static void cache_respects_its_budget(void **state)
{
    (void)state;
    pl_rcache *c = NULL;
    /* 64 KiB budget: one answer may take at most 1 KiB. */
    assert_int_equal(pl_rcache_new(64 * 1024, 4096, &c), PL_OK);
    char big[2048];
    memset(big, 'x', sizeof big);
    pl_rcache_put(c, 1, "big", 3, big, sizeof big, "t");
    size_t n;
    const char *type;
    assert_null(pl_rcache_get(c, 1, "big", 3, &n, &type));
    assert_int_equal(pl_rcache_used(c), 0);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        int kn = snprintf(key, sizeof key, "key%d", i);
        pl_rcache_put(c, 1, key, (size_t)kn, big, 1000, "t");
        assert_true(pl_rcache_used(c) <= 64 * 1024);
    }
    pl_rcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_validation),
        cmocka_unit_test(strings_are_repaired_not_dropped),
        cmocka_unit_test(error_envelope),
        cmocka_unit_test(record_fields),
        cmocka_unit_test(suggestions_shape),
        cmocka_unit_test(cache_hits_only_same_key_and_generation),
        cmocka_unit_test(cache_respects_its_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
