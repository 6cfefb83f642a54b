/*  wfa_stats.h - the arithmetic of the figures METRICS.GET and MONEV.GET
    report: percentages and nearest-rank percentiles. */
#ifndef WFA_STATS_H_INCLUDED
#define WFA_STATS_H_INCLUDED

//  Sort values ascending.
void wfa_stats_sort (double *values, size_t count);

//  The nearest-rank percentile of sorted values (0 for none).
double wfa_stats_percentile (const double *sorted, size_t count, double fraction);

//  Percent numerator / denominator to 2 decimals, or -1 when the
//  denominator is 0 (no figure).
double wfa_stats_percent (int64_t numerator, int64_t denominator);

void wfa_stats_test (bool verbose);

#endif
