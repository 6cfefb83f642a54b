/*  monev.h - what the files of wfa-monev share: its state and handlers.

    main.c      the service: its routes, events and housekeeping
    records.c   the raw records in: check-ins, daily reports, e-kinerja
    figures.c   MONEV.GET: the kept figures and what is derived from them
    report.c    MONEV.REPORT: a month's or a year's figures as one report
    rebuild.c   MONEV.REBUILD: the figures again from the raw records
    tick.c      the time-driven part: reminders and the weekly evaluation */
#ifndef MONEV_H_INCLUDED
#define MONEV_H_INCLUDED

#include "wfa.h"

//  The service's state, one per process, passed to every handler.
typedef struct {
    zhashx_t *policies;         //  wfa_store_policy_cache_new
    zhashx_t *ticks;            //  Per pemda: what this instance's tick did last (tick.c)
} monev_t;

//  CHECKIN.IN, CHECKIN.OUT, REPORT.*, EKINERJA.PUSH and GET (records.c)
wfa_handler_fn monev_checkin, monev_report_submit, monev_report_verify, monev_report_list,
               monev_report_get, monev_ekinerja_push, monev_ekinerja_get;
//  MONEV.GET (figures.c), MONEV.REBUILD (rebuild.c) and MONEV.REPORT (report.c)
wfa_handler_fn monev_get, monev_rebuild, monev_report;

//  The figures of a pemda, or of one OPD of it, over the days from..to by
//  period ("total", "day", "week", "month"), packed as MONEV.GET's "periods"
//  array: the one figure code both MONEV.GET and MONEV.REPORT use. Returns 0,
//  or -1 after recording the error on call (nothing packed then).
int monev_figures_pack (wfa_call_t *call, wfa_redis_t *redis, monev_t *self, const char *pemda,
                        const char *opd, int from, int to, const char *by, msgpack_packer *pk);

//  Every second: reminders before the daily report's deadline and each
//  week's evaluation against the pemda's benchmarks (tick.c).
void monev_tick (monev_t *self, wfa_redis_t *redis);

//  The selftest of the figures' pure parts (figures.c).
void monev_figures_test (bool verbose);

#endif
