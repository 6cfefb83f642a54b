/*  records.c - the raw records in: check-ins (CHECKIN.IN, CHECKIN.OUT),
    daily reports (REPORT.SUBMIT, REPORT.VERIFY, REPORT.LIST, REPORT.GET)
    and e-kinerja data (EKINERJA.PUSH, EKINERJA.GET: the items with their history).

    Each write is one Lua step (lua/monev_checkin.lua, monev_report.lua,
    monev_ekinerja.lua) that checks, writes the raw record and moves the
    kept figures together, so a crash leaves either both or neither. */
#include "monev.h"


#define S_ACTIVITIES_MAX 20     //  Activities in one daily report
#define S_EVIDENCE_MAX 10       //  Evidence references per activity
#define S_ITEMS_MAX 1000        //  e-kinerja items per push
#define S_QUANTITY_MAX 1000000  //  One quantity
#define S_OFFICES_MAX 64        //  Offices listed for a geofence

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
s_context (monev_t *self, wfa_call_t *call, wfa_redis_t *redis, const char *nip, s_context_t *context)
{
    memset (context, 0, sizeof *context);
    if (wfa_store_call_pemda (call, redis, "as", nip, context->pemda, sizeof context->pemda))
        return -1;
    if (wfa_store_employee_fields (call, redis, context->pemda, nip, "opd", context->opd,
                                   sizeof context->opd, "supervisor_nip", context->supervisor,
                                   sizeof context->supervisor))
        return -1;
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

void
monev_checkin (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    monev_t *self = (monev_t *) state;
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
    const char *action = in? "in": "out";
    char checkins_key [WFA_KEY_MAX], employee_key [WFA_KEY_MAX], ramadan_key [WFA_KEY_MAX];
    char idem_key [WFA_KEY_MAX];
    const char *keys [] = { context.prefix,
                            wfa_store_key (checkins_key, sizeof checkins_key, context.pemda, "mv:ci:%s", nip),
                            wfa_store_key (employee_key, sizeof employee_key, context.pemda, "emp:%s", nip),
                            wfa_store_key (ramadan_key, sizeof ramadan_key, context.pemda, "ramadan"),
                            wfa_store_key (idem_key, sizeof idem_key, context.pemda, "idem:checkin:%s:%s:%s",
                                           nip, action, key) };
    const char *args [] = { "nip", nip, "date", date, "action", action, "at", at, "minute", minute,
                            "work_start", start, "grace", grace,
                            "lat", *lat_text? lat_text: NULL, "lon", *lon_text? lon_text: NULL,
                            "radius", radius, "offices", office_text, "ttl", ttl,
                            "ramadan_start", ramadan_start, "before", before, "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_monev_checkin, 5, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
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
    if (value->via.str.size > max || value->via.str.size >= size) {
        char detail [96];
        snprintf (detail, sizeof detail, "%s: %u > %zu bytes", field, value->via.str.size, max);
        wfa_call_error (call, WFA_E_TOO_LARGE, field, detail, index);
        return NULL;
    }
    if (memchr (value->via.str.ptr, 0, value->via.str.size)
    || !wfa_utf8_valid (value->via.str.ptr, value->via.str.size)) {
        wfa_call_error (call, WFA_E_BAD_VALUE, field, NULL, index);
        return NULL;
    }
    memcpy (buf, value->via.str.ptr, value->via.str.size);
    buf [value->via.str.size] = 0;
    return buf;
}

//  A new buffer with pk writing into it, an array of size begun: the
//  checked items of a call, packed for its Lua step.
static msgpack_sbuffer *
s_array_begin (msgpack_packer *pk, uint32_t size)
{
    msgpack_sbuffer *buffer = msgpack_sbuffer_new ();
    msgpack_packer_init (pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_array (pk, size);
    return buffer;
}

//  Item item_nbr of the array of field, or NULL (recorded as an error)
//  when it is not a map.
static const msgpack_object *
s_item_map (wfa_call_t *call, const msgpack_object *list, uint32_t item_nbr, const char *field)
{
    const msgpack_object *item = &list->via.array.ptr [item_nbr];
    if (item->type == MSGPACK_OBJECT_MAP)
        return item;
    wfa_call_error (call, WFA_E_WRONG_TYPE, field, NULL, (int) item_nbr);
    return NULL;
}

//  The quantity of an item, 0 to S_QUANTITY_MAX, into *quantity; an error
//  recorded when it is absent or out of range.
static void
s_item_quantity (wfa_call_t *call, const msgpack_object *item, int index, int64_t *quantity)
{
    const msgpack_object *value = wfa_mp_get (item, "quantity");
    if (!value)
        wfa_call_error (call, WFA_E_MISSING_FIELD, "quantity", NULL, index);
    else
    if (wfa_mp_int (value, quantity) || *quantity < 0 || *quantity > S_QUANTITY_MAX)
        wfa_call_error (call, WFA_E_BAD_VALUE, "quantity", "0..1000000", index);
}

//  Check the activities of a report and pack them for the Lua step; the
//  total quantity into *quantity. Returns the packed bytes (caller frees).
static msgpack_sbuffer *
s_activities (wfa_call_t *call, int64_t *quantity)
{
    const msgpack_object *list = wfa_call_array (call, "activities", S_ACTIVITIES_MAX, true, false);
    if (!list)
        return NULL;
    msgpack_packer pk;
    msgpack_sbuffer *buffer = s_array_begin (&pk, list->via.array.size);
    *quantity = 0;
    for (uint32_t item_nbr = 0; item_nbr < list->via.array.size; item_nbr++) {
        const msgpack_object *item = s_item_map (call, list, item_nbr, "activities");
        int index = (int) item_nbr;
        if (!item) {
            msgpack_pack_nil (&pk);
            continue;
        }
        wfa_call_check_map (call, item, "activity output quantity rhk plan evidence", "activities", index);
        char activity [501], output [201], rhk [65], plan [501];
        const char *activity_text = s_item_str (call, item, "activity", 500, true, index, activity, sizeof activity);
        const char *output_text = s_item_str (call, item, "output", 200, true, index, output, sizeof output);
        const char *rhk_text = s_item_str (call, item, "rhk", 64, false, index, rhk, sizeof rhk);
        const char *plan_text = s_item_str (call, item, "plan", 500, false, index, plan, sizeof plan);
        if (!rhk_text && !plan_text)
            wfa_call_error (call, WFA_E_MISSING_FIELD, "rhk", "rhk or plan: what the activity serves", index);
        int64_t amount = 0;
        s_item_quantity (call, item, index, &amount);
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
    if (wfa_call_check_date (call, field, text, day))
        return -1;
    return text || !wfa_call_failed (call)? 0: -1;
}

void
monev_report_submit (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    monev_t *self = (monev_t *) state;
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
    char reports_key [WFA_KEY_MAX], idem_key [WFA_KEY_MAX];
    const char *keys [] = { context.prefix,
                            wfa_store_key (reports_key, sizeof reports_key, context.pemda, "mv:rep:%s", nip),
                            wfa_store_key (idem_key, sizeof idem_key, context.pemda, "idem:report:%s:%s:%s",
                                           nip, date, key) };
    const char *args [] = { "action", "submit", "nip", nip, "date", date, "at", at, "ttl", ttl,
                            "late", late? "1": "0", "activities", activities->data, "quantity", amount,
                            "supervisor", context.supervisor, "fp", wfa_call_fingerprint (call) };
    size_t pair_count = sizeof args / sizeof *args / 2, lens [sizeof args / sizeof *args / 2];
    for (size_t pair_nbr = 0; pair_nbr < pair_count; pair_nbr++)
        lens [pair_nbr] = pair_nbr == 6? activities->size: strlen (args [2 * pair_nbr + 1]);
    redisReply *reply = wfa_store_step (redis, &wfa_script_monev_report, 3, keys, pair_count, args, lens);
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

void
monev_report_verify (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    monev_t *self = (monev_t *) state;
    const char *key = wfa_call_str (call, "key", 64, true);
    const char *actor = wfa_call_writer (call);
    const char *nip = wfa_call_nip (call, "nip", true);
    const char *date = wfa_call_str (call, "date", 10, true);
    const char *decision = wfa_call_str (call, "decision", 16, true);
    const char *note = wfa_call_str (call, "note", 2000, false);
    int day = 0;
    wfa_call_check_date (call, "date", date, &day);
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
        wfa_call_error (call, WFA_E_FORBIDDEN, "as", wfa_text (WFA_T_DETAIL_ANOTHER_PEMDA, wfa_call_lang (call)), -1);
        return;
    }
    char at [24], ttl [24], today [11];
    snprintf (at, sizeof at, "%" PRId64, context.now);
    snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
    wfa_date_format (context.today, today);
    char reports_key [WFA_KEY_MAX], idem_key [WFA_KEY_MAX];
    const char *keys [] = { context.prefix,
                            wfa_store_key (reports_key, sizeof reports_key, context.pemda, "mv:rep:%s", nip),
                            wfa_store_key (idem_key, sizeof idem_key, context.pemda, "idem:verify:%s:%s:%s:%s",
                                           actor, nip, date, key) };
    const char *args [] = { "action", "verify", "nip", nip, "date", date, "at", at, "ttl", ttl,
                            "as", actor, "decision", decision, "note", note? note: "", "today", today, "fp", wfa_call_fingerprint (call) };
    redisReply *reply = wfa_store_step (redis, &wfa_script_monev_report, 3, keys,
                                        sizeof args / sizeof *args / 2, args, NULL);
    const char *value = wfa_store_step_result (call, reply, "date");
    if (value) {
        wfa_mp_pack_str (wfa_call_reply (call, "nip"), nip);
        wfa_mp_pack_str (wfa_call_reply (call, "date"), date);
        wfa_mp_pack_str (wfa_call_reply (call, "state"), value);
    }
    if (reply)
        freeReplyObject (reply);
}

//  An employee's stored report of a date (HGET), NULL if Redis is out of reach.
static redisReply *
s_stored_report (wfa_redis_t *redis, const char *pemda, const char *nip, const char *date)
{
    char key [WFA_KEY_MAX];
    wfa_store_key (key, sizeof key, pemda, "mv:rep:%s", nip);
    return wfa_redis_command (redis, "HGET %s %s", key, date);
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

void
monev_report_list (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *actor = wfa_call_actor (call);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    char pemda [16];
    if (wfa_call_failed (call) || wfa_store_call_pemda (call, redis, "as", actor, pemda, sizeof pemda))
        return;
    char index [64];
    snprintf (index, sizeof index, "mv:rep:pending:%s", actor);
    redisReply *page = wfa_store_page (call, redis, pemda, index, cursor, limit, false);
    if (!page)
        return;
    const redisReply *pending = page->element [1];
    size_t count = pending->elements;
    msgpack_packer *pk = wfa_call_reply (call, "reports");
    msgpack_pack_array (pk, count);
    for (size_t item_nbr = 0; item_nbr < count; item_nbr++) {
        char nip [20] = "", date [11] = "";
        sscanf (pending->element [item_nbr]->str, "%19[^|]|%10s", nip, date);
        redisReply *stored = s_stored_report (redis, pemda, nip, date);
        s_pack_report (pk, nip, date, stored);
        if (stored)
            freeReplyObject (stored);
    }
    msgpack_pack_uint64 (wfa_call_reply (call, "count"), count);
    wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), page->element [2]->str);
    freeReplyObject (page);
}

void
monev_report_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_nip (call, "nip", true);
    const char *date = wfa_call_str (call, "date", 10, true);
    int day = 0;
    wfa_call_check_date (call, "date", date, &day);
    if (wfa_call_failed (call))
        return;
    char pemda [16];
    if (wfa_authz_read_person (call, redis, nip, WFA_ACT_EMPLOYEE_READ, pemda, sizeof pemda))
        return;
    redisReply *stored = s_stored_report (redis, pemda, nip, date);
    if (wfa_call_redis_down (call, stored))
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

void
monev_ekinerja_push (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *key = wfa_call_str (call, "key", 64, false);
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
    msgpack_packer pk;
    msgpack_sbuffer *buffer = s_array_begin (&pk, items->via.array.size);
    for (uint32_t item_nbr = 0; item_nbr < items->via.array.size; item_nbr++) {
        const msgpack_object *item = s_item_map (call, items, item_nbr, "items");
        int index = (int) item_nbr;
        if (!item)
            continue;
        wfa_call_check_map (call, item, "id type nip period date rhk quantity predikat replaces reason", "items", index);
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
            s_item_quantity (call, item, index, &quantity);
        }
        if (is_rating) {
            predikat_text = s_item_str (call, item, "predikat", 20, true, index, predikat, sizeof predikat);
            if (predikat_text && wfa_predikat_rank (predikat_text) < 0)
                wfa_call_error (call, WFA_E_BAD_VALUE, "predikat", predikat_text, index);
        }
        //  A correction: the id of the earlier item it replaces, and why
        char replaces [65], reason [501];
        const char *replaces_text = s_item_str (call, item, "replaces", 64, false, index, replaces, sizeof replaces);
        const char *reason_text = s_item_str (call, item, "reason", 500, replaces_text != NULL, index,
                                              reason, sizeof reason);
        if (replaces_text && id_text && streq (replaces_text, id_text))
            wfa_call_error (call, WFA_E_BAD_VALUE, "replaces", "an earlier item's id, not its own", index);
        if (wfa_call_failed (call))
            continue;
        //  The canonical text: the same content always gives the same text
        //  (a correction's also names what it replaces)
        char fp [400];
        snprintf (fp, sizeof fp, "%s|%s|%s|%s|%s|%" PRId64 "|%s%s%s", type_text, nip_text,
                  period_text? period_text: "", date_text? date_text: "", rhk_text? rhk_text: "",
                  quantity, predikat_text? predikat_text: "", replaces_text? "|replaces ": "",
                  replaces_text? replaces_text: "");
        msgpack_pack_map (&pk, 11);
        wfa_mp_pack_kv_str (&pk, "replaces", replaces_text? replaces_text: "");
        wfa_mp_pack_kv_str (&pk, "reason", reason_text? reason_text: "");
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
            wfa_call_error (call, WFA_E_FORBIDDEN, "nip", wfa_text (WFA_T_DETAIL_ANOTHER_PEMDA, wfa_call_lang (call)), (int) item_nbr);
        free (text);
    }
    if (wfa_call_failed (call)) {
        if (wfa_call_code (call) != WFA_E_REDIS_UNAVAILABLE && wfa_call_code (call) != WFA_E_FORBIDDEN)
            wfa_call_summary (call, WFA_E_IMPORT_INVALID, NULL);
        msgpack_sbuffer_free (buffer);
        return;
    }
    //  The step's map: the source, the items array packed above, and with
    //  a key its idempotency record (the actor's: a NIP, or the account)
    msgpack_sbuffer map;
    msgpack_packer map_pk;
    char who [WFA_PRINCIPAL_MAX], now [24];
    if (*actor.nip)
        snprintf (who, sizeof who, "%s", actor.nip);
    else
        wfa_principal_format (wfa_call_principal (call), who, sizeof who);
    snprintf (now, sizeof now, "%" PRId64, wfa_now_ms ());
    wfa_mp_writer_map (&map, &map_pk, key && *key? 7: 4);
    wfa_mp_pack_kv_str (&map_pk, "source", source);
    wfa_mp_pack_kv_str (&map_pk, "actor", who);
    wfa_mp_pack_kv_str (&map_pk, "now", now);
    if (key && *key) {
        char idem [WFA_KEY_MAX], ttl [24];
        snprintf (ttl, sizeof ttl, "%" PRId64, wfa_config_int (WFA_CFG_IDEM_TTL));
        wfa_mp_pack_kv_str (&map_pk, "idem", wfa_store_key (idem, sizeof idem, actor.pemda, "idem:ekinerja:%s:%s",
                                                            who, key));
        wfa_mp_pack_kv_str (&map_pk, "fp", wfa_call_fingerprint (call));
        wfa_mp_pack_kv_str (&map_pk, "ttl", ttl);
    }
    wfa_mp_pack_str (&map_pk, "items");
    msgpack_sbuffer_write (&map, buffer->data, buffer->size);
    msgpack_sbuffer_free (buffer);
    char prefix [WFA_PREFIX_MAX];
    const char *keys [] = { wfa_store_prefix (actor.pemda, prefix, sizeof prefix) };
    redisReply *answer = wfa_store_call_step (call, redis, &wfa_script_monev_ekinerja, 1, keys, &map);
    msgpack_sbuffer_destroy (&map);
    if (!answer)
        return;
    const redisReply *reply = answer->elements >= 2? answer->element [1]: NULL;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != items->via.array.size) {
        wfa_log ("E", "monev_ekinerja: not one result per item");
        wfa_call_error (call, WFA_E_INTERNAL, NULL, NULL, -1);
        freeReplyObject (answer);
        return;
    }
    int64_t created = 0, duplicates = 0, conflicts = 0, unknown = 0, replaced = 0;
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
        replaced += streq (result, "replaced");
        duplicates += streq (result, "duplicate");
        conflicts += strncmp (result, "conflict", 8) == 0;
        unknown += streq (result, "unknown_employee") || streq (result, "service_account");
    }
    msgpack_pack_int64 (wfa_call_reply (call, "created"), created);
    msgpack_pack_int64 (wfa_call_reply (call, "duplicates"), duplicates);
    msgpack_pack_int64 (wfa_call_reply (call, "conflicts"), conflicts);
    msgpack_pack_int64 (wfa_call_reply (call, "unknown"), unknown);
    if (replaced)       //  Only beside corrections: the replies of plain pushes stay as they were
        msgpack_pack_int64 (wfa_call_reply (call, "replaced"), replaced);
    freeReplyObject (answer);
}

//  ---------------------------------------------------------------------
//  EKINERJA.GET

void
monev_ekinerja_get (wfa_call_t *call, wfa_redis_t *redis, void *state)
{
    (void) state;
    const char *nip = wfa_call_nip (call, "nip", true);
    int64_t limit = wfa_call_int (call, "limit", 1, 1000, 100);
    const char *cursor = wfa_store_call_cursor (call, "cursor");
    if (wfa_call_failed (call))
        return;
    //  Out of reach and on record nowhere read alike: NOT_FOUND (no oracle)
    char pemda [16];
    if (wfa_authz_read_person (call, redis, nip, WFA_ACT_EMPLOYEE_READ, pemda, sizeof pemda))
        return;
    if (!*pemda) {
        wfa_call_error (call, WFA_E_NOT_FOUND, "nip", nip, -1);
        return;
    }
    //  The items in order of arrival, each with its history
    char index [64], history [WFA_KEY_MAX];
    snprintf (index, sizeof index, "mv:ekhz:%s", nip);
    wfa_store_key (history, sizeof history, pemda, "mv:ekh:%s", nip);
    redisReply *page = wfa_store_page (call, redis, pemda, index, cursor, limit, false);
    if (!page)
        return;
    const redisReply *ids = page->element [1];
    redisReply *items = NULL;
    if (ids->elements > 0) {
        const char **argv = (const char **) calloc (ids->elements + 2, sizeof (char *));
        assert (argv);
        argv [0] = "HMGET";
        argv [1] = history;
        for (size_t id_nbr = 0; id_nbr < ids->elements; id_nbr++)
            argv [id_nbr + 2] = ids->element [id_nbr]->str;
        items = wfa_redis_argv (redis, (int) ids->elements + 2, argv, NULL);
        free (argv);
    }
    if (ids->elements == 0 || !wfa_call_redis_down (call, items)) {
        wfa_mp_pack_str (wfa_call_reply (call, "nip"), nip);
        wfa_store_pack_blobs (wfa_call_reply (call, "items"), items);
        msgpack_pack_uint64 (wfa_call_reply (call, "count"), ids->elements);
        wfa_mp_pack_str (wfa_call_reply (call, "next_cursor"), page->element [2]->str);
    }
    if (items)
        freeReplyObject (items);
    freeReplyObject (page);
}
