/* Unit tests of web/json_trends.c: the output shapes of a hand-made
 * trends result (no index needed) and CSV escaping. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../web/web.h"

static char *csv_of(const char *s)
{
    pl_buf b = {0};
    pl_csv_put_field(&b, s);
    pl_buf_putc(&b, '\0');
    return pl_buf_take(&b, NULL);
}

static void csv_escapes_fields(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r\nlf", "\"cr\r\nlf\""},
        {"=SUM(A1:A2)", "'=SUM(A1:A2)"},
        {"+1", "'+1"},
        {"-cmd", "'-cmd"},
        {"@risk", "'@risk"},
        {"\tx", "'\tx"},
        {"=1,2", "\"'=1,2\""},
        {"=\"q\"", "\"'=\"\"q\"\"\""},
        {"a=b", "a=b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = csv_of(cases[i].in);
        assert_non_null(got);
        assert_string_equal(got, cases[i].out);
        pl_free(got);
    }
}

static void epoch_of_years(void **state)
{
    (void)state;
    /* 1970-01-01 is 0; 2019-01-01 is day 17897 (49 years, 12 leap days:
     * 49*365 + 12 = 17897), 17897 * 86400000 = 1546300800000. */
    assert_true(pl_year_epoch_ms(1970) == 0);
    assert_true(pl_year_epoch_ms(2019) == 1546300800000LL);
    /* 2024-01-01: 54*365 + 13 leap days = 19723 days */
    assert_true(pl_year_epoch_ms(2024) == 19723LL * 86400000LL);
    assert_true(pl_year_epoch_ms(1969) == -365LL * 86400000LL);
}

/* Two years, one topic: 3 of 10 docs in 2019, 0 of 20 in 2023. */
static pl_trends *sample(void)
{
    pl_trends *t = pl_calloc(1, sizeof *t);
    pl_trend_opts_init(&t->opts);
    t->track = pl_strdup("Rust MC");
    t->n_years = 2;
    t->totals = pl_calloc(2, sizeof *t->totals);
    t->totals[0] = (pl_trend_total){2019, 10, 1000};
    t->totals[1] = (pl_trend_total){2023, 20, 0};
    t->n_series = 1;
    t->series = pl_calloc(1, sizeof *t->series);
    pl_trend_series *s = &t->series[0];
    s->topic = pl_strdup("=rust, \"lang\"");
    s->query_desc = pl_strdup("rust");
    s->n_points = 2;
    s->points = pl_calloc(2, sizeof *s->points);
    s->points[0] = (pl_trend_point){.year = 2019,
                                    .docs = 3,
                                    .docs_total = 10,
                                    .share = 0.3,
                                    .share_lo = 0.1078,
                                    .share_hi = 0.6032,
                                    .mentions = 12,
                                    .tokens_total = 1000,
                                    .per_1k = 12,
                                    .per_1k_lo = 6.2,
                                    .per_1k_hi = 20.96,
                                    .low_count = 1};
    s->points[1] = (pl_trend_point){.year = 2023,
                                    .docs = 0,
                                    .docs_total = 20,
                                    .share_hi = 0.1611,
                                    .per_1k_hi = HUGE_VAL,
                                    .low_count = 1};
    s->points[0].n_top = 1;
    s->points[0].top = pl_calloc(1, sizeof *s->points[0].top);
    pl_trend_doc *d = &s->points[0].top[0];
    d->id = pl_strdup("2019-mc-rust-abc");
    d->title = pl_strdup("Rust MC");
    d->track = pl_strdup("");
    d->kind = PL_KIND_MC;
    d->mentions = 5;
    d->snippet = pl_strdup("Rust in the kernel");
    d->snippet_html = pl_strdup("<mark>Rust</mark> in the kernel");
    s->n_bursts = 1;
    s->bursts = pl_calloc(1, sizeof *s->bursts);
    s->bursts[0] = (pl_trend_burst){2019, 2019, 4.5};
    return t;
}

static void nested_json_shape(void **state)
{
    (void)state;
    pl_trends *t = sample();
    json_t *j = pl_json_trends(t);
    assert_non_null(j);
    json_t *meta = json_object_get(j, "meta");
    assert_string_equal(json_string_value(json_object_get(meta, "unit")), "year");
    json_t *ci = json_object_get(meta, "ci");
    assert_string_equal(json_string_value(json_object_get(ci, "method")), "wilson");
    assert_true(json_real_value(json_object_get(ci, "level")) == 0.95);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(meta, "filters"), "track")), "Rust MC");
    assert_int_equal(json_array_size(json_object_get(meta, "warnings")), 0);
    json_t *totals = json_object_get(j, "totals");
    assert_int_equal(json_array_size(totals), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(totals, 1), "year")), 2023);
    json_t *series = json_object_get(j, "series");
    json_t *s0 = json_array_get(series, 0);
    assert_string_equal(json_string_value(json_object_get(s0, "query")), "rust");
    json_t *pts = json_object_get(s0, "points");
    assert_int_equal(json_array_size(pts), 2);
    json_t *p1 = json_array_get(pts, 1);
    /* the absent year is present with 0, not missing */
    assert_int_equal(json_integer_value(json_object_get(p1, "docs")), 0);
    assert_int_equal(json_integer_value(json_object_get(p1, "docs_total")), 20);
    /* no exposure: the upper bound is unknown -> null */
    assert_true(json_is_null(json_array_get(json_object_get(p1, "per_1k_ci"), 1)));
    json_t *p0 = json_array_get(pts, 0);
    assert_true(json_is_true(json_object_get(p0, "low_count")));
    json_t *sci = json_object_get(p0, "share_ci");
    assert_true(fabs(json_real_value(json_array_get(sci, 0)) - 0.1078) < 1e-12);
    json_t *top = json_array_get(json_object_get(p0, "top"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "kind")), "mc");
    assert_int_equal(json_integer_value(json_object_get(top, "mentions")), 5);
    json_t *b = json_array_get(json_object_get(s0, "bursts"), 0);
    assert_string_equal(json_string_value(json_object_get(b, "topic")), "=rust, \"lang\"");
    assert_int_equal(json_integer_value(json_object_get(b, "start")), 2019);
    json_decref(j);
    pl_trends_free(t);
}

static void warnings_in_meta(void **state)
{
    (void)state;
    pl_trends *t = sample();
    t->warnings = pl_calloc(1, sizeof *t->warnings);
    t->warnings[0] = pl_strdup("topic 'a,b' matches no documents");
    t->n_warnings = 1;
    json_t *j = pl_json_trends(t);
    json_t *w = json_object_get(json_object_get(j, "meta"), "warnings");
    assert_int_equal(json_array_size(w), 1);
    assert_string_equal(json_string_value(json_array_get(w, 0)),
                        "topic 'a,b' matches no documents");
    json_decref(j);
    pl_trends_free(t);
}

static void flat_shapes(void **state)
{
    (void)state;
    pl_trends *t = sample();
    json_t *g = pl_json_trends_grafana(t);
    assert_int_equal(json_array_size(g), 2);
    json_t *r0 = json_array_get(g, 0);
    assert_true(json_integer_value(json_object_get(r0, "time")) == 1546300800000LL);
    assert_true(json_is_true(json_object_get(r0, "burst")));
    assert_true(json_is_false(json_object_get(json_array_get(g, 1), "burst")));
    assert_true(fabs(json_real_value(json_object_get(r0, "share_lo")) - 0.1078) < 1e-12);
    json_decref(g);
    json_t *v = pl_json_trends_vega(t);
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1), "year")), "2023");
    assert_null(json_object_get(json_array_get(v, 1), "time"));
    json_decref(v);
    pl_trends_free(t);
}

static void csv_document(void **state)
{
    (void)state;
    pl_trends *t = sample();
    pl_buf b = {0};
    assert_int_equal(pl_trends_csv(t, &b), PL_OK);
    const char *want =
        "topic,query,year,docs,docs_total,share,share_lo,share_hi,mentions,tokens_total,"
        "per_1k,per_1k_lo,per_1k_hi,low_count\r\n"
        "\"'=rust, \"\"lang\"\"\",rust,2019,3,10,0.3,0.1078,0.6032,12,1000,12,6.2,20.96,1\r\n"
        "\"'=rust, \"\"lang\"\"\",rust,2023,0,20,0,0,0.1611,0,0,0,0,,1\r\n";
    assert_string_equal(b.p, want);
    pl_buf_free(&b);
    pl_trends_free(t);
}

/* One precision in every shape: 10 significant digits (0.95 is 0.95, not
 * jansson's default 0.94999999999999996; 5/38 keeps more than CSV's old 6
 * digits). */
static void ten_digits_everywhere(void **state)
{
    (void)state;
    pl_trends *t = sample();
    t->series[0].points[0].share = 5.0 / 38; /* 0.13157894736842105 */
    json_t *j = pl_json_trends(t);
    char *text = json_dumps(j, JSON_COMPACT | PL_TRENDS_JSON_REALS);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"level\":0.95}"));
    assert_non_null(strstr(text, "\"share\":0.1315789474,"));
    free(text);
    json_decref(j);
    pl_buf b = {0};
    assert_int_equal(pl_trends_csv(t, &b), PL_OK);
    pl_buf_putc(&b, '\0');
    assert_non_null(strstr(b.p, ",3,10,0.1315789474,0.1078,"));
    pl_buf_free(&b);
    pl_trends_free(t);
}

/* A year with no document of the kind or track asked for (docs_total 0),
 * as pl_trends_compute fills it: no share and no rate, never a 0. */
static pl_trends *sample_no_docs(void)
{
    pl_trends *t = sample();
    t->totals[1] = (pl_trend_total){2023, 0, 0};
    t->series[0].points[1] = (pl_trend_point){.year = 2023,
                                              .share = NAN,
                                              .share_lo = NAN,
                                              .share_hi = NAN,
                                              .per_1k = NAN,
                                              .per_1k_lo = NAN,
                                              .per_1k_hi = NAN,
                                              .low_count = 1,
                                              .no_docs = 1};
    return t;
}

static void no_docs_is_null_everywhere(void **state)
{
    (void)state;
    pl_trends *t = sample_no_docs();
    json_t *j = pl_json_trends(t);
    assert_non_null(j);
    json_t *pts = json_object_get(json_array_get(json_object_get(j, "series"), 0), "points");
    json_t *p0 = json_array_get(pts, 0), *p1 = json_array_get(pts, 1);
    assert_true(json_is_false(json_object_get(p0, "no_docs")));
    assert_true(json_is_true(json_object_get(p1, "no_docs")));
    assert_true(json_is_null(json_object_get(p1, "share")));
    assert_true(json_is_null(json_object_get(p1, "per_1k")));
    for (int i = 0; i < 2; i++) {
        assert_true(json_is_null(json_array_get(json_object_get(p1, "share_ci"), (size_t)i)));
        assert_true(json_is_null(json_array_get(json_object_get(p1, "per_1k_ci"), (size_t)i)));
    }
    assert_int_equal(json_integer_value(json_object_get(p1, "docs_total")), 0);
    json_decref(j);

    json_t *g = pl_json_trends_grafana(t);
    json_t *r1 = json_array_get(g, 1);
    assert_true(json_is_true(json_object_get(r1, "no_docs")));
    assert_true(json_is_false(json_object_get(json_array_get(g, 0), "no_docs")));
    const char *keys[] = {"share", "share_lo", "share_hi", "per_1k", "per_1k_lo", "per_1k_hi"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_true(json_is_null(json_object_get(r1, keys[i])));
    json_decref(g);
    json_t *v = pl_json_trends_vega(t);
    assert_true(json_is_null(json_object_get(json_array_get(v, 1), "share")));
    assert_true(json_is_true(json_object_get(json_array_get(v, 1), "no_docs")));
    json_decref(v);

    pl_buf b = {0};
    assert_int_equal(pl_trends_csv(t, &b), PL_OK);
    pl_buf_putc(&b, '\0');
    /* share, share_lo, share_hi, per_1k, per_1k_lo, per_1k_hi: empty */
    assert_non_null(strstr(b.p, "\r\n\"'=rust, \"\"lang\"\"\",rust,2023,0,0,,,,0,0,,,,1\r\n"));
    pl_buf_free(&b);
    pl_trends_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_escapes_fields),    cmocka_unit_test(epoch_of_years),
        cmocka_unit_test(nested_json_shape),     cmocka_unit_test(flat_shapes),
        cmocka_unit_test(csv_document),          cmocka_unit_test(no_docs_is_null_everywhere),
        cmocka_unit_test(ten_digits_everywhere), cmocka_unit_test(warnings_in_meta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
