/* Unit tests of store/base.c: varints, buffer, arena, slugs, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../../store/base.h"

static void varint_round_trips_at_boundaries(void **state)
{
    (void)state;
    const uint64_t values[] = {0,         1, 127, 128, 16383, 16384, UINT32_MAX, (uint64_t)1 << 63,
                               UINT64_MAX};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t buf[10];
        size_t n = pl_varint_put(buf, values[i]);
        assert_int_equal(n, pl_varint_len(values[i]));
        const uint8_t *p = buf;
        uint64_t v = 0;
        assert_int_equal(pl_varint_get(&p, buf + n, &v), PL_OK);
        assert_true(v == values[i]);
        assert_ptr_equal(p, buf + n);
    }
}

static void varint_rejects_overrun_and_overlong(void **state)
{
    (void)state;
    uint8_t buf[10];
    size_t n = pl_varint_put(buf, 300);
    const uint8_t *p = buf;
    uint64_t v = 0;
    assert_int_equal(pl_varint_get(&p, buf + n - 1, &v), PL_ECORRUPT);
    uint8_t overlong[11];
    memset(overlong, 0xff, sizeof overlong);
    p = overlong;
    assert_int_equal(pl_varint_get(&p, overlong + sizeof overlong, &v), PL_ECORRUPT);
    p = buf;
    assert_int_equal(pl_varint_get(&p, buf, &v), PL_ECORRUPT);
}

static void buf_appends_and_formats(void **state)
{
    (void)state;
    pl_buf b = {0};
    for (int i = 0; i < 1000; i++)
        pl_buf_printf(&b, "%d,", i);
    assert_false(b.oom);
    assert_true(strncmp(b.p, "0,1,2,", 6) == 0);
    assert_int_equal(strlen(b.p), b.n);
    size_t n;
    char *s = pl_buf_take(&b, &n);
    assert_non_null(s);
    assert_null(b.p);
    pl_free(s);
}

static void buf_reports_injected_oom(void **state)
{
    (void)state;
    pl_buf b = {0};
    pl_alloc_fail_after(0);
    assert_int_equal(pl_buf_puts(&b, "x"), PL_ENOMEM);
    pl_alloc_fail_after(-1);
    assert_true(b.oom);
    assert_int_equal(pl_buf_puts(&b, "y"), PL_ENOMEM);
    pl_buf_free(&b);
}

static void arena_allocates_aligned_and_large(void **state)
{
    (void)state;
    pl_arena *a = pl_arena_new();
    assert_non_null(a);
    char *s = pl_arena_strndup(a, "hello", 3);
    assert_string_equal(s, "hel");
    void *big = pl_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 8, 0);
    memset(big, 1, 1 << 20);
    pl_arena_reset(a);
    assert_int_equal(pl_arena_used(a), 0);
    pl_arena_free(a);
    pl_arena_free(NULL);
}

static void slugify_folds_and_joins(void **state)
{
    (void)state;
    char out[64];
    pl_slugify("Core Scheduling: Taming Hyper-Threads", 37, out, 63);
    assert_string_equal(out, "core-scheduling-taming-hyper-threads");
    pl_slugify("  --RISC-V--  ", 14, out, 63);
    assert_string_equal(out, "risc-v");
    pl_slugify("abcdef", 6, out, 3);
    assert_string_equal(out, "abc");
}

static void first_error_wins(void **state)
{
    (void)state;
    pl_error e = {0};
    assert_int_equal(pl_error_set(&e, PL_EIO, "first %d", 1), PL_EIO);
    pl_error_set(&e, PL_EPARSE, "second");
    assert_int_equal(e.code, PL_EIO);
    assert_string_equal(e.msg, "first 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(varint_round_trips_at_boundaries),
        cmocka_unit_test(varint_rejects_overrun_and_overlong),
        cmocka_unit_test(buf_appends_and_formats),
        cmocka_unit_test(buf_reports_injected_oom),
        cmocka_unit_test(arena_allocates_aligned_and_large),
        cmocka_unit_test(slugify_folds_and_joins),
        cmocka_unit_test(first_error_wins),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
