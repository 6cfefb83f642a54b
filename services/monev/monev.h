/*  monev.h - what the files of wfa-monev share: its state and handlers.

    main.c      the service: its routes, events and housekeeping
    records.c   the raw records in: check-ins, daily reports, e-kinerja
    figures.c   MONEV.GET: the kept figures and what is derived from them
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
//  MONEV.GET (figures.c) and MONEV.REBUILD (rebuild.c)
wfa_handler_fn monev_get, monev_rebuild;

//  Every second: reminders before the daily report's deadline and each
//  week's evaluation against the pemda's benchmarks (tick.c).
void monev_tick (monev_t *self, wfa_redis_t *redis);

//  The selftest of the figures' pure parts (figures.c).
void monev_figures_test (bool verbose);

#endif
