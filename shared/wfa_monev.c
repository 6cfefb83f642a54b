/*  wfa_monev.c - check-ins, daily reports, e-kinerja data, the figures.

    Each write is one Lua step that checks, writes the raw record and moves
    the kept figures together (shared/lua/monev_*.lua), so a crash leaves
    either both or neither. The figures are read by MONEV.GET over days,
    weeks or months for an employee, an OPD, a pemda or the nation, and
    MONEV.REBUILD recomputes them from the raw records to prove they agree.
    Every time is judged in the pemda's zone (its policy, else its
    province). docs/monev.md explains each figure for a BKD officer. */
#include "wfa.h"

#define S_ACTIVITIES_MAX 20     //  Activities in one daily report
#define S_EVIDENCE_MAX 10       //  Evidence references per activity
#define S_ITEMS_MAX 1000        //  e-kinerja items per push
#define S_QUANTITY_MAX 1000000  //  One quantity
#define S_RANGE_MAX 366         //  Days in one MONEV.GET
#define S_OFFICES_MAX 64        //  Offices listed for a geofence
#define S_REBUILD_BATCH 200     //  Employees per rebuild step

struct _wfa_monev_t {
    zhashx_t *policies;         //  wfa_store_policy_cache_new
    zhashx_t *ticks;            //  s_tick_t by pemda: what this instance did last
};

//  The time-driven work of one pemda, as this instance last saw it.
typedef struct {
    char reminded [11];         //  Day whose report reminders were sent
    char evaluated [12];        //  Last week evaluated (YYYY-Www)
    int64_t next_policy;        //  When to ask the policy version again (zclock_mono)
    int64_t version;            //  The policy version in force
} s_tick_t;

wfa_monev_t *
wfa_monev_new (void)
{
    wfa_monev_t *self = (wfa_monev_t *) zmalloc (sizeof (wfa_monev_t));
    self->policies = wfa_store_policy_cache_new ();
    self->ticks = zhashx_new ();
    zhashx_set_destructor (self->ticks, (zhashx_destructor_fn *) zstr_free);
    return self;
}

void
wfa_monev_destroy (wfa_monev_t **self_p)
{
    if (*self_p) {
        zhashx_destroy (&(*self_p)->policies);
        zhashx_destroy (&(*self_p)->ticks);
        free (*self_p);
        *self_p = NULL;
    }
}

double
wfa_monev_percent (int64_t numerator, int64_t denominator)
{
    if (denominator <= 0)
        return -1;
    return round (10000.0 * (double) numerator / (double) denominator) / 100.0;
}

//  ---------------------------------------------------------------------
//  Who and when: the actor's pemda, OPD and atasan, the rules of their OPD,
//  and the pemda's local day and minute now.

typedef struct {
    char pemda [16];
    char opd [WFA_CODE_MAX + 1];
    char supervisor [20];
    char prefix [WFA_PREFIX_MAX];
    wfa_rules_t rules;
    wfa_policy_t *policy;       //  Owned by the cache
    int64_t now;
    int today;                  //  Local day number
    int minute;                 //  Local minutes since midnight
} s_context_t;

static int
s_context (wfa_monev_t *self, wfa_call_t *call, wfa_redis_t *redis, const char *nip, s_context_t *context)
{
    memset (context, 0, sizeof *context);
    if (wfa_store_call_pemda (call, redis, "as", nip, context->pemda, sizeof context->pemda))
        return -1;
    redisReply *reply = wfa_redis_command (redis, "HMGET wfa:{%s}:emp:%s opd supervisor_nip",
                                           context->pemda, nip);
    if (wfa_call_redis_down (call, reply))
        return -1;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
        if (reply->element [0]->type == REDIS_REPLY_STRING)
            snprintf (context->opd, sizeof context->opd, "%s", reply->element [0]->str);
        if (reply->element [1]->type == REDIS_REPLY_STRING)
            snprintf (context->supervisor, sizeof context->supervisor, "%s", reply->element [1]->str);
    }
    freeReplyObject (reply);
    int64_t version = 0;
    context->policy = wfa_store_policy_current (self->policies, redis, context->pemda, &version);
    if (!context->policy) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return -1;
    }
    context->rules = wfa_policy_rules (context->policy, context->opd);
    wfa_store_prefix (context->pemda, context->prefix, sizeof context->prefix);
    context->now = wfa_now_ms ();
    int64_t local = context->now + (int64_t) context->rules.tz_minutes * 60000;
    context->today = wfa_date_of_ms (context->now, context->rules.tz_minutes);
    context->minute = (int) (((local % 86400000) + 86400000) % 86400000 / 60000);
    return 0;
}

//  An optional number field (int or float) into *value; false if absent.
static bool
s_number (wfa_call_t *call, const msgpack_object *map, const char *field, double min, double max,
          double *value, int index)
{
    const msgpack_object *object = map? wfa_mp_get (map, field): NULL;
    if (!object || object->type == MSGPACK_OBJECT_NIL)
        return false;
    if (object->type == MSGPACK_OBJECT_FLOAT32 || object->type == MSGPACK_OBJECT_FLOAT64)
        *value = object->via.f64;
    else
    if (object->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        *value = (double) object->via.u64;
    else
    if (object->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *value = (double) object->via.i64;
    else {
        wfa_call_error (call, WFA_E_WRONG_TYPE, field, NULL, index);
        return false;
    }
    if (!(*value >= min && *value <= max)) {
        char detail [64];
        snprintf (detail, sizeof detail, "%s: %g..%g", field, min, max);
        wfa_call_error (call, WFA_E_BAD_VALUE, field, detail, index);
        return false;
    }
    return true;
}

//  ---------------------------------------------------------------------
//  CHECKIN.IN and CHECKIN.OUT

static void
s_checkin (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    wfa_monev_t *self = (wfa_monev_t *) state;
    bool in = streq (wfa_call_command (call), "CHECKIN.IN");
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_writer (call);
    double lat = 0, lon = 0;
    bool has_lat = s_number (call, wfa_call_body (call), "lat", -90, 90, &lat, -1);
    bool has_lon = s_number (call, wfa_call_body (call), "lon", -180, 180, &lon, -1);
    if (has_lat != has_lon)
        wfa_call_error (call, WFA_E_MISSING_FIELD, has_lat? "lon": "lat", "lat and lon together", -1);
    s_context_t context;
    if (wfa_call_failed (call) || s_context (self, call, redis, nip, &context))
        return;
    //  The OPD's own office first, then every office of the pemda
    int offices [S_OFFICES_MAX + 1][2];
    size_t office_count = 0;
    if (context.rules.office_e6 [0] != WFA_GEO_NONE) {
        offices [0][0] = context.rules.office_e6 [0];
        offices [0][1] = context.rules.office_e6 [1];
        office_count = 1;
    }
    office_count += wfa_policy_offices (context.policy, offices + office_count, S_OFFICES_MAX);
    char office_text [S_OFFICES_MAX * 40 + 1] = "";
    size_t used = 0;
    for (size_t office_nbr = 0; office_nbr < office_count; office_nbr++)
        used += snprintf (office_text + used, sizeof office_text - used, "%.6f,%.6f;",
                          offices [office_nbr][0] / 1e6, offices [office_nbr][1] / 1e6);
    char date [11], at [24], minute [16], start [16], grace [16], lat_text [32] = "", lon_text [32] = "";
    char radius [16], ttl [24], ramadan_start [16], before [11];
    wfa_date_format (context.today, date);
    wfa_date_format (context.today - 1, before);
    snprintf (ramadan_start, sizeof ramadan_start, "%d", context.rules.ramadan_work_start);
    snprintf (at, sizeof at, "%" PRId64, context.now);
    snprintf (minute, sizeof minute, "%d", context.minute);
    snprintf (start, sizeof start, "%d", context.rules.work_start);
    snprintf (grace, sizeof grace, "%d", context.rules.checkin_grace_minutes);
    snprintf (radius, sizeof radius, "%d", context.rules.geofence_radius_m);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    if (has_lat && has_lon) {
        snprintf (lat_text, sizeof lat_text, "%.6f", lat);
        snprintf (lon_text, sizeof lon_text, "%.6f", lon);
    }
    const char *argv [] = { context.prefix, nip, date, in? "in": "out", at, minute, start, grace,
                            lat_text, lon_text, radius, office_text, key, ttl, ramadan_start, before };
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_checkin, 1, 16, argv, NULL);
    const char *value = wfa_store_step_result (call, reply, "as");
    if (value) {
        //  The day recorded (a retry may come a day later): the answer's last field
        const char *recorded = strrchr (value, '|');
        wfa_mp_pack_str (wfa_call_reply (call, "date"), recorded? recorded + 1: date);
        char local_time [16];
        snprintf (local_time, sizeof local_time, "%02d:%02d", context.minute / 60, context.minute % 60);
        wfa_mp_pack_str (wfa_call_reply (call, "local_time"), local_time);
        if (in) {
            //  STATUS|WHERE|DISTANCE
            char status [16] = "", where [16] = "";
            long distance = -1;
            sscanf (value, "%15[^|]|%15[^|]|%ld", status, where, &distance);
            wfa_mp_pack_str (wfa_call_reply (call, "timing"), status);
            wfa_mp_pack_str (wfa_call_reply (call, "where"), where);
            msgpack_pack_int64 (wfa_call_reply (call, "distance_m"), distance);
            bool flagged = !streq (where, "inside") && !streq (where, "none");
            if (flagged)
                msgpack_pack_true (wfa_call_reply (call, "flagged"));
            else
                msgpack_pack_false (wfa_call_reply (call, "flagged"));
        }
        else
            msgpack_pack_true (wfa_call_reply (call, "checked_out"));
    }
    if (reply)
        freeReplyObject (reply);
}

//  ---------------------------------------------------------------------
//  REPORT.SUBMIT, REPORT.VERIFY, REPORT.LIST, REPORT.GET

//  A str of a map, checked; NULL if absent (an error if required).
static const char *
s_item_str (wfa_call_t *call, const msgpack_object *map, const char *field, size_t max,
            bool required, int index, char *buf, size_t size)
{
    const msgpack_object *value = wfa_mp_get (map, field);
    if (!value || value->type == MSGPACK_OBJECT_NIL
    || (value->type == MSGPACK_OBJECT_STR && value->via.str.size == 0)) {
        if (required)
            wfa_call_error (call, WFA_E_MISSING_FIELD, field, NULL, index);
        return NULL;
    }
    if (value->type != MSGPACK_OBJECT_STR) {
        wfa_call_error (call, WFA_E_WRONG_TYPE, field, NULL, index);
        return NULL;
    }
    if (value->via.str.size > max || value->via.str.size >= size
    ||  !wfa_utf8_valid (value->via.str.ptr, value->via.str.size)) {
        wfa_call_error (call, WFA_E_TOO_LARGE, field, NULL, index);
        return NULL;
    }
    memcpy (buf, value->via.str.ptr, value->via.str.size);
    buf [value->via.str.size] = 0;
    return buf;
}

//  Check the activities of a report and pack them for the Lua step; the
//  total quantity into *quantity. Returns the packed bytes (caller frees).
static msgpack_sbuffer *
s_activities (wfa_call_t *call, int64_t *quantity)
{
    const msgpack_object *list = wfa_call_array (call, "activities", S_ACTIVITIES_MAX, true, false);
    if (!list)
        return NULL;
    msgpack_sbuffer *buffer = msgpack_sbuffer_new ();
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, list->via.array.size);
    *quantity = 0;
    for (uint32_t item_nbr = 0; item_nbr < list->via.array.size; item_nbr++) {
        const msgpack_object *item = &list->via.array.ptr [item_nbr];
        int index = (int) item_nbr;
        if (item->type != MSGPACK_OBJECT_MAP) {
            wfa_call_error (call, WFA_E_WRONG_TYPE, "activities", NULL, index);
            msgpack_pack_nil (&pk);
            continue;
        }
        char activity [501], output [201], rhk [65], plan [501];
        const char *activity_text = s_item_str (call, item, "activity", 500, true, index, activity, sizeof activity);
        const char *output_text = s_item_str (call, item, "output", 200, true, index, output, sizeof output);
        const char *rhk_text = s_item_str (call, item, "rhk", 64, false, index, rhk, sizeof rhk);
        const char *plan_text = s_item_str (call, item, "plan", 500, false, index, plan, sizeof plan);
        if (!rhk_text && !plan_text)
            wfa_call_error (call, WFA_E_MISSING_FIELD, "rhk", "rhk or plan: what the activity serves", index);
        int64_t amount = 0;
        const msgpack_object *value = wfa_mp_get (item, "quantity");
        if (!value)
            wfa_call_error (call, WFA_E_MISSING_FIELD, "quantity", NULL, index);
        else
        if (wfa_mp_int (value, &amount) || amount < 0 || amount > S_QUANTITY_MAX)
            wfa_call_error (call, WFA_E_BAD_VALUE, "quantity", "0..1000000", index);
        const msgpack_object *evidence = wfa_mp_get (item, "evidence");
        bool evidence_ok = !evidence || evidence->type == MSGPACK_OBJECT_NIL
                        || (evidence->type == MSGPACK_OBJECT_ARRAY && evidence->via.array.size <= S_EVIDENCE_MAX);
        for (uint32_t ref_nbr = 0; evidence_ok && evidence && evidence->type == MSGPACK_OBJECT_ARRAY
             && ref_nbr < evidence->via.array.size; ref_nbr++) {
            const msgpack_object *ref = &evidence->via.array.ptr [ref_nbr];
            evidence_ok = ref->type == MSGPACK_OBJECT_STR && ref->via.str.size <= 500
                       && wfa_utf8_valid (ref->via.str.ptr, ref->via.str.size);
        }
        if (!evidence_ok)
            wfa_call_error (call, WFA_E_BAD_VALUE, "evidence", "up to 10 str of 500 bytes", index);
        *quantity += amount;
        msgpack_pack_map (&pk, 6);
        wfa_mp_pack_kv_str (&pk, "activity", activity_text? activity_text: "");
        wfa_mp_pack_kv_str (&pk, "output", output_text? output_text: "");
        wfa_mp_pack_kv_int (&pk, "quantity", amount);
        wfa_mp_pack_kv_str (&pk, "rhk", rhk_text? rhk_text: "");
        wfa_mp_pack_kv_str (&pk, "plan", plan_text? plan_text: "");
        wfa_mp_pack_str (&pk, "evidence");
        uint32_t refs = evidence_ok && evidence && evidence->type == MSGPACK_OBJECT_ARRAY? evidence->via.array.size: 0;
        msgpack_pack_array (&pk, refs);
        for (uint32_t ref_nbr = 0; ref_nbr < refs; ref_nbr++)
            wfa_mp_pack_strn (&pk, evidence->via.array.ptr [ref_nbr].via.str.ptr,
                              evidence->via.array.ptr [ref_nbr].via.str.size);
    }
    if (wfa_call_failed (call)) {
        msgpack_sbuffer_free (buffer);
        return NULL;
    }
    return buffer;
}

//  A date field, YYYY-MM-DD, default today; into *day. -1 if bad.
static int
s_date_field (wfa_call_t *call, const char *field, int today, int *day)
{
    const char *text = wfa_call_str (call, field, 10, false);
    *day = today;
    if (text && wfa_date_parse (text, day)) {
        wfa_call_error (call, WFA_E_BAD_DATE, field, text, -1);
        return -1;
    }
    return text || !wfa_call_failed (call)? 0: -1;
}

static void
s_report_submit (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    wfa_monev_t *self = (wfa_monev_t *) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *nip = wfa_call_writer (call);
    int64_t quantity = 0;
    msgpack_sbuffer *activities = s_activities (call, &quantity);
    s_context_t context;
    int day = 0;
    if (wfa_call_failed (call) || s_context (self, call, redis, nip, &context)
    ||  s_date_field (call, "date", context.today, &day)) {
        if (activities)
            msgpack_sbuffer_free (activities);
        return;
    }
    char date [11];
    wfa_date_format (day, date);
    if (day > context.today)
        wfa_call_error (call, WFA_E_BAD_DATE, "date", "a report is for today or a day before", -1);
    else
    if (!*context.supervisor)
        wfa_call_error (call, WFA_E_NO_APPROVER, "as", "atasan", -1);
    if (wfa_call_failed (call)) {
        msgpack_sbuffer_free (activities);
        return;
    }
    //  Late: after the deadline of its own day
    bool late = day < context.today || context.minute > context.rules.report_deadline;
    char at [24], amount [24], ttl [24];
    snprintf (at, sizeof at, "%" PRId64, context.now);
    snprintf (amount, sizeof amount, "%" PRId64, quantity);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    const char *argv [] = { context.prefix, "submit", nip, date, at, late? "1": "0",
                            activities->data, amount, key, ttl, context.supervisor };
    size_t lens [11];
    for (int arg_nbr = 0; arg_nbr < 11; arg_nbr++)
        lens [arg_nbr] = arg_nbr == 6? activities->size: strlen (argv [arg_nbr]);
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_report, 1, 11, argv, lens);
    msgpack_sbuffer_free (activities);
    const char *value = wfa_store_step_result (call, reply, "date");
    if (value) {
        wfa_mp_pack_str (wfa_call_reply (call, "date"), date);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), value);
        if (late)
            msgpack_pack_true (wfa_call_reply (call, "late"));
        else
            msgpack_pack_false (wfa_call_reply (call, "late"));
    }
    if (reply)
        freeReplyObject (reply);
}

static void
s_report_verify (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    wfa_monev_t *self = (wfa_monev_t *) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_writer (call);
    const char *nip = wfa_call_nip (call, "nip", true);
    const char *date = wfa_call_str (call, "date", 10, true);
    const char *decision = wfa_call_str (call, "decision", 16, true);
    const char *note = wfa_call_str (call, "note", 2000, false);
    int day = 0;
    if (date && wfa_date_parse (date, &day))
        wfa_call_error (call, WFA_E_BAD_DATE, "date", date, -1);
    if (decision && !streq (decision, "accept") && !streq (decision, "return"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "decision", "accept | return", -1);
    if (decision && streq (decision, "return") && (!note || !*note))
        wfa_call_error (call, WFA_E_MISSING_FIELD, "note", "note: what to revise", -1);
    s_context_t context;
    char nip_pemda [16];
    if (wfa_call_failed (call) || s_context (self, call, redis, actor, &context)
    ||  wfa_store_call_pemda (call, redis, "nip", nip, nip_pemda, sizeof nip_pemda))
        return;
    if (!streq (nip_pemda, context.pemda)) {
        wfa_call_error (call, WFA_E_FORBIDDEN, "as", "another pemda / pemda lain", -1);
        return;
    }
    char at [24], ttl [24], today [11];
    snprintf (at, sizeof at, "%" PRId64, context.now);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    wfa_date_format (context.today, today);
    const char *argv [] = { context.prefix, "verify", nip, date, at, actor, decision,
                            note? note: "", key, ttl, today };
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_report, 1, 11, argv, NULL);
    const char *value = wfa_store_step_result (call, reply, "date");
    if (value) {
        wfa_mp_pack_str (wfa_call_reply (call, "nip"), nip);
        wfa_mp_pack_str (wfa_call_reply (call, "date"), date);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), value);
    }
    if (reply)
        freeReplyObject (reply);
}

//  Pack a stored report (msgpack from the Lua step) under its nip and date.
static void
s_pack_report (msgpack_packer *pk, const char *nip, const char *date, const redisReply *stored)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    bool ok = stored && stored->type == REDIS_REPLY_STRING
           && msgpack_unpack_next (&unpacked, stored->str, stored->len, NULL) == MSGPACK_UNPACK_SUCCESS
           && unpacked.data.type == MSGPACK_OBJECT_MAP;
    if (!ok) {
        msgpack_pack_nil (pk);
        msgpack_unpacked_destroy (&unpacked);
        return;
    }
    const msgpack_object *map = &unpacked.data;
    msgpack_pack_map (pk, map->via.map.size + 2);
    wfa_mp_pack_kv_str (pk, "nip", nip);
    wfa_mp_pack_kv_str (pk, "date", date);
    for (uint32_t pair_nbr = 0; pair_nbr < map->via.map.size; pair_nbr++) {
        msgpack_pack_object (pk, map->via.map.ptr [pair_nbr].key);
        msgpack_pack_object (pk, map->via.map.ptr [pair_nbr].val);
    }
    msgpack_unpacked_destroy (&unpacked);
}

static void
s_report_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *actor = wfa_call_actor (call);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    char pemda [16];
    if (wfa_call_failed (call) || wfa_store_call_pemda (call, redis, "as", actor, pemda, sizeof pemda))
        return;
    redisReply *pending = wfa_redis_command (redis, "ZRANGE wfa:{%s}:mv:rep:pending:%s 0 %" PRId64,
                                             pemda, actor, limit - 1);
    if (wfa_call_redis_down (call, pending))
        return;
    size_t count = pending->type == REDIS_REPLY_ARRAY? pending->elements: 0;
    msgpack_packer *pk = wfa_call_reply (call, "reports");
    msgpack_pack_array (pk, count);
    for (size_t item_nbr = 0; item_nbr < count; item_nbr++) {
        char nip [20] = "", date [11] = "";
        sscanf (pending->element [item_nbr]->str, "%19[^|]|%10s", nip, date);
        redisReply *stored = wfa_redis_command (redis, "HGET wfa:{%s}:mv:rep:%s %s", pemda, nip, date);
        s_pack_report (pk, nip, date, stored);
        if (stored)
            freeReplyObject (stored);
    }
    msgpack_pack_uint64 (wfa_call_reply (call, "count"), count);
    freeReplyObject (pending);
}

static void
s_report_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_nip (call, "nip", true);
    const char *date = wfa_call_str (call, "date", 10, true);
    int day = 0;
    if (date && wfa_date_parse (date, &day))
        wfa_call_error (call, WFA_E_BAD_DATE, "date", date, -1);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    wfa_target_t target;
    redisReply *person;
    if (wfa_authz_employee (call, redis, nip, pemda, sizeof pemda, &target, &person))
        return;
    wfa_actor_t actor;
    int denied = wfa_authz_call (call, redis, WFA_ACT_EMPLOYEE_READ, &target, &actor);
    if (person)
        freeReplyObject (person);
    if (denied)
        return;
    redisReply *stored = *pemda? wfa_redis_command (redis, "HGET wfa:{%s}:mv:rep:%s %s", pemda, nip, date): NULL;
    if (*pemda && wfa_call_redis_down (call, stored))
        return;
    if (!stored || stored->type != REDIS_REPLY_STRING)
        wfa_call_error (call, WFA_E_NOT_FOUND, "date", date, -1);
    else
        s_pack_report (wfa_call_reply (call, "report"), nip, date, stored);
    if (stored)
        freeReplyObject (stored);
}

//  ---------------------------------------------------------------------
//  EKINERJA.PUSH

static void
s_ekinerja_push (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *source = wfa_call_str (call, "source", 64, true);
    const msgpack_object *items = wfa_call_array (call, "items", S_ITEMS_MAX, true, false);
    if (source)
        for (const char *cursor = source; *cursor; cursor++)
            if (!isalnum ((unsigned char) *cursor) && !strchr ("._-", *cursor)) {
                wfa_call_error (call, WFA_E_BAD_VALUE, "source", "letters, digits, . _ -", -1);
                break;
            }
    wfa_actor_t actor;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return;
    //  An integrator (or admin pemda) pushes for its own pemda
    wfa_target_t target = { actor.pemda, NULL, NULL, NULL, false };
    if (!*actor.pemda) {
        wfa_call_error (call, WFA_E_FORBIDDEN, "as", "kemendagri: read-only", -1);
        return;
    }
    if (wfa_authz_check (call, &actor, WFA_ACT_IMPORT, &target))
        return;
    msgpack_sbuffer *buffer = msgpack_sbuffer_new ();
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, items->via.array.size);
    for (uint32_t item_nbr = 0; item_nbr < items->via.array.size; item_nbr++) {
        const msgpack_object *item = &items->via.array.ptr [item_nbr];
        int index = (int) item_nbr;
        if (item->type != MSGPACK_OBJECT_MAP) {
            wfa_call_error (call, WFA_E_WRONG_TYPE, "items", NULL, index);
            continue;
        }
        char id [65], type [8], nip [19], period [8], date [11], rhk [65], predikat [24];
        const char *id_text = s_item_str (call, item, "id", 64, true, index, id, sizeof id);
        const char *type_text = s_item_str (call, item, "type", 6, true, index, type, sizeof type);
        const char *nip_text = s_item_str (call, item, "nip", 18, true, index, nip, sizeof nip);
        if (nip_text && !wfa_nip_valid (nip_text))
            wfa_call_error (call, WFA_E_BAD_NIP, "nip", nip_text, index);
        if (type_text && !streq (type_text, "target") && !streq (type_text, "log") && !streq (type_text, "rating")) {
            wfa_call_error (call, WFA_E_BAD_VALUE, "type", "target | log | rating", index);
            type_text = NULL;
        }
        bool is_log = type_text && streq (type_text, "log");
        bool is_rating = type_text && streq (type_text, "rating");
        const char *period_text = NULL, *date_text = NULL, *rhk_text = NULL, *predikat_text = NULL;
        int64_t quantity = 0;
        if (type_text && !is_log) {
            period_text = s_item_str (call, item, "period", 7, true, index, period, sizeof period);
            char first [11];
            int day = 0;
            snprintf (first, sizeof first, "%s-01", period_text? period_text: "");
            if (period_text && (strlen (period_text) != 7 || wfa_date_parse (first, &day)))
                wfa_call_error (call, WFA_E_BAD_DATE, "period", "YYYY-MM", index);
        }
        if (is_log) {
            int day = 0;
            date_text = s_item_str (call, item, "date", 10, true, index, date, sizeof date);
            if (date_text && wfa_date_parse (date_text, &day))
                wfa_call_error (call, WFA_E_BAD_DATE, "date", date_text, index);
        }
        if (type_text && !is_rating) {
            rhk_text = s_item_str (call, item, "rhk", 64, true, index, rhk, sizeof rhk);
            if (rhk_text && strchr (rhk_text, '|'))
                wfa_call_error (call, WFA_E_BAD_VALUE, "rhk", "no '|' in an RHK code", index);
            const msgpack_object *value = wfa_mp_get (item, "quantity");
            if (!value)
                wfa_call_error (call, WFA_E_MISSING_FIELD, "quantity", NULL, index);
            else
            if (wfa_mp_int (value, &quantity) || quantity < 0 || quantity > S_QUANTITY_MAX)
                wfa_call_error (call, WFA_E_BAD_VALUE, "quantity", "0..1000000", index);
        }
        if (is_rating) {
            predikat_text = s_item_str (call, item, "predikat", 20, true, index, predikat, sizeof predikat);
            if (predikat_text && wfa_predikat_rank (predikat_text) < 0)
                wfa_call_error (call, WFA_E_BAD_VALUE, "predikat", predikat_text, index);
        }
        if (wfa_call_failed (call))
            continue;
        //  The canonical text: the same content always gives the same text
        char fp [320];
        snprintf (fp, sizeof fp, "%s|%s|%s|%s|%s|%" PRId64 "|%s", type_text, nip_text,
                  period_text? period_text: "", date_text? date_text: "", rhk_text? rhk_text: "",
                  quantity, predikat_text? predikat_text: "");
        msgpack_pack_map (&pk, 9);
        wfa_mp_pack_kv_str (&pk, "id", id_text);
        wfa_mp_pack_kv_str (&pk, "type", type_text);
        wfa_mp_pack_kv_str (&pk, "nip", nip_text);
        wfa_mp_pack_kv_str (&pk, "period", period_text? period_text: "");
        wfa_mp_pack_kv_str (&pk, "date", date_text? date_text: "");
        wfa_mp_pack_kv_str (&pk, "rhk", rhk_text? rhk_text: "");
        wfa_mp_pack_kv_int (&pk, "quantity", quantity);
        wfa_mp_pack_kv_str (&pk, "predikat", predikat_text? predikat_text: "");
        wfa_mp_pack_kv_str (&pk, "fp", fp);
    }
    //  Every item must be of this pemda
    for (uint32_t item_nbr = 0; item_nbr < items->via.array.size && !wfa_call_failed (call); item_nbr++) {
        const msgpack_object *nip = wfa_mp_get (&items->via.array.ptr [item_nbr], "nip");
        char *text = wfa_mp_strdup (nip);
        char pemda [16];
        int found = text? wfa_store_pemda_of_nip (redis, text, pemda, sizeof pemda): -1;
        if (found == -2)
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        else
        if (found == 0 && !streq (pemda, actor.pemda))
            wfa_call_error (call, WFA_E_FORBIDDEN, "nip", "another pemda / pemda lain", (int) item_nbr);
        free (text);
    }
    if (wfa_call_failed (call)) {
        if (wfa_call_code (call) != WFA_E_REDIS_UNAVAILABLE && wfa_call_code (call) != WFA_E_FORBIDDEN)
            wfa_call_summary (call, WFA_E_IMPORT_INVALID, NULL);
        msgpack_sbuffer_free (buffer);
        return;
    }
    char prefix [WFA_PREFIX_MAX];
    wfa_store_prefix (actor.pemda, prefix, sizeof prefix);
    const char *argv [] = { prefix, source, buffer->data };
    size_t lens [] = { strlen (prefix), strlen (source), buffer->size };
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_ekinerja, 1, 3, argv, lens);
    msgpack_sbuffer_free (buffer);
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != items->via.array.size) {
        wfa_log ("E", "monev_ekinerja: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return;
    }
    int64_t created = 0, duplicates = 0, conflicts = 0, unknown = 0;
    msgpack_packer *out = wfa_call_reply (call, "results");
    msgpack_pack_array (out, reply->elements);
    for (size_t item_nbr = 0; item_nbr < reply->elements; item_nbr++) {
        const char *result = reply->element [item_nbr]->str? reply->element [item_nbr]->str: "";
        const char *why = strchr (result, ':');
        msgpack_pack_map (out, why? 3: 2);
        wfa_mp_pack_kv_int (out, "index", (int64_t) item_nbr);
        wfa_mp_pack_str (out, "result");
        wfa_mp_pack_strn (out, result, why? (size_t) (why - result): strlen (result));
        if (why)
            wfa_mp_pack_kv_str (out, "detail", why + 1);
        created += streq (result, "created");
        duplicates += streq (result, "duplicate");
        conflicts += strncmp (result, "conflict", 8) == 0;
        unknown += streq (result, "unknown_employee") || streq (result, "service_account");
    }
    msgpack_pack_int64 (wfa_call_reply (call, "created"), created);
    msgpack_pack_int64 (wfa_call_reply (call, "duplicates"), duplicates);
    msgpack_pack_int64 (wfa_call_reply (call, "conflicts"), conflicts);
    msgpack_pack_int64 (wfa_call_reply (call, "unknown"), unknown);
    freeReplyObject (reply);
}

//  ---------------------------------------------------------------------
//  The flexible days, from request events

int
wfa_monev_on_request (const wfa_event_t *event, wfa_redis_t *redis)
{
    char *request_id = wfa_mp_strdup (wfa_mp_get (event->data, "request_id"));
    char *from_state = wfa_mp_strdup (wfa_mp_get (event->data, "from_state"));
    char *from_date = wfa_mp_strdup (wfa_mp_get (event->data, "from_date"));
    if (!request_id) {
        free (from_state);
        free (from_date);
        return 0;
    }
    char prefix [WFA_PREFIX_MAX], now [24];
    wfa_store_prefix (event->pemda, prefix, sizeof prefix);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    const char *argv [] = { prefix, event->id, now, strchr (event->type, '.') + 1, request_id,
                            from_state? from_state: "", from_date? from_date: "" };
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_flex, 1, 7, argv, NULL);
    int rc = reply && reply->type == REDIS_REPLY_INTEGER? 0: -1;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        wfa_log ("E", "monev_flex: %s", reply->str);
    if (reply)
        freeReplyObject (reply);
    free (request_id);
    free (from_state);
    free (from_date);
    return rc;
}

//  ---------------------------------------------------------------------
//  MONEV.GET

//  The kept figures of a day, in this order (monev_get.lua reads them).
static const char *s_fields [] = {
    "flex", "flex_loc", "ci_on_time", "ci_late", "ci_flagged", "rep_sub", "rep_late",
    "rep_acc", "rep_ret", "uni", NULL
};
#define S_FIELD_COUNT 10

#define S_ROLES 3              //  Approval roles: atasan, kepala_opd, bkd
static const char *s_step_roles [S_ROLES] = { "atasan", "kepala_opd", "bkd" };

//  One RHK of an employee in a period (an employee's scope only).
typedef struct {
    char rhk [65];
    int64_t realized, realized_flex, target;
    double per_flexible_day, per_office_day;    //  -1: no such day
} s_rhk_t;

//  The RHK figures of a period: quantities are compared with their own
//  RHK's target or days only, and the ratios averaged.
typedef struct {
    int64_t pairs;              //  Employee RHKs with a quantity or a target
    int64_t with_target;        //  Of them, with a target in the period
    int64_t met;                //  Of those, realized at least the target
    double ratio_sum;           //  Sum of realized / target x 100
    int64_t compared;           //  RHKs with a quantity on office days and flexible days
    double index_sum;           //  Sum of per flexible day / per office day x 100
    s_rhk_t *list;              //  An employee's RHKs; grown as needed
    size_t count, max;
} s_rhk_figures_t;

typedef struct {
    char label [16];            //  The period: YYYY-MM-DD, YYYY-Www, YYYY-MM or "total"
    wfa_monev_totals_t totals;
    int64_t approved, rejected, revoked;        //  Requests decided in the period
    double *waits [S_ROLES];    //  Step waits (s) by role; grown as needed
    size_t wait_count [S_ROLES], wait_max [S_ROLES];
    int64_t breaches [S_ROLES]; //  Steps decided past their SLA
    int64_t peak_away;          //  Most people away (location kinds) on one day
    int64_t capacity;           //  The OPD's limit a day, -1 none (OPD scope only)
    int64_t cap_days;           //  The weekly cap x weeks x people
    int benchmark [3];          //  Compliance, report, attainment minimums (percent)
    s_rhk_figures_t rhk;        //  Quantities by RHK
} s_bucket_t;

static void
s_bucket_wait (s_bucket_t *bucket, int role, int64_t wait, int64_t sla)
{
    if (bucket->wait_count [role] == bucket->wait_max [role]) {
        bucket->wait_max [role] = bucket->wait_max [role]? 2 * bucket->wait_max [role]: 16;
        bucket->waits [role] = (double *) realloc (bucket->waits [role], bucket->wait_max [role] * sizeof (double));
        assert (bucket->waits [role]);
    }
    bucket->waits [role][bucket->wait_count [role]++] = (double) wait / 1000.0;
    bucket->breaches [role] += sla > 0 && wait > sla;
}

static int
s_compare_double (const void *left, const void *right)
{
    double a = *(const double *) left, b = *(const double *) right;
    return a < b? -1: a > b? 1: 0;
}

void
wfa_monev_sort (double *values, size_t count)
{
    if (count > 0)
        qsort (values, count, sizeof (double), s_compare_double);
}

double
wfa_monev_percentile (const double *sorted, size_t count, double fraction)
{
    if (count == 0)
        return 0;
    size_t rank = (size_t) ceil (fraction * (double) count);
    rank = rank < 1? 1: rank > count? count: rank;
    return sorted [rank - 1];
}

//  The label of a day's bucket.
static void
s_bucket_label (const char *by, int day, char *label)
{
    char date [11];
    wfa_date_format (day, date);
    if (streq (by, "day"))
        snprintf (label, 16, "%s", date);
    else
    if (streq (by, "week"))
        wfa_date_iso_week (day, label);
    else
    if (streq (by, "month"))
        snprintf (label, 16, "%.7s", date);
    else
        snprintf (label, 16, "total");
}

//  The bucket of a label, made if new.
static size_t
s_bucket_of (s_bucket_t *buckets, size_t *bucket_count, const char *label)
{
    size_t bucket_nbr = 0;
    while (bucket_nbr < *bucket_count && !streq (buckets [bucket_nbr].label, label))
        bucket_nbr++;
    if (bucket_nbr == *bucket_count) {
        snprintf (buckets [bucket_nbr].label, sizeof buckets [bucket_nbr].label, "%s", label);
        buckets [bucket_nbr].capacity = -1;
        (*bucket_count)++;
    }
    return bucket_nbr;
}

//  A working day of the pemda: Monday to Friday, not a day off of its calendar.
static bool
s_working_day (const redisReply *calendar, int day)
{
    if (!wfa_date_is_weekday (day))
        return false;
    char date [11];
    wfa_date_format (day, date);
    for (size_t pair_nbr = 0; calendar->type == REDIS_REPLY_ARRAY && pair_nbr + 1 < calendar->elements; pair_nbr += 2)
        if (calendar->element [pair_nbr]->str && streq (calendar->element [pair_nbr]->str, date))
            return false;
    return true;
}

//  A quantity per day, or -1 when there is no day.
static double
s_per_day (int64_t quantity, int64_t days)
{
    return days > 0? (double) quantity / (double) days: -1;
}

//  Fold one pair's figures {pair, realized, realized_flex, target,
//  flexible_days} of a period into its RHK figures; working_days: of one
//  person in the period.
static void
s_rhk_fold (s_rhk_figures_t *figures, const redisReply *entry, int64_t working_days, bool person)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 5)
        return;
    const char *pair = entry->element [0]->str? entry->element [0]->str: "";
    int64_t realized = entry->element [1]->integer, realized_flex = entry->element [2]->integer;
    int64_t target = entry->element [3]->integer, flex_days = entry->element [4]->integer;
    int64_t office_days = working_days - flex_days;
    figures->pairs++;
    if (target > 0) {
        figures->with_target++;
        figures->met += realized >= target;
        figures->ratio_sum += 100.0 * (double) realized / (double) target;
    }
    double per_flexible = s_per_day (realized_flex, flex_days);
    double per_office = s_per_day (realized - realized_flex, office_days);
    if (per_flexible >= 0 && per_office > 0) {
        figures->compared++;
        figures->index_sum += 100.0 * per_flexible / per_office;
    }
    if (person) {
        if (figures->count == figures->max) {
            figures->max = figures->max? 2 * figures->max: 8;
            figures->list = (s_rhk_t *) realloc (figures->list, figures->max * sizeof (s_rhk_t));
            assert (figures->list);
        }
        s_rhk_t *rhk = &figures->list [figures->count++];
        const char *bar = strchr (pair, '|');
        snprintf (rhk->rhk, sizeof rhk->rhk, "%s", bar? bar + 1: pair);
        rhk->realized = realized;
        rhk->realized_flex = realized_flex;
        rhk->target = target;
        rhk->per_flexible_day = per_flexible;
        rhk->per_office_day = per_office;
    }
}

//  Add one pemda's figures of a scope over days into buckets.
static int
s_collect (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *opd, const char *nip,
           int from, int to, const char *by, s_bucket_t *buckets, size_t *bucket_count,
           zhashx_t *policies)
{
    char prefix [WFA_PREFIX_MAX], scope [64] = "";
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    if (nip)
        snprintf (scope, sizeof scope, "n:%s:", nip);
    else
    if (opd)
        snprintf (scope, sizeof scope, "o:%s:", opd);
    int64_t version = 0;
    wfa_policy_t *policy = wfa_store_policy_current (policies, redis, pemda, &version);
    if (!policy) {
        wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        return -1;
    }
    wfa_rules_t rules = wfa_policy_rules (policy, opd && *opd? opd: NULL);
    int tz = rules.tz_minutes;
    int today = wfa_date_today (tz);
    redisReply *calendar = wfa_redis_command (redis, "HGETALL %scalendar", prefix);
    if (wfa_call_redis_down (call, calendar))
        return -1;
    //  Each day's period, and each month's (whose targets it carries)
    int day_count = to - from + 1;
    const char **argv = (const char **) calloc (2 * day_count + S_FIELD_COUNT + 2 * (day_count / 28 + 3) + 16,
                                                sizeof (char *));
    char (*dates) [11] = calloc (day_count + 1, 11);
    char (*months) [8] = calloc (day_count / 28 + 3, 8);
    char (*day_buckets) [12] = calloc (day_count + 1, 12);
    char (*month_buckets) [12] = calloc (day_count / 28 + 3, 12);
    char (*last_week) [12] = calloc (day_count + 2, 12);    //  By bucket, this pemda
    int64_t *person_days = (int64_t *) calloc (day_count + 2, sizeof (int64_t));    //  By bucket
    size_t *bucket_of = (size_t *) calloc (day_count + 1, sizeof (size_t));
    assert (argv && dates && months && day_buckets && month_buckets && last_week && person_days && bucket_of);
    int month_count = 0;
    for (int day = from; day <= to; day++) {
        wfa_date_format (day, dates [day - from]);
        char label [16];
        s_bucket_label (by, day, label);
        bucket_of [day - from] = s_bucket_of (buckets, bucket_count, label);
        snprintf (day_buckets [day - from], 12, "%d", (int) bucket_of [day - from] + 1);
        if (month_count == 0 || strncmp (months [month_count - 1], dates [day - from], 7) != 0) {
            snprintf (months [month_count], 8, "%.7s", dates [day - from]);
            size_t month_bucket = 0;
            for (size_t bucket_nbr = 0; bucket_nbr < *bucket_count; bucket_nbr++)
                if (streq (buckets [bucket_nbr].label, months [month_count]) || streq (buckets [bucket_nbr].label, "total"))
                    month_bucket = bucket_nbr + 1;
            snprintf (month_buckets [month_count], 12, "%d", (int) month_bucket);
            month_count++;
        }
    }
    int argc = 0;
    char field_count [8], day_total [16], month_total [16];
    snprintf (field_count, sizeof field_count, "%d", S_FIELD_COUNT);
    snprintf (day_total, sizeof day_total, "%d", day_count);
    snprintf (month_total, sizeof month_total, "%d", month_count);
    argv [argc++] = prefix;
    argv [argc++] = "all";
    argv [argc++] = scope;
    argv [argc++] = field_count;
    for (int field_nbr = 0; field_nbr < S_FIELD_COUNT; field_nbr++)
        argv [argc++] = s_fields [field_nbr];
    argv [argc++] = day_total;
    for (int day_nbr = 0; day_nbr < day_count; day_nbr++)
        argv [argc++] = dates [day_nbr];
    for (int day_nbr = 0; day_nbr < day_count; day_nbr++)
        argv [argc++] = day_buckets [day_nbr];
    argv [argc++] = month_total;
    for (int month_nbr = 0; month_nbr < month_count; month_nbr++)
        argv [argc++] = months [month_nbr];
    for (int month_nbr = 0; month_nbr < month_count; month_nbr++)
        argv [argc++] = month_buckets [month_nbr];
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_get, 1, argc, argv, NULL);
    free (argv);
    int rc = 0;
    if (wfa_call_redis_down (call, reply))
        rc = -1;
    else
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 5
    ||  reply->element [0]->elements != (size_t) day_count
    ||  reply->element [3]->type != REDIS_REPLY_INTEGER) {
        wfa_log ("E", "monev_get: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        rc = -1;
    }
    //  Headcount: one employee, an OPD's people, or the pemda's (service
    //  accounts are no people)
    int64_t heads = rc == 0? reply->element [3]->integer: 0;
    //  The OPD's capacity a day, as decide.lua takes it (-1: no limit)
    int64_t capacity = -1;
    if (opd && !nip) {
        if (rules.max_people_per_day > 0)
            capacity = rules.max_people_per_day;
        if (rules.max_percent_per_day > 0) {
            int64_t by_share = heads * rules.max_percent_per_day / 100;
            by_share = by_share < 1? 1: by_share;
            capacity = capacity < 0 || by_share < capacity? by_share: capacity;
        }
    }
    for (int day = from; rc == 0 && day <= to; day++) {
        const redisReply *row = reply->element [0]->element [day - from];
        size_t bucket_nbr = bucket_of [day - from];
        s_bucket_t *bucket = &buckets [bucket_nbr];
        wfa_monev_totals_t *t = &bucket->totals;
        //  Approvals decided that day: waits by role, and the request counters
        const redisReply *steps = reply->element [1]->element [day - from];
        for (int role = 0; role < S_ROLES && steps->type == REDIS_REPLY_ARRAY && (size_t) role < steps->elements; role++) {
            const redisReply *waits = steps->element [role];
            for (size_t wait_nbr = 0; wait_nbr + 1 < waits->elements; wait_nbr += 2)
                s_bucket_wait (bucket, role, waits->element [wait_nbr]->integer, waits->element [wait_nbr + 1]->integer);
        }
        const redisReply *requests = reply->element [2]->element [day - from];
        if (requests->type == REDIS_REPLY_ARRAY && requests->elements == 3) {
            bucket->approved += requests->element [0]->integer;
            bucket->rejected += requests->element [1]->integer;
            bucket->revoked += requests->element [2]->integer;
        }
        //  The weekly cap, once per ISO week the period touches (days come
        //  in order, so a bucket's weeks come one after the other)
        char week [12];
        wfa_date_iso_week (day, week);
        if (!streq (last_week [bucket_nbr], week)) {
            snprintf (last_week [bucket_nbr], 12, "%s", week);
            bucket->cap_days += (int64_t) rules.weekly_location_days * heads;
        }
        bucket->capacity = capacity;
        bucket->benchmark [0] = rules.min_checkin_compliance;
        bucket->benchmark [1] = rules.min_report_rate;
        bucket->benchmark [2] = rules.min_attainment;
        int64_t v [S_FIELD_COUNT] = { 0 };
        for (int field_nbr = 0; field_nbr < S_FIELD_COUNT && (size_t) field_nbr < row->elements; field_nbr++)
            v [field_nbr] = row->element [field_nbr]->integer;
        bool over = day < today;       //  The day is over: judged
        t->flex += v [0];
        t->flex_loc += v [1];
        if (v [1] > bucket->peak_away)
            bucket->peak_away = v [1];
        t->flagged += v [4];
        t->rep_late += v [6];
        t->rep_acc += v [7];
        t->rep_ret += v [8];
        t->unapproved += v [9];
        if (over) {
            t->judged += v [0];
            t->on_time += v [2];
            t->late += v [3];
            t->rep_sub += v [5];
        }
        if (s_working_day (calendar, day)) {
            t->working_days += heads;
            person_days [bucket_nbr]++;
        }
    }
    //  The RHK figures of each period
    const redisReply *rhk = rc == 0? reply->element [4]: NULL;
    for (size_t bucket_nbr = 0; rhk && rhk->type == REDIS_REPLY_ARRAY && bucket_nbr < rhk->elements
         && bucket_nbr < *bucket_count; bucket_nbr++) {
        const redisReply *entries = rhk->element [bucket_nbr];
        for (size_t entry_nbr = 0; entries->type == REDIS_REPLY_ARRAY && entry_nbr < entries->elements; entry_nbr++)
            s_rhk_fold (&buckets [bucket_nbr].rhk, entries->element [entry_nbr], person_days [bucket_nbr], nip != NULL);
    }
    free (dates);
    free (months);
    free (day_buckets);
    free (month_buckets);
    free (last_week);
    free (person_days);
    free (bucket_of);
    freeReplyObject (calendar);
    if (reply)
        freeReplyObject (reply);
    return rc;
}

//  ---------------------------------------------------------------------
//  The before/after comparison (art. 35): quantity per working day, RHK by
//  RHK, in a window before the pemda's first flexible day and in the asked
//  range from that day on.

typedef struct {
    char first [11];            //  The pemda's first flexible day, "" none
    int before_from, before_to, after_from, after_to;
    int64_t before_days, after_days;    //  Working days of one person
    int64_t compared;           //  RHKs with a quantity before
    double index_sum;           //  Sum of after per day / before per day x 100
    s_rhk_t *list;              //  An employee's RHKs (per_office_day: before, per_flexible_day: after)
    size_t count;
} s_before_after_t;

static int
s_before_after (wfa_call_t *call, wfa_redis_t *redis, const char *pemda, const char *opd, const char *nip,
                int from, int to, s_before_after_t *result)
{
    memset (result, 0, sizeof *result);
    char prefix [WFA_PREFIX_MAX], scope [64] = "";
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    if (nip)
        snprintf (scope, sizeof scope, "n:%s:", nip);
    else
    if (opd)
        snprintf (scope, sizeof scope, "o:%s:", opd);
    const char *first_argv [] = { prefix, "first", scope };
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_get, 1, 3, first_argv, NULL);
    if (wfa_call_redis_down (call, reply))
        return -1;
    int first = 0;
    if (reply->type == REDIS_REPLY_STRING && reply->len == 10)
        snprintf (result->first, sizeof result->first, "%s", reply->str);
    freeReplyObject (reply);
    if (!*result->first || wfa_date_parse (result->first, &first) || to < first)
        return 0;
    int length = to - from + 1;
    result->before_from = first - length;
    result->before_to = first - 1;
    result->after_from = from > first? from: first;
    result->after_to = to;
    redisReply *calendar = wfa_redis_command (redis, "HGETALL %scalendar", prefix);
    if (wfa_call_redis_down (call, calendar))
        return -1;
    int day_count = (result->before_to - result->before_from + 1) + (result->after_to - result->after_from + 1);
    const char **argv = (const char **) calloc (2 * day_count + 8, sizeof (char *));
    char (*dates) [11] = calloc (day_count, 11);
    assert (argv && dates);
    int argc = 0;
    char day_total [16];
    snprintf (day_total, sizeof day_total, "%d", day_count);
    argv [argc++] = prefix;
    argv [argc++] = "rhk";
    argv [argc++] = scope;
    argv [argc++] = "0";
    argv [argc++] = day_total;
    int day_nbr = 0;
    for (int window = 0; window < 2; window++)
        for (int day = window? result->after_from: result->before_from;
             day <= (window? result->after_to: result->before_to); day++) {
            wfa_date_format (day, dates [day_nbr++]);
            argv [argc++] = dates [day_nbr - 1];
            if (s_working_day (calendar, day)) {
                if (window)
                    result->after_days++;
                else
                    result->before_days++;
            }
        }
    for (int window = 0; window < 2; window++)
        for (int day = window? result->after_from: result->before_from;
             day <= (window? result->after_to: result->before_to); day++)
            argv [argc++] = window? "2": "1";
    argv [argc++] = "0";
    reply = wfa_redis_fcall (redis, &wfa_script_monev_get, 1, argc, argv, NULL);
    free (argv);
    free (dates);
    freeReplyObject (calendar);
    if (wfa_call_redis_down (call, reply))
        return -1;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 5) {
        wfa_log ("E", "monev_get: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return -1;
    }
    //  Both windows' pairs come sorted: walk them together
    const redisReply *rhk = reply->element [4];
    const redisReply *before = rhk->type == REDIS_REPLY_ARRAY && rhk->elements > 0? rhk->element [0]: NULL;
    const redisReply *after = rhk->type == REDIS_REPLY_ARRAY && rhk->elements > 1? rhk->element [1]: NULL;
    size_t before_count = before && before->type == REDIS_REPLY_ARRAY? before->elements: 0;
    size_t after_count = after && after->type == REDIS_REPLY_ARRAY? after->elements: 0;
    if (nip && before_count > 0)
        result->list = (s_rhk_t *) calloc (before_count, sizeof (s_rhk_t));
    size_t after_nbr = 0;
    for (size_t before_nbr = 0; before_nbr < before_count; before_nbr++) {
        const redisReply *entry = before->element [before_nbr];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 5 || !entry->element [0]->str)
            continue;
        const char *pair = entry->element [0]->str;
        while (after_nbr < after_count && after->element [after_nbr]->elements == 5
        &&     strcmp (after->element [after_nbr]->element [0]->str, pair) < 0)
            after_nbr++;
        int64_t quantity_after = 0;
        if (after_nbr < after_count && after->element [after_nbr]->elements == 5
        &&  streq (after->element [after_nbr]->element [0]->str, pair))
            quantity_after = after->element [after_nbr]->element [1]->integer;
        double per_before = s_per_day (entry->element [1]->integer, result->before_days);
        double per_after = s_per_day (quantity_after, result->after_days);
        if (per_before <= 0 || per_after < 0)
            continue;
        result->compared++;
        result->index_sum += 100.0 * per_after / per_before;
        if (result->list) {
            s_rhk_t *item = &result->list [result->count++];
            const char *bar = strchr (pair, '|');
            snprintf (item->rhk, sizeof item->rhk, "%s", bar? bar + 1: pair);
            item->per_office_day = per_before;
            item->per_flexible_day = per_after;
        }
    }
    freeReplyObject (reply);
    return 0;
}

static void
s_pack_percent (msgpack_packer *pk, const char *key, int64_t numerator, int64_t denominator)
{
    wfa_mp_pack_str (pk, key);
    double percent = wfa_monev_percent (numerator, denominator);
    if (percent < 0)
        msgpack_pack_nil (pk);
    else
        msgpack_pack_double (pk, percent);
}

//  A value rounded to 2 decimals, or nil when below 0 (none).
static void
s_pack_rounded (msgpack_packer *pk, const char *key, double value)
{
    wfa_mp_pack_str (pk, key);
    if (value < 0)
        msgpack_pack_nil (pk);
    else
        msgpack_pack_double (pk, round (100.0 * value) / 100.0);
}

//  The average of count ratios summing to sum, or -1 for none.
static double
s_average (double sum, int64_t count)
{
    return count > 0? sum / (double) count: -1;
}

static void
s_pack_before_after (msgpack_packer *pk, const s_before_after_t *result, bool person)
{
    bool compared = result->after_to > 0;
    msgpack_pack_map (pk, person? 6: 5);
    wfa_mp_pack_str (pk, "first_flexible_day");
    if (*result->first)
        wfa_mp_pack_str (pk, result->first);
    else
        msgpack_pack_nil (pk);
    for (int window = 0; window < 2; window++) {
        wfa_mp_pack_str (pk, window? "after": "before");
        if (!compared) {
            msgpack_pack_nil (pk);
            continue;
        }
        char from [11], to [11];
        wfa_date_format (window? result->after_from: result->before_from, from);
        wfa_date_format (window? result->after_to: result->before_to, to);
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "from", from);
        wfa_mp_pack_kv_str (pk, "to", to);
        wfa_mp_pack_kv_int (pk, "working_days", window? result->after_days: result->before_days);
    }
    wfa_mp_pack_kv_int (pk, "rhk_compared", result->compared);
    s_pack_rounded (pk, "after_vs_before_pct", s_average (result->index_sum, result->compared));
    if (person) {
        wfa_mp_pack_str (pk, "by_rhk");
        msgpack_pack_array (pk, result->count);
        for (size_t item_nbr = 0; item_nbr < result->count; item_nbr++) {
            const s_rhk_t *item = &result->list [item_nbr];
            msgpack_pack_map (pk, 4);
            wfa_mp_pack_kv_str (pk, "rhk", item->rhk);
            s_pack_rounded (pk, "before_per_day", item->per_office_day);
            s_pack_rounded (pk, "after_per_day", item->per_flexible_day);
            s_pack_rounded (pk, "pct", item->per_office_day > 0?
                            100.0 * item->per_flexible_day / item->per_office_day: -1);
        }
    }
}

//  One period's figures as a map.
static void
s_pack_bucket (msgpack_packer *pk, s_bucket_t *bucket, bool person, bool nation)
{
    const wfa_monev_totals_t *t = &bucket->totals;
    const s_rhk_figures_t *rhk = &bucket->rhk;
    int64_t missing = t->judged - t->on_time - t->late;
    int64_t office_days = t->working_days - t->flex;
    msgpack_pack_map (pk, person? 7: 9);
    wfa_mp_pack_kv_str (pk, "period", bucket->label);
    wfa_mp_pack_str (pk, "flexible");
    msgpack_pack_map (pk, 7);
    wfa_mp_pack_kv_int (pk, "days", t->flex);
    wfa_mp_pack_kv_int (pk, "location_days", t->flex_loc);
    wfa_mp_pack_kv_int (pk, "judged_days", t->judged);
    wfa_mp_pack_kv_int (pk, "working_days", t->working_days);
    wfa_mp_pack_kv_int (pk, "cap_days", bucket->cap_days);
    s_pack_percent (pk, "cap_use_pct", t->flex_loc, bucket->cap_days);
    wfa_mp_pack_kv_int (pk, "unapproved_days", t->unapproved);
    if (!person) {
        //  Approvals: outcomes, and how long each step waited
        wfa_mp_pack_str (pk, "approvals");
        msgpack_pack_map (pk, 6);
        wfa_mp_pack_kv_int (pk, "approved", bucket->approved);
        wfa_mp_pack_kv_int (pk, "rejected", bucket->rejected);
        wfa_mp_pack_kv_int (pk, "revoked", bucket->revoked);
        s_pack_percent (pk, "rejection_pct", bucket->rejected, bucket->approved + bucket->rejected);
        s_pack_percent (pk, "revocation_pct", bucket->revoked, bucket->approved);
        wfa_mp_pack_str (pk, "steps");
        msgpack_pack_map (pk, S_ROLES);
        for (int role = 0; role < S_ROLES; role++) {
            wfa_monev_sort (bucket->waits [role], bucket->wait_count [role]);
            wfa_mp_pack_str (pk, s_step_roles [role]);
            msgpack_pack_map (pk, 4);
            wfa_mp_pack_kv_int (pk, "decided", (int64_t) bucket->wait_count [role]);
            wfa_mp_pack_str (pk, "p50_s");
            msgpack_pack_double (pk, wfa_monev_percentile (bucket->waits [role], bucket->wait_count [role], 0.5));
            wfa_mp_pack_str (pk, "p90_s");
            msgpack_pack_double (pk, wfa_monev_percentile (bucket->waits [role], bucket->wait_count [role], 0.9));
            wfa_mp_pack_kv_int (pk, "sla_breaches", bucket->breaches [role]);
        }
        wfa_mp_pack_str (pk, "capacity");
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_str (pk, "peak_away");
        if (nation)
            msgpack_pack_nil (pk);
        else
            msgpack_pack_int64 (pk, bucket->peak_away);
        wfa_mp_pack_str (pk, "limit");
        if (bucket->capacity < 0)
            msgpack_pack_nil (pk);
        else
            msgpack_pack_int64 (pk, bucket->capacity);
        s_pack_percent (pk, "peak_pct", bucket->peak_away, bucket->capacity);
        //  (the nation's figures are sums; a peak over pemdas is not: peak_away is nil then)
    }
    wfa_mp_pack_str (pk, "checkins");
    msgpack_pack_map (pk, 5);
    wfa_mp_pack_kv_int (pk, "on_time", t->on_time);
    wfa_mp_pack_kv_int (pk, "late", t->late);
    wfa_mp_pack_kv_int (pk, "missing", missing > 0? missing: 0);
    wfa_mp_pack_kv_int (pk, "flagged", t->flagged);
    s_pack_percent (pk, "compliance_pct", t->on_time, t->judged);
    wfa_mp_pack_str (pk, "reports");
    msgpack_pack_map (pk, 6);
    wfa_mp_pack_kv_int (pk, "submitted", t->rep_sub);
    wfa_mp_pack_kv_int (pk, "late", t->rep_late);
    wfa_mp_pack_kv_int (pk, "accepted", t->rep_acc);
    wfa_mp_pack_kv_int (pk, "returned", t->rep_ret);
    s_pack_percent (pk, "submission_pct", t->rep_sub, t->judged);
    s_pack_percent (pk, "verification_pct", t->rep_acc, t->rep_sub);
    //  Attainment: each RHK against its own target, the ratios averaged
    double attainment = s_average (rhk->ratio_sum, rhk->with_target);
    wfa_mp_pack_str (pk, "attainment");
    msgpack_pack_map (pk, person? 5: 4);
    wfa_mp_pack_kv_int (pk, "rhks", rhk->pairs);
    wfa_mp_pack_kv_int (pk, "with_target", rhk->with_target);
    wfa_mp_pack_kv_int (pk, "met", rhk->met);
    s_pack_rounded (pk, "pct", attainment);
    if (person) {
        wfa_mp_pack_str (pk, "by_rhk");
        msgpack_pack_array (pk, rhk->count);
        for (size_t item_nbr = 0; item_nbr < rhk->count; item_nbr++) {
            const s_rhk_t *item = &rhk->list [item_nbr];
            msgpack_pack_map (pk, 7);
            wfa_mp_pack_kv_str (pk, "rhk", item->rhk);
            wfa_mp_pack_kv_int (pk, "realized", item->realized);
            wfa_mp_pack_kv_int (pk, "realized_flexible", item->realized_flex);
            wfa_mp_pack_kv_int (pk, "target", item->target);
            s_pack_percent (pk, "pct", item->realized, item->target);
            s_pack_rounded (pk, "per_flexible_day", item->per_flexible_day);
            s_pack_rounded (pk, "per_office_day", item->per_office_day);
        }
    }
    //  The pemda's benchmarks: met, below, or nothing to judge (nil)
    wfa_mp_pack_str (pk, "benchmarks");
    msgpack_pack_map (pk, 3);
    const char *names [3] = { "compliance", "reports", "attainment" };
    double percents [3] = { wfa_monev_percent (t->on_time, t->judged), wfa_monev_percent (t->rep_sub, t->judged),
                            attainment < 0? -1: round (100.0 * attainment) / 100.0 };
    for (int benchmark_nbr = 0; benchmark_nbr < 3; benchmark_nbr++) {
        wfa_mp_pack_str (pk, names [benchmark_nbr]);
        double percent = percents [benchmark_nbr];
        msgpack_pack_map (pk, 2);
        wfa_mp_pack_kv_int (pk, "min_pct", bucket->benchmark [benchmark_nbr]);
        wfa_mp_pack_str (pk, "result");
        if (percent < 0)
            msgpack_pack_nil (pk);
        else
            wfa_mp_pack_str (pk, percent >= bucket->benchmark [benchmark_nbr]? "meets": "below");
    }
    //  The same period flexible against office: per day, RHK by RHK
    wfa_mp_pack_str (pk, "per_day");
    msgpack_pack_map (pk, 3);
    wfa_mp_pack_kv_int (pk, "rhk_compared", rhk->compared);
    s_pack_rounded (pk, "flexible_vs_office_pct", s_average (rhk->index_sum, rhk->compared));
    wfa_mp_pack_kv_int (pk, "office_days", office_days > 0? office_days: 0);
}

typedef struct {
    wfa_call_t *call;
    int from, to;
    const char *by;
    s_bucket_t *buckets;
    size_t *count;
    zhashx_t *policies;
    int rc;
} s_nation_t;

static void
s_collect_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    (void) prefix;
    s_nation_t *nation = (s_nation_t *) arg;
    if (nation->rc == 0)
        nation->rc = s_collect (nation->call, redis, pemda, NULL, NULL, nation->from, nation->to,
                                nation->by, nation->buckets, nation->count, nation->policies);
}

static void
s_monev_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    wfa_monev_t *self = (wfa_monev_t *) state;
    const char *pemda = wfa_call_pemda (call, "pemda", false);
    const char *opd = wfa_call_str (call, "opd", WFA_CODE_MAX, false);
    const char *nip = wfa_call_str (call, "nip", 18, false);
    const char *from_text = wfa_call_str (call, "from", 10, true);
    const char *to_text = wfa_call_str (call, "to", 10, true);
    const char *by = wfa_call_str (call, "by", 8, false);
    int from = 0, to = 0;
    if (nip && *nip && !wfa_nip_valid (nip))
        wfa_call_error (call, WFA_E_BAD_NIP, "nip", nip, -1);
    if (from_text && wfa_date_parse (from_text, &from))
        wfa_call_error (call, WFA_E_BAD_DATE, "from", from_text, -1);
    if (to_text && wfa_date_parse (to_text, &to))
        wfa_call_error (call, WFA_E_BAD_DATE, "to", to_text, -1);
    if (by && !streq (by, "total") && !streq (by, "day") && !streq (by, "week") && !streq (by, "month"))
        wfa_call_error (call, WFA_E_BAD_VALUE, "by", "total | day | week | month", -1);
    if (!wfa_call_failed (call) && (to < from || to - from >= S_RANGE_MAX))
        wfa_call_error (call, WFA_E_BAD_VALUE, "to", "from <= to, at most 366 days", -1);
    wfa_actor_t actor;
    if (wfa_call_failed (call) || wfa_authz_actor (call, redis, &actor))
        return;
    by = by? by: "total";
    opd = opd && *opd? opd: NULL;
    nip = nip && *nip? nip: NULL;
    //  The scope: an employee, an OPD, a pemda, or (no pemda) the nation
    char nip_pemda [16] = "";
    redisReply *person = NULL;
    wfa_target_t target = { pemda && *pemda? pemda: NULL, opd, NULL, NULL, false };
    if (nip) {
        if (wfa_authz_employee (call, redis, nip, nip_pemda, sizeof nip_pemda, &target, &person))
            return;
    }
    else
    if (!target.pemda && (opd || !(actor.roles & (1u << WFA_ROLE_KEMENDAGRI)))) {
        target.pemda = actor.pemda;         //  By default, the reader's pemda
        if (!*actor.pemda) {
            wfa_call_error (call, WFA_E_MISSING_FIELD, "pemda", "pemda of the OPD", -1);
            return;
        }
    }
    int denied = 0;
    if (!target.pemda)
        denied = wfa_authz_check (call, &actor, WFA_ACT_METRICS_READ, &target);   //  The nation
    else
        denied = wfa_authz_check (call, &actor, nip? WFA_ACT_EMPLOYEE_READ: WFA_ACT_METRICS_READ, &target);
    char scope_pemda [16];
    snprintf (scope_pemda, sizeof scope_pemda, "%s", target.pemda? target.pemda: "");
    char scope_opd [WFA_CODE_MAX + 1];
    snprintf (scope_opd, sizeof scope_opd, "%s", target.opd? target.opd: "");
    if (person)
        freeReplyObject (person);
    if (denied)
        return;
    if (nip && !*nip_pemda) {
        wfa_call_error (call, WFA_E_UNKNOWN_EMPLOYEE, "nip", nip, -1);
        return;
    }
    size_t bucket_max = (size_t) (to - from + 2);
    s_bucket_t *buckets = (s_bucket_t *) calloc (bucket_max, sizeof (s_bucket_t));
    size_t bucket_count = 0;
    int rc = 0;
    if (*scope_pemda)
        rc = s_collect (call, redis, scope_pemda, nip? scope_opd: opd, nip, from, to, by, buckets,
                        &bucket_count, self->policies);
    else {
        s_nation_t nation = { call, from, to, by, buckets, &bucket_count, self->policies, 0 };
        if (wfa_store_each_pemda (redis, s_collect_pemda, &nation))
            wfa_call_error (call, WFA_E_REDIS_UNAVAILABLE, NULL, NULL, -1);
        rc = nation.rc;
    }
    //  Before and after the pemda's first flexible day (not for the nation)
    s_before_after_t before_after;
    memset (&before_after, 0, sizeof before_after);
    if (rc == 0 && *scope_pemda)
        rc = s_before_after (call, redis, scope_pemda, nip? NULL: opd, nip, from, to, &before_after);
    if (rc == 0 && !wfa_call_failed (call)) {
        msgpack_packer *pk = wfa_call_reply (call, "scope");
        msgpack_pack_map (pk, 3);
        wfa_mp_pack_kv_str (pk, "pemda", scope_pemda);
        wfa_mp_pack_kv_str (pk, "opd", nip? "": scope_opd);
        wfa_mp_pack_kv_str (pk, "nip", nip? nip: "");
        pk = wfa_call_reply (call, "periods");
        msgpack_pack_array (pk, bucket_count);
        for (size_t bucket_nbr = 0; bucket_nbr < bucket_count; bucket_nbr++)
            s_pack_bucket (pk, &buckets [bucket_nbr], nip != NULL, *scope_pemda == 0);
        pk = wfa_call_reply (call, "before_after");
        if (*scope_pemda)
            s_pack_before_after (pk, &before_after, nip != NULL);
        else
            msgpack_pack_nil (pk);
    }
    for (size_t bucket_nbr = 0; bucket_nbr < bucket_count; bucket_nbr++) {
        for (int role = 0; role < S_ROLES; role++)
            free (buckets [bucket_nbr].waits [role]);
        free (buckets [bucket_nbr].rhk.list);
    }
    free (buckets);
    free (before_after.list);
}

//  ---------------------------------------------------------------------
//  MONEV.REBUILD

//  Request events of a pemda the metrics group has not acknowledged yet
//  (delivered or not): -1 if Redis cannot say.
static int64_t
s_events_pending (wfa_redis_t *redis, const char *pemda)
{
    redisReply *groups = wfa_redis_command (redis, "XINFO GROUPS wfa:{%s}:events", pemda);
    int64_t pending = groups && groups->type == REDIS_REPLY_ARRAY? 0: -1;
    for (size_t group_nbr = 0; pending >= 0 && group_nbr < groups->elements; group_nbr++) {
        const redisReply *group = groups->element [group_nbr];
        bool metrics = false;
        int64_t count = 0;
        for (size_t field_nbr = 0; group->type == REDIS_REPLY_ARRAY && field_nbr + 1 < group->elements; field_nbr += 2) {
            const char *name = group->element [field_nbr]->str? group->element [field_nbr]->str: "";
            const redisReply *value = group->element [field_nbr + 1];
            if (streq (name, "name"))
                metrics = value->str && streq (value->str, "metrics");
            else
            if ((streq (name, "pending") || streq (name, "lag")) && value->type == REDIS_REPLY_INTEGER)
                count += value->integer;
        }
        if (metrics)
            pending = count;
    }
    if (groups)
        freeReplyObject (groups);
    return pending;
}

//  Add the members a command answers to a set of NIPs.
static void
s_add_members (wfa_redis_t *redis, zhashx_t *set, const char *format, const char *prefix, const char *name)
{
    redisReply *members = name? wfa_redis_command (redis, format, prefix, name):
                                wfa_redis_command (redis, format, prefix);
    for (size_t member_nbr = 0; members && members->type == REDIS_REPLY_ARRAY && member_nbr < members->elements; member_nbr++)
        if (members->element [member_nbr]->str)
            zhashx_insert (set, members->element [member_nbr]->str, (void *) 1);
    if (members)
        freeReplyObject (members);
}

//  Run a Lua step unless the call has failed already.
static redisReply *
s_failed_or_eval (wfa_call_t *call, wfa_redis_t *redis, const wfa_script_t *script, int argc, const char **argv)
{
    if (wfa_call_failed (call))
        return NULL;
    redisReply *reply = wfa_redis_fcall (redis, script, 1, argc, argv, NULL);
    if (wfa_call_redis_down (call, reply))
        return NULL;
    return reply;
}

static void
s_monev_rebuild (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *pemda = wfa_call_pemda (call, "pemda", true);
    bool apply = wfa_call_bool (call, "apply", false);
    if (wfa_call_failed (call))
        return;
    wfa_target_t target = { pemda, NULL, NULL, NULL, false };
    wfa_actor_t actor;
    if (wfa_authz_call (call, redis, WFA_ACT_AUDIT_VERIFY, &target, &actor))
        return;
    //  Putting figures in force is a write: the pemda's own BKD or admin
    //  only; and a rebuild holds the pemda's rebuild lock, so a national
    //  reader, who changes nothing anywhere, does not start one at all
    if ((apply || wfa_call_national (call)) && !streq (actor.pemda, pemda)) {
        wfa_call_error (call, WFA_E_FORBIDDEN, "as", apply? "apply: bkd or admin_pemda of this pemda":
                        "kemendagri: read-only; a rebuild is the pemda's own", -1);
        return;
    }
    char prefix [WFA_PREFIX_MAX];
    wfa_store_prefix (pemda, prefix, sizeof prefix);
    //  One rebuild of a pemda at a time: they share the mv:r: workspace
    char token [32];
    snprintf (token, sizeof token, "%" PRId64 "-%d", zclock_usecs (), (int) getpid ());
    redisReply *reply = wfa_redis_command (redis, "SET %smv:rebuild:lock %s NX PX 600000", prefix, token);
    if (wfa_call_redis_down (call, reply))
        return;
    bool locked = reply->type == REDIS_REPLY_STATUS;
    freeReplyObject (reply);
    if (!locked) {
        wfa_call_error (call, WFA_E_BUSY, "pemda", "a rebuild of this pemda is running", -1);
        return;
    }
    //  Request events not yet counted would show as differences: an apply
    //  waits for them
    int64_t pending = s_events_pending (redis, pemda);
    if (apply && pending != 0)
        wfa_call_error (call, WFA_E_BUSY, "pemda", "request events still being counted", -1);
    const char *clear [] = { prefix, "clear" };
    reply = s_failed_or_eval (call, redis, &wfa_script_monev_rebuild, 2, clear);
    char writes [24] = "0";
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        snprintf (writes, sizeof writes, "%lld", reply->integer);
    if (reply)
        freeReplyObject (reply);
    //  Everyone with records (people since moved away too) and everyone on
    //  record, each once, a batch at a time
    zhashx_t *people = zhashx_new ();
    s_add_members (redis, people, "SMEMBERS %smv:people", prefix, NULL);
    redisReply *opds = wfa_call_failed (call)? NULL: wfa_redis_command (redis, "SMEMBERS %sopds", prefix);
    for (size_t opd_nbr = 0; opds && opds->type == REDIS_REPLY_ARRAY && opd_nbr < opds->elements; opd_nbr++)
        s_add_members (redis, people, "SMEMBERS %sopd:%s", prefix, opds->element [opd_nbr]->str);
    if (opds)
        freeReplyObject (opds);
    int64_t records = 0;
    zlistx_t *nips = zhashx_keys (people);
    const char *argv_batch [S_REBUILD_BATCH + 2];
    int argc = 0;
    for (const char *nip = (const char *) zlistx_first (nips); !wfa_call_failed (call); nip = (const char *) zlistx_next (nips)) {
        if (nip)
            argv_batch [2 + argc++] = nip;
        if (argc == S_REBUILD_BATCH || (!nip && argc > 0)) {
            argv_batch [0] = prefix;
            argv_batch [1] = "employees";
            reply = wfa_redis_fcall (redis, &wfa_script_monev_rebuild, 1, argc + 2, argv_batch, NULL);
            argc = 0;
            if (wfa_call_redis_down (call, reply))
                break;
            if (reply->type == REDIS_REPLY_INTEGER)
                records += reply->integer;
            else {
                wfa_log ("E", "monev_rebuild: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
                wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
            }
            freeReplyObject (reply);
        }
        if (!nip)
            break;
    }
    zlistx_destroy (&nips);
    zhashx_destroy (&people);
    reply = NULL;
    if (!wfa_call_failed (call)) {
        const char *argv [] = { prefix, apply? "apply": "check", writes };
        reply = wfa_redis_fcall (redis, &wfa_script_monev_compare, 1, 3, argv, NULL);
    }
    redisReply *unlock = wfa_redis_command (redis, "EVAL %s 1 %smv:rebuild:lock %s",
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        prefix, token);
    if (unlock)
        freeReplyObject (unlock);
    if (wfa_call_failed (call)) {
        if (reply)
            freeReplyObject (reply);
        return;
    }
    if (wfa_call_redis_down (call, reply))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 6) {
        wfa_log ("E", "monev_compare: %s", reply->type == REDIS_REPLY_ERROR? reply->str: "bad reply");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (reply);
        return;
    }
    int64_t differences = reply->element [2]->integer;
    msgpack_pack_int64 (wfa_call_reply (call, "records"), records);
    msgpack_pack_int64 (wfa_call_reply (call, "days"), reply->element [0]->integer);
    msgpack_pack_int64 (wfa_call_reply (call, "months"), reply->element [1]->integer);
    msgpack_pack_int64 (wfa_call_reply (call, "differences"), differences);
    if (differences == 0)
        msgpack_pack_true (wfa_call_reply (call, "equal"));
    else
        msgpack_pack_false (wfa_call_reply (call, "equal"));
    if (reply->element [4]->integer)
        msgpack_pack_true (wfa_call_reply (call, "applied"));
    else
        msgpack_pack_false (wfa_call_reply (call, "applied"));
    //  Figures written meanwhile make differences that are no error: said
    if (reply->element [5]->integer)
        msgpack_pack_true (wfa_call_reply (call, "moved"));
    else
        msgpack_pack_false (wfa_call_reply (call, "moved"));
    msgpack_pack_int64 (wfa_call_reply (call, "events_pending"), pending);
    msgpack_packer *pk = wfa_call_reply (call, "examples");
    const redisReply *examples = reply->element [3];
    msgpack_pack_array (pk, examples->elements);
    for (size_t item_nbr = 0; item_nbr < examples->elements; item_nbr++)
        wfa_mp_pack_str (pk, examples->element [item_nbr]->str? examples->element [item_nbr]->str: "");
    freeReplyObject (reply);
}

//  ---------------------------------------------------------------------
//  Time-driven: report reminders before the deadline, and each week's
//  evaluation against the benchmarks (flags, suspensions, lifting them).
//  Each is one Lua step guarded in Redis, so it happens once however many
//  instances tick; this instance's memory only spares Redis the asking.

static void
s_tick_pemda (wfa_redis_t *redis, const char *pemda, const char *prefix, void *arg)
{
    wfa_monev_t *self = (wfa_monev_t *) arg;
    int64_t now = wfa_now_ms ();
    s_tick_t *tick = (s_tick_t *) zhashx_lookup (self->ticks, pemda);
    if (!tick) {
        tick = (s_tick_t *) zmalloc (sizeof (s_tick_t));
        zhashx_insert (self->ticks, pemda, tick);
    }
    //  The version in force, asked every 10 s (by the monotonic clock: the
    //  wall clock may jump); the policy itself comes from the cache
    if (zclock_mono () >= tick->next_policy) {
        if (!wfa_store_policy_current (self->policies, redis, pemda, &tick->version))
            return;
        tick->next_policy = zclock_mono () + 10000;
    }
    wfa_policy_t *policy = wfa_store_policy (self->policies, redis, pemda, tick->version);
    if (!policy)
        return;
    const wfa_rules_t pemda_rules = wfa_policy_rules (policy, NULL);
    const wfa_rules_t *rules = &pemda_rules;
    //  Only an OPD with a section of its own in the policy may differ
    zlistx_t *codes = wfa_policy_opd_codes (policy);
    int64_t local = now + (int64_t) rules->tz_minutes * 60000;
    int today = wfa_date_of_ms (now, rules->tz_minutes);
    int minute = (int) (((local % 86400000) + 86400000) % 86400000 / 60000);
    char today_text [11], now_text [24];
    wfa_date_format (today, today_text);
    snprintf (now_text, sizeof now_text, "%" PRId64, now);
    //  Two hours before the report deadline (the pemda's, or an OPD's own),
    //  the reminders; done for the day once every deadline's time has come
    size_t opd_count = zlistx_size (codes);
    const char **argv = (const char **) calloc (opd_count + 12, sizeof (char *));
    char (*entries) [WFA_CODE_MAX + 64] = calloc (opd_count + 1, WFA_CODE_MAX + 64);
    bool all_due = minute >= (rules->report_deadline > 120? rules->report_deadline - 120: 0);
    int argc = 0;
    argv [argc++] = prefix;
    argv [argc++] = "remind";
    argv [argc++] = today_text;
    argv [argc++] = now_text;
    argv [argc++] = all_due? "1": "0";
    bool any_due = all_due;
    char overrides [4096] = "";
    size_t used = 0;
    size_t opd_nbr = 0;
    for (const char *opd = (const char *) zlistx_first (codes); opd;
         opd = (const char *) zlistx_next (codes), opd_nbr++) {
        wfa_rules_t own = wfa_policy_rules (policy, opd);
        if (own.report_deadline != rules->report_deadline) {
            bool due = minute >= (own.report_deadline > 120? own.report_deadline - 120: 0);
            snprintf (entries [opd_nbr], WFA_CODE_MAX + 64, "%s=%d", opd, due);
            argv [argc++] = entries [opd_nbr];
            any_due = any_due || due;
            all_due = all_due && due;
        }
        if (own.min_checkin_compliance != rules->min_checkin_compliance
        ||  own.min_report_rate != rules->min_report_rate || own.flag_after_weeks != rules->flag_after_weeks
        ||  own.suspend_weeks != rules->suspend_weeks) {
            int monday = today - (wfa_date_weekday (today) + 6) % 7;
            char until [11] = "";
            if (own.suspend_weeks > 0)
                wfa_date_format (monday + 7 * own.suspend_weeks - 1, until);
            if (used + strlen (opd) + 48 < sizeof overrides)
                used += snprintf (overrides + used, sizeof overrides - used, "%s:%d:%d:%d:%s;", opd,
                                  own.min_checkin_compliance, own.min_report_rate, own.flag_after_weeks, until);
        }
    }
    if (any_due && !streq (tick->reminded, today_text)) {
        redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_tick, 1, argc, argv, NULL);
        if (reply && reply->type == REDIS_REPLY_INTEGER && all_due)
            snprintf (tick->reminded, sizeof tick->reminded, "%s", today_text);
        if (reply)
            freeReplyObject (reply);
    }
    free (argv);
    free (entries);
    zlistx_destroy (&codes);
    //  The last whole ISO week, Monday to Sunday
    int monday = today - (wfa_date_weekday (today) + 6) % 7;
    char week [12];
    wfa_date_iso_week (monday - 7, week);
    if (streq (tick->evaluated, week))
        return;
    char dates [7][11], suspend [11] = "", min_c [8], min_r [8], after [8], version [24];
    for (int day_nbr = 0; day_nbr < 7; day_nbr++)
        wfa_date_format (monday - 7 + day_nbr, dates [day_nbr]);
    if (rules->suspend_weeks > 0)
        wfa_date_format (monday + 7 * rules->suspend_weeks - 1, suspend);
    snprintf (min_c, sizeof min_c, "%d", rules->min_checkin_compliance);
    snprintf (min_r, sizeof min_r, "%d", rules->min_report_rate);
    snprintf (after, sizeof after, "%d", rules->flag_after_weeks);
    snprintf (version, sizeof version, "%" PRId64, tick->version);
    const char *evaluate [] = { prefix, "evaluate", week, now_text, min_c, min_r, after, suspend,
                                today_text, version, overrides, dates [0], dates [1], dates [2],
                                dates [3], dates [4], dates [5], dates [6] };
    redisReply *reply = wfa_redis_fcall (redis, &wfa_script_monev_tick, 1, 18, evaluate, NULL);
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        snprintf (tick->evaluated, sizeof tick->evaluated, "%s", week);
        if (reply->elements == 4)
            wfa_log ("I", "monev %s %s: %lld judged, %lld below, %lld flagged, %lld lifted", pemda, week,
                     reply->element [0]->integer, reply->element [1]->integer,
                     reply->element [2]->integer, reply->element [3]->integer);
    }
    else
    if (reply && reply->type == REDIS_REPLY_ERROR)
        wfa_log ("E", "monev_tick: %s", reply->str);
    if (reply)
        freeReplyObject (reply);
}

void
wfa_monev_tick (wfa_monev_t *self, wfa_redis_t *redis)
{
    wfa_store_each_pemda (redis, s_tick_pemda, self);
}

const wfa_route_t wfa_monev_routes [] = {
    { "CHECKIN.IN", s_checkin },
    { "CHECKIN.OUT", s_checkin },
    { "REPORT.SUBMIT", s_report_submit },
    { "REPORT.VERIFY", s_report_verify },
    { "REPORT.LIST", s_report_list },
    { "REPORT.GET", s_report_get },
    { "EKINERJA.PUSH", s_ekinerja_push },
    { "MONEV.GET", s_monev_get },
    { "MONEV.REBUILD", s_monev_rebuild },
    { NULL, NULL }
};

void
wfa_monev_test (bool verbose)
{
    (void) verbose;
    assert (wfa_monev_percent (1, 0) == -1);
    assert (wfa_monev_percent (19, 20) == 95.0);
    assert (wfa_monev_percent (2, 3) == 66.67);
    double values [] = { 5, 1, 4, 2, 3 };
    wfa_monev_sort (values, 5);
    assert (values [0] == 1 && values [4] == 5);
    assert (wfa_monev_percentile (values, 5, 0.5) == 3 && wfa_monev_percentile (values, 5, 0.9) == 5);
    assert (wfa_monev_percentile (values, 0, 0.5) == 0);
    char label [16];
    int day = 0;
    wfa_date_parse ("2026-12-03", &day);
    s_bucket_label ("week", day, label);
    assert (streq (label, "2026-W49"));
    s_bucket_label ("month", day, label);
    assert (streq (label, "2026-12"));
    s_bucket_label ("total", day, label);
    assert (streq (label, "total"));
    //  Periods are found by label, made once
    s_bucket_t buckets [3];
    memset (buckets, 0, sizeof buckets);
    size_t bucket_count = 0;
    assert (s_bucket_of (buckets, &bucket_count, "2026-12") == 0);
    assert (s_bucket_of (buckets, &bucket_count, "2027-01") == 1);
    assert (s_bucket_of (buckets, &bucket_count, "2026-12") == 0 && bucket_count == 2);
    assert (buckets [1].capacity == -1);
    //  RHK ratios: each RHK against its own target, then averaged
    assert (s_per_day (5, 2) == 2.5 && s_per_day (5, 0) == -1);
    assert (s_average (100.0 + 4.0, 2) == 52.0 && s_average (0, 0) == -1);
}
