/*  wfa-requests: a pemda's settings. POLICY.SET and POLICY.GET (the
    policy file, parsed and stored canonical), CALENDAR.SET and
    CALENDAR.GET (days off and Ramadan days). */
#include "requests.h"

// ---------------------------------------------------------------------
//  POLICY.SET and POLICY.GET

//  The "pemda" of a call that reads a whole pemda, once the actor in "as"
//  may do action there; NULL with the error on call.
const char *
settings_pemda_read (wfa_call_t *call, wfa_redis_t *redis, wfa_action_t action)
{
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    if (wfa_call_failed (call))
        return NULL;
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    wfa_actor_t actor;
    return wfa_authz_call (call, redis, action, &target, &actor)? NULL: pemda;
}

void
settings_policy_set (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    const char *actor = wfa_call_writer (call);
    const msgpack_object *text = wfa_mp_get (wfa_call_body (call), "text");
    if (!text)
        wfa_call_error (call, WFA_E_MISSING_FIELD, "text", NULL, -1);
    else
    if (text->type != MSGPACK_OBJECT_STR && text->type != MSGPACK_OBJECT_BIN)
        wfa_call_error (call, WFA_E_WRONG_TYPE, "text", NULL, -1);
    if (wfa_call_failed (call))
        return;
    //  A policy file may be longer than a protocol string: it comes as bin
    //  or str up to the policy limit, checked by the parser
    const char *bytes = text->type == MSGPACK_OBJECT_STR? text->via.str.ptr: text->via.bin.ptr;
    size_t size = text->type == MSGPACK_OBJECT_STR? text->via.str.size: text->via.bin.size;
    zlistx_t *errors = wfa_policy_errors_new ();
    wfa_policy_t *policy = wfa_policy_parse (bytes, size, pemda, errors);
    if (!policy) {
        bool english = wfa_call_lang (call) == WFA_LANG_EN;
        for (wfa_policy_error_t *error = (wfa_policy_error_t *) zlistx_first (errors); error;
             error = (wfa_policy_error_t *) zlistx_next (errors)) {
            char detail [300];
            snprintf (detail, sizeof detail, "%s", english? error->message_en: error->message_id);
            wfa_call_error (call, WFA_E_BAD_VALUE, "text", detail, error->line);
        }
        wfa_call_summary (call, WFA_E_POLICY_INVALID, NULL);
        zlistx_destroy (&errors);
        return;
    }
    zlistx_destroy (&errors);
    char *canonical = wfa_policy_text (policy);
    char tz [16];
    snprintf (tz, sizeof tz, "%d", wfa_policy_rules (policy, NULL).tz_minutes);
    wfa_policy_destroy (&policy);
    char prefix [WFA_PREFIX_MAX], now [24], ttl [24], keys_text [4][WFA_KEY_MAX];
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idem:policy:%s:%s", actor, key),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "policy:seq"),
        wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "policy:current"),
        wfa_store_key (keys_text [3], WFA_KEY_MAX, pemda, "policy:tz") };
    const char *args [] = { "text", canonical, "as", actor, "now", now, "ttl", ttl, "tz", tz,
                            "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_policy_set, 5, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    free (canonical);
    const char *version = wfa_store_step_result (call, reply, "as");
    if (version)
        msgpack_pack_int64 (wfa_call_reply (call, "version"), atoll (version));
    if (reply)
        freeReplyObject (reply);
}

void
settings_policy_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    requests_t *self = (requests_t *) state;
    const char *pemda = settings_pemda_read (call, redis, WFA_ACT_SETTINGS_READ);
    if (!pemda)
        return;
    int64_t version = 0;
    wfa_policy_t *policy = wfa_store_policy_current (self->policies, redis, pemda, &version);
    if (!policy) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return;
    }
    char *text = wfa_policy_text (policy);
    msgpack_pack_int64 (wfa_call_reply (call, "version"), version);
    wfa_mp_pack_str (wfa_call_reply (call, "text"), text);
    free (text);
}

// ---------------------------------------------------------------------
//  CALENDAR.SET and CALENDAR.GET

//  A bad calendar line becomes a problem on the call, by its index.
static void
s_calendar_problem (void *arg, int line, wfa_code_t code, const char *field)
{
    wfa_call_error ((wfa_call_t *) arg, code, field, NULL, line - 1);
}

typedef struct {
    char date [24];             //  YYYY-MM-DD, or a Ramadan range FROM..TO
    const char *stored;         //  "kind|name"
} s_day_off_t;

static int
s_compare_day_off (const void *left, const void *right)
{
    const s_day_off_t *a = (const s_day_off_t *) left, *b = (const s_day_off_t *) right;
    return strcmp (a->date, b->date);
}

void
settings_calendar_set (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    const char *actor = wfa_call_writer (call);
    const msgpack_object *days = wfa_call_array (call, "days", WFA_CALENDAR_MAX, true, true);
    if (wfa_call_failed (call))
        return;
    //  Each day a map of these fields, and no other (index: its line)
    for (uint32_t day_nbr = 0; day_nbr < days->via.array.size; day_nbr++)
        wfa_call_check_map (call, &days->via.array.ptr [day_nbr], "date kind name", "days", (int) day_nbr + 1);
    if (wfa_call_failed (call))
        return;
    //  Each day as its text line, through the same parser as the file
    zchunk_t *text = zchunk_new (NULL, 1024);
    for (uint32_t day_nbr = 0; day_nbr < days->via.array.size; day_nbr++) {
        const msgpack_object *day = &days->via.array.ptr [day_nbr];
        const char *names [] = { "date", "kind", "name" };
        for (int field_nbr = 0; field_nbr < 3; field_nbr++) {
            const msgpack_object *value = day->type == MSGPACK_OBJECT_MAP?
                                          wfa_mp_get (day, names [field_nbr]): NULL;
            bool is_str = value && value->type == MSGPACK_OBJECT_STR && value->via.str.size <= 256
                       && !memchr (value->via.str.ptr, '\n', value->via.str.size)
                       && (field_nbr == 2 || !memchr (value->via.str.ptr, ',', value->via.str.size));
            if (field_nbr)
                zchunk_extend (text, ",", 1);
            if (is_str)         //  The name quoted as a CSV field: it may hold commas, quotes
                wfa_csv_append_field (text, value->via.str.ptr, value->via.str.size);
        }
        zchunk_extend (text, "\n", 1);
    }
    zchunk_extend (text, "", 1);
    wfa_holiday_t *holidays = NULL;
    size_t count = 0;
    wfa_calendar_parse ((char *) zchunk_data (text), &holidays, &count, s_calendar_problem, call);
    zchunk_destroy (&text);
    if (wfa_call_failed (call)) {
        wfa_call_summary (call, WFA_E_BAD_VALUE, "days");
        return;
    }
    //  A Ramadan range goes day by day (its days are looked up one by one)
    size_t entries = 0;
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++)
        entries += (size_t) (holidays [day_nbr].last_day - holidays [day_nbr].day + 1);
    char prefix [WFA_PREFIX_MAX], now [24], ttl [24], keys_text [3][WFA_KEY_MAX];
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *keys [] = { wfa_store_prefix (pemda, prefix, sizeof prefix),
        wfa_store_key (keys_text [0], WFA_KEY_MAX, pemda, "idem:calendar:%s:%s", actor, key),
        wfa_store_key (keys_text [1], WFA_KEY_MAX, pemda, "calendar"),
        wfa_store_key (keys_text [2], WFA_KEY_MAX, pemda, "ramadan") };
    //  {as, now, ttl, fp, days = [[DATE, KIND, NAME], ...]}
    msgpack_sbuffer map;
    msgpack_packer pk;
    wfa_mp_writer_map (&map, &pk, 5);
    wfa_mp_pack_kv_str (&pk, "as", actor);
    wfa_mp_pack_kv_str (&pk, "fp", wfa_call_fingerprint (call));
    wfa_mp_pack_kv_str (&pk, "now", now);
    wfa_mp_pack_kv_str (&pk, "ttl", ttl);
    wfa_mp_pack_str (&pk, "days");
    msgpack_pack_array (&pk, entries);
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++)
        for (int day = holidays [day_nbr].day; day <= holidays [day_nbr].last_day; day++) {
            char date [11];
            msgpack_pack_array (&pk, 3);
            wfa_mp_pack_str (&pk, wfa_date_format (day, date));
            wfa_mp_pack_str (&pk, holidays [day_nbr].kind);
            wfa_mp_pack_str (&pk, holidays [day_nbr].name);
        }
    redisReply *reply = wfa_store_step_map (redis, &wfa_script_calendar_set, 4, keys, &map);
    msgpack_sbuffer_destroy (&map);
    //  The days off as day numbers (Ramadan days are working days), for the
    //  deadlines still waiting
    int *days_off = (int *) calloc (count + 1, sizeof (int));
    assert (days_off);
    size_t off_count = 0;
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++)
        if (!streq (holidays [day_nbr].kind, "ramadan"))
            days_off [off_count++] = holidays [day_nbr].day;
    free (holidays);
    //  {"ok"|"dup", days off, Ramadan days} stored
    const char *stored = wfa_store_step_result (call, reply, "as");
    if (stored && reply->elements == 3 && reply->element [2]->type == REDIS_REPLY_STRING) {
        msgpack_pack_int64 (wfa_call_reply (call, "days"), atoll (stored));
        msgpack_pack_int64 (wfa_call_reply (call, "ramadan_days"), atoll (reply->element [2]->str));
        //  A step waiting now counts its working time by the new calendar,
        //  from its opening: its deadline moves (earlier or later)
        requests_t *self = (requests_t *) state;
        int64_t version = 0;
        wfa_policy_t *policy = wfa_store_policy_current (self->policies, redis, pemda, &version);
        int tz = policy? wfa_policy_rules (policy, NULL).tz_minutes: wfa_pemda_tz (pemda);
        int moved = wfa_store_move_deadlines (redis, pemda, days_off, off_count, tz);
        if (moved < 0)
            wfa_log ("E", "calendar of %s set, but its waiting deadlines were not moved", pemda);
        msgpack_pack_int64 (wfa_call_reply (call, "deadlines_moved"), moved > 0? moved: 0);
    }
    else
    if (stored)
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
    if (reply)
        freeReplyObject (reply);
    free (days_off);
}

void
settings_calendar_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *pemda = settings_pemda_read (call, redis, WFA_ACT_SETTINGS_READ);
    if (!pemda)
        return;
    char calendar_key [WFA_KEY_MAX], ramadan_key [WFA_KEY_MAX];
    redisReply *reply = wfa_redis_command (redis, "HGETALL %s",
                                           wfa_store_key (calendar_key, sizeof calendar_key, pemda, "calendar"));
    if (wfa_call_redis_down (call, reply))
        return;
    redisReply *ramadan = wfa_redis_command (redis, "HGETALL %s",
                                             wfa_store_key (ramadan_key, sizeof ramadan_key, pemda, "ramadan"));
    if (wfa_call_redis_down (call, ramadan)) {
        freeReplyObject (reply);
        return;
    }
    size_t count = reply->type == REDIS_REPLY_ARRAY? reply->elements / 2: 0;
    size_t ramadan_count = ramadan->type == REDIS_REPLY_ARRAY? ramadan->elements / 2: 0;
    //  Sorted by date: dates are YYYY-MM-DD, so text order is date order
    s_day_off_t *days = (s_day_off_t *) calloc (count + ramadan_count + 1, sizeof (s_day_off_t));
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++) {
        snprintf (days [day_nbr].date, sizeof days [day_nbr].date, "%s",
                  reply->element [2 * day_nbr]->str? reply->element [2 * day_nbr]->str: "");
        days [day_nbr].stored = reply->element [2 * day_nbr + 1]->str;
    }
    //  Ramadan days (date -> "ramadan|name") as the ranges they were set as:
    //  runs of days in a row with the same name
    s_day_off_t *run = days + count;
    for (size_t day_nbr = 0; day_nbr < ramadan_count; day_nbr++) {
        snprintf (run [day_nbr].date, sizeof run [day_nbr].date, "%s",
                  ramadan->element [2 * day_nbr]->str? ramadan->element [2 * day_nbr]->str: "");
        run [day_nbr].stored = ramadan->element [2 * day_nbr + 1]->str;
    }
    qsort (run, ramadan_count, sizeof (s_day_off_t), s_compare_day_off);
    size_t ranges = 0;
    for (size_t day_nbr = 0; day_nbr < ramadan_count; day_nbr++) {
        int day = 0, last = -2;
        wfa_date_parse (run [day_nbr].date, &day);
        if (ranges > 0) {
            char *dots = strstr (run [ranges - 1].date, "..");
            wfa_date_parse (dots? dots + 2: run [ranges - 1].date, &last);
        }
        if (ranges > 0 && day == last + 1 && streq (run [day_nbr].stored? run [day_nbr].stored: "",
                                                    run [ranges - 1].stored? run [ranges - 1].stored: "")) {
            run [ranges - 1].date [10] = 0;
            strcat (run [ranges - 1].date, "..");
            strcat (run [ranges - 1].date, run [day_nbr].date);
        }
        else
            run [ranges++] = run [day_nbr];
    }
    count += ranges;
    qsort (days, count, sizeof (s_day_off_t), s_compare_day_off);
    msgpack_packer *pk = wfa_call_reply (call, "days");
    msgpack_pack_array (pk, count);
    for (size_t day_nbr = 0; day_nbr < count; day_nbr++) {
        const char *stored = days [day_nbr].stored? days [day_nbr].stored: "";
        const char *bar = strchr (stored, '|');
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "date", days [day_nbr].date);
        wfa_mp_pack_str (pk, "kind");
        wfa_mp_pack_strn (pk, stored, bar? (size_t) (bar - stored): 0);
        wfa_mp_pack_kv_str (pk, "name", bar? bar + 1: "");
    }
    msgpack_pack_uint64 (wfa_call_reply (call, "count"), count);
    free (days);
    freeReplyObject (reply);
    freeReplyObject (ramadan);
}

