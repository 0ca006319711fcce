/*
 * stats.h — the statistics behind trends: confidence intervals for
 * proportions and rates, a difference of two proportions, log-odds ratios
 * with an informative Dirichlet prior, and Kleinberg's burst automaton.
 *
 * Pure functions of numbers: no allocation except where an output array is
 * returned (pl_burst_detect), no global state (thread-safe), math.h only.
 * Every formula, its source and the published worked example the unit
 * tests check it against are in docs/trends.md.
 */
#ifndef PL_STATS_H
#define PL_STATS_H

#include "../store/base.h"

#include <stddef.h>
#include <stdint.h>

/* Two-sided normal quantile z with P(|Z| <= z) = level, 0 < level < 1
 * (Acklam's rational approximation refined by one Halley step, |error|
 * < 1e-12).  level 0.95 gives 1.959963984540054. */
double pl_stat_z(double level);

/* Regularized lower incomplete gamma P(a, x), a > 0, x >= 0: series for
 * x < a + 1, Lentz continued fraction otherwise (relative error ~1e-14). */
double pl_stat_gamma_p(double a, double x);
/* Its inverse in x: the x with P(a, x) = p, 0 <= p < 1, a > 0.  Newton
 * steps kept inside a bracket that shrinks by bisection when Newton leaves
 * it; at most 200 iterations, relative tolerance 1e-13. */
double pl_stat_gamma_p_inv(double a, double p);

/* Wilson score interval for x successes out of n at `level` (Wilson 1927;
 * Newcombe 1998 method 3, no continuity correction).  n == 0 gives [0, 1]. */
void pl_stat_wilson(uint64_t x, uint64_t n, double level, double *lo, double *hi);

/* Exact (Garwood 1936) interval for a Poisson count x:
 *   lo = chi2(alpha/2; 2x) / 2 = gamma_p_inv(x, alpha/2)   (0 when x == 0)
 *   hi = chi2(1 - alpha/2; 2x + 2) / 2 = gamma_p_inv(x + 1, 1 - alpha/2)
 * with alpha = 1 - level.  Divide by the exposure for a rate interval. */
void pl_stat_poisson_exact(uint64_t x, double level, double *lo, double *hi);

/* Newcombe (1998) method 10, the hybrid score interval for p1 - p2 from the
 * two Wilson intervals.  Returns the difference; lo/hi receive the bounds. */
double pl_stat_newcombe_diff(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double level,
                             double *lo, double *hi);

/* Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and
 * Quinn 2008, eq. 16-22), natural logs.  For one word: y1 of n1 tokens in
 * group 1, y2 of n2 in group 2, prior alpha_w = alpha0 * (yb / nb) from a
 * background of yb of nb tokens.
 *   delta = ln((y1+aw)/(n1+a0-y1-aw)) - ln((y2+aw)/(n2+a0-y2-aw))
 *   var   = 1/(y1+aw) + 1/(y2+aw),   z = delta / sqrt(var)
 * Positive delta: more used in group 1.  Returns 0 and sets *delta and *z,
 * or PL_EUSAGE for impossible counts (nb == 0, a0 <= 0, y > n). */
int pl_stat_log_odds(uint64_t y1, uint64_t n1, uint64_t y2, uint64_t n2, uint64_t yb, uint64_t nb,
                     double alpha0, double *delta, double *z);

/* ---- Kleinberg bursts --------------------------------------------------------
 * Two-state automaton over a batched binomial series (Kleinberg 2002, §4,
 * "enumerating bursts" with batches): batch t has r[t] relevant items of
 * d[t].  Base rate p0 = sum r / sum d, burst rate p1 = min(s * p0, 0.9999).
 * Cost of state i at t: -ln(p_i^r (1-p_i)^(d-r)) (the binomial coefficient
 * is the same in both states and dropped).  Entering the burst state costs
 * gamma * ln(n) (n = number of batches), leaving it costs nothing.  The
 * Viterbi program finds the cheapest state sequence exactly, O(n).  Each
 * maximal run of burst states is one burst [start, end] (batch indexes,
 * inclusive) whose weight is the sum over the run of cost0 - cost1 (how much
 * better the burst state explains it).  Empty batches (d == 0) cost 0. */
typedef struct pl_burst {
    size_t start, end;
    double weight;
} pl_burst;

/* *out is pl_malloc'd (caller pl_frees), NULL when *n_out == 0.  No burst
 * is possible (and none is reported) when sum r == 0 or p0 >= 1. */
int pl_burst_detect(const uint64_t *r, const uint64_t *d, size_t n, double s, double gamma,
                    pl_burst **out, size_t *n_out, pl_error *err);

#endif
