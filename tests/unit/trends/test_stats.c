/* Unit tests of query/stats.c against published worked examples and
 * small tables computed by hand (the arithmetic is in the comments). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../../query/stats.h"

#define assert_near(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            fail_msg("%s = %.6f, expected %.6f (tol %g)", #a, a_, b_, (double)(tol));              \
    } while (0)

static void z_quantiles(void **state)
{
    (void)state;
    assert_near(pl_stat_z(0.95), 1.959963984540054, 1e-12);
    assert_near(pl_stat_z(0.90), 1.644853626951472, 1e-12);
    assert_near(pl_stat_z(0.99), 2.575829303548901, 1e-12);
    assert_true(isnan(pl_stat_z(1.0)));
}

/* Newcombe R.G. (1998) Two-sided confidence intervals for the single
 * proportion, Stat Med 17:857-872, Table I, method 3 (Wilson score). */
static void wilson_matches_newcombe_table1(void **state)
{
    (void)state;
    double lo, hi;
    pl_stat_wilson(81, 263, 0.95, &lo, &hi);
    assert_near(lo, 0.2553, 5e-5);
    assert_near(hi, 0.3662, 5e-5);
    pl_stat_wilson(15, 148, 0.95, &lo, &hi);
    assert_near(lo, 0.0624, 5e-5);
    assert_near(hi, 0.1605, 5e-5);
    pl_stat_wilson(0, 20, 0.95, &lo, &hi);
    assert_true(lo == 0);
    assert_near(hi, 0.1611, 5e-5);
    pl_stat_wilson(1, 29, 0.95, &lo, &hi);
    assert_near(lo, 0.0061, 5e-5);
    assert_near(hi, 0.1718, 5e-5);
    /* all successes: the mirror of 0/20 */
    pl_stat_wilson(20, 20, 0.95, &lo, &hi);
    assert_near(lo, 1 - 0.1611, 5e-5);
    assert_true(hi == 1);
    /* no trials: no information */
    pl_stat_wilson(0, 0, 0.95, &lo, &hi);
    assert_true(lo == 0 && hi == 1);
}

/* Garwood (1936) exact Poisson limits, as tabulated e.g. in Ulm (1990)
 * Am J Epidemiol 131:373: x=0 -> [0, 3.689], x=1 -> [0.0253, 5.572],
 * x=5 -> [1.623, 11.67], x=10 -> [4.795, 18.39]. */
static void poisson_exact_matches_garwood(void **state)
{
    (void)state;
    double lo, hi;
    pl_stat_poisson_exact(0, 0.95, &lo, &hi);
    assert_true(lo == 0);
    assert_near(hi, 3.689, 5e-4); /* = -ln(0.025) = 3.68888 */
    assert_near(hi, -log(0.025), 1e-10);
    pl_stat_poisson_exact(1, 0.95, &lo, &hi);
    assert_near(lo, 0.0253, 5e-5); /* = -ln(0.975) = 0.025318 */
    assert_near(lo, -log(0.975), 1e-10);
    assert_near(hi, 5.572, 5e-4);
    pl_stat_poisson_exact(5, 0.95, &lo, &hi);
    assert_near(lo, 1.623, 5e-4);
    assert_near(hi, 11.67, 5e-3);
    pl_stat_poisson_exact(10, 0.95, &lo, &hi);
    assert_near(lo, 4.795, 5e-4);
    assert_near(hi, 18.39, 5e-3);
    /* large counts: close to the normal approximation x +- 1.96 sqrt(x) */
    pl_stat_poisson_exact(10000, 0.95, &lo, &hi);
    assert_near(lo, 10000 - 1.96 * 100, 2);
    assert_near(hi, 10000 + 1.96 * 100, 3);
}

static void gamma_p_and_inverse(void **state)
{
    (void)state;
    /* P(1, x) = 1 - e^-x */
    assert_near(pl_stat_gamma_p(1, 2), 1 - exp(-2), 1e-14);
    /* P(0.5, x) = erf(sqrt(x)) */
    assert_near(pl_stat_gamma_p(0.5, 3), erf(sqrt(3)), 1e-14);
    assert_near(pl_stat_gamma_p(0.5, 0.1), erf(sqrt(0.1)), 1e-14);
    /* round trips over shapes and probabilities on both sides of a + 1 */
    const double as[] = {0.5, 1, 2.5, 11, 100, 5000};
    const double ps[] = {1e-6, 0.025, 0.5, 0.975, 0.999999};
    for (size_t i = 0; i < sizeof as / sizeof *as; i++)
        for (size_t j = 0; j < sizeof ps / sizeof *ps; j++) {
            double x = pl_stat_gamma_p_inv(as[i], ps[j]);
            assert_near(pl_stat_gamma_p(as[i], x), ps[j], 1e-10 * (ps[j] < 0.5 ? 1 : 1));
        }
    assert_true(pl_stat_gamma_p_inv(3, 0) == 0);
    assert_true(isnan(pl_stat_gamma_p_inv(3, 1)));
}

/* Newcombe R.G. (1998) Interval estimation for the difference between
 * independent proportions, Stat Med 17:873-890, Table II, method 10. */
static void newcombe_difference(void **state)
{
    (void)state;
    double lo, hi, d;
    d = pl_stat_newcombe_diff(56, 70, 48, 80, 0.95, &lo, &hi);
    assert_near(d, 0.2, 1e-12);
    assert_near(lo, 0.0524, 5e-5);
    assert_near(hi, 0.3339, 5e-5);
    pl_stat_newcombe_diff(9, 10, 3, 10, 0.95, &lo, &hi);
    assert_near(lo, 0.1705, 5e-5);
    assert_near(hi, 0.8090, 5e-5);
    pl_stat_newcombe_diff(5, 56, 0, 29, 0.95, &lo, &hi);
    assert_near(lo, -0.0381, 5e-5);
    assert_near(hi, 0.1926, 5e-5);
    pl_stat_newcombe_diff(0, 10, 0, 10, 0.95, &lo, &hi);
    assert_near(lo, -0.2775, 5e-5);
    assert_near(hi, 0.2775, 5e-5);
}

/* Two groups of 20 tokens over a 3-word vocabulary:
 *        a   b   c    n
 *   g1  10   5   5   20
 *   g2   2   8  10   20
 *   bg  12  13  15   40   (background = g1 + g2), alpha0 = 4
 * alpha_a = 4 * 12/40 = 1.2.
 * delta_a = ln((10+1.2)/(20+4-10-1.2)) - ln((2+1.2)/(20+4-2-1.2))
 *         = ln(11.2/12.8) - ln(3.2/20.8) = -0.133531 + 1.871802 = 1.738271
 * var_a = 1/11.2 + 1/3.2 = 0.401786, z_a = 1.738271 / 0.633866 = 2.742333.
 * alpha_b = 1.3: delta_b = ln(6.3/17.7) - ln(9.3/14.7) = -1.033012 + 0.457830
 *         = -0.575182; z_b = -0.575182 / sqrt(1/6.3 + 1/9.3) = -1.114691. */
static void log_odds_informative_prior(void **state)
{
    (void)state;
    double delta, z;
    assert_int_equal(pl_stat_log_odds(10, 20, 2, 20, 12, 40, 4, &delta, &z), PL_OK);
    assert_near(delta, 1.738271, 1e-6);
    assert_near(z, 2.742333, 1e-6);
    assert_int_equal(pl_stat_log_odds(5, 20, 8, 20, 13, 40, 4, &delta, &z), PL_OK);
    assert_near(delta, -0.575182, 1e-6);
    assert_near(z, -1.114691, 1e-6);
    /* swapping the groups flips the sign */
    assert_int_equal(pl_stat_log_odds(2, 20, 10, 20, 12, 40, 4, &delta, &z), PL_OK);
    assert_near(delta, -1.738271, 1e-6);
    /* impossible inputs */
    assert_int_equal(pl_stat_log_odds(21, 20, 2, 20, 12, 40, 4, &delta, &z), PL_EUSAGE);
    assert_int_equal(pl_stat_log_odds(1, 20, 2, 20, 0, 40, 4, &delta, &z), PL_EUSAGE);
    assert_true(delta == 0 && z == 0);
}

/* Ten yearly batches of 100 documents, 5 relevant except 30 and 35 in
 * batches 4 and 5.  p0 = 105/1000 = 0.105, p1 = 2 p0 = 0.21.
 * cost0(5 of 100) = -(5 ln .105 + 95 ln .895) = 21.81,
 * cost1(5 of 100) = -(5 ln .21 + 95 ln .79) = 30.20: base state is 8.39
 * cheaper.  cost0 - cost1 for 30 of 100 = 12.06, for 35 of 100 = 16.15,
 * and entering the burst costs ln 10 = 2.30: so one burst over [4, 5],
 * weight 12.06 + 16.15 = 28.21. */
static void kleinberg_finds_the_constructed_burst(void **state)
{
    (void)state;
    const uint64_t r[] = {5, 5, 5, 5, 30, 35, 5, 5, 5, 5};
    const uint64_t d[] = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    pl_burst *b = NULL;
    size_t nb = 0;
    pl_error err = {0};
    assert_int_equal(pl_burst_detect(r, d, 10, 2, 1, &b, &nb, &err), PL_OK);
    assert_int_equal(nb, 1);
    assert_int_equal(b[0].start, 4);
    assert_int_equal(b[0].end, 5);
    assert_near(b[0].weight, 28.21, 0.01);
    pl_free(b);

    /* a flat series has no burst */
    const uint64_t flat[] = {7, 7, 7, 7, 7};
    const uint64_t dd[] = {50, 50, 50, 50, 50};
    assert_int_equal(pl_burst_detect(flat, dd, 5, 2, 1, &b, &nb, &err), PL_OK);
    assert_int_equal(nb, 0);
    assert_null(b);

    /* a single noisy batch is not worth the entry cost when gamma is high:
     * 9 of 50 vs 5 of 50 elsewhere: cost0 - cost1 at 9 is small (< 5 ln 5) */
    const uint64_t blip[] = {5, 5, 9, 5, 5};
    assert_int_equal(pl_burst_detect(blip, dd, 5, 2, 5, &b, &nb, &err), PL_OK);
    assert_int_equal(nb, 0);

    /* a burst at the very start (no entry cost saved by being late) */
    const uint64_t early[] = {40, 2, 2, 2, 2, 2};
    const uint64_t d6[] = {100, 100, 100, 100, 100, 100};
    assert_int_equal(pl_burst_detect(early, d6, 6, 2, 1, &b, &nb, &err), PL_OK);
    assert_int_equal(nb, 1);
    assert_int_equal(b[0].start, 0);
    assert_int_equal(b[0].end, 0);
    pl_free(b);

    /* empty batches cost nothing in either state and zero relevant means
     * no base rate at all */
    const uint64_t zero[] = {0, 0, 0};
    const uint64_t d3[] = {0, 10, 10};
    assert_int_equal(pl_burst_detect(zero, d3, 3, 2, 1, &b, &nb, &err), PL_OK);
    assert_int_equal(nb, 0);
    /* bad arguments */
    const uint64_t bad[] = {11};
    const uint64_t d1[] = {10};
    assert_int_equal(pl_burst_detect(bad, d1, 1, 2, 1, &b, &nb, &err), PL_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(z_quantiles),
        cmocka_unit_test(wilson_matches_newcombe_table1),
        cmocka_unit_test(poisson_exact_matches_garwood),
        cmocka_unit_test(gamma_p_and_inverse),
        cmocka_unit_test(newcombe_difference),
        cmocka_unit_test(log_odds_informative_prior),
        cmocka_unit_test(kleinberg_finds_the_constructed_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
