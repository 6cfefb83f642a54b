/*  wfa-monev - monitoring and evaluation (monev): check-ins, daily reports
    (LKH), e-kinerja data in, the figures, and their rebuild.

    Serves CHECKIN.*, REPORT.*, EKINERJA.PUSH and GET, MONEV.GET, MONEV.REBUILD
    and MONEV.REPORT (records.c, figures.c, rebuild.c, report.c), consumes request.approved,
    request.cancelled and request.revoked into the flexible days of the
    figures, and every second runs the time-driven part (tick.c). Every raw
    record moves the kept figures in the same Lua step that writes it
    (lua/lib/monev.lua); MONEV.REBUILD recomputes them from the raw records
    and compares. Every time is judged in the pemda's zone (its policy,
    else its province). docs/monev.md explains each figure. */
#include "monev.h"

#define S_DONE_KEEP_MS (7LL * 24 * 3600 * 1000)

//  Fold an approved, cancelled or revoked request into the flexible days,
//  once (by event id, lua/monev_flex.lua).
static int
s_on_request (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    //  The event's fields the step reads, "" when absent
    static const char *fields [] = { "request_id", "from_state", "from_date" };
    char values [3][96];
    for (int field_nbr = 0; field_nbr < 3; field_nbr++) {
        char *value = wfa_mp_strdup (wfa_mp_get (event->data, fields [field_nbr]));
        snprintf (values [field_nbr], sizeof values [field_nbr], "%s", value? value: "");
        free (value);
    }
    if (!*values [0])
        return 0;               //  Names no request: nothing to fold
    const char *pemda = event->pemda;
    char prefix [WFA_PREFIX_MAX], done_key [WFA_KEY_MAX], request_key [WFA_KEY_MAX], now [24];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
                            wfa_store_key (done_key, sizeof done_key, pemda, "done:monev"),
                            wfa_store_key (request_key, sizeof request_key, pemda, "req:%s", values [0]) };
    const char *args [] = { "event_id", event->id, "now", now, "type", strchr (event->type, '.') + 1,
                            "from_state", values [1], "from_date", values [2] };
    redisReply *reply = wfa_store_step (redis, &wfa_script_monev_flex, 3, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    int rc = wfa_store_step_ok (reply)? 0: -1;
    if (rc)
        wfa_log ("E", "monev_flex: %s", reply && reply->type == REDIS_REPLY_ERROR? reply->str: "no reply");
    if (reply)
        freeReplyObject (reply);
    return rc;
}

//  Every second the time-driven part; once a minute, forget the events
//  folded a week ago.
static void
s_housekeeping (wfa_redis_t *redis, void *state)
{
    monev_tick ((monev_t *) state, redis);
    static int64_t next_run = 0;
    if (zclock_mono () < next_run)
        return;
    next_run = zclock_mono () + 60000;
    wfa_consumer_forget_done (redis, "monev", S_DONE_KEEP_MS);
}

static const wfa_route_t s_routes [] = {
    { "CHECKIN.IN", monev_checkin,
      "key lat lon" },
    { "CHECKIN.OUT", monev_checkin,
      "key lat lon" },
    { "REPORT.SUBMIT", monev_report_submit,
      "key date activities" },
    { "REPORT.VERIFY", monev_report_verify,
      "key nip date decision note" },
    { "REPORT.LIST", monev_report_list,
      "limit cursor" },
    { "REPORT.GET", monev_report_get,
      "nip date" },
    { "EKINERJA.PUSH", monev_ekinerja_push,
      "key source items" },
    { "EKINERJA.GET", monev_ekinerja_get,
      "nip limit cursor" },
    { "MONEV.GET", monev_get,
      "pemda opd nip from to by" },
    { "MONEV.REBUILD", monev_rebuild,
      "key pemda apply" },
    { "MONEV.REPORT", monev_report,
      "pemda opd period" },
    { NULL, NULL, NULL }
};

static const wfa_event_route_t s_events [] = {
    { "request.approved", s_on_request },
    { "request.cancelled", s_on_request },
    { "request.revoked", s_on_request },
    { NULL, NULL }
};

//  wfa-monev --selftest runs the selftest of its pure parts (tests/run.py
//  runs it with the shared library's); anything else runs the service.
int
main (int argc, char *argv [])
{
    if (argc == 2 && streq (argv [1], "--selftest")) {
        monev_figures_test (false);
        printf ("wfa-monev: selftest passed\n");
        return 0;
    }
    monev_t state = { wfa_store_policy_cache_new (), zhashx_new () };
    zhashx_set_destructor (state.ticks, (zhashx_destructor_fn *) zstr_free);
    const wfa_service_def_t def = { "monev", s_routes, s_events, &state, s_housekeeping };
    int rc = wfa_service_main (&def, argc, argv);
    zhashx_destroy (&state.policies);
    zhashx_destroy (&state.ticks);
    return rc;
}
