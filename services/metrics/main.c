/*  wfa-metrics - the request counters per pemda, OPD and day.

    Consumes every request.* event that moves a figure (submitted,
    approved, rejected, cancelled, revoked, expired) and
    folds each into per-day hashes (shared/lua/count.lua). The event id is
    recorded in the same Lua step, so a redelivered event is not counted
    twice. Days are the pemda's local days (its province's zone). Serves
    METRICS.GET: sums over a date range and approval lead times. */
#include "wfa.h"

#define S_DONE_KEEP_MS (7LL * 24 * 3600 * 1000)
#define S_RANGE_MAX 3660
#define S_FIGURES 7             //  submitted, approved, rejected, pending, cancelled, revoked, expired

//  Fold one event into the counters.
static int
s_on_event (const wfa_event_t *event, wfa_redis_t *redis, void *state)
{
    (void) state;
    int64_t at = 0, submitted_at = 0;
    char *request_id = wfa_mp_strdup (wfa_mp_get (event->data, "request_id"));
    char *opd = wfa_mp_strdup (wfa_mp_get (event->data, "opd"));
    bool submitted = streq (event->type, "request.submitted");
    //  A cancelled request that was still undecided leaves the pending figure
    const msgpack_object *from_state = wfa_mp_get (event->data, "from_state");
    bool undecided = from_state && (wfa_mp_streq (from_state, "submitted")
                  || wfa_mp_streq (from_state, "pending") || wfa_mp_streq (from_state, "returned"));
    if (wfa_mp_int (wfa_mp_get (event->data, "at"), &at) || !request_id || !opd
    || (!submitted && wfa_mp_int (wfa_mp_get (event->data, "submitted_at"), &submitted_at))) {
        wfa_log ("E", "%s %s malformed, skipped", event->type, event->id);
        free (request_id);
        free (opd);
        return 0;
    }
    if (submitted)
        submitted_at = at;
    int tz = wfa_store_pemda_tz (redis, event->pemda);
    int day = wfa_date_of_ms (at, tz);
    int sub_day = wfa_date_of_ms (submitted_at, tz);
    char day_text [11], sub_day_text [11], now [24], day_nbr [16], sub_day_nbr [16], lead [24];
    wfa_date_format (day, day_text);
    wfa_date_format (sub_day, sub_day_text);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (day_nbr, sizeof day_nbr, "%d", day);
    snprintf (sub_day_nbr, sizeof sub_day_nbr, "%d", sub_day);
    snprintf (lead, sizeof lead, "%" PRId64, at - submitted_at);
    const char *pemda = event->pemda;
    char prefix [WFA_PREFIX_MAX], keys_text [7][WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "done:metrics"),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "m:days"),
        wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "m:opds"),
        wfa_store_key (keys_text [3], WFA_KEY_MAX, pemda, "m:day:%s", day_text),
        wfa_store_key (keys_text [4], WFA_KEY_MAX, pemda, "m:day:%s", sub_day_text),
        wfa_store_key (keys_text [5], WFA_KEY_MAX, pemda, "m:lead:%s", day_text),
        wfa_store_key (keys_text [6], WFA_KEY_MAX, pemda, "m:lead:%s:%s", day_text, opd) };
    const char *args [] = { "event_id", event->id, "now", now, "type", strchr (event->type, '.') + 1,
                            "day", day_text, "submitted_day", sub_day_text, "day_number", day_nbr,
                            "submitted_day_number", sub_day_nbr, "opd", opd, "request_id", request_id,
                            "lead", lead, "undecided", undecided? "1": "0" };
    redisReply *reply = wfa_store_step (redis, &wfa_script_count, 8, keys, sizeof args / sizeof *args / 2,
                                        args, NULL);
    int rc = wfa_store_step_ok (reply)? 0: -1;
    if (rc)
        wfa_log ("E", "count: %s", reply && reply->type == REDIS_REPLY_ERROR? reply->str: "no reply");
    if (reply)
        freeReplyObject (reply);
    free (request_id);
    free (opd);
    return rc;
}

//  Once a minute, drop the record of counted events a week after they were
//  counted (wfa_consumer_forget_done says why that is safe).
static void
s_housekeeping (wfa_redis_t *redis, void *state)
{
    (void) state;
    static int64_t next_run = 0;
    if (zclock_mono () < next_run)
        return;
    next_run = zclock_mono () + 60000;
    wfa_consumer_forget_done (redis, "metrics", S_DONE_KEEP_MS);
}

static void
s_metrics_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    const char *opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    const char *from = wfa_call_str (call, "from", 10, false);
    const char *to = wfa_call_str (call, "to", 10, false);
    int from_day = 0, to_day = 0;
    wfa_call_check_date (call, "from", from, &from_day);
    wfa_call_check_date (call, "to", to, &to_day);
    if (wfa_call_failed (call))
        return;
    //  A pemda's figures for its BKD, admin, integrators and Kemendagri;
    //  an OPD's also for its head
    wfa_target_t target = { pemda, opd && *opd? opd: NULL, NULL, NULL, false };
    wfa_actor_t actor;
    if (wfa_authz_call (call, redis, WFA_ACT_METRICS_READ, &target, &actor)
    ||  (opd && *opd && wfa_store_call_opd (call, redis, "opd", pemda, opd)))
        return;
    //  With one end only, the range reaches a year from it
    if (from && !to)
        to_day = from_day + 366;
    if (to && !from)
        from_day = to_day - 366;
    if ((from || to) && (to_day < from_day || to_day - from_day > S_RANGE_MAX)) {
        wfa_call_error (call, WFA_E_BAD_VALUE, "to", "from <= to, at most 3660 days", -1);
        return;
    }
    int day_count = from || to? to_day - from_day + 1: 0;
    char prefix [WFA_PREFIX_MAX], days_key [WFA_KEY_MAX], waiting_key [WFA_KEY_MAX];
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (days_key, sizeof days_key, pemda, "m:days"),
        opd && *opd? wfa_store_key (waiting_key, sizeof waiting_key, pemda, "idx:opd:%s:no_approver", opd):
             wfa_store_key (waiting_key, sizeof waiting_key, pemda, "idx:no_approver") };
    //  {opd, days = [DATE, ...]}
    msgpack_sbuffer map;
    msgpack_packer map_pk;
    wfa_mp_writer_map (&map, &map_pk, opd && *opd? 2: 1);
    if (opd && *opd)
        wfa_mp_pack_kv_str (&map_pk, "opd", opd);
    wfa_mp_pack_str (&map_pk, "days");
    msgpack_pack_array (&map_pk, day_count);
    for (int day_nbr = 0; day_nbr < day_count; day_nbr++) {
        char day [11];
        wfa_mp_pack_str (&map_pk, wfa_date_format (from_day + day_nbr, day));
    }
    redisReply *reply = wfa_store_call_step (call, redis, &wfa_script_metrics_get, 3, keys, &map);
    msgpack_sbuffer_destroy (&map);
    //  {"ok", rows, leads, no_approver}
    if (!reply)
        return;
    if (reply->elements != 4
    ||  reply->element [1]->type != REDIS_REPLY_ARRAY || reply->element [2]->type != REDIS_REPLY_ARRAY
    ||  reply->element [3]->type != REDIS_REPLY_INTEGER) {
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return;
    }
    const redisReply *rows = reply->element [1];
    const redisReply *leads = reply->element [2];
    int64_t totals [S_FIGURES] = { 0 };
    static const char *names [S_FIGURES] = { "submitted", "approved", "rejected", "pending",
                                             "cancelled", "revoked", "expired" };
    for (size_t row_nbr = 0; row_nbr < rows->elements; row_nbr++) {
        const redisReply *row = rows->element [row_nbr];
        for (int field_nbr = 0; field_nbr < S_FIGURES && row->elements == S_FIGURES + 1; field_nbr++)
            totals [field_nbr] += row->element [field_nbr + 1]->integer;
    }
    for (int field_nbr = 0; field_nbr < S_FIGURES; field_nbr++)
        msgpack_pack_int64 (wfa_call_reply (call, names [field_nbr]), totals [field_nbr]);
    //  Now, not in the range: requests waiting for a role nobody holds
    msgpack_pack_int64 (wfa_call_reply (call, "no_approver"), reply->element [3]->integer);

    size_t lead_count = leads->elements;
    double *seconds = (double *) calloc (lead_count + 1, sizeof (double));
    double sum = 0;
    for (size_t lead_nbr = 0; lead_nbr < lead_count; lead_nbr++) {
        const redisReply *value = leads->element [lead_nbr];
        seconds [lead_nbr] = value->type == REDIS_REPLY_STRING? strtod (value->str, NULL) / 1000.0: 0;
        sum += seconds [lead_nbr];
    }
    wfa_stats_sort (seconds, lead_count);
    msgpack_packer *pk = wfa_call_reply (call, "lead_time");
    msgpack_pack_map (pk, 5);
    wfa_mp_pack_kv_int (pk, "count", (int64_t) lead_count);
    wfa_mp_pack_str (pk, "avg_s");
    msgpack_pack_double (pk, lead_count? sum / (double) lead_count: 0);
    wfa_mp_pack_str (pk, "p50_s");
    msgpack_pack_double (pk, wfa_stats_percentile (seconds, lead_count, 0.5));
    wfa_mp_pack_str (pk, "p90_s");
    msgpack_pack_double (pk, wfa_stats_percentile (seconds, lead_count, 0.9));
    wfa_mp_pack_str (pk, "max_s");
    msgpack_pack_double (pk, lead_count? seconds [lead_count - 1]: 0);
    free (seconds);

    pk = wfa_call_reply (call, "days");
    msgpack_pack_array (pk, rows->elements);
    for (size_t row_nbr = 0; row_nbr < rows->elements; row_nbr++) {
        const redisReply *row = rows->element [row_nbr];
        bool shaped = row->elements == S_FIGURES + 1;
        msgpack_pack_map (pk, S_FIGURES + 1);
        wfa_mp_pack_str (pk, "date");
        if (shaped && row->element [0]->type == REDIS_REPLY_STRING)
            wfa_mp_pack_str (pk, row->element [0]->str);
        else
            msgpack_pack_nil (pk);
        for (int field_nbr = 0; field_nbr < S_FIGURES; field_nbr++)
            wfa_mp_pack_kv_int (pk, names [field_nbr],
                                shaped? row->element [field_nbr + 1]->integer: 0);
    }
    freeReplyObject (reply);
}

static const wfa_route_t s_routes [] = {
    { "METRICS.GET", s_metrics_get,
      "pemda opd from to" },
    { NULL, NULL, NULL }
};

static const wfa_event_route_t s_events [] = {
    { "request.submitted", s_on_event },
    { "request.approved", s_on_event },
    { "request.rejected", s_on_event },
    { "request.cancelled", s_on_event },
    { "request.revoked", s_on_event },
    { "request.expired", s_on_event },
    { NULL, NULL }
};

int
main (int argc, char *argv [])
{
    const wfa_service_def_t def = { "metrics", s_routes, s_events, NULL, s_housekeeping };
    return wfa_service_main (&def, argc, argv);
}
