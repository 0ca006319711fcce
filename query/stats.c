/*
 * stats.c — interval estimates, log-odds and bursts for trends.
 *
 * Everything here is a pure function of its arguments (thread-safe: the
 * log-gamma is lgamma_r, not lgamma, which writes the global signgam).
 * Sources and worked examples are listed in docs/trends.md; the unit tests
 * in tests/unit/trends check the published numbers.
 */
#include "stats.h"

#include <float.h>
#include <math.h>

static double log_gamma(double a)
{
    int sign = 0;
    return lgamma_r(a, &sign);
}

/* Inverse of the standard normal CDF, Acklam's rational approximation
 * (relative error 1.15e-9) refined by one Halley step against erfc, which
 * brings it to double precision. */
static double norm_inv(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    if (p <= 0)
        return -HUGE_VAL;
    if (p >= 1)
        return HUGE_VAL;
    const double plow = 0.02425;
    double x;
    if (p < plow) {
        double q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - plow) {
        double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        double q = sqrt(-2 * log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = 0.5 * erfc(-x / sqrt(2)) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

double pl_stat_z(double level)
{
    if (!(level > 0 && level < 1))
        return NAN;
    return norm_inv(0.5 + level / 2);
}

double pl_stat_gamma_p(double a, double x)
{
    if (!(a > 0) || x < 0 || isnan(x))
        return NAN;
    if (x == 0)
        return 0;
    if (isinf(x))
        return 1;
    double lead = -x + a * log(x) - log_gamma(a);
    if (x < a + 1) {
        /* Series: converges in O(sqrt(a)) terms for x near a; capped. */
        double ap = a, del = 1 / a, sum = del;
        for (int i = 0; i < 10000; i++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16)
                break;
        }
        return sum * exp(lead);
    }
    /* Continued fraction for Q (modified Lentz), then P = 1 - Q. */
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return 1 - exp(lead) * h;
}

double pl_stat_gamma_p_inv(double a, double p)
{
    if (!(a > 0) || !(p >= 0 && p < 1))
        return NAN;
    if (p == 0)
        return 0;
    /* Bracket [lo, hi] with P(a, lo) < p <= P(a, hi); P is increasing. */
    double lo = 0, hi = a > 1 ? a : 1;
    while (pl_stat_gamma_p(a, hi) < p && hi < 1e300)
        hi *= 2;
    /* Start from Wilson-Hilferty (chi-square cube-root normal), which is
     * within a few percent for a >= 1, so Newton usually needs 3-5 steps. */
    double z = norm_inv(p), t = 1 / (9 * a);
    double x = a * pow(1 - t + z * sqrt(t), 3);
    if (!(x > lo && x < hi))
        x = (lo + hi) / 2;
    double lga = log_gamma(a);
    for (int i = 0; i < 200; i++) {
        double f = pl_stat_gamma_p(a, x) - p;
        if (f == 0)
            return x;
        if (f < 0)
            lo = x;
        else
            hi = x;
        double fp = exp(-x + (a - 1) * log(x) - lga);
        double xn = fp > 0 ? x - f / fp : (lo + hi) / 2;
        if (!(xn > lo && xn < hi))
            xn = (lo + hi) / 2;
        if (fabs(xn - x) <= 1e-13 * x || hi - lo <= 1e-15 * hi)
            return xn;
        x = xn;
    }
    return x;
}

void pl_stat_wilson(uint64_t x, uint64_t n, double level, double *lo, double *hi)
{
    if (n == 0 || x > n) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double z = pl_stat_z(level), z2 = z * z, nn = (double)n, p = (double)x / nn;
    double denom = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / denom;
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    /* Exact ends at the boundaries (the formula gives them up to rounding). */
    *lo = x == 0 ? 0 : fmax(0, centre - half);
    *hi = x == n ? 1 : fmin(1, centre + half);
}

void pl_stat_poisson_exact(uint64_t x, double level, double *lo, double *hi)
{
    double alpha = 1 - level;
    *lo = x == 0 ? 0 : pl_stat_gamma_p_inv((double)x, alpha / 2);
    *hi = pl_stat_gamma_p_inv((double)x + 1, 1 - alpha / 2);
}

double pl_stat_newcombe_diff(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2, double level,
                             double *lo, double *hi)
{
    double p1 = n1 ? (double)x1 / (double)n1 : 0, p2 = n2 ? (double)x2 / (double)n2 : 0;
    double l1, u1, l2, u2;
    pl_stat_wilson(x1, n1, level, &l1, &u1);
    pl_stat_wilson(x2, n2, level, &l2, &u2);
    double d = p1 - p2;
    *lo = d - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
    *hi = d + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
    return d;
}

int pl_stat_log_odds(uint64_t y1, uint64_t n1, uint64_t y2, uint64_t n2, uint64_t yb, uint64_t nb,
                     double alpha0, double *delta, double *z)
{
    *delta = 0;
    *z = 0;
    if (nb == 0 || !(alpha0 > 0) || y1 > n1 || y2 > n2 || yb > nb)
        return PL_EUSAGE;
    double aw = alpha0 * (double)yb / (double)nb;
    if (!(aw > 0))
        return PL_EUSAGE; /* a word absent from the background has no prior */
    double a1 = (double)y1 + aw, a2 = (double)y2 + aw;
    double b1 = (double)n1 + alpha0 - a1, b2 = (double)n2 + alpha0 - a2;
    if (!(b1 > 0) || !(b2 > 0))
        return PL_EUSAGE;
    *delta = log(a1 / b1) - log(a2 / b2);
    *z = *delta / sqrt(1 / a1 + 1 / a2);
    return PL_OK;
}

int pl_burst_detect(const uint64_t *r, const uint64_t *d, size_t n, double s, double gamma,
                    pl_burst **out, size_t *n_out, pl_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!(s > 1) || !(gamma >= 0))
        return pl_error_set(err, PL_EUSAGE, "bursts: need s > 1 and gamma >= 0");
    if (n == 0)
        return PL_OK;
    double sr = 0, sd = 0;
    for (size_t t = 0; t < n; t++) {
        if (r[t] > d[t])
            return pl_error_set(err, PL_EUSAGE, "bursts: batch %zu has %llu of %llu", t,
                                (unsigned long long)r[t], (unsigned long long)d[t]);
        sr += (double)r[t];
        sd += (double)d[t];
    }
    if (sr == 0 || sr >= sd)
        return PL_OK;
    double p[2] = {sr / sd, fmin(s * sr / sd, 0.9999)};
    if (!(p[1] > p[0]))
        return PL_OK;
    double tau = gamma * log((double)n);
    /* Two costs per step and one back-pointer bit per state and step. */
    double *cost1 = pl_malloc(n * sizeof *cost1 * 2);
    unsigned char *from = pl_malloc(n * 2);
    pl_burst *bursts = NULL;
    int *state = pl_malloc(n * sizeof *state);
    if (!cost1 || !from || !state) {
        pl_free(cost1);
        pl_free(from);
        pl_free(state);
        return pl_error_set(err, PL_ENOMEM, "bursts: out of memory");
    }
    double *cost0 = cost1 + n;
    double c0 = 0, c1 = HUGE_VAL; /* before the first batch: base state */
    for (size_t t = 0; t < n; t++) {
        double rt = (double)r[t], ft = (double)(d[t] - r[t]);
        cost0[t] = -(rt * log(p[0]) + ft * log1p(-p[0]));
        cost1[t] = -(rt * log(p[1]) + ft * log1p(-p[1]));
        /* Ties stay in / go to the base state: no burst without evidence. */
        double n0, n1;
        if (c0 <= c1) {
            n0 = c0;
            from[2 * t] = 0;
        } else {
            n0 = c1;
            from[2 * t] = 1;
        }
        if (c1 < c0 + tau) {
            n1 = c1;
            from[2 * t + 1] = 1;
        } else {
            n1 = c0 + tau;
            from[2 * t + 1] = 0;
        }
        c0 = n0 + cost0[t];
        c1 = n1 + cost1[t];
    }
    int st = c1 < c0 ? 1 : 0;
    for (size_t t = n; t-- > 0;) {
        state[t] = st;
        st = from[2 * t + (size_t)st];
    }
    size_t nb = 0;
    for (size_t t = 0; t < n; t++)
        if (state[t] && (t == 0 || !state[t - 1]))
            nb++;
    if (nb) {
        bursts = pl_calloc(nb, sizeof *bursts);
        if (!bursts) {
            pl_free(cost1);
            pl_free(from);
            pl_free(state);
            return pl_error_set(err, PL_ENOMEM, "bursts: out of memory");
        }
        size_t k = 0;
        for (size_t t = 0; t < n; t++) {
            if (!state[t])
                continue;
            if (t == 0 || !state[t - 1]) {
                bursts[k].start = t;
                bursts[k].weight = 0;
                k++;
            }
            bursts[k - 1].end = t;
            bursts[k - 1].weight += cost0[t] - cost1[t];
        }
    }
    pl_free(cost1);
    pl_free(from);
    pl_free(state);
    *out = bursts;
    *n_out = nb;
    return PL_OK;
}
