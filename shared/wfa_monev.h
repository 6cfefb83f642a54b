/*  wfa_monev.h - monitoring and evaluation (monev): check-ins, daily
    reports (LKH), e-kinerja data in, the figures, and their rebuild.

    The wfa-metrics service serves these commands and folds request events
    into the flexible-day figures. Every raw record moves the kept figures
    in the same Lua step that writes it (shared/lua/lib/monev.lua); MONEV.
    REBUILD recomputes them from the raw records and compares. */
#ifndef WFA_MONEV_H_INCLUDED
#define WFA_MONEV_H_INCLUDED

//  The monev commands, for the metrics service's route table.
extern const wfa_route_t wfa_monev_routes [];

//  State the monev handlers keep (policy cache); one per service.
typedef struct _wfa_monev_t wfa_monev_t;
wfa_monev_t *wfa_monev_new (void);
void wfa_monev_destroy (wfa_monev_t **self_p);

//  The time-driven part, for housekeeping (every second): daily report
//  reminders two hours before the deadline, and each week's evaluation
//  against the pemda's benchmarks, with flags, suspensions and lifting.
void wfa_monev_tick (wfa_monev_t *self, wfa_redis_t *redis);

//  Fold a request.approved/cancelled/revoked event into the flexible-day
//  figures, once (by event id). 0 when done, -1 to retry later.
int wfa_monev_on_request (const wfa_event_t *event, wfa_redis_t *redis);

//  Totals of the kept figures over a period, and what is derived from them.
typedef struct {
    int64_t flex, flex_loc, judged;     //  Flexible days; those already over
    int64_t on_time, late, flagged;     //  Check-ins (on judged days for the first two)
    int64_t rep_sub, rep_late, rep_acc, rep_ret;
    int64_t working_days;               //  Working days x headcount
    int64_t unapproved;                 //  Days worked without approval (refused check-in or report)
} wfa_monev_totals_t;

//  Sort values ascending; the nearest-rank percentile of sorted values (0
//  for none). METRICS.GET and MONEV.GET both use them.
void wfa_monev_sort (double *values, size_t count);
double wfa_monev_percentile (const double *sorted, size_t count, double fraction);

//  Percent a / b, or -1 when b is 0 (no figure).
double wfa_monev_percent (int64_t numerator, int64_t denominator);

void wfa_monev_test (bool verbose);

#endif
