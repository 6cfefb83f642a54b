/*  wfa_stats.c - percentages and nearest-rank percentiles, for the
    figures of wfa-metrics and wfa-monev. */
#include "wfa.h"

static int
s_compare_double (const void *left, const void *right)
{
    double a = *(const double *) left, b = *(const double *) right;
    return a < b? -1: a > b? 1: 0;
}

void
wfa_stats_sort (double *values, size_t count)
{
    if (count > 0)
        qsort (values, count, sizeof (double), s_compare_double);
}

double
wfa_stats_percentile (const double *sorted, size_t count, double fraction)
{
    if (count == 0)
        return 0;
    size_t rank = (size_t) ceil (fraction * (double) count);
    rank = rank < 1? 1: rank > count? count: rank;
    return sorted [rank - 1];
}

double
wfa_stats_percent (int64_t numerator, int64_t denominator)
{
    if (denominator <= 0)
        return -1;
    return round (10000.0 * (double) numerator / (double) denominator) / 100.0;
}

void
wfa_stats_test (bool verbose)
{
    (void) verbose;
    assert (wfa_stats_percent (1, 0) == -1);
    assert (wfa_stats_percent (19, 20) == 95.0);
    assert (wfa_stats_percent (2, 3) == 66.67);
    double values [] = { 5, 1, 4, 2, 3 };
    wfa_stats_sort (values, 5);
    assert (values [0] == 1 && values [4] == 5);
    assert (wfa_stats_percentile (values, 5, 0.5) == 3 && wfa_stats_percentile (values, 5, 0.9) == 5);
    assert (wfa_stats_percentile (values, 0, 0.5) == 0);
}
